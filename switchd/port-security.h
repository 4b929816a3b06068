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

struct pl_psec {
    struct eth_addr *macs;
    size_t n_macs;
    struct psec_prefix4 *v4;        /* NULL: IPv4 sources not checked. */
    size_t n_v4;
    struct psec_prefix6 *v6;        /* NULL: IPv6 sources not checked. */
    size_t n_v6;
};


/* Immutable once made; NULL when 'guest' has port security off. */
struct pl_psec *psec_create(const struct xvs_port_guest *guest);
void psec_destroy(struct pl_psec *);

/* -1 if 'flow' may pass, else the enum dp_drop_reason to drop it for.
 * Adds the fields it looked at to 'wc'.  Any thread. */
int psec_check(const struct pl_psec *, const struct flow *,
               struct flow_wildcards *);

#endif /* port-security.h */
