#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xvs-ctl capture: the packets of a port, by direction and BPF filter,
# written as pcapng that tcpdump reads back and that matches what was
# sent (count, addresses, direction flags, lengths, snaplen, timestamps);
# "-w -" streams into tcpdump; Ctrl-C stops a capture and keeps what it
# took; traffic is not disturbed; bad input gets a precise error.
. "$(dirname "$0")/lib.sh"
begin
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

add_guest xvs-g101 vif101.0 10.101.0.1
add_guest xvs-g102 vif102.0 10.101.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif101.0, type: xenvif, ofport: 1}
      - {name: vif102.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
check "the guests reach each other" ping_ok xvs-g101 10.101.0.2

# pcapng_check FILE: the blocks of FILE as "dir caplen origlen age_s",
# one line per packet, after checking the format.
pcapng_check() {
    python3 - "$1" <<'PY'
import struct, sys, time
data = open(sys.argv[1], "rb").read()
ofs, tsresol, out = 0, None, []
while ofs < len(data):
    btype, blen = struct.unpack_from("<II", data, ofs)
    assert blen >= 12 and blen % 4 == 0 and ofs + blen <= len(data), (ofs, blen)
    assert struct.unpack_from("<I", data, ofs + blen - 4)[0] == blen
    body = data[ofs + 8:ofs + blen - 4]
    if btype == 0x0A0D0D0A:
        assert struct.unpack_from("<I", body, 0)[0] == 0x1A2B3C4D
    elif btype == 1:
        linktype, _, snaplen = struct.unpack_from("<HHI", body, 0)
        assert linktype == 1
        o = 8
        while o < len(body):
            code, olen = struct.unpack_from("<HH", body, o)
            if code == 9:
                tsresol = body[o + 4]
            if code == 0:
                break
            o += 4 + (olen + 3) // 4 * 4
    elif btype == 6:
        iface, hi, lo, cap, orig = struct.unpack_from("<IIIII", body, 0)
        o = 20 + (cap + 3) // 4 * 4
        flags = None
        while o < len(body):
            code, olen = struct.unpack_from("<HH", body, o)
            if code == 2:
                flags = struct.unpack_from("<I", body, o + 4)[0]
            if code == 0:
                break
            o += 4 + (olen + 3) // 4 * 4
        ts = ((hi << 32) | lo) / 10 ** tsresol
        out.append("%s %d %d %d" % ({1: "in", 2: "out"}[flags & 3], cap,
                                    orig, abs(time.time() - ts)))
    ofs += blen
assert tsresol == 9
print("\n".join(out))
PY
}

# A capture of 5 echo requests (received on vif101.0), in the background
# until it has them.
ctl capture vif101.0 --direction rx --filter "icmp[icmptype] = icmp-echo" \
    --count 5 -w "$T/c1.pcapng" 2>"$T/c1.err" &
CAP=$!
PIDS="$PIDS $CAP"
check "the capture starts (its file has the pcapng header)" \
    wait_for 30 test -s "$T/c1.pcapng"
check "ping, 6 echo requests, captured or not" \
    sh -c 'ip netns exec xvs-g101 ping -q -c 6 -i 0.2 -W 5 10.101.0.2 >/dev/null'
wait "$CAP"
check "xvs-ctl capture ends with its count ($(cat "$T/c1.err"))" \
    grep -q "done: 5 packets, 0 dropped: count reached" "$T/c1.err"
out=$(tcpdump -nr "$T/c1.pcapng" 2>/dev/null)
printf '%s\n' "$out" | sed 's/^/# tcpdump: /'
check "tcpdump reads 5 packets back" test "$(printf '%s\n' "$out" | grep -c .)" -eq 5
check "all of them echo requests from guest 1 to guest 2" \
    test "$(printf '%s\n' "$out" | grep -c "IP 10.101.0.1 > 10.101.0.2: ICMP echo request")" -eq 5
blocks=$(pcapng_check "$T/c1.pcapng")
check "pcapng: 5 inbound packets, 98 bytes each, stamped now" \
    test "$(printf '%s\n' "$blocks" | awk '$1 == "in" && $2 == 98 && $3 == 98 && $4 < 300' | wc -l)" -eq 5

# Sent on vif101.0 (the replies), streamed into tcpdump, with a snaplen.
rm -f "$T/c2.out"
( ctl capture vif101.0 --direction tx --snaplen 60 --filter icmp \
      --count 3 -w - 2>"$T/c2.err" | tcpdump -nr - >"$T/c2.out" 2>/dev/null ) &
CAP=$!
PIDS="$PIDS $CAP"
check "a capture into a pipe starts" \
    wait_for 30 grep -q "capture [0-9]* on vif101.0: tx" "$T/log"
check "ping with 500-byte payloads" \
    sh -c 'ip netns exec xvs-g101 ping -q -c 4 -i 0.2 -s 500 -W 5 10.101.0.2 >/dev/null'
wait "$CAP"
sed 's/^/# tcpdump -r -: /' "$T/c2.out"
check "tcpdump -r - got the 3 replies (sent to guest 1)" \
    test "$(grep -c "IP 10.101.0.2 > 10.101.0.1: ICMP echo reply" "$T/c2.out")" -eq 3

ctl capture vif101.0 --direction tx --snaplen 60 --filter icmp --count 2 \
    -w "$T/c3.pcapng" 2>/dev/null &
CAP=$!
PIDS="$PIDS $CAP"
wait_for 30 test -s "$T/c3.pcapng"
ip netns exec xvs-g101 ping -q -c 3 -i 0.2 -s 500 -W 5 10.101.0.2 >/dev/null
wait "$CAP"
blocks=$(pcapng_check "$T/c3.pcapng")
check "snaplen 60: outbound copies of 60 bytes of 542" \
    test "$(printf '%s\n' "$blocks" | awk '$1 == "out" && $2 == 60 && $3 == 542' | wc -l)" -eq 2

# Ctrl-C: the capture stops, what it took stays readable.
# (xvs-ctl itself in the background, not a subshell: the signal goes to
# it.)
"$CTL_BIN" -t "$T/ctl" capture vif102.0 -w "$T/c4.pcapng" 2>"$T/c4.err" &
CAP=$!
PIDS="$PIDS $CAP"
wait_for 30 test -s "$T/c4.pcapng"
ip netns exec xvs-g101 ping -q -c 3 -i 0.2 -W 5 10.101.0.2 >/dev/null
stopped() { grep -q "done: .*: stopped" "$T/c4.err"; }
kill -INT "$CAP"
check "Ctrl-C stops the capture" wait_for 30 stopped
wait "$CAP"
n=$(tcpdump -nr "$T/c4.pcapng" 2>/dev/null | grep -c "ICMP echo")
check "and what it took is readable: the 6 echo packets ($n)" test "$n" -ge 6
check "traffic went on undisturbed" ping_ok xvs-g101 10.101.0.2

# A port attached again (a reload that changes its driver) is another
# port: the capture of the old one ends.
"$CTL_BIN" -t "$T/ctl" capture vif102.0 -w "$T/c5.pcapng" 2>"$T/c5.err" &
CAP=$!
PIDS="$PIDS $CAP"
wait_for 30 test -s "$T/c5.pcapng"
sed 's/{name: vif102.0, type: xenvif, ofport: 2}/{name: vif102.0, type: xenvif, ofport: 2, driver: af_packet}/' \
    "$T/xvs.yaml" >"$T/xvs.yaml.new" && mv "$T/xvs.yaml.new" "$T/xvs.yaml"
check "a reload attaches vif102.0 again" \
    grep_in "$(ctl reload)" "port vif102.0 detached, to be attached again"
gone() { grep -q "done: .*: the port went away" "$T/c5.err"; }
check "the capture on the old port ends" wait_for 30 gone
wait "$CAP"

# Bad input.
err=$(ctl capture vif101.0 --filter "icmpx" -w "$T/x.pcapng" 2>&1)
check "a bad filter is refused with libpcap's reason ($err)" \
    grep_in "$err" '--filter "icmpx": .*'
err=$(ctl capture nosuch -w "$T/x.pcapng" 2>&1)
check "an unknown port ($err)" grep_in "$err" "no bridge has a port named nosuch"
err=$(ctl capture vif101.0 --direction up -w "$T/x.pcapng" 2>&1)
check "a bad direction ($err)" grep_in "$err" "--direction: expected rx, tx or both"
err=$(ctl capture vif101.0 --count 0 -w "$T/x.pcapng" 2>&1)
check "a count of 0 ($err)" grep_in "$err" "--count: expected a positive number"
err=$(ctl capture vif101.0 -w /nonexistent/dir/x.pcapng 2>&1)
check "an unwritable file ($err)" \
    grep_in "$err" "/nonexistent/dir/x.pcapng: No such file or directory"
err=$(ctl capture vif101.0 --count 3 2>&1)
check "no -w ($err)" grep_in "$err" "expected -w FILE"
check "no FIFO is left behind" \
    sh -c '! ls "$1"/xvs-ctl-capture.* 2>/dev/null | grep -q .' _ "$T"
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
