#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The upcall handler thread: a guest that storms new flows (every datagram
# to another address, each a cache miss) is taken off the PMD thread with
# its rx queue while a neighbour on the same PMD thread receives, its
# misses are handled there, its neighbours' TCP goes on, nothing of its
# own TCP stream is lost or reordered by the moves there and back, and it
# comes back once calm.  pmd.handler-core none keeps it where it is; bad
# settings are refused with the key named.
. "$(dirname "$0")/lib.sh"
begin
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g201 vif201.0 10.201.0.1
add_guest xvs-g202 vif202.0 10.201.0.2
add_guest xvs-g203 vif203.0 10.201.0.3
random_file "$T/data" 16

# config HANDLER-LINES: three vifs, with HANDLER-LINES under pmd:.
config() {
    write_config <<YAML
$1
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif201.0, type: xenvif, ofport: 1}
      - {name: vif202.0, type: xenvif, ofport: 2}
      - {name: vif203.0, type: xenvif, ofport: 3}
YAML
}

# Every datagram to another IP address needs a megaflow of its own (the
# first rule matches the whole destination address), so each is a cache
# miss.
flows() {
    ctl add-flow xenbr0 "priority=20,ip,nw_dst=0.0.0.1,actions=drop" &&
        ctl add-flow xenbr0 "priority=10,actions=NORMAL"
}
# Guest 1 reaches 10.250/16 through guest 3 (which drops what is not its).
ip -n xvs-g201 route add 10.250.0.0/16 via 10.201.0.3

# storm: guest 1 sends UDP datagrams into 10.250/16, each to the next
# address, up to 3,000 a second, until $T/storm.stop exists.
storm() {
    rm -f "$T/storm.stop"
    ip netns exec xvs-g201 python3 - "$T/storm.stop" <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i = 0
while not os.path.exists(sys.argv[1]):
    for _ in range(30):
        i = (i + 1) % 65536
        s.sendto(b"storm", ("10.250.%d.%d" % (i >> 8, i & 255), 9999))
    time.sleep(0.01)
EOF
    STORM=$!
    PIDS="$PIDS $STORM"
}
storm_stop() {
    touch "$T/storm.stop"
    wait "$STORM" 2>/dev/null
}

# on WHAT PORT: whether show places PORT's rx queue on WHAT ("pmd" or
# "upcall handler").
on() {
    grep_in "$(ctl show)" "port $2: .* $1 .*core [0-9]+"
}
all_on_pmd() {
    for v in "$@"; do
        on pmd "$v" || return 1
    done
}
handler_upcalls() {
    ctl pmd-stats | sed -n '/^upcall handler/,$s/^  upcalls: //p'
}
handler_upcalls_above() {
    [ "$(handler_upcalls)" -gt "$1" ]
}

config "  handler-misses: 200"
check "xvs-switchd starts with an upcall handler" start_switchd
check "show names the handler's core and threshold" \
    grep_in "$(ctl show)" "^upcall handler: core [0-9]+, takes the ports that miss the caches 200 times"
check "pmd-stats lists the handler, with no port yet" \
    grep_in "$(ctl pmd-stats)" "^upcall handler, core [0-9]+, 0 port\(s\):"
check "the flows" flows
check "guests reach each other" ping_ok xvs-g202 10.201.0.3 1
check "guest 1 too" ping_ok xvs-g201 10.201.0.3 1
check "every vif starts on the PMD thread" \
    all_on_pmd vif201.0 vif202.0 vif203.0

# A neighbour that keeps receiving, and the storm.
ip netns exec xvs-g202 ping -q -i 0.2 10.201.0.3 >/dev/null 2>&1 &
PIDS="$PIDS $!"
storm
check "the storming guest goes to the handler thread" \
    wait_for 60 on "upcall handler" vif201.0
check "its neighbours stay on the PMD thread" \
    all_on_pmd vif202.0 vif203.0
check "pmd-stats shows the port on the handler" \
    grep_in "$(ctl pmd-stats)" "^upcall handler, core [0-9]+, 1 port\(s\):"
before=$(handler_upcalls)
check "the handler makes the storm's upcalls" \
    wait_for 30 handler_upcalls_above "${before:-0}"
check "a neighbour's TCP during the storm: 16 MiB intact" \
    tcp_send xvs-g202 xvs-g203 10.201.0.3 "$T/data"
check "the storming guest's own TCP, from the handler: 16 MiB intact" \
    tcp_send xvs-g201 xvs-g203 10.201.0.3 "$T/data" 5002
moves=$(ctl show --format=json | python3 -c '
import json, sys
for b in json.load(sys.stdin)["bridges"]:
    for p in b["ports"]:
        if p["name"] == "vif201.0":
            print(p["handler_moves"])')
check "show's JSON counts the move ($moves)" test "${moves:-0}" -ge 1

storm_stop
check "calm again, it goes back to its PMD thread" \
    wait_for 60 on pmd vif201.0
check "and the handler has no port left" \
    grep_in "$(ctl pmd-stats)" "^upcall handler, core [0-9]+, 0 port\(s\):"
# Moves there and back while a TCP stream runs lose and reorder nothing.
# The sender sends a third of the file, waits until the vif is on the
# handler, sends another third, waits until it is back, sends the rest:
# the stream spans both moves however long they take.
in_ns xvs-g203 timeout 120 socat -u \
    TCP4-LISTEN:5003,bind=10.201.0.3,reuseaddr "OPEN:$T/recv3,creat,trunc" \
    2>>"$T/socat.err" &
listener=$!
PIDS="$PIDS $listener"
wait_for 10 listening xvs-g203 5003
ip netns exec xvs-g201 timeout 120 python3 -c '
import os, socket, sys, time
data = open(sys.argv[1], "rb").read()
third = len(data) // 3
s = socket.create_connection(("10.201.0.3", 5003))
for part, flag in ((data[:third], "moved"), (data[third:2 * third], "back"),
                   (data[2 * third:], None)):
    s.sendall(part)
    while flag and not os.path.exists(os.path.join(sys.argv[2], flag)):
        time.sleep(0.1)
s.close()
' "$T/data" "$T" &
sender=$!
PIDS="$PIDS $sender"
storm
check "with a TCP stream running, the storming guest moves to the handler" \
    wait_for 60 on "upcall handler" vif201.0
touch "$T/moved"
storm_stop
check "and comes back" wait_for 60 on pmd vif201.0
touch "$T/back"
wait "$sender"
wait "$listener"
check "the stream across both moves: 16 MiB intact" \
    test "$(sha256sum <"$T/data")" = "$(sha256sum <"$T/recv3")"
check "the storming guest's pings work after it came back" \
    ping_ok xvs-g201 10.201.0.3 3
stop_switchd

# Without the handler the storming guest stays (it is held to its
# pmd.upcall-share instead).
config "  handler-core: none"
check "pmd.handler-core none: xvs-switchd starts" start_switchd
check "show says there is no handler" \
    grep_in "$(ctl show)" "^upcall handler: none"
no_handler() { ! ctl pmd-stats | grep -q "^upcall handler"; }
check "pmd-stats has no handler" no_handler
flows
storm
sleep 3
check "the storming guest stays on its PMD thread" on pmd vif201.0
check "and its neighbours' TCP goes on" \
    tcp_send xvs-g202 xvs-g203 10.201.0.3 "$T/data"
storm_stop
stop_switchd

# Bad settings: refused before anything starts, the key named.
refused() {
    config "$1"
    rm -f "$T/log.err" "$T/log"
    ! start_switchd && grep -q "$2" "$T/log.err" "$T/log" 2>/dev/null
}
check "handler-core on a PMD core is refused" \
    refused "  handler-core: 1" "pmd.handler-core: core 1 is a PMD thread's"
check "handler-core not available to the process is refused" \
    refused "  handler-core: 1000" "pmd.handler-core: core 1000 is not available"
check "handler-core that is no core is refused" \
    refused "  handler-core: fast" "expected auto, none or a core number"
check "handler-misses 0 is refused" \
    refused "  handler-misses: 0" "handler-misses"
