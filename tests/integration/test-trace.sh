#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xvs-ctl trace: through a multi-table pipeline with a meter, a select
# group and NORMAL, the trace names each table, rule, action and bucket,
# and the datapath actions it predicts are what the same packet then
# really does (group bucket counters, the port's tx counter); tracing
# changes nothing (no rule, table or group counter, no MAC learned); the
# JSON form says the same; --packet traces a whole frame; DHCP snooping's
# copies show; bad input gets a precise error.
. "$(dirname "$0")/lib.sh"
begin
command -v socat >/dev/null || skip_all "needs socat"
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"

add_guest xvs-g71 vif71.0 10.71.0.1
add_guest xvs-g72 vif72.0 10.71.0.2
add_guest xvs-g73 vif73.0 10.71.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif71.0, type: xenvif, ofport: 1}
      - {name: vif72.0, type: xenvif, ofport: 2}
      - {name: vif73.0, type: xenvif, ofport: 3}
YAML
check "xvs-switchd starts" start_switchd
M1=$(guest_mac xvs-g71) M2=$(guest_mac xvs-g72)

check "a meter" ctl add-meter xenbr0 "meter=1,kbps,band=type=drop,rate=100000"
check "a select group over ports 2 and 3" ctl add-group xenbr0 \
    "group_id=1,type=select,bucket=weight:1,output:2,bucket=weight:1,output:3"
check "table 0: UDP to port 9 goes to table 1, the rest to NORMAL" \
    ctl add-flow xenbr0 "priority=10,udp,in_port=1,tp_dst=9,actions=goto_table:1"
ctl add-flow xenbr0 "priority=0,actions=NORMAL"
check "table 1: through the meter to the group" \
    ctl add-flow xenbr0 "table=1,priority=5,udp,actions=meter:1,group:1"

FLOW="in_port=vif71.0,udp,dl_src=$M1,dl_dst=$M2,nw_src=10.71.0.1,nw_dst=10.71.0.2,tp_src=5000,tp_dst=9"
tables_before=$(ctl dump-tables xenbr0)
out=$(ctl trace xenbr0 "$FLOW")
printf '%s\n' "$out" | sed 's/^/# /'
check "the trace shows table 0's rule and its goto_table" \
    grep_in "$out" "^table 0: priority=10,udp,in_port=\"vif71.0\",tp_dst=9: actions=goto_table:1$"
check "then table 1's rule, one level deeper" \
    grep_in "$out" "^    table 1: .*priority=5.*actions=meter:1,group:1"
check "the meter and its band" \
    grep_in "$out" "meter 1: the datapath polices the packet here: drop above 100000 kb/s"
check "the group and the bucket it picks, with the hash" \
    sh -c 'printf "%s\n" "$1" | grep -q "group 1 (select, 2 buckets)" &&
           printf "%s\n" "$1" | grep -Eq "bucket [01] \(hash 0x[0-9a-f]+ picks [01] of the live weight 2\)"' _ "$out"
check "the datapath actions: the meter, then one output" \
    grep_in "$out" "^Datapath actions: meter\([0-9]+\),output:vif7[23]\.0$"
check "the megaflow: input port, Ethertype, protocol and the 5-tuple" \
    grep_in "$out" "^Megaflow: in_port=vif71\.0.*tp_dst=9"
bucket=$(printf '%s\n' "$out" | sed -n 's/.*bucket \([01]\) (hash.*/\1/p')
predicted=$(printf '%s\n' "$out" | sed -n 's/^Datapath actions: .*output:\(vif7[23]\.0\)$/\1/p')
diag "trace: bucket $bucket, out of $predicted"

check "tracing counted nothing in the tables" \
    test "$(ctl dump-tables xenbr0)" = "$tables_before"
flows=$(ctl dump-flows xenbr0)
check "no rule counted the traced packet" \
    sh -c '! printf "%s\n" "$1" | grep -q "n_packets=[1-9]"' _ "$flows"
check "nor the group" \
    grep_in "$(ctl dump-groups xenbr0)" "n_packets=0, .*group_id=1,"
learned() { ctl dump-macs xenbr0 | grep -qi "$1"; }
check "NORMAL learned nothing from the trace" eval '! learned "$M1"'

# The same packet, for real: guest 1 sends it from UDP port 5000.
ip netns exec xvs-g71 ip neigh replace 10.71.0.2 lladdr "$M2" dev eth0
ip netns exec xvs-g72 socat -u UDP4-RECV:9 OPEN:/dev/null &
PIDS="$PIDS $!"
before=$(port_stat "$predicted" tx_packets)
ip netns exec xvs-g71 socat -u - UDP4-SENDTO:10.71.0.2:9,sourceport=5000 \
    </dev/null 2>/dev/null
echo x | ip netns exec xvs-g71 socat -u - UDP4-SENDTO:10.71.0.2:9,sourceport=5000
check "the packet goes out where the trace said ($predicted)" \
    wait_for 30 tx_reaches $((before + 1)) "$predicted"
groups=$(ovs-ofctl -O OpenFlow13 dump-group-stats "unix:$T/xenbr0.mgmt")
check "through the bucket the trace picked (bucket$bucket counted it)" \
    grep_in "$groups" "bucket$bucket:packet_count=1,"
check "and table 1's rule counted it" \
    grep_in "$(ctl dump-flows xenbr0)" "table=1,.*n_packets=1,.*priority=5"

# NORMAL: guest 2 to guest 1, whose address the real packet above did not
# teach (it went to the group, not NORMAL): flooded; then learned.
N="in_port=vif72.0,ip,dl_src=$M2,dl_dst=$M1,nw_src=10.71.0.2,nw_dst=10.71.0.1"
out=$(ctl trace xenbr0 "$N")
check "NORMAL: an unknown destination is flooded to the other ports" \
    sh -c 'printf "%s\n" "$1" | grep -q "NORMAL: destination not learned: flood to the 2 port(s) of VLAN 0" &&
           printf "%s\n" "$1" | grep -q "^Datapath actions: output:vif7[13]\.0,output:vif7[13]\.0$"' _ "$out"
check "NORMAL: the learning it would do is shown, not done" \
    grep_in "$out" "learns $M2 on vif72.0 \(not while tracing\)"
ip netns exec xvs-g71 ping -c 1 -W 5 10.71.0.2 >/dev/null 2>&1 || true
check "guest 1's MAC is learned once it sends through NORMAL" \
    wait_for 10 learned "$M1"
out=$(ctl trace xenbr0 "$N")
check "NORMAL: a learned destination goes to its port only" \
    sh -c 'printf "%s\n" "$1" | grep -q "learned on vif71.0" &&
           printf "%s\n" "$1" | grep -q "^Datapath actions: output:vif71\.0$"' _ "$out"

# JSON: the same steps, machine-readable.
json=$(ctl trace xenbr0 "$FLOW" --format=json)
check "JSON: steps with tables, the group, the bucket and the datapath actions" \
    python3 -c '
import json, sys
t = json.loads(sys.argv[1])
types = [s["type"] for s in t["steps"]]
tables = [s for s in t["steps"] if s["type"] == "table"]
assert [s["table"] for s in tables] == [0, 1], tables
assert tables[0]["priority"] == 10 and tables[0]["actions"] == "goto_table:1"
assert "group" in types and "bucket" in types and "meter" in types, types
assert t["datapath_actions"].endswith("output:" + sys.argv[2]), t
assert t["megaflow"].startswith("in_port=vif71.0"), t
assert t["in_port"] == "vif71.0"
' "$json" "$predicted"

# --packet: the frame the FLOW trace made, traced as a frame.
hex=$(printf '%s\n' "$out" | sed -n 's/^Packet: \([0-9a-f]*\) .*/\1/p')
check "the text trace shows the frame it traced" test -n "$hex"
pout=$(ctl trace xenbr0 in_port=vif72.0 --packet "$hex")
check "--packet traces the same frame to the same decision" \
    grep_in "$pout" "^Datapath actions: output:vif71\.0$"
check "a trace without an input port runs as a packet-out" \
    grep_in "$(ctl trace xenbr0 --packet "$hex")" "no input port"

# Bad input: precise errors.
err=$(ctl trace xenbr0 "in_port=nosuch,udp" 2>&1)
check "an unknown port is named ($err)" grep_in "$err" "nosuch"
err=$(ctl trace xenbr0 in_port=1 --packet 0011zz 2>&1)
check "bad hex: where ($err)" grep_in "$err" "expected hexadecimal bytes.*offset 4"
err=$(ctl trace xenbr0 in_port=1 --packet 001122 2>&1)
check "a frame shorter than an Ethernet header ($err)" \
    grep_in "$err" "3 bytes, less than an Ethernet header"
err=$(ctl trace xenbr0 "in_port=1,tcp" --packet "$hex" 2>&1)
check "--packet with packet fields in FLOW ($err)" \
    grep_in "$err" "FLOW gives only in_port, metadata and registers"
err=$(ctl trace nosuchbr "$FLOW" 2>&1)
check "an unknown bridge ($err)" grep_in "$err" "nosuchbr"
err=$(ctl trace xenbr0 "in_port=9,udp" 2>&1)
check "a port number the bridge does not have ($err)" \
    grep_in "$err" "bridge xenbr0 has no port 9"
# DHCP snooping shows: guest 3 learns its address from DHCP.
M3=$(guest_mac xvs-g73)
check "guest 3 takes its address from DHCP" \
    ctl set-port xenbr0 vif73.0 "mac=$M3" ip=dhcp
out=$(ctl trace xenbr0 "in_port=vif72.0,udp,dl_src=$M2,dl_dst=$M3,nw_src=10.71.0.2,nw_dst=10.71.0.3,tp_src=67,tp_dst=68")
printf '%s\n' "$out" | sed 's/^/# dhcp reply: /'
check "a DHCP reply to its port: the trace shows the copy for snooping" \
    grep_in "$out" "DHCP snooping: a DHCP server's reply to port vif73.0"
out=$(ctl trace xenbr0 "in_port=vif73.0,udp,dl_src=$M3,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,tp_src=68,tp_dst=67")
printf '%s\n' "$out" | sed 's/^/# dhcp request: /'
check "a DHCP client's message from it: so does the trace" \
    grep_in "$out" "DHCP snooping: a DHCP client's message from port vif73.0"
out=$(ctl trace xenbr0 "in_port=vif72.0,udp,dl_src=$M2,dl_dst=$M3,nw_src=10.71.0.2,nw_dst=10.71.0.3,tp_src=5000,tp_dst=68")
check "other UDP to it: no copy" sh -c '! printf "%s\n" "$1" | grep -q "DHCP snooping"' _ "$out"
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
