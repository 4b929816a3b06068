/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port-security: what a guest may put on the wire.
 *
 * A port with port security on (struct xvs_port_guest) may send only
 * frames from its own MACs: the guest's 'mac' and the MACs among its
 * 'allowed-addresses'.  Its ARP must announce one of those MACs, and its
 * neighbour discovery messages may carry no other link-layer address.  If
 * the port has IPv4 addresses (its 'ip' and allowed prefixes), IPv4
 * sources and ARP sender addresses must be among them, DHCP's 0.0.0.0
 * excepted; if it has IPv6 ones, IPv6 sources and the targets of its
 * neighbour advertisements must be among them or be the link-local
 * addresses its MACs make (EUI-64), "::" excepted for ICMPv6 (duplicate
 * address detection, MLD).  A family with no address listed is not
 * checked, as Xen's own vif scripts leave it.  A guest never sends router
 * advertisements, redirects or DHCP/DHCPv6 server replies.
 *
 * DHCP snooping: a port whose 'ip' says "dhcp" may also use, as IPv4
 * source and ARP sender, each address a DHCP server leased to one of its
 * MACs, until the lease ends: translation sends a copy of each DHCP reply
 * that goes out of the port to the main thread (psec_dhcp_reply()), which
 * learns from its DHCPACK (yiaddr, lease time) or forgets the port's
 * IPv4 leases on a DHCPNAK (psec_learn_dhcp()), and psec_expire() ends
 * them.  "dhcp6" does the same for IPv6 with DHCPv6: each address (IA_NA
 * or IA_TA) of a Reply sent to one of the port's MACs, for its valid
 * lifetime (0 ends it), may be an IPv6 source and neighbour advertisement
 * target; with "dhcp6" the port's IPv6 is checked, and the link-local
 * addresses its MACs make are allowed, even if no IPv6 address is listed.
 * A prefix delegated to the guest (an IAPREFIX of an IA_PD in such a
 * Reply, /32 to /128) is leased the same way: any source within it.
 * A lease also ends when the guest gives it back: translation sends a
 * copy of each DHCP or DHCPv6 client message from such a port to the main
 * thread too (psec_dhcp_client()), and a DHCPRELEASE or DHCPDECLINE (or
 * DHCPv6 Release or Decline) from one of the port's MACs ends the lease
 * of each address it names, so that a guest cannot keep using an address
 * the server may now give another.
 * A port keeps at most PSEC_MAX_LEASES_FAMILY leases per family (the one
 * that ends first goes).  Whoever
 * changes the leases flushes the datapath's caches, in which earlier
 * verdicts on those addresses may be.  The leases live beside the
 * immutable rest, behind a mutex, and pass to the port's next pl_psec.
 *
 * The check runs in translation, before table 0, on the packet's flow; it
 * un-wildcards only what it looked at, so that its verdict is cached in
 * the megaflow like any other decision: a spoofed packet is dropped (and
 * counted with its reason) by the datapath at line rate, and NORMAL never
 * learns a spoofed MAC.
 */
#ifndef XVS_PORT_SECURITY_H
#define XVS_PORT_SECURITY_H 1

#include <stddef.h>

#include "openvswitch/types.h"
#include "packets.h"

struct flow;
struct flow_wildcards;
struct xvs_port_guest;

struct psec_prefix4 {
    ovs_be32 addr, mask;
};

struct psec_prefix6 {
    struct in6_addr addr, mask;
};

#define PSEC_MAX_LEASES_FAMILY 8
#define PSEC_MAX_LEASES (2 * PSEC_MAX_LEASES_FAMILY)

struct psec_lease {
    struct in6_addr addr;           /* IPv4 ones mapped (::ffff:a.b.c.d);
                                     * a prefix's host bits zero. */
    long long expires;              /* time_msec(); LLONG_MAX: never. */
    uint8_t plen;                   /* 128, or a delegated prefix's. */
};

struct psec_leases;

struct pl_psec {
    struct eth_addr *macs;
    size_t n_macs;
    struct psec_prefix4 *v4;        /* NULL: IPv4 sources not checked... */
    size_t n_v4;
    bool dhcp4;                     /* ...unless this ("dhcp") is set. */
    struct psec_prefix6 *v6;        /* NULL: IPv6 sources not checked. */
    size_t n_v6;
    bool dhcp6;                     /* "dhcp6" ('v6' is then nonnull). */
    struct psec_leases *leases;     /* If 'dhcp4' or 'dhcp6'. */
};


/* Immutable once made (but for the leases); NULL when 'guest' has port
 * security off.  The DHCP leases of 'old' (the port's previous pl_psec,
 * or NULL) carry over if 'guest' still says "dhcp" or "dhcp6" (those of a
 * family it no longer snoops are no longer used). */
struct pl_psec *psec_create(const struct xvs_port_guest *guest,
                            const struct pl_psec *old);
void psec_destroy(struct pl_psec *);

/* Whether the port learns addresses from DHCP or DHCPv6. */
static inline bool
psec_snoops_dhcp(const struct pl_psec *ps)
{
    return ps && ps->leases;
}

/* Whether it learns from DHCP replies of 'family' (4 or 6). */
static inline bool
psec_snoops_family(const struct pl_psec *ps, int family)
{
    return ps && (family == 4 ? ps->dhcp4 : family == 6 && ps->dhcp6);
}

/* 4 if 'flow' is a DHCP server's reply (IPv4, UDP from port 67 to 68), 6
 * if a DHCPv6 one (IPv6, UDP from 547 to 546), else 0.  Adds the fields
 * it looked at to 'wc'. */
int psec_dhcp_reply(const struct flow *, struct flow_wildcards *);

/* 4 if 'flow' is a DHCP client's message (IPv4, UDP from port 68 to 67),
 * 6 if a DHCPv6 one (IPv6, UDP from 546 to 547), else 0.  Adds the fields
 * it looked at to 'wc'. */
int psec_dhcp_client(const struct flow *, struct flow_wildcards *);

/* Learns from DHCP or DHCPv6 'frame' (Ethernet), for a family the port
 * snoops.  From a server, as sent to the port: a DHCPACK to one of the
 * port's MACs leases it 'yiaddr' for the lease time, a DHCPNAK to one of
 * them ends its IPv4 leases; a DHCPv6 Reply to one of its MACs leases it
 * each address of its IA_NA and IA_TA options and each prefix of its
 * IA_PD options whose status is success, for its valid lifetime (0: ends
 * it).  From the guest, as received on the port: a DHCPRELEASE from one
 * of its MACs ends the lease of 'ciaddr', a DHCPDECLINE that of its
 * requested address; a DHCPv6 Release or Decline from one of them ends
 * the lease of each address and prefix of its IA options.  Returns true if the addresses the port
 * may use changed.  Main thread. */
bool psec_learn_dhcp(const struct pl_psec *, const void *frame, size_t len,
                     long long now);

/* Ends the leases expired at 'now'; true if there were any. */
bool psec_expire(const struct pl_psec *, long long now);

/* The port's leases (at most PSEC_MAX_LEASES) into 'out'; returns how
 * many. */
size_t psec_get_leases(const struct pl_psec *,
                       struct psec_lease out[PSEC_MAX_LEASES]);

/* -1 if 'flow' may pass, else the enum dp_drop_reason to drop it for.
 * Adds the fields it looked at to 'wc'.  Any thread. */
int psec_check(const struct pl_psec *, const struct flow *,
               struct flow_wildcards *);

#endif /* port-security.h */
