/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ofp-ext: the OpenFlow actions Open vSwitch's library does not know
 * (copy_ttl_out/in, set_field on eth_type, ip_proto, mpls_bos), carried
 * through it as notes (switchd/ofp-ext.c).
 *
 * Raw OpenFlow 1.3, 1.4 and 1.5 messages are built here byte by byte as a
 * controller sends them; after ofp_ext_lift() the library decodes them, and
 * the flow stats and group description replies that the library encodes
 * from what it decoded come back, after ofp_ext_lower(), with the very
 * instruction and bucket bytes that were sent.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "switchd/ofp-ext.h"
#include "util.h"

/* ---- Building raw messages ---- */

static void
put16(struct ofpbuf *b, uint16_t v)
{
    uint8_t *p = ofpbuf_put_uninit(b, 2);
    p[0] = v >> 8;
    p[1] = v;
}

static void
put32(struct ofpbuf *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v);
}

static void
set16(struct ofpbuf *b, size_t ofs, uint16_t v)
{
    uint8_t *p = (uint8_t *) b->data + ofs;
    p[0] = v >> 8;
    p[1] = v;
}

static void
header(struct ofpbuf *b, uint8_t version, uint8_t type)
{
    uint8_t *p = ofpbuf_put_zeros(b, 8);
    p[0] = version;
    p[1] = type;
    p[7] = 1;                   /* xid */
}

static void
finish(struct ofpbuf *b)
{
    set16(b, 2, b->size);
}

/* The actions every case carries: copy_ttl_out, set_field:0x8848->eth_type,
 * copy_ttl_in, set_field:17->ip_proto, set_field:1->mpls_bos (1.3+),
 * output:2. */
static void
actions(struct ofpbuf *b, uint8_t version)
{
    put16(b, 11);               /* copy_ttl_out */
    put16(b, 8);
    put32(b, 0);
    put16(b, 25);               /* set_field eth_type */
    put16(b, 16);
    put32(b, 0x80000a02);
    put16(b, 0x8848);
    ofpbuf_put_zeros(b, 6);
    put16(b, 12);               /* copy_ttl_in */
    put16(b, 8);
    put32(b, 0);
    put16(b, 25);               /* set_field ip_proto */
    put16(b, 16);
    put32(b, 0x80001401);
    ofpbuf_put_zeros(b, 8);
    ((uint8_t *) b->data)[b->size - 8] = 17;
    if (version >= OFP13_VERSION) {
        put16(b, 25);           /* set_field mpls_bos */
        put16(b, 16);
        put32(b, 0x80004801);
        ofpbuf_put_zeros(b, 8);
        ((uint8_t *) b->data)[b->size - 8] = 1;
    }
    put16(b, 0);                /* output:2 */
    put16(b, 16);
    put32(b, 2);
    put16(b, 0xffff);
    ofpbuf_put_zeros(b, 6);
}

/* OXM match eth_type=0x8847, padded. */
static void
match_mpls(struct ofpbuf *b)
{
    put16(b, 1);
    put16(b, 10);
    put32(b, 0x80000a02);
    put16(b, 0x8847);
    ofpbuf_put_zeros(b, 6);
}

/* A flow_mod: the instructions start at '*insts_ofs'. */
static struct ofpbuf *
flow_mod(uint8_t version, size_t *insts_ofs)
{
    struct ofpbuf *b = ofpbuf_new(256);

    header(b, version, 14);
    ofpbuf_put_zeros(b, 40);
    ((uint8_t *) b->data)[8 + 17] = 0;        /* table 0, add */
    set16(b, 8 + 22, 100);                    /* priority */
    memset((uint8_t *) b->data + 8 + 24, 0xff, 12);  /* buffer, ports */
    match_mpls(b);
    *insts_ofs = b->size;
    size_t inst = b->size;
    put16(b, 4);                /* apply_actions */
    put16(b, 0);
    put32(b, 0);
    actions(b, version);
    set16(b, inst + 2, b->size - inst);
    finish(b);
    return b;
}

/* The kinds of the ofpacts, as "note:N" for ours. */
static char *
kinds(const struct ofpact *ofpacts, size_t len)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, len) {
        struct ofp_ext ext;
        if (a->type == OFPACT_NOTE
            && ofp_ext_from_note(ofpact_get_NOTE(a), &ext)) {
            ds_put_format(&s, "%sext%d:%#x,", ext.to_set ? "set-" : "",
                          ext.type, ext.value);
        } else {
            ds_put_format(&s, "%s,", ofpact_name(a->type));
        }
    }
    return ds_steal_cstr(&s);
}

static const char *
want_kinds(uint8_t version)
{
    return version >= OFP13_VERSION
           ? "ext1:0,ext3:0x8848,ext2:0,ext4:0x11,ext5:0x1,output,"
           : "ext1:0,ext3:0x8848,ext2:0,ext4:0x11,output,";
}

/* The flow stats reply that the switch sends for a flow decoded into
 * 'fm' (priority 100), over 'protocol': encoded by the library, with our
 * match fields added and our actions lowered.  The caller frees
 * 'replies'. */
static struct ofpbuf *
stats_reply(const struct ofputil_flow_mod *fm, enum ofputil_protocol protocol,
            struct ovs_list *replies)
{
    struct ofputil_flow_stats_request fsr = {
        .table_id = 0xff, .out_port = OFPP_ANY, .out_group = OFPG_ANY,
    };
    match_init_catchall(&fsr.match);
    struct ofpbuf *req = ofputil_encode_flow_stats_request(&fsr, protocol);
    ofpmp_init(replies, req->data);
    ofpbuf_delete(req);

    struct ofputil_flow_stats fs = {
        .priority = 100, .ofpacts = fm->ofpacts,
        .ofpacts_len = fm->ofpacts_len, .idle_age = -1, .hard_age = -1,
    };
    minimatch_expand(&fm->match, &fs.match);
    ofputil_append_flow_stats_reply(&fs, replies, NULL);
    ofp_ext_flow_stats_exthdr(replies, &fs.match);
    struct ofpbuf *reply = ofpbuf_from_list(ovs_list_front(replies));
    ofp_ext_lower(reply);
    return reply;
}

/* Lifts the flow_mod 'msg' (instructions from offset 'insts'), checks that
 * the library decodes it into ofpacts of kinds 'want', and that the flow
 * stats reply it encodes for them carries, once lowered, the instructions
 * as sent, with the message's and entry's lengths right. */
static void
check_round_trip(const struct ofpbuf *msg, size_t insts,
                 enum ofputil_protocol p, const char *want)
{
    enum ofperr error;
    struct ofpbuf *lifted = ofp_ext_lift(msg->data, NULL, &error);
    assert_non_null(lifted);
    assert_int_equal(error, 0);

    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    assert_int_equal(ofputil_decode_flow_mod(&fm, lifted->data, p, NULL,
                                             NULL, &ofpacts, OFPP_MAX, 255),
                     0);
    char *k = kinds(fm.ofpacts, fm.ofpacts_len);
    assert_string_equal(k, want);
    free(k);

    struct ovs_list replies;
    struct ofpbuf *reply = stats_reply(&fm, p, &replies);
    size_t n = msg->size - insts;
    assert_true(reply->size > n);
    assert_memory_equal((uint8_t *) reply->data + reply->size - n,
                        (uint8_t *) msg->data + insts, n);
    const uint8_t *r = reply->data;
    assert_int_equal((r[2] << 8) | r[3], reply->size);
    assert_int_equal((r[16] << 8) | r[17], reply->size - 16);

    ofpbuf_list_delete(&replies);
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(lifted);
}

static void
test_flow_mod_round_trip(uint8_t version)
{
    size_t insts;
    struct ofpbuf *msg = flow_mod(version, &insts);

    /* As sent, the library refuses it. */
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    enum ofputil_protocol p = ofputil_protocol_from_ofp_version(version);
    ofpbuf_init(&ofpacts, 64);
    assert_int_not_equal(ofputil_decode_flow_mod(&fm, msg->data, p, NULL,
                                                 NULL, &ofpacts, OFPP_MAX,
                                                 255), 0);
    ofpbuf_uninit(&ofpacts);

    check_round_trip(msg, insts, p, want_kinds(version));
    ofpbuf_delete(msg);
}

static void
test_flow_mod_13(void **state OVS_UNUSED)
{
    test_flow_mod_round_trip(OFP13_VERSION);
}

static void
test_flow_mod_14(void **state OVS_UNUSED)
{
    test_flow_mod_round_trip(OFP14_VERSION);
}

static void
test_flow_mod_15(void **state OVS_UNUSED)
{
    test_flow_mod_round_trip(OFP15_VERSION);
}

static void
test_flow_mod_12(void **state OVS_UNUSED)
{
    test_flow_mod_round_trip(OFP12_VERSION);
}

/* A select group with one bucket; the bucket's actions start at
 * '*acts_ofs' and are '*acts_len' bytes. */
static struct ofpbuf *
group_mod(uint8_t version, size_t *acts_ofs, size_t *acts_len)
{
    struct ofpbuf *b = ofpbuf_new(256);

    header(b, version, 15);
    put16(b, 0);                /* add */
    put16(b, 0x0100);           /* select */
    put32(b, 7);
    size_t blen_at = b->size;
    if (version >= OFP15_VERSION) {
        put16(b, 0);            /* bucket_array_len */
        put16(b, 0);
        put32(b, 0xffffffff);   /* command_bucket_id: all */
    }
    size_t bucket = b->size;
    if (version >= OFP15_VERSION) {
        put16(b, 0);            /* len */
        put16(b, 0);            /* action_array_len */
        put32(b, 0);            /* bucket_id */
    } else {
        put16(b, 0);
        put16(b, 1);            /* weight */
        put32(b, 0xffffffff);
        put32(b, 0xffffffff);
        put32(b, 0);
    }
    *acts_ofs = b->size;
    actions(b, version);
    *acts_len = b->size - *acts_ofs;
    if (version >= OFP15_VERSION) {
        set16(b, bucket + 2, *acts_len);
        put16(b, 0);            /* weight property */
        put16(b, 8);
        put16(b, 1);
        put16(b, 0);
        set16(b, bucket, b->size - bucket);
        set16(b, blen_at, b->size - bucket);
    } else {
        set16(b, bucket, b->size - bucket);
    }
    finish(b);
    return b;
}

static void
test_group_round_trip(uint8_t version)
{
    size_t acts, n;
    struct ofpbuf *msg = group_mod(version, &acts, &n);
    struct ofputil_group_mod gm;
    enum ofperr error;

    struct ofpbuf *lifted = ofp_ext_lift(msg->data, NULL, &error);
    assert_non_null(lifted);
    assert_int_equal(ofputil_decode_group_mod(lifted->data, &gm), 0);
    const struct ofputil_bucket *bucket
        = CONTAINER_OF(ovs_list_front(&gm.buckets), struct ofputil_bucket,
                       list_node);
    char *k = kinds(bucket->ofpacts, bucket->ofpacts_len);
    assert_string_equal(k, want_kinds(version));
    free(k);

    struct ofpbuf *req = ofputil_encode_group_desc_request(version, 7);
    struct ovs_list replies;
    ofpmp_init(&replies, req->data);
    struct ofputil_group_desc gd = {
        .type = gm.type, .group_id = gm.group_id, .props = gm.props,
    };
    ofputil_append_group_desc_reply(&gd, &gm.buckets, &replies);
    struct ofpbuf *reply = ofpbuf_from_list(ovs_list_front(&replies));
    size_t before = reply->size;
    ofp_ext_lower(reply);
    assert_true(reply->size < before);

    /* The bucket's actions as sent, somewhere in the reply. */
    assert_non_null(memmem(reply->data, reply->size,
                           (uint8_t *) msg->data + acts, n));
    const uint8_t *r = reply->data;
    assert_int_equal((r[2] << 8) | r[3], reply->size);
    assert_int_equal((r[16] << 8) | r[17], reply->size - 16);

    ofpbuf_list_delete(&replies);
    ofpbuf_delete(req);
    ofputil_uninit_group_mod(&gm);
    ofpbuf_delete(lifted);
    ofpbuf_delete(msg);
}

static void
test_group_13(void **state OVS_UNUSED)
{
    test_group_round_trip(OFP13_VERSION);
}

static void
test_group_15(void **state OVS_UNUSED)
{
    test_group_round_trip(OFP15_VERSION);
}

static void
test_packet_out(void **state OVS_UNUSED)
{
    static const uint8_t frame[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    struct ofpbuf *b = ofpbuf_new(256);
    struct ofputil_packet_out po;
    struct ofpbuf ofpacts;
    enum ofperr error;

    header(b, OFP13_VERSION, 13);
    put32(b, 0xffffffff);
    put32(b, 0xfffffffd);       /* in_port: controller */
    put16(b, 0);
    ofpbuf_put_zeros(b, 6);
    size_t acts = b->size;
    actions(b, OFP13_VERSION);
    set16(b, 16, b->size - acts);
    ofpbuf_put(b, frame, sizeof frame);
    finish(b);

    struct ofpbuf *lifted = ofp_ext_lift(b->data, NULL, &error);
    assert_non_null(lifted);
    ofpbuf_init(&ofpacts, 64);
    assert_int_equal(ofputil_decode_packet_out(&po, lifted->data, NULL,
                                               &ofpacts), 0);
    char *k = kinds(po.ofpacts, po.ofpacts_len);
    assert_string_equal(k, want_kinds(OFP13_VERSION));
    free(k);
    assert_int_equal(po.packet_len, sizeof frame);
    assert_memory_equal(po.packet, frame, sizeof frame);
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(lifted);
    ofpbuf_delete(b);
}

/* Ours in write_actions: lifted into notes "to the action set" at the end
 * of apply_actions (made if there is none); the flow stats reply has them
 * back in write_actions, byte for byte as sent. */
static void
test_write_actions(void **state OVS_UNUSED)
{
    enum ofputil_protocol p = ofputil_protocol_from_ofp_version(
        OFP13_VERSION);
    static const char *const want[] = {
        "set-ext1:0,set-ext3:0x8848,set-ext2:0,set-ext4:0x11,set-ext5:0x1,"
        "write_actions,",
        "ext1:0,ext3:0x8848,ext2:0,ext4:0x11,ext5:0x1,output,set-ext2:0,"
        "write_actions,",
    };

    for (int with_apply = 0; with_apply < 2; with_apply++) {
        size_t insts;
        struct ofpbuf *msg = flow_mod(OFP13_VERSION, &insts);

        if (!with_apply) {
            set16(msg, insts, 3);       /* write_actions, alone */
        } else {
            /* After the apply_actions: write_actions(output:3,
             * copy_ttl_in), which must come back in that order. */
            size_t w = msg->size;
            put16(msg, 3);
            put16(msg, 8 + 8 + 16);
            put32(msg, 0);
            put16(msg, 0);
            put16(msg, 16);
            put32(msg, 3);
            put16(msg, 0xffff);
            ofpbuf_put_zeros(msg, 6);
            put16(msg, 12);
            put16(msg, 8);
            put32(msg, 0);
            assert_int_equal(msg->size - w, 32);
            finish(msg);
        }

        check_round_trip(msg, insts, p, want[with_apply]);
        ofpbuf_delete(msg);
    }
}

/* What is not lifted: masked set_field, OpenFlow 1.0, malformed lists;
 * and a message whose lifted copy would not fit in an OpenFlow
 * message. */
static void
test_left_alone(void **state OVS_UNUSED)
{
    size_t insts;
    enum ofperr error;

    struct ofpbuf *msg = flow_mod(OFP13_VERSION, &insts);
    ((uint8_t *) msg->data)[insts + 8 + 8 + 6] |= 1;   /* eth_type/mask */
    struct ofpbuf *lifted = ofp_ext_lift(msg->data, NULL, &error);
    assert_non_null(lifted);    /* The rest is. */
    assert_int_equal(lifted->size, msg->size + 16 + 16 + 8 + 8);
    ofpbuf_delete(lifted);
    ofpbuf_delete(msg);

    msg = flow_mod(OFP13_VERSION, &insts);
    ((uint8_t *) msg->data)[0] = OFP10_VERSION;
    assert_null(ofp_ext_lift(msg->data, NULL, &error));
    ofpbuf_delete(msg);

    msg = flow_mod(OFP13_VERSION, &insts);
    set16(msg, insts + 8 + 2, 12);  /* copy_ttl_out 12 bytes long */
    assert_null(ofp_ext_lift(msg->data, NULL, &error));
    assert_int_equal(error, 0);
    ofpbuf_delete(msg);

    /* 8,000 copy_ttl_out: 64 KB as sent, three times that as notes. */
    msg = flow_mod(OFP13_VERSION, &insts);
    msg->size = insts + 8;
    for (int i = 0; i < 8000; i++) {
        put16(msg, 11);
        put16(msg, 8);
        put32(msg, 0);
    }
    set16(msg, insts + 2, msg->size - insts);
    finish(msg);
    assert_null(ofp_ext_lift(msg->data, NULL, &error));
    assert_int_equal(error, OFPERR_OFPBRC_BAD_LEN);
    ofpbuf_delete(msg);
}

static void
test_text(void **state OVS_UNUSED)
{
    const char *text = "table=1,mpls,actions=copy_ttl_out,copy_ttl_in,"
                       "set_field:0x8848->eth_type,set_field:6->nw_proto,"
                       "set_field:0->mpls_bos,write_actions(copy_ttl_out),"
                       "output:2";
    char *error;
    char *lifted = ofp_ext_parse_text(text, &error);

    assert_null(error);
    assert_non_null(lifted);
    assert_null(strstr(lifted, "copy_ttl"));

    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    /* An apply action after write_actions: the library says no. */
    error = ofp_ext_parse_flow_mod(&fm, text, OFPFC_ADD, &usable);
    assert_non_null(error);
    free(error);
    free(lifted);

    const char *ok = "mpls,actions=copy_ttl_out,copy_ttl_in,"
                     "set_field:0x8848->eth_type,set_field:6->nw_proto,"
                     "set_field:0->mpls_bos,output:2";
    error = ofp_ext_parse_flow_mod(&fm, ok, OFPFC_ADD, &usable);
    assert_null(error);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .s = &s };
    ofp_ext_format(fm.ofpacts, fm.ofpacts_len, &fp);
    assert_string_equal(ds_cstr(&s), "copy_ttl_out,copy_ttl_in,"
                        "set_field:0x8848->eth_type,set_field:6->ip_proto,"
                        "set_field:0->mpls_bos,output:2");
    ds_destroy(&s);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);

    /* Out of range: refused with the field named. */
    assert_null(ofp_ext_parse_text("actions=set_field:0x10000->eth_type",
                                   &error));
    assert_non_null(strstr(error, "eth_type"));
    free(error);
    assert_null(ofp_ext_parse_text("actions=set_field:x->ip_proto",
                                   &error));
    assert_non_null(strstr(error, "ip_proto"));
    free(error);
    /* Not ours: left as it is. */
    assert_null(ofp_ext_parse_text("actions=set_field:1->ip_dscp,"
                                   "mycopy_ttl_out", &error));
    assert_null(error);
}

/* Ours in write_actions: notes "to the action set" in apply_actions
 * (before clear_actions), shown back in write_actions. */
static void
test_text_action_set(void **state OVS_UNUSED)
{
    static const struct {
        const char *text, *shown, *kinds;
    } cases[] = {
        { "actions=copy_ttl_out,write_actions(copy_ttl_in,"
          "set_field:0x88e7->eth_type,output:2)",
          "copy_ttl_out,write_actions(copy_ttl_in,"
          "set_field:0x88e7->eth_type,output:2)",
          "ext1:0,set-ext2:0,set-ext3:0x88e7,write_actions," },
        { "actions=clear_actions,write_actions(pop_pbb)",
          "clear_actions,write_actions(pop_pbb)",
          "set-ext7:0,clear_actions,write_actions," },
        { "actions=write_actions(output:2,push_pbb:0x88e7,"
          "set_field:5->pbb_isid),goto_table:1",
          "write_actions(push_pbb:0x88e7,set_field:5->pbb_isid,output:2),"
          "goto_table:1",
          "set-ext6:0x88e7,set-ext8:0x5,write_actions,goto_table," },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error = ofp_ext_parse_flow_mod(&fm, cases[i].text, OFPFC_ADD,
                                             &usable);
        if (error) {
            fail_msg("%s: %s", cases[i].text, error);
        }
        char *k = kinds(fm.ofpacts, fm.ofpacts_len);
        assert_string_equal(k, cases[i].kinds);
        free(k);

        struct ds s = DS_EMPTY_INITIALIZER;
        struct ofpact_format_params fp = { .s = &s };
        ofp_ext_format(fm.ofpacts, fm.ofpacts_len, &fp);
        assert_string_equal(ds_cstr(&s), cases[i].shown);
        ds_destroy(&s);
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
    }
}

/* A flow_mod matching eth_type=0x86dd and the OXM 'exthdr' ('n' bytes),
 * output:2; the match starts at offset 48 and is '*match_len' bytes with
 * its padding. */
static struct ofpbuf *
exthdr_flow_mod(const uint8_t *exthdr, size_t n, size_t *match_len)
{
    struct ofpbuf *b = ofpbuf_new(256);

    header(b, OFP13_VERSION, 14);
    ofpbuf_put_zeros(b, 40);
    set16(b, 8 + 22, 100);
    memset((uint8_t *) b->data + 8 + 24, 0xff, 12);
    size_t m = b->size;
    put16(b, 1);
    put16(b, 0);
    put32(b, 0x80000a02);
    put16(b, 0x86dd);
    ofpbuf_put(b, exthdr, n);
    set16(b, m + 2, b->size - m);
    ofpbuf_put_zeros(b, ROUND_UP(b->size - m, 8) - (b->size - m));
    *match_len = b->size - m;
    put16(b, 4);
    put16(b, 24);
    put32(b, 0);
    put16(b, 0);
    put16(b, 16);
    put32(b, 2);
    put16(b, 0xffff);
    ofpbuf_put_zeros(b, 6);
    finish(b);
    return b;
}

static void
test_ipv6_exthdr(void **state OVS_UNUSED)
{
    static const uint8_t exact[] = { 0x80, 0x00, 0x4e, 0x02, 0x00, 0x44 };
    static const uint8_t masked[] = { 0x80, 0x00, 0x4f, 0x04,
                                      0x00, 0x40, 0x00, 0x40 };
    const uint8_t *oxms[] = { exact, masked };
    const size_t lens[] = { sizeof exact, sizeof masked };

    for (int i = 0; i < 2; i++) {
        size_t mlen;
        struct ofpbuf *msg = exthdr_flow_mod(oxms[i], lens[i], &mlen);
        struct ofp_ext_match m;
        enum ofperr error;

        struct ofpbuf *lifted = ofp_ext_lift(msg->data, &m, &error);
        assert_non_null(lifted);
        assert_true(m.has_exthdr);
        assert_int_equal(m.exthdr, i ? 0x40 : 0x44);
        assert_int_equal(m.exthdr_mask, i ? 0x40 : 0xffff);

        struct ofputil_flow_mod fm;
        struct ofpbuf ofpacts;
        ofpbuf_init(&ofpacts, 64);
        assert_int_equal(ofputil_decode_flow_mod(&fm, lifted->data,
                                                 OFPUTIL_P_OF13_OXM, NULL,
                                                 NULL, &ofpacts, OFPP_MAX,
                                                 255), 0);
        ofp_ext_minimatch_apply(&m, &fm.match);

        /* A flow stats reply and a flow-removed say it as it was sent. */
        struct ovs_list replies;
        struct ofpbuf *reply = stats_reply(&fm, OFPUTIL_P_OF13_OXM, &replies);
        struct match fm_match;
        minimatch_expand(&fm.match, &fm_match);
        const uint8_t *r = reply->data;
        assert_memory_equal(r + 16 + 48, (uint8_t *) msg->data + 48, mlen);
        assert_int_equal((r[2] << 8) | r[3], reply->size);
        assert_int_equal((r[16] << 8) | r[17], reply->size - 16);
        assert_int_equal(reply->size - 16 - 48 - mlen, 24);

        struct ofputil_flow_removed fr = {
            .priority = 100, .reason = OFPRR_DELETE, .table_id = 0,
        };
        fr.match = fm_match;
        struct ofpbuf *rm = ofputil_encode_flow_removed(&fr,
                                                       OFPUTIL_P_OF13_OXM);
        ofp_ext_flow_removed_exthdr(rm, &fm_match);
        assert_int_equal(rm->size, 48 + mlen);
        assert_memory_equal((uint8_t *) rm->data + 48,
                            (uint8_t *) msg->data + 48, mlen);

        ofpbuf_delete(rm);
        ofpbuf_list_delete(&replies);
        minimatch_destroy(&fm.match);
        ofpbuf_uninit(&ofpacts);
        ofpbuf_delete(lifted);
        ofpbuf_delete(msg);
    }

    /* What is wrong about it gets the error OpenFlow names. */
    static const struct {
        uint8_t oxm[16];
        size_t n;
        bool ipv6;
        enum ofperr error;
    } bad[] = {
        { { 0x80, 0, 0x4e, 2, 0, 0x44, 0x80, 0, 0x4e, 2, 0, 0x44 }, 12,
          true, OFPERR_OFPBMC_DUP_FIELD },
        { { 0x80, 0, 0x4e, 4, 0, 0x44, 0, 0x44 }, 8, true,
          OFPERR_OFPBMC_BAD_LEN },
        { { 0x80, 0, 0x4f, 4, 0, 0x44, 0, 0x40 }, 8, true,
          OFPERR_OFPBMC_BAD_WILDCARDS },
        { { 0x80, 0, 0x4e, 2, 0x02, 0x00 }, 6, true,
          OFPERR_OFPBMC_BAD_VALUE },
        { { 0x80, 0, 0x4e, 2, 0, 0x44 }, 6, false,
          OFPERR_OFPBMC_BAD_PREREQ },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        size_t mlen;
        struct ofpbuf *msg = exthdr_flow_mod(bad[i].oxm, bad[i].n, &mlen);
        struct ofp_ext_match m;
        enum ofperr error;
        if (!bad[i].ipv6) {
            /* eth_type 0x0800 instead. */
            ((uint8_t *) msg->data)[48 + 8] = 0x08;
            ((uint8_t *) msg->data)[48 + 9] = 0x00;
        }
        assert_null(ofp_ext_lift(msg->data, &m, &error));
        assert_int_equal(error, bad[i].error);
        ofpbuf_delete(msg);
    }
}

/* PBB over OpenFlow 1.4: a flow_mod matching eth_type=0x88e7,
 * pbb_isid=100/0xff and pbb_uca=1 with push_pbb, set_field on pbb_isid
 * and pbb_uca, pop_pbb, output:2: taken, and read back byte for byte. */
static void
test_pbb(void **state OVS_UNUSED)
{
    struct ofpbuf *b = ofpbuf_new(256);

    header(b, OFP14_VERSION, 14);
    ofpbuf_put_zeros(b, 40);
    set16(b, 8 + 22, 100);
    memset((uint8_t *) b->data + 8 + 24, 0xff, 12);
    size_t m = b->size;
    put16(b, 1);
    put16(b, 0);
    put32(b, 0x80000a02);       /* eth_type 0x88e7 */
    put16(b, 0x88e7);
    put32(b, 0x80004b06);       /* pbb_isid 100/0xff */
    put16(b, 0);
    put16(b, 0x6400);
    put16(b, 0x00ff);
    put32(b, 0x80005201);       /* pbb_uca 1 */
    ofpbuf_put(b, "\x01", 1);
    set16(b, m + 2, b->size - m);
    ofpbuf_put_zeros(b, ROUND_UP(b->size - m, 8) - (b->size - m));
    size_t mlen = b->size - m;
    size_t insts = b->size;
    put16(b, 4);
    put16(b, 0);
    put32(b, 0);
    put16(b, 26);               /* push_pbb:0x88e7 */
    put16(b, 8);
    put16(b, 0x88e7);
    put16(b, 0);
    put16(b, 25);               /* set_field:0x123456->pbb_isid */
    put16(b, 16);
    put32(b, 0x80004a03);
    put16(b, 0x1234);
    ofpbuf_put(b, "\x56", 1);
    ofpbuf_put_zeros(b, 5);
    put16(b, 25);               /* set_field:1->pbb_uca */
    put16(b, 16);
    put32(b, 0x80005201);
    ofpbuf_put(b, "\x01", 1);
    ofpbuf_put_zeros(b, 7);
    put16(b, 27);               /* pop_pbb */
    put16(b, 8);
    put32(b, 0);
    put16(b, 0);                /* output:2 */
    put16(b, 16);
    put32(b, 2);
    put16(b, 0xffff);
    ofpbuf_put_zeros(b, 6);
    set16(b, insts + 2, b->size - insts);
    finish(b);

    struct ofp_ext_match em;
    enum ofperr error;
    struct ofpbuf *lifted = ofp_ext_lift(b->data, &em, &error);
    assert_non_null(lifted);
    assert_true(em.has_pbb);
    assert_int_equal(em.pbb_tci, 0x08000064);
    assert_int_equal(em.pbb_mask, 0x080000ff);

    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    assert_int_equal(ofputil_decode_flow_mod(&fm, lifted->data,
                                             OFPUTIL_P_OF14_OXM, NULL, NULL,
                                             &ofpacts, OFPP_MAX, 255), 0);
    ofp_ext_minimatch_apply(&em, &fm.match);
    char *k = kinds(fm.ofpacts, fm.ofpacts_len);
    assert_string_equal(k, "ext6:0x88e7,ext8:0x123456,ext9:0x1,ext7:0,"
                        "output,");
    free(k);

    struct ovs_list replies;
    struct ofpbuf *reply = stats_reply(&fm, OFPUTIL_P_OF14_OXM, &replies);
    const uint8_t *r = reply->data;
    assert_int_equal(reply->size - 16 - 48, b->size - m);
    assert_memory_equal(r + 16 + 48, (uint8_t *) b->data + m, mlen);
    assert_memory_equal(r + 16 + 48 + mlen, (uint8_t *) b->data + insts,
                        b->size - insts);

    /* A flow monitor's update of the flow says it as sent too. */
    struct ovs_list updates;
    struct ofputil_flow_update fu = {
        .event = OFPFME_ADDED, .reason = OFPRR_DELETE, .table_id = 0,
        .priority = 100, .ofpacts = fm.ofpacts,
        .ofpacts_len = fm.ofpacts_len,
    };
    minimatch_expand(&fm.match, &fu.match);
    ofputil_start_flow_update(&updates, OFPUTIL_P_OF14_OXM);
    ofputil_append_flow_update(&fu, &updates, NULL);
    ofp_ext_flow_stats_exthdr(&updates, &fu.match);
    struct ofpbuf *up = ofpbuf_from_list(ovs_list_front(&updates));
    ofp_ext_lower(up);
    const uint8_t *u = up->data;
    assert_int_equal(up->size - 16 - 24, b->size - m);
    assert_memory_equal(u + 16 + 24, (uint8_t *) b->data + m, mlen);
    assert_memory_equal(u + 16 + 24 + mlen, (uint8_t *) b->data + insts,
                        b->size - insts);
    ofpbuf_list_delete(&updates);

    /* pbb_uca is OpenFlow 1.4's: not a 1.3 field. */
    ((uint8_t *) b->data)[0] = OFP13_VERSION;
    assert_null(ofp_ext_lift(b->data, &em, &error));
    assert_int_equal(error, OFPERR_OFPBMC_BAD_FIELD);

    ofpbuf_list_delete(&replies);
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(lifted);
    ofpbuf_delete(b);
}

/* Checks a flow stats reply series: each message at most 64 KB, its
 * entries' lengths adding up to it (the length field is set when it is
 * sent: ofpmsg_update_length()).  Returns the number of messages. */
static size_t
check_series(struct ovs_list *replies)
{
    struct ofpbuf *msg;
    size_t n = 0;

    LIST_FOR_EACH (msg, list_node, replies) {
        const uint8_t *p = msg->data;
        assert_true(msg->size <= UINT16_MAX);
        size_t at = 16;
        while (at < msg->size) {
            size_t len = (p[at] << 8) | p[at + 1];
            assert_true(len >= 48 && at + len <= msg->size);
            at += len;
        }
        assert_int_equal(at, msg->size);
        n++;
    }
    return n;
}

/* An entry whose ipv6_exthdr does not fit in what its message has left
 * goes on in the next message, whole. */
static void
test_exthdr_at_64k(void **state OVS_UNUSED)
{
    struct ofputil_flow_stats_request fsr = {
        .table_id = 0xff, .out_port = OFPP_ANY, .out_group = OFPG_ANY,
    };
    match_init_catchall(&fsr.match);
    struct ofpbuf *req = ofputil_encode_flow_stats_request(
        &fsr, OFPUTIL_P_OF13_OXM);
    struct ofputil_flow_stats fs = {
        .priority = 100, .idle_age = -1, .hard_age = -1,
    };
    struct ofp_ext_match em = {
        .has_exthdr = true, .exthdr = 0x44, .exthdr_mask = 0xffff,
    };
    struct match exthdr_match;
    match_init_catchall(&exthdr_match);
    match_set_dl_type(&exthdr_match, htons(0x86dd));
    ofp_ext_match_apply(&em, &exthdr_match);

    /* A filler entry of 'j' outputs, then the ipv6_exthdr entry: sizes
     * from below to past the point where it no longer fits. */
    struct ofpbuf acts;
    ofpbuf_init(&acts, 0);
    bool moved = false;
    for (int j = 4050; j < 4100; j++) {
        ofpbuf_clear(&acts);
        for (int i = 0; i < j; i++) {
            ofpact_put_OUTPUT(&acts)->port = OFP_PORT_C(1 + i % 8);
        }
        struct ovs_list replies;
        ofpmp_init(&replies, req->data);
        match_init_catchall(&fs.match);
        fs.ofpacts = acts.data;
        fs.ofpacts_len = acts.size;
        ofputil_append_flow_stats_reply(&fs, &replies, NULL);
        fs.match = exthdr_match;
        fs.ofpacts = NULL;
        fs.ofpacts_len = 0;
        ofputil_append_flow_stats_reply(&fs, &replies, NULL);
        size_t before = ovs_list_size(&replies);
        ofp_ext_flow_stats_exthdr(&replies, &fs.match);
        size_t after = check_series(&replies);
        moved |= after > before;

        /* The last entry of the last message carries the field. */
        struct ofpbuf *last = ofpbuf_from_list(ovs_list_back(&replies));
        static const uint8_t oxm[] = { 0x80, 0x00, 0x4e, 0x02, 0x00, 0x44 };
        assert_non_null(memmem(last->data, last->size, oxm, sizeof oxm));
        ofpbuf_list_delete(&replies);
    }
    assert_true(moved);
    ofpbuf_uninit(&acts);
    ofpbuf_delete(req);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_mod_12),
        cmocka_unit_test(test_flow_mod_13),
        cmocka_unit_test(test_flow_mod_14),
        cmocka_unit_test(test_flow_mod_15),
        cmocka_unit_test(test_group_13),
        cmocka_unit_test(test_group_15),
        cmocka_unit_test(test_packet_out),
        cmocka_unit_test(test_write_actions),
        cmocka_unit_test(test_left_alone),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_text_action_set),
        cmocka_unit_test(test_ipv6_exthdr),
        cmocka_unit_test(test_pbb),
        cmocka_unit_test(test_exthdr_at_64k),
    };
    return cmocka_run_group_tests_name("ofp-ext", tests, NULL, NULL);
}
