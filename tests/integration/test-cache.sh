#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The caches: packets hit them, their counts reach the OpenFlow rules,
# a flow change takes effect for every packet once xvs-ctl returns (with
# traffic running), and idle megaflows expire.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g81 vif81.0 10.81.0.1
add_guest xvs-g82 vif82.0 10.81.0.2
# Static neighbours: no ARP traffic to blur the counts below.
ip -n xvs-g81 neigh add 10.81.0.2 lladdr "$(guest_mac xvs-g82)" dev eth0
ip -n xvs-g82 neigh add 10.81.0.1 lladdr "$(guest_mac xvs-g81)" dev eth0
write_config <<'YAML'
cache:
  emc-insert-inv-prob: 1
  megaflow-idle-ms: 1000
bridges:
  - name: xenbr0
    # No dom0 port: its own traffic (IPv6 router solicitations...) would
    # blur the packet counts below.
    internal-port: false
    ports:
      - {name: vif81.0, type: xenvif, driver: af_packet, ofport: 1}
      - {name: vif82.0, type: xenvif, driver: af_packet, ofport: 2}
    flows:
      - "priority=10,icmp,in_port=1,actions=output:2"
      - "priority=10,icmp,in_port=2,actions=output:1"
      - "priority=5,arp,actions=FLOOD"
YAML
check "xvs-switchd starts" start_switchd
# cache_has REGEX: whether a line of dump-cache matches, now.
cache_has() {
    grep_in "$(ctl dump-cache)" "$1"
}
check "the guests reach each other" ping_ok xvs-g81 10.81.0.2 1
check "pmd-stats-clear" ctl pmd-stats-clear

check "50 more pings" ping_ok xvs-g81 10.81.0.2 50
hits=$(pmd_stat emc_hits)
upcalls=$(pmd_stat upcalls)
diag "after 50 pings: emc_hits=$hits upcalls=$upcalls"
check "most packets hit the exact-match cache ($hits of 100)" \
    test "${hits:-0}" -ge 90

# Every echo request went through the in_port=1 rule: 1 + 50, all
# counted, although 49 of them never left the caches.
flows=$(ctl dump-flows xenbr0)
check "the rule's counter includes the cached packets" \
    grep_in "$flows" "n_packets=51, .*priority=10,icmp,in_port=1 "

# The caches' contents, with traffic keeping the megaflows from going
# idle (megaflow-idle-ms is 1 s here, and a loaded machine may take that
# long between two commands).
ip netns exec xvs-g81 ping -q -i 0.1 10.81.0.2 >/dev/null 2>&1 &
keepalive=$!
PIDS="$PIDS $keepalive"
wait_for 30 cache_has "in_port=vif81.0,"
cache=$(ctl dump-cache)
kill "$keepalive"
wait "$keepalive" 2>/dev/null
check "megaflows are listed by dump-cache" \
    grep_in "$cache" "in_port=vif81.0,.*nw_proto=1.*actions:output:vif82.0"
check "dump-cache reports EMC occupancy" \
    grep_in "$cache" "EMC: [1-9][0-9]* of [0-9]+ entries in use"

# A flow change under traffic: once add-flow returns, no packet is
# forwarded by the old megaflows.
# The pings run until the checks are done, however long the machine takes.
ip netns exec xvs-g81 ping -q -i 0.005 10.81.0.2 >/dev/null 2>&1 &
ping_pid=$!
PIDS="$PIDS $ping_pid"
tx0=$(port_stat vif82.0 tx_packets)
tx_above() {
    test "$(port_stat vif82.0 tx_packets)" -gt "$1"
}
wait_for 30 tx_above "$((tx0 + 20))"
check "add-flow drops guest 1's pings (traffic running)" \
    ctl add-flow xenbr0 "priority=20,icmp,in_port=1,actions=drop"
tx_at_return=$(port_stat vif82.0 tx_packets)
sleep 0.5
tx_later=$(port_stat vif82.0 tx_packets)
check "no ping reached guest 2 after add-flow returned ($tx_at_return -> $tx_later)" \
    test "$tx_later" -eq "$tx_at_return"
kill "$ping_pid"
wait "$ping_pid" 2>/dev/null
check "the drop rule counted the pings" \
    grep_in "$(ctl dump-flows xenbr0)" \
    "n_packets=[1-9][0-9]*, .*priority=20,icmp,in_port=1 actions=drop"

# Idle megaflows expire (megaflow-idle-ms: 1000, checked every second):
# within a few seconds, or as soon as a loaded machine gets to it.
wait_for 30 cache_has "^0 megaflow\(s\)"
check "idle megaflows have expired" cache_has "^0 megaflow\(s\)"

# IPv6 packets of the common shape (no extension headers) have an
# exact-match table of their own: they hit it as IPv4 packets hit theirs.
guest_ipv6 xvs-g81 vif81.0 fd00:81::1
guest_ipv6 xvs-g82 vif82.0 fd00:81::2
ip -n xvs-g81 -6 neigh replace fd00:81::2 lladdr "$(guest_mac xvs-g82)" \
    dev eth0
ip -n xvs-g82 -6 neigh replace fd00:81::1 lladdr "$(guest_mac xvs-g81)" \
    dev eth0
ctl add-flow xenbr0 "priority=10,ipv6,in_port=1,actions=output:2"
ctl add-flow xenbr0 "priority=10,ipv6,in_port=2,actions=output:1"
check "the guests reach each other over IPv6" ping_ok xvs-g81 fd00:81::2 1
check "pmd-stats-clear" ctl pmd-stats-clear
check "50 more IPv6 pings" ping_ok xvs-g81 fd00:81::2 50
hits=$(pmd_stat emc_hits)
diag "after 50 IPv6 pings: emc_hits=$hits"
check "most IPv6 packets hit the exact-match cache ($hits hits, 100 echoes)" \
    test "${hits:-0}" -ge 90
