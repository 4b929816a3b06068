/*
 * flow-key: packet parsing into struct dp_flow_key.  See flow-key.h.
 *
 * The parser is a cursor over [p, end): every header is length-checked
 * before it is read, so a short packet stops the walk and leaves the key
 * with what was parsed so far.
 */
#include "flow-key.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8
#define ETH_TYPE_IPV6 0x86dd

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132

struct cursor {
    const uint8_t *p;
    const uint8_t *end;
};

static inline int
have(const struct cursor *c, size_t n)
{
    return (size_t) (c->end - c->p) >= n;
}

static inline uint16_t
get_be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;                   /* Still network order. */
}

/* Byte order conversions that fold to constants where possible. */
#define ntoh16(V) ntohs(V)

/* An L4 header counts only when complete (as Open vSwitch's parser has it):
 * TCP 20 bytes, UDP 8, SCTP 12, ICMP 8, ICMPv6 4. */
static void
parse_l4(struct cursor *c, uint8_t proto, struct dp_flow_key *key)
{
    size_t need;

    switch (proto) {
    case IPPROTO_TCP_:
        need = 20;
        break;
    case IPPROTO_UDP_:
        need = 8;
        break;
    case IPPROTO_SCTP_:
        need = 12;
        break;
    case IPPROTO_ICMP_:
        need = 8;
        break;
    case IPPROTO_ICMPV6_:
        need = 4;
        break;
    default:
        return;
    }
    if (!have(c, need)) {
        key->parse_flags |= DP_KEY_TRUNCATED;
        return;
    }
    if (proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_) {
        key->tp_src = htons(c->p[0]);     /* Type, in network order. */
        key->tp_dst = htons(c->p[1]);     /* Code. */
    } else {
        key->tp_src = get_be16(c->p);
        key->tp_dst = get_be16(c->p + 2);
    }
    key->parse_flags |= DP_KEY_L4;
}

static void
parse_ipv4(struct cursor *c, struct dp_flow_key *key)
{
    if (!have(c, 20)) {
        goto truncated;
    }
    const uint8_t *ip = c->p;
    size_t ihl = (size_t) (ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || !have(c, ihl)) {
        goto truncated;
    }
    key->nw_tos = ip[1];
    key->nw_ttl = ip[8];
    key->nw_proto = ip[9];
    memcpy(key->nw_src, ip + 12, 4);
    memcpy(key->nw_dst, ip + 16, 4);
    key->parse_flags |= DP_KEY_L3;

    uint16_t frag = ntoh16(get_be16(ip + 6));
    if (frag & 0x3fff) {        /* MF or offset. */
        key->parse_flags |= DP_KEY_FRAG;
        if (frag & 0x1fff) {
            key->parse_flags |= DP_KEY_LATER_FRAG;
            return;
        }
    }
    c->p += ihl;
    parse_l4(c, key->nw_proto, key);
    return;

truncated:
    key->parse_flags |= DP_KEY_TRUNCATED;
}

static void
parse_ipv6(struct cursor *c, struct dp_flow_key *key)
{
    if (!have(c, 40)) {
        goto truncated;
    }
    const uint8_t *ip = c->p;
    if ((ip[0] >> 4) != 6) {
        goto truncated;
    }
    key->nw_tos = (uint8_t) ((ip[0] << 4) | (ip[1] >> 4));
    key->nw_ttl = ip[7];
    memcpy(key->nw_src, ip + 8, 16);
    memcpy(key->nw_dst, ip + 24, 16);
    key->parse_flags |= DP_KEY_L3;
    c->p += 40;

    /* Walk extension headers to the upper-layer protocol. */
    uint8_t next = ip[6];
    for (int i = 0; i < 8; i++) {
        switch (next) {
        case 0:                 /* Hop-by-hop. */
        case 43:                /* Routing. */
        case 60:                /* Destination options. */
            if (!have(c, 8) || !have(c, ((size_t) c->p[1] + 1) * 8)) {
                goto truncated;
            }
            next = c->p[0];
            c->p += ((size_t) c->p[1] + 1) * 8;
            continue;
        case 44: {              /* Fragment. */
            if (!have(c, 8)) {
                goto truncated;
            }
            uint16_t off = ntoh16(get_be16(c->p + 2));
            key->parse_flags |= DP_KEY_FRAG;
            next = c->p[0];
            c->p += 8;
            if (off & 0xfff8) {
                key->nw_proto = next;
                key->parse_flags |= DP_KEY_LATER_FRAG;
                return;
            }
            continue;
        }
        default:
            break;
        }
        break;
    }
    key->nw_proto = next;
    parse_l4(c, next, key);
    return;

truncated:
    key->parse_flags |= DP_KEY_TRUNCATED;
}

static void
parse_arp(struct cursor *c, struct dp_flow_key *key)
{
    /* Ethernet/IPv4 ARP only. */
    if (!have(c, 28)) {
        goto truncated;
    }
    const uint8_t *a = c->p;
    if (get_be16(a) != ntoh16(1) || get_be16(a + 2) != ntoh16(ETH_TYPE_IPV4)
        || a[4] != 6 || a[5] != 4) {
        goto truncated;
    }
    uint16_t op = ntoh16(get_be16(a + 6));
    key->nw_proto = op <= 0xff ? (uint8_t) op : 0;
    memcpy(key->arp_sha, a + 8, 6);
    memcpy(key->nw_src, a + 14, 4);
    memcpy(key->arp_tha, a + 18, 6);
    memcpy(key->nw_dst, a + 24, 4);
    key->parse_flags |= DP_KEY_L3;
    return;

truncated:
    key->parse_flags |= DP_KEY_TRUNCATED;
}

void
dp_flow_key_extract(const void *data, size_t len, uint32_t in_port,
                    struct dp_flow_key *key)
{
    struct cursor c = { data, (const uint8_t *) data + len };

    memset(key, 0, sizeof *key);
    key->in_port = in_port;

    if (!have(&c, 14)) {
        key->parse_flags = DP_KEY_TRUNCATED;
        return;
    }
    memcpy(key->dl_dst, c.p, 6);
    memcpy(key->dl_src, c.p + 6, 6);
    uint16_t type = get_be16(c.p + 12);
    c.p += 14;

    for (int i = 0; i < 2 && (type == ntoh16(ETH_TYPE_VLAN)
                              || type == ntoh16(ETH_TYPE_QINQ)); i++) {
        if (!have(&c, 4)) {
            key->parse_flags = DP_KEY_TRUNCATED;
            return;
        }
        key->vlan_tci[i] = get_be16(c.p) | ntoh16(0x1000); /* CFI = present */
        type = get_be16(c.p + 2);
        c.p += 4;
    }
    key->dl_type = type;
    key->parse_flags |= DP_KEY_L2;

    if (type == ntoh16(ETH_TYPE_IPV4)) {
        parse_ipv4(&c, key);
    } else if (type == ntoh16(ETH_TYPE_IPV6)) {
        parse_ipv6(&c, key);
    } else if (type == ntoh16(ETH_TYPE_ARP)) {
        parse_arp(&c, key);
    }
}
