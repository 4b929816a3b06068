/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-flow-key: libFuzzer target for datapath/flow-key.c, the parser that
 * turns every received frame into a struct dp_flow_key.
 *
 * The input is one Ethernet frame.  The parser must never read outside it
 * (AddressSanitizer sees to that: each view of the frame lies in a heap
 * block of exactly its size), and the key must be what the rest of the
 * switch relies on:
 *
 *   - self-consistent: DP_KEY_L4 implies DP_KEY_L3 implies DP_KEY_L2, a
 *     later fragment is a fragment and has no L4 fields, the MAC
 *     addresses are the frame's first 12 bytes;
 *   - the pipeline's view, field for field.  A megaflow installed from the
 *     pipeline's decision on one packet is applied to every packet with
 *     the same key bits, so each key field must equal the field that Open
 *     vSwitch's flow_extract() (which the pipeline translates with) finds
 *     in the same bytes (flow-key.h promises exactly that).  The check
 *     compares the key with the flow the pipeline would see, converted
 *     the way pipeline.c's wc_to_dp_mask() converts masks;
 *   - the same for a frame whose head is all the parser has: pmd.c parses
 *     the first segment of a multi-segment frame (knowing the whole
 *     length), and pmd_upcall() shows the pipeline a copy of that first
 *     segment with its IP length lowered by pkt_clamp_ip_len().  The
 *     harness cuts the frame at the segment sizes the datapath's buffers
 *     give (2048 bytes, vnet's head and DPDK's default data room) and at
 *     a few smaller ones, and compares the same way;
 *   - printable: dp_flow_key_format() always terminates its output, and a
 *     short buffer gets a prefix of what a long one gets.
 *
 * Beneath an MPLS label stack the key holds an IPv4 or IPv6 payload (by
 * its version nibble): the pipeline's view after pop_mpls, which the
 * harness builds with flow_extract() on the payload.
 *
 * The two findings this target made first (a cut frame whose IP length
 * goes past the end of the whole frame; a cut 802.3 LLC/SNAP frame) are
 * fixed in pkt_clamp_ip_len(); no finding is allowed any more.
 *
 * Not covered: the hash and the caches (emc.c, mfc.c), the rte_mbuf side
 * of pmd.c (it only passes data pointer and lengths).
 */
#include <config.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/flow-key.h"
#include "datapath/pkt-edit.h"
#include "dp-packet.h"
#include "flow.h"
#include "switchd/flow-dp.h"
#include "tests/fuzz/fuzz-common.h"

#define IN_PORT 7

/* Sizes of a multi-segment frame's first segment that the harness tries:
 * 2048 is what the datapath's mbufs hold; the others put the cut inside
 * the headers. */
static const size_t head_sizes[] = { 2048, 1518, 128, 64, 54, 34 };

static void
hexdump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "%s (%zu bytes):", what, n);
    for (size_t i = 0; i < n && i < 256; i++) {
        fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
    }
    fprintf(stderr, "%s\n", n > 256 ? " ..." : "");
}

static void
print_key(const char *what, const struct dp_flow_key *key)
{
    struct dp_flow_key ones;
    char buf[1024];

    memset(&ones, 0xff, sizeof ones);
    dp_flow_key_format(key, &ones, NULL, NULL, buf, sizeof buf);
    fprintf(stderr, "%s: %s\n", what, buf);
}

static void __attribute__((noreturn))
fail(const char *why, const uint8_t *frame, size_t len, size_t head,
     const struct dp_flow_key *key, const struct dp_flow_key *want)
{
    fprintf(stderr, "fuzz-flow-key: %s (frame %zu bytes, head %zu)\n", why,
            len, head);
    hexdump("frame", frame, len);
    print_key("key ", key);
    if (want) {
        print_key("want", want);
    }
    abort();
}

/* The key the datapath should have made of a packet that Open vSwitch
 * parses into 'f': every field where wc_to_dp_mask() puts its mask.
 * parse_flags carry only what the flow has (the fragment bits); the
 * caller compares the rest separately. */
static void
key_from_flow(const struct flow *f, struct dp_flow_key *k)
{
    flow_fields_to_dp(f, k);
    k->in_port = IN_PORT;
    if (f->nw_frag & FLOW_NW_FRAG_ANY) {
        k->parse_flags |= DP_KEY_FRAG;
    }
    if (f->nw_frag & FLOW_NW_FRAG_LATER) {
        k->parse_flags |= DP_KEY_LATER_FRAG;
    }
}

static void
check_flags(const struct dp_flow_key *key, const uint8_t *frame,
            size_t len, size_t head)
{
    uint16_t f = key->parse_flags;

    if (key->in_port != IN_PORT) {
        fail("in_port changed", frame, len, head, key, NULL);
    }
    if (f & ~(DP_KEY_L2 | DP_KEY_L3 | DP_KEY_L4 | DP_KEY_FRAG
              | DP_KEY_LATER_FRAG | DP_KEY_TRUNCATED | DP_KEY_MPLS_IP4
              | DP_KEY_MPLS_IP6)) {
        fail("unknown parse flag", frame, len, head, key, NULL);
    }
    if ((f & DP_KEY_L4 && !(f & DP_KEY_L3))
        || (f & DP_KEY_L3 && !(f & DP_KEY_L2))) {
        fail("a layer without the one beneath", frame, len, head, key,
             NULL);
    }
    if (f & DP_KEY_LATER_FRAG && (!(f & DP_KEY_FRAG) || f & DP_KEY_L4)) {
        fail("later fragment flags inconsistent", frame, len, head, key,
             NULL);
    }
    if (head < 14) {
        struct dp_flow_key empty;
        memset(&empty, 0, sizeof empty);
        empty.in_port = IN_PORT;
        empty.parse_flags = DP_KEY_TRUNCATED;
        if (memcmp(key, &empty, sizeof empty)) {
            fail("a runt frame got fields", frame, len, head, key, &empty);
        }
    } else if (!(f & DP_KEY_L2) || memcmp(key->dl_dst, frame, 6)
               || memcmp(key->dl_src, frame + 6, 6)) {
        fail("Ethernet addresses not the frame's", frame, len, head, key,
             NULL);
    }
}

/* OpenFlow 1.3's ipv6_exthdr (A.2.3.7) of the IPv6 packet at 'ip' ('n'
 * bytes at hand), written apart from flow-key.c's walk: the headers'
 * sequence is collected first, then judged against RFC 8200's order
 * (each may appear once, in this order, destination options twice). */
static uint16_t
expected_exthdr(const uint8_t *ip, size_t n)
{
    static const uint8_t order[] = { 0, 60, 43, 44, 51, 50, 60 };
    static const uint16_t bit_of[256] = {
        [0] = 1 << 6, [60] = 1 << 3, [43] = 1 << 5, [44] = 1 << 4,
        [51] = 1 << 2, [50] = 1 << 1,
    };
    uint8_t seq[64];
    size_t n_seq = 0;
    uint16_t bits = 0;

    if (n < 40) {
        return 0;
    }
    size_t end = MIN(n, 40 + (size_t) ((ip[4] << 8) | ip[5]));
    size_t at = 40;
    uint8_t nh = ip[6];
    for (;;) {
        if (nh == 50 || nh == 59) {
            bits |= nh == 59 ? 1 << 0 : 0;
            if (nh == 50 && n_seq < sizeof seq) {
                seq[n_seq++] = nh;
            }
            break;
        }
        if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60) {
            break;
        }
        if (n_seq < sizeof seq) {
            seq[n_seq++] = nh;
        }
        if (at + 8 > end) {
            return 0;
        }
        size_t hlen = nh == 44 ? 8 : nh == 51 ? (ip[at + 1] + 2u) * 4
                      : (ip[at + 1] + 1u) * 8;
        if (nh == 44 && (((ip[at + 2] << 8) | ip[at + 3]) & 0xfff8)) {
            break;              /* A later fragment: the walk ends. */
        }
        if (at + hlen > end) {
            return 0;
        }
        nh = ip[at];
        at += hlen;
    }

    size_t pos = 0;
    int count[256] = { 0 };
    for (size_t i = 0; i < n_seq; i++) {
        bits |= bit_of[seq[i]];
        if (++count[seq[i]] > (seq[i] == 60 ? 2 : 1)) {
            bits |= 1 << 7;
        }
        while (pos < sizeof order && order[pos] != seq[i]) {
            pos++;
        }
        if (pos == sizeof order) {
            bits |= 1 << 8;
            pos = 0;            /* Judge the rest afresh... */
            while (order[pos] != seq[i]) {
                pos++;
            }
        }
        pos++;
    }
    return htons(bits);
}

/* What the pipeline sees beneath an MPLS label stack after pop_mpls of
 * the bottom label to the Ethertype that the payload's version nibble
 * says (xlate.c parses it the same way): written into the L3 and L4
 * fields of 'flow', which an MPLS flow leaves empty.  Returns the
 * DP_KEY_MPLS_IP* flag the key should have. */
static uint16_t
beneath_mpls(const struct dp_packet *pkt, struct flow *flow,
             size_t frame_len)
{
    const uint8_t *l2_5 = dp_packet_l2_5(pkt);
    const uint8_t *data = dp_packet_data(pkt);
    size_t size = dp_packet_size(pkt);

    if (!l2_5 || !eth_type_mpls(flow->dl_type)) {
        return 0;
    }
    size_t ofs = l2_5 - data;
    while (ofs + 4 <= size && !(data[ofs + 2] & 1)) {
        ofs += 4;
    }
    if (ofs + 5 > size) {
        return 0;               /* No bottom of stack, or nothing beneath. */
    }
    ofs += 4;
    int version = data[ofs] >> 4;
    if (version != 4 && version != 6) {
        return 0;
    }

    size_t n = size - ofs;
    uint8_t *frame = malloc(14 + n);
    uint16_t type = htons(version == 4 ? 0x0800 : 0x86dd);
    memcpy(frame, data, 12);
    memcpy(frame + 12, &type, 2);
    memcpy(frame + 14, data + ofs, n);

    struct dp_packet inner;
    struct flow f;
    dp_packet_use_const(&inner, frame, 14 + n);
    flow_extract(&inner, &f);
    dp_packet_uninit(&inner);
    free(frame);
    (void) frame_len;           /* The view was clamped for the frame. */

    flow->nw_src = f.nw_src;
    flow->nw_dst = f.nw_dst;
    flow->ipv6_src = f.ipv6_src;
    flow->ipv6_dst = f.ipv6_dst;
    flow->ipv6_label = f.ipv6_label;
    flow->nw_frag = f.nw_frag;
    flow->nw_tos = f.nw_tos;
    flow->nw_ttl = f.nw_ttl;
    flow->nw_proto = f.nw_proto;
    flow->nd_target = f.nd_target;
    flow->arp_sha = f.arp_sha;
    flow->arp_tha = f.arp_tha;
    flow->tcp_flags = f.tcp_flags;
    flow->tp_src = f.tp_src;
    flow->tp_dst = f.tp_dst;
    flow->igmp_group_ip4 = f.igmp_group_ip4;
    if (version == 6 && f.nw_proto) {
        flow_set_ipv6_exthdr(flow, expected_exthdr(data + ofs, n));
    }
    return version == 4 ? DP_KEY_MPLS_IP4 : DP_KEY_MPLS_IP6;
}

/* The pipeline's view of the frame whose first 'head' of 'len' bytes the
 * datapath parsed, as pmd_upcall() builds it. */
static void
pipeline_view(const uint8_t *frame, size_t len, size_t head,
              struct dp_flow_key *want)
{
    uint8_t *copy = malloc(head ? head : 1);
    struct dp_packet pkt;
    struct flow flow;

    memcpy(copy, frame, head);
    if (head < len) {
        pkt_clamp_ip_len(copy, head, len);
    }
    dp_packet_use_const(&pkt, copy, head);
    flow_extract(&pkt, &flow);
    if (flow.dl_type == htons(0x86dd) && flow.nw_proto) {
        /* (A chain that OVS found truncated leaves nw_proto 0, a valid
         * one never does: 0 is hop-by-hop, which the walk passes.) */
        const uint8_t *l3 = dp_packet_l3(&pkt);
        size_t l3_ofs = l3 - (const uint8_t *) dp_packet_data(&pkt);
        flow_set_ipv6_exthdr(&flow, expected_exthdr(
                                 l3, dp_packet_size(&pkt) - l3_ofs));
    }
    if (flow.dl_type == htons(0x88e7) && dp_packet_l3(&pkt)
        && dp_packet_l3_size(&pkt) >= 4) {
        /* A PBB frame's I-TAG TCI: where xvs keeps it (flow-dp.h). */
        memcpy(&flow.mpls_lse[0], dp_packet_l3(&pkt), 4);
    }
    uint16_t flags = beneath_mpls(&pkt, &flow, len);
    dp_packet_uninit(&pkt);
    free(copy);
    key_from_flow(&flow, want);
    want->parse_flags |= flags;
}

static void
check_against_pipeline(const struct dp_flow_key *key,
                       const uint8_t *frame, size_t len, size_t head)
{
    struct dp_flow_key want, got = *key;

    pipeline_view(frame, len, head, &want);
    /* Only the fragment bits have a counterpart in the flow, and what
     * lies beneath MPLS in the pipeline's view after pop_mpls. */
    got.parse_flags &= (DP_KEY_FRAG | DP_KEY_LATER_FRAG | DP_KEY_MPLS_IP4
                        | DP_KEY_MPLS_IP6);
    if (memcmp(&got, &want, sizeof got)) {
        fail("key differs from the pipeline's view of the packet", frame,
             len, head, key, &want);
    }
}

static void
check_format(const struct dp_flow_key *key, const uint8_t *frame,
             size_t len)
{
    static const size_t sizes[] = { 0, 1, 2, 17, 64 };
    struct dp_flow_key ones;
    char full[2048];

    memset(&ones, 0xff, sizeof ones);
    dp_flow_key_format(key, &ones, NULL, NULL, full, sizeof full);
    size_t full_len = strlen(full);
    if (full_len + 1 >= sizeof full) {
        fail("formatted key fills 2 KB", frame, len, len, key, NULL);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        /* A heap block of exactly 'n' bytes: writing past it is caught. */
        char *buf = malloc(n ? n : 1);
        dp_flow_key_format(key, &ones, NULL, NULL, buf, n);
        if (n) {
            size_t want = full_len < n - 1 ? full_len : n - 1;
            if (strnlen(buf, n) != want || memcmp(buf, full, want)) {
                fail("short format buffer: not a prefix", frame, len, len,
                     key, NULL);
            }
        }
        free(buf);
    }
    /* The key as its own mask: partial masks of every field. */
    char masked[2048];
    dp_flow_key_format(key, key, NULL, NULL, masked, sizeof masked);
}

/* If the compact parser takes the frame, its key expands to 'key', the
 * full parser's, byte for byte (the exact-match cache relies on it). */
static void
check_compact(const struct dp_flow_key *key, const uint8_t *data,
              size_t head, size_t len)
{
    union dp_compact_keys ck;
    struct dp_flow_key expanded;
    enum dp_compact_kind kind = dp_compact_extract(data, head, len, IN_PORT,
                                                   &ck);

    if (kind != DP_COMPACT_NONE) {
        dp_compact_expand(kind, &ck, &expanded);
        if (memcmp(&expanded, key, sizeof *key)) {
            fail("the compact key expands to another key", data, head, head,
                 key, &expanded);
        }
    }
}

static void
check_view(const uint8_t *frame, size_t len, size_t head)
{
    uint8_t *copy = malloc(head ? head : 1);
    struct dp_flow_key key;

    memcpy(copy, frame, head);
    dp_flow_key_extract_head(copy, head, len, IN_PORT, &key);
    check_flags(&key, frame, len, head);
    check_against_pipeline(&key, frame, len, head);
    check_compact(&key, copy, head, len);
    free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dp_flow_key key;

    /* The whole frame, contiguous, read in place: the input buffer is a
     * heap block of exactly 'size' bytes. */
    dp_flow_key_extract(data, size, IN_PORT, &key);
    check_flags(&key, data, size, size);
    check_against_pipeline(&key, data, size, size);
    check_format(&key, data, size);
    check_compact(&key, data, size, size);

    for (size_t i = 0; i < sizeof head_sizes / sizeof *head_sizes; i++) {
        if (head_sizes[i] < size) {
            check_view(data, size, head_sizes[i]);
        }
    }
    return 0;
}
