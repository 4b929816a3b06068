#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# OpenFlow peers that abuse the switch cost it bounded memory: a peer that
# sends requests and never reads the replies is no longer read once 100
# replies wait (its memory stays flat), and connections beyond 64 are
# closed at once; the switch keeps serving everyone else.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v python3 >/dev/null || skip_all "needs python3"

add_guest xvs-g184 vif184.0 10.184.0.1
add_guest xvs-g185 vif185.0 10.184.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif184.0, type: xenvif, ofport: 1}
      - {name: vif185.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
flood="python3 $top_srcdir/tests/integration/of-flood.py"
M=$T/xenbr0.mgmt
rss() {
    awk '/^VmRSS:/ {print $2}' "/proc/$SWITCHD_PID/status"
}

rss0=$(rss)
$flood requests "$M" 2000 8 >"$T/flood" 2>&1 &
fpid=$!
PIDS="$PIDS $fpid"
# While the peer holds its unread replies: the switch answers others.
sleep 3
check "while a peer sits on 2000 unanswered table-features requests, ovs-ofctl is served" \
    grep_in "$(ovs-ofctl -O OpenFlow13 show "unix:$M")" "n_tables:255"
rss1=$(rss)
diag "RSS $rss0 kB before, $rss1 kB with the peer's requests pending ($(cat "$T/flood"))"
# Unbounded, 2000 table-features replies took 1.1 GB.
check "the switch's memory grew by less than 100 MB ($((rss1 - rss0)) kB)" \
    test $((rss1 - rss0)) -lt 102400
wait $fpid
check "the switch is still alive after the peer hung up" kill -0 "$SWITCHD_PID"

$flood conns "$M" 100 3 >"$T/conns" 2>&1 &
cpid=$!
PIDS="$PIDS $cpid"
# The peer decides each connection (closed, or its echo answered) or
# gives up after 240 s of its own: wait for its verdict, not a time.
wait_for 300 grep -q "^closed" "$T/conns"
diag "$(cat "$T/conns")"
# 36 exactly, unless the previous peers' connections are still being
# torn down.
closed=$(sed -n 's/^closed \([0-9]*\) of 100 .*/\1/p' "$T/conns")
check "of 100 connections at once, those beyond 64 were closed ($(cat "$T/conns"))" \
    test "${closed:-0}" -ge 34 -a "${closed:-0}" -le 36
wait $cpid
check "once they are gone, ovs-ofctl connects again" \
    wait_for 10 sh -c "ovs-ofctl -O OpenFlow13 show unix:$M | grep -q n_tables:255"
check "and the guests never noticed" ping_ok xvs-g184 10.184.0.2
