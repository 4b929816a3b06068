/*
 * pipeline: table 0, flow parsing and translation.  See pipeline.h.
 */
#include <config.h>

#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "dp-packet.h"
#include "flow.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pipeline);

/* An OpenFlow rule.  Immutable once inserted, but for its counters.
 *
 * Reference counted: the classifier holds one reference, and every
 * megaflow installed from a translation that matched the rule holds one
 * (its handle), so that the datapath can credit its packets to the rule
 * for as long as the megaflow lives, even after the rule is deleted.  The
 * last reference frees the rule after an RCU grace period. */
struct pl_rule {
    struct cls_rule cr;
    struct ovs_refcount ref;
    ovs_be64 cookie;
    uint16_t idle_timeout;      /* Stored and saved; not enforced yet. */
    uint16_t hard_timeout;
    long long created;          /* time_msec(). */
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    atomic_uint64_t n_packets;
    atomic_uint64_t n_bytes;
};

/* The port map, replaced as a whole on every change (RCU). */
struct pl_port {
    uint16_t ofport;
    uint16_t dp_port;
    uint16_t vlan;                          /* Access VLAN, or 0. */
    uint16_t native_vlan;                   /* Trunk's untagged VLAN. */
    bool trunk;
    uint64_t trunk_bits[4096 / 64];         /* Trunk's tagged VLANs. */
};

struct pl_ports {
    size_t n;
    uint16_t local_ofport;                  /* 0 if none. */
    uint16_t ofport_of[DP_MAX_PORTS];       /* By datapath port; 0: none. */
    struct pl_port p[];
};

struct pipeline {
    char *name;
    struct classifier cls;
    ATOMIC(ovs_version_t) version;      /* Published tables version. */
    OVSRCU_TYPE(struct pl_ports *) ports;
    struct mac_table *macs;
    atomic_uint64_t n_missed;
};

static void
rule_free(struct pl_rule *rule)
{
    cls_rule_destroy(&rule->cr);
    free(rule->ofpacts);
    free(rule);
}

static void
rule_unref(struct pl_rule *rule)
{
    if (rule && ovs_refcount_unref(&rule->ref) == 1) {
        ovsrcu_postpone(rule_free, rule);
    }
}

struct pipeline *
pipeline_create(const char *name)
{
    struct pipeline *pl = xzalloc(sizeof *pl);

    pl->name = xstrdup(name);
    classifier_init(&pl->cls, NULL);
    atomic_init(&pl->version, OVS_VERSION_MIN);
    ovsrcu_set_hidden(&pl->ports, xzalloc(sizeof(struct pl_ports)));
    pl->macs = mac_table_create(MAC_TABLE_DEFAULT_AGING_MS,
                                MAC_TABLE_DEFAULT_MAX);
    atomic_init(&pl->n_missed, 0);
    return pl;
}

/* The caller makes sure no PMD thread can reach 'pl' any more. */
void
pipeline_destroy(struct pipeline *pl)
{
    struct pl_rule *rule;

    if (!pl) {
        return;
    }
    classifier_defer(&pl->cls);
    CLS_FOR_EACH (rule, cr, &pl->cls) {
        classifier_remove_assert(&pl->cls, &rule->cr);
        rule_unref(rule);
    }
    classifier_publish(&pl->cls);
    classifier_destroy(&pl->cls);
    ovsrcu_postpone(free, ovsrcu_get_protected(struct pl_ports *,
                                               &pl->ports));
    mac_table_destroy(pl->macs);
    free(pl->name);
    free(pl);
}

/* ---- Ports ---------------------------------------------------------- */

static const struct pl_ports *
pl_ports_get(const struct pipeline *pl)
{
    return ovsrcu_get(struct pl_ports *, &pl->ports);
}

static struct pl_ports *
pl_ports_copy(const struct pl_ports *old, size_t extra)
{
    struct pl_ports *new = xzalloc(sizeof *new
                                   + (old->n + extra) * sizeof new->p[0]);
    memcpy(new, old, sizeof *new + old->n * sizeof old->p[0]);
    return new;
}

static void
pl_ports_publish(struct pipeline *pl, struct pl_ports *new)
{
    struct pl_ports *old = ovsrcu_get_protected(struct pl_ports *,
                                                &pl->ports);
    ovsrcu_set(&pl->ports, new);
    ovsrcu_postpone(free, old);
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
    const struct pl_ports *old = ovsrcu_get_protected(struct pl_ports *,
                                                      &pl->ports);
    struct pl_ports *new = pl_ports_copy(old, 1);
    struct pl_port *p = &new->p[new->n];

    ovs_assert(dp_port < DP_MAX_PORTS && ofport);
    memset(p, 0, sizeof *p);
    p->ofport = ofport;
    p->dp_port = dp_port;
    pl_port_set_vlans(p, vlans);
    new->n++;
    new->ofport_of[dp_port] = ofport;
    if (is_local) {
        new->local_ofport = ofport;
    }
    pl_ports_publish(pl, new);
}

void
pipeline_port_set_vlans(struct pipeline *pl, uint16_t ofport,
                        const struct pipeline_port_vlans *vlans)
{
    const struct pl_ports *old = ovsrcu_get_protected(struct pl_ports *,
                                                      &pl->ports);
    struct pl_ports *new = pl_ports_copy(old, 0);

    for (size_t i = 0; i < new->n; i++) {
        if (new->p[i].ofport == ofport) {
            pl_port_set_vlans(&new->p[i], vlans);
        }
    }
    pl_ports_publish(pl, new);
    mac_table_flush_port(pl->macs, ofport);
}

void
pipeline_port_del(struct pipeline *pl, uint16_t ofport)
{
    const struct pl_ports *old = ovsrcu_get_protected(struct pl_ports *,
                                                      &pl->ports);
    struct pl_ports *new = pl_ports_copy(old, 0);

    new->n = 0;
    for (size_t i = 0; i < old->n; i++) {
        if (old->p[i].ofport != ofport) {
            new->p[new->n++] = old->p[i];
        } else {
            new->ofport_of[old->p[i].dp_port] = 0;
        }
    }
    if (new->local_ofport == ofport) {
        new->local_ofport = 0;
    }
    pl_ports_publish(pl, new);
    mac_table_flush_port(pl->macs, ofport);
}

/* ---- Flow parsing --------------------------------------------------- */

/* Checks that every action in 'fm' is one the datapath can execute. */
static char *
check_actions(const struct ofputil_flow_mod *fm)
{
    const struct ofpact *a;

    if (fm->table_id != 0 && fm->table_id != 0xff) {
        return xasprintf("table %u: only table 0 exists in this version",
                         fm->table_id);
    }
    OFPACT_FOR_EACH (a, fm->ofpacts, fm->ofpacts_len) {
        switch (a->type) {
        case OFPACT_OUTPUT: {
            ofp_port_t port = ofpact_get_OUTPUT(a)->port;
            if (port == OFPP_CONTROLLER || port == OFPP_TABLE) {
                return xasprintf("output to %s is not supported yet",
                                 port == OFPP_CONTROLLER ? "CONTROLLER"
                                                         : "TABLE");
            }
            if (ofp_to_u16(port) > 65279 && port != OFPP_IN_PORT
                && port != OFPP_FLOOD && port != OFPP_ALL
                && port != OFPP_NORMAL && port != OFPP_LOCAL
                && port != OFPP_NONE) {
                return xasprintf("output to port %"PRIu16" is not "
                                 "supported", ofp_to_u16(port));
            }
            break;
        }
        case OFPACT_NOTE:
            break;
        default:
            return xasprintf("action \"%s\" is not supported yet (supported: "
                             "output, IN_PORT, FLOOD, ALL, LOCAL, NORMAL, "
                             "drop)", ofpact_name(a->type));
        }
    }
    return NULL;
}

static int
parse_flow_mod(const char *text, int command, struct ofputil_flow_mod *fm,
               char **errp)
{
    enum ofputil_protocol usable;
    char *error;

    *errp = NULL;
    error = parse_ofp_flow_mod_str(fm, text, NULL, NULL, command, &usable);
    if (error) {
        *errp = error;
        return EINVAL;
    }
    if (command == OFPFC_ADD) {
        error = check_actions(fm);
        if (error) {
            *errp = error;
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

static ovs_version_t
pl_version(const struct pipeline *pl)
{
    ovs_version_t v;

    atomic_read_relaxed(&CONST_CAST(struct pipeline *, pl)->version, &v);
    return v;
}

static void
pl_publish(struct pipeline *pl, ovs_version_t v)
{
    atomic_store_explicit(&pl->version, v, memory_order_release);
}

int
pipeline_flow_add(struct pipeline *pl, const char *text, char **errp)
{
    struct ofputil_flow_mod fm;
    int error = parse_flow_mod(text, OFPFC_ADD, &fm, errp);
    if (error) {
        return error;
    }

    struct pl_rule *rule = xzalloc(sizeof *rule);
    cls_rule_init_from_minimatch(&rule->cr, &fm.match, fm.priority);
    minimatch_destroy(&fm.match);
    rule->cookie = fm.new_cookie == OVS_BE64_MAX ? 0 : fm.new_cookie;
    rule->idle_timeout = fm.idle_timeout;
    rule->hard_timeout = fm.hard_timeout;
    rule->created = time_msec();
    rule->ofpacts = fm.ofpacts;
    rule->ofpacts_len = fm.ofpacts_len;
    atomic_init(&rule->n_packets, 0);
    atomic_init(&rule->n_bytes, 0);
    ovs_refcount_init(&rule->ref);

    /* An identical rule is replaced: it disappears in the version in which
     * the new one appears. */
    ovs_version_t v = pl_version(pl);
    const struct cls_rule *old_cr
        = classifier_find_rule_exactly(&pl->cls, &rule->cr, v);
    if (old_cr) {
        cls_rule_make_invisible_in_version(old_cr, v + 1);
    }
    classifier_insert(&pl->cls, &rule->cr, v + 1, NULL, 0);
    pl_publish(pl, v + 1);
    if (old_cr) {
        classifier_remove_assert(&pl->cls, old_cr);
        rule_unref(CONTAINER_OF(old_cr, struct pl_rule, cr));
    }
    return 0;
}

int
pipeline_flows_del(struct pipeline *pl, const char *match, size_t *n_deleted,
                   char **errp)
{
    struct ofputil_flow_mod fm;
    struct cls_rule target;
    struct pl_rule *rule;
    int error;

    *n_deleted = 0;
    error = parse_flow_mod(match ? match : "", OFPFC_DELETE, &fm, errp);
    if (error) {
        return error;
    }
    if (fm.table_id != 0 && fm.table_id != 0xff) {
        *errp = xasprintf("table %u: only table 0 exists in this version",
                          fm.table_id);
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        return EINVAL;
    }
    cls_rule_init_from_minimatch(&target, &fm.match, 0);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);

    ovs_version_t v = pl_version(pl);
    struct pl_rule **victims = NULL;
    size_t n = 0, allocated = 0;
    CLS_FOR_EACH_TARGET (rule, cr, &pl->cls, &target, v) {
        if ((rule->cookie & fm.cookie_mask) != (fm.cookie & fm.cookie_mask)) {
            continue;
        }
        if (n >= allocated) {
            victims = x2nrealloc(victims, &allocated, sizeof *victims);
        }
        victims[n++] = rule;
    }
    cls_rule_destroy(&target);

    if (n) {
        for (size_t i = 0; i < n; i++) {
            cls_rule_make_invisible_in_version(&victims[i]->cr, v + 1);
        }
        pl_publish(pl, v + 1);
        classifier_defer(&pl->cls);
        for (size_t i = 0; i < n; i++) {
            classifier_remove_assert(&pl->cls, &victims[i]->cr);
            rule_unref(victims[i]);
        }
        classifier_publish(&pl->cls);
    }
    free(victims);
    *n_deleted = n;
    return 0;
}

size_t
pipeline_flow_count(const struct pipeline *pl)
{
    return classifier_count(&pl->cls);
}

/* ---- Dumping -------------------------------------------------------- */

static int
compare_rules(const void *a_, const void *b_)
{
    const struct pl_rule *a = *(const struct pl_rule *const *) a_;
    const struct pl_rule *b = *(const struct pl_rule *const *) b_;

    if (a->cr.priority != b->cr.priority) {
        return a->cr.priority > b->cr.priority ? -1 : 1;
    }
    return a->created < b->created ? -1 : a->created > b->created;
}

/* The visible rules, highest priority first; the caller frees the array. */
static struct pl_rule **
sorted_rules(const struct pipeline *pl, size_t *np)
{
    struct pl_rule **rules = NULL, *rule;
    size_t n = 0, allocated = 0;

    CLS_FOR_EACH_TARGET (rule, cr, &pl->cls, NULL, pl_version(pl)) {
        if (n >= allocated) {
            rules = x2nrealloc(rules, &allocated, sizeof *rules);
        }
        rules[n++] = rule;
    }
    if (n) {
        qsort(rules, n, sizeof *rules, compare_rules);
    }
    *np = n;
    return rules;
}

/* "match actions=..." with cookie and timeouts, re-parseable. */
static void
format_rule_text(const struct pl_rule *rule, bool with_cookie, struct ds *s)
{
    size_t start = s->length;

    if (with_cookie && rule->cookie) {
        ds_put_format(s, "cookie=%#"PRIx64",", ntohll(rule->cookie));
    }
    if (rule->idle_timeout) {
        ds_put_format(s, "idle_timeout=%"PRIu16",", rule->idle_timeout);
    }
    if (rule->hard_timeout) {
        ds_put_format(s, "hard_timeout=%"PRIu16",", rule->hard_timeout);
    }
    cls_rule_format(&rule->cr, NULL, NULL, s);
    if (s->length > start && s->string[s->length - 1] == ',') {
        s->length--;
        s->string[s->length] = '\0';
    }
    ds_put_cstr(s, s->length > start ? " actions=" : "actions=");
    struct ofpact_format_params fp = { .s = s };
    if (rule->ofpacts_len) {
        ofpacts_format(rule->ofpacts, rule->ofpacts_len, &fp);
    } else {
        ds_put_cstr(s, "drop");
    }
}

static void
rule_stats(const struct pl_rule *rule, uint64_t *packets, uint64_t *bytes)
{
    atomic_read_relaxed(&CONST_CAST(struct pl_rule *, rule)->n_packets,
                        packets);
    atomic_read_relaxed(&CONST_CAST(struct pl_rule *, rule)->n_bytes, bytes);
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
        ds_put_format(s, " cookie=0x%"PRIx64", duration=%.3fs, table=0, "
                      "n_packets=%"PRIu64", n_bytes=%"PRIu64", ",
                      ntohll(rule->cookie), (now - rule->created) / 1000.0,
                      packets, bytes);
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
        struct ofpact_format_params fp = { .s = &acts };
        uint64_t packets, bytes;

        rule_stats(rule, &packets, &bytes);
        cls_rule_format(&rule->cr, NULL, NULL, &match);
        if (rule->ofpacts_len) {
            ofpacts_format(rule->ofpacts, rule->ofpacts_len, &fp);
        } else {
            ds_put_cstr(&acts, "drop");
        }
        json_object_put(o, "table", json_integer_create(0));
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

    for (size_t i = 0; i < n; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;
        format_rule_text(rules[i], true, &s);
        texts[i] = ds_steal_cstr(&s);
    }
    free(rules);
    *np = n;
    return texts;
}

/* ---- Translation (PMD threads) -------------------------------------- */

/* What one translation accumulates. */
struct xlate {
    struct pipeline *pl;
    const struct pl_ports *ports;
    const struct flow *flow;
    struct flow_wildcards *wc;
    uint32_t in_dp_port;
    uint16_t in_ofport;
    struct dp_upcall *up;
};

static const struct pl_port *
port_find(const struct pl_ports *ports, uint16_t ofport)
{
    for (size_t i = 0; i < ports->n; i++) {
        if (ports->p[i].ofport == ofport) {
            return &ports->p[i];
        }
    }
    return NULL;
}

static int
port_to_dp(const struct pl_ports *ports, uint16_t ofport)
{
    const struct pl_port *p = port_find(ports, ofport);
    return p ? p->dp_port : -1;
}

/* ---- VLANs (NORMAL) ---- */

static bool
port_carries(const struct pl_port *p, uint16_t vlan)
{
    if (p->vlan) {
        return vlan == p->vlan;
    } else if (p->trunk) {
        return (vlan && vlan == p->native_vlan)
               || (p->trunk_bits[vlan / 64] >> (vlan % 64)) & 1;
    }
    return true;
}

/* Whether frames of 'vlan' leave 'p' with a tag. */
static bool
port_tags(const struct pl_port *p, uint16_t vlan)
{
    if (p->vlan) {
        return false;
    } else if (p->trunk) {
        return vlan != p->native_vlan;
    }
    return vlan != 0;
}

/* The VLAN of a frame that came in on 'p', or -1 if 'p' does not take it.
 * A priority tag (VID 0) counts as no tag. */
static int
input_vlan(const struct pl_port *p, ovs_be16 tci)
{
    bool tagged = tci & htons(VLAN_CFI);
    uint16_t vid = tagged ? vlan_tci_to_vid(tci) : 0;

    if (p->vlan) {
        return vid ? -1 : p->vlan;
    } else if (p->trunk) {
        if (!vid) {
            return p->native_vlan ? p->native_vlan : -1;
        }
        return port_carries(p, vid) ? vid : -1;
    }
    return vid;
}

static void
flood(struct xlate *x)
{
    for (size_t i = 0; i < x->ports->n; i++) {
        if (x->ports->p[i].ofport != x->in_ofport) {
            dp_actions_output(&x->up->actions, x->ports->p[i].dp_port);
        }
    }
}

static void
output(struct xlate *x, uint16_t ofport)
{
    int dp_port;

    /* OpenFlow: output to the input port only through IN_PORT. */
    if (ofport && ofport != x->in_ofport
        && (dp_port = port_to_dp(x->ports, ofport)) >= 0) {
        dp_actions_output(&x->up->actions, dp_port);
    }
}

/* The learning switch.  Its decision depends on the source and destination
 * addresses, the VLAN and the MAC table, so the megaflow matches those
 * exactly and is flagged for refresh and for flushing when the table
 * changes. */
/* Outputs a frame of 'vlan' to 'outs', tagging or untagging it for each as
 * it needs: first the ports that take it as it is, then, after one push or
 * pop, the others. */
static void
normal_output(struct xlate *x, uint16_t vlan,
              const struct pl_port *const *outs, size_t n)
{
    const struct flow *flow = x->flow;
    struct dp_actions *acts = &x->up->actions;
    bool tagged = flow->vlans[0].tci & htons(VLAN_CFI);
    uint16_t tci = ntohs(flow->vlans[0].tci);
    uint16_t pcp = tagged ? tci & 0xe000 : 0;

    if (!n) {
        return;
    }

    /* A tag with another VID (a priority tag on an access port) goes. */
    if (tagged && (tci & VLAN_VID_MASK) != vlan) {
        dp_actions_pop_vlan(acts);
        tagged = false;
    }
    size_t n_other = 0;
    for (size_t i = 0; i < n; i++) {
        n_other += port_tags(outs[i], vlan) != tagged;
    }
    for (int pass = 0; pass < (n_other ? 2 : 1); pass++) {
        if (pass) {
            if (tagged) {
                dp_actions_pop_vlan(acts);
            } else {
                dp_actions_push_vlan(acts, pcp | vlan);
            }
            tagged = !tagged;
        }
        for (size_t i = 0; i < n; i++) {
            if (port_tags(outs[i], vlan) == tagged) {
                dp_actions_output(acts, outs[i]->dp_port);
            }
        }
    }
}

/* The learning switch, VLAN-aware.  Its decision depends on the input
 * port, the source and destination addresses, the VLAN tag and the MAC
 * table, so the megaflow matches those exactly and is flagged for refresh
 * and for flushing when the table changes. */
static void
normal(struct xlate *x)
{
    const struct flow *flow = x->flow;
    const struct pl_port *in = port_find(x->ports, x->in_ofport);
    long long now = time_msec();

    WC_MASK_FIELD(x->wc, dl_src);
    WC_MASK_FIELD(x->wc, dl_dst);
    WC_MASK_FIELD(x->wc, vlans[0]);
    x->up->mf_flags |= DP_MF_LEARN;

    int vlan = in ? input_vlan(in, flow->vlans[0].tci) : -1;
    if (vlan < 0) {
        return;                 /* Not a VLAN this port carries. */
    }

    if (!eth_addr_is_multicast(flow->dl_src)
        && mac_table_learn(x->pl->macs, flow->dl_src.ea, vlan, x->in_ofport,
                           now)) {
        x->up->mac_changed = true;
    }

    const struct pl_port *outs[DP_MAX_PORTS];
    size_t n = 0;
    if (!eth_addr_is_multicast(flow->dl_dst)) {
        uint16_t out = mac_table_lookup(x->pl->macs, flow->dl_dst.ea, vlan,
                                        now);
        if (out == x->in_ofport) {
            return;             /* Already on its segment. */
        }
        const struct pl_port *p = out ? port_find(x->ports, out) : NULL;
        if (p && port_carries(p, vlan)) {
            outs[n++] = p;
        }
    }
    if (!n) {
        for (size_t i = 0; i < x->ports->n && n < DP_MAX_PORTS; i++) {
            const struct pl_port *p = &x->ports->p[i];
            if (p->ofport != x->in_ofport && port_carries(p, vlan)) {
                outs[n++] = p;
            }
        }
    }
    normal_output(x, vlan, outs, n);
}

static void
execute(struct xlate *x, const struct pl_rule *rule)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, rule->ofpacts, rule->ofpacts_len) {
        if (a->type != OFPACT_OUTPUT) {
            continue;           /* Notes; nothing else is admitted. */
        }
        ofp_port_t port = ofpact_get_OUTPUT(a)->port;
        if (port == OFPP_IN_PORT) {
            dp_actions_output(&x->up->actions, x->in_dp_port);
        } else if (port == OFPP_FLOOD || port == OFPP_ALL) {
            flood(x);
        } else if (port == OFPP_NORMAL) {
            normal(x);
        } else if (port == OFPP_LOCAL) {
            output(x, x->ports->local_ofport);
        } else if (ofp_to_u16(port) <= 65279) {
            output(x, ofp_to_u16(port));
        }
    }
}

static bool
is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/* Converts the fields a translation consulted into a datapath key mask.
 * Returns false if the translation consulted a packet field that the
 * datapath key does not carry: then no megaflow could stand for it.
 * Metadata that is the same for every packet entering the pipeline
 * (registers, metadata, tunnel, conntrack state...) needs no key bits. */
static bool
wc_to_dp_mask(const struct flow_wildcards *wc, struct dp_flow_key *m)
{
    const struct flow *f = &wc->masks;

    if (!is_zero(&f->nsh, sizeof f->nsh)) {
        return false;
    }

    memset(m, 0, sizeof *m);
    m->in_port = UINT32_MAX;
    m->dl_type = f->dl_type;
    memcpy(m->dl_dst, f->dl_dst.ea, 6);
    memcpy(m->dl_src, f->dl_src.ea, 6);
    for (int i = 0; i < 2; i++) {
        m->vlan_tci[i] = f->vlans[i].tci;
        m->vlan_tpid[i] = f->vlans[i].tpid;
    }
    m->nw_proto = f->nw_proto;
    m->nw_tos = f->nw_tos;
    m->nw_ttl = f->nw_ttl;
    /* IPv4 (and ARP) addresses fill the first 4 bytes, IPv6 all 16; a
     * translation sees one Ethertype, so at most one of them is set. */
    memcpy(m->nw_src, &f->ipv6_src, 16);
    memcpy(m->nw_dst, &f->ipv6_dst, 16);
    for (int i = 0; i < 4; i++) {
        m->nw_src[i] |= ((const uint8_t *) &f->nw_src)[i];
        m->nw_dst[i] |= ((const uint8_t *) &f->nw_dst)[i];
    }
    memcpy(m->arp_sha, f->arp_sha.ea, 6);
    memcpy(m->arp_tha, f->arp_tha.ea, 6);
    m->tp_src = f->tp_src;
    m->tp_dst = f->tp_dst;
    m->tcp_flags = f->tcp_flags;
    memcpy(m->nd_target, &f->nd_target, 16);
    for (int i = 0; i < 3; i++) {
        m->mpls_lse[i] = f->mpls_lse[i];
    }
    m->ipv6_label = f->ipv6_label;
    m->igmp_group = f->igmp_group_ip4;

    /* Packets parsed differently never share a megaflow, unless the
     * decision looked at no packet field at all: then it holds for every
     * packet from the port, and the datapath may skip parsing them. */
    static const struct dp_flow_key in_port_only = { .in_port = UINT32_MAX };
    if (memcmp(m, &in_port_only, sizeof *m)) {
        m->parse_flags = UINT16_MAX;
    }
    return true;
}

void
pipeline_upcall(void *pl_, struct dp_upcall *up)
{
    struct pipeline *pl = pl_;
    const struct pl_ports *ports = pl_ports_get(pl);
    const struct dp_flow_key *key = up->key;
    uint16_t in_ofport;

    in_ofport = key->in_port < DP_MAX_PORTS ? ports->ofport_of[key->in_port]
                                            : 0;
    if (!in_ofport) {
        return;                 /* Port is going away: drop, uncached. */
    }

    struct dp_packet pkt;
    struct flow flow;
    dp_packet_use_const(&pkt, up->packet, up->len);
    flow_extract(&pkt, &flow);
    flow.in_port.ofp_port = u16_to_ofp(in_ofport);

    struct flow_wildcards wc;
    flow_wildcards_init_catchall(&wc);
    WC_MASK_FIELD(&wc, in_port);
    const struct cls_rule *cr = classifier_lookup(&pl->cls, pl_version(pl),
                                                  &flow, &wc);
    struct pl_rule *rule = cr ? CONTAINER_OF(cr, struct pl_rule, cr) : NULL;
    if (rule) {
        struct xlate x = {
            .pl = pl, .ports = ports, .flow = &flow, .wc = &wc,
            .in_dp_port = key->in_port, .in_ofport = in_ofport, .up = up,
        };
        uint64_t orig;
        atomic_add_relaxed(&rule->n_packets, 1, &orig);
        atomic_add_relaxed(&rule->n_bytes, up->pkt_len, &orig);
        execute(&x, rule);
    } else {
        uint64_t orig;
        atomic_add_relaxed(&pl->n_missed, 1, &orig);
    }

    up->cacheable = wc_to_dp_mask(&wc, &up->mask);
    if (up->cacheable && rule) {
        ovs_refcount_ref(&rule->ref);
        up->handle = rule;
    }
}

static void
pipeline_credit(void *rule_, uint64_t packets, uint64_t bytes)
{
    struct pl_rule *rule = rule_;
    uint64_t orig;

    atomic_add_relaxed(&rule->n_packets, packets, &orig);
    atomic_add_relaxed(&rule->n_bytes, bytes, &orig);
}

/* A megaflow that NORMAL made is in use: its source address is alive on
 * its port, as it would be if its packets still went through NORMAL. */
static void
pipeline_refresh(void *pl_, void *rule OVS_UNUSED,
                 const struct dp_flow_key *key)
{
    struct pipeline *pl = pl_;
    const struct pl_ports *ports = pl_ports_get(pl);
    uint16_t in_ofport = key->in_port < DP_MAX_PORTS
                         ? ports->ofport_of[key->in_port] : 0;
    const struct pl_port *in = in_ofport ? port_find(ports, in_ofport) : NULL;
    int vlan = in ? input_vlan(in, key->vlan_tci[0]) : -1;
    struct eth_addr src;

    memcpy(src.ea, key->dl_src, 6);
    if (vlan >= 0 && !eth_addr_is_multicast(src)) {
        mac_table_learn(pl->macs, key->dl_src, vlan, in_ofport, time_msec());
    }
}

static void
pipeline_release(void *rule)
{
    rule_unref(rule);
}

const struct dp_upcall_ops pipeline_upcall_ops = {
    .upcall = pipeline_upcall,
    .credit = pipeline_credit,
    .refresh = pipeline_refresh,
    .release = pipeline_release,
};

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
    return mac_table_run(pl->macs, now) > 0;
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
