#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Port security with "ip: dhcp": a guest may use the IPv4 address a DHCP
# server leased it, as long as the lease lasts, and no other.  The guest
# has the address configured all along (as a guest that kept it would);
# its pings to the server get through only between a DHCPACK for its MAC
# and the lease's end, or a DHCPNAK.  An ACK for another MAC grants
# nothing; the leases survive a change of the port's settings; "dhcp" is
# saved and shown.
. "$(dirname "$0")/lib.sh"
begin
command -v python3 >/dev/null || skip_all "needs python3"
SPOOF=$top_srcdir/tests/integration/spoof.py

add_guest xvs-g150 vif150.0 10.150.0.1      # the DHCP server
add_guest xvs-g151 vif151.0 10.150.0.51     # its client
M150=$(guest_mac xvs-g150)
M151=$(guest_mac xvs-g151)
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
YAML
check "xvs-switchd starts" start_switchd
check "show lists the port's leases: none yet" \
    grep_in "$(ctl show)" "dhcp leases: none"

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
check "grants it nothing" grep_in "$(ctl show)" "dhcp leases: none"

check "a DHCPACK for its MAC, 10.150.0.51 for 6 s" \
    server dhcp-ack 10.150.0.1 "$M151" 10.150.0.51 6
leased() { grep_in "$(ctl show)" "dhcp leases: 10.150.0.51 \([1-6] s left\)"; }
check "show lists the lease" wait_for 30 leased
check "and its JSON" \
    grep_in "$(ctl --format=json show | tr -d ' \n')" '"dhcp_leases":\[\{[^]]*"ip":"10.150.0.51"'
check "the guest reaches the server from its leased address" \
    wait_for 6 ping_ok xvs-g151 10.150.0.1 1
ended() { grep_in "$(ctl show)" "dhcp leases: none"; }
check "the lease ends after 6 s" wait_for 60 ended
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "then the address gets nowhere again"
else
    ok "then the address gets nowhere again"
fi

check "a renewed lease of an hour" \
    server dhcp-ack 10.150.0.1 "$M151" 10.150.0.51 3600
check "lets it through again" wait_for 30 ping_ok xvs-g151 10.150.0.1 1
check "set-port (port security settings made anew)" \
    ctl set-port xenbr0 vif151.0 "allowed-addresses=10.150.9.0/24"
check "keeps the lease" grep_in "$(ctl show)" "dhcp leases: 10.150.0.51 \([0-9]+ s left\)"
check "and the guest's traffic" ping_ok xvs-g151 10.150.0.1 1
check "a DHCPNAK for its MAC" server dhcp-nak 10.150.0.1 "$M151"
check "ends its leases" wait_for 30 ended
if ping_quick xvs-g151 10.150.0.1 2; then
    not_ok "and the address gets nowhere"
else
    ok "and the address gets nowhere"
fi

# Settings: saved, shown, refused where they mean nothing.
check "ip: dhcp is saved" grep -q 'ip: \["dhcp"\]' "$T/xvs.yaml"
check "and shown" grep_in "$(ctl show)" "ip dhcp,"
out=$(ctl set-port xenbr0 vif151.0 allowed-addresses=dhcp 2>&1)
check "allowed-addresses refuses dhcp ($out)" \
    grep_in "$out" "allowed-addresses: expected an IPv4 or IPv6 address or prefix or a MAC address, got \"dhcp\""
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
