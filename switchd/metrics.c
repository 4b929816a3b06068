/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics: the optional HTTP listener (YAML "metrics: ADDR:PORT") that
 * serves the switch's counters to Prometheus, in its text exposition
 * format (version 0.0.4), at /metrics.
 *
 * libmicrohttpd parses HTTP; it runs in external epoll mode, from the main
 * loop (metrics_run(), metrics_wait()), with no thread of its own: a page
 * is written on the main thread, which owns the bridges, from counters
 * the datapath already keeps (the PMD threads do nothing more for it).
 * A scrape costs the main loop the time to format the page, about a
 * microsecond per port.
 *
 * Limits: 16 connections at once, 4 per client address, 10 s of idleness
 * per connection; GET and HEAD of /metrics only.
 */
#include <config.h>

#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bridge-private.h"
#include "connmgr.h"
#include "datapath/datapath.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "timeval.h"
#include "util.h"
#include "xvs-config.h"

VLOG_DEFINE_THIS_MODULE(metrics);

static struct MHD_Daemon *daemon_;
static char *listening_on;           /* As configured. */
static int epoll_fd = -1;
static uint64_t n_scrapes;

/* ---- The page ---- */

/* Writes 's' as a label value: backslash, double quote and newline
 * escaped. */
static void
put_label_value(struct ds *page, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            ds_put_char(page, '\\');
            ds_put_char(page, *s);
        } else if (*s == '\n') {
            ds_put_cstr(page, "\\n");
        } else {
            ds_put_char(page, *s);
        }
    }
}

/* A metric family's HELP and TYPE lines. */
static void
family(struct ds *page, const char *name, const char *type, const char *help)
{
    ds_put_format(page, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  type);
}

/* One sample: 'name'{'labels'} 'value', where 'labels' are pairs of
 * name, value (NULL-terminated; a NULL value skips its label). */
static void
sample(struct ds *page, const char *name, uint64_t value, ...)
{
    va_list args;
    bool first = true;

    ds_put_cstr(page, name);
    va_start(args, value);
    for (;;) {
        const char *label = va_arg(args, const char *);
        if (!label) {
            break;
        }
        const char *v = va_arg(args, const char *);
        if (!v) {
            continue;
        }
        ds_put_cstr(page, first ? "{" : ",");
        ds_put_format(page, "%s=\"", label);
        put_label_value(page, v);
        ds_put_char(page, '"');
        first = false;
    }
    va_end(args);
    ds_put_format(page, "%s %"PRIu64"\n", first ? "" : "}", value);
}

/* The counters of every attached port, indexed like 'ports'. */
struct port_sample {
    const struct bridge *br;
    const struct port *port;
    char domid[16];                 /* "" if not a guest's. */
    struct dp_port_stats st;
};

static struct port_sample *
collect_ports(size_t *np)
{
    struct port_sample *ps = NULL;
    size_t n = 0, allocated = 0;
    const struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct port *port = br->ports[i];
            if (n >= allocated) {
                ps = x2nrealloc(ps, &allocated, sizeof *ps);
            }
            struct port_sample *p = &ps[n++];
            p->br = br;
            p->port = port;
            p->domid[0] = '\0';
            if (port->domid >= 0) {
                snprintf(p->domid, sizeof p->domid, "%d", (int) port->domid);
            }
            if (port->attached) {
                dp_port_get_stats(port->dp_port, &p->st);
            } else {
                memset(&p->st, 0, sizeof p->st);
            }
        }
    }
    *np = n;
    return ps;
}

/* A family with one sample per port, of the counter at 'ofs' in struct
 * dp_port_stats. */
static void
port_family(struct ds *page, const struct port_sample *ps, size_t n,
            const char *name, const char *type, const char *help,
            size_t ofs)
{
    family(page, name, type, help);
    for (size_t i = 0; i < n; i++) {
        const uint64_t *v = (const uint64_t *) ((const char *) &ps[i].st
                                                + ofs);
        sample(page, name, *v, "bridge", ps[i].br->name,
               "port", ps[i].port->name,
               "domid", ps[i].domid[0] ? ps[i].domid : NULL, NULL);
    }
}

static void
put_ports(struct ds *page)
{
    size_t n;
    struct port_sample *ps = collect_ports(&n);

    port_family(page, ps, n, "xvs_port_rx_packets_total", "counter",
                "Packets received on the port.",
                offsetof(struct dp_port_stats, rx_packets));
    port_family(page, ps, n, "xvs_port_rx_bytes_total", "counter",
                "Bytes received on the port.",
                offsetof(struct dp_port_stats, rx_bytes));
    port_family(page, ps, n, "xvs_port_tx_packets_total", "counter",
                "Packets sent on the port.",
                offsetof(struct dp_port_stats, tx_packets));
    port_family(page, ps, n, "xvs_port_tx_bytes_total", "counter",
                "Bytes sent on the port.",
                offsetof(struct dp_port_stats, tx_bytes));
    port_family(page, ps, n, "xvs_port_rx_dropped_total", "counter",
                "Packets received on the port and dropped (no buffer, "
                "port security, rate limit).",
                offsetof(struct dp_port_stats, rx_dropped));
    port_family(page, ps, n, "xvs_port_tx_dropped_total", "counter",
                "Packets to send on the port and dropped (full queue, "
                "MTU).",
                offsetof(struct dp_port_stats, tx_dropped));
    port_family(page, ps, n, "xvs_port_tx_mtu_dropped_total", "counter",
                "Packets to send on the port dropped for its MTU.",
                offsetof(struct dp_port_stats, tx_mtu_dropped));
    port_family(page, ps, n, "xvs_port_rx_errors_total", "counter",
                "Receive errors the port's driver reported.",
                offsetof(struct dp_port_stats, rx_errors));

    family(page, "xvs_port_rx_drops_by_reason_total", "counter",
           "Packets received on the port dropped by the datapath, by "
           "reason (port security, rate limit).");
    for (size_t i = 0; i < n; i++) {
        for (int r = 0; r < DP_N_DROP_REASONS; r++) {
            sample(page, "xvs_port_rx_drops_by_reason_total",
                   ps[i].st.drops[r], "bridge", ps[i].br->name,
                   "port", ps[i].port->name,
                   "domid", ps[i].domid[0] ? ps[i].domid : NULL,
                   "reason", dp_drop_reason_name(r), NULL);
        }
    }

    family(page, "xvs_port_up", "gauge",
           "1 if the port is attached to the datapath and its link is up.");
    for (size_t i = 0; i < n; i++) {
        sample(page, "xvs_port_up",
               ps[i].port->attached && ps[i].port->link_up,
               "bridge", ps[i].br->name, "port", ps[i].port->name,
               "domid", ps[i].domid[0] ? ps[i].domid : NULL, NULL);
    }
    free(ps);
}

static void
put_pmds(struct ds *page)
{
    size_t n = dp_n_pmds();
    struct dp_pmd_stats *st = xcalloc(n ? n : 1, sizeof *st);

    dp_pmd_stats_get_total(st);
    static const struct {
        const char *name, *type, *help;
        size_t ofs;
    } fams[] = {
#define F(NAME, TYPE, HELP, FIELD) \
        { NAME, TYPE, HELP, offsetof(struct dp_pmd_stats, FIELD) }
        F("xvs_pmd_rx_packets_total", "counter",
          "Packets the PMD thread received.", packets),
        F("xvs_pmd_emc_hits_total", "counter",
          "Packets the exact-match cache forwarded.", emc_hits),
        F("xvs_pmd_megaflow_hits_total", "counter",
          "Packets the megaflow cache forwarded.", megaflow_hits),
        F("xvs_pmd_upcalls_total", "counter",
          "Packets that went through the OpenFlow tables.", upcalls),
        F("xvs_pmd_lost_total", "counter",
          "Cache misses dropped beyond the upcall budget.", lost),
        F("xvs_pmd_deferred_polls_total", "counter",
          "Polls of ports that need upcalls put off for the others "
          "(pmd.upcall-share).", deferred),
        F("xvs_pmd_busy_cycles_total", "counter",
          "TSC cycles the PMD thread spent on packets.", busy_cycles),
        F("xvs_pmd_idle_cycles_total", "counter",
          "TSC cycles the PMD thread polled and found nothing.",
          idle_cycles),
        F("xvs_pmd_cache_flushes_total", "counter",
          "Times the PMD thread emptied its caches for a change.", flushes),
        F("xvs_pmd_revalidations_total", "counter",
          "Targeted revalidations (flow_mods) the PMD thread ran.",
          revalidations),
        F("xvs_pmd_revalidated_megaflows_total", "counter",
          "Megaflows that targeted revalidations removed.", reval_removed),
        F("xvs_pmd_megaflows", "gauge",
          "Megaflows in the PMD thread's cache.", n_megaflows),
        F("xvs_pmd_megaflow_subtables", "gauge",
          "Masks (subtables) of the PMD thread's megaflow cache.",
          n_subtables),
#undef F
    };
    for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
        family(page, fams[f].name, fams[f].type, fams[f].help);
        for (size_t i = 0; i < n; i++) {
            char core[16];
            snprintf(core, sizeof core, "%u", st[i].core);
            sample(page, fams[f].name,
                   *(const uint64_t *) ((const char *) &st[i] + fams[f].ofs),
                   "core", core,
                   "thread", st[i].handler ? "handler" : "pmd", NULL);
        }
    }
    free(st);
}

/* A family with one sample per controller connection of every bridge, of
 * the field at 'ofs' in struct connmgr_controller_info ('connected' is a
 * bool, the others are uint64_t). */
static void
put_controllers(struct ds *page, const char *name, const char *type,
                const char *help, size_t ofs)
{
    const struct bridge *br;

    family(page, name, type, help);
    LIST_FOR_EACH (br, node, &all_bridges) {
        struct connmgr_controller_info *c;
        size_t n = connmgr_get_controllers(br->cm, &c);
        for (size_t i = 0; i < n; i++) {
            const char *field = (const char *) &c[i] + ofs;
            uint64_t v = (ofs == offsetof(struct connmgr_controller_info,
                                          connected)
                          ? *(const bool *) field
                          : *(const uint64_t *) field);
            sample(page, name, v, "bridge", br->name,
                   "target", c[i].target, NULL);
        }
        free(c);
    }
}

static void
put_bridges(struct ds *page)
{
    const struct bridge *br;

    family(page, "xvs_bridge_flows", "gauge",
           "OpenFlow rules in the bridge's tables.");
    LIST_FOR_EACH (br, node, &all_bridges) {
        sample(page, "xvs_bridge_flows", pipeline_flow_count(br->pl),
               "bridge", br->name, NULL);
    }
    family(page, "xvs_bridge_groups", "gauge", "OpenFlow groups.");
    LIST_FOR_EACH (br, node, &all_bridges) {
        sample(page, "xvs_bridge_groups", pipeline_group_count(br->pl),
               "bridge", br->name, NULL);
    }
    family(page, "xvs_bridge_macs", "gauge",
           "Entries in NORMAL's MAC learning table.");
    LIST_FOR_EACH (br, node, &all_bridges) {
        sample(page, "xvs_bridge_macs",
               mac_table_count(pipeline_mac_table(br->pl)),
               "bridge", br->name, NULL);
    }
    family(page, "xvs_bridge_table_misses_total", "counter",
           "Table lookups that found no rule.");
    LIST_FOR_EACH (br, node, &all_bridges) {
        sample(page, "xvs_bridge_table_misses_total",
               pipeline_n_missed(br->pl), "bridge", br->name, NULL);
    }

    put_controllers(page, "xvs_controller_connected", "gauge",
                    "1 if the OpenFlow controller connection is up.",
                    offsetof(struct connmgr_controller_info, connected));
    put_controllers(page, "xvs_controller_packet_ins_total", "counter",
                    "Packet-ins sent to the controller.",
                    offsetof(struct connmgr_controller_info, pin_sent));
    put_controllers(page, "xvs_controller_packet_ins_dropped_total",
                    "counter", "Packet-ins not sent: the controller's "
                    "queue was full.",
                    offsetof(struct connmgr_controller_info, pin_dropped));
}

void
metrics_page(struct ds *page)
{
    put_ports(page);
    put_pmds(page);
    put_bridges(page);
    family(page, "xvs_metrics_scrapes_total", "counter",
           "Pages this listener served.");
    sample(page, "xvs_metrics_scrapes_total", n_scrapes, NULL);
}

/* ---- HTTP ---- */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *type,
      char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
handle_request(void *aux OVS_UNUSED, struct MHD_Connection *c,
               const char *url, const char *method,
               const char *version OVS_UNUSED,
               const char *upload_data OVS_UNUSED,
               size_t *upload_data_size, void **req_cls OVS_UNUSED)
{
    static const char *text = "text/plain; charset=utf-8";

    if (*upload_data_size) {
        *upload_data_size = 0;      /* A body: ignored. */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET)
        && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text,
                     xasprintf("%s: only GET and HEAD\n", method));
    }
    if (!strcmp(url, "/")) {
        return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
                     xstrdup("<html><body><a href=\"/metrics\">xvs-switchd "
                             "metrics</a></body></html>\n"));
    }
    if (strcmp(url, "/metrics")) {
        return reply(c, MHD_HTTP_NOT_FOUND, text,
                     xasprintf("no page %s here: the metrics are at "
                               "/metrics\n", url));
    }

    struct ds page = DS_EMPTY_INITIALIZER;
    n_scrapes++;
    metrics_page(&page);
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                 ds_steal_cstr(&page));
}

static void
log_mhd(void *aux OVS_UNUSED, const char *format, va_list args)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    char *msg = xvasprintf(format, args);
    size_t len = strlen(msg);

    if (len && msg[len - 1] == '\n') {
        msg[len - 1] = '\0';
    }
    VLOG_WARN_RL(&rl, "metrics listener: %s", msg);
    free(msg);
}

static void
metrics_stop(void)
{
    if (daemon_) {
        MHD_stop_daemon(daemon_);
        daemon_ = NULL;
        epoll_fd = -1;
        VLOG_INFO("metrics: no longer listening on %s", listening_on);
    }
    free(listening_on);
    listening_on = NULL;
}

/* The port of "ADDR:PORT". */
static uint16_t
port_of(const char *target)
{
    const char *colon = strrchr(target, ':');
    return colon ? atoi(colon + 1) : 0;
}

int
metrics_set_listener(const char *target, char **errp)
{
    if (target && listening_on && !strcmp(target, listening_on)) {
        return 0;
    }
    if (!target) {
        metrics_stop();
        return 0;
    }

    struct sockaddr_storage ss;
    char *error;
    if (xvs_parse_listen_address(target, &ss, &error)) {
        *errp = xasprintf("metrics: %s", error);
        free(error);
        return EINVAL;
    }

    unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    uint16_t port = ntohs(ss.ss_family == AF_INET6
                          ? ((struct sockaddr_in6 *) &ss)->sin6_port
                          : ((struct sockaddr_in *) &ss)->sin_port);

    /* The same port on another address (0.0.0.0:9788 to 127.0.0.1:9788):
     * the old listener must go first, and comes back if the new one
     * cannot be. */
    char *previous = NULL;
    if (listening_on && port_of(listening_on) == port) {
        previous = xstrdup(listening_on);
        metrics_stop();
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, port, NULL, NULL, handle_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 16,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) 4,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 10,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 32768,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_END);
    int err = errno;
    if (!d) {
        *errp = xasprintf("metrics: cannot listen on %s: %s", target,
                          err ? ovs_strerror(err) : "libmicrohttpd failed");
        if (previous) {
            char *ignore;
            if (metrics_set_listener(previous, &ignore)) {
                free(ignore);
            }
            free(previous);
        }
        return err ? err : EADDRNOTAVAIL;
    }
    const union MHD_DaemonInfo *info
        = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        MHD_stop_daemon(d);
        *errp = xasprintf("metrics: libmicrohttpd has no epoll support");
        free(previous);
        return ENOTSUP;
    }

    free(previous);
    metrics_stop();
    daemon_ = d;
    epoll_fd = info->epoll_fd;
    listening_on = xstrdup(target);
    VLOG_INFO("metrics: listening on http://%s/metrics", target);
    return 0;
}

const char *
metrics_listener(void)
{
    return listening_on;
}

void
metrics_run(void)
{
    if (daemon_) {
        MHD_run(daemon_);
    }
}

void
metrics_wait(void)
{
    if (daemon_) {
        MHD_UNSIGNED_LONG_LONG timeout;

        poll_fd_wait(epoll_fd, POLLIN);
        if (MHD_get_timeout(daemon_, &timeout) == MHD_YES) {
            poll_timer_wait(MIN(timeout, 1000));
        }
    }
}

void
metrics_exit(void)
{
    metrics_stop();
}
