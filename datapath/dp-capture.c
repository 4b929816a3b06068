/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-capture: packet capture on a port (see datapath.h).
 *
 * The PMD threads copy with rte_pktmbuf_copy() into the capture's own
 * mempool, as DPDK's pdump library does, and enqueue the copies on a
 * multi-producer ring (a port's packets are received by one PMD thread
 * but may be sent by any); the main thread alone dequeues.  The copy's
 * private area carries the time (TSC), the direction and the length of
 * the packet before truncation.
 */
#include "datapath.h"
#include "dp-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

/* Copies in flight per capture: about 1.6 s of a 5 kpps guest, or a
 * burst of a busy port, before copies are dropped. */
#define CAPTURE_RING_SIZE 8192
#define CAPTURE_POOL_SIZE (CAPTURE_RING_SIZE + 1023)
#define CAPTURE_SEG_SIZE 2048

void
dp_capture_copy(struct dp_capture *cap, struct rte_mbuf **pkts, uint16_t n,
                uint8_t dir)
{
    struct rte_mbuf *copies[DP_TXBUF > DP_BURST ? DP_TXBUF : DP_BURST];
    uint64_t tsc = rte_rdtsc();
    unsigned int k = 0;

    n = RTE_MIN(n, RTE_DIM(copies));
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *c = rte_pktmbuf_copy(pkts[i], cap->pool, 0,
                                              cap->snaplen);
        if (c) {
            struct dp_capture_meta *meta = rte_mbuf_to_priv(c);
            meta->tsc = tsc;
            meta->orig_len = rte_pktmbuf_pkt_len(pkts[i]);
            meta->dir = dir;
            copies[k++] = c;
        }
    }
    unsigned int sent = rte_ring_enqueue_burst(cap->ring, (void **) copies,
                                               k, NULL);
    if (sent < k) {
        rte_pktmbuf_free_bulk(&copies[sent], k - sent);
    }
    if (sent < n) {
        __atomic_fetch_add(&cap->dropped, n - sent, __ATOMIC_RELAXED);
    }
}

int
dp_capture_start(uint32_t port_no, unsigned int dirs, uint32_t snaplen,
                 struct dp_capture **capp, char **errp)
{
    static unsigned int serial;
    struct dp_port *port;
    char name[RTE_MEMPOOL_NAMESIZE];

    *capp = NULL;
    *errp = NULL;
    if (port_no >= DP_MAX_PORTS || !(port = dp.ports[port_no])) {
        *errp = dp_errf("no datapath port %"PRIu32, port_no);
        return ENODEV;
    }
    if (!snaplen || snaplen > DP_CAPTURE_MAX_SNAPLEN
        || !(dirs & (DP_CAPTURE_RX | DP_CAPTURE_TX))) {
        *errp = dp_errf("%s: bad capture parameters", port->name);
        return EINVAL;
    }
    if (__atomic_load_n(&port->capture, __ATOMIC_RELAXED)) {
        *errp = dp_errf("%s: a capture runs on it already", port->name);
        return EBUSY;
    }

    struct dp_capture *cap = calloc(1, sizeof *cap);
    if (!cap) {
        abort();
    }
    serial++;
    snprintf(name, sizeof name, "xvs_cap_pool%u", serial);
    cap->pool = rte_pktmbuf_pool_create(
        name, CAPTURE_POOL_SIZE, 64,
        RTE_ALIGN(sizeof(struct dp_capture_meta), RTE_MBUF_PRIV_ALIGN),
        RTE_PKTMBUF_HEADROOM + CAPTURE_SEG_SIZE, SOCKET_ID_ANY);
    snprintf(name, sizeof name, "xvs_cap_ring%u", serial);
    cap->ring = cap->pool ? rte_ring_create(name, CAPTURE_RING_SIZE,
                                            SOCKET_ID_ANY, RING_F_SC_DEQ)
                          : NULL;
    if (!cap->ring) {
        *errp = dp_errf("%s: no memory for a capture: %s", port->name,
                        rte_strerror(rte_errno));
        rte_mempool_free(cap->pool);
        free(cap);
        return ENOMEM;
    }
    cap->snaplen = snaplen;
    cap->dirs = dirs;
    cap->port_no = port_no;

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cap->tsc0 = rte_rdtsc();
    cap->ns0 = (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
    cap->hz = rte_get_tsc_hz();

    __atomic_store_n(&port->capture, cap, __ATOMIC_RELEASE);
    *capp = cap;
    return 0;
}

size_t
dp_capture_drain(struct dp_capture *cap, size_t max,
                 void (*cb)(void *aux, const struct dp_captured *),
                 void *aux)
{
    static uint8_t buf[DP_CAPTURE_MAX_SNAPLEN];
    size_t done = 0;

    while (done < max) {
        struct rte_mbuf *m[32];
        unsigned int n = rte_ring_dequeue_burst(
            cap->ring, (void **) m, RTE_MIN(max - done, RTE_DIM(m)), NULL);
        if (!n) {
            break;
        }
        for (unsigned int i = 0; i < n; i++) {
            const struct dp_capture_meta *meta = rte_mbuf_to_priv(m[i]);
            struct dp_captured c;
            uint64_t dt = meta->tsc - cap->tsc0;

            c.len = rte_pktmbuf_pkt_len(m[i]);
            c.data = rte_pktmbuf_read(m[i], 0, c.len, buf);
            c.orig_len = meta->orig_len;
            c.dir = meta->dir;
            c.time_ns = cap->ns0 + dt / cap->hz * 1000000000
                        + dt % cap->hz * 1000000000 / cap->hz;
            if (c.data) {
                cb(aux, &c);
            }
            rte_pktmbuf_free(m[i]);
        }
        done += n;
    }
    return done;
}

uint64_t
dp_capture_dropped(const struct dp_capture *cap)
{
    return __atomic_load_n(&cap->dropped, __ATOMIC_RELAXED);
}

void
dp_capture_detach(struct dp_capture *cap)
{
    struct dp_port *port = cap->port_no < DP_MAX_PORTS
                           ? dp.ports[cap->port_no] : NULL;
    if (port) {
        /* Only if it is still this capture's port, not a port that took
         * its number after it went. */
        struct dp_capture *expected = cap;
        __atomic_compare_exchange_n(&port->capture, &expected, NULL, false,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
    /* No PMD thread is copying into it after this. */
    dp_synchronize();
}

void
dp_capture_stop(struct dp_capture *cap)
{
    if (!cap) {
        return;
    }
    dp_capture_detach(cap);

    struct rte_mbuf *m;
    while (!rte_ring_dequeue(cap->ring, (void **) &m)) {
        rte_pktmbuf_free(m);
    }
    rte_ring_free(cap->ring);
    rte_mempool_free(cap->pool);
    free(cap);
}
