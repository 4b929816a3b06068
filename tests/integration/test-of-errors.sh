#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Malformed and inconsistent OpenFlow messages get the right OpenFlow
# error (as ovs-ofctl decodes it), and the switch keeps serving; roles
# (master, slave) and the asynchronous configuration do what they say.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v python3 >/dev/null || skip_all "needs python3"

add_guest xvs-g91 vif91.0 10.91.0.1
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif91.0, type: xenvif, ofport: 1}
YAML
check "xvs-switchd starts" start_switchd
python3 "$top_srcdir/tests/integration/of-errors.py" "$T/xenbr0.mgmt" \
    >"$T/results" 2>&1
script_results "$T/results" 26 of-errors.py
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
check "and ovs-ofctl still gets its features" \
    grep_in "$(ovs-ofctl -O OpenFlow13 show "unix:$T/xenbr0.mgmt")" "n_tables:255"
