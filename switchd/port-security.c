/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include "port-security.h"

#include <string.h>

#include "datapath/dp-actions.h"
#include "flow.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "xvs-guest.h"

struct psec_leases {
    struct ovs_refcount ref;            /* A port's successive pl_psecs. */
    struct ovs_mutex mutex;
    struct psec_lease l[PSEC_MAX_LEASES] OVS_GUARDED;
    size_t n OVS_GUARDED;
};

static struct psec_leases *
leases_create(void)
{
    struct psec_leases *ls = xzalloc(sizeof *ls);
    ovs_refcount_init(&ls->ref);
    ovs_mutex_init(&ls->mutex);
    return ls;
}

static void
leases_unref(struct psec_leases *ls)
{
    if (ls && ovs_refcount_unref(&ls->ref) == 1) {
        ovs_mutex_destroy(&ls->mutex);
        free(ls);
    }
}

static void
add_addr(struct pl_psec *ps, const struct xvs_addr *a)
{
    switch ((enum xvs_addr_kind) a->kind) {
    case XVS_ADDR_MAC:
        memcpy(ps->macs[ps->n_macs++].ea, a->a, ETH_ADDR_LEN);
        break;
    case XVS_ADDR_IP4: {
        struct psec_prefix4 *p = &ps->v4[ps->n_v4++];
        memcpy(&p->addr, a->a, 4);
        p->mask = be32_prefix_mask(a->plen);
        break;
    }
    case XVS_ADDR_IP6: {
        struct psec_prefix6 *p = &ps->v6[ps->n_v6++];
        memcpy(&p->addr, a->a, 16);
        p->mask = ipv6_create_mask(a->plen);
        break;
    }
    case XVS_ADDR_DHCP:
        ps->dhcp4 = true;
        break;
    case XVS_ADDR_DHCP6:
        ps->dhcp6 = true;
        break;
    }
}

struct pl_psec *
psec_create(const struct xvs_port_guest *g, const struct pl_psec *old)
{
    if (!xvs_port_guest_secured(g)) {
        return NULL;
    }

    size_t n = g->n_ips + g->n_allowed + 1;
    struct pl_psec *ps = xzalloc(sizeof *ps);
    ps->macs = xcalloc(n, sizeof *ps->macs);
    ps->v4 = xcalloc(n, sizeof *ps->v4);
    ps->v6 = xcalloc(2 * n, sizeof *ps->v6);    /* Link-locals too. */

    if (g->has_mac) {
        memcpy(ps->macs[ps->n_macs++].ea, g->mac, ETH_ADDR_LEN);
    }
    for (size_t i = 0; i < g->n_ips; i++) {
        add_addr(ps, &g->ips[i]);
    }
    for (size_t i = 0; i < g->n_allowed; i++) {
        add_addr(ps, &g->allowed[i]);
    }
    if (ps->dhcp4 || ps->dhcp6) {
        if (old && old->leases) {
            ps->leases = old->leases;
            ovs_refcount_ref(&ps->leases->ref);
        } else {
            ps->leases = leases_create();
        }
    }
    if (!ps->n_v4) {
        free(ps->v4);
        ps->v4 = NULL;
    }
    if (!ps->n_v6 && !ps->dhcp6) {
        free(ps->v6);
        ps->v6 = NULL;
    } else {
        /* The link-local addresses SLAAC makes of the port's MACs. */
        for (size_t i = 0; i < ps->n_macs; i++) {
            struct psec_prefix6 *p = &ps->v6[ps->n_v6++];
            in6_generate_lla(ps->macs[i], &p->addr);
            p->mask = in6addr_exact;
        }
    }
    return ps;
}

void
psec_destroy(struct pl_psec *ps)
{
    if (ps) {
        free(ps->macs);
        free(ps->v4);
        free(ps->v6);
        leases_unref(ps->leases);
        free(ps);
    }
}

static bool
mac_allowed(const struct pl_psec *ps, struct eth_addr mac)
{
    for (size_t i = 0; i < ps->n_macs; i++) {
        if (eth_addr_equals(ps->macs[i], mac)) {
            return true;
        }
    }
    return false;
}

/* Is 'addr' in one of the port's IPv4 prefixes?  Un-wildcards the bits
 * the answer depends on: the matching prefix's, else all of them. */
static bool
ip4_allowed(const struct pl_psec *ps, ovs_be32 addr, ovs_be32 *mask)
{
    for (size_t i = 0; i < ps->n_v4; i++) {
        if (!((addr ^ ps->v4[i].addr) & ps->v4[i].mask)) {
            *mask |= ps->v4[i].mask;
            return true;
        }
    }
    *mask = OVS_BE32_MAX;
    return false;
}

static bool
ip6_allowed(const struct pl_psec *ps, const struct in6_addr *addr,
            struct in6_addr *mask)
{
    for (size_t i = 0; i < ps->n_v6; i++) {
        const struct psec_prefix6 *p = &ps->v6[i];
        struct in6_addr diff = ipv6_addr_bitxor(addr, &p->addr);
        struct in6_addr masked = ipv6_addr_bitand(&diff, &p->mask);
        if (ipv6_is_zero(&masked)) {
            for (int j = 0; j < 16; j++) {
                mask->s6_addr[j] |= p->mask.s6_addr[j];
            }
            return true;
        }
    }
    *mask = in6addr_exact;
    return false;
}

/* Whether 'addr' is within 'prefix'/'plen' (whose host bits are zero). */
static bool
in_prefix(const struct in6_addr *addr, const struct in6_addr *prefix,
          int plen)
{
    struct in6_addr mask = ipv6_create_mask(plen);
    struct in6_addr masked = ipv6_addr_bitand(addr, &mask);
    return ipv6_addr_equals(&masked, prefix);
}

/* Is 'addr' (IPv4 mapped) leased to the port, now, or within a prefix
 * leased to it? */
static bool
leased(const struct pl_psec *ps, const struct in6_addr *addr)
{
    struct psec_leases *ls = ps->leases;
    long long now = time_msec();
    bool found = false;

    ovs_mutex_lock(&ls->mutex);
    for (size_t i = 0; i < ls->n && !found; i++) {
        found = (ls->l[i].expires > now
                 && (ls->l[i].plen == 128
                     ? ipv6_addr_equals(&ls->l[i].addr, addr)
                     : in_prefix(addr, &ls->l[i].addr, ls->l[i].plen)));
    }
    ovs_mutex_unlock(&ls->mutex);
    return found;
}

/* Is IPv4 'addr' one the port may use?  (Only if it is checked.)  A
 * lease looks at all of it. */
static bool
ip4_ok(const struct pl_psec *ps, ovs_be32 addr, ovs_be32 *mask)
{
    if (ps->v4 && ip4_allowed(ps, addr, mask)) {
        return true;
    }
    if (ps->dhcp4) {
        struct in6_addr mapped = in6_addr_mapped_ipv4(addr);
        *mask = OVS_BE32_MAX;
        return leased(ps, &mapped);
    }
    return false;
}

/* Is IPv6 'addr' one the port may use?  (Only if it is checked.) */
static bool
ip6_ok(const struct pl_psec *ps, const struct in6_addr *addr,
       struct in6_addr *mask)
{
    if (ip6_allowed(ps, addr, mask)) {
        return true;
    }
    /* 'mask' is all ones.  IPv4-mapped addresses stand for DHCP leases
     * in the table, never for IPv6 sources. */
    return ps->dhcp6 && !IN6_IS_ADDR_V4MAPPED(addr) && leased(ps, addr);
}

/* Is 'v' equal to 'target'?  Un-wildcards only what tells: all of 'v' if
 * equal, else its bits down to the first that differs, so that, say, every
 * UDP source port from 32768 up shares one megaflow. */
static bool
be16_equals(ovs_be16 v, uint16_t target, ovs_be16 *mask)
{
    uint16_t diff = ntohs(v) ^ target;

    if (!diff) {
        *mask = OVS_BE16_MAX;
        return true;
    }
    uint16_t bits = (uint16_t) (0xffff << (15 - (raw_clz64(diff) - 48)));
    *mask |= htons(bits);
    return false;
}

/* UDP from port 'src' to 'dst' (a server's reply to a client, or the
 * other way round). */
static bool
udp_ports(const struct flow *flow, struct flow_wildcards *wc,
          uint16_t src, uint16_t dst)
{
    return (be16_equals(flow->tp_src, src, &wc->masks.tp_src)
            && be16_equals(flow->tp_dst, dst, &wc->masks.tp_dst));
}

static int
check_arp(const struct pl_psec *ps, const struct flow *flow,
          struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, arp_sha);
    if (!mac_allowed(ps, flow->arp_sha)) {
        return DP_DROP_SPOOF_ARP;
    }
    if (ps->v4 || ps->dhcp4) {
        if (!flow->nw_src) {
            WC_MASK_FIELD(wc, nw_src);          /* 0: an ARP probe. */
        } else if (!ip4_ok(ps, flow->nw_src, &wc->masks.nw_src)) {
            return DP_DROP_SPOOF_ARP;
        }
    }
    return -1;
}

static int
check_ip4(const struct pl_psec *ps, const struct flow *flow,
          struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, nw_proto);
    if ((ps->v4 || ps->dhcp4)
        && !ip4_ok(ps, flow->nw_src, &wc->masks.nw_src)) {
        /* A DHCP client has no address yet. */
        bool dhcp = (!flow->nw_src && flow->nw_proto == IPPROTO_UDP
                     && be16_equals(flow->tp_src, 68, &wc->masks.tp_src)
                     && be16_equals(flow->tp_dst, 67, &wc->masks.tp_dst));
        if (!dhcp) {
            return DP_DROP_SPOOF_IP;
        }
    }
    if (flow->nw_proto == IPPROTO_UDP && udp_ports(flow, wc, 67, 68)) {
        return DP_DROP_ROGUE;
    }
    return -1;
}

static int
check_ip6(const struct pl_psec *ps, const struct flow *flow,
          struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, nw_proto);
    if (ps->v6 && !ip6_ok(ps, &flow->ipv6_src, &wc->masks.ipv6_src)
        && !(ipv6_addr_equals(&flow->ipv6_src, &in6addr_any)
             && flow->nw_proto == IPPROTO_ICMPV6)) {
        return DP_DROP_SPOOF_IP;
    }
    if (flow->nw_proto == IPPROTO_UDP
        && udp_ports(flow, wc, 547, 546)) {
        return DP_DROP_ROGUE;
    }
    if (flow->nw_proto != IPPROTO_ICMPV6) {
        return -1;
    }

    WC_MASK_FIELD(wc, tp_src);          /* ICMPv6 type. */
    switch (ntohs(flow->tp_src)) {
    case ND_ROUTER_ADVERT:
    case 137:                           /* Redirect. */
        return DP_DROP_ROGUE;
    case ND_NEIGHBOR_SOLICIT:
        WC_MASK_FIELD(wc, arp_sha);
        if (!eth_addr_is_zero(flow->arp_sha)
            && !mac_allowed(ps, flow->arp_sha)) {
            return DP_DROP_SPOOF_ND;
        }
        return -1;
    case ND_NEIGHBOR_ADVERT:
        WC_MASK_FIELD(wc, arp_tha);
        if (!eth_addr_is_zero(flow->arp_tha)
            && !mac_allowed(ps, flow->arp_tha)) {
            return DP_DROP_SPOOF_ND;
        }
        if (ps->v6 && !ip6_ok(ps, &flow->nd_target, &wc->masks.nd_target)) {
            return DP_DROP_SPOOF_ND;
        }
        return -1;
    default:
        return -1;
    }
}

int
psec_check(const struct pl_psec *ps, const struct flow *flow,
           struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, dl_src);
    if (!mac_allowed(ps, flow->dl_src)) {
        return DP_DROP_SPOOF_MAC;
    }
    WC_MASK_FIELD(wc, dl_type);
    switch (ntohs(flow->dl_type)) {
    case ETH_TYPE_ARP:
    case ETH_TYPE_RARP:
        return check_arp(ps, flow, wc);
    case ETH_TYPE_IP:
        return check_ip4(ps, flow, wc);
    case ETH_TYPE_IPV6:
        return check_ip6(ps, flow, wc);
    default:
        return -1;
    }
}

/* ---- DHCP snooping ---- */

/* 4 if 'flow' is UDP over IPv4 from port 'src4' to 'dst4', 6 if over
 * IPv6 from 'src6' to 'dst6', else 0. */
static int
dhcp_udp(const struct flow *flow, struct flow_wildcards *wc, uint16_t src4,
         uint16_t dst4, uint16_t src6, uint16_t dst6)
{
    WC_MASK_FIELD(wc, dl_type);
    int family = (flow->dl_type == htons(ETH_TYPE_IP) ? 4
                  : flow->dl_type == htons(ETH_TYPE_IPV6) ? 6 : 0);
    if (!family) {
        return 0;
    }
    WC_MASK_FIELD(wc, nw_proto);
    return (flow->nw_proto == IPPROTO_UDP
            && (family == 4 ? udp_ports(flow, wc, src4, dst4)
                            : udp_ports(flow, wc, src6, dst6))
            ? family : 0);
}

int
psec_dhcp_reply(const struct flow *flow, struct flow_wildcards *wc)
{
    return dhcp_udp(flow, wc, 67, 68, 547, 546);
}

int
psec_dhcp_client(const struct flow *flow, struct flow_wildcards *wc)
{
    return dhcp_udp(flow, wc, 68, 67, 546, 547);
}

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_MAGIC 0x63825363
#define DHCP_OPT_PAD 0
#define DHCP_OPT_REQUESTED_IP 50
#define DHCP_OPT_LEASE_TIME 51
#define DHCP_OPT_MSG_TYPE 53
#define DHCP_OPT_END 255
#define DHCPDECLINE 4
#define DHCPACK 5
#define DHCPNAK 6
#define DHCPRELEASE 7

#define DHCP6_REPLY 7
#define DHCP6_RELEASE 8
#define DHCP6_DECLINE 9
#define DHCP6_OPT_IA_NA 3
#define DHCP6_OPT_IA_TA 4
#define DHCP6_OPT_IAADDR 5
#define DHCP6_OPT_STATUS_CODE 13
#define DHCP6_OPT_IA_PD 25
#define DHCP6_OPT_IAPREFIX 26
#define DHCP6_MIN_PLEN 32           /* A shorter delegated prefix is
                                     * nobody's: ignored. */
#define DHCP6_MAX_ADDRS PSEC_MAX_LEASES_FAMILY  /* Per reply. */

/* What a DHCP or DHCPv6 server's reply, or a client's release or
 * decline, says, if a frame is one. */
struct dhcp_msg {
    int family;                         /* 4 or 6. */
    bool from_client;                   /* Client to server. */
    uint8_t type;                       /* DHCP or DHCPv6 message type. */
    struct eth_addr client;             /* chaddr; DHCPv6: the frame's
                                         * destination (a reply) or
                                         * source (from the client). */
    size_t n;                           /* Addresses, DHCPv6 up to
                                         * DHCP6_MAX_ADDRS; DHCP one, with
                                         * a lease time. */
    struct in6_addr addrs[DHCP6_MAX_ADDRS];     /* IPv4 mapped. */
    uint8_t plens[DHCP6_MAX_ADDRS];             /* 128, or IA_PD's. */
    uint32_t lifetimes[DHCP6_MAX_ADDRS];        /* Seconds; UINT32_MAX:
                                                 * infinite; 0: ended
                                                 * (all of a client's). */
};

static uint16_t
get16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) get16(p) << 16 | get16(p + 2);
}

/* Whether 'a' may be leased: not 0.0.0.0, not the broadcast address. */
static bool
ip4_leasable(ovs_be32 a)
{
    return a && a != htonl(INADDR_BROADCAST);
}

/* The BOOTP message in UDP payload [b, end) into 'r': a server's reply,
 * or (if 'r->from_client') a client's request. */
static bool
parse_dhcp4(const uint8_t *b, const uint8_t *end, struct dhcp_msg *r)
{
    /* op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr,
     * giaddr, chaddr (16), sname (64), file (128), then the options'
     * magic cookie. */
    uint8_t op = r->from_client ? DHCP_BOOTREQUEST : DHCP_BOOTREPLY;
    if (end - b < 240 || b[0] != op || b[1] != 1 || b[2] != 6
        || get32(b + 236) != DHCP_MAGIC) {
        return false;
    }
    ovs_be32 ciaddr, yiaddr, requested = 0;
    bool has_lease = false;
    uint32_t lease = 0;

    memcpy(&ciaddr, b + 12, 4);
    memcpy(&yiaddr, b + 16, 4);
    memcpy(r->client.ea, b + 28, ETH_ADDR_LEN);
    for (const uint8_t *o = b + 240; o < end && *o != DHCP_OPT_END; ) {
        if (*o == DHCP_OPT_PAD) {
            o++;
            continue;
        }
        if (end - o < 2 || end - o < 2 + o[1]) {
            return false;               /* An option past the end. */
        }
        if (o[0] == DHCP_OPT_MSG_TYPE && o[1] == 1) {
            r->type = o[2];
        } else if (o[0] == DHCP_OPT_LEASE_TIME && o[1] == 4) {
            has_lease = true;
            lease = get32(o + 2);
        } else if (o[0] == DHCP_OPT_REQUESTED_IP && o[1] == 4) {
            memcpy(&requested, o + 2, 4);
        }
        o += 2 + o[1];
    }
    if (r->from_client) {
        /* A release gives back 'ciaddr', a decline refuses the address
         * it names (RFC 2131, 4.4.4 and 4.4.6): either ends its lease. */
        ovs_be32 gone = (r->type == DHCPRELEASE ? ciaddr
                         : r->type == DHCPDECLINE ? requested : 0);
        if (ip4_leasable(gone)) {
            r->addrs[0] = in6_addr_mapped_ipv4(gone);
            r->plens[0] = 128;
            r->lifetimes[0] = 0;
            r->n = 1;
        }
    } else if (r->type == DHCPACK && has_lease && ip4_leasable(yiaddr)) {
        r->addrs[0] = in6_addr_mapped_ipv4(yiaddr);
        r->plens[0] = 128;
        r->lifetimes[0] = lease;
        r->n = 1;
    }
    return r->type != 0;
}

/* Whether IPv6 'a' may be leased: unicast, and not IPv4-mapped (which
 * would pass for an IPv4 lease). */
static bool
ip6_leasable(const struct in6_addr *a)
{
    return (!IN6_IS_ADDR_V4MAPPED(a) && !ipv6_addr_is_multicast(a)
            && !ipv6_is_zero(a) && !IN6_IS_ADDR_LOOPBACK(a)
            && !IN6_IS_ADDR_LINKLOCAL(a));
}

/* The addresses or prefixes of the IA_NA, IA_TA or IA_PD options [o, end)
 * of a DHCPv6 message into 'r', unless their status says otherwise. */
static bool
parse_dhcp6_ia(const uint8_t *o, const uint8_t *end, struct dhcp_msg *r)
{
    size_t first = r->n;

    while (o < end) {
        if (end - o < 4 || end - o < 4 + get16(o + 2)) {
            return false;
        }
        uint16_t code = get16(o), len = get16(o + 2);
        const uint8_t *v = o + 4;
        if (code == DHCP6_OPT_STATUS_CODE) {
            if (len < 2) {
                return false;
            }
            if (get16(v)) {
                r->n = first;           /* NoAddrsAvail, NoBinding... */
                return true;
            }
        } else if (code == DHCP6_OPT_IAADDR && len >= 24
                   && r->n < DHCP6_MAX_ADDRS) {
            struct in6_addr a;
            memcpy(&a, v, 16);
            if (ip6_leasable(&a)) {
                r->addrs[r->n] = a;
                r->plens[r->n] = 128;
                r->lifetimes[r->n] = get32(v + 20);     /* Valid. */
                r->n++;
            }
        } else if (code == DHCP6_OPT_IAPREFIX && len >= 25
                   && r->n < DHCP6_MAX_ADDRS) {
            /* Preferred and valid lifetimes, prefix length, prefix. */
            uint8_t plen = v[8];
            struct in6_addr a, mask = ipv6_create_mask(plen <= 128
                                                       ? plen : 128);
            memcpy(&a, v + 9, 16);
            a = ipv6_addr_bitand(&a, &mask);    /* No host bits. */
            if (plen >= DHCP6_MIN_PLEN && plen <= 128
                && ip6_leasable(&a)) {
                r->addrs[r->n] = a;
                r->plens[r->n] = plen;
                r->lifetimes[r->n] = get32(v + 4);      /* Valid. */
                r->n++;
            }
        }
        o = v + len;
    }
    return true;
}

/* The DHCPv6 message in UDP payload [b, end) into 'r': a server's Reply,
 * or (if 'r->from_client') a client's Release or Decline, whose addresses
 * all end (RFC 8415, 18.2.7 and 18.2.8). */
static bool
parse_dhcp6(const uint8_t *b, const uint8_t *end, struct dhcp_msg *r)
{
    if (end - b < 4
        || (r->from_client ? b[0] != DHCP6_RELEASE && b[0] != DHCP6_DECLINE
                           : b[0] != DHCP6_REPLY)) {
        return false;
    }
    r->type = b[0];
    for (const uint8_t *o = b + 4; o < end; ) {
        if (end - o < 4 || end - o < 4 + get16(o + 2)) {
            r->n = 0;
            return false;               /* An option past the end. */
        }
        uint16_t code = get16(o), len = get16(o + 2);
        const uint8_t *v = o + 4;
        if (code == DHCP6_OPT_STATUS_CODE) {
            if (len < 2) {
                r->n = 0;
                return false;
            }
            if (get16(v)) {
                r->n = 0;               /* The server failed it all. */
                return true;
            }
        } else if ((code == DHCP6_OPT_IA_NA && len >= 12)
                   || (code == DHCP6_OPT_IA_PD && len >= 12)
                   || (code == DHCP6_OPT_IA_TA && len >= 4)) {
            size_t skip = code == DHCP6_OPT_IA_TA ? 4 : 12;
            if (!parse_dhcp6_ia(v + skip, v + len, r)) {
                r->n = 0;
                return false;
            }
        }
        o = v + len;
    }
    if (r->from_client) {
        for (size_t i = 0; i < r->n; i++) {
            r->lifetimes[i] = 0;
        }
    }
    return true;
}

/* What DHCP or DHCPv6 message 'frame' (Ethernet) says: a server's reply
 * or a client's release or decline. */
static bool
parse_dhcp_msg(const uint8_t *p, size_t len, struct dhcp_msg *r)
{
    size_t ofs = ETH_HEADER_LEN;

    memset(r, 0, sizeof *r);
    if (len < ofs) {
        return false;
    }
    uint16_t type = get16(p + 12);
    while ((type == ETH_TYPE_VLAN_8021Q || type == ETH_TYPE_VLAN_8021AD)
           && len >= ofs + 4) {
        type = get16(p + ofs + 2);
        ofs += 4;
    }

    const uint8_t *ip = p + ofs, *end = p + len;
    const uint8_t *udp;
    if (type == ETH_TYPE_IP && len >= ofs + IP_HEADER_LEN) {
        size_t ihl = (ip[0] & 0x0f) * 4;
        if ((ip[0] >> 4) != 4 || ihl < IP_HEADER_LEN
            || ip[9] != IPPROTO_UDP
            || (get16(ip + 6) & 0x3fff)         /* A fragment. */
            || len < ofs + ihl + UDP_HEADER_LEN) {
            return false;
        }
        udp = ip + ihl;
        r->family = 4;
    } else if (type == ETH_TYPE_IPV6
               && len >= ofs + IPV6_HEADER_LEN + UDP_HEADER_LEN) {
        /* Servers send their replies, and clients their messages,
         * without extension headers. */
        if ((ip[0] >> 4) != 6 || ip[6] != IPPROTO_UDP) {
            return false;
        }
        udp = ip + IPV6_HEADER_LEN;
        r->family = 6;
    } else {
        return false;
    }

    uint16_t sport = get16(udp), dport = get16(udp + 2);
    size_t udp_len = get16(udp + 4);
    const uint8_t *b = udp + UDP_HEADER_LEN;
    if (udp_len < UDP_HEADER_LEN) {
        return false;
    }
    if ((size_t) (end - udp) > udp_len) {
        end = udp + udp_len;            /* Not the Ethernet padding. */
    }
    uint16_t server = r->family == 4 ? 67 : 547;
    uint16_t client = r->family == 4 ? 68 : 546;
    if (sport == client && dport == server) {
        r->from_client = true;
    } else if (sport != server || dport != client) {
        return false;
    }
    if (r->family == 6) {
        memcpy(r->client.ea, r->from_client ? p + ETH_ADDR_LEN : p,
               ETH_ADDR_LEN);
    }
    return (r->family == 4 ? parse_dhcp4(b, end, r)
                           : parse_dhcp6(b, end, r));
}

static bool
lease_is_v4(const struct psec_lease *l)
{
    return IN6_IS_ADDR_V4MAPPED(&l->addr);
}

/* Whether lease 'l' is of 'addr'/'plen'. */
static bool
lease_is(const struct psec_lease *l, const struct in6_addr *addr, int plen)
{
    return l->plen == plen && ipv6_addr_equals(&l->addr, addr);
}

/* Removes the port's leases of 'family' (4 or 6) of 'addr'/'plen' (NULL:
 * all). */
static bool
leases_remove(struct psec_leases *ls, int family, const struct in6_addr *addr,
              int plen)
    OVS_REQUIRES(ls->mutex)
{
    bool changed = false;

    for (size_t i = 0; i < ls->n; ) {
        if (lease_is_v4(&ls->l[i]) == (family == 4)
            && (!addr || lease_is(&ls->l[i], addr, plen))) {
            ls->l[i] = ls->l[--ls->n];
            changed = true;
        } else {
            i++;
        }
    }
    return changed;
}

/* Leases 'addr'/'plen' until 'expires', or extends its lease; true if
 * it was not usable at 'now'. */
static bool
leases_put(struct psec_leases *ls, const struct in6_addr *addr, int plen,
           long long expires, long long now)
    OVS_REQUIRES(ls->mutex)
{
    bool v4 = IN6_IS_ADDR_V4MAPPED(addr);
    size_t n_family = 0, first = SIZE_MAX;

    for (size_t i = 0; i < ls->n; i++) {
        if (lease_is(&ls->l[i], addr, plen)) {
            bool was_over = ls->l[i].expires <= now;
            ls->l[i].expires = expires;
            return was_over;    /* Renewed once over: usable again. */
        }
        if (lease_is_v4(&ls->l[i]) == v4) {
            n_family++;
            if (first == SIZE_MAX
                || ls->l[i].expires < ls->l[first].expires) {
                first = i;
            }
        }
    }
    if (n_family >= PSEC_MAX_LEASES_FAMILY) {
        ls->l[first] = ls->l[--ls->n];  /* The lease that ends first. */
    }
    ls->l[ls->n].addr = *addr;
    ls->l[ls->n].expires = expires;
    ls->l[ls->n].plen = plen;
    ls->n++;
    return true;
}

bool
psec_learn_dhcp(const struct pl_psec *ps, const void *frame, size_t len,
                long long now)
{
    struct dhcp_msg r;

    if (!psec_snoops_dhcp(ps) || !parse_dhcp_msg(frame, len, &r)
        || !psec_snoops_family(ps, r.family)
        || !mac_allowed(ps, r.client)) {
        return false;
    }

    struct psec_leases *ls = ps->leases;
    bool changed = false;

    ovs_mutex_lock(&ls->mutex);
    if (r.family == 4 && r.type == DHCPNAK && !r.from_client) {
        changed = leases_remove(ls, 4, NULL, 128);
    }
    for (size_t i = 0; i < r.n; i++) {
        if (!r.lifetimes[i]) {
            changed |= leases_remove(ls, r.family, &r.addrs[i], r.plens[i]);
        } else {
            long long expires = (r.lifetimes[i] == UINT32_MAX ? LLONG_MAX
                                 : now + r.lifetimes[i] * 1000LL);
            changed |= leases_put(ls, &r.addrs[i], r.plens[i], expires,
                                  now);
        }
    }
    ovs_mutex_unlock(&ls->mutex);
    return changed;
}

bool
psec_expire(const struct pl_psec *ps, long long now)
{
    if (!psec_snoops_dhcp(ps)) {
        return false;
    }

    struct psec_leases *ls = ps->leases;
    bool changed = false;

    ovs_mutex_lock(&ls->mutex);
    for (size_t i = 0; i < ls->n; ) {
        if (ls->l[i].expires <= now) {
            ls->l[i] = ls->l[--ls->n];
            changed = true;
        } else {
            i++;
        }
    }
    ovs_mutex_unlock(&ls->mutex);
    return changed;
}

size_t
psec_get_leases(const struct pl_psec *ps,
                struct psec_lease out[PSEC_MAX_LEASES])
{
    if (!psec_snoops_dhcp(ps)) {
        return 0;
    }

    struct psec_leases *ls = ps->leases;
    ovs_mutex_lock(&ls->mutex);
    size_t n = ls->n;
    memcpy(out, ls->l, n * sizeof *out);
    ovs_mutex_unlock(&ls->mutex);
    return n;
}
