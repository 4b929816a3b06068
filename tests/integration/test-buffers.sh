#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Packet buffering: a controller that asks for fewer bytes of a packet
# than it has gets them with a buffer id, and forwards the whole packet
# by naming the id in a packet-out or a flow_mod (of-buffers.py, over
# OpenFlow 1.3); Open vSwitch's ovs-testcontroller, an OpenFlow 1.0
# learning switch that asks for 128 bytes of each miss and forwards by
# buffer id, carries 1000-byte pings between two guests without a flow.
. "$(dirname "$0")/lib.sh"
begin
command -v python3 >/dev/null || skip_all "needs python3"
command -v ovs-testcontroller >/dev/null \
    || skip_all "needs ovs-testcontroller (openvswitch-testcontroller)"

add_guest xvs-g95 vif95.0 10.95.0.1
add_guest xvs-g96 vif96.0 10.95.0.2
# No ARP through the controller's table-miss rule: the guests know
# each other.
ip -n xvs-g95 neigh replace 10.95.0.2 lladdr "$(guest_mac xvs-g96)" dev eth0
ip -n xvs-g96 neigh replace 10.95.0.1 lladdr "$(guest_mac xvs-g95)" dev eth0
write_config <<'YAML'
bridges:
  - name: xenbr0
    fail-mode: secure
    internal-port: false
    ports:
      - {name: vif95.0, type: xenvif, ofport: 1}
      - {name: vif96.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
check "features give 256 buffers" \
    grep_in "$(ovs-ofctl show "$M")" "n_buffers:256"

python3 "$top_srcdir/tests/integration/of-buffers.py" "$T/xenbr0.mgmt" \
    xvs-g95 xvs-g96 10.95.0.2 >"$T/results" 2>&1
script_results "$T/results" 10 of-buffers.py
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"

# ovs-testcontroller --noflow forwards every packet by packet-out: with
# 128 of a ping's 1042 bytes in each packet-in, only the buffer id can
# deliver it.
check "the flows go" ovs-ofctl del-flows "$M"
PORT=$((30000 + ($$ + 7) % 20000))
ovs-testcontroller -O OpenFlow10 --noflow "ptcp:$PORT:127.0.0.1" \
    --unixctl="$T/tc.ctl" --log-file="$T/tc.log" >/dev/null 2>&1 &
PIDS="$PIDS $!"
check "set-controller" ctl set-controller xenbr0 "tcp:127.0.0.1:$PORT"
connected() {
    grep_in "$(ctl show)" "controller: tcp:127.0.0.1:$PORT \(connected, OpenFlow10"
}
check "xvs connects to ovs-testcontroller over OpenFlow 1.0" \
    wait_for 30 connected
big_ping() {
    ip netns exec xvs-g95 ping -q -c 3 -i 0.2 -W 10 -s 1000 10.95.0.2 \
        >/dev/null 2>&1
}
check "1000-byte pings go through the controller's packet-outs" \
    wait_for 30 big_ping
check "with no flow installed" \
    test "$(ovs-ofctl dump-flows "$M" | grep -c actions=)" -eq 0
check "show counts the packet-ins sent buffered" \
    grep_in "$(ctl show)" "packet-ins sent [1-9][0-9]* dropped [0-9]+, buffered [1-9]"
json=$(ctl --format=json show)
check "and so does its JSON" grep_in "$json" '"packet_ins_buffered": ?[1-9]'
small_ping() {
    ip netns exec xvs-g95 ping -q -c 3 -i 0.2 -W 10 10.95.0.2 >/dev/null 2>&1
}
check "short pings (whole in 128 bytes) go too" small_ping
