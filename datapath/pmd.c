/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pmd: the PMD threads' loop, a packet's way through the caches, and the
 * threads' housekeeping.  See datapath.h for the big picture and
 * dp-private.h for who owns what.
 *
 * One iteration:
 *   1. see whether the main thread asked for a cache flush, a flush of
 *      learned megaflows, or a dump, and do it;
 *   2. for each rx queue: receive a burst; parse each packet into a key;
 *      look it up in the EMC, then in the megaflow cache; upcall the
 *      misses (at most DP_UPCALL_BUDGET per burst, the rest are counted
 *      as lost and dropped), installing megaflows; group the packets by
 *      megaflow and execute each group's actions once; flush the tx
 *      buffers;
 *   3. report a quiescent state (no port or old rx-queue list is
 *      referenced past this point);
 *   4. once a second: expire idle megaflows, refresh the soft state of
 *      learned ones, re-rank the subtables;
 *   5. sleep a little if idle, backing off up to max_sleep_us.
 */
#include "dp-private.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp-offload.h"
#include "pkt-edit.h"

/* ---- Transmit ------------------------------------------------------- */

/* Sends 'n' packets of 'bytes' bytes in all to 'port' now, counting them;
 * frees what did not go. */
static void
pmd_tx(struct pmd *pmd, struct dp_port *port, struct rte_mbuf **pkts,
       uint16_t n, uint64_t bytes)
{
    uint16_t sent;

    struct dp_capture *cap = __atomic_load_n(&port->capture,
                                             __ATOMIC_ACQUIRE);
    if (unlikely(cap) && cap->dirs & DP_CAPTURE_TX) {
        dp_capture_copy(cap, pkts, n, DP_CAPTURE_TX);
    }
    if (port->vnet) {
        sent = vnet_tx_burst(port->vnet, pkts, n);
    } else if (port->txq_shared) {
        rte_spinlock_lock(&port->tx_lock);
        sent = rte_eth_tx_burst(port->port_id, 0, pkts, n);
        rte_spinlock_unlock(&port->tx_lock);
    } else {
        sent = rte_eth_tx_burst(port->port_id, pmd->id, pkts, n);
    }
    if (unlikely(sent < n)) {
        for (uint16_t i = sent; i < n; i++) {
            bytes -= rte_pktmbuf_pkt_len(pkts[i]);
        }
    }
    struct pmd_port_counters *c = &pmd->ctr[port->port_no];
    ctr_add(&c->tx_packets, sent);
    ctr_add(&c->tx_bytes, bytes);
    if (sent < n) {
        ctr_add(&c->tx_dropped, n - sent);
        rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
    }
}

/* Packets on their way out of one port, prepared for it. */
struct pmd_txq {
    struct pmd *pmd;
    struct dp_port *port;
    uint16_t n;
    uint64_t bytes;
    struct rte_mbuf *pkts[DP_TXBUF];
};

static void
txq_add(struct pmd_txq *q, struct rte_mbuf *m)
{
    q->pkts[q->n++] = m;
    q->bytes += rte_pktmbuf_pkt_len(m);
    if (q->n == DP_TXBUF) {
        pmd_tx(q->pmd, q->port, q->pkts, q->n, q->bytes);
        q->n = 0;
        q->bytes = 0;
    }
}

static void
txq_drop(struct pmd_txq *q, struct rte_mbuf *m, bool mtu)
{
    struct pmd_port_counters *c = &q->pmd->ctr[q->port->port_no];

    ctr_add(&c->tx_dropped, 1);
    if (mtu) {
        ctr_add(&c->tx_mtu_dropped, 1);
    }
    rte_pktmbuf_free(m);
}

/* Whether 'm' is larger than 'mtu' allows at L3 (a GSO frame: whether its
 * segments will be). */
static bool
too_big(const struct rte_mbuf *m, uint32_t mtu)
{
    if (m->ol_flags & DP_OL_GSO) {
        return dp_offload_seg_l3_len(m) > mtu;
    }
    if (rte_pktmbuf_pkt_len(m) <= mtu + RTE_ETHER_HDR_LEN) {
        return false;
    }
    uint32_t l2 = pkt_l2_len(rte_pktmbuf_mtod(m, const uint8_t *),
                             rte_pktmbuf_data_len(m));
    return rte_pktmbuf_pkt_len(m) - l2 > mtu;
}

/* Prepares one packet for a port that cannot take it as it is: too big
 * (dropped, counted), or carrying offload metadata the port does not take
 * (checksum finished, GSO frame cut into segments). */
static void
txq_prepare(struct pmd_txq *q, struct rte_mbuf *m)
{
    const struct dp_port *port = q->port;

    if (too_big(m, __atomic_load_n(&port->mtu, __ATOMIC_RELAXED))) {
        txq_drop(q, m, true);
    } else if (!(m->ol_flags & DP_OL_FLAGS)
               || dp_offload_fits(m, port->txo)) {
        txq_add(q, m);
    } else if (m->ol_flags & DP_OL_GSO) {
        struct rte_mbuf *seg;
        struct dp_gso gso;

        dp_gso_start(&gso, m);
        while ((seg = dp_gso_next(&gso, dp.pool))) {
            txq_add(q, seg);
        }
        if (gso.failed) {
            txq_drop(q, m, false);
        } else {
            rte_pktmbuf_free(m);
        }
    } else {
        /* Another output may hold the same mbuf and want it partial. */
        if (rte_mbuf_refcnt_read(m) > 1 || !RTE_MBUF_DIRECT(m)) {
            struct rte_mbuf *copy = rte_pktmbuf_copy(m, dp.pool, 0,
                                                     UINT32_MAX);
            if (!copy) {
                txq_drop(q, m, false);
                return;
            }
            rte_pktmbuf_free(m);
            m = copy;
        }
        dp_offload_csum(m);
        txq_add(q, m);
    }
}

static void
pmd_flush_port(struct pmd *pmd, uint16_t port_no)
{
    struct pmd_txbuf *buf = &pmd->tx[port_no];
    struct dp_port *port = __atomic_load_n(&dp.ports[port_no],
                                           __ATOMIC_ACQUIRE);
    uint16_t n = buf->n;
    uint32_t max_len = buf->max_len;
    uint64_t ol_flags = buf->ol_flags;
    uint64_t bytes = buf->bytes;

    buf->n = 0;
    buf->max_len = 0;
    buf->ol_flags = 0;
    buf->bytes = 0;
    if (!port) {
        rte_pktmbuf_free_bulk(buf->pkts, n);
        return;
    }
    /* One test a burst keeps the common case (plain frames within the
     * MTU) on the straight path. */
    uint32_t mtu = __atomic_load_n(&port->mtu, __ATOMIC_RELAXED);
    if (likely(!(ol_flags & DP_OL_FLAGS)
               && max_len <= mtu + RTE_ETHER_HDR_LEN)) {
        pmd_tx(pmd, port, buf->pkts, n, bytes);
        return;
    }
    struct pmd_txq q = { .pmd = pmd, .port = port, .n = 0, .bytes = 0 };
    for (uint16_t i = 0; i < n; i++) {
        txq_prepare(&q, buf->pkts[i]);
    }
    if (q.n) {
        pmd_tx(pmd, port, q.pkts, q.n, q.bytes);
    }
}

static void
pmd_flush_tx(struct pmd *pmd)
{
    for (uint16_t i = 0; i < pmd->n_dirty; i++) {
        uint16_t port_no = pmd->dirty[i];
        pmd->tx[port_no].listed = false;
        if (pmd->tx[port_no].n) {
            pmd_flush_port(pmd, port_no);
        }
    }
    pmd->n_dirty = 0;
}

/* Buffers 'n' packets for 'port_no' (freed if there is no such port
 * number), flushing the buffer whenever it fills.  The port stays listed
 * in pmd->dirty until pmd_flush_tx(). */
static inline void
pmd_enqueue_bulk(struct pmd *pmd, uint16_t port_no, struct rte_mbuf **pkts,
                 uint16_t n)
{
    if (port_no >= DP_MAX_PORTS) {
        rte_pktmbuf_free_bulk(pkts, n);
        return;
    }
    struct pmd_txbuf *buf = &pmd->tx[port_no];
    while (n) {
        uint16_t room = DP_TXBUF - buf->n;
        uint16_t k = RTE_MIN(n, room);
        uint64_t ol_flags = 0, bytes = 0;
        uint32_t max_len = 0;

        if (!buf->listed) {
            buf->listed = true;
            pmd->dirty[pmd->n_dirty++] = port_no;
        }
        for (uint16_t i = 0; i < k; i++) {
            const struct rte_mbuf *m = pkts[i];
            uint32_t len = rte_pktmbuf_pkt_len(m);

            buf->pkts[buf->n + i] = pkts[i];
            ol_flags |= m->ol_flags;
            max_len = RTE_MAX(max_len, len);
            bytes += len;
        }
        buf->n += k;
        buf->ol_flags |= ol_flags;
        buf->max_len = RTE_MAX(buf->max_len, max_len);
        buf->bytes += bytes;
        if (buf->n == DP_TXBUF) {
            pmd_flush_port(pmd, port_no);
        }
        pkts += k;
        n -= k;
    }
}

static inline void
pmd_enqueue(struct pmd *pmd, uint16_t port_no, struct rte_mbuf *m)
{
    pmd_enqueue_bulk(pmd, port_no, &m, 1);
}

/* Hands a reference to 'm' to the main thread (DP_ACTION_CONTROLLER).  A
 * full ring drops the copy: the main thread is behind, and packet-ins are
 * rate-limited further on anyway. */
static void
pmd_to_controller(struct pmd *pmd, struct rte_mbuf *m, uint32_t in_port,
                  uint32_t arg)
{
    struct dp_pin_elem e = { .m = m, .in_port = in_port, .arg = arg };

    rte_pktmbuf_refcnt_update(m, 1);
    if (rte_ring_mp_enqueue_elem(dp.pin_ring, &e, sizeof e)) {
        rte_pktmbuf_free(m);
        ctr_add(&pmd->pin_dropped, 1);
    }
}

/* Pushes a tag with 'tpid' and 'tci' after the MAC addresses.  Returns
 * false if the mbuf has no headroom left. */
static bool
pmd_push_tag(struct rte_mbuf *m, uint16_t tpid, uint16_t tci)
{
    if (tpid == RTE_ETHER_TYPE_VLAN) {
        m->vlan_tci = tci;
        return !rte_vlan_insert(&m);    /* It moves l2_len on, too. */
    }
    if (rte_pktmbuf_data_len(m) < 2 * RTE_ETHER_ADDR_LEN) {
        return false;
    }
    uint8_t *p = (uint8_t *) rte_pktmbuf_prepend(m, 4);
    if (!p) {
        return false;
    }
    memmove(p, p + 4, 2 * RTE_ETHER_ADDR_LEN);
    p[12] = tpid >> 8;
    p[13] = tpid;
    p[14] = tci >> 8;
    p[15] = tci;
    m->l2_len += 4;             /* Offload metadata: L3 moved. */
    return true;
}

/* A frame a pop left shorter than Ethernet's minimum (60 bytes without
 * the FCS, as a sender pads it) gets zeros up to it, as a NIC would put
 * on the wire: what comes out is what a peer expects of a frame that was
 * already padded before the pop.  Out of room, the frame goes as it
 * is. */
static void
pmd_pad_runt(struct rte_mbuf *m)
{
    uint32_t len = rte_pktmbuf_pkt_len(m);

    if (len < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN) {
        uint32_t n = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - len;
        char *p = rte_pktmbuf_append(m, n);
        if (p) {
            memset(p, 0, n);
        }
    }
}

/* Pops the outer tag, 802.1Q (0x8100) or 802.1ad (0x88a8), if there is
 * one. */
static void
pmd_pop_tag(struct rte_mbuf *m)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

    if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 4) {
        return;
    }
    uint16_t tpid = (p[12] << 8) | p[13];
    if (tpid == RTE_ETHER_TYPE_VLAN) {
        rte_vlan_strip(m);
    } else if (tpid == RTE_ETHER_TYPE_QINQ) {
        memmove(p + 4, p, 2 * RTE_ETHER_ADDR_LEN);
        rte_pktmbuf_adj(m, 4);
    } else {
        return;
    }
    m->l2_len -= 4;             /* Offload metadata: L3 moved. */
    pmd_pad_runt(m);
}

/* Pushes or pops an MPLS label stack entry right after the Ethernet
 * header and its VLAN tags.  Returns false if the packet cannot take it
 * (no headroom, too short). */
static bool
pmd_mpls(struct rte_mbuf *m, const struct dp_action *act)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    uint32_t l2 = pkt_l2_len(p, rte_pktmbuf_data_len(m));
    uint16_t type = rte_cpu_to_be_16(act->port);

    if (!l2) {
        return false;
    }
    if (act->type == DP_ACTION_PUSH_MPLS) {
        uint8_t *n = (uint8_t *) rte_pktmbuf_prepend(m, 4);
        if (!n) {
            return false;
        }
        memmove(n, n + 4, l2);
        memcpy(n + l2, &act->be32, 4);
        memcpy(n + l2 - 2, &type, 2);
        m->l2_len += 4;         /* Offload metadata: L3 moved. */
    } else {
        if (rte_pktmbuf_data_len(m) < l2 + 4) {
            return false;
        }
        memmove(p + 4, p, l2);
        p = (uint8_t *) rte_pktmbuf_adj(m, 4);
        if (!p) {
            return false;
        }
        memcpy(p + l2 - 2, &type, 2);
        m->l2_len -= 4;
        pmd_pad_runt(m);
    }
    return true;
}

/* Pushes (DP_ACTION_PUSH_PBB) or pops a PBB backbone header: 12 bytes of
 * MAC addresses, the type and the 4-byte I-TAG TCI before the customer
 * frame (and, popping, the backbone tags between).  Returns false if the
 * packet cannot take it (no headroom, too short). */
static bool
pmd_pbb(struct rte_mbuf *m, const struct dp_action *act)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    uint16_t type;

    if (act->type == DP_ACTION_PUSH_PBB) {
        if (rte_pktmbuf_data_len(m) < 2 * RTE_ETHER_ADDR_LEN) {
            return false;
        }
        uint8_t *n = (uint8_t *) rte_pktmbuf_prepend(m, 18);
        if (!n) {
            return false;
        }
        memcpy(n, n + 18, 2 * RTE_ETHER_ADDR_LEN);
        n[12] = act->port >> 8;
        n[13] = act->port;
        memcpy(n + 14, &act->be32, 4);
        m->l2_len += 18;        /* Offload metadata: L3 moved. */
        return true;
    }
    uint32_t l2 = pkt_l3_offset(p, rte_pktmbuf_data_len(m), &type);
    if (!l2 || type != 0x88e7) {
        return true;            /* Not PBB: nothing to pop. */
    }
    if (rte_pktmbuf_data_len(m) < l2 + 4 + RTE_ETHER_HDR_LEN
        || !rte_pktmbuf_adj(m, l2 + 4)) {
        return false;
    }
    m->l2_len -= l2 + 4;
    pmd_pad_runt(m);
    return true;
}

/* Executes actions that modify packets on one packet.  Each output takes
 * a reference to the mbuf as it stands; an edit of an mbuf that an output
 * still holds works on a copy (an allocation, on this slow-ish path only:
 * floods across differently tagged ports, rewrites before and after an
 * output). */
static void
pmd_execute_one(struct pmd *pmd, struct rte_mbuf *m, uint32_t in_port,
                const struct dp_action *actions, uint16_t n_actions)
{
    uint8_t prec = 0;

    for (uint16_t a = 0; a < n_actions && m; a++) {
        const struct dp_action *act = &actions[a];

        if (act->type == DP_ACTION_OUTPUT) {
            rte_pktmbuf_refcnt_update(m, 1);
            pmd_enqueue(pmd, act->port, m);
            continue;
        } else if (act->type == DP_ACTION_OUTPUT_QUEUE) {
            /* The queue's policer: a single drop band, so no remark. */
            uint8_t unused;
            if (dp_meter_check(act->arg, rte_pktmbuf_pkt_len(m), rte_rdtsc(),
                               &unused) != DP_METER_DROP) {
                rte_pktmbuf_refcnt_update(m, 1);
                pmd_enqueue(pmd, act->port, m);
            }
            continue;
        } else if (act->type == DP_ACTION_CONTROLLER) {
            pmd_to_controller(pmd, m, in_port, act->arg);
            continue;
        } else if (act->type == DP_ACTION_METER) {
            enum dp_meter_verdict v = dp_meter_check(act->arg,
                                                     rte_pktmbuf_pkt_len(m),
                                                     rte_rdtsc(), &prec);
            if (v == DP_METER_DROP) {
                rte_pktmbuf_free(m);
                m = NULL;
            }
            if (v != DP_METER_REMARK) {
                continue;
            }
            /* A remark is an edit: below, on a copy if shared. */
        }
        if (rte_mbuf_refcnt_read(m) > 1) {
            struct rte_mbuf *copy = rte_pktmbuf_copy(m, dp.pool, 0,
                                                     UINT32_MAX);
            rte_pktmbuf_free(m);
            m = copy;           /* NULL if out of mbufs: drop the rest. */
            if (!m) {
                break;
            }
        }
        if (act->type == DP_ACTION_PUSH_VLAN) {
            if (!pmd_push_tag(m, act->port ? act->port : 0x8100, act->tci)) {
                rte_pktmbuf_free(m);
                m = NULL;
            }
        } else if (act->type == DP_ACTION_PUSH_MPLS
                   || act->type == DP_ACTION_POP_MPLS) {
            if (!pmd_mpls(m, act)) {
                rte_pktmbuf_free(m);
                m = NULL;
            }
        } else if (act->type == DP_ACTION_PUSH_PBB
                   || act->type == DP_ACTION_POP_PBB) {
            if (!pmd_pbb(m, act)) {
                rte_pktmbuf_free(m);
                m = NULL;
            }
        } else if (act->type == DP_ACTION_POP_VLAN) {
            pmd_pop_tag(m);
        } else if (act->type == DP_ACTION_METER) {
            pkt_dscp_remark(rte_pktmbuf_mtod(m, uint8_t *),
                            rte_pktmbuf_data_len(m), prec,
                            dp_l4_csum_partial(m));
        } else {
            pkt_edit(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m),
                     act, dp_l4_csum_partial(m));
        }
    }
    if (m) {
        rte_pktmbuf_free(m);
    }
}

/* Executes 'n_actions' actions on 'n' packets from 'in_port'.  When no
 * action modifies the packets, every output shares each mbuf. */
static void
pmd_execute(struct pmd *pmd, struct rte_mbuf **pkts, uint16_t n,
            uint32_t in_port, const struct dp_action *actions,
            uint16_t n_actions)
{
    if (!n_actions) {
        rte_pktmbuf_free_bulk(pkts, n);
        return;
    }
    if (actions[0].type == DP_ACTION_DROP) {
        /* Port security's verdict: counted against the input port. */
        if (in_port < DP_MAX_PORTS && actions[0].arg < DP_N_DROP_REASONS) {
            ctr_add(&pmd->ctr[in_port].drops[actions[0].arg], n);
        }
        rte_pktmbuf_free_bulk(pkts, n);
        return;
    }
    if (dp_actions_modify(actions, n_actions)) {
        for (uint16_t i = 0; i < n; i++) {
            pmd_execute_one(pmd, pkts[i], in_port, actions, n_actions);
        }
        return;
    }
    if (n_actions > 1) {
        for (uint16_t i = 0; i < n; i++) {
            rte_pktmbuf_refcnt_update(pkts[i], n_actions - 1);
        }
    }
    for (uint16_t a = 0; a < n_actions; a++) {
        pmd_enqueue_bulk(pmd, actions[a].port, pkts, n);
    }
}

/* Packets the main thread injected (OpenFlow packet-out): executes each
 * with its actions and gives the slot back. */
static unsigned int
pmd_run_injected(struct pmd *pmd)
{
    uint32_t idx[DP_BURST];
    unsigned int n = rte_ring_sc_dequeue_burst_elem(dp.inject_todo, idx,
                                                    sizeof idx[0], DP_BURST,
                                                    NULL);
    for (unsigned int i = 0; i < n; i++) {
        struct dp_inject_slot *slot = &dp.inject_slots[idx[i]];
        pmd_execute_one(pmd, slot->m, slot->in_port, slot->acts.a,
                        slot->acts.n);
        slot->m = NULL;
    }
    if (n) {
        pmd_flush_tx(pmd);
        rte_ring_sp_enqueue_burst_elem(dp.inject_free, idx, sizeof idx[0], n,
                                       NULL);
    }
    return n;
}

/* ---- Caches --------------------------------------------------------- */

void
pmd_init_caches(struct pmd *pmd)
{
    emc_init(&pmd->emc, dp.params.emc_entries, dp.params.emc_insert_inv_prob);
    mfc_init(&pmd->cls);
    pmd->megaflows = NULL;
    /* Each live megaflow once, and as many removed ones: a full list is
     * credited at once anyway. */
    pmd->max_credit = (size_t) dp.params.max_megaflows + 1;
    pmd->credit_list = calloc(pmd->max_credit, sizeof *pmd->credit_list);
    if (!pmd->credit_list) {
        abort();
    }
    pmd->n_credit = 0;
    pmd->mf_vec = calloc((size_t) dp.params.max_megaflows + 1,
                         sizeof *pmd->mf_vec);
    if (!pmd->mf_vec) {
        abort();
    }
    pmd->n_mf_vec = 0;
    pmd->seen_reval_gen = pmd->reval_done
        = __atomic_load_n(&dp.reval_gen, __ATOMIC_RELAXED);
}

static void
megaflow_unlink(struct pmd *pmd, struct dp_megaflow *mf)
{
    struct dp_megaflow *last = pmd->mf_vec[--pmd->n_mf_vec];

    pmd->mf_vec[mf->vec_idx] = last;
    last->vec_idx = mf->vec_idx;
    if (mf->prev) {
        mf->prev->next = mf->next;
    } else {
        pmd->megaflows = mf->next;
    }
    if (mf->next) {
        mf->next->prev = mf->prev;
    }
}

/* Passes the packets 'mf' forwarded since the last call on to the rules,
 * groups and mirrors of its translation (its handle).  The fast path
 * counts per megaflow only, in this thread's own memory; the pipeline's
 * counters, shared by every thread, take their atomic adds here: when the
 * main thread asks for them (dp_credit_sync()), when the megaflow goes,
 * and every DP_CREDIT_INTERVAL_MS, instead of per burst. */
static inline void
megaflow_credit(struct dp_megaflow *mf)
{
    uint64_t packets = mf->n_packets - mf->credited_packets;

    if (packets) {
        if (mf->credit) {
            mf->credit(mf->handle, packets,
                       mf->n_bytes - mf->credited_bytes);
        }
        mf->credited_packets = mf->n_packets;
        mf->credited_bytes = mf->n_bytes;
    }
}

/* Credits the megaflows used since the last call. */
static void
pmd_credit_all(struct pmd *pmd)
{
    for (size_t i = 0; i < pmd->n_credit; i++) {
        struct dp_megaflow *mf = pmd->credit_list[i];

        megaflow_credit(mf);
        mf->credit_listed = false;
        dp_megaflow_unref(mf);      /* A removed one may go now. */
    }
    pmd->n_credit = 0;
    pmd->next_credit_ms = pmd->now_ms + DP_CREDIT_INTERVAL_MS;
}

/* Notes that 'mf' has packets to credit.  Called for each batch: one test
 * of a flag on a line the batch writes anyway. */
static inline void
pmd_credit_later(struct pmd *pmd, struct dp_megaflow *mf)
{
    if (!mf->credit_listed && mf->credit) {
        if (pmd->n_credit == pmd->max_credit) {
            pmd_credit_all(pmd);
        }
        mf->credit_listed = true;
        dp_megaflow_ref(mf);
        pmd->credit_list[pmd->n_credit++] = mf;
    }
}

/* Removes 'mf' from the caches.  Its packets are credited first: it takes
 * no more once it is dead. */
static void
megaflow_remove(struct pmd *pmd, struct dp_megaflow *mf)
{
    megaflow_credit(mf);
    if (pmd->port_mf[mf->key.in_port & (DP_MAX_PORTS - 1)] == mf) {
        pmd->port_mf[mf->key.in_port & (DP_MAX_PORTS - 1)] = NULL;
    }
    megaflow_unlink(pmd, mf);
    mfc_remove(&pmd->cls, mf);
}

/* Whether 'mask' matches on the input port and nothing else. */
static bool
mask_is_port_only(const struct dp_flow_key *mask)
{
    static const struct dp_flow_key port_only = { .in_port = UINT32_MAX };
    return dp_flow_key_equal(mask, &port_only);
}

_Static_assert(DP_MAX_PORTS <= UINT16_MAX + 1,
               "a port number fits a compact key's in_port");

/* Removes every megaflow, or only the DP_MF_LEARN ones created before
 * 'seq_below'. */
static void
pmd_flush_megaflows__(struct pmd *pmd, bool learned_only, uint64_t seq_below)
{
    struct dp_megaflow *mf, *next;

    for (mf = pmd->megaflows; mf; mf = next) {
        next = mf->next;
        if (!learned_only
            || (mf->flags & DP_MF_LEARN && mf->seq < seq_below)) {
            megaflow_remove(pmd, mf);
        }
    }
    if (!learned_only) {
        /* Dead megaflows' entries would miss anyway; this returns the
         * memory now. */
        emc_flush(&pmd->emc);
    }
    __atomic_store_n(&pmd->n_megaflows, pmd->cls.n_flows, __ATOMIC_RELAXED);
    __atomic_store_n(&pmd->n_subtables, pmd->cls.n_subtables,
                     __ATOMIC_RELAXED);
}

static void
pmd_flush_megaflows(struct pmd *pmd, bool learned_only)
{
    pmd_flush_megaflows__(pmd, learned_only, UINT64_MAX);
}

/* Removes the megaflows that 'r' says a change affects.  A megaflow
 * without a handle consulted no rule, group or mirror: no pipeline change
 * that asks for a pass can touch its decision. */
static void
pmd_revalidate(struct pmd *pmd, const struct dp_reval *r)
{
    struct dp_megaflow **vec = pmd->mf_vec;
    uint64_t removed = 0;
    size_t i = 0;

    /* The megaflows and their handles lie all over memory: fetch them
     * ahead, in two stages (the handle's address is in the megaflow). */
    while (i < pmd->n_mf_vec) {
        size_t n = pmd->n_mf_vec;
        if (i + 16 < n) {
            const char *p = (const char *) vec[i + 16];
            rte_prefetch0(p);
            rte_prefetch0(p + RTE_CACHE_LINE_SIZE);
            rte_prefetch0(p + 2 * RTE_CACHE_LINE_SIZE);
        }
        if (i + 8 < n && vec[i + 8]->handle) {
            rte_prefetch0(vec[i + 8]->handle);
        }

        struct dp_megaflow *mf = vec[i];
        if (mf->handle
            && r->affected(r->aux, mf->handle, &mf->key,
                           mfc_megaflow_mask(mf))) {
            megaflow_remove(pmd, mf);   /* The last one takes index i. */
            removed++;
        } else {
            i++;
        }
    }
    ctr_add(&pmd->revalidations, 1);
    ctr_add(&pmd->reval_removed, removed);
    __atomic_store_n(&pmd->n_megaflows, pmd->cls.n_flows, __ATOMIC_RELAXED);
    __atomic_store_n(&pmd->n_subtables, pmd->cls.n_subtables,
                     __ATOMIC_RELAXED);
}

void
pmd_destroy_caches(struct pmd *pmd)
{
    pmd_flush_megaflows(pmd, false);
    pmd_credit_all(pmd);            /* Drops the list's references. */
    free(pmd->credit_list);
    pmd->credit_list = NULL;
    free(pmd->mf_vec);
    pmd->mf_vec = NULL;
    emc_destroy(&pmd->emc);
    mfc_destroy(&pmd->cls);
}

/* Installs the megaflow an upcall asked for.  Takes over the upcall's
 * handle reference.  Returns the megaflow, or NULL if none was installed
 * (then the handle is released). */
static struct dp_megaflow *
pmd_install(struct pmd *pmd, const struct dp_port *port,
            const struct dp_flow_key *key, struct dp_upcall *up)
{
    struct dp_megaflow *mf, *old;

    if (!up->cacheable || pmd->cls.n_flows >= dp.params.max_megaflows) {
        goto no_install;
    }
    /* A megaflow belongs to its input port: its actions and handle are
     * that port's pipeline's. */
    up->mask.in_port = UINT32_MAX;
    mf = dp_megaflow_create(key, &up->mask, up->actions.a, up->actions.n);
    mf->flags = up->mf_flags;
    mf->handle = up->handle;
    mf->credit = up->handle ? port->ops->credit : NULL;
    mf->release = up->handle ? port->ops->release : NULL;
    mf->used_ms = mf->refreshed_ms = pmd->now_ms;
    mf->seq = ++pmd->mf_seq;
    old = mfc_insert(&pmd->cls, mf, &up->mask);
    if (old) {
        /* An equal megaflow was installed by an earlier packet of this
         * burst: keep that one. */
        mf->credit = NULL;
        mf->release = NULL;
        free(mf);
        goto no_install;
    }
    mf->next = pmd->megaflows;
    if (mf->next) {
        mf->next->prev = mf;
    }
    pmd->megaflows = mf;
    mf->vec_idx = pmd->n_mf_vec;
    pmd->mf_vec[pmd->n_mf_vec++] = mf;
    if (mask_is_port_only(&up->mask) && key->in_port < DP_MAX_PORTS) {
        pmd->port_mf[key->in_port] = mf;
    }
    __atomic_store_n(&pmd->n_megaflows, pmd->cls.n_flows, __ATOMIC_RELAXED);
    __atomic_store_n(&pmd->n_subtables, pmd->cls.n_subtables,
                     __ATOMIC_RELAXED);
    return mf;

no_install:
    if (up->handle) {
        port->ops->release(up->handle);
    }
    return NULL;
}

/* Packets of one burst that share a megaflow. */
struct batch {
    struct dp_megaflow *mf;
    uint16_t n;
    uint32_t bytes;
    struct rte_mbuf *pkts[DP_BURST];
};

/* Adds 'm' to the batch of 'mf' in this burst (pmd->burst_seq), which the
 * megaflow itself points to: no search. */
static inline void
batch_add(const struct pmd *pmd, struct batch *batches, uint16_t *n_batches,
          struct dp_megaflow *mf, struct rte_mbuf *m)
{
    struct batch *b;

    if (mf->batch_burst == pmd->burst_seq) {
        b = &batches[mf->batch];
    } else {
        mf->batch_burst = pmd->burst_seq;
        mf->batch = *n_batches;
        b = &batches[(*n_batches)++];
        b->mf = mf;
        b->n = 0;
        b->bytes = 0;
    }
    b->pkts[b->n++] = m;
    b->bytes += rte_pktmbuf_pkt_len(m);
}

/* Translates the packet through the pipeline, installs the megaflow if the
 * pipeline allows, and executes the result on the packet. */
static void
pmd_upcall(struct pmd *pmd, struct dp_port *port, struct rte_mbuf *m,
           const struct dp_flow_key *key)
{
    struct dp_upcall up;

    up.actions.n = 0;
    memset(&up.mask, 0, sizeof up.mask);
    up.key = key;
    up.packet = rte_pktmbuf_mtod(m, const void *);
    up.len = rte_pktmbuf_data_len(m);
    up.pkt_len = rte_pktmbuf_pkt_len(m);
    uint8_t head[RTE_MBUF_DEFAULT_BUF_SIZE];
    if (m->nb_segs > 1 && up.len <= sizeof head) {
        /* The pipeline parses the first segment, which holds the headers:
         * show it a frame whose IP length agrees (a copy: others may hold
         * the mbuf). */
        memcpy(head, up.packet, up.len);
        pkt_clamp_ip_len(head, up.len, up.pkt_len);
        up.packet = head;
    }
    up.cacheable = false;
    up.mf_flags = 0;
    up.handle = NULL;
    up.mac_changed = false;

    port->ops->upcall(port->upcall_aux, &up);
    if (up.mac_changed) {
        /* Tell the other PMD threads.  This one drops its learned
         * megaflows once the burst is done (the burst's batches may still
         * point to them), keeping those this burst installs from now on:
         * they were made with the new table. */
        uint64_t gen = __atomic_add_fetch(&dp.learn_gen, 1,
                                          __ATOMIC_RELEASE);
        if (pmd->seen_learn_gen == gen - 1) {
            pmd->seen_learn_gen = gen;
        }
        pmd->learn_flush_below = pmd->mf_seq + 1;
    }

    struct dp_megaflow *mf = pmd_install(pmd, port, key, &up);
    if (mf) {
        /* The pipeline counted this packet for its rules. */
        mf->n_packets = mf->credited_packets = 1;
        mf->n_bytes = mf->credited_bytes = up.pkt_len;
    }
    pmd_execute(pmd, &m, 1, port->port_no, up.actions.a, up.actions.n);
}

/* Forwards a burst of 'n' packets ('bytes' in all) from 'port'; returns
 * how many of its packets missed the caches (upcalled or lost). */
static uint16_t
pmd_process(struct pmd *pmd, struct dp_port *port, struct rte_mbuf **pkts,
            uint16_t n, uint64_t bytes)
{
    struct dp_flow_key keys[DP_BURST];
    struct batch batches[DP_BURST];
    uint16_t misses[DP_BURST], n_misses = 0, n_batches = 0;
    uint16_t emc_hits = 0, megaflow_hits = 0, upcalls = 0, lost = 0;

    struct dp_megaflow *port_mf = pmd->port_mf[port->port_no];
    if (port_mf) {
        /* The decision depends on the input port alone. */
        port_mf->n_packets += n;
        port_mf->n_bytes += bytes;
        port_mf->used_ms = pmd->now_ms;
        pmd_credit_later(pmd, port_mf);
        pmd_execute(pmd, pkts, n, port->port_no, port_mf->actions,
                    port_mf->n_actions);
        ctr_add(&pmd->megaflow_hits, n);
        return 0;
    }

    pmd->burst_seq++;

    /* Keys, hashes and exact-match hits for the whole burst, by the
     * variant chosen for this CPU (dp-classify.h). */
    struct dp_burst bk;
    dp.classify(&pmd->emc, pkts, n, port->port_no, keys, &bk);

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        struct dp_megaflow *mf = bk.mfs[i];
        uint32_t hash = bk.hashes[i];
        enum dp_compact_kind kind = bk.kinds[i];

        if (mf) {
            emc_hits++;
        } else {
            if (kind != DP_COMPACT_NONE) {
                dp_compact_expand(kind, &bk.ckeys[i], &keys[i]);
            }
            mf = mfc_lookup(&pmd->cls, &keys[i]);
            if (!mf) {
                misses[n_misses++] = i;
                continue;
            }
            megaflow_hits++;
            if (kind == DP_COMPACT_IP4) {
                emc_insert_compact(&pmd->emc, &bk.ckeys[i].v4, hash, mf);
            } else if (kind == DP_COMPACT_IP6) {
                emc_insert_compact6(&pmd->emc, &bk.ckeys[i].v6, hash, mf);
            } else {
                emc_insert(&pmd->emc, &keys[i], hash, mf);
            }
        }
        batch_add(pmd, batches, &n_batches, mf, m);
    }

    /* Misses: an earlier miss of this burst may have installed what a
     * later one needs, so look again before each upcall, but only if
     * something was installed since the first look. */
    uint64_t seq0 = pmd->mf_seq;
    for (uint16_t k = 0; k < n_misses; k++) {
        uint16_t i = misses[k];
        struct dp_megaflow *mf = pmd->mf_seq != seq0
                                 ? mfc_lookup(&pmd->cls, &keys[i]) : NULL;

        if (mf) {
            megaflow_hits++;
            batch_add(pmd, batches, &n_batches, mf, pkts[i]);
        } else if (upcalls < DP_UPCALL_BUDGET) {
            upcalls++;
            pmd_upcall(pmd, port, pkts[i], &keys[i]);
        } else {
            lost++;
            rte_pktmbuf_free(pkts[i]);
        }
    }

    for (uint16_t b = 0; b < n_batches; b++) {
        struct batch *batch = &batches[b];
        struct dp_megaflow *mf = batch->mf;

        mf->n_packets += batch->n;
        mf->n_bytes += batch->bytes;
        mf->used_ms = pmd->now_ms;
        pmd_credit_later(pmd, mf);
        pmd_execute(pmd, batch->pkts, batch->n, port->port_no, mf->actions,
                    mf->n_actions);
    }

    if (pmd->learn_flush_below) {
        pmd_flush_megaflows__(pmd, true, pmd->learn_flush_below);
        pmd->learn_flush_below = 0;
    }
    ctr_add(&pmd->emc_hits, emc_hits);
    ctr_add(&pmd->megaflow_hits, megaflow_hits);
    ctr_add(&pmd->upcalls, upcalls);
    ctr_add(&pmd->lost, lost);
    return upcalls + lost;
}

/* ---- Housekeeping --------------------------------------------------- */

static void
pmd_maintain(struct pmd *pmd)
{
    uint64_t now = pmd->now_ms;
    struct dp_megaflow *mf, *next;

    for (mf = pmd->megaflows; mf; mf = next) {
        next = mf->next;
        if (now - mf->used_ms >= dp.params.megaflow_idle_ms) {
            megaflow_remove(pmd, mf);
        } else if (mf->flags & DP_MF_LEARN && mf->used_ms > mf->refreshed_ms
                   && mf->handle) {
            /* Only megaflows of live ports exist: the port's ops and aux
             * are the ones of the key's in_port. */
            struct dp_port *port = dp.ports[mf->key.in_port];
            if (port) {
                port->ops->refresh(port->upcall_aux, mf->handle, &mf->key);
            }
            mf->refreshed_ms = now;
        }
    }
    mfc_rank(&pmd->cls);
    __atomic_store_n(&pmd->n_megaflows, pmd->cls.n_flows, __ATOMIC_RELAXED);
    __atomic_store_n(&pmd->n_subtables, pmd->cls.n_subtables,
                     __ATOMIC_RELAXED);
}

static void
pmd_dump(struct pmd *pmd, struct pmd_dump_req *req)
{
    struct dp_megaflow *mf;

    req->n = 0;
    req->truncated = false;
    for (mf = pmd->megaflows; mf; mf = mf->next) {
        if (req->n >= req->max) {
            req->truncated = true;
            break;
        }
        struct dp_cache_entry *e = &req->entries[req->n++];
        e->pmd_core = pmd->core;
        e->key = mf->key;
        e->mask = *mfc_megaflow_mask(mf);
        e->n_packets = mf->n_packets;
        e->n_bytes = mf->n_bytes;
        e->idle_ms = pmd->now_ms - mf->used_ms;
        e->flags = mf->flags;
        e->n_actions = mf->n_actions;
        memcpy(e->actions, mf->actions,
               RTE_MIN(mf->n_actions, DP_DUMP_MAX_ACTIONS)
               * sizeof *e->actions);
    }
    req->emc_used = emc_count(&pmd->emc);
    req->emc_size = emc_capacity(&pmd->emc);
}

/* What the main thread asked for since the last iteration. */
static void
pmd_check_requests(struct pmd *pmd)
{
    uint64_t gen = __atomic_load_n(&dp.flush_gen, __ATOMIC_ACQUIRE);
    bool flushed = false;
    if (gen != pmd->seen_flush_gen) {
        pmd->seen_flush_gen = gen;
        pmd_flush_megaflows(pmd, false);
        ctr_add(&pmd->flushes, 1);
        flushed = true;
    }
    gen = __atomic_load_n(&dp.reval_gen, __ATOMIC_ACQUIRE);
    if (gen != pmd->seen_reval_gen) {
        /* dp_revalidate() waits for every thread's answer before the next
         * pass, so this is the one after the last seen. */
        const struct dp_reval *r = __atomic_load_n(&dp.reval,
                                                   __ATOMIC_ACQUIRE);
        if (flushed) {
            /* Nothing left to look at. */
        } else if (r && r->gen == gen && gen == pmd->seen_reval_gen + 1) {
            pmd_revalidate(pmd, r);
        } else {
            pmd_flush_megaflows(pmd, false);    /* Cannot happen; safe. */
            ctr_add(&pmd->flushes, 1);
        }
        pmd->seen_reval_gen = gen;
        __atomic_store_n(&pmd->reval_done, gen, __ATOMIC_RELEASE);
    }
    gen = __atomic_load_n(&dp.learn_gen, __ATOMIC_ACQUIRE);
    if (gen != pmd->seen_learn_gen) {
        pmd->seen_learn_gen = gen;
        pmd_flush_megaflows(pmd, true);
    }
    gen = __atomic_load_n(&dp.credit_gen, __ATOMIC_ACQUIRE);
    if (gen != pmd->credited_gen || pmd->now_ms >= pmd->next_credit_ms) {
        pmd_credit_all(pmd);
        __atomic_store_n(&pmd->credited_gen, gen, __ATOMIC_RELEASE);
    }
    /* Claim a dump request atomically: the main thread may withdraw one
     * it has given up waiting for. */
    if (__atomic_load_n(&pmd->dump_req, __ATOMIC_RELAXED)) {
        struct pmd_dump_req *req = __atomic_exchange_n(&pmd->dump_req, NULL,
                                                       __ATOMIC_ACQ_REL);
        if (req) {
            pmd_dump(pmd, req);
            __atomic_store_n(&req->done, true, __ATOMIC_RELEASE);
        }
    }
}

/* The port's ingress policer, a token bucket as Xen's netback runs one:
 * 'bytes' of credit per 'usecs', at most max(bytes, DP_RATE_MIN_BURST)
 * saved up.  Keeps the packets within it at the front of 'pkts', frees
 * the others, and returns how many it kept. */
static uint16_t
pmd_police(struct dp_port *port, uint64_t rate, struct rte_mbuf **pkts,
           uint16_t n)
{
    uint64_t bytes = rate >> 24, usecs = rate & 0xffffff;
    uint64_t burst = RTE_MAX(bytes, (uint64_t) DP_RATE_MIN_BURST);
    uint64_t now = rte_rdtsc();
    uint64_t interval_tsc = RTE_MAX(usecs * dp.tsc_per_ms / 1000,
                                    (uint64_t) 1);

    if (port->bucket.rate != rate) {
        port->bucket.rate = rate;
        port->bucket.tokens = burst;
        port->bucket.last_tsc = now;
    }

    /* Refill.  Time too short to earn a whole byte is kept for later, and
     * a long idle spell only fills the bucket. */
    uint64_t elapsed = now - port->bucket.last_tsc;
    uint64_t cap = interval_tsc * (burst / bytes + 1);
    if (elapsed > cap) {
        elapsed = cap;
        port->bucket.last_tsc = now - cap;
    }
    uint64_t earned = (uint64_t) ((unsigned __int128) elapsed * bytes
                                  / interval_tsc);
    if (earned) {
        port->bucket.last_tsc += (uint64_t) ((unsigned __int128) earned
                                             * interval_tsc / bytes);
        port->bucket.tokens = RTE_MIN(port->bucket.tokens + earned, burst);
    }

    uint16_t kept = 0;
    for (uint16_t i = 0; i < n; i++) {
        uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
        if (len <= port->bucket.tokens) {
            port->bucket.tokens -= len;
            pkts[kept++] = pkts[i];
        } else {
            rte_pktmbuf_free(pkts[i]);
        }
    }
    return kept;
}

/* Receives a burst of up to 'max' packets from 'rxq' and forwards it.
 * Returns how many packets it received, and in '*missed' how many of them
 * missed the caches. */
static uint16_t
pmd_poll_burst(struct pmd *pmd, const struct pmd_rxq *rxq, uint16_t max,
               uint16_t *missed)
{
    struct dp_port *port = rxq->port;
    struct rte_mbuf *pkts[DP_BURST];
    uint64_t bytes = 0;
    uint16_t n;

    *missed = 0;
    n = dp_port_rx(pmd, port, rxq->queue, pkts, max);
    if (!n) {
        return 0;
    }
    for (uint16_t i = 0; i < n; i++) {
        bytes += rte_pktmbuf_pkt_len(pkts[i]);
    }
    struct pmd_port_counters *c = &pmd->ctr[port->port_no];
    ctr_add(&c->rx_packets, n);
    ctr_add(&c->rx_bytes, bytes);
    ctr_add(&pmd->packets, n);
    struct dp_capture *cap = __atomic_load_n(&port->capture,
                                             __ATOMIC_ACQUIRE);
    if (unlikely(cap) && cap->dirs & DP_CAPTURE_RX) {
        dp_capture_copy(cap, pkts, n, DP_CAPTURE_RX);
    }

    uint64_t rate = __atomic_load_n(&port->rate, __ATOMIC_RELAXED);
    if (unlikely(rate)) {
        uint16_t kept = pmd_police(port, rate, pkts, n);
        if (kept < n) {
            ctr_add(&c->drops[DP_DROP_RATE], n - kept);
        }
        if (!kept) {
            return n;
        }
        if (kept < n) {
            bytes = 0;
            for (uint16_t i = 0; i < kept; i++) {
                bytes += rte_pktmbuf_pkt_len(pkts[i]);
            }
        }
        *missed = pmd_process(pmd, port, pkts, kept, bytes);
    } else {
        *missed = pmd_process(pmd, port, pkts, n, bytes);
    }
    if (unlikely(*missed)) {
        ctr_add(&c->misses, *missed);
    }
    pmd_flush_tx(pmd);
    return n;
}

/* Bursts a heavy queue may take in a row once its pause is over: the
 * first upcalls after a pause run on cold caches, the next ones on warm. */
#define DP_HEAVY_BURSTS 8

/* Polls one rx queue and forwards what it got; returns how many packets.
 * A queue whose last burst needed upcalls ("heavy") is put off while
 * others are backlogged (see 'fair' in struct pmd): when its turn comes it
 * may take a few bursts in a row, and the cycles they cost, rx included,
 * buy it a pause of (100 - share) / share times as long. */
static unsigned int
pmd_poll(struct pmd *pmd, const struct pmd_rxq *rxq)
{
    struct pmd_fair *fair = &pmd->fair[rxq->port->port_no];
    uint16_t n, missed;

    if (likely(!fair->heavy)) {
        n = pmd_poll_burst(pmd, rxq, DP_BURST, &missed);
        if (likely(!missed)) {
            pmd->backlog_next |= n == DP_BURST;
        } else {
            /* Not timed: the pause starts with the next burst. */
            fair->heavy = true;
            fair->next_tsc = 0;
        }
        return n;
    }

    uint64_t t0 = rte_rdtsc();
    if (pmd->backlog && t0 < fair->next_tsc) {
        ctr_add(&pmd->deferred, 1);
        return 0;
    }
    /* Bursts of no more than the upcall budget: what would be over it
     * stays in the ring, where dropping it costs this thread nothing,
     * instead of being received, parsed and looked up to be dropped. */
    unsigned int total = 0;
    for (int b = 0; b < DP_HEAVY_BURSTS; b++) {
        n = pmd_poll_burst(pmd, rxq, DP_UPCALL_BUDGET, &missed);
        total += n;
        if (!missed || n < DP_UPCALL_BUDGET || !pmd->backlog) {
            break;
        }
    }
    if (missed) {
        uint64_t now = rte_rdtsc();
        unsigned int share = dp.params.upcall_share;
        fair->next_tsc = now + (now - t0) * (100 - share) / share;
    } else {
        fair->heavy = false;
    }
    return total;
}

/* Blocks until a packet comes in on one of the thread's vnet sockets, the
 * main thread kicks it, or the next housekeeping is due.  Offline for
 * both RCUs meanwhile: a grace period does not wait for a blocked thread,
 * which reads every published pointer afresh when it wakes. */
static void
pmd_block(struct pmd *pmd)
{
    struct epoll_event ev[8];
    uint64_t left = pmd->next_maint_ms > pmd->now_ms
                    ? pmd->next_maint_ms - pmd->now_ms : 1;
    uint64_t v;

    /* Counters read while the thread sleeps are complete. */
    pmd_credit_all(pmd);
    rte_rcu_qsbr_thread_offline(dp.qsbr, pmd->id);
    dp.hooks.block_start();
    epoll_wait(pmd->epfd, ev, 8, (int) RTE_MIN(left, (uint64_t) 1000));
    dp.hooks.block_end();
    rte_rcu_qsbr_thread_online(dp.qsbr, pmd->id);
    if (read(pmd->wake_fd, &v, sizeof v) < 0) {
        /* EAGAIN: woken by a packet, not a kick. */
    }
}

int
pmd_main(void *pmd_)
{
    struct pmd *pmd = pmd_;
    uint64_t quiesce_interval = rte_get_tsc_hz() / 1000;
    uint64_t next_quiesce = 0;
    unsigned int idle_loops = 0, sleep_us = 0;
    unsigned int got = 0;
    uint64_t last = rte_rdtsc();

    dp.hooks.start();
    rte_rcu_qsbr_thread_register(dp.qsbr, pmd->id);
    rte_rcu_qsbr_thread_online(dp.qsbr, pmd->id);

    while (!__atomic_load_n(&pmd->exit, __ATOMIC_ACQUIRE)) {
        /* One time stamp an iteration: it ends the previous one (busy if
         * it forwarded anything, idle with its sleep if not) and dates
         * this one. */
        uint64_t now = rte_rdtsc();
        ctr_add(got ? &pmd->busy_cycles : &pmd->idle_cycles, now - last);
        last = now;
        pmd->now_ms = now / dp.tsc_per_ms;
        pmd_check_requests(pmd);

        pmd->backlog = pmd->backlog_next;
        pmd->backlog_next = false;
        const struct pmd_rxq_list *l = __atomic_load_n(&pmd->rxqs,
                                                       __ATOMIC_ACQUIRE);
        got = pmd->id ? 0 : pmd_run_injected(pmd);
        for (size_t i = 0; l && i < l->n; i++) {
            got += pmd_poll(pmd, &l->q[i]);
        }

        /* Read before the list may go: every queue can wake the thread. */
        bool can_block = !l || !l->n_polled;

        /* Tx buffers are empty here: nothing references a port. */
        rte_rcu_qsbr_quiescent(dp.qsbr, pmd->id);

        if (pmd->now_ms >= pmd->next_maint_ms) {
            pmd_maintain(pmd);
            pmd->next_maint_ms = pmd->now_ms + DP_MAINT_INTERVAL_MS;
        }

        if (now >= next_quiesce) {
            dp.hooks.quiesce();
            next_quiesce = now + quiesce_interval;
        }

        /* When idle, so that an idle dom0 does not burn a core: block on
         * the vifs' sockets if every queue can wake the thread, or back
         * off to sleeping; under load, poll without sleeping. */
        if (got) {
            idle_loops = 0;
            sleep_us = 0;
        } else if (++idle_loops >= 64 && dp.params.max_sleep_us) {
            if (can_block) {
                pmd_block(pmd);
            } else {
                sleep_us = sleep_us ? RTE_MIN(sleep_us * 2,
                                              dp.params.max_sleep_us) : 1;
                rte_delay_us_sleep(sleep_us);
            }
        }
    }

    pmd_destroy_caches(pmd);        /* Credits every megaflow. */
    __atomic_store_n(&pmd->credited_gen, UINT64_MAX, __ATOMIC_RELEASE);
    __atomic_store_n(&pmd->reval_done, UINT64_MAX, __ATOMIC_RELEASE);
    vnet_rx_ctx_release(pmd->vnet_rx);
    rte_rcu_qsbr_thread_offline(dp.qsbr, pmd->id);
    rte_rcu_qsbr_thread_unregister(dp.qsbr, pmd->id);
    dp.hooks.stop();
    return 0;
}
