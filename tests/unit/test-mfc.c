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
    };
    return cmocka_run_group_tests_name("mfc", tests, NULL, NULL);
}
