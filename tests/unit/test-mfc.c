/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for datapath/mfc (megaflow cache) and datapath/emc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/emc.h"
#include "datapath/mfc.h"

static struct dp_flow_key
key_for(uint32_t in_port, uint32_t ip, uint16_t tp_dst)
{
    struct dp_flow_key k;

    memset(&k, 0, sizeof k);
    k.in_port = in_port;
    k.dl_type = 0x0008;
    memcpy(k.nw_dst, &ip, 4);
    k.tp_dst = tp_dst;
    return k;
}

static struct dp_flow_key
mask_ip_port(void)
{
    struct dp_flow_key m;

    memset(&m, 0, sizeof m);
    m.in_port = UINT32_MAX;
    memset(m.nw_dst, 0xff, 4);
    return m;
}

static struct dp_megaflow *
add(struct mfc *cls, const struct dp_flow_key *k, const struct dp_flow_key *m,
    uint16_t out)
{
    struct dp_action a = { .type = DP_ACTION_OUTPUT, .port = out };
    struct dp_megaflow *mf = dp_megaflow_create(k, m, &a, 1);

    assert_null(mfc_insert(cls, mf, m));
    return mf;
}

static void
test_mfc_matches_under_mask_only(void **state)
{
    struct mfc cls;
    struct dp_flow_key m = mask_ip_port();
    struct dp_flow_key k = key_for(1, 0x0100000a, 53);

    mfc_init(&cls);
    struct dp_megaflow *mf = add(&cls, &k, &m, 7);

    /* Same in_port and nw_dst, other tp_dst: the mask ignores it. */
    struct dp_flow_key k2 = key_for(1, 0x0100000a, 80);
    assert_ptr_equal(mfc_lookup(&cls, &k2), mf);
    /* Other nw_dst: miss. */
    struct dp_flow_key k3 = key_for(1, 0x0200000a, 53);
    assert_null(mfc_lookup(&cls, &k3));
    /* Other in_port: miss. */
    struct dp_flow_key k4 = key_for(2, 0x0100000a, 53);
    assert_null(mfc_lookup(&cls, &k4));
    assert_int_equal(mfc_n_subtables(&cls), 1);
    mfc_destroy(&cls);
}

static void
test_mfc_refuses_duplicate(void **state)
{
    struct mfc cls;
    struct dp_flow_key m = mask_ip_port();
    struct dp_flow_key k = key_for(1, 0x0100000a, 53);
    struct dp_action a = { .type = DP_ACTION_OUTPUT, .port = 1 };

    mfc_init(&cls);
    struct dp_megaflow *mf = add(&cls, &k, &m, 7);
    struct dp_megaflow *dup = dp_megaflow_create(&k, &m, &a, 1);
    assert_ptr_equal(mfc_insert(&cls, dup, &m), mf);
    free(dup);
    assert_int_equal(cls.n_flows, 1);
    mfc_destroy(&cls);
}

/* Many flows in one subtable: growth and backward-shift deletion keep
 * every remaining flow findable. */
static void
test_mfc_survives_growth_and_deletions(void **state)
{
    enum { N = 5000 };
    struct mfc cls;
    struct dp_flow_key m = mask_ip_port();
    struct dp_megaflow **mfs = calloc(N, sizeof *mfs);

    mfc_init(&cls);
    for (uint32_t i = 0; i < N; i++) {
        struct dp_flow_key k = key_for(1, i, 0);
        mfs[i] = add(&cls, &k, &m, i & 0xff);
    }
    for (uint32_t i = 0; i < N; i += 3) {
        mfc_remove(&cls, mfs[i]);
    }
    for (uint32_t i = 0; i < N; i++) {
        struct dp_flow_key k = key_for(1, i, 0);
        struct dp_megaflow *hit = mfc_lookup(&cls, &k);
        if (i % 3 == 0) {
            assert_null(hit);
        } else {
            assert_ptr_equal(hit, mfs[i]);
        }
    }
    assert_int_equal(cls.n_flows, N - (N + 2) / 3);
    mfc_destroy(&cls);
    free(mfs);
}

static void
test_mfc_empty_subtable_goes_and_busiest_ranks_first(void **state)
{
    struct mfc cls;
    struct dp_flow_key m1 = mask_ip_port(), m2;
    /* 'both' matches a (by nw_dst) and b (by tp_dst); 'only_b' just b. */
    struct dp_flow_key ka = key_for(1, 1, 0), kb = key_for(1, 0, 80);
    struct dp_flow_key both = key_for(1, 1, 80), only_b = key_for(1, 2, 80);

    memset(&m2, 0, sizeof m2);
    m2.in_port = UINT32_MAX;
    m2.tp_dst = 0xffff;

    mfc_init(&cls);
    struct dp_megaflow *a = add(&cls, &ka, &m1, 1);
    struct dp_megaflow *b = add(&cls, &kb, &m2, 2);
    assert_int_equal(mfc_n_subtables(&cls), 2);

    /* Subtables are probed in insertion order until ranked... */
    assert_ptr_equal(mfc_lookup(&cls, &both), a);
    /* ...then the one with the most hits since the last ranking first. */
    for (int i = 0; i < 10; i++) {
        assert_ptr_equal(mfc_lookup(&cls, &only_b), b);
    }
    mfc_rank(&cls);
    assert_ptr_equal(mfc_lookup(&cls, &both), b);

    mfc_remove(&cls, b);
    assert_int_equal(mfc_n_subtables(&cls), 1);
    assert_null(mfc_lookup(&cls, &only_b));
    assert_ptr_equal(mfc_lookup(&cls, &both), a);
    mfc_destroy(&cls);
}

static void
test_emc_hits_after_insert_and_drops_dead_flows(void **state)
{
    struct mfc cls;
    struct emc emc;
    struct dp_flow_key m = mask_ip_port();
    struct dp_flow_key k = key_for(1, 0x0100000a, 53);

    mfc_init(&cls);
    emc_init(&emc, 1000, 1);    /* Rounded down to 512; always insert. */
    assert_int_equal(emc.mask, 511);

    struct dp_megaflow *mf = add(&cls, &k, &m, 3);
    uint32_t hash = dp_flow_key_hash(&k);
    assert_null(emc_lookup(&emc, &k, hash));
    emc_insert(&emc, &k, hash, mf);
    assert_ptr_equal(emc_lookup(&emc, &k, hash), mf);
    assert_int_equal(emc_count(&emc), 1);
    assert_int_equal(mf->refcnt, 2);

    /* A key that only the megaflow's mask equates is not an exact match. */
    struct dp_flow_key k2 = key_for(1, 0x0100000a, 80);
    assert_null(emc_lookup(&emc, &k2, dp_flow_key_hash(&k2)));

    /* Removed from the megaflow cache: the EMC entry misses at once, and
     * the megaflow lives until the EMC lets go. */
    mfc_remove(&cls, mf);
    assert_true(mf->dead);
    assert_null(emc_lookup(&emc, &k, hash));
    assert_int_equal(emc_count(&emc), 0);
    emc_flush(&emc);
    emc_destroy(&emc);
    mfc_destroy(&cls);
}

static void
test_emc_insertion_probability(void **state)
{
    struct mfc cls;
    struct emc never, sometimes;
    struct dp_flow_key m = mask_ip_port();
    struct dp_flow_key k = key_for(1, 7, 0);

    mfc_init(&cls);
    struct dp_megaflow *mf = add(&cls, &k, &m, 1);
    emc_init(&never, 8192, 0);
    emc_init(&sometimes, 8192, 100);
    for (uint32_t i = 0; i < 10000; i++) {
        struct dp_flow_key ki = key_for(1, 7, i);
        emc_insert(&never, &ki, dp_flow_key_hash(&ki), mf);
        emc_insert(&sometimes, &ki, dp_flow_key_hash(&ki), mf);
    }
    assert_int_equal(emc_count(&never), 0);
    /* About 100 of 10000; allow for collisions and chance. */
    size_t n = emc_count(&sometimes);
    assert_true(n > 40 && n < 200);
    emc_destroy(&never);
    emc_destroy(&sometimes);
    mfc_destroy(&cls);
}

/* A UDP frame of 'ip_version' 4 or 6, with 'ttl' as its TTL or hop
 * limit and 'label' as its IPv6 flow label; its length. */
static size_t
udp_frame(uint8_t *f, int ip_version, uint8_t ttl, uint32_t label)
{
    static const uint8_t macs[12] = { 0, 0x16, 0x3e, 0, 0, 1,
                                      0, 0x16, 0x3e, 0, 0, 2 };
    size_t l3 = 14, l4;

    memset(f, 0, 128);
    memcpy(f, macs, 12);
    if (ip_version == 4) {
        f[12] = 0x08;
        f[l3] = 0x45;
        f[l3 + 3] = 20 + 8 + 4;             /* Total length. */
        f[l3 + 8] = ttl;
        f[l3 + 9] = 17;
        f[l3 + 15] = 1;                     /* 0.0.0.1 -> 0.0.0.2 */
        f[l3 + 19] = 2;
        l4 = l3 + 20;
    } else {
        f[12] = 0x86;
        f[13] = 0xdd;
        f[l3] = 0x60;
        f[l3 + 1] = (uint8_t) ((label >> 16) & 0x0f);
        f[l3 + 2] = (uint8_t) (label >> 8);
        f[l3 + 3] = (uint8_t) label;
        f[l3 + 5] = 8 + 4;                  /* Payload length. */
        f[l3 + 6] = 17;
        f[l3 + 7] = ttl;
        f[l3 + 8] = 0xfd;                   /* fd00::1 -> fd00::2 */
        f[l3 + 23] = 1;
        f[l3 + 24] = 0xfd;
        f[l3 + 39] = 2;
        l4 = l3 + 40;
    }
    f[l4 + 1] = 53;
    f[l4 + 3] = 53;
    f[l4 + 5] = 12;
    return l4 + 12;
}

/* The compact tables: an IPv4 and an IPv6 packet of the common shapes
 * each hit their own entry after insertion; one changed field (TTL, hop
 * limit, flow label) misses; a dead megaflow misses; the counts and the
 * flush cover all three tables. */
static void
test_emc_compact_tables_hit_exactly(void **state)
{
    struct mfc cls;
    struct emc emc;
    struct dp_flow_key m = mask_ip_port();
    struct dp_flow_key k = key_for(1, 0x0100000a, 53);
    uint8_t f[128];
    union dp_compact_keys c4, c6, other;

    mfc_init(&cls);
    emc_init(&emc, 64, 1);
    assert_int_equal(emc_capacity(&emc), 3 * 64);
    struct dp_megaflow *mf = add(&cls, &k, &m, 3);

    size_t n = udp_frame(f, 4, 64, 0);
    assert_int_equal(dp_compact_extract(f, n, n, 1, &c4), DP_COMPACT_IP4);
    n = udp_frame(f, 6, 64, 0x12345);
    assert_int_equal(dp_compact_extract(f, n, n, 1, &c6), DP_COMPACT_IP6);
    uint32_t h4 = dp_compact_key_hash(&c4.v4);
    uint32_t h6 = dp_compact6_key_hash(&c6.v6);

    assert_null(emc_lookup_compact(&emc, &c4.v4, h4));
    assert_null(emc_lookup_compact6(&emc, &c6.v6, h6));
    emc_insert_compact(&emc, &c4.v4, h4, mf);
    emc_insert_compact6(&emc, &c6.v6, h6, mf);
    emc_insert(&emc, &k, dp_flow_key_hash(&k), mf);
    assert_ptr_equal(emc_lookup_compact(&emc, &c4.v4, h4), mf);
    assert_ptr_equal(emc_lookup_compact6(&emc, &c6.v6, h6), mf);
    assert_int_equal(emc_count(&emc), 3);
    assert_int_equal(mf->refcnt, 4);

    n = udp_frame(f, 4, 63, 0);
    assert_int_equal(dp_compact_extract(f, n, n, 1, &other), DP_COMPACT_IP4);
    assert_null(emc_lookup_compact(&emc, &other.v4,
                                   dp_compact_key_hash(&other.v4)));
    n = udp_frame(f, 6, 63, 0x12345);
    assert_int_equal(dp_compact_extract(f, n, n, 1, &other), DP_COMPACT_IP6);
    assert_null(emc_lookup_compact6(&emc, &other.v6,
                                    dp_compact6_key_hash(&other.v6)));
    n = udp_frame(f, 6, 64, 0x12346);
    assert_int_equal(dp_compact_extract(f, n, n, 1, &other), DP_COMPACT_IP6);
    assert_null(emc_lookup_compact6(&emc, &other.v6,
                                    dp_compact6_key_hash(&other.v6)));

    /* The IPv6 key expands to what the full parser makes. */
    struct dp_flow_key full, expanded;
    dp_flow_key_extract(f, n, 1, &full);
    dp_compact_expand(DP_COMPACT_IP6, &other, &expanded);
    assert_memory_equal(&full, &expanded, sizeof full);
    assert_int_equal(ntohl(full.ipv6_label), 0x12346);

    mfc_remove(&cls, mf);
    assert_null(emc_lookup_compact6(&emc, &c6.v6, h6));
    assert_int_equal(emc_count(&emc), 0);
    assert_int_equal(mf->refcnt, 3);    /* The three entries'. */
    emc_flush(&emc);                    /* Frees it (ASan would tell). */
    emc_destroy(&emc);
    mfc_destroy(&cls);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mfc_matches_under_mask_only),
        cmocka_unit_test(test_mfc_refuses_duplicate),
        cmocka_unit_test(test_mfc_survives_growth_and_deletions),
        cmocka_unit_test(test_mfc_empty_subtable_goes_and_busiest_ranks_first),
        cmocka_unit_test(test_emc_hits_after_insert_and_drops_dead_flows),
        cmocka_unit_test(test_emc_insertion_probability),
        cmocka_unit_test(test_emc_compact_tables_hit_exactly),
    };
    return cmocka_run_group_tests_name("mfc", tests, NULL, NULL);
}
