#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Groups: "all" copies to every bucket, "select" spreads flows by their
# 5-tuple, "fast_failover" moves to the next live port when a link goes
# down; group counters match the traffic; deleting a group deletes its
# flows; groups added with xvs-ctl are saved and come back on restart.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v bash >/dev/null || skip_all "needs bash (/dev/udp)"
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g61 vif61.0 10.61.0.1
add_guest xvs-g62 vif62.0 10.61.0.2
add_guest xvs-g63 vif63.0 10.61.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif61.0, type: xenvif, ofport: 1}
      - {name: vif62.0, type: xenvif, ofport: 2}
      - {name: vif63.0, type: xenvif, ofport: 3}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"

# Guest 1's UDP to port 9 goes to group 1 (all), to port 10 to group 2
# (select), to port 11 to group 3 (fast failover).
check "add-group all" $O add-group "$M" \
    "group_id=1,type=all,bucket=output:2,bucket=output:3"
check "add-group select" $O add-group "$M" \
    "group_id=2,type=select,bucket=weight:1,output:2,bucket=weight:1,output:3"
check "add-group fast_failover" $O add-group "$M" \
    "group_id=3,type=fast_failover,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3"
cat >"$T/flows" <<'EOF2'
priority=10,udp,in_port=1,tp_dst=9,actions=group:1
priority=10,udp,in_port=1,actions=group:2
priority=20,udp,in_port=1,tp_dst=11,actions=group:3
priority=0,actions=NORMAL
EOF2
check "flows that use them" $O add-flows "$M" "$T/flows"
# Static neighbours: no ARP in the counts.
ip netns exec xvs-g61 ip neigh replace 10.61.0.2 lladdr "$(guest_mac xvs-g62)" dev eth0
# Guest 2 takes the datagrams: a port unreachable in answer would be
# flooded (guest 1's address is not learned) and counted.
for p in 9 10 11; do
    ip netns exec xvs-g62 socat -u UDP4-RECV:$p OPEN:/dev/null &
    PIDS="$PIDS $!"
done

# A new flow per datagram (a new socket, a new source port), 5 ms apart:
# a burst of new flows beyond the upcall budget (16 per burst) would be
# dropped by design, and this test is about groups.
send_udp() {    # send_udp DPORT COUNT
    ip netns exec xvs-g61 bash -c '
        for i in $(seq 1 '"$2"'); do
            exec 3<>/dev/udp/10.61.0.2/'"$1"' && echo x >&3; exec 3>&-
            sleep 0.005
        done' 2>/dev/null
}
tx() { port_stat "$1" tx_packets; }

a2=$(tx vif62.0) a3=$(tx vif63.0)
send_udp 9 5
wait_for 30 tx_reaches $((a2 + a3 + 10)) vif62.0 vif63.0
b2=$(tx vif62.0) b3=$(tx vif63.0)
check "all: port 2 got the 5 datagrams ($a2 -> $b2)" test $((b2 - a2)) -eq 5
check "all: port 3 got the same 5 ($a3 -> $b3)" test $((b3 - a3)) -eq 5

# Each datagram from a new socket: a new source port, a new 5-tuple.
send_udp 10 40
wait_for 30 tx_reaches $((b2 + b3 + 40)) vif62.0 vif63.0
c2=$(tx vif62.0) c3=$(tx vif63.0)
check "select: the 40 flows went out once each ($((c2 - b2)) + $((c3 - b3)))" \
    test $((c2 - b2 + c3 - b3)) -eq 40
check "select: both buckets got some" \
    test $((c2 - b2)) -gt 0 -a $((c3 - b3)) -gt 0
stats=$($O dump-group-stats "$M")
check "group counters match: group 1 saw 5, group 2 saw 40" \
    sh -c 'printf "%s\n" "$1" | grep -q "group_id=1,.*packet_count=5," &&
           printf "%s\n" "$1" | grep -q "group_id=2,.*packet_count=40,"' _ "$stats"
check "the all group's buckets counted 5 each" \
    grep_in "$stats" "group_id=1,.*bucket0:packet_count=5,.*bucket1:packet_count=5,"

send_udp 11 3
wait_for 30 tx_reaches $((c2 + 3)) vif62.0
d2=$(tx vif62.0) d3=$(tx vif63.0)
check "fast failover: port 2 is live and gets the 3" \
    test $((d2 - c2)) -eq 3 -a "$d3" -eq "$c3"
ip link set vif62.0 down
down() { grep_in "$($O show "$M")" "2\(vif62.0\).*" && \
         $O show "$M" | grep -A2 "(vif62.0)" | grep -q "LINK_DOWN"; }
check "port 2's link goes down (port desc says LINK_DOWN)" wait_for 5 down
send_udp 11 3
wait_for 30 tx_reaches $((d3 + 3)) vif63.0
e3=$(tx vif63.0)
check "fast failover: port 3 takes over ($d3 -> $e3)" test $((e3 - d3)) -eq 3
ip link set vif62.0 up

check "dump-groups via xvs-ctl lists the 3 groups" \
    test "$(ctl dump-groups xenbr0 | grep -c group_id=)" -eq 3
check "del-groups removes group 1" $O del-groups "$M" group_id=1
check "and the flow that used it" \
    sh -c '! ovs-ofctl -O OpenFlow13 dump-flows "$1" | grep -q "group:1"' _ "$M"
out=$($O add-flow "$M" "udp,actions=group:1" 2>&1)
check "a flow to a deleted group is refused: OFPBAC_BAD_OUT_GROUP" \
    grep_in "$out" OFPBAC_BAD_OUT_GROUP
out=$($O add-group "$M" "group_id=2,type=all,bucket=output:2" 2>&1)
check "adding an existing group: OFPGMFC_GROUP_EXISTS" \
    grep_in "$out" OFPGMFC_GROUP_EXISTS
out=$($O add-group "$M" "group_id=5,type=all,bucket=group:77" 2>&1)
check "a bucket to a group that does not exist: OFPBAC_BAD_OUT_GROUP" \
    grep_in "$out" OFPBAC_BAD_OUT_GROUP

out=$(ctl add-flow xenbr0 "priority=40,udp,actions=group:2" 2>&1)
check "a saved flow cannot use a group added over OpenFlow ($out)" \
    grep_in "$out" "group 2 was added over OpenFlow and is not saved"

out=$(ctl del-groups xenbr0 group_id=zz 2>&1)
check "del-groups refuses a bad group id ($out)" \
    grep_in "$out" "expected group_id=N"

# xvs-ctl groups are saved, controller ones are not.
check "xvs-ctl add-group" ctl add-group xenbr0 \
    "group_id=7,type=indirect,bucket=output:3"
check "xvs-ctl add-flow using it" ctl add-flow xenbr0 \
    "priority=30,udp,in_port=1,tp_dst=7,actions=group:7"
check "the group is saved" grep -q "group_id=7,type=indirect" "$T/xvs.yaml"
check "the OpenFlow groups are not" \
    sh -c '! grep -q "group_id=2" "$1"' _ "$T/xvs.yaml"
out=$(ctl add-group xenbr0 "group_id=8,type=indirect,bucket=output:1,bucket=output:2" 2>&1)
check "xvs-ctl add-group refuses a bad group ($out)" \
    grep_in "$out" "bad group"
stop_switchd
check "xvs-switchd restarts" start_switchd
check "group 7 is back" grep_in "$(ctl dump-groups xenbr0)" "group_id=7,type=indirect"
a3=$(tx vif63.0)
send_udp 7 4
wait_for 30 tx_reaches $((a3 + 4)) vif63.0
b3=$(tx vif63.0)
check "and carries the flow that uses it ($a3 -> $b3)" test $((b3 - a3)) -eq 4

# Chains: a bucket of group 9 goes on to group 7 (indirect to port 3).
# Saved in an order that loads back; loops, and deleting a group that
# another one goes to, are refused over OpenFlow and xvs-ctl alike.
check "xvs-ctl add-group 9, one bucket chained to group 7" \
    ctl add-group xenbr0 "group_id=9,type=all,bucket=output:2,bucket=group:7"
check "a flow to group 9" ctl add-flow xenbr0 \
    "priority=30,udp,in_port=1,tp_dst=12,actions=group:9"
a2=$(tx vif62.0) a3=$(tx vif63.0)
send_udp 12 4
both_got_4() {
    [ $(($(tx vif62.0) - a2)) -ge 4 ] && [ $(($(tx vif63.0) - a3)) -ge 4 ]
}
check "the chain delivers to port 2 and, through group 7, to port 3" \
    wait_for 20 both_got_4
out=$($O del-groups "$M" group_id=7 2>&1)
check "deleting group 7 alone is refused: OFPGMFC_CHAINED_GROUP" \
    grep_in "$out" "OFPGMFC_CHAINED_GROUP"
out=$($O mod-group "$M" "group_id=7,type=indirect,bucket=group:9" 2>&1)
check "a loop is refused: OFPGMFC_LOOP" grep_in "$out" "OFPGMFC_LOOP"
out=$(ctl del-groups xenbr0 group_id=7 2>&1)
check "xvs-ctl del-groups says why it refuses" \
    grep_in "$out" "group 7 is in a bucket of group 9"
stop_switchd
check "xvs-switchd restarts with the chain saved" start_switchd
check "group 9 is back, chained to group 7" \
    grep_in "$(ctl dump-groups xenbr0)" "group_id=9,type=all,.*group:7"

# Group mods in bundles (OpenFlow 1.4), with flow mods, all or nothing.
cat >"$T/bundle-ok" <<'B'
group add group_id=41,type=indirect,bucket=output:3
flow add priority=31,udp,in_port=1,tp_dst=41,actions=group:41
B
check "a bundle adds a group and a flow that uses it" \
    ovs-ofctl -O OpenFlow14 bundle "$M" "$T/bundle-ok"
check "both are there" sh -c '
    ovs-ofctl -O OpenFlow14 dump-groups "$1" | grep -q "group_id=41," &&
    ovs-ofctl -O OpenFlow14 dump-flows "$1" | grep -q "actions=group:41"' \
    _ "$M"
cat >"$T/bundle-bad" <<'B'
group add group_id=42,type=indirect,bucket=output:3
group delete group_id=41
flow add priority=32,udp,in_port=1,tp_dst=42,actions=group:99
B
out=$(ovs-ofctl -O OpenFlow14 bundle "$M" "$T/bundle-bad" 2>&1)
check "a bundle whose last flow is bad fails: OFPBAC_BAD_OUT_GROUP" \
    grep_in "$out" "OFPBAC_BAD_OUT_GROUP"
groups=$(ovs-ofctl -O OpenFlow14 dump-groups "$M")
check "and its group changes are undone: no group 42, group 41 back" \
    sh -c '! printf "%s\n" "$1" | grep -q "group_id=42," &&
           printf "%s\n" "$1" | grep -q "group_id=41,"' _ "$groups"
check "with the flow that uses group 41" \
    grep_in "$(ovs-ofctl -O OpenFlow14 dump-flows "$M")" "actions=group:41"

# OpenFlow 1.5 insert_bucket and remove_bucket, as Open vSwitch does them.
O15="ovs-ofctl -O OpenFlow15"
check "OpenFlow 1.5: a group with bucket 1" \
    $O15 add-group "$M" "group_id=50,type=all,bucket=bucket_id:1,actions=output:1"
check "insert bucket 2 last" $O15 insert-buckets "$M" \
    "group_id=50,command_bucket_id=last,bucket=bucket_id:2,actions=output:2"
check "insert bucket 3 first" $O15 insert-buckets "$M" \
    "group_id=50,command_bucket_id=first,bucket=bucket_id:3,actions=drop"
check "insert bucket 4 after bucket 3" $O15 insert-buckets "$M" \
    "group_id=50,command_bucket_id=3,bucket=bucket_id:4,actions=output:3"
buckets() {
    $O15 dump-groups "$M" | grep 'group_id=50,' \
        | grep -o 'bucket_id:[0-9]*' | tr '\n' ' '
}
check "the buckets are 3 4 1 2 ($(buckets))" \
    test "$(buckets)" = "bucket_id:3 bucket_id:4 bucket_id:1 bucket_id:2 "
check "remove bucket 1" $O15 remove-buckets "$M" \
    "group_id=50,command_bucket_id=1"
check "the buckets are 3 4 2 ($(buckets))" \
    test "$(buckets)" = "bucket_id:3 bucket_id:4 bucket_id:2 "
out=$($O15 insert-buckets "$M" "group_id=50,command_bucket_id=9,bucket=bucket_id:5,actions=drop" 2>&1)
check "after a bucket that does not exist: OFPGMFC_UNKNOWN_BUCKET" \
    grep_in "$out" "OFPGMFC_UNKNOWN_BUCKET"
out=$($O15 insert-buckets "$M" "group_id=50,command_bucket_id=last,bucket=bucket_id:2,actions=drop" 2>&1)
check "a bucket id that is taken: OFPGMFC_BUCKET_EXISTS" \
    grep_in "$out" "OFPGMFC_BUCKET_EXISTS"
check "and the group is unchanged ($(buckets))" \
    test "$(buckets)" = "bucket_id:3 bucket_id:4 bucket_id:2 "
