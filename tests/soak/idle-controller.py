#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An OpenFlow controller that connects and does nothing else: it answers
the switch's hello, echo requests and barriers, and reads (and drops)
everything else, packet-ins included.  The soak test kills and restarts it
to make the switch's controller connection flap without a controller's
flows changing what the guests' traffic does.

    idle-controller.py PORT          listens on 127.0.0.1:PORT

Standard library only."""
import select
import socket
import struct
import sys

OFPT_HELLO, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 2, 3
OFPT_BARRIER_REQUEST_13, OFPT_BARRIER_REPLY_13 = 20, 21


def serve(conn):
    conn.sendall(struct.pack("!BBHI", 4, OFPT_HELLO, 8, 1))
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        while len(buf) >= 8:
            version, kind, length, xid = struct.unpack("!BBHI", buf[:8])
            if length < 8 or len(buf) < length:
                break
            body, buf = buf[8:length], buf[length:]
            if kind == OFPT_ECHO_REQUEST:
                conn.sendall(struct.pack("!BBHI", version, OFPT_ECHO_REPLY,
                                         8 + len(body), xid) + body)
            elif kind == OFPT_BARRIER_REQUEST_13 and version >= 4:
                conn.sendall(struct.pack("!BBHI", version,
                                         OFPT_BARRIER_REPLY_13, 8, xid))


def main():
    port = int(sys.argv[1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    while True:
        select.select([srv], [], [])
        conn, _ = srv.accept()
        try:
            serve(conn)
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
