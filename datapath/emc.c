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
    if (!emc->entries) {
        abort();
    }
    emc->mask = n - 1;
}

static void
entry_clear(struct emc_entry *e)
{
    if (e->mf) {
        dp_megaflow_unref(e->mf);
        e->mf = NULL;
    }
}

void
emc_flush(struct emc *emc)
{
    if (emc->entries) {
        for (uint32_t i = 0; i <= emc->mask; i++) {
            entry_clear(&emc->entries[i]);
        }
    }
}

void
emc_destroy(struct emc *emc)
{
    emc_flush(emc);
    free(emc->entries);
    emc->entries = NULL;
}

static void
entry_set(struct emc_entry *e, const struct dp_flow_key *key, uint32_t hash,
          struct dp_megaflow *mf)
{
    if (e->mf != mf) {
        entry_clear(e);
        dp_megaflow_ref(mf);
        e->mf = mf;
    }
    e->key = *key;
    e->hash = hash;
}

void
emc_insert(struct emc *emc, const struct dp_flow_key *key, uint32_t hash,
           struct dp_megaflow *mf)
{
    if (!emc->entries || !emc->insert_inv_prob) {
        return;
    }
    if (emc->insert_inv_prob > 1) {
        /* xorshift32: cheap, and good enough to spread insertions. */
        uint32_t x = emc->rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        emc->rng = x;
        if (x % emc->insert_inv_prob) {
            return;
        }
    }

    struct emc_entry *a = &emc->entries[hash & emc->mask];
    struct emc_entry *b = &emc->entries[(hash >> 16) & emc->mask];
    struct emc_entry *e;

    if (a->mf && a->hash == hash && dp_flow_key_equal(&a->key, key)) {
        e = a;
    } else if (b->mf && b->hash == hash && dp_flow_key_equal(&b->key, key)) {
        e = b;
    } else if (!a->mf || a->mf->dead) {
        e = a;
    } else if (!b->mf || b->mf->dead) {
        e = b;
    } else {
        /* Both busy: evict one, chosen by a hash bit so that neither slot
         * is always the victim. */
        e = (hash >> 31) ? a : b;
    }
    entry_set(e, key, hash, mf);
}

size_t
emc_count(const struct emc *emc)
{
    size_t n = 0;

    if (emc->entries) {
        for (uint32_t i = 0; i <= emc->mask; i++) {
            n += emc->entries[i].mf && !emc->entries[i].mf->dead;
        }
    }
    return n;
}
