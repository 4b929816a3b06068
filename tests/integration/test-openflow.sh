#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ovs-ofctl drives xvs through the bridge's management socket, as it
# drives Open vSwitch: flows from a file across tables, counters that
# match the traffic, modify/delete, set-field rewrites, bundles, errors
# for bad requests, packet-out, and packet-ins, flow-removed and
# port-status seen by "ovs-ofctl monitor".
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"

add_guest xvs-g41 vif41.0 10.41.0.1
add_guest xvs-g42 vif42.0 10.41.0.2
add_guest xvs-g43 vif43.0 10.41.0.3
add_guest xvs-g44 vif44.0 10.41.0.4
LPORT=$((30000 + ($$ + 3) % 20000))
write_config <<YAML
bridges:
  - name: xenbr0
    datapath-id: 0x41
    internal-port: false
    listeners: ["ptcp:$LPORT:127.0.0.1"]
    ports:
      - {name: vif41.0, type: xenvif, ofport: 1}
      - {name: vif42.0, type: xenvif, ofport: 2}
      - {name: vif43.0, type: xenvif, ofport: 3}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
check "the management socket exists" test -S "$T/xenbr0.mgmt"

for v in 10 13 14 15; do
    out=$(ovs-ofctl -O OpenFlow$v show "$M" 2>&1)
    check "OpenFlow$v: show gives the datapath id and the 3 ports" \
        sh -c 'printf "%s\n" "$1" | grep -q "dpid:0000000000000041" &&
               test "$(printf "%s\n" "$1" | grep -cE "^ [0-9]+\(vif4[123]\.0\)")" = 3' \
        _ "$out"
done
check "the ptcp listener serves ovs-ofctl too" \
    grep_in "$(ovs-ofctl -O OpenFlow13 show "tcp:127.0.0.1:$LPORT")" \
    "dpid:0000000000000041"
check "show lists both listeners" \
    sh -c 'printf "%s\n" "$1" | grep -q "listening: punix:.*xenbr0.mgmt" &&
           printf "%s\n" "$1" | grep -q "listening: ptcp:$2:127.0.0.1"' \
    _ "$(ctl show)" "$LPORT"
check "dump-flows shows the default NORMAL flow" \
    grep_in "$(ovs-ofctl dump-flows "$M")" "priority=0 actions=NORMAL"

# Two tables: ARP by NORMAL, IP routed by destination in table 1.
g2mac=$(guest_mac xvs-g42)
g3mac=$(guest_mac xvs-g43)
cat >"$T/flows" <<EOF
table=0,priority=100,arp,actions=NORMAL
table=0,priority=50,ip,actions=goto_table:1
table=1,priority=10,ip,nw_dst=10.41.0.1,actions=output:1
table=1,priority=10,ip,nw_dst=10.41.0.2,actions=output:2
table=1,priority=10,ip,nw_dst=10.41.0.3,actions=output:3
table=1,priority=10,ip,nw_dst=10.41.0.9,actions=set_field:10.41.0.3->ip_dst,mod_dl_dst:$g3mac,output:3
EOF
check "del-flows (OpenFlow 1.3)" ovs-ofctl -O OpenFlow13 del-flows "$M"
check "add-flows from a file (OpenFlow 1.3)" \
    ovs-ofctl -O OpenFlow13 add-flows "$M" "$T/flows"
check "guest 1 reaches guest 2 through table 1" ping_ok xvs-g41 10.41.0.2 5
flows=$(ovs-ofctl -O OpenFlow13 dump-flows "$M")
check "table 1's rule for 10.41.0.2 counted exactly the 5 requests" \
    grep_in "$flows" "table=1, n_packets=5, .*nw_dst=10.41.0.2 actions=output:2"
check "table 1's rule for 10.41.0.1 counted exactly the 5 replies" \
    grep_in "$flows" "table=1, n_packets=5, .*nw_dst=10.41.0.1 actions=output:1"
check "the goto_table rule counted all 10" \
    grep_in "$flows" "table=0, n_packets=10, .*priority=50,ip actions=goto_table:1"
agg=$(ovs-ofctl -O OpenFlow13 dump-aggregate "$M" table=1)
check "dump-aggregate sums table 1: 10 packets, 4 flows ($agg)" \
    grep_in "$agg" "packet_count=10 .*flow_count=4"
tables=$(ovs-ofctl -O OpenFlow13 dump-tables "$M")
check "dump-tables: table 1 has 4 rules and matched 10 lookups" \
    sh -c 'printf "%s\n" "$1" | grep -A1 "table 1:" | grep -q "active=4, lookup=10, matched=10"' _ "$tables"

tf=$(ovs-ofctl -O OpenFlow13 dump-table-features "$M" | sed -n '/matching:/,/ditto/p')
check "table features list the fields xvs matches (tcp_dst, mpls_label)" \
    sh -c 'printf "%s\n" "$1" | grep -q "tcp_{src,dst,flags}" &&
           printf "%s\n" "$1" | grep -q "mpls_{label"' _ "$tf"
check "and not tunnel or conntrack fields, which xvs does not have" \
    sh -c '! printf "%s\n" "$1" | grep -q "tun_\|ct_{"' _ "$tf"

# set-field: pings to 10.41.0.9 reach guest 3 as pings to 10.41.0.3,
# with checksums the guest's kernel accepts.
ip netns exec xvs-g41 ip neigh replace 10.41.0.9 lladdr 02:00:00:00:00:09 dev eth0
in_echos() {
    ip netns exec xvs-g43 cat /proc/net/snmp | awk '/^Icmp:/ {
        if (!h) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 }
        else { print $c; exit } }'
}
before=$(in_echos)
ip netns exec xvs-g41 ping -c 3 -i 0.2 -W 1 10.41.0.9 >/dev/null 2>&1
after=$(in_echos)
check "guest 3 accepted the 3 rewritten echo requests ($before -> $after)" \
    test "$((after - before))" -eq 3

# Modify (OpenFlow 1.5) takes effect before ovs-ofctl returns (barrier).
check "mod-flows (OpenFlow 1.5) turns the rule for 10.41.0.2 into a drop" \
    ovs-ofctl -O OpenFlow15 mod-flows "$M" "table=1,ip,nw_dst=10.41.0.2,actions=drop"
if ping_quick xvs-g41 10.41.0.2 2; then
    not_ok "pings to guest 2 are dropped right after mod-flows"
else
    ok "pings to guest 2 are dropped right after mod-flows"
fi
check "the modified rule kept its counter and counted the drops" \
    grep_in "$(ovs-ofctl -O OpenFlow13 dump-flows "$M" table=1)" \
    "n_packets=7, .*nw_dst=10.41.0.2 actions=drop"
check "del-flows --strict removes just that rule" \
    ovs-ofctl -O OpenFlow13 --strict del-flows "$M" "table=1,priority=10,ip,nw_dst=10.41.0.2"
check "3 rules are left in table 1" test "$(ovs-ofctl -O OpenFlow13 \
    dump-flows "$M" table=1 | grep -c 'table=1')" -eq 3

# Bundles: replace-flows commits atomically; a bad file changes nothing.
check "replace-flows --bundle (OpenFlow 1.4) restores the file's rules" \
    ovs-ofctl -O OpenFlow14 --bundle replace-flows "$M" "$T/flows"
check "guest 1 reaches guest 2 again" ping_ok xvs-g41 10.41.0.2
cp "$T/flows" "$T/bad-flows"
echo "table=1,priority=20,ip,actions=group:77" >>"$T/bad-flows"
echo "table=0,priority=1,actions=drop" >"$T/bad-flows2"
echo "table=0,priority=2,actions=group:78" >>"$T/bad-flows2"
out=$(ovs-ofctl -O OpenFlow14 --bundle add-flows "$M" "$T/bad-flows2" 2>&1)
check "a bundle with a bad rule fails with OFPBAC_BAD_OUT_GROUP" \
    grep_in "$out" "OFPBAC_BAD_OUT_GROUP"
check "and none of its rules were added" \
    test "$(ovs-ofctl -O OpenFlow13 dump-flows "$M" | grep -c 'priority=1 ')" -eq 0

# Errors for what xvs refuses, never silence.
expect_error() {
    desc=$1 want=$2
    shift 2
    out=$("$@" 2>&1)
    if [ $? -ne 0 ] && grep_in "$out" "$want"; then
        ok "$desc"
    else
        not_ok "$desc (got: $out)"
    fi
}
expect_error "a group that does not exist: OFPBAC_BAD_OUT_GROUP" \
    OFPBAC_BAD_OUT_GROUP ovs-ofctl -O OpenFlow13 add-flow "$M" "actions=group:5"
expect_error "a meter that does not exist: OFPMMFC_INVALID_METER" \
    OFPMMFC_INVALID_METER ovs-ofctl -O OpenFlow13 add-flow "$M" "actions=meter:3,output:1"
expect_error "an unsupported action: OFPBAC_BAD_TYPE" \
    OFPBAC_BAD_TYPE ovs-ofctl -O OpenFlow13 add-flow "$M" "ip,actions=ct(commit),output:1"
expect_error "set-field of an unsupported field: OFPBAC_BAD_SET_TYPE" \
    OFPBAC_BAD_SET_TYPE ovs-ofctl -O OpenFlow13 add-flow "$M" "ip,actions=set_field:5->pkt_mark,output:1"
expect_error "overlapping rule with check_overlap: OFPFMFC_OVERLAP" \
    OFPFMFC_OVERLAP ovs-ofctl -O OpenFlow13 add-flow "$M" "table=1,priority=10,ip,nw_dst=10.41.0.0/24,check_overlap,actions=drop"
expect_error "port-mod of an STP bit (xvs has no STP): refused" \
    NXBRC_UNENCODABLE_ERROR ovs-ofctl -O OpenFlow10 mod-port "$M" 1 no-stp
check "the rules are unchanged by the refused requests" \
    test "$(ovs-ofctl -O OpenFlow13 dump-flows "$M" | grep -c 'table=')" -eq 6

# Packet-out: a frame out of port 2, from the controller.  The datapath
# sends it a moment later: guest 2 waits for it (capture sends again
# until it is seen) and knows it by its source, among other traffic.
frame=ffffffffffff020000000041080600010800060400010200000000410a2900010000000000000a290002
check "packet-out to port 2 (OpenFlow 1.3) reaches guest 2" \
    capture xvs-g42 "arp and ether src 02:00:00:00:00:41" 1 \
    ovs-ofctl -O OpenFlow13 packet-out "$M" CONTROLLER "output:2" "$frame"
check "as that frame" grep_in "$(cat "$T/capture")" \
    "02:00:00:00:00:41 > ff:ff:ff:ff:ff:ff.*Request who-has 10.41.0.2 tell 10.41.0.1"

# Packet-out through the tables (output:TABLE) from the controller.
check "a rule for UDP port 4242 to port 3" ovs-ofctl -O OpenFlow13 add-flow "$M" \
    "table=0,priority=500,udp,tp_dst=4242,actions=output:3"
# Ethernet to guest 3, IPv4 10.41.0.1 -> 10.41.0.3, UDP 12345 -> 4242.
udp=$(echo "$g3mac" | tr -d ':')020000000041080045000020000000004011
udp=${udp}00000a2900010a29000330391092000c000061626364
tx=$(port_stat vif43.0 tx_packets)
check "packet-out with output:TABLE (OpenFlow 1.3)" \
    ovs-ofctl -O OpenFlow13 packet-out "$M" CONTROLLER "output:TABLE" "$udp"
port3_sent() { [ "$(($(port_stat vif43.0 tx_packets) - tx))" -ge 1 ]; }
check "the tables sent it out of port 3" wait_for 30 port3_sent
check "and the rule counted it, once" \
    grep_in "$(ovs-ofctl -O OpenFlow13 dump-flows "$M")" \
    "n_packets=1, .*priority=500,udp,tp_dst=4242"
check "mod-flows with reset_counts zeroes the counters" \
    ovs-ofctl -O OpenFlow13 mod-flows "$M" \
    "reset_counts,table=0,udp,tp_dst=4242,actions=output:3"
check "n_packets is 0 again" \
    grep_in "$(ovs-ofctl -O OpenFlow13 dump-flows "$M")" \
    "n_packets=0, .*priority=500,udp,tp_dst=4242"

# Monitor: packet-ins, flow-removed and port-status.
ovs-ofctl -O OpenFlow13 monitor "$M" 65534 --unixctl="$T/monitor.ctl" \
    >"$T/monitor" 2>&1 &
MON=$!
sleep 0.5
ovs-ofctl -O OpenFlow13 add-flow "$M" \
    "table=0,priority=200,icmp,icmp_type=8,actions=controller,goto_table:1"
ovs-ofctl -O OpenFlow13 add-flow "$M" \
    "table=0,priority=300,udp,tp_dst=9,hard_timeout=1,send_flow_rem,actions=drop"
ip netns exec xvs-g41 ping -c 2 -i 0.2 -W 1 10.41.0.3 >/dev/null 2>&1
ctl add-port xenbr0 vif44.0 type=xenvif ofport=4 >/dev/null
sleep 1.5
ctl del-port xenbr0 vif44.0
sleep 0.5
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
mon=$(cat "$T/monitor")
check "monitor saw one packet-in per echo request" \
    test "$(printf '%s\n' "$mon" | grep -c 'PACKET_IN')" -eq 2
check "the packet-ins give the input port and the reason" \
    grep_in "$mon" "in_port=1 \(via action\)"
check "the packet-ins carry the whole echo request" \
    grep_in "$mon" "icmp,.*nw_src=10.41.0.1,nw_dst=10.41.0.3.*icmp_type=8"
check "monitor saw the hard timeout's flow-removed" \
    grep_in "$mon" "OFPT_FLOW_REMOVED.*reason=hard"
check "monitor saw the port-status of the added port" \
    grep_in "$mon" "OFPT_PORT_STATUS.*ADD: 4\(vif44.0\)"
check "and of its deletion" \
    grep_in "$mon" "OFPT_PORT_STATUS.*DEL: 4\(vif44.0\)"
check "the timed-out rule is gone" \
    sh -c '! ovs-ofctl -O OpenFlow13 dump-flows "$1" | grep -q "tp_dst=9"' _ "$M"
check "controller flows were not saved to the configuration file" \
    sh -c '! grep -q "goto_table" "$1"' _ "$T/xvs.yaml"
