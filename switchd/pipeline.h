/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: a bridge's OpenFlow tables and the translation of packets
 * through them into datapath actions.
 *
 * PL_N_TABLES tables (0..254) of OpenFlow rules, each an Open vSwitch
 * classifier.  Rules are added, modified and removed by the main thread;
 * PMD threads look them up concurrently on upcalls.  Changes are
 * versioned, as in Open vSwitch's ofproto: a change of several rules (a
 * delete, a replacing add) becomes visible to lookups at once, when the new
 * version is published, and a removed rule's memory is freed only after
 * every PMD thread has quiesced (ovs-rcu).  A modify swaps a rule's
 * actions (RCU) and keeps its counters.
 *
 * Translation starts in table 0 and follows goto_table (and Open vSwitch's
 * resubmit), with OpenFlow 1.1+ instructions: apply-actions, clear-actions,
 * write-actions (the action set, executed when the pipeline ends),
 * write-metadata.  Actions: output to a port, IN_PORT, FLOOD, ALL, LOCAL,
 * NORMAL (a VLAN-aware learning switch), CONTROLLER, TABLE (packet-out
 * only), NONE; push/pop/set VLAN; set Ethernet addresses, IPv4 addresses,
 * IP DSCP/ECN/TTL, TCP/UDP ports; dec_ttl; set-field and load of the
 * metadata and registers.  A rule with any other action is refused with
 * OFPERR_OFPBAC_BAD_TYPE (or BAD_SET_TYPE) naming it: nothing is
 * half-supported.  A table miss drops the packet, or sends it to the
 * controller (reason no_match) when pipeline_set_miss_to_controller()
 * says an OpenFlow 1.0-1.2 controller wants that.
 *
 * The port map (OpenFlow port <-> datapath port) is RCU-published too, so
 * that ports come and go while PMD threads translate.
 *
 * Thread-safety: the upcall operations run on PMD threads (lock-free but
 * for the MAC table's and the packet-in registry's brief mutexes); every
 * other function is main thread only.
 */
#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-monitor.h"

struct cls_rule;
struct ds;
struct json;
struct match;
struct ofpbuf;
struct ofputil_aggregate_stats;
struct ofputil_flow_mod;
struct ofputil_flow_removed;
struct ofputil_flow_stats_request;
struct ofputil_packet_in_private;
struct ofputil_packet_out;
struct ovs_list;
struct pipeline;

#define PL_N_TABLES 255

struct pipeline *pipeline_create(const char *bridge_name);
void pipeline_destroy(struct pipeline *);

/* A port's VLANs, for NORMAL: an access port (vlan) carries one VLAN
 * untagged; a trunk carries 'trunks' tagged and 'native_vlan' (if any)
 * untagged; a port with neither carries every VLAN, tagged as it comes
 * (VLAN 0 being untagged). */
struct pipeline_port_vlans {
    uint16_t vlan;
    const uint16_t *trunks;
    size_t n_trunks;
    uint16_t native_vlan;
};

/* Maps OpenFlow port 'ofport' to datapath port 'dp_port'.  'is_local' makes
 * it the target of output:LOCAL (the bridge's internal port).  'vlans' may
 * be NULL (every VLAN). */
void pipeline_port_add(struct pipeline *, uint16_t ofport, uint32_t dp_port,
                       bool is_local, const struct pipeline_port_vlans *);
/* Changes the VLANs of 'ofport' (which must be mapped) and forgets the
 * MAC addresses learned on it. */
void pipeline_port_set_vlans(struct pipeline *, uint16_t ofport,
                             const struct pipeline_port_vlans *);

/* Whether 'ofport''s link is up, for fast-failover and select groups.
 * The caller flushes the datapath caches after a change. */
void pipeline_port_set_live(struct pipeline *, uint16_t ofport, bool live);
/* Sets the OpenFlow configuration bits of a port (OFPUTIL_PC_*, from a
 * port_mod): PORT_DOWN and NO_RECV drop what it receives, PORT_DOWN and
 * NO_FWD what would go out of it, NO_FLOOD keeps it out of FLOOD and
 * NORMAL's flooding (not ALL), NO_PACKET_IN stops packet-ins of what it
 * receives.  The caller flushes the datapath's caches. */
void pipeline_port_set_config(struct pipeline *, uint16_t ofport,
                              uint32_t config);

/* Port security for 'ofport' (which must be mapped) as 'guest' sets it
 * (see port-security.h); NULL turns it off.  Forgets the MAC addresses
 * learned on the port.  The caller flushes the datapath's caches. */
struct xvs_port_guest;
void pipeline_port_set_security(struct pipeline *, uint16_t ofport,
                                const struct xvs_port_guest *guest);

/* The DHCP leases port security learned for 'ofport' (see
 * port-security.h) into 'out', at most PSEC_MAX_LEASES; their number, or
 * -1 if the port does not learn from DHCP. */
struct psec_lease;
int pipeline_port_dhcp_leases(const struct pipeline *, uint16_t ofport,
                              struct psec_lease *out);

/* The egress queues of 'ofport' (which must be mapped): 'n' of them (0:
 * none).  An output after set_queue:ID (or enqueue:PORT:ID) to a port
 * with queue ID goes through that queue's policer: packets over its
 * max-rate are dropped and counted; a port without queue ID sends the
 * packet as if there were no set_queue.  A queue that stays (same id)
 * keeps its counters.  Returns NULL, or an error (the datapath's policers
 * all in use: the port keeps the queues it had).  The caller flushes the
 * datapath's caches. */
struct xvs_queue;
char *pipeline_port_set_queues(struct pipeline *, uint16_t ofport,
                               const struct xvs_queue *, size_t n);

/* A queue with its counters. */
struct pipeline_queue_stats {
    uint16_t ofport;
    uint32_t queue_id;
    uint64_t max_bps;                   /* Bits per second. */
    uint64_t tx_packets, tx_bytes;      /* Let through. */
    uint64_t dropped_packets, dropped_bytes;    /* Over the rate. */
    long long created;                  /* time_msec() it was set up. */
};
/* The queues 'queue_id' (UINT32_MAX: all) of 'ofport' (0: of every port)
 * in '*qs' (the caller frees it), by port then id; returns how many. */
size_t pipeline_queues(const struct pipeline *, uint16_t ofport,
                       uint32_t queue_id, struct pipeline_queue_stats **qs);

/* Unmaps 'ofport' and forgets the MAC addresses learned on it. */
void pipeline_port_del(struct pipeline *, uint16_t ofport);

/* Port changes between pipeline_ports_begin() and pipeline_ports_commit()
 * edit one private copy of the port table, published at the commit: a
 * bridge that starts with 10,000 ports does not make (and keep until the
 * next quiescent state) 10,000 copies of a table of 10,000 ports.  Packets
 * meet the table as it was until the commit. */
void pipeline_ports_begin(struct pipeline *);
void pipeline_ports_commit(struct pipeline *);

/* A change to a rule, as flow monitors see it: reported once its
 * transaction commits, for every change while pipeline_set_monitored()
 * says someone watches. */
struct pl_flow_change {
    /* 'event' (OFPFME_ADDED, OFPFME_MODIFIED (new actions or cookie, or an
     * add that replaced a rule of the same match and priority) or
     * OFPFME_REMOVED, with 'reason'), the rule's table, priority, cookie,
     * timeouts, match and (new) actions. */
    struct ofputil_flow_update fu;
    const struct cls_rule *cr;          /* The rule's match. */
    const struct ofpact *old_ofpacts;   /* OFPFME_MODIFIED: before. */
    size_t old_ofpacts_len;
    uint64_t add_seqno;                 /* When the rule was added. */
};

/* A flow monitor's filter (OpenFlow 1.4 flow monitor request, or
 * Nicira's NXST_FLOW_MONITOR). */
struct pl_monitor {
    uint32_t id;
    enum ofp14_flow_monitor_flags flags;
    uint8_t table_id;                   /* 0xff: every table. */
    ofp_port_t out_port;                /* OFPP_ANY: any. */
    uint32_t out_group;                 /* OFPG_ANY: any. */
    struct minimatch match;             /* Rules at least this specific. */
};

/* What the pipeline tells its owner. */
struct pipeline_hooks {
    /* A rule with the send_flow_rem flag went away (timeout, delete). */
    void (*flow_removed)(void *aux, const struct ofputil_flow_removed *);

    /* A rule changed (see struct pl_flow_change). */
    void (*flow_changed)(void *aux, const struct pl_flow_change *);

    /* A packet-out's packet is to leave with 'acts' (datapath actions), as
     * if it came in on datapath port 'in_dp_port' (DP_MAX_PORTS: none);
     * 'mac_changed' if NORMAL learned from it. */
    void (*execute)(void *aux, uint32_t in_dp_port, const void *packet,
                    size_t len, const struct dp_actions *acts,
                    bool mac_changed);

    /* The datapath's meters (see dp_meter_set() and friends). */
    int (*meter_set)(void *aux, uint32_t slot,
                     const struct dp_meter_config *, char **errp);
    void (*meter_del)(void *aux, uint32_t slot);
    void (*meter_stats)(void *aux, uint32_t slot, struct dp_meter_stats *);
};
void pipeline_set_hooks(struct pipeline *, const struct pipeline_hooks *,
                        void *aux);

/* Whether a table miss sends the packet to the controller (reason
 * no_match), as OpenFlow 1.0 to 1.2 say, rather than dropping it.  The
 * caller flushes the datapath caches after a change. */
void pipeline_set_miss_to_controller(struct pipeline *, bool);

/* Fail-open: while true, every packet goes through NORMAL, whatever the
 * tables say (fail-mode standalone without a controller).  The caller
 * flushes the datapath caches after a change. */
void pipeline_set_fail_open(struct pipeline *, bool);
bool pipeline_is_fail_open(const struct pipeline *);

/* Executes an OpenFlow flow_mod (any command) on the tables.  Returns 0 or
 * an OpenFlow error, with nothing changed.  The caller brings the
 * datapath caches in line (pipeline_take_changes()) before it answers a
 * barrier.  The flow_mod's buffer id
 * is not looked at: buffers belong to connections (connmgr). */
enum ofperr pipeline_flow_mod(struct pipeline *,
                              const struct ofputil_flow_mod *);

/* Transactions, for bundles: between pipeline_begin() and
 * pipeline_commit(), flow_mods change nothing that translation sees; the
 * commit publishes them all at once, pipeline_abort() undoes them. */
void pipeline_begin(struct pipeline *);
void pipeline_commit(struct pipeline *);
void pipeline_abort(struct pipeline *);

/* What changed since the last call, for the datapath's caches.  Returns
 * true if they must be flushed whole (ports, groups, meters, mirrors,
 * more rule changes than a targeted pass is worth...).  Otherwise sets
 * '*changes' to the rule changes made (NULL: none), which the caller
 * passes to pipeline_changes_affect() for each megaflow (through
 * dp_revalidate()), then to pipeline_changes_destroy(). */
struct pipeline_changes;
bool pipeline_take_changes(struct pipeline *, struct pipeline_changes **);

/* Whether the rule changes 'changes' may alter the decision of the
 * megaflow with 'handle' (its pipeline upcall handle), masked 'key' and
 * 'mask': it went through a changed or removed rule, or looked up a table
 * where an added rule may win for some of its packets.  May say yes
 * wrongly, never no.  The signature of dp_reval_fn; any thread, while
 * 'changes' lives. */
bool pipeline_changes_affect(const void *changes, const void *handle,
                             const struct dp_flow_key *key,
                             const struct dp_flow_key *mask);
void pipeline_changes_destroy(struct pipeline_changes *);

/* Parses 'text' (ovs-ofctl add-flow syntax) without adding it; returns 0 or
 * EINVAL with a message in '*errp'. */
int pipeline_flow_check(const char *text, char **errp);

/* Adds (or replaces, if one with the same match and priority exists) the
 * rule in 'text'.  Returns 0 or EINVAL with a message in '*errp'. */
int pipeline_flow_add(struct pipeline *, const char *text, char **errp);

/* Deletes the rules that 'match' (ovs-ofctl del-flows syntax; NULL or "" for
 * all) matches loosely, all in one version.  Returns 0 and the count in
 * '*n_deleted', or EINVAL with a message in '*errp'. */
int pipeline_flows_del(struct pipeline *, const char *match,
                       size_t *n_deleted, char **errp);

/* Deletes every rule (with 'saved_only', every saved one: not those of
 * controllers) whose table, match and priority are not those of one of
 * the 'keep' texts (replace-flows), in one transaction. */
int pipeline_flows_del_except(struct pipeline *, const char **keep,
                              size_t n_keep, bool saved_only,
                              size_t *n_deleted, char **errp);

size_t pipeline_flow_count(const struct pipeline *);

/* Per table with rules or lookups (and table 0): active rules, lookups,
 * matches. */
void pipeline_tables_dump(const struct pipeline *, struct ds *);

/* Groups (all, select, indirect, fast-failover).  A bucket cannot go to
 * another group.  Deleting a group deletes the rules that go to it. */
struct ofputil_group_mod;
struct ofputil_group_features;
enum ofperr pipeline_group_mod(struct pipeline *,
                               const struct ofputil_group_mod *);
/* ovs-ofctl add-group syntax; adds or replaces; saved with the flows. */
int pipeline_group_add(struct pipeline *, const char *text, char **errp);
/* Deletes group 'id' (OFPG_ALL: all) and its rules; '*n' groups went.
 * EBUSY, with a message in '*errp' (if nonnull), if another group's
 * bucket goes to group 'id'. */
int pipeline_groups_del(struct pipeline *, uint32_t id, size_t *n,
                        char **errp);
size_t pipeline_group_count(const struct pipeline *);
void pipeline_group_stats(const struct pipeline *, uint32_t id,
                          struct ovs_list *replies);
void pipeline_group_desc(const struct pipeline *, uint32_t id,
                         struct ovs_list *replies);
void pipeline_group_features(struct ofputil_group_features *);
void pipeline_groups_dump(const struct pipeline *, struct ds *);
char **pipeline_groups_texts(const struct pipeline *, size_t *n);

/* Meters: kbps or pktps, drop bands (the lowest rate drops), burst,
 * executed in the datapath.  Deleting a meter deletes its rules. */
struct ofputil_meter_mod;
struct ofputil_meter_features;
enum ofperr pipeline_meter_mod(struct pipeline *,
                               const struct ofputil_meter_mod *);
/* ovs-ofctl add-meter syntax; adds or replaces; saved with the flows. */
int pipeline_meter_add(struct pipeline *, const char *text, char **errp);
void pipeline_meters_del(struct pipeline *, uint32_t id, size_t *n);
void pipeline_meter_stats(const struct pipeline *, uint32_t id,
                          struct ovs_list *replies);
void pipeline_meter_config(const struct pipeline *, uint32_t id,
                           struct ovs_list *replies);
void pipeline_meter_features(struct ofputil_meter_features *);
void pipeline_meters_dump(const struct pipeline *, struct ds *);
char **pipeline_meters_texts(const struct pipeline *, size_t *n);

/* Flow monitors.  Every change to a rule takes the next number of a
 * sequence; pipeline_monitor_seqno() is the last one taken. */
void pipeline_set_monitored(struct pipeline *, bool);
uint64_t pipeline_monitor_seqno(const struct pipeline *);

/* Whether 'm' watches the rule of 'change' (its table, match, out_port,
 * out_group, the last two in the old actions too; not the event). */
bool pipeline_monitor_watches(const struct pl_monitor *,
                              const struct pl_flow_change *);

/* Appends to 'replies' (started with ofputil_start_flow_update()) an
 * update for each rule that one of the 'n' monitors watches: with 'since'
 * 0 each rule as OFPFME_INITIAL (for monitors with OFPFMF_INITIAL), else
 * the rules added (OFPFME_ADDED) or modified (OFPFME_MODIFIED) after
 * change 'since', for monitors whose flags ask for that event.  A rule
 * watched by several is reported once, with its actions if one of them
 * asks for OFPFMF_INSTRUCTIONS. */
void pipeline_monitor_refresh(const struct pipeline *,
                              struct pl_monitor *const *, size_t n,
                              uint64_t since, struct ovs_list *replies);

/* OpenFlow statistics. */
enum ofperr pipeline_flow_stats(const struct pipeline *,
                                const struct ofputil_flow_stats_request *,
                                struct ovs_list *replies);
enum ofperr pipeline_aggregate_stats(const struct pipeline *,
                                     const struct ofputil_flow_stats_request *,
                                     struct ofputil_aggregate_stats *);
void pipeline_table_stats(const struct pipeline *, struct ofpbuf *reply);
struct ofputil_table_features;
void pipeline_table_features(const struct pipeline *, uint8_t table_id,
                             struct ofputil_table_features *);

/* Turns a packet the datapath sent up (DP_ACTION_CONTROLLER) into a
 * packet-in; 'in_ofport' is the OpenFlow port it came in on.  Returns
 * false if 'arg' is unknown.  '*miss' tells a table miss (for controllers
 * that want those), '*miss_rule' an action of a table-miss rule (which
 * OpenFlow 1.3 and later report as a miss), '*max_len' how much of the packet the action asked
 * for (UINT16_MAX: all; for a miss, the connection's miss_send_len
 * applies).  'pin->base.packet' points into 'data'. */
bool pipeline_packet_in(struct pipeline *, uint32_t arg,
                        const void *data, size_t len,
                        struct ofputil_packet_in_private *pin, bool *miss,
                        bool *miss_rule, uint16_t *max_len,
                        uint16_t *controller_id);

/* The pipeline a DP_ACTION_CONTROLLER's 'arg' belongs to: its arg says
 * pipeline_id_of_arg(arg) == pipeline_id(pl). */
uint32_t pipeline_id(const struct pipeline *);
uint32_t pipeline_id_of_arg(uint32_t arg);

/* If 'arg' (of a packet the datapath sent up) is port security's DHCP
 * snooping rather than a packet-in, learns from the packet (see
 * port-security.h), sets '*changed' if a port's addresses changed (the
 * caller flushes the datapath's caches) and returns true. */
bool pipeline_dhcp_snoop(struct pipeline *, uint32_t arg, const void *data,
                         size_t len, bool *changed);

/* Executes an OpenFlow packet-out: translates its actions (output:TABLE
 * goes through the tables) and hands the packet to the datapath.  The
 * caller resolves a buffer id into the packet first (any left is refused
 * with OFPERR_OFPBRC_BUFFER_UNKNOWN). */
enum ofperr pipeline_packet_out(struct pipeline *,
                                const struct ofputil_packet_out *);

/* Appends the rules, highest priority first, as ovs-ofctl dump-flows does
 * (with counters), to 'ds'; or as a JSON array. */
void pipeline_flows_dump(const struct pipeline *, struct ds *);
struct json *pipeline_flows_to_json(const struct pipeline *);

/* The rules added from the configuration or xvs-ctl (not those of
 * controllers) as ovs-ofctl add-flow texts (no counters), for saving.  The
 * caller frees each string and the array. */
char **pipeline_flows_texts(const struct pipeline *, size_t *n);

/* The datapath's upcall interface, with the pipeline as 'aux'.
 *
 * pipeline_upcall() translates one packet: it fills the datapath actions,
 * the key mask of every field the decision consulted (from the classifier's
 * wildcards and NORMAL's needs), and, when a megaflow can stand for the
 * decision, a handle (the matched rule, with a reference) through which the
 * megaflow's packets are credited to the rule.  A decision that consulted
 * a packet field the datapath key does not carry is not cacheable. */
void pipeline_upcall(void *pipeline, struct dp_upcall *);
extern const struct dp_upcall_ops pipeline_upcall_ops;

/* xvs-ctl trace: what the pipeline does with one packet, step by step. */
struct pipeline_trace {
    struct json *steps;             /* Array of objects: "depth", "type"
                                     * ("table", "action", "output",
                                     * "group", "bucket", "normal",
                                     * "controller", "meter", "security",
                                     * "drop", ...), "text", and by type
                                     * "table", "priority", "cookie",
                                     * "match", "actions", "port"... */
    struct dp_actions actions;      /* The datapath actions. */
    bool from_port;                 /* The packet came in on a port: 'key'
                                     * is what the datapath extracts. */
    struct dp_flow_key key;
    bool cacheable;                 /* A megaflow 'key' & 'mask' would be
                                     * installed. */
    struct dp_flow_key mask;
};

/* Translates the 'len'-byte frame 'packet', received on OpenFlow port
 * 'in_port' (OFPP_NONE: on none, as a controller's packet-out through
 * table 0), with the metadata and registers of 'md' (NULL: zero), into
 * '*trace' (the caller frees trace->steps), as an upcall would but
 * changing nothing: no counter, no MAC learned, no packet-in.  Port names
 * come from 'port_map' (may be NULL).  Returns 0, or an errno value with
 * a message in '*errp' (no such port).  Main thread. */
struct flow;
struct ofputil_port_map;
int pipeline_trace(struct pipeline *, ofp_port_t in_port,
                   const struct flow *md, const void *packet, size_t len,
                   const struct ofputil_port_map *,
                   struct pipeline_trace *trace, char **errp);

/* Port mirroring, as Open vSwitch has it: a copy of every packet
 * received on a 'src' port (or on any, with 'select_all') or sent to a
 * 'dst' port, if it is on one of 'vlans' (any VLAN if there are none),
 * goes out of 'output' (or to VLAN 'output_vlan') once per mirror; the
 * copy is the packet as received
 * (src) or as sent (dst).  The output port takes no other traffic: it is
 * left out of flooding, and what it receives is dropped.  Ports are
 * OpenFlow port numbers; one that is absent is ignored.  Mirrors keep
 * their counters across a call if they keep their name.  The caller
 * flushes the caches. */
struct pipeline_mirror {
    const char *name;
    bool select_all;
    const uint16_t *src, *dst;
    size_t n_src, n_dst;
    const uint16_t *vlans;
    size_t n_vlans;
    uint16_t output;            /* OpenFlow port, or 0 with 'output_vlan'. */
    uint16_t output_vlan;       /* Or: flood the copies to this VLAN (1-4094),
                                 * tagged on the ports that tag it. */
};
void pipeline_set_mirrors(struct pipeline *, const struct pipeline_mirror *,
                          size_t n);

/* The copies each mirror has sent, by name. */
struct pipeline_mirror_stats {
    const char *name;                   /* Valid until the next change. */
    uint64_t n_packets, n_bytes;
};
size_t pipeline_mirror_stats(const struct pipeline *,
                             struct pipeline_mirror_stats **statsp);

/* Packets that matched no rule (dropped). */
uint64_t pipeline_n_missed(const struct pipeline *);

/* NORMAL's MAC learning table holds at most 'n' addresses (the oldest
 * go first).  Returns how many addresses went. */
size_t pipeline_set_mac_table_size(struct pipeline *, size_t n);

/* Counters.  The datapath credits the rule, table, group, bucket and
 * mirror counters in bulk, not per packet (see dp_upcall_ops' 'credit'):
 * 'sync' (dp_credit_sync(), set once at start-up; none in unit tests)
 * brings them up to date.  The pipeline calls it before it reads any of
 * them, at most once per "epoch": pipeline_stats_invalidate() starts a new
 * one, and the main loop calls it before it takes new requests, so that a
 * request sees every packet forwarded before it came in. */
void pipeline_set_stats_sync(void (*sync)(void));
void pipeline_stats_invalidate(void);

/* Periodic work: MAC aging, idle and hard timeouts; 'now' in ms of
 * time_msec().  Returns true if the MAC table or the tables changed. */
bool pipeline_run(struct pipeline *, long long now);

/* When pipeline_run() next has work to do. */
long long pipeline_next_wakeup(const struct pipeline *);


/* The OpenFlow port of datapath port 'dp_port', or 0. */
uint16_t pipeline_ofport(const struct pipeline *, uint32_t dp_port);

struct mac_table *pipeline_mac_table(struct pipeline *);

#endif /* pipeline.h */
