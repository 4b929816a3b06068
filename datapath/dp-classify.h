/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-classify: the first half of a burst's way through a PMD thread --
 * parse every packet into its (compact or full) flow key, hash it, load
 * the exact-match cache entries it may hit, probe them -- compiled once
 * for each instruction set xvs knows, and chosen once at start-up by the
 * CPU's features (dp_isa_choose()).
 *
 * The variants compute the same thing (test-classify checks it packet by
 * packet: keys, hashes and hits); the wider ones only do it with wider
 * instructions (AVX2: 32-byte key compares and zeroing; AVX-512: a key
 * compare in one or two masked 64-byte compares).  The baseline is the
 * build's own ISA (SSE4.2 on x86-64).
 *
 * Thread-safety: dp_classify_*() run on the PMD thread that owns the
 * EMC; the dp_isa_*() functions are pure (dp_isa_supported() asks the
 * CPU).  Nothing here needs DPDK but the variants themselves, so lib/ and
 * the unit tests use the names and the choice.
 */
#ifndef DP_CLASSIFY_H
#define DP_CLASSIFY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow-key.h"

struct emc;
struct dp_megaflow;
struct rte_mbuf;

/* The instruction sets, widest last. */
enum dp_isa {
    DP_ISA_AUTO,                /* Requests only: the widest usable. */
    DP_ISA_BASELINE,
    DP_ISA_AVX2,
    DP_ISA_AVX512,
};
#define DP_ISA_COUNT 4

/* "auto", "baseline", "avx2", "avx512". */
static inline const char *
dp_isa_name(enum dp_isa isa)
{
    static const char *const names[DP_ISA_COUNT] = {
        "auto", "baseline", "avx2", "avx512"
    };
    return (unsigned int) isa < DP_ISA_COUNT ? names[isa] : "?";
}

/* Parses 'name' into '*isa'; false if it is none of dp_isa_name()'s. */
static inline bool
dp_isa_from_name(const char *name, enum dp_isa *isa)
{
    for (int i = 0; i < DP_ISA_COUNT; i++) {
        if (!strcmp(name, dp_isa_name(i))) {
            *isa = i;
            return true;
        }
    }
    return false;
}

/* What the CPU has, as bits (1 << DP_ISA_*): the variants built into this
 * binary whose CPU features are all present. */
uint32_t dp_isa_supported(void);

/* The variant to use for 'requested' (DP_ISA_AUTO: the widest in
 * 'supported' whose vector width is at most 'max_simd_bits', DPDK's
 * rte_vect_get_max_simd_bitwidth(); the baseline always qualifies).  If
 * a named one is not in 'supported', returns DP_ISA_AUTO and writes why
 * into 'err' (at most 'err_size' bytes). */
enum dp_isa dp_isa_choose(enum dp_isa requested, uint32_t supported,
                          unsigned int max_simd_bits, char *err,
                          size_t err_size);

/* What dp_classify_*() hand back for a burst of 'n' packets: for packet
 * i, 'kinds[i]' says which key it has (a compact one in 'ckeys[i]', or
 * the full one in the caller's 'keys[i]'), 'hashes[i]' its EMC hash, and
 * 'mfs[i]' the live megaflow its EMC entry points to, or NULL on a miss.
 * 'keys[i]' is filled only for DP_COMPACT_NONE. */
struct dp_burst {
    union dp_compact_keys ckeys[32];
    uint8_t kinds[32];              /* enum dp_compact_kind. */
    uint32_t hashes[32];
    struct dp_megaflow *mfs[32];
};

typedef void dp_classify_fn(struct emc *, struct rte_mbuf *const *pkts,
                            uint16_t n, uint32_t port_no,
                            struct dp_flow_key *keys, struct dp_burst *);

dp_classify_fn dp_classify_baseline;
#if defined(__x86_64__)
dp_classify_fn dp_classify_avx2;
dp_classify_fn dp_classify_avx512;
#endif

/* The variant of 'isa' (DP_ISA_BASELINE if it is not built). */
dp_classify_fn *dp_classify_get(enum dp_isa isa);

#endif /* dp-classify.h */
