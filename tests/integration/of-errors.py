#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sends malformed and inconsistent OpenFlow 1.3 messages to a switch's
management socket and checks each gets the right OpenFlow error, decoded
by ovs-ofctl ofp-print (a real peer's decoder, not ours), and that the
switch keeps answering.  Prints one line per case: "PASS desc" or
"FAIL desc: why".  Standard library only."""
import socket
import struct
import subprocess
import sys

V = 4  # OpenFlow 1.3
OFPT_ECHO_REQUEST, OFPT_SET_CONFIG, OFPT_PACKET_OUT = 2, 9, 13
OFPT_FLOW_MOD, OFPT_GROUP_MOD, OFPT_PORT_MOD = 14, 15, 16
OFPT_MULTIPART_REQUEST, OFPT_ROLE_REQUEST, OFPT_METER_MOD = 18, 24, 29


def hdr(type_, body, xid, length=None):
    n = 8 + len(body) if length is None else length
    return struct.pack("!BBHI", V, type_, n, xid) + body


def match(oxms=b""):
    n = 4 + len(oxms)
    return struct.pack("!HH", 1, n) + oxms + b"\0" * ((8 - n % 8) % 8)


def output(port, length=16):
    body = struct.pack("!HHIH", 0, length, port, 0xffff)
    return body + b"\0" * (length - len(body))


def apply_actions(actions):
    return struct.pack("!HH4x", 4, 8 + len(actions)) + actions


def flow_mod(table=0, command=0, m=None, insts=b""):
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, table, command, 0, 0, 100,
                       0xffffffff, 0xffffffff, 0xffffffff, 0)
    return body + (match() if m is None else m) + insts


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(3)
        self.s.connect(path)
        self.s.sendall(hdr(0, b"", 1))
        self.recv()  # Hello.

    def recv(self):
        h = self._read(8)
        n = struct.unpack("!H", h[2:4])[0]
        return h + self._read(n - 8)

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.s.recv(n - len(data))
            if not chunk:
                raise EOFError("connection closed")
            data += chunk
        return data

    def transact(self, msg, xid):
        """The first message answering 'xid' (skipping asynchronous ones)."""
        self.s.sendall(msg)
        while True:
            reply = self.recv()
            if struct.unpack("!I", reply[4:8])[0] == xid:
                return reply

    def alive(self):
        reply = self.transact(hdr(OFPT_ECHO_REQUEST, b"ping", 0xe0e0), 0xe0e0)
        return reply[1] == 3 and reply[8:] == b"ping"


def decode(msg):
    return subprocess.run(["ovs-ofctl", "ofp-print", msg.hex()],
                          capture_output=True, text=True).stdout


def main():
    path = sys.argv[1]
    conn = Conn(path)
    pkt = bytes.fromhex("ffffffffffff020000000001080600010800060400010200"
                        "000000010a0000010000000000000a000002")
    cases = [
        ("an unknown message type", hdr(200, b"", 0x10), "OFPBRC_BAD_TYPE"),
        ("a truncated flow_mod", hdr(OFPT_FLOW_MOD, b"\0" * 16, 0x11),
         "OFPBRC_BAD_LEN"),
        ("an add to table 255",
         hdr(OFPT_FLOW_MOD, flow_mod(table=255), 0x12),
         "OFPFMFC_BAD_TABLE_ID"),
        ("an unknown flow_mod command",
         hdr(OFPT_FLOW_MOD, flow_mod(command=9), 0x13),
         "OFPFMFC_BAD_COMMAND"),
        ("an output action 24 bytes long",
         hdr(OFPT_FLOW_MOD, flow_mod(insts=apply_actions(output(1, 24))),
             0x14), "OFPBAC_BAD_LEN"),
        ("an instruction whose length is not a multiple of 8",
         hdr(OFPT_FLOW_MOD, flow_mod(insts=apply_actions(output(1, 12))),
             0x1f), "OFPBRC_BAD_LEN"),
        ("an unknown instruction",
         hdr(OFPT_FLOW_MOD, flow_mod(insts=struct.pack("!HH4x", 0x99, 8)),
             0x15), "OFPBIC_UNKNOWN_INST"),
        ("tcp_dst without its prerequisites",
         hdr(OFPT_FLOW_MOD,
             flow_mod(m=match(struct.pack("!IH", 0x80001c02, 80))), 0x16),
         "OFPBMC_BAD_PREREQ"),
        ("output to port 0",
         hdr(OFPT_FLOW_MOD, flow_mod(insts=apply_actions(output(0))), 0x17),
         "OFPBAC_BAD_OUT_PORT"),
        ("an unknown multipart type",
         hdr(OFPT_MULTIPART_REQUEST, struct.pack("!HH4x", 0x77, 0), 0x18),
         "OFPBRC_BAD_STAT"),
        ("a packet-out with a buffer id",
         hdr(OFPT_PACKET_OUT, struct.pack("!IIH6x", 7, 0xfffffffd, 16)
             + output(1) + pkt, 0x19), "OFPBRC_BUFFER_UNKNOWN"),
        ("a packet-out from a port that does not exist",
         hdr(OFPT_PACKET_OUT, struct.pack("!IIH6x", 0xffffffff, 0x999, 16)
             + output(1) + pkt, 0x1a), "OFPBRC_BAD_PORT"),
        ("a group of an unknown type",
         hdr(OFPT_GROUP_MOD, struct.pack("!HBxI", 0, 9, 1), 0x1b),
         "OFPGMFC_BAD_TYPE"),
        ("a meter band with rate 0",
         hdr(OFPT_METER_MOD, struct.pack("!HHI", 0, 1, 1)
             + struct.pack("!HHII4x", 1, 16, 0, 0), 0x1c),
         "OFPMMFC_BAD_RATE"),
        ("set_config with fragment reassembly",
         hdr(OFPT_SET_CONFIG, struct.pack("!HH", 2, 128), 0x1d),
         "OFPSCFC_BAD_FLAGS"),
        ("a port_mod of a port that does not exist",
         hdr(OFPT_PORT_MOD, struct.pack("!I4x6s2xIII4x", 0x777, b"\0" * 6,
                                        0, 0, 0), 0x1e),
         "OFPPMFC_BAD_PORT"),
    ]
    for desc, msg, want in cases:
        try:
            reply = conn.transact(msg, struct.unpack("!I", msg[4:8])[0])
            text = decode(reply)
            if "OFPT_ERROR" in text and want in text:
                print("PASS %s: %s" % (desc, want))
            else:
                print("FAIL %s: wanted %s, got %s"
                      % (desc, want, text.strip().splitlines()[0]))
        except (OSError, EOFError) as e:
            print("FAIL %s: %s" % (desc, e))
            conn = Conn(path)

    # Roles: a stale generation id is refused.
    try:
        def role(gen, xid):
            return hdr(OFPT_ROLE_REQUEST, struct.pack("!I4xQ", 2, gen), xid)
        first = conn.transact(role(10, 0x20), 0x20)
        stale = decode(conn.transact(role(5, 0x21), 0x21))
        ok = first[1] == 25 and "OFPRRFC_STALE" in stale
        print("%s a stale master generation id: OFPRRFC_STALE"
              % ("PASS" if ok else "FAIL"))
    except (OSError, EOFError) as e:
        print("FAIL a stale master generation id: %s" % e)
        conn = Conn(path)

    # Two masters: the second demotes the first, whose flow_mods are then
    # refused; the new master's are taken.
    try:
        def role(c, r, gen, xid):
            return decode(c.transact(
                hdr(OFPT_ROLE_REQUEST, struct.pack("!I4xQ", r, gen), xid),
                xid))
        a, b = Conn(path), Conn(path)
        role(a, 2, 100, 0x40)
        reply = role(b, 2, 101, 0x41)
        demoted = role(a, 0, 0, 0x42)   # NOCHANGE: tells the current role.
        print("%s a second master demotes the first to slave"
              % ("PASS" if "role=primary" in reply
                 and "role=secondary" in demoted else "FAIL"))
        err = decode(a.transact(hdr(OFPT_FLOW_MOD, flow_mod(
            insts=apply_actions(output(1))), 0x43), 0x43))
        print("%s a slave's flow_mod is refused: OFPBRC_IS_SECONDARY (%s)"
              % ("PASS" if "IS_SECONDARY" in err or "IS_SLAVE" in err
                 else "FAIL", err.strip().splitlines()[0]))
        b.s.sendall(hdr(OFPT_FLOW_MOD, flow_mod(
            insts=apply_actions(output(1))), 0x44))
        barrier = b.transact(hdr(20, b"", 0x45), 0x45)  # OFPT_BARRIER_REQUEST
        print("%s the master's flow_mod is taken (barrier reply, no error)"
              % ("PASS" if barrier[1] == 21 else "FAIL"))
    except (OSError, EOFError, IndexError) as e:
        print("FAIL roles: %s" % e)

    # Asynchronous configuration: a connection that asked for packet-ins
    # (miss_send_len) gets one for a packet-out to CONTROLLER, and none
    # once its packet-in mask is cleared.
    try:
        c = Conn(path)
        c.s.sendall(hdr(OFPT_SET_CONFIG, struct.pack("!HH", 0, 0xffff), 0x50))
        ctl = struct.pack("!HHIH6x", 0, 16, 0xfffffffd, 0xffff)
        pout = hdr(OFPT_PACKET_OUT, struct.pack("!IIH6x", 0xffffffff,
                                                0xfffffffd, 16) + ctl + pkt,
                   0x51)

        def packet_in_after(msg):
            c.s.sendall(msg)
            c.s.settimeout(1.5)
            try:
                while True:
                    m = c.recv()
                    if m[1] == 10:      # OFPT_PACKET_IN
                        return decode(m)
            except socket.timeout:
                return None
            finally:
                c.s.settimeout(3)

        pin = packet_in_after(pout)
        print("%s a packet-out to CONTROLLER comes back as a packet-in"
              % ("PASS" if pin and "OFPT_PACKET_IN" in pin else "FAIL"))
        # OFPT_SET_ASYNC: packet-in, port-status, flow-removed masks for
        # master/equal and slave.
        c.s.sendall(hdr(28, struct.pack("!6I", 0, 0, 7, 7, 15, 15), 0x52))
        pin = packet_in_after(pout)
        print("%s with its packet-in mask cleared it gets none"
              % ("PASS" if pin is None else "FAIL"))
    except (OSError, EOFError) as e:
        print("FAIL async: %s" % e)

    print("%s the connection still answers echo after all of them"
          % ("PASS" if conn.alive() else "FAIL"))

    # A header shorter than a header: the switch drops that connection,
    # and only that one.
    bad = Conn(path)
    bad.s.sendall(struct.pack("!BBHI", V, 0, 4, 0x30))
    try:
        bad.recv()
        dropped = False
    except (OSError, EOFError):
        dropped = True
    print("%s a 4-byte header closes that connection"
          % ("PASS" if dropped else "FAIL"))
    print("%s the other connection still answers"
          % ("PASS" if conn.alive() else "FAIL"))
    print("%s a new connection is served" % ("PASS" if Conn(path).alive()
                                              else "FAIL"))


if __name__ == "__main__":
    main()
