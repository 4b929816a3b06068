#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Port security with "ip: dhcp": a guest may use the IPv4 address a DHCP
# server leased it, as long as the lease lasts, and no other; with
# "ip: dhcp6", the IPv6 address a DHCPv6 Reply assigned it, for its valid
# lifetime.  The guest
# has the address configured all along (as a guest that kept it would);
# its pings to the server get through only between a DHCPACK for its MAC
# and the lease's end, a DHCPNAK, or the guest's own DHCPRELEASE (DHCPv6:
# a Reply, and its valid lifetime or the guest's Release).  An ACK for
# another MAC grants
# nothing; the leases survive a change of the port's settings; "dhcp" is
# saved and shown.
. "$(dirname "$0")/lib.sh"
begin
command -v python3 >/dev/null || skip_all "needs python3"
command -v socat >/dev/null || skip_all "needs socat"
SPOOF=$top_srcdir/tests/integration/spoof.py

add_guest xvs-g150 vif150.0 10.150.0.1      # the DHCP server
add_guest xvs-g151 vif151.0 10.150.0.51     # its client
add_guest xvs-g152 vif152.0 10.150.0.52     # a DHCPv6 client
M150=$(guest_mac xvs-g150)
M151=$(guest_mac xvs-g151)
M152=$(guest_mac xvs-g152)
guest_ipv6 xvs-g150 vif150.0 2001:db8:150::1
guest_ipv6 xvs-g152 vif152.0 2001:db8:150::52
# Static neighbours: the client's solicitations from its address would be
# dropped before the lease like the rest of its traffic.
ip -n xvs-g150 -6 neigh replace 2001:db8:150::52 lladdr "$M152" dev eth0
ip -n xvs-g152 -6 neigh replace 2001:db8:150::1 lladdr "$M150" dev eth0
write_config <<YAML
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif150.0, type: xenvif}
      - name: vif151.0
        type: xenvif
        mac: "$M151"
        ip: [dhcp]
      - name: vif152.0
        type: xenvif
        mac: "$M152"
        ip: [dhcp6]
YAML
check "xvs-switchd starts" start_switchd
# leases PORT: the "dhcp leases:" line of PORT in show.
leases() { ctl show | grep -A3 "port $1:" | grep 'dhcp leases:'; }
check "show lists the port's leases: none yet" \
    grep_in "$(leases vif151.0)" "dhcp leases: none"

# server KIND ARGS...: the server sends one DHCP reply.
server() {
    COUNT=1 ip netns exec xvs-g150 python3 "$SPOOF" eth0 "$@"
}
drops() {
    v=$(port_stat vif151.0 "$1")
    echo "${v:-0}"
}
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "without a lease, the guest's address gets nowhere"
else
    ok "without a lease, the guest's address gets nowhere"
fi
check "its ARP is counted as spoof-arp" test "$(drops spoof-arp)" -ge 1

check "a DHCPACK for another MAC" server dhcp-ack 10.150.0.1 "$M150" 10.150.0.51 60
check "grants it nothing" grep_in "$(leases vif151.0)" "dhcp leases: none"

check "a DHCPACK for its MAC, 10.150.0.51 for 6 s" \
    server dhcp-ack 10.150.0.1 "$M151" 10.150.0.51 6
leased() { grep_in "$(leases vif151.0)" "dhcp leases: 10.150.0.51 \([1-6] s left\)"; }
check "show lists the lease" wait_for 30 leased
check "and its JSON" \
    grep_in "$(ctl --format=json show | tr -d ' \n')" '"dhcp_leases":\[\{[^]]*"ip":"10.150.0.51"'
check "the guest reaches the server from its leased address" \
    wait_for 6 ping_ok xvs-g151 10.150.0.1 1
ended() { grep_in "$(leases vif151.0)" "dhcp leases: none"; }
check "the lease ends after 6 s" wait_for 60 ended
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "then the address gets nowhere again"
else
    ok "then the address gets nowhere again"
fi

check "a renewed lease of an hour" \
    server dhcp-ack 10.150.0.1 "$M151" 10.150.0.51 3600
check "lets it through again" wait_for 30 ping_ok xvs-g151 10.150.0.1 1
random_file "$T/data" 4
check "TCP from the leased address to the server: 4 MiB arrive intact" \
    tcp_send xvs-g151 xvs-g150 10.150.0.1 "$T/data"
udp_server xvs-g150 10.150.0.1 7150
check "UDP from it reaches a socket on the server and comes back" \
    udp_echo_ok xvs-g151 10.150.0.1 7150 1 512 1472 4000
check "set-port (port security settings made anew)" \
    ctl set-port xenbr0 vif151.0 "allowed-addresses=10.150.9.0/24"
check "keeps the lease" grep_in "$(leases vif151.0)" "dhcp leases: 10.150.0.51 \([0-9]+ s left\)"
check "and the guest's traffic" ping_ok xvs-g151 10.150.0.1 1
check "a DHCPNAK for its MAC" server dhcp-nak 10.150.0.1 "$M151"
check "ends its leases" wait_for 30 ended
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "and the address gets nowhere"
else
    ok "and the address gets nowhere"
fi

# The guest gives its address back (dhclient -r): the server may lease it
# to another guest now, so this one may no longer use it.
check "leased again for an hour" \
    server dhcp-ack 10.150.0.1 "$M151" 10.150.0.51 3600
check "the guest's traffic passes again" wait_for 30 ping_ok xvs-g151 10.150.0.1 1
check "the guest sends a DHCPRELEASE of 10.150.0.51" \
    env COUNT=1 ip netns exec xvs-g151 python3 "$SPOOF" eth0 dhcp-release \
    10.150.0.51 10.150.0.1
check "which ends the lease" wait_for 30 ended
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "and its address gets nowhere after the release"
else
    ok "and its address gets nowhere after the release"
fi

# Settings: saved, shown, refused where they mean nothing.
check "ip: dhcp is saved" grep -q 'ip: \["dhcp"\]' "$T/xvs.yaml"
check "and shown" grep_in "$(ctl show)" "ip dhcp,"
out=$(ctl set-port xenbr0 vif151.0 allowed-addresses=dhcp 2>&1)
check "allowed-addresses refuses dhcp ($out)" \
    grep_in "$out" "allowed-addresses: expected an IPv4 or IPv6 address or prefix or a MAC address, got \"dhcp\""

# DHCPv6: the Reply's address, for its valid lifetime.
ping6_quick() {
    ip netns exec "$1" ping -6 -c "$3" -i 0.2 -W 1 -q "$2" >/dev/null 2>&1
}
leases6() { leases vif152.0; }
check "the DHCPv6 client's port has no lease" \
    grep_in "$(leases6)" "dhcp leases: none"
if ping6_quick xvs-g152 2001:db8:150::1 2; then
    not_ok "without a lease, its IPv6 address gets nowhere"
else
    ok "without a lease, its IPv6 address gets nowhere"
fi
spoofed6() { v=$(port_stat vif152.0 spoof-ip); [ "${v:-0}" -ge 1 ]; }
check "its packets are counted as spoof-ip" spoofed6
check "a DHCPv6 Reply to another MAC" \
    server dhcp6-reply "$M151" 2001:db8:150::52 2001:db8:150::52 60
check "grants it nothing" grep_in "$(leases6)" "dhcp leases: none"
check "a DHCPv6 Reply to its MAC: 2001:db8:150::52 for 60 s" \
    server dhcp6-reply "$M152" 2001:db8:150::52 2001:db8:150::52 60
leased6() { grep_in "$(leases6)" "dhcp leases: 2001:db8:150::52 \([0-9]+ s left\)"; }
check "show lists the IPv6 lease" wait_for 30 leased6
check "and its JSON" \
    grep_in "$(ctl --format=json show | tr -d ' \n')" '"dhcp_leases":\[\{[^]]*"ip":"2001:db8:150::52"'
check "the guest reaches the server from its assigned address" \
    wait_for 10 ping6_quick xvs-g152 2001:db8:150::1 1
check "a Reply with a valid lifetime of 0 (the server takes it back)" \
    server dhcp6-reply "$M152" 2001:db8:150::52 2001:db8:150::52 0
ended6() { grep_in "$(leases6)" "dhcp leases: none"; }
check "ends the lease" wait_for 30 ended6
if ping6_quick xvs-g152 2001:db8:150::1 2; then
    not_ok "and its address gets nowhere again"
else
    ok "and its address gets nowhere again"
fi
check "a Reply to its MAC again, for an hour" \
    server dhcp6-reply "$M152" 2001:db8:150::52 2001:db8:150::52 3600
check "its IPv6 traffic passes again" \
    wait_for 30 ping6_quick xvs-g152 2001:db8:150::1 1
check "TCP over IPv6 from the assigned address: 4 MiB arrive intact" \
    tcp_send xvs-g152 xvs-g150 2001:db8:150::1 "$T/data"
udp_server xvs-g150 2001:db8:150::1 7151
check "UDP over IPv6 from it reaches a socket and comes back" \
    udp_echo_ok xvs-g152 2001:db8:150::1 7151 1 512 1452 4000
check "the guest sends a DHCPv6 Release of 2001:db8:150::52" \
    env COUNT=1 ip netns exec xvs-g152 python3 "$SPOOF" eth0 dhcp6-release \
    2001:db8:150::52
check "which ends the lease" wait_for 30 ended6
if ping6_quick xvs-g152 2001:db8:150::1 2; then
    not_ok "and its IPv6 address gets nowhere after the release"
else
    ok "and its IPv6 address gets nowhere after the release"
fi
# A routing guest: DHCPv6 delegates it 2001:db8:1500::/48 for the
# networks behind it, whose addresses it may then send from.
ip -n xvs-g152 -6 addr add 2001:db8:1500:7::1/128 dev eth0 nodad
ip -n xvs-g152 -6 addr add 2001:db8:1501::1/128 dev eth0 nodad
ip -n xvs-g150 -6 route replace 2001:db8:1500::/47 via 2001:db8:150::52 \
    dev eth0
# ping6_from NS SRC DST: one ping from source SRC, answered within 1 s.
ping6_from() {
    ip netns exec "$1" ping -6 -c 1 -W 1 -q -I "$2" "$3" >/dev/null 2>&1
}
if ping6_from xvs-g152 2001:db8:1500:7::1 2001:db8:150::1; then
    not_ok "before a delegation, an address of 2001:db8:1500::/48 gets nowhere"
else
    ok "before a delegation, an address of 2001:db8:1500::/48 gets nowhere"
fi
check "a Reply to its MAC delegating 2001:db8:1500::/48 for an hour" \
    server dhcp6-pd-reply "$M152" 2001:db8:150::52 2001:db8:1500::/48 3600
pd_leased() { grep_in "$(leases6)" "dhcp leases: 2001:db8:1500::/48 \([0-9]+ s left\)"; }
check "show lists the delegated prefix" wait_for 30 pd_leased
check "and its JSON" \
    grep_in "$(ctl --format=json show | tr -d ' \n')" '"ip":"2001:db8:1500::/48"'
check "an address within the prefix reaches the server" \
    wait_for 10 ping6_from xvs-g152 2001:db8:1500:7::1 2001:db8:150::1
if ping6_from xvs-g152 2001:db8:1501::1 2001:db8:150::1; then
    not_ok "one outside it still gets nowhere"
else
    ok "one outside it still gets nowhere"
fi
check "the guest sends a DHCPv6 Release of the prefix" \
    env COUNT=1 ip netns exec xvs-g152 python3 "$SPOOF" eth0 dhcp6-pd-release \
    2001:db8:1500::/48
check "which ends the delegation" wait_for 30 ended6
if ping6_from xvs-g152 2001:db8:1500:7::1 2001:db8:150::1; then
    not_ok "and the prefix's addresses get nowhere again"
else
    ok "and the prefix's addresses get nowhere again"
fi
check "ip: dhcp6 is saved" grep -q 'ip: \["dhcp6"\]' "$T/xvs.yaml"
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
