#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Flow monitors (OpenFlow 1.4's, the ONF extension's for 1.3 and Open
# vSwitch's NXST_FLOW_MONITOR for 1.0), as "ovs-ofctl monitor ...
# watch:" uses them: the initial table, then every rule added, modified
# and removed (delete, hard timeout, xvs-ctl), with its match and actions,
# filtered by table and out_port; own changes abbreviated; then
# flow-monitor.py for the errors, cancelling and flow control.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v ovs-appctl >/dev/null || skip_all "needs ovs-appctl (openvswitch-common)"
command -v python3 >/dev/null || skip_all "needs python3"

add_guest xvs-g97 vif97.0 10.97.0.1
add_guest xvs-g98 vif98.0 10.97.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    fail-mode: secure
    internal-port: false
    ports:
      - {name: vif97.0, type: xenvif, ofport: 1}
      - {name: vif98.0, type: xenvif, ofport: 2}
    flows:
      - "priority=5,in_port=1,actions=output:2"
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt

# One monitor per OpenFlow version, one watching table 1 only, one
# watching rules that output to port 2, one without actions.
start_monitor() {   # NAME VERSION WATCH
    ovs-ofctl -O "$2" monitor "$M" "$3" --unixctl="$T/$1.ctl" \
        >"$T/$1" 2>&1 &
    PIDS="$PIDS $!"
    MONITORS="$MONITORS $!"
}
MONITORS=
start_monitor of10 OpenFlow10 watch:
start_monitor of13 OpenFlow13 watch:
start_monitor of14 OpenFlow14 watch:
start_monitor table1 OpenFlow14 watch:table=1
start_monitor port2 OpenFlow14 watch:out_port=2
start_monitor noacts OpenFlow14 'watch:!actions,!initial'
started() {
    for m in of10 of13 of14 table1 port2; do
        grep -q "FLOW_MONITOR reply" "$T/$m" || return 1
    done
    ovs-appctl -t "$T/noacts.ctl" version >/dev/null 2>&1
}
check "six monitors are set up" wait_for 30 started
check "OpenFlow 1.4: the initial table, as INITIAL" \
    grep_in "$(cat "$T/of14")" "event=INITIAL table=0 cookie=0 in_port=1 actions=output:2"
check "OpenFlow 1.0: the initial table, as ADDED in the reply" \
    grep_in "$(cat "$T/of10")" "event=ADDED table=0 cookie=0 in_port=1 actions=output:2"

O="ovs-ofctl -O OpenFlow13"
check "a controller adds a rule" \
    $O add-flow "$M" "table=1,priority=7,cookie=0x11,ip,nw_dst=10.0.0.1,actions=output:1"
check "modifies it" $O mod-flows "$M" "table=1,ip,nw_dst=10.0.0.1,actions=output:2"
check "adds one with a hard timeout" \
    $O add-flow "$M" "table=2,hard_timeout=1,cookie=0x22,actions=drop"
check "xvs-ctl adds one" ctl add-flow xenbr0 "table=3,cookie=0x33,priority=9,actions=output:2"
expired() { grep -q "event=DELETED reason=hard table=2" "$T/of14"; }
check "the hard timeout goes (reported)" wait_for 30 expired
check "the controller deletes table 1" $O del-flows "$M" "table=1"
check "xvs-ctl deletes table 3" ctl del-flows xenbr0 "table=3"
all_seen() { grep -q "event=DELETED reason=delete table=3" "$T/$1"; }
for m in of10 of13 of14; do
    check "$m: all reported" wait_for 30 all_seen "$m"
    mon=$(cat "$T/$m")
    check "$m: the add, with its match and actions" \
        grep_in "$mon" "event=ADDED table=1 cookie=0x11 ip,nw_dst=10.0.0.1 actions=output:1"
    check "$m: the modify, with the new actions" \
        grep_in "$mon" "event=MODIFIED table=1 cookie=0x11 ip,nw_dst=10.0.0.1 actions=output:2"
    check "$m: the hard timeout" \
        grep_in "$mon" "event=DELETED reason=hard table=2 hard_timeout=1 cookie=0x22"
    check "$m: the delete, with its reason" \
        grep_in "$mon" "event=DELETED reason=delete table=1 cookie=0x11 ip,nw_dst=10.0.0.1 actions=output:2"
    check "$m: xvs-ctl's add and delete" \
        grep_in "$mon" "event=ADDED table=3 cookie=0x33 actions=output:2"
done
n_events() { [ "$(grep -c "event=" "$T/$1")" -ge "$2" ]; }
check "table=1: its table's changes" wait_for 30 n_events table1 3
check "table=1: its table's only" \
    sh -c '[ "$(grep -c "event=" "$1")" -eq 3 ] && ! grep "event=" "$1" | grep -qv "table=1 "' _ "$T/table1"
t1=$(grep "event=" "$T/table1" | tr -d '\n')
check "table=1: add, modify, delete ($t1)" \
    grep_in "$t1" "event=ADDED .*event=MODIFIED .*event=DELETED"
# out_port=2: the initial rule, the modify (to port 2), the delete, and
# xvs-ctl's rule; not the add to port 1 nor the drop.
check "out_port=2: the rules that output to port 2" wait_for 30 n_events port2 5
p2=$(grep "event=" "$T/port2" | tr -d '\n')
check "out_port=2: those 5 only ($p2)" \
    test "$(grep -c "event=" "$T/port2")" -eq 5
check "out_port=2: not the add to port 1" \
    sh -c '! grep "event=ADDED table=1" "$1"' _ "$T/port2"
check "!actions: its updates come" wait_for 30 n_events noacts 5
check "!actions: no actions in its updates" \
    sh -c 'grep -q "event=ADDED table=1" "$1" && ! grep -q "actions=" "$1"' _ "$T/noacts"
check "!initial: no initial table" \
    sh -c '! grep -q "in_port=1" "$1"' _ "$T/noacts"

# A change made on a monitor's own connection (ofctl/send) that asked
# not to see its own changes in full ("!own"): one abbreviated update
# with the request's xid.
start_monitor own OpenFlow14 'watch:!own,!initial'
own_up() { ovs-appctl -t "$T/own.ctl" version >/dev/null 2>&1 && grep -q "FLOW_MONITOR reply" "$T/own"; }
check "a monitor with !own" wait_for 30 own_up
fm=$(python3 -c 'import struct; b=struct.pack("!QQBBHHHIIIH2x",0,0,4,0,0,0,77,0xffffffff,0xffffffff,0xffffffff,0)+struct.pack("!HH4x",1,4); print((struct.pack("!BBHI",5,14,8+len(b),0xabc)+b).hex())')
check "ofctl/send makes a flow_mod on that connection" \
    ovs-appctl -t "$T/own.ctl" ofctl/send "$fm"
abbrev() { grep -q "event=ABBREV xid=0xabc" "$T/own"; }
check "it comes back as ABBREV xid=0xabc" wait_for 30 abbrev
check "and to the others in full" \
    wait_for 30 grep -q "event=ADDED table=4 cookie=0" "$T/of14"

check "the flows go" $O del-flows "$M"
for p in $MONITORS; do kill "$p"; done
awk 'BEGIN { for (i = 0; i < 20000; i++)
    printf "table=5,cookie=%d,priority=100,ip,nw_dst=10.%d.%d.%d,actions=output:2\n",
           i, int(i / 65536), int(i / 256) % 256, i % 256 }' >"$T/flows"
python3 "$top_srcdir/tests/integration/flow-monitor.py" "$T/xenbr0.mgmt" \
    "$T/flows" >"$T/results" 2>&1
script_results "$T/results" 13 flow-monitor.py
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
