/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow-key: packet parsing into struct dp_flow_key.  See flow-key.h.
 *
 * The parser is a cursor over [p, end): every header is length-checked
 * before it is read.  Each step mirrors Open vSwitch's miniflow_extract():
 * where OVS gives up on a layer, so does this parser, leaving the same
 * fields zero.
 */
#include "flow-key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETH_TYPE_MIN 0x600
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_RARP 0x8035
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_MPLS 0x8847
#define ETH_TYPE_MPLS_MCAST 0x8848
#define ETH_TYPE_PBB 0x88e7

#define IPPROTO_ICMP_ 1
#define IPPROTO_IGMP_ 2
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ESP_ 50
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60

/* 'size' bytes are contiguous at 'p'; 'rest' more bytes of the frame
 * follow elsewhere (the further segments of a large frame), for the
 * length checks only: headers are read from the contiguous part. */
struct cursor {
    const uint8_t *p;
    size_t size;
    size_t rest;
};

/* The L3 header says its packet ends 'len' bytes from the cursor. */
static inline void
clamp(struct cursor *c, size_t len)
{
    if (len <= c->size) {
        c->size = len;
        c->rest = 0;
    } else {
        c->rest = len - c->size;
    }
}

static inline bool
have(const struct cursor *c, size_t n)
{
    return c->size >= n;
}

static inline void
pull(struct cursor *c, size_t n)
{
    c->p += n;
    c->size -= n;
}

static inline uint16_t
get_be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;                   /* Still network order. */
}

static void
truncated(struct dp_flow_key *key)
{
    key->parse_flags |= DP_KEY_TRUNCATED;
}

/* Ethernet type after the MACs and VLAN tags; LLC/SNAP as OVS reads it.
 * The caller has checked that 2 bytes are there. */
static uint16_t
parse_ethertype(struct cursor *c)
{
    static const uint8_t snap_hdr[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };
    uint16_t proto = get_be16(c->p);

    pull(c, 2);
    if (ntohs(proto) >= ETH_TYPE_MIN) {
        return proto;
    }
    if (!have(c, 8) || memcmp(c->p, snap_hdr, 6)) {
        return htons(DP_DL_TYPE_NONE);
    }
    proto = get_be16(c->p + 6);
    pull(c, 8);
    return ntohs(proto) >= ETH_TYPE_MIN ? proto : htons(DP_DL_TYPE_NONE);
}

/* Neighbor solicitations and advertisements, as OVS's parse_icmpv6(): the
 * flags word, the target, and the source/target link-layer options. */
static void
parse_nd(struct cursor *c, struct dp_flow_key *key)
{
    const uint8_t *icmp6 = c->p - 8;    /* Type, code, checksum, flags. */
    uint8_t sll[6] = { 0 }, tll[6] = { 0 };
    static const uint8_t zero[6];
    uint8_t opt_type = 0;

    if (icmp6[1] != 0 || (icmp6[0] != 135 && icmp6[0] != 136)) {
        return;
    }
    memcpy(&key->igmp_group, icmp6 + 4, 4);
    if (!have(c, 16)) {
        return;                 /* No target: no options either. */
    }
    memcpy(key->nd_target, c->p, 16);
    pull(c, 16);
    while (have(c, 8)) {
        size_t opt_len = (size_t) c->p[1] * 8;
        if (!opt_len || opt_len > c->size) {
            break;
        }
        if (opt_len == 8 && (c->p[0] == 1 || c->p[0] == 2)) {
            uint8_t *lla = c->p[0] == 1 ? sll : tll;
            if (memcmp(lla, zero, 6)) {
                /* The same option twice: OVS drops the target and both
                 * addresses, but keeps the first option's type. */
                memset(key->nd_target, 0, 16);
                memset(sll, 0, 6);
                memset(tll, 0, 6);
                break;
            }
            memcpy(lla, c->p + 2, 6);
            if (!opt_type) {
                opt_type = c->p[0];
            }
        }
        pull(c, opt_len);
    }
    memcpy(key->arp_sha, sll, 6);
    memcpy(key->arp_tha, tll, 6);
    key->tcp_flags = htons(opt_type);
}

/* The L4 header counts only when complete, as in OVS.  Inlined, so that
 * the cursor stays in registers. */
static inline __attribute__((always_inline)) void
parse_l4(struct cursor *c, struct dp_flow_key *key)
{
    switch (key->nw_proto) {
    case IPPROTO_TCP_:
        if (have(c, 20)) {
            size_t hdr_len = (size_t) (c->p[12] >> 4) * 4;
            if (hdr_len >= 20 && have(c, hdr_len)) {
                key->tp_src = get_be16(c->p);
                key->tp_dst = get_be16(c->p + 2);
                key->tcp_flags = get_be16(c->p + 12) & htons(0x0fff);
                key->parse_flags |= DP_KEY_L4;
                return;
            }
        }
        break;
    case IPPROTO_UDP_:
    case IPPROTO_SCTP_:
        if (have(c, key->nw_proto == IPPROTO_UDP_ ? 8 : 12)) {
            key->tp_src = get_be16(c->p);
            key->tp_dst = get_be16(c->p + 2);
            key->parse_flags |= DP_KEY_L4;
            return;
        }
        break;
    case IPPROTO_ICMP_:
    case IPPROTO_IGMP_:
    case IPPROTO_ICMPV6_:
        if (have(c, 8)) {
            key->tp_src = htons(c->p[0]);
            key->tp_dst = htons(c->p[1]);
            key->parse_flags |= DP_KEY_L4;
            if (key->nw_proto == IPPROTO_IGMP_) {
                memcpy(&key->igmp_group, c->p + 4, 4);
            } else if (key->nw_proto == IPPROTO_ICMPV6_) {
                pull(c, 8);
                parse_nd(c, key);
            }
            return;
        }
        break;
    default:
        return;
    }
    truncated(key);
}

static void
parse_ipv4(struct cursor *c, struct dp_flow_key *key)
{
    const uint8_t *ip = c->p;

    /* OVS's ipv4_sanity_check(); like OVS, no version check. */
    if (!have(c, 20)) {
        goto bad;
    }
    size_t ihl = (size_t) (ip[0] & 0x0f) * 4;
    if (ihl < 20 || !have(c, ihl)) {
        goto bad;
    }
    size_t tot_len = ntohs(get_be16(ip + 2));
    if (tot_len > c->size + c->rest || ihl > tot_len) {
        goto bad;
    }

    memcpy(key->nw_src, ip + 12, 4);
    memcpy(key->nw_dst, ip + 16, 4);
    key->nw_tos = ip[1];
    key->nw_ttl = ip[8];
    key->nw_proto = ip[9];
    key->parse_flags |= DP_KEY_L3;

    clamp(c, tot_len);          /* Never parse the L2 padding. */
    pull(c, ihl);

    uint16_t frag = ntohs(get_be16(ip + 6));
    if (frag & 0x3fff) {        /* MF or an offset. */
        key->parse_flags |= DP_KEY_FRAG;
        if (frag & 0x1fff) {
            key->parse_flags |= DP_KEY_LATER_FRAG;
            return;
        }
    }
    parse_l4(c, key);
    return;

bad:
    truncated(key);
}

/* The ipv6_exthdr walk's state: the headers met, in what order. */
struct exthdr_walk {
    uint16_t bits;              /* DP_EXTHDR_*. */
    uint8_t rank;               /* Of the last header, in RFC 8200's
                                 * order; 0: none yet. */
    uint8_t n_dest;             /* Destination options headers met. */
};

/* Records header 'p' (an extension header, ESP or "no next header"). */
static void
exthdr_note(struct exthdr_walk *w, uint8_t p)
{
    uint16_t bit;
    uint8_t rank;

    switch (p) {
    case IPPROTO_HOPOPTS_: bit = DP_EXTHDR_HOP; rank = 1; break;
    case IPPROTO_ROUTING_: bit = DP_EXTHDR_ROUTER; rank = 3; break;
    case IPPROTO_FRAGMENT_: bit = DP_EXTHDR_FRAG; rank = 4; break;
    case IPPROTO_AH_: bit = DP_EXTHDR_AUTH; rank = 5; break;
    case IPPROTO_ESP_: bit = DP_EXTHDR_ESP; rank = 6; break;
    case IPPROTO_NONE_: w->bits |= DP_EXTHDR_NONEXT; return;
    default:                    /* Destination options: before routing,
                                 * or last. */
        bit = DP_EXTHDR_DEST;
        rank = w->rank < 3 && !w->n_dest ? 2 : 7;
        if (++w->n_dest > 2) {
            w->bits |= DP_EXTHDR_UNREP;
        }
        break;
    }
    if (bit != DP_EXTHDR_DEST && w->bits & bit) {
        w->bits |= DP_EXTHDR_UNREP;
    }
    if (rank <= w->rank) {
        w->bits |= DP_EXTHDR_UNSEQ;
    }
    w->bits |= bit;
    w->rank = rank;
}

/* Walks IPv6 extension headers as OVS's parse_ipv6_ext_hdrs__() does,
 * noting them in the key's ipv6_exthdr.  Returns false if one is
 * truncated (then, as OVS keeps no L3 field but the addresses, the key
 * has no ipv6_exthdr either). */
static bool
parse_ipv6_ext(struct cursor *c, uint8_t *proto, struct dp_flow_key *key)
{
    struct exthdr_walk w = { 0, 0, 0 };

    for (;;) {
        uint8_t p = *proto;
        if (p != IPPROTO_HOPOPTS_ && p != IPPROTO_ROUTING_
            && p != IPPROTO_DSTOPTS_ && p != IPPROTO_AH_
            && p != IPPROTO_FRAGMENT_) {
            if (p == IPPROTO_ESP_ || p == IPPROTO_NONE_) {
                exthdr_note(&w, p);
            }
            key->ipv6_exthdr = htons(w.bits);
            return true;
        }
        exthdr_note(&w, p);
        if (!have(c, 8)) {
            return false;
        }
        if (p == IPPROTO_FRAGMENT_) {
            uint16_t offlg = ntohs(get_be16(c->p + 2));
            *proto = c->p[0];
            pull(c, 8);
            if (offlg) {
                key->parse_flags |= DP_KEY_FRAG;
                if (offlg & 0xfff8) {
                    key->parse_flags |= DP_KEY_LATER_FRAG;
                    key->ipv6_exthdr = htons(w.bits);
                    *proto = IPPROTO_FRAGMENT_;
                    return true;
                }
            }
        } else {
            size_t len = p == IPPROTO_AH_ ? ((size_t) c->p[1] + 2) * 4
                                          : ((size_t) c->p[1] + 1) * 8;
            *proto = c->p[0];
            if (!have(c, len)) {
                return false;
            }
            pull(c, len);
        }
    }
}

static void
parse_ipv6(struct cursor *c, struct dp_flow_key *key)
{
    const uint8_t *ip = c->p;

    /* OVS's ipv6_sanity_check(); no version check there either. */
    if (!have(c, 40)) {
        goto bad;
    }
    size_t plen = ntohs(get_be16(ip + 4));
    if (plen + 40 > c->size + c->rest) {
        goto bad;
    }
    memcpy(key->nw_src, ip + 8, 16);
    memcpy(key->nw_dst, ip + 24, 16);
    clamp(c, plen + 40);        /* Never parse the L2 padding. */
    pull(c, 40);

    uint8_t proto = ip[6];
    if (!parse_ipv6_ext(c, &proto, key)) {
        /* OVS keeps the addresses and nothing else. */
        key->parse_flags &= ~(DP_KEY_FRAG | DP_KEY_LATER_FRAG);
        goto bad;
    }
    key->nw_tos = (uint8_t) ((ip[0] << 4) | (ip[1] >> 4));
    key->nw_ttl = ip[7];
    key->nw_proto = proto;
    uint32_t flow;
    memcpy(&flow, ip, 4);
    key->ipv6_label = flow & htonl(0x000fffff);
    key->parse_flags |= DP_KEY_L3;
    if (!(key->parse_flags & DP_KEY_LATER_FRAG)) {
        parse_l4(c, key);
    }
    return;

bad:
    truncated(key);
}

static void
parse_arp(struct cursor *c, struct dp_flow_key *key)
{
    const uint8_t *a = c->p;

    /* Ethernet/IPv4 ARP only, as in OVS. */
    if (!have(c, 28) || get_be16(a) != htons(1)
        || get_be16(a + 2) != htons(ETH_TYPE_IPV4) || a[4] != 6
        || a[5] != 4) {
        truncated(key);
        return;
    }
    uint16_t op = ntohs(get_be16(a + 6));
    key->nw_proto = op <= 0xff ? (uint8_t) op : 0;
    memcpy(key->arp_sha, a + 8, 6);
    memcpy(key->nw_src, a + 14, 4);
    memcpy(key->arp_tha, a + 18, 6);
    memcpy(key->nw_dst, a + 24, 4);
    key->parse_flags |= DP_KEY_L3;
}

void
dp_flow_key_extract_head(const void *data, size_t len, size_t frame_len,
                         uint32_t in_port, struct dp_flow_key *key)
{
    struct cursor c = { data, len, frame_len > len ? frame_len - len : 0 };

    dp_flow_key_zero(key);
    key->in_port = in_port;

    if (!have(&c, 14)) {
        key->parse_flags = DP_KEY_TRUNCATED;
        return;
    }
    memcpy(key->dl_dst, c.p, 6);
    memcpy(key->dl_src, c.p + 6, 6);
    pull(&c, 12);

    /* Up to two tags; a tag needs 4 bytes plus the type after it. */
    for (int i = 0; i < 2 && have(&c, 6); i++) {
        uint16_t tpid = get_be16(c.p);
        if (tpid != htons(ETH_TYPE_VLAN) && tpid != htons(ETH_TYPE_QINQ)) {
            break;
        }
        key->vlan_tpid[i] = tpid;
        key->vlan_tci[i] = get_be16(c.p + 2) | htons(0x1000);
        pull(&c, 4);
    }
    key->dl_type = parse_ethertype(&c);
    key->parse_flags |= DP_KEY_L2;

    uint16_t type = ntohs(key->dl_type);
    if (type == ETH_TYPE_MPLS || type == ETH_TYPE_MPLS_MCAST) {
        /* Label stack entries up to the bottom of the stack; the first
         * three are kept.  Open vSwitch parses nothing beneath; xvs parses
         * an IPv4 or IPv6 payload, told by its version nibble, into the
         * L3 and L4 fields (unused otherwise for an MPLS packet), so that
         * a decision taken after pop_mpls on the inner headers can be
         * cached (xlate.c).  DP_KEY_MPLS_IP4/6 say which. */
        bool bottom = false;
        for (int i = 0; have(&c, 4); i++) {
            uint32_t lse;
            memcpy(&lse, c.p, 4);
            if (i < 3) {
                key->mpls_lse[i] = lse;
            }
            pull(&c, 4);
            if (c.p[-2] & 0x01) {
                bottom = true;
                break;
            }
        }
        if (bottom && have(&c, 1)) {
            if (c.p[0] >> 4 == 4) {
                key->parse_flags |= DP_KEY_MPLS_IP4;
                parse_ipv4(&c, key);
            } else if (c.p[0] >> 4 == 6) {
                key->parse_flags |= DP_KEY_MPLS_IP6;
                parse_ipv6(&c, key);
            }
        }
    } else if (type == ETH_TYPE_PBB) {
        /* 802.1ah: the I-TAG's TCI, where the first label would be.  The
         * customer frame behind it is not parsed: what a pop_pbb uncovers
         * is translated packet by packet (xlate.c). */
        if (have(&c, 4)) {
            memcpy(&key->mpls_lse[0], c.p, 4);
        } else {
            truncated(key);
        }
    } else if (type == ETH_TYPE_IPV4) {
        parse_ipv4(&c, key);
    } else if (type == ETH_TYPE_IPV6) {
        parse_ipv6(&c, key);
    } else if (type == ETH_TYPE_ARP || type == ETH_TYPE_RARP) {
        parse_arp(&c, key);
    }
}

/* ---- Formatting ----------------------------------------------------- */

struct fmt {
    char *buf;
    size_t size, len;
};

static void fmt_put(struct fmt *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>

static void
fmt_put(struct fmt *f, const char *format, ...)
{
    va_list args;

    if (f->len >= f->size) {
        return;
    }
    va_start(args, format);
    int n = vsnprintf(f->buf + f->len, f->size - f->len, format, args);
    va_end(args);
    if (n > 0) {
        f->len += (size_t) n;
    }
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static bool
all_ones(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xff) {
            return false;
        }
    }
    return true;
}

static void
put_bytes(struct fmt *f, const char *name, const uint8_t *v, const uint8_t *m,
          size_t n, const char *style)
{
    if (all_zero(m, n)) {
        return;
    }
    fmt_put(f, "%s%s=", f->len ? "," : "", name);
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *b = pass ? m : v;
        if (pass) {
            if (all_ones(m, n)) {
                break;
            }
            fmt_put(f, "/");
        }
        if (!strcmp(style, "mac")) {
            for (size_t i = 0; i < n; i++) {
                fmt_put(f, "%s%02x", i ? ":" : "", b[i]);
            }
        } else if (!strcmp(style, "ip4")) {
            fmt_put(f, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        } else if (!strcmp(style, "ip6")) {
            for (size_t i = 0; i < 16; i += 2) {
                fmt_put(f, "%s%x", i ? ":" : "", (b[i] << 8) | b[i + 1]);
            }
        } else {
            fmt_put(f, "0x");
            for (size_t i = 0; i < n; i++) {
                fmt_put(f, "%02x", b[i]);
            }
        }
    }
}

static void
put_u16(struct fmt *f, const char *name, uint16_t v, uint16_t m, bool hex)
{
    v = ntohs(v);
    m = ntohs(m);
    if (!m) {
        return;
    }
    fmt_put(f, hex ? "%s%s=0x%04x" : "%s%s=%u", f->len ? "," : "", name, v);
    if (m != 0xffff) {
        fmt_put(f, "/0x%04x", m);
    }
}

static void
put_u8(struct fmt *f, const char *name, uint8_t v, uint8_t m)
{
    if (m) {
        fmt_put(f, "%s%s=%u", f->len ? "," : "", name, v);
        if (m != 0xff) {
            fmt_put(f, "/0x%02x", m);
        }
    }
}

void
dp_flow_key_format(const struct dp_flow_key *key,
                   const struct dp_flow_key *mask,
                   const char *(*port_name)(uint32_t port, void *aux),
                   void *aux, char *buf, size_t size)
{
    struct fmt f = { buf, size, 0 };
    bool ip6 = ntohs(key->dl_type) == ETH_TYPE_IPV6;

    if (size) {
        buf[0] = '\0';
    }
    if (mask->in_port) {
        const char *name = port_name ? port_name(key->in_port, aux) : NULL;
        if (name) {
            fmt_put(&f, "in_port=%s", name);
        } else {
            fmt_put(&f, "in_port=%u", key->in_port);
        }
    }
    if (mask->parse_flags) {
        fmt_put(&f, "%sparse=0x%x", f.len ? "," : "", key->parse_flags);
    }
    put_bytes(&f, "dl_src", key->dl_src, mask->dl_src, 6, "mac");
    put_bytes(&f, "dl_dst", key->dl_dst, mask->dl_dst, 6, "mac");
    put_u16(&f, "vlan_tpid", key->vlan_tpid[0], mask->vlan_tpid[0], true);
    put_u16(&f, "vlan_tci", key->vlan_tci[0], mask->vlan_tci[0], true);
    put_u16(&f, "vlan_tpid2", key->vlan_tpid[1], mask->vlan_tpid[1], true);
    put_u16(&f, "vlan_tci2", key->vlan_tci[1], mask->vlan_tci[1], true);
    put_u16(&f, "dl_type", key->dl_type, mask->dl_type, true);
    put_bytes(&f, "nw_src", key->nw_src, mask->nw_src, ip6 ? 16 : 4,
              ip6 ? "ip6" : "ip4");
    put_bytes(&f, "nw_dst", key->nw_dst, mask->nw_dst, ip6 ? 16 : 4,
              ip6 ? "ip6" : "ip4");
    put_u8(&f, "nw_proto", key->nw_proto, mask->nw_proto);
    put_u8(&f, "nw_tos", key->nw_tos, mask->nw_tos);
    put_u8(&f, "nw_ttl", key->nw_ttl, mask->nw_ttl);
    put_bytes(&f, "arp_sha", key->arp_sha, mask->arp_sha, 6, "mac");
    put_bytes(&f, "arp_tha", key->arp_tha, mask->arp_tha, 6, "mac");
    put_u16(&f, "tp_src", key->tp_src, mask->tp_src, false);
    put_u16(&f, "tp_dst", key->tp_dst, mask->tp_dst, false);
    put_u16(&f, "tcp_flags", key->tcp_flags, mask->tcp_flags, true);
    put_u16(&f, "ipv6_exthdr", key->ipv6_exthdr, mask->ipv6_exthdr, true);
    put_bytes(&f, "nd_target", key->nd_target, mask->nd_target, 16, "ip6");
    for (int i = 0; i < 3; i++) {
        static const char *names[] = { "mpls_lse", "mpls_lse2", "mpls_lse3" };
        put_bytes(&f, names[i], (const uint8_t *) &key->mpls_lse[i],
                  (const uint8_t *) &mask->mpls_lse[i], 4, "hex");
    }
    put_bytes(&f, "ipv6_label", (const uint8_t *) &key->ipv6_label,
              (const uint8_t *) &mask->ipv6_label, 4, "hex");
    put_bytes(&f, "igmp_group", (const uint8_t *) &key->igmp_group,
              (const uint8_t *) &mask->igmp_group, 4, "ip4");
    if (!f.len) {
        fmt_put(&f, "any");
    }
}
