#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Packet buffering, as an OpenFlow 1.3 controller sees it on a switch's
management socket: a table-miss rule asks for 64 bytes of each packet;
guest A (namespace NS_A, port 1) sends UDP datagrams to guest B
(namespace NS_B, IP_B, port 2), where a socket receives them.  Each
packet-in of a longer frame must carry 64 bytes, the frame's full length
and a buffer id; a packet-out or a flow_mod naming the id must deliver
the whole datagram to B's socket, once; a used, expired or unknown id
gets its OpenFlow error; a refused packet-out leaves its buffer usable.
Prints one line per case: "PASS desc" or "FAIL desc: why".

    of-buffers.py MGMT_SOCKET NS_A NS_B IP_B

Standard library only."""
import importlib.util
import os
import struct
import subprocess
import sys
import tempfile
import time

# The message builders and the connection of of-errors.py, beside this.
_spec = importlib.util.spec_from_file_location(
    "of_errors", os.path.join(os.path.dirname(__file__), "of-errors.py"))
of_errors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(of_errors)
hdr, match, apply_actions = of_errors.hdr, of_errors.match, \
    of_errors.apply_actions

OFPT_ERROR, OFPT_SET_CONFIG, OFPT_PACKET_IN = 1, 9, 10
OFPT_PACKET_OUT, OFPT_FLOW_MOD, OFPT_BARRIER_REQUEST = 13, 14, 20
NO_BUFFER = 0xffffffff
CONTROLLER = 0xfffffffd
WAIT = 60   # Seconds to wait for what must come (a loaded machine).

ERRORS = {(1, 7): "OFPBRC_BUFFER_EMPTY", (1, 8): "OFPBRC_BUFFER_UNKNOWN"}


def output(port, max_len=0xffff):
    return struct.pack("!HHIH6x", 0, 16, port, max_len)


def udp_dst_match(port):
    return match(struct.pack("!IH", 0x80000a02, 0x0800)
                 + struct.pack("!IB", 0x80001401, 17)
                 + struct.pack("!IH", 0x80002002, port))  # udp_dst


def flow_mod(priority, m, actions, buffer_id=NO_BUFFER, command=0):
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, command, 0, 0, priority,
                       buffer_id, 0xffffffff, 0xffffffff, 0)
    return body + m + apply_actions(actions)


def packet_out(buffer_id, in_port, actions, data=b""):
    return struct.pack("!IIH6x", buffer_id, in_port, len(actions)) \
        + actions + data


class Conn(of_errors.Conn):
    def __init__(self, path):
        super().__init__(path)
        self.s.settimeout(WAIT)
        self.pending = []
        self.xid = 0x100

    def call(self, type_, body):
        """Sends a message and a barrier; returns the OpenFlow error the
        message got (a string), or None.  Packet-ins are kept."""
        self.xid += 2
        xid, bxid = self.xid, self.xid + 1
        self.s.sendall(hdr(type_, body, xid)
                       + hdr(OFPT_BARRIER_REQUEST, b"", bxid))
        error = None
        while True:
            msg = self.recv()
            got = struct.unpack("!I", msg[4:8])[0]
            if msg[1] == OFPT_PACKET_IN:
                self.pending.append(msg)
            elif got == xid and msg[1] == OFPT_ERROR:
                t, c = struct.unpack("!HH", msg[8:12])
                error = ERRORS.get((t, c), "error type %d code %d" % (t, c))
            elif got == bxid:
                return error

    def packet_in(self):
        """The next packet-in of one of our datagrams: (buffer_id,
        total_len, data).  Others (the guests' IPv6 chatter) are
        skipped."""
        while True:
            while not self.pending:
                msg = self.recv()
                if msg[1] == OFPT_PACKET_IN:
                    self.pending.append(msg)
            pin = parse_packet_in(self.pending.pop(0))
            if ours(pin[2]):
                return pin

    def ours_pending(self):
        return [m for m in self.pending if ours(parse_packet_in(m)[2])]


def parse_packet_in(msg):
    buffer_id, total_len = struct.unpack("!IH", msg[8:14])
    match_len = struct.unpack("!H", msg[26:28])[0]
    return buffer_id, total_len, msg[24 + (match_len + 7) // 8 * 8 + 2:]


def ours(frame):
    """Whether 'frame' is an IPv4 UDP datagram to port 5001 or 5002."""
    return (len(frame) >= 38 and frame[12:14] == b"\x08\x00"
            and frame[23] == 17
            and struct.unpack("!H", frame[36:38])[0] in (5001, 5002))


class Receiver:
    """A UDP socket in namespace 'ns' on 'port'; payloads land in a file,
    one hex line each."""
    def __init__(self, ns, port):
        fd, self.path = tempfile.mkstemp(prefix="of-buffers.")
        os.close(fd)
        code = ("import socket,sys\n"
                "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                "s.bind(('0.0.0.0',%d))\n"
                "f=open(sys.argv[1],'a')\n"
                "print('ready',flush=True)\n"
                "while True:\n"
                " d=s.recv(65536); f.write(d.hex()+'\\n'); f.flush()\n"
                % port)
        self.p = subprocess.Popen(["ip", "netns", "exec", ns,
                                   sys.executable, "-c", code, self.path],
                                  stdout=subprocess.PIPE, text=True)
        self.p.stdout.readline()

    def got(self):
        with open(self.path) as f:
            return [bytes.fromhex(line) for line in f.read().split()]

    def wait_for(self, n):
        deadline = time.monotonic() + WAIT
        while len(self.got()) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.got()

    def close(self):
        self.p.kill()
        self.p.wait()
        os.unlink(self.path)


def send(ns, ip, port, payload):
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "s.sendto(bytes.fromhex(sys.argv[1]),(sys.argv[2],int(sys.argv[3])))")
    subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code,
                    payload.hex(), ip, str(port)], check=True)


def report(ok, desc, why=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", desc,
                       "" if ok or not why else ": " + why))


def main():
    path, ns_a, ns_b, ip_b = sys.argv[1:5]
    c = Conn(path)
    # A management connection gets packet-ins once it sets miss_send_len;
    # the table-miss rule asks for 64 bytes.
    c.s.sendall(hdr(OFPT_SET_CONFIG, struct.pack("!HH", 0, 128), 2))
    err = c.call(OFPT_FLOW_MOD, flow_mod(0, match(), output(CONTROLLER, 64)))
    report(err is None, "a table-miss rule output:CONTROLLER max_len=64",
           str(err))
    r1, r2 = Receiver(ns_b, 5001), Receiver(ns_b, 5002)
    try:
        payload = bytes(range(256)) + b"first"
        send(ns_a, ip_b, 5001, payload)
        bid, total, data = c.packet_in()
        frame_len = 14 + 20 + 8 + len(payload)
        report(bid != NO_BUFFER and total == frame_len and len(data) == 64
               and data[12:14] == b"\x08\x00",
               "a %d-byte frame comes in as 64 bytes, its length and a "
               "buffer id" % frame_len,
               "buffer 0x%x total_len %d data %d bytes"
               % (bid, total, len(data)))

        err = c.call(OFPT_PACKET_OUT, packet_out(bid, 1, output(0)))
        report(err is not None and err != "OFPBRC_BUFFER_UNKNOWN",
               "a packet-out of the buffer to port 0 is refused", str(err))
        err = c.call(OFPT_PACKET_OUT, packet_out(bid, 1, output(2)))
        got = r1.wait_for(1)
        report(err is None and got == [payload],
               "then a packet-out of the buffer to port 2 delivers the "
               "whole datagram", "error %s, received %s"
               % (err, [len(d) for d in got]))
        err = c.call(OFPT_PACKET_OUT, packet_out(bid, 1, output(2)))
        report(err == "OFPBRC_BUFFER_EMPTY",
               "the buffer used again: OFPBRC_BUFFER_EMPTY", str(err))
        err = c.call(OFPT_PACKET_OUT, packet_out(bid ^ 0x100, 1, output(2)))
        report(err == "OFPBRC_BUFFER_UNKNOWN",
               "an id never given: OFPBRC_BUFFER_UNKNOWN", str(err))

        # A flow_mod naming the buffer: the packet goes through the new
        # rule, and the next datagram by the rule alone.
        second = b"second" * 50
        send(ns_a, ip_b, 5001, second)
        bid, total, data = c.packet_in()
        err = c.call(OFPT_FLOW_MOD, flow_mod(10, udp_dst_match(5001),
                                             output(2), buffer_id=bid))
        got = r1.wait_for(2)
        report(err is None and got[1:] == [second],
               "a flow_mod with the buffer id sends it by the new rule",
               "error %s, received %s" % (err, [len(d) for d in got]))
        third = b"third" * 60
        send(ns_a, ip_b, 5001, third)
        got = r1.wait_for(3)
        report(got[2:] == [third] and not c.ours_pending(),
               "the next datagram goes by the rule, with no packet-in",
               "received %s, %d packet-ins" % ([len(d) for d in got],
                                               len(c.ours_pending())))

        # A short frame (shorter than max_len) comes whole, unbuffered.
        send(ns_a, ip_b, 5002, b"tiny")
        bid, total, data = c.packet_in()
        report(bid == NO_BUFFER and total == len(data) == 14 + 20 + 8 + 4,
               "a frame shorter than max_len comes whole, without a buffer",
               "buffer 0x%x total_len %d data %d" % (bid, total, len(data)))

        # A buffer not used within its time is gone.
        stale = b"stale" * 40
        send(ns_a, ip_b, 5002, stale)
        bid, total, data = c.packet_in()
        time.sleep(6)
        err = c.call(OFPT_PACKET_OUT, packet_out(bid, 1, output(2)))
        report(err == "OFPBRC_BUFFER_UNKNOWN" and r2.got() == [],
               "a buffer unused for 5 s expires: OFPBRC_BUFFER_UNKNOWN",
               "%s, received %d" % (err, len(r2.got())))
    except (OSError, EOFError, subprocess.CalledProcessError) as e:
        report(False, "buffering", repr(e))
    finally:
        r1.close()
        r2.close()


if __name__ == "__main__":
    main()
