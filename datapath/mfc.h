/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mfc: the megaflow cache, a tuple-space-search classifier.
 *
 * A megaflow is a masked key and the datapath actions for every packet whose
 * key, under the same mask, equals it; it comes from one translation through
 * the pipeline, which reports the fields it consulted as the mask.
 *
 * Megaflows with the same mask live in one subtable, a hash table of the
 * masked keys.  Only the key words the mask touches are hashed and compared
 * (a mask lists them once, in 'words').  A lookup probes the subtables in
 * rank order and stops at the first hit; since every megaflow's actions are
 * what the pipeline would decide for any packet it matches, the first hit
 * is as good as any.  Subtables are re-ranked by recent hits
 * (mfc_rank()), so the busiest is probed first.
 *
 * Megaflows are reference counted: the classifier holds one reference, and
 * each exact-match-cache entry that points to one holds another.  A removed
 * megaflow is marked dead at once (so that cached pointers to it miss) and
 * freed with its last reference.
 *
 * Thread-safety: none.  An mfc belongs to one PMD thread, which alone
 * reads and writes it.  Lookups never allocate; insertions may (they happen
 * on upcalls, off the fast path).
 */
#ifndef MFC_H
#define MFC_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp-actions.h"
#include "flow-key.h"

struct mfc_subtable;

struct dp_megaflow {
    struct dp_flow_key key;         /* Already masked. */
    struct mfc_subtable *subtable;
    uint32_t hash;                  /* Of the masked key, in its subtable. */
    int refcnt;
    bool dead;
    uint32_t flags;                 /* DP_MF_*. */

    /* Statistics and soft state, owned by the PMD thread. */
    uint64_t n_packets, n_bytes;
    uint64_t used_ms;               /* Last hit (or creation). */
    uint64_t seq;                   /* Creation order within its PMD. */
    uint64_t refreshed_ms;          /* Last soft-state refresh. */

    /* The pipeline's handle for crediting rules, released with the last
     * reference.  The PMD thread counts packets per megaflow only and
     * passes them on to 'credit' in bulk, from time to time and when the
     * main thread asks (pmd.c's megaflow_credit()): 'credited_*' is what
     * it has passed on so far. */
    void *handle;
    void (*credit)(void *handle, uint64_t packets, uint64_t bytes);
    void (*release)(void *handle);
    uint64_t credited_packets, credited_bytes;
    bool credit_listed;             /* In its PMD's 'credit_list'. */

    /* The batch of the current burst this megaflow's packets go to:
     * valid while 'batch_burst' is the PMD thread's burst number. */
    uint64_t batch_burst;
    uint16_t batch;

    /* In the owner's list of all megaflows, and at 'vec_idx' in its array
     * of them (for passes over all of them that prefetch). */
    struct dp_megaflow *prev, *next;
    uint32_t vec_idx;

    uint16_t n_actions;
    struct dp_action actions[];
};

struct mfc {
    struct mfc_subtable **subtables;  /* In rank order. */
    size_t n_subtables, allocated;
    size_t n_flows;
};

void mfc_init(struct mfc *);
/* Removes every megaflow (dropping the classifier's references) and frees
 * the subtables. */
void mfc_destroy(struct mfc *);

/* Returns the megaflow that 'key' matches, or NULL.  Hot path. */
struct dp_megaflow *mfc_lookup(struct mfc *, const struct dp_flow_key *);

/* Adds 'mf' (whose key is already masked by 'mask') and takes its initial
 * reference.  If an equal masked key exists under the same mask, nothing is
 * added and that megaflow is returned; else NULL. */
struct dp_megaflow *mfc_insert(struct mfc *, struct dp_megaflow *mf,
                                 const struct dp_flow_key *mask);

/* Removes 'mf', marks it dead and drops the classifier's reference. */
void mfc_remove(struct mfc *, struct dp_megaflow *mf);

/* Re-orders the subtables by hits since the last call, most first. */
void mfc_rank(struct mfc *);

/* The mask of 'mf''s subtable. */
const struct dp_flow_key *mfc_megaflow_mask(const struct dp_megaflow *);

size_t mfc_n_subtables(const struct mfc *);

/* Allocates a megaflow for 'key' under 'mask' (the key is masked here)
 * with 'n_actions' actions copied from 'actions'; refcnt 0. */
struct dp_megaflow *dp_megaflow_create(const struct dp_flow_key *key,
                                       const struct dp_flow_key *mask,
                                       const struct dp_action *actions,
                                       uint16_t n_actions);

static inline void
dp_megaflow_ref(struct dp_megaflow *mf)
{
    mf->refcnt++;
}

/* Drops a reference; the last one releases the handle and frees 'mf'. */
void dp_megaflow_unref(struct dp_megaflow *mf);

/* Masks 'key' with 'mask' into 'dst'. */
void dp_flow_key_mask(struct dp_flow_key *dst, const struct dp_flow_key *key,
                      const struct dp_flow_key *mask);

#endif /* mfc.h */
