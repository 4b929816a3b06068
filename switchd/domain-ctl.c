/* SPDX-License-Identifier: Apache-2.0 */
/*
 * domain-ctl: dump-domains, the per-domain view of the switch that a Xen
 * host's operator bills and debugs by: each guest domain with its vifs
 * (every port with a domid, in any bridge) and their counters summed
 * (main thread).  Listed in lib/xvs-commands.c.
 */
#include <config.h>

#include "bridge-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "datapath/datapath.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "pipeline.h"
#include "timeval.h"
#include "util.h"
#include "xvs-commands.h"

struct domain_vif {
    const struct bridge *br;
    const struct port *port;
};

struct domain {
    int32_t domid;
    char *name;                     /* NULL if not known. */
    const char *uuid;               /* A vif's vm-uuid, or NULL. */
    struct domain_vif *vifs;
    size_t n_vifs;
    struct dp_port_stats st;        /* Summed over the vifs. */
    uint64_t spoof;                 /* Port security's drops, all reasons. */
    size_t n_macs;                  /* Learned on its vifs. */
};

static int
compare_domains(const void *a_, const void *b_)
{
    const struct domain *a = a_, *b = b_;
    return a->domid < b->domid ? -1 : a->domid > b->domid;
}

static struct domain *
find_or_add(struct domain **ds, size_t *n, int32_t domid)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*ds)[i].domid == domid) {
            return &(*ds)[i];
        }
    }
    *ds = xrealloc(*ds, (*n + 1) * sizeof **ds);
    struct domain *d = &(*ds)[(*n)++];
    memset(d, 0, sizeof *d);
    d->domid = domid;
    return d;
}

/* A bridge's MAC table, dumped once for all of its vifs. */
struct domain_macs {
    struct mac_table_entry_info *e;
    size_t n;
};

static void
dump_macs(const struct bridge *br, struct domain_macs *m)
{
    struct mac_table *t = pipeline_mac_table(br->pl);
    size_t max = mac_table_count(t) + 16;

    m->e = xmalloc(max * sizeof *m->e);
    m->n = mac_table_dump(t, m->e, max, time_msec());
}

/* MAC addresses of 'm' learned on 'port'. */
static size_t
count_macs(const struct domain_macs *m, const struct port *port)
{
    size_t count = 0;

    for (size_t i = 0; i < m->n; i++) {
        count += m->e[i].ofport == port->ofport;
    }
    return count;
}

static void
add_vif(struct domain *d, const struct bridge *br, const struct port *port,
        const struct domain_macs *macs)
{
    struct dp_port_stats st;

    d->vifs = xrealloc(d->vifs, (d->n_vifs + 1) * sizeof *d->vifs);
    d->vifs[d->n_vifs++] = (struct domain_vif) { br, port };
    if (!d->name) {
        d->name = port_domain_name(port);
    }
    if (!d->uuid) {
        d->uuid = port->guest.vm_uuid;
    }
    if (!port->attached) {
        return;
    }
    dp_port_get_stats(port->dp_port, &st);
    d->st.rx_packets += st.rx_packets;
    d->st.rx_bytes += st.rx_bytes;
    d->st.rx_dropped += st.rx_dropped;
    d->st.tx_packets += st.tx_packets;
    d->st.tx_bytes += st.tx_bytes;
    d->st.tx_dropped += st.tx_dropped;
    for (int r = 0; r < DP_N_DROP_REASONS; r++) {
        d->st.drops[r] += st.drops[r];
        if (r != DP_DROP_RATE) {
            d->spoof += st.drops[r];
        }
    }
    d->n_macs += count_macs(macs, port);
}

static struct json *
domain_to_json(const struct domain *d)
{
    struct json *o = json_object_create();
    struct json *vifs = json_array_create_empty();
    struct json *drops = json_object_create();
    struct json *spoof = json_object_create();

    json_object_put(o, "domid", json_integer_create(d->domid));
    json_object_put(o, "name", d->name ? json_string_create(d->name)
                                       : json_null_create());
    json_object_put(o, "uuid", d->uuid ? json_string_create(d->uuid)
                                       : json_null_create());
    for (size_t i = 0; i < d->n_vifs; i++) {
        struct json *v = json_object_create();
        json_object_put_string(v, "bridge", d->vifs[i].br->name);
        json_object_put_string(v, "port", d->vifs[i].port->name);
        if (d->vifs[i].port->devid >= 0) {
            json_object_put(v, "devid",
                            json_integer_create(d->vifs[i].port->devid));
        }
        json_array_add(vifs, v);
    }
    json_object_put(o, "vifs", vifs);
    json_object_put(o, "rx_packets", json_integer_create(d->st.rx_packets));
    json_object_put(o, "rx_bytes", json_integer_create(d->st.rx_bytes));
    json_object_put(o, "tx_packets", json_integer_create(d->st.tx_packets));
    json_object_put(o, "tx_bytes", json_integer_create(d->st.tx_bytes));
    json_object_put(drops, "spoof", json_integer_create(d->spoof));
    json_object_put(drops, "rate",
                    json_integer_create(d->st.drops[DP_DROP_RATE]));
    json_object_put(drops, "no_buffer", json_integer_create(d->st.rx_dropped));
    json_object_put(drops, "tx", json_integer_create(d->st.tx_dropped));
    for (int r = 0; r < DP_N_DROP_REASONS; r++) {
        if (r != DP_DROP_RATE) {
            json_object_put(spoof, dp_drop_reason_name(r),
                            json_integer_create(d->st.drops[r]));
        }
    }
    json_object_put(drops, "spoof_by_reason", spoof);
    json_object_put(o, "drops", drops);
    json_object_put(o, "macs", json_integer_create(d->n_macs));
    return o;
}

static void
domain_format(struct ds *s, const struct domain *d)
{
    ds_put_format(s, "domain %"PRId32, d->domid);
    if (d->name) {
        ds_put_format(s, " (%s)", d->name);
    }
    if (d->uuid) {
        ds_put_format(s, " uuid %s", d->uuid);
    }
    ds_put_cstr(s, ":");
    for (size_t i = 0; i < d->n_vifs; i++) {
        ds_put_format(s, " %s/%s", d->vifs[i].br->name,
                      d->vifs[i].port->name);
    }
    ds_put_format(s, "\n  rx pkts=%"PRIu64", bytes=%"PRIu64
                  "  tx pkts=%"PRIu64", bytes=%"PRIu64"\n"
                  "  drops: spoof=%"PRIu64", rate=%"PRIu64", "
                  "no-buffer=%"PRIu64", tx=%"PRIu64"  macs=%zu\n",
                  d->st.rx_packets, d->st.rx_bytes, d->st.tx_packets,
                  d->st.tx_bytes, d->spoof, d->st.drops[DP_DROP_RATE],
                  d->st.rx_dropped, d->st.tx_dropped, d->n_macs);
}

static void
cmd_dump_domains(struct control_conn *conn, int argc, const char *argv[],
                 void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    long long only = -1;

    if (json < 0 || argc > 2) {
        control_reply_error(conn, "usage: dump-domains [DOMID] "
                                  "[--format=json]");
        return;
    }
    if (argc == 2) {
        char *end;
        only = strtoll(argv[1], &end, 10);
        if (!*argv[1] || *end || only < 0 || only > 32751) {
            reply_error_free(conn, xasprintf("\"%s\": expected a domain id "
                                             "0-32751", argv[1]));
            return;
        }
    }

    struct domain *ds = NULL;
    size_t n = 0;
    struct bridge *br;
    LIST_FOR_EACH (br, node, &all_bridges) {
        struct domain_macs macs;

        dump_macs(br, &macs);
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct port *port = br->ports[i];
            if (port->domid >= 0 && (only < 0 || port->domid == only)) {
                add_vif(find_or_add(&ds, &n, port->domid), br, port, &macs);
            }
        }
        free(macs.e);
    }
    if (only >= 0 && !n) {
        reply_error_free(conn, xasprintf("no port belongs to domain %lld",
                                         only));
        return;
    }
    qsort(ds, n, sizeof *ds, compare_domains);

    struct json *array = json_array_create_empty();
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        if (json) {
            json_array_add(array, domain_to_json(&ds[i]));
        } else {
            domain_format(&s, &ds[i]);
        }
        free(ds[i].name);
        free(ds[i].vifs);
    }
    free(ds);
    reply_json_or_text(conn, json, array, &s);
}

void
domain_ctl_register_commands(void)
{
    const struct xvs_command *xc = xvs_command_find("dump-domains");

    ovs_assert(xc);
    control_register_command(xc, cmd_dump_domains, NULL);
}
