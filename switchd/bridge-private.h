/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge-private.h: what bridge.c (bridges, ports, the running
 * configuration) shares with bridge-ctl.c (the control commands), and
 * nobody else.
 *
 * Thread-safety: main thread only.
 */
#ifndef BRIDGE_PRIVATE_H
#define BRIDGE_PRIVATE_H 1

#include "bridge.h"

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/list.h"
#include "xvs-config.h"

struct connmgr;
struct ds;
struct pipeline;
struct ofputil_phy_port;

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
    struct xvs_port_guest guest;    /* Its guest, port security, rate. */
    bool attached;
    uint32_t dp_port;
    const char *driver_used;        /* "af_xdp", "af_packet", ... */
    char *error;                    /* Why it is not attached. */
    unsigned int failed_ifindex;    /* Netdev an attach failed on. */
    bool implicit;                  /* The bridge's own internal port, from
                                     * internal-port, not in 'ports'. */
    bool link_up;                   /* As last reported in PORT_STATUS. */
    uint32_t config;                /* OFPUTIL_PC_* set by port_mod (not
                                     * saved: a controller sets it again
                                     * when it connects). */
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


/* Every bridge, in creation order. */
extern struct ovs_list all_bridges;

/* The configuration running now, as it is saved. */
extern struct xvs_config *running_cfg;

/* Saves 'new' (with every bridge's current flows, groups and meters) and
 * makes it the running configuration, taking ownership of it.  On error
 * 'new' is freed and the running one is unchanged. */
int config_commit(struct xvs_config *new, char **errp);

struct bridge *bridge_find(const char *name);
/* A bridge as 'bc' says, with its listeners, controllers, tables and
 * ports; bridge_destroy() takes it down. */
void bridge_create(const struct xvs_bridge_config *bc);
void bridge_destroy(struct bridge *);
/* Opens the management socket and 'bc''s listeners, closing others. */
void bridge_set_listeners(struct bridge *,
                          const struct xvs_bridge_config *bc);
/* Gives 'br''s pipeline the mirrors of the running configuration, with
 * the ports 'br' has now (call again when ports come or go); the caller
 * flushes the caches. */
void bridge_apply_mirrors(struct bridge *);
/* The configuration file that changes are saved to (and reload reads),
 * or NULL. */
const char *bridge_config_file(void);
struct port *bridge_find_port(const struct bridge *, const char *name);
/* Takes 'port' out of 'br' (neither detaches nor frees it). */
void bridge_remove_port(struct bridge *, struct port *);

/* A port as 'pc' describes it, not attached. */
struct port *port_create(const struct xvs_port_config *pc);
void port_destroy(struct port *);
/* Attaches 'port' to the datapath and maps it in the pipeline: 0 or a
 * positive errno value with a message in '*errp'.  The caller flushes the
 * PMD threads' caches afterwards (dp_flush_caches()), once for all the
 * ports it attaches. */
int port_attach(struct bridge *, struct port *, char **errp);
void port_detach(struct bridge *, struct port *);
/* Applies 'port''s guest settings (port security, rate) to the pipeline
 * and the datapath, if it is attached; the caller flushes the caches. */
void port_apply_guest(struct bridge *, struct port *);
/* The MTU that 'port' gets from its bridge's 'mtu'. */
uint32_t port_mtu_for(const struct port *, uint32_t mtu);

/* bridge-ctl.c: what the command handlers of bridge-ctl.c and
 * table-ctl.c share. */
struct control_conn;
struct json;
/* Removes "--format=json|text" from 'argv'; 1 for JSON, 0 for text, -1
 * for a bad value. */
int take_format(int *argc, const char *argv[]);
void reply_json(struct control_conn *, struct json *);
void reply_json_or_text(struct control_conn *, bool as_json, struct json *,
                        struct ds *text);
/* Replies with 'error' as the error and frees it. */
void reply_error_free(struct control_conn *, char *error);
/* The bridge called 'name', or NULL after replying with an error. */
struct bridge *find_bridge_or_reply(struct control_conn *, const char *name);

/* The name of the port that is datapath port 'dp_port', or NULL (for
 * dp_flow_key_format()). */
const char *dp_port_name(uint32_t dp_port, void *aux);
/* Appends the first 'n_shown' of 'n' datapath actions to 's' ("drop" if
 * 'n' is 0). */
struct dp_action;
void format_dp_actions(struct ds *, const struct dp_action *,
                       size_t n_shown, size_t n);

/* The name of 'port''s guest: as vif-xvs recorded it (vm-name), else
 * from xenstore; NULL if not known.  The caller frees it. */
char *port_domain_name(const struct port *);

/* domain-ctl.c: registers dump-domains. */
void domain_ctl_register_commands(void);

/* trace-ctl.c: registers trace. */
void trace_ctl_register_commands(void);

/* table-ctl.c.  Puts 'br''s meters, groups and flows back to those of the
 * running configuration, leaving the controllers' flows alone. */
void bridge_restore_tables(struct bridge *br);

/* reload.c: registers reload. */
void reload_register_commands(void);
/* reload.c: frees what reload keeps (at exit). */
void reload_exit(void);

/* table-ctl.c.  Registers the commands of the flow, group and meter
 * tables. */
void table_ctl_register_commands(void);

#endif /* bridge-private.h */
