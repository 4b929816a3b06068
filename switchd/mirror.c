/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirror: the pipeline's port mirrors (main thread); xlate.c applies them
 * to each translation.  See pipeline_set_mirrors() in pipeline.h.
 */
#include <config.h>

#include "pipeline-private.h"

#include <stdlib.h>
#include <string.h>

#include "ovs-rcu.h"
#include "util.h"

static void
mirrors_free(struct pl_mirrors *ms)
{
    if (ms) {
        for (size_t i = 0; i < ms->n; i++) {
            free(ms->m[i].name);
            free(ms->m[i].src);
            free(ms->m[i].dst);
        }
        free(ms);
    }
}

static uint16_t *
ports_dup(const uint16_t *p, size_t n)
{
    return n ? xmemdup(p, n * sizeof *p) : NULL;
}

void
pipeline_set_mirrors(struct pipeline *pl, const struct pipeline_mirror *spec,
                     size_t n)
{
    struct pl_mirrors *old = ovsrcu_get_protected(struct pl_mirrors *,
                                                  &pl->mirrors);
    struct pl_mirrors *ms = NULL;
    uint32_t used = 0;

    n = MIN(n, PL_MAX_MIRRORS);
    if (n) {
        ms = xzalloc(sizeof *ms + n * sizeof ms->m[0]);
        ms->n = n;
    }
    /* Slots: a mirror keeps its name's slot (and counters). */
    for (size_t i = 0; i < n; i++) {
        struct pl_mirror *m = &ms->m[i];
        m->slot = UINT8_MAX;
        for (size_t j = 0; old && j < old->n; j++) {
            if (!strcmp(old->m[j].name, spec[i].name)
                && !(used & (1u << old->m[j].slot))) {
                m->slot = old->m[j].slot;
                used |= 1u << m->slot;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct pl_mirror *m = &ms->m[i];
        const struct pipeline_mirror *s = &spec[i];

        if (m->slot == UINT8_MAX) {
            /* A slot no megaflow credits any more (the old list's may be
             * credited until the caller flushes the caches), if any. */
            uint32_t old_used = 0;
            for (size_t j = 0; old && j < old->n; j++) {
                old_used |= 1u << old->m[j].slot;
            }
            uint32_t free_slots = ~(used | old_used) ? ~(used | old_used)
                                                     : ~used;
            m->slot = __builtin_ctz(free_slots);
            used |= 1u << m->slot;
            atomic_store_relaxed(&pl->mirror_ctr[m->slot].n_packets, 0);
            atomic_store_relaxed(&pl->mirror_ctr[m->slot].n_bytes, 0);
        }
        m->name = xstrdup(s->name);
        m->select_all = s->select_all;
        m->src = ports_dup(s->src, s->n_src);
        m->n_src = s->n_src;
        m->dst = ports_dup(s->dst, s->n_dst);
        m->n_dst = s->n_dst;
        m->any_vlan = !s->n_vlans;
        for (size_t v = 0; v < s->n_vlans; v++) {
            uint16_t vid = s->vlans[v] & 0xfff;
            m->vlan_bits[vid / 64] |= UINT64_C(1) << (vid % 64);
        }
        m->output = s->output;
        m->output_vlan = s->output_vlan;
    }
    ovsrcu_set(&pl->mirrors, ms);
    if (old) {
        ovsrcu_postpone(mirrors_free, old);
    }
}

size_t
pipeline_mirror_stats(const struct pipeline *pl,
                      struct pipeline_mirror_stats **statsp)
{
    const struct pl_mirrors *ms = ovsrcu_get_protected(struct pl_mirrors *,
                                                       &pl->mirrors);
    size_t n = ms ? ms->n : 0;
    struct pipeline_mirror_stats *st = xcalloc(n ? n : 1, sizeof *st);

    pl_stats_sync();
    for (size_t i = 0; i < n; i++) {
        struct pl_mirror_counters *c = CONST_CAST(
            struct pl_mirror_counters *, &pl->mirror_ctr[ms->m[i].slot]);
        st[i].name = ms->m[i].name;
        atomic_read_relaxed(&c->n_packets, &st[i].n_packets);
        atomic_read_relaxed(&c->n_bytes, &st[i].n_bytes);
    }
    *statsp = st;
    return n;
}

void
pl_mirrors_destroy(struct pipeline *pl)
{
    mirrors_free(ovsrcu_get_protected(struct pl_mirrors *, &pl->mirrors));
    ovsrcu_set_hidden(&pl->mirrors, NULL);
}
