/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connmgr: a bridge's OpenFlow connections and the messages on them.
 *
 * Each bridge has passive listeners (its punix: management socket, for
 * ovs-ofctl, and optional ptcp:/pssl: ones) and active connections to the
 * controllers in its configuration (tcp:, ssl:, unix:), which reconnect
 * with back-off (rconn).  libopenvswitch decodes and encodes every
 * message; this module decides what each one does to the bridge's
 * pipeline and ports, and which asynchronous messages (packet-in,
 * flow-removed, port-status) go to which connection, following the
 * connection's role, its asynchronous configuration and, for packet-ins,
 * a rate limit.
 *
 * Fail mode: with controllers configured and none connected, a
 * "standalone" bridge falls back to NORMAL (fail-open) after
 * CONNMGR_FAIL_OPEN_MS; a "secure" one keeps its flows.
 *
 * Thread-safety: main thread only.
 */
#ifndef CONNMGR_H
#define CONNMGR_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/ofp-port.h"

struct connmgr;
struct ds;
struct json;
struct ofputil_flow_removed;
struct ofputil_phy_port;
struct ofputil_port_stats;
struct ofputil_port_mod;
struct pipeline;

#define CONNMGR_FAIL_OPEN_MS 15000
#define CONNMGR_PROBE_INTERVAL_S 5
#define CONNMGR_MAX_BACKOFF_S 8

/* What the connection manager needs of its bridge. */
struct connmgr_bridge_ops {
    /* The ports as OpenFlow describes them; the caller frees '*ports'. */
    size_t (*get_ports)(void *aux, struct ofputil_phy_port **ports);

    /* Counters of 'port'; false if there is no such port. */
    bool (*get_port_stats)(void *aux, ofp_port_t port,
                           struct ofputil_port_stats *);

    /* Applies the configuration bits of a port_mod whose port exists and
     * whose hardware address matches; returns 0 or an OpenFlow error. */
    enum ofperr (*port_mod)(void *aux, const struct ofputil_port_mod *);
};

struct connmgr *connmgr_create(const char *bridge, uint64_t datapath_id,
                               struct pipeline *,
                               const struct connmgr_bridge_ops *, void *aux);
void connmgr_destroy(struct connmgr *);

/* The OpenFlow versions (bitmap of 1 << OFP*_VERSION) connections may
 * negotiate. */
void connmgr_set_allowed_versions(struct connmgr *, uint32_t);

/* Replaces the passive listeners with 'names' (punix:, ptcp:, pssl:).
 * Returns 0, or an errno value with a message in '*errp' naming those that
 * could not be opened; the others listen all the same. */
int connmgr_set_listeners(struct connmgr *, char *const *names, size_t n,
                          char **errp);

/* Replaces the controllers with 'targets' (tcp:, ssl:, unix:); existing
 * connections to targets that stay are kept. */
void connmgr_set_controllers(struct connmgr *, char *const *targets,
                             size_t n);

/* Whether the bridge falls back to NORMAL without controllers. */
void connmgr_set_fail_standalone(struct connmgr *, bool standalone);

void connmgr_run(struct connmgr *);

/* Brings the datapath's caches in line with the changes made to 'pl'
 * since the last call (pipeline_take_changes()): a flush, a targeted
 * revalidation of the megaflows that rule changes affect, or nothing.
 * Once it returns, no packet is handled by a decision the changes undid.
 * For any bridge's pipeline, with or without a connection manager. */
void connmgr_sync_pipeline(struct pipeline *);
void connmgr_wait(struct connmgr *);

/* Asynchronous messages. */
void connmgr_send_packet_in(struct connmgr *, uint32_t arg,
                            const void *packet, size_t len);
void connmgr_send_flow_removed(struct connmgr *,
                               const struct ofputil_flow_removed *);
struct pl_flow_change;
void connmgr_flow_changed(struct connmgr *, const struct pl_flow_change *);
void connmgr_send_port_status(struct connmgr *,
                              const struct ofputil_phy_port *,
                              enum ofp_port_reason);

/* For xvs-ctl show. */
void connmgr_format(const struct connmgr *, struct ds *);
struct json *connmgr_to_json(const struct connmgr *);

/* Whether any connection is up (then packet-ins are worth polling). */
bool connmgr_has_connections(const struct connmgr *);

/* One controller connection, for monitoring. */
struct connmgr_controller_info {
    const char *target;         /* Owned by the connmgr. */
    bool connected;
    uint64_t pin_sent, pin_dropped;
};
/* Stores the controllers of 'mgr' in '*infop' (the caller frees it) and
 * returns how many there are. */
size_t connmgr_get_controllers(const struct connmgr *,
                               struct connmgr_controller_info **infop);

#endif /* connmgr.h */
