/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE 1
#include "xvs-guest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



char *
xvs_asprintf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    if (vasprintf(&s, fmt, args) < 0) {
        abort();
    }
    va_end(args);
    return s;
}

static void *
xcalloc_or_die(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        abort();
    }
    return p;
}

static char *
xstrdup_or_null(const char *s)
{
    return s ? strcpy(xcalloc_or_die(strlen(s) + 1, 1), s) : NULL;
}

char *
xvs_parse_mac(const char *s, uint8_t mac[6])
{
    uint8_t m[6];

    if (strlen(s) != 17) {
        goto bad;
    }
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        if (!isxdigit((unsigned char) p[0]) || !isxdigit((unsigned char) p[1])
            || (i < 5 && p[2] != ':')) {
            goto bad;
        }
        m[i] = strtoul((char[3]) { p[0], p[1], '\0' }, NULL, 16);
    }
    if (m[0] & 1) {
        return xvs_asprintf("%s is a multicast address, not a guest's", s);
    }
    if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5])) {
        return xvs_asprintf("%s is not a guest's address", s);
    }
    memcpy(mac, m, 6);
    return NULL;

bad:
    return xvs_asprintf("expected a MAC address (xx:xx:xx:xx:xx:xx), got "
                        "\"%s\"", s);
}

char *
xvs_parse_addr(const char *s, bool allow_mac, struct xvs_addr *addr)
{
    struct xvs_addr a = { .kind = XVS_ADDR_IP4 };
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t) (slash - s) : strlen(s);
    unsigned int max;

    if (!allow_mac && (!strcmp(s, "dhcp") || !strcmp(s, "dhcp6"))) {
        memset(addr, 0, sizeof *addr);
        addr->kind = s[4] ? XVS_ADDR_DHCP6 : XVS_ADDR_DHCP;
        return NULL;
    }
    if (allow_mac && strchr(s, ':') && strlen(s) == 17 && !slash
        && s[2] == ':' && s[5] == ':') {
        char *error = xvs_parse_mac(s, a.a);
        if (error) {
            return error;
        }
        a.kind = XVS_ADDR_MAC;
        a.plen = 48;
        *addr = a;
        return NULL;
    }
    if (len >= sizeof buf || !len) {
        goto bad;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, a.a) == 1) {
        max = 32;
    } else if (inet_pton(AF_INET6, buf, a.a) == 1) {
        a.kind = XVS_ADDR_IP6;
        max = 128;
    } else {
        goto bad;
    }
    a.plen = max;
    if (slash) {
        char *end;
        unsigned long plen = strtoul(slash + 1, &end, 10);
        if (!isdigit((unsigned char) slash[1]) || *end || plen > max) {
            return xvs_asprintf("\"%s\": expected a prefix length 0-%u "
                                "after \"/\"", s, max);
        }
        a.plen = plen;
    }
    for (unsigned int bit = a.plen; bit < max; bit++) {
        if (a.a[bit / 8] & (0x80 >> (bit % 8))) {
            return xvs_asprintf("\"%s\": the address has bits set beyond "
                                "its /%u prefix", s, a.plen);
        }
    }
    *addr = a;
    return NULL;

bad:
    return xvs_asprintf("expected an IPv4 or IPv6 address or prefix%s, got "
                        "\"%s\"",
                        allow_mac ? " or a MAC address" : ", or dhcp or dhcp6",
                        s);
}

static bool
addr_equal(const struct xvs_addr *a, const struct xvs_addr *b)
{
    return a->kind == b->kind && a->plen == b->plen
           && !memcmp(a->a, b->a, sizeof a->a);
}

char *
xvs_parse_addr_list(const char *s, bool allow_mac, struct xvs_addr **addrsp,
                    size_t *np)
{
    struct xvs_addr *addrs = NULL;
    size_t n = 0;
    char *copy = xstrdup_or_null(s);
    char *error = NULL;
    char *save, *tok;

    for (tok = strtok_r(copy, " \t,", &save); tok && !error;
         tok = strtok_r(NULL, " \t,", &save)) {
        struct xvs_addr a;

        error = xvs_parse_addr(tok, allow_mac, &a);
        if (error) {
            break;
        }
        if (n >= XVS_GUEST_MAX_ADDRS) {
            error = xvs_asprintf("more than %d addresses",
                                 XVS_GUEST_MAX_ADDRS);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (addr_equal(&addrs[i], &a)) {
                error = xvs_asprintf("%s is listed twice", tok);
                break;
            }
        }
        if (!error) {
            if (!addrs) {
                addrs = xcalloc_or_die(XVS_GUEST_MAX_ADDRS, sizeof *addrs);
            }
            addrs[n++] = a;
        }
    }
    free(copy);
    if (error) {
        free(addrs);
        return error;
    }
    *addrsp = addrs;
    *np = n;
    return NULL;
}

/* "123" followed by 'suffix': the number and where it ended. */
static bool
parse_u64(const char *s, uint64_t *v, const char **end)
{
    char *e;

    if (!isdigit((unsigned char) *s)) {
        return false;
    }
    errno = 0;
    unsigned long long x = strtoull(s, &e, 10);
    if (errno) {
        return false;
    }
    *v = x;
    *end = e;
    return true;
}

char *
xvs_parse_rate(const char *s, uint64_t *bytesp, uint32_t *usecsp)
{
    uint64_t rate, usecs = XVS_RATE_DEFAULT_USECS, bytes;
    const char *p;

    if (!parse_u64(s, &rate, &p)) {
        goto bad;
    }
    if (*p == ',') {
        /* libxl's backend form: bytes per interval, interval in us. */
        if (!parse_u64(p + 1, &usecs, &p) || *p) {
            goto bad;
        }
        bytes = rate;
    } else {
        /* xl's form: RATE[KMG](B|b)/s[@INTERVAL[us|ms|s]]. */
        uint64_t mult = 1;
        bool bits;

        switch (*p) {
        case 'K': case 'k': mult = 1000; p++; break;
        case 'M': mult = 1000 * 1000; p++; break;
        case 'G': mult = 1000 * 1000 * 1000; p++; break;
        }
        if (*p != 'B' && *p != 'b') {
            goto bad;
        }
        bits = *p++ == 'b';
        if (strncmp(p, "/s", 2)) {
            goto bad;
        }
        p += 2;
        if (*p == '@') {
            uint64_t unit;
            if (!parse_u64(p + 1, &usecs, &p)) {
                goto bad;
            }
            if (!strcmp(p, "s")) {
                unit = 1000000;
            } else if (!strcmp(p, "ms")) {
                unit = 1000;
            } else if (!strcmp(p, "us") || !*p) {
                unit = 1;
            } else {
                goto bad;
            }
            if (usecs > XVS_RATE_MAX_USECS) {
                goto too_long;
            }
            usecs *= unit;
            if (!usecs || usecs > XVS_RATE_MAX_USECS) {
                goto too_long;
            }
        } else if (*p) {
            goto bad;
        }
        if (rate > UINT64_MAX / mult / 8 / XVS_RATE_MAX_USECS) {
            return xvs_asprintf("rate \"%s\" is too high", s);
        }
        /* Bytes per second, then per interval, as libxl computes it. */
        uint64_t per_sec = rate * mult / (bits ? 8 : 1);
        bytes = per_sec * usecs / 1000000;
        if (!bytes && per_sec) {
            return xvs_asprintf("rate \"%s\" allows less than a byte per "
                                "interval: give a longer interval", s);
        }
    }
    if (!usecs || usecs > XVS_RATE_MAX_USECS) {
        goto too_long;
    }
    if (!bytes) {
        return xvs_asprintf("rate \"%s\" lets nothing through", s);
    }
    if (bytes > (UINT64_C(1) << 40)) {
        return xvs_asprintf("rate \"%s\" is too high", s);
    }
    *bytesp = bytes;
    *usecsp = usecs;
    return NULL;

too_long:
    return xvs_asprintf("rate \"%s\": the interval must be 1 us to 10 s", s);
bad:
    return xvs_asprintf("expected a rate such as 10Mb/s, 1MB/s@20ms or "
                        "BYTES,USECS, got \"%s\"", s);
}

uint64_t
xvs_rate_bps(uint64_t bytes, uint32_t usecs)
{
    /* bytes <= 2^40: bytes * 8e6 fits in 64 bits. */
    return usecs ? bytes * 8000000 / usecs : 0;
}

void
xvs_queues_free(struct xvs_queue *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(q[i].rate_text);
    }
    free(q);
}

static int
compare_queues(const void *a_, const void *b_)
{
    const struct xvs_queue *a = a_, *b = b_;
    return a->id < b->id ? -1 : a->id > b->id;
}

char *
xvs_parse_queues(const char *s, struct xvs_queue **queuesp, size_t *np)
{
    struct xvs_queue *queues = NULL;
    size_t n = 0;
    char *copy = xstrdup_or_null(s);
    char *error = NULL;
    char *save, *tok;

    for (tok = strtok_r(copy, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        char *colon = strchr(tok, ':');
        const char *end;
        uint64_t id, bytes;
        uint32_t usecs;

        if (!colon || !parse_u64(tok, &id, &end) || end != colon) {
            error = xvs_asprintf("expected ID:RATE such as 1:10Mb/s, got "
                                 "\"%s\"", tok);
            break;
        }
        if (id > XVS_QUEUE_ID_MAX) {
            error = xvs_asprintf("queue id %"PRIu64" is not 0 to %u", id,
                                 XVS_QUEUE_ID_MAX);
            break;
        }
        char *rate_error = xvs_parse_rate(colon + 1, &bytes, &usecs);
        if (rate_error) {
            error = xvs_asprintf("queue %"PRIu64": %s", id, rate_error);
            free(rate_error);
            break;
        }
        if (xvs_rate_bps(bytes, usecs) < XVS_QUEUE_MIN_BPS) {
            error = xvs_asprintf("queue %"PRIu64": rate \"%s\" is below "
                                 "1 kbit/s", id, colon + 1);
            break;
        }
        for (size_t i = 0; i < n && !error; i++) {
            if (queues[i].id == id) {
                error = xvs_asprintf("queue %"PRIu64" is listed twice", id);
            }
        }
        if (!error && n >= XVS_MAX_PORT_QUEUES) {
            error = xvs_asprintf("more than %d queues", XVS_MAX_PORT_QUEUES);
        }
        if (error) {
            break;
        }
        if (!queues) {
            queues = xcalloc_or_die(XVS_MAX_PORT_QUEUES, sizeof *queues);
        }
        queues[n].id = id;
        queues[n].rate_bytes = bytes;
        queues[n].rate_usecs = usecs;
        queues[n].rate_text = xstrdup_or_null(colon + 1);
        n++;
    }
    free(copy);
    if (error) {
        xvs_queues_free(queues, n);
        return error;
    }
    if (n) {
        qsort(queues, n, sizeof *queues, compare_queues);
    }
    *queuesp = queues;
    *np = n;
    return NULL;
}

char *
xvs_check_uuid(const char *s)
{
    static const int groups[] = { 8, 4, 4, 4, 12 };
    const char *p = s;

    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, p++) {
            if (!isxdigit((unsigned char) *p)) {
                goto bad;
            }
        }
        if (g < 4 && *p++ != '-') {
            goto bad;
        }
    }
    if (!*p) {
        return NULL;
    }
bad:
    return xvs_asprintf("expected a uuid (xxxxxxxx-xxxx-xxxx-xxxx-"
                        "xxxxxxxxxxxx), got \"%s\"", s);
}

char *
xvs_check_vm_name(const char *s)
{
    size_t len = strlen(s);

    if (!len || len > XVS_VM_NAME_MAX) {
        return xvs_asprintf("a VM name is 1 to %d characters long",
                            XVS_VM_NAME_MAX);
    }
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return xvs_asprintf("a VM name has no control characters");
        }
    }
    return NULL;
}

void
xvs_format_addr(const struct xvs_addr *a, char buf[64])
{
    char ip[INET6_ADDRSTRLEN];

    if (a->kind == XVS_ADDR_MAC) {
        snprintf(buf, 64, "%02x:%02x:%02x:%02x:%02x:%02x",
                 a->a[0], a->a[1], a->a[2], a->a[3], a->a[4], a->a[5]);
        return;
    } else if (a->kind == XVS_ADDR_DHCP || a->kind == XVS_ADDR_DHCP6) {
        snprintf(buf, 64, a->kind == XVS_ADDR_DHCP ? "dhcp" : "dhcp6");
        return;
    }
    bool v4 = a->kind == XVS_ADDR_IP4;
    inet_ntop(v4 ? AF_INET : AF_INET6, a->a, ip, sizeof ip);
    if (a->plen == (v4 ? 32 : 128)) {
        snprintf(buf, 64, "%s", ip);
    } else {
        snprintf(buf, 64, "%s/%u", ip, a->plen);
    }
}

void
xvs_format_rate(uint64_t bytes, uint32_t usecs, char buf[96])
{
    /* bits/s = bytes * 8e6 / usecs; bytes <= 2^40 keeps this in range. */
    double bps = (double) bytes * 8e6 / usecs;
    static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s",
                                         "Gbit/s", "Tbit/s" };
    int u = 0;

    while (bps >= 1000 && u < 4) {
        bps /= 1000;
        u++;
    }
    snprintf(buf, 96, "%.4g %s (%"PRIu64" bytes per %"PRIu32" us)", bps,
             units[u], bytes, usecs);
}

bool
xvs_port_guest_secured(const struct xvs_port_guest *g)
{
    return (g->security == XVS_PSEC_ON
            || (g->security == XVS_PSEC_DEFAULT && g->has_mac));
}

uint64_t
xvs_rate_burst(uint64_t bytes)
{
    return bytes > XVS_RATE_MIN_BURST ? bytes : XVS_RATE_MIN_BURST;
}

static bool
key_is(const char *key, size_t klen, const char *name)
{
    return strlen(name) == klen && !memcmp(key, name, klen);
}

int
xvs_port_guest_option(struct xvs_port_guest *g, const char *key, size_t klen,
                      const char *value, bool allow_none, char **errp)
{
    bool none = allow_none && !strcmp(value, "none");
    char *error = NULL;

    if (key_is(key, klen, "mac")) {
        if (none) {
            g->has_mac = false;
        } else if (!(error = xvs_parse_mac(value, g->mac))) {
            g->has_mac = true;
        }
    } else if (key_is(key, klen, "ip")
               || key_is(key, klen, "allowed-addresses")) {
        bool ip = klen == 2;
        struct xvs_addr *addrs = NULL;
        size_t n = 0;

        if (none || !(error = xvs_parse_addr_list(value, !ip, &addrs, &n))) {
            free(ip ? g->ips : g->allowed);
            *(ip ? &g->ips : &g->allowed) = addrs;
            *(ip ? &g->n_ips : &g->n_allowed) = n;
        }
    } else if (key_is(key, klen, "port-security")) {
        if (!strcmp(value, "on") || !strcmp(value, "true")
            || !strcmp(value, "yes")) {
            g->security = XVS_PSEC_ON;
        } else if (!strcmp(value, "off") || !strcmp(value, "false")
                   || !strcmp(value, "no")) {
            g->security = XVS_PSEC_OFF;
        } else if (!strcmp(value, "default")) {
            g->security = XVS_PSEC_DEFAULT;
        } else {
            error = xvs_asprintf("expected on, off or default, got \"%s\"",
                                 value);
        }
    } else if (key_is(key, klen, "rate")) {
        uint64_t bytes;
        uint32_t usecs;

        if (none) {
            g->rate_bytes = 0;
            g->rate_usecs = 0;
            free(g->rate_text);
            g->rate_text = NULL;
        } else if (!(error = xvs_parse_rate(value, &bytes, &usecs))) {
            g->rate_bytes = bytes;
            g->rate_usecs = usecs;
            free(g->rate_text);
            g->rate_text = xstrdup_or_null(value);
        }
    } else if (key_is(key, klen, "vm-uuid") || key_is(key, klen, "vm-name")) {
        bool uuid = key[3] == 'u';
        char **field = uuid ? &g->vm_uuid : &g->vm_name;

        if (none) {
            free(*field);
            *field = NULL;
        } else if (!(error = uuid ? xvs_check_uuid(value)
                                  : xvs_check_vm_name(value))) {
            free(*field);
            *field = xstrdup_or_null(value);
        }
    } else if (key_is(key, klen, "queues")) {
        struct xvs_queue *queues = NULL;
        size_t n = 0;

        if (none || !(error = xvs_parse_queues(value, &queues, &n))) {
            xvs_queues_free(g->queues, g->n_queues);
            g->queues = queues;
            g->n_queues = n;
        }
    } else {
        return 0;
    }
    if (error) {
        *errp = xvs_asprintf("%.*s: %s", (int) klen, key, error);
        free(error);
        return -1;
    }
    return 1;
}

char *
xvs_port_guest_check(const struct xvs_port_guest *g)
{
    if (g->security == XVS_PSEC_ON && !g->has_mac) {
        for (size_t i = 0; i < g->n_allowed; i++) {
            if (g->allowed[i].kind == XVS_ADDR_MAC) {
                return NULL;
            }
        }
        return xvs_asprintf("port-security on needs the guest's mac (or a "
                            "MAC in allowed-addresses): without one it "
                            "would drop everything");
    }
    return NULL;
}

static struct xvs_addr *
addrs_dup(const struct xvs_addr *a, size_t n)
{
    struct xvs_addr *copy = NULL;

    if (n) {
        copy = xcalloc_or_die(n, sizeof *copy);
        memcpy(copy, a, n * sizeof *copy);
    }
    return copy;
}

void
xvs_port_guest_copy(struct xvs_port_guest *dst,
                    const struct xvs_port_guest *src)
{
    *dst = *src;
    dst->ips = addrs_dup(src->ips, src->n_ips);
    dst->allowed = addrs_dup(src->allowed, src->n_allowed);
    dst->rate_text = xstrdup_or_null(src->rate_text);
    dst->vm_uuid = xstrdup_or_null(src->vm_uuid);
    dst->vm_name = xstrdup_or_null(src->vm_name);
    dst->queues = NULL;
    if (src->n_queues) {
        dst->queues = xcalloc_or_die(src->n_queues, sizeof *dst->queues);
        for (size_t i = 0; i < src->n_queues; i++) {
            dst->queues[i] = src->queues[i];
            dst->queues[i].rate_text = xstrdup_or_null(
                src->queues[i].rate_text);
        }
    }
}

static bool
queues_equal(const struct xvs_queue *a, size_t n_a,
             const struct xvs_queue *b, size_t n_b)
{
    if (n_a != n_b) {
        return false;
    }
    for (size_t i = 0; i < n_a; i++) {
        if (a[i].id != b[i].id || a[i].rate_bytes != b[i].rate_bytes
            || a[i].rate_usecs != b[i].rate_usecs) {
            return false;
        }
    }
    return true;
}

static bool
addrs_equal(const struct xvs_addr *a, size_t n_a,
            const struct xvs_addr *b, size_t n_b)
{
    if (n_a != n_b) {
        return false;
    }
    for (size_t i = 0; i < n_a; i++) {
        size_t len = (a[i].kind == XVS_ADDR_MAC ? 6
                      : a[i].kind == XVS_ADDR_IP4 ? 4
                      : a[i].kind == XVS_ADDR_IP6 ? 16 : 0);
        if (a[i].kind != b[i].kind || a[i].plen != b[i].plen
            || memcmp(a[i].a, b[i].a, len)) {
            return false;
        }
    }
    return true;
}

static bool
strings_equal(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

bool
xvs_port_guest_equal(const struct xvs_port_guest *a,
                     const struct xvs_port_guest *b)
{
    return a->has_mac == b->has_mac
           && (!a->has_mac || !memcmp(a->mac, b->mac, 6))
           && addrs_equal(a->ips, a->n_ips, b->ips, b->n_ips)
           && addrs_equal(a->allowed, a->n_allowed, b->allowed, b->n_allowed)
           && a->security == b->security
           && a->rate_bytes == b->rate_bytes
           && a->rate_usecs == b->rate_usecs
           && strings_equal(a->vm_uuid, b->vm_uuid)
           && strings_equal(a->vm_name, b->vm_name)
           && queues_equal(a->queues, a->n_queues, b->queues, b->n_queues);
}

void
xvs_port_guest_destroy(struct xvs_port_guest *g)
{
    free(g->ips);
    free(g->allowed);
    free(g->rate_text);
    free(g->vm_uuid);
    free(g->vm_name);
    xvs_queues_free(g->queues, g->n_queues);
    memset(g, 0, sizeof *g);
}
