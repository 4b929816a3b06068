/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for switchd/pipeline: the decisions that rules make for real
 * packets, as the datapath would see them. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/flow-key.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "ovs-rcu.h"
#include "timeval.h"
#include "switchd/pipeline.h"
#include "openvswitch/ofp-port.h"

/* OpenFlow ports 1-3 are datapath ports 10-12. */
#define DP(OFPORT) (9 + (OFPORT))

static const uint8_t MAC1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct packet {
    uint8_t data[128];
    size_t len;
};

/* An IPv4/UDP frame from 'src' to 'dst' with UDP destination 'dport'. */
static struct packet
udp(const uint8_t dst[6], const uint8_t src[6], uint16_t dport)
{
    struct packet p = { .len = 42 };
    uint8_t ip[20] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
                       10, 0, 0, 1, 10, 0, 0, 2 };

    memcpy(p.data, dst, 6);
    memcpy(p.data + 6, src, 6);
    p.data[12] = 0x08;
    memcpy(p.data + 14, ip, 20);
    p.data[34] = 0x30;
    p.data[35] = 0x39;          /* Source port 12345. */
    p.data[36] = dport >> 8;
    p.data[37] = dport & 0xff;
    p.data[39] = 8;
    return p;
}

/* Runs 'p' arriving on OpenFlow port 'in' through 'pl'; returns the
 * OpenFlow ports it goes out of as a sorted string such as "2,3", or "". */
/* Translates 'p' arriving on OpenFlow port 'in' into '*up' (whose key
 * lives in '*key'), as the datapath would on a miss. */
static void
translate(struct pipeline *pl, uint16_t in, const struct packet *p,
          struct dp_flow_key *key, struct dp_upcall *up)
{
    dp_flow_key_extract(p->data, p->len, DP(in), key);
    memset(up, 0, sizeof *up);
    up->key = key;
    up->packet = p->data;
    up->len = up->pkt_len = p->len;
    pipeline_upcall(pl, up);
    if (up->handle) {
        pipeline_upcall_ops.release(up->handle);
    }
}

static char *
decide(struct pipeline *pl, uint16_t in, const struct packet *p)
{
    struct dp_upcall up;
    struct dp_flow_key key;
    int out[DP_MAX_PORTS] = { 0 };
    struct ds s = DS_EMPTY_INITIALIZER;

    translate(pl, in, p, &key, &up);
    for (size_t i = 0; i < up.actions.n; i++) {
        assert_int_equal(up.actions.a[i].type, DP_ACTION_OUTPUT);
        out[up.actions.a[i].port - 9]++;
    }
    for (int i = 1; i < DP_MAX_PORTS - 9; i++) {
        for (int j = 0; j < out[i]; j++) {
            ds_put_format(&s, "%s%d", s.length ? "," : "", i);
        }
    }
    return ds_steal_cstr(&s);
}

static void
assert_decision(struct pipeline *pl, uint16_t in, const struct packet *p,
                const char *expected)
{
    char *got = decide(pl, in, p);
    assert_string_equal(got, expected);
    free(got);
}

static void
add_flow(struct pipeline *pl, const char *text)
{
    char *err = NULL;
    int error = pipeline_flow_add(pl, text, &err);
    if (error) {
        fail_msg("%s: %s", text, err);
    }
}

static int
setup(void **state)
{
    struct pipeline *pl = pipeline_create("br0");

    for (uint16_t ofport = 1; ofport <= 3; ofport++) {
        pipeline_port_add(pl, ofport, DP(ofport), false, NULL);
    }
    *state = pl;
    return 0;
}

static int
teardown(void **state)
{
    pipeline_destroy(*state);
    ovsrcu_quiesce();           /* Runs the postponed frees. */
    return 0;
}

static void
test_pipeline_drops_on_table_miss(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    assert_decision(pl, 1, &p, "");
    assert_int_equal(pipeline_n_missed(pl), 1);
}

static void
test_pipeline_highest_priority_rule_wins(void **state)
{
    struct pipeline *pl = *state;
    struct packet dns = udp(MAC2, MAC1, 53), other = udp(MAC2, MAC1, 80);

    add_flow(pl, "priority=10,in_port=1,actions=output:2");
    add_flow(pl, "priority=20,udp,tp_dst=53,actions=output:3");
    assert_decision(pl, 1, &dns, "3");
    assert_decision(pl, 1, &other, "2");
    /* No rule for port 2's traffic. */
    assert_decision(pl, 2, &other, "");
}

static void
test_pipeline_flood_all_and_in_port(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "in_port=1,actions=FLOOD");
    add_flow(pl, "in_port=2,actions=ALL");
    add_flow(pl, "in_port=3,actions=IN_PORT,output:3,output:1");
    assert_decision(pl, 1, &p, "2,3");
    assert_decision(pl, 2, &p, "1,3");
    /* output:3 on port 3 is dropped (OpenFlow), IN_PORT is not. */
    assert_decision(pl, 3, &p, "1,3");
}

static void
test_pipeline_drop_action(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "priority=0,actions=FLOOD");
    add_flow(pl, "priority=5,in_port=2,actions=drop");
    assert_decision(pl, 2, &p, "");
    assert_decision(pl, 1, &p, "2,3");
}

static void
test_pipeline_normal_floods_then_learns(void **state)
{
    struct pipeline *pl = *state;
    struct packet to2 = udp(MAC2, MAC1, 53), to1 = udp(MAC1, MAC2, 53);
    struct packet bcast = udp(BCAST, MAC1, 53);

    add_flow(pl, "actions=NORMAL");
    /* MAC2 unknown: flood. */
    assert_decision(pl, 1, &to2, "2,3");
    /* MAC1 was learned on port 1: unicast. */
    assert_decision(pl, 2, &to1, "1");
    /* And now MAC2 is known on port 2. */
    assert_decision(pl, 1, &to2, "2");
    /* Broadcast always floods. */
    assert_decision(pl, 1, &bcast, "2,3");
    /* A packet for a host on its own segment goes nowhere. */
    assert_decision(pl, 2, &to2, "");
}

static void
test_pipeline_normal_forgets_deleted_port(void **state)
{
    struct pipeline *pl = *state;
    struct packet from2 = udp(MAC1, MAC2, 53), to2 = udp(MAC2, MAC1, 53);

    add_flow(pl, "actions=NORMAL");
    assert_decision(pl, 2, &from2, "1,3");
    assert_decision(pl, 1, &to2, "2");
    pipeline_port_del(pl, 2);
    assert_decision(pl, 1, &to2, "3");
    /* Packets from the deleted port are not translated at all. */
    assert_decision(pl, 2, &from2, "");
}

static void
test_pipeline_add_replaces_same_match_and_priority(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "priority=7,in_port=1,actions=output:2");
    add_flow(pl, "priority=7,in_port=1,actions=output:3");
    assert_int_equal(pipeline_flow_count(pl), 1);
    assert_decision(pl, 1, &p, "3");
}

static void
test_pipeline_del_flows_loose_match(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    size_t n;
    char *err;

    add_flow(pl, "priority=1,actions=output:3");
    add_flow(pl, "priority=9,in_port=1,udp,actions=output:2");
    add_flow(pl, "priority=9,in_port=1,tcp,actions=output:2");
    add_flow(pl, "priority=9,in_port=2,actions=output:1");
    assert_int_equal(pipeline_flows_del(pl, "in_port=1", &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pipeline_flow_count(pl), 2);
    assert_decision(pl, 1, &p, "3");
    assert_int_equal(pipeline_flows_del(pl, NULL, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_decision(pl, 1, &p, "");
}

static void
test_pipeline_counts_packets_and_bytes_per_rule(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct ds s = DS_EMPTY_INITIALIZER;

    add_flow(pl, "priority=3,in_port=1,actions=output:2");
    for (int i = 0; i < 5; i++) {
        free(decide(pl, 1, &p));
    }
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "n_packets=5, n_bytes=210, "
                           "priority=3,in_port=1 actions=output:2"));
    ds_destroy(&s);
}

static void
test_pipeline_rejects_bad_flows_without_change(void **state)
{
    struct pipeline *pl = *state;
    static const struct {
        const char *flow;
        const char *error;
    } bad[] = {
        { "in_port=1,actions=learn(table=1,output:NXM_OF_IN_PORT[])",
          "action \"learn\" is not supported" },
        { "in_port=1,actions=output:TABLE",
          "output to TABLE is only for packet-out" },
        { "table=3,actions=goto_table:2",
          "OFPBIC_BAD_TABLE_ID" },
        { "ip,actions=set_field:1.2.3.4->tun_src",
          "set_field of tun_src is not supported" },
        { "in_port=1", "must specify an action" },
        { "dl_dst=zz:00:00:00:00:00,actions=drop", "zz:00:00:00:00:00" },
        { "frobnicate=1,actions=drop", "frobnicate" },
    };

    add_flow(pl, "priority=1,actions=output:1");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *err = NULL;
        assert_int_not_equal(pipeline_flow_add(pl, bad[i].flow, &err), 0);
        assert_non_null(err);
        if (!strstr(err, bad[i].error)) {
            fail_msg("\"%s\": error \"%s\" lacks \"%s\"", bad[i].flow, err,
                     bad[i].error);
        }
        free(err);
        assert_int_not_equal(pipeline_flow_check(bad[i].flow, &err), 0);
        free(err);
    }

    /* A group is checked against the pipeline's groups. */
    char *err = NULL;
    assert_int_not_equal(pipeline_flow_add(pl, "actions=group:7", &err), 0);
    assert_non_null(strstr(err, "group 7 does not exist"));
    free(err);
    assert_int_equal(pipeline_flow_count(pl), 1);
}

/* What is saved parses back to the same rules. */
static void
test_pipeline_texts_round_trip(void **state)
{
    struct pipeline *pl = *state;
    struct pipeline *copy = pipeline_create("br1");
    size_t n, n2;

    add_flow(pl, "cookie=0x2a,priority=50,idle_timeout=30,in_port=1,"
             "dl_dst=02:00:00:00:00:02,actions=output:2,output:3");
    add_flow(pl, "priority=0,actions=NORMAL");
    add_flow(pl, "priority=9,ip,nw_dst=10.0.0.0/8,actions=drop");

    char **texts = pipeline_flows_texts(pl, &n);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        add_flow(copy, texts[i]);
    }
    char **again = pipeline_flows_texts(copy, &n2);
    assert_int_equal(n2, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(again[i], texts[i]);
        free(texts[i]);
        free(again[i]);
    }
    free(texts);
    free(again);
    pipeline_destroy(copy);
}

/* ---- VLANs ---- */

/* 1, 2: access VLAN 10; 3: access VLAN 20; 4: trunk of 10 and 20; 5: every
 * VLAN. */
static int
setup_vlans(void **state)
{
    static const uint16_t trunks[] = { 10, 20 };
    const struct pipeline_port_vlans v[] = {
        { .vlan = 10 }, { .vlan = 10 }, { .vlan = 20 },
        { .trunks = trunks, .n_trunks = 2 }, { 0 },
    };
    struct pipeline *pl = pipeline_create("br0");

    for (uint16_t ofport = 1; ofport <= 5; ofport++) {
        pipeline_port_add(pl, ofport, DP(ofport), false, &v[ofport - 1]);
    }
    add_flow(pl, "actions=NORMAL");
    *state = pl;
    return 0;
}

/* 'p' with an 802.1Q tag of 'vid' inserted. */
static struct packet
tagged(struct packet p, uint16_t vid)
{
    struct packet t = { .len = p.len + 4 };

    memcpy(t.data, p.data, 12);
    t.data[12] = 0x81;
    t.data[13] = 0x00;
    t.data[14] = vid >> 8;
    t.data[15] = vid & 0xff;
    memcpy(t.data + 16, p.data + 12, p.len - 12);
    return t;
}

/* The actions for 'p' from OpenFlow port 'in', as "2,push:10,4,5". */
static char *
render(struct pipeline *pl, uint16_t in, const struct packet *p)
{
    struct dp_upcall up;
    struct dp_flow_key key;
    struct ds s = DS_EMPTY_INITIALIZER;

    translate(pl, in, p, &key, &up);
    for (size_t i = 0; i < up.actions.n; i++) {
        const struct dp_action *a = &up.actions.a[i];
        if (s.length) {
            ds_put_char(&s, ',');
        }
        if (a->type == DP_ACTION_OUTPUT) {
            ds_put_format(&s, "%d", a->port - 9);
        } else if (a->type == DP_ACTION_PUSH_VLAN) {
            ds_put_format(&s, "push:%u", a->tci & 0xfff);
        } else {
            ds_put_cstr(&s, "pop");
        }
    }
    return ds_steal_cstr(&s);
}

static void
assert_render(struct pipeline *pl, uint16_t in, const struct packet *p,
              const char *expected)
{
    char *got = render(pl, in, p);
    assert_string_equal(got, expected);
    free(got);
}

static void
test_pipeline_normal_floods_within_the_vlan(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct packet p20 = tagged(p, 20);

    /* Untagged on access 10: to the other access-10 port untagged, to the
     * trunk and the all-VLAN port tagged 10; never to VLAN 20's port. */
    assert_render(pl, 1, &p, "2,push:10,4,5");
    /* Tagged 20 on the trunk: tagged to the all-VLAN port, untagged to the
     * access-20 port. */
    assert_render(pl, 4, &p20, "5,pop,3");
}

static void
test_pipeline_normal_drops_foreign_vlans(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct packet p10 = tagged(p, 10), p30 = tagged(p, 30);

    assert_render(pl, 1, &p10, "");     /* Tagged on an access port. */
    assert_render(pl, 4, &p30, "");     /* VLAN the trunk does not carry. */
    assert_render(pl, 4, &p, "");       /* Untagged, trunk without native. */
}

static void
test_pipeline_normal_learns_per_vlan(void **state)
{
    struct pipeline *pl = *state;
    struct packet from1 = udp(MAC2, MAC1, 53), to1 = udp(MAC1, MAC2, 53);

    free(render(pl, 1, &from1));        /* MAC1 learned on VLAN 10, port 1. */
    /* On VLAN 10 the answer goes straight to port 1... */
    assert_render(pl, 2, &to1, "1");
    /* ...but VLAN 20 does not know MAC1: flood there, tagged 20. */
    assert_render(pl, 3, &to1, "push:20,4,5");
    /* From the trunk on VLAN 10, untagged to port 1. */
    struct packet to1_10 = tagged(to1, 10);
    assert_render(pl, 4, &to1_10, "pop,1");
}

static void
test_pipeline_trunk_native_vlan_is_untagged(void **state)
{
    static const uint16_t trunks[] = { 20 };
    const struct pipeline_port_vlans access = { .vlan = 10 };
    const struct pipeline_port_vlans trunk = {
        .trunks = trunks, .n_trunks = 1, .native_vlan = 10,
    };
    struct pipeline *pl = pipeline_create("br1");
    struct packet p = udp(MAC2, MAC1, 53);
    struct packet p10 = tagged(p, 10);

    pipeline_port_add(pl, 1, DP(1), false, &access);
    pipeline_port_add(pl, 2, DP(2), false, &trunk);
    add_flow(pl, "actions=NORMAL");
    /* VLAN 10 leaves the trunk untagged, and untagged frames on the trunk
     * are VLAN 10. */
    assert_render(pl, 1, &p, "2");
    assert_render(pl, 2, &p, "1");
    /* A tagged 10 on the trunk is not the native VLAN's way in. */
    assert_render(pl, 2, &p10, "pop,1");
    pipeline_destroy(pl);
}


/* ---- Multi-table pipeline ---- */

/* The actions of 'p' from port 'in' as a string: "out:2", "set_ipv4_dst",
 * "controller", "push_vlan:5", "pop_vlan"..., comma-separated. */
static char *
actions_of(struct pipeline *pl, uint16_t in, const struct packet *p,
           struct dp_upcall *up)
{
    struct dp_flow_key key;
    struct ds s = DS_EMPTY_INITIALIZER;

    translate(pl, in, p, &key, up);
    for (size_t i = 0; i < up->actions.n; i++) {
        const struct dp_action *a = &up->actions.a[i];
        ds_put_cstr(&s, s.length ? "," : "");
        switch (a->type) {
        case DP_ACTION_OUTPUT:
            ds_put_format(&s, "out:%d", a->port - 9);
            break;
        case DP_ACTION_OUTPUT_QUEUE:
            ds_put_format(&s, "out:%d/slot%u", a->port - 9, a->arg);
            break;
        case DP_ACTION_CONTROLLER:
            ds_put_cstr(&s, "controller");
            break;
        case DP_ACTION_PUSH_VLAN:
            ds_put_format(&s, "push_vlan:%d", a->tci & 0xfff);
            if (a->port != 0x8100) {
                ds_put_format(&s, "/%#x", a->port);
            }
            break;
        case DP_ACTION_POP_VLAN:
            ds_put_cstr(&s, "pop_vlan");
            break;
        case DP_ACTION_SET_IPV4_DST:
            ds_put_format(&s, "set_ipv4_dst:%d.%d.%d.%d",
                          ((uint8_t *) &a->be32)[0], ((uint8_t *) &a->be32)[1],
                          ((uint8_t *) &a->be32)[2], ((uint8_t *) &a->be32)[3]);
            break;
        case DP_ACTION_SET_ETH_SRC:
            ds_put_format(&s, "set_eth_src:%02x", a->mac[5]);
            break;
        case DP_ACTION_SET_IP_TTL:
            ds_put_format(&s, "set_ttl:%d", a->u8[0]);
            break;
        case DP_ACTION_SET_IP_TOS:
            ds_put_format(&s, "set_tos:%d/%d", a->u8[0], a->u8[1]);
            break;
        case DP_ACTION_SET_TP_SRC:
            ds_put_format(&s, "set_tp_src:%d", ntohs(a->be16));
            break;
        case DP_ACTION_SET_TP_DST:
            ds_put_format(&s, "set_tp_dst:%d", ntohs(a->be16));
            break;
        case DP_ACTION_METER:
            ds_put_cstr(&s, "meter");
            break;
        case DP_ACTION_PUSH_MPLS:
            ds_put_format(&s, "push_mpls:%d/%d", ntohl(a->be32) >> 12,
                          ntohl(a->be32) & 0xff);
            break;
        case DP_ACTION_POP_MPLS:
            ds_put_format(&s, "pop_mpls:%#x", a->port);
            break;
        case DP_ACTION_SET_MPLS_LSE:
            ds_put_format(&s, "set_mpls%s:%d/%d%s",
                          a->port ? "[1]" : "", ntohl(a->be32) >> 12,
                          ntohl(a->be32) & 0xff,
                          ntohl(a->be32) & 0x100 ? "" : "/nobos");
            break;
        case DP_ACTION_SET_ETH_TYPE:
            ds_put_format(&s, "set_eth_type:%#x", ntohs(a->be16));
            break;
        case DP_ACTION_SET_IP_PROTO:
            ds_put_format(&s, "set_ip_proto:%d", a->u8[0]);
            break;
        case DP_ACTION_SET_MPLS_IP_TTL:
            ds_put_format(&s, "set_mpls_ip_ttl:%d", a->u8[0]);
            break;
        case DP_ACTION_PUSH_PBB:
            ds_put_format(&s, "push_pbb:%#x/%#x", a->port, ntohl(a->be32));
            break;
        case DP_ACTION_POP_PBB:
            ds_put_cstr(&s, "pop_pbb");
            break;
        case DP_ACTION_SET_PBB_ITAG:
            ds_put_format(&s, "set_pbb_itag:%#x", ntohl(a->be32));
            break;
        case DP_ACTION_SET_IPV6_WORD:
            ds_put_format(&s, "set_ipv6[%d]:%08x", a->port, ntohl(a->be32));
            break;
        case DP_ACTION_SET_ARP:
            ds_put_format(&s, "set_arp%d", a->port);
            break;
        case DP_ACTION_SET_ICMP:
            ds_put_format(&s, "set_icmp%d:%d", a->port, a->u8[0]);
            break;
        case DP_ACTION_SET_ND:
            if (a->port <= DP_ND_TARGET3) {
                ds_put_format(&s, "set_nd_target%d:%08x", a->port,
                              ntohl(a->be32));
            } else {
                ds_put_format(&s, "set_nd_%s:%02x",
                              a->port == DP_ND_SLL ? "sll" : "tll",
                              a->mac[5]);
            }
            break;
        default:
            ds_put_format(&s, "type%d", a->type);
        }
    }
    return ds_steal_cstr(&s);
}

static void
assert_actions(struct pipeline *pl, uint16_t in, const struct packet *p,
               const char *expected)
{
    struct dp_upcall up;
    char *got = actions_of(pl, in, p, &up);
    assert_string_equal(got, expected);
    free(got);
}

static void
test_pipeline_goto_table_and_metadata(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "table=0,in_port=1,actions=write_metadata:0x5/0xff,"
             "goto_table:3");
    add_flow(pl, "table=3,metadata=0x5/0xff,udp,actions=output:2");
    add_flow(pl, "table=3,priority=0,actions=output:3");
    assert_actions(pl, 1, &p, "out:2");
    /* From port 2 table 0 misses: dropped. */
    assert_actions(pl, 2, &p, "");
}

static void
test_pipeline_action_set_runs_at_the_end(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    /* The action set's output comes after table 1's applied output. */
    add_flow(pl, "table=0,actions=write_actions(output:2),goto_table:1");
    add_flow(pl, "table=1,in_port=1,actions=output:3");
    add_flow(pl, "table=1,in_port=3,actions=clear_actions");
    assert_actions(pl, 1, &p, "out:3,out:2");
    assert_actions(pl, 3, &p, "");
}

static void
test_pipeline_set_field_commits_before_output(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct dp_upcall up;

    add_flow(pl, "udp,actions=output:2,set_field:10.9.9.9->ip_dst,"
             "mod_tp_dst:99,output:3,mod_dl_src:02:00:00:00:00:77,"
             "dec_ttl,output:IN_PORT");
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "out:2,set_ipv4_dst:10.9.9.9,set_tp_dst:99,"
                        "out:3,set_eth_src:77,set_ttl:63,out:1");
    free(got);
    /* The rewrite depends on the fields it rewrites. */
    assert_int_equal(up.mask.nw_dst[0], 0xff);
    assert_int_equal(up.mask.tp_dst, 0xffff);
    assert_int_equal(up.mask.nw_ttl, 0xff);
}

static void
test_pipeline_vlan_push_and_set(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "in_port=1,actions=mod_vlan_vid:5,output:2,strip_vlan,"
             "output:3");
    assert_actions(pl, 1, &p, "push_vlan:5,out:2,pop_vlan,out:3");
}

static void
test_pipeline_push_8021ad_onto_a_tagged_frame(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = tagged(udp(MAC2, MAC1, 53), 10);
    char *err = NULL;

    /* The service tag copies the VID of the customer tag it covers. */
    add_flow(pl, "in_port=1,dl_vlan=10,actions=push_vlan:0x88a8,output:2");
    assert_actions(pl, 1, &p, "push_vlan:10/0x88a8,out:2");
    /* Other TPIDs are refused, and change nothing. */
    assert_int_equal(pipeline_flow_add(pl, "in_port=2,actions="
                                       "push_vlan:0x9100,output:1", &err),
                     EINVAL);
    assert_non_null(strstr(err, "0x9100"));
    free(err);
    assert_int_equal(pipeline_flow_count(pl), 1);
}

static void
test_pipeline_port_config_from_port_mod(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "in_port=1,udp,tp_dst=53,actions=FLOOD");
    add_flow(pl, "in_port=1,udp,tp_dst=54,actions=ALL");
    add_flow(pl, "in_port=1,udp,tp_dst=55,actions=output:2,CONTROLLER");
    add_flow(pl, "in_port=2,actions=output:1");
    struct packet all = udp(MAC2, MAC1, 54);
    struct packet ctl = udp(MAC2, MAC1, 55);

    /* no-flood: out of FLOOD, not of ALL. */
    pipeline_port_set_config(pl, 3, OFPUTIL_PC_NO_FLOOD);
    assert_actions(pl, 1, &p, "out:2");
    assert_actions(pl, 1, &all, "out:2,out:3");
    /* no-fwd: nothing goes out of it. */
    pipeline_port_set_config(pl, 2, OFPUTIL_PC_NO_FWD);
    assert_actions(pl, 1, &all, "out:3");
    assert_actions(pl, 1, &ctl, "controller");
    /* no-packet-in: what port 1 receives is not sent to controllers. */
    pipeline_port_set_config(pl, 2, 0);
    pipeline_port_set_config(pl, 1, OFPUTIL_PC_NO_PACKET_IN);
    assert_actions(pl, 1, &ctl, "out:2");
    /* down: it neither receives nor sends. */
    pipeline_port_set_config(pl, 1, 0);
    pipeline_port_set_config(pl, 2, OFPUTIL_PC_PORT_DOWN);
    assert_actions(pl, 2, &p, "");
    assert_actions(pl, 1, &ctl, "controller");
    pipeline_port_set_config(pl, 2, 0);
    assert_actions(pl, 2, &p, "out:1");
}

static void
test_pipeline_dec_ttl_expiry_goes_to_controller(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    p.data[22] = 1;             /* TTL 1. */
    add_flow(pl, "udp,actions=dec_ttl,output:2");
    assert_actions(pl, 1, &p, "controller");
    p.data[22] = 2;
    assert_actions(pl, 1, &p, "set_ttl:1,out:2");
}

static void
test_pipeline_table_miss_to_controller_when_asked(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct dp_upcall up;

    assert_actions(pl, 1, &p, "");
    pipeline_set_miss_to_controller(pl, true);
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "controller");
    free(got);

    /* The packet-in says why, where from, and which table. */
    struct ofputil_packet_in_private pin;
    bool miss, miss_rule;
    uint16_t max_len, id;
    assert_true(pipeline_packet_in(pl, up.actions.a[0].arg, p.data, p.len,
                                   &pin, &miss, &miss_rule, &max_len, &id));
    assert_true(miss);
    assert_int_equal(pin.base.reason, OFPR_NO_MATCH);
    assert_int_equal(pin.base.flow_metadata.flow.in_port.ofp_port, 1);
    assert_false(pipeline_packet_in(pl, up.actions.a[0].arg + 1, p.data,
                                    p.len, &pin, &miss, &miss_rule, &max_len,
                                    &id));
}

static void
test_pipeline_modify_keeps_counters(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "table=2,priority=7,udp,actions=output:3");
    add_flow(pl, "actions=goto_table:2");
    assert_actions(pl, 1, &p, "out:3");
    assert_actions(pl, 1, &p, "out:3");

    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *err = parse_ofp_flow_mod_str(&fm, "table=2,udp,actions=output:2",
                                       NULL, NULL, OFPFC_MODIFY, &usable);
    assert_null(err);
    assert_int_equal(pipeline_flow_mod(pl, &fm), 0);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    assert_actions(pl, 1, &p, "out:2");

    struct ds s = DS_EMPTY_INITIALIZER;
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "table=2, n_packets=3, n_bytes=126, "
                           "priority=7,udp actions=output:2"));
    ds_destroy(&s);
}

static void
test_pipeline_bundle_abort_changes_nothing(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "in_port=1,actions=output:2");
    pipeline_begin(pl);
    add_flow(pl, "priority=40000,in_port=1,actions=output:3");
    size_t n;
    char *err;
    assert_int_equal(pipeline_flows_del(pl, "in_port=1", &n, &err), 0);
    /* Nothing is visible before the commit. */
    assert_actions(pl, 1, &p, "out:2");
    pipeline_abort(pl);
    assert_actions(pl, 1, &p, "out:2");
    assert_int_equal(pipeline_flow_count(pl), 1);

    pipeline_begin(pl);
    add_flow(pl, "priority=40000,in_port=1,actions=output:3");
    assert_actions(pl, 1, &p, "out:2");
    pipeline_commit(pl);
    assert_actions(pl, 1, &p, "out:3");
}

static struct ofputil_flow_removed last_removed;
static int n_removed;

static void
record_removed(void *aux OVS_UNUSED, const struct ofputil_flow_removed *fr)
{
    last_removed = *fr;
    n_removed++;
}

static void
test_pipeline_timeouts_remove_and_report(void **state)
{
    struct pipeline *pl = *state;
    static const struct pipeline_hooks hooks = {
        .flow_removed = record_removed,
    };
    struct packet p = udp(MAC2, MAC1, 53);

    pipeline_set_hooks(pl, &hooks, NULL);
    n_removed = 0;
    add_flow(pl, "priority=5,hard_timeout=2,send_flow_rem,actions=output:2");
    add_flow(pl, "priority=4,idle_timeout=1,actions=output:3");
    add_flow(pl, "priority=3,hard_timeout=1,actions=output:1");
    assert_actions(pl, 1, &p, "out:2");

    long long now = time_msec();
    pipeline_run(pl, now + 500);
    assert_int_equal(pipeline_flow_count(pl), 3);
    pipeline_run(pl, now + 1500);
    /* Idle and hard 1 s are gone, quietly (no send_flow_rem). */
    assert_int_equal(pipeline_flow_count(pl), 1);
    assert_int_equal(n_removed, 0);
    pipeline_run(pl, now + 2500);
    assert_int_equal(pipeline_flow_count(pl), 0);
    assert_int_equal(n_removed, 1);
    assert_int_equal(last_removed.reason, OFPRR_HARD_TIMEOUT);
    assert_int_equal(last_removed.priority, 5);
    assert_int_equal(last_removed.packet_count, 1);
    assert_int_equal(last_removed.byte_count, 42);
}


static void
add_group(struct pipeline *pl, const char *text)
{
    char *err = NULL;
    if (pipeline_group_add(pl, text, &err)) {
        fail_msg("%s: %s", text, err);
    }
}

static void
test_pipeline_group_all_gives_each_bucket_the_original(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_group(pl, "group_id=1,type=all,bucket=mod_tp_dst:99,output:2,"
              "bucket=output:3");
    add_flow(pl, "in_port=1,actions=group:1");
    /* Bucket 2 sees the packet as it came to the group: the rewrite of
     * bucket 1 is undone. */
    assert_actions(pl, 1, &p, "set_tp_dst:99,out:2,set_tp_dst:53,out:3");
}

static void
test_pipeline_group_select_hashes_the_5_tuple(void **state)
{
    struct pipeline *pl = *state;
    int hits[4] = { 0 };

    add_group(pl, "group_id=2,type=select,bucket=weight:1,output:2,"
              "bucket=weight:3,output:3");
    add_flow(pl, "in_port=1,actions=group:2");
    for (int port = 1; port <= 400; port++) {
        struct packet p = udp(MAC2, MAC1, port);
        struct dp_upcall up;
        char *first = actions_of(pl, 1, &p, &up);
        char *again = actions_of(pl, 1, &p, &up);

        /* The same flow always takes the same bucket... */
        assert_string_equal(first, again);
        hits[first[4] - '0']++;
        /* ...and its megaflow holds the fields the hash read. */
        assert_int_equal(up.mask.tp_dst, 0xffff);
        assert_int_equal(up.mask.tp_src, 0xffff);
        assert_int_equal(up.mask.nw_src[3], 0xff);
        free(first);
        free(again);
    }
    /* Weights 1:3, roughly. */
    assert_true(hits[2] > 50 && hits[2] < 150);
    assert_int_equal(hits[2] + hits[3], 400);
}

static void
test_pipeline_group_fast_failover_follows_liveness(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_group(pl, "group_id=3,type=fast_failover,"
              "bucket=watch_port:2,output:2,bucket=watch_port:3,output:3");
    add_flow(pl, "in_port=1,actions=group:3");
    assert_actions(pl, 1, &p, "out:2");
    pipeline_port_set_live(pl, 2, false);
    assert_actions(pl, 1, &p, "out:3");
    pipeline_port_set_live(pl, 3, false);
    assert_actions(pl, 1, &p, "");
    pipeline_port_set_live(pl, 2, true);
    assert_actions(pl, 1, &p, "out:2");
}

/* A watched group is live if one of its buckets is, whatever that bucket
 * watches in turn (a port, or a group further down); watches that go
 * round in a loop are dead. */
static void
test_pipeline_group_watch_group_follows_the_chain(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_group(pl, "group_id=7,type=fast_failover,"
              "bucket=watch_port:2,output:2");
    add_group(pl, "group_id=6,type=fast_failover,"
              "bucket=watch_group:7,output:2");
    add_group(pl, "group_id=5,type=fast_failover,"
              "bucket=watch_group:6,output:2,bucket=watch_port:3,output:3");
    add_flow(pl, "in_port=1,actions=group:5");
    assert_actions(pl, 1, &p, "out:2");
    /* Port 2 down: group 7 dead, so group 6, so group 5's first bucket. */
    pipeline_port_set_live(pl, 2, false);
    assert_actions(pl, 1, &p, "out:3");
    pipeline_port_set_live(pl, 2, true);
    assert_actions(pl, 1, &p, "out:2");

    /* Groups that watch each other: neither is live. */
    add_group(pl, "group_id=8,type=fast_failover,"
              "bucket=watch_group:9,output:2");
    add_group(pl, "group_id=9,type=fast_failover,"
              "bucket=watch_group:8,output:2");
    add_group(pl, "group_id=5,type=fast_failover,"
              "bucket=watch_group:8,output:2,bucket=watch_port:3,output:3");
    assert_actions(pl, 1, &p, "out:3");
}

static void
test_pipeline_group_delete_takes_its_flows(void **state)
{
    struct pipeline *pl = *state;
    size_t n;

    add_group(pl, "group_id=4,type=indirect,bucket=output:2");
    add_flow(pl, "in_port=1,actions=group:4");
    add_flow(pl, "in_port=2,actions=output:1");
    assert_int_equal(pipeline_groups_del(pl, 4, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(pipeline_group_count(pl), 0);
    assert_int_equal(pipeline_flow_count(pl), 1);
}

/* A group whose adding is refused, with 'why' in the message. */
static void
assert_group_refused(struct pipeline *pl, const char *text, const char *why)
{
    char *err = NULL;
    assert_int_equal(pipeline_group_add(pl, text, &err), EINVAL);
    if (!strstr(err, why)) {
        fail_msg("%s: \"%s\" lacks \"%s\"", text, err, why);
    }
    free(err);
}

static void
test_pipeline_bundle_abort_undoes_group_changes(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    size_t n;

    add_group(pl, "group_id=1,type=indirect,bucket=output:2");
    add_group(pl, "group_id=2,type=indirect,bucket=output:3");
    add_flow(pl, "in_port=1,actions=group:1");

    /* A bundle adds a group, modifies one, deletes another (and the flow
     * that goes to it), adds a flow to the new group: then aborts. */
    pipeline_begin(pl);
    add_group(pl, "group_id=3,type=all,bucket=output:2,bucket=output:3");
    add_group(pl, "group_id=2,type=indirect,bucket=output:1");
    assert_int_equal(pipeline_groups_del(pl, 1, &n, NULL), 0);
    add_flow(pl, "in_port=2,actions=group:3");
    pipeline_abort(pl);

    assert_int_equal(pipeline_group_count(pl), 2);
    assert_int_equal(pipeline_flow_count(pl), 1);
    assert_actions(pl, 1, &p, "out:2");
    char **texts = pipeline_groups_texts(pl, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(texts[1], "group_id=2,type=indirect,"
                                     "bucket=actions=output:3"));
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
    }
    free(texts);

    /* The same, committed: all of it stays. */
    pipeline_begin(pl);
    add_group(pl, "group_id=3,type=all,bucket=output:2,bucket=output:3");
    add_flow(pl, "in_port=2,actions=group:3");
    pipeline_commit(pl);
    assert_int_equal(pipeline_group_count(pl), 3);
    assert_actions(pl, 2, &p, "out:3");     /* Not back out of port 2. */
}

static void
test_pipeline_group_chains(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    char *err = NULL;
    size_t n;

    /* A bucket goes on to another group: both outputs, both counted. */
    add_group(pl, "group_id=2,type=all,bucket=output:2,bucket=output:3");
    add_group(pl, "group_id=1,type=indirect,bucket=actions=group:2");
    add_flow(pl, "in_port=1,actions=group:1");
    assert_decision(pl, 1, &p, "2,3");

    /* Loops are refused, through other groups or straight back, and so
     * is a chain deeper than 8; nothing changes. */
    assert_group_refused(pl, "group_id=2,type=indirect,bucket=group:1",
                         "lead back to it");
    assert_group_refused(pl, "group_id=3,type=indirect,bucket=group:3",
                         "lead back to it");
    for (int i = 10; i < 19; i++) {
        char text[64];
        snprintf(text, sizeof text, "group_id=%d,type=indirect,"
                 "bucket=%s%d", i, i == 10 ? "output:" : "group:",
                 i == 10 ? 2 : i - 1);
        add_group(pl, text);
    }
    assert_group_refused(pl, "group_id=19,type=indirect,bucket=group:18",
                         "deeper than 8");
    assert_decision(pl, 1, &p, "2,3");

    /* A group that another one goes to is not deleted alone. */
    assert_int_equal(pipeline_groups_del(pl, 2, &n, &err), EBUSY);
    assert_non_null(strstr(err, "group 2 is in a bucket of group 1"));
    free(err);
    assert_decision(pl, 1, &p, "2,3");

    /* Saved so that it loads back: group 2 before group 1. */
    char **texts = pipeline_groups_texts(pl, &n);
    size_t at1 = n, at2 = n;
    for (size_t i = 0; i < n; i++) {
        at1 = strstr(texts[i], "group_id=1,") ? i : at1;
        at2 = strstr(texts[i], "group_id=2,") ? i : at2;
        free(texts[i]);
    }
    free(texts);
    assert_true(at2 < at1 && at1 < n);

    /* All at once, they go (with the rule). */
    assert_int_equal(pipeline_groups_del(pl, OFPG_ALL, &n, NULL), 0);
    assert_int_equal(pipeline_group_count(pl), 0);
    assert_int_equal(pipeline_flow_count(pl), 0);
}


static struct dp_meter_config last_meter;
static uint32_t last_meter_slot;
static int n_meter_dels;

static int
record_meter_set(void *aux OVS_UNUSED, uint32_t slot,
                 const struct dp_meter_config *cfg, char **errp)
{
    last_meter = *cfg;
    last_meter_slot = slot;
    *errp = NULL;
    return 0;
}

static void
record_meter_del(void *aux OVS_UNUSED, uint32_t slot OVS_UNUSED)
{
    n_meter_dels++;
}

static void
test_pipeline_meters_police_before_actions(void **state)
{
    struct pipeline *pl = *state;
    static const struct pipeline_hooks hooks = {
        .meter_set = record_meter_set,
        .meter_del = record_meter_del,
    };
    struct packet p = udp(MAC2, MAC1, 53);
    struct dp_upcall up;
    char *err = NULL;

    pipeline_set_hooks(pl, &hooks, NULL);
    n_meter_dels = 0;
    /* Two drop bands: the lower rate is the one that drops. */
    assert_int_equal(pipeline_meter_add(pl, "meter=7,pktps,burst,bands="
                                        "type=drop rate=500 burst_size=9 "
                                        "type=drop rate=100 burst_size=3",
                                        &err), 0);
    assert_true(last_meter.pktps);
    assert_int_equal(last_meter.rate, 100);
    assert_int_equal(last_meter.burst, 3);

    add_flow(pl, "in_port=1,actions=meter:7,output:2");
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "meter,out:2");
    assert_int_equal(up.actions.a[0].type, DP_ACTION_METER);
    assert_int_equal(up.actions.a[0].arg, last_meter_slot);
    free(got);

    /* A dscp_remark band below the drop band: both go to the datapath;
     * one above it never acts. */
    assert_int_equal(pipeline_meter_add(pl, "meter=10,kbps,bands="
                                        "type=drop rate=1000 "
                                        "type=dscp_remark rate=200 "
                                        "prec_level=1", &err), 0);
    assert_int_equal(last_meter.rate, 1000);
    assert_int_equal(last_meter.remark_rate, 200);
    assert_int_equal(last_meter.prec_level, 1);
    assert_int_equal(pipeline_meter_add(pl, "meter=11,kbps,bands="
                                        "type=drop rate=100 "
                                        "type=dscp_remark rate=200 "
                                        "prec_level=2", &err), 0);
    assert_int_equal(last_meter.remark_rate, 0);
    /* Two remark bands, or a precedence beyond AF's three, are refused. */
    assert_int_not_equal(pipeline_meter_add(pl, "meter=12,kbps,bands="
                                            "type=dscp_remark rate=10 "
                                            "prec_level=1 "
                                            "type=dscp_remark rate=20 "
                                            "prec_level=2", &err), 0);
    assert_non_null(strstr(err, "one dscp_remark band at most"));
    free(err);
    assert_int_not_equal(pipeline_meter_add(pl, "meter=12,kbps,bands="
                                            "type=dscp_remark rate=10 "
                                            "prec_level=3", &err), 0);
    assert_non_null(strstr(err, "prec_level 3 is not 1 or 2"));
    free(err);

    /* Refused: both kbps and pktps; a missing meter in a flow. */
    assert_int_not_equal(pipeline_meter_add(pl, "meter=8,kbps,pktps,bands="
                                            "type=drop rate=5", &err), 0);
    assert_non_null(strstr(err, "kbps or pktps"));
    free(err);
    assert_int_not_equal(pipeline_flow_add(pl, "actions=meter:9,output:2",
                                           &err), 0);
    assert_non_null(strstr(err, "meter 9 does not exist"));
    free(err);

    /* Another bridge's meter gets a datapath meter of its own. */
    struct pipeline *other = pipeline_create("br1");
    uint32_t first_slot = last_meter_slot;
    pipeline_set_hooks(other, &hooks, NULL);
    assert_int_equal(pipeline_meter_add(other, "meter=7,pktps,bands="
                                        "type=drop rate=5", &err), 0);
    assert_int_not_equal(last_meter_slot, first_slot);
    pipeline_destroy(other);
    n_meter_dels = 0;

    /* Deleting the meter takes its flow and frees the datapath meter. */
    size_t n;
    pipeline_meters_del(pl, 7, &n);
    assert_int_equal(n, 1);
    assert_int_equal(n_meter_dels, 1);
    assert_int_equal(pipeline_flow_count(pl), 0);
}

/* Queues: an output after set_queue goes through the queue of that id on
 * its port (a datapath meter slot of its own), or plainly if the port has
 * none; enqueue is for one output; a bucket's set_queue stays in it. */
static struct dp_meter_config queue_cfg[8];
static uint32_t queue_slot[8];
static int n_queue_sets;

static int
record_queue_set(void *aux OVS_UNUSED, uint32_t slot,
                 const struct dp_meter_config *cfg, char **errp)
{
    if (n_queue_sets < 8) {
        queue_cfg[n_queue_sets] = *cfg;
        queue_slot[n_queue_sets] = slot;
    }
    n_queue_sets++;
    *errp = NULL;
    return 0;
}

static void
expect_actions(struct pipeline *pl, uint16_t in, const struct packet *p,
               const char *want)
{
    struct dp_upcall up;
    char *got = actions_of(pl, in, p, &up);
    assert_string_equal(got, want);
    free(got);
}

static void
test_pipeline_queues(void **state)
{
    struct pipeline *pl = *state;
    static const struct pipeline_hooks hooks = {
        .meter_set = record_queue_set,
        .meter_del = record_meter_del,
    };
    struct packet p = udp(MAC2, MAC1, 53);
    struct xvs_queue *qs;
    size_t n;
    char *err = NULL;

    pipeline_set_hooks(pl, &hooks, NULL);
    n_queue_sets = n_meter_dels = 0;
    assert_null(xvs_parse_queues("1:10Mb/s 5:1Gb/s@10ms", &qs, &n));
    assert_null(pipeline_port_set_queues(pl, 2, qs, n));
    /* Each queue is a drop band at its rate, with a burst of at least
     * 128 KB (1048 kbit) so a 64 KB offload packet fits. */
    assert_int_equal(n_queue_sets, 2);
    assert_int_equal(queue_cfg[0].rate, 10000);
    assert_int_equal(queue_cfg[0].burst, 1048);
    assert_int_equal(queue_cfg[1].rate, 1000000);
    assert_int_equal(queue_cfg[1].burst, 10000);
    assert_int_not_equal(queue_slot[0], queue_slot[1]);
    uint32_t slot1 = queue_slot[0], slot5 = queue_slot[1];

    char want[64];
    add_flow(pl, "priority=1,in_port=1,actions=set_queue:1,output:2,output:3,"
             "set_queue:5,output:2,pop_queue,output:2");
    snprintf(want, sizeof want, "out:2/slot%u,out:3,out:2/slot%u,out:2",
             slot1, slot5);
    expect_actions(pl, 1, &p, want);

    /* Through NORMAL (a flood here) and IN_PORT too. */
    add_flow(pl, "priority=1,in_port=2,actions=set_queue:5,NORMAL");
    expect_actions(pl, 2, &p, "out:1,out:3");
    add_flow(pl, "priority=1,in_port=3,actions=set_queue:1,FLOOD");
    snprintf(want, sizeof want, "out:1,out:2/slot%u", slot1);
    expect_actions(pl, 3, &p, want);
    add_flow(pl, "priority=2,in_port=2,actions=set_queue:5,IN_PORT");
    snprintf(want, sizeof want, "out:2/slot%u", slot5);
    expect_actions(pl, 2, &p, want);

    /* enqueue (OpenFlow 1.0): that output only. */
    add_flow(pl, "priority=2,in_port=1,actions=enqueue:2:1,output:2");
    snprintf(want, sizeof want, "out:2/slot%u,out:2", slot1);
    expect_actions(pl, 1, &p, want);
    assert_int_not_equal(pipeline_flow_add(pl, "actions=enqueue:ALL:1",
                                           &err), 0);
    free(err);

    /* A bucket's queue is its own; the action set orders set_queue
     * before output. */
    add_group(pl, "group_id=9,type=all,bucket=set_queue:1,output:2,"
              "bucket=output:2");
    add_flow(pl, "priority=3,in_port=1,actions=group:9");
    snprintf(want, sizeof want, "out:2/slot%u,out:2", slot1);
    expect_actions(pl, 1, &p, want);
    add_flow(pl, "priority=4,in_port=1,actions=write_actions(output:2,"
             "set_queue:5)");
    snprintf(want, sizeof want, "out:2/slot%u", slot5);
    expect_actions(pl, 1, &p, want);

    /* Counters by port and id; a queue that stays keeps its slot, one
     * that goes leaves the datapath. */
    struct pipeline_queue_stats *st;
    assert_int_equal(pipeline_queues(pl, 0, UINT32_MAX, &st), 2);
    assert_int_equal(st[0].ofport, 2);
    assert_int_equal(st[0].queue_id, 1);
    assert_int_equal(st[0].max_bps, 10000000);
    assert_int_equal(st[1].queue_id, 5);
    free(st);
    assert_int_equal(pipeline_queues(pl, 2, 5, &st), 1);
    free(st);
    assert_int_equal(pipeline_queues(pl, 3, UINT32_MAX, &st), 0);
    free(st);
    xvs_queues_free(qs, n);

    n_queue_sets = n_meter_dels = 0;
    assert_null(xvs_parse_queues("5:2Gb/s", &qs, &n));
    assert_null(pipeline_port_set_queues(pl, 2, qs, n));
    assert_int_equal(n_meter_dels, 1);          /* Queue 1's. */
    assert_int_equal(n_queue_sets, 1);
    assert_int_equal(queue_slot[0], slot5);
    assert_int_equal(queue_cfg[0].rate, 2000000);
    add_flow(pl, "priority=5,in_port=1,actions=set_queue:1,output:2,"
             "set_queue:5,output:2");
    snprintf(want, sizeof want, "out:2,out:2/slot%u", slot5);
    expect_actions(pl, 1, &p, want);
    xvs_queues_free(qs, n);

    /* Unmapping the port frees its queues. */
    n_meter_dels = 0;
    pipeline_port_del(pl, 2);
    assert_int_equal(n_meter_dels, 1);
    err = pipeline_port_set_queues(pl, 2, NULL, 0);
    assert_non_null(strstr(err, "ofport 2 is not mapped"));
    free(err);
}


static void
test_pipeline_mpls_push_set_pop(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    /* Push takes the TTL from IP (64); the label is set before the first
     * output; table 1 sees the MPLS packet and pops it. */
    add_flow(pl, "in_port=1,ip,actions=push_mpls:0x8847,"
             "set_field:100->mpls_label,output:3,resubmit(,1)");
    add_flow(pl, "table=1,mpls,mpls_label=100,actions=dec_mpls_ttl,"
             "output:3,pop_mpls:0x0800,output:2");
    assert_actions(pl, 1, &p, "push_mpls:0/64,set_mpls:100/64,out:3,"
                   "set_mpls:100/63,out:3,pop_mpls:0x800,out:2");
}

static struct packet udp6_exthdrs(bool auth);

/* The first label pushed is 0, with the IP TTL (the IPv6 hop limit too),
 * or TTL 0 for a packet that has none (ARP). */
static void
test_pipeline_push_mpls_label_and_ttl(void **state)
{
    struct pipeline *pl = *state;
    struct packet v6 = udp6_exthdrs(false);
    struct packet arp = udp(MAC2, MAC1, 53);

    arp.data[12] = 0x08;
    arp.data[13] = 0x06;
    memcpy(arp.data + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    v6.data[14 + 7] = 33;               /* Hop limit. */
    add_flow(pl, "in_port=1,actions=push_mpls:0x8847,output:2");
    assert_actions(pl, 1, &v6, "push_mpls:0/33,out:2");
    assert_actions(pl, 1, &arp, "push_mpls:0/0,out:2");
}

/* 'p' under one MPLS label (100, bottom of stack, TTL 64). */
static struct packet
mpls_over(struct packet p)
{
    struct packet m = { .len = p.len + 4 };
    static const uint8_t lse[4] = { 0x00, 0x06, 0x41, 64 };

    memcpy(m.data, p.data, 12);
    m.data[12] = 0x88;
    m.data[13] = 0x47;
    memcpy(m.data + 14, lse, 4);
    memcpy(m.data + 18, p.data + 14, p.len - 14);
    return m;
}

static void
test_pipeline_pop_mpls_uncovers_the_inner_headers(void **state)
{
    struct pipeline *pl = *state;
    struct packet ip = udp(MAC2, MAC1, 53);
    struct dp_upcall up;

    ip.data[15] = 32;                   /* DSCP 8. */
    ip.data[26] = 192;
    ip.data[27] = 168;                  /* Source 192.168.0.1. */
    struct packet p = mpls_over(ip);

    add_flow(pl, "table=0,mpls,actions=pop_mpls:0x0800,goto_table:1");
    add_flow(pl, "table=1,ip,nw_src=192.168.0.1,nw_ttl=64,actions=dec_ttl,"
             "set_field:1->ip_ecn,output:2");
    add_flow(pl, "table=1,priority=0,actions=output:3");

    /* Table 1 sees the inner IPv4 header: its source, TTL 64 (so dec_ttl
     * does not expire it) and TOS 32, to which the ECN bit is added. */
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "pop_mpls:0x800,set_tos:33/255,set_ttl:63,out:2");
    free(got);
    /* And the megaflow holds those inner fields, which the datapath key
     * of an MPLS packet carries. */
    assert_true(up.cacheable);
    assert_int_equal(up.mask.nw_src[0], 0xff);
    assert_int_equal(up.mask.nw_ttl, 0xff);

    ip.data[27] = 169;
    p = mpls_over(ip);
    assert_actions(pl, 1, &p, "pop_mpls:0x800,out:3");
}

static void
test_pipeline_pop_mpls_after_push_restores_the_packet(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);

    add_flow(pl, "table=0,ip,actions=push_mpls:0x8847,goto_table:1");
    add_flow(pl, "table=1,mpls,actions=pop_mpls:0x0800,goto_table:2");
    add_flow(pl, "table=2,udp,nw_dst=10.0.0.2,tp_dst=53,actions=output:2");
    add_flow(pl, "table=2,priority=0,actions=output:3");
    assert_actions(pl, 1, &p, "push_mpls:0/64,pop_mpls:0x800,out:2");
}

static void
test_pipeline_pop_mpls_to_another_type_is_not_cached(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = mpls_over(udp(MAC2, MAC1, 53));
    struct dp_upcall up;

    /* An IPv4 payload popped as IPv6: read as the controller says, but
     * the datapath key parsed it as IPv4, so no megaflow may stand for
     * the decision. */
    add_flow(pl, "table=0,mpls,actions=pop_mpls:0x86dd,goto_table:1");
    add_flow(pl, "table=1,ipv6,actions=output:2");
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "pop_mpls:0x86dd,out:2");
    free(got);
    assert_false(up.cacheable);
}

/* 'p' under two MPLS labels: 200 (TTL 20) over 100 (TTL 64, bottom). */
static struct packet
mpls2_over(struct packet p)
{
    struct packet m = mpls_over(p);
    struct packet m2 = { .len = m.len + 4 };
    static const uint8_t lse[4] = { 0x00, 0x0c, 0x80, 20 };

    memcpy(m2.data, m.data, 14);
    memcpy(m2.data + 14, lse, 4);
    memcpy(m2.data + 18, m.data + 14, m.len - 14);
    return m2;
}

static void
test_pipeline_copy_ttl_out_and_in(void **state)
{
    struct pipeline *pl = *state;
    struct packet ip = udp(MAC2, MAC1, 53);
    struct dp_upcall up;

    ip.data[22] = 32;                   /* IP TTL 32 under label TTL 64. */
    struct packet p = mpls_over(ip);

    /* Out: the IP TTL beneath the bottom label becomes the label's, and
     * the megaflow matches that TTL (the key holds it). */
    add_flow(pl, "table=0,in_port=1,mpls,actions=copy_ttl_out,output:2");
    char *got = actions_of(pl, 1, &p, &up);
    assert_string_equal(got, "set_mpls:100/32,out:2");
    free(got);
    assert_true(up.cacheable);
    assert_int_equal(up.mask.nw_ttl, 0xff);

    /* In: the label's TTL goes to the IP header, which later tables see
     * once the label is popped. */
    add_flow(pl, "table=0,in_port=1,mpls,actions=copy_ttl_in,"
             "pop_mpls:0x0800,goto_table:1");
    add_flow(pl, "table=1,ip,nw_ttl=64,actions=output:2");
    add_flow(pl, "table=1,priority=0,actions=output:3");
    assert_actions(pl, 1, &p, "set_mpls_ip_ttl:64,pop_mpls:0x800,out:2");

    /* Between two labels: out takes the inner label's TTL (64), in gives
     * the outer's (20) to the inner. */
    p = mpls2_over(ip);
    add_flow(pl, "table=0,in_port=1,mpls,actions=copy_ttl_out,output:2");
    assert_actions(pl, 1, &p, "set_mpls:200/64/nobos,out:2");
    add_flow(pl, "table=0,in_port=1,mpls,actions=copy_ttl_in,output:2");
    assert_actions(pl, 1, &p, "set_mpls[1]:100/20,out:2");

    /* A label the actions pushed: in writes the IP header under it, as
     * the pop shows. */
    add_flow(pl, "table=0,in_port=1,ip,actions=push_mpls:0x8847,"
             "set_mpls_ttl(9),copy_ttl_in,pop_mpls:0x0800,goto_table:2");
    add_flow(pl, "table=2,ip,nw_ttl=9,actions=output:2");
    add_flow(pl, "table=2,priority=0,actions=output:3");
    assert_actions(pl, 1, &ip, "push_mpls:0/32,set_mpls:0/9,"
                   "set_mpls_ip_ttl:9,pop_mpls:0x800,out:2");

    /* Not MPLS: nothing to copy. */
    add_flow(pl, "table=0,in_port=1,ip,actions=copy_ttl_out,copy_ttl_in,"
             "output:2");
    assert_actions(pl, 1, &ip, "out:2");
}

/* Ours in write_actions join the action set and run in OpenFlow's order:
 * copy_ttl_in, pops (pop_pbb after pop_vlan), push_mpls, push_pbb,
 * push_vlan, copy_ttl_out, dec_ttl, sets, then the output; one of each
 * (the last written); clear_actions takes them too. */
static void
test_pipeline_action_set_with_ours(void **state)
{
    struct pipeline *pl = *state;
    struct packet ip = udp(MAC2, MAC1, 53);
    struct packet p;
    struct ds s = DS_EMPTY_INITIALIZER;

    ip.data[22] = 32;
    p = mpls_over(ip);
    /* Written out of order, executed in order: copy_ttl_in before the
     * pop; the set after it. */
    add_flow(pl, "table=0,in_port=1,mpls,actions=write_actions("
             "set_field:6->ip_proto,output:2,pop_mpls:0x0800,copy_ttl_in)");
    assert_actions(pl, 1, &p, "set_mpls_ip_ttl:64,pop_mpls:0x800,"
                   "set_ip_proto:6,out:2");

    /* push_pbb between push_mpls and push_vlan; copy_ttl_out after
     * them; the last eth_type written wins; a later table's write adds
     * to the set. */
    add_flow(pl, "table=0,in_port=1,ip,actions=write_actions("
             "set_field:0x8100->eth_type,copy_ttl_out,push_vlan:0x8100,"
             "push_pbb:0x88e7,push_mpls:0x8847),goto_table:1");
    add_flow(pl, "table=1,actions=write_actions(set_field:0x88e7->eth_type,"
             "output:2)");
    char *got;
    struct dp_upcall up;
    got = actions_of(pl, 1, &ip, &up);
    /* MPLS pushed onto the IP packet, then PBB onto that, a tag on the
     * backbone frame; copy_ttl_out finds no label on top (the PBB frame
     * is outermost) and does nothing. */
    assert_string_equal(got, "push_mpls:0/32,push_pbb:0x88e7/0,"
                        "push_vlan:0,set_eth_type:0x88e7,out:2");
    free(got);

    /* clear_actions empties ours too; the flow shows them as written. */
    add_flow(pl, "table=0,in_port=1,ip,actions=write_actions(copy_ttl_out,"
             "output:3),goto_table:1");
    add_flow(pl, "table=1,actions=clear_actions,write_actions(output:2)");
    assert_actions(pl, 1, &ip, "out:2");
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "actions=write_actions("
                           "copy_ttl_out,output:3),goto_table:1"));
    ds_destroy(&s);
}

static void
test_pipeline_set_eth_type_ip_proto_mpls_bos(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = udp(MAC2, MAC1, 53);
    struct ds s = DS_EMPTY_INITIALIZER;
    char *err = NULL;

    /* The rewrites before an Ethertype change apply to the packet as it
     * was; a later table sees the new protocol. */
    add_flow(pl, "table=0,in_port=1,udp,actions=set_field:10.0.0.9->ip_dst,"
             "set_field:6->ip_proto,goto_table:1");
    add_flow(pl, "table=1,tcp,actions=set_field:0x8848->eth_type,output:2");
    add_flow(pl, "table=1,priority=0,actions=output:3");
    assert_actions(pl, 1, &p, "set_ipv4_dst:10.0.0.9,set_ip_proto:6,"
                   "set_eth_type:0x8848,out:2");

    /* A port rewrite before the protocol changes goes by the protocol
     * the packet has. */
    add_flow(pl, "table=0,priority=40000,in_port=1,udp,actions=mod_tp_dst:99,"
             "set_field:47->ip_proto,output:2");
    assert_actions(pl, 1, &p, "set_tp_dst:99,set_ip_proto:47,out:2");

    struct packet m = mpls_over(p);
    add_flow(pl, "table=0,in_port=1,mpls,actions=set_field:0->mpls_bos,"
             "output:2");
    assert_actions(pl, 1, &m, "set_mpls:100/64/nobos,out:2");

    /* Shown as written, and read back the same. */
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "actions=set_field:10.0.0.9->ip_dst,"
                           "set_field:6->ip_proto,goto_table:1"));
    assert_non_null(strstr(ds_cstr(&s), "actions=mod_tp_dst:99,"
                           "set_field:47->ip_proto,output:2"));
    assert_non_null(strstr(ds_cstr(&s), "actions=set_field:0x8848->eth_type,"
                           "output:2"));
    assert_non_null(strstr(ds_cstr(&s), "actions=set_field:0->mpls_bos,"
                           "output:2"));
    ds_destroy(&s);

    /* Values out of range are refused, naming the field. */
    assert_int_not_equal(pipeline_flow_add(pl, "actions=set_field:256->"
                                           "ip_proto,output:2", &err), 0);
    assert_non_null(strstr(err, "ip_proto"));
    free(err);
    assert_int_not_equal(pipeline_flow_add(pl, "actions=set_field:2->"
                                           "mpls_bos,output:2", &err), 0);
    assert_non_null(strstr(err, "mpls_bos"));
    free(err);
}

/* An IPv6/UDP frame behind a hop-by-hop header and, if 'auth', an
 * authentication header (ipv6_exthdr HOP, or HOP|AUTH: 0x44). */
static struct packet
udp6_exthdrs(bool auth)
{
    struct packet p = { .len = 14 + 40 + 8 + (auth ? 16 : 0) + 8 };
    uint8_t *ip = p.data + 14, *h = ip + 40;

    memcpy(p.data, MAC2, 6);
    memcpy(p.data + 6, MAC1, 6);
    p.data[12] = 0x86;
    p.data[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = p.len - 14 - 40;
    ip[6] = 0;                          /* Hop-by-hop, */
    ip[7] = 64;
    ip[8] = ip[24] = 0x20;
    ip[23] = 1;
    ip[39] = 2;
    h[0] = auth ? 51 : 17;
    if (auth) {
        h += 8;                         /* then AH (16 bytes), */
        h[0] = 17;
        h[1] = 2;
        h += 8;
    }
    h += 8;                             /* then UDP 53. */
    h[3] = 53;
    h[5] = 8;
    return p;
}

static void
test_pipeline_ipv6_exthdr_match(void **state)
{
    struct pipeline *pl = *state;
    struct packet ha = udp6_exthdrs(true), h = udp6_exthdrs(false);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct dp_upcall up;
    char *err = NULL;

    add_flow(pl, "table=0,priority=9,ipv6,ipv6_exthdr=0x44,actions=output:2");
    add_flow(pl, "table=0,priority=8,ipv6,ipv6_exthdr=0x40/0x40,"
             "actions=output:3");

    /* Hop-by-hop and authentication: exactly 0x44; the megaflow holds
     * the bits. */
    char *got = actions_of(pl, 1, &ha, &up);
    assert_string_equal(got, "out:2");
    free(got);
    assert_true(up.cacheable);
    assert_int_equal(up.mask.ipv6_exthdr, 0xffff);
    /* Hop-by-hop alone: the masked rule. */
    assert_actions(pl, 1, &h, "out:3");
    /* Beneath a label, after pop_mpls. */
    add_flow(pl, "table=0,priority=10,mpls,actions=pop_mpls:0x86dd,"
             "goto_table:1");
    add_flow(pl, "table=1,ipv6,ipv6_exthdr=0x44,actions=output:2");
    add_flow(pl, "table=1,priority=0,actions=output:3");
    struct packet m = mpls_over(ha);
    got = actions_of(pl, 1, &m, &up);
    assert_string_equal(got, "pop_mpls:0x86dd,out:2");
    free(got);
    assert_true(up.cacheable);
    m = mpls_over(h);
    assert_actions(pl, 1, &m, "pop_mpls:0x86dd,out:3");

    /* Shown as written. */
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "priority=9,ipv6,ipv6_exthdr=0x44 "
                           "actions=output:2"));
    assert_non_null(strstr(ds_cstr(&s), "priority=8,ipv6,"
                           "ipv6_exthdr=0x40/0x40 actions=output:3"));
    ds_destroy(&s);

    /* Refused: without ipv6, beyond the nine bits, value outside mask. */
    static const char *const bad[] = {
        "ip,ipv6_exthdr=0x44,actions=drop",
        "ipv6,ipv6_exthdr=0x200,actions=drop",
        "ipv6,ipv6_exthdr=0x44/0x40,actions=drop",
        "ipv6,ipv6_exthdr=hop,actions=drop",
        "ipv6,ipv6_exthdr=0x40,ipv6_exthdr=0x44,actions=drop",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_not_equal(pipeline_flow_add(pl, bad[i], &err), 0);
        assert_non_null(strstr(err, "ipv6_exthdr"));
        free(err);
    }
}

/* 'p' as the customer frame of a PBB frame with I-SID 'isid' (and its
 * backbone addresses the customer's). */
static struct packet
pbb_over(struct packet p, uint32_t isid)
{
    struct packet b = { .len = p.len + 18 };

    memcpy(b.data, p.data, 12);
    b.data[12] = 0x88;
    b.data[13] = 0xe7;
    b.data[15] = isid >> 16;
    b.data[16] = isid >> 8;
    b.data[17] = isid;
    memcpy(b.data + 18, p.data, p.len);
    return b;
}

static void
test_pipeline_pbb(void **state)
{
    struct pipeline *pl = *state;
    struct packet udp53 = udp(MAC2, MAC1, 53);
    struct packet b = pbb_over(udp53, 100);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct dp_upcall up;
    char *err = NULL;

    /* A PBB frame's I-SID is matched, and the decision cached on it. */
    add_flow(pl, "table=0,priority=5,dl_type=0x88e7,pbb_isid=100,"
             "actions=output:2");
    char *got = actions_of(pl, 1, &b, &up);
    assert_string_equal(got, "out:2");
    free(got);
    assert_true(up.cacheable);
    assert_int_equal(up.mask.mpls_lse[0], htonl(0x00ffffff));
    struct packet b101 = pbb_over(udp53, 101);
    assert_actions(pl, 1, &b101, "");

    /* pop_pbb: the next table sees the customer frame (translated per
     * packet: the key does not hold its fields). */
    add_flow(pl, "table=0,priority=6,dl_type=0x88e7,pbb_isid=100/0xff,"
             "actions=pop_pbb,goto_table:1");
    add_flow(pl, "table=1,udp,tp_dst=53,actions=output:3");
    got = actions_of(pl, 1, &b, &up);
    assert_string_equal(got, "pop_pbb,out:3");
    free(got);
    assert_false(up.cacheable);

    /* push_pbb, an I-SID set, and a pop that gives back the frame as it
     * was. */
    add_flow(pl, "table=0,priority=7,in_port=1,udp,actions=push_pbb:0x88e7,"
             "set_field:0x123->pbb_isid,set_field:1->pbb_uca,output:2,"
             "pop_pbb,goto_table:2");
    add_flow(pl, "table=2,udp,tp_dst=53,actions=output:3");
    got = actions_of(pl, 1, &udp53, &up);
    assert_string_equal(got, "push_pbb:0x88e7/0,set_pbb_itag:0x8000123,"
                        "out:2,pop_pbb,out:3");
    free(got);
    assert_true(up.cacheable);

    /* Shown as written. */
    pipeline_flows_dump(pl, &s);
    assert_non_null(strstr(ds_cstr(&s), "priority=5,dl_type=0x88e7,"
                           "pbb_isid=100 actions=output:2"));
    assert_non_null(strstr(ds_cstr(&s), "pbb_isid=100/0xff actions="
                           "pop_pbb,goto_table:1"));
    assert_non_null(strstr(ds_cstr(&s), "actions=push_pbb:0x88e7,"
                           "set_field:291->pbb_isid,set_field:1->pbb_uca,"
                           "output:2,pop_pbb,goto_table:2"));
    ds_destroy(&s);

    static const char *const bad[] = {
        "ip,pbb_isid=1,actions=drop",
        "dl_type=0x88e7,pbb_isid=0x1000000,actions=drop",
        "dl_type=0x88e7,pbb_uca=2,actions=drop",
        "dl_type=0x88e7,pbb_isid=1,pbb_isid=2,actions=drop",
        "actions=push_pbb:0x8100,output:2",
        "actions=set_field:0x1000000->pbb_isid",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_not_equal(pipeline_flow_add(pl, bad[i], &err), 0);
        assert_non_null(strstr(err, "pbb"));
        free(err);
    }
}

static void
test_pipeline_sctp_ports_nd_fields_and_tunnel_id(void **state)
{
    struct pipeline *pl = *state;
    struct packet sctp = udp(MAC2, MAC1, 53);
    struct packet ns = { .len = 14 + 40 + 32 };
    uint8_t *ip = ns.data + 14, *icmp = ip + 40;

    sctp.data[14 + 9] = 132;            /* SCTP: same ports as the UDP. */
    memcpy(ns.data, MAC2, 6);
    memcpy(ns.data + 6, MAC1, 6);
    ns.data[12] = 0x86;
    ns.data[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 32;
    ip[6] = 58;
    ip[7] = 255;
    ip[8] = 0xfe;
    ip[9] = 0x80;
    ip[23] = 1;
    ip[24] = 0xff;
    ip[25] = 0x02;
    icmp[0] = 135;                      /* Neighbour solicitation. */
    icmp[8] = 0xfe;
    icmp[9] = 0x80;
    icmp[23] = 2;                       /* Target fe80::2. */
    icmp[24] = 1;                       /* Source link-layer option. */
    icmp[25] = 1;
    memcpy(icmp + 26, MAC1, 6);

    add_flow(pl, "table=0,sctp,actions=set_field:5000->sctp_dst,"
             "mod_tp_src:7,output:2");
    assert_actions(pl, 1, &sctp, "set_tp_src:7,set_tp_dst:5000,out:2");
    add_flow(pl, "table=0,icmp6,icmp_type=135,nd_target=fe80::2,actions="
             "set_field:fe80::9->nd_target,"
             "set_field:02:00:00:00:00:99->nd_sll,output:3");
    assert_actions(pl, 1, &ns, "set_nd_target3:00000009,set_nd_sll:99,"
                   "out:3");
    /* tunnel_id is metadata until xvs has tunnels: set in one table,
     * matched in the next, nothing done to the packet. */
    add_flow(pl, "table=0,priority=0,actions=set_field:0x55->tunnel_id,"
             "goto_table:1");
    add_flow(pl, "table=1,tunnel_id=0x55,actions=output:2");
    struct packet arp = udp(MAC2, MAC1, 53);
    arp.data[12] = 0x08;
    arp.data[13] = 0x06;
    assert_actions(pl, 1, &arp, "out:2");
}

static void
test_pipeline_ipv6_address_rewrite(void **state)
{
    struct pipeline *pl = *state;
    struct packet p = { .len = 62 };

    memcpy(p.data, MAC2, 6);
    memcpy(p.data + 6, MAC1, 6);
    p.data[12] = 0x86;
    p.data[13] = 0xdd;
    p.data[14] = 0x60;
    p.data[19] = 8;             /* Payload length. */
    p.data[20] = 17;            /* UDP. */
    p.data[21] = 64;
    p.data[22] = 0xfe;          /* fe80::1 -> fe80::2 */
    p.data[23] = 0x80;
    p.data[37] = 1;
    p.data[38] = 0xfe;
    p.data[39] = 0x80;
    p.data[53] = 2;
    p.data[59] = 8;
    add_flow(pl, "ipv6,actions=set_field:fe80::99->ipv6_dst,output:2");
    /* Only the word that changes is written. */
    assert_actions(pl, 1, &p, "set_ipv6[7]:00000099,out:2");
}


static void
test_pipeline_arp_and_icmp_rewrites(void **state)
{
    struct pipeline *pl = *state;
    struct packet arp = { .len = 42 };

    memcpy(arp.data, BCAST, 6);
    memcpy(arp.data + 6, MAC1, 6);
    arp.data[12] = 0x08;
    arp.data[13] = 0x06;
    memcpy(arp.data + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    add_flow(pl, "arp,arp_op=1,actions=set_field:2->arp_op,"
             "set_field:10.0.0.9->arp_spa,output:2");
    /* Only what changes is written. */
    assert_actions(pl, 1, &arp, "set_arp0,set_arp2,out:2");

    struct packet p = udp(MAC2, MAC1, 53);
    p.data[23] = 1;             /* ICMP, type 8 code 0 where UDP was. */
    p.data[34] = 8;
    p.data[35] = 0;
    add_flow(pl, "icmp,icmp_type=8,actions=set_field:0->icmp_type,output:3");
    assert_actions(pl, 1, &p, "set_icmp0:0,out:3");
}

int
main(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_pipeline_drops_on_table_miss),
        T(test_pipeline_highest_priority_rule_wins),
        T(test_pipeline_flood_all_and_in_port),
        T(test_pipeline_drop_action),
        T(test_pipeline_normal_floods_then_learns),
        T(test_pipeline_normal_forgets_deleted_port),
        T(test_pipeline_add_replaces_same_match_and_priority),
        T(test_pipeline_del_flows_loose_match),
        T(test_pipeline_counts_packets_and_bytes_per_rule),
        T(test_pipeline_rejects_bad_flows_without_change),
        T(test_pipeline_texts_round_trip),
        cmocka_unit_test_setup_teardown(
            test_pipeline_normal_floods_within_the_vlan, setup_vlans,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_pipeline_normal_drops_foreign_vlans, setup_vlans, teardown),
        cmocka_unit_test_setup_teardown(
            test_pipeline_normal_learns_per_vlan, setup_vlans, teardown),
        T(test_pipeline_trunk_native_vlan_is_untagged),
        T(test_pipeline_goto_table_and_metadata),
        T(test_pipeline_action_set_runs_at_the_end),
        T(test_pipeline_set_field_commits_before_output),
        T(test_pipeline_vlan_push_and_set),
        T(test_pipeline_push_8021ad_onto_a_tagged_frame),
        T(test_pipeline_port_config_from_port_mod),
        T(test_pipeline_dec_ttl_expiry_goes_to_controller),
        T(test_pipeline_table_miss_to_controller_when_asked),
        T(test_pipeline_modify_keeps_counters),
        T(test_pipeline_bundle_abort_changes_nothing),
        T(test_pipeline_timeouts_remove_and_report),
        T(test_pipeline_group_all_gives_each_bucket_the_original),
        T(test_pipeline_group_select_hashes_the_5_tuple),
        T(test_pipeline_group_fast_failover_follows_liveness),
        T(test_pipeline_group_watch_group_follows_the_chain),
        T(test_pipeline_group_delete_takes_its_flows),
        T(test_pipeline_group_chains),
        T(test_pipeline_bundle_abort_undoes_group_changes),
        T(test_pipeline_meters_police_before_actions),
        T(test_pipeline_queues),
        T(test_pipeline_mpls_push_set_pop),
        T(test_pipeline_push_mpls_label_and_ttl),
        T(test_pipeline_pop_mpls_uncovers_the_inner_headers),
        T(test_pipeline_pop_mpls_after_push_restores_the_packet),
        T(test_pipeline_pop_mpls_to_another_type_is_not_cached),
        T(test_pipeline_copy_ttl_out_and_in),
        T(test_pipeline_action_set_with_ours),
        T(test_pipeline_ipv6_exthdr_match),
        T(test_pipeline_pbb),
        T(test_pipeline_set_eth_type_ip_proto_mpls_bos),
        T(test_pipeline_ipv6_address_rewrite),
        T(test_pipeline_sctp_ports_nd_fields_and_tunnel_id),
        T(test_pipeline_arp_and_icmp_rewrites),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
