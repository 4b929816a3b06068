/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: the OpenFlow tables, flow_mods, transactions, statistics,
 * timeouts and dumps (main thread).  Groups are in group.c, meters in
 * meter.c, the translation of packets in xlate.c.  See pipeline.h and
 * pipeline-private.h.
 */
#include <config.h>

#include "ofp-ext.h"
#include "pipeline-private.h"
#include "port-security.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "cmap.h"
#include "dp-packet.h"
#include "flow.h"
#include "hash.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "xvs-guest.h"

VLOG_DEFINE_THIS_MODULE(pipeline);
static void pl_queues_release(struct pipeline *, struct pl_queues *,
                              const struct pl_queues *kept);
static void
pl_actions_free(struct pl_actions *a)
{
    if (a) {
        free(a->ofpacts);
        free(a);
    }
}

static struct pl_actions *
pl_actions_create(const struct ofpact *ofpacts, size_t len)
{
    struct pl_actions *a = xmalloc(sizeof *a);
    a->ofpacts = len ? xmemdup(ofpacts, len) : NULL;
    a->len = len;
    return a;
}

static void
rule_free(struct pl_rule *rule)
{
    cls_rule_destroy(&rule->cr);
    pl_actions_free(ovsrcu_get_protected(struct pl_actions *,
                                         &rule->actions));
    free(rule);
}

void
rule_unref(struct pl_rule *rule)
{
    if (rule && ovs_refcount_unref(&rule->ref) == 1) {
        ovsrcu_postpone(rule_free, rule);
    }
}

/* ---- Counters' freshness ------------------------------------------- */

static void (*stats_sync)(void);
static uint64_t stats_epoch = 1, stats_synced_epoch;

void
pipeline_set_stats_sync(void (*sync)(void))
{
    stats_sync = sync;
}

void
pipeline_stats_invalidate(void)
{
    stats_epoch++;
}

void
pl_stats_sync(void)
{
    if (stats_sync && stats_synced_epoch != stats_epoch) {
        stats_synced_epoch = stats_epoch;
        stats_sync();
    }
}

static void
rule_stats(const struct pl_rule *rule, uint64_t *packets, uint64_t *bytes)
{
    pl_stats_sync();
    atomic_read_relaxed(&CONST_CAST(struct pl_rule *, rule)->n_packets,
                        packets);
    atomic_read_relaxed(&CONST_CAST(struct pl_rule *, rule)->n_bytes, bytes);
}

struct pipeline *
pipeline_create(const char *name)
{
    struct pipeline *pl = xzalloc(sizeof *pl);

    static uint32_t next_id = 1;

    pl->name = xstrdup(name);
    pl->id = next_id++ & 0xffff;
    for (int i = 0; i < PL_N_TABLES; i++) {
        classifier_init(&pl->tables[i].cls, NULL);
        atomic_init(&pl->tables[i].n_lookups, 0);
        atomic_init(&pl->tables[i].n_matched, 0);
    }
    atomic_init(&pl->version, OVS_VERSION_MIN);
    ovsrcu_set_hidden(&pl->ports, xzalloc(sizeof(struct pl_ports)));
    pl->macs = mac_table_create(MAC_TABLE_DEFAULT_AGING_MS,
                                MAC_TABLE_DEFAULT_MAX);
    atomic_init(&pl->n_missed, 0);
    atomic_init(&pl->miss_to_controller, false);
    atomic_init(&pl->fail_open, false);
    ovs_list_init(&pl->expirable);
    pl->next_expiry = LLONG_MAX;
    cmap_init(&pl->groups);
    cmap_init(&pl->meters);
    ovsrcu_set_hidden(&pl->mirrors, NULL);
    for (int i = 0; i < PL_MAX_MIRRORS; i++) {
        atomic_init(&pl->mirror_ctr[i].n_packets, 0);
        atomic_init(&pl->mirror_ctr[i].n_bytes, 0);
    }
    ovs_mutex_init(&pl->pin_mutex);
    hmap_init(&pl->pin_map);
    pl->pin_descs = xcalloc(PL_MAX_PIN_DESCS, sizeof *pl->pin_descs);
    pl->n_pin_descs = 0;
    return pl;
}

/* The caller makes sure no PMD thread can reach 'pl' any more. */
size_t
pipeline_set_mac_table_size(struct pipeline *pl, size_t n)
{
    return mac_table_set_max(pl->macs, n);
}

void
pipeline_destroy(struct pipeline *pl)
{
    struct pl_rule *rule;

    if (!pl) {
        return;
    }
    for (int i = 0; i < PL_N_TABLES; i++) {
        struct classifier *cls = &pl->tables[i].cls;
        classifier_defer(cls);
        CLS_FOR_EACH (rule, cr, cls) {
            classifier_remove_assert(cls, &rule->cr);
            rule->in_table = false;
            rule_unref(rule);
        }
        classifier_publish(cls);
        classifier_destroy(cls);
    }
    pl_groups_destroy(pl);
    pl_meters_destroy(pl);
    pl_mirrors_destroy(pl);
    struct pl_ports *ports = ovsrcu_get_protected(struct pl_ports *,
                                                  &pl->ports);
    for (size_t i = 0; i < DP_MAX_PORTS; i++) {
        struct pl_psec *ps = pl->ports_batch ? pl->ports_batch->psec_of[i]
                                             : ports->psec_of[i];
        if (ps) {
            ovsrcu_postpone(psec_destroy, ps);
        }
        pl_queues_release(pl, pl->ports_batch ? pl->ports_batch->queues_of[i]
                                              : ports->queues_of[i], NULL);
    }
    ovsrcu_postpone(free, ports);
    free(pl->ports_batch);
    mac_table_destroy(pl->macs);
    for (uint32_t i = 0; i < pl->n_pin_descs; i++) {
        free(pl->pin_descs[i]);
    }
    free(pl->pin_descs);
    hmap_destroy(&pl->pin_map);
    pipeline_changes_destroy(pl->changes);
    free(pl->txn_added.rules);
    free(pl->txn_removed.rules);
    free(pl->txn_reasons);
    free(pl->txn_mods);
    free(pl->txn_groups);
    ovs_mutex_destroy(&pl->pin_mutex);
    free(pl->name);
    free(pl);
}

void
pipeline_set_hooks(struct pipeline *pl, const struct pipeline_hooks *hooks,
                   void *aux)
{
    pl->hooks = *hooks;
    pl->hooks_aux = aux;
}

void
pipeline_set_miss_to_controller(struct pipeline *pl, bool on)
{
    atomic_store_relaxed(&pl->miss_to_controller, on);
}

void
pipeline_set_fail_open(struct pipeline *pl, bool on)
{
    atomic_store_relaxed(&pl->fail_open, on);
}

bool
pipeline_is_fail_open(const struct pipeline *pl)
{
    bool on;
    atomic_read_relaxed(&CONST_CAST(struct pipeline *, pl)->fail_open, &on);
    return on;
}

void
pipeline_changes_destroy(struct pipeline_changes *c)
{
    if (c) {
        for (size_t i = 0; i < c->n_gone; i++) {
            rule_unref(c->gone[i]);
        }
        for (size_t i = 0; i < c->n_gone_groups; i++) {
            group_unref(c->gone_groups[i]);
        }
        free(c->gone);
        free(c->gone_groups);
        free(c->added);
        free(c);
    }
}

static int
compare_ptrs(const void *a_, const void *b_)
{
    uintptr_t a = (uintptr_t) *(const void *const *) a_;
    uintptr_t b = (uintptr_t) *(const void *const *) b_;
    return a < b ? -1 : a > b;
}

bool
pipeline_take_changes(struct pipeline *pl, struct pipeline_changes **cp)
{
    struct pipeline_changes *c = pl->changes;
    bool flush = pl->changed;

    pl->changed = false;
    pl->changes = NULL;
    if (flush) {
        pipeline_changes_destroy(c);
        c = NULL;
    } else if (c) {
        if (c->n_gone > 1) {
            qsort(c->gone, c->n_gone, sizeof *c->gone, compare_ptrs);
        }
        if (c->n_gone_groups > 1) {
            qsort(c->gone_groups, c->n_gone_groups, sizeof *c->gone_groups,
                  compare_ptrs);
        }
    }
    *cp = c;
    return flush;
}

/* The changes to note one more in, or NULL if the caches will be flushed
 * anyway. */
static struct pipeline_changes *
changes_for_one_more(struct pipeline *pl)
{
    struct pipeline_changes *c = pl->changes;

    if (pl->changed) {
        return NULL;            /* A flush covers it. */
    }
    if (!c) {
        c = pl->changes = xzalloc(sizeof *c);
        c->pl = pl;
    }
    if (c->n_gone + c->n_added + c->n_gone_groups >= PL_MAX_CHANGES) {
        /* A pass would cost more than the upcalls of a flush. */
        pipeline_changes_destroy(c);
        pl->changes = NULL;
        pl->changed = true;
        return NULL;
    }
    return c;
}

void
note_group_gone(struct pipeline *pl, struct pl_group *g)
{
    struct pipeline_changes *c = changes_for_one_more(pl);

    if (c) {
        if (c->n_gone_groups >= c->allocated_gone_groups) {
            c->gone_groups = x2nrealloc(c->gone_groups,
                                        &c->allocated_gone_groups,
                                        sizeof *c->gone_groups);
        }
        ovs_refcount_ref(&g->ref);
        c->gone_groups[c->n_gone_groups++] = g;
    }
}

/* Notes, for the datapath's caches, that 'rule' was removed or changed
 * ('gone') or added. */
static void
note_change(struct pipeline *pl, struct pl_rule *rule, bool gone)
{
    struct pipeline_changes *c = changes_for_one_more(pl);

    if (!c) {
        return;
    }
    if (gone) {
        if (c->n_gone >= c->allocated_gone) {
            c->gone = x2nrealloc(c->gone, &c->allocated_gone,
                                 sizeof *c->gone);
        }
        ovs_refcount_ref(&rule->ref);
        c->gone[c->n_gone++] = rule;
    } else {
        struct pl_added_rule a;
        if (!pl_match_to_dp(rule, pl_ports_get(pl), &a.key, &a.mask)) {
            return;             /* For no packet the datapath has. */
        }
        a.priority = rule->cr.priority;
        a.table_id = rule->table_id;
        if (c->n_added >= c->allocated_added) {
            c->added = x2nrealloc(c->added, &c->allocated_added,
                                  sizeof *c->added);
        }
        c->added[c->n_added++] = a;
        c->added_tables[a.table_id / 64] |= UINT64_C(1) << (a.table_id % 64);
    }
}

/* ---- Ports ---------------------------------------------------------- */

static struct pl_ports *
pl_ports_copy(const struct pl_ports *old, size_t extra)
{
    struct pl_ports *new = xzalloc(sizeof *new
                                   + (old->n + extra) * sizeof new->p[0]);
    memcpy(new, old, sizeof *new + old->n * sizeof old->p[0]);
    return new;
}

/* The port table as the main thread sees it: the batch being edited, if
 * any, else the published one. */
static const struct pl_ports *
pl_ports_main(const struct pipeline *pl)
{
    return (pl->ports_batch ? pl->ports_batch
            : ovsrcu_get_protected(struct pl_ports *, &pl->ports));
}

/* A port table to change, with room for 'extra' more ports: the batch, or
 * a copy of the published table.  Hand it to pl_ports_done(). */
static struct pl_ports *
pl_ports_edit(struct pipeline *pl, size_t extra)
{
    struct pl_ports *b = pl->ports_batch;

    if (!b) {
        return pl_ports_copy(pl_ports_main(pl), extra);
    }
    if (b->n + extra > pl->ports_batch_cap) {
        pl->ports_batch_cap = MAX(2 * pl->ports_batch_cap, b->n + extra);
        b = xrealloc(b, sizeof *b + pl->ports_batch_cap * sizeof b->p[0]);
        pl->ports_batch = b;
    }
    return b;
}

static void
pl_ports_publish(struct pipeline *pl, struct pl_ports *new)
{
    struct pl_ports *old = ovsrcu_get_protected(struct pl_ports *,
                                                &pl->ports);
    ovsrcu_set(&pl->ports, new);
    ovsrcu_postpone(free, old);
}

/* Publishes 'new' from pl_ports_edit(), unless it is the batch. */
static void
pl_ports_done(struct pipeline *pl, struct pl_ports *new)
{
    if (new != pl->ports_batch) {
        pl_ports_publish(pl, new);
    }
}

void
pipeline_ports_begin(struct pipeline *pl)
{
    ovs_assert(!pl->ports_batch);
    const struct pl_ports *cur = pl_ports_main(pl);
    pl->ports_batch_cap = cur->n;
    pl->ports_batch = pl_ports_copy(cur, 0);
}

void
pipeline_ports_commit(struct pipeline *pl)
{
    struct pl_ports *b = pl->ports_batch;

    ovs_assert(b);
    pl->ports_batch = NULL;
    pl_ports_publish(pl, b);
}

static void
pl_port_set_vlans(struct pl_port *p, const struct pipeline_port_vlans *vlans)
{
    p->vlan = vlans ? vlans->vlan : 0;
    p->native_vlan = vlans ? vlans->native_vlan : 0;
    p->trunk = vlans && vlans->n_trunks > 0;
    memset(p->trunk_bits, 0, sizeof p->trunk_bits);
    for (size_t i = 0; vlans && i < vlans->n_trunks; i++) {
        uint16_t vid = vlans->trunks[i] & 0xfff;
        p->trunk_bits[vid / 64] |= UINT64_C(1) << (vid % 64);
    }
}

void
pipeline_port_add(struct pipeline *pl, uint16_t ofport, uint32_t dp_port,
                  bool is_local, const struct pipeline_port_vlans *vlans)
{
    struct pl_ports *new = pl_ports_edit(pl, 1);
    struct pl_port *p = &new->p[new->n];

    ovs_assert(dp_port < DP_MAX_PORTS && ofport);
    memset(p, 0, sizeof *p);
    p->ofport = ofport;
    p->dp_port = dp_port;
    p->live = true;
    pl_port_set_vlans(p, vlans);
    new->n++;
    new->ofport_of[dp_port] = ofport;
    if (is_local) {
        new->local_ofport = ofport;
    }
    pl_ports_done(pl, new);
}

void
pipeline_port_set_vlans(struct pipeline *pl, uint16_t ofport,
                        const struct pipeline_port_vlans *vlans)
{
    struct pl_ports *new = pl_ports_edit(pl, 0);

    for (size_t i = 0; i < new->n; i++) {
        if (new->p[i].ofport == ofport) {
            pl_port_set_vlans(&new->p[i], vlans);
        }
    }
    pl_ports_done(pl, new);
    mac_table_flush_port(pl->macs, ofport);
}

void
pipeline_port_set_live(struct pipeline *pl, uint16_t ofport, bool live)
{
    struct pl_ports *new = pl_ports_edit(pl, 0);

    for (size_t i = 0; i < new->n; i++) {
        if (new->p[i].ofport == ofport) {
            new->p[i].live = live;
        }
    }
    pl_ports_done(pl, new);
}

void
pipeline_port_set_config(struct pipeline *pl, uint16_t ofport,
                         uint32_t config)
{
    struct pl_ports *new = pl_ports_edit(pl, 0);

    for (size_t i = 0; i < new->n; i++) {
        if (new->p[i].ofport == ofport) {
            new->p[i].config = config;
        }
    }
    pl_ports_done(pl, new);
}

void
pipeline_port_set_security(struct pipeline *pl, uint16_t ofport,
                           const struct xvs_port_guest *guest)
{
    struct pl_ports *new = pl_ports_edit(pl, 0);

    for (size_t i = 0; i < new->n; i++) {
        if (new->p[i].ofport == ofport) {
            struct pl_psec **psp = &new->psec_of[new->p[i].dp_port];
            struct pl_psec *old = *psp;
            *psp = guest ? psec_create(guest, old) : NULL;
            if (old) {
                ovsrcu_postpone(psec_destroy, old);
            }
            if (psec_snoops_dhcp(*psp)) {
                pl->next_lease_check = 0;       /* Check from now on. */
            }
        }
    }
    pl_ports_done(pl, new);
    /* What NORMAL learned on the port before may be what port security
     * now refuses. */
    mac_table_flush_port(pl->macs, ofport);
}

int
pipeline_port_dhcp_leases(const struct pipeline *pl, uint16_t ofport,
                          struct psec_lease *out)
{
    const struct pl_ports *ports = pl_ports_get(pl);

    for (size_t i = 0; i < ports->n; i++) {
        if (ports->p[i].ofport == ofport) {
            const struct pl_psec *ps = ports->psec_of[ports->p[i].dp_port];
            return psec_snoops_dhcp(ps) ? (int) psec_get_leases(ps, out) : -1;
        }
    }
    return -1;
}

/* ---- Queues ---- */

/* Takes the queues of 'qs' that 'kept' does not have out of the datapath
 * and frees their slots; frees 'qs' after a grace period (readers may
 * still use it). */
static void
pl_queues_release(struct pipeline *pl, struct pl_queues *qs,
                  const struct pl_queues *kept)
{
    for (size_t i = 0; qs && i < qs->n; i++) {
        if (pl_queues_find(kept, qs->q[i].id)) {
            continue;
        }
        if (pl->hooks.meter_del) {
            pl->hooks.meter_del(pl->hooks_aux, qs->q[i].slot);
        }
        pl_meter_slot_free(qs->q[i].slot);
    }
    if (qs) {
        ovsrcu_postpone(free, qs);
    }
}

/* Points the datapath slot of 'q' at its rate: a meter with one drop band,
 * whose burst is the larger of the rate's bytes per interval and
 * XVS_RATE_MIN_BURST (a 64 KB segmentation offload packet must fit). */
static char *
pl_queue_configure(struct pipeline *pl, const struct pl_queue *q,
                   const struct xvs_queue *xq)
{
    uint64_t kbps = q->max_bps / 1000;
    uint64_t burst_kbit = xvs_rate_burst(xq->rate_bytes) * 8 / 1000;
    struct dp_meter_config cfg = {
        .rate = MIN(kbps, UINT32_MAX),
        .burst = MIN(burst_kbit, UINT32_MAX),
    };
    char *error = NULL;

    if (pl->hooks.meter_set
        && pl->hooks.meter_set(pl->hooks_aux, q->slot, &cfg, &error)) {
        return error;
    }
    return NULL;
}

char *
pipeline_port_set_queues(struct pipeline *pl, uint16_t ofport,
                         const struct xvs_queue *xqs, size_t n)
{
    const struct pl_ports *cur = pl_ports_main(pl);
    const struct pl_port *port = pl_port_find(cur, ofport);
    char *error = NULL;

    if (!port) {
        return xasprintf("ofport %"PRIu16" is not mapped", ofport);
    }
    const struct pl_queues *old = cur->queues_of[port->dp_port];
    struct pl_queues *qs = NULL;

    if (!n && !old) {
        return NULL;            /* None before, none now. */
    }

    if (n) {
        qs = xzalloc(sizeof *qs + n * sizeof qs->q[0]);
    }
    for (size_t i = 0; i < n; i++) {
        const struct pl_queue *was = pl_queues_find(old, xqs[i].id);
        struct pl_queue *q = &qs->q[i];

        q->id = xqs[i].id;
        q->max_bps = xvs_rate_bps(xqs[i].rate_bytes, xqs[i].rate_usecs);
        if (was) {
            q->slot = was->slot;
            q->created = was->created;
        } else {
            int slot = pl_meter_slot_alloc();
            if (slot < 0) {
                error = xasprintf("queue %"PRIu32": all %d of the "
                                  "datapath's policers (meters and queues) "
                                  "are in use", q->id, DP_MAX_METERS);
                break;
            }
            q->slot = slot;
            q->created = time_msec();
        }
        qs->n = i + 1;
        error = was ? NULL : pl_queue_configure(pl, q, &xqs[i]);
        if (error) {
            break;
        }
    }
    if (error) {
        /* Back as it was: the new slots go; nothing of 'old' has been
         * touched yet. */
        pl_queues_release(pl, qs, old);
        return error;
    }
    /* The queues that stay take their new rates (their counters carry
     * on); then those that went leave the datapath. */
    for (size_t i = 0; i < n; i++) {
        if (pl_queues_find(old, qs->q[i].id)) {
            char *e = pl_queue_configure(pl, &qs->q[i], &xqs[i]);
            if (e) {
                /* The rate parser keeps rates within what meters take. */
                VLOG_WARN("%s: ofport %"PRIu16": %s", pl->name, ofport, e);
                free(e);
            }
        }
    }

    struct pl_ports *new = pl_ports_edit(pl, 0);
    struct pl_queues **qp = &new->queues_of[port->dp_port];
    struct pl_queues *gone = *qp;
    *qp = qs;
    pl_ports_done(pl, new);
    pl_queues_release(pl, gone, qs);
    pl->changed = true;
    return NULL;
}

static int
compare_queue_stats(const void *a_, const void *b_)
{
    const struct pipeline_queue_stats *a = a_, *b = b_;
    if (a->ofport != b->ofport) {
        return a->ofport < b->ofport ? -1 : 1;
    }
    return a->queue_id < b->queue_id ? -1 : a->queue_id > b->queue_id;
}

size_t
pipeline_queues(const struct pipeline *pl, uint16_t ofport,
                uint32_t queue_id, struct pipeline_queue_stats **qsp)
{
    const struct pl_ports *ports = pl_ports_main(pl);
    struct pipeline_queue_stats *out = NULL;
    size_t n = 0, allocated = 0;

    for (size_t i = 0; i < ports->n; i++) {
        const struct pl_port *p = &ports->p[i];
        const struct pl_queues *qs = ports->queues_of[p->dp_port];

        if (ofport && p->ofport != ofport) {
            continue;
        }
        for (size_t j = 0; qs && j < qs->n; j++) {
            const struct pl_queue *q = &qs->q[j];
            if (queue_id != UINT32_MAX && q->id != queue_id) {
                continue;
            }
            if (n >= allocated) {
                out = x2nrealloc(out, &allocated, sizeof *out);
            }
            struct pipeline_queue_stats *st = &out[n++];
            struct dp_meter_stats dps;

            memset(&dps, 0, sizeof dps);
            if (pl->hooks.meter_stats) {
                pl->hooks.meter_stats(pl->hooks_aux, q->slot, &dps);
            }
            st->ofport = p->ofport;
            st->queue_id = q->id;
            st->max_bps = q->max_bps;
            st->dropped_packets = dps.dropped_packets;
            st->dropped_bytes = dps.dropped_bytes;
            st->tx_packets = dps.packets - MIN(dps.packets,
                                               dps.dropped_packets);
            st->tx_bytes = dps.bytes - MIN(dps.bytes, dps.dropped_bytes);
            st->created = q->created;
        }
    }
    if (n) {
        qsort(out, n, sizeof *out, compare_queue_stats);
    }
    *qsp = out;
    return n;
}

void
pipeline_port_del(struct pipeline *pl, uint16_t ofport)
{
    struct pl_ports *new = pl_ports_edit(pl, 0);
    size_t n = new->n;

    /* In place: 'new' may be the batch. */
    new->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (new->p[i].ofport != ofport) {
            new->p[new->n++] = new->p[i];
        } else {
            struct pl_psec **psp = &new->psec_of[new->p[i].dp_port];
            if (*psp) {
                ovsrcu_postpone(psec_destroy, *psp);
                *psp = NULL;
            }
            pl_queues_release(pl, new->queues_of[new->p[i].dp_port], NULL);
            new->queues_of[new->p[i].dp_port] = NULL;
            new->ofport_of[new->p[i].dp_port] = 0;
        }
    }
    if (new->local_ofport == ofport) {
        new->local_ofport = 0;
    }
    pl_ports_done(pl, new);
    mac_table_flush_port(pl->macs, ofport);
}

/* ---- Checking actions ----------------------------------------------- */

static bool
set_field_supported(enum mf_field_id id)
{
    switch (id) {
    case MFF_ETH_SRC: case MFF_ETH_DST:
    case MFF_VLAN_TCI: case MFF_DL_VLAN: case MFF_VLAN_VID:
    case MFF_DL_VLAN_PCP: case MFF_VLAN_PCP:
    case MFF_IPV4_SRC: case MFF_IPV4_DST:
    case MFF_IP_DSCP: case MFF_IP_DSCP_SHIFTED: case MFF_IP_ECN:
    case MFF_IP_TTL:
    case MFF_TCP_SRC: case MFF_TCP_DST: case MFF_UDP_SRC: case MFF_UDP_DST:
    case MFF_IPV6_SRC: case MFF_IPV6_DST: case MFF_IPV6_LABEL:
    case MFF_MPLS_LABEL: case MFF_MPLS_TC: case MFF_MPLS_TTL:
    case MFF_ARP_OP: case MFF_ARP_SPA: case MFF_ARP_TPA:
    case MFF_ARP_SHA: case MFF_ARP_THA:
    case MFF_ICMPV4_TYPE: case MFF_ICMPV4_CODE:
    case MFF_ICMPV6_TYPE: case MFF_ICMPV6_CODE:
    case MFF_SCTP_SRC: case MFF_SCTP_DST:
    case MFF_ND_TARGET: case MFF_ND_SLL: case MFF_ND_TLL:
    case MFF_METADATA:
    case MFF_TUN_ID:            /* Metadata until xvs has tunnels. */
    CASE_MFF_REGS:
    CASE_MFF_XREGS:
    CASE_MFF_XXREGS:
        return true;
    default:
        return false;
    }
}

enum ofperr
check_fail(char **msg, enum ofperr error, const char *fmt, ...)
{
    if (msg) {
        va_list args;
        va_start(args, fmt);
        *msg = xvasprintf(fmt, args);
        va_end(args);
    }
    return error;
}


/* Checks that the translation executes every action in 'ofpacts', of a
 * rule in 'table_id' (or of a packet-out, if 'packet_out'; or of a group
 * bucket, if 'in_bucket').  Groups must exist in 'pl' (not checked if
 * 'pl' is NULL: a configuration's flows are checked before its groups are
 * made).  Returns 0, or an OpenFlow error and, if 'msg' is nonnull, a
 * message. */
enum ofperr
check_ofpacts__(const struct pipeline *pl, const struct ofpact *ofpacts,
                size_t len, uint8_t table_id, bool packet_out, bool in_bucket,
                char **msg)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, len) {
        switch (a->type) {
        case OFPACT_OUTPUT: {
            ofp_port_t port = ofpact_get_OUTPUT(a)->port;
            if (!ofp_to_u16(port)) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_OUT_PORT,
                                  "output to port 0: no such port exists");
            }
            if (port == OFPP_TABLE && !packet_out) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_OUT_PORT,
                                  "output to TABLE is only for packet-out");
            }
            if (ofp_to_u16(port) > ofp_to_u16(OFPP_MAX)
                && port != OFPP_IN_PORT && port != OFPP_TABLE
                && port != OFPP_FLOOD && port != OFPP_ALL
                && port != OFPP_NORMAL && port != OFPP_LOCAL
                && port != OFPP_CONTROLLER && port != OFPP_NONE) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_OUT_PORT,
                                  "output to port %"PRIu16" is not "
                                  "supported", ofp_to_u16(port));
            }
            break;
        }
        case OFPACT_CONTROLLER: {
            const struct ofpact_controller *c = ofpact_get_CONTROLLER(a);
            if (c->pause || c->userdata_len || c->meter_id != NX_CTLR_NO_METER) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_ARGUMENT,
                                  "controller action: userdata, pause and "
                                  "meter_id are not supported");
            }
            break;
        }
        case OFPACT_PUSH_MPLS:
        case OFPACT_POP_MPLS:
        case OFPACT_SET_MPLS_LABEL:
        case OFPACT_SET_MPLS_TC:
        case OFPACT_SET_MPLS_TTL:
        case OFPACT_DEC_MPLS_TTL:
            break;
        case OFPACT_PUSH_VLAN: {
            ovs_be16 type = ofpact_get_PUSH_VLAN(a)->ethertype;
            if (type != htons(ETH_TYPE_VLAN_8021Q)
                && type != htons(ETH_TYPE_VLAN_8021AD)) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_ARGUMENT,
                                  "push_vlan: Ethertype %#"PRIx16" is not "
                                  "0x8100 or 0x88a8", ntohs(type));
            }
            break;
        }
        case OFPACT_SET_L4_SRC_PORT:
        case OFPACT_SET_L4_DST_PORT:
            break;
        case OFPACT_SET_FIELD: {
            const struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);
            if (!set_field_supported(sf->field->id)) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_SET_TYPE,
                                  "set_field of %s is not supported",
                                  sf->field->name);
            }
            break;
        }
        case OFPACT_GOTO_TABLE: {
            uint8_t next = ofpact_get_GOTO_TABLE(a)->table_id;
            if (packet_out || next <= table_id || next >= PL_N_TABLES) {
                return check_fail(msg, OFPERR_OFPBIC_BAD_TABLE_ID,
                                  "goto_table:%u from table %u: the target "
                                  "must be a later table", next, table_id);
            }
            break;
        }
        case OFPACT_RESUBMIT: {
            const struct ofpact_resubmit *r = ofpact_get_RESUBMIT(a);
            if (r->in_port != OFPP_IN_PORT || r->with_ct_orig
                || r->table_id == 255) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_ARGUMENT,
                                  "resubmit: only resubmit(,TABLE) is "
                                  "supported");
            }
            break;
        }
        case OFPACT_WRITE_ACTIONS: {
            const struct ofpact_nest *on = ofpact_get_WRITE_ACTIONS(a);
            enum ofperr error = check_ofpacts__(
                pl, on->actions, ofpact_nest_get_action_len(on), table_id,
                packet_out, in_bucket, msg);
            if (error) {
                return error;
            }
            break;
        }
        case OFPACT_GROUP: {
            uint32_t id = ofpact_get_GROUP(a)->group_id;
            /* From a bucket: a chain of groups, which group.c checks for
             * loops and depth. */
            if (pl && !group_find(pl, id)) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_OUT_GROUP,
                                  "group %"PRIu32" does not exist", id);
            }
            break;
        }
        case OFPACT_METER: {
            uint32_t id = ofpact_get_METER(a)->meter_id;
            if (pl && !meter_find(pl, id)) {
                return check_fail(msg, OFPERR_OFPMMFC_INVALID_METER,
                                  "meter %"PRIu32" does not exist", id);
            }
            break;
        }
        case OFPACT_STRIP_VLAN:
        case OFPACT_SET_VLAN_VID:
        case OFPACT_SET_VLAN_PCP:
        case OFPACT_SET_ETH_SRC:
        case OFPACT_SET_ETH_DST:
        case OFPACT_SET_IPV4_SRC:
        case OFPACT_SET_IPV4_DST:
        case OFPACT_SET_IP_DSCP:
        case OFPACT_SET_IP_ECN:
        case OFPACT_SET_IP_TTL:
        case OFPACT_DEC_TTL:
        case OFPACT_NOTE:
        case OFPACT_CLEAR_ACTIONS:
        case OFPACT_WRITE_METADATA:
        case OFPACT_SET_QUEUE:
        case OFPACT_POP_QUEUE:
            break;
        case OFPACT_ENQUEUE: {
            ofp_port_t port = ofpact_get_ENQUEUE(a)->port;
            if (!ofp_to_u16(port)
                || (ofp_to_u16(port) > ofp_to_u16(OFPP_MAX)
                    && port != OFPP_IN_PORT && port != OFPP_LOCAL)) {
                return check_fail(msg, OFPERR_OFPBAC_BAD_OUT_PORT,
                                  "enqueue to port %"PRIu16": only a "
                                  "port, IN_PORT or LOCAL has queues",
                                  ofp_to_u16(port));
            }
            break;
        }
        default:
            return check_fail(msg, OFPERR_OFPBAC_BAD_TYPE,
                              "action \"%s\" is not supported",
                              ofpact_name(a->type));
        }
    }
    return 0;
}

enum ofperr
check_ofpacts(const struct pipeline *pl, const struct ofpact *ofpacts,
              size_t len, uint8_t table_id, bool packet_out, char **msg)
{
    return check_ofpacts__(pl, ofpacts, len, table_id, packet_out, false,
                           msg);
}

/* ---- Versions ------------------------------------------------------- */

static void
pl_publish(struct pipeline *pl, ovs_version_t v)
{
    atomic_store_explicit(&pl->version, v, memory_order_release);
}

/* ---- Selecting rules ------------------------------------------------ */

/* What a modify, delete or statistics request selects. */
struct pl_criteria {
    uint8_t table_id;           /* 0xff: every table. */
    struct cls_rule target;     /* With the priority, for 'strict'. */
    bool strict;
    ovs_be64 cookie, cookie_mask;
    ofp_port_t out_port;        /* OFPP_ANY: any. */
    uint32_t out_group;         /* OFPG_ANY: any. */
};

static bool
rule_passes(const struct pl_rule *rule, const struct pl_criteria *c)
{
    if ((rule->cookie & c->cookie_mask) != (c->cookie & c->cookie_mask)) {
        return false;
    }
    if (c->out_port != OFPP_ANY || c->out_group != OFPG_ANY) {
        const struct pl_actions *a = rule_get_actions(rule);
        if (c->out_port != OFPP_ANY
            && !ofpacts_output_to_port(a->ofpacts, a->len, c->out_port)) {
            return false;
        }
        if (c->out_group != OFPG_ANY
            && !ofpacts_output_to_group(a->ofpacts, a->len, c->out_group)) {
            return false;
        }
    }
    return true;
}

static void
rule_vec_push(struct rule_vec *v, struct pl_rule *rule)
{
    if (v->n >= v->allocated) {
        v->rules = x2nrealloc(v->rules, &v->allocated, sizeof *v->rules);
    }
    v->rules[v->n++] = rule;
}

static void
collect_rules(const struct pipeline *pl, const struct pl_criteria *c,
              ovs_version_t v, struct rule_vec *out)
{
    int first = c->table_id == 0xff ? 0 : c->table_id;
    int last = c->table_id == 0xff ? PL_N_TABLES - 1 : c->table_id;

    memset(out, 0, sizeof *out);
    for (int t = first; t <= last; t++) {
        const struct classifier *cls = &pl->tables[t].cls;
        struct pl_rule *rule;

        if (c->strict) {
            const struct cls_rule *cr
                = classifier_find_rule_exactly(cls, &c->target, v);
            rule = cr ? CONTAINER_OF(cr, struct pl_rule, cr) : NULL;
            if (rule && rule_passes(rule, c)) {
                rule_vec_push(out, rule);
            }
        } else {
            CLS_FOR_EACH_TARGET (rule, cr, cls, &c->target, v) {
                if (rule_passes(rule, c)) {
                    rule_vec_push(out, rule);
                }
            }
        }
    }
}

static bool
rule_uses_meter(const struct pl_rule *rule, uint32_t id)
{
    const struct pl_actions *a = rule_get_actions(rule);
    const struct ofpact *act;

    OFPACT_FOR_EACH (act, a->ofpacts, a->len) {
        if (act->type == OFPACT_METER
            && ofpact_get_METER(act)->meter_id == id) {
            return true;
        }
    }
    return false;
}

void
pl_rules_using(const struct pipeline *pl, uint32_t group_id,
               uint32_t meter_id, ovs_version_t v, struct rule_vec *out)
{
    memset(out, 0, sizeof *out);
    for (int t = 0; t < PL_N_TABLES; t++) {
        struct pl_rule *rule;
        CLS_FOR_EACH_TARGET (rule, cr, &pl->tables[t].cls, NULL, v) {
            const struct pl_actions *a = rule_get_actions(rule);
            if ((group_id != OFPG_ANY
                 && ofpacts_output_to_group(a->ofpacts, a->len, group_id))
                || (meter_id && rule_uses_meter(rule, meter_id))) {
                rule_vec_push(out, rule);
            }
        }
    }
}

/* ---- Transactions ---------------------------------------------------
 *
 * Every change happens in a transaction: rules are added in, and removed
 * from, the version after the published one, and a modify's new actions
 * wait; txn_commit() publishes the version (PMD threads see every change
 * at once), applies the modifies, then frees the removed rules.
 * txn_abort() undoes it all.  Transactions nest, for bundles: only the
 * outermost commit publishes. */

void
txn_begin(struct pipeline *pl)
{
    if (!pl->txn_depth++) {
        pl->txn_version = pl_version(pl) + 1;
        pl->txn_added.n = pl->txn_removed.n = pl->txn_n_mods = 0;
    }
}

/* The version the open transaction works on. */
ovs_version_t
txn_version(const struct pipeline *pl)
{
    ovs_assert(pl->txn_depth);
    return pl->txn_version;
}

static void
txn_add_rule(struct pipeline *pl, struct pl_rule *rule)
{
    struct classifier *cls = &pl->tables[rule->table_id].cls;

    rule->in_table = true;
    classifier_insert(cls, &rule->cr, txn_version(pl), NULL, 0);
    if (rule->idle_timeout || rule->hard_timeout) {
        ovs_list_push_back(&pl->expirable, &rule->expirable);
        pl->next_expiry = MIN(pl->next_expiry, rule->created);
    }
    rule_vec_push(&pl->txn_added, rule);
}

/* Makes 'rule' invisible from the transaction's version on; it goes with
 * the commit, reported with 'reason' (or not, if negative). */
void
txn_remove_rule(struct pipeline *pl, struct pl_rule *rule, int reason)
{
    cls_rule_make_invisible_in_version(&rule->cr, txn_version(pl));
    rule_vec_push(&pl->txn_removed, rule);
    if (pl->txn_removed.n > pl->txn_reasons_allocated) {
        pl->txn_reasons = x2nrealloc(pl->txn_reasons,
                                     &pl->txn_reasons_allocated,
                                     sizeof *pl->txn_reasons);
    }
    pl->txn_reasons[pl->txn_removed.n - 1] = reason;
}

static struct pl_mod *
txn_add_mod(struct pipeline *pl)
{
    if (pl->txn_n_mods >= pl->txn_mods_allocated) {
        pl->txn_mods = x2nrealloc(pl->txn_mods, &pl->txn_mods_allocated,
                                  sizeof *pl->txn_mods);
    }
    struct pl_mod *mod = &pl->txn_mods[pl->txn_n_mods++];
    memset(mod, 0, sizeof *mod);
    return mod;
}

static void
send_flow_removed(struct pipeline *pl, const struct pl_rule *rule,
                  uint8_t reason, long long now)
{
    if (!(rule->flags & OFPUTIL_FF_SEND_FLOW_REM) || !pl->hooks.flow_removed) {
        return;
    }
    struct ofputil_flow_removed fr;
    uint64_t packets, bytes;
    long long age = now - rule->created;

    memset(&fr, 0, sizeof fr);
    minimatch_expand(&rule->cr.match, &fr.match);
    fr.cookie = rule->cookie;
    fr.priority = rule->cr.priority;
    fr.reason = reason;
    fr.table_id = rule->table_id;
    fr.duration_sec = age / 1000;
    fr.duration_nsec = (age % 1000) * 1000000;
    fr.idle_timeout = rule->idle_timeout;
    fr.hard_timeout = rule->hard_timeout;
    rule_stats(rule, &packets, &bytes);
    fr.packet_count = packets;
    fr.byte_count = bytes;
    pl->hooks.flow_removed(pl->hooks_aux, &fr);
}

/* 'rule' as a flow monitor sees it: all but the event and its match
 * (expanded only for what is reported). */
static struct pl_flow_change
rule_flow_change(const struct pl_rule *rule)
{
    const struct pl_actions *a = rule_get_actions(rule);

    return (struct pl_flow_change) {
        .fu = {
            .idle_timeout = rule->idle_timeout,
            .hard_timeout = rule->hard_timeout,
            .table_id = rule->table_id,
            .priority = rule->cr.priority,
            .cookie = rule->cookie,
            .ofpacts = a->ofpacts,
            .ofpacts_len = a->len,
        },
        .cr = &rule->cr,
        .add_seqno = rule->add_seqno,
    };
}

/* Tells flow monitors about 'rule' ('old': its actions before, for
 * OFPFME_MODIFIED). */
static void
report_change(struct pipeline *pl, const struct pl_rule *rule,
              enum ofp_flow_update_event event, uint8_t reason,
              const struct pl_actions *old)
{
    if (!pl->monitored || !pl->hooks.flow_changed) {
        return;
    }
    struct pl_flow_change c = rule_flow_change(rule);
    c.fu.event = event;
    c.fu.reason = reason;
    if (old) {
        c.old_ofpacts = old->ofpacts;
        c.old_ofpacts_len = old->len;
    }
    minimatch_expand(&rule->cr.match, &c.fu.match);
    pl->hooks.flow_changed(pl->hooks_aux, &c);
}

static void
rule_unlink(struct pipeline *pl, struct pl_rule *rule)
{
    classifier_remove_assert(&pl->tables[rule->table_id].cls, &rule->cr);
    rule->in_table = false;
    if (rule->idle_timeout || rule->hard_timeout) {
        ovs_list_remove(&rule->expirable);
    }
}

void
txn_commit(struct pipeline *pl)
{
    ovs_assert(pl->txn_depth > 0);
    if (--pl->txn_depth) {
        return;
    }
    pl_groups_txn_end(pl, true);
    if (!pl->txn_added.n && !pl->txn_removed.n && !pl->txn_n_mods) {
        return;
    }

    long long now = time_msec();
    pl_publish(pl, pl->txn_version);
    for (size_t i = 0; i < pl->txn_added.n; i++) {
        struct pl_rule *rule = pl->txn_added.rules[i];
        struct pl_rule *old = rule->replaces;

        rule->modify_seqno = ++pl->monitor_seqno;
        rule->add_seqno = old ? old->add_seqno : rule->modify_seqno;
        rule->replaces = NULL;
        note_change(pl, rule, false);
        report_change(pl, rule, old ? OFPFME_MODIFIED : OFPFME_ADDED, 0,
                      old ? rule_get_actions(old) : NULL);
    }
    for (size_t i = 0; i < pl->txn_n_mods; i++) {
        struct pl_mod *mod = &pl->txn_mods[i];
        struct pl_rule *rule = mod->rule;
        struct pl_actions *old = ovsrcu_get_protected(struct pl_actions *,
                                                      &rule->actions);
        bool changed = mod->actions
                       || (mod->set_cookie && mod->cookie != rule->cookie);
        if (mod->actions) {
            ovsrcu_set(&rule->actions, mod->actions);
            ovsrcu_postpone(pl_actions_free, old);
        }
        if (mod->set_cookie) {
            rule->cookie = mod->cookie;
        }
        if (changed) {
            rule->modify_seqno = ++pl->monitor_seqno;
            report_change(pl, rule, OFPFME_MODIFIED, 0, old);
            note_change(pl, rule, true);
        }
        if (mod->reset_counts) {
            atomic_store_relaxed(&rule->n_packets, 0);
            atomic_store_relaxed(&rule->n_bytes, 0);
            rule->seen_packets = 0;
        }
        rule->modified = now;
    }
    for (size_t i = 0; i < pl->txn_removed.n; i++) {
        struct pl_rule *rule = pl->txn_removed.rules[i];
        note_change(pl, rule, true);
        rule_unlink(pl, rule);
        if (pl->txn_reasons[i] >= 0) {
            send_flow_removed(pl, rule, pl->txn_reasons[i], now);
            report_change(pl, rule, OFPFME_REMOVED, pl->txn_reasons[i],
                          NULL);
        }
        rule_unref(rule);
    }
    pl->txn_added.n = pl->txn_removed.n = pl->txn_n_mods = 0;
}

static void
txn_abort(struct pipeline *pl)
{
    ovs_assert(pl->txn_depth > 0);
    pl->txn_depth = 0;
    pl_groups_txn_end(pl, false);
    for (size_t i = pl->txn_removed.n; i-- > 0; ) {
        cls_rule_restore_visibility(&pl->txn_removed.rules[i]->cr);
    }
    for (size_t i = pl->txn_added.n; i-- > 0; ) {
        struct pl_rule *rule = pl->txn_added.rules[i];
        rule_unlink(pl, rule);
        rule_unref(rule);
    }
    for (size_t i = 0; i < pl->txn_n_mods; i++) {
        pl_actions_free(pl->txn_mods[i].actions);
    }
    pl->txn_added.n = pl->txn_removed.n = pl->txn_n_mods = 0;
}

void
pipeline_begin(struct pipeline *pl)
{
    txn_begin(pl);
}

void
pipeline_commit(struct pipeline *pl)
{
    txn_commit(pl);
}

void
pipeline_abort(struct pipeline *pl)
{
    txn_abort(pl);
}

void
txn_remove_users(struct pipeline *pl, uint32_t group_id, uint32_t meter_id,
                 int reason)
{
    struct rule_vec v;

    pl_rules_using(pl, group_id, meter_id, txn_version(pl), &v);
    for (size_t i = 0; i < v.n; i++) {
        txn_remove_rule(pl, v.rules[i], reason);
    }
    free(v.rules);
}

/* ---- Flow mods ------------------------------------------------------ */

static void
criteria_init(struct pl_criteria *c, const struct ofputil_flow_mod *fm,
              bool strict)
{
    bool del = fm->command == OFPFC_DELETE
               || fm->command == OFPFC_DELETE_STRICT;

    c->table_id = fm->table_id;
    cls_rule_init_from_minimatch(&c->target, &fm->match,
                                 strict ? fm->priority : 0);
    c->strict = strict;
    c->cookie = fm->cookie;
    c->cookie_mask = fm->cookie_mask;
    c->out_port = del ? fm->out_port : OFPP_ANY;
    c->out_group = del ? fm->out_group : OFPG_ANY;
}

static enum ofperr
flow_add(struct pipeline *pl, const struct ofputil_flow_mod *fm,
         bool persistent)
{
    uint8_t table_id = fm->table_id == 0xff ? 0 : fm->table_id;
    struct classifier *cls = &pl->tables[table_id].cls;
    ovs_version_t v = txn_version(pl);
    enum ofperr error;

    error = check_ofpacts(pl, fm->ofpacts, fm->ofpacts_len, table_id, false,
                          NULL);
    if (error) {
        return error;
    }

    struct pl_rule *rule = xzalloc(sizeof *rule);
    cls_rule_init_from_minimatch(&rule->cr, &fm->match, fm->priority);
    if (fm->flags & OFPUTIL_FF_CHECK_OVERLAP
        && classifier_rule_overlaps(cls, &rule->cr, v)) {
        cls_rule_destroy(&rule->cr);
        free(rule);
        return OFPERR_OFPFMFC_OVERLAP;
    }

    rule->table_id = table_id;
    rule->persistent = persistent;
    rule->cookie = fm->new_cookie == OVS_BE64_MAX ? 0 : fm->new_cookie;
    rule->idle_timeout = fm->idle_timeout;
    rule->hard_timeout = fm->hard_timeout;
    rule->importance = fm->importance;
    rule->flags = fm->flags & (OFPUTIL_FF_SEND_FLOW_REM
                               | OFPUTIL_FF_NO_PKT_COUNTS
                               | OFPUTIL_FF_NO_BYT_COUNTS);
    rule->created = rule->modified = rule->used = time_msec();
    ovsrcu_set_hidden(&rule->actions,
                      pl_actions_create(fm->ofpacts, fm->ofpacts_len));
    atomic_init(&rule->n_packets, 0);
    atomic_init(&rule->n_bytes, 0);
    ovs_refcount_init(&rule->ref);

    /* An identical rule is replaced: it disappears in the version in which
     * the new one appears.  Its counters carry over unless asked not to. */
    const struct cls_rule *old_cr = classifier_find_rule_exactly(cls,
                                                                 &rule->cr, v);
    if (old_cr) {
        struct pl_rule *old = CONTAINER_OF(old_cr, struct pl_rule, cr);
        if (!(fm->flags & OFPUTIL_FF_RESET_COUNTS)) {
            uint64_t packets, bytes;
            rule_stats(old, &packets, &bytes);
            atomic_init(&rule->n_packets, packets);
            atomic_init(&rule->n_bytes, bytes);
            rule->seen_packets = packets;
        }
        rule->persistent |= old->persistent;
        rule->replaces = old;
        txn_remove_rule(pl, old, -1);
    }
    txn_add_rule(pl, rule);
    return 0;
}

static enum ofperr
flow_modify(struct pipeline *pl, const struct ofputil_flow_mod *fm,
            bool strict, bool persistent)
{
    struct pl_criteria c;
    struct rule_vec v;
    enum ofperr error = 0;

    criteria_init(&c, fm, strict);
    collect_rules(pl, &c, txn_version(pl), &v);
    cls_rule_destroy(&c.target);

    if (!v.n) {
        free(v.rules);
        /* OpenFlow 1.0: a modify that matches nothing adds. */
        if (!fm->cookie_mask && fm->new_cookie != OVS_BE64_MAX) {
            return flow_add(pl, fm, persistent);
        }
        return 0;
    }
    for (size_t i = 0; i < v.n && !error; i++) {
        error = check_ofpacts(pl, fm->ofpacts, fm->ofpacts_len,
                              v.rules[i]->table_id, false, NULL);
    }
    for (size_t i = 0; i < v.n && !error; i++) {
        struct pl_rule *rule = v.rules[i];
        const struct pl_actions *old = rule_get_actions(rule);
        struct pl_mod *mod = txn_add_mod(pl);

        mod->rule = rule;
        if (!ofpacts_equal(old->ofpacts, old->len,
                           fm->ofpacts, fm->ofpacts_len)) {
            mod->actions = pl_actions_create(fm->ofpacts, fm->ofpacts_len);
        }
        mod->set_cookie = fm->modify_cookie && fm->new_cookie != OVS_BE64_MAX;
        mod->cookie = fm->new_cookie;
        mod->reset_counts = fm->flags & OFPUTIL_FF_RESET_COUNTS;
    }
    free(v.rules);
    return error;
}

static size_t
flow_delete(struct pipeline *pl, const struct ofputil_flow_mod *fm,
            bool strict)
{
    struct pl_criteria c;
    struct rule_vec v;

    criteria_init(&c, fm, strict);
    collect_rules(pl, &c, txn_version(pl), &v);
    cls_rule_destroy(&c.target);
    for (size_t i = 0; i < v.n; i++) {
        txn_remove_rule(pl, v.rules[i], OFPRR_DELETE);
    }
    free(v.rules);
    return v.n;
}

static enum ofperr
flow_mod__(struct pipeline *pl, const struct ofputil_flow_mod *fm,
           bool persistent)
{
    if (fm->table_id != 0xff && fm->table_id >= PL_N_TABLES) {
        return OFPERR_OFPBRC_BAD_TABLE_ID;
    }
    switch (fm->command) {
    case OFPFC_ADD:
        return flow_add(pl, fm, persistent);
    case OFPFC_MODIFY:
        return flow_modify(pl, fm, false, persistent);
    case OFPFC_MODIFY_STRICT:
        return flow_modify(pl, fm, true, persistent);
    case OFPFC_DELETE:
        flow_delete(pl, fm, false);
        return 0;
    case OFPFC_DELETE_STRICT:
        flow_delete(pl, fm, true);
        return 0;
    default:
        return OFPERR_OFPFMFC_BAD_COMMAND;
    }
}

/* A failed flow_mod changes nothing.  (Its buffer id, if any, is the
 * connection's business: connmgr sends the buffered packet after.) */
static enum ofperr
flow_mod_txn(struct pipeline *pl, const struct ofputil_flow_mod *fm,
             bool persistent)
{
    txn_begin(pl);
    enum ofperr error = flow_mod__(pl, fm, persistent);
    if (error) {
        if (pl->txn_depth == 1) {
            txn_abort(pl);
        } else {
            pl->txn_depth--;    /* The bundle's owner aborts. */
        }
    } else {
        txn_commit(pl);
    }
    return error;
}

enum ofperr
pipeline_flow_mod(struct pipeline *pl, const struct ofputil_flow_mod *fm)
{
    return flow_mod_txn(pl, fm, false);
}

/* ---- Text interface (xvs-ctl, YAML) --------------------------------- */

static int
parse_flow_mod(const char *text, int command, struct ofputil_flow_mod *fm,
               char **errp)
{
    enum ofputil_protocol usable;
    char *error;

    *errp = NULL;
    error = ofp_ext_parse_flow_mod(fm, text, command, &usable);
    if (error) {
        *errp = error;
        return EINVAL;
    }
    if (command == OFPFC_ADD) {
        uint8_t table_id = fm->table_id == 0xff ? 0 : fm->table_id;
        if (check_ofpacts(NULL, fm->ofpacts, fm->ofpacts_len, table_id,
                          false, errp)) {
            minimatch_destroy(&fm->match);
            free(fm->ofpacts);
            return EINVAL;
        }
    }
    return 0;
}

int
pipeline_flow_check(const char *text, char **errp)
{
    struct ofputil_flow_mod fm;
    int error = parse_flow_mod(text, OFPFC_ADD, &fm, errp);

    if (!error) {
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
    }
    return error;
}

/* A flow that is saved must not use a group or meter that is not: it
 * would not load back. */
static int
check_saved_refs(const struct pipeline *pl, const struct ofpact *ofpacts,
                 size_t len, char **errp)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH_FLATTENED (a, ofpacts, len) {
        if (a->type == OFPACT_GROUP) {
            const struct pl_group *g = group_find(
                pl, ofpact_get_GROUP(a)->group_id);
            if (g && !g->persistent) {
                *errp = xasprintf("group %"PRIu32" was added over OpenFlow "
                                  "and is not saved: a saved flow cannot "
                                  "use it (add the group with xvs-ctl "
                                  "add-group)", g->id);
                return EINVAL;
            }
        } else if (a->type == OFPACT_METER) {
            const struct pl_meter *m = meter_find(
                pl, ofpact_get_METER(a)->meter_id);
            if (m && !m->persistent) {
                *errp = xasprintf("meter %"PRIu32" was added over OpenFlow "
                                  "and is not saved: a saved flow cannot "
                                  "use it (add the meter with xvs-ctl "
                                  "add-meter)", m->id);
                return EINVAL;
            }
        }
    }
    return 0;
}

int
pipeline_flow_add(struct pipeline *pl, const char *text, char **errp)
{
    struct ofputil_flow_mod fm;
    int error = parse_flow_mod(text, OFPFC_ADD, &fm, errp);

    if (!error && (check_ofpacts(pl, fm.ofpacts, fm.ofpacts_len,
                                 fm.table_id == 0xff ? 0 : fm.table_id,
                                 false, errp)
                   || check_saved_refs(pl, fm.ofpacts, fm.ofpacts_len,
                                       errp))) {
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        return EINVAL;
    }
    if (!error) {
        enum ofperr ofperr = flow_mod_txn(pl, &fm, true);
        if (ofperr) {
            *errp = xasprintf("%s", ofperr_to_string(ofperr));
            error = EINVAL;
        }
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
    }
    return error;
}

int
pipeline_flows_del(struct pipeline *pl, const char *match, size_t *n_deleted,
                   char **errp)
{
    struct ofputil_flow_mod fm;
    int error;

    *n_deleted = 0;
    error = parse_flow_mod(match ? match : "", OFPFC_DELETE, &fm, errp);
    if (error) {
        return error;
    }
    txn_begin(pl);
    *n_deleted = flow_delete(pl, &fm, false);
    txn_commit(pl);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return 0;
}

/* A rule that pipeline_flows_del_except() keeps. */
struct kept_rule {
    struct hmap_node node;      /* By table, priority and match. */
    struct cls_rule cr;
    uint8_t table_id;
};

static uint32_t
kept_rule_hash(uint8_t table_id, const struct cls_rule *cr)
{
    return minimatch_hash(&cr->match, hash_2words(table_id, cr->priority));
}

int
pipeline_flows_del_except(struct pipeline *pl, const char **keep,
                          size_t n_keep, bool saved_only, size_t *n_deleted,
                          char **errp)
{
    struct kept_rule *kept = xcalloc(n_keep + 1, sizeof *kept);
    struct hmap map = HMAP_INITIALIZER(&map);
    int error = 0;

    *n_deleted = 0;
    *errp = NULL;
    for (size_t i = 0; i < n_keep; i++) {
        struct ofputil_flow_mod fm;
        error = parse_flow_mod(keep[i], OFPFC_ADD, &fm, errp);
        if (error) {
            n_keep = i;
            break;
        }
        cls_rule_init_from_minimatch(&kept[i].cr, &fm.match, fm.priority);
        kept[i].table_id = fm.table_id == 0xff ? 0 : fm.table_id;
        hmap_insert(&map, &kept[i].node,
                    kept_rule_hash(kept[i].table_id, &kept[i].cr));
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
    }
    if (!error) {
        txn_begin(pl);
        for (int t = 0; t < PL_N_TABLES; t++) {
            struct pl_rule *rule;
            CLS_FOR_EACH_TARGET (rule, cr, &pl->tables[t].cls, NULL,
                                 txn_version(pl)) {
                const struct kept_rule *k;
                bool found = false;

                if (saved_only && !rule->persistent) {
                    continue;
                }
                HMAP_FOR_EACH_WITH_HASH (k, node, kept_rule_hash(t, &rule->cr),
                                         &map) {
                    if (k->table_id == t && cls_rule_equal(&k->cr,
                                                           &rule->cr)) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    txn_remove_rule(pl, rule, OFPRR_DELETE);
                    (*n_deleted)++;
                }
            }
        }
        txn_commit(pl);
    }
    for (size_t i = 0; i < n_keep; i++) {
        cls_rule_destroy(&kept[i].cr);
    }
    hmap_destroy(&map);
    free(kept);
    return error;
}

size_t
pipeline_flow_count(const struct pipeline *pl)
{
    size_t n = 0;

    for (int i = 0; i < PL_N_TABLES; i++) {
        n += classifier_count(&pl->tables[i].cls);
    }
    return n;
}

/* ---- Timeouts ------------------------------------------------------- */

#define PL_EXPIRY_INTERVAL_MS 250

static void
expire_rules(struct pipeline *pl, long long now)
{
    struct pl_rule *rule;

    txn_begin(pl);
    LIST_FOR_EACH (rule, expirable, &pl->expirable) {
        uint64_t packets, bytes;
        rule_stats(rule, &packets, &bytes);
        if (packets != rule->seen_packets) {
            rule->seen_packets = packets;
            rule->used = now;
        }
        if (rule->hard_timeout
            && now >= rule->modified + rule->hard_timeout * 1000LL) {
            txn_remove_rule(pl, rule, OFPRR_HARD_TIMEOUT);
        } else if (rule->idle_timeout
                   && now >= rule->used + rule->idle_timeout * 1000LL) {
            txn_remove_rule(pl, rule, OFPRR_IDLE_TIMEOUT);
        }
    }
    txn_commit(pl);
}

/* ---- Flow monitors -------------------------------------------------- */

void
pipeline_set_monitored(struct pipeline *pl, bool on)
{
    pl->monitored = on;
}

uint64_t
pipeline_monitor_seqno(const struct pipeline *pl)
{
    return pl->monitor_seqno;
}

bool
pipeline_monitor_watches(const struct pl_monitor *m,
                         const struct pl_flow_change *c)
{
    const struct ofputil_flow_update *fu = &c->fu;

    if (m->table_id != 0xff && m->table_id != fu->table_id) {
        return false;
    }
    if (m->out_port != OFPP_ANY
        && !ofpacts_output_to_port(fu->ofpacts, fu->ofpacts_len, m->out_port)
        && !(c->old_ofpacts
             && ofpacts_output_to_port(c->old_ofpacts, c->old_ofpacts_len,
                                       m->out_port))) {
        return false;
    }
    if (m->out_group != OFPG_ANY
        && !ofpacts_output_to_group(fu->ofpacts, fu->ofpacts_len,
                                    m->out_group)
        && !(c->old_ofpacts
             && ofpacts_output_to_group(c->old_ofpacts, c->old_ofpacts_len,
                                        m->out_group))) {
        return false;
    }
    return cls_rule_is_loose_match(c->cr, &m->match);
}

void
pipeline_monitor_refresh(const struct pipeline *pl,
                         struct pl_monitor *const *ms, size_t n,
                         uint64_t since, struct ovs_list *replies)
{
    for (int t = 0; t < PL_N_TABLES; t++) {
        struct pl_rule *rule;

        CLS_FOR_EACH_TARGET (rule, cr, &pl->tables[t].cls, NULL,
                             pl_version(pl)) {
            if (since && rule->modify_seqno <= since) {
                continue;
            }

            struct pl_flow_change c = rule_flow_change(rule);
            enum ofp14_flow_monitor_flags asked = 0;
            for (size_t i = 0; i < n; i++) {
                if (pipeline_monitor_watches(ms[i], &c)) {
                    asked |= ms[i]->flags;
                }
            }
            if (!since && asked & OFPFMF_INITIAL) {
                c.fu.event = OFPFME_INITIAL;
            } else if (since && rule->add_seqno > since
                       && asked & OFPFMF_ADD) {
                c.fu.event = OFPFME_ADDED;
            } else if (since && asked & OFPFMF_MODIFY) {
                c.fu.event = OFPFME_MODIFIED;
            } else {
                continue;
            }
            if (!(asked & OFPFMF_INSTRUCTIONS)) {
                c.fu.ofpacts = NULL;
                c.fu.ofpacts_len = 0;
            }
            minimatch_expand(&rule->cr.match, &c.fu.match);
            ofputil_append_flow_update(&c.fu, replies, NULL);
            ofp_ext_flow_stats_exthdr(replies, &c.fu.match);
        }
    }
}

/* ---- Statistics ----------------------------------------------------- */

static void
criteria_from_fsr(struct pl_criteria *c,
                  const struct ofputil_flow_stats_request *fsr)
{
    c->table_id = fsr->table_id;
    cls_rule_init(&c->target, &fsr->match, 0);
    c->strict = false;
    c->cookie = fsr->cookie;
    c->cookie_mask = fsr->cookie_mask;
    c->out_port = fsr->out_port;
    c->out_group = fsr->out_group;
}

enum ofperr
pipeline_flow_stats(const struct pipeline *pl,
                    const struct ofputil_flow_stats_request *fsr,
                    struct ovs_list *replies)
{
    struct pl_criteria c;
    struct rule_vec v;
    long long now = time_msec();

    if (fsr->table_id != 0xff && fsr->table_id >= PL_N_TABLES) {
        return OFPERR_OFPBRC_BAD_TABLE_ID;
    }
    criteria_from_fsr(&c, fsr);
    collect_rules(pl, &c, pl_version(pl), &v);
    cls_rule_destroy(&c.target);
    for (size_t i = 0; i < v.n; i++) {
        const struct pl_rule *rule = v.rules[i];
        const struct pl_actions *a = rule_get_actions(rule);
        struct ofputil_flow_stats fs;
        uint64_t packets, bytes;
        long long age = now - rule->created;

        memset(&fs, 0, sizeof fs);
        minimatch_expand(&rule->cr.match, &fs.match);
        fs.cookie = rule->cookie;
        fs.table_id = rule->table_id;
        fs.priority = rule->cr.priority;
        fs.idle_timeout = rule->idle_timeout;
        fs.hard_timeout = rule->hard_timeout;
        fs.duration_sec = age / 1000;
        fs.duration_nsec = (age % 1000) * 1000000;
        fs.idle_age = (now - rule->used) / 1000;
        fs.hard_age = (now - rule->modified) / 1000;
        rule_stats(rule, &packets, &bytes);
        fs.packet_count = packets;
        fs.byte_count = bytes;
        fs.ofpacts = a->ofpacts;
        fs.ofpacts_len = a->len;
        fs.flags = rule->flags;
        fs.importance = rule->importance;
        ofputil_append_flow_stats_reply(&fs, replies, NULL);
        ofp_ext_flow_stats_exthdr(replies, &fs.match);
    }
    free(v.rules);
    return 0;
}

enum ofperr
pipeline_aggregate_stats(const struct pipeline *pl,
                         const struct ofputil_flow_stats_request *fsr,
                         struct ofputil_aggregate_stats *stats)
{
    struct pl_criteria c;
    struct rule_vec v;

    memset(stats, 0, sizeof *stats);
    if (fsr->table_id != 0xff && fsr->table_id >= PL_N_TABLES) {
        return OFPERR_OFPBRC_BAD_TABLE_ID;
    }
    criteria_from_fsr(&c, fsr);
    collect_rules(pl, &c, pl_version(pl), &v);
    cls_rule_destroy(&c.target);
    for (size_t i = 0; i < v.n; i++) {
        uint64_t packets, bytes;
        rule_stats(v.rules[i], &packets, &bytes);
        stats->packet_count += packets;
        stats->byte_count += bytes;
    }
    stats->flow_count = v.n;
    free(v.rules);
    return 0;
}

/* The action types check_ofpacts() admits. */
uint64_t
supported_ofpacts(void)
{
    static const enum ofpact_type types[] = {
        OFPACT_OUTPUT, OFPACT_CONTROLLER, OFPACT_PUSH_VLAN,
        OFPACT_STRIP_VLAN, OFPACT_SET_VLAN_VID, OFPACT_SET_VLAN_PCP,
        OFPACT_SET_ETH_SRC, OFPACT_SET_ETH_DST, OFPACT_SET_IPV4_SRC,
        OFPACT_SET_IPV4_DST, OFPACT_SET_IP_DSCP, OFPACT_SET_IP_ECN,
        OFPACT_SET_IP_TTL, OFPACT_DEC_TTL, OFPACT_SET_L4_SRC_PORT,
        OFPACT_SET_L4_DST_PORT, OFPACT_SET_FIELD, OFPACT_RESUBMIT,
        OFPACT_NOTE, OFPACT_GROUP, OFPACT_PUSH_MPLS, OFPACT_POP_MPLS,
        OFPACT_SET_MPLS_LABEL, OFPACT_SET_MPLS_TC, OFPACT_SET_MPLS_TTL,
        OFPACT_DEC_MPLS_TTL, OFPACT_SET_QUEUE,
    };
    uint64_t bits = 0;
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        bits |= UINT64_C(1) << types[i];
    }
    return bits;
}

/* Whether table features list 'mf' among the fields that can be matched:
 * not the metadata of tunnels, connection tracking, NSH and Open
 * vSwitch's internals, which xvs does not have (a rule may still name
 * them: they match as for a packet without them). */
static bool
match_advertised(const struct mf_field *mf)
{
    static const char *const prefixes[] = {
        "tun", "ct_", "nsh_", "dp_hash", "recirc_id", "packet_type",
        "conj_id", "skb_priority", "pkt_mark", "actset_output",
    };

    if (mf->usable_protocols_exact == OFPUTIL_P_NONE
        && mf->usable_protocols_bitwise == OFPUTIL_P_NONE) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        if (!strncmp(mf->name, prefixes[i], strlen(prefixes[i]))) {
            return false;
        }
    }
    return true;
}

void
pipeline_table_features(const struct pipeline *pl OVS_UNUSED,
                        uint8_t table_id, struct ofputil_table_features *tf)
{
    memset(tf, 0, sizeof *tf);
    tf->table_id = table_id;
    snprintf(tf->name, sizeof tf->name, "table%u", table_id);
    tf->metadata_match = OVS_BE64_MAX;
    tf->metadata_write = OVS_BE64_MAX;
    tf->max_entries = 1000000;
    tf->any_properties = true;
    tf->miss_config = OFPUTIL_TABLE_MISS_DEFAULT;
    tf->supports_eviction = -1;
    tf->supports_vacancy_events = -1;

    struct ofputil_table_instruction_features *inst = &tf->nonmiss;
    for (int t = table_id + 1; t < PL_N_TABLES; t++) {
        bitmap_set1(inst->next, t);
    }
    inst->instructions = (1u << OVSINST_OFPIT13_METER)
                         | (1u << OVSINST_OFPIT11_APPLY_ACTIONS)
                         | (1u << OVSINST_OFPIT11_CLEAR_ACTIONS)
                         | (1u << OVSINST_OFPIT11_WRITE_ACTIONS)
                         | (1u << OVSINST_OFPIT11_WRITE_METADATA)
                         | (table_id < PL_N_TABLES - 1
                            ? 1u << OVSINST_OFPIT11_GOTO_TABLE : 0);
    inst->write.ofpacts = inst->apply.ofpacts = supported_ofpacts();
    for (int id = 0; id < MFF_N_IDS; id++) {
        if (set_field_supported(id)) {
            bitmap_set1(inst->write.set_fields.bm, id);
            bitmap_set1(inst->apply.set_fields.bm, id);
        }
        if (match_advertised(mf_from_id(id))) {
            bitmap_set1(tf->match.bm, id);
            bitmap_set1(tf->wildcard.bm, id);
            if (mf_from_id(id)->maskable == MFM_FULLY) {
                bitmap_set1(tf->mask.bm, id);
            }
        }
    }
    tf->miss = tf->nonmiss;
}

void
pipeline_tables_dump(const struct pipeline *pl, struct ds *s)
{
    pl_stats_sync();
    for (int t = 0; t < PL_N_TABLES; t++) {
        const struct pl_table *table = &pl->tables[t];
        uint64_t lookups, matched;
        size_t n = classifier_count(&table->cls);

        atomic_read_relaxed(&CONST_CAST(struct pl_table *, table)->n_lookups,
                            &lookups);
        atomic_read_relaxed(&CONST_CAST(struct pl_table *, table)->n_matched,
                            &matched);
        if (n || lookups || !t) {
            ds_put_format(s, " table %d: active=%zu, lookup=%"PRIu64", "
                          "matched=%"PRIu64"\n", t, n, lookups, matched);
        }
    }
}

void
pipeline_table_stats(const struct pipeline *pl, struct ofpbuf *reply)
{
    pl_stats_sync();
    for (int t = 0; t < PL_N_TABLES; t++) {
        const struct pl_table *table = &pl->tables[t];
        struct ofputil_table_features tf;
        struct ofputil_table_stats ts;

        pipeline_table_features(pl, t, &tf);
        ts.table_id = t;
        ts.active_count = classifier_count(&table->cls);
        atomic_read_relaxed(&CONST_CAST(struct pl_table *, table)->n_lookups,
                            &ts.lookup_count);
        atomic_read_relaxed(&CONST_CAST(struct pl_table *, table)->n_matched,
                            &ts.matched_count);
        ofputil_append_table_stats_reply(reply, &ts, &tf);
    }
}

/* ---- Dumping -------------------------------------------------------- */

static int
compare_rules(const void *a_, const void *b_)
{
    const struct pl_rule *a = *(const struct pl_rule *const *) a_;
    const struct pl_rule *b = *(const struct pl_rule *const *) b_;

    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    }
    if (a->cr.priority != b->cr.priority) {
        return a->cr.priority > b->cr.priority ? -1 : 1;
    }
    return a->created < b->created ? -1 : a->created > b->created;
}

/* The visible rules, by table, highest priority first; the caller frees
 * the array. */
static struct pl_rule **
sorted_rules(const struct pipeline *pl, size_t *np)
{
    struct rule_vec v = { 0 };

    for (int t = 0; t < PL_N_TABLES; t++) {
        struct pl_rule *rule;
        CLS_FOR_EACH_TARGET (rule, cr, &pl->tables[t].cls, NULL,
                             pl_version(pl)) {
            rule_vec_push(&v, rule);
        }
    }
    if (v.n) {
        qsort(v.rules, v.n, sizeof *v.rules, compare_rules);
    }
    *np = v.n;
    return v.rules;
}

static void
format_actions(const struct pl_rule *rule, struct ds *s)
{
    const struct pl_actions *a = rule_get_actions(rule);
    struct ofpact_format_params fp = { .s = s };

    if (a->len) {
        ofp_ext_format(a->ofpacts, a->len, &fp);
    } else {
        ds_put_cstr(s, "drop");
    }
}

/* "match actions=..." with table, cookie, timeouts and flags,
 * re-parseable. */
static void
format_rule_text(const struct pl_rule *rule, bool with_cookie, struct ds *s)
{
    size_t start = s->length;

    if (with_cookie && rule->table_id) {
        ds_put_format(s, "table=%u,", rule->table_id);
    }
    if (with_cookie && rule->cookie) {
        ds_put_format(s, "cookie=%#"PRIx64",", ntohll(rule->cookie));
    }
    if (rule->idle_timeout) {
        ds_put_format(s, "idle_timeout=%"PRIu16",", rule->idle_timeout);
    }
    if (rule->hard_timeout) {
        ds_put_format(s, "hard_timeout=%"PRIu16",", rule->hard_timeout);
    }
    if (rule->flags & OFPUTIL_FF_SEND_FLOW_REM) {
        ds_put_cstr(s, "send_flow_rem,");
    }
    ofp_ext_format_rule(&rule->cr, NULL, s);
    if (s->length > start && s->string[s->length - 1] == ',') {
        s->length--;
        s->string[s->length] = '\0';
    }
    ds_put_cstr(s, s->length > start ? " actions=" : "actions=");
    format_actions(rule, s);
}

void
pipeline_flows_dump(const struct pipeline *pl, struct ds *s)
{
    long long now = time_msec();
    size_t n;
    struct pl_rule **rules = sorted_rules(pl, &n);

    for (size_t i = 0; i < n; i++) {
        const struct pl_rule *rule = rules[i];
        uint64_t packets, bytes;

        rule_stats(rule, &packets, &bytes);
        ds_put_format(s, " cookie=0x%"PRIx64", duration=%.3fs, table=%u, "
                      "n_packets=%"PRIu64", n_bytes=%"PRIu64", ",
                      ntohll(rule->cookie), (now - rule->created) / 1000.0,
                      rule->table_id, packets, bytes);
        format_rule_text(rule, false, s);
        ds_put_char(s, '\n');
    }
    free(rules);
}

struct json *
pipeline_flows_to_json(const struct pipeline *pl)
{
    long long now = time_msec();
    struct json *array = json_array_create_empty();
    size_t n;
    struct pl_rule **rules = sorted_rules(pl, &n);

    for (size_t i = 0; i < n; i++) {
        const struct pl_rule *rule = rules[i];
        struct json *o = json_object_create();
        struct ds match = DS_EMPTY_INITIALIZER;
        struct ds acts = DS_EMPTY_INITIALIZER;
        uint64_t packets, bytes;

        rule_stats(rule, &packets, &bytes);
        ofp_ext_format_rule(&rule->cr, NULL, &match);
        format_actions(rule, &acts);
        json_object_put(o, "table", json_integer_create(rule->table_id));
        json_object_put(o, "priority",
                        json_integer_create(rule->cr.priority));
        json_object_put_format(o, "cookie", "0x%"PRIx64,
                               ntohll(rule->cookie));
        json_object_put(o, "match", json_string_create(ds_cstr(&match)));
        json_object_put(o, "actions", json_string_create(ds_cstr(&acts)));
        json_object_put(o, "n_packets", json_integer_create(packets));
        json_object_put(o, "n_bytes", json_integer_create(bytes));
        json_object_put(o, "duration_ms",
                        json_integer_create(now - rule->created));
        json_object_put(o, "idle_timeout",
                        json_integer_create(rule->idle_timeout));
        json_object_put(o, "hard_timeout",
                        json_integer_create(rule->hard_timeout));
        json_array_add(array, o);
        ds_destroy(&match);
        ds_destroy(&acts);
    }
    free(rules);
    return array;
}

char **
pipeline_flows_texts(const struct pipeline *pl, size_t *np)
{
    size_t n;
    struct pl_rule **rules = sorted_rules(pl, &n);
    char **texts = xmalloc((n ? n : 1) * sizeof *texts);

    size_t n_texts = 0;

    for (size_t i = 0; i < n; i++) {
        if (rules[i]->persistent) {
            struct ds s = DS_EMPTY_INITIALIZER;
            format_rule_text(rules[i], true, &s);
            texts[n_texts++] = ds_steal_cstr(&s);
        }
    }
    free(rules);
    *np = n_texts;
    return texts;
}


/* ---- Periodic work -------------------------------------------------- */

uint64_t
pipeline_n_missed(const struct pipeline *pl)
{
    uint64_t n;

    atomic_read_relaxed(&CONST_CAST(struct pipeline *, pl)->n_missed, &n);
    return n;
}

bool
pipeline_run(struct pipeline *pl, long long now)
{
    bool changed = mac_table_run(pl->macs, now) > 0;

    if (now >= pl->next_lease_check) {
        const struct pl_ports *ports = pl_ports_get(pl);
        bool snooping = false;

        for (size_t i = 0; i < ports->n; i++) {
            const struct pl_psec *ps = ports->psec_of[ports->p[i].dp_port];
            snooping |= psec_snoops_dhcp(ps);
            if (psec_expire(ps, now)) {
                /* Megaflows that let an ended lease's address through go,
                 * NORMAL's or not. */
                pl->changed = true;
            }
        }
        pl->next_lease_check = snooping ? now + 1000 : LLONG_MAX;
    }

    if (now >= pl->next_expiry) {
        expire_rules(pl, now);
        pl->next_expiry = ovs_list_is_empty(&pl->expirable)
                          ? LLONG_MAX : now + PL_EXPIRY_INTERVAL_MS;
    }
    return changed;
}

long long
pipeline_next_wakeup(const struct pipeline *pl)
{
    return MIN(pl->next_expiry, pl->next_lease_check);
}

uint32_t
pipeline_id(const struct pipeline *pl)
{
    return pl->id;
}

uint32_t
pipeline_id_of_arg(uint32_t arg)
{
    return arg >> 16;
}

uint16_t
pipeline_ofport(const struct pipeline *pl, uint32_t dp_port)
{
    return dp_port < DP_MAX_PORTS ? pl_ports_get(pl)->ofport_of[dp_port] : 0;
}

struct mac_table *
pipeline_mac_table(struct pipeline *pl)
{
    return pl->macs;
}
