/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for datapath/flow-key: fields land where they should, and a
 * packet cut anywhere parses without reading past its end. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/flow-key.h"

static const uint8_t DST[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t SRC[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static size_t
put_eth(uint8_t *p, uint16_t type)
{
    memcpy(p, DST, 6);
    memcpy(p + 6, SRC, 6);
    p[12] = type >> 8;
    p[13] = type & 0xff;
    return 14;
}

/* Ethernet + IPv4 + UDP 1000 -> 53. */
static size_t
udp4(uint8_t *p)
{
    size_t n = put_eth(p, 0x0800);
    uint8_t ip[20] = { 0x45, 0x10, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
                       10, 0, 0, 1, 10, 0, 0, 2 };
    uint8_t udp[8] = { 0x03, 0xe8, 0, 53, 0, 8, 0, 0 };

    memcpy(p + n, ip, 20);
    memcpy(p + n + 20, udp, 8);
    return n + 28;
}

static void
test_flow_key_parses_udp4(void **state)
{
    uint8_t pkt[64];
    size_t len = udp4(pkt);
    struct dp_flow_key key;

    dp_flow_key_extract(pkt, len, 3, &key);
    assert_int_equal(key.in_port, 3);
    assert_memory_equal(key.dl_dst, DST, 6);
    assert_memory_equal(key.dl_src, SRC, 6);
    assert_int_equal(ntohs(key.dl_type), 0x0800);
    assert_int_equal(key.nw_proto, 17);
    assert_int_equal(key.nw_tos, 0x10);
    assert_int_equal(key.nw_ttl, 64);
    assert_memory_equal(key.nw_src, "\x0a\x00\x00\x01", 4);
    assert_memory_equal(key.nw_dst, "\x0a\x00\x00\x02", 4);
    assert_int_equal(ntohs(key.tp_src), 1000);
    assert_int_equal(ntohs(key.tp_dst), 53);
    assert_int_equal(key.parse_flags, DP_KEY_L2 | DP_KEY_L3 | DP_KEY_L4);
}

static void
test_flow_key_parses_the_head_of_a_64k_frame(void **state)
{
    uint8_t pkt[64];
    size_t len = udp4(pkt);
    struct dp_flow_key key, whole;

    /* The IP header says 65000 bytes; only the headers are at hand, the
     * rest lies in further segments. */
    pkt[14 + 2] = 65000 >> 8;
    pkt[14 + 3] = 65000 & 0xff;
    dp_flow_key_extract_head(pkt, len, 14 + 65000, 3, &key);
    assert_int_equal(key.parse_flags, DP_KEY_L2 | DP_KEY_L3 | DP_KEY_L4);
    assert_int_equal(ntohs(key.tp_dst), 53);
    /* Parsed like the same headers of a short frame. */
    pkt[14 + 2] = 0;
    pkt[14 + 3] = 28;
    dp_flow_key_extract(pkt, len, 3, &whole);
    assert_memory_equal(&key, &whole, sizeof key);
    /* A frame shorter than its IP length is still truncated. */
    pkt[14 + 2] = 65000 >> 8;
    pkt[14 + 3] = 65000 & 0xff;
    dp_flow_key_extract_head(pkt, len, 14 + 64000, 3, &key);
    assert_true(key.parse_flags & DP_KEY_TRUNCATED);
}

static void
test_flow_key_parses_two_vlan_tags(void **state)
{
    uint8_t pkt[80];
    size_t n = put_eth(pkt, 0x88a8);
    uint8_t tags[8] = { 0x20, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x06 };
    uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 2,
                        1, 2, 3, 4, 5, 6, 192, 0, 2, 1,
                        7, 8, 9, 10, 11, 12, 192, 0, 2, 2 };
    struct dp_flow_key key;

    memcpy(pkt + n, tags, 8);
    memcpy(pkt + n + 8, arp, 28);
    dp_flow_key_extract(pkt, n + 36, 0, &key);
    /* VID 10 with PCP 1, VID 20; CFI bit marks "present". */
    assert_int_equal(ntohs(key.vlan_tci[0]), 0x200a | 0x1000);
    assert_int_equal(ntohs(key.vlan_tci[1]), 0x0014 | 0x1000);
    assert_int_equal(ntohs(key.dl_type), 0x0806);
    assert_int_equal(key.nw_proto, 2);          /* ARP reply. */
    assert_memory_equal(key.arp_sha, "\x01\x02\x03\x04\x05\x06", 6);
    assert_memory_equal(key.nw_dst, "\xc0\x00\x02\x02", 4);
    assert_true(key.parse_flags & DP_KEY_L3);
}

static void
test_flow_key_parses_ipv6_through_extension_headers(void **state)
{
    uint8_t pkt[128] = { 0 };
    size_t n = put_eth(pkt, 0x86dd);
    uint8_t *ip = pkt + n;

    ip[0] = 0x60;
    ip[5] = 16;                 /* Payload: 8 hop-by-hop + 8 ICMPv6. */
    ip[6] = 0;                  /* Hop-by-hop. */
    ip[7] = 255;
    ip[8 + 15] = 1;             /* src ::1 */
    ip[24 + 15] = 2;            /* dst ::2 */
    uint8_t *hbh = ip + 40;
    hbh[0] = 58;                /* Next: ICMPv6. */
    hbh[1] = 0;                 /* 8 bytes. */
    uint8_t *icmp = hbh + 8;
    icmp[0] = 135;              /* Neighbor solicitation. */
    icmp[1] = 0;

    struct dp_flow_key key;
    dp_flow_key_extract(pkt, n + 40 + 8 + 8, 1, &key);
    assert_int_equal(key.nw_proto, 58);
    assert_int_equal(key.nw_ttl, 255);
    assert_int_equal(key.nw_src[15], 1);
    assert_int_equal(key.nw_dst[15], 2);
    assert_int_equal(ntohs(key.tp_src), 135);
    assert_int_equal(key.parse_flags, DP_KEY_L2 | DP_KEY_L3 | DP_KEY_L4);
}

/* An IPv6 packet whose extension headers are 'chain' (next header
 * values, 8 bytes each, AH 12... made 16 here), then 'last' (the upper
 * layer, ESP or no-next-header) with 8 bytes after it; its ipv6_exthdr
 * bits as the key has them. */
static uint16_t
exthdr_of(const uint8_t *chain, size_t n, uint8_t last)
{
    uint8_t pkt[256] = { 0 };
    size_t l2 = put_eth(pkt, 0x86dd);
    uint8_t *ip = pkt + l2, *at = ip + 40;

    ip[0] = 0x60;
    ip[6] = n ? chain[0] : last;
    ip[7] = 64;
    for (size_t i = 0; i < n; i++) {
        at[0] = i + 1 < n ? chain[i + 1] : last;
        if (chain[i] == 51) {
            at[1] = 2;          /* AH: (2 + 2) * 4 = 16 bytes. */
            at += 16;
        } else {
            at[1] = chain[i] == 44 ? 0 : 1;   /* 8, or 16 bytes. */
            at += chain[i] == 44 ? 8 : 16;
        }
    }
    at += 8;
    size_t plen = at - (ip + 40);
    ip[4] = plen >> 8;
    ip[5] = plen;

    struct dp_flow_key key;
    dp_flow_key_extract(pkt, at - pkt, 1, &key);
    return ntohs(key.ipv6_exthdr);
}

/* OpenFlow 1.3's ipv6_exthdr pseudo-field (A.2.3.7): which headers, and
 * whether they came in RFC 8200's order and number. */
static void
test_flow_key_ipv6_exthdr_bits(void **state)
{
    (void) state;
    static const uint8_t hop_auth[] = { 0, 51 };
    static const uint8_t all[] = { 0, 60, 43, 44, 51, 60 };
    static const uint8_t dest_hop[] = { 60, 0 };
    static const uint8_t frag_frag[] = { 44, 44 };
    static const uint8_t dest3[] = { 60, 60, 60 };
    static const uint8_t router_dest[] = { 43, 60 };

    assert_int_equal(exthdr_of(hop_auth, 0, 6), 0);
    assert_int_equal(exthdr_of(hop_auth, 2, 6),
                     DP_EXTHDR_HOP | DP_EXTHDR_AUTH);
    assert_int_equal(exthdr_of(all, 6, 6),
                     DP_EXTHDR_HOP | DP_EXTHDR_DEST | DP_EXTHDR_ROUTER
                     | DP_EXTHDR_FRAG | DP_EXTHDR_AUTH);
    /* ESP after the authentication header; the last destination options
     * header would come after it, not before. */
    assert_int_equal(exthdr_of(all, 5, 50),
                     DP_EXTHDR_HOP | DP_EXTHDR_DEST | DP_EXTHDR_ROUTER
                     | DP_EXTHDR_FRAG | DP_EXTHDR_AUTH | DP_EXTHDR_ESP);
    assert_int_equal(exthdr_of(all, 6, 50),
                     DP_EXTHDR_HOP | DP_EXTHDR_DEST | DP_EXTHDR_ROUTER
                     | DP_EXTHDR_FRAG | DP_EXTHDR_AUTH | DP_EXTHDR_ESP
                     | DP_EXTHDR_UNSEQ);
    assert_int_equal(exthdr_of(router_dest, 2, 59),
                     DP_EXTHDR_ROUTER | DP_EXTHDR_DEST | DP_EXTHDR_NONEXT);
    assert_int_equal(exthdr_of(dest_hop, 2, 6),
                     DP_EXTHDR_DEST | DP_EXTHDR_HOP | DP_EXTHDR_UNSEQ);
    assert_int_equal(exthdr_of(frag_frag, 2, 17),
                     DP_EXTHDR_FRAG | DP_EXTHDR_UNREP | DP_EXTHDR_UNSEQ);
    assert_int_equal(exthdr_of(dest3, 3, 17),
                     DP_EXTHDR_DEST | DP_EXTHDR_UNREP | DP_EXTHDR_UNSEQ);
}

static void
test_flow_key_parses_mpls_stack(void **state)
{
    uint8_t pkt[64] = { 0 };
    size_t n = put_eth(pkt, 0x8847);
    /* Label 100 TTL 64; label 200 bottom-of-stack TTL 63. */
    uint8_t lses[8] = { 0x00, 0x06, 0x40, 64, 0x00, 0x0c, 0x81, 63 };
    struct dp_flow_key key;

    memcpy(pkt + n, lses, 8);
    dp_flow_key_extract(pkt, n + 8 + 20, 0, &key);
    assert_memory_equal(&key.mpls_lse[0], lses, 4);
    assert_memory_equal(&key.mpls_lse[1], lses + 4, 4);
    assert_int_equal(key.mpls_lse[2], 0);
    /* Nothing beneath the labels is parsed. */
    assert_false(key.parse_flags & DP_KEY_L3);
}

static void
test_flow_key_parses_nd_and_tcp_flags(void **state)
{
    uint8_t pkt[128] = { 0 };
    size_t n = put_eth(pkt, 0x86dd);
    uint8_t *ip = pkt + n;
    struct dp_flow_key key;

    ip[0] = 0x60;
    ip[1] = 0x0a;               /* Flow label 0xa0005. */
    ip[3] = 0x05;
    ip[5] = 32;                 /* ICMPv6 8 + target 16 + SLL option 8. */
    ip[6] = 58;
    ip[7] = 255;
    uint8_t *icmp = ip + 40;
    icmp[0] = 135;              /* Neighbor solicitation. */
    icmp[8] = 0x20;
    icmp[23] = 7;               /* Target 2000::7. */
    icmp[24] = 1;               /* Source link-layer address option. */
    icmp[25] = 1;
    memcpy(icmp + 26, SRC, 6);
    dp_flow_key_extract(pkt, n + 72, 0, &key);
    assert_int_equal(key.nd_target[0], 0x20);
    assert_int_equal(key.nd_target[15], 7);
    assert_memory_equal(key.arp_sha, SRC, 6);
    assert_int_equal(ntohs(key.tcp_flags), 1);      /* First option type. */
    assert_int_equal(ntohl(key.ipv6_label), 0xa0005);

    /* TCP: flags, 12 bits. */
    memset(pkt, 0, sizeof pkt);
    n = put_eth(pkt, 0x0800);
    uint8_t hdr[20] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6 };
    memcpy(pkt + n, hdr, 20);
    pkt[n + 20 + 12] = 0x5f;    /* Data offset 5, NS bit set. */
    pkt[n + 20 + 13] = 0x12;    /* SYN|ACK. */
    dp_flow_key_extract(pkt, n + 40, 0, &key);
    assert_int_equal(ntohs(key.tcp_flags), 0xf12);
}

static void
test_flow_key_later_fragment_has_no_ports(void **state)
{
    uint8_t pkt[64];
    size_t len = udp4(pkt);
    struct dp_flow_key key;

    pkt[14 + 6] = 0x00;
    pkt[14 + 7] = 0x10;         /* Offset 16 * 8. */
    dp_flow_key_extract(pkt, len, 0, &key);
    assert_true(key.parse_flags & DP_KEY_LATER_FRAG);
    assert_int_equal(key.tp_src, 0);
    assert_int_equal(key.tp_dst, 0);
}

static void
test_flow_key_bad_ihl_is_truncated(void **state)
{
    uint8_t pkt[64];
    size_t len = udp4(pkt);
    struct dp_flow_key key;

    pkt[14] = 0x4f;             /* IHL 60 bytes > what is there. */
    dp_flow_key_extract(pkt, len, 0, &key);
    assert_true(key.parse_flags & DP_KEY_TRUNCATED);
    assert_false(key.parse_flags & DP_KEY_L3);
}

/* Every prefix of a valid packet is parsed from a heap buffer of exactly
 * that size, so that a read past the end is caught by valgrind or ASan; and
 * what parsed is a prefix of the full packet's key. */
static void
test_flow_key_every_truncation_is_safe(void **state)
{
    uint8_t pkt[64];
    size_t len = udp4(pkt);
    struct dp_flow_key full, key;

    dp_flow_key_extract(pkt, len, 0, &full);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, pkt, cut);
        dp_flow_key_extract(copy, cut, 0, &key);
        free(copy);

        assert_true(key.parse_flags & DP_KEY_TRUNCATED);
        if (cut >= 14) {
            assert_memory_equal(key.dl_src, full.dl_src, 6);
        } else {
            assert_int_equal(key.dl_type, 0);
        }
        if (key.parse_flags & DP_KEY_L3) {
            assert_memory_equal(key.nw_src, full.nw_src, 4);
        }
        assert_false(key.parse_flags & DP_KEY_L4);
    }
}

static uint32_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

/* Frames near the common shapes -- Ethernet, maybe a VLAN tag, IPv4 or
 * IPv6, TCP, UDP or ICMP -- with each thing the shapes depend on sometimes
 * wrong (a second tag, IP options, IPv6 extension headers, a fragment,
 * lengths that lie or run short, a TCP header longer than the data,
 * neighbor discovery), read whole and through short heads: whenever the
 * compact parser takes one, its key expands to exactly the full parser's
 * key; and it takes every frame of a plain shape (IP version nibble right:
 * the full parser, as Open vSwitch's, does not look at it, the compact one
 * leaves other values to the full one). */
static void
test_compact_key_expands_to_the_full_key(void **state)
{
    size_t taken[3] = { 0 }, plain = 0;

    for (int iter = 0; iter < 200000; iter++) {
        uint8_t f[128];
        size_t n = 0;

        for (size_t i = 0; i < sizeof f; i++) {
            f[i] = rnd(256);
        }
        n = 12;
        int tags = rnd(6) == 0 ? 2 : rnd(3) == 0;
        for (int t = 0; t < tags; t++) {
            f[n] = rnd(2) ? 0x81 : 0x88;
            f[n + 1] = f[n] == 0x81 ? 0x00 : 0xa8;
            n += 4;
        }
        bool ip6 = rnd(2);
        if (rnd(20)) {
            f[n] = ip6 ? 0x86 : 0x08;
            f[n + 1] = ip6 ? 0xdd : 0x00;
        }
        n += 2;
        size_t l3 = n, l4;
        if (!ip6) {
            int ihl = rnd(8) ? 5 : 5 + rnd(3);
            f[l3] = (rnd(30) ? 0x40 : 0x60) | ihl;
            if (rnd(4)) {
                f[l3 + 6] &= 0x40;      /* DF at most... */
                f[l3 + 7] = 0;          /* ...no fragment. */
            }
            static const uint8_t protos[] = { 6, 17, 1, 2, 47 };
            f[l3 + 9] = protos[rnd(rnd(4) ? 3 : 5)];
            l4 = l3 + ihl * 4;
        } else {
            f[l3] = (uint8_t) ((rnd(30) ? 0x60 : 0x40) | (f[l3] & 0x0f));
            static const uint8_t protos[] = { 6, 17, 58, 0, 44, 60, 47 };
            f[l3 + 6] = protos[rnd(rnd(4) ? 3 : 7)];
            l4 = l3 + 40;
            if (f[l3 + 6] == 58 && rnd(3) == 0) {
                f[l4] = 135 + rnd(2);   /* Neighbor discovery. */
                f[l4 + 1] = rnd(4) ? 0 : 1;
            }
        }
        uint8_t proto = f[l3 + (ip6 ? 6 : 9)];
        if (proto == 6 && l4 + 12 < sizeof f) {
            f[l4 + 12] = (uint8_t) ((rnd(8) ? 5 : rnd(16)) << 4);
        }
        size_t len = l4 + 8 + rnd(40);
        if (len > sizeof f) {
            len = sizeof f;
        }
        if (rnd(10) == 0) {
            len = rnd(len + 1);
        }
        size_t tot = len - l3 - (ip6 ? 40 : 0);   /* IPv6: payload only. */
        if (rnd(6) == 0) {
            tot = rnd(len + 10);        /* May lie either way. */
        }
        size_t len_at = l3 + (ip6 ? 4 : 2);
        if (len > len_at + 1) {
            f[len_at] = tot >> 8;
            f[len_at + 1] = tot & 0xff;
        }
        size_t frame_len = len + (rnd(8) == 0 ? rnd(100) : 0);
        size_t head = rnd(4) == 0 ? rnd(len + 1) : len;

        struct dp_flow_key full, expanded;
        union dp_compact_keys ck;
        uint8_t *copy = malloc(head ? head : 1);
        memcpy(copy, f, head);
        dp_flow_key_extract_head(copy, head, frame_len, 7, &full);
        enum dp_compact_kind kind = dp_compact_extract(copy, head, frame_len,
                                                       7, &ck);
        bool l4_done = full.parse_flags == (DP_KEY_L2 | DP_KEY_L3
                                            | DP_KEY_L4);
        size_t ip_at = full.vlan_tci[0] ? 18 : 14;
        if (kind != DP_COMPACT_NONE) {
            dp_compact_expand(kind, &ck, &expanded);
            assert_memory_equal(&expanded, &full, sizeof full);
            assert_int_equal(kind, ip6 ? DP_COMPACT_IP6 : DP_COMPACT_IP4);
        } else if (l4_done && !full.vlan_tci[1]
                   && full.dl_type == htons(0x0800)
                   && copy[ip_at] == 0x45
                   && (full.nw_proto == 6 || full.nw_proto == 17
                       || full.nw_proto == 1)) {
            fail_msg("iteration %d: a plain IPv4 frame the compact parser "
                     "refused", iter);
        } else if (l4_done && !full.vlan_tci[1]
                   && full.dl_type == htons(0x86dd)
                   && (copy[ip_at] >> 4) == 6
                   && copy[ip_at + 6] == full.nw_proto  /* No ext. hdrs. */
                   && (full.nw_proto == 6 || full.nw_proto == 17
                       || (full.nw_proto == 58
                           && !(full.tp_dst == 0
                                && (full.tp_src == htons(135)
                                    || full.tp_src == htons(136)))))) {
            fail_msg("iteration %d: a plain IPv6 frame the compact parser "
                     "refused", iter);
        }
        taken[kind]++;
        plain += l4_done;
        free(copy);
    }
    print_message("of 200000 frames, %zu taken by the IPv4 compact parser, "
                  "%zu by the IPv6 one, %zu parsed to L4\n",
                  taken[DP_COMPACT_IP4], taken[DP_COMPACT_IP6], plain);
    assert_true(taken[DP_COMPACT_IP4] > 25000);
    assert_true(taken[DP_COMPACT_IP6] > 25000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_key_parses_udp4),
        cmocka_unit_test(test_flow_key_parses_the_head_of_a_64k_frame),
        cmocka_unit_test(test_flow_key_parses_two_vlan_tags),
        cmocka_unit_test(test_flow_key_parses_ipv6_through_extension_headers),
        cmocka_unit_test(test_flow_key_ipv6_exthdr_bits),
        cmocka_unit_test(test_flow_key_parses_mpls_stack),
        cmocka_unit_test(test_flow_key_parses_nd_and_tcp_flags),
        cmocka_unit_test(test_flow_key_later_fragment_has_no_ports),
        cmocka_unit_test(test_flow_key_bad_ihl_is_truncated),
        cmocka_unit_test(test_flow_key_every_truncation_is_safe),
        cmocka_unit_test(test_compact_key_expands_to_the_full_key),
    };
    return cmocka_run_group_tests_name("flow-key", tests, NULL, NULL);
}
