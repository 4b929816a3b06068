/* SPDX-License-Identifier: Apache-2.0 */
/*
 * group: the OpenFlow group table of a pipeline (main thread; the
 * translation reads it under RCU).  See pipeline-private.h.
 */
#include <config.h>

#include "ofp-ext.h"
#include "pipeline-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hmapx.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/util.h"
#include "timeval.h"
#include "util.h"

static void
group_free(struct pl_group *g)
{
    for (size_t i = 0; i < g->n_buckets; i++) {
        free(g->buckets[i].ofpacts);
    }
    free(g->buckets);
    free(g);
}

void
group_unref(struct pl_group *g)
{
    if (g && ovs_refcount_unref(&g->ref) == 1) {
        ovsrcu_postpone(group_free, g);
    }
}


struct pl_group *
group_find(const struct pipeline *pl, uint32_t id)
{
    struct pl_group *g;

    CMAP_FOR_EACH_WITH_HASH (g, node, hash_int(id, 0), &pl->groups) {
        if (g->id == id) {
            return g;
        }
    }
    return NULL;
}

/* Chains of groups: a bucket may go to another group, whose buckets may
 * go on to others, up to PL_MAX_GROUP_CHAIN groups deep and never back to
 * a group on the way (group_check() refuses a loop when a group is added
 * or modified, so the groups in the table are loop-free); a group that
 * another group's bucket goes to cannot be deleted alone. */
enum { CHAIN_LOOP = -1, CHAIN_TOO_DEEP = -2 };

/* How many groups deep the chain from 'ofpacts' (a bucket's actions, at
 * 'depth') goes, or CHAIN_LOOP if it reaches group 'self' (the one being
 * defined: its old buckets in 'pl' do not count), or CHAIN_TOO_DEEP. */
static int
chain_depth(const struct pipeline *pl, const struct ofpact *ofpacts,
            size_t len, uint32_t self, int depth)
{
    const struct ofpact *a;
    int max = depth - 1;

    OFPACT_FOR_EACH (a, ofpacts, len) {
        if (a->type != OFPACT_GROUP) {
            continue;
        }
        uint32_t id = ofpact_get_GROUP(a)->group_id;
        if (id == self) {
            return CHAIN_LOOP;
        }
        if (depth > PL_MAX_GROUP_CHAIN) {
            return CHAIN_TOO_DEEP;
        }
        const struct pl_group *g = group_find(pl, id);
        for (size_t i = 0; g && i < g->n_buckets; i++) {
            int d = chain_depth(pl, g->buckets[i].ofpacts,
                                g->buckets[i].ofpacts_len, self, depth + 1);
            if (d < 0) {
                return d;
            }
            max = MAX(max, d);
        }
        max = MAX(max, depth);
    }
    return max;
}

/* A group other than 'id' with a bucket that goes to group 'id', or
 * NULL. */
static const struct pl_group *
group_chained_to(const struct pipeline *pl, uint32_t id)
{
    const struct pl_group *g;

    CMAP_FOR_EACH (g, node, &pl->groups) {
        for (size_t i = 0; g->id != id && i < g->n_buckets; i++) {
            if (ofpacts_output_to_group(g->buckets[i].ofpacts,
                                        g->buckets[i].ofpacts_len, id)) {
                return g;
            }
        }
    }
    return NULL;
}

/* Whether a bucket of some group watches group 'id' (OFPG_ALL: any):
 * whether that bucket is live depends on 'id''s buckets, which the
 * megaflows that went through the watching group do not record, so a
 * change of 'id' must flush the caches. */
static bool
group_watched(const struct pipeline *pl, uint32_t id)
{
    const struct pl_group *g;

    CMAP_FOR_EACH (g, node, &pl->groups) {
        for (size_t i = 0; i < g->n_buckets; i++) {
            uint32_t w = g->buckets[i].watch_group;
            if (w != OFPG_ANY && (id == OFPG_ALL || w == id)) {
                return true;
            }
        }
    }
    return false;
}

/* Refuses to delete group 'id' alone while another group goes to it. */
static enum ofperr
group_check_delete(const struct pipeline *pl, uint32_t id, char **msg)
{
    const struct pl_group *by = (id == OFPG_ALL ? NULL
                                 : group_chained_to(pl, id));
    if (by) {
        return check_fail(msg, OFPERR_OFPGMFC_CHAINED_GROUP,
                          "group %"PRIu32" is in a bucket of group "
                          "%"PRIu32": change or delete that one first",
                          id, by->id);
    }
    return 0;
}

/* ---- Transactions ---- */

/* A group as it was before a change made inside a transaction (a bundle):
 * 'old' (with a reference held) or none. */
struct pl_group_undo {
    uint32_t id;
    struct pl_group *old;       /* NULL: there was no such group. */
};

/* Records group 'id' as it is now ('old', or NULL), before a change, if a
 * transaction is open. */
static void
group_journal(struct pipeline *pl, uint32_t id, struct pl_group *old)
{
    if (!pl->txn_depth) {
        return;
    }
    if (pl->txn_n_groups >= pl->txn_groups_allocated) {
        pl->txn_groups = x2nrealloc(pl->txn_groups,
                                    &pl->txn_groups_allocated,
                                    sizeof *pl->txn_groups);
    }
    if (old) {
        ovs_refcount_ref(&old->ref);
    }
    pl->txn_groups[pl->txn_n_groups++] = (struct pl_group_undo) {
        .id = id, .old = old,
    };
}

void
pl_groups_txn_end(struct pipeline *pl, bool commit)
{
    /* Backwards: the first record of a group holds it as it was before
     * the transaction. */
    for (size_t i = pl->txn_n_groups; i-- > 0; ) {
        struct pl_group_undo *u = &pl->txn_groups[i];
        if (!commit) {
            struct pl_group *cur = group_find(pl, u->id);
            if (cur && u->old) {
                cmap_replace(&pl->groups, &cur->node, &u->old->node,
                             hash_int(u->id, 0));
                group_unref(cur);
                u->old = NULL;      /* The table has its reference. */
            } else if (cur) {
                cmap_remove(&pl->groups, &cur->node, hash_int(u->id, 0));
                group_unref(cur);
            } else if (u->old) {
                cmap_insert(&pl->groups, &u->old->node, hash_int(u->id, 0));
                u->old = NULL;
            }
            pl->changed = true;
        }
        group_unref(u->old);
    }
    pl->txn_n_groups = 0;
}

/* Checks a group_mod's type and buckets; returns 0 or an error. */
static enum ofperr
group_check(const struct pipeline *pl, const struct ofputil_group_mod *gm,
            char **msg)
{
    const struct ofputil_bucket *b;
    size_t n = 0;

    if (gm->group_id > OFPG_MAX) {
        return check_fail(msg, OFPERR_OFPGMFC_INVALID_GROUP,
                          "group id %#"PRIx32" is reserved", gm->group_id);
    }
    switch (gm->type) {
    case OFPGT11_ALL:
    case OFPGT11_SELECT:
    case OFPGT11_INDIRECT:
    case OFPGT11_FF:
        break;
    default:
        return check_fail(msg, OFPERR_OFPGMFC_BAD_TYPE,
                          "group type %u is not supported", gm->type);
    }
    LIST_FOR_EACH (b, list_node, &gm->buckets) {
        int depth = chain_depth(pl, b->ofpacts, b->ofpacts_len,
                                gm->group_id, 1);
        if (depth == CHAIN_LOOP) {
            return check_fail(msg, OFPERR_OFPGMFC_LOOP,
                              "group %"PRIu32": its buckets lead back to "
                              "it", gm->group_id);
        } else if (depth == CHAIN_TOO_DEEP) {
            return check_fail(msg, OFPERR_OFPGMFC_CHAINING_UNSUPPORTED,
                              "group %"PRIu32": a chain of groups deeper "
                              "than %d", gm->group_id, PL_MAX_GROUP_CHAIN);
        }
    }
    LIST_FOR_EACH (b, list_node, &gm->buckets) {
        enum ofperr error = check_ofpacts__(pl, b->ofpacts, b->ofpacts_len,
                                            0, false, true, msg);
        if (error) {
            return error;
        }
        if (gm->type == OFPGT11_FF && b->watch_port == OFPP_ANY
            && b->watch_group == OFPG_ANY) {
            return check_fail(msg, OFPERR_OFPGMFC_BAD_WATCH,
                              "a fast-failover bucket needs watch_port or "
                              "watch_group");
        }
        if (b->watch_group != OFPG_ANY && b->watch_group == gm->group_id) {
            return check_fail(msg, OFPERR_OFPGMFC_BAD_WATCH,
                              "a bucket cannot watch its own group");
        }
        n++;
    }
    if (gm->type == OFPGT11_INDIRECT && n != 1) {
        return check_fail(msg, OFPERR_OFPGMFC_INVALID_GROUP,
                          "an indirect group has exactly one bucket, not "
                          "%zu", n);
    }
    return 0;
}

static struct pl_group *
group_create(const struct ofputil_group_mod *gm, bool persistent)
{
    struct pl_group *g = xzalloc(sizeof *g);
    const struct ofputil_bucket *b;

    g->id = gm->group_id;
    g->type = gm->type;
    g->persistent = persistent;
    g->created = time_msec();
    ovs_refcount_init(&g->ref);
    atomic_init(&g->n_packets, 0);
    atomic_init(&g->n_bytes, 0);
    g->buckets = xcalloc(ovs_list_size(&gm->buckets) + 1,
                         sizeof *g->buckets);
    LIST_FOR_EACH (b, list_node, &gm->buckets) {
        struct pl_bucket *pb = &g->buckets[g->n_buckets++];
        pb->bucket_id = b->bucket_id;
        pb->weight = gm->type == OFPGT11_SELECT ? b->weight : 1;
        pb->watch_port = b->watch_port;
        pb->watch_group = b->watch_group;
        pb->ofpacts = b->ofpacts_len ? xmemdup(b->ofpacts, b->ofpacts_len)
                                     : NULL;
        pb->ofpacts_len = b->ofpacts_len;
        atomic_init(&pb->n_packets, 0);
        atomic_init(&pb->n_bytes, 0);
    }
    /* Buckets from before OpenFlow 1.5 (or text without bucket_id) have
     * no ID: give them the lowest free ones, in order, as Open vSwitch
     * numbers them, so that OpenFlow 1.5 can name them. */
    uint32_t next = 0;
    for (size_t i = 0; i < g->n_buckets; i++) {
        if (g->buckets[i].bucket_id <= OFPG15_BUCKET_MAX) {
            continue;
        }
        for (bool taken = true; taken; ) {
            taken = false;
            for (size_t j = 0; j < g->n_buckets && !taken; j++) {
                taken = g->buckets[j].bucket_id == next;
            }
            next += taken;
        }
        g->buckets[i].bucket_id = next++;
    }
    return g;
}

static void
group_remove(struct pipeline *pl, struct pl_group *g)
{
    group_journal(pl, g->id, g);
    note_group_gone(pl, g);
    cmap_remove(&pl->groups, &g->node, hash_int(g->id, 0));
    group_unref(g);
}

/* Deletes group 'id' (OFPG_ALL: every group) and the rules that go to it,
 * as OpenFlow says. */
static void
group_delete(struct pipeline *pl, uint32_t id)
{
    struct pl_group *g;

    if (group_watched(pl, id)) {
        pl->changed = true;
    }
    txn_begin(pl);
    CMAP_FOR_EACH (g, node, &pl->groups) {
        if (id == OFPG_ALL || g->id == id) {
            txn_remove_users(pl, g->id, 0, OFPRR_GROUP_DELETE);
            group_remove(pl, g);
        }
    }
    txn_commit(pl);
}

static void group_to_desc(const struct pl_group *,
                          struct ofputil_group_desc *);

/* OpenFlow 1.5's insert_bucket and remove_bucket, as Open vSwitch does
 * them: the buckets of 'old' with those of 'gm' inserted after the bucket
 * 'command_bucket_id' (or first, or last), or without the bucket
 * 'command_bucket_id' (or the first, the last, all), in '*out'. */
static enum ofperr
group_edit_buckets(const struct pl_group *old,
                   const struct ofputil_group_mod *gm, struct ovs_list *out,
                   char **msg)
{
    uint32_t id = gm->command_bucket_id;
    struct ofputil_group_desc gd;
    struct ofputil_bucket *b;

    group_to_desc(old, &gd);
    ovs_list_init(out);
    if (id <= OFPG15_BUCKET_MAX && !ofputil_bucket_find(&gd.buckets, id)) {
        ofputil_bucket_list_destroy(&gd.buckets);
        return check_fail(msg, OFPERR_OFPGMFC_UNKNOWN_BUCKET,
                          "group %"PRIu32" has no bucket %"PRIu32,
                          old->id, id);
    }
    if (gm->command == OFPGC15_REMOVE_BUCKET) {
        const struct ofputil_bucket *skip = NULL;
        if (id == OFPG15_BUCKET_FIRST && !ovs_list_is_empty(&gd.buckets)) {
            skip = ofputil_bucket_list_front(&gd.buckets);
        } else if (id == OFPG15_BUCKET_LAST
                   && !ovs_list_is_empty(&gd.buckets)) {
            skip = ofputil_bucket_list_back(&gd.buckets);
        } else if (id <= OFPG15_BUCKET_MAX) {
            skip = ofputil_bucket_find(&gd.buckets, id);
        }
        if (id != OFPG15_BUCKET_ALL) {
            ofputil_bucket_clone_list(out, &gd.buckets, skip);
        }
        ofputil_bucket_list_destroy(&gd.buckets);
        return 0;
    }

    struct ovs_list new;
    ovs_list_init(&new);
    ofputil_bucket_clone_list(&new, &gm->buckets, NULL);
    LIST_FOR_EACH (b, list_node, &new) {
        if (ofputil_bucket_find(&gd.buckets, b->bucket_id)) {
            uint32_t dup = b->bucket_id;
            ofputil_bucket_list_destroy(&new);
            ofputil_bucket_list_destroy(&gd.buckets);
            return check_fail(msg, OFPERR_OFPGMFC_BUCKET_EXISTS,
                              "group %"PRIu32" has a bucket %"PRIu32,
                              old->id, dup);
        }
    }
    struct ofputil_bucket *after = (id <= OFPG15_BUCKET_MAX
                                    ? ofputil_bucket_find(&gd.buckets, id)
                                    : NULL);
    if (id == OFPG15_BUCKET_FIRST) {
        ovs_list_push_back_all(out, &new);
        ovs_list_push_back_all(out, &gd.buckets);
    } else if (after) {
        /* Up to and with 'after', the new ones, the rest. */
        struct ovs_list rest;
        ovs_list_init(&rest);
        ovs_list_splice(&rest, after->list_node.next, &gd.buckets);
        ovs_list_push_back_all(out, &gd.buckets);
        ovs_list_push_back_all(out, &new);
        ovs_list_push_back_all(out, &rest);
    } else {
        ovs_list_push_back_all(out, &gd.buckets);
        ovs_list_push_back_all(out, &new);
    }
    return 0;
}

static enum ofperr
group_mod__(struct pipeline *pl, const struct ofputil_group_mod *gm,
            bool persistent, char **msg)
{
    struct pl_group *old;
    enum ofperr error;

    if (gm->command == OFPGC11_DELETE) {
        if (gm->group_id > OFPG_MAX && gm->group_id != OFPG_ALL) {
            return check_fail(msg, OFPERR_OFPGMFC_INVALID_GROUP,
                              "group id %#"PRIx32" is reserved",
                              gm->group_id);
        }
        error = group_check_delete(pl, gm->group_id, msg);
        if (error) {
            return error;
        }
        group_delete(pl, gm->group_id);
        return 0;
    }
    if (gm->command == OFPGC15_INSERT_BUCKET
        || gm->command == OFPGC15_REMOVE_BUCKET) {
        const struct pl_group *cur = group_find(pl, gm->group_id);
        if (!cur) {
            return check_fail(msg, OFPERR_OFPGMFC_UNKNOWN_GROUP,
                              "group %"PRIu32" does not exist",
                              gm->group_id);
        }
        /* The group with its buckets edited, checked and put in place as
         * a modify. */
        struct ofputil_group_mod m = *gm;
        struct ovs_list buckets;
        error = group_edit_buckets(cur, gm, &buckets, msg);
        if (error) {
            return error;
        }
        m.command = OFPGC11_MODIFY;
        m.type = cur->type;
        ovs_list_init(&m.buckets);
        ovs_list_push_back_all(&m.buckets, &buckets);
        error = group_mod__(pl, &m, persistent, msg);
        ofputil_bucket_list_destroy(&m.buckets);
        return error;
    }
    if (gm->command != OFPGC11_ADD && gm->command != OFPGC11_MODIFY
        && gm->command != OFPGC11_ADD_OR_MOD) {
        return check_fail(msg, OFPERR_OFPGMFC_BAD_COMMAND,
                          "group command %u is not supported (add, modify, "
                          "add_or_mod, delete, insert_bucket, "
                          "remove_bucket are)", gm->command);
    }
    error = group_check(pl, gm, msg);
    if (error) {
        return error;
    }
    old = group_find(pl, gm->group_id);
    if (gm->command == OFPGC11_ADD && old) {
        return check_fail(msg, OFPERR_OFPGMFC_GROUP_EXISTS,
                          "group %"PRIu32" exists", gm->group_id);
    }
    if (gm->command == OFPGC11_MODIFY && !old) {
        return check_fail(msg, OFPERR_OFPGMFC_UNKNOWN_GROUP,
                          "group %"PRIu32" does not exist", gm->group_id);
    }

    struct pl_group *g = group_create(gm, persistent);
    group_journal(pl, gm->group_id, old);
    if (group_watched(pl, gm->group_id)) {
        pl->changed = true;     /* Some bucket's liveness may change. */
    }
    if (old) {
        /* A modify keeps the group's counters and age, as rules do. */
        uint64_t packets, bytes;
        pl_stats_sync();
        atomic_read_relaxed(&old->n_packets, &packets);
        atomic_read_relaxed(&old->n_bytes, &bytes);
        atomic_init(&g->n_packets, packets);
        atomic_init(&g->n_bytes, bytes);
        g->created = old->created;
        g->persistent |= old->persistent;
        note_group_gone(pl, old);
        cmap_replace(&pl->groups, &old->node, &g->node, hash_int(g->id, 0));
        group_unref(old);
    } else {
        /* Nothing goes to it yet: unless a bucket watches it (above), no
         * decision changes. */
        cmap_insert(&pl->groups, &g->node, hash_int(g->id, 0));
    }
    return 0;
}

enum ofperr
pipeline_group_mod(struct pipeline *pl, const struct ofputil_group_mod *gm)
{
    return group_mod__(pl, gm, false, NULL);
}

int
pipeline_group_add(struct pipeline *pl, const char *text, char **errp)
{
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error;

    error = ofp_ext_parse_group_mod(&gm, OFPGC11_ADD_OR_MOD, text, &usable);
    if (error) {
        *errp = error;
        return EINVAL;
    }
    *errp = NULL;
    enum ofperr ofperr = group_mod__(pl, &gm, true, errp);
    ofputil_uninit_group_mod(&gm);
    if (ofperr) {
        if (!*errp) {
            *errp = xstrdup(ofperr_to_string(ofperr));
        }
        return EINVAL;
    }
    return 0;
}

int
pipeline_groups_del(struct pipeline *pl, uint32_t id, size_t *n,
                    char **errp)
{
    struct pl_group *g;

    *n = 0;
    if (group_check_delete(pl, id, errp)) {
        return EBUSY;
    }
    CMAP_FOR_EACH (g, node, &pl->groups) {
        *n += id == OFPG_ALL || g->id == id;
    }
    group_delete(pl, id);
    return 0;
}

size_t
pipeline_group_count(const struct pipeline *pl)
{
    return cmap_count(&pl->groups);
}

static int
compare_groups(const void *a_, const void *b_)
{
    const struct pl_group *a = *(const struct pl_group *const *) a_;
    const struct pl_group *b = *(const struct pl_group *const *) b_;
    return a->id < b->id ? -1 : a->id > b->id;
}

static struct pl_group **
sorted_groups(const struct pipeline *pl, uint32_t id, size_t *np)
{
    struct pl_group **v = xmalloc((cmap_count(&pl->groups) + 1) * sizeof *v);
    struct pl_group *g;
    size_t n = 0;

    CMAP_FOR_EACH (g, node, &pl->groups) {
        if (id == OFPG_ALL || g->id == id) {
            v[n++] = g;
        }
    }
    qsort(v, n, sizeof *v, compare_groups);
    *np = n;
    return v;
}

/* The group as a struct ofputil_group_desc; the caller frees the buckets
 * with ofputil_bucket_list_destroy(). */
static void
group_to_desc(const struct pl_group *g, struct ofputil_group_desc *gd)
{
    memset(gd, 0, sizeof *gd);
    gd->type = g->type;
    gd->group_id = g->id;
    ovs_list_init(&gd->buckets);
    for (size_t i = 0; i < g->n_buckets; i++) {
        const struct pl_bucket *pb = &g->buckets[i];
        struct ofputil_bucket *b = xzalloc(sizeof *b);
        b->weight = pb->weight;
        b->watch_port = pb->watch_port;
        b->watch_group = pb->watch_group;
        b->bucket_id = pb->bucket_id;
        b->ofpacts = pb->ofpacts_len ? xmemdup(pb->ofpacts, pb->ofpacts_len)
                                     : NULL;
        b->ofpacts_len = pb->ofpacts_len;
        ovs_list_push_back(&gd->buckets, &b->list_node);
    }
}

/* Rules and other groups that go to group 'id' directly: OpenFlow's
 * ref_count. */
static size_t
group_ref_count(const struct pipeline *pl, uint32_t id)
{
    const struct pl_group *g;
    struct rule_vec v;
    size_t n;

    pl_rules_using(pl, id, 0, pl_version(pl), &v);
    free(v.rules);
    n = v.n;
    CMAP_FOR_EACH (g, node, &pl->groups) {
        for (size_t i = 0; g->id != id && i < g->n_buckets; i++) {
            if (ofpacts_output_to_group(g->buckets[i].ofpacts,
                                        g->buckets[i].ofpacts_len, id)) {
                n++;
                break;
            }
        }
    }
    return n;
}

void
pipeline_group_stats(const struct pipeline *pl, uint32_t id,
                     struct ovs_list *replies)
{
    long long now = time_msec();
    size_t n;
    struct pl_group **groups = sorted_groups(pl, id, &n);

    pl_stats_sync();
    for (size_t i = 0; i < n; i++) {
        struct pl_group *g = groups[i];
        struct ofputil_group_stats gs;
        long long age = now - g->created;

        memset(&gs, 0, sizeof gs);
        gs.group_id = g->id;
        gs.ref_count = group_ref_count(pl, g->id);
        atomic_read_relaxed(&g->n_packets, &gs.packet_count);
        atomic_read_relaxed(&g->n_bytes, &gs.byte_count);
        gs.duration_sec = age / 1000;
        gs.duration_nsec = (age % 1000) * 1000000;
        gs.n_buckets = g->n_buckets;
        gs.bucket_stats = xcalloc(g->n_buckets + 1,
                                  sizeof *gs.bucket_stats);
        for (size_t j = 0; j < g->n_buckets; j++) {
            atomic_read_relaxed(&g->buckets[j].n_packets,
                                &gs.bucket_stats[j].packet_count);
            atomic_read_relaxed(&g->buckets[j].n_bytes,
                                &gs.bucket_stats[j].byte_count);
        }
        ofputil_append_group_stats(replies, &gs);
        free(gs.bucket_stats);
    }
    free(groups);
}

void
pipeline_group_desc(const struct pipeline *pl, uint32_t id,
                    struct ovs_list *replies)
{
    size_t n;
    struct pl_group **groups = sorted_groups(pl, id, &n);

    for (size_t i = 0; i < n; i++) {
        struct ofputil_group_desc gd;
        group_to_desc(groups[i], &gd);
        ofputil_append_group_desc_reply(&gd, &gd.buckets, replies);
        ofputil_bucket_list_destroy(&gd.buckets);
    }
    free(groups);
}

void
pipeline_group_features(struct ofputil_group_features *gf)
{
    memset(gf, 0, sizeof *gf);
    gf->types = (1u << OFPGT11_ALL) | (1u << OFPGT11_SELECT)
                | (1u << OFPGT11_INDIRECT) | (1u << OFPGT11_FF);
    gf->capabilities = OFPGFC_SELECT_WEIGHT | OFPGFC_SELECT_LIVENESS;
    for (int i = 0; i < 4; i++) {
        gf->max_groups[i] = OFPG_MAX;
        gf->ofpacts[i] = supported_ofpacts();
    }
}

const char *
group_type_name(uint8_t type)
{
    switch (type) {
    case OFPGT11_ALL: return "all";
    case OFPGT11_SELECT: return "select";
    case OFPGT11_INDIRECT: return "indirect";
    case OFPGT11_FF: return "fast_failover";
    default: return "?";
    }
}

/* "group_id=1,type=all,bucket=actions=..." as ovs-ofctl add-group takes
 * it. */
static void
format_group_text(const struct pl_group *g, struct ds *s)
{
    ds_put_format(s, "group_id=%"PRIu32",type=%s", g->id,
                  group_type_name(g->type));
    for (size_t i = 0; i < g->n_buckets; i++) {
        const struct pl_bucket *b = &g->buckets[i];
        struct ofpact_format_params fp = { .s = s };

        ds_put_cstr(s, ",bucket=");
        if (g->type == OFPGT11_SELECT) {
            ds_put_format(s, "weight:%"PRIu16",", b->weight);
        }
        if (b->watch_port != OFPP_ANY) {
            ds_put_cstr(s, "watch_port:");
            ofputil_format_port(b->watch_port, NULL, s);
            ds_put_char(s, ',');
        }
        if (b->watch_group != OFPG_ANY) {
            ds_put_format(s, "watch_group:%"PRIu32",", b->watch_group);
        }
        ds_put_cstr(s, "actions=");
        if (b->ofpacts_len) {
            ofp_ext_format(b->ofpacts, b->ofpacts_len, &fp);
        } else {
            ds_put_cstr(s, "drop");
        }
    }
}

void
pipeline_groups_dump(const struct pipeline *pl, struct ds *s)
{
    size_t n;
    struct pl_group **groups = sorted_groups(pl, OFPG_ALL, &n);

    pl_stats_sync();
    for (size_t i = 0; i < n; i++) {
        uint64_t packets, bytes;
        atomic_read_relaxed(&groups[i]->n_packets, &packets);
        atomic_read_relaxed(&groups[i]->n_bytes, &bytes);
        ds_put_format(s, " n_packets=%"PRIu64", n_bytes=%"PRIu64", ",
                      packets, bytes);
        format_group_text(groups[i], s);
        ds_put_char(s, '\n');
    }
    free(groups);
}

/* Puts 'g' in 'out' after the groups its buckets go to (depth first),
 * each once: the order in which they can be added again. */
static void
chain_order(const struct pipeline *pl, struct pl_group *g,
            struct hmapx *done, struct pl_group **out, size_t *n)
{
    if (!hmapx_add(done, g)) {
        return;
    }
    for (size_t i = 0; i < g->n_buckets; i++) {
        const struct pl_bucket *b = &g->buckets[i];
        const struct ofpact *a;
        OFPACT_FOR_EACH (a, b->ofpacts, b->ofpacts_len) {
            struct pl_group *next = (a->type == OFPACT_GROUP
                                     ? group_find(pl, ofpact_get_GROUP(a)
                                                      ->group_id)
                                     : NULL);
            if (next) {
                chain_order(pl, next, done, out, n);
            }
        }
    }
    out[(*n)++] = g;
}

char **
pipeline_groups_texts(const struct pipeline *pl, size_t *np)
{
    size_t n, n_ordered = 0, n_texts = 0;
    struct pl_group **groups = sorted_groups(pl, OFPG_ALL, &n);
    struct pl_group **ordered = xmalloc((n + 1) * sizeof *ordered);
    char **texts = xmalloc((n + 1) * sizeof *texts);
    struct hmapx done = HMAPX_INITIALIZER(&done);

    /* By id, but a group after those it goes to, so that the saved file
     * loads back. */
    for (size_t i = 0; i < n; i++) {
        chain_order(pl, groups[i], &done, ordered, &n_ordered);
    }
    hmapx_destroy(&done);
    for (size_t i = 0; i < n_ordered; i++) {
        if (ordered[i]->persistent) {
            struct ds s = DS_EMPTY_INITIALIZER;
            format_group_text(ordered[i], &s);
            texts[n_texts++] = ds_steal_cstr(&s);
        }
    }
    free(ordered);
    free(groups);
    *np = n_texts;
    return texts;
}

/* Frees every group of 'pl' (pipeline_destroy()). */
void
pl_groups_destroy(struct pipeline *pl)
{
    struct pl_group *g;

    CMAP_FOR_EACH (g, node, &pl->groups) {
        group_remove(pl, g);
    }
    cmap_destroy(&pl->groups);
}
