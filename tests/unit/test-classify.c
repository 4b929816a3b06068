/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for datapath/dp-classify: every variant the CPU can run
 * classifies bursts exactly as the plain inline functions do (keys,
 * hashes, exact-match hits and misses), and the choice of variant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "datapath/dp-classify.h"
#include "datapath/emc.h"
#include "datapath/mfc.h"

static uint32_t rng = 4242;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

#define N_FRAMES 4096
#define FRAME_MAX 128

struct frame {
    uint8_t data[FRAME_MAX];
    size_t len, frame_len;
    bool rss;
    uint32_t rss_hash;
};

/* A frame of one of the shapes the fast path sees -- IPv4 or IPv6 with
 * TCP, UDP or ICMP, tagged or not, ARP, something else -- with its fields
 * random, sometimes a byte broken or the frame cut short.  Frames come in
 * pairs: the second is the first, or the first with one bit flipped, and
 * both have the same RSS hash or none, so that the cache compares keys
 * that collide and differ in one field only. */
static void
make_frame(struct frame *f, int i)
{
    if (i % 2) {
        *f = f[-1];
        if (rnd(3) && f->len) {
            f->data[rnd(f->len < 80 ? f->len : 80)] ^= 1 << rnd(8);
        }
        return;
    }

    uint8_t *p = f->data;
    size_t n = 12;

    for (size_t j = 0; j < FRAME_MAX; j++) {
        p[j] = rnd(4) ? 0 : rnd(256);
    }
    for (size_t j = 0; j < 12; j++) {
        p[j] = rnd(3);                  /* Few MACs: equal keys recur. */
    }
    if (rnd(4) == 0) {
        p[n] = 0x81;
        p[n + 1] = 0;
        p[n + 3] = rnd(3);
        n += 4;
    }
    size_t l3 = n + 2, len;
    switch (rnd(5)) {
    case 0: case 1:                     /* IPv4. */
        p[n] = 0x08;
        p[n + 1] = 0;
        p[l3] = 0x45;
        p[l3 + 8] = 64 - rnd(2);
        p[l3 + 9] = (uint8_t[]) { 6, 17, 1, 47 }[rnd(4)];
        p[l3 + 15] = rnd(4);
        p[l3 + 19] = rnd(4);
        len = l3 + 20 + 20 + rnd(20);
        p[l3 + 2] = 0;
        p[l3 + 3] = (uint8_t) (len - l3);
        p[l3 + 6] = rnd(2) ? 0x40 : 0;  /* DF at most: no fragment. */
        p[l3 + 7] = 0;
        p[l3 + 20 + 12] = 0x50;         /* TCP data offset, if TCP. */
        break;
    case 2: case 3:                     /* IPv6. */
        p[n] = 0x86;
        p[n + 1] = 0xdd;
        p[l3] = 0x60;
        p[l3 + 3] = rnd(3);             /* Flow label. */
        p[l3 + 6] = (uint8_t[]) { 6, 17, 58, 0 }[rnd(4)];
        p[l3 + 7] = 64;
        p[l3 + 23] = rnd(4);
        p[l3 + 39] = rnd(4);
        len = l3 + 40 + 20 + rnd(20);
        p[l3 + 4] = 0;
        p[l3 + 5] = (uint8_t) (len - l3 - 40);
        p[l3 + 40 + 12] = 0x50;
        if (p[l3 + 6] == 58 && rnd(3) == 0) {
            p[l3 + 40] = 135;           /* Neighbor solicitation. */
            p[l3 + 41] = 0;
        }
        break;
    default:                            /* ARP or anything. */
        p[n] = rnd(2) ? 0x08 : rnd(256);
        p[n + 1] = rnd(2) ? 0x06 : rnd(256);
        len = l3 + 28 + rnd(30);
        break;
    }
    if (rnd(10) == 0) {
        p[rnd(len)] ^= 1 << rnd(8);     /* A broken byte. */
    }
    if (rnd(10) == 0) {
        len = rnd(len + 1);             /* Cut short. */
    }
    f->len = len;
    f->frame_len = len + (rnd(8) == 0 ? rnd(64) : 0);
    f->rss = rnd(3) == 0;
    f->rss_hash = (uint32_t) i * 2654435761u;
}

/* What the burst's classification should give for 'f', by the plain
 * inline functions, compiled here for the build's baseline. */
static void
reference(const struct frame *f, uint32_t port_no, uint8_t *kind,
          union dp_compact_keys *ck, struct dp_flow_key *key,
          uint32_t *hash)
{
    *kind = dp_compact_extract(f->data, f->len, f->frame_len, port_no, ck);
    if (*kind == DP_COMPACT_NONE) {
        dp_flow_key_extract_head(f->data, f->len, f->frame_len, port_no,
                                 key);
    }
    if (f->rss) {
        uint64_t w = ((uint64_t) f->rss_hash << 32) | port_no;
        *hash = dp_hash_words(&w, 1, *kind ? 0 : key->parse_flags);
    } else {
        *hash = (*kind == DP_COMPACT_IP4 ? dp_compact_key_hash(&ck->v4)
                 : *kind == DP_COMPACT_IP6 ? dp_compact6_key_hash(&ck->v6)
                 : dp_flow_key_hash(key));
    }
}

static void
test_every_variant_classifies_as_the_reference(void **state)
{
    static struct frame frames[N_FRAMES];
    static struct rte_mbuf mbufs[N_FRAMES];
    static struct dp_flow_key ref_keys[N_FRAMES];
    static union dp_compact_keys ref_ck[N_FRAMES];
    static uint8_t ref_kind[N_FRAMES];
    static uint32_t ref_hash[N_FRAMES];
    static struct dp_megaflow *expect[N_FRAMES];
    const uint32_t port_no = 3;

    struct dp_flow_key zero;
    memset(&zero, 0, sizeof zero);
    struct dp_action a = { .type = DP_ACTION_OUTPUT, .port = 1 };
    struct dp_megaflow *mf[2] = {
        dp_megaflow_create(&zero, &zero, &a, 1),
        dp_megaflow_create(&zero, &zero, &a, 1),
    };
    dp_megaflow_ref(mf[0]);         /* Ours, beside the EMC's. */
    dp_megaflow_ref(mf[1]);

    /* An EMC holding every other frame's key (the first of each RSS
     * pair), as the baseline computes it; always insert. */
    struct emc emc;
    emc_init(&emc, 16384, 1);
    for (int i = 0; i < N_FRAMES; i++) {
        struct frame *f = &frames[i];
        make_frame(f, i);
        memset(&mbufs[i], 0, sizeof mbufs[i]);
        mbufs[i].buf_addr = f->data;
        mbufs[i].data_off = 0;
        mbufs[i].data_len = f->len;
        mbufs[i].pkt_len = f->frame_len;
        mbufs[i].ol_flags = f->rss ? RTE_MBUF_F_RX_RSS_HASH : 0;
        mbufs[i].hash.rss = f->rss_hash;
        reference(f, port_no, &ref_kind[i], &ref_ck[i], &ref_keys[i],
                  &ref_hash[i]);
    }
    size_t kinds[3] = { 0 };
    for (int i = 0; i < N_FRAMES; i += 2) {
        struct dp_megaflow *m = mf[(i / 2) % 2];
        if (ref_kind[i] == DP_COMPACT_IP4) {
            emc_insert_compact(&emc, &ref_ck[i].v4, ref_hash[i], m);
        } else if (ref_kind[i] == DP_COMPACT_IP6) {
            emc_insert_compact6(&emc, &ref_ck[i].v6, ref_hash[i], m);
        } else {
            emc_insert(&emc, &ref_keys[i], ref_hash[i], m);
        }
    }
    /* What the baseline's own lookups find: a later insertion may have
     * evicted an earlier one, and the second of a pair hits only if its
     * key equals the first's. */
    size_t hits = 0;
    for (int i = 0; i < N_FRAMES; i++) {
        kinds[ref_kind[i]]++;
        expect[i] = (ref_kind[i] == DP_COMPACT_IP4
                     ? emc_lookup_compact(&emc, &ref_ck[i].v4, ref_hash[i])
                     : ref_kind[i] == DP_COMPACT_IP6
                     ? emc_lookup_compact6(&emc, &ref_ck[i].v6, ref_hash[i])
                     : emc_lookup(&emc, &ref_keys[i], ref_hash[i]));
        hits += expect[i] != NULL;
    }
    print_message("%zu IPv4, %zu IPv6 compact keys, %zu full; %zu hits\n",
                  kinds[DP_COMPACT_IP4], kinds[DP_COMPACT_IP6],
                  kinds[DP_COMPACT_NONE], hits);
    assert_true(kinds[DP_COMPACT_IP4] > N_FRAMES / 8);
    assert_true(kinds[DP_COMPACT_IP6] > N_FRAMES / 8);
    assert_true(kinds[DP_COMPACT_NONE] > N_FRAMES / 8);
    assert_true(hits > N_FRAMES / 4 && hits < N_FRAMES);

    uint32_t supported = dp_isa_supported();
    int tried = 0;
    for (int isa = DP_ISA_BASELINE; isa < DP_ISA_COUNT; isa++) {
        if (!(supported & (1u << isa))) {
            print_message("%s: not on this CPU, skipped\n", dp_isa_name(isa));
            continue;
        }
        dp_classify_fn *fn = dp_classify_get(isa);
        tried++;
        for (int base = 0; base < N_FRAMES; base += 32) {
            struct rte_mbuf *pkts[32];
            struct dp_flow_key keys[32];
            struct dp_burst b;
            uint16_t n = (uint16_t) (1 + rnd(32));  /* Short bursts too. */

            if (base + n > N_FRAMES) {
                n = N_FRAMES - base;
            }
            for (int j = 0; j < n; j++) {
                pkts[j] = &mbufs[base + j];
            }
            memset(&b, 0xa5, sizeof b);
            fn(&emc, pkts, n, port_no, keys, &b);
            for (int j = 0; j < n; j++) {
                int i = base + j;
                if (b.kinds[j] != ref_kind[i] || b.hashes[j] != ref_hash[i]
                    || b.mfs[j] != expect[i]
                    || (ref_kind[i] == DP_COMPACT_IP4
                        && memcmp(&b.ckeys[j].v4, &ref_ck[i].v4,
                                  sizeof ref_ck[i].v4))
                    || (ref_kind[i] == DP_COMPACT_IP6
                        && memcmp(&b.ckeys[j].v6, &ref_ck[i].v6,
                                  sizeof ref_ck[i].v6))
                    || (ref_kind[i] == DP_COMPACT_NONE
                        && memcmp(&keys[j], &ref_keys[i], sizeof keys[j]))) {
                    fail_msg("%s: frame %d (kind %d/%d, hash %08x/%08x, "
                             "hit %p/%p) differs from the reference",
                             dp_isa_name(isa), i, b.kinds[j], ref_kind[i],
                             b.hashes[j], ref_hash[i], (void *) b.mfs[j],
                             (void *) expect[i]);
                }
            }
        }
    }
    assert_true(tried >= 1);
    emc_destroy(&emc);
    dp_megaflow_unref(mf[0]);
    dp_megaflow_unref(mf[1]);
}

static void
test_isa_choice(void **state)
{
    char err[160] = "";
    uint32_t all = (1u << DP_ISA_BASELINE) | (1u << DP_ISA_AVX2)
                   | (1u << DP_ISA_AVX512);
    uint32_t base = 1u << DP_ISA_BASELINE;

    /* auto: the widest the CPU has, within DPDK's cap. */
    assert_int_equal(dp_isa_choose(DP_ISA_AUTO, all, 512, err, sizeof err),
                     DP_ISA_AVX512);
    assert_int_equal(dp_isa_choose(DP_ISA_AUTO, all, 256, err, sizeof err),
                     DP_ISA_AVX2);
    assert_int_equal(dp_isa_choose(DP_ISA_AUTO, all, 128, err, sizeof err),
                     DP_ISA_BASELINE);
    assert_int_equal(dp_isa_choose(DP_ISA_AUTO, base, 512, err, sizeof err),
                     DP_ISA_BASELINE);
    /* A named one is used if the CPU has it, whatever the cap. */
    assert_int_equal(dp_isa_choose(DP_ISA_AVX512, all, 256, err,
                                   sizeof err), DP_ISA_AVX512);
    assert_int_equal(dp_isa_choose(DP_ISA_BASELINE, all, 512, err,
                                   sizeof err), DP_ISA_BASELINE);
    /* And refused, saying why, if not. */
    assert_int_equal(dp_isa_choose(DP_ISA_AVX512, base, 512, err,
                                   sizeof err), DP_ISA_AUTO);
#if defined(__x86_64__)
    assert_string_equal(err, "pmd.isa: avx512 needs a CPU with AVX512F, "
                        "AVX512BW, AVX512DQ and AVX512VL, which this one "
                        "lacks");
#endif
    assert_int_equal(dp_isa_choose(DP_ISA_AVX2, base, 512, err, sizeof err),
                     DP_ISA_AUTO);

    enum dp_isa isa;
    assert_true(dp_isa_from_name("avx2", &isa));
    assert_int_equal(isa, DP_ISA_AVX2);
    assert_false(dp_isa_from_name("AVX2", &isa));
    assert_string_equal(dp_isa_name(DP_ISA_AUTO), "auto");
    assert_true(dp_isa_supported() & (1u << DP_ISA_BASELINE));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant_classifies_as_the_reference),
        cmocka_unit_test(test_isa_choice),
    };
    return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
