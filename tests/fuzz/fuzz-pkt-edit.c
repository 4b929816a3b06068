/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pkt-edit: libFuzzer target for datapath/pkt-edit.c, the header
 * rewrites (DP_ACTION_SET_*) the datapath applies to packets.
 *
 * Input:
 *
 *   byte 0      flags: FL_FIX (set every checksum right before the
 *               edits), FL_PARTIAL (the frame's TCP/UDP checksum is
 *               partial, as a guest hands it over: see dp-offload.h);
 *               the high nibble is the number of edits, 0-15
 *   8 bytes     per edit: kind, argument, 6 bytes of value
 *   the rest    the Ethernet frame
 *
 * An edit is a datapath action given to pkt_edit() as it is (any type,
 * the set actions and the others, which it must refuse), or one of the
 * edits done elsewhere that change the frame's layout or feed pkt_edit()
 * (push/pop VLAN and MPLS as pmd.c does them, dec_ttl as the pipeline
 * translates it: a SET_IP_TTL of the TTL less one), so that a sequence
 * of rewrites meets tags, label stacks and moved headers.
 *
 * Before and after every edit the harness parses the frame itself (its
 * own parser and checksum code, nothing from pkt-edit.c) and checks:
 *
 *   - pkt_edit() writes only inside the frame (each frame lies in a heap
 *     block of exactly its length, for AddressSanitizer);
 *   - it returns true exactly for the set actions, and leaves the frame
 *     alone otherwise;
 *   - on a frame whose headers are complete, the edit did what its action
 *     says and nothing else: the expected frame is computed independently
 *     and compared byte for byte, the checksum fields aside;
 *   - checksums: a well-formed IPv4/IPv6 + TCP/UDP/ICMP frame whose IP
 *     header checksum and L4 checksum verified before the edit still
 *     verify after it, from scratch; a UDP checksum of zero (none) stays
 *     zero; a partial checksum still holds exactly the new pseudo-header's
 *     sum.  And for every frame, well-formed or not, an incremental update
 *     must keep the one's-complement sum of everything a checksum covers
 *     unchanged (RFC 1624), which also holds for checksums that were wrong
 *     before, for first fragments, and for transport headers behind IPv6
 *     extension headers;
 *   - pkt_l3_offset() agrees with the harness's parser, and
 *     pkt_clamp_ip_len() touches nothing but the IP length (of the header
 *     the flow key parses: after tags, LLC/SNAP or MPLS labels), lowers
 *     it to the bytes at hand when the whole frame holds it, and leaves a
 *     length beyond the frame alone.
 *
 * Not covered: the mbuf handling in pmd.c (rte_vlan_insert(),
 * rte_vlan_strip() and pmd_mpls() are static or DPDK's and need a
 * mempool: the harness does the same byte moves itself), and
 * dp-offload.c's checksum completion and segmentation.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/pkt-edit.h"

enum {
    FL_FIX = 1 << 0,
    FL_PARTIAL = 1 << 1,
};

#define OP_SIZE 8

/* Edits beyond the datapath action types (which take kinds 0-23, and
 * 30-32 for the set actions past 23). */
enum {
    OP_DEC_TTL = 24,
    OP_PUSH_VLAN,
    OP_POP_VLAN,
    OP_PUSH_MPLS,
    OP_POP_MPLS,
    OP_CLAMP,
    OP_SET_IP_PROTO,            /* DP_ACTION_SET_IP_PROTO. */
    OP_SET_MPLS_IP_TTL,         /* DP_ACTION_SET_MPLS_IP_TTL. */
    OP_SET_PBB_ITAG,            /* DP_ACTION_SET_PBB_ITAG. */
    OP_N = 33,
};

/* ---- Frames ------------------------------------------------------- */

/* A frame in a heap block of exactly 'len' bytes. */
struct frame {
    uint8_t *p;
    uint32_t len;
};

static void
frame_set(struct frame *f, const uint8_t *data, uint32_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    memcpy(p, data, len);
    free(f->p);
    f->p = p;
    f->len = len;
}

static uint16_t
rd16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
hexdump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "%s (%zu bytes):", what, n);
    for (size_t i = 0; i < n && i < 512; i++) {
        fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
    }
    fprintf(stderr, "%s\n", n > 512 ? " ..." : "");
}

static int cur_op;              /* For messages. */
static const char *cur_name;

static void __attribute__((noreturn))
fail(const char *why, const struct frame *before, const struct frame *after)
{
    fprintf(stderr, "fuzz-pkt-edit: edit %d (%s): %s\n", cur_op, cur_name,
            why);
    hexdump("before", before->p, before->len);
    if (after) {
        hexdump("after", after->p, after->len);
    }
    abort();
}

/* ---- The harness's own parser -------------------------------------- */

enum l4_csum {
    CS_NONE,                    /* No checksum there or not reachable. */
    CS_TCP,                     /* TCP, UDP: pseudo-header + segment. */
    CS_UDP,
    CS_ICMP4,                   /* Segment only. */
    CS_ICMP6,                   /* Pseudo-header + segment. */
};

struct layout {
    uint32_t l3;                /* Offset of the L3 header; 0: none. */
    uint16_t type;              /* Ethertype there. */
    int ip;                     /* 4 or 6 if the IP header is complete and
                                 * its length fits the frame, else 0. */
    uint32_t ip_end;            /* Offset just past the IP packet. */
    uint32_t ihl;               /* IPv4 header length. */
    bool frag, later;           /* Fragment; not the first one. */
    bool opaque;                /* IPv6 routing header or AH: the L4
                                 * checksum's pseudo-header is not what
                                 * the fixed header says. */
    uint8_t proto;              /* L4 protocol, past extension headers. */
    uint32_t l4;                /* Offset of the L4 header; 0: none. */
    bool l4_direct;             /* Right after the fixed header. */
    uint32_t l4_len;            /* ip_end - l4. */
    enum l4_csum cs;            /* Checksum kind if its field is inside the
                                 * IP packet. */
    uint32_t cs_off;            /* Offset of the L4 checksum field. */
    bool whole;                 /* The L4 checksum covers exactly the
                                 * bytes at hand: verifiable from scratch. */
};

static bool
is_tag(uint16_t t)
{
    return t == 0x8100 || t == 0x88a8;
}

/* Finds the L4 header of the IPv6 packet at 'lo->l3', through hop-by-hop,
 * destination, routing, fragment and AH headers. */
static void
parse_ipv6_chain(const uint8_t *p, struct layout *lo)
{
    uint8_t nh = p[lo->l3 + 6];
    uint32_t off = lo->l3 + 40;

    for (;;) {
        if (nh != 0 && nh != 60 && nh != 43 && nh != 44 && nh != 51) {
            break;
        }
        if (off + 8 > lo->ip_end) {
            return;             /* Truncated chain: no L4. */
        }
        uint32_t hlen = nh == 51 ? (p[off + 1] + 2u) * 4
                        : nh == 44 ? 8 : (p[off + 1] + 1u) * 8;
        if (nh == 44) {
            uint16_t offlg = rd16(p + off + 2);
            lo->frag = true;
            if (offlg & 0xfff8) {
                lo->later = true;
                return;
            }
        } else if (nh == 43 || nh == 51) {
            lo->opaque = true;
        }
        if (off + hlen > lo->ip_end) {
            return;
        }
        nh = p[off];
        off += hlen;
    }
    lo->proto = nh;
    lo->l4 = off;
    lo->l4_direct = off == lo->l3 + 40;
}

static void
parse_l4(const uint8_t *p, struct layout *lo)
{
    uint32_t n = lo->l4_len = lo->ip_end - lo->l4;

    switch (lo->proto) {
    case 6:
        if (n >= 20) {
            lo->cs = CS_TCP;
            lo->cs_off = lo->l4 + 16;
        }
        break;
    case 17:
        if (n >= 8) {
            lo->cs = CS_UDP;
            lo->cs_off = lo->l4 + 6;
        }
        break;
    case 1:
        if (lo->ip == 4 && n >= 4) {
            lo->cs = CS_ICMP4;
            lo->cs_off = lo->l4 + 2;
        }
        break;
    case 58:
        if (lo->ip == 6 && n >= 4) {
            lo->cs = CS_ICMP6;
            lo->cs_off = lo->l4 + 2;
        }
        break;
    }
    lo->whole = lo->cs != CS_NONE && !lo->frag && !lo->opaque
                && (lo->cs != CS_UDP || rd16(p + lo->l4 + 4) == n);
}

static void
parse(const uint8_t *p, uint32_t len, struct layout *lo)
{
    uint32_t ofs = 12;

    memset(lo, 0, sizeof *lo);
    for (int tags = 0; ; tags++) {
        if (len < ofs + 2) {
            return;
        }
        if (tags < 2 && is_tag(rd16(p + ofs))) {
            ofs += 4;
            continue;
        }
        break;
    }
    lo->l3 = ofs + 2;
    lo->type = rd16(p + ofs);

    const uint8_t *ip = p + lo->l3;
    if (lo->type == 0x0800 && len >= lo->l3 + 20 && ip[0] >> 4 == 4) {
        uint32_t ihl = (ip[0] & 0xf) * 4, tot = rd16(ip + 2);
        if (ihl >= 20 && tot >= ihl && lo->l3 + tot <= len) {
            uint16_t frag = rd16(ip + 6);
            lo->ip = 4;
            lo->ihl = ihl;
            lo->ip_end = lo->l3 + tot;
            lo->frag = (frag & 0x3fff) != 0;
            lo->later = (frag & 0x1fff) != 0;
            lo->proto = ip[9];
            if (!lo->later) {
                lo->l4 = lo->l3 + ihl;
                lo->l4_direct = true;
            }
        }
    } else if (lo->type == 0x86dd && len >= lo->l3 + 40
               && ip[0] >> 4 == 6) {
        uint32_t plen = rd16(ip + 4);
        if (lo->l3 + 40 + plen <= len) {
            lo->ip = 6;
            lo->ip_end = lo->l3 + 40 + plen;
            parse_ipv6_chain(p, lo);
        }
    }
    if (lo->l4) {
        parse_l4(p, lo);
    }
}

/* ---- Checksums, the harness's own ----------------------------------- */

/* Sum of the big-endian 16-bit words of 'n' bytes, not folded. */
static uint64_t
sum_words(const uint8_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        s += rd16(p + i);
    }
    if (n & 1) {
        s += p[n - 1] << 8;
    }
    return s;
}

/* One's-complement (end-around carry) folding to 16 bits. */
static uint16_t
fold(uint64_t s)
{
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return s;
}

/* The pseudo-header's sum (addresses, protocol, L4 length). */
static uint64_t
pseudo_sum(const uint8_t *p, const struct layout *lo)
{
    const uint8_t *ip = p + lo->l3;
    uint8_t proto = lo->cs == CS_ICMP6 ? 58 : lo->cs == CS_UDP ? 17 : 6;

    if (lo->ip == 4) {
        return sum_words(ip + 12, 8) + proto + lo->l4_len;
    }
    return sum_words(ip + 8, 32) + proto + (lo->l4_len >> 16)
           + (lo->l4_len & 0xffff);
}

/* Sum of everything the L4 checksum covers, its field included. */
static uint64_t
l4_sum(const uint8_t *p, const struct layout *lo)
{
    uint64_t s = sum_words(p + lo->l4, lo->l4_len);
    return lo->cs == CS_ICMP4 ? s : s + pseudo_sum(p, lo);
}

static bool
ip4_hdr_ok(const uint8_t *p, const struct layout *lo)
{
    return fold(sum_words(p + lo->l3, lo->ihl)) == 0xffff;
}

/* What a receiver would find of the L4 checksum. */
enum l4_state {
    L4_UNKNOWN,                 /* Not verifiable, or wrong. */
    L4_OK,                      /* Verifies from scratch. */
    L4_NONE,                    /* UDP over IPv4 without a checksum. */
    L4_PARTIAL_OK,              /* Partial: the pseudo-header's sum. */
};

static bool
partial_applies(const struct layout *lo)
{
    return (lo->cs == CS_TCP || lo->cs == CS_UDP) && lo->l4_direct
           && !lo->frag;
}

static enum l4_state
l4_state(const uint8_t *p, const struct layout *lo, bool partial)
{
    if (!lo->ip || lo->cs == CS_NONE) {
        return L4_UNKNOWN;
    }
    uint16_t field = rd16(p + lo->cs_off);
    if (partial) {
        /* 0 and 0xffff are the same one's-complement number. */
        uint16_t want = fold(pseudo_sum(p, lo));
        return partial_applies(lo) && field % 0xffff == want % 0xffff
               ? L4_PARTIAL_OK : L4_UNKNOWN;
    }
    if (lo->cs == CS_UDP && !field) {
        return lo->ip == 4 ? L4_NONE : L4_UNKNOWN;
    }
    return lo->whole && fold(l4_sum(p, lo)) == 0xffff ? L4_OK : L4_UNKNOWN;
}

/* Sets the checksums of the frame right, as its sender would have. */
static void
fix_checksums(uint8_t *p, uint32_t len, bool partial)
{
    struct layout lo;

    parse(p, len, &lo);
    if (lo.ip == 4) {
        wr16(p + lo.l3 + 10, 0);
        wr16(p + lo.l3 + 10, ~fold(sum_words(p + lo.l3, lo.ihl)));
    }
    if (!lo.ip || lo.cs == CS_NONE) {
        return;
    }
    if (partial && partial_applies(&lo)) {
        wr16(p + lo.cs_off, fold(pseudo_sum(p, &lo)));
    } else if (lo.whole) {
        wr16(p + lo.cs_off, 0);
        uint16_t c = ~fold(l4_sum(p, &lo));
        if (lo.cs == CS_UDP && !c) {
            c = 0xffff;
        }
        wr16(p + lo.cs_off, c);
    }
}

/* The one's-complement sum, modulo 0xffff (where 0 and 0xffff are one
 * number), of what an incremental update must keep: everything a checksum
 * covers that an edit may change, plus its field.  For a partial checksum
 * the field follows the pseudo-header instead, so the sum is field minus
 * addresses.  Returns false if there is no such checksum. */
static bool
l4_invariant(const uint8_t *p, const struct layout *lo, bool partial,
             uint32_t *inv)
{
    if (!lo->ip || lo->cs == CS_NONE || lo->opaque) {
        return false;
    }
    const uint8_t *ip = p + lo->l3;
    uint64_t addrs = lo->ip == 4 ? sum_words(ip + 12, 8)
                                 : sum_words(ip + 8, 32);
    uint64_t field = rd16(p + lo->cs_off);

    if (partial && partial_applies(lo)) {
        *inv = (field % 0xffff + 0xffff - addrs % 0xffff) % 0xffff;
        return true;
    }
    if (lo->cs == CS_UDP && !field) {
        return false;           /* No checksum. */
    }
    uint64_t s = field + rd16(p + lo->l4);      /* Type and code. */
    if (lo->cs == CS_TCP || lo->cs == CS_UDP) {
        s += rd16(p + lo->l4 + 2) + addrs;      /* Ports. */
    } else if (lo->cs == CS_ICMP6) {
        /* And the body, which SET_ND rewrites (the target, the
         * link-layer address options). */
        s += addrs + sum_words(p + lo->l4 + 4, lo->l4_len - 4);
    }
    *inv = s % 0xffff;
    return true;
}

/* ---- Expected results ---------------------------------------------- */

static bool
is_set_action(uint16_t type)
{
    switch (type) {
    case DP_ACTION_SET_VLAN:
    case DP_ACTION_SET_ETH_SRC:
    case DP_ACTION_SET_ETH_DST:
    case DP_ACTION_SET_IPV4_SRC:
    case DP_ACTION_SET_IPV4_DST:
    case DP_ACTION_SET_IP_TOS:
    case DP_ACTION_SET_IP_TTL:
    case DP_ACTION_SET_TP_SRC:
    case DP_ACTION_SET_TP_DST:
    case DP_ACTION_SET_MPLS_LSE:
    case DP_ACTION_SET_IPV6_WORD:
    case DP_ACTION_SET_IPV6_LABEL:
    case DP_ACTION_SET_ARP:
    case DP_ACTION_SET_ICMP:
    case DP_ACTION_SET_ND:
    case DP_ACTION_SET_ETH_TYPE:
    case DP_ACTION_SET_IP_PROTO:
    case DP_ACTION_SET_MPLS_IP_TTL:
    case DP_ACTION_SET_PBB_ITAG:
        return true;
    }
    return false;
}

/* Whether an action on IP fields has a defined result on this frame: an
 * IP frame must be complete for it (what a truncated one gets is left to
 * the implementation), anything else is left alone. */
static bool
ip_defined(const struct layout *lo)
{
    return lo->ip || (lo->type != 0x0800 && lo->type != 0x86dd);
}

/* The L4 header 'need' bytes long is complete in the IP packet. */
static bool
l4_complete(const struct layout *lo, uint32_t need)
{
    return lo->l4 && lo->l4_len >= need;
}

/* What SET_ND makes of the ICMPv6 message at 'icmp' ('n' bytes): the
 * target of a neighbour solicitation or advertisement (code 0, with a
 * whole target), or the link-layer address of the option of the kind
 * asked for that the flow key would take (RFC 4861 options of 8 bytes;
 * the first nonzero one, none if a second nonzero one of the kind
 * follows it, the walk ending at a zero or overlong option). */
static void
expect_nd(uint8_t *icmp, uint32_t n, const struct dp_action *a)
{
    static const uint8_t zero[6];

    if (n < 24 || icmp[1] || (icmp[0] != 135 && icmp[0] != 136)) {
        return;
    }
    if (a->port <= DP_ND_TARGET3) {
        memcpy(icmp + 8 + 4 * a->port, &a->be32, 4);
        return;
    }
    uint8_t kind = a->port == DP_ND_SLL ? 1 : 2;
    uint8_t *found = NULL;
    for (uint32_t o = 24; o + 8 <= n && icmp[o + 1]
         && o + icmp[o + 1] * 8u <= n; o += icmp[o + 1] * 8u) {
        if (icmp[o + 1] == 1 && icmp[o] == kind) {
            if (found && memcmp(found + 2, zero, 6)) {
                return;
            }
            found = icmp + o;
        }
    }
    if (found) {
        memcpy(found + 2, a->mac, 6);
    }
}

/* Computes in 'w' (a copy of the frame before the edit) what set action
 * 'a' must make of it.  Returns false if that is not defined. */
static bool
expect(uint8_t *w, uint32_t len, const struct layout *lo,
       const struct dp_action *a)
{
    uint8_t *ip = w + lo->l3;

    switch ((enum dp_action_type) a->type) {
    case DP_ACTION_SET_ETH_SRC:
    case DP_ACTION_SET_ETH_DST:
        if (len >= 14) {
            memcpy(w + (a->type == DP_ACTION_SET_ETH_SRC ? 6 : 0), a->mac,
                   6);
        }
        return true;

    case DP_ACTION_SET_VLAN:
        if (len >= 18 && is_tag(rd16(w + 12))) {
            uint16_t tci = rd16(w + 14);
            wr16(w + 14, (tci & ~a->vlan.mask) | (a->vlan.tci & a->vlan.mask));
        }
        return true;

    case DP_ACTION_SET_IPV4_SRC:
    case DP_ACTION_SET_IPV4_DST:
        if (lo->ip == 4) {
            memcpy(ip + (a->type == DP_ACTION_SET_IPV4_SRC ? 12 : 16),
                   &a->be32, 4);
        }
        return ip_defined(lo);

    case DP_ACTION_SET_IP_TOS:
        if (lo->ip == 4) {
            ip[1] = (ip[1] & ~a->u8[1]) | (a->u8[0] & a->u8[1]);
        } else if (lo->ip == 6) {
            uint8_t tc = (ip[0] << 4) | (ip[1] >> 4);
            tc = (tc & ~a->u8[1]) | (a->u8[0] & a->u8[1]);
            ip[0] = (ip[0] & 0xf0) | (tc >> 4);
            ip[1] = (ip[1] & 0x0f) | (tc << 4);
        }
        return ip_defined(lo);

    case DP_ACTION_SET_IP_TTL:
        if (lo->ip) {
            ip[lo->ip == 4 ? 8 : 7] = a->u8[0];
        }
        return ip_defined(lo);

    case DP_ACTION_SET_TP_SRC:
    case DP_ACTION_SET_TP_DST: {
        uint32_t need = lo->proto == 6 ? 20 : lo->proto == 17 ? 8 : 12;
        if (!lo->ip || (lo->proto != 6 && lo->proto != 17
                        && lo->proto != 132)) {
            return ip_defined(lo);
        }
        if (lo->later) {
            return true;        /* No transport header here. */
        }
        if (!l4_complete(lo, need)) {
            return false;
        }
        memcpy(w + lo->l4 + (a->type == DP_ACTION_SET_TP_SRC ? 0 : 2),
               &a->be16, 2);
        return true;
    }

    case DP_ACTION_SET_MPLS_LSE:
        if ((lo->type == 0x8847 || lo->type == 0x8848) && lo->l3) {
            /* Entry 'port', if no bottom of stack comes before it. */
            uint32_t at = lo->l3;
            for (unsigned int i = 0; i < a->port; i++, at += 4) {
                if (len < at + 4 || w[at + 2] & 1) {
                    return true;
                }
            }
            if (len >= at + 4) {
                memcpy(w + at, &a->be32, 4);
            }
        }
        return true;

    case DP_ACTION_SET_ETH_TYPE:
        if (lo->l3 && lo->type >= 0x600) {
            memcpy(w + lo->l3 - 2, &a->be16, 2);
        }
        return true;

    case DP_ACTION_SET_IP_PROTO:
        if (lo->ip == 4) {
            ip[9] = a->u8[0];
        } else if (lo->ip == 6 && lo->l4_direct) {
            ip[6] = a->u8[0];
        } else if (lo->ip == 6) {
            return false;       /* The last extension header's: not
                                 * modelled here (see test-pkt-edit). */
        }
        return ip_defined(lo);

    case DP_ACTION_SET_MPLS_IP_TTL:
        if ((lo->type == 0x8847 || lo->type == 0x8848) && lo->l3) {
            /* The IP packet beneath the bottom of the stack, told by its
             * version nibble. */
            uint32_t at = lo->l3;
            while (len >= at + 4 && !(w[at + 2] & 1)) {
                at += 4;
            }
            at += 4;
            if (len >= at + 20 && w[at] >> 4 == 4) {
                return false;   /* With its header checksum: checked in
                                 * test-pkt-edit. */
            }
            if (len >= at + 40 && w[at] >> 4 == 6) {
                w[at + 7] = a->u8[0];
            }
        }
        return true;

    case DP_ACTION_SET_IPV6_WORD:
        if (lo->ip == 6) {
            memcpy(ip + (a->port < 4 ? 8 : 24) + 4 * (a->port & 3),
                   &a->be32, 4);
        }
        return ip_defined(lo);

    case DP_ACTION_SET_IPV6_LABEL:
        if (lo->ip == 6) {
            uint32_t label = ntohl(a->be32) & 0xfffff;
            ip[1] = (ip[1] & 0xf0) | (label >> 16);
            ip[2] = label >> 8;
            ip[3] = label;
        }
        return ip_defined(lo);

    case DP_ACTION_SET_ARP: {
        static const uint8_t ofs[] = { 6, 8, 14, 18, 24 };
        static const uint8_t size[] = { 2, 6, 4, 6, 4 };
        if ((lo->type == 0x0806 || lo->type == 0x8035)
            && len >= lo->l3 + 28 && a->port <= DP_ARP_TPA) {
            const void *v = a->port == DP_ARP_OP ? (const void *) &a->be16
                            : size[a->port] == 6 ? (const void *) a->mac
                            : (const void *) &a->be32;
            memcpy(ip + ofs[a->port], v, size[a->port]);
        }
        return true;
    }

    case DP_ACTION_SET_ICMP:
        if (lo->ip && lo->proto == (lo->ip == 4 ? 1 : 58)) {
            if (lo->later) {
                return true;
            }
            if (!l4_complete(lo, 4)) {
                return false;
            }
            w[lo->l4 + (a->port ? 1 : 0)] = a->u8[0];
            return true;
        }
        return ip_defined(lo);

    case DP_ACTION_SET_ND:
        if (lo->ip != 6 || lo->proto != 58) {
            return ip_defined(lo);
        }
        if (lo->later) {
            return true;
        }
        if (!l4_complete(lo, 4)) {
            return false;
        }
        expect_nd(w + lo->l4, lo->l4_len, a);
        return true;

    case DP_ACTION_SET_PBB_ITAG:
        if (lo->type == 0x88e7 && lo->l3 && len >= lo->l3 + 4) {
            memcpy(w + lo->l3, &a->be32, 4);
        }
        return true;

    case DP_ACTION_OUTPUT:
    case DP_ACTION_PUSH_VLAN:
    case DP_ACTION_POP_VLAN:
    case DP_ACTION_CONTROLLER:
    case DP_ACTION_METER:
    case DP_ACTION_PUSH_MPLS:
    case DP_ACTION_POP_MPLS:
    case DP_ACTION_DROP:
    case DP_ACTION_PUSH_PBB:
    case DP_ACTION_POP_PBB:
        break;
    }
    return true;                /* Not a set action: left alone. */
}

/* Compares the edited frame with the expected one, but for the checksum
 * fields (checked on their own), the L2 padding after the IP packet
 * (which no receiver reads), and what would be the checksum field of a
 * TCP, UDP or ICMP header cut short by the IP length, and beyond (an
 * address rewrite may "fix" it up, harmlessly: such a packet is garbage
 * to any receiver). */
static void
compare(const struct frame *before, const struct frame *after,
        const uint8_t *want, const struct layout *lo)
{
    uint32_t end = lo->ip ? lo->ip_end : after->len;

    if (lo->ip && lo->l4 && lo->cs == CS_NONE) {
        int field = lo->proto == 6 ? 16 : lo->proto == 17 ? 6
                    : lo->proto == (lo->ip == 4 ? 1 : 58) ? 2 : -1;
        if (field >= 0 && lo->l4 + field < end) {
            end = lo->l4 + field;
        }
    }
    for (uint32_t i = 0; i < end; i++) {
        if (lo->ip == 4 && (i == lo->l3 + 10 || i == lo->l3 + 11)) {
            continue;
        }
        if (lo->ip && lo->cs != CS_NONE
            && (i == lo->cs_off || i == lo->cs_off + 1)) {
            continue;
        }
        if (lo->ip && lo->proto == 132 && lo->l4 && !lo->later
            && i >= lo->l4 + 8 && i < lo->l4 + 12) {
            continue;           /* SCTP's CRC-32C: checked on its own. */
        }
        if (after->p[i] != want[i]) {
            fprintf(stderr, "byte %u: got %02x, want %02x\n", i,
                    after->p[i], want[i]);
            hexdump("want", want, after->len);
            fail("edit wrote other than its field", before, after);
        }
    }
}

/* ---- Checks around one edit ---------------------------------------- */

struct state {
    struct layout lo;
    bool ip4_ok;
    enum l4_state l4;
    bool has_l4_inv, has_ip4_inv;
    uint32_t l4_inv, ip4_inv;
};

static void
state_get(const struct frame *f, bool partial, struct state *st)
{
    parse(f->p, f->len, &st->lo);
    st->ip4_ok = st->lo.ip == 4 && ip4_hdr_ok(f->p, &st->lo);
    st->l4 = l4_state(f->p, &st->lo, partial);
    st->has_l4_inv = l4_invariant(f->p, &st->lo, partial, &st->l4_inv);
    st->has_ip4_inv = st->lo.ip == 4;
    if (st->has_ip4_inv) {
        st->ip4_inv = sum_words(f->p + st->lo.l3, st->lo.ihl) % 0xffff;
    }
}

/* The same IP packet at the same place, seen the same way: what the
 * checksum checks compare. */
static bool
same_shape(const struct layout *a, const struct layout *b)
{
    return a->ip && a->ip == b->ip && a->l3 == b->l3
           && a->ip_end == b->ip_end && a->proto == b->proto
           && a->l4 == b->l4 && a->cs == b->cs && a->frag == b->frag
           && a->later == b->later;
}

static void
check_checksums(const struct frame *before, const struct frame *after,
                const struct state *b, const struct state *a)
{
    if (!same_shape(&b->lo, &a->lo)) {
        return;
    }
    if (b->ip4_ok && !a->ip4_ok) {
        fail("IPv4 header checksum no longer verifies", before, after);
    }
    if (b->has_ip4_inv && b->ip4_inv != a->ip4_inv) {
        fail("IPv4 header checksum not updated for the change", before,
             after);
    }
    if (b->l4 != L4_UNKNOWN && a->l4 != b->l4) {
        static const char *const what[] = {
            [L4_OK] = "L4 checksum no longer verifies",
            [L4_NONE] = "UDP checksum 0 (none) was changed",
            [L4_PARTIAL_OK] = "partial checksum no longer the "
                              "pseudo-header's sum",
        };
        fail(what[b->l4], before, after);
    }
    if (b->has_l4_inv
        && (!a->has_l4_inv || b->l4_inv != a->l4_inv)) {
        fail("L4 checksum not updated for the change", before, after);
    }
}

static void
check_l3_offset(const struct frame *f, const struct layout *lo)
{
    uint16_t type = 0;
    uint32_t ofs = pkt_l3_offset(f->p, f->len, &type);

    if (ofs != lo->l3 || (ofs && type != lo->type)
        || pkt_l2_len(f->p, f->len) != lo->l3) {
        fprintf(stderr, "pkt_l3_offset %u type %04x, harness %u %04x\n",
                ofs, type, lo->l3, lo->type);
        fail("L3 offset disagrees", f, NULL);
    }
}

/* Where pkt_clamp_ip_len() must find the IP header the flow key parses:
 * after up to two tags, an LLC/SNAP header, or beneath an MPLS label
 * stack (its version nibble telling IPv4 from IPv6).  0 if none. */
static uint32_t
clamp_target(const uint8_t *p, uint32_t len, uint16_t *type)
{
    static const uint8_t snap[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };
    uint32_t ofs = 12;

    for (int tags = 0; tags < 2 && len >= ofs + 2 && is_tag(rd16(p + ofs));
         tags++) {
        ofs += 4;
    }
    if (len < ofs + 2) {
        return 0;
    }
    *type = rd16(p + ofs);
    ofs += 2;
    if (*type < 0x600) {
        if (len < ofs + 8 || memcmp(p + ofs, snap, 6)) {
            return 0;
        }
        *type = rd16(p + ofs + 6);
        ofs += 8;
    }
    if (*type == 0x8847 || *type == 0x8848) {
        for (;;) {
            if (len < ofs + 4) {
                return 0;
            }
            ofs += 4;
            if (p[ofs - 2] & 1) {
                break;
            }
        }
        if (len < ofs + 1) {
            return 0;
        }
        *type = p[ofs] >> 4 == 4 ? 0x0800 : p[ofs] >> 4 == 6 ? 0x86dd : 0;
    }
    return *type == 0x0800 || *type == 0x86dd ? ofs : 0;
}

/* pkt_clamp_ip_len() on a view of the first 'view' bytes of the frame:
 * only the IP length may change, to what those bytes hold, and only if
 * the length fits in the whole frame. */
static void
check_clamp(const struct frame *f, uint32_t view)
{
    struct frame c = { NULL, 0 };
    uint16_t type = 0;

    if (view > f->len) {
        view = f->len;
    }
    frame_set(&c, f->p, f->len);
    pkt_clamp_ip_len(c.p, view, f->len);
    uint32_t l3 = clamp_target(f->p, view, &type);
    uint32_t field = type == 0x0800 ? l3 + 2 : l3 + 4;
    uint32_t hdr = type == 0x0800 ? 20 : 40;
    bool has_field = l3 && view >= l3 + hdr;
    for (uint32_t i = 0; i < f->len; i++) {
        bool len_field = has_field && (i == field || i == field + 1);
        if (c.p[i] != f->p[i] && !len_field) {
            fail("pkt_clamp_ip_len() wrote beside the IP length", f, &c);
        }
    }
    if (!has_field) {
        free(c.p);
        return;
    }
    uint32_t before = rd16(f->p + field), after = rd16(c.p + field);
    /* IPv4's total length counts its header, IPv6's payload length not. */
    uint32_t skip = type == 0x86dd ? 40 : 0;
    uint32_t at_hand = view - l3 - skip, in_frame = f->len - l3 - skip;
    uint32_t want = before > at_hand && before <= in_frame ? at_hand : before;
    if (after != want) {
        fprintf(stderr, "IP length %u became %u, want %u (view %u, frame "
                "%u, L3 at %u)\n", before, after, want, view, f->len, l3);
        fail("IP length not clamped to the view", f, &c);
    }
    free(c.p);
}

/* ---- Edits --------------------------------------------------------- */

static void
action_from_op(const uint8_t *op, uint16_t type, struct dp_action *a)
{
    memset(a, 0, sizeof *a);
    a->type = type;
    a->port = op[1];
    switch (type) {
    case DP_ACTION_SET_VLAN:
        a->vlan.tci = rd16(op + 2);
        a->vlan.mask = rd16(op + 4);
        break;
    case DP_ACTION_SET_ETH_SRC:
    case DP_ACTION_SET_ETH_DST:
    case DP_ACTION_SET_ARP:
        if (type != DP_ACTION_SET_ARP || op[1] == DP_ARP_SHA
            || op[1] == DP_ARP_THA) {
            memcpy(a->mac, op + 2, 6);
        } else if (op[1] == DP_ARP_OP) {
            memcpy(&a->be16, op + 2, 2);
        } else {
            memcpy(&a->be32, op + 2, 4);
        }
        break;
    case DP_ACTION_SET_TP_SRC:
    case DP_ACTION_SET_TP_DST:
    case DP_ACTION_SET_ETH_TYPE:
        memcpy(&a->be16, op + 2, 2);
        break;
    case DP_ACTION_SET_IP_PROTO:
    case DP_ACTION_SET_MPLS_IP_TTL:
        a->u8[0] = op[2];
        break;
    case DP_ACTION_SET_MPLS_LSE:
        a->port = op[1] % 4;
        memcpy(&a->be32, op + 2, 4);
        break;
    case DP_ACTION_SET_ND:
        a->port = op[1] % (DP_ND_TLL + 1);
        if (a->port <= DP_ND_TARGET3) {
            memcpy(&a->be32, op + 2, 4);
        } else {
            memcpy(a->mac, op + 2, 6);
        }
        break;
    case DP_ACTION_SET_IP_TOS:
    case DP_ACTION_SET_IP_TTL:
    case DP_ACTION_SET_ICMP:
        a->u8[0] = op[2];
        a->u8[1] = op[3];
        break;
    default:
        memcpy(&a->be32, op + 2, 4);
        break;
    }
}

static const char *
op_name(int kind)
{
    static const char *const names[OP_N] = {
        "OUTPUT", "PUSH_VLAN (as an action)", "POP_VLAN (as an action)",
        "CONTROLLER", "SET_VLAN", "SET_ETH_SRC", "SET_ETH_DST",
        "SET_IPV4_SRC", "SET_IPV4_DST", "SET_IP_TOS", "SET_IP_TTL",
        "SET_TP_SRC", "SET_TP_DST", "METER", "PUSH_MPLS (as an action)",
        "POP_MPLS (as an action)", "SET_MPLS_LSE", "SET_IPV6_WORD",
        "SET_IPV6_LABEL", "SET_ARP", "SET_ICMP", "SET_ND",
        "DROP (as an action)", "SET_ETH_TYPE", "dec_ttl", "push_vlan",
        "pop_vlan", "push_mpls", "pop_mpls", "clamp", "SET_IP_PROTO",
        "SET_MPLS_IP_TTL", "SET_PBB_ITAG",
    };
    return names[kind];
}

/* Whether the frame holds a whole SCTP packet whose CRC-32C verifies. */
static bool
sctp_verifies(const uint8_t *p, const struct layout *lo)
{
    if (!lo->ip || lo->proto != 132 || !lo->l4 || lo->later
        || lo->l4_len < 12) {
        return false;
    }
    uint8_t *copy = malloc(lo->l4_len);
    memcpy(copy, p + lo->l4, lo->l4_len);
    memset(copy + 8, 0, 4);
    uint32_t crc = pkt_crc32c(copy, lo->l4_len);
    free(copy);
    const uint8_t *c = p + lo->l4 + 8;
    return (c[0] | c[1] << 8 | c[2] << 16 | (uint32_t) c[3] << 24) == crc;
}

/* pkt_edit() with one action, and every check. */
static void
do_action(struct frame *f, const struct dp_action *a, bool partial)
{
    struct frame before = { NULL, 0 };
    struct state b, s;

    frame_set(&before, f->p, f->len);
    state_get(&before, partial, &b);

    uint8_t *want = malloc(f->len ? f->len : 1);
    memcpy(want, f->p, f->len);
    bool defined = expect(want, f->len, &b.lo, a);

    bool ret = pkt_edit(f->p, f->len, a, partial);
    if (ret != is_set_action(a->type)) {
        fail(ret ? "accepted a non-set action" : "refused a set action",
             &before, f);
    }
    if (!ret && memcmp(f->p, before.p, f->len)) {
        fail("a refused action changed the frame", &before, f);
    }
    if (defined) {
        compare(&before, f, want, &b.lo);
    }
    if (!partial && sctp_verifies(before.p, &b.lo)
        && !sctp_verifies(f->p, &b.lo)) {
        fail("SCTP CRC-32C no longer verifies", &before, f);
    }
    state_get(f, partial, &s);
    check_checksums(&before, f, &b, &s);
    free(want);
    free(before.p);
}

static void
push_bytes(struct frame *f, uint32_t at, const uint8_t *bytes, uint32_t n)
{
    uint8_t *p = malloc(f->len + n);
    memcpy(p, f->p, at);
    memcpy(p + at, bytes, n);
    memcpy(p + at + n, f->p + at, f->len - at);
    free(f->p);
    f->p = p;
    f->len += n;
}

static void
pull_bytes(struct frame *f, uint32_t at, uint32_t n)
{
    uint8_t *p = malloc(f->len - n ? f->len - n : 1);
    memcpy(p, f->p, at);
    memcpy(p + at, f->p + at + n, f->len - at - n);
    free(f->p);
    f->p = p;
    f->len -= n;
}

/* The edits that move headers, as pmd.c does them on an mbuf; they change
 * no byte a checksum covers. */
static void
do_layout_op(struct frame *f, int kind, const uint8_t *op)
{
    uint32_t l2;

    switch (kind) {
    case OP_PUSH_VLAN:
        if (f->len >= 14 && f->len < 65535) {
            uint8_t tag[4] = { 0x81, 0x00, op[2] & 0xef, op[3] };
            push_bytes(f, 12, tag, 4);
        }
        break;
    case OP_POP_VLAN:
        if (f->len >= 18 && rd16(f->p + 12) == 0x8100) {
            pull_bytes(f, 12, 4);
        }
        break;
    case OP_PUSH_MPLS:
        l2 = pkt_l2_len(f->p, f->len);
        if (l2 && f->len < 65535) {
            push_bytes(f, l2, op + 2, 4);
            memcpy(f->p + l2 - 2, op + 6, 2);
        }
        break;
    case OP_POP_MPLS:
        l2 = pkt_l2_len(f->p, f->len);
        if (l2 && f->len >= l2 + 4) {
            pull_bytes(f, l2, 4);
            memcpy(f->p + l2 - 2, op + 6, 2);
        }
        break;
    }
}

static void
run_op(struct frame *f, const uint8_t *op, bool partial)
{
    int kind = op[0] % OP_N;
    struct dp_action a;
    struct layout lo;

    cur_name = op_name(kind);
    if (kind < OP_DEC_TTL) {
        action_from_op(op, kind, &a);
        do_action(f, &a, partial);
    } else if (kind >= OP_SET_IP_PROTO) {
        action_from_op(op, (kind == OP_SET_IP_PROTO
                            ? DP_ACTION_SET_IP_PROTO
                            : kind == OP_SET_MPLS_IP_TTL
                            ? DP_ACTION_SET_MPLS_IP_TTL
                            : DP_ACTION_SET_PBB_ITAG), &a);
        do_action(f, &a, partial);
    } else if (kind == OP_DEC_TTL) {
        /* The pipeline's dec_ttl: the TTL it saw, less one. */
        parse(f->p, f->len, &lo);
        if (lo.ip) {
            uint8_t ttl = f->p[lo.l3 + (lo.ip == 4 ? 8 : 7)];
            if (ttl) {
                memset(&a, 0, sizeof a);
                a.type = DP_ACTION_SET_IP_TTL;
                a.u8[0] = ttl - 1;
                do_action(f, &a, partial);
            }
        }
    } else if (kind == OP_CLAMP) {
        check_clamp(f, f->len - op[1] % (f->len + 1));
    } else if (kind <= OP_POP_MPLS) {
        struct frame before = { NULL, 0 };
        struct state b, s;
        frame_set(&before, f->p, f->len);
        state_get(&before, partial, &b);
        do_layout_op(f, kind, op);
        state_get(f, partial, &s);
        /* The IP packet moved as a whole: its checksums still hold. */
        if (b.lo.ip && s.lo.ip && b.lo.type == s.lo.type) {
            if ((b.ip4_ok && !s.ip4_ok) || (b.l4 != L4_UNKNOWN
                                           && s.l4 != b.l4)) {
                fail("moving the headers broke a checksum", &before, f);
            }
        }
        free(before.p);
    }
    parse(f->p, f->len, &lo);
    check_l3_offset(f, &lo);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t n_ops = flags >> 4;
    if (size < 1 + n_ops * OP_SIZE) {
        return 0;
    }
    const uint8_t *ops = data + 1;
    const uint8_t *frame = ops + n_ops * OP_SIZE;
    size_t len = size - 1 - n_ops * OP_SIZE;
    if (len > 65535) {
        return 0;
    }

    struct frame f = { NULL, 0 };
    frame_set(&f, frame, len);
    cur_op = -1;
    cur_name = "none yet";

    /* Partial checksums come with TCP and UDP packets whose transport
     * header follows the IP header (dp-offload.h); the flag stays with
     * the mbuf whatever the actions do to the frame. */
    struct layout lo;
    parse(f.p, f.len, &lo);
    bool partial = flags & FL_PARTIAL && lo.ip && partial_applies(&lo);
    if (flags & FL_FIX) {
        fix_checksums(f.p, f.len, partial);
    }
    check_l3_offset(&f, &lo);

    for (size_t i = 0; i < n_ops; i++) {
        cur_op = i;
        run_op(&f, ops + i * OP_SIZE, partial);
    }
    free(f.p);
    return 0;
}
