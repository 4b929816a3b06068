/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-actions: the datapath's closed set of actions.
 *
 * The pipeline (switchd/) translates OpenFlow actions into a struct
 * dp_actions; a PMD thread executes it, in order: an output sends the
 * packet as the actions before it have left it, so a list can output a
 * packet tagged to one port and untagged to another.  Ports are datapath
 * port numbers, never OpenFlow port numbers.  An empty list drops the
 * packet.
 *
 * Plain C: both sides of the upcall interface include this header.
 */
#ifndef DP_ACTIONS_H
#define DP_ACTIONS_H 1

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define DP_MAX_PORTS 256          /* Datapath port numbers 0..255. */
/* A flood may pop or push a VLAN tag before each output. */
#define DP_MAX_ACTIONS (3 * DP_MAX_PORTS + 16)

enum dp_action_type {
    DP_ACTION_OUTPUT,             /* Send a copy to 'port'. */
    DP_ACTION_PUSH_VLAN,          /* Push a tag with 'tci' and TPID 'port'
                                   * (0x8100 or 0x88a8; 0 means 0x8100). */
    DP_ACTION_POP_VLAN,           /* Remove the outer VLAN tag (0x8100 or
                                   * 0x88a8), if any. */
    DP_ACTION_CONTROLLER,         /* Queue a copy to the main thread, with
                                   * 'arg' (see dp_packet_in_recv()). */
    DP_ACTION_SET_VLAN,           /* Outer tag's TCI bits in 'vlan.mask'
                                   * become those of 'vlan.tci'. */
    DP_ACTION_SET_ETH_SRC,        /* 'mac'. */
    DP_ACTION_SET_ETH_DST,
    DP_ACTION_SET_IPV4_SRC,       /* 'be32', with L4 checksum update. */
    DP_ACTION_SET_IPV4_DST,
    DP_ACTION_SET_IP_TOS,         /* IPv4 TOS / IPv6 traffic class bits in
                                   * 'u8[1]' become those of 'u8[0]'. */
    DP_ACTION_SET_IP_TTL,         /* IPv4 TTL / IPv6 hop limit: 'u8[0]'. */
    DP_ACTION_SET_TP_SRC,         /* TCP/UDP/SCTP port: 'be16'. */
    DP_ACTION_SET_TP_DST,
    DP_ACTION_METER,              /* Police with meter 'arg': a packet over
                                   * its rate is dropped here. */
    DP_ACTION_PUSH_MPLS,          /* Push label stack entry 'be32' after the
                                   * VLAN tags; the Ethertype becomes
                                   * 'port' (host order). */
    DP_ACTION_POP_MPLS,           /* Pop the top label stack entry; the
                                   * Ethertype becomes 'port'. */
    DP_ACTION_SET_MPLS_LSE,       /* Label stack entry 'port' (0: the
                                   * top one, 1: the one beneath...)
                                   * becomes 'be32', if the stack is that
                                   * deep. */
    DP_ACTION_SET_IPV6_WORD,      /* Word 'port' & 3 of the IPv6 source
                                   * ('port' < 4) or destination address
                                   * becomes 'be32', with L4 checksum
                                   * update. */
    DP_ACTION_SET_IPV6_LABEL,     /* The flow label becomes 'be32' (low 20
                                   * bits). */
    DP_ACTION_SET_ARP,            /* ARP field 'port' (enum dp_arp_field)
                                   * becomes 'be16', 'be32' or 'mac'. */
    DP_ACTION_SET_ICMP,           /* ICMP or ICMPv6 type ('port' 0) or code
                                   * ('port' 1) becomes 'u8[0]', with the
                                   * checksum updated. */
    DP_ACTION_SET_ND,             /* Neighbour discovery field 'port' (enum
                                   * dp_nd_field) of an ICMPv6 NS or NA
                                   * becomes 'be32' or 'mac', with the
                                   * ICMPv6 checksum updated. */
    DP_ACTION_DROP,               /* Drop, counted against the input port
                                   * with reason 'arg' (enum
                                   * dp_drop_reason).  Alone in its list. */
    DP_ACTION_SET_ETH_TYPE,       /* The Ethertype after the VLAN tags
                                   * becomes 'be16'. */
    DP_ACTION_SET_IP_PROTO,       /* The IPv4 protocol, or the IPv6 header
                                   * chain's last next header, becomes
                                   * 'u8[0]', with the IPv4 header checksum
                                   * and the L4 checksum's pseudo-header
                                   * part updated (the L4 header stays as
                                   * it is). */
    DP_ACTION_SET_MPLS_IP_TTL,    /* The TTL (hop limit) of the IPv4 (IPv6)
                                   * packet beneath the MPLS label stack
                                   * becomes 'u8[0]' (copy_ttl_in). */
    DP_ACTION_PUSH_PBB,           /* 802.1ah: the frame becomes the
                                   * customer frame behind a new backbone
                                   * header with its MAC addresses, type
                                   * 'port' (0x88e7) and the I-TAG TCI
                                   * 'be32'. */
    DP_ACTION_POP_PBB,            /* The backbone header, its tags and the
                                   * I-TAG go: the customer frame is left.
                                   * Not a PBB frame: left alone. */
    DP_ACTION_SET_PBB_ITAG,       /* A PBB frame's I-TAG TCI (PCP, DEI, UCA,
                                   * I-SID) becomes 'be32'. */
    DP_ACTION_OUTPUT_QUEUE,       /* Send a copy to 'port' through the
                                   * queue policed by meter 'arg': a packet
                                   * over its rate is not sent (counted by
                                   * the meter); the actions go on. */
};

/* Why a packet was dropped on its way in, counted per port. */
enum dp_drop_reason {
    DP_DROP_SPOOF_MAC,            /* Source MAC not the port's. */
    DP_DROP_SPOOF_ARP,            /* ARP for an address not the port's. */
    DP_DROP_SPOOF_IP,             /* IPv4/IPv6 source not the port's. */
    DP_DROP_SPOOF_ND,             /* Neighbour advertisement for an address
                                   * or with a MAC not the port's. */
    DP_DROP_ROGUE,                /* Router advertisement, redirect or DHCP
                                   * server reply from a guest. */
    DP_DROP_RATE,                 /* Over the port's ingress rate. */
    DP_N_DROP_REASONS
};

/* "spoof-mac", ...: names for counters and messages. */
static inline const char *
dp_drop_reason_name(unsigned int r)
{
    static const char *const names[DP_N_DROP_REASONS] = {
        [DP_DROP_SPOOF_MAC] = "spoof-mac",
        [DP_DROP_SPOOF_ARP] = "spoof-arp",
        [DP_DROP_SPOOF_IP] = "spoof-ip",
        [DP_DROP_SPOOF_ND] = "spoof-nd",
        [DP_DROP_ROGUE] = "rogue-server",
        [DP_DROP_RATE] = "rate",
    };
    return r < DP_N_DROP_REASONS ? names[r] : "?";
}

enum dp_nd_field {
    DP_ND_TARGET0,                /* Target address words 0-3: 'be32'. */
    DP_ND_TARGET1,
    DP_ND_TARGET2,
    DP_ND_TARGET3,
    DP_ND_SLL,                    /* The source link-layer address option
                                   * (if the message has one): 'mac'. */
    DP_ND_TLL,                    /* The target link-layer address option:
                                   * 'mac'. */
};

enum dp_arp_field {
    DP_ARP_OP,                    /* 'be16'. */
    DP_ARP_SHA,                   /* 'mac'. */
    DP_ARP_SPA,                   /* 'be32'. */
    DP_ARP_THA,                   /* 'mac'. */
    DP_ARP_TPA,                   /* 'be32'. */
};

/* Flags of a megaflow, set by the pipeline on the upcall. */
enum {
    DP_MF_LEARN = 1 << 0,         /* Decision used MAC learning: refresh it
                                   * while used, drop on MAC-table change. */
};

struct dp_action {
    uint16_t type;                /* enum dp_action_type. */
    uint16_t port;                /* DP_ACTION_OUTPUT: datapath port. */
    union {
        uint16_t tci;             /* DP_ACTION_PUSH_VLAN: PCP, DEI, VID
                                   * (host byte order). */
        struct {
            uint16_t tci, mask;   /* Host byte order. */
        } vlan;
        uint32_t arg;             /* DP_ACTION_CONTROLLER. */
        uint8_t mac[6];
        uint32_t be32;            /* Network byte order. */
        uint16_t be16;            /* Network byte order. */
        uint8_t u8[2];
    };
};

struct dp_actions {
    uint16_t n;
    struct dp_action a[DP_MAX_ACTIONS];
};

static inline void
dp_actions_init(struct dp_actions *acts)
{
    acts->n = 0;
}

/* Appends an output to 'port'; returns 0, or ENOSPC when full. */
static inline int
dp_actions_output(struct dp_actions *acts, uint16_t port)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return ENOSPC;
    }
    acts->a[acts->n].type = DP_ACTION_OUTPUT;
    acts->a[acts->n].port = port;
    acts->n++;
    return 0;
}

static inline struct dp_action *dp_actions_put(struct dp_actions *,
                                               enum dp_action_type);

/* Appends an output to 'port' through the queue policed by meter slot
 * 'slot'; returns 0, or ENOSPC when full. */
static inline int
dp_actions_output_queue(struct dp_actions *acts, uint16_t port,
                        uint32_t slot)
{
    struct dp_action *a = dp_actions_put(acts, DP_ACTION_OUTPUT_QUEUE);
    if (!a) {
        return ENOSPC;
    }
    a->port = port;
    a->arg = slot;
    return 0;
}

/* Whether 'a' sends the packet to a port (with or without a queue). */
static inline int
dp_action_is_output(const struct dp_action *a)
{
    return a->type == DP_ACTION_OUTPUT || a->type == DP_ACTION_OUTPUT_QUEUE;
}

static inline struct dp_action *
dp_actions_put(struct dp_actions *acts, enum dp_action_type type)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return NULL;
    }
    struct dp_action *a = &acts->a[acts->n++];
    memset(a, 0, sizeof *a);
    a->type = type;
    return a;
}

/* Pushes a VLAN tag with TPID 'tpid' (0x8100 or 0x88a8) and 'tci'. */
static inline int
dp_actions_push_tag(struct dp_actions *acts, uint16_t tpid, uint16_t tci)
{
    struct dp_action *a = dp_actions_put(acts, DP_ACTION_PUSH_VLAN);

    if (!a) {
        return ENOSPC;
    }
    a->tci = tci;
    a->port = tpid;
    return 0;
}

/* Pushes an 802.1Q tag (TPID 0x8100) with 'tci'. */
static inline int
dp_actions_push_vlan(struct dp_actions *acts, uint16_t tci)
{
    return dp_actions_push_tag(acts, 0x8100, tci);
}

static inline int
dp_actions_pop_vlan(struct dp_actions *acts)
{
    return dp_actions_put(acts, DP_ACTION_POP_VLAN) ? 0 : ENOSPC;
}

static inline int
dp_actions_meter(struct dp_actions *acts, uint32_t slot)
{
    struct dp_action *a = dp_actions_put(acts, DP_ACTION_METER);
    if (!a) {
        return ENOSPC;
    }
    a->arg = slot;
    return 0;
}

static inline int
dp_actions_controller(struct dp_actions *acts, uint32_t arg)
{
    struct dp_action *a = dp_actions_put(acts, DP_ACTION_CONTROLLER);
    if (!a) {
        return ENOSPC;
    }
    a->arg = arg;
    return 0;
}

/* Whether 'acts' changes packets (else every output shares the mbuf). */
static inline int
dp_actions_modify(const struct dp_action *a, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        if (a[i].type != DP_ACTION_OUTPUT) {
            return 1;
        }
    }
    return 0;
}

#endif /* dp-actions.h */
