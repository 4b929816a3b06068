/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ofp-ext: the OpenFlow actions that the specifications define and Open
 * vSwitch's library, which xvs decodes messages with, does not know:
 * copy_ttl_out, copy_ttl_in (OpenFlow 1.1+), and set_field on eth_type,
 * ip_proto and mpls_bos (1.2+; the library holds those fields read-only).
 *
 * Before a message is decoded, ofp_ext_lift() rewrites each such action,
 * where it stands in an apply_actions instruction, a group bucket or a
 * packet-out, into a Nicira "note" action (NXAST_NOTE) whose 14 bytes
 * start with a 6-byte magic and say which action it is: the library
 * decodes the note like any other, in its place, and the translation
 * (xlate.c) executes it as what it stands for.  Replies go the other way:
 * ofp_ext_lower() turns the notes in flow stats and group description
 * replies back into the actions the controller sent, so that it reads its
 * flows as it wrote them.  Text (xvs-ctl add-flow, YAML flows) is
 * rewritten the same way before parsing and after formatting.
 *
 * The library takes no note in an action set: ours in a write_actions
 * instruction become notes flagged "to the action set" at the end of the
 * flow's apply_actions (one is made if there is none), which the
 * translation adds to the action set when it executes the flow's
 * write_actions; replies put them back where they were sent.  A note a
 * controller sends with the magic bytes is taken as xvs's encoding.
 */
#ifndef OFP_EXT_H
#define OFP_EXT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-protocol.h"

struct ds;
struct match;
struct minimatch;
struct ovs_list;
struct cls_rule;
struct ofputil_port_map;
struct ofp_header;
struct ofpact;
struct ofpact_format_params;
struct ofpact_note;
struct ofpbuf;
struct ofputil_flow_mod;
struct ofputil_group_mod;

enum ofp_ext_type {
    OFP_EXT_COPY_TTL_OUT = 1,   /* The TTL of the header next to the
                                 * outermost one to the outermost. */
    OFP_EXT_COPY_TTL_IN,        /* The outermost TTL to the next header. */
    OFP_EXT_SET_ETH_TYPE,       /* 'value': the Ethertype (16 bits). */
    OFP_EXT_SET_IP_PROTO,       /* 'value': the IP protocol (8 bits). */
    OFP_EXT_SET_MPLS_BOS,       /* 'value': the bottom-of-stack bit. */
    OFP_EXT_PUSH_PBB,           /* 'value': the Ethertype (0x88e7). */
    OFP_EXT_POP_PBB,
    OFP_EXT_SET_PBB_ISID,       /* 'value': the I-SID (24 bits). */
    OFP_EXT_SET_PBB_UCA,        /* 'value': the UCA bit. */
};

struct ofp_ext {
    enum ofp_ext_type type;
    uint32_t value;
    bool to_set;                /* An action of write_actions: for the
                                 * action set, when the flow's
                                 * write_actions is executed. */
    uint8_t pos;                /* Then: where it stood in write_actions
                                 * (255: at the end or later), for
                                 * replies. */
};

/* Whether 'note' is one of xvs's actions; if so, fills in '*ext'. */
bool ofp_ext_from_note(const struct ofpact_note *note, struct ofp_ext *ext);

/* The match fields the library does not know either: ipv6_exthdr
 * (OpenFlow 1.3's OXM field 39), pbb_isid (37) and pbb_uca (41, 1.4).
 * xvs lifts them out of the match before decoding and puts them where
 * its classifier matches them (flow-dp.h).  Host order; an ipv6_exthdr
 * mask of 0xffff is the unmasked form, and so is a full pbb_isid mask. */
struct ofp_ext_match {
    bool has_exthdr;
    uint16_t exthdr, exthdr_mask;
    bool has_pbb;                   /* pbb_isid and pbb_uca: */
    uint32_t pbb_tci, pbb_mask;     /* Their bits of the I-TAG TCI. */
    uint32_t pbb_seen;              /* The fields met (for duplicates). */
    enum ofperr error;
};

/* Returns a copy of the flow_mod, group_mod, packet-out or flow or
 * aggregate stats request 'oh' (OpenFlow 1.1 or later) with the actions
 * above made notes and the match's ipv6_exthdr moved into '*m' (if 'm' is
 * nonnull), or NULL if it has none of them (or is not one of those, or is
 * malformed: the decoder says how).  A flow stats or group description
 * reply is lifted too, for a peer that decodes replies with the library
 * (the fuzz harness).  The caller frees the copy with ofpbuf_delete().
 * '*error' is set (and NULL returned) if the copy would be longer than an
 * OpenFlow message can be, or the ipv6_exthdr is wrong: twice
 * (OFPBMC_DUP_FIELD), of a bad length (BAD_LEN), with value bits outside
 * its mask (BAD_WILDCARDS) or beyond the nine flags (BAD_VALUE), or
 * without eth_type=0x86dd (BAD_PREREQ). */
struct ofpbuf *ofp_ext_lift(const struct ofp_header *oh,
                            struct ofp_ext_match *m, enum ofperr *error);

/* Puts the ipv6_exthdr of 'm', if any, into 'match' or 'mm'. */
void ofp_ext_match_apply(const struct ofp_ext_match *m, struct match *match);
void ofp_ext_minimatch_apply(const struct ofp_ext_match *m,
                             struct minimatch *mm);

/* Adds our match fields of 'match', if it has some, to the last flow
 * stats entry or OpenFlow 1.4 flow monitor update of 'replies', or to the
 * flow-removed message 'msg' (OpenFlow 1.2 or later: earlier versions,
 * and Nicira flow monitors, cannot say them). */
void ofp_ext_flow_stats_exthdr(struct ovs_list *replies,
                               const struct match *match);
void ofp_ext_flow_removed_exthdr(struct ofpbuf *msg,
                                 const struct match *match);

/* Turns the notes in the flow stats, group description or (1.4+) flow
 * monitor reply 'msg' (OpenFlow 1.1 or later; other messages are left
 * alone) back into the actions they stand for, in place. */
void ofp_ext_lower(struct ofpbuf *msg);

/* Returns the flow or group text 'text' with "copy_ttl_out",
 * "copy_ttl_in" and "set_field:V->eth_type|ip_proto|nw_proto|mpls_bos"
 * made notes, for ovs's parser, or NULL if it has none.  '*errorp' gets
 * a message (and NULL is returned) for a value out of range. */
char *ofp_ext_parse_text(const char *text, char **errorp);

/* What 'ext' stands for, as text ("copy_ttl_in", "set_field:6->ip_proto"). */
void ofp_ext_put_text(struct ds *, const struct ofp_ext *);

/* Rewrites the notes in what was formatted into 's' from offset 'start'
 * on as the actions they stand for (those for the action set back into
 * write_actions()). */
void ofp_ext_format_text(struct ds *s, size_t start);

/* cls_rule_format() with the ipv6_exthdr match, "ipv6_exthdr=0x44" or
 * "ipv6_exthdr=0x4/0x44" (the OFPIEH_* bits), which
 * ofp_ext_parse_flow_mod() takes. */
void ofp_ext_format_rule(const struct cls_rule *,
                         const struct ofputil_port_map *, struct ds *);

/* ofpacts_format() with ours shown as what they stand for. */
void ofp_ext_format(const struct ofpact *, size_t len,
                    const struct ofpact_format_params *);

/* parse_ofp_flow_mod_str() and parse_ofp_group_mod_str() (without port
 * or table maps) that know ours. */
char *ofp_ext_parse_flow_mod(struct ofputil_flow_mod *, const char *text,
                             int command, enum ofputil_protocol *usable)
    OVS_WARN_UNUSED_RESULT;
char *ofp_ext_parse_group_mod(struct ofputil_group_mod *, int command,
                              const char *text,
                              enum ofputil_protocol *usable)
    OVS_WARN_UNUSED_RESULT;

#endif /* ofp-ext.h */
