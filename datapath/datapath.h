/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datapath: the DPDK fast path.
 *
 * The datapath owns the EAL, one mbuf pool, the ethdev ports and the PMD
 * threads.  Each port is known by a small datapath port number (0 to
 * DP_MAX_PORTS-1) that the pipeline uses in struct dp_actions.
 *
 * A packet's way: a PMD thread receives a burst from one of its rx queues,
 * parses each packet into a struct dp_flow_key, asks the port's upcall
 * function for the datapath actions (the caches will answer first, once
 * they exist), executes them into per-port tx buffers, and flushes those
 * once per burst.
 *
 * Concurrency.  Ports and the rx-queue lists of PMD threads are published
 * with RCU (DPDK's rte_rcu_qsbr): PMD threads report a quiescent state once
 * per loop iteration, with their tx buffers empty; the main thread unpublishes
 * a port, waits for a grace period, and only then stops and closes it.  So
 * ports are added and removed while the others keep forwarding.  The upcall
 * function runs on the PMD thread: it must be lock-free or hold locks only
 * briefly, and must not block.
 *
 * Thread-safety: every function here is for the main thread only, unless it
 * says otherwise.  This header has no DPDK types, so switchd/ may include it.
 */
#ifndef DATAPATH_H
#define DATAPATH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp-actions.h"
#include "flow-key.h"

/* An upcall: a packet that no cache could handle, on its way to the
 * pipeline.  The datapath fills the input; the pipeline fills the rest. */
struct dp_upcall {
    /* In. */
    const struct dp_flow_key *key;
    const void *packet;         /* The first 'len' bytes of the packet. */
    uint32_t len, pkt_len;      /* 'pkt_len': whole length, for counters. */

    /* Out.  The datapath zeroes them before the call. */
    struct dp_actions actions;
    struct dp_flow_key mask;    /* Key bits the decision depended on. */
    bool cacheable;             /* Install a megaflow (key & mask)? */
    uint32_t mf_flags;          /* DP_MF_* for that megaflow. */
    void *handle;               /* For credit/refresh/release, or NULL. */
    bool mac_changed;           /* Learning changed the MAC table. */
};

/* The pipeline's side of the upcall interface.  All of it runs on PMD
 * threads: lock-free, or holding a lock only briefly, never blocking.
 *
 * 'upcall' translates a packet.  It counts that packet itself.  Its
 * 'handle' (if any) comes with a reference that the datapath passes on to
 * the megaflow it installs, or drops with 'release' at once.
 *
 * 'credit' adds the packets that hit a megaflow to what its handle stands
 * for (the OpenFlow rules, groups, mirrors).  It is not called per
 * packet or per burst: each PMD thread passes a megaflow's new packets on
 * every DP_CREDIT_INTERVAL_MS (1 s), when the megaflow goes, and when
 * the main thread asks with dp_credit_sync() before it reads the
 * counters.  'refresh' is called about once
 * a second for megaflows flagged DP_MF_LEARN that were used since the last
 * call, so that soft state the cache bypasses (MAC-table entries) stays
 * alive.  'release' drops a handle's reference. */
struct dp_upcall_ops {
    void (*upcall)(void *aux, struct dp_upcall *);
    void (*credit)(void *handle, uint64_t packets, uint64_t bytes);
    void (*refresh)(void *aux, void *handle, const struct dp_flow_key *key);
    void (*release)(void *handle);
};

/* Hooks run on each PMD thread, so that the pipeline's own RCU (Open
 * vSwitch's ovs-rcu) knows when a PMD thread holds no references. */
struct dp_thread_hooks {
    void (*start)(void);        /* Once, when the thread starts. */
    void (*quiesce)(void);      /* Periodically, at most every ~1 ms. */
    void (*block_start)(void);  /* Before the thread blocks (idle, waiting
                                 * on its vifs): it holds no references
                                 * until block_end. */
    void (*block_end)(void);
    void (*stop)(void);         /* Once, before the thread exits. */
};

/* Defaults of struct dp_params' cache settings. */
#define DP_DEFAULT_EMC_ENTRIES 8192
#define DP_DEFAULT_EMC_INSERT_INV_PROB 100
#define DP_DEFAULT_MAX_MEGAFLOWS 200000
#define DP_DEFAULT_MEGAFLOW_IDLE_MS 10000
#define DP_DEFAULT_MAX_SLEEP_US 250
#define DP_DEFAULT_UPCALL_SHARE 8
#define DP_DEFAULT_MBUFS 32767      /* 2^n - 1 suits the pool's ring. */

struct dp_params {
    const char *const *eal_args;    /* Extra EAL arguments. */
    size_t n_eal_args;
    const unsigned int *pmd_cores;  /* One PMD thread per core. */
    size_t n_pmd_cores;
    const struct dp_thread_hooks *hooks;
    unsigned int max_sleep_us;      /* Idle PMD backoff limit; 0: never
                                     * sleep.  A PMD whose rx queues are all
                                     * vnet ports blocks on their sockets
                                     * instead, woken by a packet. */
    uint32_t emc_entries;           /* Per PMD; 0 disables the EMC. */
    uint32_t emc_insert_inv_prob;   /* 1 in N misses inserted; 0: never. */
    uint32_t max_megaflows;         /* Per PMD; 0: default. */
    uint32_t megaflow_idle_ms;      /* Idle megaflows expire; 0: default. */
    unsigned int upcall_share;      /* Percent of a PMD thread's cycles
                                     * that ports needing upcalls may take
                                     * while its other ports are backlogged
                                     * (1-100; 100: no limit; 0: default). */
    uint32_t n_mbufs;               /* Packet buffers in the pool; 0:
                                     * DP_DEFAULT_MBUFS. */
    int handler_core;               /* Core of the upcall handler thread
                                     * (DP_HANDLER_*, or a core that is no
                                     * PMD thread's), see dp_balance(). */
    uint32_t handler_misses;        /* Cache misses per second that send a
                                     * port to it; 0: the default. */
    int isa;                        /* enum dp_isa (dp-classify.h): the
                                     * instruction set of the PMD threads'
                                     * classification; 0 (auto): the
                                     * widest the CPU has and DPDK's
                                     * --force-max-simd-bitwidth allows
                                     * (256 bits by default). */
};

/* dp_params.handler_core: no handler thread, or one on the main thread's
 * core (the first core of the process that is no PMD thread's). */
#define DP_HANDLER_NONE (-1)
#define DP_HANDLER_AUTO (-2)
#define DP_DEFAULT_HANDLER_MISSES 20000

/* The pool size to ask for (2^n - 1, at least DP_DEFAULT_MBUFS) so that
 * 'n_ethdev' DPDK ports and 'n_vnet' vnet vifs can be attached with
 * 'n_pmds' PMD threads, with vnet vifs hotplugged later on every free
 * port number and a quarter more for packets in flight.  See
 * dp_port_add()'s ENOBUFS. */
uint32_t dp_mbufs_estimate(size_t n_ethdev, size_t n_vnet, size_t n_pmds);

/* The instruction set the PMD threads classify packets with (enum dp_isa,
 * dp-classify.h), and in '*supported' those this CPU could use (bit
 * 1 << isa each). */
int dp_isa_in_use(uint32_t *supported);

/* How many of the pool's mbufs (dp_mbuf_usage() gives its size) the
 * attached ports' rings and buffers and the threads may hold at once:
 * what dp_port_add() checks. */
uint32_t dp_mbufs_reserved(void);

/* Starts the EAL, creates the mbuf pool and launches the PMD threads, which
 * poll nothing until ports are added.  Returns 0 or a positive errno value
 * with a message in '*errp'. */
int dp_init(const struct dp_params *, char **errp);

/* Stops the PMD threads, closes every port and releases the EAL (and with it
 * any hugepage files).  Safe to call more than once. */
void dp_fini(void);

enum dp_port_kind {
    DP_PORT_DEVARGS,            /* A PCI address or vdev string, as given. */
    DP_PORT_AF_XDP,             /* net_af_xdp on Linux netdev 'iface'. */
    DP_PORT_AF_PACKET,          /* net_af_packet on Linux netdev 'iface'. */
    DP_PORT_TAP,                /* net_tap creating Linux netdev 'iface'. */
    DP_PORT_VNET,               /* Linux netdev 'iface' through xvs's own
                                 * AF_PACKET port with the virtio-net
                                 * header: guests' offloads kept (vnet.h). */
};

struct dp_port_spec {
    const char *name;           /* The port's name (for messages). */
    enum dp_port_kind kind;
    const char *devargs;        /* DP_PORT_DEVARGS. */
    const char *iface;          /* Other kinds. */
    const struct dp_upcall_ops *ops;
    void *upcall_aux;
};

/* Probes, configures and starts a port and gives its rx queue to the least
 * loaded PMD thread.  Returns 0 and the port number in '*port_no', or a
 * positive errno value with a message in '*errp'; on error nothing is left
 * behind. */
int dp_port_add(const struct dp_port_spec *, uint32_t *port_no, char **errp);

/* Removes a port: no PMD thread touches it, and no cached megaflow refers
 * to it, once this returns. */
void dp_port_del(uint32_t port_no);
/* Removes the 'n' ports in 'port_nos' as dp_port_del() does, with one
 * grace period for them all. */
void dp_ports_del(const uint32_t *port_nos, size_t n);

/* Empties every PMD thread's caches; by the time this returns, no packet is
 * handled by a megaflow installed before the call.  For changes to the
 * pipeline's rules or ports. */
void dp_flush_caches(void);

/* Asks every PMD thread to drop its DP_MF_LEARN megaflows at its next
 * iteration, without waiting.  For MAC-table changes.  Any thread. */
void dp_flush_learned(void);

/* Targeted revalidation: a megaflow whose handle 'affected' says a change
 * touches, given the megaflow's masked key and mask.  Called on the PMD
 * threads, one at a time each, for every megaflow that has a handle;
 * 'aux' must not change until dp_revalidate() returns. */
typedef bool dp_reval_fn(const void *aux, const void *handle,
                         const struct dp_flow_key *key,
                         const struct dp_flow_key *mask);

/* Removes from every PMD thread's caches the megaflows that 'affected'
 * selects, and only those; by the time this returns, no packet is handled
 * by one of them.  For changes that touch some decisions only (flow_mods),
 * where dp_flush_caches() would make every flow an upcall again.  Wakes
 * the threads that sleep, and waits for each to have run the pass.  Main
 * thread. */
void dp_revalidate(dp_reval_fn *affected, const void *aux);

/* Per-PMD statistics. */
struct dp_pmd_stats {
    unsigned int core;
    bool handler;               /* The upcall handler thread (the last). */
    unsigned int n_ports;       /* Rx queues it polls now. */
    uint64_t packets;           /* Received. */
    uint64_t emc_hits, megaflow_hits, upcalls;
    uint64_t lost;              /* Misses beyond the upcall budget. */
    uint64_t deferred;          /* Polls of ports that need upcalls put off
                                 * for the others (upcall_share). */
    uint64_t busy_cycles, idle_cycles;
    uint64_t flushes;           /* Whole-cache flushes. */
    uint64_t revalidations;     /* dp_revalidate() passes... */
    uint64_t reval_removed;     /* ...and the megaflows they removed. */
    uint64_t n_megaflows, n_subtables;
};

/* Fills 'stats' (an array of dp_n_pmds() entries), counted since the last
 * dp_pmd_stats_clear(). */
void dp_pmd_stats_get(struct dp_pmd_stats *stats);
void dp_pmd_stats_clear(void);
/* The same, counted since the PMD threads started (dp_pmd_stats_clear()
 * does not change them): for monitoring, which wants counters that only
 * grow. */
void dp_pmd_stats_get_total(struct dp_pmd_stats *stats);

/* One megaflow, as dp_cache_dump() reports it. */
#define DP_DUMP_MAX_ACTIONS 16
struct dp_cache_entry {
    unsigned int pmd_core;
    struct dp_flow_key key, mask;
    uint64_t n_packets, n_bytes;
    uint64_t idle_ms;
    uint32_t flags;
    uint16_t n_actions;         /* May exceed DP_DUMP_MAX_ACTIONS. */
    struct dp_action actions[DP_DUMP_MAX_ACTIONS];
};

struct dp_cache_dump {
    struct dp_cache_entry *entries;     /* Caller frees. */
    size_t n;
    bool truncated;             /* More than 'max' megaflows. */
    size_t emc_used, emc_size;  /* Summed over PMD threads. */
};

/* Collects up to 'max' megaflows from every PMD thread (each copies its own
 * at its next iteration).  Returns 0, or ETIMEDOUT if a PMD thread did not
 * answer within a second. */
int dp_cache_dump(size_t max, struct dp_cache_dump *);

/* Returns once every PMD thread has passed what its megaflows forwarded
 * so far on to the upcall ops' 'credit' (the pipeline's rule, table,
 * group and mirror counters), so that counters read next include every
 * packet forwarded before the call.  Main thread; waits about one PMD
 * loop iteration (at most a second for a thread that does not answer). */
void dp_credit_sync(void);

struct dp_port_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_dropped;
    uint64_t rx_errors;         /* Frames the port could not take in. */
    uint64_t tx_mtu_dropped;    /* Larger than the port's MTU (also in
                                 * 'tx_dropped'). */
    uint64_t drops[DP_N_DROP_REASONS];  /* Received, then dropped: port
                                         * security, rate. */
};

/* Sums the PMD threads' counters for 'port_no' (since it was added) and the
 * device's own drop counters. */
void dp_port_get_stats(uint32_t port_no, struct dp_port_stats *);

struct dp_port_info {
    char driver[32];            /* e.g. "net_af_xdp". */
    char devargs[256];
    bool link_up;
    uint32_t speed_mbps;
    uint8_t mac[6];
    unsigned int pmd_core;      /* Core of the PMD thread polling it. */
    bool on_handler;            /* Polled by the upcall handler thread,
                                 * which took it from its PMD thread for
                                 * its misses (dp_balance()). */
    uint64_t handler_moves;     /* Times it went there. */
    uint32_t mtu;               /* Largest L3 packet it sends. */
    bool offloads;              /* Takes partial checksums and GSO frames
                                 * as they are. */
};

/* Limits what port 'port_no' takes in to 'bytes' per 'usecs'
 * microseconds, with a burst of 'bytes' but at least DP_RATE_MIN_BURST
 * (what Xen's netback allows, so that a 64 KB segment passes); packets
 * over it are dropped and counted (DP_DROP_RATE).  'bytes'
 * 0 removes the limit.  Returns 0, or EINVAL ('bytes' over 2^40, 'usecs' 0
 * or over 2^24 - 1) with a message in '*errp'. */
#define DP_RATE_MIN_BURST 131072
int dp_port_set_rate(uint32_t port_no, uint64_t bytes, uint32_t usecs,
                     char **errp);

/* Sets the MTU of port 'port_no' (its Linux netdev's, or its device's).
 * Returns 0 or a positive errno value with a message in '*errp'. */
int dp_port_set_mtu(uint32_t port_no, uint32_t mtu, char **errp);

/* Also picks up a change to the MTU of a port's Linux netdev, which the
 * PMD threads check frames against: call it now and then (the bridge does,
 * once a second, for the link state). */
void dp_port_get_info(uint32_t port_no, struct dp_port_info *);

/* Moves rx queues between the PMD threads and the upcall handler thread;
 * the main thread calls it about once a second ('now_ms', monotonic).
 *
 * A port whose packets miss the caches at 'handler_misses' a second or
 * more, while another port of its PMD thread receives, goes to the
 * handler thread with its rx queue: the misses' parsing, lookups and
 * translations then cost the handler's core, not its neighbours' (the
 * PMD thread's pmd.upcall-share only slows such a port down; the handler
 * serves it at full speed).  After DP_HANDLER_CALM_S seconds in a row
 * below half that rate, it goes back.  Packets wait in the port's ring
 * during a move (one grace period); none is lost or reordered by it. */
#define DP_HANDLER_CALM_S 5
void dp_balance(long long now_ms);

/* The upcall handler thread's core, or -1 if there is none. */
int dp_handler_core(void);

/* Number of PMD threads, the upcall handler thread included (the last;
 * dp_pmd_stats.handler). */
size_t dp_n_pmds(void);

/* DPDK's version string.  Any thread. */
const char *dp_version(void);

/* Mbufs of the datapath's pool in use (in rings, caches, buffers), and the
 * pool's size: for leak checks. */
/* A packet that a DP_ACTION_CONTROLLER action sent to the main thread:
 * the first 'len' bytes (the whole packet, unless it was longer than
 * DP_PACKET_IN_MAX) of a 'total_len'-byte packet that came in on datapath
 * port 'in_port' (or was injected as if from it), and the action's 'arg'.
 * 'data' is malloc()ed: the caller frees it. */
#define DP_PACKET_IN_MAX 65535
struct dp_packet_in {
    uint32_t in_port;
    uint32_t arg;
    uint32_t len, total_len;
    uint8_t *data;
};

/* Takes up to 'max' queued packets (main thread).  Returns how many. */
size_t dp_packet_in_recv(struct dp_packet_in *, size_t max);

/* Packets lost because the main thread fell behind. */
uint64_t dp_packet_in_dropped(void);

/* Executes 'acts' on a copy of the 'len' bytes at 'data', as if it had
 * come in on datapath port 'in_port' (DP_MAX_PORTS for none), on a PMD
 * thread, soon.  Returns 0, EINVAL for a bad length, or ENOBUFS when too
 * many packets are still waiting or the mbuf pool is empty. */
int dp_inject(uint32_t in_port, const void *data, size_t len,
              const struct dp_actions *acts);

/* Meters (rte_meter), shared by the PMD threads: a packet over 'rate'
 * (kbit/s, or packets/s if 'pktps') beyond a burst of 'burst' (kbit or
 * packets; 0: a tenth of a second's worth, at least one packet) is
 * dropped by DP_ACTION_METER; one over 'remark_rate' (and not over
 * 'rate') gets 'prec_level' more drop precedence in its DSCP (an AF
 * class's, RFC 2597; other DSCPs are left alone).  With both bands a
 * two-rate meter (trTCM), else a single-rate one (srTCM). */
#define DP_MAX_METERS 4096
struct dp_meter_config {
    bool pktps;
    uint32_t rate;              /* Drop band; 0: none. */
    uint32_t burst;
    uint32_t remark_rate;       /* DSCP remark band; 0: none.  Ignored if
                                 * not below 'rate'. */
    uint32_t remark_burst;
    uint8_t prec_level;
};

struct dp_meter_stats {
    uint64_t packets, bytes;                /* Seen. */
    uint64_t dropped_packets, dropped_bytes;
    uint64_t remarked_packets, remarked_bytes;
};

/* Configures meter 'slot' (< DP_MAX_METERS); its counters carry on
 * across changes.  Returns 0 or EINVAL with a message in '*errp'. */
int dp_meter_set(uint32_t slot, const struct dp_meter_config *,
                 char **errp);
/* Removes meter 'slot' (packets meeting it pass) and zeroes its
 * counters. */
void dp_meter_del(uint32_t slot);
void dp_meter_get_stats(uint32_t slot, struct dp_meter_stats *);

void dp_mbuf_usage(unsigned int *in_use, unsigned int *size);

/* ---- Packet capture (xvs-ctl capture) ------------------------------------
 *
 * While a capture runs on a port, the PMD threads copy its packets (at
 * most 'snaplen' bytes of each) into a ring of the capture's own, with the
 * time and the direction; the main thread drains it.  Without a capture a
 * port costs one predictable branch per burst and direction.  A full ring
 * or pool drops the copy (counted), never the packet. */
#define DP_CAPTURE_RX 1             /* Received on the port. */
#define DP_CAPTURE_TX 2             /* Sent on the port. */
#define DP_CAPTURE_MAX_SNAPLEN 65535

struct dp_capture;

struct dp_captured {
    const void *data;               /* 'len' bytes of the packet. */
    uint32_t len;
    uint32_t orig_len;              /* The packet's whole length. */
    uint64_t time_ns;               /* When the PMD thread saw it, in ns
                                     * since the epoch. */
    uint8_t dir;                    /* DP_CAPTURE_RX or DP_CAPTURE_TX. */
};

/* Starts a capture on 'port_no' of the directions 'dirs' (DP_CAPTURE_*)
 * taking at most 'snaplen' (1-DP_CAPTURE_MAX_SNAPLEN) bytes of each
 * packet.  Returns 0 with the capture in '*capp', or a positive errno value
 * with a message in '*errp' (EBUSY: the port has a capture already). */
int dp_capture_start(uint32_t port_no, unsigned int dirs, uint32_t snaplen,
                     struct dp_capture **capp, char **errp);
/* Hands the packets captured so far, at most 'max', oldest first, to
 * 'cb' (the data is valid during the call only); returns how many. */
size_t dp_capture_drain(struct dp_capture *, size_t max,
                        void (*cb)(void *aux, const struct dp_captured *),
                        void *aux);
/* Copies lost so far: the ring or its pool was full. */
uint64_t dp_capture_dropped(const struct dp_capture *);
/* Makes the PMD threads copy no more into the capture (the ring keeps
 * what it has, to drain). */
void dp_capture_detach(struct dp_capture *);
/* Stops the capture and frees it, with the packets not drained. */
void dp_capture_stop(struct dp_capture *);

#endif /* datapath.h */
