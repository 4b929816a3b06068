#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Reload without loss: xvs-ctl reload and SIGHUP apply an edited
# configuration file to the running switch: ports added, removed, changed
# in place (VLAN, port security), flows replaced (flows that stay keep
# their counters, the controllers' flows stay), bridges added and
# removed, the metrics listener moved; keys that need a restart are named;
# a guest-to-guest stream across several reloads loses no packet; an
# invalid file changes nothing and says where it is wrong.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g91 vif91.0 10.91.0.1
add_guest xvs-g92 vif92.0 10.91.0.2
add_guest xvs-g93 vif93.0 10.91.0.3
add_guest xvs-g94 vif94.0 10.91.0.4

# config PORTS FLOWS [EXTRA_TOP] [EXTRA_BRIDGES]: the configuration file.
config() {
    write_config <<YAML
${3:-}
bridges:
  - name: xenbr0
    internal-port: false
    ports:
$1
    flows:
$2
${4:-}
YAML
}
P91='      - {name: vif91.0, type: xenvif, ofport: 1}'
P92='      - {name: vif92.0, type: xenvif, ofport: 2}'
P93='      - {name: vif93.0, type: xenvif, ofport: 3}'
P94='      - {name: vif94.0, type: xenvif, ofport: 4}'
NORMAL='      - "priority=0,actions=NORMAL"'
DROP='      - "priority=10,udp,tp_dst=9999,actions=drop"'

config "$P91
$P92
$P93" "$NORMAL"
check "xvs-switchd starts" start_switchd
check "guest 1 reaches guest 2" ping_ok xvs-g91 10.91.0.2
check "and guest 3" ping_ok xvs-g91 10.91.0.3
normal_packets() {
    ctl dump-flows xenbr0 | sed -n 's/.*n_packets=\([0-9]*\),.*priority=0.*NORMAL.*/\1/p'
}
before=$(normal_packets)

out=$(ctl reload)
check "a reload of the same file changes nothing ($out)" test "$out" = "no change"

# A stream from guest 1 to guest 2 across three reloads: the first
# removes port 3, adds port 4 and a flow; the second brings port 3 back
# and changes port 4's VLAN; the third (SIGHUP) puts port 4 back.
ip netns exec xvs-g91 ping -q -i 0.005 -c 1000 -W 5 10.91.0.2 >"$T/stream" 2>&1 &
STREAM=$!
PIDS="$PIDS $STREAM"
sleep 1
config "$P91
$P92
$P94" "$DROP
$NORMAL"
out=$(ctl reload)
printf '%s\n' "$out" | sed 's/^/# reload 1: /'
check "reload 1: port 3 removed" grep_in "$out" "^bridge xenbr0: port vif93.0 removed$"
check "reload 1: port 4 added" grep_in "$out" "^bridge xenbr0: port vif94.0 added$"
check "reload 1: flows replaced" grep_in "$out" "^bridge xenbr0: flows replaced \(2, were 1\)$"
sleep 1
config "$P91
$P92
$P93
      - {name: vif94.0, type: xenvif, ofport: 4, vlan: 7}" "$DROP
$NORMAL"
out=$(ctl reload)
printf '%s\n' "$out" | sed 's/^/# reload 2: /'
check "reload 2: port 3 back, port 4's VLANs changed" \
    sh -c 'printf "%s\n" "$1" | grep -q "port vif93.0 added" &&
           printf "%s\n" "$1" | grep -q "port vif94.0: VLANs changed"' _ "$out"
sleep 1
config "$P91
$P92
$P93
$P94" "$DROP
$NORMAL"
kill -HUP "$SWITCHD_PID"
reloaded() { grep -q "reloaded .*port vif94.0: VLANs changed" "$T/log"; }
check "SIGHUP reloads (the log says what changed)" wait_for 30 reloaded
check "and xvs-switchd is still running" kill -0 "$SWITCHD_PID"
wait "$STREAM"
sed 's/^/# stream: /' "$T/stream"
check "the stream between the unchanged ports lost nothing" \
    grep -q " 1000 received, 0% packet loss" "$T/stream"

show=$(ctl show)
check "port 3 is attached again" grep_in "$show" "^    port vif93.0: ofport 3, xenvif via vnet, link up"
check "port 4 is an access port of VLAN 7 no more" \
    grep_in "$show" "^    port vif94.0: ofport 4, xenvif via vnet, link up"
check "guest 1 reaches guest 4 (added by reload)" ping_ok xvs-g91 10.91.0.4
check "and guest 3 (removed, then added again)" ping_ok xvs-g91 10.91.0.3
after=$(normal_packets)
check "the NORMAL flow kept its counters across the reloads ($before -> $after)" \
    test "$after" -gt "$before"
check "the drop flow is in the table" \
    grep_in "$(ctl dump-flows xenbr0)" "priority=10,udp,tp_dst=9999.* actions=drop"

# Port security in place, from the file.
M2=$(guest_mac xvs-g92)
config "$P91
      - {name: vif92.0, type: xenvif, ofport: 2, mac: \"$M2\", ip: [10.91.0.2]}
$P93
$P94" "$DROP
$NORMAL"
out=$(ctl reload)
check "a guest mac and ip: port security, in place ($out)" \
    grep_in "$out" "port vif92.0: guest settings \(mac, ip, port security, rate, queues\) changed"
check "show says port security is on" \
    grep_in "$(ctl show)" "^        mac $M2, ip 10.91.0.2, port security on$"
check "the guest still talks (its own addresses)" ping_ok xvs-g92 10.91.0.1

# The controllers' flows stay.
if command -v ovs-ofctl >/dev/null; then
    check "a controller's flow" ovs-ofctl add-flow "unix:$T/xenbr0.mgmt" \
        "priority=20,udp,tp_dst=7777,actions=drop"
    out=$(ctl reload)
    check "survives a reload" \
        grep_in "$(ctl dump-flows xenbr0)" "tp_dst=7777"
fi

# Restart-only keys, a new bridge, and the metrics listener.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
config "$P91
$P92
$P93
$P94" "$DROP
$NORMAL" "metrics: \"127.0.0.1:$PORT\"
cache:
  max-megaflows: 1000" "  - name: xbr2
    internal-port: false"
out=$(ctl reload)
printf '%s\n' "$out" | sed 's/^/# reload 4: /'
check "cache: named as needing a restart" \
    grep_in "$out" "^cache: changed; takes effect at the next start of xvs-switchd$"
check "a bridge is added" grep_in "$out" "^bridge xbr2: added$"
check "and shows" grep_in "$(ctl show)" "^bridge xbr2:"
check "with its management socket" test -S "$T/xbr2.mgmt"
check "the metrics listener opens" grep_in "$out" "^metrics: listening on 127.0.0.1:$PORT$"
check "and answers" python3 -c "
import urllib.request
assert b'xvs_port_rx_packets_total' in urllib.request.urlopen('http://127.0.0.1:$PORT/metrics', timeout=30).read()"
config "$P91
$P92
$P93
$P94" "$DROP
$NORMAL" "metrics: \"0.0.0.0:$PORT\"
cache:
  max-megaflows: 1000" "  - name: xbr2
    internal-port: false"
out=$(ctl reload 2>&1)
check "the metrics listener moves to another address, same port ($out)" \
    grep_in "$out" "^metrics: listening on 0.0.0.0:$PORT$"
check "and answers there" python3 -c "
import urllib.request
assert b'xvs_port_rx_packets_total' in urllib.request.urlopen('http://127.0.0.1:$PORT/metrics', timeout=30).read()"
config "$P91
$P92
$P93
$P94" "$DROP
$NORMAL"
out=$(ctl reload)
check "the bridge is removed again ($out)" grep_in "$out" "^bridge xbr2: removed$"
check "the file's cache size is the running one again: no restart named" \
    sh -c '! printf "%s\n" "$1" | grep -q "^cache:"' _ "$out"
show=$(ctl show)
check "and is gone" sh -c 'test -n "$1" && ! printf "%s\n" "$1" | grep -q "^bridge xbr2:"' _ "$show"
check "the guests still talk" ping_ok xvs-g91 10.91.0.2

# An invalid file changes nothing and says where it is wrong.
show_before=$(ctl show)
cp "$T/xvs.yaml" "$T/good.yaml"
sed 's/ofport: 4}/ofport: 4, vlan: 5000}/' "$T/good.yaml" >"$T/xvs.yaml"
line=$(grep -n "vlan: 5000" "$T/xvs.yaml" | cut -d: -f1)
out=$(ctl reload 2>&1)
check "a bad VLAN: the reload fails with file and line ($out)" \
    grep_in "$out" "xvs.yaml:$line: .*vlan.*; nothing changed"
sed 's/priority=10,udp,tp_dst=9999,actions=drop/priority=10,udp,tp_dst=9999,actions=group:77/' \
    "$T/good.yaml" >"$T/xvs.yaml"
out=$(ctl reload 2>&1)
check "a flow to a group that does not exist: refused ($out)" \
    grep_in "$out" "flows\[0\].*; nothing changed"
check "nothing changed" sh -c 'test -n "$1" && test "$1" = "$2"' _ "$(ctl show)" "$show_before"
cp "$T/good.yaml" "$T/xvs.yaml"
