/*
 * bridge: configuration -> datapath ports + pipeline; control commands.
 * See bridge.h.
 */
#include <config.h>

#include "bridge.h"

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

VLOG_DEFINE_THIS_MODULE(bridge);

#define BRIDGE_RUN_INTERVAL_MS 1000

struct port {
    char *name;
    enum xvs_port_type type;
    char *devargs;
    enum xvs_vif_driver driver;     /* Asked for. */
    int32_t domid, devid;           /* Xen guest of a vif, or -1. */
    uint16_t vlan, native_vlan;     /* See struct xvs_port_config. */
    uint16_t *trunks;
    size_t n_trunks;
    uint16_t ofport;
    bool attached;
    uint32_t dp_port;
    const char *driver_used;        /* "af_xdp", "af_packet", ... */
    char *error;                    /* Why it is not attached. */
    unsigned int failed_ifindex;    /* Netdev an attach failed on. */
    bool implicit;                  /* The bridge's own internal port, from
                                     * internal-port, not in 'ports'. */
    bool link_up;                   /* As last reported in PORT_STATUS. */
    long long attached_at;          /* time_msec(). */
};

/* OpenFlow's LOCAL port: the bridge's own internal port. */
#define OFPORT_LOCAL 65534

struct bridge {
    struct ovs_list node;           /* In 'all_bridges'. */
    char *name;
    uint64_t datapath_id;
    enum xvs_fail_mode fail_mode;
    uint32_t mtu;                   /* Of every port; 0: as they are. */
    struct pipeline *pl;
    struct connmgr *cm;
    struct port **ports;
    size_t n_ports;
};

static struct ovs_list all_bridges = OVS_LIST_INITIALIZER(&all_bridges);
static struct xvs_config *running_cfg;
static char *save_file;
static long long next_run;
static char *run_dir;               /* Management sockets live here. */

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
static uint32_t
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
static int
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

    port->link_up = port_link_up(port);
    pipeline_port_set_live(br->pl, port->ofport, port->link_up);
    port->attached_at = time_msec();
    if (br->cm) {
        struct ofputil_phy_port pp;
        port_to_ofp(port, &pp);
        connmgr_send_port_status(br->cm, &pp, OFPPR_ADD);
    }
    return 0;
}

static void
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

static const struct connmgr_bridge_ops bridge_connmgr_ops = {
    .get_ports = bridge_get_ofp_ports,
    .get_port_stats = bridge_get_ofp_port_stats,
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
    .execute = bridge_execute,
    .meter_set = bridge_meter_set,
    .meter_del = bridge_meter_del,
    .meter_stats = bridge_meter_stats,
};

static struct port *
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
    return port;
}

static void
port_destroy(struct port *port)
{
    if (port) {
        free(port->name);
        free(port->devargs);
        free(port->error);
        free(port->trunks);
        free(port);
    }
}

/* ---- Bridges -------------------------------------------------------- */

static struct bridge *
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

static struct port *
bridge_find_port(const struct bridge *br, const char *name)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (!strcmp(br->ports[i]->name, name)) {
            return br->ports[i];
        }
    }
    return NULL;
}

static void
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
static void
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

static void
bridge_create(const struct xvs_bridge_config *bc)
{
    struct bridge *br = xzalloc(sizeof *br);

    br->name = xstrdup(bc->name);
    br->datapath_id = bc->datapath_id;
    br->fail_mode = bc->fail_mode;
    br->mtu = bc->mtu;
    br->pl = pipeline_create(bc->name);
    pipeline_set_hooks(br->pl, &bridge_pipeline_hooks, br);
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
    dp_flush_caches();
}

static void
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

void
bridge_exit(void)
{
    struct bridge *br;

    LIST_FOR_EACH_SAFE (br, node, &all_bridges) {
        bridge_destroy(br);
    }
    xvs_config_free(running_cfg);
    running_cfg = NULL;
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
            if (br && pins[i].len) {
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
    bridge_run_packet_ins();
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
static int
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

/* ---- Control commands ----------------------------------------------- */

/* Removes "--format=json|text" from 'argv'; returns -1 for a bad value. */
static int
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

static void
reply_json(struct control_conn *conn, struct json *json)
{
    char *s = json_to_string(json, JSSF_SORT | JSSF_PRETTY);
    control_reply(conn, s);
    free(s);
    json_destroy(json);
}

/* Replies with 'json' if 'as_json', else with the text in 's'; frees both. */
static void
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

static void
reply_error_free(struct control_conn *conn, char *error)
{
    control_reply_error(conn, error);
    free(error);
}

static struct bridge *
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

/* The name of Xen domain 'domid' from xenstore, or NULL (no Xen, no such
 * domain, no xenstore-read).  The caller frees it. */
static char *
xen_domain_name(int32_t domid)
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

static struct json *
port_to_json(const struct port *port)
{
    struct json *o = json_object_create();

    json_object_put_string(o, "name", port->name);
    json_object_put(o, "ofport", json_integer_create(port->ofport));
    json_object_put_string(o, "type", xvs_port_type_name(port->type));
    if (port->domid >= 0) {
        char *name = xen_domain_name(port->domid);
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
        json_object_put(o, "mtu", json_integer_create(info.mtu));
        json_object_put(o, "offloads", json_boolean_create(info.offloads));
    } else {
        json_object_put_string(o, "error",
                               port->error ? port->error : "not attached");
    }
    return o;
}

static void
show_port_text(struct ds *s, const struct port *port)
{
    if (port->ofport == OFPORT_LOCAL) {
        ds_put_format(s, "    port %s: ofport LOCAL, %s", port->name,
                      xvs_port_type_name(port->type));
    } else {
        ds_put_format(s, "    port %s: ofport %"PRIu16", %s", port->name,
                      port->ofport, xvs_port_type_name(port->type));
    }
    if (port->domid >= 0) {
        char *name = xen_domain_name(port->domid);
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
        ds_put_format(s, " via %s, link %s, mac %s, pmd core %u, mtu %"PRIu32
                      "%s\n",
                      port->type == XVS_PORT_DPDK ? info.driver
                                                  : port->driver_used,
                      port->link_up ? "up" : "down",
                      format_mac(info.mac, mac), info.pmd_core, info.mtu,
                      info.offloads ? ", offloads" : "");
    } else {
        ds_put_format(s, ", error: %s\n",
                      port->error ? port->error : "not attached");
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
                json_array_add(ports, port_to_json(br->ports[i]));
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
    ds_put_format(&s, ", %u of %u mbufs in use\n", in_use, size);
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
            show_port_text(&s, br->ports[i]);
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
                             "trunks=, native-vlan=)", argv[i]);
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
            return xasprintf("unknown option \"%.*s\" (expected type, "
                             "devargs, ofport, driver, domid, devid, vlan, "
                             "trunks or native-vlan)", (int) klen, argv[i]);
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
        reply_error_free(conn, error);
        return;
    }

    struct port *port = port_create(&pc);
    if (port_attach(br, port, &error)) {
        port_destroy(port);
        free(pc.devargs);
        free(pc.trunks);
        reply_error_free(conn, error);
        return;
    }
    dp_flush_caches();

    struct xvs_config *new = xvs_config_clone(running_cfg);
    xvs_config_add_port(xvs_config_find_bridge(new, br_name), &pc);
    free(pc.devargs);
    free(pc.trunks);
    if (config_commit(new, &error)) {
        port_detach(br, port);
        port_destroy(port);
        reply_error_free(conn, xasprintf("port not added: %s", error));
        free(error);
        return;
    }
    br->ports = xrealloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
    br->ports[br->n_ports++] = port;
    control_reply(conn, NULL);
}

static void
cmd_del_port(struct control_conn *conn, int argc OVS_UNUSED,
             const char *argv[], void *aux OVS_UNUSED)
{
    struct bridge *br;
    struct port *port = find_port_or_reply(conn, argv, &br);
    char *error;

    if (!port) {
        return;
    }
    if (port->implicit) {
        reply_error_free(conn, xasprintf("%s is the bridge's internal port; "
                                         "set internal-port: false in the "
                                         "configuration to go without it",
                                         argv[2]));
        return;
    }

    struct xvs_config *new = xvs_config_clone(running_cfg);
    xvs_config_del_port(xvs_config_find_bridge(new, argv[1]), argv[2]);
    if (config_commit(new, &error)) {
        reply_error_free(conn, xasprintf("port not deleted: %s", error));
        free(error);
        return;
    }
    port_detach(br, port);
    bridge_remove_port(br, port);
    VLOG_INFO("%s: deleted port %s", br->name, port->name);
    port_destroy(port);
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
        } else {
            error = xasprintf("set-port changes vlan, trunks and native-vlan; "
                              "\"%.*s\" is not one of them", (int) klen,
                              argv[i]);
        }
    }
    if (!error) {
        const char *why = xvs_config_check_vlans(&pc);
        error = why ? xstrdup(why) : NULL;
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
        if (config_commit(new, &error)) {
            char *e = error;
            error = xasprintf("port not changed: %s", e);
            free(e);
        }
    }
    if (error) {
        free(pc.trunks);
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
        dp_flush_caches();
    }
    control_reply(conn, NULL);
}

/* Puts 'br''s saved flows back to those of the running configuration, in
 * one transaction (the flows that stay keep their counters). */
static void
restore_saved_flows(struct bridge *br)
{
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    const char **texts = xcalloc(bc->n_flows + 1, sizeof *texts);
    size_t n_deleted;
    char *error = NULL;

    for (size_t i = 0; i < bc->n_flows; i++) {
        texts[i] = bc->flows[i].text;
    }
    pipeline_begin(br->pl);
    pipeline_flows_del_except(br->pl, texts, bc->n_flows, &n_deleted,
                              &error);
    free(error);
    for (size_t i = 0; i < bc->n_flows; i++) {
        if (pipeline_flow_add(br->pl, texts[i], &error)) {
            VLOG_WARN("%s: cannot restore flow \"%s\": %s", br->name,
                      texts[i], error);
            free(error);
        }
    }
    pipeline_commit(br->pl);
    free(texts);
}

/* Sets '*id' to the id of the group (or meter) that the ovs-ofctl text
 * 'text' defines, as the configuration saves it.  False if it does not
 * parse. */
static bool
group_id_of(const char *text, uint32_t *id)
{
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_group_mod_str(&gm, OFPGC11_ADD, text, NULL, NULL,
                                          &usable);
    if (error) {
        free(error);
        return false;
    }
    *id = gm.group_id;
    ofputil_uninit_group_mod(&gm);
    return true;
}

static bool
meter_id_of(const char *text, uint32_t *id)
{
    struct ofputil_meter_mod mm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_meter_mod_str(&mm, text, OFPMC13_ADD, &usable);
    if (error) {
        free(error);
        return false;
    }
    *id = mm.meter.meter_id;
    free(mm.meter.bands);
    return true;
}

/* Deletes from 'br' each group (or meter) whose id no text of 'saved'
 * defines. */
static void
del_unsaved(struct bridge *br, const struct xvs_flow_config *saved,
            size_t n_saved, char **(*texts_of)(const struct pipeline *,
                                               size_t *),
            bool (*id_of)(const char *, uint32_t *),
            void (*del)(struct pipeline *, uint32_t id))
{
    size_t n;
    char **texts = texts_of(br->pl, &n);

    for (size_t i = 0; i < n; i++) {
        uint32_t id, saved_id;
        bool keep = !id_of(texts[i], &id);
        for (size_t j = 0; j < n_saved && !keep; j++) {
            keep = id_of(saved[j].text, &saved_id) && saved_id == id;
        }
        if (!keep) {
            del(br->pl, id);
        }
        free(texts[i]);
    }
    free(texts);
}

static void
del_group(struct pipeline *pl, uint32_t id)
{
    size_t n;
    pipeline_groups_del(pl, id, &n);
}

static void
del_meter(struct pipeline *pl, uint32_t id)
{
    size_t n;
    pipeline_meters_del(pl, id, &n);
}

/* Puts 'br''s meters, groups and flows back to those of the running
 * configuration, after a group or meter change that could not be saved:
 * changed entries get their saved definition again, deleted ones (and the
 * flows deleted with them, without their counters) come back, added ones
 * go. */
static void
restore_saved_tables(struct bridge *br)
{
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    char *error;

    for (size_t i = 0; i < bc->n_meters; i++) {
        if (pipeline_meter_add(br->pl, bc->meters[i].text, &error)) {
            VLOG_WARN("%s: cannot restore meter \"%s\": %s", br->name,
                      bc->meters[i].text, error);
            free(error);
        }
    }
    for (size_t i = 0; i < bc->n_groups; i++) {
        if (pipeline_group_add(br->pl, bc->groups[i].text, &error)) {
            VLOG_WARN("%s: cannot restore group \"%s\": %s", br->name,
                      bc->groups[i].text, error);
            free(error);
        }
    }
    restore_saved_flows(br);
    del_unsaved(br, bc->groups, bc->n_groups, pipeline_groups_texts,
                group_id_of, del_group);
    del_unsaved(br, bc->meters, bc->n_meters, pipeline_meters_texts,
                meter_id_of, del_meter);
}

/* Saves the flows after a change of 'br''s flows (or, with 'flows_only'
 * false, of its groups or meters).  A change that cannot be saved (a full
 * disk, say) is undone: the tables are what the file says. */
static void
reply_after_flow_change(struct control_conn *conn, struct bridge *br,
                        bool flows_only)
{
    char *error;

    /* No packet meets a megaflow of the old rules after we answer. */
    dp_flush_caches();

    if (config_commit(xvs_config_clone(running_cfg), &error)) {
        if (flows_only) {
            restore_saved_flows(br);
        } else {
            restore_saved_tables(br);
        }
        dp_flush_caches();
        reply_error_free(conn, xasprintf("the %s was not changed: %s",
                                         flows_only ? "flow table"
                                         : "pipeline", error));
        free(error);
        return;
    }
    control_reply(conn, NULL);
}

static void
cmd_add_flow(struct control_conn *conn, int argc OVS_UNUSED,
             const char *argv[], void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    if (pipeline_flow_add(br->pl, argv[2], &error)) {
        reply_error_free(conn, xasprintf("bad flow \"%s\": %s", argv[2],
                                         error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

/* add-flows BR TEXT / replace-flows BR TEXT: the flows of TEXT (one per
 * line; blank lines and # comments skipped), all or nothing, in one
 * transaction: packets see the old table or the new one.  replace-flows
 * also deletes every flow that TEXT does not have (counters of flows that
 * stay are kept). */
static void
cmd_add_flows__(struct control_conn *conn, const char *argv[], bool replace)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *text, *line;
    int lineno = 0;
    size_t n = 0;

    if (!br) {
        return;
    }
    text = xstrdup(argv[2]);
    struct ds errors = DS_EMPTY_INITIALIZER;
    char **lines = NULL;
    size_t allocated = 0;
    for (char *next = text; next; ) {
        line = next;
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        lineno++;
        line += strspn(line, " \t\r");
        line[strcspn(line, "\r")] = '\0';
        if (!*line || *line == '#') {
            continue;
        }
        char *error;
        if (pipeline_flow_check(line, &error)) {
            ds_put_format(&errors, "line %d: %s", lineno, error);
            free(error);
            break;
        }
        if (n >= allocated) {
            lines = x2nrealloc(lines, &allocated, sizeof *lines);
        }
        lines[n++] = line;
    }
    if (!errors.length) {
        pipeline_begin(br->pl);
        if (replace) {
            size_t n_deleted;
            char *error;
            pipeline_flows_del_except(br->pl, (const char **) lines, n,
                                      &n_deleted, &error);
        }
        for (size_t i = 0; i < n && !errors.length; i++) {
            char *error;
            if (pipeline_flow_add(br->pl, lines[i], &error)) {
                ds_put_format(&errors, "\"%s\": %s", lines[i], error);
                free(error);
            }
        }
        if (errors.length) {
            pipeline_abort(br->pl);
        } else {
            pipeline_commit(br->pl);
        }
    }
    free(lines);
    free(text);
    if (errors.length) {
        reply_error_free(conn, xasprintf("no flow %s: %s",
                                         replace ? "replaced" : "added",
                                         ds_cstr(&errors)));
        ds_destroy(&errors);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

static void
cmd_add_flows(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *aux OVS_UNUSED)
{
    cmd_add_flows__(conn, argv, false);
}

static void
cmd_replace_flows(struct control_conn *conn, int argc OVS_UNUSED,
                  const char *argv[], void *aux OVS_UNUSED)
{
    cmd_add_flows__(conn, argv, true);
}

/* add-group BR GROUP, add-meter BR METER: 'aux' adds it (saved). */
struct table_entry_cmd {
    const char *what;
    int (*add)(struct pipeline *, const char *text, char **errp);
};

static void
cmd_add_entry(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *cmd_)
{
    const struct table_entry_cmd *cmd = cmd_;
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    if (cmd->add(br->pl, argv[2], &error)) {
        reply_error_free(conn, xasprintf("bad %s \"%s\": %s", cmd->what,
                                         argv[2], error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, false);
}

static const struct table_entry_cmd add_group_cmd = {
    "group", pipeline_group_add
};
static const struct table_entry_cmd add_meter_cmd = {
    "meter", pipeline_meter_add
};

/* dump-groups, dump-meters, dump-tables BR: 'aux' formats them. */
struct dump_cmd {
    void (*dump)(const struct pipeline *, struct ds *);
};
static const struct dump_cmd dump_groups_cmd = { pipeline_groups_dump };
static const struct dump_cmd dump_meters_cmd = { pipeline_meters_dump };
static const struct dump_cmd dump_tables_cmd = { pipeline_tables_dump };

static void
cmd_dump_with(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *cmd_)
{
    const struct dump_cmd *cmd = cmd_;
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!br) {
        return;
    }
    cmd->dump(br->pl, &s);
    control_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* del-groups BR [group_id=N]: also deletes the flows that use them. */
static void
cmd_del_groups(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    uint32_t id = OFPG_ALL;
    size_t n;

    if (!br) {
        return;
    }
    if (argc > 2) {
        const char *v = argv[2];
        if (!strncmp(v, "group_id=", 9)) {
            v += 9;
        }
        if (!ofputil_group_from_string(v, &id)) {
            reply_error_free(conn, xasprintf("\"%s\": expected group_id=N "
                                             "(or ALL)", argv[2]));
            return;
        }
    }
    pipeline_groups_del(br->pl, id, &n);
    reply_after_flow_change(conn, br, false);
}

/* del-meters BR [meter=N]: also deletes the flows that use them. */
static void
cmd_del_meters(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    uint32_t id = OFPM13_ALL;
    size_t n;

    if (!br) {
        return;
    }
    if (argc > 2) {
        const char *v = argv[2];
        char *end;
        if (!strncmp(v, "meter=", 6)) {
            v += 6;
        }
        unsigned long long x = strtoull(v, &end, 0);
        if (!strcasecmp(v, "all")) {
            id = OFPM13_ALL;
        } else if (*end || !*v || !x || x > OFPM13_MAX) {
            reply_error_free(conn, xasprintf("\"%s\": expected meter=N "
                                             "(1 to %u) or meter=all",
                                             argv[2], OFPM13_MAX));
            return;
        } else {
            id = x;
        }
    }
    pipeline_meters_del(br->pl, id, &n);
    reply_after_flow_change(conn, br, false);
}

static void
cmd_del_flows(struct control_conn *conn, int argc, const char *argv[],
              void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    size_t n;
    char *error;

    if (!br) {
        return;
    }
    if (pipeline_flows_del(br->pl, argc > 2 ? argv[2] : NULL, &n, &error)) {
        reply_error_free(conn, xasprintf("bad match \"%s\": %s", argv[2],
                                         error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

static void
cmd_dump_flows(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc != 2) {
        control_reply_error(conn, "usage: dump-flows BRIDGE "
                                    "[--format=json]");
        return;
    }
    br = find_bridge_or_reply(conn, argv[1]);
    if (!br) {
        return;
    }
    if (json) {
        reply_json(conn, pipeline_flows_to_json(br->pl));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;
        pipeline_flows_dump(br->pl, &s);
        control_reply(conn, ds_cstr(&s));
        ds_destroy(&s);
    }
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
        if (port->attached) {
            dp_port_get_stats(port->dp_port, &st);
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
            if (port->domid >= 0) {
                char *name = xen_domain_name(port->domid);
                json_object_put(o, "domid", json_integer_create(port->domid));
                json_object_put(o, "domain_name",
                                name ? json_string_create(name)
                                     : json_null_create());
                free(name);
            }
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "  port %3"PRIu16" (%s)", port->ofport,
                          port->name);
            if (port->domid >= 0) {
                char *name = xen_domain_name(port->domid);
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
        }
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

/* The name of datapath port 'dp_port', for cache dumps. */
static const char *
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

static void
format_dp_actions(struct ds *s, const struct dp_cache_entry *e)
{
    if (!e->n_actions) {
        ds_put_cstr(s, "drop");
        return;
    }
    for (size_t i = 0; i < e->n_actions && i < DP_DUMP_MAX_ACTIONS; i++) {
        const struct dp_action *a = &e->actions[i];
        ds_put_cstr(s, i ? "," : "");
        switch ((enum dp_action_type) a->type) {
        case DP_ACTION_PUSH_VLAN:
            ds_put_format(s, "push_vlan:%u", a->tci & 0xfff);
            if (a->tci >> 13) {
                ds_put_format(s, "/pcp%u", a->tci >> 13);
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
            ds_put_format(s, "set_mpls_lse:%#"PRIx32, ntohl(a->be32));
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
        case DP_ACTION_SET_IPV6_WORD:
            ds_put_format(s, "set_ipv6_%s[%d]:%#"PRIx32,
                          a->port < 4 ? "src" : "dst", a->port & 3,
                          ntohl(a->be32));
            break;
        default:
            ds_put_format(s, "unknown(%u)", a->type);
            break;
        }
    }
    if (e->n_actions > DP_DUMP_MAX_ACTIONS) {
        ds_put_format(s, ",...(%u more)",
                      e->n_actions - DP_DUMP_MAX_ACTIONS);
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
        format_dp_actions(&acts, e);
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
            json_object_put(o, "packets", json_integer_create(p->packets));
            json_object_put(o, "emc_hits", json_integer_create(p->emc_hits));
            json_object_put(o, "megaflow_hits",
                            json_integer_create(p->megaflow_hits));
            json_object_put(o, "upcalls", json_integer_create(p->upcalls));
            json_object_put(o, "lost", json_integer_create(p->lost));
            json_object_put(o, "busy_cycles",
                            json_integer_create(p->busy_cycles));
            json_object_put(o, "idle_cycles",
                            json_integer_create(p->idle_cycles));
            json_object_put(o, "cycles_per_packet", json_real_create(cpp));
            json_object_put(o, "megaflows",
                            json_integer_create(p->n_megaflows));
            json_object_put(o, "subtables",
                            json_integer_create(p->n_subtables));
            json_array_add(array, o);
        } else {
            ds_put_format(&s, "pmd core %u:\n"
                          "  packets received: %"PRIu64"\n"
                          "  EMC hits: %"PRIu64"\n"
                          "  megaflow hits: %"PRIu64"\n"
                          "  upcalls: %"PRIu64"\n"
                          "  lost (upcall budget): %"PRIu64"\n"
                          "  busy cycles: %"PRIu64" (%.1f%%)\n"
                          "  idle cycles: %"PRIu64" (%.1f%%)\n"
                          "  busy cycles per packet: %.1f\n"
                          "  megaflows: %"PRIu64" in %"PRIu64" subtable(s)\n",
                          p->core, p->packets, p->emc_hits, p->megaflow_hits,
                          p->upcalls, p->lost, p->busy_cycles, busy,
                          p->idle_cycles, cycles ? 100.0 - busy : 0, cpp,
                          p->n_megaflows, p->n_subtables);
        }
    }
    free(st);
    reply_json_or_text(conn, json, array, &s);
}

static void
cmd_pmd_stats_clear(struct control_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    dp_pmd_stats_clear();
    control_reply(conn, NULL);
}

void
bridge_register_commands(void)
{
    control_register("dump-cache", "[BRIDGE] [--format=json]", 0, 2,
                             cmd_dump_cache, NULL);
    control_register("pmd-stats", "[--format=json]", 0, 1,
                             cmd_pmd_stats, NULL);
    control_register("pmd-stats-clear", "", 0, 0,
                             cmd_pmd_stats_clear, NULL);
    control_register("show", "[--format=json]", 0, 1, cmd_show,
                             NULL);
    control_register("add-port", "BRIDGE PORT [type=T] [devargs=D] "
                             "[ofport=N] [driver=D] [domid=N] [devid=N] "
                             "[vlan=N] [trunks=N,...] [native-vlan=N]", 2,
                             11, cmd_add_port, NULL);
    control_register("del-port", "BRIDGE PORT", 2, 2, cmd_del_port,
                             NULL);
    control_register("set-mtu", "BRIDGE MTU", 2, 2, cmd_set_mtu,
                             NULL);
    control_register("set-port", "BRIDGE PORT [vlan=N|none] "
                             "[trunks=N,...|none] [native-vlan=N|none]", 3,
                             5, cmd_set_port, NULL);
    control_register("add-flow", "BRIDGE FLOW", 2, 2, cmd_add_flow,
                             NULL);
    control_register("del-flows", "BRIDGE [MATCH]", 1, 2,
                             cmd_del_flows, NULL);
    control_register("dump-flows", "BRIDGE [--format=json]", 1, 2,
                             cmd_dump_flows, NULL);
    control_register("dump-ports", "BRIDGE [PORT] [--format=json]",
                             1, 3, cmd_dump_ports, NULL);
    control_register("dump-macs", "BRIDGE [--format=json]", 1, 2,
                             cmd_dump_macs, NULL);
    control_register("add-flows", "BRIDGE TEXT", 2, 2,
                             cmd_add_flows, NULL);
    control_register("replace-flows", "BRIDGE TEXT", 2, 2,
                             cmd_replace_flows, NULL);
    control_register("add-group", "BRIDGE GROUP", 2, 2,
                             cmd_add_entry, CONST_CAST(void *,
                                                       &add_group_cmd));
    control_register("del-groups", "BRIDGE [group_id=N]", 1, 2,
                             cmd_del_groups, NULL);
    control_register("dump-groups", "BRIDGE", 1, 1, cmd_dump_with,
                             CONST_CAST(void *, &dump_groups_cmd));
    control_register("add-meter", "BRIDGE METER", 2, 2,
                             cmd_add_entry, CONST_CAST(void *,
                                                       &add_meter_cmd));
    control_register("del-meters", "BRIDGE [meter=N]", 1, 2,
                             cmd_del_meters, NULL);
    control_register("dump-meters", "BRIDGE", 1, 1, cmd_dump_with,
                             CONST_CAST(void *, &dump_meters_cmd));
    control_register("dump-tables", "BRIDGE", 1, 1, cmd_dump_with,
                             CONST_CAST(void *, &dump_tables_cmd));
    control_register("set-controller", "BRIDGE TARGET...", 2, 17,
                             cmd_set_controller, NULL);
    control_register("del-controller", "BRIDGE", 1, 1,
                             cmd_set_controller, NULL);
}
