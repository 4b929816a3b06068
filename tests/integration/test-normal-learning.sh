#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# NORMAL floods what it has not learned, then sends unicast only to the
# port where the destination was learned.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g21 vif21.0 10.21.0.1
add_guest xvs-g22 vif22.0 10.21.0.2
add_guest xvs-g23 vif23.0 10.21.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    # No dom0 port: its own traffic (IPv6 router solicitations...) would
    # blur the packet counts below.
    internal-port: false
    ports:
      - {name: vif21.0, type: xenvif, driver: af_packet}
      - {name: vif22.0, type: xenvif, driver: af_packet}
      - {name: vif23.0, type: xenvif, driver: af_packet}
YAML
check "xvs-switchd starts" start_switchd

before=$(port_stat vif23.0 tx_packets)
check "first ping from guest 1 to guest 2" ping_ok xvs-g21 10.21.0.2 1
flooded=$(port_stat vif23.0 tx_packets)
check "the first (broadcast ARP) packet was flooded to the third port" \
    test "$flooded" -gt "$before"

macs=$(ctl dump-macs xenbr0)
mac1=$(guest_mac xvs-g21)
mac2=$(guest_mac xvs-g22)
check "guest 1's MAC was learned on ofport 1" grep_in "$macs" "^ +1 +0  $mac1"
check "guest 2's MAC was learned on ofport 2" grep_in "$macs" "^ +2 +0  $mac2"

check "20 more pings between guests 1 and 2" ping_ok xvs-g21 10.21.0.2 20
after=$(port_stat vif23.0 tx_packets)
check "no unicast packet reached the third port ($flooded -> $after)" \
    test "$after" -eq "$flooded"
tx2=$(port_stat vif22.0 tx_packets)
check "guest 2's port sent the pings ($tx2)" test "$tx2" -ge 21

# mac-table-size: a table of one address keeps only the latest, and a
# reload gives it room again.
sed -i 's/^  - name: xenbr0$/  - name: xenbr0\n    mac-table-size: 1/' "$T/xvs.yaml"
check "reload with mac-table-size: 1" ctl reload
check "the table keeps one address ($(ctl dump-macs xenbr0 | grep -c ':'))" \
    test "$(ctl dump-macs xenbr0 | grep -c ':')" -le 1
check "guests 1 and 2 still reach each other (by flooding)" \
    ping_ok xvs-g21 10.21.0.2 3
check "the table still holds one address" \
    test "$(ctl dump-macs xenbr0 | grep -c ':')" -le 1
sed -i 's/^    mac-table-size: 1$/    mac-table-size: 100/' "$T/xvs.yaml"
check "reload with mac-table-size: 100" ctl reload
check "guests 1 and 2 reach each other" ping_ok xvs-g21 10.21.0.2 3
check "both are learned again" \
    test "$(ctl dump-macs xenbr0 | grep -c ':')" -ge 2
