#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A vif's rate limit (Xen's rate=, xl syntax): a guest that floods gets its
# rate through and no more, every packet over it is counted, and a guest
# without a limit is not slowed.
. "$(dirname "$0")/lib.sh"
begin
command -v iperf3 >/dev/null || skip_all "needs iperf3"

add_guest xvs-g143 vif143.0 10.143.0.3      # rate-limited sender
add_guest xvs-g144 vif144.0 10.143.0.4      # receiver

write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif144.0, type: xenvif}
YAML
check "xvs-switchd starts" start_switchd
check "add-port takes rate=10Mb/s" ctl add-port xenbr0 vif143.0 rate=10Mb/s
check "show gives the rate as bits and as Xen's bytes per interval" \
    grep_in "$(ctl show)" "rate 10 Mbit/s \(62500 bytes per 50000 us\)"
json=$(ctl show --format=json)
check "and in JSON, with the burst" \
    grep_in "$json" '"bits_per_second": 10000000'
check "(burst)" grep_in "$json" '"burst": 131072'
check "the guests ping each other" ping_ok xvs-g143 10.143.0.4

ip netns exec xvs-g144 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_for 10 sh -c "ip netns exec xvs-g144 ss -Hltn 'sport = :5201' | grep -q ."

rx0=$(port_stat vif143.0 rx_packets)
tx0=$(port_stat vif144.0 tx_bytes)
txp0=$(port_stat vif144.0 tx_packets)
drop0=$(port_stat vif143.0 rate)
# A UDP flood of 40 Mbit/s for 4 s, four times the rate.
ip netns exec xvs-g143 iperf3 -c 10.143.0.4 -p 5201 -u -b 40M -l 1200 \
    -t 4 -J >"$T/iperf.json" 2>"$T/iperf.err"
check "iperf3 ran" test -s "$T/iperf.json"
# What the switch passed: frames out to the receiver, over the time the
# sender sent (iperf3's own measure of it).
seconds=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum"]["seconds"])' "$T/iperf.json")
# counts: the flood's frames in, out to the receiver and dropped so far.
counts() {
    tx_bytes=$(( $(port_stat vif144.0 tx_bytes) - tx0 ))
    tx_pkts=$(( $(port_stat vif144.0 tx_packets) - txp0 ))
    rx_pkts=$(( $(port_stat vif143.0 rx_packets) - rx0 ))
    drops=$(( $(port_stat vif143.0 rate) - drop0 ))
    # Every frame in was passed or counted: the flood has drained.
    [ $((tx_pkts + drops)) -ge "$rx_pkts" ]
}
check "every frame was passed or counted as a rate drop" wait_for 30 counts
bps=$(python3 -c "print(int($tx_bytes * 8 / $seconds))")
diag "sent $rx_pkts frames in $seconds s; passed $tx_pkts ($bps bit/s), dropped $drops over the rate"
check "the flood got at most 10% over 10 Mbit/s (plus Xen's 128 KB burst)" \
    test "$bps" -le $(python3 -c "print(int(11000000 + 131072 * 8 / $seconds))")
# The floor: the policer passes traffic at all, at a good part of its
# rate.  How near 10 Mbit/s it comes depends on the frames arriving evenly
# spread: on a loaded machine they come in clumps (the PMD thread or the
# sender was descheduled), and what a clump brings beyond the 128 KB burst
# is dropped, as it would be by netback.  Half the rate holds whatever the
# load (it failed at 90% once under a load average of 8 on 2 cores).
check "and at least half of it" test "$bps" -ge 5000000
check "what was over it is counted as rate drops" test "$drops" -gt 0
check "dump-ports shows the rate drops" \
    grep_in "$(ctl dump-ports xenbr0 vif143.0)" "rx drops: .* rate=$drops"

# The other direction has no limit: the receiver's own traffic is not
# held to 10 Mbit/s (TCP, 8 MB, as fast as it goes).
random_file "$T/data" 8
check "the unlimited guest's TCP transfer arrives intact" \
    tcp_send xvs-g144 xvs-g143 10.143.0.3 "$T/data"
check "without rate drops on its port" test "$(port_stat vif144.0 rate)" = 0

check "set-port rate=none lifts the limit" ctl set-port xenbr0 vif143.0 rate=none
if grep_in "$(ctl show)" "rate "; then
    not_ok "show no longer gives a rate"
else
    ok "show no longer gives a rate"
fi
out=$(ctl set-port xenbr0 vif143.0 rate=10Mbit 2>&1)
check "a malformed rate is refused with what was expected" \
    grep_in "$out" "rate: expected a rate such as 10Mb/s, 1MB/s@20ms or BYTES,USECS, got \"10Mbit\""
check "set-port rate=62500,50000 (Xen's backend form)" \
    ctl set-port xenbr0 vif143.0 rate=62500,50000
check "is the same 10 Mbit/s" \
    grep_in "$(ctl show)" "rate 10 Mbit/s \(62500 bytes per 50000 us\)"
check "and is saved as given" grep -q 'rate: "62500,50000"' "$T/xvs.yaml"
