/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include "port-security.h"

#include <string.h>

#include "datapath/dp-actions.h"
#include "flow.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"
#include "xvs-guest.h"

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
    }
}

struct pl_psec *
psec_create(const struct xvs_port_guest *g)
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
    if (!ps->n_v4) {
        free(ps->v4);
        ps->v4 = NULL;
    }
    if (!ps->n_v6) {
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

/* A server's reply to a client: UDP from port 'server' to 'client'. */
static bool
udp_server_reply(const struct flow *flow, struct flow_wildcards *wc,
                 uint16_t server, uint16_t client)
{
    return (be16_equals(flow->tp_src, server, &wc->masks.tp_src)
            && be16_equals(flow->tp_dst, client, &wc->masks.tp_dst));
}

static int
check_arp(const struct pl_psec *ps, const struct flow *flow,
          struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, arp_sha);
    if (!mac_allowed(ps, flow->arp_sha)) {
        return DP_DROP_SPOOF_ARP;
    }
    if (ps->v4) {
        if (!flow->nw_src) {
            WC_MASK_FIELD(wc, nw_src);          /* 0: an ARP probe. */
        } else if (!ip4_allowed(ps, flow->nw_src, &wc->masks.nw_src)) {
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
    if (ps->v4 && !ip4_allowed(ps, flow->nw_src, &wc->masks.nw_src)) {
        /* A DHCP client has no address yet. */
        bool dhcp = (!flow->nw_src && flow->nw_proto == IPPROTO_UDP
                     && be16_equals(flow->tp_src, 68, &wc->masks.tp_src)
                     && be16_equals(flow->tp_dst, 67, &wc->masks.tp_dst));
        if (!dhcp) {
            return DP_DROP_SPOOF_IP;
        }
    }
    if (flow->nw_proto == IPPROTO_UDP && udp_server_reply(flow, wc, 67, 68)) {
        return DP_DROP_ROGUE;
    }
    return -1;
}

static int
check_ip6(const struct pl_psec *ps, const struct flow *flow,
          struct flow_wildcards *wc)
{
    WC_MASK_FIELD(wc, nw_proto);
    if (ps->v6 && !ip6_allowed(ps, &flow->ipv6_src, &wc->masks.ipv6_src)
        && !(ipv6_addr_equals(&flow->ipv6_src, &in6addr_any)
             && flow->nw_proto == IPPROTO_ICMPV6)) {
        return DP_DROP_SPOOF_IP;
    }
    if (flow->nw_proto == IPPROTO_UDP
        && udp_server_reply(flow, wc, 547, 546)) {
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
        if (ps->v6 && !ip6_allowed(ps, &flow->nd_target,
                                   &wc->masks.nd_target)) {
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
