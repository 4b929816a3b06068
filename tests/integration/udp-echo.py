#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""UDP datagrams between two sockets, as an application sees them.

    udp-echo.py serve ADDR PORT
        echoes every datagram back to its sender, until killed.
    udp-echo.py send ADDR PORT SIZE...
        sends one datagram of each SIZE (bytes of payload) and waits for its
        echo, retrying a lost one up to 5 times; prints "PASS SIZE" when the
        echo came back intact, "FAIL SIZE: why" otherwise.
    udp-echo.py gso ADDR PORT SEG N
        sends one UDP_SEGMENT (GSO) write of N segments of SEG bytes, which
        the kernel hands over as one frame; prints "PASS gso" when N echoes
        of SEG bytes with the right contents came back.

A receiving kernel drops a datagram whose checksum is wrong before any
socket sees it, so an echo proves the checksums both ways.  Standard
library only."""
import os
import socket
import sys

UDP_SEGMENT = 103


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def payload(size, tag):
    block = (b"%d:%d:" % (tag, size)) + bytes(range(256))
    return (block * (size // len(block) + 1))[:size]


def serve(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def client(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect((addr, port))
    s.settimeout(1)
    return s


def send(addr, port, sizes):
    s = client(addr, port)
    ok = True
    for tag, size in enumerate(sizes):
        want = payload(size, tag)
        why = "no echo after 5 tries"
        for _ in range(5):
            s.send(want)
            try:
                while True:
                    got = s.recv(65535)
                    if got == want:
                        why = None
                        break
                    # A late echo of an earlier try: read on.
            except socket.timeout:
                continue
            break
        if why:
            ok = False
            print("FAIL %d: %s" % (size, why))
        else:
            print("PASS %d" % size)
    return 0 if ok else 1


def gso(addr, port, seg, n):
    s = client(addr, port)
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, seg)
    data = b"".join(payload(seg, 1000 + i) for i in range(n))
    for _ in range(5):
        s.send(data)
        got = set()
        try:
            while len(got) < n:
                d = s.recv(65535)
                if len(d) == seg:
                    got.add(d)
        except socket.timeout:
            pass
        want = {payload(seg, 1000 + i) for i in range(n)}
        if want <= got:
            print("PASS gso")
            return 0
    print("FAIL gso: %d of %d segments echoed intact" % (len(got & want), n))
    return 1


def main():
    cmd, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "serve":
        serve(addr, port)
    elif cmd == "send":
        return send(addr, port, [int(x) for x in sys.argv[4:]])
    elif cmd == "gso":
        return gso(addr, port, int(sys.argv[4]), int(sys.argv[5]))
    return 2


if __name__ == "__main__":
    sys.exit(main())
