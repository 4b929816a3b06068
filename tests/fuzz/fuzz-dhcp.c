/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-dhcp: port security's DHCP and DHCPv6 snooping (switchd/
 * port-security.c) on arbitrary frames, as a guest or a rogue server
 * could send them: no crash, no read past the frame (the input is a heap
 * block of exactly its size), and the leases stay within their bounds --
 * at most PSEC_MAX_LEASES_FAMILY per family, none with a multicast,
 * unspecified or link-local address, no delegated prefix shorter than
 * /32 or with host bits, none expired after psec_expire().
 *
 * Each input is tried as it is and with the guest's MAC written over
 * both Ethernet addresses and the BOOTP chaddr, so that the MAC checks
 * let the fuzzer reach the lease logic.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port-security.h"
#include "xvs-guest.h"
#include "util.h"

static const uint8_t GUEST[6] = { 0x02, 0x16, 0x3e, 0, 0, 0x51 };

static struct pl_psec *
guest_port(void)
{
    static struct pl_psec *ps;

    if (!ps) {
        struct xvs_port_guest g;
        memset(&g, 0, sizeof g);
        g.has_mac = true;
        memcpy(g.mac, GUEST, 6);
        if (xvs_parse_addr_list("dhcp dhcp6", false, &g.ips, &g.n_ips)) {
            abort();
        }
        ps = psec_create(&g, NULL);
        free(g.ips);
    }
    return ps;
}

static void
check_leases(const struct pl_psec *ps, long long now)
{
    struct psec_lease l[PSEC_MAX_LEASES];
    size_t n = psec_get_leases(ps, l), v4 = 0;

    for (size_t i = 0; i < n; i++) {
        const struct in6_addr *a = &l[i].addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            ovs_be32 ip = in6_addr_get_mapped_ipv4(a);
            v4++;
            if (!ip || ip == htonl(INADDR_BROADCAST)) {
                fprintf(stderr, "an IPv4 lease of 0.0.0.0 or broadcast\n");
                abort();
            }
        } else if (ipv6_addr_is_multicast(a) || ipv6_is_zero(a)
                   || IN6_IS_ADDR_LINKLOCAL(a)) {
            fprintf(stderr, "an IPv6 lease of a multicast, link-local or "
                    ":: address\n");
            abort();
        } else {
            struct in6_addr mask = ipv6_create_mask(l[i].plen);
            struct in6_addr host = ipv6_addr_bitand(a, &mask);
            if (l[i].plen < 32 || l[i].plen > 128
                || !ipv6_addr_equals(&host, a)) {
                fprintf(stderr, "a delegated prefix /%d, or with host "
                        "bits\n", l[i].plen);
                abort();
            }
        }
        if (l[i].expires <= now) {
            fprintf(stderr, "a lease expired but kept\n");
            abort();
        }
    }
    if (v4 > PSEC_MAX_LEASES_FAMILY || n - v4 > PSEC_MAX_LEASES_FAMILY) {
        fprintf(stderr, "%zu IPv4 and %zu IPv6 leases\n", v4, n - v4);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_psec *ps = guest_port();
    static long long now = 1000000;

    now += 1000;                /* A second between frames. */
    psec_learn_dhcp(ps, data, size, now);

    uint8_t *copy = xmemdup(data, size ? size : 1);
    if (size >= 12) {
        memcpy(copy, GUEST, 6);
        memcpy(copy + 6, GUEST, 6);
    }
    /* chaddr, if the frame is untagged IPv4 with a 20-byte header. */
    if (size >= 14 + 20 + 8 + 28 + 6) {
        memcpy(copy + 14 + 20 + 8 + 28, GUEST, 6);
    }
    psec_learn_dhcp(ps, copy, size, now);
    free(copy);

    psec_expire(ps, now);
    check_leases(ps, now);
    return 0;
}
