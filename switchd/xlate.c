/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xlate: translation of a packet through the pipeline's tables into
 * datapath actions and a megaflow mask.  Runs on PMD threads (an upcall)
 * and on the main thread (a packet-out).  See pipeline-private.h.
 */
#include <config.h>


#include "pipeline-private.h"
#include "ofp-ext.h"
#include "port-security.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "classifier.h"
#include "cmap.h"
#include "dp-packet.h"
#include "datapath/pkt-edit.h"
#include "flow.h"
#include "flow-dp.h"
#include "hash.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xlate);

#define ETH_TYPE_PBB 0x88e7     /* 802.1ah backbone service instance. */

/* ---- Translation (PMD threads; the main thread for packet-out) ------ */

/* What one translation accumulates.
 *
 * 'flow' is the packet as the OpenFlow actions so far describe it, 'base'
 * as the datapath actions emitted so far leave it: before each output the
 * difference is committed as set, push and pop actions (commit()). */
struct xlate {
    struct pipeline *pl;
    const struct pl_ports *ports;
    struct flow *flow;
    struct flow base;
    struct flow orig;               /* As it entered the pipeline. */
    struct flow_wildcards *wc;
    uint32_t in_dp_port;            /* DP_MAX_PORTS: none. */
    uint16_t in_ofport;             /* OpenFlow input port (u16). */
    ovs_be16 in_tci;                /* The outer tag as received. */
    union flow_vlan_hdr in_vlans[FLOW_MAX_VLAN_HEADERS];  /* Its tags. */
    struct dp_upcall *up;
    uint32_t pkt_len;               /* For the counters. */

    uint8_t table_id;               /* Of the rule being executed. */
    const struct pl_rule *rule;     /* Being executed, or NULL. */
    struct pl_handle handle;        /* The lookups made. */
    bool exit;                      /* Stop: dec_ttl failed, too deep. */
    int group_depth;                /* Groups being translated, nested. */
    bool uncacheable;               /* No megaflow can stand for it. */
    int64_t queue;                  /* set_queue's queue id; -1: none. */

    struct ofpbuf action_set;
    uint64_t action_set_stub[1024 / 8];
    /* The action set's actions of ofp-ext.h, by type (one of each, as
     * for OpenFlow's own): 'set_ext' has bit 1 << type of each there. */
    uint32_t set_ext;
    uint32_t set_ext_value[OFP_EXT_SET_PBB_UCA + 1];

    /* MPLS: what lies beneath the label stack, for the fields that
     * pop_mpls uncovers (see xlate_pop_mpls()). */
    const uint8_t *packet;          /* The packet's bytes (a head view on a
                                     * PMD thread, clamped: pmd.c). */
    uint32_t packet_len;
    uint32_t frame_len;             /* Of the whole packet. */
    uint32_t mpls_ofs;              /* The packet's topmost label that the
                                     * actions have not popped; 0: none. */
    uint32_t mpls_end;              /* Just past the packet's bottom label;
                                     * 0: none found. */
    int n_pushed;                   /* Labels the actions pushed, still on
                                     * the packet. */
    bool has_beneath;               /* 'beneath' is the packet under the
                                     * labels pushed onto a non-MPLS one. */
    struct flow beneath;
    int beneath_ttl;                /* The TTL copy_ttl_in gave the IP
                                     * packet beneath the packet's own
                                     * labels; -1: as it came. */

    /* PBB: what a pop_pbb uncovers. */
    uint32_t pbb_ofs;               /* Where the packet's own customer
                                     * frame starts; 0: none (or popped). */
    bool has_pbb_inner;             /* 'pbb_inner' is the frame that the
                                     * actions pushed a PBB header onto. */
    struct flow pbb_inner;

    /* xvs-ctl trace (main thread): the steps taken, or NULL.  A traced
     * translation changes nothing: no counter, no MAC learned, no
     * packet-in context registered. */
    struct json *trace;
    int trace_depth;                /* Tables and groups nested. */
    const struct ofputil_port_map *port_map;
};

/* ---- Tracing ---- */

/* Appends a step of 'type' to the trace, with its text; returns it for
 * the caller to add structured fields.  Only when x->trace is set. */
static struct json * OVS_PRINTF_FORMAT(3, 4)
trace_step(struct xlate *x, const char *type, const char *format, ...)
{
    struct json *step = json_object_create();
    va_list args;

    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);

    json_object_put(step, "depth", json_integer_create(x->trace_depth));
    json_object_put_string(step, "type", type);
    json_object_put(step, "text", json_string_create_nocopy(text));
    json_array_add(x->trace, step);
    return step;
}

/* 'ofport' as the trace shows it: its name, or its number. */
#define TRACE_PORT_LEN 64
static const char *
trace_port(const struct xlate *x, uint16_t ofport, char buf[TRACE_PORT_LEN])
{
    const char *name = x->port_map
        ? ofputil_port_map_get_name(x->port_map, u16_to_ofp(ofport)) : NULL;

    if (name) {
        snprintf(buf, TRACE_PORT_LEN, "%s", name);
    } else {
        ofputil_port_to_string(u16_to_ofp(ofport), NULL, buf,
                               TRACE_PORT_LEN);
    }
    return buf;
}

/* Records an output to 'p' (or why nothing went out), if tracing. */
static void
trace_output(struct xlate *x, const struct pl_port *p, uint16_t ofport,
             const char *why_not)
{
    char name[TRACE_PORT_LEN];

    if (!x->trace) {
        return;
    }
    trace_port(x, p ? p->ofport : ofport, name);
    if (why_not) {
        trace_step(x, "output", "not to %s: %s", name, why_not);
    } else {
        struct json *s = trace_step(x, "output", "-> %s", name);
        json_object_put_string(s, "port", name);
    }
}

/* The L3 and L4 fields of a flow: those that an MPLS label stack hides
 * and pop_mpls uncovers. */
static void
copy_l3_l4(struct flow *dst, const struct flow *src)
{
    dst->nw_src = src->nw_src;
    dst->nw_dst = src->nw_dst;
    dst->ipv6_src = src->ipv6_src;
    dst->ipv6_dst = src->ipv6_dst;
    dst->ipv6_label = src->ipv6_label;
    dst->nw_frag = src->nw_frag;
    dst->nw_tos = src->nw_tos;
    dst->nw_ttl = src->nw_ttl;
    dst->nw_proto = src->nw_proto;
    dst->nd_target = src->nd_target;
    dst->arp_sha = src->arp_sha;
    dst->arp_tha = src->arp_tha;
    dst->tcp_flags = src->tcp_flags;
    dst->tp_src = src->tp_src;
    dst->tp_dst = src->tp_dst;
    dst->igmp_group_ip4 = src->igmp_group_ip4;
    flow_set_ipv6_exthdr(dst, flow_get_ipv6_exthdr(src));
}

/* The fields Open vSwitch's flow_extract() does not know (flow-dp.h),
 * from the datapath's key of the same packet. */
static void
flow_extras_from_key(struct flow *flow, const struct dp_flow_key *key)
{
    if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        flow_set_ipv6_exthdr(flow, key->ipv6_exthdr);
    } else if (flow->dl_type == htons(ETH_TYPE_PBB)) {
        flow->mpls_lse[0] = key->mpls_lse[0];
    }
}

/* flow_extract(), and the fields that it does not know from the
 * datapath's parse of the same bytes. */
static void
extract_with_exthdr(struct dp_packet *pkt, struct flow *flow)
{
    flow_extract(pkt, flow);
    if (flow->dl_type == htons(ETH_TYPE_IPV6)
        || flow->dl_type == htons(ETH_TYPE_PBB)) {
        struct dp_flow_key k;
        dp_flow_key_extract(dp_packet_data(pkt), dp_packet_size(pkt), 0, &k);
        flow_extras_from_key(flow, &k);
    }
}

static int
port_to_dp(const struct pl_ports *ports, uint16_t ofport)
{
    const struct pl_port *p = pl_port_find(ports, ofport);
    return p ? p->dp_port : -1;
}

static bool
has_vlan(const struct flow *flow, int i)
{
    return flow->vlans[i].tci & htons(VLAN_CFI);
}

static int
vlan_depth(const struct flow *flow)
{
    return has_vlan(flow, 0) ? (has_vlan(flow, 1) ? 2 : 1) : 0;
}

/* ARP fields: the opcode (in nw_proto), addresses (nw_src, nw_dst) and
 * hardware addresses. */
static void
commit_arp(struct xlate *x)
{
    struct flow *f = x->flow, *b = &x->base;
    struct dp_actions *acts = &x->up->actions;
    struct dp_action *a;

    if (b->nw_proto != f->nw_proto
        && (a = dp_actions_put(acts, DP_ACTION_SET_ARP))) {
        a->port = DP_ARP_OP;
        a->be16 = htons(f->nw_proto);
        b->nw_proto = f->nw_proto;
    }
    if (b->nw_src != f->nw_src
        && (a = dp_actions_put(acts, DP_ACTION_SET_ARP))) {
        a->port = DP_ARP_SPA;
        a->be32 = f->nw_src;
        b->nw_src = f->nw_src;
    }
    if (b->nw_dst != f->nw_dst
        && (a = dp_actions_put(acts, DP_ACTION_SET_ARP))) {
        a->port = DP_ARP_TPA;
        a->be32 = f->nw_dst;
        b->nw_dst = f->nw_dst;
    }
    if (!eth_addr_equals(b->arp_sha, f->arp_sha)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ARP))) {
        a->port = DP_ARP_SHA;
        memcpy(a->mac, f->arp_sha.ea, 6);
        b->arp_sha = f->arp_sha;
    }
    if (!eth_addr_equals(b->arp_tha, f->arp_tha)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ARP))) {
        a->port = DP_ARP_THA;
        memcpy(a->mac, f->arp_tha.ea, 6);
        b->arp_tha = f->arp_tha;
    }
}

/* Emits the datapath actions that make the packet (as 'base' describes
 * it) what 'flow' says it is.  Every field compared here was
 * un-wildcarded when an action set it. */
/* Neighbour discovery fields: the target address and the link-layer
 * address options. */
static void
commit_nd(struct xlate *x)
{
    struct flow *f = x->flow, *b = &x->base;
    struct dp_actions *acts = &x->up->actions;
    struct dp_action *a;

    for (int i = 0; i < 4; i++) {
        ovs_be32 fw, bw;
        memcpy(&fw, &f->nd_target.s6_addr[4 * i], 4);
        memcpy(&bw, &b->nd_target.s6_addr[4 * i], 4);
        if (fw != bw && (a = dp_actions_put(acts, DP_ACTION_SET_ND))) {
            a->port = DP_ND_TARGET0 + i;
            a->be32 = fw;
            memcpy(&b->nd_target.s6_addr[4 * i], &fw, 4);
        }
    }
    /* For neighbour discovery, OVS's flow keeps the source link-layer
     * address in arp_sha and the target's in arp_tha. */
    if (!eth_addr_equals(b->arp_sha, f->arp_sha)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ND))) {
        a->port = DP_ND_SLL;
        memcpy(a->mac, f->arp_sha.ea, 6);
        b->arp_sha = f->arp_sha;
    }
    if (!eth_addr_equals(b->arp_tha, f->arp_tha)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ND))) {
        a->port = DP_ND_TLL;
        memcpy(a->mac, f->arp_tha.ea, 6);
        b->arp_tha = f->arp_tha;
    }
}

static void
commit(struct xlate *x)
{
    struct flow *f = x->flow, *b = &x->base;
    struct dp_actions *acts = &x->up->actions;
    struct dp_action *a;

    while (vlan_depth(b) > vlan_depth(f)) {
        dp_actions_pop_vlan(acts);
        flow_pop_vlan(b, NULL);
    }
    if (vlan_depth(f) > vlan_depth(b)) {
        dp_actions_push_tag(acts, ntohs(f->vlans[0].tpid),
                            ntohs(f->vlans[0].tci) & ~VLAN_CFI);
        flow_push_vlan_uninit(b, NULL);
        b->vlans[0] = f->vlans[0];
    }
    if (has_vlan(b, 0) && b->vlans[0].tci != f->vlans[0].tci
        && (a = dp_actions_put(acts, DP_ACTION_SET_VLAN))) {
        a->vlan.tci = ntohs(f->vlans[0].tci) & ~VLAN_CFI;
        a->vlan.mask = VLAN_VID_MASK | VLAN_PCP_MASK;
        b->vlans[0].tci = f->vlans[0].tci;
    }
    if (!eth_addr_equals(b->dl_src, f->dl_src)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ETH_SRC))) {
        memcpy(a->mac, f->dl_src.ea, 6);
        b->dl_src = f->dl_src;
    }
    if (!eth_addr_equals(b->dl_dst, f->dl_dst)
        && (a = dp_actions_put(acts, DP_ACTION_SET_ETH_DST))) {
        memcpy(a->mac, f->dl_dst.ea, 6);
        b->dl_dst = f->dl_dst;
    }
    if (f->dl_type == htons(ETH_TYPE_PBB)) {
        if (b->mpls_lse[0] != f->mpls_lse[0]
            && (a = dp_actions_put(acts, DP_ACTION_SET_PBB_ITAG))) {
            a->be32 = f->mpls_lse[0];
            b->mpls_lse[0] = f->mpls_lse[0];
        }
        return;
    }
    if (eth_type_mpls(f->dl_type)) {
        for (int i = 0; i < FLOW_MAX_MPLS_LABELS; i++) {
            if (b->mpls_lse[i] != f->mpls_lse[i]
                && (a = dp_actions_put(acts, DP_ACTION_SET_MPLS_LSE))) {
                a->port = i;
                a->be32 = f->mpls_lse[i];
                b->mpls_lse[i] = f->mpls_lse[i];
            }
        }
        return;
    }
    if (f->dl_type == htons(ETH_TYPE_ARP)
        || f->dl_type == htons(ETH_TYPE_RARP)) {
        commit_arp(x);
        return;
    }
    if (!is_ip_any(f)) {
        return;
    }
    if (f->dl_type == htons(ETH_TYPE_IPV6)
        && b->ipv6_label != f->ipv6_label
        && (a = dp_actions_put(acts, DP_ACTION_SET_IPV6_LABEL))) {
        a->be32 = f->ipv6_label;
        b->ipv6_label = f->ipv6_label;
    }
    if (f->dl_type == htons(ETH_TYPE_IPV6)) {
        for (int i = 0; i < 8; i++) {
            const struct in6_addr *fa = i < 4 ? &f->ipv6_src : &f->ipv6_dst;
            struct in6_addr *ba = i < 4 ? &b->ipv6_src : &b->ipv6_dst;
            ovs_be32 fw, bw;
            memcpy(&fw, &fa->s6_addr[4 * (i & 3)], 4);
            memcpy(&bw, &ba->s6_addr[4 * (i & 3)], 4);
            if (fw != bw && (a = dp_actions_put(acts,
                                                DP_ACTION_SET_IPV6_WORD))) {
                a->port = i;
                a->be32 = fw;
                memcpy(&ba->s6_addr[4 * (i & 3)], &fw, 4);
            }
        }
    }
    if (f->dl_type == htons(ETH_TYPE_IP)) {
        if (b->nw_src != f->nw_src
            && (a = dp_actions_put(acts, DP_ACTION_SET_IPV4_SRC))) {
            a->be32 = f->nw_src;
            b->nw_src = f->nw_src;
        }
        if (b->nw_dst != f->nw_dst
            && (a = dp_actions_put(acts, DP_ACTION_SET_IPV4_DST))) {
            a->be32 = f->nw_dst;
            b->nw_dst = f->nw_dst;
        }
    }
    if (b->nw_tos != f->nw_tos
        && (a = dp_actions_put(acts, DP_ACTION_SET_IP_TOS))) {
        a->u8[0] = f->nw_tos;
        a->u8[1] = 0xff;
        b->nw_tos = f->nw_tos;
    }
    if (b->nw_ttl != f->nw_ttl
        && (a = dp_actions_put(acts, DP_ACTION_SET_IP_TTL))) {
        a->u8[0] = f->nw_ttl;
        b->nw_ttl = f->nw_ttl;
    }
    /* The transport rewrites go by the protocol the packet has ('base':
     * a new one is written last, below). */
    if ((b->nw_proto == IPPROTO_ICMP && f->dl_type == htons(ETH_TYPE_IP))
        || (b->nw_proto == IPPROTO_ICMPV6
            && f->dl_type == htons(ETH_TYPE_IPV6))) {
        for (int i = 0; i < 2; i++) {
            ovs_be16 *bf = i ? &b->tp_dst : &b->tp_src;
            ovs_be16 ff = i ? f->tp_dst : f->tp_src;
            if (*bf != ff && (a = dp_actions_put(acts, DP_ACTION_SET_ICMP))) {
                a->port = i;
                a->u8[0] = ntohs(ff);
                *bf = ff;
            }
        }
    }
    if (b->nw_proto == IPPROTO_ICMPV6 && f->dl_type == htons(ETH_TYPE_IPV6)
        && (f->tp_src == htons(ND_NEIGHBOR_SOLICIT)
            || f->tp_src == htons(ND_NEIGHBOR_ADVERT))) {
        commit_nd(x);
    }
    if (b->nw_proto == IPPROTO_TCP || b->nw_proto == IPPROTO_UDP
        || b->nw_proto == IPPROTO_SCTP) {
        if (b->tp_src != f->tp_src
            && (a = dp_actions_put(acts, DP_ACTION_SET_TP_SRC))) {
            a->be16 = f->tp_src;
            b->tp_src = f->tp_src;
        }
        if (b->tp_dst != f->tp_dst
            && (a = dp_actions_put(acts, DP_ACTION_SET_TP_DST))) {
            a->be16 = f->tp_dst;
            b->tp_dst = f->tp_dst;
        }
    }
    /* Last: the rewrites above find the L4 checksum by the protocol the
     * packet has. */
    if (b->nw_proto != f->nw_proto
        && (a = dp_actions_put(acts, DP_ACTION_SET_IP_PROTO))) {
        a->u8[0] = f->nw_proto;
        b->nw_proto = f->nw_proto;
    }
}

/* ---- Packet-in registry ---- */

/* The index of the packet-in context equal to 'key', added if there is
 * none and 'add' is true; UINT32_MAX if there is none (or no room). */
static uint32_t
pin_desc_intern(struct pipeline *pl, const struct pl_pin_desc *key,
                bool add)
{
    size_t ofs = offsetof(struct pl_pin_desc, reason);
    uint32_t hash = hash_bytes((const char *) key + ofs, sizeof *key - ofs,
                               0);
    struct pl_pin_desc *d;
    uint32_t idx = UINT32_MAX;

    ovs_mutex_lock(&pl->pin_mutex);
    HMAP_FOR_EACH_WITH_HASH (d, node, hash, &pl->pin_map) {
        if (!memcmp((const char *) d + ofs, (const char *) key + ofs,
                    sizeof *key - ofs)) {
            idx = d->idx;
            break;
        }
    }
    if (idx == UINT32_MAX && add && pl->n_pin_descs < PL_MAX_PIN_DESCS) {
        d = xmemdup(key, sizeof *key);
        d->idx = idx = pl->n_pin_descs;
        hmap_insert(&pl->pin_map, &d->node, hash);
        pl->pin_descs[idx] = d;
        atomic_store_explicit((ATOMIC(uint32_t) *) &pl->n_pin_descs,
                              idx + 1, memory_order_release);
    }
    ovs_mutex_unlock(&pl->pin_mutex);
    return idx;
}

static void
xlate_controller(struct xlate *x, enum ofp_packet_in_reason reason,
                 uint16_t max_len, uint16_t controller_id, bool miss)
{
    const struct pl_port *in = pl_port_find(x->ports, x->in_ofport);
    struct pl_pin_desc key;

    if (in && in->config & OFPUTIL_PC_NO_PACKET_IN) {
        if (x->trace) {
            trace_step(x, "controller", "not to the controllers: port_mod "
                       "set no-packet-in on the input port");
        }
        return;                 /* port_mod no-packet-in. */
    }
    if (x->trace) {
        char reason_s[OFPUTIL_PACKET_IN_REASON_BUFSIZE];
        struct json *st = trace_step(
            x, "controller", "to the controllers: reason %s, table %d, "
            "max_len %"PRIu16"%s",
            ofputil_packet_in_reason_to_string(reason, reason_s,
                                               sizeof reason_s),
            x->table_id, max_len, miss ? " (table miss)" : "");
        json_object_put_string(st, "reason", reason_s);
    }
    commit(x);
    memset(&key, 0, sizeof key);
    key.reason = reason;
    key.table_id = x->table_id;
    key.miss = miss;
    key.miss_rule = x->rule && !x->rule->cr.priority
                    && minimask_is_catchall(x->rule->cr.match.mask);
    key.max_len = max_len;
    key.controller_id = controller_id;
    key.cookie = x->rule ? x->rule->cookie : OVS_BE64_MAX;
    key.in_ofport = x->in_ofport;
    key.metadata = x->flow->metadata;
    memcpy(key.regs, x->flow->regs, sizeof key.regs);

    uint32_t idx = pin_desc_intern(x->pl, &key, !x->trace);
    if (x->trace && idx == UINT32_MAX) {
        idx = UINT16_MAX;       /* Not registered: a trace sends nothing. */
    } else if (idx == UINT32_MAX) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: too many distinct packet-in contexts "
                     "(%d): packet not sent to the controller",
                     x->pl->name, PL_MAX_PIN_DESCS);
        return;
    }
    dp_actions_controller(&x->up->actions, (x->pl->id << 16) | idx);
}

/* Sends a copy of the packet, as it is at this point of the actions, to
 * the main thread for DHCP snooping on the port 'ofport'. */
static void
xlate_snoop_copy(struct xlate *x, uint16_t ofport, const char *what)
{
    struct pl_pin_desc key;

    if (x->trace) {
        char buf[TRACE_PORT_LEN];
        trace_step(x, "security", "DHCP snooping: %s port %s, so a copy "
                   "goes to the main thread, which updates the port's "
                   "leases from it", what, trace_port(x, ofport, buf));
    }

    memset(&key, 0, sizeof key);
    key.snoop_ofport = ofport;
    uint32_t idx = pin_desc_intern(x->pl, &key, true);
    if (idx != UINT32_MAX) {
        dp_actions_controller(&x->up->actions, (x->pl->id << 16) | idx);
    }
}

/* DHCP snooping (see port-security.h): a DHCP or DHCPv6 client's message
 * from a port that learns from it also goes to the main thread (which
 * ends the leases it releases or declines), before any action may change
 * it. */
static void
xlate_dhcp_client_snoop(struct xlate *x)
{
    if (x->in_dp_port >= DP_MAX_PORTS) {
        return;
    }
    const struct pl_psec *ps = x->ports->psec_of[x->in_dp_port];
    if (psec_snoops_dhcp(ps)) {
        int family = psec_dhcp_client(x->flow, x->wc);
        if (family && psec_snoops_family(ps, family)) {
            xlate_snoop_copy(x, x->in_ofport, "a DHCP client's message "
                             "from");
        }
    }
}

/* DHCP snooping: a DHCP reply that goes out of a port that learns from
 * DHCP also goes to the main thread, once per such port, after the
 * packet's other actions. */
static void
xlate_dhcp_snoop(struct xlate *x)
{
    struct dp_actions *acts = &x->up->actions;
    size_t n = acts->n;
    int family = -1;                    /* Not looked at yet. */

    for (size_t i = 0; i < n; i++) {
        const struct dp_action *a = &acts->a[i];
        if (!dp_action_is_output(a) || a->port >= DP_MAX_PORTS
            || !psec_snoops_dhcp(x->ports->psec_of[a->port])) {
            continue;
        }
        if (family < 0) {
            family = psec_dhcp_reply(x->flow, x->wc);
        }
        if (!family) {
            return;
        }
        if (psec_snoops_family(x->ports->psec_of[a->port], family)) {
            xlate_snoop_copy(x, x->ports->ofport_of[a->port],
                             "a DHCP server's reply to");
        }
    }
}

/* ---- Outputs ---- */

/* Whether packets may go out of 'p' (port_mod: not down, not no-fwd). */
static bool
port_forwards(const struct pl_port *p)
{
    return !(p->config & (OFPUTIL_PC_PORT_DOWN | OFPUTIL_PC_NO_FWD));
}

/* Whether flooding reaches 'p' (FLOOD, NORMAL): also not no-flood. */
static bool
port_floods(const struct pl_port *p)
{
    return port_forwards(p) && !(p->config & OFPUTIL_PC_NO_FLOOD);
}

/* FLOOD ('all' false) or ALL: every port but the input port that takes
 * it. */
/* Whether 'ofport' is the output port of a mirror: it takes no other
 * traffic. */
static bool
is_mirror_output(const struct xlate *x, uint16_t ofport)
{
    const struct pl_mirrors *ms = ovsrcu_get(struct pl_mirrors *,
                                             &x->pl->mirrors);
    for (size_t i = 0; ms && i < ms->n; i++) {
        if (ms->m[i].output == ofport) {
            return true;
        }
    }
    return false;
}

/* Outputs to 'p', through its queue of set_queue's id if it has one
 * (the packet as it is: after commit()). */
static void
emit_output(struct xlate *x, const struct pl_port *p)
{
    const struct pl_queue *q = NULL;

    if (x->queue >= 0) {
        q = pl_queues_find(x->ports->queues_of[p->dp_port], x->queue);
        if (x->trace) {
            char name[TRACE_PORT_LEN];
            trace_port(x, p->ofport, name);
            if (q) {
                trace_step(x, "queue", "through queue %"PRId64" of %s "
                           "(max-rate %"PRIu64" bit/s: what is over it is "
                           "dropped)", x->queue, name, q->max_bps);
            } else {
                trace_step(x, "queue", "%s has no queue %"PRId64": out "
                           "without a queue", name, x->queue);
            }
        }
    }
    if (q) {
        dp_actions_output_queue(&x->up->actions, p->dp_port, q->slot);
    } else {
        dp_actions_output(&x->up->actions, p->dp_port);
    }
}

static void
flood(struct xlate *x, bool all)
{
    for (size_t i = 0; i < x->ports->n; i++) {
        const struct pl_port *p = &x->ports->p[i];
        if (p->ofport != x->in_ofport
            && (all ? port_forwards(p) : port_floods(p))
            && !is_mirror_output(x, p->ofport)) {
            emit_output(x, p);
            trace_output(x, p, 0, NULL);
        }
    }
}

static void
output(struct xlate *x, uint16_t ofport)
{
    const struct pl_port *p = ofport ? pl_port_find(x->ports, ofport) : NULL;

    /* OpenFlow: output to the input port only through IN_PORT. */
    if (p && ofport != x->in_ofport && port_forwards(p)) {
        emit_output(x, p);
        trace_output(x, p, 0, NULL);
    } else if (x->trace) {
        trace_output(x, p, ofport,
                     !p ? "no such port"
                     : ofport == x->in_ofport
                     ? "it is the input port (only output:in_port sends "
                       "there)"
                     : "port_mod made it down or no-fwd");
    }
}

/* ---- VLANs (NORMAL) ---- */

static bool
port_carries(const struct pl_port *p, uint16_t vlan)
{
    if (p->vlan) {
        return vlan == p->vlan;
    } else if (p->trunk) {
        return (vlan && vlan == p->native_vlan)
               || (p->trunk_bits[vlan / 64] >> (vlan % 64)) & 1;
    }
    return true;
}

/* Whether frames of 'vlan' leave 'p' with a tag. */
static bool
port_tags(const struct pl_port *p, uint16_t vlan)
{
    if (p->vlan) {
        return false;
    } else if (p->trunk) {
        return vlan != p->native_vlan;
    }
    return vlan != 0;
}

/* The VLAN of a frame that came in on 'p', or -1 if 'p' does not take it.
 * A priority tag (VID 0) counts as no tag. */
static int
input_vlan(const struct pl_port *p, ovs_be16 tci)
{
    bool tagged = tci & htons(VLAN_CFI);
    uint16_t vid = tagged ? vlan_tci_to_vid(tci) : 0;

    if (p->vlan) {
        return vid ? -1 : p->vlan;
    } else if (p->trunk) {
        if (!vid) {
            return p->native_vlan ? p->native_vlan : -1;
        }
        return port_carries(p, vid) ? vid : -1;
    }
    return vid;
}

/* The learning switch.  Its decision depends on the source and destination
 * addresses, the VLAN and the MAC table, so the megaflow matches those
 * exactly and is flagged for refresh and for flushing when the table
 * changes. */
/* Outputs a frame of 'vlan' to 'outs', tagging or untagging it for each as
 * it needs: first the ports that take it as it is, then, after one push or
 * pop, the others. */
static void
normal_output(struct xlate *x, uint16_t vlan,
              const struct pl_port *const *outs, size_t n)
{
    const struct flow *flow = x->flow;
    struct dp_actions *acts = &x->up->actions;
    bool tagged = flow->vlans[0].tci & htons(VLAN_CFI);  /* As 'base'. */
    uint16_t tci = ntohs(flow->vlans[0].tci);
    uint16_t pcp = tagged ? tci & 0xe000 : 0;

    if (!n) {
        return;
    }

    /* A tag with another VID (a priority tag on an access port) goes. */
    if (tagged && (tci & VLAN_VID_MASK) != vlan) {
        dp_actions_pop_vlan(acts);
        tagged = false;
    }
    size_t n_other = 0;
    for (size_t i = 0; i < n; i++) {
        n_other += port_tags(outs[i], vlan) != tagged;
    }
    for (int pass = 0; pass < (n_other ? 2 : 1); pass++) {
        if (pass) {
            if (tagged) {
                dp_actions_pop_vlan(acts);
            } else {
                dp_actions_push_vlan(acts, pcp | vlan);
            }
            tagged = !tagged;
        }
        for (size_t i = 0; i < n; i++) {
            if (port_tags(outs[i], vlan) == tagged) {
                emit_output(x, outs[i]);
            }
        }
    }

    /* Tell commit() what the packet now is. */
    if (tagged && !(x->base.vlans[0].tci & htons(VLAN_CFI))) {
        flow_push_vlan_uninit(&x->base, NULL);
        x->base.vlans[0].tpid = htons(ETH_TYPE_VLAN);
        x->base.vlans[0].tci = htons(pcp | vlan | VLAN_CFI);
    } else if (tagged) {
        x->base.vlans[0].tci = htons(pcp | vlan | VLAN_CFI);
    } else if (x->base.vlans[0].tci & htons(VLAN_CFI)) {
        flow_pop_vlan(&x->base, NULL);
    }
}

/* The learning switch, VLAN-aware.  Its decision depends on the input
 * port, the source and destination addresses, the VLAN tag and the MAC
 * table, so the megaflow matches those exactly and is flagged for refresh
 * and for flushing when the table changes. */
static void
normal(struct xlate *x)
{
    const struct flow *flow = x->flow;
    const struct pl_port *in = pl_port_find(x->ports, x->in_ofport);
    long long now = time_msec();
    char name[TRACE_PORT_LEN];

    WC_MASK_FIELD(x->wc, dl_src);
    WC_MASK_FIELD(x->wc, dl_dst);
    WC_MASK_FIELD(x->wc, vlans[0]);
    x->up->mf_flags |= DP_MF_LEARN;

    /* A packet-out from the controller has no port: it is on the VLAN of
     * its tag, and teaches nothing. */
    int vlan = in ? input_vlan(in, flow->vlans[0].tci)
               : has_vlan(flow, 0) ? vlan_tci_to_vid(flow->vlans[0].tci) : 0;
    if (vlan < 0) {
        if (x->trace) {
            trace_step(x, "normal", "NORMAL: %s does not carry VLAN %d: "
                       "dropped", trace_port(x, x->in_ofport, name),
                       vlan_tci_to_vid(flow->vlans[0].tci));
        }
        return;                 /* Not a VLAN this port carries. */
    }

    if (in && !eth_addr_is_multicast(flow->dl_src)) {
        if (x->trace) {
            trace_step(x, "normal", "NORMAL: VLAN %d; learns "ETH_ADDR_FMT
                       " on %s (not while tracing)", vlan,
                       ETH_ADDR_ARGS(flow->dl_src),
                       trace_port(x, x->in_ofport, name));
        } else if (mac_table_learn(x->pl->macs, flow->dl_src.ea, vlan,
                                   x->in_ofport, now)) {
            x->up->mac_changed = true;
        }
    } else if (x->trace) {
        trace_step(x, "normal", "NORMAL: VLAN %d; learns nothing (%s)",
                   vlan, in ? "multicast source" : "no input port");
    }

    const struct pl_port *outs[DP_MAX_PORTS];
    size_t n = 0;
    const char *why = "multicast destination";
    if (!eth_addr_is_multicast(flow->dl_dst)) {
        uint16_t out = mac_table_lookup(x->pl->macs, flow->dl_dst.ea, vlan,
                                        now);
        why = "destination not learned";
        if (out == x->in_ofport) {
            if (x->trace) {
                trace_step(x, "normal", "NORMAL: "ETH_ADDR_FMT" was learned "
                           "on the input port: dropped",
                           ETH_ADDR_ARGS(flow->dl_dst));
            }
            return;             /* Already on its segment. */
        }
        const struct pl_port *p = out ? pl_port_find(x->ports, out) : NULL;
        if (p && port_carries(p, vlan)) {
            if (!port_forwards(p)) {
                if (x->trace) {
                    trace_step(x, "normal", "NORMAL: "ETH_ADDR_FMT" is on "
                               "%s, which port_mod made down or no-fwd: "
                               "dropped", ETH_ADDR_ARGS(flow->dl_dst),
                               trace_port(x, out, name));
                }
                return;         /* Its port takes nothing: no flooding. */
            }
            outs[n++] = p;
            if (x->trace) {
                trace_step(x, "normal", "NORMAL: "ETH_ADDR_FMT" learned on "
                           "%s", ETH_ADDR_ARGS(flow->dl_dst),
                           trace_port(x, out, name));
            }
        }
    }
    if (!n) {
        for (size_t i = 0; i < x->ports->n && n < DP_MAX_PORTS; i++) {
            const struct pl_port *p = &x->ports->p[i];
            if (p->ofport != x->in_ofport && port_carries(p, vlan)
                && port_floods(p) && !is_mirror_output(x, p->ofport)) {
                outs[n++] = p;
            }
        }
        if (x->trace) {
            trace_step(x, "normal", "NORMAL: %s: flood to the %zu port(s) "
                       "of VLAN %d", why, n, vlan);
        }
    }
    if (x->trace) {
        x->trace_depth++;
        for (size_t i = 0; i < n; i++) {
            bool tag = port_tags(outs[i], vlan);
            struct json *st = trace_step(
                x, "output", "-> %s%s", trace_port(x, outs[i]->ofport, name),
                tag ? " (tagged)" : "");
            json_object_put_string(st, "port", name);
        }
        x->trace_depth--;
    }
    normal_output(x, vlan, outs, n);
}

/* ---- MPLS ---- */

/* The largest payload beneath an MPLS label stack that a translation
 * parses; a PMD thread's view of a packet is never longer (pmd.c). */
#define XLATE_MAX_BENEATH 2048

/* Where the packet's label stack is ('pkt' parsed by flow_extract()). */
static void
xlate_set_packet(struct xlate *x, const struct dp_packet *pkt,
                 uint32_t frame_len)
{
    x->packet = dp_packet_data(pkt);
    x->packet_len = dp_packet_size(pkt);
    x->frame_len = MAX(frame_len, x->packet_len);
    x->mpls_ofs = x->mpls_end = 0;
    x->n_pushed = 0;
    x->has_beneath = false;
    x->beneath_ttl = -1;
    x->has_pbb_inner = false;
    x->pbb_ofs = 0;

    if (x->flow->dl_type == htons(ETH_TYPE_PBB)) {
        uint16_t type;
        uint32_t l2 = pkt_l3_offset(x->packet, x->packet_len, &type);
        x->pbb_ofs = l2 && l2 + 4 < x->packet_len ? l2 + 4 : 0;
    }
    const uint8_t *l2_5 = dp_packet_l2_5(pkt);
    if (!l2_5 || !eth_type_mpls(x->flow->dl_type)) {
        return;
    }
    x->mpls_ofs = l2_5 - x->packet;
    for (uint32_t ofs = x->mpls_ofs; ofs + 4 <= x->packet_len; ofs += 4) {
        if (x->packet[ofs + 2] & 0x01) {
            x->mpls_end = ofs + 4;
            break;
        }
    }
}

/* The number of labels on the packet as the flow shows it (at most three),
 * as flow_count_mpls_labels() counts them, with the mask it depends on:
 * the Ethertype, and without a bottom of stack among the three every bit
 * of them (it counts the nonzero ones), not only the bottom-of-stack bits
 * that it puts in the mask itself. */
static int
count_mpls_labels(struct xlate *x)
{
    /* Open vSwitch masks the Ethertype of every translation, which
     * flow_count_mpls_labels() and flow_push_mpls() rely on; xvs masks it
     * where it is read, so that a decision on the port alone keeps a
     * port-only megaflow. */
    WC_MASK_FIELD(x->wc, dl_type);
    int n = flow_count_mpls_labels(x->flow, x->wc);

    if (eth_type_mpls(x->flow->dl_type)
        && (!n || !(x->flow->mpls_lse[n - 1] & htonl(MPLS_BOS_MASK)))) {
        memset(x->wc->masks.mpls_lse, 0xff, sizeof x->wc->masks.mpls_lse);
    }
    return n;
}

static void
xlate_push_mpls(struct xlate *x)
{
    if (!eth_type_mpls(x->flow->dl_type)) {
        /* The first label on a packet that had none: remember the packet
         * beneath, whose fields the push clears, for the pop. */
        x->beneath = *x->flow;
        x->has_beneath = true;
    }
    x->n_pushed++;
}

/* The packet's payload beneath its label stack, parsed as the Ethertype
 * that pop_mpls gave it: the L3 and L4 fields that the rest of the
 * pipeline sees, as Open vSwitch's recirculation would show them.
 *
 * The datapath key holds the same fields (flow-key.c parses an IPv4 or
 * IPv6 payload beneath a label stack, told by its version nibble), so a
 * megaflow can stand for the decision, with these fields in its mask, when
 * the Ethertype agrees with the nibble and exactly the packet's labels
 * were popped.  Otherwise (pop_mpls:0x0800 of an IPv6 payload, a stack
 * deeper than the flow's three labels) the fields are read from bytes the
 * key parsed differently, and the decision is not cached. */
static void extract_beneath(struct xlate *, uint32_t ofs, ovs_be16 dl_type,
                            struct flow *);

/* The IP version nibble of the payload at 'ofs', 0 if none. */
static int
payload_version(const struct xlate *x, uint32_t ofs)
{
    return ofs < x->packet_len ? x->packet[ofs] >> 4 : 0;
}

static void
xlate_parse_beneath(struct xlate *x)
{
    struct flow *f = x->flow;
    int version = payload_version(x, x->mpls_ofs);

    if (x->mpls_ofs != x->mpls_end
        || !((f->dl_type == htons(ETH_TYPE_IP) && version == 4)
             || (f->dl_type == htons(ETH_TYPE_IPV6) && version == 6))) {
        x->uncacheable = true;
    }

    struct flow beneath;
    extract_beneath(x, x->mpls_ofs, f->dl_type, &beneath);
    copy_l3_l4(f, &beneath);
    if (x->beneath_ttl >= 0 && is_ip_any(f)) {
        f->nw_ttl = x->beneath_ttl;
    }
}

/* The payload at 'ofs' (beneath a label stack) parsed as 'dl_type' into
 * 'beneath', with the flow's Ethernet addresses. */
static void
extract_beneath(struct xlate *x, uint32_t ofs, ovs_be16 dl_type,
                struct flow *beneath)
{
    const struct flow *f = x->flow;
    uint32_t n = ofs < x->packet_len ? x->packet_len - ofs : 0;
    const uint8_t *payload = x->packet + ofs;
    uint8_t frame[ETH_HEADER_LEN + XLATE_MAX_BENEATH];
    uint32_t copy = MIN(n, XLATE_MAX_BENEATH);
    memcpy(frame, f->dl_dst.ea, ETH_ADDR_LEN);
    memcpy(frame + ETH_ADDR_LEN, f->dl_src.ea, ETH_ADDR_LEN);
    memcpy(frame + 2 * ETH_ADDR_LEN, &dl_type, 2);
    memcpy(frame + ETH_HEADER_LEN, payload, copy);
    if (copy < n) {
        x->uncacheable = true;  /* Only a packet-out is that long. */
    }
    if (copy < x->frame_len - ofs) {
        pkt_clamp_ip_len(frame, ETH_HEADER_LEN + copy,
                         ETH_HEADER_LEN + x->frame_len - ofs);
    }

    struct dp_packet pkt;
    dp_packet_use_const(&pkt, frame, ETH_HEADER_LEN + copy);
    extract_with_exthdr(&pkt, beneath);
    dp_packet_uninit(&pkt);
}

/* After a label was popped. */
static void
xlate_pop_mpls(struct xlate *x)
{
    if (x->n_pushed) {
        /* One the actions had pushed. */
        if (!--x->n_pushed && x->has_beneath) {
            x->has_beneath = false;
            if (x->flow->dl_type == x->beneath.dl_type) {
                copy_l3_l4(x->flow, &x->beneath);
                if (x->flow->dl_type == htons(ETH_TYPE_PBB)) {
                    x->flow->mpls_lse[0] = x->beneath.mpls_lse[0];
                }
            }
        }
    } else if (x->mpls_ofs) {
        /* One of the packet's own. */
        x->mpls_ofs += 4;
        if (x->flow->dl_type == htons(ETH_TYPE_PBB)) {
            /* A PBB frame beneath the labels: its I-TAG, read here. */
            if (x->mpls_ofs + 4 <= x->packet_len) {
                memcpy(&x->flow->mpls_lse[0], x->packet + x->mpls_ofs, 4);
                x->pbb_ofs = x->mpls_ofs + 4;
            }
            x->uncacheable = true;
            x->mpls_ofs = 0;
        } else if (!eth_type_mpls(x->flow->dl_type)) {
            xlate_parse_beneath(x);
            x->mpls_ofs = 0;
        }
    }
}

/* The TTL of the IPv4 or IPv6 packet beneath the one label that the
 * flow has: one the actions pushed onto it, or the packet's own bottom
 * label.  False if there is none (or it cannot be told). */
static bool
beneath_ttl(struct xlate *x, uint8_t *ttl)
{
    if (x->n_pushed == 1 && x->has_beneath) {
        if (!is_ip_any(&x->beneath)) {
            return false;
        }
        /* The packet's TTL as it came, or as the actions set it. */
        WC_MASK_FIELD(x->wc, nw_ttl);
        *ttl = x->beneath.nw_ttl;
        return true;
    }
    if (x->n_pushed || !x->mpls_ofs || x->mpls_ofs + 4 != x->mpls_end) {
        x->uncacheable = true;  /* A stack deeper than the flow holds. */
        return false;
    }
    if (x->beneath_ttl >= 0) {
        *ttl = x->beneath_ttl;
        return true;
    }
    /* The key parses the payload by its version nibble, as here, and
     * holds its TTL (flow-key.c): the megaflow matches on it. */
    int version = payload_version(x, x->mpls_end);
    if (version != 4 && version != 6) {
        return false;
    }
    struct flow beneath;
    extract_beneath(x, x->mpls_end,
                    htons(version == 4 ? ETH_TYPE_IP : ETH_TYPE_IPV6),
                    &beneath);
    WC_MASK_FIELD(x->wc, nw_ttl);
    *ttl = beneath.nw_ttl;
    return true;
}

/* copy_ttl_out and copy_ttl_in on an MPLS packet: between its outermost
 * label and the label or IP header beneath.  (IP in IP is not parsed.) */
static void
xlate_copy_ttl(struct xlate *x, bool out)
{
    struct flow *flow = x->flow;

    WC_MASK_FIELD(x->wc, dl_type);
    if (!eth_type_mpls(flow->dl_type)) {
        return;
    }
    int n = count_mpls_labels(x);
    if (!n) {
        return;
    }
    WC_MASK_FIELD(x->wc, mpls_lse[0]);
    uint8_t ttl = mpls_lse_to_ttl(flow->mpls_lse[0]);
    if (n >= 2) {
        WC_MASK_FIELD(x->wc, mpls_lse[1]);
        if (out) {
            flow_set_mpls_ttl(flow, 0, mpls_lse_to_ttl(flow->mpls_lse[1]));
        } else {
            flow_set_mpls_ttl(flow, 1, ttl);
        }
    } else if (out) {
        uint8_t inner;
        if (beneath_ttl(x, &inner)) {
            flow_set_mpls_ttl(flow, 0, inner);
        }
    } else {
        uint8_t old;
        if (!beneath_ttl(x, &old)) {
            return;
        }
        /* The IP header is beneath the labels: written now, in the
         * packet as the actions so far have made it. */
        commit(x);
        struct dp_action *a = dp_actions_put(&x->up->actions,
                                             DP_ACTION_SET_MPLS_IP_TTL);
        if (a) {
            a->u8[0] = ttl;
        }
        if (x->n_pushed) {
            x->beneath.nw_ttl = ttl;
        } else {
            x->beneath_ttl = ttl;
        }
    }
}

static bool is_ip(struct xlate *);

/* The packet fields of 'flow' (L2 on) become those of 'src'; its
 * metadata (port, registers, metadata...) stays. */
static void
flow_take_packet_fields(struct flow *flow, const struct flow *src)
{
    size_t ofs = offsetof(struct flow, dl_dst);
    memcpy((char *) flow + ofs, (const char *) src + ofs,
           sizeof *flow - ofs);
}

/* push_pbb: the frame becomes the customer frame behind a backbone
 * header with its MAC addresses, type 'ethertype' and an I-TAG of zero. */
static void
xlate_push_pbb(struct xlate *x, uint16_t ethertype)
{
    struct flow *flow = x->flow;
    struct flow pbb;

    commit(x);
    struct dp_action *a = dp_actions_put(&x->up->actions, DP_ACTION_PUSH_PBB);
    if (a) {
        a->port = ethertype;
        a->be32 = 0;
    }
    if (x->has_pbb_inner) {
        x->uncacheable = true;  /* Two pushed: the first one is lost. */
    }
    x->pbb_inner = *flow;
    x->has_pbb_inner = true;

    memset(&pbb, 0, sizeof pbb);
    pbb.dl_dst = flow->dl_dst;
    pbb.dl_src = flow->dl_src;
    pbb.dl_type = htons(ethertype);
    flow_take_packet_fields(flow, &pbb);
    x->base = *flow;
}

/* pop_pbb: the customer frame, as pushed or as the packet carries it. */
static void
xlate_pop_pbb(struct xlate *x)
{
    struct flow *flow = x->flow;

    WC_MASK_FIELD(x->wc, dl_type);
    if (flow->dl_type != htons(ETH_TYPE_PBB)) {
        return;
    }
    commit(x);
    dp_actions_put(&x->up->actions, DP_ACTION_POP_PBB);
    if (x->has_pbb_inner) {
        flow_take_packet_fields(flow, &x->pbb_inner);
        x->has_pbb_inner = false;
    } else if (x->pbb_ofs && !x->n_pushed) {
        /* The packet's own: its customer frame, parsed here.  The
         * datapath key does not hold that frame's fields: not cached. */
        struct dp_packet inner;
        struct flow f;
        dp_packet_use_const(&inner, x->packet + x->pbb_ofs,
                            x->packet_len - x->pbb_ofs);
        extract_with_exthdr(&inner, &f);
        flow_take_packet_fields(flow, &f);
        const uint8_t *l2_5 = dp_packet_l2_5(&inner);
        x->mpls_ofs = x->mpls_end = 0;
        if (l2_5 && eth_type_mpls(f.dl_type)) {
            x->mpls_ofs = l2_5 - x->packet;
            for (uint32_t o = x->mpls_ofs; o + 4 <= x->packet_len; o += 4) {
                if (x->packet[o + 2] & 0x01) {
                    x->mpls_end = o + 4;
                    break;
                }
            }
        }
        dp_packet_uninit(&inner);
        x->pbb_ofs = 0;
        x->uncacheable = true;
    } else {
        /* A frame made PBB some other way (set_field on eth_type): what
         * the pop leaves cannot be told, so nothing goes on. */
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: pop_pbb of a frame whose customer frame is "
                     "unknown: dropped", x->pl->name);
        dp_actions_init(&x->up->actions);
        x->exit = true;
        return;
    }
    x->base = *flow;
}

/* One of the actions Open vSwitch's library does not know (ofp-ext.h). */
static void
xlate_ext(struct xlate *x, const struct ofp_ext *ext)
{
    struct flow *flow = x->flow;

    switch (ext->type) {
    case OFP_EXT_COPY_TTL_OUT:
    case OFP_EXT_COPY_TTL_IN:
        xlate_copy_ttl(x, ext->type == OFP_EXT_COPY_TTL_OUT);
        break;
    case OFP_EXT_SET_ETH_TYPE: {
        /* An 802.3 frame's type field is a length (its flow's Ethertype
         * is the SNAP header's): left alone. */
        uint16_t type;
        WC_MASK_FIELD(x->wc, dl_type);
        if (x->packet && pkt_l3_offset(x->packet, x->packet_len, &type)
            && type < ETH_TYPE_MIN && !x->n_pushed && !x->has_pbb_inner) {
            x->uncacheable = true;  /* The key does not say 802.3. */
            break;
        }
        /* The rewrites so far apply to the packet as it was. */
        commit(x);
        struct dp_action *a = dp_actions_put(&x->up->actions,
                                             DP_ACTION_SET_ETH_TYPE);
        if (a) {
            a->be16 = htons(ext->value);
        }
        flow->dl_type = x->base.dl_type = htons(ext->value);
        break;
    }
    case OFP_EXT_SET_IP_PROTO:
        if (is_ip(x)) {
            /* An IPv6 later fragment has no header that names the upper
             * protocol but its fragment header's: left alone. */
            WC_MASK_FIELD(x->wc, nw_frag);
            if (flow->dl_type == htons(ETH_TYPE_IPV6)
                && flow->nw_frag & FLOW_NW_FRAG_LATER) {
                break;
            }
            WC_MASK_FIELD(x->wc, nw_proto);
            flow->nw_proto = ext->value;
        }
        break;
    case OFP_EXT_SET_MPLS_BOS:
        WC_MASK_FIELD(x->wc, dl_type);
        if (eth_type_mpls(flow->dl_type)) {
            WC_MASK_FIELD(x->wc, mpls_lse[0]);
            flow_set_mpls_bos(flow, 0, ext->value);
        }
        break;
    case OFP_EXT_PUSH_PBB:
        xlate_push_pbb(x, ext->value);
        break;
    case OFP_EXT_POP_PBB:
        xlate_pop_pbb(x);
        break;
    case OFP_EXT_SET_PBB_ISID:
    case OFP_EXT_SET_PBB_UCA:
        WC_MASK_FIELD(x->wc, dl_type);
        if (flow->dl_type == htons(ETH_TYPE_PBB)) {
            /* commit() writes the whole TCI: its value is part of the
             * decision. */
            WC_MASK_FIELD(x->wc, mpls_lse[0]);
            uint32_t mask = (ext->type == OFP_EXT_SET_PBB_ISID
                             ? PBB_ISID_MASK : PBB_UCA_MASK);
            uint32_t v = (ext->type == OFP_EXT_SET_PBB_ISID ? ext->value
                          : ext->value ? PBB_UCA_MASK : 0);
            flow->mpls_lse[0] = (flow->mpls_lse[0] & ~htonl(mask))
                                | htonl(v & mask);
        }
        break;
    }
}

/* ---- Actions ---- */

static void xlate_actions(struct xlate *, const struct ofpact *, size_t len);

/* Records the rule that table 'table_id' matched, if tracing. */
static void
trace_rule(struct xlate *x, uint8_t table_id, const struct pl_rule *rule,
           const struct pl_actions *a)
{
    struct ds match = DS_EMPTY_INITIALIZER;
    struct ds acts = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .port_map = x->port_map, .s = &acts };

    ofp_ext_format_rule(&rule->cr, x->port_map, &match);
    ofp_ext_format(a->ofpacts, a->len, &fp);
    /* The match as dump-flows shows it, priority first. */
    char cookie[32] = "";
    if (rule->cookie) {
        snprintf(cookie, sizeof cookie, ", cookie=%#"PRIx64,
                 ntohll(rule->cookie));
    }
    struct json *st = trace_step(x, "table", "table %d: %s%s: actions=%s",
                                 table_id, ds_cstr(&match), cookie,
                                 ds_cstr(&acts));
    json_object_put(st, "table", json_integer_create(table_id));
    json_object_put(st, "priority", json_integer_create(rule->cr.priority));
    json_object_put(st, "cookie", json_string_create_nocopy(
                        xasprintf("%#"PRIx64, ntohll(rule->cookie))));
    json_object_put(st, "match", json_string_create_nocopy(
                        ds_steal_cstr(&match)));
    json_object_put(st, "actions", json_string_create_nocopy(
                        ds_steal_cstr(&acts)));
}

static void
xlate_table(struct xlate *x, uint8_t table_id)
{
    struct pl_handle *h = &x->handle;

    if (h->n >= PL_MAX_LOOKUPS) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        if (x->trace) {
            trace_step(x, "drop", "more than %d table lookups: the packet "
                       "is dropped", PL_MAX_LOOKUPS);
        } else {
            VLOG_WARN_RL(&rl, "%s: more than %d table lookups for one "
                         "packet: dropped", x->pl->name, PL_MAX_LOOKUPS);
        }
        x->exit = true;
        dp_actions_init(&x->up->actions);
        return;
    }

    struct pl_table *table = &x->pl->tables[table_id];
    const struct cls_rule *cr = classifier_lookup(&table->cls,
                                                  pl_version(x->pl),
                                                  x->flow, x->wc);
    struct pl_rule *rule = cr ? CONTAINER_OF(cr, struct pl_rule, cr) : NULL;
    uint64_t orig;

    h->lookups[h->n].table_id = table_id;
    h->lookups[h->n].rule = rule;
    h->lookups[h->n].rewritten = !flow_equal(x->flow, &x->orig);
    h->lookups[h->n].priority = rule ? rule->cr.priority : 0;
    h->n++;
    if (!x->trace) {
        atomic_add_relaxed(&table->n_lookups, 1, &orig);
    }

    if (!rule) {
        bool to_controller;
        atomic_read_relaxed(&x->pl->miss_to_controller, &to_controller);
        if (x->trace) {
            struct json *st = trace_step(
                x, "table", "table %d: no rule matches: %s", table_id,
                to_controller ? "to the controllers (table miss)"
                              : "nothing more from this table");
            json_object_put(st, "table", json_integer_create(table_id));
            json_object_put(st, "miss", json_boolean_create(true));
        } else {
            atomic_add_relaxed(&x->pl->n_missed, 1, &orig);
        }
        if (to_controller) {
            uint8_t saved_table = x->table_id;
            const struct pl_rule *saved_rule = x->rule;
            x->table_id = table_id;
            x->rule = NULL;
            x->trace_depth++;
            xlate_controller(x, OFPR_NO_MATCH, UINT16_MAX, 0, true);
            x->trace_depth--;
            x->table_id = saved_table;
            x->rule = saved_rule;
        }
        return;
    }
    if (!x->trace) {
        atomic_add_relaxed(&table->n_matched, 1, &orig);
        atomic_add_relaxed(&rule->n_packets, 1, &orig);
        atomic_add_relaxed(&rule->n_bytes, x->pkt_len, &orig);
    }

    uint8_t saved_table = x->table_id;
    const struct pl_rule *saved_rule = x->rule;
    const struct pl_actions *a = rule_get_actions(rule);
    if (x->trace) {
        trace_rule(x, table_id, rule, a);
    }
    x->table_id = table_id;
    x->rule = rule;
    x->trace_depth++;
    xlate_actions(x, a->ofpacts, a->len);
    x->trace_depth--;
    x->table_id = saved_table;
    x->rule = saved_rule;
}

static bool
port_live(const struct xlate *x, ofp_port_t port)
{
    const struct pl_port *p;

    if (port == OFPP_ANY) {
        return true;
    }
    p = port == OFPP_LOCAL ? pl_port_find(x->ports, x->ports->local_ofport)
        : pl_port_find(x->ports, ofp_to_u16(port));
    return p && p->live && !(p->config & OFPUTIL_PC_PORT_DOWN);
}

/* A bucket is live if what it watches is: a port with its link up, a
 * group with a live bucket (OpenFlow 1.3, 6.5), and so on down the
 * watched groups, at most PL_MAX_GROUP_CHAIN deep (group_check() does not
 * look at watch_group, so watches may go round in a loop: such a bucket
 * is dead). */
static bool
bucket_live__(const struct xlate *x, const struct pl_bucket *b, int depth)
{
    if (!port_live(x, b->watch_port)) {
        return false;
    }
    if (b->watch_group != OFPG_ANY) {
        const struct pl_group *g = group_find(x->pl, b->watch_group);
        if (!g || depth >= PL_MAX_GROUP_CHAIN) {
            return false;
        }
        for (size_t i = 0; i < g->n_buckets; i++) {
            if (bucket_live__(x, &g->buckets[i], depth + 1)) {
                return true;
            }
        }
        return false;
    }
    return true;
}

static bool
bucket_live(const struct xlate *x, const struct pl_bucket *b)
{
    return bucket_live__(x, b, 0);
}

/* The select group's hash: the 5-tuple for IP, else the Ethernet
 * addresses; the fields it reads go into the megaflow. */
static uint32_t
select_hash(struct xlate *x)
{
    struct flow *f = x->flow;

    WC_MASK_FIELD(x->wc, dl_type);
    if (is_ip_any(f)) {
        WC_MASK_FIELD(x->wc, nw_proto);
        if (f->dl_type == htons(ETH_TYPE_IP)) {
            WC_MASK_FIELD(x->wc, nw_src);
            WC_MASK_FIELD(x->wc, nw_dst);
        } else {
            WC_MASK_FIELD(x->wc, ipv6_src);
            WC_MASK_FIELD(x->wc, ipv6_dst);
        }
        if (f->nw_proto == IPPROTO_TCP || f->nw_proto == IPPROTO_UDP
            || f->nw_proto == IPPROTO_SCTP) {
            WC_MASK_FIELD(x->wc, tp_src);
            WC_MASK_FIELD(x->wc, tp_dst);
        }
        return flow_hash_5tuple(f, 0);
    }
    WC_MASK_FIELD(x->wc, dl_src);
    WC_MASK_FIELD(x->wc, dl_dst);
    return hash_bytes(&f->dl_dst, 2 * sizeof f->dl_dst, 0);
}

/* Records that the translation went through bucket 'i' of 'g' (and 'g'
 * itself, if 'count_group'), for crediting. */
static void
handle_add_group(struct xlate *x, struct pl_group *g, int i,
                 bool count_group)
{
    struct pl_handle *h = &x->handle;

    if (h->n_groups >= PL_MAX_GROUPS) {
        x->uncacheable = true;  /* Its counters could not be credited. */
        return;
    }
    h->groups[h->n_groups].group = g;
    h->groups[h->n_groups].bucket = i;
    h->groups[h->n_groups].count_group = count_group;
    h->n_groups++;
}

static void
xlate_bucket(struct xlate *x, struct pl_group *g, size_t i,
             bool count_group, const char *why)
{
    struct pl_bucket *b = &g->buckets[i];
    uint64_t orig;

    handle_add_group(x, g, i, count_group);
    if (x->trace) {
        struct ds acts = DS_EMPTY_INITIALIZER;
        struct ofpact_format_params fp = { .port_map = x->port_map,
                                           .s = &acts };
        ofp_ext_format(b->ofpacts, b->ofpacts_len, &fp);
        struct json *st = trace_step(x, "bucket", "bucket %"PRIu32" (%s): "
                                     "actions=%s", b->bucket_id, why,
                                     ds_cstr(&acts));
        json_object_put(st, "bucket", json_integer_create(b->bucket_id));
        json_object_put(st, "actions", json_string_create_nocopy(
                            ds_steal_cstr(&acts)));
    } else {
        atomic_add_relaxed(&b->n_packets, 1, &orig);
        atomic_add_relaxed(&b->n_bytes, x->pkt_len, &orig);
    }
    /* A queue the bucket sets is for its own outputs only. */
    int64_t queue = x->queue;
    x->trace_depth++;
    xlate_actions(x, b->ofpacts, b->ofpacts_len);
    x->trace_depth--;
    x->queue = queue;
}

static void
xlate_group(struct xlate *x, uint32_t id)
{
    struct pl_group *g = group_find(x->pl, id);
    uint64_t orig;
    bool chose = false;

    if (!g) {
        if (x->trace) {
            trace_step(x, "group", "group %"PRIu32" does not exist", id);
        }
        return;                 /* Deleted since: its rules go with it. */
    }
    if (x->group_depth > PL_MAX_GROUP_CHAIN) {
        /* group_check() keeps chains shorter, but modifying a group deep
         * in a chain can lengthen the chains that go through it. */
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        if (x->trace) {
            trace_step(x, "group", "group %"PRIu32" is more than %d groups "
                       "deep in a chain: not applied", id,
                       PL_MAX_GROUP_CHAIN);
        } else {
            VLOG_WARN_RL(&rl, "%s: group %"PRIu32" is more than %d groups "
                         "deep in a chain: not applied", x->pl->name, id,
                         PL_MAX_GROUP_CHAIN);
        }
        return;
    }
    x->group_depth++;
    if (x->trace) {
        struct json *st = trace_step(x, "group", "group %"PRIu32" (%s, %zu "
                                     "bucket%s)", id, group_type_name(g->type),
                                     g->n_buckets,
                                     g->n_buckets == 1 ? "" : "s");
        json_object_put(st, "group", json_integer_create(id));
        json_object_put_string(st, "group_type", group_type_name(g->type));
    } else {
        atomic_add_relaxed(&g->n_packets, 1, &orig);
        atomic_add_relaxed(&g->n_bytes, x->pkt_len, &orig);
    }
    x->trace_depth++;

    struct flow saved = *x->flow;
    switch (g->type) {
    case OFPGT11_ALL:
        /* Each bucket gets the packet as it came to the group. */
        for (size_t i = 0; i < g->n_buckets && !x->exit; i++) {
            *x->flow = saved;
            xlate_bucket(x, g, i, !i, "all buckets");
        }
        chose = g->n_buckets > 0;
        break;
    case OFPGT11_INDIRECT:
        if (g->n_buckets) {
            xlate_bucket(x, g, 0, true, "the only bucket");
            chose = true;
        }
        break;
    case OFPGT11_SELECT: {
        uint32_t total = 0;
        for (size_t i = 0; i < g->n_buckets; i++) {
            total += bucket_live(x, &g->buckets[i]) ? g->buckets[i].weight
                                                    : 0;
        }
        if (total) {
            uint32_t hash = select_hash(x);
            uint32_t pick = hash % total;
            char why[128];
            snprintf(why, sizeof why, "hash %#"PRIx32" picks %"PRIu32" of "
                     "the live weight %"PRIu32, hash, pick, total);
            for (size_t i = 0; i < g->n_buckets; i++) {
                const struct pl_bucket *b = &g->buckets[i];
                uint32_t w = bucket_live(x, b) ? b->weight : 0;
                if (pick < w) {
                    xlate_bucket(x, g, i, true, why);
                    chose = true;
                    break;
                }
                pick -= w;
            }
        }
        break;
    }
    case OFPGT11_FF:
        for (size_t i = 0; i < g->n_buckets; i++) {
            if (bucket_live(x, &g->buckets[i])) {
                xlate_bucket(x, g, i, true, "the first live bucket");
                chose = true;
                break;
            } else if (x->trace) {
                trace_step(x, "bucket", "bucket %"PRIu32": not live (what "
                           "it watches is down)", g->buckets[i].bucket_id);
            }
        }
        break;
    }
    if (!chose) {
        handle_add_group(x, g, -1, true);
        if (x->trace) {
            trace_step(x, "bucket", "no live bucket: nothing");
        }
    }
    x->trace_depth--;
    *x->flow = saved;
    x->group_depth--;
}

static void
xlate_output(struct xlate *x, ofp_port_t port, uint16_t max_len)
{
    commit(x);
    switch (port) {
    case OFPP_IN_PORT: {
        const struct pl_port *in = pl_port_find(x->ports, x->in_ofport);
        if (in && port_forwards(in)) {
            emit_output(x, in);
        } else if (!in && x->in_dp_port < DP_MAX_PORTS) {
            dp_actions_output(&x->up->actions, x->in_dp_port);
        }
        break;
    }
    case OFPP_TABLE:
        xlate_table(x, 0);
        break;
    case OFPP_NORMAL:
        normal(x);
        break;
    case OFPP_FLOOD:
    case OFPP_ALL:
        flood(x, port == OFPP_ALL);
        break;
    case OFPP_CONTROLLER:
        xlate_controller(x, OFPR_ACTION, max_len, 0, false);
        break;
    case OFPP_LOCAL:
        output(x, x->ports->local_ofport);
        break;
    case OFPP_NONE:
        break;
    default:
        if (ofp_to_u16(port) <= ofp_to_u16(OFPP_MAX)) {
            output(x, ofp_to_u16(port));
        }
        break;
    }
}

/* Sets 'mf' to 'value' under 'mask' in the flow, if the packet has the
 * header (a set-field never adds one). */
static void
xlate_set_field(struct xlate *x, const struct mf_field *mf,
                const union mf_value *value, const union mf_value *mask)
{
    if (!mf_are_prereqs_ok(mf, x->flow, x->wc)) {
        return;
    }
    if ((mf->id == MFF_VLAN_VID || mf->id == MFF_VLAN_PCP
         || mf->id == MFF_DL_VLAN || mf->id == MFF_DL_VLAN_PCP)
        && !has_vlan(x->flow, 0)) {
        WC_MASK_FIELD_MASK(x->wc, vlans[0].tci, htons(VLAN_CFI));
        return;
    }
    /* commit() compares the whole field (the whole label stack entry for
     * MPLS fields): its value is now part of the decision. */
    mf_mask_field(mf, x->wc);
    if (mf->id == MFF_MPLS_LABEL || mf->id == MFF_MPLS_TC
        || mf->id == MFF_MPLS_TTL) {
        WC_MASK_FIELD(x->wc, mpls_lse[0]);
    }
    mf_set_flow_value_masked(mf, value, mask, x->flow);
}

/* Sets the outer VLAN tag's TCI bits in 'mask' (host order) to 'bits':
 * mod_vlan_vid and mod_vlan_pcp.  An untagged packet gets a tag first if
 * 'push_if_needed' (OpenFlow 1.0), else is left alone. */
static void
xlate_set_vlan_bits(struct xlate *x, uint16_t mask, uint16_t bits,
                    bool push_if_needed)
{
    WC_MASK_FIELD_MASK(x->wc, vlans[0].tci, htons(VLAN_CFI));
    if (!has_vlan(x->flow, 0)) {
        if (!push_if_needed) {
            return;
        }
        flow_push_vlan_uninit(x->flow, x->wc);
        x->flow->vlans[0].tpid = htons(ETH_TYPE_VLAN);
        x->flow->vlans[0].tci = htons(VLAN_CFI);
    }
    WC_MASK_FIELD(x->wc, vlans[0].tci);
    x->flow->vlans[0].tci = (x->flow->vlans[0].tci & ~htons(mask))
                            | htons(bits & mask) | htons(VLAN_CFI);
}

static bool
is_ipv4(struct xlate *x)
{
    WC_MASK_FIELD(x->wc, dl_type);
    return x->flow->dl_type == htons(ETH_TYPE_IP);
}

static bool
is_ip(struct xlate *x)
{
    WC_MASK_FIELD(x->wc, dl_type);
    return is_ip_any(x->flow);
}

/* dec_ttl: false if the TTL ran out (the packet goes to the controllers
 * with reason invalid_ttl, and translation stops). */
static bool
xlate_dec_ttl(struct xlate *x, const struct ofpact_cnt_ids *ids)
{
    if (!is_ip(x)) {
        return true;
    }
    WC_MASK_FIELD(x->wc, nw_ttl);
    if (x->flow->nw_ttl > 1) {
        x->flow->nw_ttl--;
        return true;
    }
    if (x->trace) {
        trace_step(x, "drop", "TTL %d: expired; translation stops",
                   x->flow->nw_ttl);
    }
    for (size_t i = 0; i < ids->n_controllers; i++) {
        xlate_controller(x, OFPR_INVALID_TTL, UINT16_MAX, ids->cnt_ids[i],
                         false);
    }
    return false;
}

/* Records action 'a', about to be translated, if tracing. */
static void
trace_action(struct xlate *x, const struct ofpact *a)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .port_map = x->port_map, .s = &s };

    ofp_ext_format(a, a->len, &fp);
    trace_step(x, "action", "%s", ds_cstr(&s));
    ds_destroy(&s);
}

static void
trace_meter(struct xlate *x, uint32_t id, const struct pl_meter *m)
{
    if (!m) {
        trace_step(x, "meter", "meter %"PRIu32" does not exist: no "
                   "policing", id);
        return;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < m->n_bands; i++) {
        const struct ofputil_meter_band *b = &m->bands[i];
        ds_put_format(&s, "%s%s above %"PRIu32" %s",
                      i ? ", " : "",
                      b->type == OFPMBT13_DROP ? "drop" : "remark",
                      b->rate, m->flags & OFPMF13_PKTPS ? "pkt/s" : "kb/s");
        if (m->flags & OFPMF13_BURST) {
            ds_put_format(&s, " (burst %"PRIu32")", b->burst_size);
        }
    }
    struct json *st = trace_step(x, "meter", "meter %"PRIu32": the datapath "
                                 "polices the packet here: %s", id,
                                 m->n_bands ? ds_cstr(&s) : "no bands");
    json_object_put(st, "meter", json_integer_create(id));
    ds_destroy(&s);
}

static void
xlate_actions(struct xlate *x, const struct ofpact *ofpacts, size_t len)
{
    const struct ofpact *a;
    struct flow *flow = x->flow;
    /* The notes "to the action set" before this list's write_actions
     * (ofp-ext.h): they join the set with it. */
    uint32_t pending = 0;
    uint32_t pending_value[OFP_EXT_SET_PBB_UCA + 1];

    OFPACT_FOR_EACH (a, ofpacts, len) {
        if (x->exit) {
            return;
        }
        if (x->trace) {
            trace_action(x, a);
        }
        switch (a->type) {
        case OFPACT_OUTPUT:
            xlate_output(x, ofpact_get_OUTPUT(a)->port,
                         ofpact_get_OUTPUT(a)->max_len);
            break;
        case OFPACT_CONTROLLER: {
            const struct ofpact_controller *c = ofpact_get_CONTROLLER(a);
            xlate_controller(x, c->reason, c->max_len, c->controller_id,
                             false);
            break;
        }
        case OFPACT_PUSH_VLAN:
            flow_push_vlan_uninit(flow, x->wc);
            flow->vlans[0].tpid = ofpact_get_PUSH_VLAN(a)->ethertype;
            /* OpenFlow 1.1+: the new tag copies VID and PCP from the one
             * it covers, if any. */
            flow->vlans[0].tci = (flow->vlans[1].tci & htons(VLAN_CFI)
                                  ? flow->vlans[1].tci : 0)
                                 | htons(VLAN_CFI);
            break;
        case OFPACT_STRIP_VLAN:
            WC_MASK_FIELD_MASK(x->wc, vlans[0].tci, htons(VLAN_CFI));
            if (has_vlan(flow, 0)) {
                flow_pop_vlan(flow, x->wc);
            }
            break;
        case OFPACT_SET_VLAN_VID: {
            const struct ofpact_vlan_vid *v = ofpact_get_SET_VLAN_VID(a);
            xlate_set_vlan_bits(x, VLAN_VID_MASK, v->vlan_vid,
                                v->push_vlan_if_needed);
            break;
        }
        case OFPACT_SET_VLAN_PCP: {
            const struct ofpact_vlan_pcp *v = ofpact_get_SET_VLAN_PCP(a);
            xlate_set_vlan_bits(x, VLAN_PCP_MASK,
                                v->vlan_pcp << VLAN_PCP_SHIFT,
                                v->push_vlan_if_needed);
            break;
        }
        case OFPACT_SET_ETH_SRC:
            WC_MASK_FIELD(x->wc, dl_src);
            flow->dl_src = ofpact_get_SET_ETH_SRC(a)->mac;
            break;
        case OFPACT_SET_ETH_DST:
            WC_MASK_FIELD(x->wc, dl_dst);
            flow->dl_dst = ofpact_get_SET_ETH_DST(a)->mac;
            break;
        case OFPACT_SET_IPV4_SRC:
            if (is_ipv4(x)) {
                WC_MASK_FIELD(x->wc, nw_src);
                flow->nw_src = ofpact_get_SET_IPV4_SRC(a)->ipv4;
            }
            break;
        case OFPACT_SET_IPV4_DST:
            if (is_ipv4(x)) {
                WC_MASK_FIELD(x->wc, nw_dst);
                flow->nw_dst = ofpact_get_SET_IPV4_DST(a)->ipv4;
            }
            break;
        case OFPACT_SET_IP_DSCP:
            if (is_ip(x)) {
                WC_MASK_FIELD(x->wc, nw_tos);
                flow->nw_tos = (flow->nw_tos & ~IP_DSCP_MASK)
                               | ofpact_get_SET_IP_DSCP(a)->dscp;
            }
            break;
        case OFPACT_SET_IP_ECN:
            if (is_ip(x)) {
                WC_MASK_FIELD(x->wc, nw_tos);
                flow->nw_tos = (flow->nw_tos & ~IP_ECN_MASK)
                               | ofpact_get_SET_IP_ECN(a)->ecn;
            }
            break;
        case OFPACT_SET_IP_TTL:
            if (is_ip(x)) {
                WC_MASK_FIELD(x->wc, nw_ttl);
                flow->nw_ttl = ofpact_get_SET_IP_TTL(a)->ttl;
            }
            break;
        case OFPACT_DEC_TTL:
            if (!xlate_dec_ttl(x, ofpact_get_DEC_TTL(a))) {
                x->exit = true;
            }
            break;
        case OFPACT_SET_L4_SRC_PORT:
        case OFPACT_SET_L4_DST_PORT:
            if (is_ip(x)) {
                WC_MASK_FIELD(x->wc, nw_proto);
                if (flow->nw_proto == IPPROTO_TCP
                    || flow->nw_proto == IPPROTO_UDP
                    || flow->nw_proto == IPPROTO_SCTP) {
                    bool src = a->type == OFPACT_SET_L4_SRC_PORT;
                    uint16_t port = src
                        ? ofpact_get_SET_L4_SRC_PORT(a)->port
                        : ofpact_get_SET_L4_DST_PORT(a)->port;
                    if (src) {
                        WC_MASK_FIELD(x->wc, tp_src);
                        flow->tp_src = htons(port);
                    } else {
                        WC_MASK_FIELD(x->wc, tp_dst);
                        flow->tp_dst = htons(port);
                    }
                }
            }
            break;
        case OFPACT_SET_FIELD: {
            const struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);
            xlate_set_field(x, sf->field, sf->value,
                            ofpact_set_field_mask(sf));
            break;
        }
        case OFPACT_PUSH_MPLS: {
            ovs_be16 type = ofpact_get_PUSH_MPLS(a)->ethertype;
            int n = count_mpls_labels(x);
            commit(x);
            if (n >= FLOW_MAX_MPLS_LABELS) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "%s: push_mpls on a packet with %d labels: "
                             "dropped", x->pl->name, n);
                dp_actions_init(&x->up->actions);
                x->exit = true;
                break;
            }
            bool was_ip = !n && is_ip_any(flow);
            xlate_push_mpls(x);
            flow_push_mpls(flow, n, type, x->wc, true);
            if (!n) {
                /* The first label: 0 (Open vSwitch gives IPv6 its explicit
                 * null, 2), with the IP TTL, or 0 for a packet without
                 * one, as OpenFlow says. */
                flow_set_mpls_label(flow, 0, 0);
                if (!was_ip) {
                    flow_set_mpls_ttl(flow, 0, 0);
                }
            }
            struct dp_action *p = dp_actions_put(&x->up->actions,
                                                 DP_ACTION_PUSH_MPLS);
            if (p) {
                p->port = ntohs(type);
                p->be32 = flow->mpls_lse[0];
            }
            x->base = *flow;
            break;
        }
        case OFPACT_POP_MPLS: {
            ovs_be16 type = ofpact_get_POP_MPLS(a)->ethertype;
            int n = count_mpls_labels(x);
            commit(x);
            if (n && flow_pop_mpls(flow, n, type, x->wc)) {
                struct dp_action *p = dp_actions_put(&x->up->actions,
                                                     DP_ACTION_POP_MPLS);
                if (p) {
                    p->port = ntohs(type);
                }
                xlate_pop_mpls(x);
                x->base = *flow;
            }
            break;
        }
        case OFPACT_SET_MPLS_LABEL:
        case OFPACT_SET_MPLS_TC:
        case OFPACT_SET_MPLS_TTL:
        case OFPACT_DEC_MPLS_TTL:
            WC_MASK_FIELD(x->wc, dl_type);
            if (!eth_type_mpls(flow->dl_type)) {
                break;
            }
            WC_MASK_FIELD(x->wc, mpls_lse[0]);
            if (a->type == OFPACT_SET_MPLS_LABEL) {
                flow_set_mpls_label(flow, 0,
                                    ofpact_get_SET_MPLS_LABEL(a)->label);
            } else if (a->type == OFPACT_SET_MPLS_TC) {
                flow_set_mpls_tc(flow, 0, ofpact_get_SET_MPLS_TC(a)->tc);
            } else if (a->type == OFPACT_SET_MPLS_TTL) {
                flow_set_mpls_ttl(flow, 0, ofpact_get_SET_MPLS_TTL(a)->ttl);
            } else {
                uint8_t ttl = mpls_lse_to_ttl(flow->mpls_lse[0]);
                if (ttl > 1) {
                    flow_set_mpls_ttl(flow, 0, ttl - 1);
                } else {
                    xlate_controller(x, OFPR_INVALID_TTL, UINT16_MAX, 0,
                                     false);
                    x->exit = true;
                }
            }
            break;
        case OFPACT_WRITE_METADATA: {
            const struct ofpact_metadata *md = ofpact_get_WRITE_METADATA(a);
            flow->metadata = (flow->metadata & ~md->mask)
                             | (md->metadata & md->mask);
            break;
        }
        case OFPACT_CLEAR_ACTIONS:
            ofpbuf_clear(&x->action_set);
            x->set_ext = 0;
            break;
        case OFPACT_WRITE_ACTIONS: {
            const struct ofpact_nest *on = ofpact_get_WRITE_ACTIONS(a);
            ofpbuf_put(&x->action_set, on->actions,
                       ofpact_nest_get_action_len(on));
            for (int t = 0; t <= OFP_EXT_SET_PBB_UCA; t++) {
                if (pending & (1u << t)) {
                    x->set_ext_value[t] = pending_value[t];
                }
            }
            x->set_ext |= pending;
            pending = 0;
            break;
        }
        case OFPACT_GOTO_TABLE:
            xlate_table(x, ofpact_get_GOTO_TABLE(a)->table_id);
            break;
        case OFPACT_RESUBMIT:
            xlate_table(x, ofpact_get_RESUBMIT(a)->table_id);
            break;
        case OFPACT_GROUP:
            commit(x);
            xlate_group(x, ofpact_get_GROUP(a)->group_id);
            break;
        case OFPACT_METER: {
            /* Meters police the packet as it entered the pipeline: the
             * instruction comes before a rule's actions. */
            const struct pl_meter *m = meter_find(
                x->pl, ofpact_get_METER(a)->meter_id);
            if (m) {
                dp_actions_meter(&x->up->actions, m->slot);
            }
            if (x->trace) {
                trace_meter(x, ofpact_get_METER(a)->meter_id, m);
            }
            break;
        }
        case OFPACT_NOTE: {
            struct ofp_ext ext;
            if (!ofp_ext_from_note(ofpact_get_NOTE(a), &ext)) {
                break;
            }
            if (ext.to_set) {
                pending |= 1u << ext.type;
                pending_value[ext.type] = ext.value;
            } else {
                xlate_ext(x, &ext);
            }
            break;
        }
        case OFPACT_SET_QUEUE:
            x->queue = ofpact_get_SET_QUEUE(a)->queue_id;
            break;
        case OFPACT_POP_QUEUE:
            x->queue = -1;
            break;
        case OFPACT_ENQUEUE: {
            /* OpenFlow 1.0: this output only. */
            const struct ofpact_enqueue *e = ofpact_get_ENQUEUE(a);
            int64_t queue = x->queue;
            x->queue = e->queue;
            xlate_output(x, e->port, 0);
            x->queue = queue;
            break;
        }
        default:
            /* Refused when the rule was added. */
            break;
        }
    }
}

static void
xlate_init(struct xlate *x, struct pipeline *pl, const struct pl_ports *ports,
           struct flow *flow, struct flow_wildcards *wc,
           struct dp_upcall *up, uint32_t in_dp_port, uint16_t in_ofport,
           uint32_t pkt_len)
{
    x->pl = pl;
    x->ports = ports;
    x->flow = flow;
    x->base = *flow;
    x->orig = *flow;
    x->wc = wc;
    x->in_dp_port = in_dp_port;
    x->in_ofport = in_ofport;
    x->in_tci = flow->vlans[0].tci;
    memcpy(x->in_vlans, flow->vlans, sizeof x->in_vlans);
    x->up = up;
    x->pkt_len = pkt_len;
    x->table_id = 0;
    x->rule = NULL;
    x->handle.n = 0;
    x->handle.n_groups = 0;
    x->handle.mirrors = 0;
    x->handle.pl = pl;
    x->handle.groups = x->handle.room;
    x->exit = false;
    x->group_depth = 0;
    x->uncacheable = false;
    x->queue = -1;
    x->trace = NULL;
    x->trace_depth = 0;
    x->port_map = NULL;
    ofpbuf_use_stub(&x->action_set, x->action_set_stub,
                    sizeof x->action_set_stub);
    x->set_ext = 0;
}

/* Runs the actions of the action set, if there are any and translation
 * has not stopped. */
/* Where an action stands in OpenFlow's order of the action set (1.3,
 * 5.10): copy TTL inwards, pops, push_mpls, push_pbb, push_vlan, copy TTL
 * outwards, decrement TTL, sets (and qos), then group or output. */
static int
set_rank_of_ofpact(enum ofpact_type type)
{
    switch (type) {
    case OFPACT_STRIP_VLAN:
    case OFPACT_POP_MPLS:
        return 2;
    case OFPACT_PUSH_MPLS:
        return 3;
    case OFPACT_PUSH_VLAN:
        return 5;
    case OFPACT_DEC_TTL:
    case OFPACT_DEC_MPLS_TTL:
        return 7;
    case OFPACT_GROUP:
    case OFPACT_OUTPUT:
    case OFPACT_RESUBMIT:
        return 10;
    default:
        return 8;
    }
}

static int
set_rank_of_ext(enum ofp_ext_type type)
{
    return (type == OFP_EXT_COPY_TTL_IN ? 1
            : type == OFP_EXT_POP_PBB ? 2
            : type == OFP_EXT_PUSH_PBB ? 4
            : type == OFP_EXT_COPY_TTL_OUT ? 6
            : 9);               /* The sets, after the library's. */
}

/* Executes ours of the action set that rank before 'rank' and are not
 * done yet ('*done' has their bits). */
static void
xlate_set_ext_before(struct xlate *x, int rank, uint32_t *done)
{
    for (int t = OFP_EXT_COPY_TTL_OUT; t <= OFP_EXT_SET_PBB_UCA; t++) {
        uint32_t bit = 1u << t;
        if (x->set_ext & bit & ~*done && set_rank_of_ext(t) < rank
            && !x->exit) {
            struct ofp_ext ext = { .type = t, .value = x->set_ext_value[t] };
            *done |= bit;
            if (x->trace) {
                struct ds s = DS_EMPTY_INITIALIZER;
                ofp_ext_put_text(&s, &ext);
                trace_step(x, "action", "%s", ds_cstr(&s));
                ds_destroy(&s);
            }
            xlate_ext(x, &ext);
        }
    }
}

/* Runs the actions of the action set, if there are any and translation
 * has not stopped: the library orders its own (and keeps only a group or
 * an output at the end, without which nothing is executed); ours go in
 * their places among them. */
static void
xlate_action_set(struct xlate *x)
{
    if (x->action_set.size && !x->exit) {
        uint64_t stub[1024 / 8];
        struct ofpbuf list = OFPBUF_STUB_INITIALIZER(stub);
        const struct ofpact *a;
        uint32_t done = 0;

        ofpacts_execute_action_set(&list, &x->action_set);
        if (x->trace) {
            trace_step(x, "action-set", "the action set");
            x->trace_depth++;
        }
        OFPACT_FOR_EACH (a, list.data, list.size) {
            xlate_set_ext_before(x, set_rank_of_ofpact(a->type), &done);
            xlate_actions(x, a, OFPACT_ALIGN(a->len));
        }
        if (x->trace) {
            x->trace_depth--;
        }
        ofpbuf_uninit(&list);
    }
}

/* Runs the pipeline from table 0, then the action set. */
static void
xlate_pipeline(struct xlate *x)
{
    const struct pl_port *in = pl_port_find(x->ports, x->in_ofport);

    if (in && is_mirror_output(x, in->ofport)) {
        if (x->trace) {
            trace_step(x, "drop", "the input port is a mirror's output: "
                       "it takes no other traffic");
        }
        return;
    }
    if (in && in->config & (OFPUTIL_PC_PORT_DOWN | OFPUTIL_PC_NO_RECV)) {
        if (x->trace) {
            trace_step(x, "drop", "port_mod made the input port %s: it "
                       "receives nothing",
                       in->config & OFPUTIL_PC_PORT_DOWN ? "down"
                       : "no-recv");
        }
        return;                 /* port_mod: it receives nothing. */
    }
    if (pipeline_is_fail_open(x->pl)) {
        if (x->trace) {
            trace_step(x, "normal", "fail-open (no controller connected): "
                       "the bridge is a learning switch, the tables are "
                       "not used");
        }
        normal(x);
        return;
    }
    xlate_table(x, 0);
    xlate_action_set(x);
}

static bool
ports_have(const uint16_t *ports, size_t n, uint16_t ofport)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == ofport) {
            return true;
        }
    }
    return false;
}

/* The VLAN tags of the packet just before datapath action 'pos', as the
 * actions before it leave the packet as received: outer first. */
struct tag_stack {
    int n;
    bool unknown;                       /* Popped a tag not tracked. */
    uint16_t tpid[FLOW_MAX_VLAN_HEADERS + 2];
    uint16_t tci[FLOW_MAX_VLAN_HEADERS + 2];    /* PCP, DEI, VID. */
};

static void
tags_at(const struct xlate *x, size_t pos, struct tag_stack *t)
{
    const struct dp_actions *acts = &x->up->actions;

    memset(t, 0, sizeof *t);
    for (int i = 0; i < FLOW_MAX_VLAN_HEADERS
                    && x->in_vlans[i].tci & htons(VLAN_CFI); i++) {
        t->tpid[t->n] = ntohs(x->in_vlans[i].tpid);
        t->tci[t->n++] = ntohs(x->in_vlans[i].tci) & ~VLAN_CFI;
    }
    for (size_t i = 0; i < pos && !t->unknown; i++) {
        const struct dp_action *a = &acts->a[i];
        if (a->type == DP_ACTION_PUSH_VLAN) {
            if ((size_t) t->n >= ARRAY_SIZE(t->tci)) {
                t->unknown = true;
                break;
            }
            memmove(&t->tpid[1], &t->tpid[0], t->n * sizeof t->tpid[0]);
            memmove(&t->tci[1], &t->tci[0], t->n * sizeof t->tci[0]);
            t->tpid[0] = a->port;
            t->tci[0] = a->tci;
            t->n++;
        } else if (a->type == DP_ACTION_POP_VLAN) {
            if (!t->n) {
                t->unknown = true;
                break;
            }
            t->n--;
            memmove(&t->tpid[0], &t->tpid[1], t->n * sizeof t->tpid[0]);
            memmove(&t->tci[0], &t->tci[1], t->n * sizeof t->tci[0]);
        } else if (a->type == DP_ACTION_SET_VLAN && t->n) {
            t->tci[0] = (t->tci[0] & ~a->vlan.mask)
                        | (a->vlan.tci & a->vlan.mask);
        } else if (a->type == DP_ACTION_PUSH_PBB
                   || a->type == DP_ACTION_POP_PBB) {
            t->unknown = true;  /* Another frame's tags now. */
            break;
        }
    }
}

/* Inserts an action of 'type' at '*pos' (advanced past it); NULL if the
 * list is full. */
static struct dp_action *
insert_action(struct dp_actions *acts, size_t *pos, enum dp_action_type type)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return NULL;
    }
    memmove(&acts->a[*pos + 1], &acts->a[*pos],
            (acts->n - *pos) * sizeof acts->a[0]);
    memset(&acts->a[*pos], 0, sizeof acts->a[*pos]);
    acts->a[*pos].type = type;
    acts->n++;
    return &acts->a[(*pos)++];
}

/* The copy of mirror 'm' to VLAN 'm->output_vlan', at 'pos': flooded to
 * the ports that carry that VLAN (tagged where they tag it), then the
 * packet's tags put back as they were.  1 if done, 0 if no port carries
 * the VLAN, -1 if it could not be done (no room, or tags the translation
 * cannot follow). */
static int
mirror_to_vlan(struct xlate *x, const struct pl_mirror *m, size_t pos)
{
    struct dp_actions *acts = &x->up->actions;
    uint16_t vlan = m->output_vlan;
    const struct pl_port *outs[DP_MAX_PORTS];
    size_t n = 0, n_tagged = 0;
    struct tag_stack t;

    /* The copy depends on the tags the packet came with. */
    WC_MASK_FIELD(x->wc, vlans);
    tags_at(x, pos, &t);
    if (t.unknown) {
        return -1;
    }
    for (size_t i = 0; i < x->ports->n && n < DP_MAX_PORTS; i++) {
        const struct pl_port *p = &x->ports->p[i];
        if (p->ofport != x->in_ofport && port_carries(p, vlan)
            && port_forwards(p) && !is_mirror_output(x, p->ofport)) {
            outs[n++] = p;
            n_tagged += port_tags(p, vlan);
        }
    }
    if (!n) {
        return 0;
    }
    if (acts->n + n + 3 > DP_MAX_ACTIONS) {
        return -1;
    }
    struct dp_action *a;
    if (t.n) {
        a = insert_action(acts, &pos, DP_ACTION_SET_VLAN);
        a->vlan.tci = vlan;
        a->vlan.mask = VLAN_VID_MASK;
    } else if (n_tagged) {
        a = insert_action(acts, &pos, DP_ACTION_PUSH_VLAN);
        a->port = ETH_TYPE_VLAN;
        a->tci = vlan;
    }
    if (t.n || n_tagged) {
        for (size_t i = 0; i < n; i++) {
            if (port_tags(outs[i], vlan)) {
                insert_action(acts, &pos, DP_ACTION_OUTPUT)->port
                    = outs[i]->dp_port;
            }
        }
    }
    if (n_tagged < n) {
        if (t.n || n_tagged) {
            insert_action(acts, &pos, DP_ACTION_POP_VLAN);
        }
        for (size_t i = 0; i < n; i++) {
            if (!port_tags(outs[i], vlan)) {
                insert_action(acts, &pos, DP_ACTION_OUTPUT)->port
                    = outs[i]->dp_port;
            }
        }
        if (t.n) {
            a = insert_action(acts, &pos, DP_ACTION_PUSH_VLAN);
            a->port = t.tpid[0];
            a->tci = t.tci[0];
        }
    } else if (t.n) {
        a = insert_action(acts, &pos, DP_ACTION_SET_VLAN);
        a->vlan.tci = t.tci[0] & VLAN_VID_MASK;
        a->vlan.mask = VLAN_VID_MASK;
    } else if (n_tagged) {
        insert_action(acts, &pos, DP_ACTION_POP_VLAN);
    }
    return 1;
}

/* Adds the outputs of the mirrors that the translated packet feeds: for a
 * packet received on a selected port, first (the copy is the packet as
 * received); for one sent to a selected port, just after that output
 * (the copy is the packet as sent there).  Once per mirror. */
static void
xlate_mirrors(struct xlate *x)
{
    const struct pl_mirrors *ms = ovsrcu_get(struct pl_mirrors *,
                                             &x->pl->mirrors);
    struct dp_actions *acts = &x->up->actions;
    const struct pl_port *in = pl_port_find(x->ports, x->in_ofport);
    char name[TRACE_PORT_LEN];
    int pos_of[PL_MAX_MIRRORS];
    size_t order[PL_MAX_MIRRORS], n_order = 0;

    if (!ms) {
        return;
    }
    /* Where each mirror's copy goes, found in the actions as translated
     * (a mirror never copies another one's copies). */
    for (size_t i = 0; i < ms->n; i++) {
        const struct pl_mirror *m = &ms->m[i];
        const struct pl_port *out = m->output_vlan ? NULL
                                    : pl_port_find(x->ports, m->output);

        pos_of[i] = -1;
        if (!m->output_vlan
            && (!out || out->ofport == x->in_ofport || !port_forwards(out))) {
            continue;
        }
        if (!m->any_vlan) {
            WC_MASK_FIELD(x->wc, vlans[0].tci);
            int vlan = in ? input_vlan(in, x->in_tci) : -1;
            if (vlan < 0 || !(m->vlan_bits[vlan / 64] >> (vlan % 64) & 1)) {
                continue;
            }
        }
        if (m->select_all || ports_have(m->src, m->n_src, x->in_ofport)) {
            pos_of[i] = 0;
        } else {
            for (size_t a = 0; a < acts->n && pos_of[i] < 0; a++) {
                if (dp_action_is_output(&acts->a[a])
                    && acts->a[a].port < DP_MAX_PORTS
                    && ports_have(m->dst, m->n_dst,
                                  x->ports->ofport_of[acts->a[a].port])) {
                    pos_of[i] = a + 1;
                }
            }
        }
        if (pos_of[i] >= 0) {
            order[n_order++] = i;
        }
    }

    /* Inserted from the last position back, so that each position still
     * points where it did (and, at one position, the first mirror's copy
     * ends up first). */
    for (size_t k = 1; k < n_order; k++) {
        size_t v = order[k], j = k;
        while (j > 0 && (pos_of[order[j - 1]] < pos_of[v]
                         || (pos_of[order[j - 1]] == pos_of[v]
                             && order[j - 1] < v))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    for (size_t k = 0; k < n_order; k++) {
        const struct pl_mirror *m = &ms->m[order[k]];
        int pos = pos_of[order[k]];
        int done;

        if (m->output_vlan) {
            done = mirror_to_vlan(x, m, pos);
        } else {
            size_t p = pos;
            struct dp_action *a = insert_action(acts, &p, DP_ACTION_OUTPUT);
            if (a) {
                a->port = pl_port_find(x->ports, m->output)->dp_port;
            }
            done = a ? 1 : -1;
        }
        if (!done) {
            continue;
        } else if (done < 0) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "%s: mirror %s: no room for its output, or "
                         "VLAN tags it cannot follow", x->pl->name, m->name);
            continue;
        }
        x->handle.mirrors |= 1u << m->slot;
        if (x->trace) {
            char where[TRACE_PORT_LEN + 16];
            if (m->output_vlan) {
                snprintf(where, sizeof where, "VLAN %u", m->output_vlan);
            } else {
                snprintf(where, sizeof where, "%s",
                         trace_port(x, m->output, name));
            }
            struct json *st = trace_step(
                x, "mirror", "mirror %s: a copy -> %s (%s)", m->name, where,
                pos ? "as sent to a selected port"
                    : "as received on a selected port");
            json_object_put_string(st, "mirror", m->name);
        } else {
            uint64_t orig;
            atomic_add_relaxed(&x->pl->mirror_ctr[m->slot].n_packets, 1,
                               &orig);
            atomic_add_relaxed(&x->pl->mirror_ctr[m->slot].n_bytes,
                               x->pkt_len, &orig);
        }
    }
}

static void
xlate_uninit(struct xlate *x)
{
    ofpbuf_uninit(&x->action_set);
}

static bool
is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/* Converts the fields a translation consulted into a datapath key mask.
 * Returns false if the translation consulted a packet field that the
 * datapath key does not carry: then no megaflow could stand for it.
 * Metadata that is the same for every packet entering the pipeline
 * (registers, metadata, tunnel, conntrack state...) needs no key bits. */
static bool
wc_to_dp_mask(const struct flow_wildcards *wc, struct dp_flow_key *m)
{
    const struct flow *f = &wc->masks;

    if (!is_zero(&f->nsh, sizeof f->nsh)) {
        return false;
    }

    flow_fields_to_dp(f, m);
    m->in_port = UINT32_MAX;

    /* Packets parsed differently never share a megaflow, unless the
     * decision looked at no packet field at all: then it holds for every
     * packet from the port, and the datapath may skip parsing them. */
    static const struct dp_flow_key in_port_only = { .in_port = UINT32_MAX };
    if (memcmp(m, &in_port_only, sizeof *m)) {
        m->parse_flags = UINT16_MAX;
    }
    return true;
}

bool
pl_match_to_dp(const struct pl_rule *rule, const struct pl_ports *ports,
               struct dp_flow_key *key, struct dp_flow_key *mask)
{
    struct match match;

    minimatch_expand(&rule->cr.match, &match);
    flow_fields_to_dp(&match.wc.masks, mask);
    flow_fields_to_dp(&match.flow, key);
    for (size_t i = 0; i < DP_KEY_WORDS; i++) {
        dp_key_words_rw(key)[i] &= dp_key_words(mask)[i];
    }
    if (match.wc.masks.in_port.ofp_port) {
        int dp_port = port_to_dp(ports, ofp_to_u16(match.flow.in_port.ofp_port));
        if (dp_port < 0) {
            return false;
        }
        key->in_port = dp_port;
        mask->in_port = UINT32_MAX;
    }
    return true;
}

/* The groups of a packed copy follow its lookups. */
BUILD_ASSERT_DECL(sizeof(struct pl_handle_lookup)
                  % __alignof__(struct pl_handle_group) == 0);

/* A copy of 'h' with only the lookups and groups it used. */
static struct pl_handle *
pl_handle_pack(const struct pl_handle *h)
{
    size_t lookups = h->n * sizeof h->lookups[0];
    size_t groups = h->n_groups * sizeof h->groups[0];
    struct pl_handle *p = xmalloc(offsetof(struct pl_handle, lookups)
                                  + lookups + groups);

    p->n = h->n;
    p->n_groups = h->n_groups;
    p->mirrors = h->mirrors;
    p->pl = h->pl;
    memcpy(p->lookups, h->lookups, lookups);
    p->groups = (struct pl_handle_group *) &p->lookups[h->n];
    memcpy(p->groups, h->groups, groups);
    return p;
}

/* Whether 'p' is among the 'n' sorted pointers of 'ptrs'. */
static bool
ptr_in(const void *ptrs_, size_t n, const void *p)
{
    const void *const *ptrs = ptrs_;
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ptrs[mid] == p) {
            return true;
        } else if ((uintptr_t) ptrs[mid] < (uintptr_t) p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* Whether some packet matches both masked keys. */
static bool
dp_keys_overlap(const struct dp_flow_key *k1, const struct dp_flow_key *m1,
                const struct dp_flow_key *k2, const struct dp_flow_key *m2)
{
    const uint64_t *a = dp_key_words(k1), *am = dp_key_words(m1);
    const uint64_t *b = dp_key_words(k2), *bm = dp_key_words(m2);

    for (size_t i = 0; i < DP_KEY_WORDS; i++) {
        if ((a[i] ^ b[i]) & am[i] & bm[i]) {
            return false;
        }
    }
    return true;
}

/* A lookup that found 'l->rule' (or nothing) in its table can find
 * another rule now only if that rule was added with at least its
 * priority, and matches one of the megaflow's packets as they were at the
 * lookup: as they entered the pipeline, if nothing had changed them yet
 * ('key' and 'mask' say which those are); any, if something had. */
bool
pipeline_changes_affect(const void *changes_, const void *handle_,
                        const struct dp_flow_key *key,
                        const struct dp_flow_key *mask)
{
    const struct pipeline_changes *c = changes_;
    const struct pl_handle *h = handle_;

    if (!h || h->pl != c->pl) {
        return false;           /* No rule, or not this pipeline's. */
    }
    for (size_t i = 0; c->n_gone_groups && i < h->n_groups; i++) {
        if (ptr_in(c->gone_groups, c->n_gone_groups, h->groups[i].group)) {
            return true;
        }
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct pl_handle_lookup *l = &h->lookups[i];

        if (l->rule && ptr_in(c->gone, c->n_gone, l->rule)) {
            return true;
        }
        if (!(c->added_tables[l->table_id / 64]
              & (UINT64_C(1) << (l->table_id % 64)))) {
            continue;
        }
        for (size_t j = 0; j < c->n_added; j++) {
            const struct pl_added_rule *a = &c->added[j];
            if (a->table_id == l->table_id
                && (l->rewritten
                    || dp_keys_overlap(key, mask, &a->key, &a->mask))
                && (!l->rule || l->priority <= a->priority)) {
                return true;
            }
        }
    }
    return false;
}

void
pipeline_upcall(void *pl_, struct dp_upcall *up)
{
    struct pipeline *pl = pl_;
    const struct pl_ports *ports = pl_ports_get(pl);
    const struct dp_flow_key *key = up->key;
    uint16_t in_ofport;

    in_ofport = key->in_port < DP_MAX_PORTS ? ports->ofport_of[key->in_port]
                                            : 0;
    if (!in_ofport) {
        return;                 /* Port is going away: drop, uncached. */
    }

    struct dp_packet pkt;
    struct flow flow;
    dp_packet_use_const(&pkt, up->packet, up->len);
    flow_extract(&pkt, &flow);
    flow_extras_from_key(&flow, key);
    flow.in_port.ofp_port = u16_to_ofp(in_ofport);

    struct flow_wildcards wc;
    flow_wildcards_init_catchall(&wc);
    WC_MASK_FIELD(&wc, in_port);

    const struct pl_psec *psec = ports->psec_of[key->in_port];
    if (psec) {
        int reason = psec_check(psec, &flow, &wc);
        if (reason >= 0) {
            /* Spoofed: no table sees it, NORMAL learns nothing. */
            struct dp_action *a = dp_actions_put(&up->actions,
                                                 DP_ACTION_DROP);
            a->arg = reason;
            up->cacheable = wc_to_dp_mask(&wc, &up->mask);
            return;
        }
    }

    struct xlate x;
    xlate_init(&x, pl, ports, &flow, &wc, up, key->in_port, in_ofport,
               up->pkt_len);
    xlate_set_packet(&x, &pkt, up->pkt_len);
    xlate_dhcp_client_snoop(&x);
    xlate_pipeline(&x);
    xlate_mirrors(&x);
    xlate_dhcp_snoop(&x);

    up->cacheable = !x.uncacheable && wc_to_dp_mask(&wc, &up->mask);
    if (up->cacheable
        && (x.handle.n || x.handle.n_groups || x.handle.mirrors)) {
        struct pl_handle *h = pl_handle_pack(&x.handle);
        for (int i = 0; i < h->n; i++) {
            if (h->lookups[i].rule) {
                ovs_refcount_ref(&h->lookups[i].rule->ref);
            }
        }
        for (int i = 0; i < h->n_groups; i++) {
            ovs_refcount_ref(&h->groups[i].group->ref);
        }
        up->handle = h;
    }
    xlate_uninit(&x);
}

int
pipeline_trace(struct pipeline *pl, ofp_port_t in_port,
               const struct flow *md, const void *packet, size_t len,
               const struct ofputil_port_map *port_map,
               struct pipeline_trace *t, char **errp)
{
    const struct pl_ports *ports = pl_ports_get(pl);
    uint32_t in_dp_port = DP_MAX_PORTS;
    uint16_t in_ofport = ofp_to_u16(in_port);

    memset(t, 0, sizeof *t);
    if (in_port == OFPP_LOCAL) {
        in_ofport = ports->local_ofport;
        if (!in_ofport) {
            *errp = xasprintf("bridge %s has no LOCAL port", pl->name);
            return ENOENT;
        }
    }
    if (in_port != OFPP_NONE) {
        int dp_port = port_to_dp(ports, in_ofport);
        if (dp_port < 0) {
            *errp = xasprintf("bridge %s has no port %"PRIu16, pl->name,
                              in_ofport);
            return ENOENT;
        }
        in_dp_port = dp_port;
    }

    struct dp_packet pkt;
    struct flow flow;
    dp_packet_use_const(&pkt, packet, len);
    extract_with_exthdr(&pkt, &flow);
    flow.in_port.ofp_port = u16_to_ofp(in_ofport);
    if (md) {
        flow.metadata = md->metadata;
        memcpy(flow.regs, md->regs, sizeof flow.regs);
    }

    struct flow_wildcards wc;
    flow_wildcards_init_catchall(&wc);
    WC_MASK_FIELD(&wc, in_port);

    struct dp_upcall *up = xzalloc(sizeof *up);
    struct xlate x;
    xlate_init(&x, pl, ports, &flow, &wc, up, in_dp_port, in_ofport, len);
    xlate_set_packet(&x, &pkt, len);
    x.trace = t->steps = json_array_create_empty();
    x.port_map = port_map;

    bool dropped = false;
    if (in_dp_port < DP_MAX_PORTS) {
        t->from_port = true;
        dp_flow_key_extract(packet, len, in_dp_port, &t->key);

        const struct pl_psec *psec = ports->psec_of[in_dp_port];
        int reason = psec ? psec_check(psec, &flow, &wc) : -1;
        if (reason >= 0) {
            struct json *st = trace_step(&x, "security", "port security "
                                         "drops it: %s",
                                         dp_drop_reason_name(reason));
            json_object_put_string(st, "drop_reason",
                                   dp_drop_reason_name(reason));
            struct dp_action *a = dp_actions_put(&up->actions,
                                                 DP_ACTION_DROP);
            a->arg = reason;
            dropped = true;
        } else if (psec) {
            trace_step(&x, "security", "port security: its addresses are "
                       "the guest's own");
        }
    } else {
        trace_step(&x, "note", "no input port: translated as a "
                   "controller's packet-out through table 0 (no megaflow)");
    }
    if (!dropped) {
        if (t->from_port) {
            xlate_dhcp_client_snoop(&x);    /* As pipeline_upcall(). */
        }
        xlate_pipeline(&x);
        if (t->from_port) {
            xlate_mirrors(&x);
        }
        xlate_dhcp_snoop(&x);
    }
    t->actions = up->actions;
    t->cacheable = t->from_port && !x.uncacheable
                   && wc_to_dp_mask(&wc, &t->mask);
    xlate_uninit(&x);
    free(up);
    return 0;
}

static void
pipeline_credit(void *handle, uint64_t packets, uint64_t bytes)
{
    struct pl_handle *h = handle;
    uint64_t orig;

    for (int i = 0; i < h->n; i++) {
        struct pl_table *table = &h->pl->tables[h->lookups[i].table_id];
        struct pl_rule *rule = h->lookups[i].rule;

        atomic_add_relaxed(&table->n_lookups, packets, &orig);
        if (rule) {
            atomic_add_relaxed(&table->n_matched, packets, &orig);
            atomic_add_relaxed(&rule->n_packets, packets, &orig);
            atomic_add_relaxed(&rule->n_bytes, bytes, &orig);
        }
    }
    for (int i = 0; i < h->n_groups; i++) {
        struct pl_group *g = h->groups[i].group;
        if (h->groups[i].count_group) {
            atomic_add_relaxed(&g->n_packets, packets, &orig);
            atomic_add_relaxed(&g->n_bytes, bytes, &orig);
        }
        if (h->groups[i].bucket >= 0) {
            struct pl_bucket *b = &g->buckets[h->groups[i].bucket];
            atomic_add_relaxed(&b->n_packets, packets, &orig);
            atomic_add_relaxed(&b->n_bytes, bytes, &orig);
        }
    }
    for (uint32_t m = h->mirrors; m; m &= m - 1) {
        struct pl_mirror_counters *c = &h->pl->mirror_ctr[__builtin_ctz(m)];
        atomic_add_relaxed(&c->n_packets, packets, &orig);
        atomic_add_relaxed(&c->n_bytes, bytes, &orig);
    }
}

/* A megaflow that NORMAL made is in use: its source address is alive on
 * its port, as it would be if its packets still went through NORMAL. */
static void
pipeline_refresh(void *pl_, void *handle OVS_UNUSED,
                 const struct dp_flow_key *key)
{
    struct pipeline *pl = pl_;
    const struct pl_ports *ports = pl_ports_get(pl);
    uint16_t in_ofport = key->in_port < DP_MAX_PORTS
                         ? ports->ofport_of[key->in_port] : 0;
    const struct pl_port *in = in_ofport ? pl_port_find(ports, in_ofport) : NULL;
    int vlan = in ? input_vlan(in, key->vlan_tci[0]) : -1;
    struct eth_addr src;

    memcpy(src.ea, key->dl_src, 6);
    if (vlan >= 0 && !eth_addr_is_multicast(src)) {
        mac_table_learn(pl->macs, key->dl_src, vlan, in_ofport, time_msec());
    }
}

static void
pipeline_release(void *handle)
{
    struct pl_handle *h = handle;

    for (int i = 0; i < h->n; i++) {
        rule_unref(h->lookups[i].rule);
    }
    for (int i = 0; i < h->n_groups; i++) {
        group_unref(h->groups[i].group);
    }
    free(h);
}

const struct dp_upcall_ops pipeline_upcall_ops = {
    .upcall = pipeline_upcall,
    .credit = pipeline_credit,
    .refresh = pipeline_refresh,
    .release = pipeline_release,
};

/* ---- Packet-in and packet-out (main thread) ------------------------- */

/* The packet-in context that 'arg' (of a DP_ACTION_CONTROLLER) names in
 * 'pl', or NULL if it names none there. */
static const struct pl_pin_desc *
pin_desc_of_arg(const struct pipeline *pl, uint32_t arg)
{
    uint32_t n;

    atomic_read_explicit((ATOMIC(uint32_t) *) &pl->n_pin_descs, &n,
                         memory_order_acquire);
    return (pipeline_id_of_arg(arg) == pl->id && (arg & 0xffff) < n
            ? pl->pin_descs[arg & 0xffff] : NULL);
}

bool
pipeline_packet_in(struct pipeline *pl, uint32_t arg, const void *data,
                   size_t len, struct ofputil_packet_in_private *pin,
                   bool *miss, bool *miss_rule, uint16_t *max_len,
                   uint16_t *controller_id)
{
    const struct pl_pin_desc *d = pin_desc_of_arg(pl, arg);

    if (!d || d->snoop_ofport) {
        return false;           /* Snooping: pipeline_dhcp_snoop()'s. */
    }

    memset(pin, 0, sizeof *pin);
    pin->base.packet = CONST_CAST(void *, data);
    pin->base.packet_len = len;
    pin->base.reason = d->reason;
    pin->base.table_id = d->table_id;
    pin->base.cookie = d->cookie;
    match_init_catchall(&pin->base.flow_metadata);
    match_set_in_port(&pin->base.flow_metadata, u16_to_ofp(d->in_ofport));
    if (d->metadata) {
        match_set_metadata(&pin->base.flow_metadata, d->metadata);
    }
    for (int i = 0; i < FLOW_N_REGS; i++) {
        if (d->regs[i]) {
            match_set_reg(&pin->base.flow_metadata, i, d->regs[i]);
        }
    }
    *miss = d->miss;
    *miss_rule = d->miss_rule;
    *max_len = d->max_len;
    *controller_id = d->controller_id;
    return true;
}

bool
pipeline_dhcp_snoop(struct pipeline *pl, uint32_t arg, const void *data,
                    size_t len, bool *changed)
{
    const struct pl_pin_desc *d = pin_desc_of_arg(pl, arg);

    *changed = false;
    if (!d || !d->snoop_ofport) {
        return false;
    }

    const struct pl_ports *ports = pl_ports_get(pl);
    int dp_port = port_to_dp(ports, d->snoop_ofport);
    if (dp_port >= 0) {
        *changed = psec_learn_dhcp(ports->psec_of[dp_port], data, len,
                                   time_msec());
    }
    return true;
}

enum ofperr
pipeline_packet_out(struct pipeline *pl, const struct ofputil_packet_out *po)
{
    const struct pl_ports *ports = pl_ports_get(pl);
    ofp_port_t in_port = po->flow_metadata.flow.in_port.ofp_port;
    uint32_t in_dp_port = DP_MAX_PORTS;
    enum ofperr error;

    error = check_ofpacts(pl, po->ofpacts, po->ofpacts_len, 0, true, NULL);
    if (error) {
        return error;
    }
    if (po->buffer_id != UINT32_MAX) {
        return OFPERR_OFPBRC_BUFFER_UNKNOWN;
    }
    if (ofp_to_u16(in_port) <= ofp_to_u16(OFPP_MAX)) {
        int dp_port = port_to_dp(ports, ofp_to_u16(in_port));
        if (dp_port < 0) {
            return OFPERR_OFPBRC_BAD_PORT;
        }
        in_dp_port = dp_port;
    } else if (in_port == OFPP_LOCAL && ports->local_ofport) {
        in_dp_port = port_to_dp(ports, ports->local_ofport);
    } else if (in_port != OFPP_CONTROLLER && in_port != OFPP_NONE
               && in_port != OFPP_LOCAL) {
        return OFPERR_OFPBRC_BAD_PORT;
    }
    if (!po->packet_len) {
        return 0;
    }

    struct dp_packet pkt;
    struct flow flow;
    dp_packet_use_const(&pkt, po->packet, po->packet_len);
    extract_with_exthdr(&pkt, &flow);
    flow.in_port.ofp_port = in_port;
    flow.metadata = po->flow_metadata.flow.metadata;
    memcpy(flow.regs, po->flow_metadata.flow.regs, sizeof flow.regs);

    struct flow_wildcards wc;
    flow_wildcards_init_catchall(&wc);

    struct dp_upcall *up = xzalloc(sizeof *up);
    struct xlate x;
    xlate_init(&x, pl, ports, &flow, &wc, up, in_dp_port,
               ofp_to_u16(in_port), po->packet_len);
    xlate_set_packet(&x, &pkt, po->packet_len);
    xlate_actions(&x, po->ofpacts, po->ofpacts_len);
    xlate_action_set(&x);
    xlate_dhcp_snoop(&x);
    xlate_uninit(&x);

    if (pl->hooks.execute) {
        pl->hooks.execute(pl->hooks_aux, in_dp_port, po->packet,
                          po->packet_len, &up->actions, up->mac_changed);
    }
    free(up);
    return 0;
}
