/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datapath: EAL bring-up, ports, PMD threads.  See datapath.h.
 */
#define _GNU_SOURCE 1
#include "datapath.h"
#include "dp-private.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_pause.h>
#include <rte_pdump.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "dp-offload.h"

#define DP_RX_DESC 1024
#define DP_TX_DESC 1024
#define DP_MBUF_CACHE 256
/* Large receive buffers for vnet ports: the tail of a frame beyond its
 * head mbuf (see vnet.h). */
#define DP_N_BIG_MBUFS 4095
#define DP_BIG_MBUF_CACHE 64

struct dp_state dp;

char *
dp_errf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    if (vasprintf(&s, fmt, args) < 0) {
        abort();
    }
    va_end(args);
    return s;
}

static void
noop(void)
{
}

/* ---- EAL ------------------------------------------------------------ */

static bool
has_arg(const struct dp_params *p, const char *prefix)
{
    for (size_t i = 0; i < p->n_eal_args; i++) {
        if (!strncmp(p->eal_args[i], prefix, strlen(prefix))) {
            return true;
        }
    }
    return false;
}

static bool
is_pmd_core(const struct dp_params *p, unsigned int core)
{
    for (size_t i = 0; i < p->n_pmd_cores; i++) {
        if (p->pmd_cores[i] == core) {
            return true;
        }
    }
    return false;
}

/* Picks the main thread's core: the first allowed one that is not a PMD's,
 * and the handler thread's (DP_HANDLER_NONE for none).  Checks that every
 * PMD core, and the handler's, is allowed. */
static int
choose_cores(const struct dp_params *p, unsigned int *main_core,
             int *handler_core, char **errp)
{
    cpu_set_t set;
    char allowed[256] = "";

    if (sched_getaffinity(0, sizeof set, &set)) {
        int error = errno;
        *errp = dp_errf("sched_getaffinity: %s", strerror(error));
        return error;
    }
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &set)) {
            size_t len = strlen(allowed);
            snprintf(allowed + len, sizeof allowed - len, "%s%d",
                     len ? "," : "", c);
        }
    }
    for (size_t i = 0; i < p->n_pmd_cores; i++) {
        unsigned int c = p->pmd_cores[i];
        if (c >= CPU_SETSIZE || !CPU_ISSET(c, &set)) {
            *errp = dp_errf("pmd.cores: core %u is not available to this "
                            "process (available: %s)", c, allowed);
            return EINVAL;
        }
    }
    bool found = false;
    for (unsigned int c = 0; c < CPU_SETSIZE && !found; c++) {
        if (CPU_ISSET(c, &set) && !is_pmd_core(p, c)) {
            *main_core = c;
            found = true;
        }
    }
    if (!found) {
        *errp = dp_errf("pmd.cores: no core is left for the main thread "
                        "(available: %s)", allowed);
        return EINVAL;
    }

    /* The handler thread shares a core with the main thread (by default)
     * or has its own, but never a PMD thread's: it is there to take work
     * off them. */
    int h = p->handler_core;
    if (h == DP_HANDLER_AUTO) {
        *handler_core = *main_core;
    } else if (h < 0) {
        *handler_core = DP_HANDLER_NONE;
    } else if (h >= CPU_SETSIZE || !CPU_ISSET(h, &set)) {
        *errp = dp_errf("pmd.handler-core: core %d is not available to "
                        "this process (available: %s)", h, allowed);
        return EINVAL;
    } else if (is_pmd_core(p, h)) {
        *errp = dp_errf("pmd.handler-core: core %d is a PMD thread's "
                        "(pmd.cores); the handler takes work off them, "
                        "so it needs another core, or \"auto\" (the "
                        "main thread's) or \"none\"", h);
        return EINVAL;
    } else {
        *handler_core = h;
    }
    return 0;
}

/* Starts EAL with an lcore per thread: the main thread's and each PMD
 * thread's, numbered as their cores, and the handler thread's (if any),
 * whose number, '*handler_lcore', is one that no core of theirs has and
 * which runs on '*handler_core' (EAL threads, not threads registered with
 * rte_thread_register(), which would turn away DPDK's secondary processes
 * such as dpdk-dumpcap). */
static int
eal_start(const struct dp_params *p, int *handler_core,
          unsigned int *handler_lcore, char **errp)
{
    unsigned int main_core = 0;
    int error = choose_cores(p, &main_core, handler_core, errp);
    if (error) {
        return error;
    }

    char lcores[512];
    int len = snprintf(lcores, sizeof lcores, "%u", main_core);
    for (size_t i = 0; i < p->n_pmd_cores && len < (int) sizeof lcores; i++) {
        len += snprintf(lcores + len, sizeof lcores - len, ",%u",
                        p->pmd_cores[i]);
    }
    if (*handler_core >= 0) {
        unsigned int id = 0;
        while (id == main_core || is_pmd_core(p, id)) {
            id++;
        }
        if (id >= RTE_MAX_LCORE) {
            *errp = dp_errf("pmd.handler-core: no DPDK lcore number is "
                            "left for the handler thread (at most %d)",
                            RTE_MAX_LCORE);
            return EINVAL;
        }
        *handler_lcore = id;
        len += snprintf(lcores + len, sizeof lcores - len, ",%u@%d", id,
                        *handler_core);
    }
    if (len >= (int) sizeof lcores) {
        *errp = dp_errf("pmd.cores: too many cores");
        return EINVAL;
    }
    char main_arg[16];
    snprintf(main_arg, sizeof main_arg, "%u", main_core);

    /* argv for rte_eal_init(), which may permute it: keep our own copy of
     * the pointers to free. */
    size_t max = p->n_eal_args + 16, argc = 0;
    char **argv = calloc(max, sizeof *argv);
    char **copy = calloc(max, sizeof *copy);
    if (!argv || !copy) {
        abort();
    }
    argv[argc++] = strdup("xvs-switchd");
    argv[argc++] = strdup("--lcores");
    argv[argc++] = strdup(lcores);
    argv[argc++] = strdup("--main-lcore");
    argv[argc++] = strdup(main_arg);
    /* No files in /var/run/dpdk or hugetlbfs outlive us unless the operator
     * asks for a file prefix (for secondary processes such as pdump). */
    if (!has_arg(p, "--file-prefix") && !has_arg(p, "--in-memory")) {
        /* --no-huge implies legacy memory, which --in-memory refuses. */
        argv[argc++] = strdup(has_arg(p, "--no-huge") ? "--no-shconf"
                                                      : "--in-memory");
    }
    if (!has_arg(p, "--telemetry") && !has_arg(p, "--no-telemetry")) {
        argv[argc++] = strdup("--no-telemetry");
    }
    for (size_t i = 0; i < p->n_eal_args; i++) {
        argv[argc++] = strdup(p->eal_args[i]);
    }
    memcpy(copy, argv, argc * sizeof *argv);

    int ret = rte_eal_init(argc, argv);
    int err = rte_errno;
    for (size_t i = 0; i < argc; i++) {
        free(copy[i]);
    }
    free(copy);
    free(argv);
    if (ret < 0) {
        *errp = dp_errf("DPDK EAL initialization failed: %s (check "
                        "dpdk.args; hugepages reserved? try --no-huge)",
                        rte_strerror(err));
        return err ? err : EINVAL;
    }
    dp.eal_up = true;
    /* With a --file-prefix (shared memory that other processes may map),
     * DPDK's capture tools (dpdk-dumpcap, dpdk-pdump) can attach as
     * secondary processes to the ports that are ethdevs. */
    if (has_arg(p, "--file-prefix") && !has_arg(p, "--in-memory")
        && !has_arg(p, "--no-shconf")) {
        if (rte_pdump_init()) {
            fprintf(stderr, "DPDK pdump: %s (dpdk-dumpcap will not work)\n",
                    rte_strerror(rte_errno));
        } else {
            dp.pdump = true;
        }
    }
    return 0;
}

static int rings_create(char **errp);
static int pmd_wait_init(struct pmd *, char **errp);
static void pmd_wait_fini(struct pmd *);

/* ---- Mbuf accounting ------------------------------------------------ */

#define DP_PIN_RING_SIZE 1024

/* What the threads may hold whatever the ports: the pool's per-lcore
 * caches (which may fill to 1.5 times their size), a burst in flight per
 * PMD thread and the vnet receive buffers it posts, packet-ins on their
 * way to the main thread and packet-outs on theirs. */
static uint32_t
mbufs_for_threads(size_t n_pmds)
{
    return (n_pmds + 1) * DP_MBUF_CACHE * 3 / 2
           + n_pmds * (DP_BURST + VNET_BURST)
           + DP_PIN_RING_SIZE + DP_N_INJECT_SLOTS;
}

/* What one port may hold: an ethdev's rx ring full of empty buffers and
 * its tx rings full of packets not yet sent, and, for any port, a tx
 * buffer per PMD thread. */
static uint32_t
mbufs_for_port(bool ethdev, uint32_t nb_rxd, uint32_t nb_txd, uint32_t n_txq,
               size_t n_pmds)
{
    return (ethdev ? nb_rxd + nb_txd * n_txq : 0) + DP_TXBUF * n_pmds;
}

int
dp_isa_in_use(uint32_t *supported)
{
    *supported = dp_isa_supported();
    return dp.isa;
}

uint32_t
dp_mbufs_estimate(size_t n_ethdev, size_t n_vnet, size_t n_pmds)
{
    /* Vifs come and go (hotplug): room for every port number to be one.
     * A quarter more for what the drivers hold beyond their rings. */
    size_t n_spare = n_ethdev + n_vnet < DP_MAX_PORTS
                     ? DP_MAX_PORTS - n_ethdev - n_vnet : 0;
    uint64_t need = mbufs_for_threads(n_pmds)
                    + n_ethdev * mbufs_for_port(true, DP_RX_DESC, DP_TX_DESC,
                                                n_pmds, n_pmds)
                    + (n_vnet + n_spare) * mbufs_for_port(false, 0, 0, 1,
                                                          n_pmds);
    need += need / 4;
    uint64_t n = DP_DEFAULT_MBUFS;

    while (n < need && n < UINT32_MAX / 2) {
        n = n * 2 + 1;
    }
    return n;
}

uint32_t
dp_mbufs_reserved(void)
{
    return dp.mbufs_reserved;
}

/* Reserves what 'port' may hold ('need' mbufs), or says why not. */
static int
mbufs_reserve(struct dp_port *port, uint32_t need, char **errp)
{
    if ((uint64_t) dp.mbufs_reserved + need > dp.n_mbufs) {
        *errp = dp_errf("port %s: not enough mbufs: its queues and buffers "
                        "may hold %"PRIu32", and %"PRIu32" of the pool's "
                        "%"PRIu32" are spoken for (dpdk.mbufs in the "
                        "configuration; restart xvs-switchd to apply a "
                        "larger pool)", port->name, need,
                        dp.mbufs_reserved, dp.n_mbufs);
        return ENOBUFS;
    }
    dp.mbufs_reserved += need;
    port->mbufs = need;
    return 0;
}

/* DPDK's cap on vector width (EAL's --force-max-simd-bitwidth; 256 bits
 * by default on x86), which its own drivers follow too.  The call is
 * still marked experimental in DPDK 22.11. */
static unsigned int
max_simd_bits(void)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return rte_vect_get_max_simd_bitwidth();
#pragma GCC diagnostic pop
}

int
dp_init(const struct dp_params *p, char **errp)
{
    int error;

    *errp = NULL;
    if (!p->n_pmd_cores) {
        *errp = dp_errf("pmd.cores: at least one core is needed");
        return EINVAL;
    }
    int handler_core = DP_HANDLER_NONE;
    unsigned int handler_lcore = 0;
    error = eal_start(p, &handler_core, &handler_lcore, errp);
    if (error) {
        return error;
    }

    dp.hooks = p->hooks ? *p->hooks : (struct dp_thread_hooks) { 0 };
    dp.hooks.start = dp.hooks.start ? dp.hooks.start : noop;
    dp.hooks.quiesce = dp.hooks.quiesce ? dp.hooks.quiesce : noop;
    dp.hooks.stop = dp.hooks.stop ? dp.hooks.stop : noop;
    dp.hooks.block_start = dp.hooks.block_start ? dp.hooks.block_start
                                                : noop;
    dp.hooks.block_end = dp.hooks.block_end ? dp.hooks.block_end : noop;
    /* The caller's settings; zero means the default where zero makes no
     * sense (EMC size and insertion probability may be 0: disabled). */
    dp.params = *p;
    dp.params.hooks = NULL;
    dp.params.eal_args = NULL;
    dp.params.pmd_cores = NULL;
    if (!dp.params.max_megaflows) {
        dp.params.max_megaflows = DP_DEFAULT_MAX_MEGAFLOWS;
    }
    if (!dp.params.megaflow_idle_ms) {
        dp.params.megaflow_idle_ms = DP_DEFAULT_MEGAFLOW_IDLE_MS;
    }
    if (!dp.params.upcall_share || dp.params.upcall_share > 100) {
        dp.params.upcall_share = DP_DEFAULT_UPCALL_SHARE;
    }
    if (!dp.params.handler_misses) {
        dp.params.handler_misses = DP_DEFAULT_HANDLER_MISSES;
    }

    /* The classification variant: checked once EAL has parsed its
     * arguments (--force-max-simd-bitwidth caps "auto"). */
    char isa_err[160];
    dp.isa = dp_isa_choose(p->isa, dp_isa_supported(), max_simd_bits(),
                           isa_err, sizeof isa_err);
    if (dp.isa == DP_ISA_AUTO) {
        *errp = dp_errf("%s", isa_err);
        dp_fini();
        return EINVAL;
    }
    dp.classify = dp_classify_get(dp.isa);

    dp.tsc_per_ms = rte_get_tsc_hz() / 1000;
    if (!dp.tsc_per_ms) {
        dp.tsc_per_ms = 1;
    }

    dp.n_mbufs = p->n_mbufs ? p->n_mbufs : DP_DEFAULT_MBUFS;
    dp.pool = rte_pktmbuf_pool_create("xvs_mbufs", dp.n_mbufs, DP_MBUF_CACHE,
                                      0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      rte_socket_id());
    if (!dp.pool) {
        *errp = dp_errf("cannot create the mbuf pool (%"PRIu32" mbufs, "
                        "%"PRIu64" MB): %s; give DPDK more memory (-m or "
                        "hugepages in dpdk.args) or lower dpdk.mbufs",
                        dp.n_mbufs,
                        (uint64_t) dp.n_mbufs
                        * (RTE_MBUF_DEFAULT_BUF_SIZE
                           + sizeof(struct rte_mbuf)) >> 20,
                        rte_strerror(rte_errno));
        dp_fini();
        return ENOMEM;
    }

    dp.big_pool = rte_pktmbuf_pool_create("xvs_big_mbufs", DP_N_BIG_MBUFS,
                                          DP_BIG_MBUF_CACHE, 0,
                                          RTE_PKTMBUF_HEADROOM
                                          + VNET_BIG_SEG_SIZE,
                                          rte_socket_id());
    if (!dp.big_pool) {
        *errp = dp_errf("cannot create the large mbuf pool (%u mbufs): %s",
                        DP_N_BIG_MBUFS, rte_strerror(rte_errno));
        dp_fini();
        return ENOMEM;
    }

    if (rings_create(errp)) {
        dp_fini();
        return ENOMEM;
    }

    dp.n_pmds = p->n_pmd_cores + (handler_core >= 0);
    dp.mbufs_reserved = mbufs_for_threads(dp.n_pmds);
    size_t qsz = rte_rcu_qsbr_get_memsize(dp.n_pmds);
    dp.qsbr = rte_zmalloc("xvs_qsbr", qsz, RTE_CACHE_LINE_SIZE);
    dp.pmds = rte_zmalloc("xvs_pmds", dp.n_pmds * sizeof *dp.pmds,
                          RTE_CACHE_LINE_SIZE);
    if (!dp.qsbr || !dp.pmds) {
        *errp = dp_errf("out of DPDK memory for PMD state");
        dp.n_pmds = 0;
        dp_fini();
        return ENOMEM;
    }
    rte_rcu_qsbr_init(dp.qsbr, dp.n_pmds);

    for (size_t i = 0; i < dp.n_pmds; i++) {
        struct pmd *pmd = &dp.pmds[i];
        pmd->id = i;
        pmd->handler = i == p->n_pmd_cores;
        pmd->lcore = pmd->handler ? handler_lcore : p->pmd_cores[i];
        pmd->core = pmd->handler ? (unsigned int) handler_core
                                 : p->pmd_cores[i];
        pmd_init_caches(pmd);
        pmd->vnet_rx = vnet_rx_ctx_create(dp.pool, dp.big_pool);
        error = pmd->vnet_rx ? pmd_wait_init(pmd, errp) : ENOMEM;
        if (error) {
            if (!*errp) {
                *errp = dp_errf("out of memory for PMD thread %u", pmd->id);
            }
            vnet_rx_ctx_destroy(pmd->vnet_rx);
            pmd_wait_fini(pmd);
            dp.n_pmds = i;
            dp_fini();
            return error;
        }
        int ret = rte_eal_remote_launch(pmd_main, pmd, pmd->lcore);
        if (ret) {
            *errp = dp_errf("cannot start the %s thread on core %u: %s",
                            pmd->handler ? "upcall handler" : "PMD",
                            pmd->core, rte_strerror(-ret));
            dp.n_pmds = i;
            dp_fini();
            return -ret;
        }
        if (pmd->handler) {
            dp.handler = pmd;
        }
    }
    return 0;
}

/* ---- Waking PMD threads ------------------------------------------- */

/* The epoll set and eventfd a PMD thread blocks on when idle. */
static int
pmd_wait_init(struct pmd *pmd, char **errp)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 };

    pmd->epfd = epoll_create1(EPOLL_CLOEXEC);
    pmd->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pmd->epfd < 0 || pmd->wake_fd < 0
        || epoll_ctl(pmd->epfd, EPOLL_CTL_ADD, pmd->wake_fd, &ev)) {
        int error = errno;
        *errp = dp_errf("cannot set up waiting for PMD thread %u: %s",
                        pmd->id, strerror(error));
        return error;
    }
    return 0;
}

static void
pmd_wait_fini(struct pmd *pmd)
{
    if (pmd->epfd > 0) {
        close(pmd->epfd);
    }
    if (pmd->wake_fd > 0) {
        close(pmd->wake_fd);
    }
    pmd->epfd = pmd->wake_fd = -1;
}

/* Wakes PMD thread 'pmd' if it is blocked, or keeps it from blocking at
 * its next idle iteration.  Any thread. */
void
pmd_kick(struct pmd *pmd)
{
    uint64_t one = 1;

    if (pmd->wake_fd > 0 && write(pmd->wake_fd, &one, sizeof one) < 0) {
        /* EAGAIN: the counter is full, so the thread wakes anyway. */
    }
}

/* The vnet port's socket joins or leaves 'pmd''s epoll set. */
static void
pmd_watch(struct pmd *pmd, const struct dp_port *port, bool add)
{
    if (port->vnet) {
        struct epoll_event ev = { .events = EPOLLIN,
                                  .data.fd = vnet_fd(port->vnet) };
        epoll_ctl(pmd->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
                  vnet_fd(port->vnet), &ev);
    }
}

static int
rings_create(char **errp)
{
    dp.pin_ring = rte_ring_create_elem("xvs_pin", sizeof(struct dp_pin_elem),
                                       DP_PIN_RING_SIZE, rte_socket_id(),
                                       RING_F_SC_DEQ);
    dp.inject_free = rte_ring_create_elem("xvs_inj_free", sizeof(uint32_t),
                                          DP_N_INJECT_SLOTS * 2,
                                          rte_socket_id(),
                                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    dp.inject_todo = rte_ring_create_elem("xvs_inj_todo", sizeof(uint32_t),
                                          DP_N_INJECT_SLOTS * 2,
                                          rte_socket_id(),
                                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    dp.inject_slots = calloc(DP_N_INJECT_SLOTS, sizeof *dp.inject_slots);
    dp.meters = rte_zmalloc("xvs_meters", DP_MAX_METERS * sizeof *dp.meters,
                            RTE_CACHE_LINE_SIZE);
    for (size_t i = 0; dp.meters && i < DP_MAX_METERS; i++) {
        rte_spinlock_init(&dp.meters[i].lock);
    }
    if (!dp.pin_ring || !dp.inject_free || !dp.inject_todo
        || !dp.inject_slots || !dp.meters) {
        *errp = dp_errf("cannot create the datapath's rings: %s",
                        rte_strerror(rte_errno));
        return ENOMEM;
    }
    for (uint32_t i = 0; i < DP_N_INJECT_SLOTS; i++) {
        rte_ring_sp_enqueue_elem(dp.inject_free, &i, sizeof i);
    }
    return 0;
}

static void
rings_destroy(void)
{
    struct dp_pin_elem e;

    while (dp.pin_ring
           && !rte_ring_sc_dequeue_elem(dp.pin_ring, &e, sizeof e)) {
        rte_pktmbuf_free(e.m);
    }
    for (uint32_t i = 0; dp.inject_slots && i < DP_N_INJECT_SLOTS; i++) {
        rte_pktmbuf_free(dp.inject_slots[i].m);
    }
    rte_ring_free(dp.pin_ring);
    rte_ring_free(dp.inject_free);
    rte_ring_free(dp.inject_todo);
    free(dp.inject_slots);
    for (size_t i = 0; dp.meters && i < DP_MAX_METERS; i++) {
        rte_free(dp.meters[i].state);
    }
    rte_free(dp.meters);
    dp.meters = NULL;
    dp.pin_ring = dp.inject_free = dp.inject_todo = NULL;
    dp.inject_slots = NULL;
}

size_t
dp_packet_in_recv(struct dp_packet_in *pins, size_t max)
{
    size_t n = 0;
    struct dp_pin_elem e;

    while (n < max && dp.pin_ring
           && !rte_ring_sc_dequeue_elem(dp.pin_ring, &e, sizeof e)) {
        struct dp_packet_in *pin = &pins[n++];
        uint32_t total = rte_pktmbuf_pkt_len(e.m);
        uint32_t len = RTE_MIN(total, (uint32_t) DP_PACKET_IN_MAX);

        pin->in_port = e.in_port;
        pin->arg = e.arg;
        pin->total_len = total;
        pin->len = len;
        pin->data = malloc(len ? len : 1);
        if (pin->data) {
            const void *p = rte_pktmbuf_read(e.m, 0, len, pin->data);
            if (p != pin->data) {
                memcpy(pin->data, p, len);
            }
            /* A controller gets the packet as it will be on the wire
             * (one frame, even if it was a GSO frame: as Open vSwitch). */
            dp_offload_csum_buf(pin->data, len, e.m->ol_flags,
                                e.m->l2_len + e.m->l3_len);
        } else {
            pin->len = 0;
        }
        rte_pktmbuf_free(e.m);
    }
    return n;
}

uint64_t
dp_packet_in_dropped(void)
{
    uint64_t n = 0;

    for (size_t i = 0; i < dp.n_pmds; i++) {
        n += __atomic_load_n(&dp.pmds[i].pin_dropped, __ATOMIC_RELAXED);
    }
    return n;
}

int
dp_inject(uint32_t in_port, const void *data, size_t len,
          const struct dp_actions *acts)
{
    uint32_t idx;

    if (!len || len > RTE_MBUF_DEFAULT_DATAROOM) {
        return EINVAL;
    }
    if (!dp.n_pmds
        || rte_ring_sc_dequeue_elem(dp.inject_free, &idx, sizeof idx)) {
        return ENOBUFS;
    }
    struct dp_inject_slot *slot = &dp.inject_slots[idx];
    struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
    char *p = m ? rte_pktmbuf_append(m, len) : NULL;
    if (!p) {
        rte_pktmbuf_free(m);
        rte_ring_sp_enqueue_elem(dp.inject_free, &idx, sizeof idx);
        return ENOBUFS;
    }
    memcpy(p, data, len);
    slot->m = m;
    slot->in_port = in_port;
    slot->acts.n = acts->n;
    memcpy(slot->acts.a, acts->a, acts->n * sizeof acts->a[0]);
    rte_ring_sp_enqueue_elem(dp.inject_todo, &idx, sizeof idx);
    pmd_kick(&dp.pmds[0]);
    return 0;
}

/* ---- Meters -------------------------------------------------------- */


struct dp_meter_state {
    enum { METER_UNLIMITED, METER_SRTCM, METER_TRTCM } kind;
    bool pktps;
    bool srtcm_remarks;         /* METER_SRTCM: over it remarks, not drops. */
    uint8_t prec_level;
    struct rte_meter_srtcm_profile sr_profile;
    struct rte_meter_srtcm sr;
    struct rte_meter_trtcm_profile tr_profile;
    struct rte_meter_trtcm tr;
};

/* A band's rate and burst in rte_meter's units (bytes, or packets as
 * "bytes" for a pktps meter). */
static void
meter_units(bool pktps, uint32_t rate, uint32_t burst, uint64_t *ir,
            uint64_t *bs)
{
    *ir = pktps ? rate : (uint64_t) rate * 1000 / 8;
    *bs = pktps ? burst : (uint64_t) burst * 1000 / 8;
    if (!*bs) {
        *bs = RTE_MAX(*ir / 10, pktps ? (uint64_t) 1 : 1518);
    }
}

static int
meter_state_config(struct dp_meter_state *st,
                   const struct dp_meter_config *cfg)
{
    bool drop = cfg->rate, remark = cfg->remark_rate && cfg->prec_level
                                     && (!drop || cfg->remark_rate < cfg->rate);
    uint64_t ir, bs, pir, pbs;
    int ret;

    st->pktps = cfg->pktps;
    st->prec_level = cfg->prec_level;
    if (drop && remark) {
        /* Committed rate: the remark band; peak rate: the drop band. */
        meter_units(cfg->pktps, cfg->remark_rate, cfg->remark_burst, &ir,
                    &bs);
        meter_units(cfg->pktps, cfg->rate, cfg->burst, &pir, &pbs);
        struct rte_meter_trtcm_params params = {
            .cir = ir, .cbs = bs, .pir = pir, .pbs = RTE_MAX(pbs, bs),
        };
        st->kind = METER_TRTCM;
        ret = rte_meter_trtcm_profile_config(&st->tr_profile, &params);
        return ret ? ret : rte_meter_trtcm_config(&st->tr, &st->tr_profile);
    }
    if (!drop && !remark) {
        st->kind = METER_UNLIMITED;
        return 0;
    }
    meter_units(cfg->pktps, drop ? cfg->rate : cfg->remark_rate,
                drop ? cfg->burst : cfg->remark_burst, &ir, &bs);
    struct rte_meter_srtcm_params params = { .cir = ir, .cbs = bs, .ebs = 0 };
    st->kind = METER_SRTCM;
    st->srtcm_remarks = !drop;
    ret = rte_meter_srtcm_profile_config(&st->sr_profile, &params);
    return ret ? ret : rte_meter_srtcm_config(&st->sr, &st->sr_profile);
}

int
dp_meter_set(uint32_t slot, const struct dp_meter_config *cfg, char **errp)
{
    struct dp_meter_state *st;

    *errp = NULL;
    if (slot >= DP_MAX_METERS || !dp.meters) {
        *errp = dp_errf("meter slot %"PRIu32" out of range", slot);
        return EINVAL;
    }
    st = rte_zmalloc("xvs_meter", sizeof *st, RTE_CACHE_LINE_SIZE);
    if (!st) {
        *errp = dp_errf("out of DPDK memory for a meter");
        return ENOMEM;
    }
    int ret = meter_state_config(st, cfg);
    if (ret) {
        rte_free(st);
        *errp = dp_errf("meter rate %"PRIu32" (remark %"PRIu32") %s, burst "
                        "%"PRIu32": %s", cfg->rate, cfg->remark_rate,
                        cfg->pktps ? "pktps" : "kbps", cfg->burst,
                        rte_strerror(-ret));
        return EINVAL;
    }
    struct dp_meter *mt = &dp.meters[slot];
    struct dp_meter_state *old = __atomic_exchange_n(&mt->state, st,
                                                     __ATOMIC_ACQ_REL);
    if (old) {
        dp_synchronize();
        rte_free(old);
    }
    return 0;
}

void
dp_meter_del(uint32_t slot)
{
    if (slot >= DP_MAX_METERS || !dp.meters) {
        return;
    }
    struct dp_meter *mt = &dp.meters[slot];
    struct dp_meter_state *old = __atomic_exchange_n(&mt->state, NULL,
                                                     __ATOMIC_ACQ_REL);
    /* Once every PMD thread has passed a quiescent state, none is inside
     * the meter: its counters are ours to reset. */
    dp_synchronize();
    rte_free(old);
    mt->packets = mt->bytes = mt->dropped_packets = mt->dropped_bytes = 0;
    mt->remarked_packets = mt->remarked_bytes = 0;
}

void
dp_meter_get_stats(uint32_t slot, struct dp_meter_stats *s)
{
    memset(s, 0, sizeof *s);
    if (slot < DP_MAX_METERS && dp.meters) {
        const struct dp_meter *mt = &dp.meters[slot];
        s->packets = __atomic_load_n(&mt->packets, __ATOMIC_RELAXED);
        s->bytes = __atomic_load_n(&mt->bytes, __ATOMIC_RELAXED);
        s->dropped_packets = __atomic_load_n(&mt->dropped_packets,
                                             __ATOMIC_RELAXED);
        s->dropped_bytes = __atomic_load_n(&mt->dropped_bytes,
                                           __ATOMIC_RELAXED);
        s->remarked_packets = __atomic_load_n(&mt->remarked_packets,
                                              __ATOMIC_RELAXED);
        s->remarked_bytes = __atomic_load_n(&mt->remarked_bytes,
                                            __ATOMIC_RELAXED);
    }
}

enum dp_meter_verdict
dp_meter_check(uint32_t slot, uint32_t pkt_len, uint64_t tsc,
               uint8_t *prec_level)
{
    enum dp_meter_verdict v = DP_METER_PASS;
    struct dp_meter *mt;

    if (slot >= DP_MAX_METERS) {
        return v;
    }
    mt = &dp.meters[slot];
    rte_spinlock_lock(&mt->lock);
    struct dp_meter_state *st = __atomic_load_n(&mt->state,
                                                __ATOMIC_ACQUIRE);
    if (st) {
        uint32_t n = st->pktps ? 1 : pkt_len;
        if (st->kind == METER_SRTCM) {
            enum rte_color c = rte_meter_srtcm_color_blind_check(
                &st->sr, &st->sr_profile, tsc, n);
            v = (c == RTE_COLOR_GREEN ? DP_METER_PASS
                 : st->srtcm_remarks ? DP_METER_REMARK : DP_METER_DROP);
        } else if (st->kind == METER_TRTCM) {
            enum rte_color c = rte_meter_trtcm_color_blind_check(
                &st->tr, &st->tr_profile, tsc, n);
            v = (c == RTE_COLOR_GREEN ? DP_METER_PASS
                 : c == RTE_COLOR_YELLOW ? DP_METER_REMARK : DP_METER_DROP);
        }
        *prec_level = st->prec_level;
        __atomic_store_n(&mt->packets, mt->packets + 1, __ATOMIC_RELAXED);
        __atomic_store_n(&mt->bytes, mt->bytes + pkt_len, __ATOMIC_RELAXED);
        if (v == DP_METER_DROP) {
            __atomic_store_n(&mt->dropped_packets, mt->dropped_packets + 1,
                             __ATOMIC_RELAXED);
            __atomic_store_n(&mt->dropped_bytes,
                             mt->dropped_bytes + pkt_len, __ATOMIC_RELAXED);
        } else if (v == DP_METER_REMARK) {
            __atomic_store_n(&mt->remarked_packets,
                             mt->remarked_packets + 1, __ATOMIC_RELAXED);
            __atomic_store_n(&mt->remarked_bytes,
                             mt->remarked_bytes + pkt_len, __ATOMIC_RELAXED);
        }
    }
    rte_spinlock_unlock(&mt->lock);
    return v;
}

static void dp_reclaim(bool no_readers);

static void
pmds_stop(void)
{
    for (size_t i = 0; i < dp.n_pmds; i++) {
        __atomic_store_n(&dp.pmds[i].exit, true, __ATOMIC_RELEASE);
        pmd_kick(&dp.pmds[i]);
    }
    for (size_t i = 0; i < dp.n_pmds; i++) {
        rte_eal_wait_lcore(dp.pmds[i].lcore);
    }
    dp.handler = NULL;
    dp_reclaim(true);
    for (size_t i = 0; i < dp.n_pmds; i++) {
        free(dp.pmds[i].rxqs);
        dp.pmds[i].rxqs = NULL;
        pmd_wait_fini(&dp.pmds[i]);
        vnet_rx_ctx_destroy(dp.pmds[i].vnet_rx);
        dp.pmds[i].vnet_rx = NULL;
    }
    dp.n_pmds = 0;
}

static void port_close(struct dp_port *);
static void rings_destroy(void);

void
dp_fini(void)
{
    if (!dp.eal_up) {
        return;
    }
    pmds_stop();
    for (size_t i = 0; i < DP_MAX_PORTS; i++) {
        if (dp.ports[i]) {
            port_close(dp.ports[i]);
            free(dp.ports[i]);
            dp.ports[i] = NULL;
        }
    }
    rings_destroy();
    rte_free(dp.pmds);
    rte_free(dp.qsbr);
    rte_mempool_free(dp.pool);
    rte_mempool_free(dp.big_pool);
    dp.big_pool = NULL;
    dp.pmds = NULL;
    dp.qsbr = NULL;
    dp.pool = NULL;
    if (dp.pdump) {
        rte_pdump_uninit();
        dp.pdump = false;
    }
    rte_eal_cleanup();
    dp.eal_up = false;
}

size_t
dp_n_pmds(void)
{
    return dp.n_pmds;
}

const char *
dp_version(void)
{
    return rte_version();
}

void
dp_mbuf_usage(unsigned int *in_use, unsigned int *size)
{
    *in_use = dp.pool ? rte_mempool_in_use_count(dp.pool) : 0;
    *size = dp.pool ? dp.pool->size : 0;
}

/* ---- Ports ---------------------------------------------------------- */

/* Rx-queue lists replaced while PMD threads may still read them, each with
 * the QSBR token that every thread must pass first.  They are freed once
 * it is passed, checked without waiting at each port change: a start-up
 * that adds 10,000 ports must not wait for 10,000 grace periods (each as
 * long as a PMD iteration over every port). */
struct dp_garbage {
    void *p;
    uint64_t token;
};
static struct dp_garbage *garbage;
static size_t n_garbage, garbage_allocated;

/* Frees the garbage whose token every PMD thread has passed, or all of it
 * when 'no_readers' (no PMD thread runs). */
static void
dp_reclaim(bool no_readers)
{
    size_t i;

    /* Tokens grow with time: stop at the first one not yet passed. */
    for (i = 0; i < n_garbage; i++) {
        if (!no_readers && dp.n_pmds
            && !rte_rcu_qsbr_check(dp.qsbr, garbage[i].token, false)) {
            break;
        }
        free(garbage[i].p);
    }
    if (i) {
        memmove(garbage, garbage + i, (n_garbage - i) * sizeof *garbage);
        n_garbage -= i;
    }
    if (!n_garbage) {
        free(garbage);
        garbage = NULL;
        garbage_allocated = 0;
    }
}

/* Frees 'p' once no PMD thread can be reading it. */
static void
dp_defer_free(void *p)
{
    if (!p) {
        return;
    }
    if (n_garbage >= garbage_allocated) {
        garbage_allocated = garbage_allocated ? 2 * garbage_allocated : 64;
        garbage = realloc(garbage, garbage_allocated * sizeof *garbage);
        if (!garbage) {
            abort();
        }
    }
    garbage[n_garbage].p = p;
    garbage[n_garbage].token = dp.n_pmds ? rte_rcu_qsbr_start(dp.qsbr) : 0;
    n_garbage++;
    dp_reclaim(false);
}

/* Waits until every PMD thread has passed a quiescent state. */
void
dp_synchronize(void)
{
    if (dp.n_pmds) {
        rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
    }
    dp_reclaim(false);
}

/* Publishes 'pmd''s rx-queue list with 'add' (if any) appended and the
 * ports marked 'leaving', or given to another thread ('pmd' no longer
 * theirs), removed; the old list is freed once no PMD thread reads it. */
static void
pmd_update_rxqs(struct pmd *pmd, struct dp_port *add)
{
    struct pmd_rxq_list *old = pmd->rxqs;
    size_t n_old = old ? old->n : 0;
    struct pmd_rxq_list *new = malloc(sizeof *new
                                      + (n_old + 1) * sizeof new->q[0]);
    if (!new) {
        abort();
    }
    new->n = 0;
    for (size_t i = 0; i < n_old; i++) {
        const struct dp_port *port = old->q[i].port;
        if (!port->leaving && port->pmd == pmd->id) {
            new->q[new->n++] = old->q[i];
        } else {
            pmd_watch(pmd, old->q[i].port, false);
        }
    }
    if (add) {
        new->q[new->n].port = add;
        new->q[new->n].queue = 0;
        new->n++;
        pmd_watch(pmd, add, true);
    }
    new->n_polled = 0;
    for (size_t i = 0; i < new->n; i++) {
        new->n_polled += !new->q[i].port->vnet;
    }
    pmd->n_rxqs = new->n;
    __atomic_store_n(&pmd->rxqs, new, __ATOMIC_RELEASE);
    /* A blocked thread must see the new list (a port to poll). */
    pmd_kick(pmd);
    dp_defer_free(old);
}

static int
port_devargs(const struct dp_port_spec *spec, char *buf, size_t size,
             char **errp)
{
    int n;

    switch (spec->kind) {
    case DP_PORT_DEVARGS:
        n = snprintf(buf, size, "%s", spec->devargs);
        break;
    case DP_PORT_AF_XDP:
        /* One queue: a veth or vif has one, and a second rx queue would
         * need its own poller. */
        n = snprintf(buf, size, "net_af_xdp_%s,iface=%s,start_queue=0,"
                     "queue_count=1", spec->iface, spec->iface);
        break;
    case DP_PORT_AF_PACKET:
        /* qpairs=1: with more, the kernel fans packets out to sockets we
         * would all have to poll.  qdisc_bypass=0: with the bypass, the
         * kernel now and then sent a frame of the TX ring a second time,
         * tens of milliseconds after it had gone out (seen under vif
         * churn: test-churn.sh). */
        n = snprintf(buf, size, "net_af_packet_%s,iface=%s,qpairs=1,"
                     "qdisc_bypass=0", spec->iface, spec->iface);
        break;
    case DP_PORT_TAP:
        n = snprintf(buf, size, "net_tap_%s,iface=%s", spec->iface,
                     spec->iface);
        break;
    case DP_PORT_VNET:
        n = snprintf(buf, size, "vnet:%s", spec->iface);
        break;
    default:
        abort();
    }
    if (n < 0 || (size_t) n >= size) {
        *errp = dp_errf("port %s: device arguments too long", spec->name);
        return ENAMETOOLONG;
    }
    return 0;
}

static int
queues_setup(uint16_t pid, uint16_t n_txq, uint16_t nb_rxd, uint16_t nb_txd,
             int socket)
{
    int ret = rte_eth_rx_queue_setup(pid, 0, nb_rxd, socket, NULL, dp.pool);
    for (uint16_t q = 0; !ret && q < n_txq; q++) {
        ret = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, NULL);
    }
    return ret;
}

static int
port_configure(struct dp_port *port, char **errp)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    uint16_t nb_rxd = DP_RX_DESC, nb_txd = DP_TX_DESC;
    uint16_t pid = port->port_id;
    int ret;

    ret = rte_eth_dev_info_get(pid, &info);
    if (ret) {
        goto fail;
    }
    port->n_txq = RTE_MIN(dp.n_pmds, (size_t) info.max_tx_queues);
    if (!port->n_txq || !info.max_rx_queues) {
        *errp = dp_errf("port %s: the device has no rx or tx queue",
                        port->name);
        return ENODEV;
    }
    port->txq_shared = port->n_txq < dp.n_pmds;
    rte_spinlock_init(&port->tx_lock);

    memset(&conf, 0, sizeof conf);
    /* Frames larger than an mbuf (jumbo frames) as chains, where the
     * device can. */
    conf.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
    conf.txmode.offloads = info.tx_offload_capa
                           & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    ret = rte_eth_dev_configure(pid, 1, port->n_txq, &conf);
    if (ret && port->n_txq > 1) {
        /* Some drivers take no more tx queues than rx queues (DPDK's
         * TAP): the threads share one, under the lock. */
        port->n_txq = 1;
        port->txq_shared = true;
        ret = rte_eth_dev_configure(pid, 1, 1, &conf);
    }
    if (ret) {
        goto fail;
    }
    ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
    if (ret) {
        goto fail;
    }
    int error = mbufs_reserve(port, mbufs_for_port(true, nb_rxd, nb_txd,
                                                   port->n_txq, dp.n_pmds),
                              errp);
    if (error) {
        return error;           /* The caller closes the port. */
    }
    int socket = rte_eth_dev_socket_id(pid);
    socket = socket < 0 ? (int) rte_socket_id() : socket;
    ret = queues_setup(pid, port->n_txq, nb_rxd, nb_txd, socket);
    if (ret) {
        goto fail;
    }
    ret = rte_eth_dev_start(pid);
    if (ret) {
        goto fail;
    }
    uint16_t mtu = RTE_ETHER_MTU;
    rte_eth_dev_get_mtu(pid, &mtu);
    port->mtu = mtu;
    /* A switch port sees every frame; some drivers cannot say so. */
    rte_eth_promiscuous_enable(pid);
    return 0;

fail:
    *errp = dp_errf("port %s: cannot configure %s: %s", port->name,
                    port->devargs, rte_strerror(-ret));
    return -ret;
}

/* Closes the device or socket behind 'port' (the caller frees 'port'). */
static void
port_close(struct dp_port *port)
{
    dp.mbufs_reserved -= port->mbufs;
    port->mbufs = 0;
    if (port->vnet) {
        vnet_close(port->vnet);
        port->vnet = NULL;
        return;
    }
    rte_eth_dev_stop(port->port_id);
    rte_eth_dev_close(port->port_id);
    if (port->dev) {
        rte_dev_remove(port->dev);
    }
}

/* Probes and starts the ethdev behind 'port'.  On error, nothing is left
 * behind but 'port' itself. */
static int
port_open_ethdev(struct dp_port *port, char **errp)
{
    struct rte_dev_iterator it;
    uint16_t pid;
    int ret;

    ret = rte_dev_probe(port->devargs);
    if (ret && ret != -EEXIST) {
        *errp = dp_errf("port %s: cannot probe %s: %s", port->name,
                        port->devargs, rte_strerror(-ret));
        return -ret;
    }
    bool found = false;
    RTE_ETH_FOREACH_MATCHING_DEV(pid, port->devargs, &it) {
        if (!found) {
            port->port_id = pid;
            found = true;
        }
    }
    if (!found) {
        *errp = dp_errf("port %s: %s probed but gave no ethernet port",
                        port->name, port->devargs);
        return ENODEV;
    }
    /* Probed already: by the EAL at start-up (a NIC on the allow list, or
     * bound to vfio), which is fine, or by another port, which is not. */
    for (size_t i = 0; ret == -EEXIST && i < DP_MAX_PORTS; i++) {
        if (dp.ports[i] && !dp.ports[i]->vnet
            && dp.ports[i]->port_id == port->port_id) {
            *errp = dp_errf("port %s: %s is already in use by port %s",
                            port->name, port->devargs, dp.ports[i]->name);
            return EEXIST;
        }
    }
    struct rte_eth_dev_info info;
    if (!rte_eth_dev_info_get(port->port_id, &info)) {
        port->dev = info.device;
    }

    int error = port_configure(port, errp);
    if (error) {
        port_close(port);
    }
    return error;
}

static int
port_open_vnet(struct dp_port *port, const char *iface, char **errp)
{
    char *err = NULL;
    int error = vnet_open(iface, &port->vnet, &err);

    if (error) {
        *errp = dp_errf("port %s: %s", port->name, err);
        free(err);
        return error;
    }
    port->txo = DP_TXO_CSUM | DP_TXO_TSO | DP_TXO_USO;
    port->mtu = vnet_get_mtu(port->vnet);
    port->mtu = port->mtu ? port->mtu : RTE_ETHER_MTU;
    port->n_txq = 1;
    port->txq_shared = false;       /* sendmmsg() is thread-safe. */
    error = mbufs_reserve(port, mbufs_for_port(false, 0, 0, 1, dp.n_pmds),
                          errp);
    if (error) {
        port_close(port);
    }
    return error;
}

int
dp_port_add(const struct dp_port_spec *spec, uint32_t *port_nop, char **errp)
{
    struct dp_port *port;
    uint32_t port_no;
    int error;

    *errp = NULL;
    for (port_no = 0; port_no < DP_MAX_PORTS && dp.ports[port_no];
         port_no++) {
        continue;
    }
    if (port_no >= DP_MAX_PORTS) {
        *errp = dp_errf("port %s: the datapath has no free port number "
                        "(at most %d ports)", spec->name, DP_MAX_PORTS);
        return ENOSPC;
    }

    port = calloc(1, sizeof *port);
    if (!port) {
        abort();
    }
    port->port_no = port_no;
    port->ops = spec->ops;
    port->upcall_aux = spec->upcall_aux;
    snprintf(port->name, sizeof port->name, "%s", spec->name);
    error = port_devargs(spec, port->devargs, sizeof port->devargs, errp);
    if (!error) {
        error = spec->kind == DP_PORT_VNET
                ? port_open_vnet(port, spec->iface, errp)
                : port_open_ethdev(port, errp);
    }
    if (error) {
        free(port);             /* Its opener closed what it had opened. */
        return error;
    }

    /* The port number is free: no PMD thread writes its counters. */
    for (size_t i = 0; i < dp.n_pmds; i++) {
        memset(&dp.pmds[i].ctr[port_no], 0, sizeof dp.pmds[i].ctr[port_no]);
    }

    /* Its rx queue goes to the PMD thread with the fewest (the handler
     * thread gets queues from dp_balance() only). */
    struct pmd *pmd = &dp.pmds[0];
    for (size_t i = 1; i < dp.n_pmds; i++) {
        if (!dp.pmds[i].handler && dp.pmds[i].n_rxqs < pmd->n_rxqs) {
            pmd = &dp.pmds[i];
        }
    }
    port->pmd = port->home_pmd = pmd->id;
    __atomic_store_n(&dp.ports[port_no], port, __ATOMIC_RELEASE);
    /* The PMD thread takes the new list at its next iteration; nothing
     * needs to wait for that. */
    pmd_update_rxqs(pmd, port);

    *port_nop = port_no;
    return 0;
}

void
dp_port_del(uint32_t port_no)
{
    dp_ports_del(&port_no, 1);
}

void
dp_ports_del(const uint32_t *port_nos, size_t n)
{
    struct dp_port **ports = malloc((n ? n : 1) * sizeof *ports);
    bool touched[RTE_MAX_LCORE] = { false };
    size_t n_ports = 0;

    if (!ports) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t no = port_nos[i];
        struct dp_port *port = no < DP_MAX_PORTS ? dp.ports[no] : NULL;
        if (port && !port->leaving) {
            port->leaving = true;
            __atomic_store_n(&dp.ports[no], NULL, __ATOMIC_RELEASE);
            touched[port->pmd] = true;
            ports[n_ports++] = port;
        }
    }
    /* One new rx-queue list per PMD thread, whatever the number of ports:
     * a bridge with 10,000 ports stops in linear time. */
    for (size_t i = 0; i < dp.n_pmds; i++) {
        if (touched[i]) {
            pmd_update_rxqs(&dp.pmds[i], NULL);
        }
    }
    /* Megaflows may output to these port numbers, which new ports may
     * take: flush them before returning.  Its grace periods also mean no
     * PMD thread still polls the ports. */
    if (n_ports) {
        dp_flush_caches();
    }
    for (size_t i = 0; i < n_ports; i++) {
        port_close(ports[i]);
        free(ports[i]);
    }
    free(ports);
}

/* ---- Balancing: ports that miss go to the handler thread ------------ */

/* Moves 'port''s rx queue to thread 'to'.  The thread that polls it stops
 * first: after a grace period it has ended every iteration that polled
 * the port, and flushed what it sent (tx buffers are empty at its
 * quiescent state).  Meanwhile packets wait in the port's ring. */
static void
port_move(struct dp_port *port, struct pmd *to)
{
    struct pmd *from = &dp.pmds[port->pmd];

    port->pmd = to->id;
    pmd_update_rxqs(from, NULL);
    dp_synchronize();
    pmd_update_rxqs(to, port);
}

static void
port_sum(const struct dp_port *port, uint64_t *misses, uint64_t *rx)
{
    *misses = *rx = 0;
    for (size_t i = 0; i < dp.n_pmds; i++) {
        const struct pmd_port_counters *c = &dp.pmds[i].ctr[port->port_no];
        *misses += __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
        *rx += __atomic_load_n(&c->rx_packets, __ATOMIC_RELAXED);
    }
}

void
dp_balance(long long now_ms)
{
    struct pmd *h = dp.handler;
    long long elapsed = now_ms - dp.bal_last_ms;

    if (!h || elapsed < 500) {
        return;
    }
    dp.bal_last_ms = now_ms;

    /* Misses per second of each port over the interval (summed over the
     * threads: a port that moved counts in both), and whether it
     * received anything. */
    uint64_t rate[DP_MAX_PORTS];
    bool busy[RTE_MAX_LCORE] = { false };
    bool got[DP_MAX_PORTS] = { false };
    for (size_t i = 0; i < DP_MAX_PORTS; i++) {
        struct dp_port *port = dp.ports[i];
        uint64_t misses, rx;

        rate[i] = 0;
        if (!port) {
            continue;
        }
        port_sum(port, &misses, &rx);
        rate[i] = (misses - port->bal_misses) * 1000 / (uint64_t) elapsed;
        got[i] = rx != port->bal_rx;
        port->bal_misses = misses;
        port->bal_rx = rx;
    }

    /* A thread has a neighbour to protect if one of its ports that does
     * not storm itself received packets in the interval. */
    uint64_t limit = dp.params.handler_misses;
    for (size_t i = 0; i < DP_MAX_PORTS; i++) {
        struct dp_port *port = dp.ports[i];
        if (port && got[i] && rate[i] < limit) {
            busy[port->pmd] = true;
        }
    }
    for (size_t i = 0; i < DP_MAX_PORTS; i++) {
        struct dp_port *port = dp.ports[i];
        if (!port || port->leaving) {
            continue;
        }
        if (port->pmd != h->id) {
            if (rate[i] >= limit && busy[port->pmd]) {
                port->bal_calm = 0;
                port->handler_moves++;
                port_move(port, h);
            }
        } else if (rate[i] < limit / 2) {
            if (++port->bal_calm >= DP_HANDLER_CALM_S) {
                port_move(port, &dp.pmds[port->home_pmd]);
            }
        } else {
            port->bal_calm = 0;
        }
    }
}

int
dp_handler_core(void)
{
    return dp.handler ? (int) dp.handler->core : -1;
}

void
dp_flush_caches(void)
{
    __atomic_add_fetch(&dp.flush_gen, 1, __ATOMIC_RELEASE);
    /* After one grace period every PMD thread has ended an iteration that
     * began before the bump; the iteration after it began by flushing.
     * After a second grace period that iteration has ended too. */
    dp_synchronize();
    dp_synchronize();
}

/* Waits until every PMD thread's '*field' (an offset into struct pmd) has
 * reached 'gen', after waking those that sleep: a polling thread answers
 * within one loop iteration (microseconds), so spin for a while before
 * sleeping between looks.  Gives up after 'timeout_hz' timer cycles if
 * nonzero. */
static void
pmds_wait_gen(size_t field, uint64_t gen, uint64_t timeout_hz)
{
    for (size_t i = 0; i < dp.n_pmds; i++) {
        pmd_kick(&dp.pmds[i]);
    }
    uint64_t hz = rte_get_timer_hz();
    uint64_t start = rte_get_timer_cycles();
    for (size_t i = 0; i < dp.n_pmds; i++) {
        const uint64_t *g = (const uint64_t *) ((const char *) &dp.pmds[i]
                                                + field);
        while (__atomic_load_n(g, __ATOMIC_ACQUIRE) < gen) {
            uint64_t now = rte_get_timer_cycles();
            if (timeout_hz && now - start > timeout_hz) {
                return;
            } else if (now - start > hz / 10000) {
                rte_delay_us_sleep(20);
            } else {
                rte_pause();
            }
        }
    }
}

void
dp_revalidate(dp_reval_fn *affected, const void *aux)
{
    if (!dp.n_pmds) {
        return;
    }
    const struct dp_reval r = {
        .affected = affected,
        .aux = aux,
        .gen = __atomic_load_n(&dp.reval_gen, __ATOMIC_RELAXED) + 1,
    };

    __atomic_store_n(&dp.reval, &r, __ATOMIC_RELEASE);
    __atomic_store_n(&dp.reval_gen, r.gen, __ATOMIC_RELEASE);
    /* Each thread runs the pass at the top of an iteration, before it
     * handles another packet, and then says so: a sleeping one is woken
     * for it.  No timeout: as for a flush's grace periods, the change must
     * not be answered before. */
    pmds_wait_gen(offsetof(struct pmd, reval_done), r.gen, 0);
    __atomic_store_n(&dp.reval, NULL, __ATOMIC_RELEASE);
}

void
dp_flush_learned(void)
{
    __atomic_add_fetch(&dp.learn_gen, 1, __ATOMIC_RELEASE);
}

/* ---- Statistics and dumps ------------------------------------------- */

/* Counters at the last dp_pmd_stats_clear(), main thread only. */
static struct dp_pmd_stats *stats_base;

static void
pmd_stats_read(const struct pmd *pmd, struct dp_pmd_stats *s)
{
#define LOAD(F) __atomic_load_n(&pmd->F, __ATOMIC_RELAXED)
    s->core = pmd->core;
    s->handler = pmd->handler;
    s->n_ports = pmd->n_rxqs;
    s->packets = LOAD(packets);
    s->emc_hits = LOAD(emc_hits);
    s->megaflow_hits = LOAD(megaflow_hits);
    s->upcalls = LOAD(upcalls);
    s->lost = LOAD(lost);
    s->deferred = LOAD(deferred);
    s->flushes = LOAD(flushes);
    s->revalidations = LOAD(revalidations);
    s->reval_removed = LOAD(reval_removed);
    s->busy_cycles = LOAD(busy_cycles);
    s->idle_cycles = LOAD(idle_cycles);
    s->n_megaflows = LOAD(n_megaflows);
    s->n_subtables = LOAD(n_subtables);
#undef LOAD
}

void
dp_pmd_stats_get(struct dp_pmd_stats *stats)
{
    for (size_t i = 0; i < dp.n_pmds; i++) {
        struct dp_pmd_stats *s = &stats[i];
        pmd_stats_read(&dp.pmds[i], s);
        if (stats_base) {
            const struct dp_pmd_stats *b = &stats_base[i];
            s->packets -= b->packets;
            s->emc_hits -= b->emc_hits;
            s->megaflow_hits -= b->megaflow_hits;
            s->upcalls -= b->upcalls;
            s->lost -= b->lost;
            s->deferred -= b->deferred;
            s->flushes -= b->flushes;
            s->revalidations -= b->revalidations;
            s->reval_removed -= b->reval_removed;
            s->busy_cycles -= b->busy_cycles;
            s->idle_cycles -= b->idle_cycles;
        }
    }
}

void
dp_pmd_stats_get_total(struct dp_pmd_stats *stats)
{
    for (size_t i = 0; i < dp.n_pmds; i++) {
        pmd_stats_read(&dp.pmds[i], &stats[i]);
    }
}

void
dp_pmd_stats_clear(void)
{
    if (!stats_base) {
        stats_base = calloc(dp.n_pmds ? dp.n_pmds : 1, sizeof *stats_base);
        if (!stats_base) {
            abort();
        }
    }
    for (size_t i = 0; i < dp.n_pmds; i++) {
        pmd_stats_read(&dp.pmds[i], &stats_base[i]);
    }
}

void
dp_credit_sync(void)
{
    if (!dp.n_pmds) {
        return;
    }
    uint64_t gen = __atomic_add_fetch(&dp.credit_gen, 1, __ATOMIC_ACQ_REL);
    /* Counters may lag after a second: no worse. */
    pmds_wait_gen(offsetof(struct pmd, credited_gen), gen,
                  rte_get_timer_hz());
}

int
dp_cache_dump(size_t max, struct dp_cache_dump *dump)
{
    struct pmd_dump_req *reqs = calloc(dp.n_pmds ? dp.n_pmds : 1,
                                       sizeof *reqs);
    int error = 0;

    memset(dump, 0, sizeof *dump);
    dump->entries = calloc(max ? max : 1, sizeof *dump->entries);
    if (!reqs || !dump->entries) {
        abort();
    }
    for (size_t i = 0; i < dp.n_pmds; i++) {
        reqs[i].entries = calloc(max ? max : 1, sizeof *reqs[i].entries);
        if (!reqs[i].entries) {
            abort();
        }
        reqs[i].max = max;
        __atomic_store_n(&dp.pmds[i].dump_req, &reqs[i], __ATOMIC_RELEASE);
        pmd_kick(&dp.pmds[i]);
    }

    /* Each PMD thread answers at the top of its next iteration: within
     * its sleep time when idle, a burst's time when busy. */
    uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();
    for (size_t i = 0; i < dp.n_pmds; i++) {
        while (!__atomic_load_n(&reqs[i].done, __ATOMIC_ACQUIRE)) {
            if (rte_get_timer_cycles() > deadline) {
                break;
            }
            rte_delay_us_sleep(50);
        }
    }

    for (size_t i = 0; i < dp.n_pmds; i++) {
        struct pmd_dump_req *r = &reqs[i];
        if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
            /* Withdraw the request; if the thread took it meanwhile, wait
             * for it to finish with our memory. */
            struct pmd_dump_req *expected = r;
            if (!__atomic_compare_exchange_n(&dp.pmds[i].dump_req, &expected,
                                             NULL, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE)) {
                while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
                    rte_pause();
                }
            } else {
                error = ETIMEDOUT;
                free(r->entries);
                continue;
            }
        }
        size_t j;
        for (j = 0; j < r->n && dump->n < max; j++) {
            dump->entries[dump->n++] = r->entries[j];
        }
        dump->truncated |= r->truncated || j < r->n;
        dump->emc_used += r->emc_used;
        dump->emc_size += r->emc_size;
        free(r->entries);
    }
    free(reqs);
    return error;
}

void
dp_port_get_stats(uint32_t port_no, struct dp_port_stats *s)
{
    struct dp_port *port;

    memset(s, 0, sizeof *s);
    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        return;
    }
    for (size_t i = 0; i < dp.n_pmds; i++) {
        const struct pmd_port_counters *c = &dp.pmds[i].ctr[port_no];
        s->rx_packets += __atomic_load_n(&c->rx_packets, __ATOMIC_RELAXED);
        s->rx_bytes += __atomic_load_n(&c->rx_bytes, __ATOMIC_RELAXED);
        s->tx_packets += __atomic_load_n(&c->tx_packets, __ATOMIC_RELAXED);
        s->tx_bytes += __atomic_load_n(&c->tx_bytes, __ATOMIC_RELAXED);
        s->tx_dropped += __atomic_load_n(&c->tx_dropped, __ATOMIC_RELAXED);
        s->tx_mtu_dropped += __atomic_load_n(&c->tx_mtu_dropped,
                                             __ATOMIC_RELAXED);
        for (int r = 0; r < DP_N_DROP_REASONS; r++) {
            s->drops[r] += __atomic_load_n(&c->drops[r], __ATOMIC_RELAXED);
        }
    }
    if (port->vnet) {
        struct vnet_stats vs;
        vnet_get_stats(port->vnet, &vs);
        s->rx_dropped = vs.rx_dropped + vs.rx_errors;
        s->rx_errors = vs.rx_errors;
        return;
    }
    struct rte_eth_stats es;
    if (!rte_eth_stats_get(port->port_id, &es)) {
        s->rx_dropped = es.imissed + es.rx_nombuf;
        s->rx_errors = es.ierrors;
    }
}

int
dp_port_set_rate(uint32_t port_no, uint64_t bytes, uint32_t usecs,
                 char **errp)
{
    struct dp_port *port;

    *errp = NULL;
    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        *errp = dp_errf("no datapath port %"PRIu32, port_no);
        return EINVAL;
    }
    if (bytes && (bytes >= UINT64_C(1) << 40 || !usecs
                  || usecs >= 1u << 24)) {
        *errp = dp_errf("%s: rate of %"PRIu64" bytes per %"PRIu32" us out "
                        "of range", port->name, bytes, usecs);
        return EINVAL;
    }
    __atomic_store_n(&port->rate, bytes ? bytes << 24 | usecs : 0,
                     __ATOMIC_RELAXED);
    return 0;
}

int
dp_port_set_mtu(uint32_t port_no, uint32_t mtu, char **errp)
{
    struct dp_port *port;
    int error;

    *errp = NULL;
    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        *errp = dp_errf("no datapath port %"PRIu32, port_no);
        return ENODEV;
    }
    if (port->vnet) {
        error = vnet_set_mtu(port->vnet, mtu);
    } else {
        error = mtu > UINT16_MAX ? EINVAL
                                 : -rte_eth_dev_set_mtu(port->port_id, mtu);
    }
    if (error) {
        *errp = dp_errf("port %s: cannot set the MTU to %"PRIu32": %s",
                        port->name, mtu, port->vnet ? strerror(error)
                                                    : rte_strerror(error));
        return error;
    }
    __atomic_store_n(&port->mtu, mtu, __ATOMIC_RELAXED);
    return 0;
}

void
dp_port_get_info(uint32_t port_no, struct dp_port_info *info)
{
    struct rte_eth_dev_info di;
    struct rte_eth_link link;
    struct rte_ether_addr mac;
    struct dp_port *port;

    memset(info, 0, sizeof *info);
    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        return;
    }
    info->pmd_core = dp.pmds[port->pmd].core;
    info->on_handler = dp.pmds[port->pmd].handler;
    info->handler_moves = port->handler_moves;
    info->offloads = port->txo != 0;
    snprintf(info->devargs, sizeof info->devargs, "%s", port->devargs);
    if (port->vnet) {
        /* The netdev's own state is the bridge's to read (operstate). */
        uint32_t mtu = vnet_get_mtu(port->vnet);
        if (mtu) {
            __atomic_store_n(&port->mtu, mtu, __ATOMIC_RELAXED);
        }
        snprintf(info->driver, sizeof info->driver, "xvs_vnet");
        info->link_up = true;
        info->mtu = port->mtu;
        vnet_get_mac(port->vnet, info->mac);
        return;
    }
    info->mtu = port->mtu;
    if (!rte_eth_dev_info_get(port->port_id, &di) && di.driver_name) {
        snprintf(info->driver, sizeof info->driver, "%s", di.driver_name);
    }
    if (!rte_eth_link_get_nowait(port->port_id, &link)) {
        info->link_up = link.link_status == RTE_ETH_LINK_UP;
        info->speed_mbps = link.link_speed;
    }
    if (!rte_eth_macaddr_get(port->port_id, &mac)) {
        memcpy(info->mac, mac.addr_bytes, 6);
    }
}
