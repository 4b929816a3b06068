#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile OpenFlow peers on a switch's management socket.

    of-flood.py requests PATH N HOLD
        says hello, sends N OpenFlow 1.3 table-features requests (each
        answered with a large reply) without reading a byte, and keeps
        the connection open HOLD seconds before closing it.
    of-flood.py conns PATH N HOLD
        opens N connections at once, says hello and sends an echo
        request on each; once each is either closed by the switch or has
        answered, prints how many were closed, then holds the others HOLD
        seconds.

Standard library only."""
import select
import socket
import struct
import sys
import time

HELLO = struct.pack("!BBHI", 4, 0, 8, 1)


def table_features(xid):
    # OFPT_MULTIPART_REQUEST, OFPMP_TABLE_FEATURES, no body: a read.
    return struct.pack("!BBHIHH4x", 4, 18, 16, xid, 12, 0)


def requests(path, n, hold):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    data = HELLO + b"".join(table_features(100 + i) for i in range(n))
    sent = 0
    deadline = time.time() + 30
    # The switch stops reading once its replies pile up: send what it
    # takes, for a while, never reading.
    while sent < len(data) and time.time() < deadline:
        try:
            sent += s.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.05)
    print("sent %d of %d bytes" % (sent, len(data)))
    sys.stdout.flush()
    time.sleep(hold)
    s.close()


def conns(path, n, hold):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        # Hello, then an echo request that a kept connection answers.  A
        # connection beyond the limit may be closed before the hello goes
        # out (a fast switch, a slow client): counted as closed below.
        try:
            s.sendall(HELLO + struct.pack("!BBHI", 4, 2, 8, 7))
        except (BrokenPipeError, ConnectionResetError):
            pass
        socks.append(s)
    # Each connection ends one of two ways, whatever the machine's speed:
    # closed by the switch, or answering the echo.
    closed, kept = 0, 0
    bufs = {s: b"" for s in socks}
    pending = set(socks)
    deadline = time.time() + 240
    while pending and time.time() < deadline:
        r, _, _ = select.select(list(pending), [], [], 1)
        for s in r:
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                closed += 1
                pending.discard(s)
                continue
            bufs[s] += d
            b = bufs[s]
            while len(b) >= 8:
                kind, length = b[1], struct.unpack("!H", b[2:4])[0]
                if length < 8 or len(b) < length:
                    break
                if kind == 3:           # OFPT_ECHO_REPLY
                    kept += 1
                    pending.discard(s)
                    break
                b = b[length:]
            bufs[s] = b
    print("closed %d of %d (%d answered, %d undecided)"
          % (closed, n, kept, len(pending)))
    sys.stdout.flush()
    time.sleep(hold)
    for s in socks:
        s.close()


def main():
    cmd, path, n, hold = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4])
    (requests if cmd == "requests" else conns)(path, n, hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
