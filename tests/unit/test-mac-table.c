/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for switchd/mac-table: learning, moves, aging, eviction. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "switchd/mac-table.h"

static const uint8_t A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void
test_mac_table_learns_and_looks_up_per_vlan(void **state)
{
    struct mac_table *t = mac_table_create(1000, 16);

    assert_int_equal(mac_table_lookup(t, A, 0, 0), 0);
    mac_table_learn(t, A, 0, 3, 0);
    assert_int_equal(mac_table_lookup(t, A, 0, 10), 3);
    /* Same address, other VLAN: unknown there. */
    assert_int_equal(mac_table_lookup(t, A, 10, 10), 0);
    mac_table_learn(t, A, 10, 4, 10);
    assert_int_equal(mac_table_lookup(t, A, 10, 10), 4);
    assert_int_equal(mac_table_lookup(t, A, 0, 10), 3);
    assert_int_equal(mac_table_count(t), 2);
    mac_table_destroy(t);
}

static void
test_mac_table_follows_a_moved_address(void **state)
{
    struct mac_table *t = mac_table_create(1000, 16);

    mac_table_learn(t, A, 0, 1, 0);
    mac_table_learn(t, A, 0, 2, 5);
    assert_int_equal(mac_table_lookup(t, A, 0, 6), 2);
    assert_int_equal(mac_table_count(t), 1);
    mac_table_destroy(t);
}

static void
test_mac_table_ages_out_idle_entries(void **state)
{
    struct mac_table *t = mac_table_create(1000, 16);

    mac_table_learn(t, A, 0, 1, 0);
    mac_table_learn(t, B, 0, 2, 600);
    /* Past A's aging time, before run(): lookups already ignore it. */
    assert_int_equal(mac_table_lookup(t, A, 0, 1000), 0);
    assert_int_equal(mac_table_lookup(t, B, 0, 1000), 2);
    assert_int_equal(mac_table_run(t, 1000), 1);
    assert_int_equal(mac_table_count(t), 1);
    /* Refreshing B keeps it. */
    mac_table_learn(t, B, 0, 2, 1500);
    assert_int_equal(mac_table_run(t, 2000), 0);
    assert_int_equal(mac_table_lookup(t, B, 0, 2000), 2);
    assert_int_equal(mac_table_run(t, 2500), 1);
    assert_int_equal(mac_table_count(t), 0);
    mac_table_destroy(t);
}

static void
test_mac_table_evicts_least_recent_when_full(void **state)
{
    struct mac_table *t = mac_table_create(100000, 2);
    uint8_t c[6] = { 0x02, 0, 0, 0, 0, 0x0c };

    mac_table_learn(t, A, 0, 1, 0);
    mac_table_learn(t, B, 0, 2, 1);
    mac_table_learn(t, A, 0, 1, 2);   /* A is now the most recent. */
    mac_table_learn(t, c, 0, 3, 3);   /* Evicts B. */
    assert_int_equal(mac_table_count(t), 2);
    assert_int_equal(mac_table_lookup(t, B, 0, 4), 0);
    assert_int_equal(mac_table_lookup(t, A, 0, 4), 1);
    assert_int_equal(mac_table_lookup(t, c, 0, 4), 3);
    mac_table_destroy(t);
}

/* mac-table-size: a larger table keeps more addresses; shrinking it
 * forgets the least recently refreshed first. */
static void
test_mac_table_resizes(void **state)
{
    struct mac_table *t = mac_table_create(100000, 2);
    uint8_t m[6] = { 0x02, 0, 0, 0, 0, 0 };

    assert_int_equal(mac_table_set_max(t, 10000), 0);
    for (int i = 0; i < 10000; i++) {
        m[4] = i >> 8;
        m[5] = i;
        mac_table_learn(t, m, 0, 1 + i % 3, i);
    }
    assert_int_equal(mac_table_count(t), 10000);
    m[4] = 0;
    m[5] = 0;
    assert_int_equal(mac_table_lookup(t, m, 0, 10000), 1);

    /* Refresh address 0: it is now the most recent. */
    mac_table_learn(t, m, 0, 1, 10001);
    assert_int_equal(mac_table_set_max(t, 100), 9900);
    assert_int_equal(mac_table_count(t), 100);
    assert_int_equal(mac_table_lookup(t, m, 0, 10002), 1);
    m[5] = 1;   /* Address 1, among the oldest: gone. */
    assert_int_equal(mac_table_lookup(t, m, 0, 10002), 0);
    m[4] = 9999 >> 8;
    m[5] = 9999 & 0xff;   /* The newest but one: kept. */
    assert_int_equal(mac_table_lookup(t, m, 0, 10002), 1 + 9999 % 3);
    mac_table_destroy(t);
}

static void
test_mac_table_flushes_a_port(void **state)
{
    struct mac_table *t = mac_table_create(1000, 16);
    struct mac_table_entry_info e[4];

    mac_table_learn(t, A, 0, 1, 0);
    mac_table_learn(t, B, 0, 2, 0);
    mac_table_flush_port(t, 1);
    assert_int_equal(mac_table_lookup(t, A, 0, 1), 0);
    assert_int_equal(mac_table_dump(t, e, 4, 1), 1);
    assert_int_equal(e[0].ofport, 2);
    assert_memory_equal(e[0].mac, B, 6);
    mac_table_flush(t);
    assert_int_equal(mac_table_count(t), 0);
    mac_table_destroy(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac_table_learns_and_looks_up_per_vlan),
        cmocka_unit_test(test_mac_table_follows_a_moved_address),
        cmocka_unit_test(test_mac_table_ages_out_idle_entries),
        cmocka_unit_test(test_mac_table_evicts_least_recent_when_full),
        cmocka_unit_test(test_mac_table_resizes),
        cmocka_unit_test(test_mac_table_flushes_a_port),
    };
    return cmocka_run_group_tests_name("mac-table", tests, NULL, NULL);
}
