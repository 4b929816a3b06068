#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What guests do: TCP and UDP between sockets, with the offloads a guest's
# kernel uses by default (partial checksums, 64 KB TSO/GSO frames), between
# two vifs, through a rewrite, and out of a DPDK port that has no offloads;
# and guests whose offloads are off.  Every transfer is checked end to end
# (sha256 of what arrived, UDP echoes verified by the receiving kernels).
#
# XVS_TEST_VIF_DRIVER picks the vifs' driver (default auto); with
# af_packet (DPDK's, without the virtio-net header) the TCP and UDP checks
# fail, as they did before xvs had the vnet driver.
. "$(dirname "$0")/lib.sh"
begin
command -v socat >/dev/null || skip_all "needs socat"
command -v ethtool >/dev/null || skip_all "needs ethtool"
command -v python3 >/dev/null || skip_all "needs python3"
driver=${XVS_TEST_VIF_DRIVER:-auto}
udp_echo="python3 $top_srcdir/tests/integration/udp-echo.py"

add_guest xvs-g181 vif181.0 10.181.0.1
add_guest xvs-g182 vif182.0 10.181.0.2
add_guest xvs-g183 vif183.0 10.181.0.3
guest_ipv6 xvs-g181 vif181.0 fd00:181::1
guest_ipv6 xvs-g182 vif182.0 fd00:181::2
# An "uplink": a host behind a DPDK port (net_af_packet, which has no
# TSO or checksum offload).  Its own frames are plain, as a wire's are.
add_guest xvs-u181 xvsup181 10.181.0.9
ip netns exec xvs-u181 ethtool -K eth0 tso off gso off tx off >/dev/null 2>&1
write_config <<YAML
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif181.0, type: xenvif, ofport: 1, driver: $driver}
      - {name: vif182.0, type: xenvif, ofport: 2, driver: $driver}
      - {name: vif183.0, type: xenvif, ofport: 3, driver: $driver}
      - {name: up181, type: dpdk, ofport: 9,
         devargs: "net_af_packet_up181,iface=xvsup181,qpairs=1,qdisc_bypass=0"}
YAML
check "xvs-switchd starts with three vifs and a DPDK uplink" start_switchd
for ns in xvs-g181 xvs-g182 xvs-g183; do
    diag "$ns offloads: $(ip netns exec $ns ethtool -k eth0 \
        | grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload):' \
        | tr -s ' \n' ' ')"
done

random_file "$T/data" 64
check "ping between the guests" ping_ok xvs-g181 10.181.0.2

check "TCP guest to guest: 64 MiB arrive intact" \
    tcp_send xvs-g181 xvs-g182 10.181.0.2 "$T/data"
check "TCP guest to guest, the other way: 64 MiB arrive intact" \
    tcp_send xvs-g182 xvs-g181 10.181.0.1 "$T/data"
check "TCP over IPv6 guest to guest: 64 MiB arrive intact" \
    tcp_send xvs-g181 xvs-g182 fd00:181::2 "$T/data"
check "TCP over IPv6, the other way: 64 MiB arrive intact" \
    tcp_send xvs-g182 xvs-g181 fd00:181::1 "$T/data"

udp_server xvs-g182 10.181.0.2 7001
udp_server xvs-g182 fd00:181::2 7002
check "UDP datagrams of 1 to 20000 bytes reach a socket and come back" \
    udp_echo_ok xvs-g181 10.181.0.2 7001 1 64 512 1400 1472 4000 20000
check "UDP over IPv6 reaches a socket and comes back" \
    udp_echo_ok xvs-g181 fd00:181::2 7002 1 64 1400 1452 20000
ip netns exec xvs-g181 $udp_echo gso 10.181.0.2 7001 1000 16 >"$T/udpgso" 2>&1
check "a UDP GSO write of 16 segments reaches the socket as 16 datagrams" \
    grep -q '^PASS' "$T/udpgso"

# Through a rewrite: guest 1 talks to 10.181.0.100:80, which the flows
# turn into guest 2's 5001 and back (DNAT-like), checksums and all.
mac2=$(guest_mac xvs-g182)
ip -n xvs-g181 neigh replace 10.181.0.100 lladdr "$mac2" dev eth0
ctl add-flow xenbr0 "priority=100,tcp,in_port=1,nw_dst=10.181.0.100,tp_dst=80,actions=mod_nw_dst:10.181.0.2,mod_tp_dst:5080,output:2"
ctl add-flow xenbr0 "priority=100,tcp,in_port=2,nw_src=10.181.0.2,tp_src=5080,actions=mod_nw_src:10.181.0.100,mod_tp_src:80,output:1"
check "TCP through nw_dst/tp_dst rewrites: 64 MiB arrive intact" \
    tcp_send xvs-g181 xvs-g182 10.181.0.2 "$T/data" 5080 10.181.0.100:80
check "and the rewriting flows carried it" \
    grep_in "$(ctl dump-flows xenbr0)" "n_packets=[1-9][0-9]*,.*tp_dst=80"
ctl del-flows xenbr0 "tcp,in_port=1,nw_dst=10.181.0.100"
ctl del-flows xenbr0 "tcp,in_port=2,nw_src=10.181.0.2"

# Out of a DPDK port without TSO: GSO frames are cut into segments.
check "TCP from a guest out of a DPDK port without TSO: 64 MiB arrive intact" \
    tcp_send xvs-g181 xvs-u181 10.181.0.9 "$T/data"
check "TCP from the DPDK port to a guest: 64 MiB arrive intact" \
    tcp_send xvs-u181 xvs-g181 10.181.0.1 "$T/data"
udp_server xvs-u181 10.181.0.9 7003
check "UDP between a guest and the DPDK port reaches the socket" \
    udp_echo_ok xvs-g181 10.181.0.9 7003 64 1400 1472
ip netns exec xvs-g181 $udp_echo gso 10.181.0.9 7003 1000 16 >"$T/udpgso" 2>&1
check "a UDP GSO write out of the DPDK port arrives as 16 datagrams" \
    grep -q '^PASS' "$T/udpgso"

# A guest whose offloads are off still works.
ip netns exec xvs-g183 ethtool -K eth0 tx off sg off tso off gso off \
    >/dev/null 2>&1
check "TCP from a guest with offloads off: 64 MiB arrive intact" \
    tcp_send xvs-g183 xvs-g182 10.181.0.2 "$T/data"
check "TCP to a guest with offloads off: 64 MiB arrive intact" \
    tcp_send xvs-g182 xvs-g183 10.181.0.3 "$T/data"

# A frame larger than the output's MTU is dropped there and counted, not
# sent cut short.  (The bridge reads a vif's MTU again every second.)
ip link set vif183.0 mtu 1280
mtu_drops() {
    test "$(port_stat vif183.0 tx_mtu_dropped)" -ge 1
}
big_ping_dropped() {
    ! ip netns exec xvs-g182 ping -c 1 -W 1 -s 1400 -M do 10.181.0.3 \
        >/dev/null 2>&1 && mtu_drops
}
check "a 1428-byte packet to a vif with MTU 1280 is dropped and counted" \
    wait_for 10 big_ping_dropped
check "while packets within its MTU still pass" ping_ok xvs-g182 10.181.0.3
