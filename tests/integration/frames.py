# SPDX-License-Identifier: Apache-2.0
"""Frames built by hand, for the integration tests' crafted-packet helpers.

Plain Python (struct, socket): what the tests check does not depend on a
packet library's idea of a packet.  Every builder returns bytes with
valid checksums.
"""
import socket
import struct


def csum(data):
    """The Internet checksum of 'data'."""
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(m):
    """"aa:bb:cc:dd:ee:ff" -> 6 bytes."""
    return bytes.fromhex(m.replace(":", ""))


def eth(dst, src, ethertype, payload):
    frame = mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload
    return frame + b"\x00" * max(0, 60 - len(frame))


def ipv4(src, dst, proto, payload, ttl=64):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234,
                     0x4000, ttl, proto, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + payload


def _l4_csum(pseudo, seg, at):
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def udp4(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst)
              + struct.pack("!BBH", 0, 17, len(seg)))
    return ipv4(src, dst, 17, _l4_csum(pseudo, seg, 6))


def ipv6(src, dst, nh, payload, hlim=64):
    return (struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim)
            + socket.inet_pton(socket.AF_INET6, src)
            + socket.inet_pton(socket.AF_INET6, dst) + payload)


def _pseudo6(src, dst, nh, length):
    return (socket.inet_pton(socket.AF_INET6, src)
            + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!IxxxB", length, nh))


def udp6(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ipv6(src, dst, 17, _l4_csum(_pseudo6(src, dst, 17, len(seg)),
                                       seg, 6))


def icmp6(src, dst, typ, code, body, hlim=255):
    seg = struct.pack("!BBH", typ, code, 0) + body
    return ipv6(src, dst, 58, _l4_csum(_pseudo6(src, dst, 58, len(seg)),
                                       seg, 2), hlim)


def arp(op, sha, spa, tha, tpa):
    return (struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac(sha)
            + socket.inet_aton(spa) + mac(tha) + socket.inet_aton(tpa))


def send(iface, frame, count=1):
    """Sends 'frame' 'count' times out of 'iface' (AF_PACKET)."""
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        for _ in range(int(count)):
            s.send(frame)


def if_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def pcap_frames(path):
    """The frames of a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    ofs = 24
    while ofs + 16 <= len(data):
        incl = struct.unpack(endian + "IIII", data[ofs:ofs + 16])[2]
        yield data[ofs + 16:ofs + 16 + incl]
        ofs += 16 + incl
