#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Clients that hang up at the wrong moment: each connects, sends requests
whose replies the switch must write, and closes without reading them.

    hangup.py unix PATH KIND N     KIND: ctl (JSON-RPC) or of (OpenFlow)
    hangup.py tcp HOST:PORT of N

Exits 0 once N clients have done so; whether the switch survived is for
the caller to check.  Standard library only."""
import socket
import struct
import sys


def of_requests():
    # Hello, then echo and features requests (OpenFlow 1.3), all answered.
    msgs = struct.pack("!BBHI", 4, 0, 8, 1)
    for xid in range(2, 66):
        msgs += struct.pack("!BBHI", 4, 2, 8 + 64, xid) + b"x" * 64
        msgs += struct.pack("!BBHI", 4, 5, 8, 1000 + xid)
    return msgs


def ctl_requests():
    return b"".join(
        b'{"method":"show","params":[],"id":%d}' % i for i in range(64))


def main():
    family, addr, kind, n = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4])
    data = ctl_requests() if kind == "ctl" else of_requests()
    for _ in range(n):
        if family == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(addr)
        else:
            host, port = addr.rsplit(":", 1)
            s = socket.create_connection((host, int(port)))
        s.sendall(data)
        # Close with the replies unread: the switch's next write finds
        # the connection gone (EPIPE, or a reset for TCP).
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
