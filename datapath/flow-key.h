/*
 * flow-key: the datapath's fixed-layout description of a packet.
 *
 * A PMD thread parses each received packet exactly once into a struct
 * dp_flow_key.  The key is what the caches (exact-match and megaflow) will be
 * indexed by, and what the datapath hands to the pipeline on an upcall.  Its
 * layout is fixed and padding-free so that keys can be hashed and compared
 * as arrays of 64-bit words, and masked word by word.
 *
 * Parsing never reads past the end of the buffer: a truncated or malformed
 * packet gets the fields that parsed so far, the rest zero, and
 * 'parse_flags' tells how far parsing got.
 *
 * Multi-byte fields are in network byte order, as on the wire.
 *
 * Thread-safety: pure functions, any thread.  No DPDK or Open vSwitch types,
 * so both sides of the upcall interface may include this header.
 */
#ifndef DP_FLOW_KEY_H
#define DP_FLOW_KEY_H 1

#include <stddef.h>
#include <stdint.h>

/* dp_flow_key.parse_flags. */
enum {
    DP_KEY_L2 = 1 << 0,         /* Ethernet header complete. */
    DP_KEY_L3 = 1 << 1,         /* IPv4/IPv6/ARP header complete. */
    DP_KEY_L4 = 1 << 2,         /* TCP/UDP/SCTP/ICMP ports or type/code. */
    DP_KEY_FRAG = 1 << 3,       /* IP fragment (any). */
    DP_KEY_LATER_FRAG = 1 << 4, /* Non-first fragment: no L4 header. */
    DP_KEY_TRUNCATED = 1 << 5,  /* Ended early or malformed. */
};

struct dp_flow_key {
    /* Metadata. */
    uint32_t in_port;           /* Datapath port number. */
    uint16_t parse_flags;       /* DP_KEY_*. */
    uint16_t pad0;

    /* L2. */
    uint8_t dl_dst[6];
    uint8_t dl_src[6];
    uint16_t dl_type;           /* Ethertype after VLAN tags. */
    uint16_t vlan_tci[2];       /* Outer, inner; 0 if untagged. */
    uint16_t pad1;

    /* L3: IPv4 addresses in the low 4 bytes of nw_src/nw_dst (as
     * uint32_t-aligned words); IPv6 in all 16.  ARP uses nw_src/nw_dst for
     * SPA/TPA and arp_sha/arp_tha. */
    uint8_t nw_src[16];
    uint8_t nw_dst[16];
    uint8_t nw_proto;           /* IP protocol, or ARP opcode low byte. */
    uint8_t nw_tos;             /* DSCP and ECN. */
    uint8_t nw_ttl;
    uint8_t pad2;
    uint8_t arp_sha[6];
    uint8_t arp_tha[6];

    /* L4. */
    uint16_t tp_src;            /* Port, or ICMP type in the low byte. */
    uint16_t tp_dst;            /* Port, or ICMP code in the low byte. */
    uint32_t pad3;
};

/* Parses the 'len' bytes at 'data' (the start of an Ethernet frame)
 * received on datapath port 'in_port' into '*key'. */
void dp_flow_key_extract(const void *data, size_t len, uint32_t in_port,
                         struct dp_flow_key *key);

#endif /* flow-key.h */
