/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge-ctl: the control-socket commands that show and change bridges,
 * ports and controllers, and show statistics and caches (main thread);
 * those of flows, groups and meters are in table-ctl.c.  The
 * commands, their arguments and their help are listed once, in
 * lib/xvs-commands.c, for xvs-ctl and the daemon alike.
 */
#include <config.h>

#include "bridge-private.h"
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
#include "datapath/dp-classify.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "connmgr.h"
#include "flow.h"
#include "packets.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/vconn.h"
#include "pipeline.h"
#include "port-security.h"
#include "timeval.h"
#include "control.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-config.h"

VLOG_DEFINE_THIS_MODULE(bridge_ctl);

/* ---- Control commands ----------------------------------------------- */

/* Removes "--format=json|text" from 'argv'; returns -1 for a bad value. */
int
take_format(int *argc, const char *argv[])
{
    int json = 0, n = 1;

    for (int i = 1; i < *argc; i++) {
        if (!strncmp(argv[i], "--format=", 9)) {
            const char *f = argv[i] + 9;
            if (!strcmp(f, "json")) {
                json = 1;
            } else if (!strcmp(f, "text")) {
                json = 0;
            } else {
                return -1;
            }
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    return json;
}

void
reply_json(struct control_conn *conn, struct json *json)
{
    char *s = json_to_string(json, JSSF_SORT | JSSF_PRETTY);
    control_reply(conn, s);
    free(s);
    json_destroy(json);
}

/* Replies with 'json' if 'as_json', else with the text in 's'; frees both. */
void
reply_json_or_text(struct control_conn *conn, bool as_json, struct json *json,
                   struct ds *s)
{
    if (as_json) {
        reply_json(conn, json);
    } else {
        json_destroy(json);
        control_reply(conn, ds_cstr(s));
    }
    ds_destroy(s);
}

void
reply_error_free(struct control_conn *conn, char *error)
{
    control_reply_error(conn, error);
    free(error);
}

struct bridge *
find_bridge_or_reply(struct control_conn *conn, const char *name)
{
    struct bridge *br = bridge_find(name);
    if (!br) {
        reply_error_free(conn, xasprintf("no bridge named %s", name));
    }
    return br;
}

/* Port argv[2] of bridge argv[1]; NULL after replying with the error. */
static struct port *
find_port_or_reply(struct control_conn *conn, const char *argv[],
                   struct bridge **brp)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    struct port *port = br ? bridge_find_port(br, argv[2]) : NULL;

    if (br && !port) {
        reply_error_free(conn, xasprintf("bridge %s has no port named %s",
                                         argv[1], argv[2]));
    }
    *brp = br;
    return port;
}

static const char *
format_mac(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

/* Domain names read from xenstore, kept XEN_NAME_TTL_MS: reading one
 * forks xenstore-read on the main thread, and show, dump-ports and
 * dump-domains ask once per port.  A domain renamed meanwhile shows its
 * new name within that time. */
#define XEN_NAME_TTL_MS 5000
struct xen_name {
    struct hmap_node node;          /* In 'xen_names', by domid. */
    int32_t domid;
    char *name;                     /* NULL: none. */
    long long read_at;
};
static struct hmap xen_names = HMAP_INITIALIZER(&xen_names);

static char *xen_domain_name__(int32_t domid);

/* The name of Xen domain 'domid' from xenstore, or NULL (no Xen, no such
 * domain, no xenstore-read).  The caller frees it. */
static char *
xen_domain_name(int32_t domid)
{
    long long now = time_msec();
    struct xen_name *xn, *found = NULL;

    HMAP_FOR_EACH_SAFE (xn, node, &xen_names) {
        if (now - xn->read_at >= XEN_NAME_TTL_MS) {
            hmap_remove(&xen_names, &xn->node);
            free(xn->name);
            free(xn);
        } else if (xn->domid == domid) {
            found = xn;
        }
    }
    if (!found) {
        found = xmalloc(sizeof *found);
        found->domid = domid;
        found->name = xen_domain_name__(domid);
        found->read_at = now;
        hmap_insert(&xen_names, &found->node, hash_int(domid, 0));
    }
    return nullable_xstrdup(found->name);
}

static char *
xen_domain_name__(int32_t domid)
{
    char cmd[80], buf[256];
    char *name = NULL;
    FILE *f;

    snprintf(cmd, sizeof cmd, "xenstore-read /local/domain/%d/name "
             "2>/dev/null", (int) domid);
    f = popen(cmd, "r");
    if (f) {
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\r\n")] = '\0';
            name = *buf ? xstrdup(buf) : NULL;
        }
        if (pclose(f)) {
            free(name);
            name = NULL;
        }
    }
    return name;
}

char *
port_domain_name(const struct port *port)
{
    return (port->guest.vm_name ? xstrdup(port->guest.vm_name)
            : port->domid >= 0 ? xen_domain_name(port->domid) : NULL);
}

static struct json *
addrs_to_json(const struct xvs_addr *a, size_t n)
{
    struct json *array = json_array_create_empty();

    for (size_t i = 0; i < n; i++) {
        char buf[64];
        xvs_format_addr(&a[i], buf);
        json_array_add(array, json_string_create(buf));
    }
    return array;
}

static struct json *
guest_to_json(const struct xvs_port_guest *g)
{
    struct json *o = json_object_create();

    if (g->has_mac) {
        char mac[18];
        json_object_put_string(o, "mac", format_mac(g->mac, mac));
    }
    json_object_put(o, "ip", addrs_to_json(g->ips, g->n_ips));
    json_object_put(o, "allowed_addresses",
                    addrs_to_json(g->allowed, g->n_allowed));
    json_object_put(o, "port_security",
                    json_boolean_create(xvs_port_guest_secured(g)));
    if (g->rate_bytes) {
        struct json *r = json_object_create();
        json_object_put(r, "bytes", json_integer_create(g->rate_bytes));
        json_object_put(r, "usecs", json_integer_create(g->rate_usecs));
        json_object_put(r, "burst",
                        json_integer_create(xvs_rate_burst(g->rate_bytes)));
        json_object_put(r, "bits_per_second", json_integer_create(
                            g->rate_bytes * 8000000 / g->rate_usecs));
        json_object_put(o, "rate", r);
    }
    if (g->vm_uuid) {
        json_object_put_string(o, "vm_uuid", g->vm_uuid);
    }
    if (g->vm_name) {
        json_object_put_string(o, "vm_name", g->vm_name);
    }
    if (g->n_queues) {
        struct json *queues = json_array_create_empty();
        for (size_t i = 0; i < g->n_queues; i++) {
            const struct xvs_queue *q = &g->queues[i];
            struct json *qo = json_object_create();
            json_object_put(qo, "queue_id", json_integer_create(q->id));
            json_object_put(qo, "max_rate_bps", json_integer_create(
                                xvs_rate_bps(q->rate_bytes, q->rate_usecs)));
            json_object_put(qo, "burst", json_integer_create(
                                xvs_rate_burst(q->rate_bytes)));
            json_array_add(queues, qo);
        }
        json_object_put(o, "queues", queues);
    }
    return o;
}

static void
put_addrs(struct ds *s, const char *what, const struct xvs_addr *a,
          size_t n)
{
    if (n) {
        ds_put_format(s, "%s%s", s->length ? ", " : "", what);
        for (size_t i = 0; i < n; i++) {
            char buf[64];
            xvs_format_addr(&a[i], buf);
            ds_put_format(s, " %s", buf);
        }
    }
}

/* "mac M, ip A B, allowed C, port security on, rate R, vm uuid U", or
 * "" if the port has none of these. */
static void
format_guest(struct ds *s, const struct xvs_port_guest *g)
{
    if (g->has_mac) {
        char mac[18];
        ds_put_format(s, "mac %s", format_mac(g->mac, mac));
    }
    put_addrs(s, "ip", g->ips, g->n_ips);
    put_addrs(s, "allowed", g->allowed, g->n_allowed);
    if (xvs_port_guest_secured(g)) {
        ds_put_format(s, "%sport security on", s->length ? ", " : "");
    } else if (g->has_mac) {
        ds_put_cstr(s, ", port security off");
    }
    if (g->rate_bytes) {
        char buf[96];
        xvs_format_rate(g->rate_bytes, g->rate_usecs, buf);
        ds_put_format(s, "%srate %s", s->length ? ", " : "", buf);
    }
    if (g->vm_uuid) {
        ds_put_format(s, "%svm uuid %s", s->length ? ", " : "",
                      g->vm_uuid);
    }
    for (size_t i = 0; i < g->n_queues; i++) {
        char buf[96];
        xvs_format_rate(g->queues[i].rate_bytes, g->queues[i].rate_usecs,
                        buf);
        ds_put_format(s, "%s%s %"PRIu32" max-rate %s",
                      s->length ? ", " : "", "queue",
                      g->queues[i].id, buf);
    }
}

/* The DHCP leases port security learned for 'port' (-1: it does not
 * learn), and the seconds left of each (-1: no end). */
static int
port_leases(const struct bridge *br, const struct port *port,
            struct psec_lease leases[PSEC_MAX_LEASES],
            long long left[PSEC_MAX_LEASES])
{
    int n = pipeline_port_dhcp_leases(br->pl, port->ofport, leases);
    long long now = time_msec();

    for (int i = 0; i < n; i++) {
        left[i] = (leases[i].expires == LLONG_MAX ? -1
                   : (leases[i].expires - now + 999) / 1000);
    }
    return n;
}

static struct json *
port_to_json(const struct bridge *br, const struct port *port)
{
    struct json *o = json_object_create();

    json_object_put_string(o, "name", port->name);
    json_object_put(o, "ofport", json_integer_create(port->ofport));
    json_object_put_string(o, "type", xvs_port_type_name(port->type));
    if (port->domid >= 0) {
        char *name = port_domain_name(port);
        json_object_put(o, "domid", json_integer_create(port->domid));
        json_object_put(o, "domain_name", name ? json_string_create(name)
                                                : json_null_create());
        free(name);
    }
    if (port->devid >= 0) {
        json_object_put(o, "devid", json_integer_create(port->devid));
    }
    if (port->vlan) {
        json_object_put(o, "vlan", json_integer_create(port->vlan));
    }
    if (port->n_trunks) {
        struct json *t = json_array_create_empty();
        for (size_t i = 0; i < port->n_trunks; i++) {
            json_array_add(t, json_integer_create(port->trunks[i]));
        }
        json_object_put(o, "trunks", t);
    }
    if (port->native_vlan) {
        json_object_put(o, "native_vlan",
                        json_integer_create(port->native_vlan));
    }
    json_object_put(o, "guest", guest_to_json(&port->guest));

    struct psec_lease leases[PSEC_MAX_LEASES];
    long long left[PSEC_MAX_LEASES];
    int n_leases = port_leases(br, port, leases, left);
    if (n_leases >= 0) {
        struct json *a = json_array_create_empty();
        for (int i = 0; i < n_leases; i++) {
            struct json *l = json_object_create();
            char addr[INET6_ADDRSTRLEN];
            ipv6_string_mapped(addr, &leases[i].addr);
            if (leases[i].plen < 128) {
                json_object_put(l, "ip", json_string_create_nocopy(
                                    xasprintf("%s/%d", addr,
                                              leases[i].plen)));
            } else {
                json_object_put_string(l, "ip", addr);
            }
            json_object_put(l, "seconds_left", left[i] < 0
                            ? json_null_create()
                            : json_integer_create(left[i]));
            json_array_add(a, l);
        }
        json_object_put(o, "dhcp_leases", a);
    }
    if (port->attached) {
        struct dp_port_info info;
        char mac[18];

        dp_port_get_info(port->dp_port, &info);
        json_object_put_string(o, "driver", port->type == XVS_PORT_DPDK
                                            ? info.driver : port->driver_used);
        json_object_put_string(o, "dpdk_driver", info.driver);
        json_object_put_string(o, "devargs", info.devargs);
        json_object_put_string(o, "link", port->link_up ? "up" : "down");
        json_object_put_string(o, "mac", format_mac(info.mac, mac));
        json_object_put(o, "pmd_core", json_integer_create(info.pmd_core));
        json_object_put(o, "on_handler", json_boolean_create(info.on_handler));
        json_object_put(o, "handler_moves",
                        json_integer_create(info.handler_moves));
        json_object_put(o, "mtu", json_integer_create(info.mtu));
        json_object_put(o, "offloads", json_boolean_create(info.offloads));
    } else {
        json_object_put_string(o, "error",
                               port->error ? port->error : "not attached");
    }
    return o;
}

static void
show_port_text(struct ds *s, const struct bridge *br, const struct port *port)
{
    if (port->ofport == OFPORT_LOCAL) {
        ds_put_format(s, "    port %s: ofport LOCAL, %s", port->name,
                      xvs_port_type_name(port->type));
    } else {
        ds_put_format(s, "    port %s: ofport %"PRIu16", %s", port->name,
                      port->ofport, xvs_port_type_name(port->type));
    }
    if (port->domid >= 0) {
        char *name = port_domain_name(port);
        ds_put_format(s, " of domain %d", (int) port->domid);
        if (name) {
            ds_put_format(s, " (%s)", name);
        }
        if (port->devid >= 0) {
            ds_put_format(s, " vif %d", (int) port->devid);
        }
        free(name);
    }
    if (port->vlan) {
        ds_put_format(s, ", access vlan %u", port->vlan);
    } else if (port->n_trunks) {
        ds_put_cstr(s, ", trunks ");
        for (size_t i = 0; i < port->n_trunks; i++) {
            ds_put_format(s, "%s%u", i ? "," : "", port->trunks[i]);
        }
        if (port->native_vlan) {
            ds_put_format(s, " native %u", port->native_vlan);
        }
    }
    if (port->attached) {
        struct dp_port_info info;
        char mac[18];

        dp_port_get_info(port->dp_port, &info);
        ds_put_format(s, " via %s, link %s, mac %s, %s core %u, mtu %"PRIu32
                      "%s\n",
                      port->type == XVS_PORT_DPDK ? info.driver
                                                  : port->driver_used,
                      port->link_up ? "up" : "down",
                      format_mac(info.mac, mac),
                      info.on_handler ? "upcall handler (misses)" : "pmd",
                      info.pmd_core, info.mtu,
                      info.offloads ? ", offloads" : "");
    } else {
        ds_put_format(s, ", error: %s\n",
                      port->error ? port->error : "not attached");
    }

    struct ds g = DS_EMPTY_INITIALIZER;
    format_guest(&g, &port->guest);
    if (g.length) {
        ds_put_format(s, "        %s\n", ds_cstr(&g));
    }
    ds_destroy(&g);

    struct psec_lease leases[PSEC_MAX_LEASES];
    long long left[PSEC_MAX_LEASES];
    int n_leases = port_leases(br, port, leases, left);
    if (n_leases >= 0) {
        ds_put_cstr(s, "        dhcp leases:");
        for (int i = 0; i < n_leases; i++) {
            ds_put_cstr(s, i ? ", " : " ");
            ipv6_format_mapped(&leases[i].addr, s);
            if (leases[i].plen < 128) {
                ds_put_format(s, "/%d", leases[i].plen);
            }
            if (left[i] >= 0) {
                ds_put_format(s, " (%lld s left)", left[i]);
            }
        }
        ds_put_cstr(s, n_leases ? "\n" : " none\n");
    }
}

static void
cmd_show(struct control_conn *conn, int argc, const char *argv[],
         void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc > 1) {
        control_reply_error(conn, "usage: show [--format=json]");
        return;
    }
    if (json) {
        struct json *root = json_object_create();
        struct json *bridges = json_array_create_empty();
        struct json *cores = json_array_create_empty();

        for (size_t i = 0; i < running_cfg->n_pmd_cores; i++) {
            json_array_add(cores,
                           json_integer_create(running_cfg->pmd_cores[i]));
        }
        LIST_FOR_EACH (br, node, &all_bridges) {
            struct json *b = json_object_create();
            struct json *ports = json_array_create_empty();

            json_object_put_string(b, "name", br->name);
            json_object_put_format(b, "datapath_id", "0x%016"PRIx64,
                                   br->datapath_id);
            json_object_put_string(b, "fail_mode",
                                   xvs_fail_mode_name(br->fail_mode));
            if (br->mtu) {
                json_object_put(b, "mtu", json_integer_create(br->mtu));
            }
            json_object_put(b, "n_flows",
                            json_integer_create(pipeline_flow_count(br->pl)));
            json_object_put(b, "openflow", connmgr_to_json(br->cm));
            for (size_t i = 0; i < br->n_ports; i++) {
                json_array_add(ports, port_to_json(br, br->ports[i]));
            }
            json_object_put(b, "ports", ports);
            json_array_add(bridges, b);
        }
        unsigned int in_use, size;
        dp_mbuf_usage(&in_use, &size);
        json_object_put_string(root, "version", XVS_VERSION);
        json_object_put(root, "pmd_cores", cores);
        json_object_put(root, "mbufs_in_use", json_integer_create(in_use));
        json_object_put(root, "mbufs", json_integer_create(size));
        json_object_put(root, "mbufs_reserved",
                        json_integer_create(dp_mbufs_reserved()));
        uint32_t isas;
        struct json *isa_list = json_array_create_empty();
        json_object_put_string(root, "isa", dp_isa_name(dp_isa_in_use(&isas)));
        for (int i = DP_ISA_BASELINE; i < DP_ISA_COUNT; i++) {
            if (isas & (1u << i)) {
                json_array_add(isa_list, json_string_create(dp_isa_name(i)));
            }
        }
        json_object_put(root, "isa_supported", isa_list);
        if (dp_handler_core() >= 0) {
            struct json *h = json_object_create();
            json_object_put(h, "core", json_integer_create(dp_handler_core()));
            json_object_put(h, "misses_per_second", json_integer_create(
                                running_cfg->pmd_handler_misses));
            json_object_put(root, "upcall_handler", h);
        } else {
            json_object_put(root, "upcall_handler", json_null_create());
        }
        json_object_put(root, "metrics", metrics_listener()
                        ? json_string_create_nocopy(xasprintf(
                              "http://%s/metrics", metrics_listener()))
                        : json_null_create());
        json_object_put(root, "bridges", bridges);
        reply_json(conn, root);
        return;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "xvs-switchd %s, %zu PMD thread(s) on core(s)",
                  XVS_VERSION, running_cfg->n_pmd_cores);
    for (size_t i = 0; i < running_cfg->n_pmd_cores; i++) {
        ds_put_format(&s, "%s%u", i ? "," : " ", running_cfg->pmd_cores[i]);
    }
    unsigned int in_use, size;
    dp_mbuf_usage(&in_use, &size);
    ds_put_format(&s, ", %u of %u mbufs in use (ports and threads may hold "
                  "%"PRIu32")\n", in_use, size, dp_mbufs_reserved());
    uint32_t isas;
    ds_put_format(&s, "packet classification: %s (this CPU: ",
                  dp_isa_name(dp_isa_in_use(&isas)));
    for (int i = DP_ISA_BASELINE, n = 0; i < DP_ISA_COUNT; i++) {
        if (isas & (1u << i)) {
            ds_put_format(&s, "%s%s", n++ ? ", " : "", dp_isa_name(i));
        }
    }
    ds_put_cstr(&s, ")\n");
    if (dp_handler_core() >= 0) {
        ds_put_format(&s, "upcall handler: core %d, takes the ports that "
                      "miss the caches %"PRIu32" times a second or more\n",
                      dp_handler_core(), running_cfg->pmd_handler_misses);
    } else {
        ds_put_cstr(&s, "upcall handler: none (pmd.handler-core)\n");
    }
    if (metrics_listener()) {
        ds_put_format(&s, "metrics: http://%s/metrics\n", metrics_listener());
    }
    LIST_FOR_EACH (br, node, &all_bridges) {
        ds_put_format(&s, "bridge %s: datapath-id 0x%016"PRIx64", fail-mode "
                      "%s, ", br->name, br->datapath_id,
                      xvs_fail_mode_name(br->fail_mode));
        if (br->mtu) {
            ds_put_format(&s, "mtu %"PRIu32", ", br->mtu);
        }
        ds_put_format(&s, "%zu flow(s)\n", pipeline_flow_count(br->pl));
        connmgr_format(br->cm, &s);
        for (size_t i = 0; i < br->n_ports; i++) {
            show_port_text(&s, br, br->ports[i]);
        }
    }
    control_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* Parses add-port's "key=value" options into 'pc'. */
static char *
parse_port_options(int argc, const char *argv[], struct xvs_port_config *pc,
                   const struct xvs_bridge_config *bc)
{
    bool has_type = false;

    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) {
            return xasprintf("\"%s\": expected key=value (type=, devargs=, "
                             "ofport=, driver=, domid=, devid=, vlan=, "
                             "trunks=, native-vlan=, mac=, ip=, "
                             "allowed-addresses=, port-security=, rate=, "
                             "vm-uuid=, vm-name=)", argv[i]);
        }
        size_t klen = eq - argv[i];
        const char *value = eq + 1;
        if (klen == 4 && !strncmp(argv[i], "type", 4)) {
            if (!xvs_port_type_from_string(value, &pc->type)) {
                return xasprintf("type: expected dpdk, xenvif or internal, "
                                 "got \"%s\"", value);
            }
            has_type = true;
        } else if (klen == 7 && !strncmp(argv[i], "devargs", 7)) {
            const char *why = xvs_config_check_devargs(value);
            if (why) {
                return xasprintf("devargs: %s", why);
            }
            free(pc->devargs);
            pc->devargs = xstrdup(value);
        } else if (klen == 6 && !strncmp(argv[i], "ofport", 6)) {
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (!*value || *end || v < 1 || v > XVS_OFPORT_MAX) {
                return xasprintf("ofport: expected an integer 1-%d, got "
                                 "\"%s\"", XVS_OFPORT_MAX, value);
            }
            for (size_t j = 0; j < bc->n_ports; j++) {
                if (bc->ports[j].ofport == v) {
                    return xasprintf("ofport: %lu is already used by port "
                                     "%s", v, bc->ports[j].name);
                }
            }
            pc->ofport = v;
        } else if (klen == 5 && (!strncmp(argv[i], "domid", 5)
                                 || !strncmp(argv[i], "devid", 5))) {
            bool dom = argv[i][1] == 'o';
            unsigned long max = dom ? 32751 : 65535;
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (!*value || *end || v > max) {
                return xasprintf("%s: expected an integer 0-%lu, got \"%s\"",
                                 dom ? "domid" : "devid", max, value);
            }
            *(dom ? &pc->domid : &pc->devid) = v;
        } else if ((klen == 4 && !strncmp(argv[i], "vlan", 4))
                   || (klen == 11 && !strncmp(argv[i], "native-vlan", 11))) {
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (!*value || *end || v < 1 || v > 4094) {
                return xasprintf("%.*s: expected a VLAN 1-4094, got \"%s\"",
                                 (int) klen, argv[i], value);
            }
            *(klen == 4 ? &pc->vlan : &pc->native_vlan) = v;
        } else if (klen == 6 && !strncmp(argv[i], "trunks", 6)) {
            free(pc->trunks);
            const char *why = xvs_config_parse_vlan_list(value, &pc->trunks,
                                                         &pc->n_trunks);
            if (why) {
                return xasprintf("trunks: %s, got \"%s\"", why, value);
            }
        } else if (klen == 6 && !strncmp(argv[i], "driver", 6)) {
            if (!xvs_vif_driver_from_string(value, &pc->driver)) {
                return xasprintf("driver: expected auto, vnet, af_xdp or "
                                 "af_packet, got \"%s\"", value);
            }
        } else {
            char *error;
            int r = xvs_port_guest_option(&pc->guest, argv[i], klen, value,
                                          false, &error);
            if (r < 0) {
                return error;
            } else if (!r) {
                return xasprintf("unknown option \"%.*s\" (expected type, "
                                 "devargs, ofport, driver, domid, devid, "
                                 "vlan, trunks, native-vlan, "
                                 XVS_PORT_GUEST_KEYS ")", (int) klen,
                                 argv[i]);
            }
        }
    }
    if (!has_type) {
        pc->type = pc->devargs ? XVS_PORT_DPDK : XVS_PORT_XENVIF;
    }
    if (pc->type == XVS_PORT_DPDK && !pc->devargs) {
        return xstrdup("a dpdk port needs devargs=... (a PCI address or a "
                       "vdev string)");
    }
    if (pc->type != XVS_PORT_DPDK && pc->devargs) {
        return xstrdup("devargs: only dpdk ports take devargs");
    }
    if (pc->type != XVS_PORT_XENVIF && pc->driver != XVS_VIF_AUTO) {
        return xstrdup("driver: only xenvif ports take a driver");
    }
    if (pc->type != XVS_PORT_XENVIF && (pc->domid >= 0 || pc->devid >= 0)) {
        return xstrdup("only xenvif ports take a domid or devid");
    }
    if (pc->type != XVS_PORT_XENVIF
        && (pc->guest.vm_uuid || pc->guest.vm_name)) {
        return xstrdup("only xenvif ports take a vm-uuid or vm-name");
    }
    char *error = xvs_port_guest_check(&pc->guest);
    if (error) {
        return error;
    }
    const char *why = xvs_config_check_vlans(pc);
    if (why) {
        return xstrdup(why);
    }
    return NULL;
}

static void
cmd_add_port(struct control_conn *conn, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    const char *br_name = argv[1], *port_name = argv[2];
    struct xvs_port_config pc = { .name = CONST_CAST(char *, port_name),
                                  .domid = -1, .devid = -1 };
    struct xvs_bridge_config *bc, *other_bc;
    struct bridge *br;
    const char *why;
    char *error;

    br = find_bridge_or_reply(conn, br_name);
    if (!br) {
        return;
    }
    bc = xvs_config_find_bridge(running_cfg, br_name);
    why = xvs_config_check_name(port_name);
    if (why) {
        reply_error_free(conn, xasprintf("invalid port name \"%s\": %s",
                                         port_name, why));
        return;
    }
    if (xvs_config_find_port(running_cfg, port_name, &other_bc)) {
        reply_error_free(conn, xasprintf("port %s already exists in bridge "
                                         "%s", port_name, other_bc->name));
        return;
    }
    if (bridge_find_port(br, port_name)) {
        reply_error_free(conn, xasprintf("port %s already exists in bridge "
                                         "%s (its internal port)", port_name,
                                         br_name));
        return;
    }
    error = parse_port_options(argc - 3, argv + 3, &pc, bc);
    if (!error && !strcmp(port_name, br_name)
        && pc.type != XVS_PORT_INTERNAL) {
        error = xstrdup("only an internal port may be named after its "
                        "bridge");
    }
    if (!error && !pc.ofport) {
        pc.ofport = xvs_config_next_ofport(bc);
        if (!pc.ofport) {
            error = xstrdup("the bridge has no free ofport");
        }
    }
    if (error) {
        free(pc.devargs);
        free(pc.trunks);
        xvs_port_guest_destroy(&pc.guest);
        reply_error_free(conn, error);
        return;
    }

    struct port *port = port_create(&pc);
    if (port_attach(br, port, &error)) {
        port_destroy(port);
        free(pc.devargs);
        free(pc.trunks);
        xvs_port_guest_destroy(&pc.guest);
        reply_error_free(conn, error);
        return;
    }
    dp_flush_caches();

    struct xvs_config *new = xvs_config_clone(running_cfg);
    xvs_config_add_port(xvs_config_find_bridge(new, br_name), &pc);
    free(pc.devargs);
    free(pc.trunks);
    xvs_port_guest_destroy(&pc.guest);
    if (config_commit(new, &error)) {
        port_detach(br, port);
        port_destroy(port);
        reply_error_free(conn, xasprintf("port not added: %s", error));
        free(error);
        return;
    }
    br->ports = xrealloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
    br->ports[br->n_ports++] = port;
    if (xvs_config_find_bridge(running_cfg, br->name)->n_mirrors) {
        bridge_apply_mirrors(br);
        dp_flush_caches();
    }
    control_reply(conn, NULL);
}

static void
cmd_del_port(struct control_conn *conn, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    struct bridge *br = NULL;
    struct port *port = NULL;
    char *error;

    if (argc == 2) {
        /* del-port PORT: from whichever bridge has it (the hotplug script
         * removes a vif whose backend, and so bridge, may be gone). */
        LIST_FOR_EACH (br, node, &all_bridges) {
            port = bridge_find_port(br, argv[1]);
            if (port) {
                break;
            }
        }
        if (!port) {
            reply_error_free(conn, xasprintf("no bridge has a port named %s",
                                             argv[1]));
            return;
        }
    } else {
        port = find_port_or_reply(conn, argv, &br);
        if (!port) {
            return;
        }
    }
    if (port->implicit) {
        reply_error_free(conn, xasprintf("%s is the bridge's internal port; "
                                         "set internal-port: false in the "
                                         "configuration to go without it",
                                         port->name));
        return;
    }

    struct xvs_config *new = xvs_config_clone(running_cfg);
    xvs_config_del_port(xvs_config_find_bridge(new, br->name), port->name);
    if (config_commit(new, &error)) {
        reply_error_free(conn, xasprintf("port not deleted: %s", error));
        free(error);
        return;
    }
    port_detach(br, port);
    bridge_remove_port(br, port);
    VLOG_INFO("%s: deleted port %s", br->name, port->name);
    port_destroy(port);
    if (xvs_config_find_bridge(running_cfg, br->name)->n_mirrors) {
        bridge_apply_mirrors(br);
        dp_flush_caches();
    }
    control_reply(conn, NULL);
}

/* set-controller BR TARGET...: the bridge's controllers become TARGETs. */
static void
cmd_set_controller(struct control_conn *conn, int argc, const char *argv[],
                   void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    for (int i = 2; i < argc; i++) {
        const char *t = argv[i];
        if (strncmp(t, "tcp:", 4) && strncmp(t, "ssl:", 4)
            && strncmp(t, "unix:", 5)) {
            reply_error_free(conn, xasprintf("\"%s\": expected a tcp:, "
                                             "ssl: or unix: target", t));
            return;
        }
        int err = vconn_verify_name(t);
        if (!err && strncmp(t, "unix:", 5)) {
            /* tcp:HOST[:PORT]: a host, and a port that is a number. */
            const char *host = t + 4;
            const char *colon = strrchr(host, ':');
            const char *bracket = strrchr(host, ']');
            if (!*host || *host == ':') {
                err = EINVAL;
            } else if (colon && (!bracket || colon > bracket)) {
                char *end;
                long port = strtol(colon + 1, &end, 10);
                err = *end || port < 1 || port > 65535 ? EINVAL : 0;
            }
        } else if (!err && !t[5]) {
            err = EINVAL;
        }
        if (err) {
            reply_error_free(conn, xasprintf("\"%s\": not a valid "
                                             "OpenFlow target: %s", t,
                                             ovs_strerror(err)));
            return;
        }
        for (int j = 2; j < i; j++) {
            if (!strcmp(argv[j], t)) {
                reply_error_free(conn, xasprintf("\"%s\" is given twice",
                                                 t));
                return;
            }
        }
    }

    struct xvs_config *new = xvs_config_clone(running_cfg);
    struct xvs_bridge_config *bc = xvs_config_find_bridge(new, br->name);
    for (size_t i = 0; i < bc->n_controllers; i++) {
        free(bc->controllers[i]);
    }
    free(bc->controllers);
    bc->n_controllers = argc - 2;
    bc->controllers = xcalloc(argc - 2 + 1, sizeof *bc->controllers);
    for (int i = 2; i < argc; i++) {
        bc->controllers[i - 2] = xstrdup(argv[i]);
    }
    if (config_commit(new, &error)) {
        reply_error_free(conn, xasprintf("controllers not changed: %s",
                                         error));
        free(error);
        return;
    }
    bc = xvs_config_find_bridge(running_cfg, br->name);
    connmgr_set_controllers(br->cm, bc->controllers, bc->n_controllers);
    control_reply(conn, NULL);
}

/* set-mtu BR MTU: every port of the bridge gets MTU (saved), or, if one
 * of them cannot take it, none does.  (An internal port gets at most
 * INTERNAL_PORT_MAX_MTU.) */
static void
cmd_set_mtu(struct control_conn *conn, int argc OVS_UNUSED,
            const char *argv[], void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    unsigned int mtu;
    char *error;

    if (!br) {
        return;
    }
    if (!str_to_uint(argv[2], 10, &mtu) || mtu < XVS_MTU_MIN
        || mtu > XVS_MTU_MAX) {
        reply_error_free(conn, xasprintf("\"%s\": expected an MTU %d-%d",
                                         argv[2], XVS_MTU_MIN, XVS_MTU_MAX));
        return;
    }

    uint32_t *old = xcalloc(br->n_ports + 1, sizeof *old);
    size_t i;
    for (i = 0; i < br->n_ports; i++) {
        struct port *port = br->ports[i];
        struct dp_port_info info;
        if (!port->attached) {
            continue;
        }
        dp_port_get_info(port->dp_port, &info);
        old[i] = info.mtu;
        if (dp_port_set_mtu(port->dp_port, port_mtu_for(port, mtu),
                            &error)) {
            break;
        }
    }
    if (i == br->n_ports) {
        struct xvs_config *new = xvs_config_clone(running_cfg);
        xvs_config_find_bridge(new, br->name)->mtu = mtu;
        if (!config_commit(new, &error)) {
            br->mtu = mtu;
            free(old);
            control_reply(conn, NULL);
            return;
        }
    }
    /* Put back the ports already changed. */
    for (size_t j = 0; j < i; j++) {
        char *ignore;
        if (br->ports[j]->attached
            && dp_port_set_mtu(br->ports[j]->dp_port, old[j], &ignore)) {
            free(ignore);
        }
    }
    free(old);
    reply_error_free(conn, xasprintf("MTU not changed: %s", error));
    free(error);
}

/* set-port BR PORT [vlan=N|none] [trunks=N,...|none] [native-vlan=N|none] */
static void
cmd_set_port(struct control_conn *conn, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    struct bridge *br;
    struct port *port = find_port_or_reply(conn, argv, &br);
    struct xvs_port_config pc;
    char *error = NULL;

    if (!port) {
        return;
    }
    if (port->implicit) {
        reply_error_free(conn, xasprintf("%s is the bridge's internal port, "
                                         "which has no settings yet",
                                         argv[2]));
        return;
    }

    memset(&pc, 0, sizeof pc);
    xvs_port_guest_copy(&pc.guest, &port->guest);
    pc.vlan = port->vlan;
    pc.native_vlan = port->native_vlan;
    pc.n_trunks = port->n_trunks;
    pc.trunks = port->n_trunks ? xmemdup(port->trunks, port->n_trunks
                                         * sizeof *port->trunks) : NULL;
    for (int i = 3; i < argc && !error; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t klen = eq ? (size_t) (eq - argv[i]) : strlen(argv[i]);
        const char *value = eq ? eq + 1 : "";
        bool none = !strcmp(value, "none");

        if (!eq) {
            error = xasprintf("\"%s\": expected key=value (vlan=, trunks=, "
                              "native-vlan=)", argv[i]);
        } else if ((klen == 4 && !strncmp(argv[i], "vlan", 4))
                   || (klen == 11 && !strncmp(argv[i], "native-vlan", 11))) {
            uint16_t *field = klen == 4 ? &pc.vlan : &pc.native_vlan;
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (none) {
                *field = 0;
            } else if (!*value || *end || v < 1 || v > 4094) {
                error = xasprintf("%.*s: expected a VLAN 1-4094 or none, "
                                  "got \"%s\"", (int) klen, argv[i], value);
            } else {
                *field = v;
            }
        } else if (klen == 6 && !strncmp(argv[i], "trunks", 6)) {
            free(pc.trunks);
            pc.trunks = NULL;
            pc.n_trunks = 0;
            const char *why = none ? NULL : xvs_config_parse_vlan_list(
                value, &pc.trunks, &pc.n_trunks);
            if (why) {
                error = xasprintf("trunks: %s, got \"%s\"", why, value);
            }
        } else if (!xvs_port_guest_option(&pc.guest, argv[i], klen, value,
                                          true, &error)) {
            error = xasprintf("set-port changes vlan, trunks, native-vlan, "
                              XVS_PORT_GUEST_KEYS "; \"%.*s\" is not one "
                              "of them", (int) klen, argv[i]);
        }
    }
    if (!error) {
        const char *why = xvs_config_check_vlans(&pc);
        error = why ? xstrdup(why) : NULL;
    }
    if (!error && port->type != XVS_PORT_XENVIF
        && (pc.guest.vm_uuid || pc.guest.vm_name)) {
        error = xstrdup("only xenvif ports take a vm-uuid or vm-name");
    }
    if (!error) {
        error = xvs_port_guest_check(&pc.guest);
    }

    struct xvs_config *new = NULL;
    if (!error) {
        struct xvs_port_config *cp;

        new = xvs_config_clone(running_cfg);
        cp = xvs_config_find_port(new, port->name, NULL);
        ovs_assert(cp);
        free(cp->trunks);
        cp->trunks = pc.n_trunks ? xmemdup(pc.trunks, pc.n_trunks
                                           * sizeof *pc.trunks) : NULL;
        cp->n_trunks = pc.n_trunks;
        cp->vlan = pc.vlan;
        cp->native_vlan = pc.native_vlan;
        xvs_port_guest_destroy(&cp->guest);
        xvs_port_guest_copy(&cp->guest, &pc.guest);
        if (config_commit(new, &error)) {
            char *e = error;
            error = xasprintf("port not changed: %s", e);
            free(e);
        }
    }
    if (error) {
        free(pc.trunks);
        xvs_port_guest_destroy(&pc.guest);
        reply_error_free(conn, error);
        return;
    }

    free(port->trunks);
    port->trunks = pc.trunks;
    port->n_trunks = pc.n_trunks;
    port->vlan = pc.vlan;
    port->native_vlan = pc.native_vlan;
    if (port->attached) {
        struct pipeline_port_vlans vlans = {
            .vlan = port->vlan, .trunks = port->trunks,
            .n_trunks = port->n_trunks, .native_vlan = port->native_vlan,
        };
        pipeline_port_set_vlans(br->pl, port->ofport, &vlans);
    }
    xvs_port_guest_destroy(&port->guest);
    port->guest = pc.guest;
    if (port->attached) {
        port_apply_guest(br, port);
        dp_flush_caches();
    }
    control_reply(conn, NULL);
}

static void
cmd_dump_ports(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc < 2 || argc > 3) {
        control_reply_error(conn, "usage: dump-ports BRIDGE [PORT] "
                                    "[--format=json]");
        return;
    }
    br = find_bridge_or_reply(conn, argv[1]);
    if (!br) {
        return;
    }
    if (argc == 3 && !bridge_find_port(br, argv[2])) {
        reply_error_free(conn, xasprintf("bridge %s has no port named %s",
                                         argv[1], argv[2]));
        return;
    }

    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct port *port = br->ports[i];
        struct dp_port_stats st;

        if (argc == 3 && strcmp(port->name, argv[2])) {
            continue;
        }
        struct pipeline_queue_stats *qs = NULL;
        size_t n_qs = 0;
        if (port->attached) {
            dp_port_get_stats(port->dp_port, &st);
            n_qs = pipeline_queues(br->pl, port->ofport, UINT32_MAX, &qs);
        } else {
            memset(&st, 0, sizeof st);
        }
        if (json) {
            struct json *o = json_object_create();
            json_object_put_string(o, "name", port->name);
            json_object_put(o, "ofport", json_integer_create(port->ofport));
            json_object_put(o, "rx_packets",
                            json_integer_create(st.rx_packets));
            json_object_put(o, "rx_bytes", json_integer_create(st.rx_bytes));
            json_object_put(o, "rx_dropped",
                            json_integer_create(st.rx_dropped));
            json_object_put(o, "tx_packets",
                            json_integer_create(st.tx_packets));
            json_object_put(o, "tx_bytes", json_integer_create(st.tx_bytes));
            json_object_put(o, "tx_dropped",
                            json_integer_create(st.tx_dropped));
            json_object_put(o, "rx_errors",
                            json_integer_create(st.rx_errors));
            json_object_put(o, "tx_mtu_dropped",
                            json_integer_create(st.tx_mtu_dropped));
            struct json *drops = json_object_create();
            for (int r = 0; r < DP_N_DROP_REASONS; r++) {
                json_object_put(drops, dp_drop_reason_name(r),
                                json_integer_create(st.drops[r]));
            }
            json_object_put(o, "rx_drops", drops);
            if (port->domid >= 0) {
                char *name = port_domain_name(port);
                json_object_put(o, "domid", json_integer_create(port->domid));
                json_object_put(o, "domain_name",
                                name ? json_string_create(name)
                                     : json_null_create());
                free(name);
            }
            if (n_qs) {
                struct json *queues = json_array_create_empty();
                for (size_t q = 0; q < n_qs; q++) {
                    struct json *qo = json_object_create();
                    json_object_put(qo, "queue_id",
                                    json_integer_create(qs[q].queue_id));
                    json_object_put(qo, "max_rate_bps",
                                    json_integer_create(qs[q].max_bps));
                    json_object_put(qo, "tx_packets",
                                    json_integer_create(qs[q].tx_packets));
                    json_object_put(qo, "tx_bytes",
                                    json_integer_create(qs[q].tx_bytes));
                    json_object_put(qo, "dropped_packets", json_integer_create(
                                        qs[q].dropped_packets));
                    json_object_put(qo, "dropped_bytes", json_integer_create(
                                        qs[q].dropped_bytes));
                    json_array_add(queues, qo);
                }
                json_object_put(o, "queues", queues);
            }
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "  port %3"PRIu16" (%s)", port->ofport,
                          port->name);
            if (port->domid >= 0) {
                char *name = port_domain_name(port);
                ds_put_format(&s, " domain %d%s%s%s", (int) port->domid,
                              name ? " (" : "", name ? name : "",
                              name ? ")" : "");
                free(name);
            }
            ds_put_format(&s, ": rx pkts=%"PRIu64", bytes=%"PRIu64", "
                          "drop=%"PRIu64", errors=%"PRIu64"\n"
                          "             tx pkts=%"PRIu64", bytes=%"PRIu64", "
                          "drop=%"PRIu64" (mtu %"PRIu64")\n",
                          st.rx_packets, st.rx_bytes, st.rx_dropped,
                          st.rx_errors, st.tx_packets, st.tx_bytes,
                          st.tx_dropped, st.tx_mtu_dropped);
            uint64_t any = 0;
            for (int r = 0; r < DP_N_DROP_REASONS; r++) {
                any |= st.drops[r];
            }
            if (any || xvs_port_guest_secured(&port->guest)
                || port->guest.rate_bytes) {
                ds_put_cstr(&s, "             rx drops:");
                for (int r = 0; r < DP_N_DROP_REASONS; r++) {
                    ds_put_format(&s, " %s=%"PRIu64, dp_drop_reason_name(r),
                                  st.drops[r]);
                }
                ds_put_char(&s, '\n');
            }
            for (size_t q = 0; q < n_qs; q++) {
                ds_put_format(&s, "             queue %"PRIu32" (max-rate "
                              "%"PRIu64" bit/s): tx pkts=%"PRIu64", bytes="
                              "%"PRIu64", drop=%"PRIu64"\n", qs[q].queue_id,
                              qs[q].max_bps, qs[q].tx_packets,
                              qs[q].tx_bytes, qs[q].dropped_packets);
            }
        }
        free(qs);
    }
    reply_json_or_text(conn, json, array, &s);
}

static void
cmd_dump_macs(struct control_conn *conn, int argc, const char *argv[],
              void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc != 2) {
        control_reply_error(conn, "usage: dump-macs BRIDGE "
                                    "[--format=json]");
        return;
    }
    br = find_bridge_or_reply(conn, argv[1]);
    if (!br) {
        return;
    }

    struct mac_table *t = pipeline_mac_table(br->pl);
    size_t max = mac_table_count(t) + 16;
    struct mac_table_entry_info *e = xmalloc(max * sizeof *e);
    size_t n = mac_table_dump(t, e, max, time_msec());
    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;
    char mac[18];

    ds_put_cstr(&s, " port  VLAN  MAC                Age\n");
    for (size_t i = 0; i < n; i++) {
        format_mac(e[i].mac, mac);
        if (json) {
            struct json *o = json_object_create();
            json_object_put(o, "ofport", json_integer_create(e[i].ofport));
            json_object_put(o, "vlan", json_integer_create(e[i].vlan));
            json_object_put_string(o, "mac", mac);
            json_object_put(o, "age", json_integer_create(
                                e[i].age_ms / 1000));
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "%5"PRIu16"  %4"PRIu16"  %s  %4lld\n",
                          e[i].ofport, e[i].vlan, mac, e[i].age_ms / 1000);
        }
    }
    free(e);
    reply_json_or_text(conn, json, array, &s);
}

const char *
dp_port_name(uint32_t dp_port, void *aux OVS_UNUSED)
{
    struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        for (size_t i = 0; i < br->n_ports; i++) {
            if (br->ports[i]->attached && br->ports[i]->dp_port == dp_port) {
                return br->ports[i]->name;
            }
        }
    }
    return NULL;
}

static struct bridge *
bridge_of_dp_port(uint32_t dp_port)
{
    struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        if (pipeline_ofport(br->pl, dp_port)) {
            return br;
        }
    }
    return NULL;
}

void
format_dp_actions(struct ds *s, const struct dp_action *actions,
                  size_t n_shown, size_t n)
{
    if (!n) {
        ds_put_cstr(s, "drop");
        return;
    }
    for (size_t i = 0; i < n_shown; i++) {
        const struct dp_action *a = &actions[i];
        ds_put_cstr(s, i ? "," : "");
        switch ((enum dp_action_type) a->type) {
        case DP_ACTION_PUSH_VLAN:
            ds_put_format(s, "push_vlan:%u", a->tci & 0xfff);
            if (a->tci >> 13) {
                ds_put_format(s, "/pcp%u", a->tci >> 13);
            }
            if (a->port && a->port != 0x8100) {
                ds_put_format(s, "/tpid%#x", a->port);
            }
            break;
        case DP_ACTION_POP_VLAN:
            ds_put_cstr(s, "pop_vlan");
            break;
        case DP_ACTION_OUTPUT: {
            const char *name = dp_port_name(a->port, NULL);
            ds_put_format(s, "output:%s", name ? name : "?");
            break;
        }
        case DP_ACTION_OUTPUT_QUEUE: {
            const char *name = dp_port_name(a->port, NULL);
            ds_put_format(s, "output:%s(queue slot %"PRIu32")",
                          name ? name : "?", a->arg);
            break;
        }
        case DP_ACTION_CONTROLLER:
            ds_put_format(s, "controller(%#"PRIx32")", a->arg);
            break;
        case DP_ACTION_SET_VLAN:
            ds_put_format(s, "set_vlan:%#x/%#x", a->vlan.tci, a->vlan.mask);
            break;
        case DP_ACTION_SET_ETH_SRC:
        case DP_ACTION_SET_ETH_DST: {
            char mac[18];
            ds_put_format(s, "set_eth_%s:%s",
                          a->type == DP_ACTION_SET_ETH_SRC ? "src" : "dst",
                          format_mac(a->mac, mac));
            break;
        }
        case DP_ACTION_SET_IPV4_SRC:
        case DP_ACTION_SET_IPV4_DST:
            ds_put_format(s, "set_ipv4_%s:"IP_FMT,
                          a->type == DP_ACTION_SET_IPV4_SRC ? "src" : "dst",
                          IP_ARGS(a->be32));
            break;
        case DP_ACTION_SET_IP_TOS:
            ds_put_format(s, "set_ip_tos:%#x/%#x", a->u8[0], a->u8[1]);
            break;
        case DP_ACTION_SET_IP_TTL:
            ds_put_format(s, "set_ip_ttl:%u", a->u8[0]);
            break;
        case DP_ACTION_SET_TP_SRC:
        case DP_ACTION_SET_TP_DST:
            ds_put_format(s, "set_tp_%s:%u",
                          a->type == DP_ACTION_SET_TP_SRC ? "src" : "dst",
                          ntohs(a->be16));
            break;
        case DP_ACTION_METER:
            ds_put_format(s, "meter(%"PRIu32")", a->arg);
            break;
        case DP_ACTION_PUSH_MPLS:
            ds_put_format(s, "push_mpls:%#"PRIx16"/%#"PRIx32, a->port,
                          ntohl(a->be32));
            break;
        case DP_ACTION_POP_MPLS:
            ds_put_format(s, "pop_mpls:%#"PRIx16, a->port);
            break;
        case DP_ACTION_SET_MPLS_LSE:
            if (a->port) {
                ds_put_format(s, "set_mpls_lse[%u]:%#"PRIx32, a->port,
                              ntohl(a->be32));
            } else {
                ds_put_format(s, "set_mpls_lse:%#"PRIx32, ntohl(a->be32));
            }
            break;
        case DP_ACTION_SET_ETH_TYPE:
            ds_put_format(s, "set_eth_type:%#06"PRIx16, ntohs(a->be16));
            break;
        case DP_ACTION_SET_IP_PROTO:
            ds_put_format(s, "set_ip_proto:%u", a->u8[0]);
            break;
        case DP_ACTION_SET_MPLS_IP_TTL:
            ds_put_format(s, "set_mpls_ip_ttl:%u", a->u8[0]);
            break;
        case DP_ACTION_PUSH_PBB:
            ds_put_format(s, "push_pbb:%#"PRIx32, ntohl(a->be32));
            break;
        case DP_ACTION_POP_PBB:
            ds_put_cstr(s, "pop_pbb");
            break;
        case DP_ACTION_SET_PBB_ITAG:
            ds_put_format(s, "set_pbb_itag:%#"PRIx32, ntohl(a->be32));
            break;
        case DP_ACTION_SET_IPV6_LABEL:
            ds_put_format(s, "set_ipv6_label:%#"PRIx32, ntohl(a->be32));
            break;
        case DP_ACTION_SET_ARP:
            ds_put_format(s, "set_arp_field%u", a->port);
            break;
        case DP_ACTION_SET_ICMP:
            ds_put_format(s, "set_icmp_%s:%u", a->port ? "code" : "type",
                          a->u8[0]);
            break;
        case DP_ACTION_SET_ND:
            if (a->port <= DP_ND_TARGET3) {
                ds_put_format(s, "set_nd_target[%d]:%#"PRIx32, a->port,
                              ntohl(a->be32));
            } else {
                ds_put_format(s, "set_nd_%s:"ETH_ADDR_FMT,
                              a->port == DP_ND_SLL ? "sll" : "tll",
                              ETH_ADDR_BYTES_ARGS(a->mac));
            }
            break;
        case DP_ACTION_SET_IPV6_WORD:
            ds_put_format(s, "set_ipv6_%s[%d]:%#"PRIx32,
                          a->port < 4 ? "src" : "dst", a->port & 3,
                          ntohl(a->be32));
            break;
        case DP_ACTION_DROP:
            ds_put_format(s, "drop(%s)", dp_drop_reason_name(a->arg));
            break;
        default:
            ds_put_format(s, "unknown(%u)", a->type);
            break;
        }
    }
    if (n > n_shown) {
        ds_put_format(s, ",...(%zu more)", n - n_shown);
    }
}

#define DUMP_CACHE_MAX 10000

static void
cmd_dump_cache(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br = NULL;
    struct dp_cache_dump dump;

    if (json < 0 || argc > 2) {
        control_reply_error(conn, "usage: dump-cache [BRIDGE] "
                                    "[--format=json]");
        return;
    }
    if (argc == 2 && !(br = find_bridge_or_reply(conn, argv[1]))) {
        return;
    }
    if (dp_cache_dump(DUMP_CACHE_MAX, &dump)) {
        control_reply_error(conn, "a PMD thread did not answer "
                                    "within a second");
        free(dump.entries);
        return;
    }

    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t n = 0;
    for (size_t i = 0; i < dump.n; i++) {
        const struct dp_cache_entry *e = &dump.entries[i];
        if (br && bridge_of_dp_port(e->key.in_port) != br) {
            continue;
        }
        char match[1024];
        struct ds acts = DS_EMPTY_INITIALIZER;

        dp_flow_key_format(&e->key, &e->mask, dp_port_name, NULL, match,
                           sizeof match);
        format_dp_actions(&acts, e->actions,
                          MIN(e->n_actions, DP_DUMP_MAX_ACTIONS),
                          e->n_actions);
        n++;
        if (json) {
            struct json *o = json_object_create();
            json_object_put(o, "pmd_core", json_integer_create(e->pmd_core));
            json_object_put_string(o, "match", match);
            json_object_put_string(o, "actions", ds_cstr(&acts));
            json_object_put(o, "n_packets", json_integer_create(e->n_packets));
            json_object_put(o, "n_bytes", json_integer_create(e->n_bytes));
            json_object_put(o, "idle_ms", json_integer_create(e->idle_ms));
            json_object_put(o, "learn",
                            json_boolean_create(e->flags & DP_MF_LEARN));
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "pmd %u: %s, packets:%"PRIu64", bytes:%"PRIu64
                          ", used:%.3fs, actions:%s\n", e->pmd_core, match,
                          e->n_packets, e->n_bytes, e->idle_ms / 1000.0,
                          ds_cstr(&acts));
        }
        ds_destroy(&acts);
    }
    if (json) {
        struct json *root = json_object_create();
        json_object_put(root, "megaflows", array);
        json_object_put(root, "truncated", json_boolean_create(
                            dump.truncated));
        json_object_put(root, "emc_used", json_integer_create(dump.emc_used));
        json_object_put(root, "emc_size", json_integer_create(dump.emc_size));
        reply_json(conn, root);
    } else {
        json_destroy(array);
        ds_put_format(&s, "%zu megaflow(s)%s; EMC: %zu of %zu entries in "
                      "use\n", n, dump.truncated ? " (truncated)" : "",
                      dump.emc_used, dump.emc_size);
        control_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
    free(dump.entries);
}

static void
cmd_pmd_stats(struct control_conn *conn, int argc, const char *argv[],
              void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    size_t n = dp_n_pmds();
    struct dp_pmd_stats *st = xcalloc(n ? n : 1, sizeof *st);
    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;

    if (json < 0 || argc > 1) {
        control_reply_error(conn, "usage: pmd-stats "
                                    "[--format=json]");
        free(st);
        json_destroy(array);
        return;
    }
    dp_pmd_stats_get(st);
    for (size_t i = 0; i < n; i++) {
        const struct dp_pmd_stats *p = &st[i];
        uint64_t cycles = p->busy_cycles + p->idle_cycles;
        double busy = cycles ? 100.0 * p->busy_cycles / cycles : 0;
        double cpp = p->packets ? (double) p->busy_cycles / p->packets : 0;

        if (json) {
            struct json *o = json_object_create();
            json_object_put(o, "core", json_integer_create(p->core));
            json_object_put(o, "handler", json_boolean_create(p->handler));
            json_object_put(o, "ports", json_integer_create(p->n_ports));
            json_object_put(o, "packets", json_integer_create(p->packets));
            json_object_put(o, "emc_hits", json_integer_create(p->emc_hits));
            json_object_put(o, "megaflow_hits",
                            json_integer_create(p->megaflow_hits));
            json_object_put(o, "upcalls", json_integer_create(p->upcalls));
            json_object_put(o, "lost", json_integer_create(p->lost));
            json_object_put(o, "deferred", json_integer_create(p->deferred));
            json_object_put(o, "busy_cycles",
                            json_integer_create(p->busy_cycles));
            json_object_put(o, "idle_cycles",
                            json_integer_create(p->idle_cycles));
            json_object_put(o, "cycles_per_packet", json_real_create(cpp));
            json_object_put(o, "cache_flushes",
                            json_integer_create(p->flushes));
            json_object_put(o, "revalidations",
                            json_integer_create(p->revalidations));
            json_object_put(o, "revalidated_megaflows",
                            json_integer_create(p->reval_removed));
            json_object_put(o, "megaflows",
                            json_integer_create(p->n_megaflows));
            json_object_put(o, "subtables",
                            json_integer_create(p->n_subtables));
            json_array_add(array, o);
        } else {
            if (p->handler) {
                ds_put_format(&s, "upcall handler, core %u, %u port(s):\n",
                              p->core, p->n_ports);
            } else {
                ds_put_format(&s, "pmd core %u, %u port(s):\n", p->core,
                              p->n_ports);
            }
            ds_put_format(&s, "  packets received: %"PRIu64"\n"
                          "  EMC hits: %"PRIu64"\n"
                          "  megaflow hits: %"PRIu64"\n"
                          "  upcalls: %"PRIu64"\n"
                          "  lost (upcall budget): %"PRIu64"\n"
                          "  polls deferred (upcall share): %"PRIu64"\n"
                          "  busy cycles: %"PRIu64" (%.1f%%)\n"
                          "  idle cycles: %"PRIu64" (%.1f%%)\n"
                          "  busy cycles per packet: %.1f\n"
                          "  cache flushes: %"PRIu64"\n"
                          "  revalidations: %"PRIu64" (%"PRIu64" megaflows "
                          "removed)\n"
                          "  megaflows: %"PRIu64" in %"PRIu64" subtable(s)\n",
                          p->packets, p->emc_hits, p->megaflow_hits,
                          p->upcalls, p->lost, p->deferred,
                          p->busy_cycles, busy,
                          p->idle_cycles, cycles ? 100.0 - busy : 0, cpp,
                          p->flushes, p->revalidations, p->reval_removed,
                          p->n_megaflows, p->n_subtables);
        }
    }
    free(st);
    reply_json_or_text(conn, json, array, &s);
}

static void
put_names(struct ds *s, const char *what, char *const *names, size_t n)
{
    if (n) {
        ds_put_format(s, ", %s ", what);
        for (size_t i = 0; i < n; i++) {
            ds_put_format(s, "%s%s", i ? "," : "", names[i]);
        }
    }
}

static struct json *
names_to_json(char *const *names, size_t n)
{
    struct json *a = json_array_create_empty();
    for (size_t i = 0; i < n; i++) {
        json_array_add(a, json_string_create(names[i]));
    }
    return a;
}

static void
cmd_dump_mirrors(struct control_conn *conn, int argc, const char *argv[],
                 void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc != 2) {
        control_reply_error(conn, "usage: dump-mirrors BRIDGE "
                                    "[--format=json]");
        return;
    }
    if (!(br = find_bridge_or_reply(conn, argv[1]))) {
        return;
    }
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    struct pipeline_mirror_stats *st;
    size_t n_st = pipeline_mirror_stats(br->pl, &st);
    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < bc->n_mirrors; i++) {
        const struct xvs_mirror_config *m = &bc->mirrors[i];
        uint64_t packets = 0, bytes = 0;
        for (size_t j = 0; j < n_st; j++) {
            if (!strcmp(st[j].name, m->name)) {
                packets = st[j].n_packets;
                bytes = st[j].n_bytes;
            }
        }
        bool out_here = m->output_vlan
                        || bridge_find_port(br, m->output) != NULL;
        if (json) {
            struct json *o = json_object_create();
            json_object_put_string(o, "name", m->name);
            json_object_put(o, "select_all",
                            json_boolean_create(m->select_all));
            json_object_put(o, "select_src_ports",
                            names_to_json(m->src, m->n_src));
            json_object_put(o, "select_dst_ports",
                            names_to_json(m->dst, m->n_dst));
            struct json *vlans = json_array_create_empty();
            for (size_t v = 0; v < m->n_vlans; v++) {
                json_array_add(vlans, json_integer_create(m->vlans[v]));
            }
            json_object_put(o, "select_vlans", vlans);
            json_object_put(o, "output_port", m->output
                            ? json_string_create(m->output)
                            : json_null_create());
            json_object_put(o, "output_vlan",
                            m->output_vlan
                            ? json_integer_create(m->output_vlan)
                            : json_null_create());
            json_object_put(o, "output_present",
                            json_boolean_create(out_here));
            json_object_put(o, "n_packets", json_integer_create(packets));
            json_object_put(o, "n_bytes", json_integer_create(bytes));
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "mirror %s: %s", m->name,
                          m->select_all ? "all packets" : "packets");
            put_names(&s, "received on", m->src, m->n_src);
            put_names(&s, "sent to", m->dst, m->n_dst);
            if (m->n_vlans) {
                ds_put_cstr(&s, ", on VLANs ");
                for (size_t v = 0; v < m->n_vlans; v++) {
                    ds_put_format(&s, "%s%u", v ? "," : "", m->vlans[v]);
                }
            }
            if (m->output_vlan) {
                ds_put_format(&s, " -> VLAN %u", m->output_vlan);
            } else {
                ds_put_format(&s, " -> %s%s", m->output,
                              out_here ? "" : " (absent: no copies)");
            }
            ds_put_format(&s, ": n_packets=%"PRIu64", n_bytes=%"PRIu64"\n",
                          packets, bytes);
        }
    }
    free(st);
    reply_json_or_text(conn, json, array, &s);
}

/* Splits 'value' at commas into '*names' (the caller frees them). */
static void
split_names(const char *value, char ***names, size_t *n)
{
    char *copy = xstrdup(value), *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        *names = xrealloc(*names, (*n + 1) * sizeof **names);
        (*names)[(*n)++] = xstrdup(tok);
    }
    free(copy);
}

/* add-mirror BRIDGE NAME key=value...: adds (or replaces) a mirror of the
 * configuration (saved) and applies it. */
static void
cmd_add_mirror(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    struct xvs_mirror_config m = { .name = CONST_CAST(char *, argv[2]) };
    char *error = NULL;

    if (!br) {
        return;
    }
    const char *why = xvs_config_check_name(argv[2]);
    if (why) {
        reply_error_free(conn, xasprintf("invalid mirror name \"%s\": %s",
                                         argv[2], why));
        return;
    }
    m.name = xstrdup(argv[2]);
    for (int i = 3; i < argc && !error; i++) {
        const char *eq = strchr(argv[i], '=');
        const char *value = eq ? eq + 1 : "";
        size_t klen = eq ? (size_t) (eq - argv[i]) : strlen(argv[i]);
#define KEY(K) (klen == strlen(K) && !strncmp(argv[i], K, klen))
        for (int j = 3; j < i && eq && !error; j++) {
            if (!strncmp(argv[j], argv[i], klen + 1)) {
                error = xasprintf("%.*s: given twice", (int) klen, argv[i]);
            }
        }
        if (error) {
            break;
        } else if (!eq) {
            error = xasprintf("\"%s\": expected key=value", argv[i]);
        } else if (KEY("select-all")) {
            if (strcmp(value, "true") && strcmp(value, "false")) {
                error = xasprintf("select-all: expected true or false, got "
                                  "\"%s\"", value);
            }
            m.select_all = !strcmp(value, "true");
        } else if (KEY("select-src-ports")) {
            split_names(value, &m.src, &m.n_src);
        } else if (KEY("select-dst-ports")) {
            split_names(value, &m.dst, &m.n_dst);
        } else if (KEY("select-vlans")) {
            char **vids = NULL;
            size_t n = 0;
            split_names(value, &vids, &n);
            m.vlans = xcalloc(n + 1, sizeof *m.vlans);
            for (size_t j = 0; j < n; j++) {
                unsigned int vid;
                if (!error && (!str_to_uint(vids[j], 10, &vid)
                               || vid > 4094)) {
                    error = xasprintf("select-vlans: expected VLANs 0-4094, "
                                      "got \"%s\"", vids[j]);
                }
                m.vlans[m.n_vlans++] = vid;
                free(vids[j]);
            }
            free(vids);
        } else if (KEY("output-port")) {
            free(m.output);
            m.output = xstrdup(value);
        } else if (KEY("output-vlan")) {
            unsigned int vid;
            if (!str_to_uint(value, 10, &vid) || !vid || vid > 4094) {
                error = xasprintf("output-vlan: expected a VLAN 1-4094, got "
                                  "\"%s\"", value);
            }
            m.output_vlan = vid;
        } else {
            error = xasprintf("\"%.*s\": expected select-all, "
                              "select-src-ports, select-dst-ports, "
                              "select-vlans, output-port or output-vlan",
                              (int) klen, argv[i]);
        }
#undef KEY
    }
    if (!error) {
        error = xvs_mirror_config_check(&m);
    }

    struct xvs_config *new = NULL;
    struct xvs_bridge_config *bc = NULL;
    if (!error) {
        new = xvs_config_clone(running_cfg);
        bc = xvs_config_find_bridge(new, br->name);
        size_t i;
        for (i = 0; i < bc->n_mirrors; i++) {
            if (!strcmp(bc->mirrors[i].name, m.name)) {
                break;
            }
        }
        if (i == bc->n_mirrors && i >= XVS_MAX_MIRRORS) {
            error = xasprintf("bridge %s has %d mirrors already", br->name,
                              XVS_MAX_MIRRORS);
            xvs_config_free(new);
        } else {
            if (i == bc->n_mirrors) {
                bc->mirrors = xrealloc(bc->mirrors, (i + 1)
                                       * sizeof *bc->mirrors);
                bc->n_mirrors++;
            } else {
                xvs_mirror_config_destroy(&bc->mirrors[i]);
            }
            xvs_mirror_config_copy(&bc->mirrors[i], &m);
            bc->mirrors[i].line = 0;
            if (config_commit(new, &error)) {
                char *e = error;
                error = xasprintf("mirror not added: %s", e);
                free(e);
            }
        }
    }
    xvs_mirror_config_destroy(&m);
    if (error) {
        reply_error_free(conn, error);
        return;
    }
    bridge_apply_mirrors(br);
    dp_flush_caches();
    control_reply(conn, NULL);
}

static void
cmd_del_mirror(struct control_conn *conn, int argc OVS_UNUSED,
               const char *argv[], void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    struct xvs_config *new = xvs_config_clone(running_cfg);
    struct xvs_bridge_config *bc = xvs_config_find_bridge(new, br->name);
    size_t i;
    for (i = 0; i < bc->n_mirrors; i++) {
        if (!strcmp(bc->mirrors[i].name, argv[2])) {
            break;
        }
    }
    if (i == bc->n_mirrors) {
        xvs_config_free(new);
        reply_error_free(conn, xasprintf("bridge %s has no mirror named %s",
                                         br->name, argv[2]));
        return;
    }
    xvs_mirror_config_destroy(&bc->mirrors[i]);
    memmove(&bc->mirrors[i], &bc->mirrors[i + 1],
            (bc->n_mirrors - i - 1) * sizeof *bc->mirrors);
    bc->n_mirrors--;
    if (config_commit(new, &error)) {
        reply_error_free(conn, xasprintf("mirror not deleted: %s", error));
        free(error);
        return;
    }
    bridge_apply_mirrors(br);
    dp_flush_caches();
    control_reply(conn, NULL);
}

static void
cmd_pmd_stats_clear(struct control_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    dp_pmd_stats_clear();
    control_reply(conn, NULL);
}

/* The handler of each command of lib/xvs-commands.c that the bridges
 * answer. */
static const struct {
    const char *name;
    control_cb *cb;
    const void *aux;
} handlers[] = {
    {"dump-cache", cmd_dump_cache, NULL},
    {"pmd-stats", cmd_pmd_stats, NULL},
    {"pmd-stats-clear", cmd_pmd_stats_clear, NULL},
    {"show", cmd_show, NULL},
    {"add-port", cmd_add_port, NULL},
    {"del-port", cmd_del_port, NULL},
    {"set-mtu", cmd_set_mtu, NULL},
    {"set-port", cmd_set_port, NULL},
    {"dump-ports", cmd_dump_ports, NULL},
    {"dump-macs", cmd_dump_macs, NULL},
    {"dump-mirrors", cmd_dump_mirrors, NULL},
    {"add-mirror", cmd_add_mirror, NULL},
    {"del-mirror", cmd_del_mirror, NULL},
    {"set-controller", cmd_set_controller, NULL},
    {"del-controller", cmd_set_controller, NULL},
};

void
bridge_register_commands(void)
{
    table_ctl_register_commands();
    domain_ctl_register_commands();
    trace_ctl_register_commands();
    reload_register_commands();
    for (size_t i = 0; i < ARRAY_SIZE(handlers); i++) {
        const struct xvs_command *xc = xvs_command_find(handlers[i].name);

        ovs_assert(xc);
        control_register_command(xc, handlers[i].cb,
                                 CONST_CAST(void *, handlers[i].aux));
    }
}
