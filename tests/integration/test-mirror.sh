#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Port mirrors: an IDS guest on the output port gets a copy of exactly the
# selected traffic (received on a port, sent to a port, on given VLANs),
# once per packet, and nothing else (no flooding, its own packets
# dropped); dump-mirrors counts the copies (equal to the output port's
# tx); trace shows the mirror; reload changes mirrors; the configuration
# saves them; bad mirrors are refused with the line.
. "$(dirname "$0")/lib.sh"
begin
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

add_guest xvs-g111 vif111.0 10.111.0.1
add_guest xvs-g112 vif112.0 10.111.0.2
add_guest xvs-g113 vif113.0 10.111.0.3
M1=$(guest_mac xvs-g111) M2=$(guest_mac xvs-g112)
ip netns exec xvs-g111 ip neigh replace 10.111.0.2 lladdr "$M2" dev eth0
ip netns exec xvs-g112 ip neigh replace 10.111.0.1 lladdr "$M1" dev eth0

# config MIRROR_LINES: the bridge with its mirrors.
config() {
    write_config <<YAML
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif111.0, type: xenvif, ofport: 1}
      - {name: vif112.0, type: xenvif, ofport: 2}
      - {name: vif113.0, type: xenvif, ofport: 3}
    mirrors:
$1
YAML
}
config '      - {name: ids, select-src-ports: [vif111.0], output-port: vif113.0}'
check "xvs-switchd starts with a mirror" start_switchd
check "the guests talk" ping_ok xvs-g111 10.111.0.2

tx3() { port_stat vif113.0 tx_packets; }
mirrored() {
    ctl dump-mirrors xenbr0 --format=json \
        | sed -n 's/.*"n_packets": *\([0-9]*\).*/\1/p' | head -n 1
}

# The IDS sees guest 1's echo requests (received on vif111.0), not the
# replies (received on vif112.0).
capture xvs-g113 icmp 3 ip netns exec xvs-g111 ping -c 1 -W 2 10.111.0.2
sed 's/^/# ids: /' "$T/capture"
check "the IDS got copies of guest 1's echo requests" \
    test "$(grep -c "$M1 > $M2.*10.111.0.1 > 10.111.0.2: ICMP echo request" "$T/capture")" -ge 3
check "and not the replies (they came in on vif112.0)" \
    sh -c '! grep -q "ICMP echo reply" "$1"' _ "$T/capture"
a=$(tx3)
ip netns exec xvs-g111 ping -q -c 5 -i 0.2 -W 5 10.111.0.2 >/dev/null
check "5 echo requests, 5 copies ($a -> $(tx3))" wait_for 30 tx_reaches $((a + 5)) vif113.0
check "dump-mirrors counts every copy the output port sent ($(mirrored) = $(tx3))" \
    test "$(mirrored)" -eq "$(tx3)"
check "dump-mirrors shows the mirror" \
    grep_in "$(ctl dump-mirrors xenbr0)" "^mirror ids: packets, received on vif111.0 -> vif113.0: n_packets=[0-9]+, n_bytes=[0-9]+$"

# No other traffic: flooding leaves the output port out, and what the IDS
# sends is dropped.
a=$(tx3)
ip netns exec xvs-g112 ping -q -c 3 -i 0.2 -W 1 10.111.0.99 >/dev/null 2>&1
check "guest 2's ARP broadcasts (flooded) do not reach the IDS" test "$(tx3)" -eq "$a"
check "the IDS itself reaches nobody" \
    sh -c '! ip netns exec xvs-g113 ping -q -c 2 -i 0.2 -W 1 10.111.0.1 >/dev/null 2>&1'

out=$(ctl trace xenbr0 "in_port=vif111.0,icmp,dl_src=$M1,dl_dst=$M2,nw_src=10.111.0.1,nw_dst=10.111.0.2")
check "trace shows the copy" \
    grep_in "$out" "^mirror ids: a copy -> vif113.0 \(as received on a selected port\)$"
check "first, as the packet came in" \
    grep_in "$out" "^Datapath actions: output:vif113.0,output:vif112.0$"

# Sent to a port, on VLANs; through reload.
config '      - {name: ids, select-dst-ports: [vif111.0], output-port: vif113.0}'
check "reload: the mirror now takes what is sent to vif111.0" \
    grep_in "$(ctl reload)" "^bridge xenbr0: mirrors replaced \(1, were 1\)$"
capture xvs-g113 icmp 3 ip netns exec xvs-g111 ping -c 1 -W 2 10.111.0.2
check "the IDS gets the replies (sent to vif111.0)" \
    test "$(grep -c "10.111.0.2 > 10.111.0.1: ICMP echo reply" "$T/capture")" -ge 3
check "and not the requests" \
    sh -c '! grep -q "ICMP echo request" "$1"' _ "$T/capture"
check "the counters went on (same name)" test "$(mirrored)" -gt 5

config '      - {name: ids, select-all: true, select-vlans: [7], output-port: vif113.0}'
ctl reload >/dev/null
a=$(tx3)
ip netns exec xvs-g111 ping -q -c 3 -i 0.2 -W 5 10.111.0.2 >/dev/null
check "select-vlans [7]: untagged traffic is not mirrored" test "$(tx3)" -eq "$a"

check "a change saves the mirrors" ctl add-flow xenbr0 "priority=1,actions=NORMAL"
check "in the file" grep -q "select-vlans: \[7\]" "$T/xvs.yaml"
stop_switchd
check "xvs-switchd restarts with them" start_switchd
check "dump-mirrors after the restart" \
    grep_in "$(ctl dump-mirrors xenbr0)" "^mirror ids: all packets, on VLANs 7 -> vif113.0"

# xvs-ctl add-mirror and del-mirror, saved.
check "xvs-ctl add-mirror" ctl add-mirror xenbr0 web \
    select-src-ports=vif112.0 select-vlans=0 output-port=vif113.0
check "dump-mirrors lists it" \
    grep_in "$(ctl dump-mirrors xenbr0)" "^mirror web: packets, received on vif112.0, on VLANs 0 -> vif113.0"
check "it is saved" grep -q "name: \"*web" "$T/xvs.yaml"
a=$(tx3)
ip netns exec xvs-g112 ping -q -c 3 -i 0.2 -W 5 10.111.0.1 >/dev/null
check "it copies guest 2's packets ($a -> $(tx3))" wait_for 30 tx_reaches $((a + 3)) vif113.0
err=$(ctl add-mirror xenbr0 bad select-all=true 2>&1)
check "add-mirror without output-port ($err)" grep_in "$err" 'missing key "output-port"'
err=$(ctl add-mirror xenbr0 bad select-all=maybe output-port=vif113.0 2>&1)
check "add-mirror with a bad value ($err)" \
    grep_in "$err" 'select-all: expected true or false, got "maybe"'
err=$(ctl add-mirror xenbr0 bad select-vlans=1,2,3 select-vlans=4 output-port=vif113.0 2>&1)
check "add-mirror with a key given twice ($err)" grep_in "$err" "select-vlans: given twice"
err=$(ctl add-mirror xenbr0 bad colour=red output-port=vif113.0 2>&1)
check "add-mirror with an unknown key ($err)" grep_in "$err" '"colour": expected select-all'
check "xvs-ctl del-mirror" ctl del-mirror xenbr0 web
check "it is gone, from the file too" \
    sh -c '! "$1" -t "$2" dump-mirrors xenbr0 | grep -q "^mirror web" &&
           ! grep -q "name: \"*web" "$3"' _ "$CTL_BIN" "$T/ctl" "$T/xvs.yaml"
err=$(ctl del-mirror xenbr0 web 2>&1)
check "del-mirror of no mirror ($err)" grep_in "$err" "bridge xenbr0 has no mirror named web"

# Bad mirrors: refused, nothing changed.
cp "$T/xvs.yaml" "$T/good.yaml"
bad() {     # bad MIRROR EXPECTED
    config "$1"
    out=$(ctl reload 2>&1)
    check "refused: $2 ($out)" grep_in "$out" "$2.*; nothing changed"
}
bad '      - {name: m, select-all: true}' 'mirrors\[0\]: missing key "output-port"'
bad '      - {name: m, output-port: vif113.0}' 'mirrors\[0\]: selects nothing'
bad '      - {name: m, select-src-ports: [vif113.0], output-port: vif113.0}' \
    'port vif113.0 is both selected and the output port'
bad '      - {name: m, select-all: true, output-port: vif113.0}
      - {name: m, select-all: true, output-port: vif112.0}' \
    'mirrors\[1\]: a second mirror named m'
bad '      - {name: m, select-all: yes, output-port: vif113.0}' \
    'select-all: expected true or false'
check "the mirror is as it was" \
    grep_in "$(ctl dump-mirrors xenbr0)" "^mirror ids: all packets, on VLANs 7 -> vif113.0"

# Output to a VLAN: guests 1 and 2 on access VLAN 10, the IDS on a trunk
# of VLAN 99; the copies reach it tagged 99, the guests still talk.
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif111.0, type: xenvif, ofport: 1, vlan: 10}
      - {name: vif112.0, type: xenvif, ofport: 2, vlan: 10}
      - {name: vif113.0, type: xenvif, ofport: 3, trunks: [99]}
    flows: ["priority=0,actions=NORMAL"]
    mirrors:
      - {name: v, select-src-ports: [vif111.0], output-vlan: 99}
YAML
out=$(ctl reload)
check "reload: VLANs and a mirror to VLAN 99 ($(printf '%s' "$out" | tr '\n' ';'))" \
    grep_in "$out" "mirrors replaced"
check "dump-mirrors: -> VLAN 99" \
    grep_in "$(ctl dump-mirrors xenbr0)" "^mirror v: packets, received on vif111.0 -> VLAN 99: "
capture xvs-g113 "vlan 99 and icmp" 3 ip netns exec xvs-g111 ping -c 1 -W 2 10.111.0.2
sed 's/^/# ids: /' "$T/capture"
check "the IDS gets guest 1's echo requests tagged 99" \
    test "$(grep -c "vlan 99, .*10.111.0.1 > 10.111.0.2: ICMP echo request" "$T/capture")" -ge 3
b=$(port_stat vif112.0 tx_packets)
check "guest 1 still reaches guest 2 (the packet went on untagged)" \
    ping_ok xvs-g111 10.111.0.2
check "guest 2 got the 3 requests and no copy ($b -> $(port_stat vif112.0 tx_packets))" \
    test "$(port_stat vif112.0 tx_packets)" -eq $((b + 3))
out=$(ctl trace xenbr0 "in_port=vif111.0,icmp,dl_src=$M1,dl_dst=$M2,nw_src=10.111.0.1,nw_dst=10.111.0.2")
check "trace: the copy to VLAN 99, tagged, then the packet as it was" \
    sh -c 'printf "%s\n" "$1" | grep -q "^mirror v: a copy -> VLAN 99 (as received on a selected port)$" &&
           printf "%s\n" "$1" | grep -q "^Datapath actions: push_vlan:99,output:vif113.0,pop_vlan,output:vif112.0$"' _ "$out"
err=$(ctl add-mirror xenbr0 w select-all=true output-port=vif113.0 output-vlan=5 2>&1)
check "output-port and output-vlan together are refused ($err)" \
    grep_in "$err" "output-port and output-vlan: give one of them"
cp "$T/good.yaml" "$T/xvs.yaml"
