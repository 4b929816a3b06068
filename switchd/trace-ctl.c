/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace-ctl: xvs-ctl trace, why a packet goes where it goes (main thread).
 *
 *   trace BRIDGE FLOW                  FLOW in ovs-ofctl syntax, e.g.
 *                                      in_port=vif1.0,tcp,nw_dst=10.0.0.2
 *   trace BRIDGE [FLOW] --packet HEX   a whole frame; FLOW may then give
 *                                      in_port, metadata and registers
 *
 * A FLOW is made into a frame (flow_compose()) and that frame is traced,
 * so that a trace sees exactly what the datapath would parse from it; the
 * reply shows the frame, to send for real.  The translation is the one an
 * upcall makes (pipeline_trace()), changing nothing.  The command is
 * listed in lib/xvs-commands.c.
 */
#include <config.h>

#include "bridge-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "datapath/datapath.h"
#include "datapath/flow-key.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "pipeline.h"
#include "util.h"
#include "xvs-commands.h"

/* The largest frame a trace takes: the largest MTU the switch carries,
 * with its Ethernet header and two VLAN tags. */
#define TRACE_MAX_FRAME (9216 + 14 + 8)

#define TRACE_USAGE "usage: trace BRIDGE FLOW | trace BRIDGE [FLOW] " \
                    "--packet HEX [--format=json]"

/* Every port of 'br' by name, for parsing and printing. */
static void
port_map_of(const struct bridge *br, struct ofputil_port_map *map)
{
    ofputil_port_map_init(map);
    for (size_t i = 0; i < br->n_ports; i++) {
        ofputil_port_map_put(map, u16_to_ofp(br->ports[i]->ofport),
                             br->ports[i]->name);
    }
}

/* 'text' with "tp_src" and "tp_dst" made "udp_src", "udp_dst" (or
 * sctp_) if it names UDP (or SCTP): in a flow's match they stand for the
 * ports of any of the three, but Open vSwitch's parser of exact flows
 * takes them as TCP's only.  The caller frees the result. */
static char *
l4_port_names(const char *text)
{
    const char *proto = NULL;
    char *copy = xstrdup(text), *save = NULL;

    for (char *tok = strtok_r(copy, ", \t", &save); tok;
         tok = strtok_r(NULL, ", \t", &save)) {
        if (!strcmp(tok, "udp") || !strcmp(tok, "udp6")
            || !strcmp(tok, "nw_proto=17")) {
            proto = "udp";
        } else if (!strcmp(tok, "sctp") || !strcmp(tok, "sctp6")
                   || !strcmp(tok, "nw_proto=132")) {
            proto = "sctp";
        }
    }
    free(copy);

    struct ds s = DS_EMPTY_INITIALIZER;
    for (const char *p = text; *p; ) {
        bool at_start = p == text || strchr(", \t", p[-1]);
        if (proto && at_start && (!strncmp(p, "tp_src=", 7)
                                  || !strncmp(p, "tp_dst=", 7))) {
            ds_put_format(&s, "%s_%.3s", proto, p + 3);
            p += 6;
        } else {
            ds_put_char(&s, *p++);
        }
    }
    return ds_steal_cstr(&s);
}

/* Parses FLOW into '*flow' ('*wc': the fields it gives): NULL, or an
 * error message. */
static char *
parse_trace_flow(const char *text, const struct ofputil_port_map *map,
                 struct flow *flow, struct flow_wildcards *wc)
{
    char *names = l4_port_names(text);
    char *error = parse_ofp_exact_flow(flow, wc, NULL, names, map);

    free(names);
    if (error) {
        char *msg = xasprintf("bad flow \"%s\": %s", text, error);
        free(error);
        return msg;
    }
    return NULL;
}

/* Parses the frame of --packet HEX into 'frame': NULL, or an error
 * message. */
static char *
parse_trace_packet(const char *hex, struct ofpbuf *frame)
{
    size_t n;
    const char *end = ofpbuf_put_hex(frame, hex, &n);

    end += strspn(end, " \t\n");
    if (*end) {
        return xasprintf("--packet: expected hexadecimal bytes, found \"%.16s"
                         "\" at offset %td", end, end - hex);
    }
    if (n < ETH_HEADER_LEN) {
        return xasprintf("--packet: %zu bytes, less than an Ethernet "
                         "header (%d)", n, ETH_HEADER_LEN);
    }
    if (n > TRACE_MAX_FRAME) {
        return xasprintf("--packet: %zu bytes, more than the largest frame "
                         "(%d)", n, TRACE_MAX_FRAME);
    }
    return NULL;
}

/* Whether 'wc' gives only what a --packet's FLOW may: the input port,
 * metadata and registers (the packet itself gives the rest). */
static bool
only_metadata(const struct flow_wildcards *wc)
{
    struct flow_wildcards rest = *wc;

    rest.masks.in_port.ofp_port = 0;
    rest.masks.metadata = 0;
    memset(rest.masks.regs, 0, sizeof rest.masks.regs);
    return flow_wildcards_is_catchall(&rest);
}

static void
cmd_trace(struct control_conn *conn, int argc, const char *argv[],
          void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    const char *flow_text = NULL, *hex = NULL;

    if (json < 0) {
        control_reply_error(conn, TRACE_USAGE);
        return;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--packet") && i + 1 < argc && !hex) {
            hex = argv[++i];
        } else if (argv[i][0] != '-' && !flow_text) {
            flow_text = argv[i];
        } else {
            reply_error_free(conn, xasprintf("trace: unexpected \"%s\"; "
                                             TRACE_USAGE, argv[i]));
            return;
        }
    }
    if (!flow_text && !hex) {
        control_reply_error(conn, TRACE_USAGE);
        return;
    }

    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    if (!br) {
        return;
    }

    struct ofputil_port_map map;
    struct flow flow;
    struct flow_wildcards wc;
    uint64_t frame_stub[2048 / 8];
    struct ofpbuf frame = OFPBUF_STUB_INITIALIZER(frame_stub);
    char *error = NULL;

    port_map_of(br, &map);
    memset(&flow, 0, sizeof flow);
    flow_wildcards_init_catchall(&wc);
    if (flow_text) {
        error = parse_trace_flow(flow_text, &map, &flow, &wc);
    }
    if (!error && hex) {
        error = parse_trace_packet(hex, &frame);
        if (!error && !only_metadata(&wc)) {
            error = xasprintf("with --packet, FLOW gives only in_port, "
                              "metadata and registers (the packet gives "
                              "the rest): \"%s\"", flow_text);
        }
    } else if (!error) {
        /* A FLOW that does not say leaves the TTL at 0, which the first
         * dec_ttl would expire: give it a host's default. */
        if (is_ip_any(&flow) && !wc.masks.nw_ttl) {
            flow.nw_ttl = 64;
        }
        struct dp_packet *p = dp_packet_new(128);
        flow_compose(p, &flow, NULL, 0);
        ofpbuf_put(&frame, dp_packet_data(p), dp_packet_size(p));
        dp_packet_delete(p);
    }

    ofp_port_t in_port = wc.masks.in_port.ofp_port ? flow.in_port.ofp_port
                                                   : OFPP_NONE;
    if (!error && in_port != OFPP_NONE) {
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct port *port = br->ports[i];
            if (u16_to_ofp(port->ofport) == in_port && !port->attached) {
                error = xasprintf("port %s is not attached%s%s: no packet "
                                  "comes from it", port->name,
                                  port->error ? ": " : "",
                                  port->error ? port->error : "");
            }
        }
    }
    struct pipeline_trace t;
    if (!error) {
        pipeline_trace(br->pl, in_port, &flow, frame.data, frame.size, &map,
                       &t, &error);
    }
    if (error) {
        reply_error_free(conn, error);
        ofputil_port_map_destroy(&map);
        ofpbuf_uninit(&frame);
        return;
    }

    /* The frame as the pipeline parses it. */
    struct dp_packet pkt;
    struct flow parsed;
    dp_packet_use_const(&pkt, frame.data, frame.size);
    flow_extract(&pkt, &parsed);
    parsed.in_port.ofp_port = in_port;
    parsed.metadata = flow.metadata;
    memcpy(parsed.regs, flow.regs, sizeof parsed.regs);

    struct ds flow_s = DS_EMPTY_INITIALIZER;
    struct ds hex_s = DS_EMPTY_INITIALIZER;
    struct ds acts = DS_EMPTY_INITIALIZER;
    char megaflow[1024] = "";
    char port_s[64];

    flow_format(&flow_s, &parsed, &map);
    for (size_t i = 0; i < frame.size; i++) {
        ds_put_format(&hex_s, "%02x", ((const uint8_t *) frame.data)[i]);
    }
    format_dp_actions(&acts, t.actions.a, t.actions.n, t.actions.n);
    if (t.cacheable) {
        dp_flow_key_format(&t.key, &t.mask, dp_port_name, NULL, megaflow,
                           sizeof megaflow);
    }
    const char *in_name = ofputil_port_map_get_name(&map, in_port);
    if (in_name) {
        snprintf(port_s, sizeof port_s, "%s", in_name);
    } else {
        ofputil_port_to_string(in_port, NULL, port_s, sizeof port_s);
    }

    if (json) {
        struct json *o = json_object_create();
        json_object_put_string(o, "bridge", br->name);
        json_object_put_string(o, "in_port", in_port == OFPP_NONE
                                             ? "NONE" : port_s);
        json_object_put_string(o, "flow", ds_cstr(&flow_s));
        json_object_put_string(o, "packet", ds_cstr(&hex_s));
        json_object_put(o, "steps", t.steps);
        json_object_put_string(o, "datapath_actions", ds_cstr(&acts));
        json_object_put(o, "megaflow", t.cacheable
                        ? json_string_create(megaflow) : json_null_create());
        reply_json(conn, o);
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;

        ds_put_format(&s, "Bridge: %s\nFlow: %s\nPacket: %s (%"PRIu32
                      " bytes)\n\n", br->name, ds_cstr(&flow_s),
                      ds_cstr(&hex_s), frame.size);
        const struct json_array *steps = json_array(t.steps);
        for (size_t i = 0; i < steps->n; i++) {
            const struct json *st = steps->elems[i];
            const struct json *depth = shash_find_data(json_object(st),
                                                       "depth");
            const struct json *text = shash_find_data(json_object(st),
                                                      "text");
            ds_put_char_multiple(&s, ' ', 4 * json_integer(depth));
            ds_put_format(&s, "%s\n", json_string(text));
        }
        ds_put_format(&s, "\nDatapath actions: %s\n", ds_cstr(&acts));
        if (t.cacheable) {
            ds_put_format(&s, "Megaflow: %s\n", megaflow);
        } else if (t.from_port) {
            ds_put_cstr(&s, "Megaflow: none (the decision depends on what "
                        "the datapath key does not carry: every such "
                        "packet is an upcall)\n");
        }
        control_reply(conn, ds_cstr(&s));
        ds_destroy(&s);
        json_destroy(t.steps);
    }
    ds_destroy(&flow_s);
    ds_destroy(&hex_s);
    ds_destroy(&acts);
    ofputil_port_map_destroy(&map);
    ofpbuf_uninit(&frame);
}

void
trace_ctl_register_commands(void)
{
    const struct xvs_command *xc = xvs_command_find("trace");

    ovs_assert(xc);
    control_register_command(xc, cmd_trace, NULL);
}
