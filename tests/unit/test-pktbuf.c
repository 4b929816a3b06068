/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for switchd/pktbuf: the packets of truncated packet-ins, kept
 * under buffer ids that are used once, expire and are bounded. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"
#include "openvswitch/ofp-errors.h"
#include "switchd/pktbuf.h"

static const char PKT[] = "a packet of some bytes";

static void
test_pktbuf_keeps_a_packet_until_used(void **state)
{
    struct pktbuf *pb = pktbuf_create();
    const void *data;
    size_t len, bytes;
    ofp_port_t port;

    uint32_t id = pktbuf_save(pb, PKT, sizeof PKT, u16_to_ofp(7), 0);
    assert_int_not_equal(id, UINT32_MAX);
    assert_int_equal(pktbuf_count(pb, &bytes), 1);
    assert_int_equal(bytes, sizeof PKT);

    /* A peek leaves the packet where it is. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pktbuf_peek(pb, id, 10, &data, &len, &port), 0);
        assert_int_equal(len, sizeof PKT);
        assert_memory_equal(data, PKT, sizeof PKT);
        assert_int_equal(ofp_to_u16(port), 7);
    }
    pktbuf_discard(pb, id);
    assert_int_equal(pktbuf_peek(pb, id, 10, &data, &len, &port),
                     OFPERR_OFPBRC_BUFFER_EMPTY);
    assert_int_equal(pktbuf_count(pb, NULL), 0);
    pktbuf_destroy(pb);
}

static void
test_pktbuf_refuses_ids_it_never_gave(void **state)
{
    struct pktbuf *pb = pktbuf_create();
    const void *data;
    size_t len;
    ofp_port_t port;

    assert_int_equal(pktbuf_peek(pb, 0, 0, &data, &len, &port),
                     OFPERR_OFPBRC_BUFFER_UNKNOWN);
    assert_int_equal(pktbuf_peek(pb, 0x12345678, 0, &data, &len, &port),
                     OFPERR_OFPBRC_BUFFER_UNKNOWN);
    uint32_t id = pktbuf_save(pb, PKT, sizeof PKT, u16_to_ofp(1), 0);
    /* Same slot, other generation. */
    assert_int_equal(pktbuf_peek(pb, id + PKTBUF_SLOTS, 0, &data, &len,
                                 &port), OFPERR_OFPBRC_BUFFER_UNKNOWN);
    pktbuf_discard(pb, id + PKTBUF_SLOTS);     /* Not its packet: kept. */
    assert_int_equal(pktbuf_peek(pb, id, 0, &data, &len, &port), 0);
    pktbuf_destroy(pb);
}

static void
test_pktbuf_expires_packets(void **state)
{
    struct pktbuf *pb = pktbuf_create();
    const void *data;
    size_t len;
    ofp_port_t port;

    uint32_t old = pktbuf_save(pb, PKT, sizeof PKT, u16_to_ofp(1), 0);
    uint32_t young = pktbuf_save(pb, PKT, 4, u16_to_ofp(2), 4000);
    assert_int_equal(pktbuf_peek(pb, old, PKTBUF_TIMEOUT_MS - 1, &data,
                                 &len, &port), 0);
    /* Timed out, whether looked up or swept: unknown, not used. */
    assert_int_equal(pktbuf_peek(pb, old, PKTBUF_TIMEOUT_MS, &data, &len,
                                 &port), OFPERR_OFPBRC_BUFFER_UNKNOWN);
    pktbuf_expire(pb, 4000 + PKTBUF_TIMEOUT_MS);
    assert_int_equal(pktbuf_count(pb, NULL), 0);
    assert_int_equal(pktbuf_peek(pb, young, 4000, &data, &len, &port),
                     OFPERR_OFPBRC_BUFFER_UNKNOWN);
    pktbuf_destroy(pb);
}

static void
test_pktbuf_is_bounded(void **state)
{
    struct pktbuf *pb = pktbuf_create();
    uint32_t ids[PKTBUF_SLOTS];
    const void *data;
    size_t len;
    ofp_port_t port;

    for (int i = 0; i < PKTBUF_SLOTS; i++) {
        ids[i] = pktbuf_save(pb, PKT, sizeof PKT, u16_to_ofp(1), i);
        assert_int_not_equal(ids[i], UINT32_MAX);
        for (int j = 0; j < i; j++) {
            assert_int_not_equal(ids[i], ids[j]);
        }
    }
    /* Full of young packets: the next one is not kept, none is lost. */
    assert_int_equal(pktbuf_save(pb, PKT, sizeof PKT, u16_to_ofp(1), 1000),
                     UINT32_MAX);
    assert_int_equal(pktbuf_count(pb, NULL), PKTBUF_SLOTS);

    /* A used slot takes the next packet, under a new id. */
    pktbuf_discard(pb, ids[9]);
    uint32_t id = pktbuf_save(pb, "x", 1, u16_to_ofp(3), 1000);
    assert_int_not_equal(id, UINT32_MAX);
    assert_int_not_equal(id, ids[9]);
    assert_int_equal(pktbuf_peek(pb, ids[9], 1000, &data, &len, &port),
                     OFPERR_OFPBRC_BUFFER_UNKNOWN);

    /* Once the oldest time out, new packets take their slots. */
    id = pktbuf_save(pb, "y", 1, u16_to_ofp(3), PKTBUF_TIMEOUT_MS);
    assert_int_not_equal(id, UINT32_MAX);
    assert_int_equal(pktbuf_peek(pb, ids[0], PKTBUF_TIMEOUT_MS, &data, &len,
                                 &port), OFPERR_OFPBRC_BUFFER_UNKNOWN);
    assert_int_equal(pktbuf_peek(pb, id, PKTBUF_TIMEOUT_MS, &data, &len,
                                 &port), 0);
    assert_memory_equal(data, "y", 1);

    /* Longer than a packet-in can tell: not kept. */
    static char big[PKTBUF_MAX_LEN + 1];
    pktbuf_discard(pb, id);
    assert_int_equal(pktbuf_save(pb, big, sizeof big, u16_to_ofp(1),
                                 PKTBUF_TIMEOUT_MS), UINT32_MAX);
    pktbuf_destroy(pb);
}

static void
test_pktbuf_bounds_its_bytes(void **state)
{
    static char big[PKTBUF_MAX_LEN];
    struct pktbuf *pb = pktbuf_create();
    size_t n = PKTBUF_MAX_BYTES / sizeof big, bytes;
    uint32_t first = UINT32_MAX;

    for (size_t i = 0; i < n; i++) {
        uint32_t id = pktbuf_save(pb, big, sizeof big, u16_to_ofp(1), 0);
        assert_int_not_equal(id, UINT32_MAX);
        first = i ? first : id;
    }
    assert_int_equal(pktbuf_count(pb, &bytes), n);
    assert_int_equal(bytes, n * sizeof big);
    /* Free slots remain, but not bytes. */
    assert_int_equal(pktbuf_save(pb, big, PKTBUF_MAX_BYTES - bytes + 1,
                                 u16_to_ofp(1), 0), UINT32_MAX);
    /* One used makes room again. */
    pktbuf_discard(pb, first);
    assert_int_not_equal(pktbuf_save(pb, big, sizeof big, u16_to_ofp(1), 0),
                         UINT32_MAX);
    pktbuf_destroy(pb);
}

static void
test_pktbuf_never_gives_no_buffer(void **state)
{
    struct pktbuf *pb = pktbuf_create();
    const void *data;
    size_t len;
    ofp_port_t port;

    /* Through more generations than an id holds: every id is usable and
     * none is OFP_NO_BUFFER. */
    for (long i = 0; i < (1L << 24) + 600; i++) {
        uint32_t id = pktbuf_save(pb, "z", 1, u16_to_ofp(1), 0);
        assert_true(id != UINT32_MAX);
        if (!(i % 100003)) {
            assert_int_equal(pktbuf_peek(pb, id, 0, &data, &len, &port), 0);
        }
        pktbuf_discard(pb, id);
    }
    pktbuf_destroy(pb);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pktbuf_keeps_a_packet_until_used),
        cmocka_unit_test(test_pktbuf_refuses_ids_it_never_gave),
        cmocka_unit_test(test_pktbuf_expires_packets),
        cmocka_unit_test(test_pktbuf_is_bounded),
        cmocka_unit_test(test_pktbuf_bounds_its_bytes),
        cmocka_unit_test(test_pktbuf_never_gives_no_buffer),
    };
    return cmocka_run_group_tests_name("pktbuf", tests, NULL, NULL);
}
