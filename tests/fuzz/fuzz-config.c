/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-config: libFuzzer target for lib/xvs-config.c, the loader of
 * /etc/xvs/xvs.yaml.
 *
 * The input is a YAML document, given to xvs_config_parse() (the loader's
 * entry point for a buffer; xvs_config_load() reads a file into one and
 * calls it).  Checks:
 *
 *   - a refused document yields an error message naming the file, and no
 *     configuration; an accepted one, a configuration and no message;
 *   - an accepted configuration holds everything xvs-config.h promises
 *     (ranges, unique names and ofports, VLAN rules, sorted trunks...),
 *     since the rest of the switch takes it as valid;
 *   - xvs_config_clone() makes an equal copy;
 *   - what xvs_config_save() writes (as xvs-ctl changes are written back)
 *     loads again, through xvs_config_load(), into an equal
 *     configuration, and saving that gives the same file: a restart
 *     restores what was running.  The files go to a private directory
 *     (in /dev/shm when there is one, the save's fsync() is then cheap),
 *     removed at exit (but for a sanitizer's crash);
 *   - the input as a string through the helpers xvs-ctl uses on its
 *     command line: xvs_config_parse_vlan_list(), xvs_config_check_name(),
 *     xvs_config_check_devargs().
 *
 * Everything is freed per input, so that LeakSanitizer reports real leaks.
 *
 * Not covered: the daemon's use of a configuration (bridge.c), the
 * owner/mode keeping and durability of the save (one private directory).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xvs-config.h"

#define NAME "fuzz.yaml"

static char dir[64];
static char *file;

static void
cleanup(void)
{
    if (file) {
        unlink(file);
        rmdir(dir);
    }
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "fuzz-config: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    cleanup();                  /* abort() skips atexit(). */
    abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    snprintf(dir, sizeof dir, "%s/fuzz-config.XXXXXX",
             access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
    if (!mkdtemp(dir)) {
        fail("mkdtemp: %s", strerror(errno));
    }
    file = xvs_asprintf("%s/xvs.yaml", dir);
    atexit(cleanup);
    return 0;
}

/* ---- What a loaded configuration promises -------------------------- */

static bool
starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static void
check_port(const struct xvs_config *cfg, const struct xvs_bridge_config *br,
           size_t bi, size_t pi)
{
    const struct xvs_port_config *p = &br->ports[pi];

    if (xvs_config_check_name(p->name)) {
        fail("port name \"%s\" accepted", p->name);
    }
    if ((p->type == XVS_PORT_DPDK) != (p->devargs != NULL)
        || (p->devargs && xvs_config_check_devargs(p->devargs))) {
        fail("port %s: devargs wrong for its type", p->name);
    }
    if (p->type != XVS_PORT_XENVIF
        && (p->driver != XVS_VIF_AUTO || p->domid != -1 || p->devid != -1)) {
        fail("port %s: xenvif settings on another type", p->name);
    }
    if (p->domid < -1 || p->domid > 32751 || p->devid < -1
        || p->devid > 65535) {
        fail("port %s: domid/devid out of range", p->name);
    }
    if (p->vlan > 4094 || p->native_vlan > 4094
        || xvs_config_check_vlans(p)) {
        fail("port %s: VLANs accepted that do not go together", p->name);
    }
    for (size_t i = 0; i < p->n_trunks; i++) {
        if (!p->trunks[i] || p->trunks[i] > 4094
            || (i && p->trunks[i - 1] >= p->trunks[i])) {
            fail("port %s: trunks not sorted, unique VLANs", p->name);
        }
    }
    if (!p->ofport || p->ofport > XVS_OFPORT_MAX) {
        fail("port %s: ofport %u", p->name, p->ofport);
    }
    for (size_t j = 0; j < pi; j++) {
        if (br->ports[j].ofport == p->ofport) {
            fail("bridge %s: ofport %u twice", br->name, p->ofport);
        }
    }
    if (!strcmp(p->name, br->name) && p->type != XVS_PORT_INTERNAL) {
        fail("port named after its bridge is not internal");
    }
    /* Port names are unique on the host, across bridges. */
    for (size_t b = 0; b <= bi; b++) {
        const struct xvs_bridge_config *ob = &cfg->bridges[b];
        for (size_t j = 0; j < (b == bi ? pi : ob->n_ports); j++) {
            if (!strcmp(ob->ports[j].name, p->name)) {
                fail("port %s twice", p->name);
            }
        }
    }
}

static void
check_bridge(const struct xvs_config *cfg, size_t bi)
{
    const struct xvs_bridge_config *br = &cfg->bridges[bi];

    if (xvs_config_check_name(br->name)) {
        fail("bridge name \"%s\" accepted", br->name);
    }
    for (size_t j = 0; j < bi; j++) {
        if (!strcmp(cfg->bridges[j].name, br->name)) {
            fail("bridge %s twice", br->name);
        }
    }
    if (!br->datapath_id) {
        fail("bridge %s: datapath-id 0", br->name);
    }
    if (br->mtu && (br->mtu < XVS_MTU_MIN || br->mtu > XVS_MTU_MAX)) {
        fail("bridge %s: mtu %" PRIu32, br->name, br->mtu);
    }
    if (br->n_controllers > XVS_MAX_CONTROLLERS) {
        fail("bridge %s: %zu controllers", br->name, br->n_controllers);
    }
    for (size_t i = 0; i < br->n_controllers; i++) {
        const char *c = br->controllers[i];
        if (!starts(c, "tcp:") && !starts(c, "ssl:") && !starts(c, "unix:")) {
            fail("bridge %s: controller \"%s\"", br->name, c);
        }
    }
    for (size_t i = 0; i < br->n_listeners; i++) {
        const char *l = br->listeners[i];
        if (!starts(l, "ptcp:") && !starts(l, "pssl:")
            && !starts(l, "punix:")) {
            fail("bridge %s: listener \"%s\"", br->name, l);
        }
    }
    if (br->protocols & ~0x7eu) {
        fail("bridge %s: protocols 0x%" PRIx32, br->name, br->protocols);
    }
    for (size_t pi = 0; pi < br->n_ports; pi++) {
        check_port(cfg, br, bi, pi);
    }
}

static void
check_valid(const struct xvs_config *cfg)
{
    if (!cfg->n_pmd_cores || cfg->n_pmd_cores > XVS_MAX_PMD_CORES) {
        fail("%zu PMD cores", cfg->n_pmd_cores);
    }
    for (size_t i = 0; i < cfg->n_pmd_cores; i++) {
        if (cfg->pmd_cores[i] > 1023) {
            fail("PMD core %u", cfg->pmd_cores[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (cfg->pmd_cores[j] == cfg->pmd_cores[i]) {
                fail("PMD core %u twice", cfg->pmd_cores[i]);
            }
        }
    }
    if (cfg->pmd_max_sleep_us > 100000 || cfg->emc_entries > 1048576
        || !cfg->max_megaflows || cfg->max_megaflows > 10000000
        || !cfg->megaflow_idle_ms || cfg->megaflow_idle_ms > 3600000) {
        fail("a pmd or cache setting out of range");
    }
    for (size_t i = 0; i < cfg->n_dpdk_args; i++) {
        const char *a = cfg->dpdk_args[i];
        if ((a[0] == '-' && (a[1] == 'l' || a[1] == 'c'))
            || starts(a, "--lcores") || starts(a, "--main-lcore")) {
            fail("EAL core option \"%s\" accepted", a);
        }
    }
    for (size_t bi = 0; bi < cfg->n_bridges; bi++) {
        check_bridge(cfg, bi);
    }
}

/* ---- Equality, but for where things came from ---------------------- */

static bool
str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool
strs_eq(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        if (!str_eq(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

static bool
texts_eq(const struct xvs_flow_config *a, size_t na,
         const struct xvs_flow_config *b, size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        if (!str_eq(a[i].text, b[i].text)) {
            return false;
        }
    }
    return true;
}

static const char *
port_diff(const struct xvs_port_config *a, const struct xvs_port_config *b)
{
    if (!str_eq(a->name, b->name)) {
        return "name";
    }
    if (a->type != b->type || a->driver != b->driver) {
        return "type or driver";
    }
    if (!str_eq(a->devargs, b->devargs)) {
        return "devargs";
    }
    if (a->domid != b->domid || a->devid != b->devid) {
        return "domid or devid";
    }
    if (a->vlan != b->vlan || a->native_vlan != b->native_vlan
        || a->n_trunks != b->n_trunks
        || (a->n_trunks && memcmp(a->trunks, b->trunks,
                                  a->n_trunks * sizeof *a->trunks))) {
        return "VLANs";
    }
    return a->ofport != b->ofport ? "ofport" : NULL;
}

static const char *
bridge_diff(const struct xvs_bridge_config *a,
            const struct xvs_bridge_config *b)
{
    if (!str_eq(a->name, b->name)) {
        return "name";
    }
    if (a->datapath_id != b->datapath_id || a->fail_mode != b->fail_mode
        || a->internal_port != b->internal_port || a->mtu != b->mtu
        || a->protocols != b->protocols) {
        return "a scalar setting";
    }
    if (!strs_eq(a->controllers, a->n_controllers, b->controllers,
                 b->n_controllers)
        || !strs_eq(a->listeners, a->n_listeners, b->listeners,
                    b->n_listeners)) {
        return "controllers or listeners";
    }
    if (!texts_eq(a->flows, a->n_flows, b->flows, b->n_flows)
        || !texts_eq(a->groups, a->n_groups, b->groups, b->n_groups)
        || !texts_eq(a->meters, a->n_meters, b->meters, b->n_meters)) {
        return "flows, groups or meters";
    }
    if (a->n_ports != b->n_ports) {
        return "number of ports";
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        const char *d = port_diff(&a->ports[i], &b->ports[i]);
        if (d) {
            return d;
        }
    }
    return NULL;
}

/* Names the first difference between 'a' and 'b', or NULL. */
static const char *
config_diff(const struct xvs_config *a, const struct xvs_config *b)
{
    if (!strs_eq(a->dpdk_args, a->n_dpdk_args, b->dpdk_args,
                 b->n_dpdk_args)) {
        return "dpdk.args";
    }
    if (a->n_pmd_cores != b->n_pmd_cores
        || memcmp(a->pmd_cores, b->pmd_cores,
                  a->n_pmd_cores * sizeof *a->pmd_cores)
        || a->pmd_max_sleep_us != b->pmd_max_sleep_us) {
        return "pmd";
    }
    if (a->emc_entries != b->emc_entries
        || a->emc_insert_inv_prob != b->emc_insert_inv_prob
        || a->max_megaflows != b->max_megaflows
        || a->megaflow_idle_ms != b->megaflow_idle_ms) {
        return "cache";
    }
    if (!str_eq(a->ssl_private_key, b->ssl_private_key)
        || !str_eq(a->ssl_certificate, b->ssl_certificate)
        || !str_eq(a->ssl_ca_cert, b->ssl_ca_cert)) {
        return "ssl";
    }
    if (a->n_bridges != b->n_bridges) {
        return "number of bridges";
    }
    for (size_t i = 0; i < a->n_bridges; i++) {
        const char *d = bridge_diff(&a->bridges[i], &b->bridges[i]);
        if (d) {
            return d;
        }
    }
    return NULL;
}

/* ---- Round trips --------------------------------------------------- */

static char *
read_file(const char *name, size_t *len)
{
    FILE *f = fopen(name, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (!f) {
        fail("cannot open %s: %s", name, strerror(errno));
    }
    do {
        if (cap - n < 4096) {
            cap = cap ? 2 * cap : 8192;
            buf = realloc(buf, cap);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

static void
save(const struct xvs_config *cfg)
{
    char *err;

    if (xvs_config_save(cfg, file, &err)) {
        fail("saving a loaded configuration: %s", err);
    }
}

static void
check_round_trip(const struct xvs_config *cfg)
{
    struct xvs_config *clone = xvs_config_clone(cfg);
    const char *d = config_diff(cfg, clone);
    if (d) {
        fail("clone differs: %s", d);
    }
    xvs_config_free(clone);

    save(cfg);
    size_t len1;
    char *text1 = read_file(file, &len1);

    struct xvs_config *again;
    char *err;
    if (xvs_config_load(file, &again, &err)) {
        fprintf(stderr, "%.*s\n", (int) len1, text1);
        fail("saved configuration does not load: %s", err);
    }
    d = config_diff(cfg, again);
    if (d) {
        fprintf(stderr, "%.*s\n", (int) len1, text1);
        fail("saved and loaded again, %s differs", d);
    }

    save(again);
    size_t len2;
    char *text2 = read_file(file, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1)) {
        fail("saving again gives another file");
    }
    xvs_config_free(again);
    free(text1);
    free(text2);
}

/* The input as one command-line argument of xvs-ctl. */
static void
check_helpers(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    uint16_t *vlans;
    size_t n;

    memcpy(s, data, size);
    s[size] = '\0';
    if (!xvs_config_parse_vlan_list(s, &vlans, &n)) {
        if (!n) {
            fail("empty VLAN list accepted");
        }
        for (size_t i = 0; i < n; i++) {
            if (!vlans[i] || vlans[i] > 4094
                || (i && vlans[i - 1] >= vlans[i])) {
                fail("VLAN list not sorted, unique VLANs 1-4094");
            }
        }
        free(vlans);
    } else if (vlans || n) {
        fail("refused VLAN list returned VLANs");
    }
    if (!xvs_config_check_name(s)
        && (!*s || strlen(s) > XVS_NAME_MAX || strpbrk(s, " /:\n"))) {
        fail("name \"%s\" accepted", s);
    }
    if (!xvs_config_check_devargs(s) && (!*s || strlen(s) > XVS_DEVARGS_MAX)) {
        fail("devargs accepted");
    }
    free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xvs_config *cfg = (void *) 1;
    char *err = (void *) 1;
    int error = xvs_config_parse(NAME, (const char *) data, size, &cfg,
                                 &err);

    if (error) {
        if (error < 0 || cfg || !err || strncmp(err, NAME, strlen(NAME))) {
            fail("refused without a message naming the file (error %d)",
                 error);
        }
        free(err);
    } else {
        if (!cfg || err) {
            fail("accepted without a configuration, or with a message");
        }
        check_valid(cfg);
        check_round_trip(cfg);
        xvs_config_free(cfg);
    }
    if (size < 4096) {
        check_helpers(data, size);
    }
    return 0;
}
