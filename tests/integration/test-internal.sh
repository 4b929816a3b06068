#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The bridge's own internal port: a TAP named after the bridge, created by
# default, OpenFlow port LOCAL, through which dom0 reaches the guests.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g67 vif67.0 10.67.0.1
write_config <<'YAML'
bridges:
  - name: xvsbr67
    ports:
      - {name: vif67.0, type: xenvif}
YAML
check "xvs-switchd starts" start_switchd
check "the bridge has its internal port, LOCAL, through a TAP" \
    grep_in "$(ctl show)" "port xvsbr67: ofport LOCAL, internal via tap"
check "dom0 sees a network device named after the bridge" \
    ip link show xvsbr67
echo 1 >/proc/sys/net/ipv6/conf/xvsbr67/disable_ipv6
ip addr add 10.67.0.254/24 dev xvsbr67
ip link set xvsbr67 up
check "a guest reaches dom0's address on the bridge" \
    ping_ok xvs-g67 10.67.0.254
check "dom0 reaches the guest" ping -c 2 -i 0.2 -W 2 10.67.0.1
check "output:LOCAL sends to it" \
    ctl add-flow xvsbr67 "priority=50,in_port=1,icmp,actions=LOCAL"
check "and the guest still reaches dom0" ping_ok xvs-g67 10.67.0.254
out=$(ctl del-port xvsbr67 xvsbr67 2>&1)
check "the internal port cannot be deleted" \
    grep_in "$out" "xvsbr67 is the bridge's internal port"
check "it is not written into the configuration file" \
    sh -c '! grep -q "type: internal" "$1"' - "$T/xvs.yaml"
stop_switchd
check "the network device goes with xvs-switchd" \
    sh -c '! ip link show xvsbr67 2>/dev/null'
