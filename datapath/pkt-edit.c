/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkt-edit: the datapath actions that rewrite header fields.
 *
 * The pipeline emits a set action only for a packet whose megaflow matches
 * the protocol it rewrites (the translation un-wildcards the Ethertype and
 * the IP protocol), so every packet of the megaflow has the header; the
 * checks here guard against nothing worse than a truncated frame, which
 * is left as it is.  Checksums are updated incrementally (RFC 1624).
 */
#include "pkt-edit.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_TYPE_VLAN_8021Q 0x8100
#define ETH_TYPE_VLAN_8021AD 0x88a8
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_MPLS 0x8847
#define ETH_TYPE_MPLS_MCAST 0x8848
#define ETH_TYPE_PBB 0x88e7
#define ETH_TYPE_MIN 0x600

#ifndef MIN
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#endif

/* Where the packet's L3 header starts, past up to two VLAN tags, and its
 * Ethertype (host order); 0 if the frame is too short. */
static uint32_t
l3_offset(const uint8_t *p, uint32_t len, uint16_t *type)
{
    uint32_t ofs = 12;

    for (int i = 0; i < 3; i++) {
        if (len < ofs + 2) {
            return 0;
        }
        uint16_t t = (p[ofs] << 8) | p[ofs + 1];
        if ((t != ETH_TYPE_VLAN_8021Q && t != ETH_TYPE_VLAN_8021AD) || i == 2) {
            *type = t;
            return ofs + 2;
        }
        ofs += 4;
    }
    return 0;
}

/* One's-complement checksum update for a 16-bit word changing from 'old'
 * to 'new' (all in network order). */
static uint16_t
csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
    uint32_t sum = (uint16_t) ~csum + (uint16_t) ~old + new;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return ~sum;
}

static uint16_t
csum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
    csum = csum_update16(csum, old & 0xffff, new & 0xffff);
    return csum_update16(csum, old >> 16, new >> 16);
}

/* The L4 checksum field of a packet whose checksum is partial (left for
 * the output to finish, as a guest's kernel hands it over) holds the sum
 * of the pseudo-header, not complemented: a change to an address moves
 * it the other way from a finished checksum, and a change to a port does
 * not touch it (the port is summed when the checksum is finished). */
static uint16_t
csum_update32_partial(uint16_t sum, uint32_t old, uint32_t new)
{
    return ~csum_update32(~sum, old, new);
}

static uint16_t
get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void
put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

/* Updates the L4 checksum field at 'field' for an address word changing
 * from 'old' to 'new'; 'proto' says whether a zero UDP checksum means
 * none. */
static void
l4_csum_addr_update(uint8_t *field, uint8_t proto, uint32_t old,
                    uint32_t new, bool partial)
{
    uint16_t csum = get16(field);

    if (partial) {
        put16(field, csum_update32_partial(csum, old, new));
        return;
    }
    if (proto == 17 && !csum) {
        return;                 /* UDP without a checksum. */
    }
    csum = csum_update32(csum, old, new);
    if (proto == 17 && !csum) {
        csum = 0xffff;
    }
    put16(field, csum);
}

/* The offset of the L4 checksum within an L4 header of IP protocol
 * 'proto', or -1 if it has none that covers the addresses. */
static int
l4_csum_offset(uint8_t proto)
{
    return proto == 6 ? 16 : proto == 17 ? 6 : -1;
}

struct ipv4_ctx {
    uint8_t *ip;
    uint8_t *l4;            /* NULL for a later fragment or no room. */
    uint32_t l4_len;
};

static bool
ipv4_find(uint8_t *p, uint32_t len, struct ipv4_ctx *c)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (!ofs || type != ETH_TYPE_IPV4 || len < ofs + 20) {
        return false;
    }
    c->ip = p + ofs;
    uint32_t ihl = (c->ip[0] & 0xf) * 4;
    uint16_t frag = ntohs(get16(c->ip + 6)) & 0x1fff;
    c->l4 = NULL;
    c->l4_len = 0;
    if (ihl >= 20 && len >= ofs + ihl && !frag) {
        c->l4 = c->ip + ihl;
        c->l4_len = len - ofs - ihl;
    }
    return true;
}

static void
ipv4_set_addr(uint8_t *p, uint32_t len, bool src, uint32_t new, bool partial)
{
    struct ipv4_ctx c;

    if (!ipv4_find(p, len, &c)) {
        return;
    }
    uint8_t *field = c.ip + (src ? 12 : 16);
    uint32_t old;
    memcpy(&old, field, 4);
    if (old == new) {
        return;
    }
    memcpy(field, &new, 4);
    put16(c.ip + 10, csum_update32(get16(c.ip + 10), old, new));

    int co = c.l4 ? l4_csum_offset(c.ip[9]) : -1;
    if (co >= 0 && c.l4_len >= (uint32_t) co + 2) {
        l4_csum_addr_update(c.l4 + co, c.ip[9], old, new, partial);
    }
}

/* The transport header of the IPv6 packet whose fixed header is at 'ofs':
 * walks the extension headers the flow key walks (hop-by-hop, routing,
 * destination options, fragment, authentication) as far as the bytes at
 * hand and the payload length allow.  Returns its offset and sets
 * '*proto', '*nh_at_' (where the byte that names it is: set also when
 * there are no transport bytes) and '*l4_len' (its bytes up to the end
 * of the payload or of the bytes at hand), or returns 0 if there is none
 * (a later fragment, a truncated chain, a payload that ends where it
 * would start). */
static uint32_t
ipv6_chain(const uint8_t *p, uint32_t len, uint32_t ofs, uint8_t *proto,
           uint32_t *l4_len, uint32_t *nh_at_)
{
    uint32_t nh_at = ofs + 6;
    uint8_t nh = p[nh_at];
    uint32_t at = ofs + 40;
    uint32_t end = at + ntohs(get16(p + ofs + 4));

    /* The chain ends with the IP payload, not with the frame (Ethernet
     * padding follows), as the flow key parses it; every header is 8
     * bytes or more, so the walk ends. */
    if (end < len) {
        len = end;
    }
    for (;;) {
        uint32_t hlen;
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51) {
            *proto = nh;
            *nh_at_ = nh_at;    /* Even with no transport bytes. */
            if (at >= len) {
                return 0;
            }
            *l4_len = len - at;
            return at;
        }
        if (len < at + 8) {
            return 0;
        }
        if (nh == 44) {
            if (get16(p + at + 2) & htons(0xfff8)) {
                return 0;       /* Not the first fragment. */
            }
            hlen = 8;
        } else if (nh == 51) {
            hlen = (p[at + 1] + 2) * 4;
        } else {
            hlen = (p[at + 1] + 1) * 8;
        }
        nh_at = at;
        nh = p[at];
        at += hlen;
        if (at > len) {
            return 0;
        }
    }
}

/* The same, without where the protocol byte is. */
static uint32_t
ipv6_l4_offset(const uint8_t *p, uint32_t len, uint32_t ofs, uint8_t *proto,
               uint32_t *l4_len)
{
    uint32_t nh_at;
    return ipv6_chain(p, len, ofs, proto, l4_len, &nh_at);
}

/* ---- SCTP ---- */

/* CRC-32C (Castagnoli, reflected), SCTP's checksum (RFC 3309). */
static uint32_t crc32c_table[256];

static void __attribute__((constructor))
crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
        }
        crc32c_table[i] = c;
    }
}

static uint32_t
crc32c_byte(uint32_t crc, uint8_t b)
{
    return crc32c_table[(crc ^ b) & 0xff] ^ (crc >> 8);
}

uint32_t
pkt_crc32c(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t crc = UINT32_MAX;

    while (n--) {
        crc = crc32c_byte(crc, *p++);
    }
    return ~crc;
}

/* The length of the SCTP packet at 'l4' as its IP header says: it may go
 * on past the bytes at hand (a multi-segment frame's first segment). */
static uint32_t
sctp_len(const uint8_t *p, uint32_t l3, uint16_t type, const uint8_t *l4)
{
    uint32_t end = (type == ETH_TYPE_IPV4
                    ? l3 + ntohs(get16(p + l3 + 2))
                    : l3 + 40 + ntohs(get16(p + l3 + 4)));
    uint32_t at = l4 - p;
    return end > at ? end - at : 0;
}

/* Updates the checksum of the 'n'-byte SCTP packet at 'sctp' for the
 * 16-bit word at 'ofs' that changed from 'old' to 'new' (as stored).
 * CRC-32C is linear: the checksums of two messages of the same length
 * differ by the CRC (no initial value, no final xor) of their
 * difference, which here is two bytes followed by zeros, so the rest of
 * the packet need not be at hand.  SCTP stores the CRC little-endian. */
static void
sctp_csum_update(uint8_t *sctp, uint32_t n, uint32_t ofs, uint16_t old,
                 uint16_t new)
{
    uint16_t diff = old ^ new;
    const uint8_t *d = (const uint8_t *) &diff;
    uint32_t crc = 0;

    if (n < ofs + 2 || n < 12) {
        return;
    }
    crc = crc32c_byte(crc, d[0]);
    crc = crc32c_byte(crc, d[1]);
    for (uint32_t i = ofs + 2; i < n; i++) {
        crc = crc32c_byte(crc, 0);
    }
    for (int i = 0; i < 4; i++) {
        sctp[8 + i] ^= crc >> (8 * i);
    }
}

static void
set_tp_port(uint8_t *p, uint32_t len, bool src, uint16_t new, bool partial)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);
    uint8_t *l4 = NULL, proto = 0;
    uint32_t l4_len = 0;

    if (!ofs) {
        return;
    }
    if (type == ETH_TYPE_IPV4) {
        struct ipv4_ctx c;
        if (!ipv4_find(p, len, &c) || !c.l4) {
            return;
        }
        l4 = c.l4;
        l4_len = c.l4_len;
        proto = c.ip[9];
    } else if (type == ETH_TYPE_IPV6 && len >= ofs + 40) {
        uint32_t at = ipv6_l4_offset(p, len, ofs, &proto, &l4_len);
        if (at) {
            l4 = p + at;
        }
    }
    if (!l4 || l4_len < 4 || (proto != 6 && proto != 17 && proto != 132)) {
        return;
    }
    uint8_t *field = l4 + (src ? 0 : 2);
    uint16_t old = get16(field);
    put16(field, new);
    if (proto == 132) {
        if (!partial && l4_len >= 12) {
            sctp_csum_update(l4, sctp_len(p, ofs, type, l4), src ? 0 : 2,
                             old, new);
        }
        return;
    }
    int co = l4_csum_offset(proto);
    if (co >= 0 && l4_len >= (uint32_t) co + 2 && !partial) {
        uint16_t csum = get16(l4 + co);
        if (proto == 17 && !csum) {
            return;
        }
        csum = csum_update16(csum, old, new);
        if (proto == 17 && !csum) {
            csum = 0xffff;
        }
        put16(l4 + co, csum);
    }
}

/* SET_IP_TOS or SET_IP_TTL on the IP header of 'type' at 'ofs'. */
static void
set_ip_tos_ttl_at(uint8_t *p, uint32_t len, uint32_t ofs, uint16_t type,
                  const struct dp_action *a)
{
    if (type == ETH_TYPE_IPV4 && len >= ofs + 20) {
        uint8_t *ip = p + ofs;
        uint16_t old = get16(ip + (a->type == DP_ACTION_SET_IP_TTL ? 8 : 0));
        if (a->type == DP_ACTION_SET_IP_TTL) {
            ip[8] = a->u8[0];
        } else {
            ip[1] = (ip[1] & ~a->u8[1]) | (a->u8[0] & a->u8[1]);
        }
        uint8_t *w = ip + (a->type == DP_ACTION_SET_IP_TTL ? 8 : 0);
        put16(ip + 10, csum_update16(get16(ip + 10), old, get16(w)));
    } else if (type == ETH_TYPE_IPV6 && len >= ofs + 40) {
        uint8_t *ip = p + ofs;
        if (a->type == DP_ACTION_SET_IP_TTL) {
            ip[7] = a->u8[0];
        } else {
            /* Traffic class straddles bytes 0 and 1. */
            uint8_t tc = (ip[0] << 4) | (ip[1] >> 4);
            tc = (tc & ~a->u8[1]) | (a->u8[0] & a->u8[1]);
            ip[0] = (ip[0] & 0xf0) | (tc >> 4);
            ip[1] = (ip[1] & 0x0f) | (tc << 4);
        }
    }
}

static void
set_ip_tos_ttl(uint8_t *p, uint32_t len, const struct dp_action *a)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (ofs) {
        set_ip_tos_ttl_at(p, len, ofs, type, a);
    }
}

uint32_t
pkt_l2_len(const uint8_t *p, uint32_t len)
{
    uint16_t type;
    return l3_offset(p, len, &type);
}

uint32_t
pkt_l3_offset(const uint8_t *p, uint32_t len, uint16_t *type)
{
    return l3_offset(p, len, type);
}

/* Where the IP header the flow key parses starts, for pkt_clamp_ip_len():
 * past up to two VLAN tags, an LLC/SNAP header, and an MPLS label stack
 * whose payload the key parses by its version nibble (flow-key.c).  0 if
 * there is none; '*type' is 0x0800 or 0x86dd otherwise. */
static uint32_t
ip_offset(const uint8_t *p, uint32_t len, uint16_t *type)
{
    static const uint8_t snap[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };
    uint32_t ofs = l3_offset(p, len, type);

    if (ofs && *type < ETH_TYPE_MIN) {
        if (len < ofs + 8 || memcmp(p + ofs, snap, 6)) {
            return 0;
        }
        *type = (p[ofs + 6] << 8) | p[ofs + 7];
        ofs += 8;
    }
    if (ofs && (*type == ETH_TYPE_MPLS || *type == ETH_TYPE_MPLS_MCAST)) {
        while (len >= ofs + 4 && !(p[ofs + 2] & 0x01)) {
            ofs += 4;
        }
        if (len < ofs + 5) {
            return 0;
        }
        ofs += 4;
        *type = (p[ofs] >> 4 == 4 ? ETH_TYPE_IPV4
                 : p[ofs] >> 4 == 6 ? ETH_TYPE_IPV6 : 0);
    }
    return ofs && (*type == ETH_TYPE_IPV4 || *type == ETH_TYPE_IPV6)
           ? ofs : 0;
}

void
pkt_clamp_ip_len(uint8_t *p, uint32_t len, uint32_t frame_len)
{
    uint16_t type;
    uint32_t ofs = ip_offset(p, len, &type);

    /* A length beyond the whole frame stays: the key says the packet is
     * truncated, and the view must say so too. */
    if (type == ETH_TYPE_IPV4 && ofs && len >= ofs + 20) {
        uint32_t ip_len = ntohs(get16(p + ofs + 2));
        if (ip_len > len - ofs && ip_len <= frame_len - ofs) {
            put16(p + ofs + 2, htons(len - ofs));
        }
    } else if (type == ETH_TYPE_IPV6 && ofs && len >= ofs + 40) {
        uint32_t pl_len = ntohs(get16(p + ofs + 4));
        if (pl_len > len - ofs - 40 && pl_len <= frame_len - ofs - 40) {
            put16(p + ofs + 4, htons(len - ofs - 40));
        }
    }
}

static bool
is_mpls(uint16_t type)
{
    return type == 0x8847 || type == 0x8848;
}

/* Label stack entry 'idx' (0: the top one) becomes 'lse', if the stack
 * is that deep. */
static void
set_mpls_lse(uint8_t *p, uint32_t len, unsigned int idx, uint32_t lse)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (!ofs || !is_mpls(type)) {
        return;
    }
    for (unsigned int i = 0; i < idx; i++, ofs += 4) {
        if (len < ofs + 4 || p[ofs + 2] & 0x01) {
            return;             /* The bottom of the stack came first. */
        }
    }
    if (len >= ofs + 4) {
        memcpy(p + ofs, &lse, 4);
    }
}

/* A PBB frame's I-TAG TCI. */
static void
set_pbb_itag(uint8_t *p, uint32_t len, uint32_t tci)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (ofs && type == ETH_TYPE_PBB && len >= ofs + 4) {
        memcpy(p + ofs, &tci, 4);
    }
}

/* The Ethertype after the VLAN tags; an 802.3 frame's length field is
 * left alone. */
static void
set_eth_type(uint8_t *p, uint32_t len, uint16_t be16)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (ofs && type >= ETH_TYPE_MIN) {
        memcpy(p + ofs - 2, &be16, 2);
    }
}

/* The L4 checksum offset in the transport header 'proto' of an IPv6
 * packet; -1 if none. */
static int
ipv6_l4_csum_offset(uint8_t proto)
{
    return proto == 6 ? 16 : proto == 17 ? 6 : proto == 58 ? 2 : -1;
}

static void
set_ipv6_word(uint8_t *p, uint32_t len, const struct dp_action *a,
              bool partial)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (!ofs || type != ETH_TYPE_IPV6 || len < ofs + 40) {
        return;
    }
    uint8_t *ip = p + ofs;
    uint8_t *field = ip + (a->port < 4 ? 8 : 24) + 4 * (a->port & 3);
    uint32_t old;
    memcpy(&old, field, 4);
    if (old == a->be32) {
        return;
    }
    memcpy(field, &a->be32, 4);

    /* The pseudo-header covers the addresses: fix the transport
     * checksum, behind extension headers too.  (With a routing header the
     * pseudo-header holds the final destination, not this one: rewriting
     * the destination of such a packet would leave it inconsistent
     * whatever we do, and the sum here stays what it was relative to the
     * words that changed.) */
    uint8_t proto;
    uint32_t l4_len;
    uint32_t at = ipv6_l4_offset(p, len, ofs, &proto, &l4_len);
    int co = at ? ipv6_l4_csum_offset(proto) : -1;
    if (co >= 0 && l4_len >= (uint32_t) co + 2) {
        l4_csum_addr_update(p + at + co, proto, old, a->be32,
                            partial && proto != 58);
    }
}

static void
set_ipv6_label(uint8_t *p, uint32_t len, uint32_t be32)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (ofs && type == ETH_TYPE_IPV6 && len >= ofs + 4) {
        uint32_t label = ntohl(be32) & 0xfffff;
        uint8_t *ip = p + ofs;
        ip[1] = (ip[1] & 0xf0) | (label >> 16);
        ip[2] = label >> 8;
        ip[3] = label;
    }
}

static void
set_arp(uint8_t *p, uint32_t len, const struct dp_action *a)
{
    static const uint8_t ofs[] = {
        [DP_ARP_OP] = 6, [DP_ARP_SHA] = 8, [DP_ARP_SPA] = 14,
        [DP_ARP_THA] = 18, [DP_ARP_TPA] = 24,
    };
    uint16_t type;
    uint32_t l3 = l3_offset(p, len, &type);

    if (!l3 || (type != 0x0806 && type != 0x8035) || len < l3 + 28
        || a->port > DP_ARP_TPA) {
        return;
    }
    uint8_t *f = p + l3 + ofs[a->port];
    switch ((enum dp_arp_field) a->port) {
    case DP_ARP_OP:
        memcpy(f, &a->be16, 2);
        break;
    case DP_ARP_SHA:
    case DP_ARP_THA:
        memcpy(f, a->mac, 6);
        break;
    case DP_ARP_SPA:
    case DP_ARP_TPA:
        memcpy(f, &a->be32, 4);
        break;
    }
}

/* Whether the ICMP message 'l4' of 'len' bytes is zeros, its checksum
 * field aside. */
static bool
icmp_all_zero(const uint8_t *l4, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (l4[i] && i != 2 && i != 3) {
            return false;
        }
    }
    return true;
}

static void
set_icmp(uint8_t *p, uint32_t len, const struct dp_action *a)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);
    uint8_t *l4 = NULL;
    uint32_t l4_len = 0;

    if (!ofs) {
        return;
    }
    if (type == ETH_TYPE_IPV4) {
        struct ipv4_ctx c;
        if (ipv4_find(p, len, &c) && c.l4 && c.ip[9] == 1) {
            /* The message ends with the datagram, not with the frame
             * (Ethernet pads short frames). */
            uint32_t ihl = (c.ip[0] & 0x0f) * 4;
            uint32_t tot = ntohs(get16(c.ip + 2));
            l4 = c.l4;
            l4_len = tot >= ihl && tot - ihl < c.l4_len ? tot - ihl : c.l4_len;
        }
    } else if (type == ETH_TYPE_IPV6 && len >= ofs + 40) {
        uint8_t proto;
        uint32_t at = ipv6_l4_offset(p, len, ofs, &proto, &l4_len);
        if (at && proto == 58) {
            l4 = p + at;
        } else {
            l4_len = 0;
        }
    }
    if (!l4 || l4_len < 4) {
        return;
    }
    /* Type and code share the first 16-bit word of the checksummed
     * header. */
    uint16_t old = get16(l4);
    l4[a->port ? 1 : 0] = a->u8[0];
    uint16_t csum = csum_update16(get16(l4 + 2), old, get16(l4));
    if (!csum && type == ETH_TYPE_IPV4 && icmp_all_zero(l4, l4_len)) {
        /* The update gives the sum's other zero, 0x0000, where only
         * 0xffff verifies: ICMPv4 has no pseudo-header, so a message of
         * zeros (an echo reply with id, sequence and data 0) sums to +0. */
        csum = 0xffff;
    }
    put16(l4 + 2, csum);
}

/* The ICMPv6 neighbour solicitation or advertisement of the frame, as
 * the flow key parses it; NULL if it is not one.  '*l4_len': its bytes. */
static uint8_t *
nd_find(uint8_t *p, uint32_t len, uint32_t *l4_len)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);
    uint8_t proto;

    if (!ofs || type != ETH_TYPE_IPV6 || len < ofs + 40) {
        return NULL;
    }
    uint32_t at = ipv6_l4_offset(p, len, ofs, &proto, l4_len);
    if (!at || proto != 58 || *l4_len < 24 || p[at + 1] != 0
        || (p[at] != 135 && p[at] != 136)) {
        return NULL;
    }
    return p + at;
}

/* Rewrites 'n' bytes at 'field' of the ICMPv6 message at 'icmp' to
 * 'value' ('n' even, 'field' at an even offset), updating its checksum. */
static void
nd_write(uint8_t *icmp, uint8_t *field, const uint8_t *value, size_t n)
{
    uint16_t csum = get16(icmp + 2);

    for (size_t i = 0; i < n; i += 2) {
        uint16_t old = get16(field + i), new;
        memcpy(&new, value + i, 2);
        csum = csum_update16(csum, old, new);
        memcpy(field + i, &new, 2);
    }
    put16(icmp + 2, csum);
}

static void
set_nd(uint8_t *p, uint32_t len, const struct dp_action *a)
{
    uint32_t l4_len;
    uint8_t *icmp = nd_find(p, len, &l4_len);

    if (!icmp) {
        return;
    }
    if (a->port <= DP_ND_TARGET3) {
        nd_write(icmp, icmp + 8 + 4 * a->port, (const uint8_t *) &a->be32, 4);
        return;
    }
    /* The option of the kind that the flow key takes: the first with a
     * nonzero address (a later one replaces an all-zero one), none if
     * another follows that (then the key drops the addresses). */
    static const uint8_t zero[6];
    uint8_t want = a->port == DP_ND_SLL ? 1 : 2;
    uint8_t *opt = NULL;
    for (uint32_t o = 24; o + 8 <= l4_len; ) {
        uint32_t opt_len = icmp[o + 1] * 8;
        if (!opt_len || o + opt_len > l4_len) {
            break;
        }
        if (opt_len == 8 && (icmp[o] == 1 || icmp[o] == 2)) {
            if (icmp[o] == want) {
                if (opt && memcmp(opt + 2, zero, 6)) {
                    return;
                }
                opt = icmp + o;
            }
        }
        o += opt_len;
    }
    if (opt) {
        nd_write(icmp, opt + 2, a->mac, 6);
    }
}

void
pkt_dscp_remark(uint8_t *p, uint32_t len, uint8_t prec_level,
                bool l4_partial)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);
    uint8_t tos;

    if (ofs && type == ETH_TYPE_IPV4 && len >= ofs + 20) {
        tos = p[ofs + 1];
    } else if (ofs && type == ETH_TYPE_IPV6 && len >= ofs + 40) {
        tos = (p[ofs] << 4) | (p[ofs + 1] >> 4);
    } else {
        return;
    }
    uint8_t dscp = tos >> 2, class = dscp >> 3, drop = (dscp >> 1) & 3;
    if (class < 1 || class > 4 || !drop || dscp & 1) {
        return;                 /* Not AF11..AF43. */
    }
    drop = MIN(3, drop + prec_level);
    struct dp_action a = { .type = DP_ACTION_SET_IP_TOS };
    a.u8[0] = ((class << 3) | (drop << 1)) << 2;
    a.u8[1] = 0xfc;
    pkt_edit(p, len, &a, l4_partial);
}

/* The IPv4 protocol, or the last next header of an IPv6 chain, becomes
 * 'proto'.  The L4 checksum of the protocol it was covers a pseudo-header
 * that names the protocol: it is updated where it is, the L4 header left
 * as it is (what a receiver makes of a TCP header called UDP is its own
 * affair). */
static void
set_ip_proto(uint8_t *p, uint32_t len, uint8_t proto, bool partial)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);
    uint8_t old, *l4 = NULL;
    uint32_t l4_len = 0;

    if (!ofs) {
        return;
    }
    if (type == ETH_TYPE_IPV4) {
        struct ipv4_ctx c;
        if (!ipv4_find(p, len, &c)) {
            return;
        }
        old = c.ip[9];
        uint16_t w = get16(c.ip + 8);
        c.ip[9] = proto;
        put16(c.ip + 10, csum_update16(get16(c.ip + 10), w, get16(c.ip + 8)));
        l4 = c.l4;
        l4_len = c.l4_len;
    } else if (type == ETH_TYPE_IPV6 && len >= ofs + 40) {
        uint32_t nh_at = 0;
        uint32_t at = ipv6_chain(p, len, ofs, &old, &l4_len, &nh_at);
        if (!nh_at) {
            return;             /* A later fragment, a truncated chain. */
        }
        p[nh_at] = proto;
        l4 = at ? p + at : NULL;
    } else {
        return;
    }
    if (old == proto || !l4) {
        return;
    }
    /* 0x000000PP in the pseudo-header sums as the word 0x00PP. */
    int co = type == ETH_TYPE_IPV4 ? l4_csum_offset(old)
                                   : ipv6_l4_csum_offset(old);
    if (co >= 0 && l4_len >= (uint32_t) co + 2) {
        l4_csum_addr_update(l4 + co, old, htonl(old), htonl(proto),
                            partial && old != 58);
    }
}

/* The TTL of the IP packet beneath an MPLS label stack. */
static void
set_mpls_ip_ttl(uint8_t *p, uint32_t len, uint8_t ttl)
{
    uint16_t type;
    uint32_t ofs = l3_offset(p, len, &type);

    if (ofs && is_mpls(type) && (ofs = ip_offset(p, len, &type))) {
        struct dp_action a = { .type = DP_ACTION_SET_IP_TTL };
        a.u8[0] = ttl;
        set_ip_tos_ttl_at(p, len, ofs, type, &a);
    }
}

bool
pkt_edit(uint8_t *p, uint32_t len, const struct dp_action *a,
         bool l4_partial)
{
    switch ((enum dp_action_type) a->type) {
    case DP_ACTION_SET_ETH_SRC:
    case DP_ACTION_SET_ETH_DST:
        if (len >= 14) {
            memcpy(p + (a->type == DP_ACTION_SET_ETH_SRC ? 6 : 0), a->mac, 6);
        }
        return true;

    case DP_ACTION_SET_VLAN:
        if (len >= 18) {
            uint16_t t = (p[12] << 8) | p[13];
            if (t == ETH_TYPE_VLAN_8021Q || t == ETH_TYPE_VLAN_8021AD) {
                uint16_t tci = (p[14] << 8) | p[15];
                tci = (tci & ~a->vlan.mask) | (a->vlan.tci & a->vlan.mask);
                p[14] = tci >> 8;
                p[15] = tci;
            }
        }
        return true;

    case DP_ACTION_SET_IPV4_SRC:
    case DP_ACTION_SET_IPV4_DST:
        ipv4_set_addr(p, len, a->type == DP_ACTION_SET_IPV4_SRC, a->be32,
                      l4_partial);
        return true;

    case DP_ACTION_SET_IP_TOS:
    case DP_ACTION_SET_IP_TTL:
        set_ip_tos_ttl(p, len, a);
        return true;

    case DP_ACTION_SET_TP_SRC:
    case DP_ACTION_SET_TP_DST:
        set_tp_port(p, len, a->type == DP_ACTION_SET_TP_SRC, a->be16,
                    l4_partial);
        return true;

    case DP_ACTION_SET_MPLS_LSE:
        set_mpls_lse(p, len, a->port, a->be32);
        return true;

    case DP_ACTION_SET_ETH_TYPE:
        set_eth_type(p, len, a->be16);
        return true;

    case DP_ACTION_SET_IP_PROTO:
        set_ip_proto(p, len, a->u8[0], l4_partial);
        return true;

    case DP_ACTION_SET_MPLS_IP_TTL:
        set_mpls_ip_ttl(p, len, a->u8[0]);
        return true;

    case DP_ACTION_SET_PBB_ITAG:
        set_pbb_itag(p, len, a->be32);
        return true;

    case DP_ACTION_SET_IPV6_WORD:
        set_ipv6_word(p, len, a, l4_partial);
        return true;

    case DP_ACTION_SET_IPV6_LABEL:
        set_ipv6_label(p, len, a->be32);
        return true;

    case DP_ACTION_SET_ARP:
        set_arp(p, len, a);
        return true;

    case DP_ACTION_SET_ICMP:
        set_icmp(p, len, a);
        return true;

    case DP_ACTION_SET_ND:
        set_nd(p, len, a);
        return true;

    case DP_ACTION_OUTPUT:
    case DP_ACTION_OUTPUT_QUEUE:
    case DP_ACTION_PUSH_VLAN:
    case DP_ACTION_POP_VLAN:
    case DP_ACTION_CONTROLLER:
    case DP_ACTION_METER:
    case DP_ACTION_PUSH_MPLS:
    case DP_ACTION_POP_MPLS:
    case DP_ACTION_DROP:
    case DP_ACTION_PUSH_PBB:
    case DP_ACTION_POP_PBB:
        break;
    }
    return false;
}
