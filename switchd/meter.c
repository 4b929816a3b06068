/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meter: the OpenFlow meter table of a pipeline and the datapath meter
 * slots it is enforced in (main thread).  See pipeline-private.h.
 */
#include <config.h>

#include "pipeline-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "hash.h"
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

/* The datapath's meters are one table for every bridge: slots are handed
 * out here, to all pipelines (main thread only). */
static unsigned long *meter_slots;

int
pl_meter_slot_alloc(void)
{
    if (!meter_slots) {
        meter_slots = bitmap_allocate(DP_MAX_METERS);
    }
    size_t slot = bitmap_scan(meter_slots, 0, 0, DP_MAX_METERS);
    if (slot >= DP_MAX_METERS) {
        return -1;
    }
    bitmap_set1(meter_slots, slot);
    return slot;
}

void
pl_meter_slot_free(uint32_t slot)
{
    if (meter_slots && slot < DP_MAX_METERS) {
        bitmap_set0(meter_slots, slot);
    }
}



struct pl_meter *
meter_find(const struct pipeline *pl, uint32_t id)
{
    struct pl_meter *m;

    CMAP_FOR_EACH_WITH_HASH (m, node, hash_int(id, 0), &pl->meters) {
        if (m->id == id) {
            return m;
        }
    }
    return NULL;
}

/* Checks a meter's flags and bands: drop bands only. */
static enum ofperr
meter_check(const struct ofputil_meter_config *mc, char **msg)
{
    if (!mc->meter_id || mc->meter_id > OFPM13_MAX) {
        return check_fail(msg, OFPERR_OFPMMFC_INVALID_METER,
                          "meter id %"PRIu32" is not 1 to %u", mc->meter_id,
                          OFPM13_MAX);
    }
    if ((mc->flags & OFPMF13_KBPS) && (mc->flags & OFPMF13_PKTPS)) {
        return check_fail(msg, OFPERR_OFPMMFC_BAD_FLAGS,
                          "a meter is kbps or pktps, not both");
    }
    if (mc->n_bands > PL_MAX_METER_BANDS) {
        return check_fail(msg, OFPERR_OFPMMFC_OUT_OF_BANDS,
                          "at most %d bands", PL_MAX_METER_BANDS);
    }
    size_t n_remark = 0;
    for (size_t i = 0; i < mc->n_bands; i++) {
        const struct ofputil_meter_band *b = &mc->bands[i];
        if (b->type == OFPMBT13_DSCP_REMARK) {
            if (++n_remark > 1) {
                return check_fail(msg, OFPERR_OFPMMFC_BAD_BAND,
                                  "band %zu: one dscp_remark band at most",
                                  i);
            }
            if (!b->prec_level || b->prec_level > 2) {
                return check_fail(msg, OFPERR_OFPMMFC_BAD_BAND,
                                  "band %zu: prec_level %"PRIu8" is not 1 "
                                  "or 2 (an AF class has three drop "
                                  "precedences)", i, b->prec_level);
            }
        } else if (b->type != OFPMBT13_DROP) {
            return check_fail(msg, OFPERR_OFPMMFC_BAD_BAND,
                              "band %zu: only drop and dscp_remark bands "
                              "are supported", i);
        }
        if (!b->rate) {
            return check_fail(msg, OFPERR_OFPMMFC_BAD_RATE,
                              "band %zu: the rate must not be 0", i);
        }
    }
    return 0;
}

/* The band that drops: the drop band with the lowest rate (a packet over
 * it is over every other one too), or -1. */
static int
meter_drop_band(const struct pl_meter *m)
{
    int best = -1;

    for (size_t i = 0; i < m->n_bands; i++) {
        if (m->bands[i].type == OFPMBT13_DROP
            && (best < 0 || m->bands[i].rate < m->bands[best].rate)) {
            best = i;
        }
    }
    return best;
}

/* The dscp_remark band, if any and if its rate is below the drop band's
 * (above it, the drop band takes every packet it would remark), or -1. */
static int
meter_remark_band(const struct pl_meter *m)
{
    int drop = meter_drop_band(m);

    for (size_t i = 0; i < m->n_bands; i++) {
        if (m->bands[i].type == OFPMBT13_DSCP_REMARK
            && (drop < 0 || m->bands[i].rate < m->bands[drop].rate)) {
            return i;
        }
    }
    return -1;
}

static enum ofperr
meter_configure(struct pipeline *pl, struct pl_meter *m, char **msg)
{
    int band = meter_drop_band(m), remark = meter_remark_band(m);
    bool burst = m->flags & OFPMF13_BURST;
    struct dp_meter_config cfg = {
        .pktps = m->flags & OFPMF13_PKTPS,
        .rate = band < 0 ? 0 : m->bands[band].rate,
        .burst = band < 0 || !burst ? 0 : m->bands[band].burst_size,
        .remark_rate = remark < 0 ? 0 : m->bands[remark].rate,
        .remark_burst = remark < 0 || !burst
                        ? 0 : m->bands[remark].burst_size,
        .prec_level = remark < 0 ? 0 : m->bands[remark].prec_level,
    };
    char *error = NULL;

    if (pl->hooks.meter_set
        && pl->hooks.meter_set(pl->hooks_aux, m->slot, &cfg, &error)) {
        enum ofperr e = check_fail(msg, OFPERR_OFPMMFC_BAD_RATE, "%s",
                                   error);
        free(error);
        return e;
    }
    return 0;
}

static void
meter_free(struct pl_meter *m)
{
    free(m->bands);
    free(m);
}

/* Takes 'm' out of 'pl' and out of the datapath; frees it after a grace
 * period. */
static void
meter_remove(struct pipeline *pl, struct pl_meter *m)
{
    cmap_remove(&pl->meters, &m->node, hash_int(m->id, 0));
    if (pl->hooks.meter_del) {
        pl->hooks.meter_del(pl->hooks_aux, m->slot);
    }
    pl_meter_slot_free(m->slot);
    ovsrcu_postpone(meter_free, m);
}

/* Deletes meter 'id' (OFPM13_ALL: every meter) and the rules that use
 * it. */
static void
meter_delete(struct pipeline *pl, uint32_t id)
{
    struct pl_meter *m;

    txn_begin(pl);
    CMAP_FOR_EACH (m, node, &pl->meters) {
        if (id == OFPM13_ALL || m->id == id) {
            txn_remove_users(pl, OFPG_ANY, m->id, OFPRR_METER_DELETE);
        }
    }
    txn_commit(pl);
    CMAP_FOR_EACH (m, node, &pl->meters) {
        if (id == OFPM13_ALL || m->id == id) {
            meter_remove(pl, m);
        }
    }
    pl->changed = true;
}

static enum ofperr
meter_mod__(struct pipeline *pl, const struct ofputil_meter_mod *mm,
            bool persistent, char **msg)
{
    const struct ofputil_meter_config *mc = &mm->meter;
    enum ofperr error;

    if (mm->command == OFPMC13_DELETE) {
        if ((!mc->meter_id || mc->meter_id > OFPM13_MAX)
            && mc->meter_id != OFPM13_ALL) {
            return check_fail(msg, OFPERR_OFPMMFC_INVALID_METER,
                              "meter id %"PRIu32" is not 1 to %u or all",
                              mc->meter_id, OFPM13_MAX);
        }
        meter_delete(pl, mc->meter_id);
        return 0;
    }
    if (mm->command != OFPMC13_ADD && mm->command != OFPMC13_MODIFY) {
        return check_fail(msg, OFPERR_OFPMMFC_BAD_COMMAND,
                          "meter command %u is not supported", mm->command);
    }
    error = meter_check(mc, msg);
    if (error) {
        return error;
    }
    struct pl_meter *old = meter_find(pl, mc->meter_id);
    if (mm->command == OFPMC13_ADD && old) {
        return check_fail(msg, OFPERR_OFPMMFC_METER_EXISTS,
                          "meter %"PRIu32" exists", mc->meter_id);
    }
    if (mm->command == OFPMC13_MODIFY && !old) {
        return check_fail(msg, OFPERR_OFPMMFC_UNKNOWN_METER,
                          "meter %"PRIu32" does not exist", mc->meter_id);
    }

    struct pl_meter *m = xzalloc(sizeof *m);
    m->id = mc->meter_id;
    m->flags = mc->flags;
    m->n_bands = mc->n_bands;
    m->bands = xmemdup(mc->bands, (mc->n_bands + 1) * sizeof *mc->bands);
    m->persistent = persistent || (old && old->persistent);
    m->created = old ? old->created : time_msec();
    if (old) {
        m->slot = old->slot;
    } else {
        int slot = pl_meter_slot_alloc();
        if (slot < 0) {
            meter_free(m);
            return check_fail(msg, OFPERR_OFPMMFC_OUT_OF_METERS,
                              "all %d meters are in use", DP_MAX_METERS);
        }
        m->slot = slot;
    }
    error = meter_configure(pl, m, msg);
    if (error) {
        if (!old) {
            pl_meter_slot_free(m->slot);
        }
        meter_free(m);
        return error;
    }
    /* No decision changes, so the datapath's caches stay: a modify keeps
     * the datapath slot that megaflows name (meter_configure() has given
     * it the new bands), and nothing refers to a meter added. */
    if (old) {
        cmap_replace(&pl->meters, &old->node, &m->node, hash_int(m->id, 0));
        ovsrcu_postpone(meter_free, old);
    } else {
        cmap_insert(&pl->meters, &m->node, hash_int(m->id, 0));
    }
    return 0;
}

enum ofperr
pipeline_meter_mod(struct pipeline *pl, const struct ofputil_meter_mod *mm)
{
    return meter_mod__(pl, mm, false, NULL);
}

static char *
parse_meter(const char *text, int command, struct ofputil_meter_mod *mm)
{
    enum ofputil_protocol usable;
    return parse_ofp_meter_mod_str(mm, text, command, &usable);
}

int
pipeline_meter_add(struct pipeline *pl, const char *text, char **errp)
{
    struct ofputil_meter_mod mm;
    char *error = parse_meter(text, OFPMC13_ADD, &mm);

    *errp = NULL;
    if (error) {
        *errp = error;
        return EINVAL;
    }
    if (meter_find(pl, mm.meter.meter_id)) {
        mm.command = OFPMC13_MODIFY;
    }
    enum ofperr ofperr = meter_mod__(pl, &mm, true, errp);
    free(mm.meter.bands);
    if (ofperr && !*errp) {
        *errp = xstrdup(ofperr_to_string(ofperr));
    }
    return ofperr ? EINVAL : 0;
}

void
pipeline_meters_del(struct pipeline *pl, uint32_t id, size_t *n)
{
    struct pl_meter *m;

    *n = 0;
    CMAP_FOR_EACH (m, node, &pl->meters) {
        *n += id == OFPM13_ALL || m->id == id;
    }
    meter_delete(pl, id);
}

static int
compare_meters(const void *a_, const void *b_)
{
    const struct pl_meter *a = *(const struct pl_meter *const *) a_;
    const struct pl_meter *b = *(const struct pl_meter *const *) b_;
    return a->id < b->id ? -1 : a->id > b->id;
}

static struct pl_meter **
sorted_meters(const struct pipeline *pl, uint32_t id, size_t *np)
{
    struct pl_meter **v = xmalloc((cmap_count(&pl->meters) + 1) * sizeof *v);
    struct pl_meter *m;
    size_t n = 0;

    CMAP_FOR_EACH (m, node, &pl->meters) {
        if (id == OFPM13_ALL || m->id == id) {
            v[n++] = m;
        }
    }
    qsort(v, n, sizeof *v, compare_meters);
    *np = n;
    return v;
}

static void
meter_stats(const struct pipeline *pl, const struct pl_meter *m,
            struct ofputil_meter_stats *ms, struct ofputil_meter_band_stats *bs)
{
    struct dp_meter_stats dps = { 0 };
    long long age = time_msec() - m->created;
    struct rule_vec v;
    int band = meter_drop_band(m), remark = meter_remark_band(m);

    if (pl->hooks.meter_stats) {
        pl->hooks.meter_stats(pl->hooks_aux, m->slot, &dps);
    }
    pl_rules_using(pl, OFPG_ANY, m->id, pl_version(pl), &v);
    free(v.rules);
    memset(ms, 0, sizeof *ms);
    ms->meter_id = m->id;
    ms->flow_count = v.n;
    ms->packet_in_count = dps.packets;
    ms->byte_in_count = dps.bytes;
    ms->duration_sec = age / 1000;
    ms->duration_nsec = (age % 1000) * 1000000;
    ms->n_bands = m->n_bands;
    ms->bands = bs;
    for (size_t i = 0; i < m->n_bands; i++) {
        bs[i].packet_count = ((int) i == band ? dps.dropped_packets
                              : (int) i == remark ? dps.remarked_packets
                              : 0);
        bs[i].byte_count = ((int) i == band ? dps.dropped_bytes
                            : (int) i == remark ? dps.remarked_bytes : 0);
    }
}

void
pipeline_meter_stats(const struct pipeline *pl, uint32_t id,
                     struct ovs_list *replies)
{
    size_t n;
    struct pl_meter **meters = sorted_meters(pl, id, &n);

    for (size_t i = 0; i < n; i++) {
        struct ofputil_meter_band_stats bs[PL_MAX_METER_BANDS];
        struct ofputil_meter_stats ms;
        meter_stats(pl, meters[i], &ms, bs);
        ofputil_append_meter_stats(replies, &ms);
    }
    free(meters);
}

void
pipeline_meter_config(const struct pipeline *pl, uint32_t id,
                      struct ovs_list *replies)
{
    size_t n;
    struct pl_meter **meters = sorted_meters(pl, id, &n);

    for (size_t i = 0; i < n; i++) {
        struct ofputil_meter_config mc = {
            .meter_id = meters[i]->id,
            .flags = meters[i]->flags,
            .n_bands = meters[i]->n_bands,
            .bands = meters[i]->bands,
        };
        ofputil_append_meter_config(replies, &mc);
    }
    free(meters);
}

void
pipeline_meter_features(struct ofputil_meter_features *mf)
{
    mf->max_meters = DP_MAX_METERS;
    mf->band_types = (1u << OFPMBT13_DROP) | (1u << OFPMBT13_DSCP_REMARK);
    mf->capabilities = OFPMF13_KBPS | OFPMF13_PKTPS | OFPMF13_BURST
                       | OFPMF13_STATS;
    mf->max_bands = PL_MAX_METER_BANDS;
    mf->max_color = 0;
}

/* "meter=1,kbps,burst,stats,bands=type=drop rate=... burst_size=..." as
 * ovs-ofctl add-meter takes it. */
static void
format_meter_text(const struct pl_meter *m, struct ds *s)
{
    ds_put_format(s, "meter=%"PRIu32",%s", m->id,
                  m->flags & OFPMF13_PKTPS ? "pktps" : "kbps");
    if (m->flags & OFPMF13_BURST) {
        ds_put_cstr(s, ",burst");
    }
    if (m->flags & OFPMF13_STATS) {
        ds_put_cstr(s, ",stats");
    }
    ds_put_cstr(s, ",bands=");
    for (size_t i = 0; i < m->n_bands; i++) {
        const struct ofputil_meter_band *b = &m->bands[i];
        if (b->type == OFPMBT13_DSCP_REMARK) {
            ds_put_format(s, "%stype=dscp_remark rate=%"PRIu32
                          " prec_level=%"PRIu8, i ? " " : "", b->rate,
                          b->prec_level);
        } else {
            ds_put_format(s, "%stype=drop rate=%"PRIu32, i ? " " : "",
                          b->rate);
        }
        if (m->flags & OFPMF13_BURST) {
            ds_put_format(s, " burst_size=%"PRIu32, b->burst_size);
        }
    }
}

void
pipeline_meters_dump(const struct pipeline *pl, struct ds *s)
{
    size_t n;
    struct pl_meter **meters = sorted_meters(pl, OFPM13_ALL, &n);

    for (size_t i = 0; i < n; i++) {
        struct ofputil_meter_band_stats bs[PL_MAX_METER_BANDS];
        struct ofputil_meter_stats ms;
        uint64_t dropped = 0;

        meter_stats(pl, meters[i], &ms, bs);
        for (size_t j = 0; j < ms.n_bands; j++) {
            dropped += bs[j].packet_count;
        }
        ds_put_format(s, " flows=%"PRIu32", packets=%"PRIu64", bytes=%"PRIu64
                      ", dropped=%"PRIu64", ", ms.flow_count,
                      ms.packet_in_count, ms.byte_in_count, dropped);
        format_meter_text(meters[i], s);
        ds_put_char(s, '\n');
    }
    free(meters);
}

char **
pipeline_meters_texts(const struct pipeline *pl, size_t *np)
{
    size_t n, n_texts = 0;
    struct pl_meter **meters = sorted_meters(pl, OFPM13_ALL, &n);
    char **texts = xmalloc((n + 1) * sizeof *texts);

    for (size_t i = 0; i < n; i++) {
        if (meters[i]->persistent) {
            struct ds s = DS_EMPTY_INITIALIZER;
            format_meter_text(meters[i], &s);
            texts[n_texts++] = ds_steal_cstr(&s);
        }
    }
    free(meters);
    *np = n_texts;
    return texts;
}

/* Frees every meter of 'pl' and its datapath slot (pipeline_destroy()). */
void
pl_meters_destroy(struct pipeline *pl)
{
    struct pl_meter *m;

    CMAP_FOR_EACH (m, node, &pl->meters) {
        meter_remove(pl, m);
    }
    cmap_destroy(&pl->meters);
}
