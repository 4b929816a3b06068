#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meters police traffic in the datapath: a guest's burst beyond a pktps
# rate is dropped, a kbps meter holds a bandwidth, counters account for
# every packet; deleting a meter deletes its flows; xvs-ctl meters are
# saved and come back on restart.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v bash >/dev/null || skip_all "needs bash (/dev/udp)"
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g81 vif81.0 10.81.0.1
add_guest xvs-g82 vif82.0 10.81.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif81.0, type: xenvif, ofport: 1}
      - {name: vif82.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"
ip netns exec xvs-g81 ip neigh replace 10.81.0.2 lladdr "$(guest_mac xvs-g82)" dev eth0
# Guest 2 takes the datagrams: a port unreachable would make guest 1's
# socket refuse the rest of a burst, and its ARP would be counted.
ip netns exec xvs-g82 socat -u UDP4-RECV:9 OPEN:/dev/null &
PIDS="$PIDS $!"

check "add-meter pktps (10 packets/s, burst 5)" $O add-meter "$M" \
    "meter=1,pktps,burst,stats,bands=type=drop rate=10 burst_size=5"
check "a flow through the meter" $O add-flow "$M" \
    "priority=10,udp,in_port=1,actions=meter:1,output:2"
check "the rest by NORMAL" $O add-flow "$M" "priority=0,actions=NORMAL"

send_udp() {    # send_udp COUNT: COUNT datagrams to guest 2, back to back
    ip netns exec xvs-g81 bash -c '
        exec 3<>/dev/udp/10.81.0.2/9
        for i in $(seq 1 '"$1"'); do echo x >&3; done' 2>/dev/null
}
# meter_seen ID N: whether meter ID has seen N packets (so the datapath
# has decided on each of them, and those it passed have been sent).
meter_seen() {
    n=$($O meter-stats "$M" | sed -n "s/.*meter:$1 flow_count:[0-9]* packet_in_count:\([0-9]*\) .*/\1/p")
    [ "${n:-0}" -ge "$2" ]
}
tx0=$(port_stat vif82.0 tx_packets)
send_udp 200
wait_for 30 meter_seen 1 200
tx1=$(port_stat vif82.0 tx_packets)
passed=$((tx1 - tx0))
check "the meter let a burst through, not 200 ($passed passed)" \
    test "$passed" -ge 1 -a "$passed" -le 40
stats=$($O meter-stats "$M")
check "meter stats saw all 200 packets" \
    grep_in "$stats" "meter:1 flow_count:1 packet_in_count:200 "
check "and the band dropped exactly those that did not pass" \
    grep_in "$stats" "0: packet_count:$((200 - passed)) "
check "dump-meters via xvs-ctl agrees" \
    grep_in "$(ctl dump-meters xenbr0)" "flows=1, packets=200, .*dropped=$((200 - passed)),"

# The bucket refills: after a second, traffic passes again.
sleep 1
tx2=$(port_stat vif82.0 tx_packets)
send_udp 3
wait_for 30 tx_reaches $((tx2 + 3)) vif82.0
tx3=$(port_stat vif82.0 tx_packets)
check "after a second the meter passes packets again ($tx2 -> $tx3)" \
    test $((tx3 - tx2)) -ge 3

# A kbps meter: 200 datagrams of 1000 bytes in a burst at 80 kbit/s
# (10 kB/s, burst 16 kbit = 2 kB) lets through the burst and what the
# rate allows for as long as the sending took, however long that was.
check "modify meter 1 to kbps" $O mod-meter "$M" \
    "meter=1,kbps,burst,bands=type=drop rate=80 burst_size=16"
tx4=$(port_stat vif82.0 tx_packets)
t0=$(date +%s.%N)
ip netns exec xvs-g81 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.81.0.2", 9))
for _ in range(200):
    s.send(bytes(1000))'
t1=$(date +%s.%N)
wait_for 30 meter_seen 1 403
tx5=$(port_stat vif82.0 tx_packets)
# 1042 bytes a frame; one more for a bucket that refilled mid-frame.
allowed=$(awk -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%d", (2000 + 10000 * (t1 - t0)) / 1042 + 1 }')
diag "the burst took $(awk -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.3f", t1 - t0 }') s: at most $allowed may pass"
check "the kbps meter held the burst to its rate ($((tx5 - tx4)) of 200, at most $allowed)" \
    test $((tx5 - tx4)) -ge 1 -a $((tx5 - tx4)) -le "$allowed"

# Errors.
out=$($O add-meter "$M" "meter=2,kbps,bands=type=dscp_remark rate=100 prec_level=3" 2>&1)
check "a dscp_remark band beyond AF's drop precedences is refused: OFPMMFC_BAD_BAND" \
    grep_in "$out" OFPMMFC_BAD_BAND
out=$($O add-flow "$M" "actions=meter:9,output:2" 2>&1)
check "a flow to a missing meter is refused: OFPMMFC_INVALID_METER" \
    grep_in "$out" OFPMMFC_INVALID_METER
out=$($O add-meter "$M" "meter=1,pktps,bands=type=drop rate=5" 2>&1)
check "adding an existing meter: OFPMMFC_METER_EXISTS" \
    grep_in "$out" OFPMMFC_METER_EXISTS
check "meter-features lists drop bands, kbps and pktps" \
    grep_in "$($O meter-features "$M")" "capabilities: kbps pktps burst stats"

out=$(ctl del-meters xenbr0 meter=0 2>&1)
check "del-meters refuses meter 0 ($out)" grep_in "$out" "expected meter=N"
check "del-meters removes meter 1" $O del-meters "$M" meter=1
check "and the flow that used it" \
    sh -c '! ovs-ofctl -O OpenFlow13 dump-flows "$1" | grep -q "meter:1"' _ "$M"

# xvs-ctl meters are saved and restored.
check "xvs-ctl add-meter" ctl add-meter xenbr0 \
    "meter=5,pktps,bands=type=drop rate=50"
check "xvs-ctl add-flow using it" ctl add-flow xenbr0 \
    "priority=20,udp,in_port=1,actions=meter:5,output:2"
check "the meter is saved" grep -q "meter=5,pktps" "$T/xvs.yaml"
out=$(ctl add-meter xenbr0 "meter=6,kbps,pktps,bands=type=drop rate=5" 2>&1)
check "xvs-ctl add-meter refuses a bad meter ($out)" grep_in "$out" "bad meter"
stop_switchd
check "xvs-switchd restarts" start_switchd
check "meter 5 is back" grep_in "$(ctl dump-meters xenbr0)" "flows=1, .*meter=5,pktps"
tx6=$(port_stat vif82.0 tx_packets)
send_udp 300
wait_for 30 meter_seen 5 300
tx7=$(port_stat vif82.0 tx_packets)
check "and polices its flow ($((tx7 - tx6)) of 300 passed)" \
    test $((tx7 - tx6)) -ge 1 -a $((tx7 - tx6)) -lt 300

# A dscp_remark band: over 1 packet/s (burst 1), AF11 datagrams go on as
# AF12 (RFC 2597 drop precedence +1), with a valid IP checksum; none is
# dropped; the band counts the remarked ones.
check "add-meter with a dscp_remark band" $O add-meter "$M" \
    "meter=6,pktps,burst,stats,bands=type=dscp_remark rate=1 burst_size=1 prec_level=1"
check "a flow through it" $O add-flow "$M" \
    "priority=30,udp,in_port=1,tp_dst=10,actions=meter:6,output:2"
rm -f "$T/remark" "$T/remark.err"
ip netns exec xvs-g82 timeout 30 tcpdump -nvv -U --immediate-mode -i eth0 \
    -c 10 udp port 10 >"$T/remark" 2>"$T/remark.err" &
cap=$!
wait_for 30 grep -q "listening on" "$T/remark.err"
ip netns exec xvs-g81 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x28)   # AF11
for _ in range(10):
    s.sendto(b"x", ("10.81.0.2", 10))'
wait "$cap"
af11=$(grep -c "tos 0x28" "$T/remark")
af12=$(grep -c "tos 0x30" "$T/remark")
check "all 10 arrived, the first as sent, later ones as AF12 ($af11 AF11, $af12 AF12)" \
    test "$af11" -ge 1 -a "$af12" -ge 5 -a $((af11 + af12)) -eq 10
check "with IP checksums that verify" sh -c '! grep -q "bad cksum" "$1"' _ "$T/remark"
check "the band counted the remarked ones" \
    grep_in "$($O meter-stats "$M" | grep -A1 'meter:6 ')" "0: packet_count:$af12 "
