#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Rewrites that need more than a 16-bit checksum update, on crafted frames
# between two guests, over OpenFlow 1.3 and 1.4: SCTP ports (CRC-32C) and
# neighbour discovery target and link-layer address (ICMPv6 checksum).
# The frames that arrive are checked field by field, checksums computed
# from scratch (rewrite-frames.py, plain Python).
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

add_guest xvs-g79 vif79.0 10.79.0.1
add_guest xvs-g80 vif80.0 10.79.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif79.0, type: xenvif, ofport: 1}
      - {name: vif80.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
FRAMES="python3 $top_srcdir/tests/integration/rewrite-frames.py"
MAC1=$(guest_mac xvs-g79)
MAC2=$(guest_mac xvs-g80)
cat >"$T/flows" <<'FLOWS'
priority=100,in_port=1,sctp,tp_dst=6000,actions=set_field:7000->sctp_dst,mod_tp_src:5001,output:2
priority=100,in_port=1,icmp6,icmp_type=135,nd_target=fe80::2,actions=set_field:fe80::9->nd_target,set_field:02:00:00:00:00:99->nd_sll,output:2
FLOWS

# frames_into FILTER CMD...: three frames matching FILTER, captured in
# guest 2 as $T/out.pcap while CMD (which sends three) runs.
frames_into() {
    _filter=$1
    shift
    rm -f "$T/out.pcap" "$T/out.err"
    ip netns exec xvs-g80 timeout 30 tcpdump -nn -U --immediate-mode \
        -i eth0 -c 3 -w "$T/out.pcap" "$_filter" 2>"$T/out.err" &
    _cap=$!
    wait_for 30 grep -q "listening on" "$T/out.err"
    "$@"
    wait "$_cap"
}

for v in 1.3 1.4; do
    of=OpenFlow$(echo "$v" | tr -d .)
    ovs-ofctl -O "$of" del-flows "$M"
    check "OpenFlow $v: SCTP and neighbour discovery rewrites are taken" \
        ovs-ofctl -O "$of" add-flows "$M" "$T/flows"

    frames_into sctp ip netns exec xvs-g79 $FRAMES send-sctp eth0 \
        "$MAC1" "$MAC2" 3
    out=$($FRAMES check-sctp "$T/out.pcap" 5001 7000 2>&1)
    [ "$out" = 3 ] || diag "$out"
    check "OpenFlow $v: SCTP 5000->6000 arrives as 5001->7000, CRC-32C valid" \
        [ "$out" = 3 ]

    frames_into "icmp6 and ip6[40] == 135" ip netns exec xvs-g79 \
        $FRAMES send-ns eth0 "$MAC1" 3
    out=$($FRAMES check-ns "$T/out.pcap" fe80::9 02:00:00:00:00:99 2>&1)
    [ "$out" = 3 ] || diag "$out"
    check "OpenFlow $v: the solicitation arrives for fe80::9 from 02:00:00:00:00:99, checksum valid" \
        [ "$out" = 3 ]

    flows=$(ovs-ofctl -O "$of" dump-flows "$M")
    check "OpenFlow $v: both rules counted their 3 frames" \
        test "$(printf '%s\n' "$flows" | grep -c 'n_packets=3,')" -eq 2
done
