/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emc: exact-match cache.  See emc.h.
 */
#include "emc.h"

#include <stdlib.h>
#include <string.h>

void
emc_init(struct emc *emc, uint32_t n_entries, uint32_t insert_inv_prob)
{
    memset(emc, 0, sizeof *emc);
    emc->insert_inv_prob = insert_inv_prob;
    emc->rng = 0x12345678;
    if (!n_entries) {
        return;
    }
    uint32_t n = 1;
    while (n * 2 <= n_entries) {
        n *= 2;
    }
    emc->entries = calloc(n, sizeof *emc->entries);
    emc->compact = aligned_alloc(64, n * sizeof *emc->compact);
    emc->compact6 = aligned_alloc(64, n * sizeof *emc->compact6);
    if (!emc->entries || !emc->compact || !emc->compact6) {
        abort();
    }
    memset(emc->compact, 0, n * sizeof *emc->compact);
    memset(emc->compact6, 0, n * sizeof *emc->compact6);
    emc->mask = n - 1;
}

/* Makes '*slot' (an entry's megaflow) 'mf', references moved. */
static void
slot_set(struct dp_megaflow **slot, struct dp_megaflow *mf)
{
    if (*slot != mf) {
        if (*slot) {
            dp_megaflow_unref(*slot);
        }
        if (mf) {
            dp_megaflow_ref(mf);
        }
        *slot = mf;
    }
}

void
emc_flush(struct emc *emc)
{
    if (emc->entries) {
        for (uint32_t i = 0; i <= emc->mask; i++) {
            slot_set(&emc->entries[i].mf, NULL);
            slot_set(&emc->compact[i].mf, NULL);
            slot_set(&emc->compact6[i].mf, NULL);
        }
    }
}

void
emc_destroy(struct emc *emc)
{
    emc_flush(emc);
    free(emc->entries);
    free(emc->compact);
    free(emc->compact6);
    emc->entries = NULL;
    emc->compact = NULL;
    emc->compact6 = NULL;
}

/* Whether this miss should be inserted (the insertion probability). */
static bool
emc_should_insert(struct emc *emc)
{
    if (!emc->entries || !emc->insert_inv_prob) {
        return false;
    }
    if (emc->insert_inv_prob > 1) {
        /* xorshift32: cheap, and good enough to spread insertions. */
        uint32_t x = emc->rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        emc->rng = x;
        if (x % emc->insert_inv_prob) {
            return false;
        }
    }
    return true;
}

/* Of the two slots a key may take (0: at 'hash', 1: at 'hash >> 16'),
 * the one to fill: the key's own, else a free or dead one, else one
 * chosen by a hash bit so that neither slot is always the victim. */
static int
emc_pick(const struct dp_megaflow *mf_a, bool same_a,
         const struct dp_megaflow *mf_b, bool same_b, uint32_t hash)
{
    return (same_a ? 0
            : same_b ? 1
            : !mf_a || mf_a->dead ? 0
            : !mf_b || mf_b->dead ? 1
            : (hash >> 31) ? 0 : 1);
}

void
emc_insert(struct emc *emc, const struct dp_flow_key *key, uint32_t hash,
           struct dp_megaflow *mf)
{
    if (!emc_should_insert(emc)) {
        return;
    }

    struct emc_entry *a = &emc->entries[hash & emc->mask];
    struct emc_entry *b = &emc->entries[(hash >> 16) & emc->mask];
    struct emc_entry *e = emc_pick(
        a->mf, a->mf && a->hash == hash && dp_flow_key_equal(&a->key, key),
        b->mf, b->mf && b->hash == hash && dp_flow_key_equal(&b->key, key),
        hash) ? b : a;

    slot_set(&e->mf, mf);
    e->key = *key;
    e->hash = hash;
}

void
emc_insert_compact(struct emc *emc, const struct dp_compact_key *key,
                   uint32_t hash, struct dp_megaflow *mf)
{
    if (!emc_should_insert(emc)) {
        return;
    }

    struct emc_compact_entry *a = &emc->compact[hash & emc->mask];
    struct emc_compact_entry *b = &emc->compact[(hash >> 16) & emc->mask];
    struct emc_compact_entry *e = emc_pick(
        a->mf, a->mf && a->hash == hash && dp_compact_key_equal(&a->key, key),
        b->mf, b->mf && b->hash == hash && dp_compact_key_equal(&b->key, key),
        hash) ? b : a;

    slot_set(&e->mf, mf);
    e->key = *key;
    e->hash = hash;
}

void
emc_insert_compact6(struct emc *emc, const struct dp_compact6_key *key,
                    uint32_t hash, struct dp_megaflow *mf)
{
    if (!emc_should_insert(emc)) {
        return;
    }

    struct emc_compact6_entry *a = &emc->compact6[hash & emc->mask];
    struct emc_compact6_entry *b = &emc->compact6[(hash >> 16) & emc->mask];
    struct emc_compact6_entry *e = emc_pick(
        a->mf, a->mf && a->hash == hash && dp_compact6_key_equal(&a->key, key),
        b->mf, b->mf && b->hash == hash && dp_compact6_key_equal(&b->key, key),
        hash) ? b : a;

    slot_set(&e->mf, mf);
    e->key = *key;
    e->hash = hash;
}

size_t
emc_count(const struct emc *emc)
{
    size_t n = 0;

    if (emc->entries) {
        for (uint32_t i = 0; i <= emc->mask; i++) {
            n += emc->entries[i].mf && !emc->entries[i].mf->dead;
            n += emc->compact[i].mf && !emc->compact[i].mf->dead;
            n += emc->compact6[i].mf && !emc->compact6[i].mf->dead;
        }
    }
    return n;
}

size_t
emc_capacity(const struct emc *emc)
{
    return emc->entries ? 3 * ((size_t) emc->mask + 1) : 0;
}
