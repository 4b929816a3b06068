/*
 * datapath: EAL bring-up, ports, PMD threads.  See datapath.h.
 */
#define _GNU_SOURCE 1
#include "datapath.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
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
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>
#include <rte_version.h>

#define DP_BURST 32             /* Packets per rx burst. */
#define DP_TXBUF 64             /* Per port, per PMD tx buffer. */
#define DP_RX_DESC 1024
#define DP_TX_DESC 1024
#define DP_N_MBUFS 32767        /* 2^n - 1 is optimal for the ring. */
#define DP_MBUF_CACHE 256
#define DP_DEFAULT_MAX_SLEEP_US 250
#define DP_IDLE_LOOPS 64        /* Empty polls before sleeping. */

struct dp_port {
    uint32_t port_no;
    uint16_t port_id;           /* ethdev port id. */
    char name[64];
    char devargs[256];
    struct rte_device *dev;
    dp_upcall_cb *upcall;
    void *upcall_aux;
    uint16_t n_txq;
    bool txq_shared;            /* Fewer tx queues than PMDs: lock. */
    rte_spinlock_t tx_lock;     /* Taken only by PMD threads. */
    unsigned int pmd;           /* Index of the PMD polling its rx queue. */
};

struct pmd_rxq {
    struct dp_port *port;
    uint16_t queue;
};

/* Immutable once published; replaced as a whole. */
struct pmd_rxq_list {
    size_t n;
    struct pmd_rxq q[];
};

/* Written only by the owning PMD thread, read by the main thread. */
struct pmd_port_counters {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes, tx_dropped;
};

struct pmd_txbuf {
    uint16_t n;
    struct rte_mbuf *pkts[DP_TXBUF];
};

struct pmd {
    unsigned int id;            /* Also the tx queue it uses. */
    unsigned int lcore;
    struct pmd_rxq_list *rxqs;  /* RCU-published by the main thread. */
    bool exit;                  /* Set by the main thread to stop. */
    size_t n_rxqs;              /* Main thread's count, for placement. */

    struct pmd_port_counters ctr[DP_MAX_PORTS];
    struct pmd_txbuf tx[DP_MAX_PORTS];
    uint16_t dirty[DP_MAX_PORTS];   /* Ports with buffered packets. */
    uint16_t n_dirty;
} __rte_cache_aligned;

static struct {
    bool eal_up;
    struct rte_mempool *pool;
    struct rte_rcu_qsbr *qsbr;
    struct pmd *pmds;
    size_t n_pmds;
    struct dp_port *ports[DP_MAX_PORTS];    /* RCU-published. */
    struct dp_thread_hooks hooks;
    unsigned int max_sleep_us;
} dp;

static char *dp_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
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

/* ---- PMD threads ---------------------------------------------------- */

static inline void
ctr_add(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static void
pmd_flush_port(struct pmd *pmd, uint16_t port_no)
{
    struct pmd_txbuf *buf = &pmd->tx[port_no];
    struct dp_port *port = __atomic_load_n(&dp.ports[port_no],
                                           __ATOMIC_ACQUIRE);
    uint16_t n = buf->n, sent = 0;

    buf->n = 0;
    if (port) {
        uint64_t bytes = 0;
        for (uint16_t i = 0; i < n; i++) {
            bytes += rte_pktmbuf_pkt_len(buf->pkts[i]);
        }
        if (port->txq_shared) {
            rte_spinlock_lock(&port->tx_lock);
            sent = rte_eth_tx_burst(port->port_id, 0, buf->pkts, n);
            rte_spinlock_unlock(&port->tx_lock);
        } else {
            sent = rte_eth_tx_burst(port->port_id, pmd->id, buf->pkts, n);
        }
        for (uint16_t i = sent; i < n; i++) {
            bytes -= rte_pktmbuf_pkt_len(buf->pkts[i]);
        }
        struct pmd_port_counters *c = &pmd->ctr[port_no];
        ctr_add(&c->tx_packets, sent);
        ctr_add(&c->tx_bytes, bytes);
        ctr_add(&c->tx_dropped, n - sent);
    }
    if (sent < n) {
        rte_pktmbuf_free_bulk(&buf->pkts[sent], n - sent);
    }
}

static void
pmd_flush_all(struct pmd *pmd)
{
    for (uint16_t i = 0; i < pmd->n_dirty; i++) {
        uint16_t port_no = pmd->dirty[i];
        if (pmd->tx[port_no].n) {
            pmd_flush_port(pmd, port_no);
        }
    }
    pmd->n_dirty = 0;
}

static inline void
pmd_enqueue(struct pmd *pmd, uint16_t port_no, struct rte_mbuf *m)
{
    struct pmd_txbuf *buf;

    if (port_no >= DP_MAX_PORTS) {
        rte_pktmbuf_free(m);
        return;
    }
    buf = &pmd->tx[port_no];
    if (!buf->n) {
        pmd->dirty[pmd->n_dirty++] = port_no;
    }
    buf->pkts[buf->n++] = m;
    if (buf->n == DP_TXBUF) {
        pmd_flush_port(pmd, port_no);
        /* Still listed as dirty; flushing an empty buffer is a no-op. */
    }
}

static void
pmd_execute(struct pmd *pmd, struct rte_mbuf *m, const struct dp_actions *acts)
{
    if (!acts->n) {
        rte_pktmbuf_free(m);
        return;
    }
    /* Every action is an output for now: the copies share the mbuf, which
     * no action modifies. */
    if (acts->n > 1) {
        rte_mbuf_refcnt_update(m, acts->n - 1);
    }
    for (uint16_t i = 0; i < acts->n; i++) {
        pmd_enqueue(pmd, acts->a[i].port, m);
    }
}

static unsigned int
pmd_poll(struct pmd *pmd, const struct pmd_rxq *rxq)
{
    struct dp_port *port = rxq->port;
    struct rte_mbuf *pkts[DP_BURST];
    struct dp_actions acts;
    struct dp_flow_key key;
    uint64_t bytes = 0;
    uint16_t n;

    n = rte_eth_rx_burst(port->port_id, rxq->queue, pkts, DP_BURST);
    if (!n) {
        return 0;
    }
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const void *data = rte_pktmbuf_mtod(m, const void *);
        uint32_t len = rte_pktmbuf_data_len(m);

        bytes += rte_pktmbuf_pkt_len(m);
        dp_flow_key_extract(data, len, port->port_no, &key);
        dp_actions_init(&acts);
        port->upcall(port->upcall_aux, &key, data, len,
                     rte_pktmbuf_pkt_len(m), &acts);
        pmd_execute(pmd, m, &acts);
    }
    struct pmd_port_counters *c = &pmd->ctr[port->port_no];
    ctr_add(&c->rx_packets, n);
    ctr_add(&c->rx_bytes, bytes);
    pmd_flush_all(pmd);
    return n;
}

static int
pmd_main(void *pmd_)
{
    struct pmd *pmd = pmd_;
    uint64_t quiesce_interval = rte_get_tsc_hz() / 1000;
    uint64_t next_quiesce = 0;
    unsigned int idle_loops = 0, sleep_us = 0;

    dp.hooks.start();
    rte_rcu_qsbr_thread_register(dp.qsbr, pmd->id);
    rte_rcu_qsbr_thread_online(dp.qsbr, pmd->id);

    while (!__atomic_load_n(&pmd->exit, __ATOMIC_ACQUIRE)) {
        const struct pmd_rxq_list *l = __atomic_load_n(&pmd->rxqs,
                                                       __ATOMIC_ACQUIRE);
        unsigned int got = 0;

        for (size_t i = 0; l && i < l->n; i++) {
            got += pmd_poll(pmd, &l->q[i]);
        }

        /* Tx buffers are empty here: nothing references a port. */
        rte_rcu_qsbr_quiescent(dp.qsbr, pmd->id);
        uint64_t now = rte_rdtsc();
        if (now >= next_quiesce) {
            dp.hooks.quiesce();
            next_quiesce = now + quiesce_interval;
        }

        /* Back off to sleeping when idle, so that an idle dom0 does not
         * burn a core; under load, poll without sleeping. */
        if (got) {
            idle_loops = 0;
            sleep_us = 0;
        } else if (++idle_loops >= DP_IDLE_LOOPS) {
            sleep_us = sleep_us ? RTE_MIN(sleep_us * 2, dp.max_sleep_us) : 1;
            rte_delay_us_sleep(sleep_us);
        }
    }

    rte_rcu_qsbr_thread_offline(dp.qsbr, pmd->id);
    rte_rcu_qsbr_thread_unregister(dp.qsbr, pmd->id);
    dp.hooks.stop();
    return 0;
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

/* Picks the main thread's core: the first allowed one that is not a PMD's.
 * Checks that every PMD core is allowed. */
static int
choose_cores(const struct dp_params *p, unsigned int *main_core, char **errp)
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
    for (unsigned int c = 0; c < CPU_SETSIZE; c++) {
        bool is_pmd = false;
        for (size_t i = 0; i < p->n_pmd_cores; i++) {
            is_pmd |= p->pmd_cores[i] == c;
        }
        if (CPU_ISSET(c, &set) && !is_pmd) {
            *main_core = c;
            return 0;
        }
    }
    *errp = dp_errf("pmd.cores: no core is left for the main thread "
                    "(available: %s)", allowed);
    return EINVAL;
}

static int
eal_start(const struct dp_params *p, char **errp)
{
    unsigned int main_core = 0;
    int error = choose_cores(p, &main_core, errp);
    if (error) {
        return error;
    }

    char lcores[512];
    int len = snprintf(lcores, sizeof lcores, "%u", main_core);
    for (size_t i = 0; i < p->n_pmd_cores && len < (int) sizeof lcores; i++) {
        len += snprintf(lcores + len, sizeof lcores - len, ",%u",
                        p->pmd_cores[i]);
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
    argv[argc++] = strdup("-l");
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
    return 0;
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
    error = eal_start(p, errp);
    if (error) {
        return error;
    }

    dp.hooks = p->hooks ? *p->hooks : (struct dp_thread_hooks) { 0 };
    dp.hooks.start = dp.hooks.start ? dp.hooks.start : noop;
    dp.hooks.quiesce = dp.hooks.quiesce ? dp.hooks.quiesce : noop;
    dp.hooks.stop = dp.hooks.stop ? dp.hooks.stop : noop;
    dp.max_sleep_us = p->max_sleep_us ? p->max_sleep_us
                                      : DP_DEFAULT_MAX_SLEEP_US;

    dp.pool = rte_pktmbuf_pool_create("xvs_mbufs", DP_N_MBUFS, DP_MBUF_CACHE,
                                      0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      rte_socket_id());
    if (!dp.pool) {
        *errp = dp_errf("cannot create the mbuf pool (%u mbufs): %s",
                        DP_N_MBUFS, rte_strerror(rte_errno));
        dp_fini();
        return ENOMEM;
    }

    dp.n_pmds = p->n_pmd_cores;
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
        pmd->lcore = p->pmd_cores[i];
        int ret = rte_eal_remote_launch(pmd_main, pmd, pmd->lcore);
        if (ret) {
            *errp = dp_errf("cannot start the PMD thread on core %u: %s",
                            pmd->lcore, rte_strerror(-ret));
            dp.n_pmds = i;
            dp_fini();
            return -ret;
        }
    }
    return 0;
}

static void
pmds_stop(void)
{
    for (size_t i = 0; i < dp.n_pmds; i++) {
        __atomic_store_n(&dp.pmds[i].exit, true, __ATOMIC_RELEASE);
    }
    for (size_t i = 0; i < dp.n_pmds; i++) {
        rte_eal_wait_lcore(dp.pmds[i].lcore);
        free(dp.pmds[i].rxqs);
        dp.pmds[i].rxqs = NULL;
    }
    dp.n_pmds = 0;
}

static void port_close(struct dp_port *);

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
            dp.ports[i] = NULL;
        }
    }
    rte_free(dp.pmds);
    rte_free(dp.qsbr);
    rte_mempool_free(dp.pool);
    dp.pmds = NULL;
    dp.qsbr = NULL;
    dp.pool = NULL;
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

/* ---- Ports ---------------------------------------------------------- */

/* Waits until every PMD thread has passed a quiescent state. */
static void
dp_synchronize(void)
{
    if (dp.n_pmds) {
        rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
    }
}

/* Publishes 'pmd''s rx-queue list with 'add' appended or 'del' removed.
 * The caller synchronizes before freeing the returned old list. */
static struct pmd_rxq_list *
pmd_update_rxqs(struct pmd *pmd, struct dp_port *add, struct dp_port *del)
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
        if (old->q[i].port != del) {
            new->q[new->n++] = old->q[i];
        }
    }
    if (add) {
        new->q[new->n].port = add;
        new->q[new->n].queue = 0;
        new->n++;
    }
    pmd->n_rxqs = new->n;
    __atomic_store_n(&pmd->rxqs, new, __ATOMIC_RELEASE);
    return old;
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
         * would all have to poll. */
        n = snprintf(buf, size, "net_af_packet_%s,iface=%s,qpairs=1",
                     spec->iface, spec->iface);
        break;
    case DP_PORT_TAP:
        n = snprintf(buf, size, "net_tap_%s,iface=%s", spec->iface,
                     spec->iface);
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
    ret = rte_eth_dev_configure(pid, 1, port->n_txq, &conf);
    if (ret) {
        goto fail;
    }
    ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
    if (ret) {
        goto fail;
    }
    int socket = rte_eth_dev_socket_id(pid);
    socket = socket < 0 ? (int) rte_socket_id() : socket;
    ret = rte_eth_rx_queue_setup(pid, 0, nb_rxd, socket, NULL, dp.pool);
    if (ret) {
        goto fail;
    }
    for (uint16_t q = 0; q < port->n_txq; q++) {
        ret = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, NULL);
        if (ret) {
            goto fail;
        }
    }
    ret = rte_eth_dev_start(pid);
    if (ret) {
        goto fail;
    }
    /* A switch port sees every frame; some drivers cannot say so. */
    rte_eth_promiscuous_enable(pid);
    return 0;

fail:
    *errp = dp_errf("port %s: cannot configure %s: %s", port->name,
                    port->devargs, rte_strerror(-ret));
    return -ret;
}

static void
port_close(struct dp_port *port)
{
    rte_eth_dev_stop(port->port_id);
    rte_eth_dev_close(port->port_id);
    if (port->dev) {
        rte_dev_remove(port->dev);
    }
    free(port);
}

int
dp_port_add(const struct dp_port_spec *spec, uint32_t *port_nop, char **errp)
{
    struct rte_dev_iterator it;
    struct dp_port *port;
    uint32_t port_no;
    uint16_t pid;
    int error, ret;

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
    port->upcall = spec->upcall;
    port->upcall_aux = spec->upcall_aux;
    snprintf(port->name, sizeof port->name, "%s", spec->name);
    error = port_devargs(spec, port->devargs, sizeof port->devargs, errp);
    if (error) {
        free(port);
        return error;
    }

    ret = rte_dev_probe(port->devargs);
    if (ret && ret != -EEXIST) {
        *errp = dp_errf("port %s: cannot probe %s: %s", spec->name,
                        port->devargs, rte_strerror(-ret));
        free(port);
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
                        spec->name, port->devargs);
        free(port);
        return ENODEV;
    }
    /* Probed already: by the EAL at start-up (a NIC on the allow list, or
     * bound to vfio), which is fine, or by another port, which is not. */
    for (size_t i = 0; ret == -EEXIST && i < DP_MAX_PORTS; i++) {
        if (dp.ports[i] && dp.ports[i]->port_id == port->port_id) {
            *errp = dp_errf("port %s: %s is already in use by port %s",
                            spec->name, port->devargs, dp.ports[i]->name);
            free(port);
            return EEXIST;
        }
    }
    struct rte_eth_dev_info info;
    if (!rte_eth_dev_info_get(port->port_id, &info)) {
        port->dev = info.device;
    }

    error = port_configure(port, errp);
    if (error) {
        port_close(port);
        return error;
    }

    /* The port number is free: no PMD thread writes its counters. */
    for (size_t i = 0; i < dp.n_pmds; i++) {
        memset(&dp.pmds[i].ctr[port_no], 0, sizeof dp.pmds[i].ctr[port_no]);
    }

    /* Its rx queue goes to the PMD thread with the fewest. */
    struct pmd *pmd = &dp.pmds[0];
    for (size_t i = 1; i < dp.n_pmds; i++) {
        if (dp.pmds[i].n_rxqs < pmd->n_rxqs) {
            pmd = &dp.pmds[i];
        }
    }
    port->pmd = pmd->id;
    __atomic_store_n(&dp.ports[port_no], port, __ATOMIC_RELEASE);
    struct pmd_rxq_list *old = pmd_update_rxqs(pmd, port, NULL);
    dp_synchronize();
    free(old);

    *port_nop = port_no;
    return 0;
}

void
dp_port_del(uint32_t port_no)
{
    struct dp_port *port;

    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        return;
    }
    __atomic_store_n(&dp.ports[port_no], NULL, __ATOMIC_RELEASE);
    struct pmd_rxq_list *old = pmd_update_rxqs(&dp.pmds[port->pmd], NULL,
                                               port);
    dp_synchronize();
    free(old);
    port_close(port);
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
    }
    struct rte_eth_stats es;
    if (!rte_eth_stats_get(port->port_id, &es)) {
        s->rx_dropped = es.imissed + es.rx_nombuf;
    }
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
    if (!rte_eth_dev_info_get(port->port_id, &di) && di.driver_name) {
        snprintf(info->driver, sizeof info->driver, "%s", di.driver_name);
    }
    snprintf(info->devargs, sizeof info->devargs, "%s", port->devargs);
    if (!rte_eth_link_get_nowait(port->port_id, &link)) {
        info->link_up = link.link_status == RTE_ETH_LINK_UP;
        info->speed_mbps = link.link_speed;
    }
    if (!rte_eth_macaddr_get(port->port_id, &mac)) {
        memcpy(info->mac, mac.addr_bytes, 6);
    }
    info->pmd_core = dp.pmds[port->pmd].lcore;
}
