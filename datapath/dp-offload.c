/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-offload: finishing partial checksums and cutting GSO frames where an
 * output cannot take them.  See dp-offload.h.
 */
#include "dp-offload.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static inline uint16_t
rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

/* Offset of the checksum field in the L4 header of a partial checksum. */
static inline uint32_t
csum_field(uint64_t ol_flags)
{
    return (ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM
           ? 6 : 16;
}

/* The one's-complement sum 'raw' (as rte_raw_cksum() returns it) made a
 * checksum to store; a UDP checksum of 0 means "none", so it is sent as
 * 0xffff (RFC 768), as Linux's skb_checksum_help() does for any. */
static inline uint16_t
csum_final(uint32_t raw)
{
    raw = (raw & 0xffff) + (raw >> 16);
    raw = (raw & 0xffff) + (raw >> 16);
    uint16_t c = ~raw;
    return c ? c : 0xffff;
}

bool
dp_offload_fits(const struct rte_mbuf *m, uint32_t txo)
{
    uint64_t ol = m->ol_flags;

    if ((ol & RTE_MBUF_F_TX_TCP_SEG && !(txo & DP_TXO_TSO))
        || (ol & RTE_MBUF_F_TX_UDP_SEG && !(txo & DP_TXO_USO))
        || (ol & RTE_MBUF_F_TX_L4_MASK && !(txo & DP_TXO_CSUM))) {
        return false;
    }
    if (m->l2_len < 14 || m->l2_len > rte_pktmbuf_data_len(m)) {
        return false;
    }
    const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
    uint16_t type = rte_be_to_cpu_16(rd16(p + m->l2_len - 2));
    return ol & RTE_MBUF_F_TX_IPV4 ? type == RTE_ETHER_TYPE_IPV4
                                    : type == RTE_ETHER_TYPE_IPV6;
}

void
dp_offload_csum_at(struct rte_mbuf *m, uint32_t start, uint32_t field)
{
    uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
    uint16_t raw;

    /* The field holds the pseudo-header's sum: summing the L4 header and
     * payload over it gives the whole checksum. */
    if (field + 2 <= rte_pktmbuf_data_len(m) && start < pkt_len
        && !rte_raw_cksum_mbuf(m, start, pkt_len - start, &raw)) {
        wr16(rte_pktmbuf_mtod_offset(m, uint8_t *, field), csum_final(raw));
    }
}

void
dp_offload_csum(struct rte_mbuf *m)
{
    uint32_t l4 = m->l2_len + m->l3_len;

    dp_offload_csum_at(m, l4, l4 + csum_field(m->ol_flags));
    m->ol_flags &= ~DP_OL_FLAGS;
}

void
dp_offload_csum_buf(uint8_t *p, uint32_t len, uint64_t ol_flags,
                    uint32_t l4_ofs)
{
    uint32_t field = l4_ofs + csum_field(ol_flags);

    if (ol_flags & RTE_MBUF_F_TX_L4_MASK && field + 2 <= len) {
        wr16(p + field, csum_final(rte_raw_cksum(p + l4_ofs, len - l4_ofs)));
    }
}

/* ---- Segmentation --------------------------------------------------- */

void
dp_gso_start(struct dp_gso *g, const struct rte_mbuf *m)
{
    uint32_t l4_hdr = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG ? m->l4_len : 8;

    g->m = m;
    g->hdr_len = m->l2_len + m->l3_len + l4_hdr;
    g->off = 0;
    g->payload = rte_pktmbuf_pkt_len(m) > g->hdr_len
                 ? rte_pktmbuf_pkt_len(m) - g->hdr_len : 0;
    g->n = 0;
    /* The headers must be in the first segment, where they are read. */
    g->failed = g->hdr_len > rte_pktmbuf_data_len(m)
                || m->l3_len < (m->ol_flags & RTE_MBUF_F_TX_IPV4 ? 20 : 40);
}

/* Appends 'len' bytes at 'data' to the chain 'head' whose last segment is
 * '*tailp', adding segments from 'pool' as needed. */
static bool
append(struct rte_mbuf *head, struct rte_mbuf **tailp,
       struct rte_mempool *pool, const uint8_t *data, uint32_t len)
{
    while (len) {
        struct rte_mbuf *t = *tailp;
        uint32_t room = rte_pktmbuf_tailroom(t);
        if (!room) {
            struct rte_mbuf *n = rte_pktmbuf_alloc(pool);
            if (!n) {
                return false;
            }
            n->data_off = 0;
            t->next = n;
            head->nb_segs++;
            *tailp = n;
            continue;
        }
        uint32_t k = RTE_MIN(room, len);
        memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), data, k);
        t->data_len += k;
        head->pkt_len += k;
        data += k;
        len -= k;
    }
    return true;
}

/* Appends bytes [off, off + len) of the chain 'src'. */
static bool
append_from(struct rte_mbuf *head, struct rte_mbuf **tailp,
            struct rte_mempool *pool, const struct rte_mbuf *src,
            uint32_t off, uint32_t len)
{
    while (src && off >= src->data_len) {
        off -= src->data_len;
        src = src->next;
    }
    for (; len && src; src = src->next, off = 0) {
        uint32_t k = RTE_MIN((uint32_t) src->data_len - off, len);
        if (!append(head, tailp, pool,
                    rte_pktmbuf_mtod_offset(src, const uint8_t *, off), k)) {
            return false;
        }
        len -= k;
    }
    return !len;
}

/* The raw sum of the pseudo-header of an L4 segment of 'l4_len' bytes of
 * protocol 'proto' under the IP header at 'ip'. */
static uint32_t
pseudo_sum(const uint8_t *ip, bool ipv4, uint8_t proto, uint32_t l4_len)
{
    uint8_t tail[8] = { 0 };
    uint32_t sum;

    sum = rte_raw_cksum(ip + (ipv4 ? 12 : 8), ipv4 ? 8 : 32);
    tail[0] = l4_len >> 24;
    tail[1] = l4_len >> 16;
    tail[2] = l4_len >> 8;
    tail[3] = l4_len;
    tail[7] = proto;
    return sum + rte_raw_cksum(tail, sizeof tail);
}

/* Makes the headers of segment 's' (payload 'len' bytes, starting at
 * payload byte 'off' of the frame) those of a packet of its own. */
static void
gso_fix_headers(const struct dp_gso *g, struct rte_mbuf *s, uint32_t len,
                bool last)
{
    const struct rte_mbuf *m = g->m;
    bool ipv4 = m->ol_flags & RTE_MBUF_F_TX_IPV4;
    bool tcp = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
    uint8_t *ip = rte_pktmbuf_mtod_offset(s, uint8_t *, m->l2_len);
    uint8_t *l4 = ip + m->l3_len;
    uint32_t l4_len = g->hdr_len - m->l2_len - m->l3_len + len;
    uint8_t proto;

    if (ipv4) {
        struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *) ip;
        h->total_length = rte_cpu_to_be_16(m->l3_len + l4_len);
        h->packet_id = rte_cpu_to_be_16(rte_be_to_cpu_16(h->packet_id)
                                        + g->n);
        h->hdr_checksum = 0;
        h->hdr_checksum = rte_ipv4_cksum(h);
        proto = h->next_proto_id;
    } else {
        struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *) ip;
        h->payload_len = rte_cpu_to_be_16(m->l3_len - 40 + l4_len);
        proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;   /* Past any ext. hdrs. */
    }

    uint32_t field;
    if (tcp) {
        uint32_t seq;
        memcpy(&seq, l4 + 4, 4);
        seq = rte_cpu_to_be_32(rte_be_to_cpu_32(seq) + g->off);
        memcpy(l4 + 4, &seq, 4);
        if (!last) {
            l4[13] &= ~(TCP_FIN | TCP_PSH);
        }
        if (g->n) {
            l4[13] &= ~TCP_CWR;
        }
        field = 16;
    } else {
        wr16(l4 + 4, rte_cpu_to_be_16(l4_len));
        field = 6;
    }
    wr16(l4 + field, 0);

    uint16_t raw;
    uint32_t l4_ofs = m->l2_len + m->l3_len;
    rte_raw_cksum_mbuf(s, l4_ofs, l4_len, &raw);
    /* 0xffff for 0 is right for TCP too: both are one's-complement zero. */
    wr16(l4 + field, csum_final(raw + pseudo_sum(ip, ipv4, proto, l4_len)));
}

struct rte_mbuf *
dp_gso_next(struct dp_gso *g, struct rte_mempool *pool)
{
    const struct rte_mbuf *m = g->m;

    if (g->failed || (g->off >= g->payload && (g->n || g->payload))) {
        return NULL;
    }
    uint32_t mss = m->tso_segsz ? m->tso_segsz : g->payload;
    uint32_t len = RTE_MIN(mss, g->payload - g->off);
    bool last = g->off + len >= g->payload;

    struct rte_mbuf *s = rte_pktmbuf_alloc(pool), *tail = s;
    if (!s
        || !append_from(s, &tail, pool, m, 0, g->hdr_len)
        || !append_from(s, &tail, pool, m, g->hdr_len + g->off, len)) {
        rte_pktmbuf_free(s);
        g->failed = true;
        return NULL;
    }
    s->port = m->port;
    gso_fix_headers(g, s, len, last);
    g->off += len;
    g->n++;
    return s;
}
