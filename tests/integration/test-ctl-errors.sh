#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bad xvs-ctl input gets a precise error and changes nothing: not the
# ports, not the flows, not the configuration file.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g61 vif61.0 10.61.0.1
add_guest xvs-g62 vif62.0 10.61.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif61.0, type: xenvif, ofport: 1}
      - {name: vif62.0, type: xenvif, ofport: 2}
    flows:
      - "priority=0 actions=NORMAL"
YAML
check "xvs-switchd starts" start_switchd
cp "$T/xvs.yaml" "$T/before.yaml"
show_before=$(ctl show)
flows_before=$(ctl dump-flows xenbr0 | sed 's/duration=[^,]*,//')

# expect_error STATUS MESSAGE ARGS...: xvs-ctl ARGS fails with exit STATUS
# and prints MESSAGE (a fixed string) on stderr.
expect_error() {
    want_status=$1 want=$2
    shift 2
    out=$(ctl "$@" 2>&1 >/dev/null)
    status=$?
    if [ $status -eq "$want_status" ] && printf '%s' "$out" | grep -qF -- "$want"; then
        ok "xvs-ctl $* -> $want"
    else
        not_ok "xvs-ctl $* -> $want (got status $status: $out)"
    fi
}

expect_error 1 "no bridge named nobr" add-port nobr vif61.0
expect_error 1 "port vif61.0 already exists in bridge xenbr0" \
    add-port xenbr0 vif61.0
expect_error 1 'ofport: expected an integer 1-65279, got "0"' \
    add-port xenbr0 vif69.0 ofport=0
expect_error 1 "ofport: 2 is already used by port vif62.0" \
    add-port xenbr0 vif69.0 ofport=2
expect_error 1 'unknown option "speed"' add-port xenbr0 vif69.0 speed=10
expect_error 1 'type: expected dpdk, xenvif or internal, got "tun"' \
    add-port xenbr0 vif69.0 type=tun
expect_error 1 'vlan: expected a VLAN 1-4094, got "5000"' \
    add-port xenbr0 vif69.0 vlan=5000
expect_error 1 'trunks: a VLAN is listed twice, got "10,10"' \
    add-port xenbr0 vif69.0 trunks=10,10
expect_error 1 "a port is an access port (vlan) or a trunk (trunks), not both" \
    add-port xenbr0 vif69.0 vlan=10 trunks=20
expect_error 1 'domid: expected an integer 0-32751, got "99999"' \
    add-port xenbr0 vif69.0 domid=99999
expect_error 1 "port vif69.0: no network device named vif69.0" \
    add-port xenbr0 vif69.0
expect_error 1 'invalid port name "bad/name"' add-port xenbr0 bad/name
expect_error 1 "a dpdk port needs devargs" add-port xenbr0 d0 type=dpdk
expect_error 1 "devargs: longer than 255 characters" add-port xenbr0 d0 \
    type=dpdk "devargs=net_null0,$(printf '%0300d' 0)"
expect_error 1 "port d0: cannot probe net_bogus0" \
    add-port xenbr0 d0 devargs=net_bogus0
expect_error 1 "bridge xenbr0 has no port named nosuch" \
    del-port xenbr0 nosuch
expect_error 1 "group 9 does not exist" \
    add-flow xenbr0 "in_port=1,actions=group:9"
expect_error 1 'bad flow "frobnicate=1,actions=drop"' \
    add-flow xenbr0 "frobnicate=1,actions=drop"
expect_error 1 'bad match "frobnicate=1"' del-flows xenbr0 "frobnicate=1"
expect_error 1 "no bridge named nobr" dump-flows nobr
expect_error 2 "dump-flows: expected arguments BRIDGE" dump-flows
expect_error 2 'unknown command "frob"' frob
expect_error 2 'expected text or json, got "xml"' --format=xml show
expect_error 2 "add-flow: has no JSON output" add-flow xenbr0 x --format=json

check "the configuration file is unchanged" cmp -s "$T/xvs.yaml" "$T/before.yaml"
check "the ports are unchanged" test "$(ctl show)" = "$show_before"
check "the flows are unchanged" \
    test "$(ctl dump-flows xenbr0 | sed 's/duration=[^,]*,//;s/n_packets=[0-9]*, n_bytes=[0-9]*,//')" = \
         "$(printf '%s\n' "$flows_before" | sed 's/n_packets=[0-9]*, n_bytes=[0-9]*,//')"
check "the guests still reach each other" ping_ok xvs-g61 10.61.0.2
