/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-isa: which classification variant to use.  See dp-classify.h.
 */
#include "dp-classify.h"

#include <stdio.h>
#include <string.h>

/* The vector width each variant uses, in bits. */
static const unsigned int isa_bits[DP_ISA_COUNT] = {
    [DP_ISA_BASELINE] = 128,
    [DP_ISA_AVX2] = 256,
    [DP_ISA_AVX512] = 512,
};

/* The CPU features each needs, for messages. */
static const char *const isa_needs[DP_ISA_COUNT] = {
    [DP_ISA_BASELINE] = "",
    [DP_ISA_AVX2] = "AVX2 and BMI2",
    [DP_ISA_AVX512] = "AVX512F, AVX512BW, AVX512DQ and AVX512VL",
};

uint32_t
dp_isa_supported(void)
{
    uint32_t s = 1u << DP_ISA_BASELINE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")) {
        s |= 1u << DP_ISA_AVX2;
        if (__builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl")) {
            s |= 1u << DP_ISA_AVX512;
        }
    }
#endif
    return s;
}

enum dp_isa
dp_isa_choose(enum dp_isa requested, uint32_t supported,
              unsigned int max_simd_bits, char *err, size_t err_size)
{
    if (requested == DP_ISA_AUTO) {
        for (int i = DP_ISA_COUNT - 1; i > DP_ISA_BASELINE; i--) {
            if ((supported & (1u << i)) && isa_bits[i] <= max_simd_bits) {
                return i;
            }
        }
        return DP_ISA_BASELINE;
    }
    if ((unsigned int) requested >= DP_ISA_COUNT) {
        snprintf(err, err_size, "unknown instruction set %d",
                 (int) requested);
        return DP_ISA_AUTO;
    }
    if (!(supported & (1u << requested))) {
#if defined(__x86_64__)
        snprintf(err, err_size, "pmd.isa: %s needs a CPU with %s, which "
                 "this one lacks", dp_isa_name(requested),
                 isa_needs[requested]);
#else
        snprintf(err, err_size, "pmd.isa: %s is for x86-64 CPUs only",
                 dp_isa_name(requested));
#endif
        return DP_ISA_AUTO;
    }
    return requested;
}

dp_classify_fn *
dp_classify_get(enum dp_isa isa)
{
#if defined(__x86_64__)
    if (isa == DP_ISA_AVX512) {
        return dp_classify_avx512;
    }
    if (isa == DP_ISA_AVX2) {
        return dp_classify_avx2;
    }
#endif
    return dp_classify_baseline;
}
