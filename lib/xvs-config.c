/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-config: YAML configuration load, validation and atomic save.
 * See xvs-config.h for the schema.
 */
#define _GNU_SOURCE 1
#include "xvs-config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "datapath/dp-classify.h"

static void *
xmalloc0(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        abort();
    }
    return p;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        abort();
    }
    return p;
}

static char *
xstrdup(const char *s)
{
    return s ? strcpy(xmalloc0(strlen(s) + 1), s) : NULL;
}

/* ---- Names ---------------------------------------------------------- */

static const char *port_type_names[] = {
    [XVS_PORT_DPDK] = "dpdk",
    [XVS_PORT_XENVIF] = "xenvif",
    [XVS_PORT_INTERNAL] = "internal",
};

static const char *vif_driver_names[] = {
    [XVS_VIF_AUTO] = "auto",
    [XVS_VIF_AF_XDP] = "af_xdp",
    [XVS_VIF_AF_PACKET] = "af_packet",
    [XVS_VIF_VNET] = "vnet",
};

const char *
xvs_port_type_name(enum xvs_port_type t)
{
    return port_type_names[t];
}

bool
xvs_port_type_from_string(const char *s, enum xvs_port_type *t)
{
    for (size_t i = 0; i < sizeof port_type_names / sizeof *port_type_names;
         i++) {
        if (!strcmp(s, port_type_names[i])) {
            *t = i;
            return true;
        }
    }
    return false;
}

const char *
xvs_vif_driver_name(enum xvs_vif_driver d)
{
    return vif_driver_names[d];
}

bool
xvs_vif_driver_from_string(const char *s, enum xvs_vif_driver *d)
{
    for (size_t i = 0; i < sizeof vif_driver_names / sizeof *vif_driver_names;
         i++) {
        if (!strcmp(s, vif_driver_names[i])) {
            *d = i;
            return true;
        }
    }
    return false;
}

const char *
xvs_fail_mode_name(enum xvs_fail_mode m)
{
    return m == XVS_FAIL_SECURE ? "secure" : "standalone";
}

const char *
xvs_config_check_name(const char *name)
{
    size_t len = strlen(name);

    if (!len) {
        return "must not be empty";
    }
    if (len > XVS_NAME_MAX) {
        return "longer than 15 characters";
    }
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char) *p) && !strchr("_.-", *p)) {
            return "may contain only letters, digits, '_', '.' and '-'";
        }
    }
    return NULL;
}

/* ---- Parsing context ------------------------------------------------ */

struct ctx {
    const char *file;
    yaml_document_t *doc;
    char *err;                  /* First error, or NULL. */
};

static int
node_line(const yaml_node_t *node)
{
    return node ? (int) node->start_mark.line + 1 : 0;
}

static bool fail(struct ctx *, const yaml_node_t *, const char *path,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records an error about 'node' at 'path' (only the first one is kept) and
 * returns false so that callers can 'return fail(...)'. */
static bool
fail(struct ctx *ctx, const yaml_node_t *node, const char *path,
     const char *fmt, ...)
{
    if (!ctx->err) {
        va_list args;
        char *msg;

        va_start(args, fmt);
        if (vasprintf(&msg, fmt, args) < 0) {
            abort();
        }
        va_end(args);
        ctx->err = xvs_asprintf("%s:%d: %s: %s", ctx->file, node_line(node),
                                *path ? path : "(top level)", msg);
        free(msg);
    }
    return false;
}

static const char *
node_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_NO_NODE:
    default:
        return "nothing";
    }
}

static const char *
scalar(const yaml_node_t *node)
{
    return (const char *) node->data.scalar.value;
}

/* What to show of a node in "got ..." messages. */
static char *
node_describe(const yaml_node_t *node)
{
    if (node->type == YAML_SCALAR_NODE) {
        const char *s = scalar(node);
        return xvs_asprintf("\"%.40s%s\"", s, strlen(s) > 40 ? "..." : "");
    }
    return xstrdup(node_kind(node));
}

static bool
expect_kind(struct ctx *ctx, const yaml_node_t *node, const char *path,
            yaml_node_type_t type, const char *what)
{
    if (node->type != type) {
        char *got = node_describe(node);
        fail(ctx, node, path, "expected %s, got %s", what, got);
        free(got);
        return false;
    }
    return true;
}

static bool
get_string(struct ctx *ctx, const yaml_node_t *node, const char *path,
           char **out)
{
    if (!expect_kind(ctx, node, path, YAML_SCALAR_NODE, "a string")) {
        return false;
    }
    free(*out);
    *out = xstrdup(scalar(node));
    return true;
}

/* Parses a decimal or 0x-hex integer scalar in [min, max]. */
static bool
get_uint(struct ctx *ctx, const yaml_node_t *node, const char *path,
         uint64_t min, uint64_t max, uint64_t *out)
{
    const char *s;
    char *end;
    uint64_t v;

    if (node->type == YAML_SCALAR_NODE) {
        s = scalar(node);
        /* Decimal, or hexadecimal with 0x; never octal ("010" is 10). */
        bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        errno = 0;
        v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
        if (hex && !isxdigit((unsigned char) s[2])) {
            end = (char *) s;   /* "0x" alone. */
        }
        if (*s && isdigit((unsigned char) *s) && !*end && !errno
            && v >= min && v <= max) {
            *out = v;
            return true;
        }
    }

    char *got = node_describe(node);
    fail(ctx, node, path, "expected an integer %" PRIu64 "-%" PRIu64
         ", got %s", min, max, got);
    free(got);
    return false;
}

/* Iterates the pairs of a mapping, checking each key against 'keys' (a
 * NULL-terminated list) and rejecting duplicates.  Calls 'cb' per pair. */
typedef bool pair_cb(struct ctx *, const char *key, const yaml_node_t *value,
                     const char *path, void *aux);

static bool
for_each_pair(struct ctx *ctx, const yaml_node_t *map, const char *path,
              const char *const keys[], pair_cb *cb, void *aux)
{
    if (!expect_kind(ctx, map, path, YAML_MAPPING_NODE, "a mapping")) {
        return false;
    }

    size_t n_keys = 0;
    while (keys[n_keys]) {
        n_keys++;
    }
    bool seen[n_keys + 1];
    memset(seen, 0, sizeof seen);

    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);

        if (k->type != YAML_SCALAR_NODE) {
            return fail(ctx, k, path, "keys must be strings, got %s",
                        node_kind(k));
        }

        const char *key = scalar(k);
        size_t i;
        for (i = 0; i < n_keys; i++) {
            if (!strcmp(key, keys[i])) {
                break;
            }
        }

        char *sub = *path ? xvs_asprintf("%s.%s", path, key) : xstrdup(key);
        bool ok;
        if (i == n_keys) {
            char list[256] = "";
            for (size_t j = 0; j < n_keys; j++) {
                strncat(list, j ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, keys[j], sizeof list - strlen(list) - 1);
            }
            ok = fail(ctx, k, sub, "unknown key (expected one of: %s)", list);
        } else if (seen[i]) {
            ok = fail(ctx, k, sub, "duplicate key");
        } else {
            seen[i] = true;
            ok = cb(ctx, key, v, sub, aux);
        }
        free(sub);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool
get_string_list(struct ctx *ctx, const yaml_node_t *node, const char *path,
                char ***out, size_t *n_out, int **lines)
{
    if (!expect_kind(ctx, node, path, YAML_SEQUENCE_NODE, "a list")) {
        return false;
    }
    for (yaml_node_item_t *it = node->data.sequence.items.start;
         it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(ctx->doc, *it);
        char *sub = xvs_asprintf("%s[%zu]", path, *n_out);
        char *s = NULL;
        bool ok = get_string(ctx, item, sub, &s);
        free(sub);
        if (!ok) {
            return false;
        }
        *out = xrealloc(*out, (*n_out + 1) * sizeof **out);
        if (lines) {
            *lines = xrealloc(*lines, (*n_out + 1) * sizeof **lines);
            (*lines)[*n_out] = node_line(item);
        }
        (*out)[(*n_out)++] = s;
    }
    return true;
}

/* ---- Sections ------------------------------------------------------- */

static bool
dpdk_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
          const char *path, void *cfg_)
{
    struct xvs_config *cfg = cfg_;

    if (!strcmp(key, "mbufs")) {
        uint64_t n;
        if (!get_uint(ctx, v, path, 0, XVS_MAX_MBUFS, &n)) {
            return false;
        }
        if (n && n < XVS_MIN_MBUFS) {
            return fail(ctx, v, path, "expected 0 (sized from the ports) "
                        "or at least %d mbufs, got %"PRIu64,
                        XVS_MIN_MBUFS, n);
        }
        cfg->dpdk_mbufs = n;
        return true;
    }
    /* key == "args" */
    if (!get_string_list(ctx, v, path, &cfg->dpdk_args, &cfg->n_dpdk_args,
                         NULL)) {
        return false;
    }
    for (size_t i = 0; i < cfg->n_dpdk_args; i++) {
        const char *a = cfg->dpdk_args[i];
        /* -l, -c and their joined forms (-l1-3, -c0x3). */
        if ((a[0] == '-' && (a[1] == 'l' || a[1] == 'c'))
            || !strncmp(a, "--lcores", 8) || !strncmp(a, "--main-lcore", 12)) {
            const yaml_node_t *item = yaml_document_get_node(
                ctx->doc, v->data.sequence.items.start[i]);
            char *sub = xvs_asprintf("%s[%zu]", path, i);
            fail(ctx, item, sub, "\"%s\" is set by xvs-switchd from "
                 "pmd.cores; remove it", a);
            free(sub);
            return false;
        }
    }
    return true;
}

static bool
pmd_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
         const char *path, void *cfg_)
{
    struct xvs_config *cfg = cfg_;

    if (!strcmp(key, "max-sleep-us")) {
        uint64_t us;
        if (!get_uint(ctx, v, path, 0, 100000, &us)) {
            return false;
        }
        cfg->pmd_max_sleep_us = us;
        return true;
    }
    if (!strcmp(key, "upcall-share")) {
        uint64_t pct;
        if (!get_uint(ctx, v, path, 1, 100, &pct)) {
            return false;
        }
        cfg->pmd_upcall_share = pct;
        return true;
    }
    if (!strcmp(key, "handler-core")) {
        uint64_t core;
        if (v->type == YAML_SCALAR_NODE && !strcmp(scalar(v), "auto")) {
            cfg->pmd_handler_core = XVS_HANDLER_AUTO;
        } else if (v->type == YAML_SCALAR_NODE
                   && !strcmp(scalar(v), "none")) {
            cfg->pmd_handler_core = XVS_HANDLER_NONE;
        } else if (v->type == YAML_SCALAR_NODE
                   && isdigit((unsigned char) scalar(v)[0])) {
            if (!get_uint(ctx, v, path, 0, 1023, &core)) {
                return false;
            }
            cfg->pmd_handler_core = core;
        } else {
            char *got = node_describe(v);
            fail(ctx, v, path, "expected auto, none or a core number "
                 "(0-1023), got %s", got);
            free(got);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "handler-misses")) {
        uint64_t n;
        if (!get_uint(ctx, v, path, 1, 100000000, &n)) {
            return false;
        }
        cfg->pmd_handler_misses = n;
        return true;
    }
    if (!strcmp(key, "isa")) {
        enum dp_isa isa;
        if (v->type != YAML_SCALAR_NODE
            || !dp_isa_from_name(scalar(v), &isa)) {
            char *got = node_describe(v);
            fail(ctx, v, path, "expected auto, baseline, avx2 or avx512, "
                 "got %s", got);
            free(got);
            return false;
        }
        cfg->pmd_isa = isa;
        return true;
    }

    /* key == "cores" */
    if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE, "a list of cores")) {
        return false;
    }
    cfg->n_pmd_cores = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(ctx->doc, *it);
        char *sub = xvs_asprintf("%s[%zu]", path, cfg->n_pmd_cores);
        uint64_t core;
        bool ok = get_uint(ctx, item, sub, 0, 1023, &core);
        for (size_t i = 0; ok && i < cfg->n_pmd_cores; i++) {
            if (cfg->pmd_cores[i] == core) {
                ok = fail(ctx, item, sub, "core %u is listed twice",
                          (unsigned int) core);
            }
        }
        if (ok && cfg->n_pmd_cores >= XVS_MAX_PMD_CORES) {
            ok = fail(ctx, item, sub, "at most %d PMD cores",
                      XVS_MAX_PMD_CORES);
        }
        free(sub);
        if (!ok) {
            return false;
        }
        cfg->pmd_cores[cfg->n_pmd_cores++] = core;
    }
    if (!cfg->n_pmd_cores) {
        return fail(ctx, v, path, "expected at least one core");
    }
    return true;
}

static bool
cache_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
           const char *path, void *cfg_)
{
    struct xvs_config *cfg = cfg_;
    static const struct {
        const char *key;
        uint64_t min, max;
        size_t offset;
    } fields[] = {
        { "emc-entries", 0, 1048576,
          offsetof(struct xvs_config, emc_entries) },
        { "emc-insert-inv-prob", 0, UINT32_MAX,
          offsetof(struct xvs_config, emc_insert_inv_prob) },
        { "max-megaflows", 1, 10000000,
          offsetof(struct xvs_config, max_megaflows) },
        { "megaflow-idle-ms", 1, 3600000,
          offsetof(struct xvs_config, megaflow_idle_ms) },
    };

    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (!strcmp(key, fields[i].key)) {
            uint64_t value;
            if (!get_uint(ctx, v, path, fields[i].min, fields[i].max,
                          &value)) {
                return false;
            }
            *(uint32_t *) ((char *) cfg + fields[i].offset) = value;
            return true;
        }
    }
    abort();
}

static int
compare_u16(const void *a_, const void *b_)
{
    uint16_t a = *(const uint16_t *) a_, b = *(const uint16_t *) b_;
    return a < b ? -1 : a > b;
}

const char *
xvs_config_parse_vlan_list(const char *s, uint16_t **vlans, size_t *n)
{
    uint16_t *v = NULL;
    size_t count = 0;

    *vlans = NULL;
    *n = 0;
    for (const char *p = s; *p; ) {
        char *end;
        unsigned long vid = strtoul(p, &end, 10);
        if (!isdigit((unsigned char) *p) || vid < 1 || vid > 4094
            || (*end && *end != ',')) {
            free(v);
            return "expected a list of VLANs 1-4094 such as 10,20,30";
        }
        for (size_t i = 0; i < count; i++) {
            if (v[i] == vid) {
                free(v);
                return "a VLAN is listed twice";
            }
        }
        v = xrealloc(v, (count + 1) * sizeof *v);
        v[count++] = vid;
        p = *end ? end + 1 : end;
    }
    if (!count) {
        return "expected at least one VLAN";
    }
    qsort(v, count, sizeof *v, compare_u16);
    *vlans = v;
    *n = count;
    return NULL;
}

const char *
xvs_config_check_devargs(const char *devargs)
{
    return !*devargs ? "must not be empty"
           : strlen(devargs) > XVS_DEVARGS_MAX
           ? "longer than 255 characters" : NULL;
}

const char *
xvs_config_check_vlans(const struct xvs_port_config *p)
{
    if (p->vlan && p->n_trunks) {
        return "a port is an access port (vlan) or a trunk (trunks), not "
               "both";
    }
    if (p->native_vlan && !p->n_trunks) {
        return "native-vlan needs trunks";
    }
    return NULL;
}

struct port_parse {
    struct xvs_port_config *port;
    const yaml_node_t *devargs_node;
    const yaml_node_t *driver_node;
    const yaml_node_t *xen_node;    /* domid or devid... */
    const char *xen_key;            /* ...and which. */
    const yaml_node_t *vlan_node;
    const yaml_node_t *vm_node;     /* vm-uuid or vm-name... */
    const char *vm_key;             /* ...and which. */
    bool has_type;
};

/* The keys of struct xvs_port_guest: the same parser as xvs-ctl's. */
static bool
guest_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
           const char *path, struct port_parse *pp)
{
    struct xvs_port_guest *g = &pp->port->guest;
    char *text = NULL, *error = NULL;
    bool ok;

    if (!strncmp(key, "vm-", 3)) {
        pp->vm_node = v;
        pp->vm_key = key;
    }
    if (!strcmp(key, "queues")) {
        /* A mapping of queue id to max-rate, each pair checked on its own
         * for an error that points at it. */
        if (!expect_kind(ctx, v, path, YAML_MAPPING_NODE,
                         "a mapping of queue id to max-rate, such as "
                         "{1: 10Mb/s}")) {
            return false;
        }
        size_t len = 0;
        text = xmalloc0(1);
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
             p < v->data.mapping.pairs.top; p++) {
            const yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
            const yaml_node_t *r = yaml_document_get_node(ctx->doc,
                                                          p->value);
            const char *id = k->type == YAML_SCALAR_NODE ? scalar(k) : "?";
            char *sub = xvs_asprintf("%s.%s", path, id);
            char *rate = NULL, *item = NULL;
            struct xvs_queue *q;
            size_t n;

            ok = (expect_kind(ctx, k, sub, YAML_SCALAR_NODE, "a queue id")
                  && get_string(ctx, r, sub, &rate));
            if (ok) {
                item = xvs_asprintf("%s:%s", id, rate);
                if (!*id || strspn(id, "0123456789") != strlen(id)) {
                    ok = fail(ctx, k, sub, "expected a queue id (0 to %u), "
                              "got \"%s\"", XVS_QUEUE_ID_MAX, id);
                } else if (strpbrk(item, " \t")) {
                    ok = fail(ctx, r, sub, "expected a queue id and a rate "
                              "such as 10Mb/s, got \"%s: %s\"", id, rate);
                } else if ((error = xvs_parse_queues(item, &q, &n))) {
                    /* "queue ID: " is in the path already. */
                    const char *msg = error;
                    if (!strncmp(msg, "queue ", 6) && strstr(msg, ": ")) {
                        msg = strstr(msg, ": ") + 2;
                    }
                    ok = fail(ctx, r, sub, "%s", msg);
                    free(error);
                } else {
                    xvs_queues_free(q, n);
                }
            }
            free(rate);
            free(sub);
            if (!ok) {
                free(item);
                free(text);
                return false;
            }
            text = xrealloc(text, len + strlen(item) + 2);
            len += sprintf(text + len, "%s%s", len ? " " : "", item);
            free(item);
        }
    } else if (v->type == YAML_SEQUENCE_NODE
        && (!strcmp(key, "ip") || !strcmp(key, "allowed-addresses"))) {
        /* Each item on its own first, for an error that points at it. */
        size_t n = v->data.sequence.items.top - v->data.sequence.items.start;
        size_t len = 0;
        text = xmalloc0(1);
        for (size_t i = 0; i < n; i++) {
            const yaml_node_t *item = yaml_document_get_node(
                ctx->doc, v->data.sequence.items.start[i]);
            char *sub = xvs_asprintf("%s[%zu]", path, i);
            char *s = NULL;
            struct xvs_addr a;

            ok = get_string(ctx, item, sub, &s);
            if (ok && (error = xvs_parse_addr(s, key[0] == 'a', &a))) {
                ok = fail(ctx, item, sub, "%s", error);
                free(error);
            }
            free(sub);
            if (!ok) {
                free(s);
                free(text);
                return false;
            }
            text = xrealloc(text, len + strlen(s) + 2);
            len += sprintf(text + len, "%s%s", len ? " " : "", s);
            free(s);
        }
    } else if (!get_string(ctx, v, path, &text)) {
        return false;
    }
    if (xvs_port_guest_option(g, key, strlen(key), text, false, &error) < 0) {
        /* Drop the "key: " that xvs-ctl's message starts with: the path
         * names the key. */
        size_t klen = strlen(key);
        const char *msg = strncmp(error, key, klen) ? error
                          : error + klen + 2;
        fail(ctx, v, path, "%s", msg);
        free(error);
        free(text);
        return false;
    }
    free(text);
    return true;
}

static bool
port_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
          const char *path, void *pp_)
{
    struct port_parse *pp = pp_;
    struct xvs_port_config *port = pp->port;

    if (!strcmp(key, "name")) {
        if (!get_string(ctx, v, path, &port->name)) {
            return false;
        }
        const char *why = xvs_config_check_name(port->name);
        return why ? fail(ctx, v, path, "invalid name \"%s\": %s",
                          port->name, why) : true;
    } else if (!strcmp(key, "type")) {
        if (v->type != YAML_SCALAR_NODE
            || !xvs_port_type_from_string(scalar(v), &port->type)) {
            char *got = node_describe(v);
            fail(ctx, v, path, "expected one of dpdk, xenvif, internal, "
                 "got %s", got);
            free(got);
            return false;
        }
        pp->has_type = true;
        return true;
    } else if (!strcmp(key, "devargs")) {
        pp->devargs_node = v;
        if (!get_string(ctx, v, path, &port->devargs)) {
            return false;
        }
        const char *why = xvs_config_check_devargs(port->devargs);
        return why ? fail(ctx, v, path, "%s", why) : true;
    } else if (!strcmp(key, "driver")) {
        pp->driver_node = v;
        if (v->type != YAML_SCALAR_NODE
            || !xvs_vif_driver_from_string(scalar(v), &port->driver)) {
            char *got = node_describe(v);
            fail(ctx, v, path, "expected one of auto, vnet, af_xdp, "
                 "af_packet, got %s", got);
            free(got);
            return false;
        }
        return true;
    } else if (!strcmp(key, "ofport")) {
        uint64_t ofport;
        if (!get_uint(ctx, v, path, 1, XVS_OFPORT_MAX, &ofport)) {
            return false;
        }
        port->ofport = ofport;
        return true;
    } else if (!strcmp(key, "domid") || !strcmp(key, "devid")) {
        bool dom = !strcmp(key, "domid");
        uint64_t id;
        pp->xen_node = v;
        pp->xen_key = dom ? "domid" : "devid";
        if (!get_uint(ctx, v, path, 0, dom ? 32751 : 65535, &id)) {
            return false;
        }
        *(dom ? &port->domid : &port->devid) = id;
        return true;
    } else if (!strcmp(key, "vlan") || !strcmp(key, "native-vlan")) {
        uint64_t vid;
        if (!get_uint(ctx, v, path, 1, 4094, &vid)) {
            return false;
        }
        *(key[0] == 'v' ? &port->vlan : &port->native_vlan) = vid;
        pp->vlan_node = v;
        return true;
    } else if (!strcmp(key, "trunks")) {
        if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE,
                         "a list of VLANs")) {
            return false;
        }
        size_t n = v->data.sequence.items.top - v->data.sequence.items.start;
        port->trunks = xmalloc0(n * sizeof *port->trunks);
        port->n_trunks = 0;
        for (size_t i = 0; i < n; i++) {
            const yaml_node_t *item = yaml_document_get_node(
                ctx->doc, v->data.sequence.items.start[i]);
            char *sub = xvs_asprintf("%s[%zu]", path, i);
            uint64_t vid;
            bool ok = get_uint(ctx, item, sub, 1, 4094, &vid);
            for (size_t j = 0; ok && j < port->n_trunks; j++) {
                if (port->trunks[j] == vid) {
                    ok = fail(ctx, item, sub, "VLAN %u is listed twice",
                              (unsigned int) vid);
                }
            }
            free(sub);
            if (!ok) {
                return false;
            }
            port->trunks[port->n_trunks++] = vid;
        }
        if (!n) {
            return fail(ctx, v, path, "expected at least one VLAN");
        }
        qsort(port->trunks, port->n_trunks, sizeof *port->trunks,
              compare_u16);
        pp->vlan_node = v;
        return true;
    }
    return guest_pair(ctx, key, v, path, pp);
}

static bool
parse_port(struct ctx *ctx, const yaml_node_t *node, const char *path,
           struct xvs_port_config *port)
{
    static const char *const keys[] = {
        "name", "type", "devargs", "driver", "ofport", "domid", "devid",
        "vlan", "trunks", "native-vlan", "mac", "ip", "allowed-addresses",
        "port-security", "rate", "vm-uuid", "vm-name", "queues", NULL
    };
    struct port_parse pp = { .port = port };

    port->domid = port->devid = -1;
    port->line = node_line(node);
    if (!for_each_pair(ctx, node, path, keys, port_pair, &pp)) {
        return false;
    }
    if (!port->name) {
        return fail(ctx, node, path, "missing key \"name\"");
    }
    if (!pp.has_type) {
        return fail(ctx, node, path, "missing key \"type\" (dpdk, xenvif "
                    "or internal)");
    }
    if (port->type == XVS_PORT_DPDK && !port->devargs) {
        return fail(ctx, node, path, "a dpdk port needs \"devargs\" (a PCI "
                    "address or a vdev string such as net_null0)");
    }
    if (port->type != XVS_PORT_DPDK && pp.devargs_node) {
        char *sub = xvs_asprintf("%s.devargs", path);
        fail(ctx, pp.devargs_node, sub, "only dpdk ports take devargs");
        free(sub);
        return false;
    }
    if (port->type != XVS_PORT_XENVIF && pp.driver_node) {
        char *sub = xvs_asprintf("%s.driver", path);
        fail(ctx, pp.driver_node, sub, "only xenvif ports take a driver");
        free(sub);
        return false;
    }
    const char *why = xvs_config_check_vlans(port);
    if (why) {
        return fail(ctx, pp.vlan_node, path, "%s", why);
    }
    if (port->type != XVS_PORT_XENVIF && pp.xen_node) {
        char *sub = xvs_asprintf("%s.%s", path, pp.xen_key);
        fail(ctx, pp.xen_node, sub, "only xenvif ports take a %s",
             pp.xen_key);
        free(sub);
        return false;
    }
    if (port->type != XVS_PORT_XENVIF && pp.vm_node) {
        char *sub = xvs_asprintf("%s.%s", path, pp.vm_key);
        fail(ctx, pp.vm_node, sub, "only xenvif ports take a %s",
             pp.vm_key);
        free(sub);
        return false;
    }
    char *error = xvs_port_guest_check(&port->guest);
    if (error) {
        fail(ctx, node, path, "%s", error);
        free(error);
        return false;
    }
    return true;
}

struct bridge_parse {
    struct xvs_bridge_config *br;
    const yaml_node_t *ports_node;
};

static bool parse_mirror(struct ctx *, const yaml_node_t *, const char *path,
                         struct xvs_mirror_config *);

static bool
bridge_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
            const char *path, void *bp_)
{
    struct bridge_parse *bp = bp_;
    struct xvs_bridge_config *br = bp->br;

    if (!strcmp(key, "name")) {
        if (!get_string(ctx, v, path, &br->name)) {
            return false;
        }
        const char *why = xvs_config_check_name(br->name);
        return why ? fail(ctx, v, path, "invalid name \"%s\": %s",
                          br->name, why) : true;
    } else if (!strcmp(key, "datapath-id")) {
        return get_uint(ctx, v, path, 1, UINT64_MAX, &br->datapath_id);
    } else if (!strcmp(key, "mac-table-size")) {
        uint64_t n;
        if (!get_uint(ctx, v, path, 1, XVS_MAC_TABLE_MAX, &n)) {
            return false;
        }
        br->mac_table_size = n;
        return true;
    } else if (!strcmp(key, "mtu")) {
        uint64_t mtu;
        if (!get_uint(ctx, v, path, XVS_MTU_MIN, XVS_MTU_MAX, &mtu)) {
            return false;
        }
        br->mtu = mtu;
        return true;
    } else if (!strcmp(key, "internal-port")) {
        if (v->type == YAML_SCALAR_NODE
            && (!strcmp(scalar(v), "true") || !strcmp(scalar(v), "false"))) {
            br->internal_port = !strcmp(scalar(v), "true");
            return true;
        }
        char *got = node_describe(v);
        fail(ctx, v, path, "expected true or false, got %s", got);
        free(got);
        return false;
    } else if (!strcmp(key, "fail-mode")) {
        if (v->type == YAML_SCALAR_NODE
            && !strcmp(scalar(v), "standalone")) {
            br->fail_mode = XVS_FAIL_STANDALONE;
        } else if (v->type == YAML_SCALAR_NODE
                   && !strcmp(scalar(v), "secure")) {
            br->fail_mode = XVS_FAIL_SECURE;
        } else {
            char *got = node_describe(v);
            fail(ctx, v, path, "expected standalone or secure, got %s", got);
            free(got);
            return false;
        }
        return true;
    } else if (!strcmp(key, "controllers")) {
        if (!get_string_list(ctx, v, path, &br->controllers,
                             &br->n_controllers, NULL)) {
            return false;
        }
        if (br->n_controllers > XVS_MAX_CONTROLLERS) {
            return fail(ctx, v, path, "at most %d controllers, got %zu",
                        XVS_MAX_CONTROLLERS, br->n_controllers);
        }
        for (size_t i = 0; i < br->n_controllers; i++) {
            const char *c = br->controllers[i];
            if (strncmp(c, "tcp:", 4) && strncmp(c, "ssl:", 4)
                && strncmp(c, "unix:", 5)) {
                const yaml_node_t *item = yaml_document_get_node(
                    ctx->doc, v->data.sequence.items.start[i]);
                char *sub = xvs_asprintf("%s[%zu]", path, i);
                fail(ctx, item, sub, "expected a tcp:, ssl: or unix: target, "
                     "got \"%s\"", c);
                free(sub);
                return false;
            }
        }
        return true;
    } else if (!strcmp(key, "listeners")) {
        if (!get_string_list(ctx, v, path, &br->listeners,
                             &br->n_listeners, NULL)) {
            return false;
        }
        for (size_t i = 0; i < br->n_listeners; i++) {
            const char *c = br->listeners[i];
            if (strncmp(c, "ptcp:", 5) && strncmp(c, "pssl:", 5)
                && strncmp(c, "punix:", 6)) {
                const yaml_node_t *item = yaml_document_get_node(
                    ctx->doc, v->data.sequence.items.start[i]);
                char *sub = xvs_asprintf("%s[%zu]", path, i);
                fail(ctx, item, sub, "expected a ptcp:, pssl: or punix: "
                     "listener, got \"%s\"", c);
                free(sub);
                return false;
            }
        }
        return true;
    } else if (!strcmp(key, "protocols")) {
        char **names = NULL;
        size_t n = 0;
        bool ok = get_string_list(ctx, v, path, &names, &n, NULL);
        for (size_t i = 0; ok && i < n; i++) {
            int version = xvs_openflow_version_from_string(names[i]);
            if (!version) {
                const yaml_node_t *item = yaml_document_get_node(
                    ctx->doc, v->data.sequence.items.start[i]);
                char *sub = xvs_asprintf("%s[%zu]", path, i);
                fail(ctx, item, sub, "expected OpenFlow10, OpenFlow11, "
                     "OpenFlow12, OpenFlow13, OpenFlow14 or OpenFlow15, got "
                     "\"%s\"", names[i]);
                free(sub);
                ok = false;
            } else {
                br->protocols |= 1u << version;
            }
        }
        for (size_t i = 0; i < n; i++) {
            free(names[i]);
        }
        free(names);
        if (ok && !n) {
            return fail(ctx, v, path, "at least one OpenFlow version is "
                        "needed");
        }
        return ok;
    } else if (!strcmp(key, "ports")) {
        bp->ports_node = v;
        if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE, "a list of ports")) {
            return false;
        }
        /* Room for them all at once: a bridge may have 10,000. */
        size_t n_items = (v->data.sequence.items.top
                          - v->data.sequence.items.start);
        br->ports = xrealloc(br->ports,
                             (br->n_ports + n_items) * sizeof *br->ports);
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(ctx->doc, *it);
            char *sub = xvs_asprintf("%s[%zu]", path, br->n_ports);
            memset(&br->ports[br->n_ports], 0, sizeof *br->ports);
            br->n_ports++;
            bool ok = parse_port(ctx, item, sub, &br->ports[br->n_ports - 1]);
            free(sub);
            if (!ok) {
                return false;
            }
        }
        return true;
    } else if (!strcmp(key, "mirrors")) {
        if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE,
                         "a list of mirrors")) {
            return false;
        }
        size_t n = v->data.sequence.items.top - v->data.sequence.items.start;
        if (n > XVS_MAX_MIRRORS) {
            return fail(ctx, v, path, "at most %d mirrors, got %zu",
                        XVS_MAX_MIRRORS, n);
        }
        br->mirrors = xmalloc0((n ? n : 1) * sizeof *br->mirrors);
        for (size_t i = 0; i < n; i++) {
            const yaml_node_t *item = yaml_document_get_node(
                ctx->doc, v->data.sequence.items.start[i]);
            char *sub = xvs_asprintf("%s[%zu]", path, i);
            br->n_mirrors++;
            bool ok = parse_mirror(ctx, item, sub, &br->mirrors[i]);
            for (size_t j = 0; ok && j < i; j++) {
                if (!strcmp(br->mirrors[j].name, br->mirrors[i].name)) {
                    ok = fail(ctx, item, sub, "a second mirror named %s",
                              br->mirrors[i].name);
                }
            }
            free(sub);
            if (!ok) {
                return false;
            }
        }
        return true;
    } else if (!strcmp(key, "flows") || !strcmp(key, "groups")
               || !strcmp(key, "meters")) {
        char **texts = NULL;
        int *lines = NULL;
        size_t n = 0;
        bool ok = get_string_list(ctx, v, path, &texts, &n, &lines);
        struct xvs_flow_config *list = xmalloc0(n * sizeof *list);
        for (size_t i = 0; i < n; i++) {
            list[i].text = texts[i];
            list[i].line = lines[i];
        }
        if (!strcmp(key, "flows")) {
            br->flows = list;
            br->n_flows = n;
        } else if (!strcmp(key, "groups")) {
            br->groups = list;
            br->n_groups = n;
        } else {
            br->meters = list;
            br->n_meters = n;
        }
        free(texts);
        free(lines);
        return ok;
    }
    abort();
}

char *
xvs_mirror_config_check(const struct xvs_mirror_config *m)
{
    if (!m->output == !m->output_vlan) {
        return xvs_asprintf(m->output ? "output-port and output-vlan: give "
                            "one of them"
                            : "missing key \"output-port\" or "
                            "\"output-vlan\" (where the copies go)");
    }
    if (!m->select_all && !m->n_src && !m->n_dst) {
        return xvs_asprintf("selects nothing: give select-all: true, "
                            "select-src-ports or select-dst-ports");
    }
    for (size_t i = 0; m->output && i < m->n_src + m->n_dst; i++) {
        const char *p = i < m->n_src ? m->src[i] : m->dst[i - m->n_src];
        if (!strcmp(p, m->output)) {
            return xvs_asprintf("port %s is both selected and the output "
                                "port", p);
        }
    }
    return NULL;
}

static bool
get_bool(struct ctx *ctx, const yaml_node_t *v, const char *path, bool *out)
{
    if (v->type == YAML_SCALAR_NODE
        && (!strcmp(scalar(v), "true") || !strcmp(scalar(v), "false"))) {
        *out = !strcmp(scalar(v), "true");
        return true;
    }
    char *got = node_describe(v);
    fail(ctx, v, path, "expected true or false, got %s", got);
    free(got);
    return false;
}

static bool
mirror_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
            const char *path, void *m_)
{
    struct xvs_mirror_config *m = m_;

    if (!strcmp(key, "name")) {
        if (!get_string(ctx, v, path, &m->name)) {
            return false;
        }
        const char *why = xvs_config_check_name(m->name);
        return why ? fail(ctx, v, path, "invalid name \"%s\": %s", m->name,
                          why) : true;
    } else if (!strcmp(key, "select-all")) {
        return get_bool(ctx, v, path, &m->select_all);
    } else if (!strcmp(key, "select-src-ports")
               || !strcmp(key, "select-dst-ports")) {
        bool src = !strcmp(key, "select-src-ports");
        return get_string_list(ctx, v, path, src ? &m->src : &m->dst,
                               src ? &m->n_src : &m->n_dst, NULL);
    } else if (!strcmp(key, "select-vlans")) {
        if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE,
                         "a list of VLANs")) {
            return false;
        }
        size_t n = v->data.sequence.items.top - v->data.sequence.items.start;
        m->vlans = xmalloc0((n ? n : 1) * sizeof *m->vlans);
        for (size_t i = 0; i < n; i++) {
            const yaml_node_t *item = yaml_document_get_node(
                ctx->doc, v->data.sequence.items.start[i]);
            char *sub = xvs_asprintf("%s[%zu]", path, i);
            uint64_t vid;
            bool ok = get_uint(ctx, item, sub, 0, 4094, &vid);
            free(sub);
            if (!ok) {
                return false;
            }
            m->vlans[m->n_vlans++] = vid;
        }
        return true;
    } else if (!strcmp(key, "output-port")) {
        return get_string(ctx, v, path, &m->output);
    } else if (!strcmp(key, "output-vlan")) {
        uint64_t vid;
        if (!get_uint(ctx, v, path, 1, 4094, &vid)) {
            return false;
        }
        m->output_vlan = vid;
        return true;
    }
    abort();
}

static bool
parse_mirror(struct ctx *ctx, const yaml_node_t *node, const char *path,
             struct xvs_mirror_config *m)
{
    static const char *const keys[] = {
        "name", "select-all", "select-src-ports", "select-dst-ports",
        "select-vlans", "output-port", "output-vlan", NULL
    };

    m->line = node_line(node);
    if (!for_each_pair(ctx, node, path, keys, mirror_pair, m)) {
        return false;
    }
    if (!m->name) {
        return fail(ctx, node, path, "missing key \"name\"");
    }
    char *why = xvs_mirror_config_check(m);
    if (why) {
        fail(ctx, node, path, "%s", why);
        free(why);
        return false;
    }
    return true;
}

static bool
parse_bridge(struct ctx *ctx, const yaml_node_t *node, const char *path,
             struct xvs_bridge_config *br)
{
    static const char *const keys[] = {
        "name", "datapath-id", "fail-mode", "internal-port",
        "mac-table-size", "mtu", "controllers",
        "listeners", "protocols", "ports", "meters", "groups", "flows",
        "mirrors", NULL
    };
    struct bridge_parse bp = { .br = br };

    br->line = node_line(node);
    if (!for_each_pair(ctx, node, path, keys, bridge_pair, &bp)) {
        return false;
    }
    if (!br->name) {
        return fail(ctx, node, path, "missing key \"name\"");
    }

    /* Each ofport given at most once; then free ofports, in order, to the
     * ports that have none.  One table of the ofports in use does both in
     * linear time (a bridge may have 10,000 ports). */
    size_t *owner = xmalloc0((XVS_OFPORT_MAX + 1) * sizeof *owner);
    for (size_t i = 0; i < br->n_ports; i++) {
        struct xvs_port_config *p = &br->ports[i];
        if (!p->ofport) {
            continue;
        }
        if (owner[p->ofport]) {
            ctx->err = xvs_asprintf("%s:%d: %s.ports[%zu].ofport: ofport "
                                    "%u is already used by port %s",
                                    ctx->file, p->line, path, i, p->ofport,
                                    br->ports[owner[p->ofport] - 1].name);
            free(owner);
            return false;
        }
        owner[p->ofport] = i + 1;
    }
    uint32_t next = 1;
    for (size_t i = 0; i < br->n_ports; i++) {
        if (!br->ports[i].ofport) {
            while (next <= XVS_OFPORT_MAX && owner[next]) {
                next++;
            }
            if (next <= XVS_OFPORT_MAX) {
                owner[next] = i + 1;
                br->ports[i].ofport = next;
            }
        }
    }
    free(owner);
    if (!br->datapath_id) {
        /* A stable default: a hash of the name, never 0. */
        uint64_t h = 1469598103934665603ULL;
        for (const char *p = br->name; *p; p++) {
            h = (h ^ (unsigned char) *p) * 1099511628211ULL;
        }
        br->datapath_id = (h & 0x0000ffffffffffffULL) | 1;
    }
    return true;
}

static bool
ssl_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
         const char *path, void *cfg_)
{
    struct xvs_config *cfg = cfg_;
    char **dst = (!strcmp(key, "private-key") ? &cfg->ssl_private_key
                  : !strcmp(key, "certificate") ? &cfg->ssl_certificate
                  : &cfg->ssl_ca_cert);

    if (!get_string(ctx, v, path, dst)) {
        return false;
    }
    struct stat st;
    if (access(*dst, R_OK) || stat(*dst, &st)) {
        return fail(ctx, v, path, "cannot read %s: %s", *dst,
                    strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail(ctx, v, path, "%s is not a regular file (a PEM file "
                    "was expected)", *dst);
    }
    return true;
}

int
xvs_parse_listen_address(const char *s, struct sockaddr_storage *ss,
                         char **errp)
{
    const char *colon = strrchr(s, ':');
    char host[INET6_ADDRSTRLEN + 2];
    size_t host_len = colon ? (size_t) (colon - s) : 0;

    memset(ss, 0, sizeof *ss);
    if (!colon || host_len >= sizeof host || !host_len) {
        *errp = xvs_asprintf("\"%s\": expected ADDRESS:PORT, e.g. "
                             "127.0.0.1:9788 or [::1]:9788", s);
        return EINVAL;
    }
    memcpy(host, s, host_len);
    host[host_len] = '\0';

    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!isdigit((unsigned char) colon[1]) || *end || errno || !port
        || port > 65535) {
        *errp = xvs_asprintf("\"%s\": the port must be a number from 1 to "
                             "65535", s);
        return EINVAL;
    }

    if (host[0] == '[') {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
        if (host[host_len - 1] != ']') {
            *errp = xvs_asprintf("\"%s\": an IPv6 address goes in brackets, "
                                 "e.g. [::1]:9788", s);
            return EINVAL;
        }
        host[host_len - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1) {
            *errp = xvs_asprintf("\"%s\": %s is not an IPv6 address", s,
                                 host + 1);
            return EINVAL;
        }
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *) ss;
        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            *errp = xvs_asprintf("\"%s\": %s is not an IPv4 address (an IPv6 "
                                 "one goes in brackets; no host names)", s,
                                 host);
            return EINVAL;
        }
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
    }
    return 0;
}

static const char *const of_version_names[] = {
    [1] = "OpenFlow10", [2] = "OpenFlow11", [3] = "OpenFlow12",
    [4] = "OpenFlow13", [5] = "OpenFlow14", [6] = "OpenFlow15",
};

int
xvs_openflow_version_from_string(const char *s)
{
    for (int v = 1; v <= 6; v++) {
        if (!strcmp(s, of_version_names[v])) {
            return v;
        }
    }
    return 0;
}

const char *
xvs_openflow_version_name(int version)
{
    return version >= 1 && version <= 6 ? of_version_names[version] : NULL;
}

static bool
top_pair(struct ctx *ctx, const char *key, const yaml_node_t *v,
         const char *path, void *cfg_)
{
    struct xvs_config *cfg = cfg_;

    if (!strcmp(key, "dpdk")) {
        static const char *const keys[] = { "args", "mbufs", NULL };
        return for_each_pair(ctx, v, path, keys, dpdk_pair, cfg);
    } else if (!strcmp(key, "pmd")) {
        static const char *const keys[] = { "cores", "max-sleep-us",
                                            "upcall-share", "isa",
                                            "handler-core",
                                            "handler-misses", NULL };
        return for_each_pair(ctx, v, path, keys, pmd_pair, cfg);
    } else if (!strcmp(key, "cache")) {
        static const char *const keys[] = {
            "emc-entries", "emc-insert-inv-prob", "max-megaflows",
            "megaflow-idle-ms", NULL
        };
        return for_each_pair(ctx, v, path, keys, cache_pair, cfg);
    } else if (!strcmp(key, "ssl")) {
        static const char *const keys[] = {
            "private-key", "certificate", "ca-cert", NULL
        };
        return for_each_pair(ctx, v, path, keys, ssl_pair, cfg);
    } else if (!strcmp(key, "metrics")) {
        struct sockaddr_storage ss;
        char *error;
        if (!get_string(ctx, v, path, &cfg->metrics)) {
            return false;
        }
        if (xvs_parse_listen_address(cfg->metrics, &ss, &error)) {
            bool ok = fail(ctx, v, path, "%s", error);
            free(error);
            return ok;
        }
        return true;
    } else if (!strcmp(key, "bridges")) {
        if (!expect_kind(ctx, v, path, YAML_SEQUENCE_NODE,
                         "a list of bridges")) {
            return false;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(ctx->doc, *it);
            char *sub = xvs_asprintf("%s[%zu]", path, cfg->n_bridges);
            cfg->bridges = xrealloc(cfg->bridges, (cfg->n_bridges + 1)
                                    * sizeof *cfg->bridges);
            memset(&cfg->bridges[cfg->n_bridges], 0, sizeof *cfg->bridges);
            cfg->bridges[cfg->n_bridges].internal_port = true;
            cfg->n_bridges++;
            bool ok = parse_bridge(ctx, item, sub,
                                   &cfg->bridges[cfg->n_bridges - 1]);
            free(sub);
            if (!ok) {
                return false;
            }
        }
        return true;
    }
    abort();
}

struct port_names;
static bool check_global__(struct ctx *, struct xvs_config *,
                           struct port_names *);

/* Port names seen so far, for check_global(): open addressing over a
 * power-of-two table, so that 10,000 ports are checked in linear time. */
struct port_names {
    const struct xvs_port_config **ports;
    size_t *bridges;            /* Index of each port's bridge. */
    size_t mask;
};

static uint32_t
name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (unsigned char) *s) * 16777619u;
    }
    return h;
}

/* Adds 'p' (of bridge 'bi') unless a port of that name is there already:
 * then returns it, and its bridge's index in '*bip'. */
static const struct xvs_port_config *
port_names_add(struct port_names *pn, const struct xvs_port_config *p,
               size_t bi, size_t *bip)
{
    for (size_t h = name_hash(p->name); ; h++) {
        const struct xvs_port_config *q = pn->ports[h & pn->mask];
        if (!q) {
            pn->ports[h & pn->mask] = p;
            pn->bridges[h & pn->mask] = bi;
            return NULL;
        } else if (!strcmp(q->name, p->name)) {
            *bip = pn->bridges[h & pn->mask];
            return q;
        }
    }
}

/* Checks what spans bridges: unique bridge names, port names unique on the
 * host (they are netdev and DPDK device names). */
static bool
check_global(struct ctx *ctx, struct xvs_config *cfg)
{
    size_t n_ports = 0;
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        n_ports += cfg->bridges[i].n_ports;
    }
    struct port_names pn;
    size_t size = 16;
    while (size < 2 * n_ports) {
        size *= 2;
    }
    pn.ports = xmalloc0(size * sizeof *pn.ports);
    pn.bridges = xmalloc0(size * sizeof *pn.bridges);
    pn.mask = size - 1;
    bool ok = check_global__(ctx, cfg, &pn);
    free(pn.ports);
    free(pn.bridges);
    return ok;
}

static bool
check_global__(struct ctx *ctx, struct xvs_config *cfg, struct port_names *pn)
{
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        struct xvs_bridge_config *br = &cfg->bridges[i];
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(br->name, cfg->bridges[j].name)) {
                char *path = xvs_asprintf("bridges[%zu].name", i);
                ctx->err = xvs_asprintf("%s:%d: %s: bridge \"%s\" is defined "
                                        "twice (first at line %d)",
                                        ctx->file, br->line, path, br->name,
                                        cfg->bridges[j].line);
                free(path);
                return false;
            }
        }
        for (size_t k = 0; k < br->n_ports; k++) {
            struct xvs_port_config *p = &br->ports[k];
            size_t bi;
            const struct xvs_port_config *q = port_names_add(pn, p, i, &bi);
            if (q) {
                ctx->err = xvs_asprintf(
                    "%s:%d: bridges[%zu].ports[%zu].name: port \"%s\" "
                    "is already in bridge %s (line %d)", ctx->file,
                    p->line, i, k, p->name, cfg->bridges[bi].name, q->line);
                return false;
            }
            if (!strcmp(p->name, br->name) && p->type != XVS_PORT_INTERNAL) {
                ctx->err = xvs_asprintf(
                    "%s:%d: bridges[%zu].ports[%zu].name: only an internal "
                    "port may be named after its bridge", ctx->file, p->line,
                    i, k);
                return false;
            }
        }
    }
    return true;
}

/* Whether 'tag' is one of YAML's core schema (what untagged nodes get, and
 * !!str, !!int, ... written out). */
static bool
is_core_tag(const char *tag)
{
    static const char *const core[] = {
        "str", "map", "seq", "int", "bool", "float", "null",
    };
    static const char prefix[] = "tag:yaml.org,2002:";

    if (strncmp(tag, prefix, sizeof prefix - 1)) {
        return false;
    }
    for (size_t i = 0; i < sizeof core / sizeof *core; i++) {
        if (!strcmp(tag + sizeof prefix - 1, core[i])) {
            return true;
        }
    }
    return false;
}

/* Refuses a document nested deeper than XVS_CONFIG_MAX_DEPTH before
 * libyaml builds it (its loader recurses, and a hostile file nested a
 * hundred thousand deep took it 26 s to refuse).  Leaves syntax errors to
 * the loader.  Returns 0 or EINVAL with a message in '*errp'. */
static int
check_depth(const char *name, const char *text, size_t len, char **errp)
{
    yaml_parser_t parser;
    yaml_event_t event;
    int depth = 0, error = 0;

    if (!yaml_parser_initialize(&parser)) {
        *errp = xvs_asprintf("%s: out of memory", name);
        return ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
    while (yaml_parser_parse(&parser, &event)) {
        yaml_event_type_t type = event.type;
        if (type == YAML_MAPPING_START_EVENT
            || type == YAML_SEQUENCE_START_EVENT) {
            if (++depth > XVS_CONFIG_MAX_DEPTH) {
                *errp = xvs_asprintf("%s:%zu: nested deeper than %d levels",
                                     name, event.start_mark.line + 1,
                                     XVS_CONFIG_MAX_DEPTH);
                error = EINVAL;
            }
        } else if (type == YAML_MAPPING_END_EVENT
                   || type == YAML_SEQUENCE_END_EVENT) {
            depth--;
        }
        yaml_event_delete(&event);
        if (error || type == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    yaml_parser_delete(&parser);
    return error;
}

int
xvs_config_parse(const char *name, const char *text, size_t len,
                 struct xvs_config **cfgp, char **errp)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct xvs_config *cfg;
    struct ctx ctx = { .file = name, .doc = &doc };

    *cfgp = NULL;
    *errp = NULL;

    if (len > XVS_CONFIG_MAX_SIZE) {
        *errp = xvs_asprintf("%s: too large (more than %d MiB)", name,
                             XVS_CONFIG_MAX_SIZE >> 20);
        return EFBIG;
    }
    int error = check_depth(name, text, len, errp);
    if (error) {
        return error;
    }
    if (!yaml_parser_initialize(&parser)) {
        *errp = xvs_asprintf("%s: out of memory", name);
        return ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        *errp = xvs_asprintf("%s:%zu: YAML syntax error: %s%s%s", name,
                             parser.problem_mark.line + 1,
                             parser.problem ? parser.problem : "unknown",
                             parser.context ? " " : "",
                             parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return EINVAL;
    }

    cfg = xmalloc0(sizeof *cfg);
    cfg->file = xstrdup(name);
    cfg->pmd_cores[0] = 1;
    cfg->n_pmd_cores = 1;
    cfg->pmd_max_sleep_us = 250;
    cfg->pmd_upcall_share = 8;
    cfg->pmd_handler_core = XVS_HANDLER_AUTO;
    cfg->pmd_handler_misses = 20000;
    cfg->emc_entries = 8192;
    cfg->emc_insert_inv_prob = 100;
    cfg->max_megaflows = 200000;
    cfg->megaflow_idle_ms = 10000;

    /* Tags ("!!binary", "!secret") would change what a value means: the
     * schema has none beyond YAML's core ones, so refuse them rather than
     * read past them. */
    for (yaml_node_t *n = doc.nodes.start; n < doc.nodes.top; n++) {
        if (n->tag && !is_core_tag((const char *) n->tag)) {
            ctx.err = xvs_asprintf("%s:%zu: unexpected YAML tag %s (this "
                                   "file takes none)", name,
                                   n->start_mark.line + 1,
                                   (const char *) n->tag);
            break;
        }
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (ctx.err) {
        root = NULL;
    }
    if (root && !(root->type == YAML_SCALAR_NODE && !*scalar(root))) {
        static const char *const keys[] = {
            "dpdk", "pmd", "cache", "ssl", "metrics", "bridges", NULL
        };
        if (for_each_pair(&ctx, root, "", keys, top_pair, cfg)) {
            check_global(&ctx, cfg);
        }
    }

    /* More documents in the same file are a mistake, not extra config. */
    if (!ctx.err) {
        yaml_document_t next;
        if (yaml_parser_load(&parser, &next)) {
            yaml_node_t *r = yaml_document_get_root_node(&next);
            if (r) {
                ctx.err = xvs_asprintf("%s:%d: a second YAML document; put "
                                       "everything in one", name,
                                       node_line(r));
            }
            yaml_document_delete(&next);
        }
    }

    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    if (ctx.err) {
        xvs_config_free(cfg);
        *errp = ctx.err;
        return EINVAL;
    }
    *cfgp = cfg;
    return 0;
}

int
xvs_config_load(const char *file, struct xvs_config **cfgp, char **errp)
{
    FILE *f;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int error;

    *cfgp = NULL;
    *errp = NULL;
    f = fopen(file, "r");
    if (!f) {
        error = errno;
        *errp = xvs_asprintf("%s: cannot open: %s", file, strerror(error));
        return error;
    }
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            text = xrealloc(text, cap);
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (!n) {
            break;
        }
        if (len > XVS_CONFIG_MAX_SIZE) {
            fclose(f);
            free(text);
            *errp = xvs_asprintf("%s: too large (more than %d MiB)", file,
                                 XVS_CONFIG_MAX_SIZE >> 20);
            return EFBIG;
        }
    }
    error = ferror(f) ? EIO : 0;
    fclose(f);
    if (error) {
        *errp = xvs_asprintf("%s: read error", file);
        free(text);
        return error;
    }
    error = xvs_config_parse(file, text, len, cfgp, errp);
    free(text);
    return error;
}

/* ---- Saving --------------------------------------------------------- */

/* Decodes the UTF-8 sequence at 's' into '*cp'; returns its length, or 0
 * if it is not valid UTF-8 (then '*cp' is the byte). */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t n = (s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
                : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0);

    *cp = s[0];
    if (n <= 1) {
        return n;
    }
    uint32_t c = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n;
}

/* Whether YAML reads code point 'c' back as itself inside a double-quoted
 * scalar: printable (YAML 1.1's c-printable), and not a line break (which
 * it would fold) nor a byte order mark. */
static bool
yaml_keeps_raw(uint32_t c)
{
    return ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff)
            || (c >= 0xe000 && c <= 0xfffd && c != 0xfeff)
            || (c >= 0x10000 && c <= 0x10ffff))
           && c != 0x2028 && c != 0x2029;
}

/* Writes 's' as a double-quoted YAML scalar that loads back as 's': what
 * YAML would not keep as it is (controls, line breaks, non-characters) is
 * escaped. */
static void
put_quoted(FILE *f, const char *s_)
{
    const unsigned char *s = (const unsigned char *) s_;

    fputc('"', f);
    while (*s) {
        uint32_t c;
        size_t n = utf8_decode(s, &c);
        if (!n) {
            /* Not UTF-8 (libyaml never loads such a string). */
            fprintf(f, "\\x%02x", *s++);
            continue;
        }
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", (int) c);
        } else if (yaml_keeps_raw(c)) {
            fwrite(s, 1, n, f);
        } else if (c <= 0xff) {
            fprintf(f, "\\x%02"PRIx32, c);
        } else if (c <= 0xffff) {
            fprintf(f, "\\u%04"PRIx32, c);
        } else {
            fprintf(f, "\\U%08"PRIx32, c);
        }
        s += n;
    }
    fputc('"', f);
}

static void
write_addr_list(FILE *f, const char *key, const struct xvs_addr *a, size_t n)
{
    if (n) {
        fprintf(f, "        %s: [", key);
        for (size_t i = 0; i < n; i++) {
            char buf[64];
            xvs_format_addr(&a[i], buf);
            fprintf(f, "%s\"%s\"", i ? ", " : "", buf);
        }
        fprintf(f, "]\n");
    }
}

static void
write_guest(FILE *f, const struct xvs_port_guest *g)
{
    if (g->has_mac) {
        fprintf(f, "        mac: \"%02x:%02x:%02x:%02x:%02x:%02x\"\n",
                g->mac[0], g->mac[1], g->mac[2], g->mac[3], g->mac[4],
                g->mac[5]);
    }
    write_addr_list(f, "ip", g->ips, g->n_ips);
    write_addr_list(f, "allowed-addresses", g->allowed, g->n_allowed);
    if (g->security != XVS_PSEC_DEFAULT) {
        fprintf(f, "        port-security: %s\n",
                g->security == XVS_PSEC_ON ? "true" : "false");
    }
    if (g->rate_text) {
        fprintf(f, "        rate: ");
        put_quoted(f, g->rate_text);
        fputc('\n', f);
    }
    if (g->vm_uuid) {
        fprintf(f, "        vm-uuid: \"%s\"\n", g->vm_uuid);
    }
    if (g->vm_name) {
        fprintf(f, "        vm-name: ");
        put_quoted(f, g->vm_name);
        fputc('\n', f);
    }
    if (g->n_queues) {
        fprintf(f, "        queues:\n");
        for (size_t i = 0; i < g->n_queues; i++) {
            fprintf(f, "          %"PRIu32": ", g->queues[i].id);
            put_quoted(f, g->queues[i].rate_text);
            fputc('\n', f);
        }
    }
}

static void
write_config(FILE *f, const struct xvs_config *cfg)
{
    fprintf(f, "# Written by xvs-switchd; see xvs.yaml(5).\n");
    fprintf(f, "dpdk:\n  args: [");
    for (size_t i = 0; i < cfg->n_dpdk_args; i++) {
        fputs(i ? ", " : "", f);
        put_quoted(f, cfg->dpdk_args[i]);
    }
    fprintf(f, "]\n");
    if (cfg->dpdk_mbufs) {
        fprintf(f, "  mbufs: %"PRIu32"\n", cfg->dpdk_mbufs);
    }
    fprintf(f, "pmd:\n  cores: [");
    for (size_t i = 0; i < cfg->n_pmd_cores; i++) {
        fprintf(f, "%s%u", i ? ", " : "", cfg->pmd_cores[i]);
    }
    fprintf(f, "]\n  max-sleep-us: %u\n", cfg->pmd_max_sleep_us);
    fprintf(f, "  upcall-share: %u\n", cfg->pmd_upcall_share);
    fprintf(f, "  isa: %s\n", dp_isa_name(cfg->pmd_isa));
    if (cfg->pmd_handler_core >= 0) {
        fprintf(f, "  handler-core: %d\n", cfg->pmd_handler_core);
    } else {
        fprintf(f, "  handler-core: %s\n",
                cfg->pmd_handler_core == XVS_HANDLER_NONE ? "none" : "auto");
    }
    fprintf(f, "  handler-misses: %"PRIu32"\n", cfg->pmd_handler_misses);
    fprintf(f, "cache:\n  emc-entries: %"PRIu32"\n"
            "  emc-insert-inv-prob: %"PRIu32"\n  max-megaflows: %"PRIu32"\n"
            "  megaflow-idle-ms: %"PRIu32"\n", cfg->emc_entries,
            cfg->emc_insert_inv_prob, cfg->max_megaflows,
            cfg->megaflow_idle_ms);
    if (cfg->ssl_private_key || cfg->ssl_certificate || cfg->ssl_ca_cert) {
        fprintf(f, "ssl:\n");
        const char *const keys[] = { "private-key", "certificate",
                                     "ca-cert" };
        const char *const values[] = { cfg->ssl_private_key,
                                       cfg->ssl_certificate,
                                       cfg->ssl_ca_cert };
        for (size_t i = 0; i < 3; i++) {
            if (values[i]) {
                fprintf(f, "  %s: ", keys[i]);
                put_quoted(f, values[i]);
                fputc('\n', f);
            }
        }
    }
    if (cfg->metrics) {
        fprintf(f, "metrics: ");
        put_quoted(f, cfg->metrics);
        fputc('\n', f);
    }
    /* "bridges:" alone would be a null, which does not load. */
    fprintf(f, "bridges:%s\n", cfg->n_bridges ? "" : " []");
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        const struct xvs_bridge_config *br = &cfg->bridges[i];
        fprintf(f, "  - name: ");
        put_quoted(f, br->name);
        fprintf(f, "\n    datapath-id: 0x%016" PRIx64 "\n", br->datapath_id);
        fprintf(f, "    fail-mode: %s\n", xvs_fail_mode_name(br->fail_mode));
        if (!br->internal_port) {
            fprintf(f, "    internal-port: false\n");
        }
        if (br->mac_table_size) {
            fprintf(f, "    mac-table-size: %" PRIu32 "\n",
                    br->mac_table_size);
        }
        if (br->mtu) {
            fprintf(f, "    mtu: %" PRIu32 "\n", br->mtu);
        }
        if (br->n_controllers) {
            fprintf(f, "    controllers:\n");
            for (size_t j = 0; j < br->n_controllers; j++) {
                fprintf(f, "      - ");
                put_quoted(f, br->controllers[j]);
                fputc('\n', f);
            }
        }
        if (br->n_listeners) {
            fprintf(f, "    listeners:\n");
            for (size_t j = 0; j < br->n_listeners; j++) {
                fprintf(f, "      - ");
                put_quoted(f, br->listeners[j]);
                fputc('\n', f);
            }
        }
        if (br->protocols) {
            fprintf(f, "    protocols: [");
            bool first = true;
            for (int v = 1; v <= 6; v++) {
                if (br->protocols & (1u << v)) {
                    fprintf(f, "%s%s", first ? "" : ", ",
                            of_version_names[v]);
                    first = false;
                }
            }
            fprintf(f, "]\n");
        }
        fprintf(f, "    ports:%s\n", br->n_ports ? "" : " []");
        for (size_t j = 0; j < br->n_ports; j++) {
            const struct xvs_port_config *p = &br->ports[j];
            fprintf(f, "      - name: ");
            put_quoted(f, p->name);
            fprintf(f, "\n        type: %s\n", xvs_port_type_name(p->type));
            if (p->devargs) {
                fprintf(f, "        devargs: ");
                put_quoted(f, p->devargs);
                fputc('\n', f);
            }
            if (p->type == XVS_PORT_XENVIF && p->driver != XVS_VIF_AUTO) {
                fprintf(f, "        driver: %s\n",
                        xvs_vif_driver_name(p->driver));
            }
            if (p->domid >= 0) {
                fprintf(f, "        domid: %d\n", (int) p->domid);
            }
            if (p->devid >= 0) {
                fprintf(f, "        devid: %d\n", (int) p->devid);
            }
            if (p->vlan) {
                fprintf(f, "        vlan: %u\n", p->vlan);
            }
            if (p->n_trunks) {
                fprintf(f, "        trunks: [");
                for (size_t k = 0; k < p->n_trunks; k++) {
                    fprintf(f, "%s%u", k ? ", " : "", p->trunks[k]);
                }
                fprintf(f, "]\n");
            }
            if (p->native_vlan) {
                fprintf(f, "        native-vlan: %u\n", p->native_vlan);
            }
            write_guest(f, &p->guest);
            fprintf(f, "        ofport: %u\n", p->ofport);
        }
        if (br->n_meters) {
            fprintf(f, "    meters:\n");
            for (size_t j = 0; j < br->n_meters; j++) {
                fprintf(f, "      - ");
                put_quoted(f, br->meters[j].text);
                fputc('\n', f);
            }
        }
        if (br->n_groups) {
            fprintf(f, "    groups:\n");
            for (size_t j = 0; j < br->n_groups; j++) {
                fprintf(f, "      - ");
                put_quoted(f, br->groups[j].text);
                fputc('\n', f);
            }
        }
        fprintf(f, "    flows:%s\n", br->n_flows ? "" : " []");
        for (size_t j = 0; j < br->n_flows; j++) {
            fprintf(f, "      - ");
            put_quoted(f, br->flows[j].text);
            fputc('\n', f);
        }
        if (br->n_mirrors) {
            fprintf(f, "    mirrors:\n");
        }
        for (size_t j = 0; j < br->n_mirrors; j++) {
            const struct xvs_mirror_config *m = &br->mirrors[j];
            fprintf(f, "      - name: ");
            put_quoted(f, m->name);
            fprintf(f, "\n");
            if (m->select_all) {
                fprintf(f, "        select-all: true\n");
            }
            for (int d = 0; d < 2; d++) {
                char *const *list = d ? m->dst : m->src;
                size_t n = d ? m->n_dst : m->n_src;
                if (n) {
                    fprintf(f, "        select-%s-ports: [", d ? "dst" : "src");
                    for (size_t k = 0; k < n; k++) {
                        fputs(k ? ", " : "", f);
                        put_quoted(f, list[k]);
                    }
                    fprintf(f, "]\n");
                }
            }
            if (m->n_vlans) {
                fprintf(f, "        select-vlans: [");
                for (size_t k = 0; k < m->n_vlans; k++) {
                    fprintf(f, "%s%u", k ? ", " : "", m->vlans[k]);
                }
                fprintf(f, "]\n");
            }
            if (m->output) {
                fprintf(f, "        output-port: ");
                put_quoted(f, m->output);
                fputc('\n', f);
            } else {
                fprintf(f, "        output-vlan: %u\n", m->output_vlan);
            }
        }
    }
}

int
xvs_config_save(const struct xvs_config *cfg, const char *file, char **errp)
{
    /* A name nobody can guess, created here (O_EXCL: never an existing
     * file or a symlink planted by whoever can write the directory), so
     * the fchown() and fchmod() below change only our own new file. */
    char *tmp = xvs_asprintf("%s.tmp.XXXXXX", file);
    int error = 0;
    FILE *f;
    int fd;

    *errp = NULL;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd >= 0) {
        /* Keep the owner and mode of the file being replaced. */
        struct stat st;
        if (!stat(file, &st) && S_ISREG(st.st_mode)) {
            if (fchown(fd, st.st_uid, st.st_gid)) {
                /* Not fatal: we may not own it; the mode still follows. */
            }
            fchmod(fd, st.st_mode & 0777);
        } else {
            fchmod(fd, 0644);
        }
    }
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        error = errno;
        if (fd >= 0) {
            close(fd);
        }
        *errp = xvs_asprintf("%s: cannot create: %s", tmp, strerror(error));
        free(tmp);
        return error;
    }
    write_config(f, cfg);
    if (fflush(f) || fsync(fileno(f))) {
        error = errno;
    }
    if (fclose(f) && !error) {
        error = errno;
    }
    if (!error && rename(tmp, file)) {
        error = errno;
    }
    if (!error) {
        /* Make the rename itself durable. */
        char *dir = xstrdup(file);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *(slash == dir ? slash + 1 : slash) = '\0';
        }
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    if (error) {
        *errp = xvs_asprintf("%s: cannot write: %s", file, strerror(error));
        unlink(tmp);
    }
    free(tmp);
    return error;
}

/* ---- Memory and edits ----------------------------------------------- */

static void
port_config_destroy(struct xvs_port_config *p)
{
    free(p->name);
    free(p->devargs);
    free(p->trunks);
    xvs_port_guest_destroy(&p->guest);
}

void
xvs_mirror_config_destroy(struct xvs_mirror_config *m)
{
    free(m->name);
    free(m->output);
    for (size_t i = 0; i < m->n_src; i++) {
        free(m->src[i]);
    }
    free(m->src);
    for (size_t i = 0; i < m->n_dst; i++) {
        free(m->dst[i]);
    }
    free(m->dst);
    free(m->vlans);
}

void
xvs_config_free(struct xvs_config *cfg)
{
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < cfg->n_dpdk_args; i++) {
        free(cfg->dpdk_args[i]);
    }
    free(cfg->dpdk_args);
    free(cfg->ssl_private_key);
    free(cfg->ssl_certificate);
    free(cfg->ssl_ca_cert);
    free(cfg->metrics);
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        struct xvs_bridge_config *br = &cfg->bridges[i];
        free(br->name);
        for (size_t j = 0; j < br->n_controllers; j++) {
            free(br->controllers[j]);
        }
        free(br->controllers);
        for (size_t j = 0; j < br->n_listeners; j++) {
            free(br->listeners[j]);
        }
        free(br->listeners);
        for (size_t j = 0; j < br->n_ports; j++) {
            port_config_destroy(&br->ports[j]);
        }
        free(br->ports);
        for (size_t j = 0; j < br->n_flows; j++) {
            free(br->flows[j].text);
        }
        free(br->flows);
        for (size_t j = 0; j < br->n_groups; j++) {
            free(br->groups[j].text);
        }
        free(br->groups);
        for (size_t j = 0; j < br->n_meters; j++) {
            free(br->meters[j].text);
        }
        free(br->meters);
        for (size_t j = 0; j < br->n_mirrors; j++) {
            xvs_mirror_config_destroy(&br->mirrors[j]);
        }
        free(br->mirrors);
    }
    free(cfg->bridges);
    free(cfg->file);
    free(cfg);
}

static char **
strv_dup(char *const *v, size_t n)
{
    char **d = xmalloc0((n ? n : 1) * sizeof *d);
    for (size_t i = 0; i < n; i++) {
        d[i] = xstrdup(v[i]);
    }
    return d;
}

void
xvs_mirror_config_copy(struct xvs_mirror_config *d,
                   const struct xvs_mirror_config *s)
{
    *d = *s;
    d->name = xstrdup(s->name);
    d->output = xstrdup(s->output);
    d->src = strv_dup(s->src, s->n_src);
    d->dst = strv_dup(s->dst, s->n_dst);
    d->vlans = xmalloc0((s->n_vlans ? s->n_vlans : 1) * sizeof *d->vlans);
    if (s->n_vlans) {
        memcpy(d->vlans, s->vlans, s->n_vlans * sizeof *d->vlans);
    }
}

static void
port_config_copy(struct xvs_port_config *dst, const struct xvs_port_config *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->devargs = xstrdup(src->devargs);
    dst->trunks = NULL;
    if (src->n_trunks) {
        dst->trunks = xmalloc0(src->n_trunks * sizeof *dst->trunks);
        memcpy(dst->trunks, src->trunks,
               src->n_trunks * sizeof *dst->trunks);
    }    xvs_port_guest_copy(&dst->guest, &src->guest);
}

struct xvs_config *
xvs_config_clone(const struct xvs_config *src)
{
    struct xvs_config *cfg = xmalloc0(sizeof *cfg);

    *cfg = *src;
    cfg->file = xstrdup(src->file);
    cfg->ssl_private_key = xstrdup(src->ssl_private_key);
    cfg->ssl_certificate = xstrdup(src->ssl_certificate);
    cfg->ssl_ca_cert = xstrdup(src->ssl_ca_cert);
    cfg->metrics = xstrdup(src->metrics);
    cfg->dpdk_args = xmalloc0(src->n_dpdk_args * sizeof *cfg->dpdk_args);
    for (size_t i = 0; i < src->n_dpdk_args; i++) {
        cfg->dpdk_args[i] = xstrdup(src->dpdk_args[i]);
    }
    cfg->bridges = xmalloc0(src->n_bridges * sizeof *cfg->bridges);
    for (size_t i = 0; i < src->n_bridges; i++) {
        const struct xvs_bridge_config *s = &src->bridges[i];
        struct xvs_bridge_config *d = &cfg->bridges[i];

        *d = *s;
        d->name = xstrdup(s->name);
        d->controllers = xmalloc0(s->n_controllers * sizeof *d->controllers);
        for (size_t j = 0; j < s->n_controllers; j++) {
            d->controllers[j] = xstrdup(s->controllers[j]);
        }
        d->listeners = xmalloc0(s->n_listeners * sizeof *d->listeners);
        for (size_t j = 0; j < s->n_listeners; j++) {
            d->listeners[j] = xstrdup(s->listeners[j]);
        }
        d->ports = xmalloc0(s->n_ports * sizeof *d->ports);
        for (size_t j = 0; j < s->n_ports; j++) {
            port_config_copy(&d->ports[j], &s->ports[j]);
        }
        d->flows = xmalloc0(s->n_flows * sizeof *d->flows);
        for (size_t j = 0; j < s->n_flows; j++) {
            d->flows[j].text = xstrdup(s->flows[j].text);
            d->flows[j].line = s->flows[j].line;
        }
        d->meters = xmalloc0(s->n_meters * sizeof *d->meters);
        for (size_t j = 0; j < s->n_meters; j++) {
            d->meters[j].text = xstrdup(s->meters[j].text);
            d->meters[j].line = s->meters[j].line;
        }
        d->groups = xmalloc0(s->n_groups * sizeof *d->groups);
        for (size_t j = 0; j < s->n_groups; j++) {
            d->groups[j].text = xstrdup(s->groups[j].text);
            d->groups[j].line = s->groups[j].line;
        }
        d->mirrors = xmalloc0((s->n_mirrors ? s->n_mirrors : 1)
                              * sizeof *d->mirrors);
        for (size_t j = 0; j < s->n_mirrors; j++) {
            xvs_mirror_config_copy(&d->mirrors[j], &s->mirrors[j]);
        }
    }
    return cfg;
}

struct xvs_bridge_config *
xvs_config_find_bridge(struct xvs_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        if (!strcmp(cfg->bridges[i].name, name)) {
            return &cfg->bridges[i];
        }
    }
    return NULL;
}

struct xvs_port_config *
xvs_config_find_port(struct xvs_config *cfg, const char *name,
                     struct xvs_bridge_config **brp)
{
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        struct xvs_bridge_config *br = &cfg->bridges[i];
        for (size_t j = 0; j < br->n_ports; j++) {
            if (!strcmp(br->ports[j].name, name)) {
                if (brp) {
                    *brp = br;
                }
                return &br->ports[j];
            }
        }
    }
    return NULL;
}

void
xvs_config_add_port(struct xvs_bridge_config *br,
                    const struct xvs_port_config *port)
{
    br->ports = xrealloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
    port_config_copy(&br->ports[br->n_ports++], port);
}

bool
xvs_config_del_port(struct xvs_bridge_config *br, const char *name)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (!strcmp(br->ports[i].name, name)) {
            port_config_destroy(&br->ports[i]);
            memmove(&br->ports[i], &br->ports[i + 1],
                    (br->n_ports - i - 1) * sizeof *br->ports);
            br->n_ports--;
            return true;
        }
    }
    return false;
}

uint16_t
xvs_config_next_ofport(const struct xvs_bridge_config *br)
{
    uint8_t *used = xmalloc0(XVS_OFPORT_MAX + 1);
    uint32_t ofport;

    for (size_t i = 0; i < br->n_ports; i++) {
        used[br->ports[i].ofport] = 1;
    }
    for (ofport = 1; ofport <= XVS_OFPORT_MAX && used[ofport]; ofport++) {
        continue;
    }
    free(used);
    return ofport <= XVS_OFPORT_MAX ? ofport : 0;
}
