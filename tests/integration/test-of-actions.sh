#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The OpenFlow actions Open vSwitch's library does not know (copy_ttl_out,
# copy_ttl_in, set_field on eth_type, ip_proto and mpls_bos, PBB push, pop
# and set) and matches (ipv6_exthdr, pbb_isid), as a controller sends them
# over OpenFlow 1.3 and 1.4
# (raw messages built by of-actions.py): flows, a group bucket and a
# packet-out are taken, read
# back as sent, and the crafted frames that go through them arrive as
# expected byte for byte, checksums computed from scratch.  What stays
# refused gets its error and adds nothing; xvs-ctl shows and takes them.
. "$(dirname "$0")/lib.sh"
begin
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

add_guest xvs-g81 vif81.0 10.81.0.1
add_guest xvs-g82 vif82.0 10.81.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif81.0, type: xenvif, ofport: 1}
      - {name: vif82.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
OFA="python3 $top_srcdir/tests/integration/of-actions.py"
MAC1=$(guest_mac xvs-g81)
MAC2=$(guest_mac xvs-g82)

for v in 4 5; do
    of="OpenFlow 1.$((v - 1))"
    ctl del-flows xenbr0 >/dev/null
    ctl del-groups xenbr0 >/dev/null 2>&1
    rm -f "$T/out.pcap" "$T/out.err"
    ip netns exec xvs-g82 timeout 30 tcpdump -nn -U --immediate-mode \
        -i eth0 -c 15 -w "$T/out.pcap" "ether src $MAC1" 2>"$T/out.err" &
    cap=$!
    wait_for 30 grep -q "listening on" "$T/out.err"
    $OFA install "$T/xenbr0.mgmt" $v >"$T/out" 2>&1
    ip netns exec xvs-g81 $OFA send eth0 "$MAC1" "$MAC2"
    $OFA packet-out "$T/xenbr0.mgmt" $v "$MAC1" "$MAC2" >>"$T/out" 2>&1
    wait "$cap"
    $OFA check "$T/out.pcap" "$MAC1" "$MAC2" >>"$T/out" 2>&1
    sed "s/^\(PASS\|FAIL\) /\1 $of: /" "$T/out" >"$T/results"
    script_results "$T/results" 41 "of-actions.py ($of)"
done

# xvs-ctl shows them as OpenFlow writes them, and takes them as text.
flows=$(ctl dump-flows xenbr0)
check "dump-flows shows copy_ttl_out" \
    grep_in "$flows" "actions=copy_ttl_out,output:2"
check "dump-flows shows set_field:0x8848->eth_type" \
    grep_in "$flows" "actions=set_field:0x8848->eth_type,output:2"
check "dump-flows shows set_field:17->ip_proto" \
    grep_in "$flows" "actions=set_field:17->ip_proto,output:2"
check "dump-flows shows set_field:0->mpls_bos" \
    grep_in "$flows" "actions=set_field:0->mpls_bos,output:2"
check "dump-flows shows copy_ttl_in in write_actions" \
    grep_in "$flows" "actions=write_actions\(copy_ttl_in,pop_mpls:0x0800,output:2\)"
check "and a set_field on mpls_bos there after apply_actions' copy_ttl_out" \
    grep_in "$flows" "actions=copy_ttl_out,write_actions\(set_field:0->mpls_bos,output:2\)"
check "add-flow takes push_pbb in write_actions, after clear_actions" \
    ctl add-flow xenbr0 "priority=8,ip,actions=clear_actions,write_actions(push_pbb:0x88e7,output:2)"
check "and dump-flows shows it back" \
    grep_in "$(ctl dump-flows xenbr0)" "priority=8,ip actions=clear_actions,write_actions\(push_pbb:0x88e7,output:2\)"
check "dump-groups shows copy_ttl_in" \
    grep_in "$(ctl dump-groups xenbr0)" "copy_ttl_in,output:2"
check "add-flow takes copy_ttl_in and set_field:6->ip_proto" \
    ctl add-flow xenbr0 "priority=7,mpls,actions=copy_ttl_in,set_field:6->ip_proto,output:2"
check "and dump-flows shows them back" \
    grep_in "$(ctl dump-flows xenbr0)" "priority=7,mpls actions=copy_ttl_in,set_field:6->ip_proto,output:2"
check "dump-flows shows the ipv6_exthdr match" \
    grep_in "$(ctl dump-flows xenbr0)" "ipv6,in_port=1,ipv6_exthdr=0x44 actions=output:2"
check "add-flow takes ipv6_exthdr=0x40/0x40" \
    ctl add-flow xenbr0 "priority=6,ipv6,ipv6_exthdr=0x40/0x40,actions=drop"
check "and dump-flows shows it back" \
    grep_in "$(ctl dump-flows xenbr0)" "priority=6,ipv6,ipv6_exthdr=0x40/0x40 actions=drop"
out=$(ctl add-flow xenbr0 "ip,ipv6_exthdr=0x40,actions=drop" 2>&1)
check "add-flow refuses ipv6_exthdr without ipv6" \
    grep_in "$out" "ipv6_exthdr needs ipv6"
check "dump-flows shows the pbb_isid match and pop_pbb" \
    grep_in "$(ctl dump-flows xenbr0)" "in_port=1,dl_type=0x88e7,pbb_isid=200 actions=pop_pbb,output:2"
check "dump-flows shows push_pbb and set_field on pbb_isid" \
    grep_in "$(ctl dump-flows xenbr0)" "actions=push_pbb:0x88e7,set_field:1193046->pbb_isid,output:2"
out=$(ctl add-flow xenbr0 "actions=set_field:300->ip_proto,output:2" 2>&1)
check "add-flow refuses set_field:300->ip_proto, naming the field" \
    grep_in "$out" "ip_proto: the value must be a number from 0 to 255"
