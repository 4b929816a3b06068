#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The metrics listener: "metrics: ADDR:PORT" serves Prometheus text at
# /metrics that promtool accepts, whose port counters equal dump-ports
# (with the guest's domain id as a label), whose PMD, bridge and
# controller families are there; other paths and methods get 404 and
# 405; the key survives a save; a bad address is refused with the file's
# line, and an address in use stops the start with a clear message.
. "$(dirname "$0")/lib.sh"
begin
command -v promtool >/dev/null || skip_all "needs promtool (Debian package prometheus)"

# A free port of the loopback for the listener (the kernel's choice).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)

# http METHOD PATH: prints "STATUS" then the body.
http() {
    python3 - "$1" "http://127.0.0.1:$PORT$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1])
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        print(r.status)
        print(r.headers.get("Content-Type"))
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
    print(e.headers.get("Content-Type"))
    sys.stdout.write(e.read().decode())
PY
}

add_guest xvs-g81 vif81.0 10.81.0.1
add_guest xvs-g82 vif82.0 10.81.0.2
write_config <<YAML
metrics: "127.0.0.1:$PORT"
bridges:
  - name: xenbr0
    internal-port: false
    controllers: ["tcp:127.0.0.1:1"]
    flows: ["priority=0,actions=NORMAL"]
    ports:
      - {name: vif81.0, type: xenvif, ofport: 1, domid: 81, devid: 0}
      - {name: vif82.0, type: xenvif, ofport: 2, domid: 82, devid: 0}
YAML
check "xvs-switchd starts with a metrics listener" start_switchd
check "it says where it listens" \
    grep -q "metrics: listening on http://127.0.0.1:$PORT/metrics" "$T/log"
check "the guests reach each other" ping_ok xvs-g81 10.81.0.2

http GET /metrics >"$T/resp"
check "GET /metrics: 200, Prometheus text 0.0.4" \
    sh -c 'head -n 2 "$1" | tr "\n" " " | grep -q "^200 text/plain; version=0.0.4"' _ "$T/resp"
tail -n +3 "$T/resp" >"$T/page"
lint=$(promtool check metrics <"$T/page" 2>&1)
rc=$?
printf '%s\n' "$lint" | sed 's/^/# promtool: /'
check "promtool check metrics accepts the page" test "$rc" -eq 0

# metric FAMILY LABELS: the value of one sample of the page.
metric() {
    grep "^$1{$2} " "$T/page" | awk '{ print $2 }'
}
for f in rx_packets tx_packets rx_bytes tx_bytes; do
    a=$(port_stat vif81.0 "$f")
    http GET /metrics | tail -n +3 >"$T/page"
    m=$(metric "xvs_port_${f}_total" 'bridge="xenbr0",port="vif81.0",domid="81"')
    b=$(port_stat vif81.0 "$f")
    check "xvs_port_${f}_total of vif81.0 (domid 81) is dump-ports' ($a <= $m <= $b)" \
        test -n "$m" -a "$a" -le "${m:-0}" -a "${m:-0}" -le "$b"
done
check "the ping shows: vif81.0 received packets" test "$(port_stat vif81.0 rx_packets)" -gt 0
check "drops by reason, per port" \
    grep -q '^xvs_port_rx_drops_by_reason_total{bridge="xenbr0",port="vif82.0",domid="82",reason="spoof-mac"} 0$' "$T/page"
check "the ports are up" \
    grep -q '^xvs_port_up{bridge="xenbr0",port="vif81.0",domid="81"} 1$' "$T/page"
check "per PMD: packets, cache hits, upcalls, cycles" \
    sh -c 'for f in rx_packets emc_hits megaflow_hits upcalls lost busy_cycles idle_cycles; do
               grep -q "^xvs_pmd_${f}_total{core=\"1\",thread=\"pmd\"} [0-9]" "$1" || exit 1
           done' _ "$T/page"
upcalls=$(metric xvs_pmd_upcalls_total 'core="1",thread="pmd"')
check "the PMD's upcalls counted the ping's first packets ($upcalls)" \
    test "${upcalls:-0}" -gt 0
check "per bridge: flows, MACs" \
    sh -c 'grep -q "^xvs_bridge_flows{bridge=\"xenbr0\"} [0-9]" "$1" &&
           grep -q "^xvs_bridge_macs{bridge=\"xenbr0\"} 2$" "$1"' _ "$T/page"
check "the controller (nobody listens there) is not connected" \
    grep -q '^xvs_controller_connected{bridge="xenbr0",target="tcp:127.0.0.1:1"} 0$' "$T/page"

ctl pmd-stats-clear
http GET /metrics | tail -n +3 >"$T/page2"
after=$(grep '^xvs_pmd_upcalls_total{core="1",thread="pmd"} ' "$T/page2" | awk '{ print $2 }')
check "pmd-stats-clear does not reset the Prometheus counters ($upcalls -> $after)" \
    test "${after:-0}" -ge "${upcalls:-0}"

check "GET /nowhere: 404" sh -c 'head -n 1 "$1" | grep -qx 404' _ "$(http GET /nowhere >"$T/r404"; echo "$T/r404")"
check "POST /metrics: 405" sh -c 'head -n 1 "$1" | grep -qx 405' _ "$(http POST /metrics >"$T/r405"; echo "$T/r405")"
check "HEAD /metrics: 200" sh -c 'head -n 1 "$1" | grep -qx 200' _ "$(http HEAD /metrics >"$T/rhead"; echo "$T/rhead")"
check "show names the listener" grep_in "$(ctl show)" "metrics: http://127.0.0.1:$PORT/metrics"

check "a change saves the configuration" ctl add-flow xenbr0 "priority=5,actions=NORMAL"
check "with the metrics key kept" grep -q "^metrics: \"*127.0.0.1:$PORT" "$T/xvs.yaml"
stop_switchd

# DPDK's telemetry, when the EAL arguments ask for it.
if [ -x /usr/bin/dpdk-telemetry.py ]; then
    cp "$T/xvs.yaml" "$T/saved.yaml"
    sed 's/"--no-pci"\]/"--no-pci", "--telemetry"]/' "$T/saved.yaml" >"$T/xvs.yaml"
    check "xvs-switchd starts with --telemetry" start_switchd
    out=$(echo /eal/params | /usr/bin/python3 /usr/bin/dpdk-telemetry.py 2>&1)
    check "dpdk-telemetry.py answers /eal/params ($(printf '%s' "$out" | tail -n 1))" \
        grep_in "$out" '"/eal/params": \["xvs-switchd".*"--telemetry"'
    stop_switchd
    cp "$T/saved.yaml" "$T/xvs.yaml"
fi

# Bad addresses: refused, with the line.
cp "$T/xvs.yaml" "$T/good.yaml"
sed "s/^metrics: .*/metrics: \"localhost:9788\"/" "$T/good.yaml" >"$T/xvs.yaml"
line=$(grep -n '^metrics:' "$T/xvs.yaml" | cut -d: -f1)
out=$("$SWITCHD" --config "$T/xvs.yaml" --ctl "$T/ctl2" 2>&1)
check "a host name is refused, with file and line ($out)" \
    grep_in "$out" "xvs.yaml:$line: metrics: \"localhost:9788\": localhost is not an IPv4 address"
sed "s/^metrics: .*/metrics: \"127.0.0.1:70000\"/" "$T/good.yaml" >"$T/xvs.yaml"
out=$("$SWITCHD" --config "$T/xvs.yaml" --ctl "$T/ctl2" 2>&1)
check "a port out of range is refused ($out)" \
    grep_in "$out" "the port must be a number from 1 to 65535"

# An address in use: the start fails and says why.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' "$PORT" &
HOLDER=$!
PIDS="$PIDS $HOLDER"
cp "$T/good.yaml" "$T/xvs.yaml"
wait_for 10 sh -c "ss -Hltn 'sport = :$PORT' | grep -q ."
check "with the address in use, xvs-switchd does not start" \
    eval '! start_switchd'
check "and says so" grep -q "metrics: cannot listen on 127.0.0.1:$PORT: Address already in use" "$T/log"
kill "$HOLDER" 2>/dev/null
SWITCHD_PID=
