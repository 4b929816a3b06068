/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for datapath/pkt-edit: header rewrites leave checksums that a
 * receiver verifies from scratch, and never touch what is not there. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/pkt-edit.h"

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t
fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

/* 0 if the IPv4 header checksum verifies. */
static uint16_t
ip_check(const uint8_t *ip)
{
    return fold(sum16(ip, (ip[0] & 0xf) * 4, 0));
}

/* 0 if the TCP or UDP checksum (with pseudo-header) verifies. */
static uint16_t
l4_check(const uint8_t *ip)
{
    size_t ihl = (ip[0] & 0xf) * 4;
    size_t len = ((ip[2] << 8) | ip[3]) - ihl;
    uint32_t sum = sum16(ip + 12, 8, 0) + ip[9] + len;
    return fold(sum16(ip + ihl, len, sum));
}

/* Ethernet + IPv4 + TCP (or UDP) with correct checksums. */
static size_t
make_packet(uint8_t *p, uint8_t proto, bool vlan)
{
    size_t l2 = vlan ? 18 : 14;
    size_t l4len = proto == 6 ? 20 + 5 : 8 + 5;
    memset(p, 0, 128);
    memcpy(p, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
    if (vlan) {
        memcpy(p + 12, "\x81\x00\x00\x0a", 4);
    }
    p[l2 - 2] = 0x08;
    uint8_t *ip = p + l2;
    ip[0] = 0x45;
    ip[1] = 0x10;
    ip[3] = 20 + l4len;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    uint8_t *l4 = ip + 20;
    l4[0] = 0x30; l4[1] = 0x39; l4[2] = 0; l4[3] = 80;
    if (proto == 6) {
        l4[12] = 0x50;
        memcpy(l4 + 20, "hello", 5);
    } else {
        l4[5] = 8 + 5;
        memcpy(l4 + 8, "hello", 5);
    }
    uint16_t c = ip_check(ip);
    ip[10] = c >> 8;
    ip[11] = c;
    c = l4_check(ip);
    l4[proto == 6 ? 16 : 6] = c >> 8;
    l4[proto == 6 ? 17 : 7] = c;
    return l2 + 20 + l4len;
}

static void
apply(uint8_t *p, size_t len, enum dp_action_type type, uint32_t v)
{
    struct dp_action a;
    memset(&a, 0, sizeof a);
    a.type = type;
    if (type == DP_ACTION_SET_IPV4_SRC || type == DP_ACTION_SET_IPV4_DST) {
        a.be32 = htonl(v);
    } else if (type == DP_ACTION_SET_TP_SRC || type == DP_ACTION_SET_TP_DST) {
        a.be16 = htons(v);
    } else if (type == DP_ACTION_SET_IP_TOS) {
        a.u8[0] = v;
        a.u8[1] = 0xfc;
    } else {
        a.u8[0] = v;
    }
    assert_true(pkt_edit(p, len, &a, false));
}

static void
test_rewrites_keep_checksums_valid(void **state)
{
    (void) state;
    for (int proto = 6; proto <= 17; proto += 11) {
        for (int vlan = 0; vlan <= 1; vlan++) {
            uint8_t p[128];
            size_t len = make_packet(p, proto, vlan);
            uint8_t *ip = p + (vlan ? 18 : 14);

            assert_int_equal(ip_check(ip), 0);
            assert_int_equal(l4_check(ip), 0);
            apply(p, len, DP_ACTION_SET_IPV4_SRC, 0xc0a80101);
            apply(p, len, DP_ACTION_SET_IPV4_DST, 0xac100005);
            apply(p, len, DP_ACTION_SET_TP_SRC, 1);
            apply(p, len, DP_ACTION_SET_TP_DST, 65535);
            apply(p, len, DP_ACTION_SET_IP_TTL, 7);
            apply(p, len, DP_ACTION_SET_IP_TOS, 0xb8);
            assert_memory_equal(ip + 12, "\xc0\xa8\x01\x01\xac\x10\x00\x05",
                                8);
            assert_int_equal(ip[8], 7);
            assert_int_equal(ip[1], 0xb8);
            assert_int_equal((ip[22] << 8) | ip[23], 65535);
            assert_int_equal(ip_check(ip), 0);
            assert_int_equal(l4_check(ip), 0);
        }
    }
}

static void
test_udp_without_checksum_stays_without(void **state)
{
    uint8_t p[128];
    size_t len = make_packet(p, 17, false);

    (void) state;
    p[14 + 20 + 6] = p[14 + 20 + 7] = 0;
    apply(p, len, DP_ACTION_SET_IPV4_DST, 0x01020304);
    apply(p, len, DP_ACTION_SET_TP_DST, 4444);
    assert_int_equal(p[14 + 20 + 6] | p[14 + 20 + 7], 0);
    assert_int_equal(ip_check(p + 14), 0);
}

static void
test_truncated_frames_are_left_alone(void **state)
{
    uint8_t p[128], orig[128];
    size_t len = make_packet(p, 6, false);

    (void) state;
    memcpy(orig, p, sizeof p);
    /* Cut inside the IP header, then inside the TCP header: nothing past
     * the cut is written. */
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(p, orig, sizeof p);
        apply(p, cut, DP_ACTION_SET_IPV4_SRC, 0x01010101);
        apply(p, cut, DP_ACTION_SET_TP_DST, 9);
        assert_memory_equal(p + cut, orig + cut, sizeof p - cut);
    }
}

/* 0 if the UDP-over-IPv6 checksum at 'ip' verifies. */
static uint16_t
udp6_check(const uint8_t *ip)
{
    size_t len = (ip[4] << 8) | ip[5];
    uint32_t sum = sum16(ip + 8, 32, 0) + 17 + len;
    return fold(sum16(ip + 40, len, sum));
}

static void
test_ipv6_rewrite_keeps_udp_checksum(void **state)
{
    uint8_t p[128] = { 0 };
    uint8_t *ip = p + 14;

    (void) state;
    p[12] = 0x86;
    p[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 13;
    ip[6] = 17;
    ip[7] = 64;
    memcpy(ip + 8, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    memcpy(ip + 24, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
    memcpy(ip + 40, "\x30\x39\x00\x35\x00\x0d\x00\x00" "hello", 13);
    uint16_t c = udp6_check(ip);
    ip[46] = c >> 8;
    ip[47] = c;
    assert_int_equal(udp6_check(ip), 0);

    struct dp_action a = { .type = DP_ACTION_SET_IPV6_WORD, .port = 7 };
    a.be32 = htonl(0x99);
    assert_true(pkt_edit(p, 14 + 40 + 13, &a, false));
    a.port = 0;
    a.be32 = htonl(0x20010db8);
    assert_true(pkt_edit(p, 14 + 40 + 13, &a, false));
    assert_int_equal(ip[39], 0x99);
    assert_int_equal(ip[8], 0x20);
    assert_int_equal(udp6_check(ip), 0);
}

/* Behind a hop-by-hop options header the UDP header is found too: its port
 * is rewritten and its checksum follows the address (found by
 * tests/fuzz/fuzz-pkt-edit). */
static void
test_ipv6_rewrite_behind_extension_header(void **state)
{
    uint8_t p[128] = { 0 };
    uint8_t *ip = p + 14;
    uint8_t *udp = ip + 48;

    (void) state;
    p[12] = 0x86;
    p[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 8 + 13;
    ip[6] = 0;                  /* Hop-by-hop options, 8 bytes. */
    ip[7] = 64;
    memcpy(ip + 8, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    memcpy(ip + 24, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
    memcpy(ip + 40, "\x11\x00\x01\x04\0\0\0\0", 8);   /* -> UDP, PadN. */
    memcpy(udp, "\x30\x39\x00\x35\x00\x0d\x00\x00" "hello", 13);
    uint32_t pseudo = sum16(ip + 8, 32, 0) + 17 + 13;
    uint16_t c = fold(sum16(udp, 13, pseudo));
    udp[6] = c >> 8;
    udp[7] = c;

    struct dp_action a = { .type = DP_ACTION_SET_TP_DST };
    a.be16 = htons(5353);
    assert_true(pkt_edit(p, 14 + 48 + 13, &a, false));
    struct dp_action w = { .type = DP_ACTION_SET_IPV6_WORD, .port = 7 };
    w.be32 = htonl(0x99);
    assert_true(pkt_edit(p, 14 + 48 + 13, &w, false));
    assert_int_equal((udp[2] << 8) | udp[3], 5353);
    assert_int_equal(ip[39], 0x99);
    pseudo = sum16(ip + 8, 32, 0) + 17 + 13;
    assert_int_equal(fold(sum16(udp, 13, pseudo)), 0);
}

static void
test_ipv6_chain_ends_with_the_payload(void **state)
{
    uint8_t p[128] = { 0 };
    uint8_t *ip = p + 14;

    (void) state;
    p[12] = 0x86;
    p[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 8;                  /* Payload: one hop-by-hop header... */
    ip[6] = 0;
    ip[7] = 64;
    memcpy(ip + 40, "\x11\x00\x01\x04\0\0\0\0", 8);  /* ...-> UDP. */
    /* Ethernet padding after the payload looks like a UDP header; it is
     * not one, and the flow key has no ports: nothing may be written. */
    memcpy(ip + 48, "\x30\x39\x00\x35\x00\x0d\x00\x00", 8);
    uint8_t before[sizeof p];
    memcpy(before, p, sizeof p);

    struct dp_action a = { .type = DP_ACTION_SET_TP_DST };
    a.be16 = htons(5353);
    assert_true(pkt_edit(p, 14 + 48 + 8 + 8, &a, false));
    assert_memory_equal(p, before, sizeof p);
}

static void
test_dscp_remark_raises_af_drop_precedence(void **state)
{
    uint8_t p[128];
    size_t len = make_packet(p, 17, false);
    uint8_t *ip = p + 14;

    (void) state;
    ip[1] = 10 << 2;                    /* AF11. */
    ip[10] = ip[11] = 0;
    uint16_t c = ip_check(ip);
    ip[10] = c >> 8;
    ip[11] = c;
    pkt_dscp_remark(p, len, 1, false);
    assert_int_equal(ip[1] >> 2, 12);   /* AF12. */
    assert_int_equal(ip_check(ip), 0);
    pkt_dscp_remark(p, len, 2, false);
    assert_int_equal(ip[1] >> 2, 14);   /* AF13: no higher precedence. */
    assert_int_equal(ip_check(ip), 0);
    assert_int_equal(l4_check(ip), 0);

    ip[1] = 46 << 2;                    /* EF: not AF, left alone. */
    pkt_dscp_remark(p, len, 1, false);
    assert_int_equal(ip[1] >> 2, 46);
    ip[1] = 0;                          /* Best effort too. */
    pkt_dscp_remark(p, len, 1, false);
    assert_int_equal(ip[1], 0);
}

static void
test_crc32c_check_value(void **state)
{
    (void) state;
    /* The check value of CRC-32C (RFC 3720, B.4). */
    assert_int_equal(pkt_crc32c("123456789", 9), 0xe3069283);
}

/* Whether the SCTP checksum of the 'n'-byte packet at 'sctp' verifies,
 * computed over the whole packet from scratch. */
static bool
sctp_check(const uint8_t *sctp, size_t n)
{
    uint8_t copy[256];
    memcpy(copy, sctp, n);
    memset(copy + 8, 0, 4);
    uint32_t crc = pkt_crc32c(copy, n);
    return (sctp[8] | sctp[9] << 8 | sctp[10] << 16
            | (uint32_t) sctp[11] << 24) == crc;
}

static void
test_sctp_port_rewrite_keeps_crc32c_valid(void **state)
{
    uint8_t p[256] = { 0 };
    uint8_t *ip = p + 14, *sctp = ip + 20;
    size_t n = 12 + 20 + 100;           /* Header, INIT chunk, DATA. */

    (void) state;
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = (20 + n) >> 8;
    ip[3] = (20 + n) & 0xff;
    ip[8] = 64;
    ip[9] = 132;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    sctp[0] = 0x13;
    sctp[1] = 0x88;                     /* 5000 -> 6000. */
    sctp[2] = 0x17;
    sctp[3] = 0x70;
    memcpy(sctp + 4, "\xde\xad\xbe\xef", 4);
    for (size_t i = 12; i < n; i++) {
        sctp[i] = i * 7;
    }
    uint32_t crc = pkt_crc32c(sctp, n);
    for (int i = 0; i < 4; i++) {
        sctp[8 + i] = crc >> (8 * i);
    }
    assert_true(sctp_check(sctp, n));

    apply(p, 14 + 20 + n, DP_ACTION_SET_TP_DST, 7000);
    assert_int_equal((sctp[2] << 8) | sctp[3], 7000);
    assert_true(sctp_check(sctp, n));
    /* With only the headers at hand (a multi-segment frame's first
     * segment): the update needs none of the rest. */
    apply(p, 14 + 20 + 12, DP_ACTION_SET_TP_SRC, 5001);
    assert_int_equal((sctp[0] << 8) | sctp[1], 5001);
    assert_true(sctp_check(sctp, n));
}

static void
test_nd_target_and_lla_rewrite_keeps_icmpv6_checksum(void **state)
{
    uint8_t p[128] = { 0 };
    uint8_t *ip = p + 14, *icmp = ip + 40;
    static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x99 };

    (void) state;
    p[12] = 0x86;
    p[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 32;
    ip[6] = 58;
    ip[7] = 255;
    memcpy(ip + 8, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    memcpy(ip + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\x02", 16);
    icmp[0] = 135;
    memcpy(icmp + 8, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
    icmp[24] = 1;
    icmp[25] = 1;
    memcpy(icmp + 26, "\x02\0\0\0\0\x01", 6);
    uint32_t pseudo = sum16(ip + 8, 32, 0) + 58 + 32;
    uint16_t c = fold(sum16(icmp, 32, pseudo));
    icmp[2] = c >> 8;
    icmp[3] = c;

    struct dp_action a = { .type = DP_ACTION_SET_ND, .port = DP_ND_TARGET3 };
    a.be32 = htonl(9);
    assert_true(pkt_edit(p, 14 + 40 + 32, &a, false));
    struct dp_action l = { .type = DP_ACTION_SET_ND, .port = DP_ND_SLL };
    memcpy(l.mac, mac, 6);
    assert_true(pkt_edit(p, 14 + 40 + 32, &l, false));
    /* A TLL rewrite of a message without that option changes nothing. */
    struct dp_action t = { .type = DP_ACTION_SET_ND, .port = DP_ND_TLL };
    assert_true(pkt_edit(p, 14 + 40 + 32, &t, false));

    assert_int_equal(icmp[23], 9);
    assert_memory_equal(icmp + 26, mac, 6);
    assert_int_equal(fold(sum16(icmp, 32, pseudo)), 0);
}

static void
test_mpls_lse_rewrite(void **state)
{
    uint8_t p[64] = { 0 };

    (void) state;
    p[12] = 0x81;               /* Behind a VLAN tag. */
    p[16] = 0x88;
    p[17] = 0x47;
    struct dp_action a = { .type = DP_ACTION_SET_MPLS_LSE };
    a.be32 = htonl((100 << 12) | (1 << 8) | 63);
    assert_true(pkt_edit(p, sizeof p, &a, false));
    assert_memory_equal(p + 18, "\x00\x06\x41\x3f", 4);
    assert_int_equal(pkt_l2_len(p, sizeof p), 18);
}

static void
test_icmp_type_rewrite_keeps_checksum(void **state)
{
    uint8_t p[128] = { 0 };
    uint8_t *ip = p + 14;
    uint8_t *icmp = ip + 20;

    (void) state;
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[3] = 20 + 12;
    ip[8] = 64;
    ip[9] = 1;
    icmp[0] = 8;                /* Echo request. */
    memcpy(icmp + 4, "\x12\x34\x00\x01" "abcd", 8);
    uint16_t c = fold(sum16(icmp, 12, 0));
    icmp[2] = c >> 8;
    icmp[3] = c;
    assert_int_equal(fold(sum16(icmp, 12, 0)), 0);

    struct dp_action a = { .type = DP_ACTION_SET_ICMP, .port = 0 };
    a.u8[0] = 0;                /* Echo reply. */
    assert_true(pkt_edit(p, 14 + 32, &a, false));
    a.port = 1;
    a.u8[0] = 3;
    assert_true(pkt_edit(p, 14 + 32, &a, false));
    assert_int_equal(icmp[0], 0);
    assert_int_equal(icmp[1], 3);
    assert_int_equal(fold(sum16(icmp, 12, 0)), 0);
}

/* An echo request of zeros (id, sequence and data 0) made a reply: its
 * checksum must be 0xffff, the only one that verifies, not 0x0000 (found by
 * tests/fuzz/fuzz-pkt-edit). */
static void
test_icmp_all_zero_reply_checksum_verifies(void **state)
{
    uint8_t p[14 + 20 + 8] = { 0 };
    uint8_t *ip = p + 14;
    uint8_t *icmp = ip + 20;

    (void) state;
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[3] = 20 + 8;
    ip[8] = 64;
    ip[9] = 1;
    icmp[0] = 8;
    uint16_t c = fold(sum16(icmp, 8, 0));
    icmp[2] = c >> 8;
    icmp[3] = c;

    struct dp_action a = { .type = DP_ACTION_SET_ICMP, .port = 0 };
    a.u8[0] = 0;
    assert_true(pkt_edit(p, sizeof p, &a, false));
    assert_int_equal(icmp[2], 0xff);
    assert_int_equal(icmp[3], 0xff);
    assert_int_equal(fold(sum16(icmp, 8, 0)), 0);
}

static void
test_arp_fields_rewrite(void **state)
{
    uint8_t p[64] = { 0 };
    uint8_t *arp = p + 14;

    (void) state;
    p[12] = 0x08;
    p[13] = 0x06;
    arp[7] = 1;
    struct dp_action a = { .type = DP_ACTION_SET_ARP, .port = DP_ARP_OP };
    a.be16 = htons(2);
    assert_true(pkt_edit(p, 42, &a, false));
    a.port = DP_ARP_TPA;
    a.be32 = htonl(0x0a000001);
    assert_true(pkt_edit(p, 42, &a, false));
    a.port = DP_ARP_SHA;
    memcpy(a.mac, "\x02\0\0\0\0\x07", 6);
    assert_true(pkt_edit(p, 42, &a, false));
    assert_int_equal(arp[7], 2);
    assert_memory_equal(arp + 24, "\x0a\0\0\x01", 4);
    assert_memory_equal(arp + 8, "\x02\0\0\0\0\x07", 6);
    /* A frame cut before the target address is left alone. */
    uint8_t q[64] = { 0 };
    memcpy(q, p, 40);
    a.port = DP_ARP_TPA;
    a.be32 = htonl(0x0b000002);
    assert_true(pkt_edit(q, 40, &a, false));
    assert_memory_equal(q + 38, "\x0a\0", 2);
}

/* Makes the TCP/UDP checksum of a packet from make_packet() partial, as a
 * guest's kernel hands it over: the pseudo-header's sum, not complemented,
 * the rest left for the output. */
static void
make_partial(uint8_t *ip)
{
    size_t ihl = (ip[0] & 0xf) * 4;
    size_t len = ((ip[2] << 8) | ip[3]) - ihl;
    uint8_t *field = ip + ihl + (ip[9] == 6 ? 16 : 6);
    uint16_t c = ~fold(sum16(ip + 12, 8, 0) + ip[9] + len);

    field[0] = c >> 8;
    field[1] = c;
}

/* What the output does with a partial checksum: sums the L4 header and
 * payload over the field and stores the complement. */
static void
finish_partial(uint8_t *ip)
{
    size_t ihl = (ip[0] & 0xf) * 4;
    size_t len = ((ip[2] << 8) | ip[3]) - ihl;
    uint8_t *field = ip + ihl + (ip[9] == 6 ? 16 : 6);
    uint16_t c = fold(sum16(ip + ihl, len, 0));

    field[0] = c >> 8;
    field[1] = c;
}

static void
test_rewrites_keep_partial_checksums_partial(void **state)
{
    (void) state;
    for (int proto = 6; proto <= 17; proto += 11) {
        uint8_t p[128];
        size_t len = make_packet(p, proto, false);
        uint8_t *ip = p + 14;
        struct dp_action a;

        make_partial(ip);
        memset(&a, 0, sizeof a);
        a.type = DP_ACTION_SET_IPV4_DST;
        a.be32 = htonl(0xac100005);
        assert_true(pkt_edit(p, len, &a, true));
        a.type = DP_ACTION_SET_IPV4_SRC;
        a.be32 = htonl(0xc0a80101);
        assert_true(pkt_edit(p, len, &a, true));
        a.type = DP_ACTION_SET_TP_DST;
        a.be16 = htons(5001);
        assert_true(pkt_edit(p, len, &a, true));

        /* Still partial: exactly the new pseudo-header's sum. */
        uint8_t want[128];
        memcpy(want, p, len);
        make_partial(want + 14);
        assert_memory_equal(p, want, len);
        /* And finished by the output, it verifies from scratch. */
        finish_partial(ip);
        assert_int_equal(l4_check(ip), 0);
        assert_int_equal(ip_check(ip), 0);
    }
}

/* ip_proto: the IPv4 header checksum, and the L4 checksum where it is
 * (a TCP header called UDP keeps its checksum at TCP's offset), verify
 * with the new protocol in the pseudo-header; a partial one stays the
 * pseudo-header's sum. */
static void
test_set_ip_proto_keeps_checksums(void **state)
{
    uint8_t p[128];
    size_t len = make_packet(p, 6, true);
    uint8_t *ip = p + 18;
    struct dp_action a = { .type = DP_ACTION_SET_IP_PROTO };

    (void) state;
    a.u8[0] = 17;
    assert_true(pkt_edit(p, len, &a, false));
    assert_int_equal(ip[9], 17);
    assert_int_equal(ip_check(ip), 0);
    assert_int_equal(l4_check(ip), 0);

    len = make_packet(p, 6, true);
    make_partial(ip);
    assert_true(pkt_edit(p, len, &a, true));
    uint16_t want = ~fold(sum16(ip + 12, 8, 0) + 17 + 25);
    assert_int_equal((ip[20 + 16] << 8) | ip[20 + 17], want);

    /* IPv6 behind a hop-by-hop header: that header's next header is the
     * one that changes, and the UDP checksum follows. */
    uint8_t q[128] = { 0 };
    uint8_t *ip6 = q + 14, *hbh = ip6 + 40, *udp = hbh + 8;
    q[12] = 0x86;
    q[13] = 0xdd;
    ip6[0] = 0x60;
    ip6[5] = 8 + 8 + 4;
    ip6[6] = 0;                 /* Hop-by-hop. */
    ip6[7] = 64;
    ip6[8 + 15] = 1;
    ip6[24 + 15] = 2;
    hbh[0] = 17;
    hbh[2] = 1;                 /* PadN option filling the header. */
    hbh[3] = 4;
    udp[1] = 1;
    udp[3] = 2;
    udp[5] = 12;
    memcpy(udp + 8, "abcd", 4);
    uint16_t c = fold(sum16(ip6 + 8, 32, 0) + 12 + 17 + sum16(udp, 12, 0));
    udp[6] = c >> 8;
    udp[7] = c;
    a.u8[0] = 6;
    assert_true(pkt_edit(q, 14 + 40 + 20, &a, false));
    assert_int_equal(ip6[6], 0);
    assert_int_equal(hbh[0], 6);
    assert_int_equal(fold(sum16(ip6 + 8, 32, 0) + 12 + 6 + sum16(udp, 12, 0)),
                     0);
}

/* The Ethertype after the tags; the TTL of the IPv4 packet beneath a
 * label stack (copy_ttl_in); a label stack entry other than the top. */
static void
test_set_eth_type_mpls_ip_ttl_and_lse(void **state)
{
    uint8_t p[128];
    size_t len = make_packet(p, 17, true);
    struct dp_action a = { .type = DP_ACTION_SET_ETH_TYPE };

    (void) state;
    a.be16 = htons(0x8848);
    assert_true(pkt_edit(p, len, &a, false));
    assert_memory_equal(p + 12, "\x81\x00\x00\x0a\x88\x48", 6);

    /* Two labels over IPv4 (TTL 64). */
    uint8_t m[160];
    len = make_packet(p, 17, false);
    memcpy(m, p, 12);
    memcpy(m + 12, "\x88\x47" "\x00\x0c\x80\x14" "\x00\x06\x41\x40", 10);
    memcpy(m + 22, p + 14, len - 14);
    len += 8;
    uint8_t *ip = m + 22;

    struct dp_action t = { .type = DP_ACTION_SET_MPLS_IP_TTL };
    t.u8[0] = 20;
    assert_true(pkt_edit(m, len, &t, false));
    assert_int_equal(ip[8], 20);
    assert_int_equal(ip_check(ip), 0);
    assert_int_equal(l4_check(ip), 0);

    struct dp_action l = { .type = DP_ACTION_SET_MPLS_LSE, .port = 1 };
    l.be32 = htonl((100 << 12) | (1 << 8) | 20);
    assert_true(pkt_edit(m, len, &l, false));
    assert_memory_equal(m + 14, "\x00\x0c\x80\x14" "\x00\x06\x41\x14", 8);
    /* No third label: nothing written. */
    l.port = 2;
    l.be32 = htonl(0xffffffff);
    assert_true(pkt_edit(m, len, &l, false));
    assert_memory_equal(m + 14, "\x00\x0c\x80\x14" "\x00\x06\x41\x14", 8);
    assert_int_equal(ip[0], 0x45);

    /* Not MPLS: the TTL of a plain IPv4 packet is not copy_ttl_in's. */
    len = make_packet(p, 17, false);
    assert_true(pkt_edit(p, len, &t, false));
    assert_int_equal(p[14 + 8], 64);
}

static void
test_clamp_ip_len_to_the_bytes_at_hand(void **state)
{
    uint8_t p[128];
    size_t len = make_packet(p, 6, true);
    uint8_t *ip = p + 18;

    (void) state;
    /* The headers of a 64 KB frame, of which 'len' bytes are at hand. */
    ip[2] = 0xff;
    ip[3] = 0xd0;
    pkt_clamp_ip_len(p, len, 18 + 0xffd0);
    assert_int_equal((ip[2] << 8) | ip[3], len - 18);
    /* A length that fits is left as it is. */
    pkt_clamp_ip_len(p, len, len);
    assert_int_equal((ip[2] << 8) | ip[3], len - 18);
    /* So is one beyond the end of the whole frame: the packet is
     * truncated, and its view must say so as the flow key does. */
    ip[2] = 0x10;
    ip[3] = 0x00;
    pkt_clamp_ip_len(p, len, 18 + 0x0fff);
    assert_int_equal((ip[2] << 8) | ip[3], 0x1000);
}

static void
test_clamp_ip_len_finds_ip_under_snap_and_mpls(void **state)
{
    /* 802.3 + LLC/SNAP, then MPLS (one label, bottom of stack), each with
     * an IPv4 header claiming 1000 bytes of which 40 are at hand. */
    static const uint8_t snap[] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00 };
    static const uint8_t lse[] = { 0x00, 0x06, 0x41, 0x40 };
    uint8_t p[128] = { 0 };
    uint8_t *ip;

    (void) state;
    p[12] = 0x00;
    p[13] = 0x40;               /* An 802.3 length. */
    memcpy(p + 14, snap, sizeof snap);
    ip = p + 22;
    ip[0] = 0x45;
    ip[2] = 0x03;
    ip[3] = 0xe8;
    pkt_clamp_ip_len(p, 22 + 40, 22 + 1000);
    assert_int_equal((ip[2] << 8) | ip[3], 40);

    memset(p, 0, sizeof p);
    p[12] = 0x88;
    p[13] = 0x47;
    memcpy(p + 14, lse, sizeof lse);
    ip = p + 18;
    ip[0] = 0x45;
    ip[2] = 0x03;
    ip[3] = 0xe8;
    pkt_clamp_ip_len(p, 18 + 40, 18 + 1000);
    assert_int_equal((ip[2] << 8) | ip[3], 40);
}

static void
test_non_set_actions_are_refused(void **state)
{
    struct dp_action a = { .type = DP_ACTION_OUTPUT };
    uint8_t p[64] = { 0 };

    (void) state;
    assert_false(pkt_edit(p, sizeof p, &a, false));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrites_keep_checksums_valid),
        cmocka_unit_test(test_udp_without_checksum_stays_without),
        cmocka_unit_test(test_truncated_frames_are_left_alone),
        cmocka_unit_test(test_ipv6_rewrite_keeps_udp_checksum),
        cmocka_unit_test(test_ipv6_rewrite_behind_extension_header),
        cmocka_unit_test(test_ipv6_chain_ends_with_the_payload),
        cmocka_unit_test(test_crc32c_check_value),
        cmocka_unit_test(test_dscp_remark_raises_af_drop_precedence),
        cmocka_unit_test(test_sctp_port_rewrite_keeps_crc32c_valid),
        cmocka_unit_test(test_nd_target_and_lla_rewrite_keeps_icmpv6_checksum),
        cmocka_unit_test(test_mpls_lse_rewrite),
        cmocka_unit_test(test_set_ip_proto_keeps_checksums),
        cmocka_unit_test(test_set_eth_type_mpls_ip_ttl_and_lse),
        cmocka_unit_test(test_icmp_type_rewrite_keeps_checksum),
        cmocka_unit_test(test_icmp_all_zero_reply_checksum_verifies),
        cmocka_unit_test(test_arp_fields_rewrite),
        cmocka_unit_test(test_non_set_actions_are_refused),
        cmocka_unit_test(test_rewrites_keep_partial_checksums_partial),
        cmocka_unit_test(test_clamp_ip_len_to_the_bytes_at_hand),
        cmocka_unit_test(test_clamp_ip_len_finds_ip_under_snap_and_mpls),
    };
    return cmocka_run_group_tests_name("pkt-edit", tests, NULL, NULL);
}
