#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Control socket clients that push its limits.

    ctl-flood.py big PATH MBYTES     one add-flows request of MBYTES MB;
                                     prints the error the switch answered
    ctl-flood.py conns PATH N        N idle connections at once; prints how
                                     many the switch closed, then checks
                                     that a kept one is still served
    ctl-flood.py pipeline PATH N     N "show" requests written without
                                     reading a reply; holds the connection
                                     open until stdin closes
    ctl-flood.py raw PATH JSON       sends JSON, prints the reply (or EOF)

Standard library only."""
import json
import select
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_reply(s, timeout=60):
    """One JSON-RPC message from 's', or None at EOF."""
    s.settimeout(timeout)
    buf = b""
    dec = json.JSONDecoder()
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return None
        buf += chunk
        try:
            msg, _ = dec.raw_decode(buf.decode())
            return msg
        except ValueError:
            continue


def big(path, mbytes):
    s = connect(path)
    head = b'{"id":7,"method":"add-flows","params":["xenbr0","'
    chunk = b"priority=1,actions=drop\\n" * 4096
    total = mbytes * 1024 * 1024
    sent = 0
    s.setblocking(False)
    reply = None
    data = head
    # Write until the switch answers or hangs up; the answer may come
    # while we are still writing.
    while sent < total:
        r, w, _ = select.select([s], [s], [], 60)
        if r:
            reply = read_reply(s)
            break
        if not w:
            print("timeout")
            return 1
        try:
            n = s.send(data)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += n
        data = data[n:] or chunk
    if reply is None:
        reply = read_reply(s)
    print(json.dumps(reply))
    return 0


def conns(path, n):
    socks = [connect(path) for _ in range(n)]
    closed = set()
    deadline = time.monotonic() + 60
    # The switch closes the connections beyond its limit at once; the
    # others stay open, so wait until nothing more happens for a while.
    quiet_until = time.monotonic() + 2
    while time.monotonic() < min(deadline, quiet_until):
        open_socks = [s for s in socks if s not in closed]
        r, _, _ = select.select(open_socks, [], [], 0.2)
        for s in r:
            if not s.recv(1):
                closed.add(s)
                quiet_until = time.monotonic() + 2
    print(len(closed))
    kept = [s for s in socks if s not in closed][0]
    kept.sendall(b'{"id":1,"method":"list-commands","params":[]}')
    reply = read_reply(kept)
    print("served" if reply and reply.get("result") else "not served")
    return 0


def pipeline(path, n):
    s = connect(path)
    s.setblocking(False)
    req = b"".join(b'{"id":%d,"method":"show","params":[]}' % i
                   for i in range(n))
    # Write what the switch takes; it stops reading once its replies are
    # not read, so the rest stays with us.
    try:
        while req:
            _, w, _ = select.select([], [s], [], 5)
            if not w:
                break
            req = req[s.send(req):]
    except BlockingIOError:
        pass
    print("stalled" if req else "all written")
    sys.stdout.flush()
    sys.stdin.read()
    s.close()
    return 0


def raw(path, text):
    s = connect(path)
    s.sendall(text.encode())
    reply = read_reply(s)
    print(json.dumps(reply) if reply is not None else "EOF")
    return 0


def main():
    kind, path, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if kind == "raw":
        return raw(path, arg)
    n = int(arg)
    return {"big": big, "conns": conns, "pipeline": pipeline}[kind](path, n)


if __name__ == "__main__":
    sys.exit(main())
