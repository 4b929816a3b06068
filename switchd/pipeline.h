/*
 * pipeline: a bridge's OpenFlow table and the translation of packets
 * through it into datapath actions.
 *
 * One table (table 0) of OpenFlow rules, kept in Open vSwitch's classifier.
 * Rules are added and removed by the main thread; PMD threads look them up
 * concurrently on upcalls.  Changes are versioned, as in Open vSwitch's
 * ofproto: a change of several rules (a del-flows, a replacing add) becomes
 * visible to lookups at once, when the new version is published, and a
 * removed rule's memory is freed only after every PMD thread has quiesced
 * (ovs-rcu).
 *
 * Supported actions: output:PORT, IN_PORT, FLOOD, ALL, LOCAL, NORMAL (a
 * VLAN-aware learning switch: MAC learning per bridge and VLAN, with aging;
 * access and trunk ports tag and untag at the edges) and drop.  Adding a rule with any other
 * action fails with an error naming the action: nothing is half-supported.
 *
 * The port map (OpenFlow port <-> datapath port) is RCU-published too, so
 * that ports come and go while PMD threads translate.
 *
 * Thread-safety: the upcall operations run on PMD threads (lock-free but
 * for the MAC table's brief mutex); every other function is main thread
 * only.
 */
#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"

struct ds;
struct json;
struct pipeline;

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

/* Unmaps 'ofport' and forgets the MAC addresses learned on it. */
void pipeline_port_del(struct pipeline *, uint16_t ofport);

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

size_t pipeline_flow_count(const struct pipeline *);

/* Appends the rules, highest priority first, as ovs-ofctl dump-flows does
 * (with counters), to 'ds'; or as a JSON array. */
void pipeline_flows_dump(const struct pipeline *, struct ds *);
struct json *pipeline_flows_to_json(const struct pipeline *);

/* The rules as ovs-ofctl add-flow texts (no counters), for saving.  The
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

/* Packets that matched no rule (dropped). */
uint64_t pipeline_n_missed(const struct pipeline *);

/* Periodic work (MAC aging); 'now' in ms of time_msec().  Returns true if
 * the MAC table changed. */
bool pipeline_run(struct pipeline *, long long now);

/* The OpenFlow port of datapath port 'dp_port', or 0. */
uint16_t pipeline_ofport(const struct pipeline *, uint32_t dp_port);

struct mac_table *pipeline_mac_table(struct pipeline *);

#endif /* pipeline.h */
