/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connmgr: OpenFlow connections and message handling.  See connmgr.h.
 */
#include <config.h>

#include "connmgr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-connection.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-queue.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/token-bucket.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "flow.h"
#include "ofp-ext.h"
#include "packets.h"
#include "pipeline.h"
#include "pktbuf.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(connmgr);

/* Messages handled per connection per run, so that one busy connection
 * cannot starve the others. */
#define OFCONN_MSGS_PER_RUN 64

/* Packet-ins per second per connection, and burst. */
#define OFCONN_PIN_RATE 1000
#define OFCONN_PIN_BURST 200

/* Packet-ins a connection may have queued before more are dropped. */
#define OFCONN_PIN_QUEUE 100

/* Replies a connection may have queued before it is no longer read, as
 * Open vSwitch does: a peer that sends requests and never reads the
 * replies holds at most this many, not the daemon's memory. */
#define OFCONN_REPLY_QUEUE 100

/* Connections accepted from all listeners of a bridge (the management
 * socket included), at most, and accepted per listener per main-loop
 * iteration: past them a new connection is closed at once. */
#define CONNMGR_MAX_SERVICE_CONNS 64
#define CONNMGR_ACCEPTS_PER_RUN 8

/* Flow monitors per connection; and the bytes of flow updates queued to
 * a connection beyond which its updates pause (then it gets, once they
 * have gone, the rules added and modified meanwhile), as Open vSwitch
 * does. */
#define OFCONN_MAX_MONITORS 64
#define OFCONN_MONITOR_QUEUE_BYTES (128 * 1024)

/* Open bundles per connection, and messages per bundle. */
#define OFCONN_MAX_BUNDLES 16
#define OFCONN_MAX_BUNDLE_MSGS 100000

enum ofconn_type {
    OFCONN_CONTROLLER,          /* Active, to a configured controller. */
    OFCONN_SERVICE,             /* Accepted on a listener. */
};

struct ofbundle {
    struct ovs_list node;
    uint32_t id;
    uint16_t flags;
    bool closed;
    struct ovs_list msgs;       /* struct ofbundle_msg. */
    size_t n_msgs;
};

/* A flow_mod or group_mod of a bundle, decoded when it was added. */
struct ofbundle_msg {
    struct ovs_list node;       /* In ofbundle's 'msgs'. */
    enum ofptype type;          /* OFPTYPE_FLOW_MOD or OFPTYPE_GROUP_MOD. */
    union {
        struct ofputil_flow_mod fm;
        struct ofputil_group_mod gm;
    };
};

struct ofconn {
    struct ovs_list node;       /* In connmgr's 'conns'. */
    struct connmgr *mgr;
    struct rconn *rconn;
    enum ofconn_type type;
    char *target;               /* OFCONN_CONTROLLER: as configured. */

    enum ofputil_protocol protocol;     /* OFPUTIL_P_NONE until hello. */
    enum ofputil_packet_in_format pin_format;
    enum ofp12_controller_role role;
    int miss_send_len;
    uint16_t controller_id;
    bool async_set;                     /* 'async' was set by the peer. */
    struct ofputil_async_cfg async;
    unsigned int seqno;                 /* rconn connection seqno seen. */

    struct rconn_packet_counter *pin_counter;
    struct rconn_packet_counter *reply_counter;
    struct token_bucket pin_bucket;
    uint64_t n_pin_sent, n_pin_dropped;
    uint64_t n_pin_buffered;            /* Made with a buffer id. */
    struct pktbuf *pktbuf;              /* Packets of truncated packet-ins. */

    /* Flow monitors. */
    struct pl_monitor **monitors;
    size_t n_monitors;
    struct ovs_list updates;            /* Flow updates not sent yet. */
    bool sent_abbrev;                   /* One of 'updates' is abbreviated. */
    struct rconn_packet_counter *monitor_counter;
    uint64_t monitor_paused;            /* 0, or the change number when
                                         * updates paused. */

    struct ovs_list bundles;            /* struct ofbundle. */
    size_t n_bundles;
};

struct connmgr {
    char *name;
    uint64_t datapath_id;
    struct pipeline *pl;
    struct connmgr_bridge_ops ops;
    void *aux;
    uint32_t allowed_versions;

    struct ovs_list conns;              /* struct ofconn. */
    struct pvconn **listeners;
    size_t n_listeners;

    bool have_election_id;
    uint64_t election_id;

    bool fail_standalone;
    bool fail_open;
    long long no_controller_since;      /* LLONG_MAX: one is connected. */
    long long next_pktbuf_expiry;       /* When buffers are next expired. */

    /* The connection and request making the flow changes now (flow
     * monitors abbreviate a connection's own changes). */
    const struct ofconn *change_ofconn;
    ovs_be32 change_xid;
    bool miss_to_controller;
};

static void ofconn_destroy(struct ofconn *);
static void ofconn_reset(struct ofconn *);

/* ---- Life cycle ----------------------------------------------------- */

struct connmgr *
connmgr_create(const char *bridge, uint64_t datapath_id, struct pipeline *pl,
               const struct connmgr_bridge_ops *ops, void *aux)
{
    struct connmgr *mgr = xzalloc(sizeof *mgr);

    mgr->name = xstrdup(bridge);
    mgr->datapath_id = datapath_id;
    mgr->pl = pl;
    mgr->ops = *ops;
    mgr->aux = aux;
    mgr->allowed_versions = (1u << OFP10_VERSION) | (1u << OFP13_VERSION)
                            | (1u << OFP14_VERSION) | (1u << OFP15_VERSION);
    ovs_list_init(&mgr->conns);
    mgr->fail_standalone = true;
    mgr->no_controller_since = time_msec();
    return mgr;
}

void
connmgr_destroy(struct connmgr *mgr)
{
    struct ofconn *ofconn;

    if (!mgr) {
        return;
    }
    LIST_FOR_EACH_SAFE (ofconn, node, &mgr->conns) {
        ofconn_destroy(ofconn);
    }
    for (size_t i = 0; i < mgr->n_listeners; i++) {
        pvconn_close(mgr->listeners[i]);
    }
    free(mgr->listeners);
    free(mgr->name);
    free(mgr);
}

void
connmgr_set_allowed_versions(struct connmgr *mgr, uint32_t versions)
{
    mgr->allowed_versions = versions;
}

void
connmgr_set_fail_standalone(struct connmgr *mgr, bool standalone)
{
    mgr->fail_standalone = standalone;
}

int
connmgr_set_listeners(struct connmgr *mgr, char *const *names, size_t n,
                      char **errp)
{
    struct pvconn **new = xcalloc(n ? n : 1, sizeof *new);
    size_t n_new = 0;
    int first_error = 0;
    struct ds errors = DS_EMPTY_INITIALIZER;

    /* Each listener stands on its own: one that cannot be opened (a port
     * in use) is reported and the others, the management socket first,
     * still listen. */
    for (size_t i = 0; i < n; i++) {
        struct pvconn *pvconn = NULL;

        /* A listener that stays is kept: its socket must not go away. */
        for (size_t j = 0; j < mgr->n_listeners; j++) {
            if (mgr->listeners[j]
                && !strcmp(pvconn_get_name(mgr->listeners[j]), names[i])) {
                pvconn = mgr->listeners[j];
                mgr->listeners[j] = NULL;
                break;
            }
        }
        if (!pvconn) {
            int error = pvconn_open(names[i], mgr->allowed_versions, 0,
                                    &pvconn);
            if (error) {
                ds_put_format(&errors, "%s%s: cannot listen on %s: %s",
                              errors.length ? "; " : "", mgr->name,
                              names[i], ovs_strerror(error));
                first_error = first_error ? first_error : error;
                continue;
            }
        }
        new[n_new++] = pvconn;
    }
    for (size_t j = 0; j < mgr->n_listeners; j++) {
        if (mgr->listeners[j]) {
            pvconn_close(mgr->listeners[j]);
        }
    }
    free(mgr->listeners);
    mgr->listeners = new;
    mgr->n_listeners = n_new;
    *errp = first_error ? ds_steal_cstr(&errors) : NULL;
    ds_destroy(&errors);
    return first_error;
}

static struct ofconn *
ofconn_create(struct connmgr *mgr, struct rconn *rconn, enum ofconn_type type)
{
    struct ofconn *ofconn = xzalloc(sizeof *ofconn);

    ofconn->mgr = mgr;
    ofconn->rconn = rconn;
    ofconn->type = type;
    ofconn->pin_counter = rconn_packet_counter_create();
    ofconn->reply_counter = rconn_packet_counter_create();
    ofconn->monitor_counter = rconn_packet_counter_create();
    ovs_list_init(&ofconn->bundles);
    ovs_list_init(&ofconn->updates);
    ofconn_reset(ofconn);
    ovs_list_push_back(&mgr->conns, &ofconn->node);
    return ofconn;
}

static void
ofbundle_destroy(struct ofbundle *b)
{
    struct ofbundle_msg *m;

    LIST_FOR_EACH_POP (m, node, &b->msgs) {
        if (m->type == OFPTYPE_FLOW_MOD) {
            minimatch_destroy(&m->fm.match);
            free(m->fm.ofpacts);
        } else {
            ofputil_uninit_group_mod(&m->gm);
        }
        free(m);
    }
    ovs_list_remove(&b->node);
    free(b);
}

static void
ofconn_discard_bundles(struct ofconn *ofconn)
{
    struct ofbundle *b;

    LIST_FOR_EACH_SAFE (b, node, &ofconn->bundles) {
        ofbundle_destroy(b);
    }
    ofconn->n_bundles = 0;
}

static void
monitor_destroy(struct pl_monitor *m)
{
    if (m) {
        minimatch_destroy(&m->match);
        free(m);
    }
}

/* Whether any connection has a flow monitor: the pipeline reports flow
 * changes only then. */
static void
connmgr_update_monitored(struct connmgr *mgr)
{
    const struct ofconn *ofconn;
    bool any = false;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        any |= ofconn->n_monitors > 0;
    }
    pipeline_set_monitored(mgr->pl, any);
}

static void
ofconn_discard_monitors(struct ofconn *ofconn)
{
    for (size_t i = 0; i < ofconn->n_monitors; i++) {
        monitor_destroy(ofconn->monitors[i]);
    }
    ofconn->n_monitors = 0;
    ofpbuf_list_delete(&ofconn->updates);
    ofconn->monitor_paused = 0;
    connmgr_update_monitored(ofconn->mgr);
}

/* Per-session state goes back to its defaults (on a new connection). */
static void
ofconn_reset(struct ofconn *ofconn)
{
    ofconn->protocol = OFPUTIL_P_NONE;
    ofconn->pin_format = OFPUTIL_PACKET_IN_STD;
    ofconn->role = OFPCR12_ROLE_EQUAL;
    ofconn->miss_send_len = ofconn->type == OFCONN_CONTROLLER
                            ? OFP_DEFAULT_MISS_SEND_LEN : 0;
    ofconn->controller_id = 0;
    ofconn->async_set = false;
    token_bucket_init(&ofconn->pin_bucket, OFCONN_PIN_RATE / 1000 ?: 1,
                      OFCONN_PIN_BURST);
    ofconn_discard_bundles(ofconn);
    pktbuf_destroy(ofconn->pktbuf);     /* A new peer, new buffer ids. */
    ofconn->pktbuf = pktbuf_create();
    ofconn_discard_monitors(ofconn);
}

static void
ofconn_destroy(struct ofconn *ofconn)
{
    ofconn_discard_bundles(ofconn);
    pktbuf_destroy(ofconn->pktbuf);
    ofconn_discard_monitors(ofconn);
    free(ofconn->monitors);
    rconn_packet_counter_destroy(ofconn->monitor_counter);
    ovs_list_remove(&ofconn->node);
    rconn_destroy(ofconn->rconn);
    rconn_packet_counter_destroy(ofconn->pin_counter);
    rconn_packet_counter_destroy(ofconn->reply_counter);
    free(ofconn->target);
    free(ofconn);
}

void
connmgr_set_controllers(struct connmgr *mgr, char *const *targets, size_t n)
{
    struct ofconn *ofconn;

    LIST_FOR_EACH_SAFE (ofconn, node, &mgr->conns) {
        if (ofconn->type != OFCONN_CONTROLLER) {
            continue;
        }
        bool keep = false;
        for (size_t i = 0; i < n; i++) {
            keep |= !strcmp(ofconn->target, targets[i]);
        }
        if (!keep) {
            VLOG_INFO("%s: removed controller %s", mgr->name,
                      ofconn->target);
            ofconn_destroy(ofconn);
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool have = false;
        LIST_FOR_EACH (ofconn, node, &mgr->conns) {
            have |= ofconn->type == OFCONN_CONTROLLER
                    && !strcmp(ofconn->target, targets[i]);
        }
        if (have) {
            continue;
        }
        struct rconn *rc = rconn_create(CONNMGR_PROBE_INTERVAL_S,
                                        CONNMGR_MAX_BACKOFF_S, 0,
                                        mgr->allowed_versions);
        char *name = xasprintf("%s<->%s", mgr->name, targets[i]);
        rconn_connect(rc, targets[i], name);
        free(name);
        ofconn = ofconn_create(mgr, rc, OFCONN_CONTROLLER);
        ofconn->target = xstrdup(targets[i]);
        VLOG_INFO("%s: added controller %s", mgr->name, targets[i]);
    }
}

/* ---- Sending -------------------------------------------------------- */

static void
ofconn_send(struct ofconn *ofconn, struct ofpbuf *msg)
{
    ofpmsg_update_length(msg);
    rconn_send(ofconn->rconn, msg, ofconn->reply_counter);
}

static void
ofconn_send_replies(struct ofconn *ofconn, struct ovs_list *replies)
{
    struct ofpbuf *reply;

    LIST_FOR_EACH_POP (reply, list_node, replies) {
        ofconn_send(ofconn, reply);
    }
}

static void
ofconn_send_error(struct ofconn *ofconn, const struct ofp_header *request,
                  enum ofperr error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 10);

    if (!VLOG_DROP_INFO(&rl)) {
        enum ofpraw raw;
        const char *type = "unknown message";
        if (!ofpraw_decode_partial(&raw, request,
                                   MIN(ntohs(request->length),
                                       sizeof(struct ofp_header) + 64))) {
            type = ofpraw_get_name(raw);
        }
        VLOG_INFO("%s: %s: %s: replying with error %s",
                  ofconn->mgr->name, rconn_get_name(ofconn->rconn), type,
                  ofperr_to_string(error));
    }
    struct ofpbuf *reply = ofperr_encode_reply(error, request);
    if (reply) {
        ofconn_send(ofconn, reply);
    }
}

static enum ofp_version
ofconn_version(const struct ofconn *ofconn)
{
    return ofputil_protocol_to_ofp_version(ofconn->protocol);
}

static struct ofputil_async_cfg
ofconn_async(const struct ofconn *ofconn)
{
    return ofconn->async_set ? ofconn->async
                             : ofputil_async_cfg_default(
                                 ofconn_version(ofconn));
}

/* Whether 'ofconn' takes asynchronous message 'type' for 'reason'. */
static bool
ofconn_wants(const struct ofconn *ofconn, enum ofputil_async_msg_type type,
             unsigned int reason)
{
    if (ofconn->protocol == OFPUTIL_P_NONE
        || !rconn_is_connected(ofconn->rconn)) {
        return false;
    }
    /* Service connections (ovs-ofctl) get none unless they asked, by
     * setting a miss_send_len, as in Open vSwitch. */
    if (ofconn->type == OFCONN_SERVICE && !ofconn->miss_send_len) {
        return false;
    }
    struct ofputil_async_cfg ac = ofconn_async(ofconn);
    const uint32_t *masks = ofconn->role == OFPCR12_ROLE_SECONDARY
                            ? ac.secondary : ac.primary;
    return reason < 32 && masks[type] & (1u << reason);
}

/* Writes 'buffer_id' and the packet's 'total_len' into packet-in 'msg',
 * encoded with a shorter packet. */
static void
packet_in_set_buffer(struct ofpbuf *msg, uint32_t buffer_id,
                     size_t total_len)
{
    enum ofpraw raw;

    ovs_assert(!ofpraw_decode_partial(&raw, msg->data, msg->size));
    switch (raw) {
    case OFPRAW_OFPT10_PACKET_IN: {
        struct ofp10_packet_in *opi = msg->msg;
        opi->buffer_id = htonl(buffer_id);
        opi->total_len = htons(total_len);
        break;
    }
    case OFPRAW_OFPT11_PACKET_IN: {
        struct ofp11_packet_in *opi = msg->msg;
        opi->buffer_id = htonl(buffer_id);
        opi->total_len = htons(total_len);
        break;
    }
    case OFPRAW_OFPT12_PACKET_IN:
    case OFPRAW_OFPT13_PACKET_IN: {
        struct ofp12_packet_in *opi = msg->msg;
        opi->buffer_id = htonl(buffer_id);
        opi->total_len = htons(total_len);
        break;
    }
    case OFPRAW_NXT_PACKET_IN: {
        struct nx_packet_in *npi = msg->msg;
        npi->buffer_id = htonl(buffer_id);
        npi->total_len = htons(total_len);
        break;
    }
    default:
        OVS_NOT_REACHED();
    }
}

/* Encodes 'pin' for 'ofconn', which asked for 'max_len' bytes of the packet
 * (OFPCML_NO_BUFFER: all).  A longer packet is kept in the connection's
 * buffers and the packet-in carries 'max_len' bytes and the buffer's id; it
 * goes whole, unbuffered, if every buffer is taken or the connection uses
 * NXT_PACKET_IN2 (whose buffer id property xvs does not write). */
static struct ofpbuf *
ofconn_encode_packet_in(struct ofconn *ofconn,
                        struct ofputil_packet_in_private *pin,
                        uint16_t max_len)
{
    size_t total_len = pin->base.packet_len;
    uint32_t buffer_id = UINT32_MAX;

    if (max_len != OFPCML12_NO_BUFFER && max_len < total_len
        && ofconn->pin_format != OFPUTIL_PACKET_IN_NXT2) {
        buffer_id = pktbuf_save(ofconn->pktbuf, pin->base.packet, total_len,
                                pin->base.flow_metadata.flow.in_port.ofp_port,
                                time_msec());
    }
    if (buffer_id != UINT32_MAX) {
        pin->base.packet_len = max_len;
    }
    struct ofpbuf *msg = ofputil_encode_packet_in_private(
        pin, ofconn->protocol, ofconn->pin_format);
    if (buffer_id != UINT32_MAX) {
        pin->base.packet_len = total_len;
        packet_in_set_buffer(msg, buffer_id, total_len);
        ofconn->n_pin_buffered++;
    }
    return msg;
}

void
connmgr_send_packet_in(struct connmgr *mgr, uint32_t arg,
                       const void *packet, size_t len)
{
    struct ofputil_packet_in_private pin;
    uint16_t max_len, controller_id;
    bool miss, miss_rule;
    struct ofconn *ofconn;

    if (!pipeline_packet_in(mgr->pl, arg, packet, len, &pin, &miss,
                            &miss_rule, &max_len, &controller_id)) {
        return;
    }
    enum ofp_packet_in_reason reason = pin.base.reason;
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        /* OpenFlow 1.3+ report the controller action of a table-miss rule
         * as a miss, as Open vSwitch does: controllers (like
         * ovs-testcontroller) that install such a rule expect it. */
        pin.base.reason = (miss_rule && reason == OFPR_ACTION
                           && ofconn->protocol != OFPUTIL_P_NONE
                           && ofconn_version(ofconn) >= OFP13_VERSION
                           ? OFPR_NO_MATCH : reason);
        if (ofconn->controller_id != controller_id
            || !ofconn_wants(ofconn, OAM_PACKET_IN, pin.base.reason)) {
            continue;
        }
        /* A table miss goes to controllers that asked for misses:
         * OpenFlow 1.0 to 1.2 ones (1.3 made the miss a rule's business). */
        if (miss && ofconn_version(ofconn) >= OFP13_VERSION) {
            continue;
        }
        if (!token_bucket_withdraw(&ofconn->pin_bucket, 1)) {
            ofconn->n_pin_dropped++;
            continue;
        }
        /* A miss or an invalid TTL sends what the connection's
         * miss_send_len asks for, an action its own max_len. */
        struct ofpbuf *msg = ofconn_encode_packet_in(
            ofconn, &pin, (miss || reason == OFPR_INVALID_TTL
                           ? ofconn->miss_send_len : max_len));
        if (rconn_send_with_limit(ofconn->rconn, msg, ofconn->pin_counter,
                                  OFCONN_PIN_QUEUE)) {
            ofconn->n_pin_dropped++;
        } else {
            ofconn->n_pin_sent++;
        }
    }
}

void
connmgr_send_flow_removed(struct connmgr *mgr,
                          const struct ofputil_flow_removed *fr)
{
    struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn_wants(ofconn, OAM_FLOW_REMOVED, fr->reason)) {
            struct ofpbuf *msg = ofputil_encode_flow_removed(
                fr, ofconn->protocol);
            ofp_ext_flow_removed_exthdr(msg, &fr->match);
            ofconn_send(ofconn, msg);
        }
    }
}

void
connmgr_send_port_status(struct connmgr *mgr,
                         const struct ofputil_phy_port *pp,
                         enum ofp_port_reason reason)
{
    struct ofputil_port_status ps = { .reason = reason, .desc = *pp };
    struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn_wants(ofconn, OAM_PORT_STATUS, reason)) {
            ofconn_send(ofconn, ofputil_encode_port_status(
                            &ps, ofconn->protocol));
        }
    }
}

/* ---- Flow monitors -------------------------------------------------- */

static enum ofp14_flow_monitor_flags
monitor_flag_of_event(enum ofp_flow_update_event event)
{
    switch (event) {
    case OFPFME_ADDED:
        return OFPFMF_ADD;
    case OFPFME_REMOVED:
        return OFPFMF_REMOVED;
    case OFPFME_MODIFIED:
        return OFPFMF_MODIFY;
    case OFPFME_INITIAL:
    case OFPFME_ABBREV:
    case OFPFME_PAUSED:
    case OFPFME_RESUMED:
    default:
        OVS_NOT_REACHED();
    }
}

/* Queues an update for 'change' to each connection with a monitor that
 * watches it: in full, or, for the change's own connection (unless its
 * monitor asked for its own changes in full), one abbreviated update (the
 * request's xid) per request.  While a connection's updates are paused it
 * gets only removals of rules added before the pause. */
void
connmgr_flow_changed(struct connmgr *mgr, const struct pl_flow_change *c)
{
    enum ofp14_flow_monitor_flags event_flag
        = monitor_flag_of_event(c->fu.event);
    struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (!ofconn->n_monitors
            || (ofconn->monitor_paused
                && (c->fu.event != OFPFME_REMOVED
                    || c->add_seqno > ofconn->monitor_paused))) {
            continue;
        }
        enum ofp14_flow_monitor_flags flags = 0;
        for (size_t i = 0; i < ofconn->n_monitors; i++) {
            const struct pl_monitor *m = ofconn->monitors[i];
            if (m->flags & event_flag && pipeline_monitor_watches(m, c)) {
                flags |= m->flags;
            }
        }
        if (!flags) {
            continue;
        }
        if (ovs_list_is_empty(&ofconn->updates)) {
            ofputil_start_flow_update(&ofconn->updates, ofconn->protocol);
            ofconn->sent_abbrev = false;
        }
        if (ofconn != mgr->change_ofconn || flags & OFPFMF_ONLY_OWN
            || ofconn->monitor_paused) {
            struct ofputil_flow_update fu = c->fu;
            if (!(flags & OFPFMF_INSTRUCTIONS)) {
                fu.ofpacts = NULL;
                fu.ofpacts_len = 0;
            }
            ofputil_append_flow_update(&fu, &ofconn->updates, NULL);
            ofp_ext_flow_stats_exthdr(&ofconn->updates, &fu.match);
        } else if (!ofconn->sent_abbrev) {
            struct ofputil_flow_update fu = {
                .event = OFPFME_ABBREV,
                .xid = mgr->change_xid,
            };
            ofputil_append_flow_update(&fu, &ofconn->updates, NULL);
            ofconn->sent_abbrev = true;
        }
    }
}

/* Notes back into the actions they stand for, in a reply. */
static void
lower_ext(struct ovs_list *replies)
{
    struct ofpbuf *reply;

    LIST_FOR_EACH (reply, list_node, replies) {
        ofp_ext_lower(reply);
    }
}

/* Sends the queued flow updates; a connection whose updates pile up
 * beyond OFCONN_MONITOR_QUEUE_BYTES unsent gets "paused". */
static void
connmgr_flush_updates(struct connmgr *mgr)
{
    struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        struct ofpbuf *msg;

        LIST_FOR_EACH_POP (msg, list_node, &ofconn->updates) {
            ofp_ext_lower(msg);
            ofpmsg_update_length(msg);
            rconn_send(ofconn->rconn, msg, ofconn->monitor_counter);
        }
        if (ofconn->n_monitors && !ofconn->monitor_paused
            && rconn_packet_counter_n_bytes(ofconn->monitor_counter)
               > OFCONN_MONITOR_QUEUE_BYTES) {
            ofconn->monitor_paused = MAX(pipeline_monitor_seqno(mgr->pl), 1);
            rconn_send(ofconn->rconn, ofputil_encode_flow_monitor_pause(
                           OFPFME_PAUSED, ofconn->protocol),
                       ofconn->monitor_counter);
        }
    }
}

/* Once a paused connection's updates have gone: the rules added or
 * modified meanwhile, then "resumed". */
static void
ofconn_resume_monitors(struct ofconn *ofconn)
{
    if (!ofconn->monitor_paused
        || rconn_packet_counter_n_packets(ofconn->monitor_counter)) {
        return;
    }
    struct ovs_list msgs;
    ofputil_start_flow_update(&msgs, ofconn->protocol);
    pipeline_monitor_refresh(ofconn->mgr->pl, ofconn->monitors,
                             ofconn->n_monitors, ofconn->monitor_paused,
                             &msgs);
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP (msg, list_node, &msgs) {
        ofpmsg_update_length(msg);
        rconn_send(ofconn->rconn, msg, ofconn->monitor_counter);
    }
    rconn_send(ofconn->rconn, ofputil_encode_flow_monitor_pause(
                   OFPFME_RESUMED, ofconn->protocol),
               ofconn->monitor_counter);
    ofconn->monitor_paused = 0;
}

static size_t
ofconn_find_monitor(struct pl_monitor **ms, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ms[i]->id == id) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* A flow monitor request (one message, any number of monitor adds,
 * modifies and deletes): all or nothing.  The reply holds the rules the
 * new monitors with OFPFMF_INITIAL watch. */
static enum ofperr
handle_flow_monitor_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
    size_t n = ofconn->n_monitors, n_new = 0, cap = n + 1;
    struct pl_monitor **ms = xmalloc(cap * sizeof *ms);
    struct pl_monitor **fresh = NULL;   /* Made by this request. */
    size_t fresh_cap = 0;
    enum ofperr error = 0;

    if (n) {
        memcpy(ms, ofconn->monitors, n * sizeof *ms);
    }
    for (;;) {
        struct ofputil_flow_monitor_request rq;
        int retval = ofputil_decode_flow_monitor_request(&rq, &b);
        if (retval == EOF) {
            break;
        } else if (retval) {
            error = retval;
            break;
        }
        if (rq.table_id != 0xff && rq.table_id >= PL_N_TABLES) {
            error = OFPERR_OFPBRC_BAD_TABLE_ID;
            break;
        }
        size_t idx = ofconn_find_monitor(ms, n, rq.id);
        if (rq.command == OFPFMC_DELETE
            || rq.command == OFPFMC_MODIFY) {
            if (idx == SIZE_MAX) {
                error = OFPERR_OFPMOFC_UNKNOWN_MONITOR;
                break;
            }
            /* One this request made goes at once; an older one once the
             * request has succeeded (below). */
            size_t f = ofconn_find_monitor(fresh, n_new, rq.id);
            if (f != SIZE_MAX) {
                monitor_destroy(fresh[f]);
                fresh[f] = fresh[--n_new];
            }
            ms[idx] = ms[--n];
            if (rq.command == OFPFMC_DELETE) {
                continue;
            }
        } else if (idx != SIZE_MAX) {
            error = OFPERR_OFPMOFC_MONITOR_EXISTS;
            break;
        }
        if (n >= OFCONN_MAX_MONITORS) {
            error = OFPERR_OFPMOFC_UNKNOWN;
            break;
        }
        struct pl_monitor *m = xmalloc(sizeof *m);
        m->id = rq.id;
        m->flags = rq.flags;
        m->table_id = rq.table_id;
        m->out_port = rq.out_port;
        m->out_group = rq.out_group;
        minimatch_init(&m->match, &rq.match);
        if (n >= cap) {
            ms = x2nrealloc(ms, &cap, sizeof *ms);
        }
        ms[n++] = m;
        if (n_new >= fresh_cap) {
            fresh = x2nrealloc(fresh, &fresh_cap, sizeof *fresh);
        }
        fresh[n_new++] = m;
    }
    if (error) {
        for (size_t i = 0; i < n_new; i++) {
            monitor_destroy(fresh[i]);
        }
        free(fresh);
        free(ms);
        return error;
    }

    /* The monitors this request replaced or deleted go. */
    for (size_t i = 0; i < ofconn->n_monitors; i++) {
        struct pl_monitor *old = ofconn->monitors[i];
        bool kept = false;
        for (size_t j = 0; j < n && !kept; j++) {
            kept = ms[j] == old;
        }
        if (!kept) {
            monitor_destroy(old);
        }
    }
    free(ofconn->monitors);
    ofconn->monitors = ms;
    ofconn->n_monitors = n;
    connmgr_update_monitored(ofconn->mgr);

    struct ovs_list replies;
    ofpmp_init(&replies, oh);
    pipeline_monitor_refresh(ofconn->mgr->pl, fresh, n_new, 0, &replies);
    free(fresh);
    lower_ext(&replies);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_flow_monitor_cancel(struct ofconn *ofconn, const struct ofp_header *oh)
{
    uint32_t id = ofputil_decode_flow_monitor_cancel(oh);
    size_t idx = ofconn_find_monitor(ofconn->monitors, ofconn->n_monitors,
                                     id);
    if (idx == SIZE_MAX) {
        return OFPERR_OFPMOFC_UNKNOWN_MONITOR;
    }
    monitor_destroy(ofconn->monitors[idx]);
    ofconn->monitors[idx] = ofconn->monitors[--ofconn->n_monitors];
    connmgr_update_monitored(ofconn->mgr);
    return 0;
}

/* ---- Handlers ------------------------------------------------------- */

void
connmgr_sync_pipeline(struct pipeline *pl)
{
    struct pipeline_changes *changes;

    if (pipeline_take_changes(pl, &changes)) {
        dp_flush_caches();
    } else if (changes) {
        dp_revalidate(pipeline_changes_affect, changes);
        pipeline_changes_destroy(changes);
    }
}

/* The datapath's caches must not hold decisions of changed rules once a
 * barrier is answered (or, for changes outside barriers, soon). */
static void
connmgr_sync_datapath(struct connmgr *mgr)
{
    connmgr_sync_pipeline(mgr->pl);
}

static enum ofperr
reject_secondary(const struct ofconn *ofconn)
{
    return ofconn->role == OFPCR12_ROLE_SECONDARY ? OFPERR_OFPBRC_IS_SECONDARY
                                                   : 0;
}

static enum ofperr
handle_features_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    struct ofputil_switch_features features = {
        .datapath_id = mgr->datapath_id,
        .n_buffers = PKTBUF_SLOTS,
        .n_tables = PL_N_TABLES,
        .auxiliary_id = 0,
        .capabilities = (OFPUTIL_C_FLOW_STATS | OFPUTIL_C_TABLE_STATS
                         | OFPUTIL_C_PORT_STATS | OFPUTIL_C_ARP_MATCH_IP
                         | OFPUTIL_C_BUNDLES | OFPUTIL_C_GROUP_STATS
                         | OFPUTIL_C_QUEUE_STATS),
        .ofpacts = ((UINT64_C(1) << OFPACT_OUTPUT)
                    | (UINT64_C(1) << OFPACT_ENQUEUE)
                    | (UINT64_C(1) << OFPACT_SET_VLAN_VID)
                    | (UINT64_C(1) << OFPACT_SET_VLAN_PCP)
                    | (UINT64_C(1) << OFPACT_STRIP_VLAN)
                    | (UINT64_C(1) << OFPACT_SET_ETH_SRC)
                    | (UINT64_C(1) << OFPACT_SET_ETH_DST)
                    | (UINT64_C(1) << OFPACT_SET_IPV4_SRC)
                    | (UINT64_C(1) << OFPACT_SET_IPV4_DST)
                    | (UINT64_C(1) << OFPACT_SET_IP_DSCP)
                    | (UINT64_C(1) << OFPACT_SET_L4_SRC_PORT)
                    | (UINT64_C(1) << OFPACT_SET_L4_DST_PORT)),
    };
    struct ofpbuf *b = ofputil_encode_switch_features(&features,
                                                      ofconn->protocol,
                                                      oh->xid);
    /* OpenFlow 1.0 to 1.2 list the ports here. */
    if (ofconn_version(ofconn) < OFP13_VERSION) {
        struct ofputil_phy_port *ports;
        size_t n = mgr->ops.get_ports(mgr->aux, &ports);
        for (size_t i = 0; i < n; i++) {
            ofputil_put_switch_features_port(&ports[i], b);
        }
        free(ports);
    }
    ofconn_send(ofconn, b);
    return 0;
}

static enum ofperr
handle_get_config_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_switch_config config = {
        .frag = OFPUTIL_FRAG_NORMAL,
        .invalid_ttl_to_controller = -1,
        .miss_send_len = ofconn->miss_send_len,
    };
    ofconn_send(ofconn, ofputil_encode_get_config_reply(oh, &config));
    return 0;
}

static enum ofperr
handle_set_config(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_switch_config config;
    enum ofperr error = ofputil_decode_set_config(oh, &config);

    if (error) {
        return error;
    }
    if (config.frag != OFPUTIL_FRAG_NORMAL) {
        /* Fragments are switched as they are; nothing else is done. */
        return OFPERR_OFPSCFC_BAD_FLAGS;
    }
    ofconn->miss_send_len = config.miss_send_len;
    return 0;
}

/* Runs packet-out 'po' on 'ofconn''s bridge.  A packet-out that names one
 * of the connection's buffers sends that packet, and uses the buffer only
 * if the packet-out is valid: one refused for its actions or its port
 * leaves the buffer for another try. */
static enum ofperr
ofconn_packet_out(struct ofconn *ofconn, struct ofputil_packet_out *po)
{
    uint32_t buffer_id = po->buffer_id;

    if (buffer_id != UINT32_MAX) {
        ofp_port_t in_port;     /* The packet-out's own is the one used. */
        enum ofperr error = pktbuf_peek(ofconn->pktbuf, buffer_id,
                                        time_msec(), &po->packet,
                                        &po->packet_len, &in_port);
        if (error) {
            return error;
        }
        po->buffer_id = UINT32_MAX;
    }
    enum ofperr error = pipeline_packet_out(ofconn->mgr->pl, po);
    if (!error && buffer_id != UINT32_MAX) {
        pktbuf_discard(ofconn->pktbuf, buffer_id);
    }
    return error;
}

/* Sends buffered packet 'buffer_id' through the bridge's tables from table
 * 0, as received on its port, after the flow_mod that named it was
 * applied. */
static enum ofperr
ofconn_send_buffered(struct ofconn *ofconn, uint32_t buffer_id)
{
    struct ofputil_packet_out po = { .buffer_id = UINT32_MAX };
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts;
    ofp_port_t in_port;
    enum ofperr error;

    error = pktbuf_peek(ofconn->pktbuf, buffer_id, time_msec(), &po.packet,
                        &po.packet_len, &in_port);
    if (error) {
        return error;
    }
    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    ofpact_put_OUTPUT(&ofpacts)->port = OFPP_TABLE;
    po.ofpacts = ofpacts.data;
    po.ofpacts_len = ofpacts.size;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, in_port);
    connmgr_sync_datapath(ofconn->mgr);
    error = pipeline_packet_out(ofconn->mgr->pl, &po);
    pktbuf_discard(ofconn->pktbuf, buffer_id);  /* Used, whatever came. */
    ofpbuf_uninit(&ofpacts);
    return error;
}

/* The message to decode for 'oh': itself, or a copy with the actions
 * that Open vSwitch's library does not know made notes and the
 * ipv6_exthdr match moved to '*m' (ofp-ext.h), in '*lifted' for the
 * caller to free with ofpbuf_delete(). */
static const struct ofp_header *
lift_ext(const struct ofp_header *oh, struct ofpbuf **lifted,
         struct ofp_ext_match *m, enum ofperr *error)
{
    *lifted = ofp_ext_lift(oh, m, error);
    return *lifted ? (*lifted)->data : oh;
}


/* Whether flow_mod 'fm' applies its buffered packet, if it names one
 * (OpenFlow ignores the buffer id of a delete). */
static bool
flow_mod_has_buffer(const struct ofputil_flow_mod *fm)
{
    return fm->buffer_id != UINT32_MAX
           && fm->command != OFPFC_DELETE
           && fm->command != OFPFC_DELETE_STRICT;
}

static enum ofperr
handle_flow_mod(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    uint64_t stub[1024 / 8];
    enum ofperr error;

    error = reject_secondary(ofconn);
    if (error) {
        return error;
    }
    struct ofpbuf *lifted;
    struct ofp_ext_match m;
    const struct ofp_header *msg = lift_ext(oh, &lifted, &m, &error);
    if (error) {
        return error;
    }
    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    error = ofputil_decode_flow_mod(&fm, msg, ofconn->protocol, NULL, NULL,
                                    &ofpacts, OFPP_MAX, PL_N_TABLES);
    ofpbuf_delete(lifted);
    if (!error) {
        ofp_ext_minimatch_apply(&m, &fm.match);
        error = pipeline_flow_mod(ofconn->mgr->pl, &fm);
        minimatch_destroy(&fm.match);
        if (!error && flow_mod_has_buffer(&fm)) {
            /* A stale buffer is reported after the change, as OpenFlow
             * says. */
            error = ofconn_send_buffered(ofconn, fm.buffer_id);
        }
    }
    ofpbuf_uninit(&ofpacts);
    return error;
}

static enum ofperr
handle_packet_out(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_packet_out po;
    struct ofpbuf ofpacts;
    uint64_t stub[1024 / 8];
    enum ofperr error;

    error = reject_secondary(ofconn);
    if (error) {
        return error;
    }
    struct ofpbuf *lifted;
    const struct ofp_header *msg = lift_ext(oh, &lifted, NULL, &error);
    if (error) {
        return error;
    }
    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    error = ofputil_decode_packet_out(&po, msg, NULL, &ofpacts);
    if (!error) {
        /* Rules changed before the packet-out apply to it. */
        connmgr_sync_datapath(ofconn->mgr);
        error = ofconn_packet_out(ofconn, &po);
    }
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(lifted);      /* 'po' pointed into it. */
    return error;
}

static enum ofperr
handle_port_mod(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_port_mod pm;
    enum ofperr error = reject_secondary(ofconn);

    if (error) {
        return error;
    }
    error = ofputil_decode_port_mod(oh, &pm, true);
    if (error) {
        return error;
    }
    struct ofputil_phy_port *ports;
    size_t n = ofconn->mgr->ops.get_ports(ofconn->mgr->aux, &ports);
    const struct ofputil_phy_port *pp = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ports[i].port_no == pm.port_no) {
            pp = &ports[i];
        }
    }
    if (!pp) {
        error = OFPERR_OFPPMFC_BAD_PORT;
    } else if (!eth_addr_is_zero(pm.hw_addr)
               && !eth_addr_equals(pm.hw_addr, pp->hw_addr)) {
        error = OFPERR_OFPPMFC_BAD_HW_ADDR;
    } else if ((pm.config ^ pp->config) & pm.mask) {
        error = ofconn->mgr->ops.port_mod(ofconn->mgr->aux, &pm);
    }
    free(ports);
    return error;
}

static enum ofperr
handle_barrier_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    connmgr_sync_datapath(ofconn->mgr);
    connmgr_flush_updates(ofconn->mgr);     /* Flow updates come first. */
    ofconn_send(ofconn, ofpraw_alloc_reply(
                    oh->version == OFP10_VERSION
                    ? OFPRAW_OFPT10_BARRIER_REPLY
                    : OFPRAW_OFPT11_BARRIER_REPLY, oh, 0));
    return 0;
}

static enum ofperr
handle_role_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    struct ofputil_role_request rr;
    enum ofperr error = ofputil_decode_role_message(oh, &rr);

    if (error) {
        return error;
    }
    if (rr.role != OFPCR12_ROLE_NOCHANGE) {
        if (rr.role != OFPCR12_ROLE_EQUAL && rr.have_generation_id) {
            if (mgr->have_election_id
                && (int64_t) (rr.generation_id - mgr->election_id) < 0) {
                return OFPERR_OFPRRFC_STALE;
            }
            mgr->have_election_id = true;
            mgr->election_id = rr.generation_id;
        }
        if (rr.role == OFPCR12_ROLE_PRIMARY) {
            struct ofconn *other;
            LIST_FOR_EACH (other, node, &mgr->conns) {
                if (other != ofconn && other->role == OFPCR12_ROLE_PRIMARY) {
                    other->role = OFPCR12_ROLE_SECONDARY;
                    if (ofconn_version(other) >= OFP14_VERSION
                        && ofconn_wants(other, OAM_ROLE_STATUS,
                                        OFPCRR_PRIMARY_REQUEST)) {
                        struct ofputil_role_status rs = {
                            .role = OFPCR12_ROLE_SECONDARY,
                            .reason = OFPCRR_PRIMARY_REQUEST,
                            .generation_id = mgr->election_id,
                        };
                        ofconn_send(other, ofputil_encode_role_status(
                                        &rs, other->protocol));
                    }
                }
            }
        }
        ofconn->role = rr.role;
    }
    struct ofputil_role_request reply = {
        .role = ofconn->role,
        .have_generation_id = mgr->have_election_id,
        .generation_id = mgr->election_id,
    };
    ofconn_send(ofconn, ofputil_encode_role_reply(oh, &reply));
    return 0;
}

static enum ofperr
handle_set_async_config(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_async_cfg basis = ofconn_async(ofconn);
    struct ofputil_async_cfg ac;
    enum ofperr error = ofputil_decode_set_async_config(oh, false, &basis,
                                                        &ac);
    if (error) {
        return error;
    }
    ofconn->async = ac;
    ofconn->async_set = true;
    return 0;
}

static enum ofperr
handle_get_async_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_async_cfg ac = ofconn_async(ofconn);
    ofconn_send(ofconn, ofputil_encode_get_async_reply(oh, &ac));
    return 0;
}

static enum ofperr
handle_desc_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofpbuf *msg = ofpraw_alloc_stats_reply(oh, 0);
    struct ofp_desc_stats *ods = ofpbuf_put_zeros(msg, sizeof *ods);

    ovs_strlcpy(ods->mfr_desc, "xvs", sizeof ods->mfr_desc);
    ovs_strlcpy(ods->hw_desc, "xvs virtual switch for Xen",
                sizeof ods->hw_desc);
    ovs_strlcpy(ods->sw_desc, XVS_VERSION, sizeof ods->sw_desc);
    ovs_strlcpy(ods->serial_num, "None", sizeof ods->serial_num);
    ovs_strlcpy(ods->dp_desc, ofconn->mgr->name, sizeof ods->dp_desc);
    ofconn_send(ofconn, msg);
    return 0;
}

/* A flow or aggregate stats request, with its match's ipv6_exthdr. */
static enum ofperr
decode_flow_stats_request(struct ofputil_flow_stats_request *fsr,
                          const struct ofp_header *oh)
{
    struct ofpbuf *lifted;
    struct ofp_ext_match m;
    enum ofperr error;
    const struct ofp_header *msg = lift_ext(oh, &lifted, &m, &error);

    if (!error) {
        error = ofputil_decode_flow_stats_request(fsr, msg, NULL, NULL);
        if (!error) {
            ofp_ext_match_apply(&m, &fsr->match);
        }
    }
    ofpbuf_delete(lifted);
    return error;
}

static enum ofperr
handle_flow_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_flow_stats_request fsr;
    struct ovs_list replies;
    enum ofperr error;

    error = decode_flow_stats_request(&fsr, oh);
    if (error) {
        return error;
    }
    ofpmp_init(&replies, oh);
    error = pipeline_flow_stats(ofconn->mgr->pl, &fsr, &replies);
    if (error) {
        ofpbuf_list_delete(&replies);
        return error;
    }
    lower_ext(&replies);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_aggregate_stats_request(struct ofconn *ofconn,
                               const struct ofp_header *oh)
{
    struct ofputil_flow_stats_request fsr;
    struct ofputil_aggregate_stats stats;
    enum ofperr error;

    error = decode_flow_stats_request(&fsr, oh);
    if (!error) {
        error = pipeline_aggregate_stats(ofconn->mgr->pl, &fsr, &stats);
    }
    if (!error) {
        ofconn_send(ofconn, ofputil_encode_aggregate_stats_reply(&stats, oh));
    }
    return error;
}

static enum ofperr
handle_table_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofpbuf *reply = ofputil_encode_table_stats_reply(oh);

    pipeline_table_stats(ofconn->mgr->pl, reply);
    ofconn_send(ofconn, reply);
    return 0;
}

static enum ofperr
handle_table_features_request(struct ofconn *ofconn,
                              const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    ofpraw_pull_assert(&msg);
    if (msg.size || ofpmp_more(oh)) {
        /* Changing table features is not supported: the tables are what
         * they are. */
        return OFPERR_OFPTFFC_EPERM;
    }

    struct ovs_list replies;
    ofpmp_init(&replies, oh);
    for (int t = 0; t < PL_N_TABLES; t++) {
        struct ofputil_table_features tf;
        pipeline_table_features(ofconn->mgr->pl, t, &tf);
        ofputil_append_table_features(&tf, NULL, &replies);
    }
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_port_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    ofp_port_t port_no;
    enum ofperr error = ofputil_decode_port_stats_request(oh, &port_no);

    if (error) {
        return error;
    }
    struct ofputil_phy_port *ports;
    size_t n = mgr->ops.get_ports(mgr->aux, &ports);
    struct ovs_list replies;
    bool found = false;

    ofpmp_init(&replies, oh);
    for (size_t i = 0; i < n; i++) {
        struct ofputil_port_stats ps;
        if ((port_no == OFPP_ANY || port_no == ports[i].port_no)
            && mgr->ops.get_port_stats(mgr->aux, ports[i].port_no, &ps)) {
            ofputil_append_port_stat(&replies, &ps);
            found = true;
        }
    }
    free(ports);
    if (!found && port_no != OFPP_ANY) {
        ofpbuf_list_delete(&replies);
        return OFPERR_OFPBRC_BAD_PORT;
    }
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_port_desc_stats_request(struct ofconn *ofconn,
                               const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    ofp_port_t port_no;
    enum ofperr error = ofputil_decode_port_desc_stats_request(oh, &port_no);

    if (error) {
        return error;
    }
    struct ofputil_phy_port *ports;
    size_t n = mgr->ops.get_ports(mgr->aux, &ports);
    struct ovs_list replies;

    ofpmp_init(&replies, oh);
    for (size_t i = 0; i < n; i++) {
        if (port_no == OFPP_ANY || port_no == ports[i].port_no) {
            ofputil_append_port_desc_stats_reply(&ports[i], &replies);
        }
    }
    free(ports);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_group_mod(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_group_mod gm;
    enum ofperr error = reject_secondary(ofconn);

    if (error) {
        return error;
    }
    struct ofpbuf *lifted;
    const struct ofp_header *msg = lift_ext(oh, &lifted, NULL, &error);
    if (error) {
        return error;
    }
    error = ofputil_decode_group_mod(msg, &gm);
    ofpbuf_delete(lifted);
    if (error) {
        return error;
    }
    error = pipeline_group_mod(ofconn->mgr->pl, &gm);
    ofputil_uninit_group_mod(&gm);
    return error;
}

static enum ofperr
handle_group_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ovs_list replies;
    uint32_t group_id;
    enum ofperr error = ofputil_decode_group_stats_request(oh, &group_id);

    if (error) {
        return error;
    }
    ofpmp_init(&replies, oh);
    pipeline_group_stats(ofconn->mgr->pl, group_id, &replies);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_group_desc_stats_request(struct ofconn *ofconn,
                                const struct ofp_header *oh)
{
    struct ovs_list replies;

    ofpmp_init(&replies, oh);
    pipeline_group_desc(ofconn->mgr->pl,
                        ofputil_decode_group_desc_request(oh), &replies);
    lower_ext(&replies);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_group_features_stats_request(struct ofconn *ofconn,
                                    const struct ofp_header *oh)
{
    struct ofputil_group_features gf;

    pipeline_group_features(&gf);
    ofconn_send(ofconn, ofputil_encode_group_features_reply(&gf, oh));
    return 0;
}

static enum ofperr
handle_meter_mod(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_meter_mod mm;
    uint64_t stub[256 / 8];
    struct ofpbuf bands;
    enum ofperr error = reject_secondary(ofconn);

    if (error) {
        return error;
    }
    ofpbuf_use_stub(&bands, stub, sizeof stub);
    error = ofputil_decode_meter_mod(oh, &mm, &bands);
    if (!error) {
        error = pipeline_meter_mod(ofconn->mgr->pl, &mm);
    }
    ofpbuf_uninit(&bands);
    return error;
}

static enum ofperr
handle_meter_request(struct ofconn *ofconn, const struct ofp_header *oh,
                     enum ofptype type)
{
    struct ovs_list replies;
    uint32_t meter_id;

    ofputil_decode_meter_request(oh, &meter_id);
    ofpmp_init(&replies, oh);
    if (type == OFPTYPE_METER_STATS_REQUEST) {
        pipeline_meter_stats(ofconn->mgr->pl, meter_id, &replies);
    } else {
        pipeline_meter_config(ofconn->mgr->pl, meter_id, &replies);
    }
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

static enum ofperr
handle_meter_features_request(struct ofconn *ofconn,
                              const struct ofp_header *oh)
{
    struct ofputil_meter_features mf;

    pipeline_meter_features(&mf);
    ofconn_send(ofconn, ofputil_encode_meter_features_reply(&mf, oh));
    return 0;
}

/* The current speed (kbit/s) of 'port' of 'ports', 0 if it does not say
 * it, or -1 if there is no such port (OFPP_ANY: any port is). */
static int64_t
port_speed(const struct ofputil_phy_port *ports, size_t n, ofp_port_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i].port_no == port) {
            return ports[i].curr_speed;
        }
    }
    return port == OFPP_ANY ? 0 : -1;
}

/* The pipeline's port number for OpenFlow port 'port' (the same 16 bits,
 * LOCAL's too), 0 for OFPP_ANY. */
static uint16_t
queue_ofport(ofp_port_t port)
{
    return port == OFPP_ANY ? 0 : ofp_to_u16(port);
}

static enum ofperr
handle_queue_stats_request(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    struct ofputil_queue_stats_request req;
    struct ofputil_phy_port *ports;
    enum ofperr error = ofputil_decode_queue_stats_request(oh, &req);

    if (error) {
        return error;
    }
    size_t n_ports = mgr->ops.get_ports(mgr->aux, &ports);
    int64_t speed = port_speed(ports, n_ports, req.port_no);
    free(ports);
    if (speed < 0) {
        return OFPERR_OFPQOFC_BAD_PORT;
    }

    struct pipeline_queue_stats *qs;
    size_t n = pipeline_queues(mgr->pl, queue_ofport(req.port_no),
                               req.queue_id, &qs);
    if (!n && req.queue_id != OFPQ_ALL) {
        free(qs);
        return OFPERR_OFPQOFC_BAD_QUEUE;
    }

    struct ovs_list replies;
    long long now = time_msec();
    ofpmp_init(&replies, oh);
    for (size_t i = 0; i < n; i++) {
        long long msec = now - qs[i].created;
        struct ofputil_queue_stats st = {
            .port_no = u16_to_ofp(qs[i].ofport),
            .queue_id = qs[i].queue_id,
            .tx_bytes = qs[i].tx_bytes,
            .tx_packets = qs[i].tx_packets,
            /* Packets over the queue's rate, which it dropped. */
            .tx_errors = qs[i].dropped_packets,
            .duration_sec = msec / 1000,
            .duration_nsec = (msec % 1000) * 1000000,
        };
        ofputil_append_queue_stat(&replies, &st);
    }
    free(qs);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

/* A max-rate in OpenFlow's unit: tenths of a percent of the port's
 * current speed; UINT16_MAX ("omitted") when the port does not say its
 * speed. */
static uint16_t
queue_rate_permille(uint64_t bps, uint32_t curr_speed_kbps)
{
    if (!curr_speed_kbps) {
        return UINT16_MAX;
    }
    uint64_t permille = bps / curr_speed_kbps;   /* bps * 1000 / (kbps *
                                                  * 1000). */
    return MIN(permille, 1000);
}

/* queue_get_config (OpenFlow 1.0-1.3) and queue_desc (1.4+). */
static enum ofperr
handle_queue_get_config_request(struct ofconn *ofconn,
                                const struct ofp_header *oh)
{
    struct connmgr *mgr = ofconn->mgr;
    struct ofputil_phy_port *ports;
    ofp_port_t req_port;
    uint32_t req_queue;
    enum ofperr error = ofputil_decode_queue_get_config_request(
        oh, &req_port, &req_queue);

    if (error) {
        return error;
    }

    size_t n_ports = mgr->ops.get_ports(mgr->aux, &ports);
    if (port_speed(ports, n_ports, req_port) < 0) {
        free(ports);
        return OFPERR_OFPQOFC_BAD_PORT;
    }

    struct pipeline_queue_stats *qs;
    size_t n = pipeline_queues(mgr->pl, queue_ofport(req_port),
                               req_queue, &qs);
    if (!n && req_queue != OFPQ_ALL) {
        free(qs);
        free(ports);
        return OFPERR_OFPQOFC_BAD_QUEUE;
    }

    struct ovs_list replies;
    ofputil_start_queue_get_config_reply(oh, &replies);
    for (size_t i = 0; i < n; i++) {
        ofp_port_t port = u16_to_ofp(qs[i].ofport);
        struct ofputil_queue_config qc = {
            .port = port,
            .queue = qs[i].queue_id,
            .min_rate = UINT16_MAX,
            .max_rate = queue_rate_permille(
                qs[i].max_bps, MAX(port_speed(ports, n_ports, port), 0)),
        };
        ofputil_append_queue_get_config_reply(&qc, &replies);
    }
    free(qs);
    free(ports);
    ofconn_send_replies(ofconn, &replies);
    return 0;
}

/* ---- Bundles ---- */

static struct ofbundle *
bundle_find(struct ofconn *ofconn, uint32_t id)
{
    struct ofbundle *b;

    LIST_FOR_EACH (b, node, &ofconn->bundles) {
        if (b->id == id) {
            return b;
        }
    }
    return NULL;
}

static enum ofperr
bundle_commit(struct ofconn *ofconn, struct ofbundle *b)
{
    struct pipeline *pl = ofconn->mgr->pl;
    struct ofbundle_msg *m;
    enum ofperr error = 0;

    /* Flow and group changes in order, all or none: an error undoes the
     * ones before it (groups too, pipeline_abort()). */
    pipeline_begin(pl);
    LIST_FOR_EACH (m, node, &b->msgs) {
        error = (m->type == OFPTYPE_FLOW_MOD
                 ? pipeline_flow_mod(pl, &m->fm)
                 : pipeline_group_mod(pl, &m->gm));
        if (error) {
            break;
        }
    }
    if (error) {
        pipeline_abort(pl);
        return error;
    }
    pipeline_commit(pl);

    /* Then the packets the flow_mods named, in order.  A stale buffer id
     * is not an error of the commit, which has no message to name it: its
     * flow_mod applied, its packet is gone. */
    LIST_FOR_EACH (m, node, &b->msgs) {
        if (m->type == OFPTYPE_FLOW_MOD && flow_mod_has_buffer(&m->fm)) {
            ofconn_send_buffered(ofconn, m->fm.buffer_id);
        }
    }
    return 0;
}

static enum ofperr
handle_bundle_control(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_bundle_ctrl_msg bc;
    enum ofperr error = ofputil_decode_bundle_ctrl(oh, &bc);

    if (error) {
        return error;
    }
    struct ofbundle *b = bundle_find(ofconn, bc.bundle_id);
    struct ofputil_bundle_ctrl_msg reply = {
        .bundle_id = bc.bundle_id, .flags = bc.flags,
    };

    switch (bc.type) {
    case OFPBCT_OPEN_REQUEST:
        if (b) {
            return OFPERR_OFPBFC_BAD_ID;
        }
        if (ofconn->n_bundles >= OFCONN_MAX_BUNDLES) {
            return OFPERR_OFPBFC_OUT_OF_BUNDLES;
        }
        if (bc.flags & ~(OFPBF_ATOMIC | OFPBF_ORDERED)) {
            return OFPERR_OFPBFC_BAD_FLAGS;
        }
        b = xzalloc(sizeof *b);
        b->id = bc.bundle_id;
        b->flags = bc.flags;
        ovs_list_init(&b->msgs);
        ovs_list_push_back(&ofconn->bundles, &b->node);
        ofconn->n_bundles++;
        reply.type = OFPBCT_OPEN_REPLY;
        break;
    case OFPBCT_CLOSE_REQUEST:
        if (!b) {
            return OFPERR_OFPBFC_BAD_ID;
        }
        if (b->closed) {
            return OFPERR_OFPBFC_BUNDLE_CLOSED;
        }
        if (bc.flags != b->flags) {
            return OFPERR_OFPBFC_BAD_FLAGS;
        }
        b->closed = true;
        reply.type = OFPBCT_CLOSE_REPLY;
        break;
    case OFPBCT_COMMIT_REQUEST:
        if (!b) {
            return OFPERR_OFPBFC_BAD_ID;
        }
        if (bc.flags != b->flags) {
            return OFPERR_OFPBFC_BAD_FLAGS;
        }
        error = bundle_commit(ofconn, b);
        ofbundle_destroy(b);
        ofconn->n_bundles--;
        if (error) {
            return error;
        }
        /* The commit is done when the caches have let go of the old
         * rules. */
        connmgr_sync_datapath(ofconn->mgr);
        reply.type = OFPBCT_COMMIT_REPLY;
        break;
    case OFPBCT_DISCARD_REQUEST:
        if (!b) {
            return OFPERR_OFPBFC_BAD_ID;
        }
        ofbundle_destroy(b);
        ofconn->n_bundles--;
        reply.type = OFPBCT_DISCARD_REPLY;
        break;
    default:
        return OFPERR_OFPBFC_BAD_TYPE;
    }
    ofconn_send(ofconn, ofputil_encode_bundle_ctrl_reply(oh, &reply));
    return 0;
}

static enum ofperr
handle_bundle_add(struct ofconn *ofconn, const struct ofp_header *oh)
{
    struct ofputil_bundle_add_msg badd;
    enum ofptype type;
    enum ofperr error = ofputil_decode_bundle_add(oh, &badd, &type);

    if (error) {
        return error;
    }
    error = reject_secondary(ofconn);
    if (error) {
        return error;
    }
    struct ofbundle *b = bundle_find(ofconn, badd.bundle_id);
    if (!b) {
        if (ofconn->n_bundles >= OFCONN_MAX_BUNDLES) {
            return OFPERR_OFPBFC_OUT_OF_BUNDLES;
        }
        /* Adding to an unknown bundle opens it implicitly. */
        b = xzalloc(sizeof *b);
        b->id = badd.bundle_id;
        b->flags = badd.flags;
        ovs_list_init(&b->msgs);
        ovs_list_push_back(&ofconn->bundles, &b->node);
        ofconn->n_bundles++;
    } else if (b->closed) {
        return OFPERR_OFPBFC_BUNDLE_CLOSED;
    } else if (badd.flags != b->flags) {
        return OFPERR_OFPBFC_BAD_FLAGS;
    }
    if (type != OFPTYPE_FLOW_MOD && type != OFPTYPE_GROUP_MOD) {
        return OFPERR_OFPBFC_MSG_UNSUP;
    }
    if (b->n_msgs >= OFCONN_MAX_BUNDLE_MSGS) {
        return OFPERR_OFPBFC_MSG_TOO_MANY;
    }

    struct ofpbuf *lifted;
    struct ofp_ext_match em;
    const struct ofp_header *msg = lift_ext(badd.msg, &lifted, &em, &error);
    if (error) {
        return error;
    }
    struct ofbundle_msg *m = xzalloc(sizeof *m);
    m->type = type;
    if (type == OFPTYPE_GROUP_MOD) {
        error = ofputil_decode_group_mod(msg, &m->gm);
    } else {
        struct ofpbuf ofpacts;
        ofpbuf_init(&ofpacts, 64);
        error = ofputil_decode_flow_mod(&m->fm, msg, ofconn->protocol,
                                        NULL, NULL, &ofpacts, OFPP_MAX,
                                        PL_N_TABLES);
        if (error) {
            ofpbuf_uninit(&ofpacts);
        } else {
            m->fm.ofpacts = ofpbuf_steal_data(&ofpacts);
            ofp_ext_minimatch_apply(&em, &m->fm.match);
        }
    }
    ofpbuf_delete(lifted);
    if (error) {
        free(m);
        return error;
    }
    ovs_list_push_back(&b->msgs, &m->node);
    b->n_msgs++;
    return 0;
}

/* ---- Dispatch ---- */

static enum ofperr
handle_openflow__(struct ofconn *ofconn, const struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    enum ofptype type;
    enum ofperr error;

    error = ofptype_decode(&type, oh);
    if (error) {
        return error;
    }
    if (OVS_UNLIKELY(ofpmsg_is_stat_request(oh) && ofpmp_more(oh)
                     && type != OFPTYPE_TABLE_FEATURES_STATS_REQUEST)) {
        /* Multipart requests in several parts: none xvs needs. */
        return OFPERR_OFPBRC_MULTIPART_BUFFER_OVERFLOW;
    }

    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        ofconn_send(ofconn, ofputil_encode_echo_reply(oh));
        return 0;
    case OFPTYPE_HELLO:
    case OFPTYPE_ECHO_REPLY:
    case OFPTYPE_ERROR:
        return 0;
    case OFPTYPE_FEATURES_REQUEST:
        return handle_features_request(ofconn, oh);
    case OFPTYPE_GET_CONFIG_REQUEST:
        return handle_get_config_request(ofconn, oh);
    case OFPTYPE_SET_CONFIG:
        return handle_set_config(ofconn, oh);
    case OFPTYPE_PACKET_OUT:
        return handle_packet_out(ofconn, oh);
    case OFPTYPE_PORT_MOD:
        return handle_port_mod(ofconn, oh);
    case OFPTYPE_FLOW_MOD:
        return handle_flow_mod(ofconn, oh);
    case OFPTYPE_BARRIER_REQUEST:
        return handle_barrier_request(ofconn, oh);
    case OFPTYPE_ROLE_REQUEST:
        return handle_role_request(ofconn, oh);
    case OFPTYPE_FLOW_MOD_TABLE_ID:
        ofconn->protocol = ofputil_protocol_set_tid(
            ofconn->protocol, ofputil_decode_nx_flow_mod_table_id(oh));
        return 0;
    case OFPTYPE_SET_FLOW_FORMAT: {
        enum ofputil_protocol p = ofputil_decode_nx_set_flow_format(oh);
        if (p == OFPUTIL_P_NONE) {
            return OFPERR_OFPBRC_EPERM;
        }
        ofconn->protocol = ofputil_protocol_set_base(ofconn->protocol, p);
        return 0;
    }
    case OFPTYPE_SET_PACKET_IN_FORMAT: {
        enum ofputil_packet_in_format format;
        error = ofputil_decode_set_packet_in_format(oh, &format);
        if (!error) {
            ofconn->pin_format = format;
        }
        return error;
    }
    case OFPTYPE_SET_CONTROLLER_ID: {
        struct ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
        ofpraw_pull_assert(&b);
        const struct nx_controller_id *nci = b.data;
        if (b.size < sizeof *nci || !is_all_zeros(nci->zero,
                                                  sizeof nci->zero)) {
            return OFPERR_NXBRC_MUST_BE_ZERO;
        }
        ofconn->controller_id = ntohs(nci->controller_id);
        return 0;
    }
    case OFPTYPE_SET_ASYNC_CONFIG:
        return handle_set_async_config(ofconn, oh);
    case OFPTYPE_GET_ASYNC_REQUEST:
        return handle_get_async_request(ofconn, oh);
    case OFPTYPE_DESC_STATS_REQUEST:
        return handle_desc_stats_request(ofconn, oh);
    case OFPTYPE_FLOW_STATS_REQUEST:
        return handle_flow_stats_request(ofconn, oh);
    case OFPTYPE_AGGREGATE_STATS_REQUEST:
        return handle_aggregate_stats_request(ofconn, oh);
    case OFPTYPE_TABLE_STATS_REQUEST:
        return handle_table_stats_request(ofconn, oh);
    case OFPTYPE_TABLE_FEATURES_STATS_REQUEST:
        return handle_table_features_request(ofconn, oh);
    case OFPTYPE_PORT_STATS_REQUEST:
        return handle_port_stats_request(ofconn, oh);
    case OFPTYPE_PORT_DESC_STATS_REQUEST:
        return handle_port_desc_stats_request(ofconn, oh);
    case OFPTYPE_GROUP_STATS_REQUEST:
        return handle_group_stats_request(ofconn, oh);
    case OFPTYPE_GROUP_DESC_STATS_REQUEST:
        return handle_group_desc_stats_request(ofconn, oh);
    case OFPTYPE_GROUP_FEATURES_STATS_REQUEST:
        return handle_group_features_stats_request(ofconn, oh);
    case OFPTYPE_METER_STATS_REQUEST:
    case OFPTYPE_METER_CONFIG_STATS_REQUEST:
        return handle_meter_request(ofconn, oh, type);
    case OFPTYPE_METER_FEATURES_STATS_REQUEST:
        return handle_meter_features_request(ofconn, oh);
    case OFPTYPE_QUEUE_STATS_REQUEST:
        return handle_queue_stats_request(ofconn, oh);
    case OFPTYPE_QUEUE_GET_CONFIG_REQUEST:
        return handle_queue_get_config_request(ofconn, oh);
    case OFPTYPE_BUNDLE_CONTROL:
        return handle_bundle_control(ofconn, oh);
    case OFPTYPE_BUNDLE_ADD_MESSAGE:
        return handle_bundle_add(ofconn, oh);
    case OFPTYPE_GROUP_MOD:
        return handle_group_mod(ofconn, oh);
    case OFPTYPE_METER_MOD:
        return handle_meter_mod(ofconn, oh);
    case OFPTYPE_FLOW_MONITOR_STATS_REQUEST:
        return handle_flow_monitor_request(ofconn, oh);
    case OFPTYPE_FLOW_MONITOR_CANCEL:
        return handle_flow_monitor_cancel(ofconn, oh);
    default:
        /* Replies and asynchronous messages a switch never receives, and
         * requests xvs does not implement: "bad type", as OpenFlow
         * says. */
        return OFPERR_OFPBRC_BAD_TYPE;
    }
}

static void
handle_openflow(struct ofconn *ofconn, const struct ofpbuf *msg)
{
    struct connmgr *mgr = ofconn->mgr;
    const struct ofp_header *oh = msg->data;

    mgr->change_ofconn = ofconn;
    mgr->change_xid = oh->xid;
    enum ofperr error = handle_openflow__(ofconn, msg);
    mgr->change_ofconn = NULL;

    if (error) {
        ofconn_send_error(ofconn, msg->data, error);
    }
    connmgr_flush_updates(mgr);
}

/* ---- Running -------------------------------------------------------- */

/* Whether 'ofconn' has room for the replies to another request. */
static bool
ofconn_may_read(const struct ofconn *ofconn)
{
    return rconn_packet_counter_n_packets(ofconn->reply_counter)
           < OFCONN_REPLY_QUEUE;
}

static size_t
n_service_conns(const struct connmgr *mgr)
{
    const struct ofconn *ofconn;
    size_t n = 0;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        n += ofconn->type == OFCONN_SERVICE;
    }
    return n;
}

static void
ofconn_run(struct ofconn *ofconn)
{
    rconn_run(ofconn->rconn);

    /* A new session starts from the defaults. */
    unsigned int seqno = rconn_get_connection_seqno(ofconn->rconn);
    if (seqno != ofconn->seqno) {
        ofconn->seqno = seqno;
        ofconn_reset(ofconn);
    }
    if (ofconn->protocol == OFPUTIL_P_NONE
        && rconn_is_connected(ofconn->rconn)) {
        int version = rconn_get_version(ofconn->rconn);
        if (version > 0) {
            ofconn->protocol = ofputil_protocol_from_ofp_version(version);
        }
    }

    for (int i = 0; i < OFCONN_MSGS_PER_RUN && ofconn_may_read(ofconn);
         i++) {
        struct ofpbuf *msg = rconn_recv(ofconn->rconn);
        if (!msg) {
            break;
        }
        if (ofconn->protocol == OFPUTIL_P_NONE) {
            ofconn->protocol = ofputil_protocol_from_ofp_version(
                rconn_get_version(ofconn->rconn));
        }
        handle_openflow(ofconn, msg);
        ofpbuf_delete(msg);
    }
}

static bool
any_controller_connected(const struct connmgr *mgr, bool *any_configured)
{
    const struct ofconn *ofconn;
    bool connected = false;

    *any_configured = false;
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn->type == OFCONN_CONTROLLER) {
            *any_configured = true;
            connected |= rconn_is_admitted(ofconn->rconn);
        }
    }
    return connected;
}

/* OpenFlow 1.0 to 1.2 controllers (and service connections) that asked
 * for packet-ins expect the table misses. */
static bool
wants_misses(const struct connmgr *mgr)
{
    const struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn->controller_id == 0
            && rconn_is_connected(ofconn->rconn)
            && ofconn->protocol != OFPUTIL_P_NONE
            && ofconn_version(ofconn) < OFP13_VERSION
            && (ofconn->type == OFCONN_CONTROLLER || ofconn->miss_send_len)) {
            return true;
        }
    }
    return false;
}

static void
update_fail_open(struct connmgr *mgr, long long now)
{
    bool configured;
    bool connected = any_controller_connected(mgr, &configured);
    bool open = false;

    if (!configured || connected) {
        mgr->no_controller_since = LLONG_MAX;
    } else if (mgr->no_controller_since == LLONG_MAX) {
        mgr->no_controller_since = now;
    }
    if (configured && !connected && mgr->fail_standalone) {
        open = now - mgr->no_controller_since >= CONNMGR_FAIL_OPEN_MS;
    }
    if (open != mgr->fail_open) {
        VLOG_WARN("%s: %s fail-open mode (%s)", mgr->name,
                  open ? "entering" : "leaving",
                  open ? "no controller connected: switching as NORMAL"
                       : "a controller connected");
        mgr->fail_open = open;
        pipeline_set_fail_open(mgr->pl, open);
        dp_flush_caches();
    }
}

/* Accepts what is waiting on 'listener', up to CONNMGR_ACCEPTS_PER_RUN
 * connections; past CONNMGR_MAX_SERVICE_CONNS ('*n_service' open) a new
 * one is closed at once. */
static void
connmgr_accept(struct connmgr *mgr, struct pvconn *listener,
               size_t *n_service)
{
    for (int k = 0; k < CONNMGR_ACCEPTS_PER_RUN; k++) {
        struct vconn *vconn;
        int error = pvconn_accept(listener, &vconn);

        if (error) {
            if (error != EAGAIN) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "%s: accept on %s failed: %s", mgr->name,
                             pvconn_get_name(listener), ovs_strerror(error));
            }
            return;
        }
        if (*n_service >= CONNMGR_MAX_SERVICE_CONNS) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "%s: %s: refusing a connection: %d are open "
                         "already", mgr->name, pvconn_get_name(listener),
                         CONNMGR_MAX_SERVICE_CONNS);
            vconn_close(vconn);
            continue;
        }
        (*n_service)++;
        struct rconn *rc = rconn_create(0, 0, 0, mgr->allowed_versions);
        char *name = xasprintf("%s<->%s", mgr->name, vconn_get_name(vconn));
        rconn_connect_unreliably(rc, vconn, name);
        free(name);
        ofconn_create(mgr, rc, OFCONN_SERVICE);
    }
}

void
connmgr_run(struct connmgr *mgr)
{
    struct ofconn *ofconn;
    long long now = time_msec();

    size_t n_service = n_service_conns(mgr);
    for (size_t i = 0; i < mgr->n_listeners; i++) {
        connmgr_accept(mgr, mgr->listeners[i], &n_service);
    }

    LIST_FOR_EACH_SAFE (ofconn, node, &mgr->conns) {
        ofconn_run(ofconn);
        if (ofconn->type == OFCONN_SERVICE
            && !rconn_is_alive(ofconn->rconn)) {
            ofconn_destroy(ofconn);
        } else if (now >= mgr->next_pktbuf_expiry) {
            pktbuf_expire(ofconn->pktbuf, now);
        }
    }
    if (now >= mgr->next_pktbuf_expiry) {
        mgr->next_pktbuf_expiry = now + 1000;
    }

    bool misses = wants_misses(mgr);
    if (misses != mgr->miss_to_controller) {
        mgr->miss_to_controller = misses;
        pipeline_set_miss_to_controller(mgr->pl, misses);
        dp_flush_caches();
    }
    update_fail_open(mgr, now);
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        ofconn_resume_monitors(ofconn);
    }
    connmgr_flush_updates(mgr);     /* Changes made outside OpenFlow. */
    connmgr_sync_datapath(mgr);
}

void
connmgr_wait(struct connmgr *mgr)
{
    struct ofconn *ofconn;

    for (size_t i = 0; i < mgr->n_listeners; i++) {
        pvconn_wait(mgr->listeners[i]);
    }
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (!ovs_list_is_empty(&ofconn->updates)) {
            poll_immediate_wake();
        }
        rconn_run_wait(ofconn->rconn);
        if (ofconn_may_read(ofconn)) {
            /* Otherwise sending makes room: rconn_run_wait() wakes us. */
            rconn_recv_wait(ofconn->rconn);
        }
    }
    if (mgr->no_controller_since != LLONG_MAX && !mgr->fail_open
        && mgr->fail_standalone) {
        poll_timer_wait_until(mgr->no_controller_since
                              + CONNMGR_FAIL_OPEN_MS);
    }
}

bool
connmgr_has_connections(const struct connmgr *mgr)
{
    const struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (rconn_is_connected(ofconn->rconn)) {
            return true;
        }
    }
    return false;
}

/* ---- Status --------------------------------------------------------- */

static const char *
role_name(enum ofp12_controller_role role)
{
    switch (role) {
    case OFPCR12_ROLE_PRIMARY: return "master";
    case OFPCR12_ROLE_SECONDARY: return "slave";
    case OFPCR12_ROLE_EQUAL:
    case OFPCR12_ROLE_NOCHANGE:
    default: return "equal";
    }
}

static const char *
ofconn_version_name(const struct ofconn *ofconn)
{
    return rconn_is_connected(ofconn->rconn)
           && ofconn->protocol != OFPUTIL_P_NONE
           ? ofputil_version_to_string(ofconn_version(ofconn)) : "-";
}

void
connmgr_format(const struct connmgr *mgr, struct ds *s)
{
    const struct ofconn *ofconn;

    for (size_t i = 0; i < mgr->n_listeners; i++) {
        ds_put_format(s, "    listening: %s\n",
                      pvconn_get_name(mgr->listeners[i]));
    }
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn->type != OFCONN_CONTROLLER) {
            continue;
        }
        ds_put_format(s, "    controller: %s (%s", ofconn->target,
                      rconn_is_connected(ofconn->rconn)
                      ? "connected" : rconn_get_state(ofconn->rconn));
        if (rconn_is_connected(ofconn->rconn)) {
            ds_put_format(s, ", %s, role %s", ofconn_version_name(ofconn),
                          role_name(ofconn->role));
        } else if (rconn_get_last_error(ofconn->rconn) > 0) {
            ds_put_format(s, ", last error: %s",
                          ovs_strerror(rconn_get_last_error(ofconn->rconn)));
        }
        ds_put_format(s, ", packet-ins sent %"PRIu64" dropped %"PRIu64
                      ", buffered %"PRIu64" (%"PRIuSIZE" held))\n",
                      ofconn->n_pin_sent, ofconn->n_pin_dropped,
                      ofconn->n_pin_buffered,
                      pktbuf_count(ofconn->pktbuf, NULL));
    }
    if (mgr->fail_open) {
        ds_put_cstr(s, "    fail-open: no controller connected, switching "
                    "as NORMAL\n");
    }
}

size_t
connmgr_get_controllers(const struct connmgr *mgr,
                        struct connmgr_controller_info **infop)
{
    struct connmgr_controller_info *info = NULL;
    size_t n = 0, allocated = 0;
    const struct ofconn *ofconn;

    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn->type == OFCONN_CONTROLLER) {
            if (n >= allocated) {
                info = x2nrealloc(info, &allocated, sizeof *info);
            }
            info[n].target = ofconn->target;
            info[n].connected = rconn_is_connected(ofconn->rconn);
            info[n].pin_sent = ofconn->n_pin_sent;
            info[n].pin_dropped = ofconn->n_pin_dropped;
            n++;
        }
    }
    *infop = info;
    return n;
}

struct json *
connmgr_to_json(const struct connmgr *mgr)
{
    struct json *o = json_object_create();
    struct json *listeners = json_array_create_empty();
    struct json *controllers = json_array_create_empty();
    const struct ofconn *ofconn;

    for (size_t i = 0; i < mgr->n_listeners; i++) {
        json_array_add(listeners, json_string_create(
                           pvconn_get_name(mgr->listeners[i])));
    }
    LIST_FOR_EACH (ofconn, node, &mgr->conns) {
        if (ofconn->type != OFCONN_CONTROLLER) {
            continue;
        }
        struct json *c = json_object_create();
        bool connected = rconn_is_connected(ofconn->rconn);
        json_object_put_string(c, "target", ofconn->target);
        json_object_put(c, "connected", json_boolean_create(connected));
        json_object_put_string(c, "state", rconn_get_state(ofconn->rconn));
        json_object_put_string(c, "version", ofconn_version_name(ofconn));
        json_object_put_string(c, "role", role_name(ofconn->role));
        int err = rconn_get_last_error(ofconn->rconn);
        if (err > 0) {
            json_object_put_string(c, "last_error", ovs_strerror(err));
        }
        json_object_put(c, "packet_ins_sent",
                        json_integer_create(ofconn->n_pin_sent));
        json_object_put(c, "packet_ins_dropped",
                        json_integer_create(ofconn->n_pin_dropped));
        json_object_put(c, "packet_ins_buffered",
                        json_integer_create(ofconn->n_pin_buffered));
        json_object_put(c, "buffers_held", json_integer_create(
                            pktbuf_count(ofconn->pktbuf, NULL)));
        json_array_add(controllers, c);
    }
    json_object_put(o, "listeners", listeners);
    json_object_put(o, "controllers", controllers);
    json_object_put(o, "fail_open", json_boolean_create(mgr->fail_open));
    return o;
}
