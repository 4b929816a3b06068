#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# MPLS: a rule pushes a label (set with set_field) and sends the packet to
# a "core" port, where tcpdump sees the label; the next table matches on
# the label, pops it, and delivers the packet to its guest, who answers.
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
