#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# port_mod from an OpenFlow client (ovs-ofctl mod-port): a port brought
# down, or set no-forward, carries nothing; no-flood keeps floods (and so
# ARP) away from it; the configuration shows in the port description and
# bits xvs cannot honour (STP) are refused and change nothing.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"

add_guest xvs-g84 vif84.0 10.84.0.1
add_guest xvs-g85 vif85.0 10.84.0.2
add_guest xvs-g86 vif86.0 10.84.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif84.0, type: xenvif, ofport: 1}
      - {name: vif85.0, type: xenvif, ofport: 2}
      - {name: vif86.0, type: xenvif, ofport: 3}
    flows:
      - "priority=0 actions=NORMAL"
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"

# no-flood first, before guest 3 has said anything: guest 1's ARP
# request is a flood, so guest 3 never hears it.  (OpenFlow 1.0: the bit
# is gone from later versions.)
check "mod-port 3 no-flood (OpenFlow 1.0)" \
    ovs-ofctl -O OpenFlow10 mod-port "$M" 3 no-flood
check "the port description says NO_FLOOD" \
    grep_in "$(ovs-ofctl -O OpenFlow10 show "$M" | grep -A2 '(vif86.0)')" \
    "config: +NO_FLOOD"
if ping_quick xvs-g84 10.84.0.3 2; then
    not_ok "guest 1 cannot find guest 3 (its ARP is a flood)"
else
    ok "guest 1 cannot find guest 3 (its ARP is a flood)"
fi
# The guest's kernel gives up on an address it could not resolve only
# after its probes: forget it, as a guest would after a while.
forget() { ip -n "$1" neigh flush dev eth0; }
forget xvs-g84
check "mod-port 3 flood" ovs-ofctl -O OpenFlow10 mod-port "$M" 3 flood
check "then guest 1 reaches guest 3" ping_ok xvs-g84 10.84.0.3

check "guest 1 reaches guest 2" ping_ok xvs-g84 10.84.0.2
check "mod-port 2 down" $O mod-port "$M" 2 down
check "the port description says PORT_DOWN" \
    grep_in "$($O show "$M" | grep -A2 '(vif85.0)')" "config: +PORT_DOWN"
if ping_quick xvs-g84 10.84.0.2 2; then
    not_ok "a port that is down carries nothing"
else
    ok "a port that is down carries nothing"
fi
forget xvs-g84
check "mod-port 2 up" $O mod-port "$M" 2 up
check "guest 2 is reachable again" ping_ok xvs-g84 10.84.0.2

check "mod-port 2 no-forward" $O mod-port "$M" 2 no-forward
if ping_quick xvs-g84 10.84.0.2 2; then
    not_ok "nothing goes out of a no-forward port"
else
    ok "nothing goes out of a no-forward port"
fi
forget xvs-g84
check "mod-port 2 forward" $O mod-port "$M" 2 forward
check "guest 2 is reachable once more" ping_ok xvs-g84 10.84.0.2

# STP bits (OpenFlow 1.0 only, whose errors have no code for it: the
# refusal goes out as Open vSwitch's "unencodable error").
out=$(ovs-ofctl -O OpenFlow10 mod-port "$M" 1 no-stp 2>&1)
check "an STP bit is refused" grep_in "$out" "OFPT_ERROR"
check "and port 1 is unchanged" \
    grep_in "$($O show "$M" | grep -A2 '(vif84.0)')" "config: +0"
