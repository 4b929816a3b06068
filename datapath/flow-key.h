/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow-key: the datapath's fixed-layout description of a packet.
 *
 * A PMD thread parses each received packet exactly once into a struct
 * dp_flow_key.  The caches (exact-match and megaflow) are indexed by it, and
 * the datapath hands it to the pipeline on an upcall.  The layout is fixed
 * and padding-free, DP_KEY_WORDS 64-bit words, so that keys are hashed,
 * masked and compared word by word.
 *
 * The parser follows Open vSwitch's flow_extract() field for field (LLC/SNAP
 * frames, up to two VLAN tags, IPv4 and IPv6 sanity checks, IPv6 extension
 * headers and fragments, ARP/RARP, TCP/UDP/SCTP/ICMP/IGMP/ICMPv6 with ND
 * link-layer options), because a megaflow installed from the pipeline's
 * view of one packet is applied to others through this key: two packets
 * that agree on the masked key words must agree, in the pipeline's view, on
 * every field the decision consulted.  The key carries every packet field
 * Open vSwitch's flow has but NSH; a decision on NSH fields is not
 * cacheable.
 *
 * One addition: beneath an MPLS label stack, where Open vSwitch stops, an
 * IPv4 or IPv6 payload (told by its version nibble, flagged
 * DP_KEY_MPLS_IP4/6) fills the L3 and L4 fields, which an MPLS packet
 * does not otherwise use.  They are the pipeline's view of the packet
 * after pop_mpls (xlate.c parses the payload again there), so that a
 * decision on the inner headers can be cached too.
 *
 * Parsing never reads past the end of the buffer: a truncated or malformed
 * packet gets the fields that parsed so far (as Open vSwitch would), and
 * DP_KEY_TRUNCATED in 'parse_flags'.
 *
 * Multi-byte fields are in network byte order, as on the wire.
 *
 * Thread-safety: pure functions, any thread.  No DPDK or Open vSwitch
 * types, so both sides of the upcall interface include this header.
 */
#ifndef DP_FLOW_KEY_H
#define DP_FLOW_KEY_H 1

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

/* dp_flow_key.parse_flags. */
enum {
    DP_KEY_L2 = 1 << 0,         /* Ethernet header complete. */
    DP_KEY_L3 = 1 << 1,         /* IPv4/IPv6/ARP header sane. */
    DP_KEY_L4 = 1 << 2,         /* L4 header complete (ports or type/code). */
    DP_KEY_FRAG = 1 << 3,       /* IP fragment (any). */
    DP_KEY_LATER_FRAG = 1 << 4, /* Non-first fragment: no L4 header. */
    DP_KEY_TRUNCATED = 1 << 5,  /* Ended early or malformed. */
    DP_KEY_MPLS_IP4 = 1 << 6,   /* MPLS with an IPv4 payload (by its version
                                 * nibble), parsed into the L3/L4 fields. */
    DP_KEY_MPLS_IP6 = 1 << 7,   /* The same for IPv6. */
};

/* The frame type Open vSwitch gives frames that are not Ethernet II. */
#define DP_DL_TYPE_NONE 0x05ff

struct dp_flow_key {
    /* Word 0: metadata and Ethertype. */
    uint32_t in_port;           /* Datapath port number. */
    uint16_t parse_flags;       /* DP_KEY_*. */
    uint16_t dl_type;           /* Ethertype after VLAN tags (or NONE). */

    /* Words 1-2: L2. */
    uint8_t dl_dst[6];
    uint8_t dl_src[6];
    uint16_t vlan_tci[2];       /* Outer, inner, with 0x1000 (CFI) set when
                                 * present; 0 when absent. */

    /* Word 3. */
    uint16_t vlan_tpid[2];      /* 0x8100 or 0x88a8 when present. */
    uint8_t nw_proto;           /* IP protocol, or ARP opcode (if <= 255). */
    uint8_t nw_tos;             /* DSCP and ECN (IPv6: traffic class). */
    uint8_t nw_ttl;
    uint8_t pad0;

    /* Words 4-7: L3 addresses.  IPv4 and ARP SPA/TPA use the first 4
     * bytes; IPv6 all 16. */
    uint8_t nw_src[16];
    uint8_t nw_dst[16];

    /* Words 8-9. */
    uint8_t arp_sha[6];         /* ARP SHA, or ND source link-layer addr. */
    uint8_t arp_tha[6];         /* ARP THA, or ND target link-layer addr. */
    uint16_t tp_src;            /* Port, or ICMP/IGMP type (network order). */
    uint16_t tp_dst;            /* Port, or ICMP/IGMP code. */

    /* Words 10-11. */
    uint8_t nd_target[16];      /* ICMPv6 neighbor discovery target. */

    /* Words 12-13. */
    uint32_t mpls_lse[3];       /* The first three MPLS label stack entries
                                 * (label, TC, BOS, TTL), as on the wire;
                                 * for a PBB frame (0x88e7), [0] is its
                                 * I-TAG TCI (PCP, DEI, UCA, I-SID). */
    uint32_t ipv6_label;        /* IPv6 flow label (low 20 bits). */

    /* Word 14. */
    uint32_t igmp_group;        /* IGMP group, or the ND flags word. */
    uint16_t tcp_flags;         /* TCP flags (12 bits), or the type of the
                                 * first ND link-layer option. */
    uint16_t ipv6_exthdr;       /* OpenFlow's IPv6 extension header
                                 * pseudo-field: DP_EXTHDR_* (network
                                 * order). */
} __attribute__((aligned(8)));   /* Read as 64-bit words. */

/* The ipv6_exthdr bits (OpenFlow 1.3's OFPIEH_*): the extension headers
 * that the walk met, and whether they broke RFC 8200's rules of order
 * (hop-by-hop first, then destination options, routing, fragment,
 * authentication, ESP, destination options) and repetition (each once,
 * destination options twice).  ESP and "no next header" end the walk. */
enum {
    DP_EXTHDR_NONEXT = 1 << 0,
    DP_EXTHDR_ESP = 1 << 1,
    DP_EXTHDR_AUTH = 1 << 2,
    DP_EXTHDR_DEST = 1 << 3,
    DP_EXTHDR_FRAG = 1 << 4,
    DP_EXTHDR_ROUTER = 1 << 5,
    DP_EXTHDR_HOP = 1 << 6,
    DP_EXTHDR_UNREP = 1 << 7,
    DP_EXTHDR_UNSEQ = 1 << 8,
};

#define DP_KEY_WORDS (sizeof(struct dp_flow_key) / 8)
_Static_assert(sizeof(struct dp_flow_key) == 120, "dp_flow_key layout");
_Static_assert(DP_KEY_WORDS % 2 == 1, "dp_flow_key_equal(): one odd word");

static inline const uint64_t *
dp_key_words(const struct dp_flow_key *key)
{
    return (const uint64_t *) key;
}

static inline uint64_t *
dp_key_words_rw(struct dp_flow_key *key)
{
    return (uint64_t *) key;
}

/* Parses a 'frame_len'-byte Ethernet frame received on datapath port
 * 'in_port' into '*key', reading its headers from the first 'len' bytes,
 * which are contiguous at 'data' (the rest of a large frame may lie in
 * further buffers: its length still counts in the IP length checks). */
void dp_flow_key_extract_head(const void *data, size_t len, size_t frame_len,
                              uint32_t in_port, struct dp_flow_key *key);

/* The same for a frame that is contiguous. */
static inline void
dp_flow_key_extract(const void *data, size_t len, uint32_t in_port,
                    struct dp_flow_key *key)
{
    dp_flow_key_extract_head(data, len, len, in_port, key);
}

/* 32-bit hash of 'n' 64-bit words, CRC32-C where the CPU has it.  'basis'
 * seeds it. */
static inline uint32_t
dp_hash_words(const uint64_t *w, size_t n, uint32_t basis)
{
#if defined(__SSE4_2__)
    uint64_t h = basis;
    for (size_t i = 0; i < n; i++) {
        h = __builtin_ia32_crc32di(h, w[i]);
    }
    return (uint32_t) h;
#else
    uint64_t h = basis ^ 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return (uint32_t) h;
#endif
}

/* Hash of a whole key (the exact-match cache's).  Every word counts, folded
 * into two independent CRC chains to halve the latency; the folds pair
 * words that are rarely both non-zero (IPv4 leaves words 5 and 7 zero,
 * non-ARP word 8, non-ND words 10-11, non-MPLS 12-13). */
static inline uint32_t
dp_flow_key_hash(const struct dp_flow_key *key)
{
    const uint64_t *w = dp_key_words(key);
#if defined(__SSE4_2__)
    uint64_t a = __builtin_ia32_crc32di(0, w[0] ^ w[3] ^ w[14]);
    uint64_t b = __builtin_ia32_crc32di(0x9e3779b9, w[1] ^ w[8] ^ w[10]);
    a = __builtin_ia32_crc32di(a, w[2] ^ w[9] ^ w[11]);
    b = __builtin_ia32_crc32di(b, w[4] ^ w[7] ^ w[12]);
    a = __builtin_ia32_crc32di(a, w[5] ^ w[6] ^ w[13]);
    return (uint32_t) (a ^ (b << 7) ^ (b >> 25));
#else
    return dp_hash_words(w, DP_KEY_WORDS, 0);
#endif
}

/* Whether two keys are equal, every word.  The exact-match cache's hit
 * path: branch-free vector compares, as wide as the compilation allows
 * (dp-classify.c is compiled once per instruction set; the build's
 * baseline on x86 is SSE4.2). */
static inline bool
dp_flow_key_equal(const struct dp_flow_key *a, const struct dp_flow_key *b)
{
#if defined(__AVX512F__)
    /* Words 0-7, then 8-14 under a mask (no read past the key). */
    __m512i a0 = _mm512_loadu_si512(a), b0 = _mm512_loadu_si512(b);
    __m512i a1 = _mm512_maskz_loadu_epi64(0x7f, dp_key_words(a) + 8);
    __m512i b1 = _mm512_maskz_loadu_epi64(0x7f, dp_key_words(b) + 8);
    return !(_mm512_cmpneq_epi64_mask(a0, b0)
             | _mm512_cmpneq_epi64_mask(a1, b1));
#elif defined(__AVX2__)
    const __m256i *x = (const __m256i *) a, *y = (const __m256i *) b;
    __m256i d = _mm256_xor_si256(_mm256_loadu_si256(&x[0]),
                                 _mm256_loadu_si256(&y[0]));
    d = _mm256_or_si256(d, _mm256_xor_si256(_mm256_loadu_si256(&x[1]),
                                            _mm256_loadu_si256(&y[1])));
    d = _mm256_or_si256(d, _mm256_xor_si256(_mm256_loadu_si256(&x[2]),
                                            _mm256_loadu_si256(&y[2])));
    /* Words 12-14: a 16-byte compare and an 8-byte one. */
    __m128i e = _mm_xor_si128(_mm_loadu_si128((const __m128i *) &x[3]),
                              _mm_loadu_si128((const __m128i *) &y[3]));
    uint64_t last = dp_key_words(a)[DP_KEY_WORDS - 1]
                    ^ dp_key_words(b)[DP_KEY_WORDS - 1];
    return _mm256_testz_si256(d, d) & _mm_testz_si128(e, e) & !last;
#elif defined(__SSE4_1__)
    const __m128i *x = (const __m128i *) a, *y = (const __m128i *) b;
    __m128i d = _mm_xor_si128(_mm_loadu_si128(&x[0]), _mm_loadu_si128(&y[0]));
    for (size_t i = 1; i < DP_KEY_WORDS / 2; i++) {
        d = _mm_or_si128(d, _mm_xor_si128(_mm_loadu_si128(&x[i]),
                                          _mm_loadu_si128(&y[i])));
    }
    uint64_t last = dp_key_words(a)[DP_KEY_WORDS - 1]
                    ^ dp_key_words(b)[DP_KEY_WORDS - 1];
    return _mm_testz_si128(d, d) && !last;
#else
    const uint64_t *x = dp_key_words(a), *y = dp_key_words(b);
    uint64_t diff = 0;

    for (size_t i = 0; i < DP_KEY_WORDS; i++) {
        diff |= x[i] ^ y[i];
    }
    return !diff;
#endif
}

/* Zeroes '*key' with wide stores (a plain memset of 120 bytes becomes a
 * slow 'rep stos' at -O2). */
static inline void
dp_flow_key_zero(struct dp_flow_key *key)
{
#if defined(__AVX512F__)
    _mm512_storeu_si512(key, _mm512_setzero_si512());
    _mm512_mask_storeu_epi64(dp_key_words_rw(key) + 8, 0x7f,
                             _mm512_setzero_si512());
#elif defined(__AVX2__)
    __m256i *x = (__m256i *) key;
    for (size_t i = 0; i < 3; i++) {
        _mm256_storeu_si256(&x[i], _mm256_setzero_si256());
    }
    _mm_storeu_si128((__m128i *) &x[3], _mm_setzero_si128());
    dp_key_words_rw(key)[DP_KEY_WORDS - 1] = 0;
#elif defined(__SSE2__)
    __m128i *x = (__m128i *) key;
    for (size_t i = 0; i < DP_KEY_WORDS / 2; i++) {
        _mm_storeu_si128(&x[i], _mm_setzero_si128());
    }
    dp_key_words_rw(key)[DP_KEY_WORDS - 1] = 0;
#else
    memset(key, 0, sizeof *key);
#endif
}

/* ---- The common shapes' compact keys ----
 *
 * Most packets are Ethernet, with at most one VLAN tag, IPv4 without
 * options and not a fragment, or IPv6 without extension headers, and TCP,
 * UDP or ICMP (ICMPv6 other than neighbor discovery) with its whole
 * header.  For them the exact-match cache keys on what the full key would
 * hold for them that varies: 48 bytes for IPv4, 64 for IPv6, instead of
 * the full 120.  Every other field of their full key is fixed
 * (parse_flags L2|L3|L4, dl_type) or zero, so dp_compact_expand() gives
 * the full key back, byte for byte as dp_flow_key_extract_head() makes it
 * (the flow-key fuzzer and test-flow-key check that on every packet the
 * compact parser takes), and the full key is made only when the
 * exact-match cache misses. */
struct dp_compact_key {         /* IPv4. */
    /* Word 0. */
    uint16_t in_port;
    uint16_t vlan_tpid;         /* 0 if untagged. */
    uint16_t vlan_tci;          /* With the CFI bit, as in the full key. */
    uint8_t nw_proto;
    uint8_t nw_tos;
    /* Words 1-2. */
    uint8_t dl_dst[6];
    uint8_t dl_src[6];
    uint8_t nw_src[4];
    /* Word 3. */
    uint8_t nw_dst[4];
    uint16_t tp_src;            /* Network order, as in the full key. */
    uint16_t tp_dst;
    /* Words 4-5. */
    uint16_t tcp_flags;
    uint8_t nw_ttl;
    uint8_t pad[13];            /* Zero. */
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct dp_compact_key) == 48, "dp_compact_key layout");

struct dp_compact6_key {        /* IPv6. */
    /* Word 0: as in dp_compact_key. */
    uint16_t in_port;
    uint16_t vlan_tpid;
    uint16_t vlan_tci;
    uint8_t nw_proto;
    uint8_t nw_tos;             /* Traffic class. */
    /* Words 1-2. */
    uint8_t dl_dst[6];
    uint8_t dl_src[6];
    uint32_t ipv6_label;        /* As in the full key. */
    /* Words 3-6. */
    uint8_t nw_src[16];
    uint8_t nw_dst[16];
    /* Word 7. */
    uint16_t tp_src;
    uint16_t tp_dst;
    uint16_t tcp_flags;
    uint8_t nw_ttl;             /* Hop limit. */
    uint8_t pad;                /* Zero. */
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct dp_compact6_key) == 64,
               "dp_compact6_key layout");

/* What dp_compact_extract() made. */
enum dp_compact_kind {
    DP_COMPACT_NONE,            /* Not a common shape: use the full key. */
    DP_COMPACT_IP4,             /* 'v4' holds the key. */
    DP_COMPACT_IP6,             /* 'v6' holds the key. */
};

union dp_compact_keys {
    struct dp_compact_key v4;
    struct dp_compact6_key v6;
};

static inline uint16_t
dp_get_be16__(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Zeroes 'n16' (3 or 4) 16-byte units at 'p' (16-byte aligned). */
static inline void
dp_zero16__(void *p, size_t n16)
{
#if defined(__AVX512F__)
    _mm512_mask_storeu_epi64(p, n16 == 4 ? 0xff : 0x3f,
                             _mm512_setzero_si512());
#elif defined(__SSE2__)
    for (size_t i = 0; i < n16; i++) {
        _mm_store_si128((__m128i *) p + i, _mm_setzero_si128());
    }
#else
    memset(p, 0, n16 * 16);
#endif
}

/* The transport fields of a compact key from the 'avail' bytes at 'l4' of
 * an 'ip_proto' header ('icmp' is the protocol number of ICMP for this IP
 * version), as parse_l4() of the full parser would fill them.  Returns
 * false for anything else: another protocol, a short header, a neighbor
 * discovery message (whose full key has more). */
static inline bool
dp_compact_l4__(uint8_t ip_proto, uint8_t icmp, const uint8_t *l4,
                size_t avail, uint16_t *tp_src, uint16_t *tp_dst,
                uint16_t *tcp_flags)
{
    if (ip_proto == 6) {                        /* TCP. */
        if (avail < 20) {
            return false;
        }
        size_t hdr_len = (size_t) (l4[12] >> 4) * 4;
        if (hdr_len < 20 || avail < hdr_len) {
            return false;
        }
        *tcp_flags = dp_get_be16__(l4 + 12) & htons(0x0fff);
    } else if (ip_proto == 17) {                /* UDP. */
        if (avail < 8) {
            return false;
        }
    } else if (ip_proto == icmp) {              /* Type and code. */
        if (avail < 8 || (icmp == 58 && l4[1] == 0
                          && (l4[0] == 135 || l4[0] == 136))) {
            return false;
        }
        *tp_src = htons(l4[0]);
        *tp_dst = htons(l4[1]);
        return true;
    } else {
        return false;
    }
    *tp_src = dp_get_be16__(l4);
    *tp_dst = dp_get_be16__(l4 + 2);
    return true;
}

/* Fills '*ck' from the frame (as for dp_flow_key_extract_head()) and says
 * which of its keys it filled, or DP_COMPACT_NONE (with '*ck' undefined)
 * if the frame has neither common shape. */
static inline enum dp_compact_kind
dp_compact_extract(const void *data, size_t len, size_t frame_len,
                   uint32_t in_port, union dp_compact_keys *ck)
{
    const uint8_t *p = data;
    size_t l2 = 14;

    if (len < 14 + 20 + 8) {
        return DP_COMPACT_NONE;
    }
    uint16_t type = dp_get_be16__(p + 12), tpid = 0, tci = 0;
    if (type == htons(0x8100) || type == htons(0x88a8)) {
        tpid = type;
        tci = dp_get_be16__(p + 14) | htons(0x1000);
        type = dp_get_be16__(p + 16);
        l2 = 18;
    }
    const uint8_t *ip = p + l2;
    size_t total = frame_len > len ? frame_len : len;   /* As the full
                                                         * parser counts. */
    if (type == htons(0x0800)) {
        struct dp_compact_key *k = &ck->v4;

        if (len < l2 + 20 + 8 || ip[0] != 0x45
            || (dp_get_be16__(ip + 6) & htons(0x3fff))) {
            return DP_COMPACT_NONE;     /* Options; a fragment. */
        }
        size_t tot_len = ntohs(dp_get_be16__(ip + 2));
        if (tot_len > total - l2 || tot_len < 20 + 8) {
            return DP_COMPACT_NONE;
        }
        /* The L4 bytes the full parser may read: within the IP length
         * and the contiguous part. */
        size_t avail = (len - l2 < tot_len ? len - l2 : tot_len) - 20;

        dp_zero16__(k, sizeof *k / 16);
        if (!dp_compact_l4__(ip[9], 1, ip + 20, avail, &k->tp_src,
                             &k->tp_dst, &k->tcp_flags)) {
            return DP_COMPACT_NONE;
        }
        k->in_port = in_port;
        k->vlan_tpid = tpid;
        k->vlan_tci = tci;
        k->nw_proto = ip[9];
        k->nw_tos = ip[1];
        k->nw_ttl = ip[8];
        memcpy(k->dl_dst, p, 12);       /* And dl_src. */
        memcpy(k->nw_src, ip + 12, 8);  /* And nw_dst. */
        return DP_COMPACT_IP4;
    } else if (type == htons(0x86dd)) {
        struct dp_compact6_key *k = &ck->v6;

        if (len < l2 + 40 + 8 || (ip[0] >> 4) != 6) {
            return DP_COMPACT_NONE;
        }
        size_t ip_len = (size_t) ntohs(dp_get_be16__(ip + 4)) + 40;
        if (ip_len > total - l2) {
            return DP_COMPACT_NONE;
        }
        size_t avail = (len - l2 < ip_len ? len - l2 : ip_len) - 40;

        dp_zero16__(k, sizeof *k / 16);
        if (!dp_compact_l4__(ip[6], 58, ip + 40, avail, &k->tp_src,
                             &k->tp_dst, &k->tcp_flags)) {
            return DP_COMPACT_NONE;     /* Extension headers too. */
        }
        uint32_t flow;
        memcpy(&flow, ip, 4);
        k->in_port = in_port;
        k->vlan_tpid = tpid;
        k->vlan_tci = tci;
        k->nw_proto = ip[6];
        k->nw_tos = (uint8_t) ((ip[0] << 4) | (ip[1] >> 4));
        k->nw_ttl = ip[7];
        k->ipv6_label = flow & htonl(0x000fffff);
        memcpy(k->dl_dst, p, 12);       /* And dl_src. */
        memcpy(k->nw_src, ip + 8, 32);  /* And nw_dst. */
        return DP_COMPACT_IP6;
    }
    return DP_COMPACT_NONE;
}

/* The two compact keys share their first 20 bytes (word 0 and the
 * Ethernet addresses). */
_Static_assert(offsetof(struct dp_compact6_key, dl_src)
               == offsetof(struct dp_compact_key, dl_src),
               "compact keys share their first 20 bytes");

/* The full key of a packet whose compact key of kind 'kind' is 'ck'. */
static inline void
dp_compact_expand(enum dp_compact_kind kind, const union dp_compact_keys *ck,
                  struct dp_flow_key *k)
{
    const struct dp_compact_key *c4 = &ck->v4;  /* The shared part too. */
    const struct dp_compact6_key *c6 = &ck->v6;
    bool ip6 = kind == DP_COMPACT_IP6;

    dp_flow_key_zero(k);
    k->parse_flags = DP_KEY_L2 | DP_KEY_L3 | DP_KEY_L4;
    k->in_port = c4->in_port;
    memcpy(k->dl_dst, c4->dl_dst, 12);          /* And dl_src. */
    k->vlan_tci[0] = c4->vlan_tci;
    k->vlan_tpid[0] = c4->vlan_tpid;
    k->nw_proto = c4->nw_proto;
    k->nw_tos = c4->nw_tos;
    if (ip6) {
        k->dl_type = htons(0x86dd);
        memcpy(k->nw_src, c6->nw_src, 32);      /* And nw_dst. */
        k->ipv6_label = c6->ipv6_label;
    } else {
        k->dl_type = htons(0x0800);
        memcpy(k->nw_src, c4->nw_src, 4);
        memcpy(k->nw_dst, c4->nw_dst, 4);
    }
    k->nw_ttl = ip6 ? c6->nw_ttl : c4->nw_ttl;
    k->tp_src = ip6 ? c6->tp_src : c4->tp_src;
    k->tp_dst = ip6 ? c6->tp_dst : c4->tp_dst;
    k->tcp_flags = ip6 ? c6->tcp_flags : c4->tcp_flags;
}

/* Hash of an IPv4 compact key: its first five words (the sixth is
 * zero). */
static inline uint32_t
dp_compact_key_hash(const struct dp_compact_key *ck)
{
    const uint64_t *w = (const uint64_t *) ck;
#if defined(__SSE4_2__)
    uint64_t a = __builtin_ia32_crc32di(0, w[0] ^ w[3]);
    uint64_t b = __builtin_ia32_crc32di(0x9e3779b9, w[1] ^ w[4]);
    a = __builtin_ia32_crc32di(a, w[2]);
    return (uint32_t) (a ^ (b << 7) ^ (b >> 25));
#else
    return dp_hash_words(w, 5, 0);
#endif
}

/* Hash of an IPv6 compact key: its eight words in two chains. */
static inline uint32_t
dp_compact6_key_hash(const struct dp_compact6_key *ck)
{
    const uint64_t *w = (const uint64_t *) ck;
#if defined(__SSE4_2__)
    uint64_t a = __builtin_ia32_crc32di(0, w[0] ^ w[7]);
    uint64_t b = __builtin_ia32_crc32di(0x9e3779b9, w[1]);
    a = __builtin_ia32_crc32di(a, w[3] ^ w[2]);
    b = __builtin_ia32_crc32di(b, w[4]);
    a = __builtin_ia32_crc32di(a, w[5]);
    b = __builtin_ia32_crc32di(b, w[6]);
    return (uint32_t) (a ^ (b << 7) ^ (b >> 25));
#else
    return dp_hash_words(w, 8, 0);
#endif
}

/* Whether 'n16' (3 or 4) 16-byte units at 'a' and 'b' (both 16-byte
 * aligned) are equal, branch-free. */
static inline bool
dp_equal16__(const void *a, const void *b, size_t n16)
{
#if defined(__AVX512F__)
    __mmask8 m = n16 == 4 ? 0xff : 0x3f;
    return !_mm512_cmpneq_epi64_mask(_mm512_maskz_loadu_epi64(m, a),
                                     _mm512_maskz_loadu_epi64(m, b));
#elif defined(__AVX2__)
    __m256i d = _mm256_xor_si256(_mm256_loadu_si256(a), _mm256_loadu_si256(b));
    __m128i e = _mm_xor_si128(_mm_load_si128((const __m128i *) a + 2),
                              _mm_load_si128((const __m128i *) b + 2));
    if (n16 == 4) {
        e = _mm_or_si128(e, _mm_xor_si128(
                                _mm_load_si128((const __m128i *) a + 3),
                                _mm_load_si128((const __m128i *) b + 3)));
    }
    return _mm256_testz_si256(d, d) & _mm_testz_si128(e, e);
#elif defined(__SSE4_1__)
    const __m128i *x = a, *y = b;
    __m128i d = _mm_xor_si128(_mm_load_si128(&x[0]), _mm_load_si128(&y[0]));
    for (size_t i = 1; i < n16; i++) {
        d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[i]),
                                          _mm_load_si128(&y[i])));
    }
    return _mm_testz_si128(d, d);
#else
    return !memcmp(a, b, n16 * 16);
#endif
}

static inline bool
dp_compact_key_equal(const struct dp_compact_key *a,
                     const struct dp_compact_key *b)
{
    return dp_equal16__(a, b, sizeof *a / 16);
}

static inline bool
dp_compact6_key_equal(const struct dp_compact6_key *a,
                      const struct dp_compact6_key *b)
{
    return dp_equal16__(a, b, sizeof *a / 16);
}

/* Writes 'key' under 'mask' as "field=value[/mask],..." into 'buf' (at most
 * 'size' bytes, always terminated), omitting fully wildcarded fields.  If
 * 'port_name' is nonnull it names in_port's value. */
void dp_flow_key_format(const struct dp_flow_key *key,
                        const struct dp_flow_key *mask,
                        const char *(*port_name)(uint32_t port, void *aux),
                        void *aux, char *buf, size_t size);

#endif /* flow-key.h */
