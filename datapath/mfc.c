/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mfc: megaflow cache.  See mfc.h.
 *
 * Each subtable is an open-addressing hash table with linear probing and
 * backward-shift deletion (no tombstones), kept at most 3/4 full.
 */
#include "mfc.h"

#include <stdlib.h>
#include <string.h>

struct mfc_slot {
    uint32_t hash;
    struct dp_megaflow *mf;         /* NULL: empty. */
};

struct mfc_subtable {
    struct dp_flow_key mask;
    uint8_t n_words;
    uint8_t words[DP_KEY_WORDS];    /* Mask words that are not zero. */
    uint64_t hits;                  /* Since the last ranking. */
    size_t n, mask_slots;           /* Entries; slots - 1. */
    struct mfc_slot *slots;
};

static void *
xcalloc_(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        abort();
    }
    return p;
}

void
dp_flow_key_mask(struct dp_flow_key *dst, const struct dp_flow_key *key,
                 const struct dp_flow_key *mask)
{
    const uint64_t *k = dp_key_words(key), *m = dp_key_words(mask);
    uint64_t *d = dp_key_words_rw(dst);

    for (size_t i = 0; i < DP_KEY_WORDS; i++) {
        d[i] = k[i] & m[i];
    }
}

/* Hash of 'key' under 'st''s mask, over the mask's words only. */
static inline uint32_t
subtable_hash(const struct mfc_subtable *st, const struct dp_flow_key *key)
{
    const uint64_t *k = dp_key_words(key), *m = dp_key_words(&st->mask);
    uint64_t masked[DP_KEY_WORDS];

    for (size_t i = 0; i < st->n_words; i++) {
        masked[i] = k[st->words[i]] & m[st->words[i]];
    }
    return dp_hash_words(masked, st->n_words, 0);
}

/* Whether 'key' under 'st''s mask equals megaflow key 'mf_key' (masked). */
static inline bool
subtable_match(const struct mfc_subtable *st, const struct dp_flow_key *key,
               const struct dp_flow_key *mf_key)
{
    const uint64_t *k = dp_key_words(key), *m = dp_key_words(&st->mask);
    const uint64_t *f = dp_key_words(mf_key);
    uint64_t diff = 0;

    for (size_t i = 0; i < st->n_words; i++) {
        size_t w = st->words[i];
        diff |= (k[w] & m[w]) ^ f[w];
    }
    return !diff;
}

static struct mfc_subtable *
subtable_create(const struct dp_flow_key *mask)
{
    struct mfc_subtable *st = xcalloc_(1, sizeof *st);
    const uint64_t *m = dp_key_words(mask);

    st->mask = *mask;
    for (size_t i = 0; i < DP_KEY_WORDS; i++) {
        if (m[i]) {
            st->words[st->n_words++] = i;
        }
    }
    st->mask_slots = 15;
    st->slots = xcalloc_(st->mask_slots + 1, sizeof *st->slots);
    return st;
}

static void
subtable_put(struct mfc_subtable *st, uint32_t hash, struct dp_megaflow *mf)
{
    size_t i = hash & st->mask_slots;

    while (st->slots[i].mf) {
        i = (i + 1) & st->mask_slots;
    }
    st->slots[i].hash = hash;
    st->slots[i].mf = mf;
}

static void
subtable_grow(struct mfc_subtable *st)
{
    struct mfc_slot *old = st->slots;
    size_t n_old = st->mask_slots + 1;

    st->mask_slots = n_old * 2 - 1;
    st->slots = xcalloc_(n_old * 2, sizeof *st->slots);
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].mf) {
            subtable_put(st, old[i].hash, old[i].mf);
        }
    }
    free(old);
}

static void
subtable_remove(struct mfc_subtable *st, struct dp_megaflow *mf)
{
    size_t i = mf->hash & st->mask_slots;

    while (st->slots[i].mf != mf) {
        i = (i + 1) & st->mask_slots;
    }
    /* Backward-shift: move later entries of the probe run into the hole
     * when their home slot does not lie in (hole, here]. */
    size_t hole = i;
    for (size_t j = (i + 1) & st->mask_slots; st->slots[j].mf;
         j = (j + 1) & st->mask_slots) {
        size_t home = st->slots[j].hash & st->mask_slots;
        bool stays = hole <= j ? (hole < home && home <= j)
                               : (hole < home || home <= j);
        if (!stays) {
            st->slots[hole] = st->slots[j];
            hole = j;
        }
    }
    st->slots[hole].mf = NULL;
    st->n--;
}

void
mfc_init(struct mfc *cls)
{
    memset(cls, 0, sizeof *cls);
}

void
mfc_destroy(struct mfc *cls)
{
    for (size_t i = 0; i < cls->n_subtables; i++) {
        struct mfc_subtable *st = cls->subtables[i];
        for (size_t j = 0; j <= st->mask_slots; j++) {
            struct dp_megaflow *mf = st->slots[j].mf;
            if (mf) {
                mf->dead = true;
                mf->subtable = NULL;
                dp_megaflow_unref(mf);
            }
        }
        free(st->slots);
        free(st);
    }
    free(cls->subtables);
    memset(cls, 0, sizeof *cls);
}

struct dp_megaflow *
mfc_lookup(struct mfc *cls, const struct dp_flow_key *key)
{
    for (size_t i = 0; i < cls->n_subtables; i++) {
        struct mfc_subtable *st = cls->subtables[i];
        uint32_t hash = subtable_hash(st, key);

        for (size_t j = hash & st->mask_slots; st->slots[j].mf;
             j = (j + 1) & st->mask_slots) {
            if (st->slots[j].hash == hash
                && subtable_match(st, key, &st->slots[j].mf->key)) {
                st->hits++;
                return st->slots[j].mf;
            }
        }
    }
    return NULL;
}

static struct mfc_subtable *
find_subtable(struct mfc *cls, const struct dp_flow_key *mask)
{
    for (size_t i = 0; i < cls->n_subtables; i++) {
        if (dp_flow_key_equal(&cls->subtables[i]->mask, mask)) {
            return cls->subtables[i];
        }
    }
    return NULL;
}

struct dp_megaflow *
mfc_insert(struct mfc *cls, struct dp_megaflow *mf,
             const struct dp_flow_key *mask)
{
    struct mfc_subtable *st = find_subtable(cls, mask);

    if (!st) {
        st = subtable_create(mask);
        if (cls->n_subtables >= cls->allocated) {
            cls->allocated = cls->allocated ? cls->allocated * 2 : 8;
            cls->subtables = realloc(cls->subtables,
                                     cls->allocated * sizeof *cls->subtables);
            if (!cls->subtables) {
                abort();
            }
        }
        /* New subtables go last: they earn their rank with hits. */
        cls->subtables[cls->n_subtables++] = st;
    }

    uint32_t hash = subtable_hash(st, &mf->key);
    for (size_t j = hash & st->mask_slots; st->slots[j].mf;
         j = (j + 1) & st->mask_slots) {
        if (st->slots[j].hash == hash
            && subtable_match(st, &mf->key, &st->slots[j].mf->key)) {
            return st->slots[j].mf;
        }
    }
    if ((st->n + 1) * 4 > (st->mask_slots + 1) * 3) {
        subtable_grow(st);
    }
    mf->hash = hash;
    mf->subtable = st;
    subtable_put(st, hash, mf);
    st->n++;
    cls->n_flows++;
    dp_megaflow_ref(mf);
    return NULL;
}

void
mfc_remove(struct mfc *cls, struct dp_megaflow *mf)
{
    struct mfc_subtable *st = mf->subtable;

    subtable_remove(st, mf);
    cls->n_flows--;
    if (!st->n) {
        for (size_t i = 0; i < cls->n_subtables; i++) {
            if (cls->subtables[i] == st) {
                memmove(&cls->subtables[i], &cls->subtables[i + 1],
                        (cls->n_subtables - i - 1) * sizeof *cls->subtables);
                cls->n_subtables--;
                break;
            }
        }
        free(st->slots);
        free(st);
    }
    mf->subtable = NULL;
    mf->dead = true;
    dp_megaflow_unref(mf);
}

void
mfc_rank(struct mfc *cls)
{
    /* Insertion sort: few subtables, mostly in order already. */
    for (size_t i = 1; i < cls->n_subtables; i++) {
        struct mfc_subtable *st = cls->subtables[i];
        size_t j = i;
        while (j > 0 && cls->subtables[j - 1]->hits < st->hits) {
            cls->subtables[j] = cls->subtables[j - 1];
            j--;
        }
        cls->subtables[j] = st;
    }
    for (size_t i = 0; i < cls->n_subtables; i++) {
        cls->subtables[i]->hits = 0;
    }
}

const struct dp_flow_key *
mfc_megaflow_mask(const struct dp_megaflow *mf)
{
    return mf->subtable ? &mf->subtable->mask : NULL;
}

size_t
mfc_n_subtables(const struct mfc *cls)
{
    return cls->n_subtables;
}

struct dp_megaflow *
dp_megaflow_create(const struct dp_flow_key *key,
                   const struct dp_flow_key *mask,
                   const struct dp_action *actions, uint16_t n_actions)
{
    struct dp_megaflow *mf = xcalloc_(1, sizeof *mf
                                      + n_actions * sizeof *actions);

    dp_flow_key_mask(&mf->key, key, mask);
    mf->n_actions = n_actions;
    memcpy(mf->actions, actions, n_actions * sizeof *actions);
    return mf;
}

void
dp_megaflow_unref(struct dp_megaflow *mf)
{
    if (!--mf->refcnt) {
        if (mf->release) {
            mf->release(mf->handle);
        }
        free(mf);
    }
}
