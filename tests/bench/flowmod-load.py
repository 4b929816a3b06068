#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A controller that changes rules no packet of the benchmark matches, at
a steady rate, as a controller reacting to events elsewhere would: over
one OpenFlow 1.3 connection, flow_mods that add an exact 5-tuple rule
(udp, 10.255.x.y -> 172.31.x.y) and delete it again, each followed by a
barrier whose reply it waits for.  Runs until SECONDS have passed (or
it is killed), then prints one line:

    flow_mods=N seconds=S rate=R barrier_max_ms=M barrier_avg_ms=A errors=E

    flowmod-load.py SOCKET RATE SECONDS

SOCKET is the switch's management socket (a Unix socket path).  Standard
library only."""
import signal
import socket
import struct
import sys
import time

V = 4  # OpenFlow 1.3
OFPT_HELLO, OFPT_ERROR, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 1, 2, 3
OFPT_FLOW_MOD, OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY = 14, 20, 21
OFPFC_ADD, OFPFC_DELETE_STRICT = 0, 4
ANY = 0xffffffff


def msg(type_, body, xid):
    return struct.pack("!BBHI", V, type_, 8 + len(body), xid) + body


def oxm(field, value):
    return struct.pack("!HBB", 0x8000, field << 1, len(value)) + value


def match(i):
    oxms = (oxm(0, struct.pack("!I", 1))                    # in_port=1
            + oxm(5, struct.pack("!H", 0x0800))              # ip
            + oxm(10, b"\x11")                               # udp
            + oxm(11, bytes([10, 255, i >> 8 & 255, i & 255]))
            + oxm(12, bytes([172, 31, i >> 8 & 255, i & 255]))
            + oxm(15, struct.pack("!H", 1024 + i % 30000))
            + oxm(16, struct.pack("!H", 9)))
    n = 4 + len(oxms)
    return struct.pack("!HH", 1, n) + oxms + b"\0" * ((8 - n % 8) % 8)


def flow_mod(i, command):
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, command, 0, 0, 10,
                       ANY, ANY, ANY, 0) + match(i)
    if command == OFPFC_ADD:
        body += struct.pack("!HH4x", 4, 8)   # apply_actions, none: drop
    return body


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.s.sendall(msg(OFPT_HELLO, b"", 1))

    def recv(self):
        while True:
            if len(self.buf) >= 8:
                n = struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= n:
                    m, self.buf = self.buf[:n], self.buf[n:]
                    return m
            data = self.s.recv(65536)
            if not data:
                raise EOFError("the switch closed the connection")
            self.buf += data

    def wait_barrier(self, xid):
        errors = 0
        while True:
            m = self.recv()
            type_, mxid = m[1], struct.unpack("!I", m[4:8])[0]
            if type_ == OFPT_ECHO_REQUEST:
                self.s.sendall(msg(OFPT_ECHO_REPLY, m[8:], mxid))
            elif type_ == OFPT_ERROR:
                errors += 1
            elif type_ == OFPT_BARRIER_REPLY and mxid == xid:
                return errors


def main():
    path, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    conn = Conn(path)
    interval = 1.0 / rate
    start = time.monotonic()
    n = errors = 0
    lat_max = lat_sum = 0.0
    xid = 100
    while not stop[0] and time.monotonic() - start < seconds:
        due = start + n * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        i = n // 2
        xid += 2
        t0 = time.monotonic()
        try:
            conn.s.sendall(msg(OFPT_FLOW_MOD, flow_mod(
                i, OFPFC_ADD if n % 2 == 0 else OFPFC_DELETE_STRICT), xid)
                + msg(OFPT_BARRIER_REQUEST, b"", xid + 1))
            errors += conn.wait_barrier(xid + 1)
        except (OSError, EOFError) as e:
            print("error: %s" % e, file=sys.stderr)
            break
        lat = time.monotonic() - t0
        lat_max = max(lat_max, lat)
        lat_sum += lat
        n += 1
    elapsed = time.monotonic() - start
    print("flow_mods=%d seconds=%.2f rate=%.1f barrier_max_ms=%.1f "
          "barrier_avg_ms=%.2f errors=%d"
          % (n, elapsed, n / elapsed if elapsed else 0, lat_max * 1e3,
             lat_sum / n * 1e3 if n else 0, errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
