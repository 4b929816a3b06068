#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""OpenFlow 1.4 flow monitors on a switch's management socket, where
ovs-ofctl cannot go: the errors of bad monitor requests, a connection's
own changes abbreviated to the request's xid, cancelling, and flow
control: a monitor that does not read while 20,000 rules are added (by
ovs-ofctl add-flows on another connection) gets "paused", then, once it
reads, every rule it missed and "resumed" -- each of the 20,000 reported
added exactly once.  Prints one line per case: "PASS desc" or "FAIL desc:
why".

    flow-monitor.py MGMT_SOCKET FLOWS_FILE

FLOWS_FILE holds the 20,000 rules for ovs-ofctl (cookie N on rule N).
Standard library only."""
import importlib.util
import os
import socket
import struct
import subprocess
import sys
import time

_spec = importlib.util.spec_from_file_location(
    "of_errors", os.path.join(os.path.dirname(__file__), "of-errors.py"))
of_errors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(of_errors)

V = 5  # OpenFlow 1.4
OFPT_ERROR, OFPT_FLOW_MOD, OFPT_BARRIER_REQUEST = 1, 14, 20
OFPT_MULTIPART_REQUEST, OFPT_MULTIPART_REPLY = 18, 19
OFPMP_FLOW_MONITOR = 16
OFPFMC_ADD, OFPFMC_MODIFY, OFPFMC_DELETE = 0, 1, 2
INITIAL, ADD, REMOVED, MODIFY, INSTRUCTIONS = 1, 2, 4, 8, 16
EV_INITIAL, EV_ADDED, EV_REMOVED, EV_MODIFIED = 0, 1, 2, 3
EV_ABBREV, EV_PAUSED, EV_RESUMED = 4, 5, 6
ANY = 0xffffffff
WAIT = 120  # Seconds for what must come (a loaded machine).
N_FLOWS = 20000

ERRORS = {(16, 1): "OFPMOFC_MONITOR_EXISTS",
          (16, 3): "OFPMOFC_UNKNOWN_MONITOR"}


def hdr(type_, body, xid):
    return struct.pack("!BBHI", V, type_, 8 + len(body), xid) + body


def match(oxms=b""):
    n = 4 + len(oxms)
    return struct.pack("!HH", 1, n) + oxms + b"\0" * ((8 - n % 8) % 8)


def monitor(mid, flags, command=OFPFMC_ADD, table=0xff):
    return struct.pack("!IIIHBB", mid, ANY, ANY, flags, table, command) \
        + match()


def monitor_request(*monitors):
    return struct.pack("!HH4x", OFPMP_FLOW_MONITOR, 0) + b"".join(monitors)


def flow_mod(table, priority, command=0):
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, table, command, 0, 0,
                       priority, ANY, ANY, ANY, 0)
    return body + match()


class Conn(of_errors.Conn):
    """of-errors.py's connection (its framing), over OpenFlow 1.4."""
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(WAIT)
        self.s.connect(path)
        self.s.sendall(hdr(0, b"", 1))
        self.recv()  # Hello.
        self.xid = 0x100
        self.updates = []   # (event, bytes) of unsolicited updates.

    def keep_updates(self, msg):
        """Keeps the flow updates of an unsolicited monitor reply."""
        if (msg[1] == OFPT_MULTIPART_REPLY and msg[4:8] == b"\0\0\0\0"
                and struct.unpack("!H", msg[8:10])[0] == OFPMP_FLOW_MONITOR):
            self.updates += parse_updates(msg)
            return True
        return False

    def call(self, type_, body):
        """Sends a message and a barrier: (error or None, replies)."""
        self.xid += 2
        xid, bxid = self.xid, self.xid + 1
        self.s.sendall(hdr(type_, body, xid)
                       + hdr(OFPT_BARRIER_REQUEST, b"", bxid))
        error, replies = None, []
        while True:
            msg = self.recv()
            got = struct.unpack("!I", msg[4:8])[0]
            if self.keep_updates(msg):
                continue
            if got == xid and msg[1] == OFPT_ERROR:
                t, c = struct.unpack("!HH", msg[8:12])
                error = ERRORS.get((t, c), "error type %d code %d" % (t, c))
            elif got == xid:
                replies.append(msg)
            elif got == bxid:
                return error, replies


def parse_updates(msg):
    """The (event, update bytes) of a flow monitor reply."""
    body, out = msg[16:], []
    while len(body) >= 4:
        length, event = struct.unpack("!HH", body[:4])
        if length < 4:
            break
        out.append((event, body[:length]))
        body = body[length:]
    return out


def report(ok, desc, why=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", desc,
                       "" if ok or not why else ": " + why))


def errors(path):
    c = Conn(path)
    err, _ = c.call(OFPT_MULTIPART_REQUEST,
                    monitor_request(monitor(1, ADD | REMOVED)))
    report(err is None, "a monitor is added", str(err))
    err, _ = c.call(OFPT_MULTIPART_REQUEST,
                    monitor_request(monitor(1, ADD)))
    report(err == "OFPMOFC_MONITOR_EXISTS",
           "the same id again: OFPMOFC_MONITOR_EXISTS", str(err))
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(2, ADD), monitor(7, ADD, command=OFPFMC_MODIFY)))
    report(err == "OFPMOFC_UNKNOWN_MONITOR",
           "modifying an unknown monitor: OFPMOFC_UNKNOWN_MONITOR",
           str(err))
    # That request failed as a whole: monitor 2 was not added.
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(2, 0, command=OFPFMC_DELETE)))
    report(err == "OFPMOFC_UNKNOWN_MONITOR",
           "a failed request adds none of its monitors", str(err))
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(3, ADD), monitor(4, ADD, table=254),
        monitor(5, ADD, table=254)))
    report(err is None, "three monitors in one request", str(err))
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(20, ADD), monitor(20, ADD | REMOVED, command=OFPFMC_MODIFY),
        monitor(20, 0, command=OFPFMC_DELETE)))
    report(err is None, "a monitor added, modified and deleted in one "
           "request", str(err))
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(20, 0, command=OFPFMC_DELETE)))
    report(err == "OFPMOFC_UNKNOWN_MONITOR", "is gone after it", str(err))

    # Own changes: abbreviated to the flow_mod's xid, once per request.
    c.updates = []
    err, _ = c.call(OFPT_FLOW_MOD, flow_mod(9, 1234))
    xid = c.xid
    abbrevs = [u for e, u in c.updates if e == EV_ABBREV]
    report(err is None and len(c.updates) == 1 and len(abbrevs) == 1
           and struct.unpack("!I", abbrevs[0][4:8])[0] == xid,
           "an own change is one abbreviated update with its xid",
           "updates %s" % [e for e, u in c.updates])
    # ... unless the monitor asks for own changes in full (ONLY_OWN, as
    # Open vSwitch reads it).
    err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
        monitor(1, ADD | REMOVED | 64, command=OFPFMC_MODIFY)))
    c.updates = []
    err2, _ = c.call(OFPT_FLOW_MOD, flow_mod(9, 1234, command=3))
    report(err is None and err2 is None
           and [e for e, u in c.updates] == [EV_REMOVED],
           "with own changes in full: the delete comes as REMOVED",
           "%s %s updates %s" % (err, err2, [e for e, u in c.updates]))

    # Cancelled (OpenFlow 1.4: a delete command), no more updates.
    for mid in (1, 3, 4, 5):
        err, _ = c.call(OFPT_MULTIPART_REQUEST, monitor_request(
            monitor(mid, 0, command=OFPFMC_DELETE)))
    c.updates = []
    err2, _ = c.call(OFPT_FLOW_MOD, flow_mod(9, 1235))
    err3, _ = c.call(OFPT_FLOW_MOD, flow_mod(9, 1235, command=3))
    report(err is None and err2 is None and not c.updates,
           "once its monitors are deleted, a connection gets no updates",
           "%s %s %d updates" % (err, err2, len(c.updates)))
    c.s.close()


def flow_control(path, flows_file):
    c = Conn(path)
    err, _ = c.call(OFPT_MULTIPART_REQUEST,
                    monitor_request(monitor(1, ADD | REMOVED | MODIFY)))
    report(err is None, "a monitor of every table", str(err))
    # Not read while another connection adds the rules.
    subprocess.run(["ovs-ofctl", "-O", "OpenFlow14", "add-flows",
                    "unix:" + path, flows_file], check=True)
    deadline = time.monotonic() + WAIT
    events = []
    try:
        while EV_RESUMED not in events and time.monotonic() < deadline:
            msg = c.recv()
            if c.keep_updates(msg):
                events = [e for e, u in c.updates]
    except (OSError, EOFError) as e:
        report(False, "reading the updates", repr(e))
    added = {}
    for e, u in c.updates:
        if e == EV_ADDED:
            cookie = struct.unpack("!Q", u[16:24])[0]
            added[cookie] = added.get(cookie, 0) + 1
    paused = EV_PAUSED in events
    resumed = EV_RESUMED in events
    report(paused and resumed and events.index(EV_PAUSED)
           < events.index(EV_RESUMED),
           "a monitor that does not read is paused, then resumed",
           "paused %s resumed %s" % (paused, resumed))
    twice = [k for k, n in added.items() if n > 1]
    report(len(added) == N_FLOWS and set(added) == set(range(N_FLOWS))
           and not twice,
           "each of the %d rules reported added exactly once" % N_FLOWS,
           "%d distinct, %d twice" % (len(added), len(twice)))
    c.s.close()


def main():
    path, flows_file = sys.argv[1:3]
    try:
        errors(path)
        flow_control(path, flows_file)
    except (OSError, EOFError, subprocess.CalledProcessError) as e:
        report(False, "flow monitors", repr(e))


if __name__ == "__main__":
    main()
