#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Flows added and deleted with xvs-ctl change where packets go, at once.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g31 vif31.0 10.31.0.1
add_guest xvs-g32 vif32.0 10.31.0.2
add_guest xvs-g33 vif33.0 10.31.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    # No dom0 port: its own traffic (IPv6 router solicitations...) would
    # blur the packet counts below.
    internal-port: false
    ports:
      - {name: vif31.0, type: xenvif, ofport: 1}
      - {name: vif32.0, type: xenvif, ofport: 2}
      - {name: vif33.0, type: xenvif, ofport: 3}
    flows:
      - "priority=0 actions=NORMAL"
YAML
check "xvs-switchd starts" start_switchd
check "guests 1 and 2 reach each other through NORMAL" \
    ping_ok xvs-g31 10.31.0.2

check "add-flow drops guest 1's traffic" \
    ctl add-flow xenbr0 "priority=100,in_port=1,actions=drop"
if ping_quick xvs-g31 10.31.0.2 2; then
    not_ok "pings from guest 1 are dropped"
else
    ok "pings from guest 1 are dropped"
fi
check "the drop flow counted them" grep_in "$(ctl dump-flows xenbr0)" \
    "n_packets=[1-9].*priority=100,in_port=1 actions=drop"

check "del-flows removes the drop flow" ctl del-flows xenbr0 "in_port=1"
check "guests 1 and 2 reach each other again" ping_ok xvs-g31 10.31.0.2

# Redirect guest 1's IP traffic to port 3.  The guests' addresses are made
# static in each other first: neighbour probes (guest 1's, of an address
# that stops answering, or guest 2's, of one gone stale) and their answers
# would otherwise reach port 2, early or late depending on the machine's
# load.
ip -n xvs-g31 neigh replace 10.31.0.2 lladdr "$(guest_mac xvs-g32)" dev eth0
ip -n xvs-g32 neigh replace 10.31.0.1 lladdr "$(guest_mac xvs-g31)" dev eth0
tx2=$(port_stat vif32.0 tx_packets)
tx3=$(port_stat vif33.0 tx_packets)
check "add-flow redirects guest 1's IP traffic to port 3" \
    ctl add-flow xenbr0 "priority=100,in_port=1,ip,actions=output:3"
ip netns exec xvs-g31 ping -c 5 -i 0.2 -W 1 10.31.0.2 >/dev/null 2>&1
tx2b=$(port_stat vif32.0 tx_packets)
tx3b=$(port_stat vif33.0 tx_packets)
check "port 3 got the 5 pings ($tx3 -> $tx3b)" test "$((tx3b - tx3))" -ge 5
check "port 2 got none of them ($tx2 -> $tx2b)" test "$tx2b" -eq "$tx2"

check "the flows are saved to the configuration file" \
    grep -q "priority=100,ip,in_port=1 actions=output:3" "$T/xvs.yaml"

# Flow files: add-flows is all or nothing, replace-flows swaps the table.
cat >"$T/more" <<'FLOWS'
# ARP by NORMAL, IP through table 1
priority=200,arp,actions=NORMAL

priority=150,ip,actions=goto_table:1
table=1,ip,nw_dst=10.31.0.2,actions=output:2
table=1,ip,nw_dst=10.31.0.1,actions=output:1
FLOWS
check "add-flows from a file" ctl add-flows xenbr0 "$T/more"
check "guests 1 and 2 reach each other through table 1" ping_ok xvs-g31 10.31.0.2
check "dump-tables counts table 1's lookups" \
    grep_in "$(ctl dump-tables xenbr0)" "table 1: active=2, lookup=[1-9]"
n=$(ctl dump-flows xenbr0 | grep -c actions=)
printf 'priority=1,actions=drop\nin_port=9,actions=frobnicate\n' >"$T/bad"
out=$(ctl add-flows xenbr0 "$T/bad" 2>&1)
check "add-flows names the bad line ($out)" grep_in "$out" "line 2: .*frobnicate"
check "and adds none of the file" \
    test "$(ctl dump-flows xenbr0 | grep -c actions=)" -eq "$n"
printf 'priority=0,actions=NORMAL\n' >"$T/normal"
check "replace-flows makes the table that of the file" \
    ctl replace-flows xenbr0 "$T/normal"
check "one flow is left" test "$(ctl dump-flows xenbr0 | grep -c actions=)" -eq 1
check "and it is saved" \
    test "$(grep -c 'actions=' "$T/xvs.yaml")" -eq 1
check "guests 1 and 2 reach each other through NORMAL" ping_ok xvs-g31 10.31.0.2
out=$(ctl add-flows xenbr0 /nonexistent 2>&1)
check "add-flows of a missing file fails with the file's name" \
    grep_in "$out" "/nonexistent: No such file"
