/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ofp-ext: OpenFlow actions Open vSwitch's library does not know, carried
 * through it as notes.  See ofp-ext.h.
 *
 * The message walkers below read raw OpenFlow that has not been
 * validated yet: every length is checked against what holds it before it
 * is used, and anything malformed is left to the library's decoder to
 * refuse (the walkers then change nothing).
 */
#include <config.h>

#include "ofp-ext.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "util.h"
#include "classifier.h"
#include "flow-dp.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"

/* OpenFlow numbers (the specifications'). */
enum {
    V11 = 0x02, V12 = 0x03, V13 = 0x04, V15 = 0x06,
    T_PACKET_OUT = 13, T_FLOW_MOD = 14, T_GROUP_MOD = 15,
    T_MULTIPART_REQUEST = 18, T_MULTIPART_REPLY = 19, T_FLOW_REMOVED = 11,
    MP_FLOW = 1, MP_AGGREGATE = 2, MP_GROUP_DESC = 7, MP_FLOW_MONITOR = 16,
    FME_MODIFIED = 3,           /* The last event of a full update. */
    IT_WRITE_ACTIONS = 3, IT_APPLY_ACTIONS = 4,
    AT_COPY_TTL_OUT = 11, AT_COPY_TTL_IN = 12, AT_SET_FIELD = 25,
    AT_EXPERIMENTER = 0xffff,
    OXM_BASIC = 0x8000,
    OXM_ETH_TYPE = 5, OXM_IP_PROTO = 10, OXM_MPLS_BOS = 36,
    OXM_IPV6_EXTHDR = 39, OXM_PBB_ISID = 37, OXM_PBB_UCA = 41,
    AT_PUSH_PBB = 26, AT_POP_PBB = 27, V14 = 0x05,
    EXTHDR_BITS = 0x1ff,        /* The nine OFPIEH_* flags. */
    NX_VENDOR = 0x00002320, NXAST_NOTE = 8,
    NOTE_ACTION_LEN = 24,       /* 10 bytes of header, 14 of note. */
};

/* The note's first 6 bytes; then the type, 3 zero bytes, the value (4
 * bytes, network order). */
static const uint8_t magic[6] = { 'x', 'v', 's', 0xe7, 0x0f, 0xa1 };
#define NOTE_LEN 14
#define NOTE_TEXT "note:78.76.73.e7.0f.a1."

static uint16_t
rd16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static uint32_t
rd32(const uint8_t *p)
{
    return ((uint32_t) rd16(p) << 16) | rd16(p + 2);
}

static void
wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v);
}

static bool
ext_type_valid(unsigned int type)
{
    return type >= OFP_EXT_COPY_TTL_OUT && type <= OFP_EXT_SET_PBB_UCA;
}

static bool
ext_from_bytes(const uint8_t *note, size_t n, struct ofp_ext *ext)
{
    if (n != NOTE_LEN || memcmp(note, magic, sizeof magic)
        || !ext_type_valid(note[6]) || note[7] > 1 || (!note[7] && note[8])
        || note[9]) {
        return false;
    }
    ext->type = note[6];
    ext->to_set = note[7];
    ext->pos = note[8];
    ext->value = rd32(note + 10);
    return true;
}

bool
ofp_ext_from_note(const struct ofpact_note *note, struct ofp_ext *ext)
{
    return ext_from_bytes(note->data, note->length, ext);
}

/* The OXM field and value length of a set_field type. */
static void
ext_oxm(enum ofp_ext_type type, uint8_t *field, uint8_t *len)
{
    *field = (type == OFP_EXT_SET_ETH_TYPE ? OXM_ETH_TYPE
              : type == OFP_EXT_SET_IP_PROTO ? OXM_IP_PROTO
              : type == OFP_EXT_SET_PBB_ISID ? OXM_PBB_ISID
              : type == OFP_EXT_SET_PBB_UCA ? OXM_PBB_UCA : OXM_MPLS_BOS);
    *len = (type == OFP_EXT_SET_ETH_TYPE ? 2
            : type == OFP_EXT_SET_PBB_ISID ? 3 : 1);
}

/* ---- Actions, one way and the other ---- */

/* Whether the OpenFlow action 'a' ('len' bytes, of 'version') is one of
 * ours; if so, fills in '*ext'. */
static bool
ext_of_action(const uint8_t *a, size_t len, uint8_t version,
              struct ofp_ext *ext)
{
    uint16_t type = rd16(a);

    ext->to_set = false;
    ext->pos = 0;
    if ((type == AT_COPY_TTL_OUT || type == AT_COPY_TTL_IN) && len == 8) {
        ext->type = (type == AT_COPY_TTL_OUT ? OFP_EXT_COPY_TTL_OUT
                                             : OFP_EXT_COPY_TTL_IN);
        ext->value = 0;
        return true;
    }
    if (type == AT_PUSH_PBB && len == 8 && version >= V13
        && rd16(a + 4) == 0x88e7) {
        ext->type = OFP_EXT_PUSH_PBB;
        ext->value = 0x88e7;
        return true;
    }
    if (type == AT_POP_PBB && len == 8 && version >= V13) {
        ext->type = OFP_EXT_POP_PBB;
        ext->value = 0;
        return true;
    }
    if (type != AT_SET_FIELD || version < V12 || len < 8) {
        return false;
    }
    uint32_t oxm = rd32(a + 4);
    uint8_t field = (oxm >> 9) & 0x7f, olen = oxm & 0xff;
    if (oxm >> 16 != OXM_BASIC || oxm & 0x100 || 8u + olen > len) {
        return false;           /* Another class, a mask: not ours. */
    }
    const uint8_t *v = a + 8;
    if (field == OXM_ETH_TYPE && olen == 2) {
        ext->type = OFP_EXT_SET_ETH_TYPE;
        ext->value = rd16(v);
    } else if (field == OXM_IP_PROTO && olen == 1) {
        ext->type = OFP_EXT_SET_IP_PROTO;
        ext->value = v[0];
    } else if (field == OXM_MPLS_BOS && olen == 1 && version >= V13
               && v[0] <= 1) {
        ext->type = OFP_EXT_SET_MPLS_BOS;
        ext->value = v[0];
    } else if (field == OXM_PBB_ISID && olen == 3 && version >= V13) {
        ext->type = OFP_EXT_SET_PBB_ISID;
        ext->value = ((uint32_t) v[0] << 16) | rd16(v + 1);
    } else if (field == OXM_PBB_UCA && olen == 1 && version >= V14
               && v[0] <= 1) {
        ext->type = OFP_EXT_SET_PBB_UCA;
        ext->value = v[0];
    } else {
        return false;
    }
    return true;
}

static void
put_note(struct ofpbuf *out, const struct ofp_ext *ext)
{
    uint8_t *a = ofpbuf_put_zeros(out, NOTE_ACTION_LEN);

    wr16(a, AT_EXPERIMENTER);
    wr16(a + 2, NOTE_ACTION_LEN);
    wr32(a + 4, NX_VENDOR);
    wr16(a + 8, NXAST_NOTE);
    memcpy(a + 10, magic, sizeof magic);
    a[16] = ext->type;
    a[17] = ext->to_set;
    a[18] = ext->to_set ? ext->pos : 0;
    wr32(a + 20, ext->value);
}

static bool
ext_of_note_action(const uint8_t *a, size_t len, struct ofp_ext *ext)
{
    return len == NOTE_ACTION_LEN && rd16(a) == AT_EXPERIMENTER
           && rd32(a + 4) == NX_VENDOR && rd16(a + 8) == NXAST_NOTE
           && ext_from_bytes(a + 10, NOTE_LEN, ext);
}

static void
put_action(struct ofpbuf *out, const struct ofp_ext *ext)
{
    if (ext->type == OFP_EXT_COPY_TTL_OUT || ext->type == OFP_EXT_COPY_TTL_IN
        || ext->type == OFP_EXT_PUSH_PBB || ext->type == OFP_EXT_POP_PBB) {
        uint8_t *a = ofpbuf_put_zeros(out, 8);
        wr16(a, (ext->type == OFP_EXT_COPY_TTL_OUT ? AT_COPY_TTL_OUT
                 : ext->type == OFP_EXT_COPY_TTL_IN ? AT_COPY_TTL_IN
                 : ext->type == OFP_EXT_PUSH_PBB ? AT_PUSH_PBB
                 : AT_POP_PBB));
        wr16(a + 2, 8);
        if (ext->type == OFP_EXT_PUSH_PBB) {
            wr16(a + 4, ext->value);
        }
        return;
    }

    uint8_t field, olen;
    ext_oxm(ext->type, &field, &olen);
    uint8_t *a = ofpbuf_put_zeros(out, 16);
    wr16(a, AT_SET_FIELD);
    wr16(a + 2, 16);
    wr32(a + 4, ((uint32_t) OXM_BASIC << 16) | (field << 9) | olen);
    if (olen == 3) {
        a[8] = ext->value >> 16;
        wr16(a + 9, ext->value);
    } else if (olen == 2) {
        wr16(a + 8, ext->value);
    } else {
        a[8] = ext->value;
    }
}

/* What rewrite_actions() does with an action list. */
enum rewrite_mode {
    LIFT,                       /* Ours become notes in place. */
    LIFT_TO_SET,                /* Ours (of write_actions) become notes for
                                 * the action set in 'aside'; the rest is
                                 * copied. */
    LOWER,                      /* Notes become ours again, those for the
                                 * action set into 'aside'. */
};

/* Copies the action list 'p' ('n' bytes) to 'out', rewriting ours as
 * 'mode' says.  Returns how many it changed, or -1 if the list is
 * malformed. */
static int
rewrite_actions(const uint8_t *p, size_t n, struct ofpbuf *out,
                enum rewrite_mode mode, uint8_t version, struct ofpbuf *aside)
{
    int changed = 0;

    for (unsigned int i = 0; n; i++) {
        if (n < 8) {
            return -1;
        }
        uint16_t len = rd16(p + 2);
        if (len < 8 || len % 8 || len > n) {
            return -1;
        }
        struct ofp_ext ext;
        if (mode != LOWER && ext_of_action(p, len, version, &ext)) {
            ext.to_set = mode == LIFT_TO_SET;
            ext.pos = MIN(i, 255);
            put_note(ext.to_set ? aside : out, &ext);
            changed++;
        } else if (mode == LOWER && ext_of_note_action(p, len, &ext)) {
            if (ext.to_set && aside) {
                ofpbuf_put(aside, p, len);      /* merge_set() places it. */
            } else {
                put_action(out, &ext);
            }
            changed++;
        } else {
            ofpbuf_put(out, p, len);
        }
        p += len;
        n -= len;
    }
    return changed;
}

/* Writes the length of what 'out' holds from 'start' on, as a 16-bit
 * field at 'start' + 'field'. */
static void
patch_len(struct ofpbuf *out, size_t start, size_t field)
{
    size_t len = out->size - start;
    wr16((uint8_t *) out->data + start + field, MIN(len, UINT16_MAX));
}

/* Appends to 'out' the action list 'acts' ('n' bytes, already lowered)
 * with the action set's notes 'notes' lowered and put back where they
 * stood in the write_actions they came from (those of text, all at 0,
 * first). */
static void
merge_set(struct ofpbuf *out, const struct ofpbuf *notes, const uint8_t *acts,
          size_t n)
{
    size_t n_notes = notes->size / NOTE_ACTION_LEN;
    bool *done = xcalloc(n_notes + 1, sizeof *done);
    const uint8_t *base = notes->data;

    for (unsigned int k = 0; ; k++) {
        bool placed = false;
        for (size_t i = 0; i < n_notes && !placed; i++) {
            struct ofp_ext ext;
            if (!done[i] && ext_of_note_action(base + i * NOTE_ACTION_LEN,
                                               NOTE_ACTION_LEN, &ext)
                && (ext.pos <= k || !n)) {
                put_action(out, &ext);
                done[i] = placed = true;
            }
        }
        if (placed) {
            continue;
        }
        if (!n) {
            break;
        }
        uint16_t len = rd16(acts + 2);     /* Checked when lowered. */
        ofpbuf_put(out, acts, len);
        acts += len;
        n -= len;
    }
    free(done);
}

/* Appends an instruction of 'type' holding the actions 'acts'. */
static void
put_instruction(struct ofpbuf *out, uint16_t type, const struct ofpbuf *acts)
{
    uint8_t *h = ofpbuf_put_zeros(out, 8);
    wr16(h, type);
    wr16(h + 2, 8 + acts->size);
    ofpbuf_put(out, acts->data, acts->size);
}

/* Instructions.  Lifting: ours in apply_actions become notes in place;
 * ours in write_actions become notes "for the action set" at the end of
 * apply_actions (made if there is none), since the library takes no note
 * in an action set: the translation adds them to the action set when it
 * executes the flow's write_actions.  Lowering: the other way, back to the
 * instructions as sent (an apply_actions that held only such notes goes
 * again). */
static int
rewrite_instructions(const uint8_t *p, size_t n, struct ofpbuf *out,
                     bool lift, uint8_t version)
{
    struct ofpbuf aside, scratch;
    int changed = 0;

    ofpbuf_init(&aside, 0);
    ofpbuf_init(&scratch, 0);
    if (lift) {
        /* The action set's first, to put them in apply_actions. */
        for (const uint8_t *q = p; q + 8 <= p + n; ) {
            uint16_t type = rd16(q), len = rd16(q + 2);
            if (len < 8 || len % 8 || len > p + n - q) {
                break;          /* Found below. */
            }
            if (type == IT_WRITE_ACTIONS) {
                rewrite_actions(q + 8, len - 8, &scratch, LIFT_TO_SET,
                                version, &aside);
            }
            q += len;
        }
    }

    bool had_apply = false, had_write = false;
    while (n) {
        if (n < 8) {
            changed = -1;
            break;
        }
        uint16_t type = rd16(p), len = rd16(p + 2);
        if (len < 8 || len % 8 || len > n) {
            changed = -1;
            break;
        }
        if (type == IT_APPLY_ACTIONS || type == IT_WRITE_ACTIONS) {
            bool apply = type == IT_APPLY_ACTIONS;
            size_t start = out->size;
            ofpbuf_put(out, p, 8);
            struct ofpbuf *dst = out;
            if (!lift && !apply) {
                ofpbuf_clear(&scratch);
                dst = &scratch;         /* For merge_set(). */
            }
            int c = rewrite_actions(p + 8, len - 8, dst,
                                    !lift ? LOWER
                                    : apply ? LIFT : LIFT_TO_SET,
                                    version, lift ? &scratch : &aside);
            if (c < 0) {
                changed = -1;
                break;
            }
            if (!lift && !apply) {
                /* The action set's, from apply_actions, back in place. */
                merge_set(out, &aside, scratch.data, scratch.size);
                c += aside.size ? 1 : 0;
                ofpbuf_clear(&aside);
            }
            if (lift && apply) {
                changed += aside.size / NOTE_ACTION_LEN;
                ofpbuf_put(out, aside.data, aside.size);
            }
            changed += c;
            patch_len(out, start, 2);
            if (!lift && apply && out->size == start + 8 && c) {
                out->size = start;      /* Held only the action set's. */
            }
            had_apply |= apply;
            had_write |= !apply;
        } else {
            ofpbuf_put(out, p, len);
        }
        p += len;
        n -= len;
    }
    if (changed >= 0 && aside.size && (lift ? !had_apply : !had_write)) {
        if (lift) {
            changed += aside.size / NOTE_ACTION_LEN;
            put_instruction(out, IT_APPLY_ACTIONS, &aside);
        } else {
            ofpbuf_clear(&scratch);
            merge_set(&scratch, &aside, NULL, 0);
            put_instruction(out, IT_WRITE_ACTIONS, &scratch);
        }
    }
    ofpbuf_uninit(&aside);
    ofpbuf_uninit(&scratch);
    return changed;
}

static size_t
match_len(const uint8_t *p, size_t n)
{
    if (n < 4) {
        return 0;
    }
    size_t len = rd16(p) == 0 ? 88 : ROUND_UP(rd16(p + 2), 8);
    return len >= 4 && len <= n ? len : 0;
}

/* Group buckets: OpenFlow 1.1-1.4 (16 bytes of header, then actions). */
static int
rewrite_buckets11(const uint8_t *p, size_t n, struct ofpbuf *out, bool lift,
                  uint8_t version)
{
    int changed = 0;

    while (n) {
        uint16_t len = n >= 16 ? rd16(p) : 0;
        if (len < 16 || len > n) {
            return -1;
        }
        size_t start = out->size;
        ofpbuf_put(out, p, 16);
        int c = rewrite_actions(p + 16, len - 16, out, lift ? LIFT : LOWER,
                                version, NULL);
        if (c < 0) {
            return -1;
        }
        changed += c;
        patch_len(out, start, 0);
        p += len;
        n -= len;
    }
    return changed;
}

/* OpenFlow 1.5 buckets: 8 bytes of header with the length of the actions
 * that follow, then properties. */
static int
rewrite_buckets15(const uint8_t *p, size_t n, struct ofpbuf *out, bool lift)
{
    int changed = 0;

    while (n) {
        uint16_t len = n >= 8 ? rd16(p) : 0;
        uint16_t alen = n >= 8 ? rd16(p + 2) : 0;
        if (len < 8 || len > n || alen > len - 8) {
            return -1;
        }
        size_t start = out->size;
        ofpbuf_put(out, p, 8);
        int c = rewrite_actions(p + 8, alen, out, lift ? LIFT : LOWER, V15,
                                NULL);
        if (c < 0) {
            return -1;
        }
        changed += c;
        wr16((uint8_t *) out->data + start + 2, out->size - start - 8);
        ofpbuf_put(out, p + 8 + alen, len - 8 - alen);
        patch_len(out, start, 0);
        p += len;
        n -= len;
    }
    return changed;
}

/* A group_mod's body or a group description's: buckets (and, in 1.5,
 * properties) after 'fixed' bytes; in 1.5 the buckets' length is at
 * 'alen_at'. */
static int
rewrite_group(const uint8_t *p, size_t n, size_t fixed, size_t alen_at,
              struct ofpbuf *out, bool lift, uint8_t version)
{
    if (n < fixed) {
        return -1;
    }
    size_t start = out->size;
    ofpbuf_put(out, p, fixed);
    if (version < V15) {
        return rewrite_buckets11(p + fixed, n - fixed, out, lift, version);
    }
    size_t blen = rd16(p + alen_at);
    if (blen > n - fixed) {
        return -1;
    }
    int c = rewrite_buckets15(p + fixed, blen, out, lift);
    if (c >= 0) {
        wr16((uint8_t *) out->data + start + alen_at,
             out->size - start - fixed);
        ofpbuf_put(out, p + fixed + blen, n - fixed - blen);
    }
    return c;
}

/* Whether the OXM header 'h' is one of the match fields the library does
 * not know: ipv6_exthdr, pbb_isid, pbb_uca. */
static bool
is_our_oxm(uint32_t h)
{
    uint8_t field = (h >> 9) & 0x7f;
    return h >> 16 == OXM_BASIC
           && (field == OXM_IPV6_EXTHDR || field == OXM_PBB_ISID
               || field == OXM_PBB_UCA);
}

/* Takes our match field with OXM header 'h' and payload 'v' into 'm'.
 * Returns false with 'm->error' if it is wrong. */
static bool
take_our_oxm(uint32_t h, const uint8_t *v, struct ofp_ext_match *m,
             uint8_t version)
{
    uint8_t field = (h >> 9) & 0x7f, olen = h & 0xff;
    bool has_mask = h & 0x100;

    if (version < V13) {
        m->error = OFPERR_OFPBMC_BAD_FIELD;     /* OpenFlow 1.3's fields. */
        return false;
    }
    if (field == OXM_IPV6_EXTHDR) {
        if (m->has_exthdr) {
            m->error = OFPERR_OFPBMC_DUP_FIELD;
            return false;
        }
        if (olen != (has_mask ? 4 : 2)) {
            m->error = OFPERR_OFPBMC_BAD_LEN;
            return false;
        }
        m->exthdr = rd16(v);
        m->exthdr_mask = has_mask ? rd16(v + 2) : UINT16_MAX;
        if (m->exthdr & ~m->exthdr_mask) {
            m->error = OFPERR_OFPBMC_BAD_WILDCARDS;
            return false;
        }
        if (m->exthdr & ~EXTHDR_BITS) {
            m->error = OFPERR_OFPBMC_BAD_VALUE;
            return false;
        }
        m->has_exthdr = true;
        return true;
    }

    /* pbb_isid (24 bits, maskable) or pbb_uca (1 bit, OpenFlow 1.4). */
    bool isid = field == OXM_PBB_ISID;
    uint32_t bits = isid ? PBB_ISID_MASK : PBB_UCA_MASK;
    if (!isid && version < V14) {
        m->error = OFPERR_OFPBMC_BAD_FIELD;
        return false;
    }
    if (m->pbb_seen & bits) {
        m->error = OFPERR_OFPBMC_DUP_FIELD;
        return false;
    }
    m->pbb_seen |= bits;
    if (isid ? olen != (has_mask ? 6 : 3) : (has_mask || olen != 1)) {
        m->error = has_mask && !isid ? OFPERR_OFPBMC_BAD_MASK
                                     : OFPERR_OFPBMC_BAD_LEN;
        return false;
    }
    uint32_t value = isid ? ((uint32_t) v[0] << 16) | rd16(v + 1) : v[0];
    uint32_t mask = (!isid ? 1 : has_mask
                     ? ((uint32_t) v[3] << 16) | rd16(v + 4) : PBB_ISID_MASK);
    if (value & ~mask) {
        m->error = OFPERR_OFPBMC_BAD_WILDCARDS;
        return false;
    }
    if (!isid && value > 1) {
        m->error = OFPERR_OFPBMC_BAD_VALUE;
        return false;
    }
    if (!isid) {
        value = value ? PBB_UCA_MASK : 0;
        mask = PBB_UCA_MASK;
    }
    m->pbb_tci |= value;
    m->pbb_mask |= mask;
    m->has_pbb = true;
    return true;
}

/* Copies the OXM match at 'p' ('len' bytes, padding included) to 'out'
 * without the fields the library does not know, which go to 'm'.  Returns
 * 1 if it had any, 0 if not (nothing copied), -1 with 'm->error' if one is
 * wrong.  Anything else about the match is the library's decoder's to
 * judge. */
static int
lift_match(const uint8_t *p, size_t len, struct ofpbuf *out,
           struct ofp_ext_match *m, uint8_t version)
{
    size_t mlen = len >= 4 && rd16(p) == 1 ? rd16(p + 2) : 0;
    bool found = false;
    uint16_t eth_type = 0;

    if (mlen < 4 || mlen > len) {
        return 0;
    }
    for (size_t at = 4; at + 4 <= mlen; ) {
        uint32_t h = rd32(p + at);
        uint8_t olen = h & 0xff;
        if (at + 4 + olen > mlen) {
            return 0;
        }
        if (is_our_oxm(h)) {
            if (!take_our_oxm(h, p + at + 4, m, version)) {
                return -1;
            }
            found = true;
        } else if (h >> 16 == OXM_BASIC && ((h >> 9) & 0x7f) == OXM_ETH_TYPE
                   && !(h & 0x100) && olen == 2) {
            eth_type = rd16(p + at + 4);
        }
        at += 4 + olen;
    }
    if (!found) {
        return 0;
    }
    if ((m->has_exthdr && eth_type != 0x86dd)
        || (m->has_pbb && eth_type != 0x88e7)) {
        m->error = OFPERR_OFPBMC_BAD_PREREQ;
        return -1;
    }
    m->has_exthdr = m->has_exthdr && m->exthdr_mask;

    size_t start = out->size;
    ofpbuf_put(out, p, 4);
    for (size_t at = 4; at + 4 <= mlen; ) {
        uint32_t h = rd32(p + at);
        size_t tlv = 4 + (h & 0xff);
        if (!is_our_oxm(h)) {
            ofpbuf_put(out, p + at, tlv);
        }
        at += tlv;
    }
    size_t n = out->size - start;
    wr16((uint8_t *) out->data + start + 2, n);
    ofpbuf_put_zeros(out, ROUND_UP(n, 8) - n);
    return 1;
}

/* A flow's fixed part, match (and in 1.5 statistics) and instructions:
 * a flow_mod's body after 'fixed' bytes, a flow stats request's, or a
 * flow stats entry.  With 'm', the match's ipv6_exthdr is lifted into
 * it. */
static int
rewrite_flow(const uint8_t *p, size_t n, size_t fixed, bool stats,
             struct ofpbuf *out, bool lift, uint8_t version,
             struct ofp_ext_match *m)
{
    if (n < fixed) {
        return -1;
    }
    size_t ml = match_len(p + fixed, n - fixed);
    if (!ml) {
        return -1;
    }
    size_t head = fixed + ml;
    if (stats && version >= V15) {
        /* struct ofp_oxs_stat: reserved, length, fields, padded. */
        size_t s = n - head >= 4 ? ROUND_UP(rd16(p + head + 2), 8) : 0;
        if (s < 4 || s > n - head) {
            return -1;
        }
        head += s;
    }
    int lifted = 0;
    if (m) {
        ofpbuf_put(out, p, fixed);
        lifted = lift_match(p + fixed, ml, out, m, version);
        if (lifted < 0) {
            return -2;
        }
        if (!lifted) {
            ofpbuf_put(out, p + fixed, ml);
        }
        ofpbuf_put(out, p + fixed + ml, head - fixed - ml);
    } else {
        ofpbuf_put(out, p, head);
    }
    int c = rewrite_instructions(p + head, n - head, out, lift, version);
    return c < 0 ? c : c + lifted;
}

/* Entries of a multipart reply body, each starting with its length. */
static int
rewrite_entries(const uint8_t *p, size_t n, uint16_t mp_type,
                struct ofpbuf *out, bool lift, uint8_t version)
{
    struct ofp_ext_match dummy;
    int changed = 0;

    while (n) {
        uint16_t len = n >= 2 ? rd16(p) : 0;
        if (len < 8 || len > n) {
            return -1;
        }
        size_t start = out->size;
        int c = 0;
        memset(&dummy, 0, sizeof dummy);
        if (mp_type == MP_FLOW_MONITOR && rd16(p + 2) > FME_MODIFIED) {
            /* Flow monitor events other than full updates carry neither a
             * match nor instructions. */
            ofpbuf_put(out, p, len);
        } else if (mp_type == MP_FLOW_MONITOR) {
            /* A full update: 24 bytes, its match and instructions. */
            c = rewrite_flow(p, len, 24, false, out, lift, version,
                             lift ? &dummy : NULL);
        } else if (mp_type == MP_FLOW) {
            c = rewrite_flow(p, len, version >= V15 ? 24 : 48, true, out,
                             lift, version, lift ? &dummy : NULL);
        } else {
            c = rewrite_group(p, len, version >= V15 ? 16 : 8, 8, out, lift,
                              version);
        }
        if (c < 0) {
            return -1;
        }
        changed += c;
        patch_len(out, start, 0);
        p += len;
        n -= len;
    }
    return changed;
}

/* Copies the message 'p' ('n' bytes) to 'out' with the actions rewritten.
 * Returns how many actions changed, or -1 if it is malformed (or 0 if it
 * is not a message that carries ours). */
static int
rewrite_message(const uint8_t *p, size_t n, struct ofpbuf *out, bool lift,
                struct ofp_ext_match *m)
{
    uint8_t version = p[0], type = p[1];
    int c;

    if (version < V11 || n < 8) {
        return 0;
    }
    if (lift && type == T_FLOW_MOD) {
        c = rewrite_flow(p, n, 48, false, out, true, version, m);
    } else if (lift && type == T_MULTIPART_REQUEST && n >= 16
               && (rd16(p + 8) == MP_FLOW || rd16(p + 8) == MP_AGGREGATE)) {
        /* table_id, pad, out_port, out_group, pad, cookie, cookie_mask,
         * then the match. */
        c = rewrite_flow(p, n, 48, false, out, true, version, m);
    } else if (lift && type == T_GROUP_MOD) {
        c = rewrite_group(p, n, version >= V15 ? 24 : 16, 16, out, true,
                          version);
    } else if (lift && type == T_PACKET_OUT) {
        /* 1.1-1.4: buffer_id, in_port, actions_len, pad; 1.5: buffer_id,
         * actions_len, pad, match.  Then actions, then the packet. */
        size_t alen_at = version >= V15 ? 12 : 16;
        size_t head = version >= V15 ? 16 : 24;
        if (n < head) {
            return -1;
        }
        if (version >= V15) {
            size_t m = match_len(p + 16, n - 16);
            if (!m) {
                return -1;
            }
            head += m;
        }
        size_t alen = rd16(p + alen_at);
        if (alen > n - head) {
            return -1;
        }
        size_t start = out->size;
        ofpbuf_put(out, p, head);
        c = rewrite_actions(p + head, alen, out, LIFT, version, NULL);
        if (c > 0) {
            wr16((uint8_t *) out->data + start + alen_at,
                 out->size - start - head);
            ofpbuf_put(out, p + head + alen, n - head - alen);
        }
    } else if (lift && type == T_FLOW_REMOVED && version >= V12) {
        /* For a peer that decodes with the library: the match's
         * ipv6_exthdr, which 'm' takes. */
        c = rewrite_flow(p, n, version >= V15 ? 24 : 48, true, out, true,
                         version, m);
    } else if (type == T_MULTIPART_REPLY && n >= 16
               && (rd16(p + 8) == MP_FLOW || rd16(p + 8) == MP_GROUP_DESC
                   || (rd16(p + 8) == MP_FLOW_MONITOR && version >= V14))) {
        ofpbuf_put(out, p, 16);
        c = rewrite_entries(p + 16, n - 16, rd16(p + 8), out, lift,
                            version);
    } else {
        return 0;
    }
    if (c > 0) {
        patch_len(out, 0, 2);
    }
    return c;
}

struct ofpbuf *
ofp_ext_lift(const struct ofp_header *oh, struct ofp_ext_match *m,
             enum ofperr *error)
{
    size_t n = ntohs(oh->length);
    struct ofpbuf *out = ofpbuf_new(n + 64);
    struct ofp_ext_match dummy;

    m = m ? m : &dummy;
    memset(m, 0, sizeof *m);
    *error = 0;
    int c = rewrite_message((const uint8_t *) oh, n, out, true, m);
    if (c <= 0) {
        *error = c == -2 ? m->error : 0;
        ofpbuf_delete(out);
        return NULL;
    }
    if (out->size > UINT16_MAX) {
        *error = OFPERR_OFPBRC_BAD_LEN;
        ofpbuf_delete(out);
        return NULL;
    }
    return out;
}

void
ofp_ext_lower(struct ofpbuf *msg)
{
    struct ofpbuf out;

    if (msg->size < 8) {
        return;
    }
    ofpbuf_init(&out, msg->size);
    if (rewrite_message(msg->data, msg->size, &out, false, NULL) > 0) {
        /* Ours are never longer as actions than as notes. */
        ovs_assert(out.size <= msg->size);
        memcpy(msg->data, out.data, out.size);
        msg->size = out.size;
    }
    ofpbuf_uninit(&out);
}

/* ---- Text ---- */

/* The actions without an argument, and push_pbb's ("push_pbb:0x88e7"). */
static const char *const plain_names[] = {
    [OFP_EXT_COPY_TTL_OUT] = "copy_ttl_out",
    [OFP_EXT_COPY_TTL_IN] = "copy_ttl_in",
    [OFP_EXT_PUSH_PBB] = "push_pbb:0x88e7",
    [OFP_EXT_POP_PBB] = "pop_pbb",
};

struct field_name {
    const char *name;
    enum ofp_ext_type type;
    uint32_t max;
};

static const struct field_name field_names[] = {
    { "eth_type", OFP_EXT_SET_ETH_TYPE, UINT16_MAX },
    { "dl_type", OFP_EXT_SET_ETH_TYPE, UINT16_MAX },
    { "ip_proto", OFP_EXT_SET_IP_PROTO, UINT8_MAX },
    { "nw_proto", OFP_EXT_SET_IP_PROTO, UINT8_MAX },
    { "mpls_bos", OFP_EXT_SET_MPLS_BOS, 1 },
    { "pbb_isid", OFP_EXT_SET_PBB_ISID, 0xffffff },
    { "pbb_uca", OFP_EXT_SET_PBB_UCA, 1 },
};

static bool
ends_token(char c)
{
    return c == '\0' || c == ',' || c == ')' || c == ' ' || c == '\t';
}

static void
put_note_text(struct ds *s, const struct ofp_ext *ext)
{
    ds_put_format(s, NOTE_TEXT "%02x.%02x.%02x.00.%02x.%02x.%02x.%02x",
                  ext->type, ext->to_set, ext->to_set ? ext->pos : 0,
                  ext->value >> 24,
                  (ext->value >> 16) & 0xff, (ext->value >> 8) & 0xff,
                  ext->value & 0xff);
}

/* Whether an instruction keyword 'kw' starts at 'p', a token start. */
static bool
starts_kw(const char *text, const char *p, const char *kw)
{
    return ((p == text || strchr(",(= \t", p[-1]))
            && !strncmp(p, kw, strlen(kw)));
}

/* Whether one of ours starts at 'p'; if so, fills in '*ext' and returns
 * its length.  0 if not; -1 (with '*errorp') for a bad value. */
static int
text_ext(const char *p, struct ofp_ext *ext, char **errorp)
{
    ext->to_set = false;
    ext->pos = 0;
    for (size_t t = 0; t < ARRAY_SIZE(plain_names); t++) {
        size_t n = plain_names[t] ? strlen(plain_names[t]) : 0;
        if (n && !strncmp(p, plain_names[t], n) && ends_token(p[n])) {
            ext->type = t;
            ext->value = t == OFP_EXT_PUSH_PBB ? 0x88e7 : 0;
            return n;
        }
    }
    if (!strncmp(p, "push_pbb:", 9)) {
        *errorp = xasprintf("%.*s: push_pbb takes the Ethertype 0x88e7",
                            (int) strcspn(p, ",) \t"), p);
        return -1;
    }
    if (strncmp(p, "set_field:", 10)) {
        return 0;
    }
    const char *arrow = strstr(p + 10, "->");
    if (!arrow) {
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(field_names); i++) {
        const struct field_name *f = &field_names[i];
        size_t n = strlen(f->name);
        if (strncmp(arrow + 2, f->name, n) || !ends_token(arrow[2 + n])) {
            continue;
        }
        char *value = xmemdup0(p + 10, arrow - (p + 10)), *end;
        errno = 0;
        unsigned long v = strtoul(value, &end, 0);
        bool ok = *value && !*end && !errno && v <= f->max;
        if (!ok && !strchr(value, '/')) {
            *errorp = xasprintf("set_field:%s->%s: the value must be a "
                                "number from 0 to %"PRIu32, value, f->name,
                                f->max);
            free(value);
            return -1;
        }
        free(value);
        if (!ok) {
            return 0;           /* A mask: the parser says no. */
        }
        ext->type = f->type;
        ext->value = v;
        return arrow + 2 + n - p;
    }
    return 0;
}

char *
ofp_ext_parse_text(const char *text, char **errorp)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds set_notes = DS_EMPTY_INITIALIZER;
    const char *actions = strstr(text, "actions=");
    size_t insts_at = SIZE_MAX;     /* Where clear/write_actions start. */
    int depth = 0, write_depth = -1;
    bool changed = false;

    *errorp = NULL;
    for (const char *p = text; *p; ) {
        if (actions && p > actions && insts_at == SIZE_MAX
            && (starts_kw(text, p, "clear_actions")
                || starts_kw(text, p, "write_actions("))) {
            insts_at = s.length;
        }
        if (actions && p > actions && starts_kw(text, p, "write_actions(")) {
            ds_put_cstr(&s, "write_actions(");
            p += strlen("write_actions(");
            write_depth = ++depth;
            continue;
        }

        struct ofp_ext ext;
        int n = (p == text || strchr(",(= \t", p[-1])
                 ? text_ext(p, &ext, errorp) : 0);
        if (n < 0) {
            ds_destroy(&s);
            ds_destroy(&set_notes);
            return NULL;
        } else if (n && depth == write_depth) {
            /* In the action set: a note "to the set" in apply_actions, and
             * out of write_actions with its comma. */
            ext.to_set = true;
            ds_put_cstr(&set_notes, set_notes.length ? "," : "");
            put_note_text(&set_notes, &ext);
            changed = true;
            p += n;
            if (*p == ',') {
                p++;
            } else if (s.length && s.string[s.length - 1] == ',') {
                s.length--;
            }
        } else if (n) {
            put_note_text(&s, &ext);
            changed = true;
            p += n;
        } else {
            if (*p == '(') {
                depth++;
            } else if (*p == ')') {
                if (depth == write_depth) {
                    write_depth = -1;
                }
                depth--;
            }
            ds_put_char(&s, *p++);
        }
    }
    if (set_notes.length) {
        /* Before the instructions that follow apply_actions (there is a
         * write_actions, so 'insts_at' was found). */
        struct ds out = DS_EMPTY_INITIALIZER;
        ds_put_buffer(&out, s.string, insts_at);
        ds_put_format(&out, "%s,", ds_cstr(&set_notes));
        ds_put_cstr(&out, s.string + insts_at);
        ds_swap(&s, &out);
        ds_destroy(&out);
    }
    ds_destroy(&set_notes);
    if (!changed) {
        ds_destroy(&s);
        return NULL;
    }
    return ds_steal_cstr(&s);
}

/* Parses "TT.00.00.00.VV.VV.VV.VV", what follows NOTE_TEXT. */
static bool
parse_note_tail(const char *p, struct ofp_ext *ext)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++) {
        const char *q = p + 3 * i;
        if (!isxdigit((unsigned char) q[0]) || !isxdigit((unsigned char) q[1])
            || (i < 7 && q[2] != '.')) {
            return false;
        }
        bool ok;
        b[i] = hexits_value(q, 2, &ok);
    }
    uint8_t note[NOTE_LEN];
    memcpy(note, magic, sizeof magic);
    memcpy(note + 6, b, 8);
    return ext_from_bytes(note, sizeof note, ext) && ends_token(p[23]);
}

void
ofp_ext_put_text(struct ds *out, const struct ofp_ext *ext)
{
    if (ext->type < ARRAY_SIZE(plain_names) && plain_names[ext->type]) {
        ds_put_cstr(out, plain_names[ext->type]);
        return;
    }
    const char *name = (ext->type == OFP_EXT_SET_ETH_TYPE ? "eth_type"
                        : ext->type == OFP_EXT_SET_IP_PROTO ? "ip_proto"
                        : ext->type == OFP_EXT_SET_PBB_ISID ? "pbb_isid"
                        : ext->type == OFP_EXT_SET_PBB_UCA ? "pbb_uca"
                        : "mpls_bos");
    ds_put_format(out, (ext->type == OFP_EXT_SET_ETH_TYPE
                        ? "set_field:%#"PRIx32"->%s"
                        : "set_field:%"PRIu32"->%s"), ext->value, name);
}

void
ofp_ext_format_text(struct ds *s, size_t start)
{
    if (s->length <= start || !strstr(s->string + start, NOTE_TEXT)) {
        return;
    }

    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds set = DS_EMPTY_INITIALIZER;   /* The action set's. */
    const char *p = s->string + start;
    ds_put_buffer(&out, s->string, start);
    while (*p) {
        struct ofp_ext ext;
        if (!strncmp(p, NOTE_TEXT, strlen(NOTE_TEXT))
            && parse_note_tail(p + strlen(NOTE_TEXT), &ext)) {
            p += strlen(NOTE_TEXT) + 23;
            if (ext.to_set) {
                ds_put_cstr(&set, set.length ? "," : "");
                ofp_ext_put_text(&set, &ext);
                if (*p == ',') {
                    p++;
                } else if (out.length > start
                           && out.string[out.length - 1] == ',') {
                    out.length--;
                }
            } else {
                ofp_ext_put_text(&out, &ext);
            }
        } else {
            ds_put_char(&out, *p++);
        }
    }
    if (set.length) {
        /* Back into write_actions(), first. */
        const char *w = strstr(out.string + start, "write_actions(");
        struct ds with = DS_EMPTY_INITIALIZER;
        if (w) {
            /* The library shows an empty one as "write_actions(drop)". */
            size_t at = w - out.string + strlen("write_actions(");
            bool empty = !strncmp(out.string + at, "drop)", 5);
            ds_put_buffer(&with, out.string, at);
            ds_put_format(&with, "%s%s", ds_cstr(&set),
                          out.string[at] == ')' || empty ? "" : ",");
            ds_put_cstr(&with, out.string + at + (empty ? 4 : 0));
        } else {
            ds_put_format(&with, "%s%swrite_actions(%s)", ds_cstr(&out),
                          out.length > start ? "," : "", ds_cstr(&set));
        }
        ds_swap(&out, &with);
        ds_destroy(&with);
    }
    ds_destroy(&set);
    ds_swap(s, &out);
    ds_destroy(&out);
}

void
ofp_ext_format(const struct ofpact *ofpacts, size_t len,
               const struct ofpact_format_params *fp)
{
    size_t start = fp->s->length;

    ofpacts_format(ofpacts, len, fp);
    ofp_ext_format_text(fp->s, start);
}

/* Takes "ipv6_exthdr=V[/M]", "pbb_isid=V[/M]" or "pbb_uca=V" out of the
 * match part of the flow text 'text' into 'm'.  Returns the text without
 * it, or NULL if it has none; '*errorp' gets a message (and NULL is
 * returned) for a bad value. */
static char *
take_our_field(const char *text, struct ofp_ext_match *m, char **errorp)
{
    static const char *const keys[] = {
        "ipv6_exthdr=", "pbb_isid=", "pbb_uca=",
    };
    const char *actions = strstr(text, "actions=");
    const char *p = NULL;
    size_t k;

    *errorp = NULL;
    for (k = 0; k < ARRAY_SIZE(keys) && !p; k++) {
        for (const char *q = text; (q = strstr(q, keys[k])); q++) {
            if (actions && q > actions) {
                break;
            }
            if (q == text || strchr(", \t", q[-1])) {
                p = q;
                break;
            }
        }
    }
    if (!p) {
        return NULL;
    }
    k--;
    const char *v = p + strlen(keys[k]);
    size_t n = strcspn(v, ", \t");
    char *arg = xmemdup0(v, n), *slash = strchr(arg, '/'), *end;
    static const uint32_t maxes[] = { EXTHDR_BITS, PBB_ISID_MASK, 1 };
    static const char *const expected[] = {
        "a value of the nine OFPIEH_* bits (0 to 0x1ff), with an optional "
        "/mask that covers it",
        "an I-SID (0 to 16777215), with an optional /mask that covers it",
        "0 or 1",
    };
    unsigned long value, mask = k == 1 ? PBB_ISID_MASK : UINT16_MAX;
    errno = 0;
    value = strtoul(arg, &end, 0);
    bool ok = *arg && end != arg && (slash ? end == slash : !*end);
    if (ok && slash) {
        mask = strtoul(slash + 1, &end, 0);
        ok = k != 2 && slash[1] && !*end
             && mask <= (k == 1 ? PBB_ISID_MASK : UINT16_MAX);
    }
    if (!ok || errno || value > maxes[k] || value & ~mask) {
        *errorp = xasprintf("%.*s%s: expected %s", (int) strlen(keys[k]),
                            keys[k], arg, expected[k]);
        free(arg);
        return NULL;
    }
    free(arg);
    uint32_t seen = k == 0 ? 1u << 31 : k == 1 ? PBB_ISID_MASK : PBB_UCA_MASK;
    if (m->pbb_seen & seen) {
        *errorp = xasprintf("%.*s given twice", (int) strlen(keys[k]) - 1,
                            keys[k]);
        return NULL;
    }
    m->pbb_seen |= seen;
    if (k == 0) {
        m->has_exthdr = mask != 0;
        m->exthdr = value;
        m->exthdr_mask = mask;
    } else {
        uint32_t bits = k == 1 ? mask : PBB_UCA_MASK;
        m->pbb_tci |= k == 1 ? value : value ? PBB_UCA_MASK : 0;
        m->pbb_mask |= bits;
        m->has_pbb = m->pbb_mask != 0;
    }

    /* The text without the token and one comma beside it. */
    const char *after = v + n;
    size_t before = p - text;
    if (*after == ',') {
        after++;
    } else if (before && text[before - 1] == ',') {
        before--;
    }
    return xasprintf("%.*s%s", (int) before, text, after);
}

char *
ofp_ext_parse_flow_mod(struct ofputil_flow_mod *fm, const char *text,
                       int command, enum ofputil_protocol *usable)
{
    struct ofp_ext_match m = { .has_exthdr = false };
    char *error = NULL;
    char *taken = NULL;

    for (;;) {
        char *next = take_our_field(taken ? taken : text, &m, &error);
        if (error) {
            free(taken);
            return error;
        }
        if (!next) {
            break;
        }
        free(taken);
        taken = next;
    }
    char *lifted = ofp_ext_parse_text(taken ? taken : text, &error);
    if (error) {
        free(taken);
        return error;
    }
    error = parse_ofp_flow_mod_str(fm, (lifted ? lifted
                                        : taken ? taken : text),
                                   NULL, NULL, command, usable);
    free(lifted);
    free(taken);
    if (!error && (m.has_exthdr || m.has_pbb)) {
        struct match match;
        minimatch_expand(&fm->match, &match);
        bool typed = match.wc.masks.dl_type == OVS_BE16_MAX;
        if (m.has_exthdr && (!typed || match.flow.dl_type != htons(0x86dd))) {
            error = xstrdup("ipv6_exthdr needs ipv6 (dl_type=0x86dd) in the "
                            "match");
        } else if (m.has_pbb
                   && (!typed || match.flow.dl_type != htons(0x88e7))) {
            error = xstrdup("pbb_isid and pbb_uca need dl_type=0x88e7 in "
                            "the match");
        }
        if (error) {
            minimatch_destroy(&fm->match);
            free(fm->ofpacts);
            return error;
        }
        ofp_ext_minimatch_apply(&m, &fm->match);
    }
    return error;
}

char *
ofp_ext_parse_group_mod(struct ofputil_group_mod *gm, int command,
                        const char *text, enum ofputil_protocol *usable)
{
    char *error;
    char *lifted = ofp_ext_parse_text(text, &error);

    if (error) {
        return error;
    }
    error = parse_ofp_group_mod_str(gm, command, lifted ? lifted : text,
                                    NULL, NULL, usable);
    free(lifted);
    return error;
}

/* ---- The match fields ---- */

void
ofp_ext_match_apply(const struct ofp_ext_match *m, struct match *match)
{
    if (m->has_exthdr) {
        flow_set_ipv6_exthdr(&match->flow, htons(m->exthdr));
        flow_set_ipv6_exthdr(&match->wc.masks, htons(m->exthdr_mask));
    }
    if (m->has_pbb) {
        match->flow.mpls_lse[0] = ((match->flow.mpls_lse[0]
                                    & ~htonl(m->pbb_mask))
                                   | htonl(m->pbb_tci & m->pbb_mask));
        match->wc.masks.mpls_lse[0] |= htonl(m->pbb_mask);
    }
}

void
ofp_ext_minimatch_apply(const struct ofp_ext_match *m, struct minimatch *mm)
{
    if (m->has_exthdr || m->has_pbb) {
        struct match match;
        minimatch_expand(mm, &match);
        ofp_ext_match_apply(m, &match);
        minimatch_destroy(mm);
        minimatch_init(mm, &match);
    }
}

/* Our fields of 'match', as 'm'.  False if it has none. */
static bool
match_ours(const struct match *match, struct ofp_ext_match *m)
{
    memset(m, 0, sizeof *m);
    m->exthdr_mask = ntohs(flow_get_ipv6_exthdr(&match->wc.masks));
    m->exthdr = ntohs(flow_get_ipv6_exthdr(&match->flow)) & m->exthdr_mask;
    m->has_exthdr = m->exthdr_mask != 0;
    if (match->flow.dl_type == htons(0x88e7)
        && match->wc.masks.dl_type == OVS_BE16_MAX) {
        m->pbb_mask = ntohl(match->wc.masks.mpls_lse[0])
                      & (PBB_ISID_MASK | PBB_UCA_MASK);
        m->pbb_tci = ntohl(match->flow.mpls_lse[0]) & m->pbb_mask;
        m->has_pbb = m->pbb_mask != 0;
    }
    return m->has_exthdr || m->has_pbb;
}

/* Our fields of 'm' as OXM TLVs in 'buf' (OpenFlow 'version': pbb_uca is
 * 1.4's); returns their length. */
static size_t
our_oxms(const struct ofp_ext_match *m, uint8_t version, uint8_t buf[32])
{
    size_t n = 0;

    if (m->has_exthdr) {
        bool masked = m->exthdr_mask != UINT16_MAX;
        wr32(buf + n, ((uint32_t) OXM_BASIC << 16) | (OXM_IPV6_EXTHDR << 9)
                      | (masked ? 0x100 | 4 : 2));
        wr16(buf + n + 4, m->exthdr);
        if (masked) {
            wr16(buf + n + 6, m->exthdr_mask);
        }
        n += masked ? 8 : 6;
    }
    uint32_t isid_mask = m->pbb_mask & PBB_ISID_MASK;
    if (isid_mask) {
        bool masked = isid_mask != PBB_ISID_MASK;
        wr32(buf + n, ((uint32_t) OXM_BASIC << 16) | (OXM_PBB_ISID << 9)
                      | (masked ? 0x100 | 6 : 3));
        buf[n + 4] = m->pbb_tci >> 16;
        wr16(buf + n + 5, m->pbb_tci);
        if (masked) {
            buf[n + 7] = isid_mask >> 16;
            wr16(buf + n + 8, isid_mask);
        }
        n += masked ? 10 : 7;
    }
    if (m->pbb_mask & PBB_UCA_MASK && version >= V14) {
        wr32(buf + n, ((uint32_t) OXM_BASIC << 16) | (OXM_PBB_UCA << 9) | 1);
        buf[n + 4] = (m->pbb_tci & PBB_UCA_MASK) != 0;
        n += 5;
    }
    return n;
}

/* Adds the OXM TLVs 'oxm' ('olen' bytes) at the end of the OXM match at
 * 'match_ofs' of 'msg', with the match's length and padding, the
 * message's length and, unless it is SIZE_MAX, the 16-bit length at
 * 'entry_ofs' made right.  False if the message would pass 64 KB (then
 * it is left as it is). */
static bool
insert_oxms(struct ofpbuf *msg, size_t match_ofs, size_t entry_ofs,
            const uint8_t *oxm, size_t olen)
{
    const uint8_t *p = msg->data;
    if (match_ofs + 4 > msg->size || rd16(p + match_ofs) != 1) {
        return false;
    }
    size_t mlen = rd16(p + match_ofs + 2);
    size_t old_padded = ROUND_UP(mlen, 8);
    size_t new_padded = ROUND_UP(mlen + olen, 8);
    size_t delta = new_padded - old_padded;
    if (match_ofs + old_padded > msg->size
        || msg->size + delta > UINT16_MAX) {
        return false;
    }
    size_t tail = msg->size - (match_ofs + old_padded);

    ofpbuf_put_uninit(msg, delta);
    uint8_t *q = (uint8_t *) msg->data + match_ofs;
    memmove(q + new_padded, q + old_padded, tail);
    memset(q + mlen, 0, new_padded - mlen);
    memcpy(q + mlen, oxm, olen);
    wr16(q + 2, mlen + olen);
    wr16((uint8_t *) msg->data + 2, msg->size);
    if (entry_ofs != SIZE_MAX) {
        uint8_t *e = (uint8_t *) msg->data + entry_ofs;
        wr16(e, rd16(e) + delta);
    }
    return true;
}

void
ofp_ext_flow_stats_exthdr(struct ovs_list *replies, const struct match *match)
{
    struct ofp_ext_match m;

    if (!match_ours(match, &m) || ovs_list_is_empty(replies)) {
        return;
    }
    struct ofpbuf *msg = ofpbuf_from_list(ovs_list_back(replies));
    const uint8_t *p = msg->data;
    if (msg->size < 16 || p[0] < V12 || p[1] != T_MULTIPART_REPLY
        || (rd16(p + 8) != MP_FLOW
            && (rd16(p + 8) != MP_FLOW_MONITOR || p[0] < V14))) {
        return;
    }
    bool monitor = rd16(p + 8) == MP_FLOW_MONITOR;
    /* The entry just appended is the message's last. */
    size_t at = 16, last = SIZE_MAX;
    while (at + 2 <= msg->size && rd16(p + at) >= 8
           && at + rd16(p + at) <= msg->size) {
        last = at;
        at += rd16(p + at);
    }
    uint8_t oxm[32];
    size_t n = our_oxms(&m, p[0], oxm);
    if (last == SIZE_MAX || !n
        || (monitor && rd16(p + last + 2) > FME_MODIFIED)) {
        return;
    }
    size_t match_ofs = monitor || p[0] >= V15 ? 24 : 48;
    if (msg->size + ROUND_UP(n, 8) + 8 > UINT16_MAX) {
        /* No room for it in this message: the entry goes on in the next
         * one, as the library starts one for an entry that does not fit
         * (asking for more than this message has left). */
        size_t len = msg->size - last;
        uint8_t *copy = xmemdup((const uint8_t *) msg->data + last, len);
        msg->size = last;
        wr16((uint8_t *) msg->data + 2, msg->size);
        uint8_t *e = ofpmp_append(replies, len + UINT16_MAX - last + 1);
        memcpy(e, copy, len);
        free(copy);
        msg = ofpbuf_from_list(ovs_list_back(replies));
        msg->size -= UINT16_MAX - last + 1;
        last = msg->size - len;
    }
    insert_oxms(msg, last + match_ofs, last, oxm, n);
}

void
ofp_ext_flow_removed_exthdr(struct ofpbuf *msg, const struct match *match)
{
    const uint8_t *p = msg->data;
    struct ofp_ext_match m;

    if (match_ours(match, &m) && msg->size >= 8 && p[0] >= V12
        && p[1] == T_FLOW_REMOVED) {
        uint8_t oxm[32];
        size_t n = our_oxms(&m, p[0], oxm);
        if (n) {
            insert_oxms(msg, p[0] >= V15 ? 24 : 48, SIZE_MAX, oxm, n);
        }
    }
}

void
ofp_ext_format_rule(const struct cls_rule *rule,
                    const struct ofputil_port_map *port_map, struct ds *s)
{
    struct ofp_ext_match m;
    struct match match;

    minimatch_expand(&rule->match, &match);
    if (!match_ours(&match, &m)) {
        cls_rule_format(rule, NULL, port_map, s);
        return;
    }
    if (m.has_pbb) {
        /* Not the MPLS fields that the library would say. */
        match.flow.mpls_lse[0] = match.wc.masks.mpls_lse[0] = 0;
    }
    match_format(&match, port_map, s, rule->priority);
    if (s->length && s->string[s->length - 1] != ',') {
        ds_put_char(s, ',');
    }
    if (m.has_pbb && m.pbb_mask & PBB_ISID_MASK) {
        ds_put_format(s, "pbb_isid=%"PRIu32, m.pbb_tci & PBB_ISID_MASK);
        if ((m.pbb_mask & PBB_ISID_MASK) != PBB_ISID_MASK) {
            ds_put_format(s, "/%#"PRIx32, m.pbb_mask & PBB_ISID_MASK);
        }
        ds_put_char(s, ',');
    }
    if (m.has_pbb && m.pbb_mask & PBB_UCA_MASK) {
        ds_put_format(s, "pbb_uca=%d,", (m.pbb_tci & PBB_UCA_MASK) != 0);
    }
    if (m.has_exthdr) {
        ds_put_format(s, "ipv6_exthdr=%#"PRIx16, m.exthdr);
        if (m.exthdr_mask != UINT16_MAX) {
            ds_put_format(s, "/%#"PRIx16, m.exthdr_mask);
        }
        ds_put_char(s, ',');
    }
    s->length--;                /* The last comma. */
    s->string[s->length] = '\0';
}
