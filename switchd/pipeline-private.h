/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-private.h: what the pipeline's files share, and nobody else.
 *
 * The pipeline is cut by thread as Open vSwitch cuts ofproto.c and
 * ofproto-dpif-xlate.c:
 *
 *   pipeline.c   tables, flow_mods, transactions, statistics, timeouts,
 *                dumps (main thread);
 *   group.c      the group table (main thread);
 *   meter.c      the meter table and the datapath meter slots (main
 *                thread);
 *   xlate.c      translation of a packet through the tables into datapath
 *                actions and a megaflow mask (PMD threads on an upcall; the
 *                main thread for a packet-out), and the upcall callbacks.
 *
 * Thread safety: the structures below say which fields a PMD thread may
 * read (RCU-protected or atomic); everything else is main thread only.
 */
#ifndef XVS_PIPELINE_PRIVATE_H
#define XVS_PIPELINE_PRIVATE_H 1

#include "pipeline.h"

#include "classifier.h"
#include "cmap.h"
#include "flow.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-meter.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"


/* A rule's actions (instructions), replaced as a whole by a modify. */
struct pl_actions {
    struct ofpact *ofpacts;
    size_t len;
};

/* An OpenFlow rule.
 *
 * Reference counted: the classifier holds one reference, and every
 * megaflow installed from a translation that matched the rule holds one
 * (through its handle), so that the datapath can credit its packets to the
 * rule for as long as the megaflow lives, even after the rule is deleted.
 * The last reference frees the rule after an RCU grace period.
 *
 * 'actions' is RCU-protected (a modify replaces it); 'cookie' and the
 * timeouts change only on the main thread (a PMD thread reads 'cookie'
 * for a packet-in, where a torn read cannot happen on 64-bit hosts). */
struct pl_rule {
    struct cls_rule cr;
    struct ovs_refcount ref;
    uint8_t table_id;
    ovs_be64 cookie;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t importance;
    enum ofputil_flow_mod_flags flags;
    long long created;          /* time_msec(). */
    long long modified;
    OVSRCU_TYPE(struct pl_actions *) actions;
    atomic_uint64_t n_packets;
    atomic_uint64_t n_bytes;

    /* Main thread only. */
    bool persistent;            /* From the configuration or xvs-ctl, not
                                 * from a controller: saved. */
    bool in_table;              /* Still in the classifier? */
    long long used;             /* Last time its counter moved. */
    uint64_t seen_packets;      /* 'n_packets' at that time. */
    struct ovs_list expirable;  /* In pipeline's 'expirable' if it has a
                                 * timeout. */
    uint64_t add_seqno;         /* Flow monitors' change numbers. */
    uint64_t modify_seqno;
    struct pl_rule *replaces;   /* In an open transaction: the rule of the
                                 * same match this add removes. */
};

struct rule_vec {
    struct pl_rule **rules;
    size_t n, allocated;
};

/* A modify, applied when its transaction commits. */
struct pl_mod {
    struct pl_rule *rule;
    struct pl_actions *actions;         /* NULL: unchanged. */
    bool set_cookie;
    ovs_be64 cookie;
    bool reset_counts;
};

/* A group (OpenFlow 1.1+ group table).  Immutable but for its counters;
 * a modify replaces it (RCU), carrying the counters over.  Reference
 * counted like rules: megaflows that went through it hold it. */
struct pl_bucket {
    uint32_t bucket_id;
    uint16_t weight;
    ofp_port_t watch_port;
    uint32_t watch_group;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    atomic_uint64_t n_packets;
    atomic_uint64_t n_bytes;
};

struct pl_group {
    struct cmap_node node;              /* In pipeline's 'groups'. */
    uint32_t id;
    uint8_t type;                       /* OFPGT11_*. */
    struct ovs_refcount ref;
    struct pl_bucket *buckets;
    size_t n_buckets;
    atomic_uint64_t n_packets;
    atomic_uint64_t n_bytes;
    long long created;
    bool persistent;                    /* From the configuration/xvs-ctl. */
};

/* A meter: its OpenFlow configuration and its datapath slot.  Replaced
 * as a whole by a modify (RCU); the datapath slot keeps the counters. */
#define PL_MAX_METER_BANDS 8
struct pl_meter {
    struct cmap_node node;              /* In pipeline's 'meters'. */
    uint32_t id;
    uint32_t slot;                      /* Datapath meter. */
    uint16_t flags;                     /* OFPMF13_*. */
    uint16_t n_bands;
    struct ofputil_meter_band *bands;
    long long created;
    bool persistent;
};

struct pl_table {
    struct classifier cls;
    atomic_uint64_t n_lookups;
    atomic_uint64_t n_matched;
};

/* The port map, replaced as a whole on every change (RCU). */
struct pl_port {
    uint16_t ofport;
    uint16_t dp_port;
    bool live;                              /* Link up (fast-failover). */
    uint32_t config;                        /* OFPUTIL_PC_* from port_mod:
                                             * down, no-recv, no-fwd,
                                             * no-flood, no-packet-in. */
    uint16_t vlan;                          /* Access VLAN, or 0. */
    uint16_t native_vlan;                   /* Trunk's untagged VLAN. */
    bool trunk;
    uint64_t trunk_bits[4096 / 64];         /* Trunk's tagged VLANs. */
};

/* A port's egress queues (pipeline_port_set_queues()), each policed by a
 * datapath meter slot of its own.  Immutable; replaced as a whole. */
struct pl_queue {
    uint32_t id;
    uint32_t slot;                          /* Datapath meter slot. */
    uint64_t max_bps;
    long long created;                      /* time_msec(). */
};
struct pl_queues {
    size_t n;
    struct pl_queue q[];                    /* By increasing id. */
};

struct pl_ports {
    size_t n;
    uint16_t local_ofport;                  /* 0 if none. */
    uint16_t ofport_of[DP_MAX_PORTS];       /* By datapath port; 0: none. */
    struct pl_psec *psec_of[DP_MAX_PORTS];  /* By datapath port; NULL: no
                                             * port security.  Owned by
                                             * the newest table. */
    struct pl_queues *queues_of[DP_MAX_PORTS];  /* By datapath port; NULL:
                                                 * none.  Likewise. */
    struct pl_port p[];
};

/* The port 'ofport' of 'ports', or NULL. */
static inline const struct pl_port *
pl_port_find(const struct pl_ports *ports, uint16_t ofport)
{
    for (size_t i = 0; i < ports->n; i++) {
        if (ports->p[i].ofport == ofport) {
            return &ports->p[i];
        }
    }
    return NULL;
}

/* Queue 'id' of 'qs' (which may be NULL), or NULL. */
static inline const struct pl_queue *
pl_queues_find(const struct pl_queues *qs, int64_t id)
{
    for (size_t i = 0; qs && i < qs->n; i++) {
        if (qs->q[i].id == id) {
            return &qs->q[i];
        }
    }
    return NULL;
}

/* What a DP_ACTION_CONTROLLER stands for: its 'arg' indexes these.  They
 * are interned (equal ones share an index) and live as long as the
 * pipeline, since megaflows may carry their indexes. */
struct pl_pin_desc {
    struct hmap_node node;
    uint32_t idx;
    uint8_t reason;                 /* Compared from here on. */             /* enum ofp_packet_in_reason. */
    uint8_t table_id;
    bool miss;                  /* A table miss (not an action). */
    bool miss_rule;             /* An action of a table-miss rule (priority
                                 * 0, matching everything). */
    uint16_t max_len;
    uint16_t controller_id;
    ovs_be64 cookie;
    uint16_t in_ofport;         /* The packet's OpenFlow input port. */
    ovs_be64 metadata;
    uint32_t regs[FLOW_N_REGS];
    uint16_t snoop_ofport;      /* Not for controllers: a DHCP reply sent
                                 * to this port, to learn from (port
                                 * security's DHCP snooping). */
};
#define PL_MAX_PIN_DESCS 65536

/* A port mirror (see pipeline_set_mirrors()).  Immutable; replaced with
 * its list. */
#define PL_MAX_MIRRORS 32
struct pl_mirror {
    char *name;
    uint8_t slot;                       /* Its counters in 'mirror_ctr'. */
    bool select_all;
    uint16_t *src, *dst;                /* OpenFlow ports. */
    size_t n_src, n_dst;
    bool any_vlan;
    uint64_t vlan_bits[4096 / 64];
    uint16_t output;                    /* OpenFlow port, or 0. */
    uint16_t output_vlan;               /* Or flood to this VLAN. */
};

struct pl_mirrors {
    size_t n;
    struct pl_mirror m[];
};

struct pl_mirror_counters {
    atomic_uint64_t n_packets;
    atomic_uint64_t n_bytes;
};

struct pipeline {
    char *name;
    uint32_t id;                        /* For packet-in args. */
    struct pl_table tables[PL_N_TABLES];
    ATOMIC(ovs_version_t) version;      /* Published tables version. */
    OVSRCU_TYPE(struct pl_ports *) ports;
    struct pl_ports *ports_batch;       /* Being edited, or NULL. */
    size_t ports_batch_cap;             /* Room in 'ports_batch'. */
    struct mac_table *macs;
    atomic_uint64_t n_missed;
    atomic_bool miss_to_controller;
    atomic_bool fail_open;
    bool changed;                       /* Since pipeline_take_changes():
                                         * flush the caches whole. */
    struct pipeline_changes *changes;   /* Rule changes since then, or
                                         * NULL. */

    struct pipeline_hooks hooks;
    void *hooks_aux;
    bool monitored;                     /* Report flow changes? */
    uint64_t monitor_seqno;             /* Last change number taken. */

    long long next_lease_check;         /* DHCP leases' expiry. */

    struct ovs_list expirable;          /* Rules with timeouts. */
    long long next_expiry;

    struct cmap groups;                 /* struct pl_group, by id. */
    OVSRCU_TYPE(struct pl_mirrors *) mirrors;   /* NULL: none. */
    struct pl_mirror_counters mirror_ctr[PL_MAX_MIRRORS];
    struct cmap meters;                 /* struct pl_meter, by id. */

    /* The open transaction (see txn_begin()). */
    int txn_depth;
    ovs_version_t txn_version;
    struct rule_vec txn_added;
    struct rule_vec txn_removed;
    int *txn_reasons;                   /* Per removed rule: OFPRR_*, or -1
                                         * for a replaced one. */
    size_t txn_reasons_allocated;
    struct pl_mod *txn_mods;
    size_t txn_n_mods, txn_mods_allocated;
    struct pl_group_undo *txn_groups;   /* Group changes to undo on abort
                                         * (group.c). */
    size_t txn_n_groups, txn_groups_allocated;

    /* Packet-in registry. */
    struct ovs_mutex pin_mutex;
    struct hmap pin_map;                /* Guarded by 'pin_mutex'. */
    struct pl_pin_desc **pin_descs;     /* Written under 'pin_mutex'. */
    uint32_t n_pin_descs;               /* Atomic. */
};

/* The rules one translation went through: the megaflow's handle.  Credits
 * each lookup's table and rule. */
#define PL_MAX_LOOKUPS 64
#define PL_MAX_GROUPS 16
/* How many groups deep a bucket may chain to another group's buckets. */
#define PL_MAX_GROUP_CHAIN 8
struct pl_handle_lookup {
    uint8_t table_id;
    bool rewritten;                     /* The packet's fields, metadata or
                                         * registers were no longer those it
                                         * came with. */
    int priority;                       /* The rule's (read without a
                                         * dependent load by revalidation). */
    struct pl_rule *rule;               /* NULL for a miss. */
};
struct pl_handle_group {
    struct pl_group *group;
    int bucket;                         /* -1: none chosen. */
    bool count_group;                   /* Else the bucket only (the other
                                         * buckets of an "all" group). */
};
/* A translation fills one with room for the most it may need; the
 * megaflow keeps a packed copy (pl_handle_pack()) of what was used, a few
 * dozen bytes instead of 1.3 kB: a PMD thread holds up to 200,000 of
 * them, and a storm of new flows makes one per packet. */
struct pl_handle {
    uint8_t n;
    uint8_t n_groups;
    uint32_t mirrors;                   /* Slots of the mirrors it feeds. */
    struct pipeline *pl;
    struct pl_handle_group *groups;     /* 'room' below, or in a packed
                                         * copy right after its lookups. */
    struct pl_handle_lookup lookups[PL_MAX_LOOKUPS];
    struct pl_handle_group room[PL_MAX_GROUPS];
};

/* The rule changes of one or more transactions, for a targeted
 * revalidation of the datapath's megaflows (pipeline_take_changes()). */
#define PL_MAX_CHANGES 256          /* More: flush the caches instead. */
struct pl_added_rule {
    struct dp_flow_key key, mask;       /* Its match, as far as the datapath
                                         * key carries it (pl_match_to_dp()):
                                         * a superset of what it matches. */
    int priority;
    uint8_t table_id;
};
struct pipeline_changes {
    const struct pipeline *pl;
    struct pl_rule **gone;              /* Removed, or with new actions or
                                         * cookie; each with a reference.
                                         * Sorted once taken. */
    size_t n_gone, allocated_gone;
    struct pl_group **gone_groups;      /* Replaced (modify, insert or
                                         * remove bucket) or deleted; each
                                         * with a reference.  Sorted once
                                         * taken. */
    size_t n_gone_groups, allocated_gone_groups;
    struct pl_added_rule *added;
    size_t n_added, allocated_added;
    uint64_t added_tables[256 / 64];    /* Tables with an added rule. */
};

static inline const struct pl_actions *
rule_get_actions(const struct pl_rule *rule)
{
    return ovsrcu_get(struct pl_actions *, &rule->actions);
}

/* The ports as the PMD threads see them. */
static inline const struct pl_ports *
pl_ports_get(const struct pipeline *pl)
{
    return ovsrcu_get(struct pl_ports *, &pl->ports);
}

/* The tables' version that lookups use. */
static inline ovs_version_t
pl_version(const struct pipeline *pl)
{
    ovs_version_t v;

    atomic_read_relaxed(&CONST_CAST(struct pipeline *, pl)->version, &v);
    return v;
}

/* xlate.c.  Writes into 'key' and 'mask' the match of 'rule' as far as
 * the datapath's flow key carries it, its input port translated by
 * 'ports' (fields the key lacks are left out: the result matches a
 * superset of the rule's packets).  Returns false if the rule can match
 * no packet of the datapath (an input port that has no datapath port). */
bool pl_match_to_dp(const struct pl_rule *, const struct pl_ports *,
                    struct dp_flow_key *key, struct dp_flow_key *mask);

/* pipeline.c.  Notes, for the datapath's caches, that group 'g' was
 * replaced or deleted: the megaflows that went through it go.  (A group
 * added changes no decision: nothing can go to a group before it exists;
 * group.c flushes instead when a bucket watches the group.) */
void note_group_gone(struct pipeline *, struct pl_group *g);

/* pipeline.c.  Drops a reference to 'rule' (NULL is fine); the last one
 * frees it after an RCU grace period. */
void rule_unref(struct pl_rule *);

/* Brings the counters up to date (pipeline_set_stats_sync()), once per
 * epoch: call before reading rule, table, group, bucket or mirror
 * counters. */
void pl_stats_sync(void);

/* pipeline.c.  Checks 'ofpacts' for use in table 'table_id' (or in a
 * packet-out): an OpenFlow error, with a message in '*msg' if nonnull. */
enum ofperr check_ofpacts(const struct pipeline *, const struct ofpact *,
                          size_t len, uint8_t table_id, bool packet_out,
                          char **msg);

/* pipeline.c.  Writes the message for 'error' into '*msg' if 'msg' is
 * nonnull; returns 'error'. */
enum ofperr check_fail(char **msg, enum ofperr error, const char *fmt, ...)
    OVS_PRINTF_FORMAT(3, 4);

/* pipeline.c.  check_ofpacts(), also for a group bucket ('in_bucket'). */
enum ofperr check_ofpacts__(const struct pipeline *, const struct ofpact *,
                            size_t len, uint8_t table_id, bool packet_out,
                            bool in_bucket, char **msg);

/* pipeline.c.  The action types check_ofpacts() admits (OFPACT_* bits). */
uint64_t supported_ofpacts(void);

/* pipeline.c.  Collects into 'out' (the caller frees out->rules) the
 * rules of version 'v' that send packets to group 'group_id' (OFPG_ANY:
 * none) or through meter 'meter_id' (0: none). */
void pl_rules_using(const struct pipeline *, uint32_t group_id,
                    uint32_t meter_id, ovs_version_t v,
                    struct rule_vec *out);

/* pipeline.c.  A transaction: changes to the tables made between
 * txn_begin() and txn_commit() become visible to the PMD threads at once
 * (a new classifier version), and flow-removed messages go out then.
 * Transactions nest; the outermost commit publishes. */
void txn_begin(struct pipeline *);
ovs_version_t txn_version(const struct pipeline *);
void txn_remove_rule(struct pipeline *, struct pl_rule *, int reason);
void txn_commit(struct pipeline *);
/* In the open transaction, removes the rules that pl_rules_using()
 * selects, with OFPRR_* 'reason' for the controllers. */
void txn_remove_users(struct pipeline *, uint32_t group_id,
                      uint32_t meter_id, int reason);

/* group.c.  The group 'id', or NULL (any thread, under RCU). */
struct pl_group *group_find(const struct pipeline *, uint32_t id);
/* group.c.  "all", "select", "indirect" or "fast_failover": the type
 * as ovs-ofctl writes it. */
const char *group_type_name(uint8_t type);
/* group.c.  Drops a reference to 'g' (NULL is fine). */
void group_unref(struct pl_group *);

/* group.c.  Ends the group changes of the outermost transaction: kept
 * ('commit'), or undone, every group back as it was. */
void pl_groups_txn_end(struct pipeline *, bool commit);

/* group.c.  Frees every group of a pipeline being destroyed. */
void pl_groups_destroy(struct pipeline *);

/* meter.c.  The meter 'id', or NULL (any thread, under RCU). */
struct pl_meter *meter_find(const struct pipeline *, uint32_t id);
/* meter.c.  Frees every meter of a pipeline being destroyed, and its
 * datapath slot. */
void pl_meters_destroy(struct pipeline *);
/* meter.c.  The datapath's meter slots, one table for every pipeline:
 * OpenFlow meters and port queues take theirs here.  -1: all in use. */
int pl_meter_slot_alloc(void);
void pl_meter_slot_free(uint32_t slot);

/* mirror.c.  Frees the mirrors of a pipeline being destroyed. */
void pl_mirrors_destroy(struct pipeline *);

#endif /* pipeline-private.h */
