#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-pcap.py: benchmark traffic for tests/bench/run-bench.

Writes a classic libpcap file (microsecond timestamps, LINKTYPE_ETHERNET)
of 64-byte frames on the wire (60 bytes captured; the 4-byte FCS is not in
a pcap): Ethernet II, IPv4 (20 bytes, correct header checksum), UDP (8
bytes, checksum 0, which IPv4 allows) and 18 bytes of zero payload.

Traffic shapes:

  --flows N       N distinct 5-tuples, cycled through in order.  Flow i
                  (0 <= i < 2**28) has source IP 10.0.0.0 + (i % 2**24),
                  destination IP 172.(16 + i / 2**24).(i / 256 % 65536),
                  UDP source port 1024 + i % 50000 and destination port
                  1 + 7i % 65000: deterministic, and distinct (the source
                  IP and the destination's second octet give i back).
  --macs P        with --flows: flow i uses source/destination MAC pair
                  i % P (default: a single pair).
  --masks K       traffic for the "K megaflow masks" scenario, with
                  --per-mask P packets per rule (default 100), K * P
                  packets in all.  --print-rules prints the K rules the
                  traffic is for (ovs-ofctl syntax, with priority, without
                  in_port and actions), one a line.  See mask_rules().
  --print-exact   with --flows N: print, one a line, the exact 5-tuple
                  match of each of the N flows (udp,nw_src=..,nw_dst=..,
                  tp_src=..,tp_dst=..), for rules that match one flow
                  each; with --macs P, instead the P destination MACs
                  (dl_dst=..), for L2 forwarding rules.
  --print-acl K   print K 5-tuple matches that no flow of the file has
                  (the source port is one that no flow uses): an ACL that
                  every packet is looked up in and none matches.
  --ipv6          with --flows: Ethernet/IPv6/UDP frames instead (78
                  bytes on the wire: 40-byte IPv6 header, UDP with its
                  checksum, 12 bytes of zero payload), flow i from
                  fd00::a00:0 + i to fd00:ac10::/96 as for IPv4.
  --packets M     how many packets the file holds (default: one period,
                  N for --flows, K * P for --masks); the period repeats.

Only the Python standard library is used.
"""

import argparse
import os
import random
import struct
import sys

ETH_LEN = 14
IP_LEN = 20
UDP_LEN = 8
FRAME_LEN = 60                  # 64 on the wire with the FCS.
PAYLOAD_LEN = FRAME_LEN - ETH_LEN - IP_LEN - UDP_LEN
IP_TOTAL_LEN = IP_LEN + UDP_LEN + PAYLOAD_LEN
IP_FLAGS_DF = 0x4000

# The whole frame in one pack: Ethernet, IPv4, UDP, zero payload.
FRAME = struct.Struct("!6s6sH" "BBHHHBBHII" "HHHH%dx" % PAYLOAD_LEN)
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
RECORD = struct.Struct("<IIII")


def ip_checksum(words):
    """The Internet checksum (RFC 1071) over 16-bit words."""
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def mac_bytes(value):
    return struct.pack("!HI", (value >> 32) & 0xFFFF, value & 0xFFFFFFFF)


def mac_str(value):
    return ":".join("%02x" % b for b in mac_bytes(value))


def ip_str(addr):
    return "%d.%d.%d.%d" % ((addr >> 24) & 255, (addr >> 16) & 255,
                            (addr >> 8) & 255, addr & 255)


def frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, ttl=64, ident=0):
    """A 60-byte Ethernet/IPv4/UDP frame; MACs as 6-byte strings."""
    ident &= 0xFFFF
    csum = ip_checksum((0x4500, IP_TOTAL_LEN, ident, IP_FLAGS_DF,
                        (ttl << 8) | 17, src_ip >> 16, src_ip & 0xFFFF,
                        dst_ip >> 16, dst_ip & 0xFFFF))
    return FRAME.pack(dst_mac, src_mac, 0x0800,
                      0x45, 0, IP_TOTAL_LEN, ident, IP_FLAGS_DF,
                      ttl, 17, csum, src_ip, dst_ip,
                      sport, dport, UDP_LEN + PAYLOAD_LEN, 0)


# Ethernet, IPv6, UDP and a 12-byte payload: the smallest common IPv6
# frame with room for the same payload as the IPv4 one, give or take.
PAYLOAD6_LEN = 12
FRAME6 = struct.Struct("!6s6sH" "IHBB16s16s" "HHHH%dx" % PAYLOAD6_LEN)


def ip6_bytes(addr32):
    """fd00::/96 with 'addr32' (an IPv4 flow address) as its low bits."""
    return bytes.fromhex("fd00") + bytes(10) + struct.pack("!I", addr32)


def frame6(src_mac, dst_mac, src_ip, dst_ip, sport, dport, hlim=64):
    """An Ethernet/IPv6/UDP frame for the flow of IPv4-style addresses
    src_ip, dst_ip (made into fd00::/96 ones)."""
    src, dst = ip6_bytes(src_ip), ip6_bytes(dst_ip)
    udp_len = UDP_LEN + PAYLOAD6_LEN
    words = [struct.unpack("!H", a[j:j + 2])[0]
             for a in (src, dst) for j in range(0, 16, 2)]
    words += [udp_len, 17, sport, dport, udp_len]
    csum = ip_checksum(words) or 0xFFFF
    return FRAME6.pack(dst_mac, src_mac, 0x86DD,
                       0x60000000, udp_len, 17, hlim, src, dst,
                       sport, dport, udp_len, csum)


def ip6_str(addr32):
    return "fd00::%x:%x" % (addr32 >> 16, addr32 & 0xFFFF)


def mac_pair(i, n_macs):
    """Source and destination MACs of pair i % n_macs: locally
    administered unicast, 02:00:10:xx:xx:xx to 02:00:20:xx:xx:xx."""
    p = i % n_macs
    return (mac_bytes(0x020010000000 | p), mac_bytes(0x020020000000 | p))


def flow_tuple(i):
    """The 5-tuple of flow i: distinct for every i below 2**28."""
    src_ip = (10 << 24) | (i & 0xFFFFFF)
    dst_ip = (172 << 24) | ((16 + (i >> 24)) << 16) | ((i >> 8) & 0xFFFF)
    sport = 1024 + (i % 50000)
    dport = 1 + ((i * 7) % 65000)
    return src_ip, dst_ip, sport, dport


# --masks: the header bits the rules look at, in order, with the value
# every rule compares them to.  dl_src's first octet (02) is left alone, so
# that source MACs stay unicast and locally administered.
CHAIN = (("nw_dst", 32, 0x0A141E28),        # 10.20.30.40
         ("nw_src", 32, 0xC0A80A0B),        # 192.168.10.11
         ("tp_dst", 16, 5000),
         ("tp_src", 16, 6000),
         ("dl_src", 40, 0x0000000001))      # 02:00:00:00:00:01
MAX_MASKS = sum(width for _, width, _ in CHAIN)
DL_SRC_TOP = 0x02 << 40
DL_DST = mac_bytes(0x020020000000)


def mask_rules(k):
    """K rules with pairwise distinct masks, and what a packet needs to hit
    each, as a list of (rule, {field: (value, mask)}).

    Read the fields of CHAIN one after the other as a single string of
    bits.  Rule r looks at the first r + 1 bits: it wants bits 0 to r - 1
    equal to the base value and bit r inverted.  So its mask is a prefix of
    that string (nw_dst=.../1 for r = 0, ..., nw_dst exact and
    nw_src=.../9 for r = 40, ...), every rule's mask is different, and no
    packet matches two rules.  Rule r has priority 1000 + K - r: a packet
    for rule r is looked up in the masks of rules 0 to r, which all lie
    within its own mask, so the megaflow it makes has exactly rule r's mask
    -- K rules, K megaflow masks, with the caches of xvs and of Open
    vSwitch alike.  The bits after bit r are free: packets vary them, so
    that many distinct packets (exact-match cache entries) share each
    megaflow."""
    if not 1 <= k <= MAX_MASKS:
        raise ValueError("--masks: 1 to %d" % MAX_MASKS)
    rules = []
    for r in range(k):
        need = {}
        parts = ["priority=%d" % (1000 + k - r), "udp"]
        pos = 0
        for name, width, base in CHAIN:
            full = (1 << width) - 1
            if r >= pos + width:
                value, mask = base, full
            elif r >= pos:
                bits = r - pos + 1          # Prefix length in this field.
                mask = full ^ ((1 << (width - bits)) - 1)
                value = (base ^ (1 << (width - bits))) & mask
            else:
                break
            need[name] = (value, mask)
            parts.append(match_str(name, width, value, mask))
            pos += width
        rules.append((",".join(parts), need))
    return rules


def match_str(name, width, value, mask):
    full = (1 << width) - 1
    if name in ("nw_dst", "nw_src"):
        if mask == full:
            return "%s=%s" % (name, ip_str(value))
        return "%s=%s/%d" % (name, ip_str(value), bin(mask).count("1"))
    if name == "dl_src":
        if mask == full:
            return "dl_src=%s" % mac_str(DL_SRC_TOP | value)
        return "dl_src=%s/%s" % (mac_str(DL_SRC_TOP | value),
                                 mac_str(0xFF0000000000 | mask))
    if mask == full:
        return "%s=%d" % (name, value)
    return "%s=0x%04x/0x%04x" % (name, value, mask)


def mask_packets(rules, per_mask):
    """Packet k is for rule k % K, with its free bits (and TTL) from a
    seeded generator: the same file every time."""
    rng = random.Random(20261125)
    packets = []
    k = len(rules)
    for j in range(k * per_mask):
        r = j % k
        need = rules[r][1]
        f = {}
        for name, width, _ in CHAIN:
            value, mask = need.get(name, (0, 0))
            f[name] = value | (rng.getrandbits(width) & ~mask
                               & ((1 << width) - 1))
        ttl = 32 + (j // k) % 200
        packets.append(frame(mac_bytes(DL_SRC_TOP | f["dl_src"]),
                             DL_DST, f["nw_src"], f["nw_dst"],
                             f["tp_src"], f["tp_dst"], ttl=ttl, ident=j))
    return packets


def write_pcap(out, make, period, n):
    """Writes n packets: make(0), make(1), ..., make(period - 1), again
    from make(0), and so on.  A repeated period is built once and written
    as a block (its timestamps restart with each repetition, which libpcap
    and net_pcap do not mind)."""
    out.write(PCAP_HEADER)
    if n <= period or period > 1 << 21:
        chunk = []
        for j in range(n):
            k = j % period
            data = make(k)
            chunk.append(RECORD.pack(k // 1000000, k % 1000000,
                                     len(data), len(data)) + data)
            if len(chunk) == 65536:
                out.write(b"".join(chunk))
                chunk = []
        out.write(b"".join(chunk))
        return
    block = []
    for k in range(period):
        data = make(k)
        block.append(RECORD.pack(k // 1000000, k % 1000000,
                                 len(data), len(data)) + data)
    block = b"".join(block)
    for _ in range(n // period):
        out.write(block)
    out.write(block[:(n % period) * (RECORD.size + FRAME_LEN)])


def main():
    ap = argparse.ArgumentParser(
        description="Write a pcap of 64-byte Ethernet/IPv4/UDP frames.")
    ap.add_argument("--flows", type=int, default=1,
                    help="distinct 5-tuples (default 1)")
    ap.add_argument("--macs", type=int, default=1,
                    help="MAC address pairs: flow i uses pair i %% P")
    ap.add_argument("--masks", type=int, default=0,
                    help="traffic for K rules with distinct masks "
                    "(at most %d)" % MAX_MASKS)
    ap.add_argument("--per-mask", type=int, default=100,
                    help="with --masks: packets per rule (default 100)")
    ap.add_argument("--print-rules", action="store_true",
                    help="with --masks: print the K rules and exit")
    ap.add_argument("--print-exact", action="store_true",
                    help="with --flows: print each flow's exact match "
                    "(with --macs: each destination MAC) and exit")
    ap.add_argument("--print-acl", type=int, default=0,
                    help="print K 5-tuple matches no flow has and exit")
    ap.add_argument("--ipv6", action="store_true",
                    help="with --flows: IPv6/UDP frames")
    ap.add_argument("--packets", type=int, default=0,
                    help="packets in the file (default: one period)")
    ap.add_argument("--out", help="output file ('-' for stdout)")
    args = ap.parse_args()

    if args.flows < 1 or args.macs < 1 or args.per_mask < 1 \
            or args.masks < 0 or args.packets < 0:
        ap.error("counts must be positive")
    if args.flows > 1 << 28:
        ap.error("--flows: at most %d" % (1 << 28))

    if args.print_acl:
        # Source ports 1-1023: flows use 1024 and up.
        for k in range(args.print_acl):
            src_ip, dst_ip, _, dport = flow_tuple(k)
            print("udp,nw_src=%s,nw_dst=%s,tp_src=%d,tp_dst=%d"
                  % (ip_str(src_ip), ip_str(dst_ip), 1 + k % 1023, dport))
        return 0
    if args.print_exact:
        if args.macs > 1:
            for p in range(args.macs):
                print("dl_dst=%s" % mac_str(0x020020000000 | p))
        else:
            for k in range(args.flows):
                src_ip, dst_ip, sport, dport = flow_tuple(k)
                print("udp,nw_src=%s,nw_dst=%s,tp_src=%d,tp_dst=%d"
                      % (ip_str(src_ip), ip_str(dst_ip), sport, dport))
        return 0

    if args.masks:
        try:
            rules = mask_rules(args.masks)
        except ValueError as e:
            ap.error(str(e))
        if args.print_rules:
            for rule, _ in rules:
                print(rule)
            return 0
        packets = mask_packets(rules, args.per_mask)
        period = len(packets)
        make = packets.__getitem__
    else:
        if args.print_rules:
            ap.error("--print-rules needs --masks")
        period = args.flows

        def make(k):
            src_mac, dst_mac = mac_pair(k, args.macs)
            if args.ipv6:
                return frame6(src_mac, dst_mac, *flow_tuple(k))
            return frame(src_mac, dst_mac, *flow_tuple(k), ident=k)
    n = args.packets or period

    if not args.out:
        ap.error("--out is required")
    if args.out == "-":
        write_pcap(sys.stdout.buffer, make, period, n)
    else:
        tmp = args.out + ".tmp"
        try:
            with open(tmp, "wb") as f:
                write_pcap(f, make, period, n)
            os.replace(tmp, args.out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
