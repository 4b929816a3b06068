/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-private: state shared by the datapath's own modules (datapath.c: EAL,
 * ports and the control API on the main thread; pmd.c: the PMD threads).
 * Nothing outside datapath/ includes this.
 *
 * Who writes what:
 *   - dp.ports[] and pmd->rxqs: the main thread, RCU-published (DPDK QSBR;
 *     PMD threads report a quiescent state once per loop iteration).
 *   - dp.flush_gen, dp.learn_gen: bumped by anyone; each PMD thread
 *     compares them with what it saw at the top of every iteration.
 *   - dp.reval, dp.reval_gen: the main thread (dp_revalidate()) sets the
 *     one and bumps the other; each PMD thread runs the pass once and
 *     answers in pmd->reval_done.
 *   - dp.credit_gen: bumped by the main thread (dp_credit_sync()); each
 *     PMD thread passes its megaflows' counters on to the pipeline and
 *     answers in pmd->credited_gen.
 *   - pmd->caches, counters, tx buffers: the PMD thread only.  The main
 *     thread reads the counters (relaxed atomic loads) and asks for cache
 *     dumps through pmd->dump_req.
 */
#ifndef DP_PRIVATE_H
#define DP_PRIVATE_H 1

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "datapath.h"
#include "dp-classify.h"
#include "mfc.h"
#include "emc.h"
#include "vnet.h"

#define DP_BURST 32                 /* Packets per rx burst. */
_Static_assert(DP_BURST <= sizeof ((struct dp_burst *) 0)->kinds,
               "a burst fits a struct dp_burst");
#define DP_TXBUF 64                 /* Per port, per PMD tx buffer. */
#define DP_UPCALL_BUDGET 16         /* Upcalls per rx burst, at most. */
#define DP_MAINT_INTERVAL_MS 1000   /* Expiry, refresh, ranking. */
#define DP_CREDIT_INTERVAL_MS 1000  /* Megaflow counters to the rules, at
                                     * the latest (readers ask first). */

struct dp_port {
    /* What PMD threads read for every burst, first. */
    uint32_t port_no;
    uint16_t port_id;               /* ethdev port id. */
    bool txq_shared;                /* Fewer tx queues than PMDs: lock. */
    rte_spinlock_t tx_lock;         /* Taken only by PMD threads. */
    struct vnet *vnet;              /* DP_PORT_VNET, instead of an ethdev. */
    uint32_t txo;                   /* DP_TXO_*: offloads output keeps. */
    uint32_t mtu;                   /* Largest L3 packet; relaxed atomic. */
    const struct dp_upcall_ops *ops;
    void *upcall_aux;
    struct dp_capture *capture;     /* xvs-ctl capture, or NULL; atomic. */

    uint16_t n_txq;
    uint32_t mbufs;                 /* Mbufs its rings and tx buffers may
                                     * hold (dp.mbufs_reserved). */
    unsigned int pmd;               /* Index of the PMD polling its rxq. */
    unsigned int home_pmd;          /* The PMD thread it was placed on;
                                     * 'pmd' differs while the handler
                                     * thread has it (dp_balance()). */
    /* dp_balance()'s, main thread only. */
    uint64_t bal_misses, bal_rx;    /* Counters at the last pass. */
    unsigned int bal_calm;          /* Calm passes in a row (handler). */
    uint64_t handler_moves;
    bool leaving;                   /* Being deleted; main thread only. */
    struct rte_device *dev;
    char name[64];
    char devargs[256];

    /* The ingress policer (dp_port_set_rate()): 'rate' packs the bytes
     * per interval (high 40 bits) and the interval in us (low 24), 0 for
     * none; written by the main thread (relaxed atomic).  The bucket is
     * the polling PMD thread's alone, on a line of its own. */
    uint64_t rate;
    struct {
        uint64_t rate;              /* The 'rate' the bucket was made for. */
        uint64_t tokens;            /* Bytes. */
        uint64_t last_tsc;
    } bucket __rte_cache_aligned;
};

struct pmd_rxq {
    struct dp_port *port;
    uint16_t queue;
};

/* Immutable once published; replaced as a whole. */
struct pmd_rxq_list {
    size_t n;
    size_t n_polled;                /* Queues that cannot wake the thread
                                     * (ethdevs): it must poll them. */
    struct pmd_rxq q[];
};

/* Written only by the owning PMD thread, read by the main thread. */
struct pmd_port_counters {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_mtu_dropped;
    uint64_t drops[DP_N_DROP_REASONS];
    uint64_t misses;                /* Upcalled or lost (dp_balance()). */
};

struct pmd_txbuf {
    uint16_t n;
    uint32_t max_len;               /* Longest packet buffered. */
    uint64_t bytes;                 /* All of them. */
    bool listed;                    /* In pmd->dirty[]. */
    uint64_t ol_flags;              /* The packets' ol_flags, or-ed. */
    struct rte_mbuf *pkts[DP_TXBUF];
};

/* A dump request from the main thread: the PMD fills it and sets 'done'. */
struct pmd_dump_req {
    struct dp_cache_entry *entries;
    size_t max, n;
    bool truncated;
    size_t emc_used, emc_size;
    bool done;
};

struct pmd {
    unsigned int id;                /* Also the tx queue it uses. */
    unsigned int lcore;             /* Its EAL lcore... */
    unsigned int core;              /* ...and the core that runs it (the
                                     * same number but for the handler). */
    bool handler;                   /* The upcall handler thread, which
                                     * polls only the ports dp_balance()
                                     * gives it. */
    struct pmd_rxq_list *rxqs;      /* RCU-published by the main thread. */
    bool exit;                      /* Set by the main thread to stop. */
    size_t n_rxqs;                  /* Main thread's count, for placement. */

    /* Caches: this thread's own. */
    struct emc emc;
    struct mfc cls;
    struct dp_megaflow *megaflows;  /* All of cls's, newest first. */
    struct dp_megaflow **mf_vec;    /* The same, in an array. */
    size_t n_mf_vec;
    uint64_t seen_flush_gen, seen_learn_gen, seen_reval_gen;
    uint64_t reval_done;            /* dp.reval_gen last applied; atomic,
                                     * UINT64_MAX once the thread ended. */
    uint64_t mf_seq;                /* Next megaflow's 'seq'. */
    uint64_t learn_flush_below;     /* Drop learned megaflows with a lower
                                     * 'seq' after this burst; 0: none. */
    uint64_t now_ms;                /* At the top of this iteration. */
    uint64_t next_maint_ms;
    uint64_t next_credit_ms;        /* Next pmd_credit_all(). */
    uint64_t credited_gen;          /* dp.credit_gen last answered; atomic,
                                     * UINT64_MAX once the thread ended. */
    uint64_t burst_seq;             /* Numbers pmd_process()'s bursts. */
    /* Megaflows hit since the last pmd_credit_all(), each with a
     * reference, so that a pass costs what was used, not what exists. */
    struct dp_megaflow **credit_list;
    size_t n_credit, max_credit;
    struct pmd_dump_req *dump_req;  /* Set by the main thread. */

    /* Per input port, a megaflow that matches on the port alone, if one is
     * installed: every packet from the port is its, so the port's bursts
     * skip parsing and lookups altogether. */
    struct dp_megaflow *port_mf[DP_MAX_PORTS];

    /* Fair polling (pmd_poll()): a port whose bursts need upcalls ("heavy")
     * costs far more per packet than one whose packets hit the caches.
     * While another port of the thread is backlogged (returned a full
     * burst without upcalls in the previous round), a heavy port is polled
     * again only after 'next_tsc', so that it takes at most
     * dp_params.upcall_share percent of the thread's cycles; packets it
     * is not polled for wait in its ring, or are dropped there by the
     * device or the kernel, at no cost to this thread. */
    struct pmd_fair {
        uint64_t next_tsc;
        bool heavy;
    } fair[DP_MAX_PORTS];
    bool backlog;                   /* In the previous round... */
    bool backlog_next;              /* ...and in this one. */

    /* Counters (struct dp_pmd_stats without 'core' and the sizes). */
    uint64_t packets, emc_hits, megaflow_hits, upcalls, lost;
    uint64_t deferred;              /* Polls of heavy ports put off. */
    uint64_t busy_cycles, idle_cycles;
    uint64_t flushes, revalidations, reval_removed;
    uint64_t pin_dropped;           /* Ring to the main thread full. */
    uint64_t n_megaflows, n_subtables;

    struct pmd_port_counters ctr[DP_MAX_PORTS];
    struct pmd_txbuf tx[DP_MAX_PORTS];
    uint16_t dirty[DP_MAX_PORTS];   /* Ports with buffered packets. */
    uint16_t n_dirty;

    struct vnet_rx_ctx *vnet_rx;    /* Mbufs posted for vnet receives. */

    /* Blocking when idle: an epoll set of the thread's vnet sockets and
     * 'wake_fd', an eventfd through which the main thread wakes it for a
     * request.  The main thread adds and removes the sockets. */
    int epfd, wake_fd;
} __rte_cache_aligned;

/* A packet on its way to the main thread (DP_ACTION_CONTROLLER). */
struct dp_pin_elem {
    struct rte_mbuf *m;
    uint32_t in_port;
    uint32_t arg;
};

/* A packet the main thread injects, executed by PMD thread 0.  Slots go
 * round: 'inject_free' (PMD -> main) and 'inject_todo' (main -> PMD) carry
 * their indexes, so nobody allocates. */
#define DP_N_INJECT_SLOTS 64
struct dp_inject_slot {
    struct rte_mbuf *m;
    uint32_t in_port;
    struct dp_actions acts;
};

struct dp_meter_state;

/* A meter.  'state' is replaced by the main thread (RCU); PMD threads use
 * it under 'lock', which only they take. */
struct dp_meter {
    rte_spinlock_t lock;
    struct dp_meter_state *state;
    uint64_t packets, bytes, dropped_packets, dropped_bytes;
    uint64_t remarked_packets, remarked_bytes;
} __rte_cache_aligned;

/* A revalidation pass (dp_revalidate()). */
struct dp_reval {
    dp_reval_fn *affected;
    const void *aux;
    uint64_t gen;                   /* dp.reval_gen for this pass. */
};

struct dp_state {
    bool eal_up;
    bool pdump;                     /* rte_pdump_init() done. */
    struct rte_mempool *pool;
    uint32_t n_mbufs;                       /* Its size. */
    uint32_t mbufs_reserved;                /* Held by ports at most, and
                                             * by the threads; main thread. */
    struct rte_mempool *big_pool;           /* vnet receive tails. */
    struct rte_rcu_qsbr *qsbr;
    struct pmd *pmds;
    size_t n_pmds;                          /* The handler included. */
    struct pmd *handler;                    /* The last of 'pmds', or NULL. */
    long long bal_last_ms;                  /* dp_balance()'s last pass. */
    struct dp_port *ports[DP_MAX_PORTS];    /* RCU-published. */
    struct dp_thread_hooks hooks;
    struct dp_params params;                /* Resolved defaults. */
    enum dp_isa isa;                        /* The variant in use... */
    dp_classify_fn *classify;               /* ...and its function. */
    uint64_t flush_gen, learn_gen;          /* Atomic. */
    uint64_t reval_gen;                     /* Atomic; dp_revalidate(). */
    const struct dp_reval *reval;           /* Atomic: the pass of
                                             * 'reval_gen', set before it
                                             * is bumped, until every PMD
                                             * thread has run it. */
    uint64_t credit_gen;                    /* Atomic; dp_credit_sync(). */
    uint64_t tsc_per_ms;
    struct rte_ring *pin_ring;              /* PMDs -> main thread. */
    struct rte_ring *inject_free, *inject_todo;
    struct dp_inject_slot *inject_slots;
    struct dp_meter *meters;                /* DP_MAX_METERS of them. */
};

extern struct dp_state dp;

/* A capture (see datapath.h): what the PMD threads use of it. */
struct dp_capture {
    struct rte_ring *ring;          /* Of copies; many producers. */
    struct rte_mempool *pool;       /* The copies, each with a struct
                                     * dp_capture_meta in its private
                                     * area. */
    uint32_t snaplen;
    uint8_t dirs;                   /* DP_CAPTURE_*. */
    uint32_t port_no;
    uint64_t dropped;               /* Atomic. */
    uint64_t tsc0, ns0, hz;         /* TSC to wall clock. */
};

struct dp_capture_meta {
    uint64_t tsc;
    uint32_t orig_len;
    uint8_t dir;
};

/* Returns once every PMD thread has passed a quiescent point (ended the
 * iteration it was in).  Main thread. */
void dp_synchronize(void);

/* Copies 'pkts' into 'cap' (PMD threads). */
void dp_capture_copy(struct dp_capture *cap, struct rte_mbuf **pkts,
                     uint16_t n, uint8_t dir);

/* datapath.c */
/* A formatted error message for '*errp' (malloc()ed; aborts when out of
 * memory). */
char *dp_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What meter 'slot' does with a packet of 'pkt_len' bytes: pass it, drop
 * it, or remark its DSCP by '*prec_level' (PMD threads). */
enum dp_meter_verdict {
    DP_METER_PASS,
    DP_METER_REMARK,
    DP_METER_DROP,
};
enum dp_meter_verdict dp_meter_check(uint32_t slot, uint32_t pkt_len,
                                     uint64_t tsc, uint8_t *prec_level);

/* datapath.c */
void pmd_kick(struct pmd *);

/* pmd.c */
int pmd_main(void *pmd);
void pmd_init_caches(struct pmd *);
void pmd_destroy_caches(struct pmd *);

/* Receives a burst from rx queue 'q' of 'port', whatever its kind.  PMD
 * thread 'pmd', the queue's only poller. */
static inline uint16_t
dp_port_rx(struct pmd *pmd, struct dp_port *port, uint16_t q,
           struct rte_mbuf **pkts, uint16_t n)
{
    if (port->vnet) {
        return vnet_rx_burst(port->vnet, pmd->vnet_rx, pkts, n);
    }
    return rte_eth_rx_burst(port->port_id, q, pkts, n);
}

static inline void
ctr_add(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

#endif /* dp-private.h */
