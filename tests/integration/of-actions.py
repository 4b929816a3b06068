#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The OpenFlow actions Open vSwitch's own library does not know
(copy_ttl_out, copy_ttl_in, set_field on eth_type, ip_proto, mpls_bos),
sent as a controller sends them (raw OpenFlow 1.3 or 1.4, built here), and
the frames they make, checked byte for byte.

usage: of-actions.py install SOCKET VERSION
       of-actions.py send IFACE SRC_MAC DST_MAC
       of-actions.py packet-out SOCKET VERSION SRC_MAC DST_MAC
       of-actions.py check PCAP SRC_MAC DST_MAC

install: the flows and the group of the cases below (in_port 1 to 2),
each answered by no error; then the flow stats and group description
replies must carry each flow's instructions and the bucket's actions
exactly as sent; then what must stay refused is refused, with the error
named, and changes nothing.
send: one crafted frame per case out of IFACE.
packet-out: the packet-out case.
check: the frames in PCAP (from SRC_MAC) are exactly the expected ones,
each once: checksums computed here from scratch.

Prints "PASS what" or "FAIL what: why" per check.  Standard library only.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frames import csum, mac, pcap_frames, send as send_raw  # noqa: E402

OFPT_ERROR, OFPT_FLOW_MOD, OFPT_GROUP_MOD = 1, 14, 15
OFPT_PACKET_OUT, OFPT_BARRIER_REQUEST = 13, 20
OFPT_MULTIPART_REQUEST, OFPT_MULTIPART_REPLY = 18, 19
PAYLOAD = bytes(range(32))


# ---- OpenFlow, built by hand ------------------------------------------

def hdr(version, type_, body, xid):
    return struct.pack("!BBHI", version, type_, 8 + len(body), xid) + body


def oxm(field, value):
    return struct.pack("!HBB", 0x8000, field << 1, len(value)) + value


def match(*oxms):
    body = b"".join(oxms)
    n = 4 + len(body)
    return struct.pack("!HH", 1, n) + body + b"\0" * ((8 - n % 8) % 8)


def a_output(port):
    return struct.pack("!HHIH6x", 0, 16, port, 0xffff)


def a_copy_ttl_out():
    return struct.pack("!HH4x", 11, 8)


def a_copy_ttl_in():
    return struct.pack("!HH4x", 12, 8)


def a_pop_mpls(ethertype):
    return struct.pack("!HHH2x", 20, 8, ethertype)


def a_group(group_id):
    return struct.pack("!HHI", 22, 8, group_id)


def a_set_field(field, value):
    o = oxm(field, value)
    n = 4 + len(o)
    return struct.pack("!HH", 25, n + (8 - n % 8) % 8) + o \
        + b"\0" * ((8 - n % 8) % 8)


def apply_actions(*acts):
    body = b"".join(acts)
    return struct.pack("!HH4x", 4, 8 + len(body)) + body


def write_actions(*acts):
    body = b"".join(acts)
    return struct.pack("!HH4x", 3, 8 + len(body)) + body


def goto_table(table):
    return struct.pack("!HHB3x", 1, 8, table)


def a_push_pbb():
    return struct.pack("!HHH2x", 26, 8, 0x88e7)


def a_pop_pbb():
    return struct.pack("!HH4x", 27, 8)


def flow_mod(m, insts, prio=100, cookie=0, table=0):
    return struct.pack("!QQBBHHHIIIH2x", cookie, 0, table, 0, 0, 0, prio,
                       0xffffffff, 0xffffffff, 0xffffffff, 0) + m + insts


ETH_TYPE, IP_PROTO, IPV4_DST, IN_PORT = 5, 10, 12, 0
MPLS_LABEL, MPLS_BOS, IPV6_EXTHDR, PBB_ISID = 34, 36, 39, 37


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def mpls_match(label):
    return match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x8847)),
                 oxm(MPLS_LABEL, u32(label)))


def ip4_match(proto, dst):
    return match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x0800)),
                 oxm(IP_PROTO, bytes([proto])),
                 oxm(IPV4_DST, socket.inet_aton(dst)))


GROUP_BUCKET = a_copy_ttl_in() + a_output(2)

# (cookie, match, instructions)
FLOWS = [
    (1, mpls_match(100), apply_actions(a_copy_ttl_out(), a_output(2))),
    (2, mpls_match(200), apply_actions(a_copy_ttl_in(), a_pop_mpls(0x0800),
                                       a_output(2))),
    (3, ip4_match(6, "10.0.0.3"),
     apply_actions(a_set_field(IP_PROTO, b"\x11"), a_output(2))),
    (4, ip4_match(17, "10.0.0.4"),
     apply_actions(a_set_field(ETH_TYPE, u16(0x8848)), a_output(2))),
    (5, mpls_match(300), apply_actions(a_set_field(MPLS_BOS, b"\x00"),
                                       a_output(2))),
    (6, match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x86dd)),
              oxm(IP_PROTO, b"\x06")),
     apply_actions(a_set_field(IP_PROTO, b"\x11"), a_output(2))),
    (7, mpls_match(400), apply_actions(a_group(1))),
    # ipv6_exthdr: hop-by-hop and authentication headers (0x44), exactly.
    (8, match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x86dd)),
              oxm(IPV6_EXTHDR, u16(0x44))), apply_actions(a_output(2))),
    # PBB: push with an I-SID; pop of a frame's own header; pop, then the
    # customer frame matched in table 1.
    (9, ip4_match(17, "10.0.0.6"),
     apply_actions(a_push_pbb(), a_set_field(PBB_ISID, b"\x12\x34\x56"),
                   a_output(2))),
    (10, match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x88e7)),
               oxm(PBB_ISID, b"\x00\x00\xc8")),
     apply_actions(a_pop_pbb(), a_output(2))),
    (11, match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x88e7)),
               oxm(PBB_ISID, b"\x00\x01\x2c")),
     apply_actions(a_pop_pbb()) + goto_table(1)),
    # A pop that leaves less than Ethernet's 60 bytes.
    (12, mpls_match(500), apply_actions(a_pop_mpls(0x0800), a_output(2))),
    # In the action set, written out of order: copy_ttl_in runs before
    # the pop; a set_field after apply_actions' copy_ttl_out.
    (14, mpls_match(600), write_actions(a_pop_mpls(0x0800), a_output(2),
                                        a_copy_ttl_in())),
    (15, mpls_match(700), apply_actions(a_copy_ttl_out())
     + write_actions(a_set_field(MPLS_BOS, b"\x00"), a_output(2))),
]

# (cookie, table, match, instructions): a later table's.
TABLE1 = (13, 1, match(oxm(ETH_TYPE, u16(0x0800)), oxm(IP_PROTO, b"\x11"),
                       oxm(IPV4_DST, socket.inet_aton("10.0.0.8"))),
          apply_actions(a_output(2)))


def group_mod():
    bucket = struct.pack("!HHII4x", 16 + len(GROUP_BUCKET), 0, 0xffffffff,
                         0xffffffff) + GROUP_BUCKET
    return struct.pack("!HBxI", 0, 0, 1) + bucket      # add, all, id 1


class Conn:
    def __init__(self, path, version):
        self.v = version
        self.xid = 100
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.s.sendall(hdr(version, 0, b"", 1))
        self.recv()                         # Hello.

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

    def send(self, type_, body):
        self.xid += 1
        self.s.sendall(hdr(self.v, type_, body, self.xid))
        return self.xid

    def barrier(self, xids):
        """The errors the switch answered 'xids' with, up to a barrier."""
        bx = self.send(OFPT_BARRIER_REQUEST, b"")
        errors = {}
        while True:
            m = self.recv()
            xid = struct.unpack("!I", m[4:8])[0]
            if m[1] == OFPT_ERROR and xid in xids:
                errors[xid] = struct.unpack("!HH", m[8:12])
            elif xid == bx:
                return errors

    def multipart(self, mp_type, body):
        """The bodies of the replies to a multipart request."""
        xid = self.send(OFPT_MULTIPART_REQUEST,
                        struct.pack("!HH4x", mp_type, 0) + body)
        out = b""
        while True:
            m = self.recv()
            if struct.unpack("!I", m[4:8])[0] != xid:
                continue
            if m[1] != OFPT_MULTIPART_REPLY:
                raise RuntimeError("multipart answered by type %d" % m[1])
            out += m[16:]
            if not struct.unpack("!H", m[10:12])[0] & 1:
                return out


def flow_entries(body):
    """(cookie, (match, instructions)) of each flow stats entry (1.3/1.4
    layout)."""
    while body:
        n = struct.unpack("!H", body[:2])[0]
        e, body = body[:n], body[n:]
        cookie = struct.unpack("!Q", e[24:32])[0]
        mlen = struct.unpack("!H", e[50:52])[0]
        end = 48 + (mlen + 7) // 8 * 8
        yield cookie, (e[48:end], e[end:])


def result(ok, what, why=""):
    print(("PASS %s" % what) if ok else ("FAIL %s: %s" % (what, why)))


def flow_count(c, m=None):
    stats = c.multipart(1, struct.pack("!B3xII4xQQ", 0xff, 0xffffffff,
                                       0xffffffff, 0, 0)
                        + (m if m is not None else match()))
    return sum(1 for _ in flow_entries(stats))


def install(path, version):
    c = Conn(path, version)
    xids = {c.send(OFPT_GROUP_MOD, group_mod()): "group"}
    for cookie, m, insts in FLOWS:
        xids[c.send(OFPT_FLOW_MOD, flow_mod(m, insts, cookie=cookie))] = \
            "flow %d" % cookie
    cookie, table, m, insts = TABLE1
    xids[c.send(OFPT_FLOW_MOD, flow_mod(m, insts, cookie=cookie,
                                        table=table))] = "flow %d" % cookie
    errors = c.barrier(set(xids))
    result(not errors, "the group and %d flows are taken" % (len(FLOWS) + 1),
           ", ".join("%s: type %d code %d" % (xids[x], *errors[x])
                     for x in errors))

    stats = c.multipart(1, struct.pack("!B3xII4xQQ", 0xff, 0xffffffff,
                                       0xffffffff, 0, 0) + match())
    got = dict(flow_entries(stats))
    for cookie, _, insts in FLOWS:
        got_insts = got.get(cookie, (b"", b""))[1]
        result(got_insts == insts,
               "flow %d's instructions read back as sent" % cookie,
               "got %s, sent %s" % (got_insts.hex(), insts.hex()))
    for cookie, what in ((8, "ipv6_exthdr"), (10, "pbb_isid")):
        sent = FLOWS[cookie - 1][1]
        back = got.get(cookie, (b"", b""))[0]
        result(back == sent, "the %s match reads back as sent" % what,
               "got %s, sent %s" % (back.hex(), sent.hex()))
    n = flow_count(c, match(oxm(ETH_TYPE, u16(0x86dd)),
                            oxm(IPV6_EXTHDR, u16(0x44))))
    result(n == 1, "a flow stats request for ipv6_exthdr=0x44 finds its "
           "flow", "%d flows" % n)

    desc = c.multipart(7, b"")
    # (The bucket's weight comes back as 1: Open vSwitch's encoder.)
    result(desc[8:10] == u16(16 + len(GROUP_BUCKET))
           and desc[24:] == GROUP_BUCKET,
           "the group's bucket actions read back as sent", desc.hex())

    # Still refused: mpls_bos out of range (in an action set too), a
    # masked set_field.  Each with the library's error, and nothing
    # added.
    before = flow_count(c)
    # (type, code): OFPBAC_BAD_TYPE, OFPBAC_BAD_SET_ARGUMENT, and the ONF
    # extension's bad-set-mask error (OpenFlow 1.3 and 1.4 have none).
    bad = [
        ("set_field:2->mpls_bos in write_actions",
         write_actions(a_set_field(MPLS_BOS, b"\x02"), a_output(2)),
         (2, 15)),
        ("set_field:2->mpls_bos",
         apply_actions(a_set_field(MPLS_BOS, b"\x02"), a_output(2)),
         (2, 15)),
        ("masked set_field eth_type",
         apply_actions(struct.pack("!HHHBB", 25, 16, 0x8000, 5 << 1 | 1, 4)
                       + u16(0x8848) + u16(0xffff) + b"\0" * 4,
                       a_output(2)), (0xffff, 4250)),
        ("ipv6_exthdr without eth_type=0x86dd",
         apply_actions(a_output(2)), (4, 9)),
    ]
    for i, (what, insts, want) in enumerate(bad):
        m = match(oxm(IN_PORT, u32(1)), oxm(ETH_TYPE, u16(0x8847)))
        if "ipv6_exthdr" in what:
            m = match(oxm(IN_PORT, u32(1)), oxm(IPV6_EXTHDR, u16(0x44)))
        xid = c.send(OFPT_FLOW_MOD, flow_mod(m, insts, prio=10 + i))
        err = c.barrier({xid}).get(xid)
        result(err == want, "%s refused with error %s" % (what, want),
               "answered %s" % (err,))
    result(flow_count(c) == before, "the refused flow_mods added nothing",
           "%d flows, %d before" % (flow_count(c), before))


# ---- Frames -----------------------------------------------------------

def eth(dst, src, ethertype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload


def lse(label, ttl, bos=1):
    return struct.pack("!I", (label << 12) | (bos << 8) | ttl)


def ipv4(src, dst, proto, payload, ttl=64):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 7, 0x4000,
                     ttl, proto, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + payload


def udp(sport, dport, pseudo, payload=PAYLOAD):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(17, len(seg)) + seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(pseudo, proto_in_pseudo=6, payload=PAYLOAD):
    """A TCP segment whose checksum covers a pseudo-header naming
    'proto_in_pseudo' (6, or what set_field made the protocol)."""
    seg = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 5 << 4, 0x18, 512, 0,
                      0) + payload
    c = csum(pseudo(proto_in_pseudo, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def pseudo4(src, dst):
    return lambda proto, n: (socket.inet_aton(src) + socket.inet_aton(dst)
                             + struct.pack("!BBH", 0, proto, n))


S6, D6 = "2001:db8::1", "2001:db8::2"


def pseudo6(proto, n):
    return (socket.inet_pton(socket.AF_INET6, S6)
            + socket.inet_pton(socket.AF_INET6, D6)
            + struct.pack("!IxxxB", n, proto))


def ipv6(nh, payload):
    return (struct.pack("!IHBB", 6 << 28, len(payload), nh, 64)
            + socket.inet_pton(socket.AF_INET6, S6)
            + socket.inet_pton(socket.AF_INET6, D6) + payload)


def ipv6_hop(auth):
    """IPv6/UDP behind a hop-by-hop header and, if 'auth', an
    authentication header (ipv6_exthdr 0x44, or 0x40)."""
    seg = udp(9, 9, pseudo6)
    if auth:
        seg = struct.pack("!BBHII", 17, 2, 0, 0x100, 1) + b"\0" * 4 + seg
    hop = struct.pack("!BB6x", 51 if auth else 17, 0)
    return ipv6(0, hop + seg)


def cases(src, dst):
    """(what, frame sent, frame expected)."""
    p12 = pseudo4("10.0.0.1", "10.0.0.2")
    inner = ipv4("10.0.0.1", "10.0.0.2", 17, udp(7, 7, p12), ttl=32)
    p13 = pseudo4("10.0.0.1", "10.0.0.3")
    p14 = pseudo4("10.0.0.1", "10.0.0.4")
    u14 = ipv4("10.0.0.1", "10.0.0.4", 17, udp(5, 6, p14))
    inner50 = ipv4("10.0.0.1", "10.0.0.2", 17, udp(7, 7, p12), ttl=50)
    inner40 = ipv4("10.0.0.1", "10.0.0.2", 17, udp(7, 7, p12), ttl=40)
    return [
        ("copy_ttl_out: the IPv4 TTL (32) becomes the label's",
         eth(dst, src, 0x8847, lse(100, 64) + inner),
         eth(dst, src, 0x8847, lse(100, 32) + inner)),
        ("copy_ttl_in then pop_mpls: the label's TTL (50) in the IPv4 "
         "header, checksum valid",
         eth(dst, src, 0x8847, lse(200, 50) + inner),
         eth(dst, src, 0x0800, inner50)),
        ("set_field:17->ip_proto on IPv4/TCP: IPv4 and TCP checksums "
         "follow",
         eth(dst, src, 0x0800, ipv4("10.0.0.1", "10.0.0.3", 6, tcp(p13))),
         eth(dst, src, 0x0800, ipv4("10.0.0.1", "10.0.0.3", 17,
                                    tcp(p13, 17)))),
        ("set_field:0x8848->eth_type",
         eth(dst, src, 0x0800, u14), eth(dst, src, 0x8848, u14)),
        ("set_field:0->mpls_bos",
         eth(dst, src, 0x8847, lse(300, 64) + inner),
         eth(dst, src, 0x8847, lse(300, 64, bos=0) + inner)),
        ("set_field:17->ip_proto on IPv6/TCP: the TCP checksum follows",
         eth(dst, src, 0x86dd, ipv6(6, tcp(pseudo6))),
         eth(dst, src, 0x86dd, ipv6(17, tcp(pseudo6, 17)))),
        ("group bucket copy_ttl_in: the outer label's TTL (9) to the "
         "inner label",
         eth(dst, src, 0x8847, lse(400, 9, 0) + lse(401, 64) + inner),
         eth(dst, src, 0x8847, lse(400, 9, 0) + lse(401, 9) + inner)),
        ("ipv6_exthdr=0x44: hop-by-hop and authentication headers match",
         eth(dst, src, 0x86dd, ipv6_hop(True)),
         eth(dst, src, 0x86dd, ipv6_hop(True))),
        ("push_pbb and set_field pbb_isid: a backbone header with the "
         "customer's addresses, I-SID 0x123456",
         eth(dst, src, 0x0800, u16x("10.0.0.6")),
         eth(dst, src, 0x88e7, u32(0x123456)
             + eth(dst, src, 0x0800, u16x("10.0.0.6")))),
        ("pop_pbb of I-SID 200: the customer frame",
         eth(dst, src, 0x88e7, u32(200)
             + eth(dst, src, 0x0800, u16x("10.0.0.7"))),
         eth(dst, src, 0x0800, u16x("10.0.0.7"))),
        ("pop_pbb of I-SID 300, then table 1 matches the customer frame",
         eth(dst, src, 0x88e7, u32(300)
             + eth(dst, src, 0x0800, u16x("10.0.0.8"))),
         eth(dst, src, 0x0800, u16x("10.0.0.8"))),
        ("pop_mpls of a 60-byte frame: padded back to 60 bytes",
         pad60(eth(dst, src, 0x8847, lse(500, 64) + icmp4())),
         pad60(eth(dst, src, 0x0800, icmp4()))),
        ("write_actions(pop_mpls, output, copy_ttl_in): the TTL is copied "
         "in before the pop",
         eth(dst, src, 0x8847, lse(600, 40) + inner),
         eth(dst, src, 0x0800, inner40)),
        ("copy_ttl_out, then the action set's set_field:0->mpls_bos",
         eth(dst, src, 0x8847, lse(700, 64) + inner),
         eth(dst, src, 0x8847, lse(700, 32, bos=0) + inner)),
    ]


def icmp4():
    """An IPv4 echo request without data: 28 bytes."""
    m = struct.pack("!BBHHH", 8, 0, 0, 1, 1)
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ipv4("10.0.0.1", "10.0.0.9", 1, m)


def pad60(frame):
    return frame + b"\0" * max(0, 60 - len(frame))


def u16x(dst):
    """IPv4/UDP to 'dst', port 16."""
    return ipv4("10.0.0.1", dst, 17, udp(16, 16, pseudo4("10.0.0.1", dst)))


def unmatched(src, dst):
    """A frame no flow takes: hop-by-hop alone is not 0x44."""
    return eth(dst, src, 0x86dd, ipv6_hop(False))


def packet_out_case(src, dst):
    p15 = pseudo4("10.0.0.1", "10.0.0.5")
    return ("packet-out with set_field:17->ip_proto",
            eth(dst, src, 0x0800, ipv4("10.0.0.1", "10.0.0.5", 6,
                                       tcp(p15))),
            eth(dst, src, 0x0800, ipv4("10.0.0.1", "10.0.0.5", 17,
                                       tcp(p15, 17))))


def packet_out(path, version, src, dst):
    c = Conn(path, version)
    _, frame, _ = packet_out_case(src, dst)
    acts = a_set_field(IP_PROTO, b"\x11") + a_output(2)
    xid = c.send(OFPT_PACKET_OUT, struct.pack("!IIH6x", 0xffffffff,
                                              0xfffffffd, len(acts))
                 + acts + frame)
    err = c.barrier({xid}).get(xid)
    result(err is None, "the packet-out is taken", "answered %s" % (err,))


def check(path, src, dst):
    got = [f for f in pcap_frames(path) if f[6:12] == mac(src)]
    want = cases(src, dst) + [packet_out_case(src, dst)]
    for what, _, expected in want:
        n = got.count(expected)
        why = "arrived %d times" % n
        if not n:
            near = [f for f in got if len(f) == len(expected)]
            why += "; frames of that length: " + " ".join(
                f.hex() for f in near[:3]) + " want " + expected.hex()
        result(n == 1, what, why)
    result(len(got) == len(want), "no other frame from the sender",
           "%d frames" % len(got))


def main():
    cmd = sys.argv[1]
    if cmd == "install":
        install(sys.argv[2], int(sys.argv[3]))
    elif cmd == "send":
        for _, frame, _ in cases(sys.argv[3], sys.argv[4]):
            send_raw(sys.argv[2], frame)
        send_raw(sys.argv[2], unmatched(sys.argv[3], sys.argv[4]))
    elif cmd == "packet-out":
        packet_out(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
