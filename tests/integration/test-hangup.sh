#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Clients that send requests and hang up without reading the replies, on
# the control socket, an OpenFlow management socket and a TCP OpenFlow
# listener, do not take the switch down (it used to die of SIGPIPE).
. "$(dirname "$0")/lib.sh"
begin
command -v python3 >/dev/null || skip_all "needs python3"

port=$((20000 + $$ % 20000))
add_guest xvs-g95 vif95.0 10.95.0.1
add_guest xvs-g96 vif96.0 10.95.0.2
write_config <<YAML
bridges:
  - name: xenbr0
    internal-port: false
    listeners: ["ptcp:$port:127.0.0.1"]
    ports:
      - {name: vif95.0, type: xenvif}
      - {name: vif96.0, type: xenvif}
YAML
check "xvs-switchd starts with a ptcp listener" start_switchd

hangup() {
    python3 "$top_srcdir/tests/integration/hangup.py" "$@" 2>>"$T/hangup.err"
}
alive() {
    kill -0 "$SWITCHD_PID" 2>/dev/null && ctl show >/dev/null
}

# Each kind of socket on its own: a switch that died is started again, so
# that one crash does not hide another.
revive() {
    alive && return 0
    SWITCHD_PID=
    start_switchd
}

hangup unix "$T/ctl" ctl 50
check "the switch survives 50 control clients that hang up" alive
revive
hangup unix "$T/xenbr0.mgmt" of 50
check "the switch survives 50 OpenFlow clients on the management socket that hang up" alive
revive
hangup tcp "127.0.0.1:$port" of 50
check "the switch survives 50 OpenFlow clients on ptcp that hang up" alive
revive
check "and the guests still reach each other" ping_ok xvs-g95 10.95.0.2
