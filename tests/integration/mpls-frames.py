#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Crafted MPLS frames in, and the frames that come out checked byte for byte.

usage: mpls-frames.py send IFACE SRC_MAC DST_MAC NW_SRC NW_DST COUNT
       mpls-frames.py check PCAP NW_SRC NW_DST TTL TOS

send: COUNT Ethernet frames, each an MPLS label stack entry (label 100,
bottom of stack, TTL 64) over an IPv4 packet (TOS 32, TTL 64, DF) with
a UDP datagram 5000 -> 6000 holding b"xvs-mpls-pop", both checksums
valid, out of IFACE through a raw AF_PACKET socket.

check: every UDP-to-6000 frame in the pcap file must be plain IPv4 (the
label popped) from NW_SRC to NW_DST with that TTL and TOS, a valid IPv4
header checksum, a valid UDP checksum and the payload intact.  Prints
how many there were; exits 1 at the first frame that is wrong, saying
what is wrong.  Plain Python (struct), no scapy: the check is
independent of any packet library.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frames import csum, mac, pcap_frames as frames  # noqa: E402
from frames import send as send_raw  # noqa: E402

PAYLOAD = b"xvs-mpls-pop"
SPORT, DPORT = 5000, 6000


def ipv4_udp(src, dst):
    udp_len = 8 + len(PAYLOAD)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 32, 20 + udp_len, 0x1234,
                     0x4000, 64, 17, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst)
              + struct.pack("!BBH", 0, 17, udp_len))
    udp = struct.pack("!HHHH", SPORT, DPORT, udp_len, 0) + PAYLOAD
    c = csum(pseudo + udp) or 0xFFFF
    return ip + udp[:6] + struct.pack("!H", c) + udp[8:]


def send(iface, src_mac, dst_mac, nw_src, nw_dst, count):
    lse = struct.pack("!I", (100 << 12) | (1 << 8) | 64)
    frame = (mac(dst_mac) + mac(src_mac) + struct.pack("!H", 0x8847) + lse
             + ipv4_udp(nw_src, nw_dst))
    send_raw(iface, frame + b"\x00" * max(0, 60 - len(frame)), count)


def check(path, nw_src, nw_dst, ttl, tos):
    n = 0
    for f in frames(path):
        if len(f) < 14 + 28 or f[23:24] != b"\x11":
            continue
        if struct.unpack("!H", f[36:38])[0] != DPORT:
            continue
        n += 1

        def bad(why):
            print("frame %d: %s: %s" % (n, why, f.hex()))
            sys.exit(1)

        if struct.unpack("!H", f[12:14])[0] != 0x0800:
            bad("Ethertype %04x, not IPv4" % struct.unpack("!H", f[12:14]))
        ip = f[14:34]
        if ip[0] != 0x45:
            bad("IP version/IHL %02x" % ip[0])
        if ip[1] != int(tos):
            bad("TOS %d, expected %s" % (ip[1], tos))
        if ip[8] != int(ttl):
            bad("TTL %d, expected %s" % (ip[8], ttl))
        if ip[12:16] != socket.inet_aton(nw_src):
            bad("source %s" % socket.inet_ntoa(ip[12:16]))
        if ip[16:20] != socket.inet_aton(nw_dst):
            bad("destination %s" % socket.inet_ntoa(ip[16:20]))
        if csum(ip):
            bad("IPv4 header checksum does not verify")
        tot = struct.unpack("!H", ip[2:4])[0]
        udp = f[34:14 + tot]
        if udp[8:] != PAYLOAD:
            bad("payload %r" % udp[8:])
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
        if struct.unpack("!H", udp[6:8])[0] and csum(pseudo + udp):
            bad("UDP checksum does not verify")
    print(n)


def main():
    if sys.argv[1] == "send":
        send(*sys.argv[2:8])
    else:
        check(*sys.argv[2:7])


if __name__ == "__main__":
    main()
