/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow-dp: Open vSwitch's struct flow, field by field, in the datapath's
 * flow key (datapath/flow-key.h).
 *
 * One mapping serves for masks (the fields a translation consulted become
 * a megaflow's mask) and for values (an added rule's match, compared with
 * megaflows in a targeted revalidation), so the two cannot disagree; the
 * flow-key fuzzer checks it against the datapath's own parser (every
 * packet's key equals the mapping of the flow Open vSwitch extracts).
 *
 * Thread-safety: pure, any thread.
 */
#ifndef XVS_FLOW_DP_H
#define XVS_FLOW_DP_H 1

#include <string.h>

#include "datapath/flow-key.h"
#include "flow.h"

/* OpenFlow's ipv6_exthdr pseudo-field (DP_EXTHDR_* bits, network order),
 * for which Open vSwitch's struct flow has no member: xvs keeps it in
 * 'pad1', the two bytes after 'dl_type' that Open vSwitch always leaves
 * zero, so that its classifier matches it like any other field. */
static inline ovs_be16
flow_get_ipv6_exthdr(const struct flow *f)
{
    ovs_be16 v;
    memcpy(&v, f->pad1, sizeof v);
    return v;
}

static inline void
flow_set_ipv6_exthdr(struct flow *f, ovs_be16 v)
{
    memcpy(f->pad1, &v, sizeof v);
}

/* A PBB frame's (Ethertype 0x88e7) I-TAG TCI, which Open vSwitch does not
 * parse: xvs keeps it in mpls_lse[0], unused for such a frame, as the
 * datapath key does (flow-key.h).  The bits of its fields: */
#define PBB_ISID_MASK 0x00ffffff        /* pbb_isid. */
#define PBB_UCA_MASK 0x08000000         /* pbb_uca. */

/* Writes the packet fields of 'f' into 'k' where the datapath key carries
 * them: every field but 'in_port' and 'parse_flags', which are zero. */
static inline void
flow_fields_to_dp(const struct flow *f, struct dp_flow_key *k)
{
    memset(k, 0, sizeof *k);
    k->dl_type = f->dl_type;
    memcpy(k->dl_dst, f->dl_dst.ea, 6);
    memcpy(k->dl_src, f->dl_src.ea, 6);
    for (int i = 0; i < 2; i++) {
        k->vlan_tci[i] = f->vlans[i].tci;
        k->vlan_tpid[i] = f->vlans[i].tpid;
    }
    k->nw_proto = f->nw_proto;
    k->nw_tos = f->nw_tos;
    k->nw_ttl = f->nw_ttl;
    /* IPv4 (and ARP) addresses fill the first 4 bytes, IPv6 all 16; a
     * flow has one Ethertype, so at most one of them is set. */
    memcpy(k->nw_src, &f->ipv6_src, 16);
    memcpy(k->nw_dst, &f->ipv6_dst, 16);
    for (int i = 0; i < 4; i++) {
        k->nw_src[i] |= ((const uint8_t *) &f->nw_src)[i];
        k->nw_dst[i] |= ((const uint8_t *) &f->nw_dst)[i];
    }
    memcpy(k->arp_sha, f->arp_sha.ea, 6);
    memcpy(k->arp_tha, f->arp_tha.ea, 6);
    k->tp_src = f->tp_src;
    k->tp_dst = f->tp_dst;
    k->tcp_flags = f->tcp_flags;
    k->ipv6_exthdr = flow_get_ipv6_exthdr(f);
    memcpy(k->nd_target, &f->nd_target, 16);
    for (int i = 0; i < 3; i++) {
        k->mpls_lse[i] = f->mpls_lse[i];
    }
    k->ipv6_label = f->ipv6_label;
    k->igmp_group = f->igmp_group_ip4;
}

#endif /* flow-dp.h */
