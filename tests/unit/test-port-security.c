/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for switchd/port-security's DHCP snooping: what a DHCPACK
 * grants, a DHCPNAK or the lease's end takes back, and frames that are
 * not quite DHCP replies (cut short anywhere, other MACs, tagged). */
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

/* A port with the guest's MAC and "ip: dhcp". */
static struct pl_psec *
dhcp_port(void)
{
    struct xvs_port_guest g;
    struct xvs_addr *a = NULL;
    size_t n = 0;

    memset(&g, 0, sizeof g);
    g.has_mac = true;
    memcpy(g.mac, GUEST, 6);
    assert_null(xvs_parse_addr_list("dhcp", false, &a, &n));
    g.ips = a;
    g.n_ips = n;
    struct pl_psec *ps = psec_create(&g, NULL);
    free(a);
    assert_non_null(ps);
    assert_true(psec_snoops_dhcp(ps));
    return ps;
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
    return o;
}

/* Whether the port may send UDP from 'src'. */
static bool
may_send_from(const struct pl_psec *ps, const char *src)
{
    struct flow flow;
    struct flow_wildcards wc;

    memset(&flow, 0, sizeof flow);
    flow_wildcards_init_catchall(&wc);
    memcpy(flow.dl_src.ea, GUEST, 6);
    flow.dl_type = htons(ETH_TYPE_IP);
    flow.nw_src = inet_addr(src);
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

    for (int i = 0; i < PSEC_MAX_LEASES + 3; i++) {
        snprintf(ip, sizeof ip, "10.0.1.%d", i + 1);
        size_t len = dhcp_frame(f, GUEST, ip, 5, 100 + i, false);
        assert_true(psec_learn_dhcp(ps, f, len, time_msec()));
    }
    assert_int_equal(psec_get_leases(ps, l), PSEC_MAX_LEASES);
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
    assert_int_equal(psec_get_leases(next, l), PSEC_MAX_LEASES);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psec_dhcp_ack_grants_until_the_lease_ends),
        cmocka_unit_test(test_psec_dhcp_nak_and_tags),
        cmocka_unit_test(test_psec_dhcp_keeps_at_most_its_leases),
        cmocka_unit_test(test_psec_dhcp_survives_any_cut),
    };
    return cmocka_run_group_tests_name("port-security", tests, NULL, NULL);
}
