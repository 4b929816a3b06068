#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Jumbo frames: a bridge's mtu: (9000) goes onto its vifs and its internal
# port; guests at MTU 9000 exchange 8900-byte pings with DF set, TCP and
# UDP with their offloads on; dom0 reaches them through the internal port;
# xvs-ctl set-mtu changes every port or, if one cannot take it, none.
. "$(dirname "$0")/lib.sh"
begin
command -v socat >/dev/null || skip_all "needs socat"
command -v python3 >/dev/null || skip_all "needs python3"

add_guest xvs-g186 vif186.0 10.186.0.1
add_guest xvs-g187 vif187.0 10.186.0.2
guest_ipv6 xvs-g186 vif186.0 fd00:186::1
guest_ipv6 xvs-g187 vif187.0 fd00:186::2
for ns in xvs-g186 xvs-g187; do
    ip -n $ns link set eth0 mtu 9000
done
write_config <<'YAML'
bridges:
  - name: xvsjumbo0
    mtu: 9000
    ports:
      - {name: vif186.0, type: xenvif, ofport: 1}
      - {name: vif187.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts a bridge with mtu: 9000" start_switchd
VIFS="$VIFS xvsjumbo0"
mtu_of() {
    cat "/sys/class/net/$1/mtu"
}
check "the vifs got MTU 9000" \
    test "$(mtu_of vif186.0) $(mtu_of vif187.0)" = "9000 9000"
# DPDK 22.11's TAP driver takes frames of at most 1522 bytes.
check "the internal port got 1500, as much as it can take" \
    test "$(mtu_of xvsjumbo0)" = 1500
check "show says so" \
    grep_in "$(ctl show)" "port vif186.0: .*, mtu 9000, offloads"

jping() {   # jping NS ADDR: 8900-byte pings, don't fragment
    ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 -s 8900 -M do "$2" \
        >/dev/null 2>&1
}
check "8900-byte pings with DF set between the guests" jping xvs-g186 10.186.0.2
check "and back" jping xvs-g187 10.186.0.1

random_file "$T/data" 64
check "TCP at MTU 9000: 64 MiB arrive intact" \
    tcp_send xvs-g186 xvs-g187 10.186.0.2 "$T/data"
check "TCP at MTU 9000, the other way: 64 MiB arrive intact" \
    tcp_send xvs-g187 xvs-g186 10.186.0.1 "$T/data"
check "TCP over IPv6 at MTU 9000: 64 MiB arrive intact" \
    tcp_send xvs-g186 xvs-g187 fd00:186::2 "$T/data"

udp_server xvs-g187 10.186.0.2 7001
check "UDP datagrams up to 8972 bytes (one 9000-byte frame) come back" \
    udp_echo_ok xvs-g186 10.186.0.2 7001 1472 4000 8972

# dom0 through the internal port, at 1500: TCP agrees on a smaller MSS.
ip addr add 10.186.0.254/24 dev xvsjumbo0
ip link set xvsjumbo0 up
check "dom0 reaches a jumbo guest through the internal port" \
    wait_for 10 ping_ok xvs-g186 10.186.0.254 1
random_file "$T/small" 8
check "TCP from dom0 to the jumbo guest: 8 MiB arrive intact" \
    tcp_send - xvs-g186 10.186.0.1 "$T/small" 5002
check "TCP from the jumbo guest (64 KB GSO frames) to dom0, segmented for the internal port: 8 MiB intact" \
    tcp_send xvs-g186 - 10.186.0.254 "$T/small" 5003

# set-mtu: all ports or none, saved.
out=$(ctl set-mtu xvsjumbo0 10 2>&1)
check "set-mtu refuses 10 ($out)" grep_in "$out" "expected an MTU 68-9216"
check "set-mtu 1500" ctl set-mtu xvsjumbo0 1500
check "every port is at 1500" \
    test "$(mtu_of vif186.0) $(mtu_of vif187.0) $(mtu_of xvsjumbo0)" = "1500 1500 1500"
check "and the file says so" grep -q "mtu: 1500" "$T/xvs.yaml"
check "8900-byte pings no longer pass" \
    sh -c '! ip netns exec xvs-g186 ping -q -c 1 -W 1 -s 8900 -M do 10.186.0.2 >/dev/null 2>&1'
add_guest xvs-u186 xvsup186 10.186.0.9
check "a DPDK AF_PACKET port joins the bridge" ctl add-port xvsjumbo0 up186 \
    type=dpdk "devargs=net_af_packet_up186,iface=xvsup186"
out=$(ctl set-mtu xvsjumbo0 9000 2>&1)
check "set-mtu 9000 is refused: DPDK's AF_PACKET port cannot take it ($out)" \
    grep_in "$out" "MTU not changed: port up186"
check "and no port changed" \
    test "$(mtu_of vif186.0) $(mtu_of vif187.0) $(mtu_of xvsjumbo0)" = "1500 1500 1500"
check "nor the file" grep -q "mtu: 1500" "$T/xvs.yaml"
