#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# An external controller drives xvs over TCP: Open vSwitch's
# ovs-testcontroller (a learning switch working through packet-ins,
# packet-outs and flow_mods) makes two guests reach each other on a
# "secure" bridge that forwards nothing by itself.  Then a "standalone"
# bridge whose controller is unreachable falls back to NORMAL.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-testcontroller >/dev/null \
    || skip_all "needs ovs-testcontroller (openvswitch-testcontroller)"
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl"

add_guest xvs-g51 vif51.0 10.51.0.1
add_guest xvs-g52 vif52.0 10.51.0.2
# A port of our own, unlikely to be taken.
PORT=$((30000 + $$ % 20000))
write_config <<YAML
bridges:
  - name: xenbr0
    fail-mode: secure
    internal-port: false
    controllers: ["tcp:127.0.0.1:$PORT"]
    ports:
      - {name: vif51.0, type: xenvif, ofport: 1}
      - {name: vif52.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
check "a controller bridge has no default flow" \
    test "$(ovs-ofctl dump-flows "$M" | grep -c actions=)" -eq 0
if ping_quick xvs-g51 10.51.0.2 2; then
    not_ok "without its controller, the secure bridge forwards nothing"
else
    ok "without its controller, the secure bridge forwards nothing"
fi
check "show says the controller is not connected" \
    grep_in "$(ctl show)" "controller: tcp:127.0.0.1:$PORT \((BACKOFF|CONNECTING)"

ovs-testcontroller -O OpenFlow13 "ptcp:$PORT:127.0.0.1" --unixctl="$T/tc.ctl" \
    --log-file="$T/tc.log" >/dev/null 2>&1 &
PIDS="$PIDS $!"
connected() {
    grep_in "$(ctl show)" "controller: tcp:127.0.0.1:$PORT \(connected"
}
check "xvs connects to ovs-testcontroller (back-off <= 8 s)" wait_for 15 connected
show=$(ctl show)
check "show gives the negotiated version and the role" \
    grep_in "$show" "connected, OpenFlow13, role equal"
check "guests reach each other through the controller" \
    wait_for 10 ping_ok xvs-g51 10.51.0.2 3
# Under load the first pings may all go through packet-in/packet-out:
# ping again until the controller's flows carry some.
flows_carry() {
    ping_ok xvs-g51 10.51.0.2 1
    grep_in "$(ovs-ofctl dump-flows "$M")" "n_packets=[1-9].*actions=output:"
}
check "the controller installed flows that carry the traffic" \
    wait_for 5 flows_carry
check "show counted the packet-ins sent" \
    grep_in "$(ctl show)" "packet-ins sent [1-9]"
check "controller flows are not saved to the configuration file" \
    sh -c '! grep -q "output:" "$1"' _ "$T/xvs.yaml"

check "del-controller disconnects it" ctl del-controller xenbr0
check "show lists no controller" \
    sh -c '! printf "%s\n" "$1" | grep -q "controller:"' _ "$(ctl show)"
check "del-controller is saved" \
    sh -c '! grep -q "controllers" "$1"' _ "$T/xvs.yaml"
check "the secure bridge keeps the controller's flows" \
    grep_in "$(ovs-ofctl dump-flows "$M")" "actions=output:"
out=$(ctl set-controller xenbr0 "tcp:1.2.3.4:notaport" 2>&1)
check "set-controller refuses a bad target ($out)" \
    grep_in "$out" "not a valid OpenFlow target"
out=$(ctl set-controller xenbr0 "http://x" 2>&1)
check "set-controller refuses a non-OpenFlow target ($out)" \
    grep_in "$out" "expected a tcp:, ssl: or unix: target"
check "set-controller connects again" \
    ctl set-controller xenbr0 "tcp:127.0.0.1:$PORT"
check "and it is saved" grep -q "tcp:127.0.0.1:$PORT" "$T/xvs.yaml"
check "the controller is connected again" wait_for 15 connected

# Standalone: with its controller gone for 15 s, NORMAL takes over.
stop_switchd
write_config <<YAML
bridges:
  - name: xenbr0
    fail-mode: standalone
    internal-port: false
    controllers: ["tcp:127.0.0.1:1"]
    ports:
      - {name: vif51.0, type: xenvif, ofport: 1}
      - {name: vif52.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts with an unreachable controller" start_switchd
fail_open() { grep_in "$(ctl show)" "fail-open"; }
check "after 15 s without a controller, the bridge is in fail-open" \
    wait_for 25 fail_open
check "and switches as NORMAL: the guests reach each other" \
    ping_ok xvs-g51 10.51.0.2

# SSL: the controller and xvs authenticate each other with certificates
# signed by a CA both trust (keys and certificates from the YAML).
if command -v openssl >/dev/null; then
    stop_switchd
    (
        cd "$T" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
            -days 2 -subj "/CN=xvs-test-ca" >/dev/null 2>&1
        for n in switch ctl; do
            openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr \
                -subj "/CN=xvs-test-$n" >/dev/null 2>&1
            openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key \
                -CAcreateserial -out $n.pem -days 2 >/dev/null 2>&1
        done
    )
    SPORT=$((PORT + 1))
    ovs-testcontroller -O OpenFlow13 -p "$T/ctl.key" -c "$T/ctl.pem" \
        -C "$T/ca.pem" "pssl:$SPORT:127.0.0.1" --unixctl="$T/tc2.ctl" \
        --log-file="$T/tc2.log" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    write_config <<YAML
ssl:
  private-key: "$T/switch.key"
  certificate: "$T/switch.pem"
  ca-cert: "$T/ca.pem"
bridges:
  - name: xenbr0
    fail-mode: secure
    internal-port: false
    controllers: ["ssl:127.0.0.1:$SPORT"]
    ports:
      - {name: vif51.0, type: xenvif, ofport: 1}
      - {name: vif52.0, type: xenvif, ofport: 2}
YAML
    check "xvs-switchd starts with SSL keys" start_switchd
    ssl_connected() {
        grep_in "$(ctl show)" "controller: ssl:127.0.0.1:$SPORT \(connected"
    }
    check "xvs connects to the controller over SSL" wait_for 20 ssl_connected
    check "guests reach each other through the SSL controller" \
        wait_for 10 ping_ok xvs-g51 10.51.0.2 3
else
    diag "no openssl: SSL not tested"
fi
