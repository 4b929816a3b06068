#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The control socket bounds what one client can cost: a request larger
# than 64 MiB gets an error instead of a growing buffer, connections beyond
# 64 are closed, and a client that writes without reading stalls only
# itself.
. "$(dirname "$0")/lib.sh"
begin
command -v python3 >/dev/null || skip_all "needs python3"
command -v ovs-appctl >/dev/null || skip_all "needs ovs-appctl (openvswitch-common)"

add_guest xvs-g63 vif63.0 10.63.0.1
add_guest xvs-g64 vif64.0 10.63.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif63.0, type: xenvif, ofport: 1}
      - {name: vif64.0, type: xenvif, ofport: 2}
    flows:
      - "priority=0 actions=NORMAL"
YAML
check "xvs-switchd starts" start_switchd

flood() {
    python3 "$top_srcdir/tests/integration/ctl-flood.py" "$@"
}
# peak_rss_mb: the daemon's peak resident memory so far, in MB.
peak_rss_mb() {
    awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$SWITCHD_PID/status"
}
ctl_raw() {
    ovs-appctl -t "$T/ctl" "$@"
}
quiet() {
    "$@" >/dev/null
}
n_flows() {
    ctl dump-flows xenbr0 | grep -c priority=
}

# xvs-ctl refuses a file the daemon would refuse, before sending it.
yes "priority=1,actions=drop" | head -c $((65 * 1024 * 1024)) >"$T/big.flows"
out=$(ctl add-flows xenbr0 "$T/big.flows" 2>&1)
status=$?
check "xvs-ctl refuses a 65 MiB add-flows file with exit 1 (got $status)" \
    test "$status" -eq 1
check "and says to split it" grep_in "$out" "split it into several add-flows"
rm -f "$T/big.flows"

# Another client sends 300 MB in one request: refused, memory bounded.
before=$(peak_rss_mb)
reply=$(flood big "$T/ctl" 300)
after=$(peak_rss_mb)
check "a 300 MB request is answered with the limit" \
    grep_in "$reply" "larger than the control socket's limit of 67108864 bytes"
diag "peak RSS before ${before} MB, after ${after} MB"
check "the daemon's peak memory grew by less than 200 MB (${before} -> ${after} MB)" \
    test $((after - before)) -lt 200
check "the flows are unchanged" test "$(n_flows)" -eq 1

# A request just below the limit still works: 20,000 flows, about 1 MB.
seq 20000 | sed 's/.*/priority=5,udp,tp_dst=&,actions=drop/' >"$T/many.flows"
check "add-flows of 20,000 flows is taken" ctl add-flows xenbr0 "$T/many.flows"
check "and all 20,000 are installed" test "$(n_flows)" -eq 20001
check "del-flows removes them" ctl del-flows xenbr0 udp
check "leaving the one flow" test "$(n_flows)" -eq 1

# Requests of the wrong shape get an error, not a crash (a non-string
# argument used to abort the daemon: found by tests/fuzz/fuzz-control).
reply=$(flood raw "$T/ctl" '{"method":"show","params":[1],"id":1}')
check "a non-string argument is refused ($reply)" \
    grep_in "$reply" '"show\\": argument 1 is not a string'
reply=$(flood raw "$T/ctl" '{"method":"add-flow","params":["xenbr0"],"id":2}')
check "a wrong number of arguments is refused ($reply)" \
    grep_in "$reply" 'takes 2 to 2 arguments, got 1'
reply=$(flood raw "$T/ctl" '{"result":"x","error":null,"id":3}')
check "a message that is not a request is refused ($reply)" \
    grep_in "$reply" "expected a JSON-RPC request"
check "and the daemon is still there" quiet ctl show

# Connections beyond 64 are closed at once; the others are served.
out=$(flood conns "$T/ctl" 70)
check "of 70 idle connections, the switch closes 6 ($(echo $out))" \
    test "$(echo "$out" | head -1)" = 6
check "and serves the ones it kept" grep_in "$out" "^served$"
check "xvs-ctl works once they are gone" quiet ctl show

# A client that writes requests and never reads the replies: the switch
# stops reading it and keeps serving everyone else.
mkfifo "$T/hold"
flood pipeline "$T/ctl" 20000 <"$T/hold" >"$T/pipeline.out" &
PIDS="$PIDS $!"
exec 9>"$T/hold"
wait_for 60 grep -q stalled "$T/pipeline.out"
check "the switch stops reading a client that does not read" \
    grep -q stalled "$T/pipeline.out"
check "while xvs-ctl is still answered" quiet ctl dump-flows xenbr0
check "and the guests still reach each other" ping_ok xvs-g63 10.63.0.2
exec 9>&-
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"

# The server is xvs's own, but Open vSwitch's client and logging commands
# still work on it.
check "ovs-appctl vlog/set control:file:dbg is taken" \
    ctl_raw vlog/set control:file:dbg
check "and vlog/list shows it" \
    grep_in "$(ctl_raw vlog/list)" "^control +[A-Za-z]+ +[A-Za-z]+ +DBG"
out=$(ctl_raw vlog/set nosuchmodule:dbg 2>&1)
check "a bad vlog/set is refused with OVS's message" \
    grep_in "$out" "no destination, level, or module"
check "list-commands lists add-flows" \
    grep_in "$(ctl_raw list-commands)" "^  add-flows +BRIDGE TEXT"

# xvs-ctl and the daemon read one command table: every command that
# xvs-ctl offers, the daemon answers, with the arguments xvs-ctl names
# (the contents of a FILE travel as TEXT; --format=json as one more).
ctl_raw list-commands >"$T/listed"
"$CTL_BIN" --help | awk '
    /^  [a-z]/ { name = $1; args = substr($0, length(name) + 4); next }
    /^      / && name != "" {
        json = index($0, "(--format=json)") ? "[--format=json]" : ""
        sub(/ +$/, "", args); sub(/ FILE$/, " TEXT", args)
        print name "\t" args (args != "" && json != "" ? " " : "") json
        name = ""
    }' >"$T/offered"
missing=""
while IFS="$(printf '\t')" read -r c args; do
    got=$(awk -v c="$c" '$1 == c { sub(/^ +[^ ]+ +/, ""); print }' \
          "$T/listed")
    [ "$got" = "$args" ] || missing="$missing $c($got|$args)"
done <"$T/offered"
[ -z "$missing" ] || diag "missing or different:$missing"
check "the daemon answers every command xvs-ctl offers, same arguments" \
    [ -z "$missing" ]
check "(xvs-ctl --help lists at least 26 commands)" [ "$(wc -l <"$T/offered")" -ge 26 ]
