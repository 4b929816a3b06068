#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# MPLS: a rule pushes a label (set with set_field) and sends the packet to
# a "core" port, where tcpdump sees the label; the next table matches on
# the label, pops it, and delivers the packet to its guest, who answers.
# Then crafted MPLS frames: after pop_mpls the next table matches and
# rewrites the IPv4 packet beneath, checked byte for byte.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

add_guest xvs-g76 vif76.0 10.76.0.1
add_guest xvs-g77 vif77.0 10.76.0.2
add_guest xvs-g78 vif78.0 10.76.0.3
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif76.0, type: xenvif, ofport: 1}
      - {name: vif77.0, type: xenvif, ofport: 2}
      - {name: vif78.0, type: xenvif, ofport: 3}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
cat >"$T/flows" <<'FLOWS'
priority=100,arp,actions=NORMAL
priority=50,ip,in_port=1,nw_dst=10.76.0.2,actions=push_mpls:0x8847,set_field:100->mpls_label,output:3,resubmit(,1)
table=1,mpls,mpls_label=100,mpls_bos=1,actions=pop_mpls:0x0800,output:2
priority=0,actions=NORMAL
FLOWS
check "MPLS flows (OpenFlow 1.3)" ovs-ofctl -O OpenFlow13 add-flows "$M" "$T/flows"

ip netns exec xvs-g78 timeout 15 tcpdump -c 3 -nn -U --immediate-mode \
    -i eth0 -w "$T/core.pcap" mpls 2>/dev/null &
TCPDUMP=$!
PIDS="$PIDS $TCPDUMP"
sleep 1
check "guest 1 reaches guest 2 through push and pop" ping_ok xvs-g76 10.76.0.2 3
captured() { ! kill -0 "$TCPDUMP" 2>/dev/null; }
wait_for 10 captured
seen=$(tcpdump -nn -r "$T/core.pcap" 2>/dev/null)
check "the core port saw the echo requests labelled 100" \
    test "$(printf '%s\n' "$seen" | grep -c 'MPLS (label 100, tc 0, \[S\], ttl 64)')" -eq 3
check "carrying the IPv4 echo requests" \
    grep_in "$seen" "10.76.0.1 > 10.76.0.2: ICMP echo request"
flows=$(ovs-ofctl -O OpenFlow13 dump-flows "$M")
check "the label-matching rule in table 1 counted the 3" \
    grep_in "$flows" "table=1, n_packets=3, .*mpls_label=100"

# After pop_mpls the next tables see the packet beneath the label: its
# IPv4 source and TTL match, dec_ttl and set_field:ip_ecn rewrite it
# (TTL 63, TOS 32 -> 33) with both checksums right.  Crafted frames
# (mpls-frames.py), over OpenFlow 1.3 and 1.4 alike; the second and third
# frames of each run hit the megaflow that the first one installed.
FRAMES="python3 $top_srcdir/tests/integration/mpls-frames.py"
MAC1=$(guest_mac xvs-g76)
MAC2=$(guest_mac xvs-g77)
cat >"$T/pop-flows" <<'FLOWS'
priority=200,mpls,mpls_label=100,mpls_bos=1,actions=pop_mpls:0x0800,goto_table:1
table=1,priority=10,ip,nw_src=192.168.10.10,nw_ttl=64,actions=dec_ttl,set_field:1->ip_ecn,output:2
table=1,priority=5,ip,actions=output:3
FLOWS

# send_and_capture NS SRC: three crafted frames from 192.168.10.SRC into
# port 1, captured in NS as $T/pop.pcap.
send_and_capture() {
    rm -f "$T/pop.pcap" "$T/pop.err"
    ip netns exec "$1" timeout 30 tcpdump -nn -U --immediate-mode -i eth0 \
        -c 3 -w "$T/pop.pcap" udp port 6000 2>"$T/pop.err" &
    _cap=$!
    wait_for 30 grep -q "listening on" "$T/pop.err"
    ip netns exec xvs-g76 $FRAMES send eth0 "$MAC1" "$MAC2" \
        "192.168.10.$2" 10.76.0.2 3
    wait "$_cap"
}
for v in 1.3 1.4; do
    of=$(echo "$v" | tr -d .)
    ovs-ofctl -O OpenFlow$of del-flows "$M"
    check "OpenFlow $v: pop_mpls and table 1 rules" \
        ovs-ofctl -O OpenFlow$of add-flows "$M" "$T/pop-flows"
    send_and_capture xvs-g77 10
    out=$($FRAMES check "$T/pop.pcap" 192.168.10.10 10.76.0.2 63 33 2>&1)
    [ "$out" = 3 ] || diag "$out"
    check "OpenFlow $v: guest 2 got the 3, unlabelled, TTL 63, ECN 1, checksums valid" \
        [ "$out" = 3 ]
    flows=$(ovs-ofctl -O OpenFlow$of dump-flows "$M")
    check "OpenFlow $v: the rule on the inner source counted them" \
        grep_in "$flows" "table=1, n_packets=3, .*nw_src=192.168.10.10"
    check "OpenFlow $v: a megaflow of MPLS packets on their inner source" \
        grep_in "$(ctl dump-cache xenbr0)" "dl_type=0x8847.*nw_src=192.168.10.10"
    send_and_capture xvs-g78 11
    out=$($FRAMES check "$T/pop.pcap" 192.168.10.11 10.76.0.2 64 32 2>&1)
    [ "$out" = 3 ] || diag "$out"
    check "OpenFlow $v: another source goes to guest 3, popped, unchanged" \
        [ "$out" = 3 ]
done
