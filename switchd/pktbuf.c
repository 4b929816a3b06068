/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include "pktbuf.h"

#include <stdlib.h>
#include <string.h>
#include "util.h"

/* A buffer id is (generation << PKTBUF_SLOT_BITS) | slot.  Generations
 * count the packets saved, from 1, and wrap before the all-ones one, so
 * no id is UINT32_MAX (OFP_NO_BUFFER). */
#define PKTBUF_SLOT_BITS 8
#define PKTBUF_GEN_MAX ((UINT32_C(1) << (32 - PKTBUF_SLOT_BITS)) - 2)
BUILD_ASSERT_DECL(PKTBUF_SLOTS == 1 << PKTBUF_SLOT_BITS);

enum pktbuf_state {
    PKTBUF_FREE,                /* Never used, expired or overwritten. */
    PKTBUF_FULL,                /* Holds a packet. */
    PKTBUF_USED,                /* Its packet was taken. */
};

struct pktbuf_slot {
    enum pktbuf_state state;
    uint32_t gen;               /* Of the packet saved last, 0 if none. */
    void *data;
    size_t len;
    ofp_port_t in_port;
    long long saved;            /* When, in ms. */
};

struct pktbuf {
    struct pktbuf_slot slots[PKTBUF_SLOTS];
    unsigned int next;          /* Where the search for a free slot starts. */
    uint32_t gen;               /* Of the packet saved last. */
    size_t bytes;               /* Of the packets kept. */
};

struct pktbuf *
pktbuf_create(void)
{
    return xzalloc(sizeof(struct pktbuf));
}

static void
slot_free(struct pktbuf *pb, struct pktbuf_slot *s, enum pktbuf_state state)
{
    pb->bytes -= s->len;
    free(s->data);
    s->data = NULL;
    s->len = 0;
    s->state = state;
}

void
pktbuf_destroy(struct pktbuf *pb)
{
    if (pb) {
        for (size_t i = 0; i < PKTBUF_SLOTS; i++) {
            free(pb->slots[i].data);
        }
        free(pb);
    }
}

static bool
slot_expired(const struct pktbuf_slot *s, long long now)
{
    return now - s->saved >= PKTBUF_TIMEOUT_MS;
}

uint32_t
pktbuf_save(struct pktbuf *pb, const void *data, size_t len,
            ofp_port_t in_port, long long now)
{
    if (len > PKTBUF_MAX_LEN) {
        return UINT32_MAX;
    }
    pktbuf_expire(pb, now);
    if (pb->bytes + len > PKTBUF_MAX_BYTES) {
        return UINT32_MAX;
    }
    for (size_t i = 0; i < PKTBUF_SLOTS; i++) {
        unsigned int idx = (pb->next + i) % PKTBUF_SLOTS;
        struct pktbuf_slot *s = &pb->slots[idx];

        if (s->state == PKTBUF_FULL) {
            continue;
        }
        pb->bytes += len;
        pb->gen = pb->gen >= PKTBUF_GEN_MAX ? 1 : pb->gen + 1;
        *s = (struct pktbuf_slot) {
            .state = PKTBUF_FULL,
            .gen = pb->gen,
            .data = xmemdup(data, len ? len : 1),
            .len = len,
            .in_port = in_port,
            .saved = now,
        };
        pb->next = (idx + 1) % PKTBUF_SLOTS;
        return (pb->gen << PKTBUF_SLOT_BITS) | idx;
    }
    return UINT32_MAX;
}

/* The slot that 'id' names if it is the slot's latest packet, else NULL. */
static struct pktbuf_slot *
slot_of_id(struct pktbuf *pb, uint32_t id)
{
    struct pktbuf_slot *s = &pb->slots[id & (PKTBUF_SLOTS - 1)];
    uint32_t gen = id >> PKTBUF_SLOT_BITS;

    return gen && s->gen == gen ? s : NULL;
}

enum ofperr
pktbuf_peek(struct pktbuf *pb, uint32_t id, long long now,
            const void **data, size_t *len, ofp_port_t *in_port)
{
    struct pktbuf_slot *s = slot_of_id(pb, id);

    if (!s) {
        return OFPERR_OFPBRC_BUFFER_UNKNOWN;
    }
    if (s->state == PKTBUF_FULL && slot_expired(s, now)) {
        slot_free(pb, s, PKTBUF_FREE);
    }
    switch (s->state) {
    case PKTBUF_FULL:
        *data = s->data;
        *len = s->len;
        *in_port = s->in_port;
        return 0;
    case PKTBUF_USED:
        return OFPERR_OFPBRC_BUFFER_EMPTY;
    case PKTBUF_FREE:
    default:
        return OFPERR_OFPBRC_BUFFER_UNKNOWN;
    }
}

void
pktbuf_discard(struct pktbuf *pb, uint32_t id)
{
    struct pktbuf_slot *s = slot_of_id(pb, id);

    if (s && s->state == PKTBUF_FULL) {
        slot_free(pb, s, PKTBUF_USED);
    }
}

void
pktbuf_expire(struct pktbuf *pb, long long now)
{
    for (size_t i = 0; i < PKTBUF_SLOTS; i++) {
        struct pktbuf_slot *s = &pb->slots[i];

        if (s->state == PKTBUF_FULL && slot_expired(s, now)) {
            slot_free(pb, s, PKTBUF_FREE);
        }
    }
}

size_t
pktbuf_count(const struct pktbuf *pb, size_t *bytes)
{
    size_t n = 0;

    for (size_t i = 0; i < PKTBUF_SLOTS; i++) {
        n += pb->slots[i].state == PKTBUF_FULL;
    }
    if (bytes) {
        *bytes = pb->bytes;
    }
    return n;
}
