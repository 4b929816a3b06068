#!/usr/bin/python3
"""gen-pcap.py: benchmark traffic for tests/bench/run-bench.

Writes a classic libpcap file (microsecond timestamps, LINKTYPE_ETHERNET)
of 64-byte frames on the wire (60 bytes captured; the 4-byte FCS is not
in a pcap): Ethernet II, IPv4 (20 bytes, correct header checksum), UDP
(8 bytes, checksum 0 = none, as IPv4 allows) and 18 bytes of payload.

Traffic shapes:

  --flows N       N distinct 5-tuples, cycled through in order.  Flow i
                  (0 <= i < 2**28) has source IP 10.0.0.0 + (i % 2**24),
                  destination IP 172.(16 + i / 2**24).0.0 + (i / 256 %
                  65536), UDP source port 1024 + i % 50000 and
                  destination port 1 + 7i % 65000: deterministic, and
                  distinct (source IP and destination's second octet).
  --masks K       traffic for the "K megaflow masks" scenario: packet j
                  goes to destination 10.j.<...> and needs a rule whose
                  mask differs from every other rule's.  --print-rules
                  prints the matching K rules (one a line, ovs-ofctl
                  syntax, without actions) so that the runner installs
                  exactly what the traffic exercises.
  --macs P        P source/destination MAC pairs (for NORMAL); the
                  default is a single pair.
  --packets M     how many packets the file holds (default: max(N, 1)
                  for --flows, K * 16 for --masks, rounded so that every
                  flow appears equally often).

Only the Python standard library is used.
"""

import argparse
import os
import struct
import sys

ETH_LEN = 14
IP_LEN = 20
UDP_LEN = 8
FRAME_LEN = 60                  # 64 on the wire with the FCS.
PAYLOAD_LEN = FRAME_LEN - ETH_LEN - IP_LEN - UDP_LEN


# The whole frame in one pack: Ethernet, IPv4, UDP, zero payload.
FRAME = struct.Struct("!6s6sH" "BBHHHBBHII" "HHHH%dx" % PAYLOAD_LEN)
IP_TOTAL_LEN = IP_LEN + UDP_LEN + PAYLOAD_LEN
IP_FLAGS_DF = 0x4000
IP_TTL_PROTO = (64 << 8) | 17   # TTL 64, UDP.


def ip_checksum(words):
    """The Internet checksum (RFC 1071) over 16-bit words."""
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def mac_bytes(value):
    return struct.pack("!HI", (value >> 32) & 0xFFFF, value & 0xFFFFFFFF)


def ip_str(addr):
    return "%d.%d.%d.%d" % ((addr >> 24) & 255, (addr >> 16) & 255,
                            (addr >> 8) & 255, addr & 255)


def frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, tos=0, ident=0):
    ident &= 0xFFFF
    csum = ip_checksum(((0x45 << 8) | tos, IP_TOTAL_LEN, ident, IP_FLAGS_DF,
                        IP_TTL_PROTO, src_ip >> 16, src_ip & 0xFFFF,
                        dst_ip >> 16, dst_ip & 0xFFFF))
    return FRAME.pack(dst_mac, src_mac, 0x0800,
                      0x45, tos, IP_TOTAL_LEN, ident, IP_FLAGS_DF,
                      64, 17, csum, src_ip, dst_ip,
                      sport, dport, UDP_LEN + PAYLOAD_LEN, 0)


def mac_pair(i, n_macs):
    """Source and destination MACs of pair i % n_macs (locally
    administered unicast, 02:xx...)."""
    p = i % n_macs
    src = mac_bytes(0x020000000000 | (0x10 << 24) | p)
    dst = mac_bytes(0x020000000000 | (0x20 << 24) | p)
    return src, dst


def flow_tuple(i):
    """The 5-tuple of flow i: distinct for every i below 2**28 (the source
    IP carries bits 0-23 of i, the second octet of the destination IP bits
    24-27)."""
    src_ip = (10 << 24) | (i & 0xFFFFFF)
    dst_ip = (172 << 24) | ((16 + (i >> 24)) << 16) | ((i >> 8) & 0xFFFF)
    sport = 1024 + (i % 50000)
    dport = 1 + ((i * 7) % 65000)
    return src_ip, dst_ip, sport, dport


def mask_rules(k):
    """K rules with pairwise distinct masks, as (match string, fields) where
    fields says what a packet must carry to hit the rule.

    Rule r matches nw_dst=<1+r>.x.x.x/P with the prefix P = 8 + r % 25
    (/8../32), plus exact nw_src, tp_src and/or tp_dst according to the
    bits of r // 25; the pair (P, subset) differs for every r, and the
    first octet of nw_dst keeps the rules disjoint.  25 prefixes x 8
    subsets = 200 masks at most."""
    if k > 200:
        raise ValueError("--masks: at most 200")
    rules = []
    for r in range(k):
        prefix = 8 + (r % 25)
        subset = r // 25
        octet = 1 + r
        # A destination address that the rule matches: first octet fixed,
        # the rest deterministic; the rule keeps its first 'prefix' bits.
        dst = (octet << 24) | (((r * 2654435761) & 0xFFFFFF) | 1)
        net = dst & ((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF)
        match = ["ip", "nw_dst=%s/%d" % (ip_str(net), prefix)]
        want = {"dst": dst, "src": (192 << 24) | (168 << 16) | r,
                "sport": 2000 + r, "dport": 3000 + r, "tos": 0}
        if subset & 1:
            match.append("nw_src=%s" % ip_str(want["src"]))
        if subset & 2:
            match[0] = "udp"
            match.append("tp_src=%d" % want["sport"])
        if subset & 4:
            match[0] = "udp"
            match.append("tp_dst=%d" % want["dport"])
        rules.append((",".join(match), want))
    return rules


PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def record(k, data):
    """A pcap record: packet k of a period, stamped k microseconds."""
    return struct.pack("<IIII", k // 1000000, k % 1000000,
                       len(data), len(data)) + data


def write_pcap(out, make, period, n):
    """Writes n packets: make(0), make(1), ..., make(period - 1), again
    from make(0), and so on.  A repeated period is built once and written
    as a block (its timestamps restart with each repetition, which libpcap
    and net_pcap do not mind)."""
    out.write(PCAP_HEADER)
    if n <= period or period > 1 << 21:
        for j in range(n):
            out.write(record(j % period, make(j % period)))
        return
    block = b"".join(record(k, make(k)) for k in range(period))
    for _ in range(n // period):
        out.write(block)
    out.write(block[:(n % period) * (16 + FRAME_LEN)])


def main():
    ap = argparse.ArgumentParser(
        description="Write a pcap of 64-byte Ethernet/IPv4/UDP frames.")
    ap.add_argument("--flows", type=int, default=1,
                    help="distinct 5-tuples (default 1)")
    ap.add_argument("--packets", type=int, default=0,
                    help="packets in the file (default: one per flow, or "
                    "16 per rule with --masks)")
    ap.add_argument("--masks", type=int, default=0,
                    help="traffic hitting K rules with distinct masks")
    ap.add_argument("--macs", type=int, default=1,
                    help="MAC address pairs: flow i uses pair i %% P")
    ap.add_argument("--print-rules", action="store_true",
                    help="with --masks: print the K rules and exit")
    ap.add_argument("--out", help="output file ('-' for stdout)")
    args = ap.parse_args()

    if args.flows > 1 << 28:
        ap.error("--flows: at most %d" % (1 << 28))
    if args.flows < 1 or args.macs < 1 or args.masks < 0 or args.packets < 0:
        ap.error("counts must be positive")

    if args.masks:
        try:
            rules = mask_rules(args.masks)
        except ValueError as e:
            ap.error(str(e))
        if args.print_rules:
            for match, _ in rules:
                print(match)
            return 0
        period = len(rules)
        n = args.packets or period * 16
        src_mac, dst_mac = mac_pair(0, 1)

        def make(k):
            w = rules[k][1]
            return frame(src_mac, dst_mac, w["src"], w["dst"],
                         w["sport"], w["dport"], w["tos"], k)
    else:
        if args.print_rules:
            ap.error("--print-rules needs --masks")
        period = args.flows
        n = args.packets or period

        def make(k):
            src_mac, dst_mac = mac_pair(k, args.macs)
            return frame(src_mac, dst_mac, *flow_tuple(k), ident=k)

    if not args.out:
        ap.error("--out is required")
    if args.out == "-":
        write_pcap(sys.stdout.buffer, make, period, n)
    else:
        tmp = args.out + ".tmp"
        with open(tmp, "wb") as f:
            write_pcap(f, make, period, n)
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
