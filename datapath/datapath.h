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

/* Called on a PMD thread for a packet that no cache could handle: fills
 * 'actions' for the packet whose key is 'key' and whose first 'len' bytes
 * are at 'packet' ('pkt_len' is its whole length, for statistics). */
typedef void dp_upcall_cb(void *aux, const struct dp_flow_key *key,
                          const void *packet, uint32_t len, uint32_t pkt_len,
                          struct dp_actions *actions);

/* Hooks run on each PMD thread, so that the pipeline's own RCU (Open
 * vSwitch's ovs-rcu) knows when a PMD thread holds no references. */
struct dp_thread_hooks {
    void (*start)(void);        /* Once, when the thread starts. */
    void (*quiesce)(void);      /* Periodically, at most every ~1 ms. */
    void (*stop)(void);         /* Once, before the thread exits. */
};

struct dp_params {
    const char *const *eal_args;    /* Extra EAL arguments. */
    size_t n_eal_args;
    const unsigned int *pmd_cores;  /* One PMD thread per core. */
    size_t n_pmd_cores;
    const struct dp_thread_hooks *hooks;
    unsigned int max_sleep_us;      /* Idle PMD backoff limit; 0: default. */
};

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
};

struct dp_port_spec {
    const char *name;           /* The port's name (for messages). */
    enum dp_port_kind kind;
    const char *devargs;        /* DP_PORT_DEVARGS. */
    const char *iface;          /* Other kinds. */
    dp_upcall_cb *upcall;
    void *upcall_aux;
};

/* Probes, configures and starts a port and gives its rx queue to the least
 * loaded PMD thread.  Returns 0 and the port number in '*port_no', or a
 * positive errno value with a message in '*errp'; on error nothing is left
 * behind. */
int dp_port_add(const struct dp_port_spec *, uint32_t *port_no, char **errp);

/* Removes a port: no PMD thread touches it once this returns. */
void dp_port_del(uint32_t port_no);

struct dp_port_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_dropped;
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
};

void dp_port_get_info(uint32_t port_no, struct dp_port_info *);

/* Number of PMD threads. */
size_t dp_n_pmds(void);

/* DPDK's version string.  Any thread. */
const char *dp_version(void);

#endif /* datapath.h */
