#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Port security: a guest that lies about its MAC, its IPv4 or IPv6 address,
# announces another guest's address in ARP or neighbour discovery, or plays
# router or DHCP server gets none of it through and cannot take the
# victim's traffic, while honest guests (DHCP included) carry on.
. "$(dirname "$0")/lib.sh"
begin
command -v tcpdump >/dev/null || skip_all "needs tcpdump"
SPOOF=$top_srcdir/tests/integration/spoof.py

add_guest xvs-g140 vif140.0 10.140.0.1      # honest
add_guest xvs-g141 vif141.0 10.140.0.2      # the victim
add_guest xvs-g142 vif142.0 10.140.0.3      # the attacker
for g in 140 141 142; do
    guest_ipv6 "xvs-g$g" "vif$g.0" "2001:db8:140::$g"
done
M140=$(guest_mac xvs-g140)
M141=$(guest_mac xvs-g141)
M142=$(guest_mac xvs-g142)

# The victim and the honest guest from the file, the attacker with
# xvs-ctl add-port, as vif-xvs adds a vif.
write_config <<YAML
bridges:
  - name: xenbr0
    ports:
      - name: vif140.0
        type: xenvif
        mac: "$M140"
        ip: ["10.140.0.1", "2001:db8:140::140"]
      - name: vif141.0
        type: xenvif
        mac: "$M141"
        ip: "10.140.0.2 2001:db8:140::141"
YAML
check "xvs-switchd starts" start_switchd
check "add-port takes mac= and ip=" \
    ctl add-port xenbr0 vif142.0 "mac=$M142" "ip=10.140.0.3 2001:db8:140::142"
check "show says port security is on" \
    grep_in "$(ctl show)" "^ +mac $M142, ip 10.140.0.3 2001:db8:140::142, port security on$"
check "and show's JSON has the guest" \
    grep_in "$(ctl show --format=json)" "\"port_security\": true"
check "the settings are saved" \
    grep -q "ip: \[\"10.140.0.3\", \"2001:db8:140::142\"\]" "$T/xvs.yaml"

check "honest guests ping each other" ping_ok xvs-g140 10.140.0.2
check "and over IPv6" ping_ok xvs-g140 2001:db8:140::141
random_file "$T/data" 2
check "TCP between honest guests" tcp_send xvs-g141 xvs-g140 10.140.0.1 "$T/data"
check "the attacker's own traffic passes" ping_ok xvs-g142 10.140.0.1

# drops PORT REASON: port security drops of REASON on PORT so far.
drops() {
    v=$(port_stat "$1" "$2")
    echo "${v:-0}"
}
# drops_reach PORT REASON N: whether they have reached N.
drops_reach() {
    [ "$(drops "$1" "$2")" -ge "$3" ]
}

# attack PATTERN KIND ARGS...: the attacker sends 5 of KIND; whether g140
# sees none of them (no line of tcpdump's matching the extended regex
# PATTERN), once the attacker's honest marker, sent after them on the same
# vif, has arrived.
attack() {
    pattern=$1
    shift
    rm -f "$T/seen" "$T/seen.err"
    ip netns exec xvs-g140 timeout 60 tcpdump -nei eth0 -U -l \
        "udp or arp or icmp6" >"$T/seen" 2>"$T/seen.err" &
    tcpdump_pid=$!
    wait_for 30 grep -q "listening on" "$T/seen.err"
    ip netns exec xvs-g142 python3 "$SPOOF" eth0 "$@"
    wait_for 30 sh -c "ip netns exec xvs-g142 python3 $SPOOF eth0 \
        ip4 10.140.0.3 10.140.0.1 7009 && grep -q 10.140.0.3.7009 $T/seen"
    kill "$tcpdump_pid" 2>/dev/null
    wait "$tcpdump_pid" 2>/dev/null
    if grep -E -- "$pattern" "$T/seen" >"$T/leaked"; then
        sed 's/^/# leaked: /' "$T/leaked"
        return 1
    fi
    grep -q 10.140.0.3.7009 "$T/seen"
}

# The victim's MAC from the attacker: dropped, never learned.
check "frames with the victim's source MAC get nowhere" \
    attack "$M141 > .*7001" mac "$M141" 10.140.0.1 10.140.0.2 7001
check "they are counted as spoof-mac" drops_reach vif142.0 spoof-mac 5
if grep_in "$(ctl dump-macs xenbr0)" "^ +3 +0 +$M141"; then
    not_ok "NORMAL does not learn the victim's MAC on the attacker's port"
else
    ok "NORMAL does not learn the victim's MAC on the attacker's port"
fi

# ARP poisoning: "10.140.0.2 is at the attacker".
check "a gratuitous ARP for the victim's address gets nowhere" \
    attack "10.140.0.2 is-at $M142" garp "$M142" 10.140.0.2
check "it is counted as spoof-arp" drops_reach vif142.0 spoof-arp 5
if ip -n xvs-g140 neigh show 10.140.0.2 | grep -q "$M142"; then
    not_ok "the honest guest's ARP cache still has the victim's MAC"
else
    ok "the honest guest's ARP cache still has the victim's MAC"
fi

check "IPv4 from the victim's address gets nowhere" \
    attack "10.140.0.2.7001 >" ip4 10.140.0.2 10.140.0.1 7001
check "IPv6 from the victim's address gets nowhere" \
    attack "2001:db8:140::141.7001 >" ip6 2001:db8:140::141 ff02::1 7001
check "both are counted as spoof-ip" drops_reach vif142.0 spoof-ip 10
check "a neighbour advertisement for the victim's IPv6 gets nowhere" \
    attack "$M142 > .*tgt is 2001:db8:140::141" na 2001:db8:140::141
check "it is counted as spoof-nd" drops_reach vif142.0 spoof-nd 5
check "a router advertisement gets nowhere" attack "router advertisement" ra
check "a DHCP offer gets nowhere" attack "10.140.0.3.67 >" dhcp-offer 10.140.0.3
check "both are counted as rogue-server" \
    drops_reach vif142.0 rogue-server 10
check "dump-ports shows the reasons" \
    grep_in "$(ctl dump-ports xenbr0 vif142.0)" "rx drops: spoof-mac=[1-9][0-9]* spoof-arp=[1-9]"

# The victim keeps its traffic.
ip -n xvs-g140 neigh flush dev eth0
check "the honest guest still reaches the victim" ping_ok xvs-g140 10.140.0.2
check "and the victim's MAC is learned on the victim's port" \
    grep_in "$(ctl dump-macs xenbr0)" "^ +2 +0 +$M141"
check "TCP to the victim still works" \
    tcp_send xvs-g140 xvs-g141 10.140.0.2 "$T/data"
check "over IPv6 too" \
    tcp_send xvs-g140 xvs-g141 2001:db8:140::141 "$T/data" 5002

# DHCP: a client without an address asks, a server on another guest hears.
check "an honest guest's DHCP discover gets through" \
    capture xvs-g141 "udp dst port 67" 1 \
    ip netns exec xvs-g140 python3 "$SPOOF" eth0 dhcp-discover
check "(it arrived)" grep -q "0.0.0.0.68 > 255.255.255.255.67" "$T/capture"

# Turning it off lets the attacker's frames through: the check is the
# port's, not the frames'.
check "set-port port-security=off" ctl set-port xenbr0 vif142.0 port-security=off
check "show says so" \
    grep_in "$(ctl show)" "^ +mac $M142, .*port security off"
before=$(drops vif142.0 spoof-ip)
check "IPv4 from a foreign source now arrives" \
    capture xvs-g140 "udp port 7001 and src 10.140.0.99" 1 \
    ip netns exec xvs-g142 python3 "$SPOOF" eth0 ip4 10.140.0.99 10.140.0.1 7001
check "and is not counted" test "$(drops vif142.0 spoof-ip)" = "$before"
# With it off, NORMAL learns the victim's MAC where the attacker sends it.
mac_on_attacker() {
    grep_in "$(ctl dump-macs xenbr0)" "^ +3 +0 +$M141"
}
check "with it off, the victim's MAC can be learned on the attacker's port" \
    wait_for 30 sh -c "ip netns exec xvs-g142 python3 $SPOOF eth0 mac $M141 \
        10.140.0.1 10.140.0.2 7001; $CTL_BIN -t $T/ctl dump-macs xenbr0 \
        | grep -Eq '^ +3 +0 +$M141'"
check "set-port port-security=on again" \
    ctl set-port xenbr0 vif142.0 port-security=on
if mac_on_attacker; then
    not_ok "turning it on forgets what was learned on the port"
else
    ok "turning it on forgets what was learned on the port"
fi
check "IPv4 from a foreign source is dropped again" \
    attack "10.140.0.99.7001 >" ip4 10.140.0.99 10.140.0.1 7001

# Without 'ip', only the MAC is checked (as Xen's own scripts leave it).
check "set-port ip=none" ctl set-port xenbr0 vif142.0 ip=none
check "then any IPv4 source with the guest's MAC passes" \
    capture xvs-g140 "udp port 7001 and src 10.140.0.98" 1 \
    ip netns exec xvs-g142 python3 "$SPOOF" eth0 ip4 10.140.0.98 10.140.0.1 7001
check "but not another MAC" attack "$M141 > .*7001" mac "$M141" 10.140.0.1 10.140.0.2 7001

# Bad input, with the reason.
out=$(ctl set-port xenbr0 vif142.0 ip=10.140.0.300 2>&1)
check "a malformed ip is refused" \
    grep_in "$out" "ip: expected an IPv4 or IPv6 address or prefix, or dhcp or dhcp6, got \"10.140.0.300\""
out=$(ctl set-port xenbr0 vif142.0 mac=01:00:5e:00:00:01 2>&1)
check "a multicast mac is refused" grep_in "$out" "mac: 01:00:5e:00:00:01 is a multicast address"
out=$(ctl set-port xenbr0 vif142.0 mac=none port-security=on 2>&1)
check "port security without any MAC is refused" \
    grep_in "$out" "port-security on needs the guest's mac"
check "and nothing was half-applied" \
    grep_in "$(ctl show)" "^ +mac $M142, port security on$"
