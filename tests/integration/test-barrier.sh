#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Consistency: once xvs answers a barrier, no packet is handled by a rule
# changed or deleted before it, with traffic running through the change
# (ovs-ofctl waits for the barrier reply before it returns).
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v bash >/dev/null || skip_all "needs bash (/dev/udp)"

add_guest xvs-g86 vif86.0 10.86.0.1
add_guest xvs-g87 vif87.0 10.86.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif86.0, type: xenvif, ofport: 1}
      - {name: vif87.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"
ip netns exec xvs-g86 ip neigh replace 10.86.0.2 lladdr "$(guest_mac xvs-g87)" dev eth0
check "a rule sends guest 1's UDP to port 2" \
    $O add-flow "$M" "priority=10,udp,in_port=1,actions=output:2"

# A stream of datagrams, as fast as a shell loop goes, all along.
ip netns exec xvs-g86 bash -c '
    exec 3<>/dev/udp/10.86.0.2/9
    while :; do echo x >&3; done' 2>/dev/null &
PIDS="$PIDS $!"
tx() { port_stat vif87.0 tx_packets; }
# flows_on: whether the stream still reaches port 2 (waited for: the
# sending shell may be slow to get the CPU on a loaded machine).
flows_on() {
    a=$(tx)
    wait_for 30 tx_reaches $((a + 1)) vif87.0
}
check "the stream flows to port 2" flows_on

for round in 1 2 3 4 5; do
    $O mod-flows "$M" "udp,in_port=1,actions=drop"
    frozen=$(tx)
    sleep 0.3
    later=$(tx)
    check "round $round: after mod-flows to drop, port 2 got nothing more ($frozen -> $later)" \
        test "$later" -eq "$frozen"
    $O mod-flows "$M" "udp,in_port=1,actions=output:2"
    check "round $round: after mod-flows back, the stream flows again" \
        flows_on
done

$O del-flows "$M"
frozen=$(tx)
sleep 0.3
check "after del-flows of every rule (table miss), port 2 got nothing more" \
    test "$(tx)" -eq "$frozen"
cat >"$T/flows" <<'FLOWS'
priority=20,udp,in_port=1,actions=output:2
FLOWS
ovs-ofctl -O OpenFlow14 --bundle add-flows "$M" "$T/flows"
check "after a bundle commit, its rule carries the stream" flows_on
echo "priority=30,udp,in_port=1,actions=drop" >"$T/flows2"
ovs-ofctl -O OpenFlow14 --bundle replace-flows "$M" "$T/flows2"
frozen=$(tx)
sleep 0.3
check "after a bundle replacing it with a drop, port 2 got nothing more" \
    test "$(tx)" -eq "$frozen"
