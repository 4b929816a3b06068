/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emc: the exact-match cache, the first level of the fast path.
 *
 * Three fixed arrays of entries, each a key and the megaflow it matched,
 * indexed by the key's hash: for packets of the common IPv4 shape, keyed
 * by their 48-byte compact key (flow-key.h; an entry is one 64-byte
 * line), for those of the common IPv6 shape, keyed by their 64-byte
 * compact key (two lines), and for the others, keyed by the full flow
 * key.  A key may sit
 * in one of two slots (two different slices of its hash), so that two
 * busy flows that collide in one slice can both stay.  A hit costs one
 * hash (often the NIC's RSS hash, for free), at most two key compares and
 * no mask work.
 *
 * Entries are inserted with a configurable probability (one in
 * 'insert_inv_prob' misses, as Open vSwitch's emc-insert-inv-prob), so that
 * a flood of short flows does not keep evicting the long ones.  An entry
 * holds a reference to its megaflow; a dead megaflow's entries miss and are
 * replaced lazily.
 *
 * Thread-safety: none.  An emc belongs to one PMD thread.
 */
#ifndef EMC_H
#define EMC_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfc.h"
#include "flow-key.h"

/* The hash comes first, so that the probe's first look is at the start of
 * the entry (the line pmd.c prefetches). */
struct emc_entry {
    uint32_t hash;
    struct dp_megaflow *mf;         /* NULL: empty. */
    struct dp_flow_key key;
};

/* The common shape's: one cache line. */
struct emc_compact_entry {
    uint32_t hash;
    struct dp_megaflow *mf;         /* NULL: empty. */
    struct dp_compact_key key;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct emc_compact_entry) == 64,
               "a compact EMC entry is one cache line");

/* The common IPv6 shape's: two lines. */
struct emc_compact6_entry {
    uint32_t hash;
    struct dp_megaflow *mf;         /* NULL: empty. */
    struct dp_compact6_key key;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct emc_compact6_entry) == 128,
               "an IPv6 compact EMC entry is two cache lines");

struct emc {
    struct emc_entry *entries;      /* NULL when disabled. */
    struct emc_compact_entry *compact;  /* As many; NULL when disabled. */
    struct emc_compact6_entry *compact6;    /* As many; NULL when
                                             * disabled. */
    uint32_t mask;                  /* Entries - 1 (of each). */
    uint32_t insert_inv_prob;       /* 0: never, 1: always, N: 1 in N. */
    uint32_t rng;
};

/* 'n_entries' (of each kind) is rounded down to a power of two; 0
 * disables the cache. */
void emc_init(struct emc *, uint32_t n_entries, uint32_t insert_inv_prob);
void emc_destroy(struct emc *);

/* Drops every entry (and its megaflow reference). */
void emc_flush(struct emc *);

static inline struct dp_megaflow *
emc_lookup(struct emc *emc, const struct dp_flow_key *key, uint32_t hash)
{
    if (!emc->entries) {
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        struct emc_entry *e = &emc->entries[(i ? hash >> 16 : hash)
                                            & emc->mask];
        if (e->hash == hash && e->mf && !e->mf->dead
            && dp_flow_key_equal(&e->key, key)) {
            return e->mf;
        }
    }
    return NULL;
}

static inline struct dp_megaflow *
emc_lookup_compact(struct emc *emc, const struct dp_compact_key *key,
                   uint32_t hash)
{
    if (!emc->compact) {
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        struct emc_compact_entry *e = &emc->compact[(i ? hash >> 16 : hash)
                                                    & emc->mask];
        if (e->hash == hash && e->mf && !e->mf->dead
            && dp_compact_key_equal(&e->key, key)) {
            return e->mf;
        }
    }
    return NULL;
}

static inline struct dp_megaflow *
emc_lookup_compact6(struct emc *emc, const struct dp_compact6_key *key,
                    uint32_t hash)
{
    if (!emc->compact6) {
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        struct emc_compact6_entry *e = &emc->compact6[(i ? hash >> 16 : hash)
                                                      & emc->mask];
        if (e->hash == hash && e->mf && !e->mf->dead
            && dp_compact6_key_equal(&e->key, key)) {
            return e->mf;
        }
    }
    return NULL;
}

/* Starts loading the entry 'hash' looks at first, ahead of
 * emc_lookup(). */
static inline void
emc_prefetch(const struct emc *emc, uint32_t hash)
{
    if (emc->entries) {
        const char *e = (const char *) &emc->entries[hash & emc->mask];
        __builtin_prefetch(e);
        __builtin_prefetch(e + 64);
    }
}

/* The same ahead of emc_lookup_compact(): one line. */
static inline void
emc_prefetch_compact(const struct emc *emc, uint32_t hash)
{
    if (emc->compact) {
        __builtin_prefetch(&emc->compact[hash & emc->mask]);
    }
}

/* The same ahead of emc_lookup_compact6(): two lines. */
static inline void
emc_prefetch_compact6(const struct emc *emc, uint32_t hash)
{
    if (emc->compact6) {
        const char *e = (const char *) &emc->compact6[hash & emc->mask];
        __builtin_prefetch(e);
        __builtin_prefetch(e + 64);
    }
}

/* Offers 'key' -> 'mf' to the cache (subject to the insertion
 * probability). */
void emc_insert(struct emc *, const struct dp_flow_key *key, uint32_t hash,
                struct dp_megaflow *mf);
void emc_insert_compact(struct emc *, const struct dp_compact_key *key,
                        uint32_t hash, struct dp_megaflow *mf);
void emc_insert_compact6(struct emc *, const struct dp_compact6_key *key,
                         uint32_t hash, struct dp_megaflow *mf);

/* Entries, of all three kinds, that hold a live megaflow; and how many there
 * may be. */
size_t emc_count(const struct emc *);
size_t emc_capacity(const struct emc *);

#endif /* emc.h */
