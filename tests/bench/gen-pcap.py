#!/usr/bin/python3
"""gen-pcap.py: benchmark traffic for tests/bench/run-bench.

Writes a classic libpcap file (microsecond timestamps, LINKTYPE_ETHERNET)
of 64-byte frames on the wire (60 bytes captured; the 4-byte FCS is not
in a pcap): Ethernet II, IPv4 (20 bytes, correct header checksum), UDP
(8 bytes, checksum 0 = none, as IPv4 allows) and 18 bytes of payload.

Traffic shapes:

  --flows N       N distinct 5-tuples, cycled through in order.  Flow i
                  (0 <= i < 2**24) has source IP 10.0.0.0 + i, destination
                  IP 172.16.0.0 + (i >> 8), UDP source port
                  1024 + i % 50000 and destination port 1 + 7i % 65000:
                  deterministic, and distinct in the source IP alone.
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


def ip_checksum(header):
    """The Internet checksum of an IPv4 header whose checksum field is 0."""
    total = 0
    for (word,) in struct.iter_unpack("!H", header):
        total += word
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def mac_bytes(value):
    return struct.pack("!HI", (value >> 32) & 0xFFFF, value & 0xFFFFFFFF)


def ip_str(addr):
    return "%d.%d.%d.%d" % ((addr >> 24) & 255, (addr >> 16) & 255,
                            (addr >> 8) & 255, addr & 255)


def frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, tos=0, ident=0):
    eth = dst_mac + src_mac + struct.pack("!H", 0x0800)
    ip = struct.pack("!BBHHHBBHII",
                     0x45, tos, IP_LEN + UDP_LEN + PAYLOAD_LEN,
                     ident & 0xFFFF, 0x4000,   # DF, no fragment.
                     64, 17, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, UDP_LEN + PAYLOAD_LEN, 0)
    payload = bytes(PAYLOAD_LEN)
    return eth + ip + udp + payload


def mac_pair(i, n_macs):
    """Source and destination MACs of pair i % n_macs (locally
    administered unicast, 02:xx...)."""
    p = i % n_macs
    src = mac_bytes(0x020000000000 | (0x10 << 24) | p)
    dst = mac_bytes(0x020000000000 | (0x20 << 24) | p)
    return src, dst


def flow_tuple(i):
    """The 5-tuple of flow i: distinct for every i below 2**32."""
    src_ip = (10 << 24) | (i & 0xFFFFFF)
    dst_ip = (172 << 24) | (16 << 16) | ((i >> 8) & 0xFFFF)
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


def write_pcap(out, frames):
    # Global header: magic, v2.4, GMT offset 0, accuracy 0, snaplen, Ethernet.
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n, data in enumerate(frames):
        out.write(struct.pack("<IIII", n // 1000000, n % 1000000,
                              len(data), len(data)))
        out.write(data)


def main():
    ap = argparse.ArgumentParser(
        description="Write a pcap of 64-byte Ethernet/IPv4/UDP frames.")
    ap.add_argument("--flows", type=int, default=1,
                    help="distinct 5-tuples (default 1)")
    ap.add_argument("--packets", type=int, default=0,
                    help="packets in the file (default: one per flow)")
    ap.add_argument("--masks", type=int, default=0,
                    help="traffic hitting K rules with distinct masks")
    ap.add_argument("--macs", type=int, default=1,
                    help="distinct source/destination MAC pairs")
    ap.add_argument("--print-rules", action="store_true",
                    help="with --masks: print the K rules and exit")
    ap.add_argument("--out", help="output file ('-' for stdout)")
    args = ap.parse_args()

    if args.flows > 1 << 24:
        ap.error("--flows: at most 16777216")
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
        n = args.packets or args.masks * 16
        src_mac, dst_mac = mac_pair(0, 1)

        def gen():
            for j in range(n):
                _, w = rules[j % len(rules)]
                yield frame(src_mac, dst_mac, w["src"], w["dst"],
                            w["sport"], w["dport"], w["tos"], j)
    else:
        if args.print_rules:
            ap.error("--print-rules needs --masks")
        n = args.packets or args.flows

        def gen():
            # Frames of a flow are identical, so build each flow's frame
            # once when the file repeats them.
            cache = {} if n > args.flows and args.flows <= 1 << 20 else None
            for j in range(n):
                i = j % args.flows
                if cache is not None and i in cache:
                    yield cache[i]
                    continue
                src_mac, dst_mac = mac_pair(i, args.macs)
                f = frame(src_mac, dst_mac, *flow_tuple(i), ident=i)
                if cache is not None:
                    cache[i] = f
                yield f

    if not args.out:
        ap.error("--out is required")
    if args.out == "-":
        write_pcap(sys.stdout.buffer, gen())
    else:
        tmp = args.out + ".tmp"
        with open(tmp, "wb") as f:
            write_pcap(f, gen())
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
