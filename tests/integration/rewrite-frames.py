#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Crafted SCTP and neighbour discovery frames, and checks of the frames
that come out after a rewrite, field by field and checksum by checksum.

usage: rewrite-frames.py send-sctp IFACE SRC_MAC DST_MAC COUNT
       rewrite-frames.py check-sctp PCAP SPORT DPORT
       rewrite-frames.py send-ns IFACE SRC_MAC COUNT
       rewrite-frames.py check-ns PCAP TARGET SLL

send-sctp: IPv4 10.79.0.1 -> 10.79.0.2, SCTP 5000 -> 6000 with a DATA
chunk of 100 bytes, its CRC-32C right.  check-sctp: every SCTP frame in
the pcap file has those ports, the addresses and chunk unchanged, the
IPv4 header checksum and the CRC-32C (computed here from scratch) valid.

send-ns: an IPv6 neighbour solicitation from fe80::1 for fe80::2 with a
source link-layer address option (SRC_MAC), its ICMPv6 checksum right.
check-ns: every solicitation in the file has that target and option
address, and its ICMPv6 checksum verifies.

Prints how many frames there were; exits 1 at the first wrong one.
Plain Python, no packet library.
"""
import socket
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frames import csum, mac, pcap_frames as frames  # noqa: E402
from frames import send as send_raw  # noqa: E402

CHUNK = bytes(range(100))


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def sctp_packet(sport, dport):
    data_chunk = struct.pack("!BBHIHHI", 0, 3, 16 + len(CHUNK), 1, 0, 0, 0)
    body = struct.pack("!HHII", sport, dport, 0xDEADBEEF, 0) + data_chunk \
        + CHUNK
    crc = crc32c(body)
    return body[:8] + struct.pack("<I", crc) + body[12:]


def ipv4(proto, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 7, 0x4000,
                     64, proto, 0, socket.inet_aton("10.79.0.1"),
                     socket.inet_aton("10.79.0.2"))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + payload


SRC6 = socket.inet_pton(socket.AF_INET6, "fe80::1")
DST6 = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:2")


def ns_frame(src_mac):
    target = socket.inet_pton(socket.AF_INET6, "fe80::2")
    icmp = struct.pack("!BBHI", 135, 0, 0, 0) + target \
        + struct.pack("!BB", 1, 1) + mac(src_mac)
    pseudo = SRC6 + DST6 + struct.pack("!IxxxB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + SRC6 + DST6
    return (mac("33:33:ff:00:00:02") + mac(src_mac)
            + struct.pack("!H", 0x86DD) + ip6 + icmp)


def send(iface, frame, count):
    send_raw(iface, frame + b"\x00" * max(0, 60 - len(frame)), count)


def bad(n, why, f):
    print("frame %d: %s: %s" % (n, why, f.hex()))
    sys.exit(1)


def check_sctp(path, sport, dport):
    n = 0
    for f in frames(path):
        if f[12:14] != b"\x08\x00" or f[23] != 132:
            continue
        n += 1
        ip = f[14:34]
        if csum(ip):
            bad(n, "IPv4 header checksum does not verify", f)
        tot = struct.unpack("!H", ip[2:4])[0]
        sctp = f[34:14 + tot]
        want = sctp_packet(int(sport), int(dport))
        if sctp[:8] + sctp[12:] != want[:8] + want[12:]:
            bad(n, "SCTP header or chunk not as expected", f)
        got = struct.unpack("<I", sctp[8:12])[0]
        if got != crc32c(sctp[:8] + b"\x00" * 4 + sctp[12:]):
            bad(n, "CRC-32C does not verify", f)
    print(n)


def check_ns(path, target, sll):
    n = 0
    for f in frames(path):
        if f[12:14] != b"\x86\xdd" or f[20] != 58 or f[54] != 135:
            continue
        n += 1
        plen = struct.unpack("!H", f[18:20])[0]
        icmp = f[54:54 + plen]
        pseudo = f[22:54] + struct.pack("!IxxxB", plen, 58)
        if csum(pseudo + icmp):
            bad(n, "ICMPv6 checksum does not verify", f)
        if icmp[8:24] != socket.inet_pton(socket.AF_INET6, target):
            bad(n, "target %s" % socket.inet_ntop(socket.AF_INET6,
                                                   icmp[8:24]), f)
        if icmp[24:26] != b"\x01\x01" or icmp[26:32] != mac(sll):
            bad(n, "source link-layer option %s" % icmp[24:32].hex(), f)
    print(n)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "send-sctp":
        iface, src, dst, count = args
        frame = mac(dst) + mac(src) + b"\x08\x00" \
            + ipv4(132, sctp_packet(5000, 6000))
        send(iface, frame, count)
    elif cmd == "check-sctp":
        check_sctp(*args)
    elif cmd == "send-ns":
        iface, src, count = args
        send(iface, ns_frame(src), count)
    elif cmd == "check-ns":
        check_ns(*args)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
