#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What a hostile (or a plain DHCP) guest sends, for test-port-security.sh.

    spoof.py IFACE KIND [ARGS...]

KIND and its ARGS:
    mac SRC_MAC DST_IP SRC_IP PORT     UDP datagram from another MAC
    garp MAC IP                        gratuitous ARP: IP is at MAC
    ip4 SRC_IP DST_IP PORT             UDP datagram from an IPv4 source
    ip6 SRC_IP DST_IP PORT             UDP datagram from an IPv6 source
    na TARGET                          unsolicited neighbour advertisement
                                       from IFACE's link-local address:
                                       TARGET is at IFACE's MAC
    ra                                 router advertisement, from there
    dhcp-offer SRC_IP                  DHCP server reply (67 -> 68)
    dhcp-discover                      DHCP client request from 0.0.0.0
    dhcp-ack SRC_IP CHADDR YIADDR LEASE
                                       DHCPACK from a server at SRC_IP:
                                       YIADDR leased to MAC CHADDR for
                                       LEASE seconds, to that MAC
    dhcp-nak SRC_IP CHADDR             DHCPNAK to MAC CHADDR
    dhcp6-reply DST_MAC DST_IP ADDR VALID
                                       DHCPv6 Reply from IFACE's link-local
                                       address to DST_IP at DST_MAC: one
                                       IA_NA with ADDR, valid VALID seconds
    dhcp6-pd-reply DST_MAC DST_IP PREFIX/LEN VALID
                                       the same with one IA_PD delegating
                                       PREFIX/LEN instead
    dhcp-release SRC_IP SERVER_IP      DHCPRELEASE of SRC_IP (ciaddr) from
                                       there to the server, as a client
    dhcp6-release ADDR                 DHCPv6 Release of ADDR (one IA_NA)
                                       from IFACE's link-local address to
                                       ff02::1:2, as a client
    dhcp6-pd-release PREFIX/LEN        the same for a delegated prefix
                                       (one IA_PD)

Each is sent COUNT times (environment; default 5), from IFACE's own MAC
unless the kind says otherwise, to the broadcast (IPv6: all-nodes) MAC.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames as F  # noqa: E402

BCAST = "ff:ff:ff:ff:ff:ff"
ALL_NODES = "33:33:00:00:00:01"


def dhcp(op, chaddr, msg_type):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0,
                        0x12345678, 0, 0x8000, b"\0" * 4, b"\0" * 4,
                        b"\0" * 4, b"\0" * 4, F.mac(chaddr) + b"\0" * 10,
                        b"", b"")
    return bootp + bytes([99, 130, 83, 99, 53, 1, msg_type, 255])


def dhcp_reply(chaddr, yiaddr, msg_type, lease=None):
    """A BOOTREPLY: 'yiaddr' for 'chaddr', DHCP message 'msg_type', with
    a lease time option if 'lease' is given."""
    import socket
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0,
                        0x12345678, 0, 0, b"\0" * 4,
                        socket.inet_aton(yiaddr), b"\0" * 4, b"\0" * 4,
                        F.mac(chaddr) + b"\0" * 10, b"", b"")
    opts = bytes([99, 130, 83, 99, 53, 1, msg_type])
    if lease is not None:
        opts += bytes([51, 4]) + struct.pack("!I", lease)
    return bootp + opts + bytes([255])


def dhcp_release(chaddr, ciaddr):
    """A client's DHCPRELEASE of 'ciaddr' (RFC 2131, 4.4.6)."""
    import socket
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0,
                        0x12345678, 0, 0, socket.inet_aton(ciaddr),
                        b"\0" * 4, b"\0" * 4, b"\0" * 4,
                        F.mac(chaddr) + b"\0" * 10, b"", b"")
    return bootp + bytes([99, 130, 83, 99, 53, 1, 7, 255])


def dhcp6_ia_na(addr, valid):
    """An IA_NA option holding 'addr' for 'valid' s."""
    import socket
    iaaddr = (socket.inet_pton(socket.AF_INET6, addr)
              + struct.pack("!II", valid // 2, valid))
    ia = struct.pack("!III", 1, 0, 0) + struct.pack("!HH", 5, 24) + iaaddr
    return struct.pack("!HH", 3, len(ia)) + ia


def dhcp6_ia_pd(prefix, valid):
    """An IA_PD option delegating 'prefix' ("ADDR/LEN") for 'valid' s."""
    import socket
    addr, plen = prefix.split("/")
    iaprefix = (struct.pack("!IIB", valid // 2, valid, int(plen))
                + socket.inet_pton(socket.AF_INET6, addr))
    ia = (struct.pack("!III", 1, 0, 0)
          + struct.pack("!HH", 26, len(iaprefix)) + iaprefix)
    return struct.pack("!HH", 25, len(ia)) + ia


def dhcp6_ia(addr, valid):
    """An IA_PD for a prefix ("ADDR/LEN"), else an IA_NA."""
    return (dhcp6_ia_pd(addr, valid) if "/" in addr
            else dhcp6_ia_na(addr, valid))


def dhcp6_reply(addr, valid):
    """A DHCPv6 Reply with one IA_NA holding 'addr' (or one IA_PD
    delegating prefix 'addr') for 'valid' s."""
    return (bytes([7, 0x12, 0x34, 0x56])
            + struct.pack("!HH", 13, 2) + struct.pack("!H", 0)  # Success.
            + dhcp6_ia(addr, valid))


def dhcp6_release(addr):
    """A client's Release of 'addr' or prefix (RFC 8415, 18.2.7:
    lifetimes 0)."""
    return bytes([8, 0x12, 0x34, 0x57]) + dhcp6_ia(addr, 0)


def lla(m):
    """The link-local address SLAAC makes of MAC 'm' (EUI-64)."""
    b = bytearray(F.mac(m))
    b[0] ^= 2
    eui = bytes(b[:3]) + b"\xff\xfe" + bytes(b[3:])
    return "fe80::" + ":".join("%x" % int.from_bytes(eui[i:i + 2], "big")
                               for i in range(0, 8, 2))


def frame(me, kind, args):
    if kind == "mac":
        src, dst_ip, src_ip, port = args
        return F.eth(BCAST, src, 0x0800,
                     F.udp4(src_ip, dst_ip, int(port), int(port), b"spoof"))
    if kind == "garp":
        m, ip = args
        return F.eth(BCAST, me, 0x0806, F.arp(2, m, ip, BCAST, ip))
    if kind == "ip4":
        src, dst, port = args
        return F.eth(BCAST, me, 0x0800,
                     F.udp4(src, dst, int(port), int(port), b"spoof"))
    if kind == "ip6":
        src, dst, port = args
        return F.eth(ALL_NODES, me, 0x86DD,
                     F.udp6(src, dst, int(port), int(port), b"spoof"))
    if kind == "na":
        (target,) = args
        import socket
        body = (struct.pack("!I", 0x20000000)       # Override.
                + socket.inet_pton(socket.AF_INET6, target)
                + bytes([2, 1]) + F.mac(me))        # Target link-layer.
        return F.eth(ALL_NODES, me, 0x86DD,
                     F.icmp6(lla(me), "ff02::1", 136, 0, body))
    if kind == "ra":
        body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
        return F.eth(ALL_NODES, me, 0x86DD,
                     F.icmp6(lla(me), "ff02::1", 134, 0, body))
    if kind == "dhcp-offer":
        (src,) = args
        return F.eth(BCAST, me, 0x0800,
                     F.udp4(src, "255.255.255.255", 67, 68,
                            dhcp(2, me, 2)))
    if kind == "dhcp-ack":
        src, chaddr, yiaddr, lease = args
        return F.eth(chaddr, me, 0x0800,
                     F.udp4(src, yiaddr, 67, 68,
                            dhcp_reply(chaddr, yiaddr, 5, int(lease))))
    if kind == "dhcp-nak":
        src, chaddr = args
        return F.eth(chaddr, me, 0x0800,
                     F.udp4(src, "255.255.255.255", 67, 68,
                            dhcp_reply(chaddr, "0.0.0.0", 6)))
    if kind in ("dhcp6-reply", "dhcp6-pd-reply"):
        dst_mac, dst_ip, addr, valid = args
        return F.eth(dst_mac, me, 0x86DD,
                     F.udp6(lla(me), dst_ip, 547, 546,
                            dhcp6_reply(addr, int(valid))))
    if kind == "dhcp-release":
        src, server = args
        return F.eth(BCAST, me, 0x0800,
                     F.udp4(src, server, 68, 67, dhcp_release(me, src)))
    if kind in ("dhcp6-release", "dhcp6-pd-release"):
        (addr,) = args
        return F.eth("33:33:00:01:00:02", me, 0x86DD,
                     F.udp6(lla(me), "ff02::1:2", 546, 547,
                            dhcp6_release(addr)))
    if kind == "dhcp-discover":
        return F.eth(BCAST, me, 0x0800,
                     F.udp4("0.0.0.0", "255.255.255.255", 68, 67,
                            dhcp(1, me, 1)))
    sys.exit("spoof.py: unknown kind " + kind)


def main(argv):
    iface, kind = argv[1], argv[2]
    F.send(iface, frame(F.if_mac(iface), kind, argv[3:]),
           os.environ.get("COUNT", "5"))


if __name__ == "__main__":
    main(sys.argv)
