/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge: configuration -> datapath ports + pipeline; control commands.
 * See bridge.h.
 */
#include <config.h>

#include "bridge-private.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
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
#include "timeval.h"
#include "control.h"
#include "util.h"
#include "xvs-config.h"
#include "xvs-guest.h"

/* The policer's burst floor: shown by show (lib/xvs-guest) and applied by
 * the datapath, which knows nothing of lib/; one value. */
_Static_assert(DP_RATE_MIN_BURST == XVS_RATE_MIN_BURST,
               "the datapath and show must agree on the rate burst");

VLOG_DEFINE_THIS_MODULE(bridge);

#define BRIDGE_RUN_INTERVAL_MS 1000

struct ovs_list all_bridges = OVS_LIST_INITIALIZER(&all_bridges);
struct xvs_config *running_cfg;
static char *save_file;
static long long next_run;
static char *run_dir;               /* Management sockets live here. */
static bool exiting;                /* In bridge_exit(). */

static void port_to_ofp(const struct port *, struct ofputil_phy_port *);
static bool port_link_up(const struct port *);

/* ---- Ports ---------------------------------------------------------- */

static int
port_try_attach(struct bridge *br, struct port *port, enum dp_port_kind kind,
                char **errp)
{
    struct dp_port_spec spec = {
        .name = port->name,
        .kind = kind,
        .devargs = port->devargs,
        .iface = port->name,
        .ops = &pipeline_upcall_ops,
        .upcall_aux = br->pl,
    };
    return dp_port_add(&spec, &port->dp_port, errp);
}

/* DPDK 22.11's TAP driver takes frames of at most 1522 bytes: an internal
 * port stays at 1500 at most, whatever its bridge's MTU. */
#define INTERNAL_PORT_MAX_MTU 1500

/* The MTU that 'port' gets from its bridge's 'mtu'. */
uint32_t
port_mtu_for(const struct port *port, uint32_t mtu)
{
    return port->type == XVS_PORT_INTERNAL
           ? MIN(mtu, INTERNAL_PORT_MAX_MTU) : mtu;
}

/* Attaches 'port' to the datapath and maps it in the pipeline.  Returns 0 or
 * a positive errno value with a message in '*errp'.  The caller flushes
 * the PMD threads' caches afterwards (dp_flush_caches()), once for all the
 * ports it attaches: flooding megaflows must learn about a new port, and a
 * flush waits for every PMD thread to finish an iteration over all its
 * ports, so one per port makes a start-up quadratic. */
int
port_attach(struct bridge *br, struct port *port, char **errp)
{
    int error;

    *errp = NULL;
    switch (port->type) {
    case XVS_PORT_DPDK:
        error = port_try_attach(br, port, DP_PORT_DEVARGS, errp);
        port->driver_used = "dpdk";
        break;
    case XVS_PORT_INTERNAL:
        error = port_try_attach(br, port, DP_PORT_TAP, errp);
        port->driver_used = "tap";
        break;
    case XVS_PORT_XENVIF:
        if (!if_nametoindex(port->name)) {
            *errp = xasprintf("port %s: no network device named %s (is the "
                              "guest running?)", port->name, port->name);
            return ENODEV;
        }
        /* 'auto' means vnet: the only driver that carries a guest's
         * partial checksums and GSO frames (without them, no TCP gets
         * through unless the guest turns its offloads off).  DPDK 22.11's
         * AF_XDP driver, besides, leaks the 2048 mbufs of its fill queue
         * when a port is closed and cannot open a second AF_XDP socket on
         * a netdev it used before: both fatal for vifs that come and go.
         * AF_XDP and DPDK's AF_PACKET stay available on request. */
        switch (port->driver) {
        case XVS_VIF_AF_XDP:
            error = port_try_attach(br, port, DP_PORT_AF_XDP, errp);
            port->driver_used = "af_xdp";
            break;
        case XVS_VIF_AF_PACKET:
            error = port_try_attach(br, port, DP_PORT_AF_PACKET, errp);
            port->driver_used = "af_packet";
            break;
        case XVS_VIF_AUTO:
        case XVS_VIF_VNET:
        default:
            error = port_try_attach(br, port, DP_PORT_VNET, errp);
            port->driver_used = "vnet";
            break;
        }
        break;
    default:
        OVS_NOT_REACHED();
    }
    if (error) {
        port->driver_used = NULL;
        return error;
    }
    port->attached = true;
    if (br->mtu) {
        /* A port that cannot take it keeps its own and says so. */
        char *err;
        if (dp_port_set_mtu(port->dp_port, port_mtu_for(port, br->mtu),
                            &err)) {
            VLOG_WARN("%s: %s", br->name, err);
            free(err);
        }
    }
    struct pipeline_port_vlans vlans = {
        .vlan = port->vlan,
        .trunks = port->trunks,
        .n_trunks = port->n_trunks,
        .native_vlan = port->native_vlan,
    };
    pipeline_port_add(br->pl, port->ofport, port->dp_port,
                      port->type == XVS_PORT_INTERNAL
                      && !strcmp(port->name, br->name), &vlans);
    VLOG_INFO("%s: added port %s (ofport %"PRIu16", %s)", br->name,
              port->name, port->ofport, port->driver_used);

    port_apply_guest(br, port);
    port->link_up = port_link_up(port);
    pipeline_port_set_live(br->pl, port->ofport, port->link_up);
    if (port->config) {
        /* Back after a detach: as the controller left it. */
        pipeline_port_set_config(br->pl, port->ofport, port->config);
    }
    port->attached_at = time_msec();
    if (br->cm) {
        struct ofputil_phy_port pp;
        port_to_ofp(port, &pp);
        connmgr_send_port_status(br->cm, &pp, OFPPR_ADD);
    }
    return 0;
}

void
port_apply_guest(struct bridge *br, struct port *port)
{
    const struct xvs_port_guest *g = &port->guest;
    char *error;

    if (!port->attached) {
        return;
    }
    pipeline_port_set_security(br->pl, port->ofport,
                               xvs_port_guest_secured(g) ? g : NULL);
    if (dp_port_set_rate(port->dp_port, g->rate_bytes, g->rate_usecs,
                         &error)) {
        /* The parsers keep rates within what the datapath takes. */
        VLOG_WARN("%s: %s", br->name, error);
        free(error);
    }
    error = pipeline_port_set_queues(br->pl, port->ofport, g->queues,
                                     g->n_queues);
    if (error) {
        /* Only when the datapath's 4096 policers are all taken. */
        VLOG_WARN("%s: port %s: queues not changed: %s", br->name,
                  port->name, error);
        free(error);
    }
}

void
port_detach(struct bridge *br, struct port *port)
{
    if (port->attached) {
        struct ofputil_phy_port pp;
        port_to_ofp(port, &pp);

        /* Unmap first: once dp_port_del() returns, no PMD thread is inside
         * a translation that could still see the old map. */
        pipeline_port_del(br->pl, port->ofport);
        dp_port_del(port->dp_port);
        port->attached = false;
        if (br->cm) {
            connmgr_send_port_status(br->cm, &pp, OFPPR_DELETE);
        }
    }
}

/* ---- OpenFlow view of ports ----------------------------------------- */

static ofp_port_t
port_ofp_no(const struct port *port)
{
    return port->ofport == OFPORT_LOCAL ? OFPP_LOCAL
                                        : u16_to_ofp(port->ofport);
}

static void
port_to_ofp(const struct port *port, struct ofputil_phy_port *pp)
{
    struct dp_port_info info;

    memset(pp, 0, sizeof *pp);
    pp->port_no = port_ofp_no(port);
    ovs_strlcpy(pp->name, port->name, sizeof pp->name);
    pp->config = port->config;
    if (!port->attached) {
        pp->state = OFPUTIL_PS_LINK_DOWN;
        return;
    }
    dp_port_get_info(port->dp_port, &info);
    memcpy(pp->hw_addr.ea, info.mac, ETH_ADDR_LEN);
    pp->state = port->link_up ? OFPUTIL_PS_LIVE : OFPUTIL_PS_LINK_DOWN;
    pp->curr_speed = pp->max_speed = info.speed_mbps * 1000;
    pp->curr = pp->supported = pp->advertised = NETDEV_F_COPPER
        | (info.speed_mbps >= 100000 ? NETDEV_F_100GB_FD
           : info.speed_mbps >= 40000 ? NETDEV_F_40GB_FD
           : info.speed_mbps >= 10000 ? NETDEV_F_10GB_FD
           : info.speed_mbps >= 1000 ? NETDEV_F_1GB_FD
           : NETDEV_F_OTHER);
}

static size_t
bridge_get_ofp_ports(void *br_, struct ofputil_phy_port **portsp)
{
    struct bridge *br = br_;
    struct ofputil_phy_port *ports = xcalloc(br->n_ports + 1, sizeof *ports);
    size_t n = 0;

    for (size_t i = 0; i < br->n_ports; i++) {
        if (br->ports[i]->attached) {
            port_to_ofp(br->ports[i], &ports[n++]);
        }
    }
    *portsp = ports;
    return n;
}

static bool
bridge_get_ofp_port_stats(void *br_, ofp_port_t port_no,
                          struct ofputil_port_stats *ps)
{
    struct bridge *br = br_;

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct port *port = br->ports[i];
        if (port->attached && port_ofp_no(port) == port_no) {
            struct dp_port_stats st;
            long long age = time_msec() - port->attached_at;

            dp_port_get_stats(port->dp_port, &st);
            memset(ps, 0, sizeof *ps);
            memset(&ps->stats, 0xff, sizeof ps->stats);  /* Unknown. */
            ps->port_no = port_no;
            ps->stats.rx_packets = st.rx_packets;
            ps->stats.rx_bytes = st.rx_bytes;
            ps->stats.rx_dropped = st.rx_dropped;
            ps->stats.tx_packets = st.tx_packets;
            ps->stats.tx_bytes = st.tx_bytes;
            ps->stats.tx_dropped = st.tx_dropped;
            ps->stats.rx_errors = 0;
            ps->stats.tx_errors = 0;
            ps->duration_sec = age / 1000;
            ps->duration_nsec = (age % 1000) * 1000000;
            return true;
        }
    }
    return false;
}

/* The port_mod bits xvs honours (pipeline_port_set_config()); the STP
 * ones would need STP. */
#define BRIDGE_PORT_CONFIG (OFPUTIL_PC_PORT_DOWN | OFPUTIL_PC_NO_RECV \
                            | OFPUTIL_PC_NO_FWD | OFPUTIL_PC_NO_FLOOD \
                            | OFPUTIL_PC_NO_PACKET_IN)

static enum ofperr
bridge_port_mod(void *br_, const struct ofputil_port_mod *pm)
{
    struct bridge *br = br_;

    for (size_t i = 0; i < br->n_ports; i++) {
        struct port *port = br->ports[i];
        if (port_ofp_no(port) != pm->port_no) {
            continue;
        }
        uint32_t config = (port->config & ~pm->mask)
                          | (pm->config & pm->mask);
        if ((config ^ port->config) & ~BRIDGE_PORT_CONFIG) {
            return OFPERR_OFPPMFC_BAD_CONFIG;
        }
        if (config != port->config) {
            struct ofputil_phy_port pp;
            port->config = config;
            VLOG_INFO("%s: port %s: configuration %#"PRIx32" from a "
                      "controller", br->name, port->name, config);
            pipeline_port_set_config(br->pl, port->ofport, config);
            dp_flush_caches();
            port_to_ofp(port, &pp);
            connmgr_send_port_status(br->cm, &pp, OFPPR_MODIFY);
        }
        return 0;
    }
    return OFPERR_OFPPMFC_BAD_PORT;
}

static const struct connmgr_bridge_ops bridge_connmgr_ops = {
    .get_ports = bridge_get_ofp_ports,
    .get_port_stats = bridge_get_ofp_port_stats,
    .port_mod = bridge_port_mod,
};

/* Whether the netdev behind a vif or internal port is up: DPDK's
 * AF_PACKET and AF_XDP drivers report the link up whatever the netdev
 * says, so ask the kernel. */
static bool
netdev_oper_up(const char *name)
{
    char path[128], state[32] = "";
    FILE *f;

    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", name);
    f = fopen(path, "r");
    if (!f) {
        return false;
    }
    if (!fgets(state, sizeof state, f)) {
        state[0] = '\0';
    }
    fclose(f);
    state[strcspn(state, "\n")] = '\0';
    return !strcmp(state, "up") || !strcmp(state, "unknown");
}

static bool
port_link_up(const struct port *port)
{
    struct dp_port_info info;

    dp_port_get_info(port->dp_port, &info);
    return info.link_up
           && (port->type == XVS_PORT_DPDK || netdev_oper_up(port->name));
}

/* Link changes become PORT_STATUS messages, and decide fast-failover and
 * select groups' live buckets. */
static void
bridge_check_links(struct bridge *br)
{
    bool changed = false;

    for (size_t i = 0; i < br->n_ports; i++) {
        struct port *port = br->ports[i];

        if (!port->attached) {
            continue;
        }
        bool up = port_link_up(port);
        if (up != port->link_up) {
            struct ofputil_phy_port pp;
            port->link_up = up;
            VLOG_INFO("%s: port %s: link %s", br->name, port->name,
                      up ? "up" : "down");
            pipeline_port_set_live(br->pl, port->ofport, up);
            port_to_ofp(port, &pp);
            connmgr_send_port_status(br->cm, &pp, OFPPR_MODIFY);
            changed = true;
        }
    }
    if (changed) {
        dp_flush_caches();
    }
}

/* ---- Pipeline hooks ---- */

static void
bridge_flow_removed(void *br_, const struct ofputil_flow_removed *fr)
{
    struct bridge *br = br_;
    connmgr_send_flow_removed(br->cm, fr);
}

static void
bridge_flow_changed(void *br_, const struct pl_flow_change *change)
{
    struct bridge *br = br_;
    connmgr_flow_changed(br->cm, change);
}

static void
bridge_execute(void *br_ OVS_UNUSED, uint32_t in_dp_port, const void *packet,
               size_t len, const struct dp_actions *acts, bool mac_changed)
{
    if (mac_changed) {
        dp_flush_learned();
    }
    if (acts->n) {
        int error = dp_inject(in_dp_port, packet, len, acts);
        if (error) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
            VLOG_WARN_RL(&rl, "packet-out dropped: %s", ovs_strerror(error));
        }
    }
}

static int
bridge_meter_set(void *aux OVS_UNUSED, uint32_t slot,
                 const struct dp_meter_config *cfg, char **errp)
{
    return dp_meter_set(slot, cfg, errp);
}

static void
bridge_meter_del(void *aux OVS_UNUSED, uint32_t slot)
{
    dp_meter_del(slot);
}

static void
bridge_meter_stats(void *aux OVS_UNUSED, uint32_t slot,
                   struct dp_meter_stats *stats)
{
    dp_meter_get_stats(slot, stats);
}

static const struct pipeline_hooks bridge_pipeline_hooks = {
    .flow_removed = bridge_flow_removed,
    .flow_changed = bridge_flow_changed,
    .execute = bridge_execute,
    .meter_set = bridge_meter_set,
    .meter_del = bridge_meter_del,
    .meter_stats = bridge_meter_stats,
};

struct port *
port_create(const struct xvs_port_config *pc)
{
    struct port *port = xzalloc(sizeof *port);

    port->name = xstrdup(pc->name);
    port->type = pc->type;
    port->devargs = nullable_xstrdup(pc->devargs);
    port->driver = pc->driver;
    port->domid = pc->domid;
    port->devid = pc->devid;
    port->vlan = pc->vlan;
    port->native_vlan = pc->native_vlan;
    port->n_trunks = pc->n_trunks;
    port->trunks = pc->n_trunks
                   ? xmemdup(pc->trunks, pc->n_trunks * sizeof *pc->trunks)
                   : NULL;
    port->ofport = pc->ofport;
    xvs_port_guest_copy(&port->guest, &pc->guest);
    return port;
}

void
port_destroy(struct port *port)
{
    if (port) {
        free(port->name);
        free(port->devargs);
        free(port->error);
        free(port->trunks);
        xvs_port_guest_destroy(&port->guest);
        free(port);
    }
}

/* ---- Bridges -------------------------------------------------------- */

struct bridge *
bridge_find(const char *name)
{
    struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

struct port *
bridge_find_port(const struct bridge *br, const char *name)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (!strcmp(br->ports[i]->name, name)) {
            return br->ports[i];
        }
    }
    return NULL;
}

void
bridge_remove_port(struct bridge *br, struct port *port)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (br->ports[i] == port) {
            memmove(&br->ports[i], &br->ports[i + 1],
                    (br->n_ports - i - 1) * sizeof *br->ports);
            br->n_ports--;
            return;
        }
    }
}

/* The management socket, and the configured listeners. */
void
bridge_set_listeners(struct bridge *br, const struct xvs_bridge_config *bc)
{
    size_t n = 0;
    char **names = xcalloc(bc->n_listeners + 1, sizeof *names);
    char *error;

    if (run_dir) {
        names[n++] = xasprintf("punix:%s/%s.mgmt", run_dir, br->name);
    }
    for (size_t i = 0; i < bc->n_listeners; i++) {
        names[n++] = xstrdup(bc->listeners[i]);
    }
    if (connmgr_set_listeners(br->cm, names, n, &error)) {
        VLOG_ERR("%s", error);
        free(error);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

void
bridge_create(const struct xvs_bridge_config *bc)
{
    struct bridge *br = xzalloc(sizeof *br);

    br->name = xstrdup(bc->name);
    br->datapath_id = bc->datapath_id;
    br->fail_mode = bc->fail_mode;
    br->mtu = bc->mtu;
    br->pl = pipeline_create(bc->name);
    pipeline_set_hooks(br->pl, &bridge_pipeline_hooks, br);
    pipeline_set_mac_table_size(br->pl, bc->mac_table_size
                                        ? bc->mac_table_size
                                        : XVS_MAC_TABLE_DEFAULT);
    ovs_list_push_back(&all_bridges, &br->node);

    br->cm = connmgr_create(br->name, br->datapath_id, br->pl,
                            &bridge_connmgr_ops, br);
    connmgr_set_fail_standalone(br->cm,
                                bc->fail_mode == XVS_FAIL_STANDALONE);
    if (bc->protocols) {
        connmgr_set_allowed_versions(br->cm, bc->protocols);
    }
    bridge_set_listeners(br, bc);
    connmgr_set_controllers(br->cm, bc->controllers, bc->n_controllers);

    for (size_t i = 0; i < bc->n_meters; i++) {
        char *error;
        if (pipeline_meter_add(br->pl, bc->meters[i].text, &error)) {
            VLOG_ERR("%s: meter \"%s\": %s", br->name, bc->meters[i].text,
                     error);
            free(error);
        }
    }
    for (size_t i = 0; i < bc->n_groups; i++) {
        char *error;
        if (pipeline_group_add(br->pl, bc->groups[i].text, &error)) {
            /* bridge_check_config() parsed them all. */
            VLOG_ERR("%s: group \"%s\": %s", br->name, bc->groups[i].text,
                     error);
            free(error);
        }
    }
    for (size_t i = 0; i < bc->n_flows; i++) {
        char *error;
        if (pipeline_flow_add(br->pl, bc->flows[i].text, &error)) {
            /* bridge_check_config() parsed them all. */
            VLOG_ERR("%s: flow \"%s\": %s", br->name, bc->flows[i].text,
                     error);
            free(error);
        }
    }
    if (!bc->n_flows && br->fail_mode == XVS_FAIL_STANDALONE
        && !bc->n_controllers) {
        char *error;
        if (pipeline_flow_add(br->pl, "priority=0,actions=NORMAL", &error)) {
            OVS_NOT_REACHED();
        }
    }

    br->ports = xmalloc((bc->n_ports + 1) * sizeof *br->ports);
    pipeline_ports_begin(br->pl);
    for (size_t i = 0; i < bc->n_ports; i++) {
        struct port *port = port_create(&bc->ports[i]);
        char *error;

        br->ports[br->n_ports++] = port;
        if (port_attach(br, port, &error)) {
            VLOG_ERR("%s: %s", br->name, error);
            port->error = error;
        }
    }

    /* The bridge's own port into dom0's stack, as Xen hosts expect of
     * xenbr0, unless the configuration names one itself. */
    if (bc->internal_port && !bridge_find_port(br, br->name)) {
        struct xvs_port_config pc = {
            .name = br->name, .type = XVS_PORT_INTERNAL,
            .ofport = OFPORT_LOCAL, .domid = -1, .devid = -1,
        };
        struct port *port = port_create(&pc);
        char *error;

        port->implicit = true;
        br->ports[br->n_ports++] = port;
        if (port_attach(br, port, &error)) {
            VLOG_ERR("%s: %s", br->name, error);
            port->error = error;
        }
    }
    pipeline_ports_commit(br->pl);
    bridge_apply_mirrors(br);
    dp_flush_caches();
}

void
bridge_destroy(struct bridge *br)
{
    /* Every port out of the datapath at once (see port_attach() on why one
     * at a time is quadratic).  The pipeline goes with the bridge, so its
     * port map needs no unmapping: once dp_ports_del() returns no PMD
     * thread translates for these ports.  Controllers learn of the ports'
     * end from the connection's. */
    uint32_t *dp_ports = xmalloc((br->n_ports + 1) * sizeof *dp_ports);
    size_t n = 0;
    for (size_t i = 0; i < br->n_ports; i++) {
        if (br->ports[i]->attached) {
            dp_ports[n++] = br->ports[i]->dp_port;
            br->ports[i]->attached = false;
        }
    }
    dp_ports_del(dp_ports, n);
    free(dp_ports);
    if (!exiting) {
        /* Megaflows of other bridges' ports may have flooded here, and
         * hold this pipeline's rules: gone before the pipeline. */
        dp_flush_caches();
    }
    for (size_t i = 0; i < br->n_ports; i++) {
        port_destroy(br->ports[i]);
    }
    free(br->ports);
    connmgr_destroy(br->cm);
    br->cm = NULL;
    pipeline_destroy(br->pl);
    ovs_list_remove(&br->node);
    free(br->name);
    free(br);
}

/* Checks one bridge's meters, groups and flows by making them, in that
 * order, in a scratch pipeline (so that a flow may use the groups and
 * meters before it). */
static int
check_bridge_tables(const struct xvs_config *cfg, size_t i, char **errp)
{
    const struct xvs_bridge_config *bc = &cfg->bridges[i];
    struct pipeline *pl = pipeline_create(bc->name);
    const struct {
        const char *key;
        const struct xvs_flow_config *list;
        size_t n;
        int (*add)(struct pipeline *, const char *, char **);
    } lists[] = {
        { "meters", bc->meters, bc->n_meters, pipeline_meter_add },
        { "groups", bc->groups, bc->n_groups, pipeline_group_add },
        { "flows", bc->flows, bc->n_flows, pipeline_flow_add },
    };
    int error = 0;

    for (size_t l = 0; l < ARRAY_SIZE(lists) && !error; l++) {
        for (size_t j = 0; j < lists[l].n && !error; j++) {
            char *why;
            error = lists[l].add(pl, lists[l].list[j].text, &why);
            if (error) {
                *errp = xasprintf("%s:%d: bridges[%zu].%s[%zu]: %s",
                                  cfg->file ? cfg->file : "(config)",
                                  lists[l].list[j].line, i, lists[l].key, j,
                                  why);
                free(why);
            }
        }
    }
    pipeline_destroy(pl);
    return error;
}

int
bridge_check_config(const struct xvs_config *cfg, char **errp)
{
    *errp = NULL;
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        int error = check_bridge_tables(cfg, i, errp);
        if (error) {
            return error;
        }
    }
    return 0;
}

void
bridge_init(struct xvs_config *cfg, const char *file, const char *rundir)
{
    running_cfg = cfg;
    save_file = nullable_xstrdup(file);
    run_dir = nullable_xstrdup(rundir);
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        bridge_create(&cfg->bridges[i]);
    }
}

/* The OpenFlow ports of the ports called 'names' that 'br' has now. */
static uint16_t *
ofports_of(const struct bridge *br, char *const *names, size_t n,
           size_t *n_found)
{
    uint16_t *ofports = xcalloc(n + 1, sizeof *ofports);

    *n_found = 0;
    for (size_t i = 0; i < n; i++) {
        const struct port *port = bridge_find_port(br, names[i]);
        if (port) {
            ofports[(*n_found)++] = port->ofport;
        }
    }
    return ofports;
}

void
bridge_apply_mirrors(struct bridge *br)
{
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    size_t n = bc ? bc->n_mirrors : 0;
    struct pipeline_mirror *spec = xcalloc(n + 1, sizeof *spec);

    for (size_t i = 0; i < n; i++) {
        const struct xvs_mirror_config *m = &bc->mirrors[i];
        const struct port *out = m->output ? bridge_find_port(br, m->output)
                                           : NULL;
        spec[i].name = m->name;
        spec[i].select_all = m->select_all;
        spec[i].src = ofports_of(br, m->src, m->n_src, &spec[i].n_src);
        spec[i].dst = ofports_of(br, m->dst, m->n_dst, &spec[i].n_dst);
        spec[i].vlans = m->vlans;
        spec[i].n_vlans = m->n_vlans;
        /* 0 (no port) while the output port is absent: no copies. */
        spec[i].output = out ? out->ofport : 0;
        spec[i].output_vlan = m->output_vlan;
    }
    pipeline_set_mirrors(br->pl, spec, n);
    for (size_t i = 0; i < n; i++) {
        free(CONST_CAST(uint16_t *, spec[i].src));
        free(CONST_CAST(uint16_t *, spec[i].dst));
    }
    free(spec);
}

const char *
bridge_config_file(void)
{
    return save_file;
}

void
bridge_exit(void)
{
    struct bridge *br;

    exiting = true;
    LIST_FOR_EACH_SAFE (br, node, &all_bridges) {
        bridge_destroy(br);
    }
    xvs_config_free(running_cfg);
    running_cfg = NULL;
    reload_exit();
    free(save_file);
    save_file = NULL;
    free(run_dir);
    run_dir = NULL;
}

/* Vifs come and go under us: a guest destroyed without its hotplug
 * script leaves a port whose netdev is gone, and a netdev may come back.
 * Detach the first (its driver would only see errors), attach the second
 * (once per netdev: a failing one is not retried every second). */
static void
bridge_check_netdevs(struct bridge *br)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        struct port *port = br->ports[i];
        if (port->type != XVS_PORT_XENVIF) {
            continue;
        }
        unsigned int ifindex = if_nametoindex(port->name);
        if (port->attached && !ifindex) {
            VLOG_WARN("%s: network device %s is gone; port detached",
                      br->name, port->name);
            port_detach(br, port);
            free(port->error);
            port->error = xasprintf("network device %s is gone (guest "
                                    "destroyed?)", port->name);
            port->failed_ifindex = 0;
        } else if (!port->attached && ifindex
                   && ifindex != port->failed_ifindex) {
            char *error;
            if (port_attach(br, port, &error)) {
                VLOG_WARN("%s: %s", br->name, error);
                free(port->error);
                port->error = error;
                port->failed_ifindex = ifindex;
            } else {
                dp_flush_caches();
                free(port->error);
                port->error = NULL;
            }
        }
    }
}

static struct bridge *
bridge_of_pipeline_id(uint32_t id)
{
    struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        if (pipeline_id(br->pl) == id) {
            return br;
        }
    }
    return NULL;
}

/* Packets the datapath sent up for the controllers. */
static void
bridge_run_packet_ins(void)
{
    struct dp_packet_in pins[64];

    for (int round = 0; round < 4; round++) {
        size_t n = dp_packet_in_recv(pins, ARRAY_SIZE(pins));
        for (size_t i = 0; i < n; i++) {
            struct bridge *br = bridge_of_pipeline_id(
                pipeline_id_of_arg(pins[i].arg));
            bool changed;
            if (!br || !pins[i].len) {
                /* Its bridge is gone. */
            } else if (pipeline_dhcp_snoop(br->pl, pins[i].arg, pins[i].data,
                                           pins[i].len, &changed)) {
                if (changed) {
                    dp_flush_caches();
                }
            } else {
                connmgr_send_packet_in(br->cm, pins[i].arg, pins[i].data,
                                       pins[i].len);
            }
            free(pins[i].data);
        }
        if (n < ARRAY_SIZE(pins)) {
            break;
        }
    }
}

void
bridge_run(void)
{
    long long now = time_msec();
    struct bridge *br;
    bool every_second = now >= next_run;

    if (every_second) {
        LIST_FOR_EACH (br, node, &all_bridges) {
            bridge_check_netdevs(br);
            bridge_check_links(br);
        }
        next_run = now + BRIDGE_RUN_INTERVAL_MS;
    }
    LIST_FOR_EACH (br, node, &all_bridges) {
        if (every_second || now >= pipeline_next_wakeup(br->pl)) {
            if (pipeline_run(br->pl, now)) {
                /* Aged-out addresses: NORMAL must flood for them again. */
                dp_flush_learned();
            }
        }
    }
    if (every_second) {
        dp_balance(now);
    }
    bridge_run_packet_ins();
    pipeline_stats_invalidate();    /* Controllers' requests come next. */
    LIST_FOR_EACH (br, node, &all_bridges) {
        connmgr_run(br->cm);
    }
}

/* How often the main thread looks for packet-ins while some connection
 * could take them (the datapath cannot wake it without a syscall). */
#define BRIDGE_PACKET_IN_POLL_MS 2

void
bridge_wait(void)
{
    struct bridge *br;

    poll_timer_wait_until(next_run);
    LIST_FOR_EACH (br, node, &all_bridges) {
        connmgr_wait(br->cm);
        poll_timer_wait_until(pipeline_next_wakeup(br->pl));
        if (connmgr_has_connections(br->cm)) {
            poll_timer_wait(BRIDGE_PACKET_IN_POLL_MS);
        }
    }
}

/* ---- Saving --------------------------------------------------------- */

/* Saves 'new' (with every bridge's current flows) and makes it the running
 * configuration.  On error 'new' is freed, the running one is unchanged. */
int
config_commit(struct xvs_config *new, char **errp)
{
    for (size_t i = 0; i < new->n_bridges; i++) {
        struct xvs_bridge_config *bc = &new->bridges[i];
        struct bridge *br = bridge_find(bc->name);
        size_t n;
        char **texts;

        if (!br) {
            continue;
        }
        texts = pipeline_flows_texts(br->pl, &n);
        for (size_t j = 0; j < bc->n_flows; j++) {
            free(bc->flows[j].text);
        }
        free(bc->flows);
        bc->flows = xzalloc((n ? n : 1) * sizeof *bc->flows);
        for (size_t j = 0; j < n; j++) {
            bc->flows[j].text = texts[j];
        }
        bc->n_flows = n;
        free(texts);

        texts = pipeline_meters_texts(br->pl, &n);
        for (size_t j = 0; j < bc->n_meters; j++) {
            free(bc->meters[j].text);
        }
        free(bc->meters);
        bc->meters = xzalloc((n ? n : 1) * sizeof *bc->meters);
        for (size_t j = 0; j < n; j++) {
            bc->meters[j].text = texts[j];
        }
        bc->n_meters = n;
        free(texts);

        texts = pipeline_groups_texts(br->pl, &n);
        for (size_t j = 0; j < bc->n_groups; j++) {
            free(bc->groups[j].text);
        }
        free(bc->groups);
        bc->groups = xzalloc((n ? n : 1) * sizeof *bc->groups);
        for (size_t j = 0; j < n; j++) {
            bc->groups[j].text = texts[j];
        }
        bc->n_groups = n;
        free(texts);
    }

    if (save_file) {
        int error = xvs_config_save(new, save_file, errp);
        if (error) {
            xvs_config_free(new);
            return error;
        }
    }
    xvs_config_free(running_cfg);
    running_cfg = new;
    return 0;
}
