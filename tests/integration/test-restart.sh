#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Ports added with xvs-ctl are saved and come back after a restart; a
# SIGTERM stops the daemon cleanly.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g51 vif51.0 10.51.0.1
add_guest xvs-g52 vif52.0 10.51.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif51.0, type: xenvif}
YAML
check "xvs-switchd starts" start_switchd
check "add-port vif52.0 with ofport 9" \
    ctl add-port xenbr0 vif52.0 driver=af_packet ofport=9
check "the guests reach each other" ping_ok xvs-g51 10.51.0.2
check "add-flow is accepted" \
    ctl add-flow xenbr0 "priority=5,in_port=9,actions=NORMAL"

pid=$SWITCHD_PID
stop_switchd
check "SIGTERM stops xvs-switchd" sh -c '! kill -0 "$1" 2>/dev/null' - "$pid"
check "the control socket is removed" test ! -e "$T/ctl"
check "the pidfile is removed" test ! -e "$T/pid"
check "the daemon logged a clean stop" \
    grep -q "terminating with signal 15" "$T/log"

check "xvs-switchd starts again" start_switchd
check "vif52.0 is back with ofport 9 and AF_PACKET" \
    grep_in "$(ctl show)" "port vif52.0: ofport 9, xenvif via af_packet, link up"
check "the ctl-added flow is back" \
    grep_in "$(ctl dump-flows xenbr0)" "priority=5,in_port=9 actions=NORMAL"
check "the guests reach each other after the restart" \
    ping_ok xvs-g51 10.51.0.2

check "del-port vif52.0" ctl del-port xenbr0 vif52.0
stop_switchd
check "xvs-switchd starts a third time" start_switchd
if grep_in "$(ctl show)" "vif52.0"; then
    not_ok "the deleted port stays deleted after a restart"
else
    ok "the deleted port stays deleted after a restart"
fi
