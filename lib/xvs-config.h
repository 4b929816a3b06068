/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-config: the switch's YAML configuration (/etc/xvs/xvs.yaml).
 *
 * xvs_config_load() reads a whole document, checks every key against the
 * schema below and returns either a complete, valid configuration or an
 * error that names the file, the line and the key ("xvs.yaml:14:
 * bridges[0].ports[2].ofport: expected an integer 1-65279, got \"x\"").
 * Nothing is half-loaded: on error the caller gets no configuration.
 *
 * Schema:
 *
 *   dpdk:
 *     args: [string, ...]        EAL arguments (not -l/-c/--lcores)
 *     mbufs: int                 packet buffers in the pool, 4095-16777215
 *                                (default 0: sized from the ports and PMD
 *                                threads, at least 32767)
 *   pmd:
 *     cores: [int, ...]          one PMD thread per core (default [1])
 *     max-sleep-us: int          idle PMD sleep limit, 0-100000 (default
 *                                250; 0: poll without sleeping)
 *   cache:                       per PMD thread
 *     emc-entries: int           exact-match cache size, 0-1048576 (default
 *                                8192, rounded down to a power of two;
 *                                0 disables it)
 *     emc-insert-inv-prob: int   insert 1 in N misses, 0-4294967295
 *                                (default 100; 1: always; 0: never)
 *     max-megaflows: int         1-10000000 (default 200000)
 *     megaflow-idle-ms: int      idle megaflows expire, 1-3600000 (10000)
 *   ssl:                         for ssl: and pssl: connections
 *     private-key: string        PEM file
 *     certificate: string        PEM file
 *     ca-cert: string            PEM file of the CA that signs peers
 *   bridges:                     a list, possibly empty
 *     - name: string             1-15 chars of [A-Za-z0-9_.-]
 *       datapath-id: int|string  64-bit, e.g. 0x1 (default: from the name)
 *       fail-mode: standalone|secure
 *       internal-port: bool      the bridge's own TAP port, named after it,
 *                                OpenFlow port LOCAL (default true)
 *       mac-table-size: int      NORMAL's MAC learning table, at most
 *                                this many addresses, 1-1000000
 *                                (default 8192)
 *       mtu: int                 68-9216: the MTU of its vifs' netdevs
 *                                and internal port (default: as they are)
 *       controllers: [string]    tcp:/ssl:/unix: OpenFlow controllers
 *       listeners: [string]      extra passive OpenFlow listeners
 *                                (ptcp:, pssl:, punix:), besides the
 *                                management socket
 *       protocols: [string]      OpenFlow10|OpenFlow11|OpenFlow12|
 *                                OpenFlow13|OpenFlow14|OpenFlow15
 *                                (default 1.0, 1.3, 1.4, 1.5)
 *       ports:
 *         - name: string         netdev or port name, unique on the host
 *           type: dpdk|xenvif|internal
 *           devargs: string      dpdk only (PCI address or vdev string)
 *           driver: auto|vnet|af_xdp|af_packet   xenvif only (default
 *                                auto: vnet)
 *           ofport: int          1-65279, unique in the bridge (default: next)
 *           domid: int           xenvif only: the guest's Xen domain id,
 *                                0-32751 (the hotplug script records it)
 *           devid: int           xenvif only: the vif's index, 0-65535
 *           vlan: int            access port of this VLAN, 1-4094
 *           trunks: [int, ...]   trunk of these VLANs, 1-4094
 *           native-vlan: int     a trunk's VLAN for untagged frames
 *                                (carried untagged, 1-4094)
 *                                (no vlan and no trunks: every VLAN, tags
 *                                as they come)
 *       meters: [string]         ovs-ofctl add-meter syntax, checked by
 *                                switchd, made before groups and flows
 *       groups: [string]         ovs-ofctl add-group syntax, checked by
 *                                switchd, made before the flows
 *       flows: [string]          ovs-ofctl flow syntax, checked by switchd
 *
 * xvs_config_save() writes a configuration back atomically (temporary file in
 * the same directory, fsync, rename), so a crash leaves either the old or the
 * new file, never a torn one.  Comments of the original file are not kept.
 *
 * Thread-safety: none needed; the main thread owns configurations.  Plain C
 * and libyaml only.
 */
#ifndef XVS_CONFIG_H
#define XVS_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvs-guest.h"

#define XVS_CONFIG_DEFAULT_FILE "/etc/xvs/xvs.yaml"
#define XVS_NAME_MAX 15             /* Longest bridge or port name. */
#define XVS_OFPORT_MAX 65279        /* OFPP_MAX in OpenFlow 1.0. */
/* Limits on a configuration file: its size, and how deep its mappings and
 * lists nest (the schema needs 4). */
#define XVS_CONFIG_MAX_SIZE (16 << 20)
#define XVS_CONFIG_MAX_DEPTH 32

/* A dpdk port's devargs, at most (the datapath keeps them in 256 bytes),
 * and a bridge's controllers (what xvs-ctl set-controller takes). */
#define XVS_DEVARGS_MAX 255
#define XVS_MAX_CONTROLLERS 16

/* A bridge's 'mtu': IPv4's least up to the usual jumbo size. */
#define XVS_MTU_MIN 68
#define XVS_MTU_MAX 9216

#define XVS_MAX_PMD_CORES 64

enum xvs_port_type {
    XVS_PORT_DPDK,
    XVS_PORT_XENVIF,
    XVS_PORT_INTERNAL,
};

enum xvs_vif_driver {
    XVS_VIF_AUTO,               /* The best there is: vnet. */
    XVS_VIF_AF_XDP,             /* DPDK's net_af_xdp. */
    XVS_VIF_AF_PACKET,          /* DPDK's net_af_packet (no offloads). */
    XVS_VIF_VNET,               /* xvs's AF_PACKET with the virtio-net
                                 * header: guests' offloads kept. */
};

enum xvs_fail_mode {
    XVS_FAIL_STANDALONE,
    XVS_FAIL_SECURE,
};

struct xvs_port_config {
    char *name;
    enum xvs_port_type type;
    char *devargs;              /* dpdk: required; others: NULL. */
    enum xvs_vif_driver driver; /* xenvif only. */
    int32_t domid;              /* xenvif only; -1 if not known. */
    int32_t devid;              /* xenvif only; -1 if not known. */
    uint16_t vlan;              /* Access VLAN, or 0. */
    uint16_t *trunks;           /* Trunk VLANs, sorted; NULL if none. */
    size_t n_trunks;
    uint16_t native_vlan;       /* Trunks only; 0 if none. */
    uint16_t ofport;            /* 1..XVS_OFPORT_MAX after loading. */
    struct xvs_port_guest guest;    /* Its guest, port security, rate. */
    int line;                   /* Line in the file, 0 if not from a file. */
};

struct xvs_flow_config {
    char *text;                 /* ovs-ofctl syntax. */
    int line;
};

/* A port mirror (see pipeline_set_mirrors()).  Ports by name: a vif
 * named in a mirror may come and go. */
#define XVS_MAX_MIRRORS 32
struct xvs_mirror_config {
    char *name;
    bool select_all;
    char **src;                 /* select-src-ports */
    size_t n_src;
    char **dst;                 /* select-dst-ports */
    size_t n_dst;
    uint16_t *vlans;            /* select-vlans; none: any VLAN. */
    size_t n_vlans;
    char *output;               /* output-port, or NULL with: */
    uint16_t output_vlan;       /* output-vlan, 1-4094, or 0. */
    int line;
};

/* NULL if 'm' is a mirror that can be made, else why not (the caller
 * frees it). */
char *xvs_mirror_config_check(const struct xvs_mirror_config *m);
void xvs_mirror_config_copy(struct xvs_mirror_config *dst,
                            const struct xvs_mirror_config *src);
void xvs_mirror_config_destroy(struct xvs_mirror_config *);

struct xvs_bridge_config {
    char *name;
    uint64_t datapath_id;
    enum xvs_fail_mode fail_mode;
    bool internal_port;
    uint32_t mtu;               /* 0: leave the ports' MTU as it is. */
    uint32_t mac_table_size;    /* 0: XVS_MAC_TABLE_DEFAULT. */
    char **controllers;
    size_t n_controllers;
    char **listeners;
    size_t n_listeners;
    uint32_t protocols;         /* Bitmap of 1 << OpenFlow wire version
                                 * (0x01 = 1.0 ... 0x06 = 1.5); 0: the
                                 * default. */
    struct xvs_port_config *ports;
    size_t n_ports;
    struct xvs_flow_config *flows;
    size_t n_flows;
    struct xvs_flow_config *groups;     /* ovs-ofctl add-group syntax. */
    size_t n_groups;
    struct xvs_flow_config *meters;     /* ovs-ofctl add-meter syntax. */
    size_t n_meters;
    struct xvs_mirror_config *mirrors;
    size_t n_mirrors;
    int line;
};

/* xvs_config.pmd_handler_core, besides a core number. */
#define XVS_HANDLER_NONE (-1)
#define XVS_HANDLER_AUTO (-2)

struct xvs_config {
    char *file;                 /* Where it was loaded from, or NULL. */
    char **dpdk_args;
    size_t n_dpdk_args;
    uint32_t dpdk_mbufs;        /* 0: sized by xvs-switchd. */
    unsigned int pmd_cores[XVS_MAX_PMD_CORES];
    size_t n_pmd_cores;
    unsigned int pmd_max_sleep_us;
    unsigned int pmd_upcall_share;      /* 1-100 (percent). */
    unsigned int pmd_isa;               /* enum dp_isa; 0: auto. */
    int pmd_handler_core;               /* XVS_HANDLER_* or a core. */
    uint32_t pmd_handler_misses;        /* Per second, per port. */
    uint32_t emc_entries;
    uint32_t emc_insert_inv_prob;
    uint32_t max_megaflows;
    uint32_t megaflow_idle_ms;
    char *ssl_private_key;      /* NULL if not set. */
    char *ssl_certificate;
    char *ssl_ca_cert;
    char *metrics;              /* "ADDR:PORT" of the metrics listener, or
                                 * NULL for none. */
    struct xvs_bridge_config *bridges;
    size_t n_bridges;
};

/* Parses "IPV4:PORT" or "[IPV6]:PORT" (numeric addresses, PORT 1-65535)
 * into '*ss'.  Returns 0, or a positive errno value with a message in
 * '*errp' (caller frees). */
struct sockaddr_storage;
int xvs_parse_listen_address(const char *, struct sockaddr_storage *ss,
                             char **errp);

/* "OpenFlow13" -> 4 (the wire version), or 0. */
int xvs_openflow_version_from_string(const char *);
const char *xvs_openflow_version_name(int version);

/* A bridge's mac-table-size. */
#define XVS_MAC_TABLE_DEFAULT 8192
#define XVS_MAC_TABLE_MAX 1000000

/* dpdk.mbufs' range (besides 0). */
#define XVS_MIN_MBUFS 4095
#define XVS_MAX_MBUFS 16777215

/* Loads 'file'.  Returns 0 and a new configuration in '*cfgp', or a positive
 * errno value and a message in '*errp' (caller frees). */
int xvs_config_load(const char *file, struct xvs_config **cfgp, char **errp);

/* Same, from a string; 'name' stands for the file in messages. */
int xvs_config_parse(const char *name, const char *text, size_t len,
                     struct xvs_config **cfgp, char **errp);

/* Writes 'cfg' to 'file' atomically.  Returns 0 or a positive errno value,
 * with a message in '*errp'. */
int xvs_config_save(const struct xvs_config *cfg, const char *file,
                    char **errp);

void xvs_config_free(struct xvs_config *);

struct xvs_config *xvs_config_clone(const struct xvs_config *);

/* Lookups and edits used by run-time port changes. */
struct xvs_bridge_config *xvs_config_find_bridge(struct xvs_config *,
                                                 const char *name);
struct xvs_port_config *xvs_config_find_port(struct xvs_config *,
                                             const char *name,
                                             struct xvs_bridge_config **brp);
/* Appends a copy of 'port' to 'br'. */
void xvs_config_add_port(struct xvs_bridge_config *br,
                         const struct xvs_port_config *port);
/* Removes the port named 'name' from 'br'; returns false if absent. */
bool xvs_config_del_port(struct xvs_bridge_config *br, const char *name);

/* Parses "10,20,30" (VLANs 1-4094, no duplicates) into a sorted array.
 * Returns NULL or a static reason. */
const char *xvs_config_parse_vlan_list(const char *s, uint16_t **vlans,
                                       size_t *n);

/* Checks a port's VLAN settings together; returns NULL or a reason. */
const char *xvs_config_check_vlans(const struct xvs_port_config *);

/* The lowest ofport not used in 'br', or 0 if none is free. */
uint16_t xvs_config_next_ofport(const struct xvs_bridge_config *br);

/* Checks a bridge or port name; returns NULL or a static reason. */
const char *xvs_config_check_name(const char *name);

const char *xvs_port_type_name(enum xvs_port_type);
bool xvs_port_type_from_string(const char *, enum xvs_port_type *);
const char *xvs_vif_driver_name(enum xvs_vif_driver);

/* Why 'devargs' (a dpdk port's) is refused, or NULL: the one check that
 * the YAML file and xvs-ctl add-port share. */
const char *xvs_config_check_devargs(const char *devargs);
bool xvs_vif_driver_from_string(const char *, enum xvs_vif_driver *);
const char *xvs_fail_mode_name(enum xvs_fail_mode);


#endif /* xvs-config.h */
