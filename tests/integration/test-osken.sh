#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A controller written in Python with os-ken (Debian's python3-os-ken)
# drives xvs over TCP: it gets the features, installs a table-miss rule,
# receives PACKET_INs for the guests' first packets, answers with
# PACKET_OUTs and FLOW_MODs, and the guests reach each other through the
# flows it made.
. "$(dirname "$0")/lib.sh"
begin
command -v osken-manager >/dev/null || skip_all "needs osken-manager (python3-os-ken)"
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl"

add_guest xvs-g56 vif56.0 10.56.0.1
add_guest xvs-g57 vif57.0 10.56.0.2
PORT=$((30000 + ($$ + 7) % 20000))
write_config <<YAML
bridges:
  - name: xenbr0
    datapath-id: 0x56
    fail-mode: secure
    internal-port: false
    controllers: ["tcp:127.0.0.1:$PORT"]
    protocols: [OpenFlow13]
    ports:
      - {name: vif56.0, type: xenvif, ofport: 1}
      - {name: vif57.0, type: xenvif, ofport: 2}
YAML
OSKEN_LOG=$T/osken.log osken-manager --ofp-listen-host 127.0.0.1 \
    --ofp-tcp-listen-port "$PORT" \
    "$top_srcdir/tests/integration/osken-switch.py" >"$T/osken.out" 2>&1 &
PIDS="$PIDS $!"
check "xvs-switchd starts" start_switchd
connected() { grep_in "$(ctl show)" "controller: tcp:127.0.0.1:$PORT \(connected"; }
check "xvs connects to the os-ken controller" wait_for 20 connected
has_features() { grep -q "FEATURES" "$T/osken.log" 2>/dev/null; }
check "os-ken got the features with the datapath id" wait_for 10 has_features
check "the datapath id is the configured one" \
    grep -q "FEATURES dpid=0x56 n_tables=255" "$T/osken.log"
check "guests reach each other through the controller" \
    wait_for 10 ping_ok xvs-g56 10.56.0.2 3
log=$(cat "$T/osken.log")
check "os-ken received PACKET_INs from port 1 (table miss rule: reason no_match)" \
    grep_in "$log" "PACKET_IN in_port=1 reason=0 table=0 src="
check "and from port 2" grep_in "$log" "PACKET_IN in_port=2 "
check "os-ken sent PACKET_OUTs" grep_in "$log" "PACKET_OUT out=(FLOOD|[12])"
check "os-ken sent FLOW_MODs" grep_in "$log" "FLOW_MOD priority=10"
check "no OpenFlow error came back" sh -c '! grep -q ERROR "$1"' _ "$T/osken.log"
flows=$(ovs-ofctl -O OpenFlow13 dump-flows "unix:$T/xenbr0.mgmt")
check "its flows carry the traffic (cookie 0x5151, packets counted)" \
    grep_in "$flows" "cookie=0x5151, .*n_packets=[1-9].*priority=10"
