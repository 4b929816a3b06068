#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# VLANs: access ports on VLAN 10 reach each other and not VLAN 20; a trunk
# carries both, tagged; a guest cannot reach an address it shares with a
# guest on another VLAN.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g71 vif71.0 10.70.10.1     # access 10
add_guest xvs-g72 vif72.0 10.70.10.2     # access 10
add_guest xvs-g73 vif73.0 10.70.10.3     # access 20, same subnet as 10's
add_guest xvs-g74 vif74.0 10.70.99.4     # trunk of 10 and 20

write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif71.0, type: xenvif, driver: af_packet, vlan: 10}
      - {name: vif72.0, type: xenvif, driver: af_packet, vlan: 10}
      - {name: vif73.0, type: xenvif, driver: af_packet, vlan: 20}
      - {name: vif74.0, type: xenvif, driver: af_packet, trunks: [10, 20]}
YAML
check "xvs-switchd starts with access and trunk ports" start_switchd
check "show gives the VLANs" \
    grep_in "$(ctl show)" "port vif74.0: ofport 4, xenvif, trunks 10,20 via"

check "two guests on VLAN 10 reach each other" ping_ok xvs-g71 10.70.10.2
if ping_quick xvs-g71 10.70.10.3 2; then
    not_ok "a guest on VLAN 10 cannot reach one on VLAN 20"
else
    ok "a guest on VLAN 10 cannot reach one on VLAN 20"
fi
# The trunk, seen from its guest (this kernel may lack 8021q, so no VLAN
# subinterfaces: tcpdump shows the tags, a raw socket sends tagged frames).
# (capture, from lib.sh, runs the sender again until tcpdump has seen the
# frames.)
check "VLAN 10 broadcasts reach the trunk tagged 10" \
    capture xvs-g74 "vlan 10 and arp" 1 \
    ip netns exec xvs-g71 ping -c 1 -W 1 10.70.10.99
check "VLAN 20 broadcasts reach the trunk tagged 20" \
    capture xvs-g74 "vlan 20 and arp" 1 \
    ip netns exec xvs-g73 ping -c 1 -W 1 10.70.10.98
check "a frame tagged 10 from the trunk reaches VLAN 10, untagged" \
    capture xvs-g71 "arp and not vlan" 1 \
    ip netns exec xvs-g74 python3 "$top_srcdir/tests/integration/send-tagged-arp.py" \
    eth0 "$(guest_mac xvs-g74)" 10 10.70.10.4 10.70.10.1
check "the trunk guest's MAC is learned on VLAN 10" \
    grep_in "$(ctl dump-macs xenbr0)" "^ +4 +10  $(guest_mac xvs-g74)"
macs=$(ctl dump-macs xenbr0)
check "addresses are learned per VLAN" grep_in "$macs" "^ +3 +20  "
check "the VLAN 20 guest's MAC is not known on VLAN 10" \
    sh -c '! printf "%s\n" "$1" | grep -Eq "^ +3 +10  "' - "$macs"

add_guest xvs-g75 vif75.0 10.70.10.5
check "add-port vif75.0 vlan=10 at run time" \
    ctl add-port xenbr0 vif75.0 driver=af_packet vlan=10
check "the new access port reaches VLAN 10" ping_ok xvs-g75 10.70.10.1
if ping_quick xvs-g75 10.70.10.3 2; then
    not_ok "the new access port does not reach VLAN 20"
else
    ok "the new access port does not reach VLAN 20"
fi
check "the VLAN is saved" grep -q "vlan: 10" "$T/xvs.yaml"

# set-port moves a port between VLANs in place.
check "set-port vif73.0 vlan=10 moves guest 3 to VLAN 10" \
    ctl set-port xenbr0 vif73.0 vlan=10
check "guest 3 now reaches guest 1" ping_ok xvs-g73 10.70.10.1
check "and the change is saved" \
    sh -c 'grep -A6 "name: \"vif73.0\"" "$1" | grep -q "vlan: 10"' - "$T/xvs.yaml"
out=$(ctl set-port xenbr0 vif73.0 vlan=20 trunks=30 2>&1)
check "vlan and trunks together are refused" \
    grep_in "$out" "a port is an access port \(vlan\) or a trunk \(trunks\), not both"
out=$(ctl set-port xenbr0 vif73.0 ofport=9 2>&1)
check "set-port refuses other settings by name" \
    grep_in "$out" "set-port changes vlan, trunks, native-vlan, mac, ip, allowed-addresses, port-security, rate, vm-uuid, vm-name, queues; \"ofport\" is not one of them"
check "after the refusals guest 3 is still on VLAN 10" \
    grep_in "$(ctl show)" "port vif73.0: .*access vlan 10 via"
check "set-port vif73.0 vlan=none makes it carry every VLAN again" \
    ctl set-port xenbr0 vif73.0 vlan=none
check "show has no VLAN for it" \
    sh -c '! "$1" -t "$2" show | grep -q "port vif73.0: .*vlan"' - "$CTL_BIN" "$T/ctl"

# 802.1ad (QinQ) over OpenFlow, in the datapath: push a service tag
# (TPID 0x88a8) onto a frame tagged 10, and pop the outer 0x88a8 tag of a
# double-tagged frame.  Both sent back to the trunk guest.
SEND="python3 $top_srcdir/tests/integration/send-tagged-arp.py"
MAC4=$(guest_mac xvs-g74)
cat >"$T/qinq-flows" <<'FLOWS'
priority=500,in_port=4,dl_vlan=10,arp,arp_tpa=10.70.10.77,actions=push_vlan:0x88a8,output:IN_PORT
priority=500,in_port=4,dl_vlan=30,arp,actions=pop_vlan,output:IN_PORT
FLOWS
check "flows that push and pop 802.1ad tags (OpenFlow 1.3)" \
    ovs-ofctl -O OpenFlow13 add-flows "unix:$T/xenbr0.mgmt" "$T/qinq-flows"

# qinq_round TAGS TARGET: the trunk guest sends an ARP request for TARGET
# with TAGS, again each second until it has come back; tcpdump's lines for
# TARGET (the frame sent and the one back) are left in $T/qinq.  No
# capture filter: the kernel may take tags out before a filter sees them.
qinq_round() {
    rm -f "$T/qinq.all" "$T/qinq.err"
    ip netns exec xvs-g74 timeout 60 tcpdump -nei eth0 -U --immediate-mode \
        >"$T/qinq.all" 2>"$T/qinq.err" &
    _cap=$!
    wait_for 30 grep -q "listening on" "$T/qinq.err"
    for _ in $(seq 30); do
        ip netns exec xvs-g74 $SEND eth0 "$MAC4" "$1" 10.70.10.4 "$2"
        sleep 1
        [ "$(grep -c "who-has $2 " "$T/qinq.all")" -ge 2 ] && break
    done
    kill "$_cap" 2>/dev/null
    wait "$_cap"
    grep "who-has $2 " "$T/qinq.all" >"$T/qinq"
}
qinq_round 10 10.70.10.77
check "a frame tagged 10 comes back under an 802.1ad tag of the same VID" \
    grep -Eq "802\.1Q-QinQ \(0x88a8\).*vlan 10, .*ethertype 802\.1Q \(0x8100\), vlan 10, .*ARP" "$T/qinq"
qinq_round 0x88a8:30,10 10.70.10.78
check "a frame 802.1ad 30 over 802.1Q 10 comes back with the 802.1Q tag alone" \
    grep -Eq "ethertype 802\.1Q \(0x8100\), length [0-9]+: vlan 10, p 0, ethertype ARP" "$T/qinq"
