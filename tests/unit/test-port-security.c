/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for switchd/port-security's DHCP and DHCPv6 snooping: what a
 * DHCPACK or a DHCPv6 Reply grants, a DHCPNAK, a zero valid lifetime or
 * the lease's end takes back, and frames that are not quite replies (cut
 * short anywhere, other MACs, tagged, failed statuses). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"
#include "timeval.h"
#include "packets.h"
#include "switchd/port-security.h"
#include "xvs-guest.h"
#include "datapath/dp-actions.h"

static const uint8_t GUEST[6] = { 0x02, 0x16, 0x3e, 0, 0, 0x51 };
static const uint8_t OTHER[6] = { 0x02, 0x16, 0x3e, 0, 0, 0x52 };

/* A port with the guest's MAC and "ip: IPS". */
static struct pl_psec *
port_with_ips(const char *ips)
{
    struct xvs_port_guest g;
    struct xvs_addr *a = NULL;
    size_t n = 0;

    memset(&g, 0, sizeof g);
    g.has_mac = true;
    memcpy(g.mac, GUEST, 6);
    assert_null(xvs_parse_addr_list(ips, false, &a, &n));
    g.ips = a;
    g.n_ips = n;
    struct pl_psec *ps = psec_create(&g, NULL);
    free(a);
    assert_non_null(ps);
    assert_true(psec_snoops_dhcp(ps));
    return ps;
}

static struct pl_psec *
dhcp_port(void)
{
    return port_with_ips("dhcp");
}

/* A DHCP reply frame into 'buf' (type 5 ACK or 6 NAK; 'lease' < 0: no
 * lease option; 'vlan': one 802.1Q tag); returns its length. */
static size_t
dhcp_frame(uint8_t *buf, const uint8_t chaddr[6], const char *yiaddr,
           int type, long long lease, bool vlan)
{
    size_t o = 0;

    memcpy(buf, chaddr, 6);
    memcpy(buf + 6, OTHER, 6);
    o = 12;
    if (vlan) {
        buf[o++] = 0x81; buf[o++] = 0x00; buf[o++] = 0; buf[o++] = 10;
    }
    buf[o++] = 0x08; buf[o++] = 0x00;
    uint8_t *ip = buf + o;
    memset(ip, 0, 20);
    ip[0] = 0x45; ip[8] = 64; ip[9] = 17;
    o += 20;
    uint8_t *udp = buf + o;
    memset(udp, 0, 8);
    udp[1] = 67; udp[3] = 68;
    o += 8;
    uint8_t *b = buf + o;
    memset(b, 0, 240);
    b[0] = 2; b[1] = 1; b[2] = 6;
    ovs_be32 y = inet_addr(yiaddr);
    memcpy(b + 16, &y, 4);
    memcpy(b + 28, chaddr, 6);
    b[236] = 99; b[237] = 130; b[238] = 83; b[239] = 99;
    o += 240;
    buf[o++] = 53; buf[o++] = 1; buf[o++] = type;
    if (lease >= 0) {
        ovs_be32 l = htonl(lease);
        buf[o++] = 51; buf[o++] = 4;
        memcpy(buf + o, &l, 4);
        o += 4;
    }
    buf[o++] = 255;
    size_t udp_len = o - (size_t) (udp - buf);
    udp[4] = udp_len >> 8;
    udp[5] = udp_len & 255;
    return o;
}

/* Whether the port may send UDP from 'src' (IPv4 or IPv6). */
static bool
may_send_from(const struct pl_psec *ps, const char *src)
{
    struct flow flow;
    struct flow_wildcards wc;

    memset(&flow, 0, sizeof flow);
    flow_wildcards_init_catchall(&wc);
    memcpy(flow.dl_src.ea, GUEST, 6);
    if (strchr(src, ':')) {
        flow.dl_type = htons(ETH_TYPE_IPV6);
        assert_int_equal(inet_pton(AF_INET6, src, &flow.ipv6_src), 1);
    } else {
        flow.dl_type = htons(ETH_TYPE_IP);
        flow.nw_src = inet_addr(src);
    }
    flow.nw_proto = IPPROTO_UDP;
    flow.tp_src = flow.tp_dst = htons(5000);
    return psec_check(ps, &flow, &wc) < 0;
}

static void
test_psec_dhcp_ack_grants_until_the_lease_ends(void **state)
{
    struct pl_psec *ps = dhcp_port();
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    size_t len;
    long long now = time_msec();

    assert_false(may_send_from(ps, "10.0.0.51"));
    len = dhcp_frame(f, OTHER, "10.0.0.51", 5, 60, false);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* Not its MAC. */
    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, -1, false);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* No lease. */
    assert_false(may_send_from(ps, "10.0.0.51"));

    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, 60, false);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* Renewed. */
    assert_true(may_send_from(ps, "10.0.0.51"));
    assert_false(may_send_from(ps, "10.0.0.52"));
    assert_int_equal(psec_get_leases(ps, l), 1);
    assert_true(l[0].expires >= now + 60000);

    assert_false(psec_expire(ps, now + 59000));
    assert_true(psec_expire(ps, now + 60000 + 1000));
    assert_int_equal(psec_get_leases(ps, l), 0);
    assert_false(may_send_from(ps, "10.0.0.51"));
    psec_destroy(ps);
}

static void
test_psec_dhcp_nak_and_tags(void **state)
{
    struct pl_psec *ps = dhcp_port();
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    size_t len;

    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, UINT32_MAX, true);
    assert_true(psec_learn_dhcp(ps, f, len, 0));
    assert_int_equal(psec_get_leases(ps, l), 1);
    assert_true(l[0].expires == LLONG_MAX);             /* Infinite. */
    len = dhcp_frame(f, OTHER, "0.0.0.0", 6, -1, false);
    assert_false(psec_learn_dhcp(ps, f, len, 0));       /* Not its MAC. */
    len = dhcp_frame(f, GUEST, "0.0.0.0", 6, -1, false);
    assert_true(psec_learn_dhcp(ps, f, len, 0));
    assert_int_equal(psec_get_leases(ps, l), 0);
    psec_destroy(ps);
}

static void
test_psec_dhcp_keeps_at_most_its_leases(void **state)
{
    struct pl_psec *ps = dhcp_port();
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    char ip[32];

    for (int i = 0; i < PSEC_MAX_LEASES_FAMILY + 3; i++) {
        snprintf(ip, sizeof ip, "10.0.1.%d", i + 1);
        size_t len = dhcp_frame(f, GUEST, ip, 5, 100 + i, false);
        assert_true(psec_learn_dhcp(ps, f, len, time_msec()));
    }
    assert_int_equal(psec_get_leases(ps, l), PSEC_MAX_LEASES_FAMILY);
    /* The ones that ended first went. */
    assert_false(may_send_from(ps, "10.0.1.1"));
    assert_true(may_send_from(ps, "10.0.1.11"));

    /* The leases pass to the port's next settings. */
    struct xvs_port_guest g;
    memset(&g, 0, sizeof g);
    g.has_mac = true;
    memcpy(g.mac, GUEST, 6);
    assert_null(xvs_parse_addr_list("dhcp", false, &g.ips, &g.n_ips));
    struct pl_psec *next = psec_create(&g, ps);
    psec_destroy(ps);
    assert_int_equal(psec_get_leases(next, l), PSEC_MAX_LEASES_FAMILY);
    psec_destroy(next);
    free(g.ips);
}

static void
test_psec_dhcp_survives_any_cut(void **state)
{
    struct pl_psec *ps = dhcp_port();
    uint8_t f[600];
    size_t len = dhcp_frame(f, GUEST, "10.0.0.51", 5, 60, true);

    /* Every prefix of the frame, in a buffer of its own size (so that
     * AddressSanitizer sees a read beyond it). */
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = xmemdup(f, n ? n : 1);
        psec_learn_dhcp(ps, cut, n, 0);
        free(cut);
    }
    /* An option whose length runs past the end: ignored. */
    f[len - 1] = 51;
    uint8_t *bad = xmemdup(f, len);
    assert_false(psec_learn_dhcp(ps, bad, len, 0));
    free(bad);
    psec_destroy(ps);
}

/* ---- DHCPv6 ---- */

/* A DHCPv6 message from a server (547 -> 546) to 'dst' into 'buf': type
 * 'type' (7: Reply), one IA_NA with 'addr' valid for 'valid' seconds
 * (NULL: no address), the IA's status 'ia_status' and the message's
 * 'status' (-1: no such option); returns its length. */
static size_t
dhcp6_frame(uint8_t *buf, const uint8_t dst[6], int type, const char *addr,
            uint32_t valid, int ia_status, int status)
{
    size_t o = 0;

    memcpy(buf, dst, 6);
    memcpy(buf + 6, OTHER, 6);
    buf[12] = 0x86; buf[13] = 0xdd;
    o = 14;
    uint8_t *ip6 = buf + o;
    memset(ip6, 0, 40);
    ip6[0] = 0x60; ip6[6] = 17; ip6[7] = 64;
    o += 40;
    uint8_t *udp = buf + o;
    memset(udp, 0, 8);
    udp[0] = 547 >> 8; udp[1] = 547 & 255; udp[2] = 546 >> 8;
    udp[3] = 546 & 255;
    o += 8;
    buf[o++] = type; buf[o++] = 1; buf[o++] = 2; buf[o++] = 3;
#define PUT16(V) (buf[o++] = (V) >> 8, buf[o++] = (V) & 255)
#define PUT32(V) (PUT16((V) >> 16), PUT16((V) & 0xffff))
    if (status >= 0) {
        PUT16(13); PUT16(2); PUT16(status);
    }
    size_t ia = o;
    PUT16(3); PUT16(0);
    PUT32(1); PUT32(100); PUT32(200);           /* IAID, T1, T2. */
    if (addr) {
        PUT16(5); PUT16(24);
        assert_int_equal(inet_pton(AF_INET6, addr, buf + o), 1);
        o += 16;
        PUT32(valid / 2); PUT32(valid);         /* Preferred, valid. */
    }
    if (ia_status >= 0) {
        PUT16(13); PUT16(2); PUT16(ia_status);
    }
    buf[ia + 2] = (o - ia - 4) >> 8;
    buf[ia + 3] = (o - ia - 4) & 255;
    udp[4] = (o - 54) >> 8;             /* UDP length. */
    udp[5] = (o - 54) & 255;
#undef PUT16
#undef PUT32
    return o;
}

static void
test_psec_dhcp6_reply_grants_for_the_valid_lifetime(void **state)
{
    struct pl_psec *ps = port_with_ips("dhcp6");
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    size_t len;
    long long now = time_msec();

    /* Checked now, the SLAAC link-local of its MAC excepted; IPv4 is
     * not. */
    assert_false(may_send_from(ps, "2001:db8::51"));
    assert_true(may_send_from(ps, "fe80::16:3eff:fe00:51"));
    assert_true(may_send_from(ps, "192.0.2.99"));

    len = dhcp6_frame(f, OTHER, 7, "2001:db8::51", 60, -1, -1);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* Not its MAC. */
    len = dhcp6_frame(f, GUEST, 2, "2001:db8::51", 60, -1, -1);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* Advertise. */
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, 2, -1);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* NoAddrsAvail. */
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, -1, 1);
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* UnspecFail. */
    assert_false(may_send_from(ps, "2001:db8::51"));

    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, 0, 0);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(psec_learn_dhcp(ps, f, len, now));     /* Renewed. */
    assert_true(may_send_from(ps, "2001:db8::51"));
    assert_false(may_send_from(ps, "2001:db8::52"));
    assert_int_equal(psec_get_leases(ps, l), 1);
    assert_true(l[0].expires >= now + 60000);

    /* A neighbour advertisement for it is the guest's to make. */
    struct flow na;
    struct flow_wildcards wc;
    memset(&na, 0, sizeof na);
    flow_wildcards_init_catchall(&wc);
    memcpy(na.dl_src.ea, GUEST, 6);
    na.dl_type = htons(ETH_TYPE_IPV6);
    inet_pton(AF_INET6, "fe80::16:3eff:fe00:51", &na.ipv6_src);
    na.nw_proto = IPPROTO_ICMPV6;
    na.tp_src = htons(ND_NEIGHBOR_ADVERT);
    inet_pton(AF_INET6, "2001:db8::51", &na.nd_target);
    assert_true(psec_check(ps, &na, &wc) < 0);
    inet_pton(AF_INET6, "2001:db8::52", &na.nd_target);
    assert_int_equal(psec_check(ps, &na, &wc), DP_DROP_SPOOF_ND);

    /* Ethernet padding after the message changes nothing: renewed for
     * 120 s. */
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 120, -1, -1);
    memset(f + len, 0xee, 16);
    assert_false(psec_learn_dhcp(ps, f, len + 16, now));
    assert_int_equal(psec_get_leases(ps, l), 1);
    assert_true(l[0].expires >= now + 120000);

    /* A valid lifetime of 0 ends it (the server withdraws it). */
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 0, -1, -1);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "2001:db8::51"));

    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, -1, -1);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_true(psec_expire(ps, now + 61000));
    assert_false(may_send_from(ps, "2001:db8::51"));
    psec_destroy(ps);
}

static void
test_psec_dhcp_families_apart(void **state)
{
    uint8_t f[600];
    size_t len;

    /* "dhcp" learns nothing from DHCPv6, "dhcp6" nothing from DHCP. */
    struct pl_psec *v4 = port_with_ips("dhcp");
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, -1, -1);
    assert_false(psec_learn_dhcp(v4, f, len, 0));
    assert_true(may_send_from(v4, "2001:db8::51"));    /* Not checked. */
    psec_destroy(v4);

    struct pl_psec *v6 = port_with_ips("dhcp6");
    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, 60, false);
    assert_false(psec_learn_dhcp(v6, f, len, 0));
    psec_destroy(v6);

    /* An IPv4-mapped address in a DHCPv6 Reply is no lease of either
     * family. */
    struct pl_psec *mapped = port_with_ips("dhcp dhcp6");
    len = dhcp6_frame(f, GUEST, 7, "::ffff:10.0.0.51", 60, -1, -1);
    assert_false(psec_learn_dhcp(mapped, f, len, 0));
    assert_false(may_send_from(mapped, "10.0.0.51"));
    assert_false(may_send_from(mapped, "::ffff:10.0.0.51"));
    psec_destroy(mapped);

    /* Both: a DHCPNAK ends the IPv4 lease only. */
    struct pl_psec *both = port_with_ips("dhcp dhcp6");
    struct psec_lease l[PSEC_MAX_LEASES];
    long long now = time_msec();
    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, 60, false);
    assert_true(psec_learn_dhcp(both, f, len, now));
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, -1, -1);
    assert_true(psec_learn_dhcp(both, f, len, now));
    assert_int_equal(psec_get_leases(both, l), 2);
    len = dhcp_frame(f, GUEST, "0.0.0.0", 6, -1, false);
    assert_true(psec_learn_dhcp(both, f, len, now));
    assert_int_equal(psec_get_leases(both, l), 1);
    assert_true(may_send_from(both, "2001:db8::51"));
    assert_false(may_send_from(both, "10.0.0.51"));
    psec_destroy(both);
}

static void
test_psec_dhcp6_survives_any_cut(void **state)
{
    struct pl_psec *ps = port_with_ips("dhcp6");
    uint8_t f[600];
    size_t len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, 0, 0);

    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = xmemdup(f, n ? n : 1);
        psec_learn_dhcp(ps, cut, n, 0);
        free(cut);
    }
    /* A length that lies: the IA (the last 44 bytes) claims more than
     * there is. */
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 60, -1, -1);
    f[len - 44 + 2] = 0x7f;
    uint8_t *bad = xmemdup(f, len);
    assert_false(psec_learn_dhcp(ps, bad, len, 0));
    free(bad);
    psec_destroy(ps);
}

/* ---- Releases and declines from the guest ---- */

/* Makes the DHCP or DHCPv6 server reply 'buf' (from dhcp_frame() or
 * dhcp6_frame(), untagged) a client's message from the guest's 'src' to
 * the server: addresses and ports swapped, and for DHCP op BOOTREQUEST,
 * 'ciaddr' set (NULL: 0.0.0.0). */
static void
to_client(uint8_t *buf, const uint8_t src[6], const char *ciaddr)
{
    uint8_t *udp;

    memcpy(buf, OTHER, 6);
    memcpy(buf + 6, src, 6);
    if (buf[12] == 0x08) {
        udp = buf + 14 + 20;
        udp[1] = 68; udp[3] = 67;
        udp[8] = 1;                             /* BOOTREQUEST. */
        ovs_be32 c = ciaddr ? inet_addr(ciaddr) : 0;
        memcpy(udp + 8 + 12, &c, 4);
    } else {
        udp = buf + 14 + 40;
        udp[0] = 546 >> 8; udp[1] = 546 & 255;
        udp[2] = 547 >> 8; udp[3] = 547 & 255;
    }
}

/* A DHCPDECLINE of 'addr' from the guest: the request's option 50. */
static size_t
dhcp_decline_frame(uint8_t *f, const char *addr)
{
    size_t len = dhcp_frame(f, GUEST, "0.0.0.0", 4, -1, false);
    ovs_be32 a = inet_addr(addr);

    to_client(f, GUEST, NULL);
    len--;                                      /* Over the end option. */
    f[len++] = 50; f[len++] = 4;
    memcpy(f + len, &a, 4);
    len += 4;
    f[len++] = 255;
    size_t udp_len = len - (14 + 20);
    f[14 + 20 + 4] = udp_len >> 8;
    f[14 + 20 + 5] = udp_len & 255;
    return len;
}

static void
test_psec_dhcp_release_and_decline_end_the_lease(void **state)
{
    struct pl_psec *ps = dhcp_port();
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    size_t len;
    long long now = time_msec();

    len = dhcp_frame(f, GUEST, "10.0.0.51", 5, 600, false);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    len = dhcp_frame(f, GUEST, "10.0.0.53", 5, 600, false);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_true(may_send_from(ps, "10.0.0.51"));

    /* A release from another MAC, of another address, or one sent the
     * server's way round: nothing ends. */
    len = dhcp_frame(f, OTHER, "0.0.0.0", 7, -1, false);
    to_client(f, OTHER, "10.0.0.51");
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp_frame(f, GUEST, "0.0.0.0", 7, -1, false);
    to_client(f, GUEST, "10.0.0.52");
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp_frame(f, GUEST, "10.0.0.51", 7, -1, false);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    /* A "NAK" from the client is no NAK. */
    len = dhcp_frame(f, GUEST, "0.0.0.0", 6, -1, false);
    to_client(f, GUEST, NULL);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    /* A request (renewal) from the guest changes nothing either. */
    len = dhcp_frame(f, GUEST, "0.0.0.0", 3, -1, false);
    to_client(f, GUEST, "10.0.0.51");
    assert_false(psec_learn_dhcp(ps, f, len, now));
    assert_true(may_send_from(ps, "10.0.0.51"));
    assert_int_equal(psec_get_leases(ps, l), 2);

    /* The guest releases .51: gone; .53 stays. */
    len = dhcp_frame(f, GUEST, "0.0.0.0", 7, -1, false);
    to_client(f, GUEST, "10.0.0.51");
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "10.0.0.51"));
    assert_true(may_send_from(ps, "10.0.0.53"));

    /* It declines .53 (the address it asks about, option 50). */
    len = dhcp_decline_frame(f, "10.0.0.53");
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "10.0.0.53"));
    assert_int_equal(psec_get_leases(ps, l), 0);

    /* Every prefix of a decline, in a buffer of its own size. */
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = xmemdup(f, n ? n : 1);
        psec_learn_dhcp(ps, cut, n, now);
        free(cut);
    }
    psec_destroy(ps);
}

static void
test_psec_dhcp6_release_and_decline_end_the_lease(void **state)
{
    struct pl_psec *ps = port_with_ips("dhcp6");
    uint8_t f[600];
    size_t len;
    long long now = time_msec();

    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 600, -1, -1);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::53", 600, -1, -1);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_true(may_send_from(ps, "2001:db8::51"));

    /* From another MAC; a Renew (5); a "Reply" from the client; a
     * Release the server's way round: nothing ends. */
    len = dhcp6_frame(f, GUEST, 8, "2001:db8::51", 0, -1, -1);
    to_client(f, OTHER, NULL);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_frame(f, GUEST, 5, "2001:db8::51", 0, -1, -1);
    to_client(f, GUEST, NULL);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_frame(f, GUEST, 7, "2001:db8::51", 0, -1, -1);
    to_client(f, GUEST, NULL);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_frame(f, GUEST, 8, "2001:db8::51", 0, -1, -1);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    assert_true(may_send_from(ps, "2001:db8::51"));

    /* Released, whatever lifetime the client wrote; then declined. */
    len = dhcp6_frame(f, GUEST, 8, "2001:db8::51", 3600, -1, -1);
    to_client(f, GUEST, NULL);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "2001:db8::51"));
    assert_true(may_send_from(ps, "2001:db8::53"));
    len = dhcp6_frame(f, GUEST, 9, "2001:db8::53", 0, -1, -1);
    to_client(f, GUEST, NULL);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "2001:db8::53"));
    psec_destroy(ps);
}

/* Which packets translation copies to the main thread from the guest. */
static void
test_psec_dhcp_client_messages_are_told(void **state)
{
    struct flow flow;
    struct flow_wildcards wc;

    memset(&flow, 0, sizeof flow);
    flow_wildcards_init_catchall(&wc);
    flow.dl_type = htons(ETH_TYPE_IP);
    flow.nw_proto = IPPROTO_UDP;
    flow.tp_src = htons(68);
    flow.tp_dst = htons(67);
    assert_int_equal(psec_dhcp_client(&flow, &wc), 4);
    assert_int_equal(wc.masks.tp_src, OVS_BE16_MAX);
    flow.tp_src = htons(67);
    flow.tp_dst = htons(68);
    assert_int_equal(psec_dhcp_client(&flow, &wc), 0);   /* A reply. */
    flow.dl_type = htons(ETH_TYPE_IPV6);
    flow.tp_src = htons(546);
    flow.tp_dst = htons(547);
    assert_int_equal(psec_dhcp_client(&flow, &wc), 6);
    flow.nw_proto = IPPROTO_TCP;
    assert_int_equal(psec_dhcp_client(&flow, &wc), 0);
    flow.dl_type = htons(ETH_TYPE_ARP);
    assert_int_equal(psec_dhcp_client(&flow, &wc), 0);
}

/* A DHCPv6 message of 'type' to the guest delegating 'prefix'/'plen' for
 * 'valid' seconds: dhcp6_frame()'s, its IA_NA made an IA_PD with one
 * IAPREFIX. */
static size_t
dhcp6_pd_frame(uint8_t *buf, int type, const char *prefix, int plen,
               uint32_t valid)
{
    size_t o = dhcp6_frame(buf, GUEST, type, NULL, 0, -1, -1);
    size_t ia = 14 + 40 + 8 + 4;                /* After the header. */
    uint32_t pref = htonl(valid / 2), val = htonl(valid);

    assert_int_equal(buf[ia + 1], 3);           /* The IA_NA... */
    buf[ia + 1] = 25;                           /* ...an IA_PD. */
    buf[o++] = 0; buf[o++] = 26; buf[o++] = 0; buf[o++] = 25;
    memcpy(buf + o, &pref, 4);
    memcpy(buf + o + 4, &val, 4);
    buf[o + 8] = plen;
    assert_int_equal(inet_pton(AF_INET6, prefix, buf + o + 9), 1);
    o += 25;
    buf[ia + 2] = (o - ia - 4) >> 8;
    buf[ia + 3] = (o - ia - 4) & 255;
    buf[14 + 40 + 4] = (o - 54) >> 8;           /* UDP length. */
    buf[14 + 40 + 5] = (o - 54) & 255;
    return o;
}

static void
test_psec_dhcp6_delegated_prefix(void **state)
{
    struct pl_psec *ps = port_with_ips("dhcp6");
    struct psec_lease l[PSEC_MAX_LEASES];
    uint8_t f[600];
    size_t len;
    long long now = time_msec();

    assert_false(may_send_from(ps, "2001:db8:1500:7::1"));
    /* Too short a prefix, a link-local or multicast one: ignored. */
    len = dhcp6_pd_frame(f, 7, "2001::", 16, 600);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_pd_frame(f, 7, "fe80::", 64, 600);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_pd_frame(f, 7, "ff00::", 64, 600);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_pd_frame(f, 7, "2001:db8:1500::", 129, 600);
    assert_false(psec_learn_dhcp(ps, f, len, now));
    assert_int_equal(psec_get_leases(ps, l), 0);

    /* Delegated, with host bits set that do not count. */
    len = dhcp6_pd_frame(f, 7, "2001:db8:1500::1", 48, 600);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_int_equal(psec_get_leases(ps, l), 1);
    assert_int_equal(l[0].plen, 48);
    char s6[INET6_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET6, &l[0].addr, s6, sizeof s6),
                        "2001:db8:1500::");
    assert_true(may_send_from(ps, "2001:db8:1500:7::1"));
    assert_true(may_send_from(ps, "2001:db8:1500:ffff::99"));
    assert_false(may_send_from(ps, "2001:db8:1501::1"));

    /* Renewed: no change; then a Release of it from the guest ends it. */
    assert_false(psec_learn_dhcp(ps, f, len, now));
    len = dhcp6_pd_frame(f, 8, "2001:db8:1500::", 48, 0);
    to_client(f, GUEST, NULL);
    assert_true(psec_learn_dhcp(ps, f, len, now));
    assert_false(may_send_from(ps, "2001:db8:1500:7::1"));
    assert_int_equal(psec_get_leases(ps, l), 0);

    /* Every prefix of a delegation, in a buffer of its own size. */
    len = dhcp6_pd_frame(f, 7, "2001:db8:1500::", 48, 600);
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = xmemdup(f, n ? n : 1);
        psec_learn_dhcp(ps, cut, n, now);
        free(cut);
    }
    psec_destroy(ps);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psec_dhcp_ack_grants_until_the_lease_ends),
        cmocka_unit_test(test_psec_dhcp_nak_and_tags),
        cmocka_unit_test(test_psec_dhcp_keeps_at_most_its_leases),
        cmocka_unit_test(test_psec_dhcp_survives_any_cut),
        cmocka_unit_test(test_psec_dhcp6_reply_grants_for_the_valid_lifetime),
        cmocka_unit_test(test_psec_dhcp_families_apart),
        cmocka_unit_test(test_psec_dhcp6_survives_any_cut),
        cmocka_unit_test(test_psec_dhcp_release_and_decline_end_the_lease),
        cmocka_unit_test(test_psec_dhcp6_release_and_decline_end_the_lease),
        cmocka_unit_test(test_psec_dhcp_client_messages_are_told),
        cmocka_unit_test(test_psec_dhcp6_delegated_prefix),
    };
    return cmocka_run_group_tests_name("port-security", tests, NULL, NULL);
}
