#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sends one broadcast ARP request with VLAN tags out of an interface.

usage: send-tagged-arp.py IFACE SRC_MAC TAGS SENDER_IP TARGET_IP

TAGS is a VID (an 802.1Q tag), or tags outermost first separated by
commas, each [TPID:]VID (TPID 0x8100 when left out): 0x88a8:30,10 is an
802.1ad tag of VID 30 over an 802.1Q tag of VID 10.

For tests on kernels without 8021q (no VLAN subinterfaces): a raw
AF_PACKET socket puts the tag in the frame itself.
"""
import socket
import struct
import sys


def main():
    iface, src, vid, sip, tip = sys.argv[1:6]
    mac = bytes.fromhex(src.replace(":", ""))
    tags = b""
    for tag in vid.split(","):
        tpid, _, v = tag.rpartition(":")
        tags += struct.pack("!HH", int(tpid, 0) if tpid else 0x8100, int(v))
    frame = (b"\xff" * 6 + mac + tags
             + struct.pack("!H", 0x0806)
             + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
             + mac + socket.inet_aton(sip)
             + b"\x00" * 6 + socket.inet_aton(tip))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        s.send(frame + b"\x00" * (60 - len(frame)))


if __name__ == "__main__":
    main()
