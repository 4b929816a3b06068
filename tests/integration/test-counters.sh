#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The counters users read agree with the traffic.  The datapath counts
# per megaflow and passes the counts on to the rules, tables, groups and
# mirrors in bulk (not per burst): whatever asks -- xvs-ctl dump-flows,
# an OpenFlow flow, aggregate, table or group statistics request, a
# FLOW_REMOVED at an idle timeout -- must see every packet forwarded
# before it asked, at once, without waiting; and a rule that keeps
# getting packets must not expire as idle.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v bash >/dev/null || skip_all "needs bash (/dev/udp)"
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g91 vif91.0 10.91.0.1
add_guest xvs-g92 vif92.0 10.91.0.2
add_guest xvs-g93 vif93.0 10.91.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif91.0, type: xenvif, ofport: 1}
      - {name: vif92.0, type: xenvif, ofport: 2}
      - {name: vif93.0, type: xenvif, ofport: 3}
    groups:
      - "group_id=7,type=all,bucket=output:2"
    flows:
      - "priority=10,udp,in_port=1,tp_dst=5001,actions=output:2"
      - "priority=10,udp,in_port=1,tp_dst=5002,actions=group:7"
      - "priority=5,in_port=3,actions=output:2"
      - "priority=0,actions=NORMAL"
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"
# Static neighbours: no ARP in the counts.
ip netns exec xvs-g91 ip neigh replace 10.91.0.2 lladdr "$(guest_mac xvs-g92)" dev eth0
ip netns exec xvs-g93 ip neigh replace 10.91.0.2 lladdr "$(guest_mac xvs-g92)" dev eth0
ip netns exec xvs-g92 socat -u UDP4-RECV:5001 OPEN:/dev/null & PIDS="$PIDS $!"
ip netns exec xvs-g92 socat -u UDP4-RECV:5002 OPEN:/dev/null & PIDS="$PIDS $!"
ip netns exec xvs-g92 socat -u UDP4-RECV:5003 OPEN:/dev/null & PIDS="$PIDS $!"

# send NS PORT COUNT [GAP]: COUNT datagrams from one socket (one flow:
# after the first, exact-match cache hits), GAP seconds apart.
send() {
    ip netns exec "$1" bash -c '
        exec 3<>/dev/udp/10.91.0.2/'"$2"'
        for i in $(seq 1 '"$3"'); do
            echo x >&3
            [ -z "'"${4:-}"'" ] || sleep '"${4:-0}"'
        done' 2>/dev/null
}
tx2() { port_stat vif92.0 tx_packets; }

a=$(tx2)
send xvs-g91 5001 500
check "guest 2 got the 500 datagrams" wait_for 30 tx_reaches $((a + 500)) vif92.0
# No waiting from here on: each request must see the 500 at once.
check "dump-flows counts 500 at once" \
    grep_in "$(ctl dump-flows xenbr0)" "n_packets=500, .*tp_dst=5001"
check "OpenFlow flow stats count 500" \
    grep_in "$($O dump-flows "$M" udp,tp_dst=5001)" "n_packets=500,"
check "aggregate stats count 500" \
    grep_in "$($O dump-aggregate "$M" udp,tp_dst=5001)" "packet_count=500 "
check "the megaflow counted 500 too (dump-cache)" \
    grep_in "$(ctl dump-cache)" "tp_dst=5001.*packets:500,|packets:500,.*tp_dst=5001"

b=$(tx2)
send xvs-g91 5002 300
check "guest 2 got 300 through the group" wait_for 30 tx_reaches $((b + 300)) vif92.0
check "group stats count 300, bucket included" \
    grep_in "$($O dump-group-stats "$M")" \
    "group_id=7,.*packet_count=300,.*bucket0:packet_count=300,"
matched0=$(ctl dump-tables xenbr0 | sed -n 's/^ *table 0:.*matched=\([0-9]*\).*/\1/p')
check "table 0's stats count the 800 matches at least (${matched0:-none})" \
    test "${matched0:-0}" -ge 800

# Guest 3's port matches a rule on the input port alone (the fast path's
# shortcut): the rule counts every packet the port received.
c=$(tx2)
send xvs-g93 5003 200
check "guest 2 got guest 3's 200" wait_for 30 tx_reaches $((c + 200)) vif92.0
rx3=$(port_stat vif93.0 rx_packets)
check "the port-only rule counted all $rx3 packets port 3 received" \
    grep_in "$(ctl dump-flows xenbr0)" "n_packets=$rx3, .*priority=5,in_port=3 "

# An idle timeout: the rule lives while packets keep coming, then goes
# with a FLOW_REMOVED that counts them all.
$O monitor "$M" 65534 --unixctl="$T/monitor.ctl" >"$T/monitor" 2>&1 &
MON=$!
PIDS="$PIDS $MON"
check "a rule with idle_timeout=3, send_flow_rem" $O add-flow "$M" \
    "priority=20,udp,in_port=1,tp_dst=5001,idle_timeout=3,send_flow_rem,actions=output:2"
d=$(tx2)
send xvs-g91 5001 25 0.2
check "guest 2 got the 25 datagrams" wait_for 30 tx_reaches $((d + 25)) vif92.0
check "5 s of traffic did not expire it (packets 0.2 s apart)" \
    grep_in "$($O dump-flows "$M" udp,tp_dst=5001)" "n_packets=25, .*idle_timeout=3"
removed() { grep -q "OFPT_FLOW_REMOVED" "$T/monitor"; }
check "then it expires as idle" wait_for 30 removed
check "its FLOW_REMOVED counts the 25 ($(grep -o 'reason=.*' "$T/monitor" | head -n 1))" \
    grep -q "reason=idle .*pkts25 " "$T/monitor"
