/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-openflow: libFuzzer target for OpenFlow message handling, as a
 * controller's connection sees it: switchd/connmgr.c decodes each message
 * (with libopenvswitch's ofp-msgs and ofputil decoders), checks it,
 * applies it to the bridge's pipeline (switchd/pipeline.c) and builds the
 * reply.
 *
 * The harness runs the real connmgr.c through its public entry point,
 * connmgr_run(), with a bridge of four ports and two configured
 * controllers: the input's messages come on the first one's connection,
 * the second one only receives (asynchronous messages, role changes).
 * Only the transport is replaced: the link options --wrap=rconn_* (see
 * tests/fuzz/automake.mk) put the functions below in place of
 * libopenvswitch's rconn for connmgr.c's calls, so that both connections
 * are up and have negotiated the input's OpenFlow version, the first
 * delivers the input's messages, and every message the switch sends goes
 * to check_sent() instead of a socket.
 *
 * Input:
 *
 *   byte 0      the session: bits 0-1 the OpenFlow version (1.0, 1.3, 1.4,
 *               1.5), bit 2 fail-mode secure, bits 3-4 the ports' VLAN
 *               settings (see add_ports())
 *   the rest    OpenFlow messages, one after another, each as long as its
 *               header says (as a stream connection frames them).  A
 *               message whose length is below 8 ends the stream (vconn
 *               drops the connection), as do fewer than 8 bytes at the
 *               end; the last message is cut to what is left.  Every
 *               message gets the session's version, as vconn refuses
 *               others before connmgr sees them.
 *
 * After the messages the harness lets every rule with a timeout expire
 * (flow-removed messages), translates a few packets from every port
 * through the resulting tables as the datapath would on a miss
 * (pipeline_upcall()), sends the packet-ins those ask for, as the main
 * loop does with the datapath's, and formats the bridge's status.
 *
 * Checks: no crash, no leak (everything is torn down per input, RCU
 * included); every message the switch sends is at most 64 KB, says its
 * own length, has the session's version, decodes with libopenvswitch's
 * decoders (ofp-print finds no decode error in it), and a reply carries
 * its request's xid; an error message decodes to an OpenFlow error;
 * datapath actions from translations and packet-outs name only mapped
 * ports and existing meters; every datapath meter the pipeline sets up is
 * deleted again by the time the bridge is gone.
 *
 * FUZZ_VERBOSE=1 in the environment prints every message both ways.
 *
 * Not covered: rconn and vconn themselves (version negotiation, framing,
 * echo probes, back-off, queue limits), listeners and connection limits,
 * the datapath side of datapath actions (dp_flush_caches() and the meters
 * are stubs; dp_revalidate() runs the pipeline's predicate over the
 * handles of the last translations, kept as megaflows would keep them),
 * bridge.c.  libopenvswitch is linked as built, without
 * instrumentation: its decoders give the fuzzer no coverage feedback and
 * AddressSanitizer checks only their heap use through malloc and free.
 */
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
#include "datapath/flow-key.h"
#include "lib/xvs-guest.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "switchd/connmgr.h"
#include "switchd/ofp-ext.h"
#include "switchd/pipeline.h"
#include "timeval.h"
#include "util.h"

/* OpenFlow ports 1-3 and the bridge's internal port (65534, LOCAL, as
 * bridge.c numbers it) are datapath ports 10-13. */
#define N_PORTS 4
static const uint16_t ofports[N_PORTS] = { 1, 2, 3, 65534 };
#define DP_FIRST 10

static const char *const controllers[] = {
    "tcp:192.0.2.1:6653", "tcp:192.0.2.2:6653",
};

/* The session of the current input. */
static struct {
    uint8_t version;
    struct rconn *main;             /* controllers[0]'s. */
    const uint8_t *next, *end;      /* Messages not yet delivered. */
    uint32_t xid;                   /* Of the message being handled. */
    bool meters[DP_MAX_METERS];     /* Datapath meters set up. */
    struct ovs_list pins;           /* struct pin: packet-ins to send. */
    size_t n_pins;
    struct pipeline *pl;
    struct connmgr *mgr;
} s;

/* A packet the datapath sends up for a DP_ACTION_CONTROLLER. */
struct pin {
    struct ovs_list node;
    uint32_t arg;
    size_t len;
    uint8_t packet[];
};

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(const struct ofpbuf *msg, const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "fuzz-openflow: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    if (msg) {
        ovs_hex_dump(stderr, msg->data, MIN(msg->size, 512), 0, false);
    }
    abort();
}

/* ---- The messages the switch sends --------------------------------- */

static bool
is_async(enum ofptype type)
{
    return type == OFPTYPE_PACKET_IN || type == OFPTYPE_FLOW_REMOVED
           || type == OFPTYPE_PORT_STATUS || type == OFPTYPE_ROLE_STATUS
           || type == OFPTYPE_TABLE_STATUS
           || type == OFPTYPE_REQUESTFORWARD;
}

static void
check_table_features(const struct ofpbuf *b)
{
    struct ofpbuf msg = ofpbuf_const_initializer(b->data, b->size);

    /* As a controller reads it: properties it does not know are skipped
     * (the raw properties make the decoder that lenient). */
    for (;;) {
        struct ofputil_table_features tf;
        struct ofpbuf raw;
        int retval = ofputil_decode_table_features(&msg, &tf, &raw);
        if (retval == EOF) {
            break;
        } else if (retval) {
            fail(b, "table features reply does not decode: %s",
                 ofperr_to_string(retval));
        }
    }
}

static bool verbose;            /* FUZZ_VERBOSE set: show the traffic. */

static void
check_sent(const struct ofpbuf *b)
{
    const struct ofp_header *oh = b->data;
    enum ofptype type;

    if (verbose) {
        char *text = ofp_to_string(b->data, b->size, NULL, NULL, 1);
        fprintf(stderr, "sent: %.300s\n", text);
        free(text);
    }
    if (b->size < sizeof *oh || b->size > UINT16_MAX) {
        fail(NULL, "sent a message of %"PRIu32" bytes", b->size);
    }
    if (ntohs(oh->length) != b->size) {
        fail(b, "header says %u bytes, message has %"PRIu32,
             ntohs(oh->length), b->size);
    }
    if (oh->version != s.version) {
        fail(b, "version 0x%02x in a 0x%02x session", oh->version,
             s.version);
    }
    if (ofptype_decode(&type, oh)) {
        fail(b, "sent a message of unknown type");
    }
    if (!is_async(type) && ntohl(oh->xid) != s.xid) {
        fail(b, "reply with xid %"PRIu32" to request %"PRIu32,
             ntohl(oh->xid), s.xid);
    }
    if (type == OFPTYPE_ERROR && !ofperr_decode_msg(oh, NULL)) {
        fail(b, "error message that decodes to no error");
    }
    if (type == OFPTYPE_TABLE_FEATURES_STATS_REPLY) {
        /* 255 tables' worth: decoded, not printed (which takes long). */
        check_table_features(b);
    } else if (type != OFPTYPE_ERROR) {
        /* (An error quotes the request, which need not decode.)  The
         * actions the library does not know are decoded as the switch
         * decodes them, as notes (ofp-ext.h). */
        enum ofperr lift_error;
        struct ofpbuf *lifted = ofp_ext_lift(b->data, NULL, &lift_error);
        const struct ofpbuf *d = lifted ? lifted : b;
        char *text = ofp_to_string(d->data, d->size, NULL, NULL, 1);
        ofpbuf_delete(lifted);
        if (strstr(text, "***decode error") || strstr(text, "***truncated")
            || strstr(text, "***only uses")) {
            fprintf(stderr, "%s\n", text);
            fail(b, "message does not decode");
        }
        free(text);
    }
}

/* ---- The transport: libopenvswitch's rconn, replaced --------------- */

void __wrap_rconn_connect(struct rconn *, const char *, const char *);
void __wrap_rconn_run(struct rconn *);
struct ofpbuf *__wrap_rconn_recv(struct rconn *);
int __wrap_rconn_send(struct rconn *, struct ofpbuf *,
                      struct rconn_packet_counter *);
int __wrap_rconn_send_with_limit(struct rconn *, struct ofpbuf *,
                                 struct rconn_packet_counter *, int);
bool __wrap_rconn_is_connected(const struct rconn *);
bool __wrap_rconn_is_admitted(const struct rconn *);
bool __wrap_rconn_is_alive(const struct rconn *);
int __wrap_rconn_get_version(const struct rconn *);
unsigned int __wrap_rconn_get_connection_seqno(const struct rconn *);

void
__wrap_rconn_connect(struct rconn *rc, const char *target,
                     const char *name OVS_UNUSED)
{
    if (!strcmp(target, controllers[0])) {
        s.main = rc;
    }
}

void
__wrap_rconn_run(struct rconn *rc OVS_UNUSED)
{
}

/* The next message of the input, framed as vconn frames a stream. */
struct ofpbuf *
__wrap_rconn_recv(struct rconn *rc)
{
    size_t left = s.end - s.next;

    if (rc != s.main) {
        return NULL;
    }
    size_t len = left >= 4 ? (s.next[2] << 8) | s.next[3] : 0;
    if (left < sizeof(struct ofp_header) || len < sizeof(struct ofp_header)) {
        /* A header that never completes, or a bad length, which makes
         * vconn drop the connection: the stream ends here. */
        s.next = s.end;
        return NULL;
    }
    len = MIN(len, left);
    struct ofpbuf *msg = ofpbuf_clone_data(s.next, len);
    struct ofp_header *oh = msg->data;
    oh->version = s.version;
    oh->length = htons(len);
    s.xid = ntohl(oh->xid);
    s.next += len;
    if (verbose) {
        char *text = ofp_to_string(msg->data, msg->size, NULL, NULL, 1);
        fprintf(stderr, "received: %.300s\n", text);
        free(text);
    }
    return msg;
}

int
__wrap_rconn_send(struct rconn *rc OVS_UNUSED, struct ofpbuf *b,
                  struct rconn_packet_counter *counter OVS_UNUSED)
{
    check_sent(b);
    ofpbuf_delete(b);
    return 0;
}

int
__wrap_rconn_send_with_limit(struct rconn *rc, struct ofpbuf *b,
                             struct rconn_packet_counter *counter,
                             int queue_limit OVS_UNUSED)
{
    return __wrap_rconn_send(rc, b, counter);
}

bool
__wrap_rconn_is_connected(const struct rconn *rc OVS_UNUSED)
{
    return true;
}

bool
__wrap_rconn_is_admitted(const struct rconn *rc OVS_UNUSED)
{
    return true;
}

bool
__wrap_rconn_is_alive(const struct rconn *rc OVS_UNUSED)
{
    return true;
}

int
__wrap_rconn_get_version(const struct rconn *rc OVS_UNUSED)
{
    return s.version;
}

unsigned int
__wrap_rconn_get_connection_seqno(const struct rconn *rc OVS_UNUSED)
{
    return 1;                   /* One session per input. */
}

/* ---- The datapath and the bridge, as stubs -------------------------- */

/* The handles of the last translations, with their keys and masks, as
 * the datapath's megaflows hold them. */
#define MAX_CACHED 32
static struct cached {
    void *handle;
    struct dp_flow_key key, mask;
} cached[MAX_CACHED];
static size_t n_cached;

static void
cached_release(size_t i)
{
    pipeline_upcall_ops.release(cached[i].handle);
    cached[i] = cached[--n_cached];
}

static void
cached_release_all(void)
{
    while (n_cached) {
        cached_release(n_cached - 1);
    }
}

void dp_flush_caches(void);
void dp_revalidate(dp_reval_fn *, const void *aux);

void
dp_flush_caches(void)
{
    cached_release_all();
}

void
dp_revalidate(dp_reval_fn *affected, const void *aux)
{
    for (size_t i = 0; i < n_cached; ) {
        if (affected(aux, cached[i].handle, &cached[i].key,
                     &cached[i].mask)) {
            cached_release(i);
        } else {
            i++;
        }
    }
}

static void
check_actions(const struct dp_actions *acts)
{
    if (acts->n > DP_MAX_ACTIONS) {
        fail(NULL, "%u datapath actions", acts->n);
    }
    for (size_t i = 0; i < acts->n; i++) {
        const struct dp_action *a = &acts->a[i];
        if (dp_action_is_output(a)
            && (a->port < DP_FIRST || a->port >= DP_FIRST + N_PORTS)) {
            fail(NULL, "output to unmapped datapath port %u", a->port);
        }
        if ((a->type == DP_ACTION_METER || a->type == DP_ACTION_OUTPUT_QUEUE)
            && (a->arg >= DP_MAX_METERS || !s.meters[a->arg])) {
            fail(NULL, "meter or queue with datapath meter %"PRIu32
                 " that is not set up", a->arg);
        }
    }
}

/* Queues what a translation sends to the controller, as the datapath
 * queues it to the main thread. */
static void
queue_pins(const struct dp_actions *acts, const void *packet, size_t len)
{
    for (size_t i = 0; i < acts->n; i++) {
        if (acts->a[i].type == DP_ACTION_CONTROLLER && s.n_pins < 64) {
            struct pin *p = xmalloc(sizeof *p + len);
            p->arg = acts->a[i].arg;
            p->len = len;
            memcpy(p->packet, packet, len);
            ovs_list_push_back(&s.pins, &p->node);
            s.n_pins++;
        }
    }
}

static void
send_pins(void)
{
    struct pin *p;

    LIST_FOR_EACH_POP (p, node, &s.pins) {
        if (pipeline_id_of_arg(p->arg) != pipeline_id(s.pl)) {
            fail(NULL, "controller action of another pipeline");
        }
        connmgr_send_packet_in(s.mgr, p->arg, p->packet, p->len);
        free(p);
    }
    s.n_pins = 0;
}

static void
hook_flow_removed(void *aux OVS_UNUSED,
                  const struct ofputil_flow_removed *fr)
{
    connmgr_send_flow_removed(s.mgr, fr);
}

static void
hook_execute(void *aux OVS_UNUSED, uint32_t in_dp_port, const void *packet,
             size_t len, const struct dp_actions *acts,
             bool mac_changed OVS_UNUSED)
{
    if (in_dp_port != DP_MAX_PORTS
        && (in_dp_port < DP_FIRST || in_dp_port >= DP_FIRST + N_PORTS)) {
        fail(NULL, "packet-out from unmapped datapath port %"PRIu32,
             in_dp_port);
    }
    check_actions(acts);
    queue_pins(acts, packet, len);
}

static int
hook_meter_set(void *aux OVS_UNUSED, uint32_t slot,
               const struct dp_meter_config *cfg OVS_UNUSED,
               char **errp)
{
    *errp = NULL;
    if (slot >= DP_MAX_METERS) {
        fail(NULL, "datapath meter %"PRIu32" out of range", slot);
    }
    s.meters[slot] = true;
    return 0;
}

static void
hook_meter_del(void *aux OVS_UNUSED, uint32_t slot)
{
    if (slot >= DP_MAX_METERS || !s.meters[slot]) {
        fail(NULL, "deleting datapath meter %"PRIu32", not set up", slot);
    }
    s.meters[slot] = false;
}

static void
hook_meter_stats(void *aux OVS_UNUSED, uint32_t slot,
                 struct dp_meter_stats *stats)
{
    if (slot >= DP_MAX_METERS || !s.meters[slot]) {
        fail(NULL, "statistics of datapath meter %"PRIu32", not set up",
             slot);
    }
    memset(stats, 0, sizeof *stats);
    stats->packets = 10;
    stats->bytes = 1000;
}

static const struct pipeline_hooks hooks = {
    .flow_removed = hook_flow_removed,
    .execute = hook_execute,
    .meter_set = hook_meter_set,
    .meter_del = hook_meter_del,
    .meter_stats = hook_meter_stats,
};

static size_t
get_ports(void *aux OVS_UNUSED, struct ofputil_phy_port **portsp)
{
    struct ofputil_phy_port *ports = xcalloc(N_PORTS, sizeof *ports);

    for (int i = 0; i < N_PORTS; i++) {
        struct ofputil_phy_port *pp = &ports[i];
        pp->port_no = u16_to_ofp(ofports[i]);
        pp->hw_addr = (struct eth_addr) { { { 0x02, 0, 0, 0, 1, i + 1 } } };
        snprintf(pp->name, sizeof pp->name, "vif%d.0", i + 1);
        pp->state = OFPUTIL_PS_LIVE;
        pp->curr = NETDEV_F_10GB_FD | NETDEV_F_COPPER;
        pp->curr_speed = pp->max_speed = 10000000;
    }
    *portsp = ports;
    return N_PORTS;
}

static bool
get_port_stats(void *aux OVS_UNUSED, ofp_port_t port,
               struct ofputil_port_stats *ps)
{
    size_t i = 0;

    while (i < N_PORTS && ofports[i] != ofp_to_u16(port)) {
        i++;
    }
    if (i == N_PORTS) {
        return false;
    }
    memset(ps, 0, sizeof *ps);
    memset(&ps->stats, 0xff, sizeof ps->stats);
    ps->port_no = port;
    ps->stats.rx_packets = ps->stats.tx_packets = 7;
    ps->stats.rx_bytes = ps->stats.tx_bytes = 700;
    ps->duration_sec = 5;
    ps->duration_nsec = 0;
    return true;
}

/* As bridge.c does: the configuration bits go to the pipeline. */
static enum ofperr
port_mod(void *aux OVS_UNUSED, const struct ofputil_port_mod *pm)
{
    for (int i = 0; i < N_PORTS; i++) {
        if (ofports[i] == ofp_to_u16(pm->port_no)) {
            if (pm->mask & ~(OFPUTIL_PC_PORT_DOWN | OFPUTIL_PC_NO_RECV
                             | OFPUTIL_PC_NO_FWD | OFPUTIL_PC_NO_FLOOD
                             | OFPUTIL_PC_NO_PACKET_IN)) {
                return OFPERR_OFPPMFC_BAD_CONFIG;
            }
            pipeline_port_set_config(s.pl, ofports[i],
                                     pm->config & pm->mask);
            return 0;
        }
    }
    return OFPERR_OFPPMFC_BAD_PORT;
}

static const struct connmgr_bridge_ops bridge_ops = {
    .get_ports = get_ports,
    .get_port_stats = get_port_stats,
    .port_mod = port_mod,
};

/* Port 1 and LOCAL carry every VLAN; the others as 'variant' says: 1,
 * port 2 an access port of VLAN 10; 2 and 3, port 2 a trunk of 10 and 20
 * with native VLAN 20, port 3 an access port of VLAN 20. */
static void
add_ports(struct pipeline *pl, int variant)
{
    static const uint16_t trunks[] = { 10, 20 };
    struct pipeline_port_vlans access10 = { .vlan = 10 };
    struct pipeline_port_vlans access20 = { .vlan = 20 };
    struct pipeline_port_vlans trunk = {
        .trunks = trunks, .n_trunks = 2, .native_vlan = 20,
    };

    for (size_t i = 0; i < N_PORTS; i++) {
        const struct pipeline_port_vlans *v = NULL;
        if (ofports[i] == 2) {
            v = variant == 1 ? &access10 : variant >= 2 ? &trunk : NULL;
        } else if (ofports[i] == 3 && variant >= 2) {
            v = &access20;
        }
        pipeline_port_add(pl, ofports[i], DP_FIRST + i,
                          ofports[i] == 65534, v);
    }
    /* Port 2 has queues 1 and 7 (set_queue, enqueue, queue requests). */
    struct xvs_queue *qs;
    size_t n_qs;
    char *error = xvs_parse_queues("1:10Mb/s 7:1Gb/s", &qs, &n_qs);
    if (!error) {
        error = pipeline_port_set_queues(pl, 2, qs, n_qs);
    }
    if (error) {
        fail(NULL, "queues: %s", error);
    }
    xvs_queues_free(qs, n_qs);
}

/* ---- Packets through the tables ------------------------------------ */

/* Frames the datapath might meet: IPv4/UDP, broadcast ARP, IPv6/TCP,
 * VLAN-tagged IPv4/ICMP, MPLS. */
static const uint8_t frame_udp[] = {
    0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
    0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0x66, 0xcc, 10, 0, 0, 1, 10, 0, 0, 2,
    0x03, 0xe8, 0, 53, 0, 8, 0, 0,
};
static const uint8_t frame_arp[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
    0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
};
static const uint8_t frame_tcp6[] = {
    0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd,
    0x60, 0, 0, 5, 0, 20, 6, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff,
    0, 0, 0, 0,
};
static const uint8_t frame_vlan_icmp[] = {
    0x02, 0, 0, 0, 0, 0x03, 0x02, 0, 0, 0, 0, 0x01, 0x81, 0x00, 0x00, 0x0a,
    0x08, 0x00, 0x45, 0xb8, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0,
    10, 0, 0, 1, 10, 0, 0, 3, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
};
static const uint8_t frame_mpls[] = {
    0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0x47,
    0x00, 0x06, 0x41, 0x40, 0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0,
    10, 0, 0, 1, 10, 0, 0, 2,
};

/* Translates each frame from each port; with 'pins', sends the
 * packet-ins the translations ask for. */
static void
translate_all(struct pipeline *pl, bool pins)
{
    static const struct {
        const uint8_t *data;
        size_t len;
    } frames[] = {
        { frame_udp, sizeof frame_udp },
        { frame_arp, sizeof frame_arp },
        { frame_tcp6, sizeof frame_tcp6 },
        { frame_vlan_icmp, sizeof frame_vlan_icmp },
        { frame_mpls, sizeof frame_mpls },
    };
    /* A struct dp_upcall holds 784 actions: keep it off the stack. */
    struct dp_upcall *up = xmalloc(sizeof *up);

    for (uint32_t port = DP_FIRST; port < DP_FIRST + N_PORTS; port++) {
        for (size_t i = 0; i < ARRAY_SIZE(frames); i++) {
            struct dp_flow_key key;
            dp_flow_key_extract(frames[i].data, frames[i].len, port, &key);
            memset(up, 0, sizeof *up);
            up->key = &key;
            up->packet = frames[i].data;
            up->len = up->pkt_len = frames[i].len;
            pipeline_upcall(pl, up);
            check_actions(&up->actions);
            if (pins) {
                queue_pins(&up->actions, frames[i].data, frames[i].len);
            }
            if (up->handle) {
                pipeline_upcall_ops.credit(up->handle, 1, frames[i].len);
                if (up->cacheable && n_cached < MAX_CACHED) {
                    struct cached *c = &cached[n_cached++];
                    c->handle = up->handle;
                    c->mask = up->mask;
                    c->mask.in_port = UINT32_MAX;
                    for (size_t w = 0; w < DP_KEY_WORDS; w++) {
                        dp_key_words_rw(&c->key)[w]
                            = dp_key_words(&key)[w]
                              & dp_key_words(&c->mask)[w];
                    }
                } else {
                    pipeline_upcall_ops.release(up->handle);
                }
            }
        }
    }
    free(up);
}

/* ---- The run of one input ------------------------------------------ */

int
LLVMFuzzerInitialize(int *argc OVS_UNUSED, char ***argv OVS_UNUSED)
{
    set_program_name("fuzz-openflow");
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, verbose ? VLL_DBG : VLL_OFF);
    ovs_list_init(&s.pins);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t versions[] = {
        OFP10_VERSION, OFP13_VERSION, OFP14_VERSION, OFP15_VERSION,
    };

    if (!size) {
        return 0;
    }
    s.version = versions[data[0] & 3];
    s.next = data + 1;
    s.end = data + size;
    s.xid = 0;
    s.main = NULL;
    memset(s.meters, 0, sizeof s.meters);

    s.pl = pipeline_create("br0");
    pipeline_set_hooks(s.pl, &hooks, NULL);
    add_ports(s.pl, (data[0] >> 3) & 3);
    s.mgr = connmgr_create("br0", 0x1, s.pl, &bridge_ops, NULL);
    connmgr_set_fail_standalone(s.mgr, !(data[0] & 4));
    connmgr_set_controllers(s.mgr, (char *const *) controllers,
                            ARRAY_SIZE(controllers));
    if (!s.main) {
        fail(NULL, "no connection to %s", controllers[0]);
    }

    /* Decisions to revalidate as the messages change the tables. */
    translate_all(s.pl, false);

    /* Each run handles a bounded number of messages per connection. */
    while (s.next < s.end) {
        connmgr_run(s.mgr);
        send_pins();
    }

    /* Rules with timeouts expire; packets go through what is left. */
    s.xid = 0;
    pipeline_run(s.pl, time_msec() + 70000000LL);
    cached_release_all();
    translate_all(s.pl, true);
    connmgr_run(s.mgr);
    send_pins();
    cached_release_all();

    struct ds ds = DS_EMPTY_INITIALIZER;
    connmgr_format(s.mgr, &ds);
    pipeline_flows_dump(s.pl, &ds);
    pipeline_groups_dump(s.pl, &ds);
    pipeline_meters_dump(s.pl, &ds);
    ds_destroy(&ds);
    json_destroy(connmgr_to_json(s.mgr));

    connmgr_destroy(s.mgr);
    pipeline_destroy(s.pl);
    ovsrcu_quiesce();           /* Runs the postponed frees. */
    for (size_t i = 0; i < DP_MAX_METERS; i++) {
        if (s.meters[i]) {
            fail(NULL, "datapath meter %zu left behind", i);
        }
    }
    return 0;
}
