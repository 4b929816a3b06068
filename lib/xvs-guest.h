/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-guest: what the toolstack says about the guest behind a port, and
 * what the port lets that guest do.
 *
 * Xen's toolstack writes a vif's MAC ("mac"), its addresses ("ip"), its
 * rate limit ("rate") and, through the domain, the VM's uuid and name into
 * xenstore; vif-xvs(8) hands them to the switch with add-port.  The same
 * settings can be given in the YAML file and changed with set-port.  They
 * drive port security (source addresses a port may use) and the port's
 * ingress rate limit.
 *
 * Plain C with no dependency but libc: xvs-ctl, the configuration loader
 * and the daemon share these parsers, so that every entry point accepts and
 * refuses the same strings with the same words.
 */
#ifndef XVS_GUEST_H
#define XVS_GUEST_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Addresses per list (ip, allowed-addresses), at most. */
#define XVS_GUEST_MAX_ADDRS 64
/* A VM name, at most (Xen's own names are shorter). */
#define XVS_VM_NAME_MAX 128
/* Xen's netback lets a packet of up to this much through even when the
 * credit per interval is smaller: the policer's least burst. */
#define XVS_RATE_MIN_BURST 131072
/* Longest replenish interval of a rate limit (10 s). */
#define XVS_RATE_MAX_USECS 10000000u
/* xl's default replenish interval. */
#define XVS_RATE_DEFAULT_USECS 50000u

enum xvs_addr_kind {
    XVS_ADDR_MAC,
    XVS_ADDR_IP4,
    XVS_ADDR_IP6,
    XVS_ADDR_DHCP,              /* "dhcp": the IPv4 addresses DHCP leases
                                 * the guest (only in "ip"). */
    XVS_ADDR_DHCP6,             /* "dhcp6": the IPv6 addresses DHCPv6
                                 * assigns it (only in "ip"). */
};

/* A MAC address, or an IPv4 or IPv6 address with a prefix length, or
 * "dhcp" or "dhcp6". */
struct xvs_addr {
    uint8_t kind;               /* enum xvs_addr_kind. */
    uint8_t plen;               /* IP: 0-32 or 0-128; MAC: 48. */
    uint8_t a[16];              /* MAC: 6 bytes; IPv4: 4; IPv6: 16, all in
                                 * network order, host bits zero. */
};

/* A port's egress queues (OpenFlow set_queue, enqueue), at most; and the
 * highest queue id (0xffffffff is OpenFlow's "all queues"). */
#define XVS_MAX_PORT_QUEUES 64
#define XVS_QUEUE_ID_MAX 0xfffffffeu
/* A queue's max-rate, at least (the datapath polices in kbit/s). */
#define XVS_QUEUE_MIN_BPS 1000

/* An egress queue: what an output through it may send, at most.  xvs
 * polices it (packets over the rate are dropped, as Open vSwitch's
 * trtcm-policer does); there is no scheduler, so no min-rate. */
struct xvs_queue {
    uint32_t id;
    uint64_t rate_bytes;        /* max-rate: bytes per 'rate_usecs'. */
    uint32_t rate_usecs;
    char *rate_text;            /* As given. */
};

enum xvs_port_security {
    XVS_PSEC_DEFAULT,           /* On if the port has a 'mac'. */
    XVS_PSEC_ON,
    XVS_PSEC_OFF,
};

struct xvs_port_guest {
    bool has_mac;
    uint8_t mac[6];             /* The guest's MAC (Xen's "mac"). */
    struct xvs_addr *ips;       /* Its addresses (Xen's "ip"). */
    size_t n_ips;
    struct xvs_addr *allowed;   /* Further MACs and prefixes it may use. */
    size_t n_allowed;
    enum xvs_port_security security;
    uint64_t rate_bytes;        /* Per 'rate_usecs'; 0: no limit. */
    uint32_t rate_usecs;
    char *rate_text;            /* As given, for saving; NULL if none. */
    char *vm_uuid;              /* NULL if not known. */
    char *vm_name;
    struct xvs_queue *queues;   /* By increasing id; NULL if none. */
    size_t n_queues;
};

/* Parsers.  Each returns NULL or an error message that says what was
 * expected (the caller frees it), and leaves its outputs alone on error. */
char *xvs_parse_mac(const char *, uint8_t mac[6]);
/* One address: "aa:bb:cc:dd:ee:ff" (if 'allow_mac'), "10.0.0.5",
 * "10.0.0.0/24", "2001:db8::5", "2001:db8::/64".  Host bits must be 0. */
char *xvs_parse_addr(const char *, bool allow_mac, struct xvs_addr *);
/* A list of addresses separated by spaces or commas, as Xen's "ip" key
 * has them; none twice, at most XVS_GUEST_MAX_ADDRS.  '*addrs' is
 * malloc()ed (NULL for an empty list). */
char *xvs_parse_addr_list(const char *, bool allow_mac,
                          struct xvs_addr **addrs, size_t *n);
/* A rate as xl.cfg(5) writes it, "RATE/s[@INTERVAL]" (RATE with B, KB,
 * MB, GB for bytes or b, Kb, Mb, Gb for bits, decimal multiples; INTERVAL
 * in us, ms or s, default 50ms), or as libxl stores it in the backend,
 * "BYTES,USECS". */
char *xvs_parse_rate(const char *, uint64_t *bytes, uint32_t *usecs);
/* A port's queues, "ID:RATE" items separated by spaces ("1:10Mb/s
 * 2:1Gb/s@10ms"): ids 0 to XVS_QUEUE_ID_MAX, none twice, at most
 * XVS_MAX_PORT_QUEUES, each RATE as xvs_parse_rate() takes it and at least
 * 1 kbit/s.  '*queues' is malloc()ed, sorted by id (NULL for none). */
char *xvs_parse_queues(const char *, struct xvs_queue **queues, size_t *n);
/* The bits per second of 'bytes' per 'usecs'. */
uint64_t xvs_rate_bps(uint64_t bytes, uint32_t usecs);
void xvs_queues_free(struct xvs_queue *, size_t n);
/* A VM uuid (8-4-4-4-12 hex digits). */
char *xvs_check_uuid(const char *);
/* A VM name: 1 to XVS_VM_NAME_MAX printable characters. */
char *xvs_check_vm_name(const char *);

/* "10.0.0.5", "10.0.0.0/24", "2001:db8::/64", "00:16:3e:00:00:01". */
void xvs_format_addr(const struct xvs_addr *, char buf[64]);
/* "10 Mbit/s (62500 bytes per 50000 us)". */
void xvs_format_rate(uint64_t bytes, uint32_t usecs, char buf[96]);

/* Is port security on? */
bool xvs_port_guest_secured(const struct xvs_port_guest *);
/* The policer's burst for a rate of 'bytes' per interval. */
uint64_t xvs_rate_burst(uint64_t bytes);

/* One "key=value" setting of add-port or set-port about the guest: mac=,
 * ip=, allowed-addresses=, port-security=on|off|default, rate=, vm-uuid=,
 * vm-name=, queues=; with 'allow_none', "none" clears a setting (set-port).
 * Returns 0 if 'key' (of 'klen' bytes) is not one of them, 1 if it was
 * taken, -1 with a message in '*errp' if its value is wrong. */
int xvs_port_guest_option(struct xvs_port_guest *, const char *key,
                          size_t klen, const char *value, bool allow_none,
                          char **errp);
/* The keys xvs_port_guest_option() takes, for messages. */
#define XVS_PORT_GUEST_KEYS "mac, ip, allowed-addresses, port-security, " \
                            "rate, vm-uuid, vm-name, queues"
/* Checks the settings together; NULL or an error (caller frees). */
char *xvs_port_guest_check(const struct xvs_port_guest *);

void xvs_port_guest_copy(struct xvs_port_guest *dst,
                         const struct xvs_port_guest *src);
void xvs_port_guest_destroy(struct xvs_port_guest *);
/* Whether 'a' and 'b' say the same (the rate as parsed, not as written). */
bool xvs_port_guest_equal(const struct xvs_port_guest *,
                          const struct xvs_port_guest *);

/* printf-style allocation helper shared by the programs; never NULL. */
char *xvs_asprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* xvs-guest.h */
