/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-offload: the work a guest's kernel leaves to the "hardware", carried
 * with a packet through the switch and finished only where its output
 * cannot take it.
 *
 * A guest hands its vif TCP and UDP packets whose checksum is partial (the
 * field holds the pseudo-header's sum; the rest is for the NIC to add) and
 * TCP segments of up to 64 KB (GSO) for the NIC to cut.  A vnet port (see
 * vnet.h) reads that metadata from the kernel with each packet and writes
 * it back on output, so between two vifs nothing is checksummed or
 * segmented.  Any other output (an ethdev without the offloads, the
 * controller) gets finished packets: the checksum completed, a GSO frame
 * cut into segments of its MSS, each complete.
 *
 * The metadata lives in the mbuf, in DPDK's transmit conventions:
 *   - partial L4 checksum: (ol_flags & RTE_MBUF_F_TX_L4_MASK) is
 *     RTE_MBUF_F_TX_TCP_CKSUM or RTE_MBUF_F_TX_UDP_CKSUM; the L4 header
 *     starts l2_len + l3_len bytes into the frame, in the first segment;
 *   - GSO: RTE_MBUF_F_TX_TCP_SEG (TCP, l4_len its header's length) or
 *     RTE_MBUF_F_TX_UDP_SEG, 'tso_segsz' payload bytes a segment; always
 *     with a partial checksum;
 *   - RTE_MBUF_F_TX_IPV4 or RTE_MBUF_F_TX_IPV6 says the L3 protocol.
 * Actions keep it true: VLAN and MPLS pushes and pops move l2_len, set
 * actions update a partial checksum as such (pkt_edit()).
 *
 * Thread-safety: any thread, on mbufs it owns.
 */
#ifndef DP_OFFLOAD_H
#define DP_OFFLOAD_H 1

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define DP_OL_GSO (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)
#define DP_OL_FLAGS (RTE_MBUF_F_TX_L4_MASK | DP_OL_GSO)

/* What an output takes as it is (struct dp_port's 'txo'). */
enum {
    DP_TXO_CSUM = 1 << 0,       /* Partial TCP/UDP checksums. */
    DP_TXO_TSO = 1 << 1,        /* TCP GSO frames. */
    DP_TXO_USO = 1 << 2,        /* UDP GSO frames. */
};

static inline bool
dp_l4_csum_partial(const struct rte_mbuf *m)
{
    return (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) != 0;
}

/* Whether an output that takes 'txo' can take 'm' as it is: its metadata
 * is all of a kind 'txo' has, and the L3 header still follows the L2
 * header (no MPLS label was pushed in between). */
bool dp_offload_fits(const struct rte_mbuf *m, uint32_t txo);

/* Finishes the partial L4 checksum of 'm' in place and clears the
 * metadata.  'm' must not be shared (refcnt 1, not indirect). */
void dp_offload_csum(struct rte_mbuf *m);

/* Finishes a partial checksum given by where it starts and where its field
 * is (as the virtio-net header gives them), metadata untouched. */
void dp_offload_csum_at(struct rte_mbuf *m, uint32_t start, uint32_t field);

/* Finishes the partial checksum of a linear copy of a packet ('len' bytes
 * at 'p') whose mbuf carried 'ol_flags' and 'l4_ofs'. */
void dp_offload_csum_buf(uint8_t *p, uint32_t len, uint64_t ol_flags,
                         uint32_t l4_ofs);

/* The L3 length a GSO frame's segments will have (IP header, L4 header
 * and 'tso_segsz' bytes of payload): what must fit the output's MTU. */
static inline uint32_t
dp_offload_seg_l3_len(const struct rte_mbuf *m)
{
    uint32_t l4 = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG ? m->l4_len : 8;
    return m->l3_len + l4 + m->tso_segsz;
}

/* Cutting a GSO frame into complete packets, one at a time:
 *
 *     struct dp_gso gso;
 *     dp_gso_start(&gso, m);
 *     while ((seg = dp_gso_next(&gso, pool))) { ... }
 *
 * Each segment is a new mbuf (chained if it needs to be) holding a copy of
 * the frame's headers, fixed up (IP length, ID and checksum; TCP sequence
 * number and flags; UDP length) and 'tso_segsz' bytes of its payload, with
 * the L4 checksum computed from scratch.  dp_gso_next() returns NULL at the
 * end, or when the pool is empty ('gso.failed' then).  The frame 'm' is
 * only read: the caller frees it. */
struct dp_gso {
    const struct rte_mbuf *m;
    uint32_t hdr_len;           /* L2 + L3 + L4 headers. */
    uint32_t off;               /* Next payload byte. */
    uint32_t payload;           /* Payload bytes in all. */
    uint16_t n;                 /* Segments made so far. */
    bool failed;
};

void dp_gso_start(struct dp_gso *, const struct rte_mbuf *m);
struct rte_mbuf *dp_gso_next(struct dp_gso *, struct rte_mempool *pool);

#endif /* dp-offload.h */
