#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Ports come and go while another pair of guests pings: no ping is lost,
# and each newly added port forwards at once.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g41 vif41.0 10.41.0.1
add_guest xvs-g42 vif42.0 10.41.0.2
add_guest xvs-g43 vif43.0 10.41.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    # No dom0 port: this test counts every ping of the pair.
    internal-port: false
    ports:
      - {name: vif41.0, type: xenvif}
      - {name: vif42.0, type: xenvif}
YAML
check "xvs-switchd starts" start_switchd
check "guests 1 and 2 reach each other" ping_ok xvs-g41 10.41.0.2

# 300 pings, 20 ms apart (6 s), while vif43.0 is added and removed.
ip netns exec xvs-g41 ping -c 300 -i 0.02 -W 1 10.41.0.2 >"$T/ping.out" 2>&1 &
ping_pid=$!

adds=0 dels=0 fwd=0 rounds=5
driver=auto
for i in $(seq $rounds); do
    # Alternate the ways of asking for the driver (auto is AF_PACKET: see
    # xvs-switchd(8) on AF_XDP).
    if ctl add-port xenbr0 vif43.0 driver=$driver; then
        adds=$((adds + 1))
    fi
    # Three pings, one answer enough: on a loaded machine (a CI run
    # beside a build) the single ping of one round went unanswered once.
    if ping_ok xvs-g43 10.41.0.1 3; then
        fwd=$((fwd + 1))
    fi
    if ctl del-port xenbr0 vif43.0; then
        dels=$((dels + 1))
    fi
    if [ $driver = auto ]; then driver=af_packet; else driver=auto; fi
done
wait $ping_pid
check "vif43.0 was added $rounds times ($adds)" test $adds -eq $rounds
check "vif43.0 was deleted $rounds times ($dels)" test $dels -eq $rounds
check "vif43.0 forwarded right after each add ($fwd/$rounds)" \
    test $fwd -eq $rounds
summary=$(grep "packets transmitted" "$T/ping.out")
diag "$summary"
check "the other pair lost no ping during the churn" \
    grep_in "$summary" "300 packets transmitted, 300 received"
check "the switch still forwards for the remaining pair" \
    ping_ok xvs-g42 10.41.0.1
check "the deleted port is gone from the configuration file" \
    sh -c '! grep -q vif43.0 "$1"' - "$T/xvs.yaml"
