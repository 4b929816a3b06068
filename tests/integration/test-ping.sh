#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guests ping each other through xenvif ports, over AF_XDP, over AF_PACKET,
# and across the two; counters see the traffic.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g11 vif11.0 10.11.0.1
add_guest xvs-g12 vif12.0 10.11.0.2
add_guest xvs-g13 vif13.0 10.11.0.3
add_guest xvs-g14 vif14.0 10.11.0.4
write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif11.0, type: xenvif, driver: af_xdp}
      - {name: vif12.0, type: xenvif, driver: af_xdp}
      - {name: vif13.0, type: xenvif, driver: af_packet}
      - {name: vif14.0, type: xenvif, driver: af_packet}
YAML

check "xvs-switchd starts with four xenvif ports" start_switchd
show=$(ctl show)
check "vif11.0 is attached through AF_XDP" \
    grep_in "$show" "port vif11.0: ofport 1, xenvif via af_xdp, link up"
check "vif13.0 is attached through AF_PACKET" \
    grep_in "$show" "port vif13.0: ofport 3, xenvif via af_packet, link up"
check "ping between two AF_XDP vifs" ping_ok xvs-g11 10.11.0.2 5
check "ping between two AF_PACKET vifs" ping_ok xvs-g13 10.11.0.4 5
check "ping from an AF_XDP vif to an AF_PACKET vif" ping_ok xvs-g12 10.11.0.3 5

rx=$(port_stat vif11.0 rx_packets)
tx=$(port_stat vif12.0 tx_packets)
check "vif11.0 counted its received packets ($rx)" test "${rx:-0}" -ge 6
check "vif12.0 counted its transmitted packets ($tx)" test "${tx:-0}" -ge 6
check "the default NORMAL flow counted packets" \
    grep_in "$(ctl dump-flows xenbr0)" \
    "n_packets=[1-9][0-9]*, .*priority=0 actions=NORMAL"

# DPDK's AF_XDP and AF_PACKET drivers lose the guests' offload metadata
# (see test-guest-traffic.sh for the vnet driver that keeps it): within
# that limit, guests that turn their offloads off get TCP and UDP through.
for ns in xvs-g11 xvs-g12 xvs-g13 xvs-g14; do
    ip netns exec $ns ethtool -K eth0 tx off sg off tso off gso off \
        >/dev/null 2>&1
done
random_file "$T/data" 8
check "offloads off: TCP between two AF_XDP vifs, 8 MiB intact" \
    tcp_send xvs-g11 xvs-g12 10.11.0.2 "$T/data"
check "offloads off: TCP between two AF_PACKET vifs, 8 MiB intact" \
    tcp_send xvs-g13 xvs-g14 10.11.0.4 "$T/data"
udp_server xvs-g14 10.11.0.4 7001
check "offloads off: UDP from an AF_XDP vif to an AF_PACKET vif's socket" \
    udp_echo_ok xvs-g11 10.11.0.4 7001 64 1472
