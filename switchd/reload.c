/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload: xvs-ctl reload and SIGHUP re-read the configuration file and
 * apply only what changed to the running switch (main thread).
 *
 * The new file is loaded and checked whole first (its flows, groups and
 * meters made in a scratch pipeline); a file that does not load changes
 * nothing.  Then, in this order:
 *
 *   - the metrics listener (first: it is the one step that can fail, an
 *     address in use, and then nothing has changed yet);
 *   - bridges that are gone are taken down, ports that are gone (or whose
 *     device changes: type, devargs, driver, ofport) are detached;
 *   - new bridges are made; each remaining bridge gets its fail mode,
 *     OpenFlow versions, listeners and controllers if they changed, its
 *     new ports attached, its changed ports' VLANs, guest addresses, port
 *     security and rate set in place, its MTU;
 *   - its meters, groups and flows become the file's, flows in one
 *     transaction (replace-flows: flows that stay keep their counters;
 *     the controllers' flows are left alone);
 *   - the caches are flushed once.
 *
 * Ports that do not change are not touched: their traffic goes on (after
 * the flush, through upcalls until the caches refill).  Keys that only a
 * start applies (dpdk.args, pmd.cores, pmd.max-sleep-us, pmd.upcall-share,
 * pmd.isa, cache.*, ssl.*, a bridge's datapath-id and internal-port) are
 * reported as needing a restart; the file's values are kept in the
 * running configuration, so that the next save does not undo the edit.
 * The file is not rewritten.
 */
#include <config.h>

#include "bridge-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "connmgr.h"
#include "control.h"
#include "datapath/datapath.h"
#include "metrics.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-config.h"

VLOG_DEFINE_THIS_MODULE(reload);

static bool
strv_equal(char *const *a, size_t n_a, char *const *b, size_t n_b)
{
    if (n_a != n_b) {
        return false;
    }
    for (size_t i = 0; i < n_a; i++) {
        if (strcmp(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

/* The configuration xvs-switchd started with: what the keys that only a
 * start applies are in effect.  Kept from the first reload on. */
static struct xvs_config *started_with;

/* Reports the keys of 'new' that differ from what runs ('old', the
 * configuration xvs-switchd started with) and that only a start
 * applies. */
static void
report_restart_keys(const struct xvs_config *old,
                    const struct xvs_config *new, struct ds *report)
{
    const char *keys[16];
    size_t n = 0;

    if (!strv_equal(old->dpdk_args, old->n_dpdk_args,
                    new->dpdk_args, new->n_dpdk_args)) {
        keys[n++] = "dpdk.args";
    }
    if (old->dpdk_mbufs != new->dpdk_mbufs) {
        keys[n++] = "dpdk.mbufs";
    }
    if (old->n_pmd_cores != new->n_pmd_cores
        || memcmp(old->pmd_cores, new->pmd_cores,
                  old->n_pmd_cores * sizeof old->pmd_cores[0])) {
        keys[n++] = "pmd.cores";
    }
    if (old->pmd_max_sleep_us != new->pmd_max_sleep_us) {
        keys[n++] = "pmd.max-sleep-us";
    }
    if (old->pmd_upcall_share != new->pmd_upcall_share) {
        keys[n++] = "pmd.upcall-share";
    }
    if (old->pmd_isa != new->pmd_isa) {
        keys[n++] = "pmd.isa";
    }
    if (old->pmd_handler_core != new->pmd_handler_core) {
        keys[n++] = "pmd.handler-core";
    }
    if (old->pmd_handler_misses != new->pmd_handler_misses) {
        keys[n++] = "pmd.handler-misses";
    }
    if (old->emc_entries != new->emc_entries
        || old->emc_insert_inv_prob != new->emc_insert_inv_prob
        || old->max_megaflows != new->max_megaflows
        || old->megaflow_idle_ms != new->megaflow_idle_ms) {
        keys[n++] = "cache";
    }
    if (!nullable_string_is_equal(old->ssl_private_key, new->ssl_private_key)
        || !nullable_string_is_equal(old->ssl_certificate,
                                     new->ssl_certificate)
        || !nullable_string_is_equal(old->ssl_ca_cert, new->ssl_ca_cert)) {
        keys[n++] = "ssl";
    }
    for (size_t i = 0; i < n; i++) {
        ds_put_format(report, "%s: changed; takes effect at the next "
                      "start of xvs-switchd\n", keys[i]);
        VLOG_WARN("reload: %s changed; takes effect at the next start",
                  keys[i]);
    }
}

static const struct xvs_port_config *
find_port_config(const struct xvs_bridge_config *bc, const char *name)
{
    for (size_t i = 0; i < bc->n_ports; i++) {
        if (!strcmp(bc->ports[i].name, name)) {
            return &bc->ports[i];
        }
    }
    return NULL;
}

/* Whether 'port' must be detached and attached again to become 'pc'. */
static bool
port_needs_reattach(const struct port *port, const struct xvs_port_config *pc)
{
    return port->type != pc->type
           || !nullable_string_is_equal(port->devargs, pc->devargs)
           || port->driver != pc->driver
           || port->ofport != pc->ofport;
}

static bool
port_vlans_equal(const struct port *port, const struct xvs_port_config *pc)
{
    return port->vlan == pc->vlan && port->native_vlan == pc->native_vlan
           && port->n_trunks == pc->n_trunks
           && (!port->n_trunks || !memcmp(port->trunks, pc->trunks,
                                          pc->n_trunks
                                          * sizeof pc->trunks[0]));
}

/* Detaches and destroys the ports of 'br' that 'bc' no longer has, or
 * has with another device. */
static void
remove_ports(struct bridge *br, const struct xvs_bridge_config *bc,
             struct ds *report)
{
    for (size_t i = br->n_ports; i-- > 0; ) {
        struct port *port = br->ports[i];
        if (port->implicit) {
            continue;
        }
        const struct xvs_port_config *pc = find_port_config(bc, port->name);
        if (pc && !port_needs_reattach(port, pc)) {
            continue;
        }
        ds_put_format(report, "bridge %s: port %s %s\n", br->name,
                      port->name, pc ? "detached, to be attached again "
                                       "(type, devargs, driver or ofport "
                                       "changed)" : "removed");
        port_detach(br, port);
        bridge_remove_port(br, port);
        VLOG_INFO("%s: reload: %s port %s", br->name,
                  pc ? "re-creating" : "deleted", port->name);
        port_destroy(port);
    }
}

/* Sets 'port''s VLANs and guest settings to those of 'pc', in place. */
static void
update_port(struct bridge *br, struct port *port,
            const struct xvs_port_config *pc, struct ds *report)
{
    bool vlans = !port_vlans_equal(port, pc);
    bool guest = !xvs_port_guest_equal(&port->guest, &pc->guest);

    port->domid = pc->domid;
    port->devid = pc->devid;
    if (!vlans && !guest) {
        return;
    }
    ds_put_format(report, "bridge %s: port %s: %s%s%s changed\n", br->name,
                  port->name, vlans ? "VLANs" : "",
                  vlans && guest ? " and " : "",
                  guest ? "guest settings (mac, ip, port security, rate, "
                          "queues)"
                        : "");
    if (vlans) {
        free(port->trunks);
        port->trunks = pc->n_trunks ? xmemdup(pc->trunks, pc->n_trunks
                                              * sizeof *pc->trunks) : NULL;
        port->n_trunks = pc->n_trunks;
        port->vlan = pc->vlan;
        port->native_vlan = pc->native_vlan;
        if (port->attached) {
            struct pipeline_port_vlans v = {
                .vlan = port->vlan, .trunks = port->trunks,
                .n_trunks = port->n_trunks,
                .native_vlan = port->native_vlan,
            };
            pipeline_port_set_vlans(br->pl, port->ofport, &v);
        }
    }
    if (guest) {
        xvs_port_guest_destroy(&port->guest);
        xvs_port_guest_copy(&port->guest, &pc->guest);
        port_apply_guest(br, port);
    }
}

/* As at start (bridge_create()): a standalone bridge whose configuration
 * has neither flows nor controllers gets a flow that makes it a learning
 * switch.  Makes it part of 'bc', so that the tables keep it. */
static void
add_default_flow(struct xvs_bridge_config *bc)
{
    if (!bc->n_flows && bc->fail_mode == XVS_FAIL_STANDALONE
        && !bc->n_controllers) {
        bc->flows = xrealloc(bc->flows, sizeof *bc->flows);
        bc->flows[0].text = xstrdup("priority=0,actions=NORMAL");
        bc->flows[0].line = 0;
        bc->n_flows = 1;
    }
}

/* Applies 'bc' to the running bridge 'br' (its removed ports are already
 * gone). */
static void
update_bridge(struct bridge *br, const struct xvs_bridge_config *old,
              struct xvs_bridge_config *bc, struct ds *report)
{
    if (br->datapath_id != bc->datapath_id) {
        ds_put_format(report, "bridge %s: datapath-id: changed; takes effect "
                      "at the next start of xvs-switchd\n", br->name);
    }
    bool has_internal = false;
    for (size_t i = 0; i < br->n_ports; i++) {
        has_internal |= br->ports[i]->implicit;
    }
    if (has_internal != (bc->internal_port
                         && !find_port_config(bc, br->name))) {
        ds_put_format(report, "bridge %s: internal-port: changed; takes "
                      "effect at the next start of xvs-switchd\n", br->name);
    }
    if (old->fail_mode != bc->fail_mode) {
        br->fail_mode = bc->fail_mode;
        connmgr_set_fail_standalone(br->cm,
                                    bc->fail_mode == XVS_FAIL_STANDALONE);
        ds_put_format(report, "bridge %s: fail-mode %s\n", br->name,
                      xvs_fail_mode_name(bc->fail_mode));
    }
    if (old->protocols != bc->protocols) {
        connmgr_set_allowed_versions(br->cm, bc->protocols);
        ds_put_format(report, "bridge %s: protocols changed (for new "
                      "connections)\n", br->name);
    }
    if (!strv_equal(old->listeners, old->n_listeners,
                    bc->listeners, bc->n_listeners)) {
        bridge_set_listeners(br, bc);
        ds_put_format(report, "bridge %s: listeners changed\n", br->name);
    }
    if (!strv_equal(old->controllers, old->n_controllers,
                    bc->controllers, bc->n_controllers)) {
        connmgr_set_controllers(br->cm, bc->controllers, bc->n_controllers);
        ds_put_format(report, "bridge %s: controllers changed\n", br->name);
    }

    /* Ports: new ones attached (one port-map change for all of them),
     * the others updated in place. */
    size_t n_new = 0;
    pipeline_ports_begin(br->pl);
    for (size_t i = 0; i < bc->n_ports; i++) {
        const struct xvs_port_config *pc = &bc->ports[i];
        struct port *port = bridge_find_port(br, pc->name);
        if (port) {
            update_port(br, port, pc, report);
            continue;
        }
        char *error;
        port = port_create(pc);
        br->ports = xrealloc(br->ports,
                             (br->n_ports + 1) * sizeof *br->ports);
        br->ports[br->n_ports++] = port;
        n_new++;
        if (port_attach(br, port, &error)) {
            /* As at start: the port stays, and says why it is not
             * attached. */
            VLOG_ERR("%s: %s", br->name, error);
            ds_put_format(report, "bridge %s: port %s added, not attached: "
                          "%s\n", br->name, pc->name, error);
            port->error = error;
        } else {
            ds_put_format(report, "bridge %s: port %s added\n", br->name,
                          pc->name);
        }
    }
    pipeline_ports_commit(br->pl);

    if (old->mac_table_size != bc->mac_table_size) {
        size_t n = bc->mac_table_size ? bc->mac_table_size
                                      : XVS_MAC_TABLE_DEFAULT;
        size_t gone = pipeline_set_mac_table_size(br->pl, n);
        if (gone) {
            dp_flush_learned();     /* NORMAL floods for them again. */
        }
        ds_put_format(report, "bridge %s: mac-table-size %zu (%zu address%s "
                      "forgotten)\n", br->name, n, gone, gone == 1 ? "" : "es");
    }
    if (old->mtu != bc->mtu) {
        br->mtu = bc->mtu;
        for (size_t i = 0; i < br->n_ports && bc->mtu; i++) {
            struct port *port = br->ports[i];
            char *error;
            if (port->attached
                && dp_port_set_mtu(port->dp_port,
                                   port_mtu_for(port, bc->mtu), &error)) {
                ds_put_format(report, "bridge %s: %s\n", br->name, error);
                free(error);
            }
        }
        ds_put_format(report, "bridge %s: mtu %"PRIu32"%s\n", br->name,
                      bc->mtu, bc->mtu ? "" : " (the ports keep theirs)");
    }

}

/* Counts the changes of the tables of 'br' for the report. */
static void
report_tables(const struct bridge *br, const struct xvs_bridge_config *old,
              const struct xvs_bridge_config *bc, struct ds *report)
{
    const struct {
        const char *what;
        const struct xvs_flow_config *a, *b;
        size_t n_a, n_b;
    } lists[] = {
        { "meters", old->meters, bc->meters, old->n_meters, bc->n_meters },
        { "groups", old->groups, bc->groups, old->n_groups, bc->n_groups },
        { "flows", old->flows, bc->flows, old->n_flows, bc->n_flows },
    };
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        bool same = lists[l].n_a == lists[l].n_b;
        for (size_t i = 0; same && i < lists[l].n_a; i++) {
            same = !strcmp(lists[l].a[i].text, lists[l].b[i].text);
        }
        if (!same) {
            ds_put_format(report, "bridge %s: %s replaced (%zu, were %zu)\n",
                          br->name, lists[l].what, lists[l].n_b,
                          lists[l].n_a);
        }
    }
}

static bool
mirror_equal(const struct xvs_mirror_config *a,
             const struct xvs_mirror_config *b)
{
    return !strcmp(a->name, b->name) && a->select_all == b->select_all
           && strv_equal(a->src, a->n_src, b->src, b->n_src)
           && strv_equal(a->dst, a->n_dst, b->dst, b->n_dst)
           && a->n_vlans == b->n_vlans
           && (!a->n_vlans
               || !memcmp(a->vlans, b->vlans,
                          a->n_vlans * sizeof a->vlans[0]))
           && nullable_string_is_equal(a->output, b->output)
           && a->output_vlan == b->output_vlan;
}

static void
report_mirrors(const struct bridge *br, const struct xvs_bridge_config *old,
               const struct xvs_bridge_config *bc, struct ds *report)
{
    bool same = old->n_mirrors == bc->n_mirrors;
    for (size_t i = 0; same && i < bc->n_mirrors; i++) {
        same = mirror_equal(&old->mirrors[i], &bc->mirrors[i]);
    }
    if (!same) {
        ds_put_format(report, "bridge %s: mirrors replaced (%zu, were %zu)\n",
                      br->name, bc->n_mirrors, old->n_mirrors);
    }
}

int
bridge_reload(struct ds *report, char **errp)
{
    const char *file = bridge_config_file();
    struct xvs_config *new = NULL;
    char *error;

    if (!file) {
        *errp = xstrdup("xvs-switchd runs without a configuration file");
        return ENOENT;
    }
    if (xvs_config_load(file, &new, &error)
        || bridge_check_config(new, &error)) {
        *errp = xasprintf("%s; nothing changed", error);
        free(error);
        xvs_config_free(new);
        return EINVAL;
    }
    if (metrics_set_listener(new->metrics, &error)) {
        *errp = xasprintf("%s; nothing changed", error);
        free(error);
        xvs_config_free(new);
        return EADDRNOTAVAIL;
    }

    struct xvs_config *old = running_cfg;
    if (!started_with) {
        started_with = xvs_config_clone(running_cfg);
    }
    report_restart_keys(started_with, new, report);
    if (!nullable_string_is_equal(old->metrics, new->metrics)) {
        if (new->metrics) {
            ds_put_format(report, "metrics: listening on %s\n",
                          new->metrics);
        } else {
            ds_put_cstr(report, "metrics: no longer listening\n");
        }
    }

    /* What goes: whole bridges, then ports (a port may move from one
     * bridge to another). */
    struct bridge *br;
    LIST_FOR_EACH_SAFE (br, node, &all_bridges) {
        if (!xvs_config_find_bridge(new, br->name)) {
            ds_put_format(report, "bridge %s: removed\n", br->name);
            VLOG_INFO("reload: removing bridge %s", br->name);
            bridge_destroy(br);
        }
    }
    LIST_FOR_EACH (br, node, &all_bridges) {
        remove_ports(br, xvs_config_find_bridge(new, br->name), report);
    }

    /* What comes or changes. */
    bool *is_new = xcalloc(new->n_bridges + 1, sizeof *is_new);
    for (size_t i = 0; i < new->n_bridges; i++) {
        struct xvs_bridge_config *bc = &new->bridges[i];
        br = bridge_find(bc->name);
        if (!br) {
            is_new[i] = true;
            continue;
        }
        struct xvs_bridge_config *ob = xvs_config_find_bridge(old, bc->name);
        update_bridge(br, ob, bc, report);
        add_default_flow(ob);
        add_default_flow(bc);
        report_tables(br, ob, bc, report);
        report_mirrors(br, ob, bc, report);
    }

    /* The tables follow the running configuration. */
    running_cfg = new;
    for (size_t i = 0; i < new->n_bridges; i++) {
        if (is_new[i]) {
            ds_put_format(report, "bridge %s: added\n", new->bridges[i].name);
            VLOG_INFO("reload: adding bridge %s", new->bridges[i].name);
            bridge_create(&new->bridges[i]);
        } else {
            struct bridge *b = bridge_find(new->bridges[i].name);
            bridge_restore_tables(b);
            bridge_apply_mirrors(b);
        }
    }
    free(is_new);
    xvs_config_free(old);
    dp_flush_caches();

    if (!report->length) {
        ds_put_cstr(report, "no change\n");
    }
    VLOG_INFO("reloaded %s: %.*s", file,
              (int) (report->length - 1), ds_cstr(report));
    return 0;
}

static void
cmd_reload(struct control_conn *conn, int argc OVS_UNUSED,
           const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds report = DS_EMPTY_INITIALIZER;
    char *error;

    if (bridge_reload(&report, &error)) {
        reply_error_free(conn, error);
    } else {
        control_reply(conn, ds_cstr(&report));
    }
    ds_destroy(&report);
}

void
reload_exit(void)
{
    xvs_config_free(started_with);
    started_with = NULL;
}

void
reload_register_commands(void)
{
    control_register_command(xvs_command_find("reload"), cmd_reload, NULL);
}
