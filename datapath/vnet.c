/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vnet: AF_PACKET with the virtio-net header.  See vnet.h.
 */
#define _GNU_SOURCE 1
#include "vnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp-offload.h"
#include "dp-private.h"
#include "pkt-edit.h"

/* UDP GSO in the virtio-net header (virtio 1.2; Linux 6.2's uapi header
 * has it, Debian 12's does not). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* Socket buffers: a 64 KB GSO frame takes about 66 KB of a buffer, and a
 * busy guest sends them back to back. */
#define VNET_SOCK_BUF (8 << 20)
/* Segments of an mbuf chain sent as one message, at most. */
#define VNET_TX_SEGS 64

struct vnet {
    int fd;
    int ifindex;
    char name[IF_NAMESIZE];
    uint64_t rx_errors, tx_errors;      /* PMD threads, relaxed atomics. */
    uint64_t rx_dropped;                /* Main thread. */
};

static inline void
count(uint64_t *c)
{
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* ---- Open and close --------------------------------------------------- */

static int
set_int_opt(int fd, int level, int opt, int value)
{
    return setsockopt(fd, level, opt, &value, sizeof value) ? errno : 0;
}

int
vnet_open(const char *iface, struct vnet **vp, char **errp)
{
    struct vnet *v;
    int error;

    *vp = NULL;
    *errp = NULL;
    if (strlen(iface) >= IF_NAMESIZE) {
        *errp = dp_errf("%s: interface name too long", iface);
        return ENAMETOOLONG;
    }
    v = calloc(1, sizeof *v);
    if (!v) {
        abort();
    }
    snprintf(v->name, sizeof v->name, "%s", iface);
    v->ifindex = if_nametoindex(iface);
    if (!v->ifindex) {
        error = errno ? errno : ENODEV;
        *errp = dp_errf("%s: no such network device", iface);
        goto error_free;
    }

    /* Protocol 0 until bound: nothing queues before the options are set. */
    v->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (v->fd < 0) {
        error = errno;
        *errp = dp_errf("%s: cannot open an AF_PACKET socket: %s", iface,
                          strerror(error));
        goto error_free;
    }
    const char *what;
    if ((error = set_int_opt(v->fd, SOL_PACKET, PACKET_VNET_HDR, 1))) {
        what = "PACKET_VNET_HDR";
    } else if ((error = set_int_opt(v->fd, SOL_PACKET, PACKET_AUXDATA, 1))) {
        what = "PACKET_AUXDATA";
    } else if ((error = set_int_opt(v->fd, SOL_PACKET,
                                    PACKET_IGNORE_OUTGOING, 1))) {
        what = "PACKET_IGNORE_OUTGOING";
    } else {
        what = NULL;
    }
    if (what) {
        *errp = dp_errf("%s: cannot set %s: %s", iface, what,
                          strerror(error));
        goto error_close;
    }
    /* As root the limits of net.core.[rw]mem_max do not apply; otherwise
     * take what the kernel allows. */
    if (set_int_opt(v->fd, SOL_SOCKET, SO_RCVBUFFORCE, VNET_SOCK_BUF)) {
        set_int_opt(v->fd, SOL_SOCKET, SO_RCVBUF, VNET_SOCK_BUF);
    }
    if (set_int_opt(v->fd, SOL_SOCKET, SO_SNDBUFFORCE, VNET_SOCK_BUF)) {
        set_int_opt(v->fd, SOL_SOCKET, SO_SNDBUF, VNET_SOCK_BUF);
    }

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = v->ifindex,
    };
    if (bind(v->fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        *errp = dp_errf("%s: cannot bind an AF_PACKET socket: %s", iface,
                          strerror(error));
        goto error_close;
    }
    /* A switch port takes every frame, whoever it is for (a vif or veth
     * hands over all of them anyway; a NIC needs telling). */
    struct packet_mreq mr = {
        .mr_ifindex = v->ifindex,
        .mr_type = PACKET_MR_PROMISC,
    };
    if (setsockopt(v->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
                   sizeof mr)) {
        error = errno;
        *errp = dp_errf("%s: cannot make it promiscuous: %s", iface,
                          strerror(error));
        goto error_close;
    }
    *vp = v;
    return 0;

error_close:
    close(v->fd);
error_free:
    free(v);
    return error;
}

void
vnet_close(struct vnet *v)
{
    if (v) {
        close(v->fd);
        free(v);
    }
}

int
vnet_fd(const struct vnet *v)
{
    return v->fd;
}

static int
vnet_ioctl(const struct vnet *v, unsigned long req, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof *ifr);
    snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "%s", v->name);
    return ioctl(v->fd, req, ifr) ? errno : 0;
}

uint32_t
vnet_get_mtu(const struct vnet *v)
{
    struct ifreq ifr;
    return vnet_ioctl(v, SIOCGIFMTU, &ifr) ? 0 : (uint32_t) ifr.ifr_mtu;
}

int
vnet_set_mtu(const struct vnet *v, uint32_t mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", v->name);
    ifr.ifr_mtu = mtu;
    return ioctl(v->fd, SIOCSIFMTU, &ifr) ? errno : 0;
}

bool
vnet_get_mac(const struct vnet *v, uint8_t mac[6])
{
    struct ifreq ifr;

    if (vnet_ioctl(v, SIOCGIFHWADDR, &ifr)) {
        return false;
    }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return true;
}

void
vnet_get_stats(struct vnet *v, struct vnet_stats *s)
{
    struct tpacket_stats ts;
    socklen_t len = sizeof ts;

    /* The kernel's counters reset when read: keep the sum here. */
    if (!getsockopt(v->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &len)) {
        v->rx_dropped += ts.tp_drops;
    }
    s->rx_dropped = v->rx_dropped;
    s->rx_errors = __atomic_load_n(&v->rx_errors, __ATOMIC_RELAXED);
    s->tx_errors = __atomic_load_n(&v->tx_errors, __ATOMIC_RELAXED);
}

/* ---- Receive ----------------------------------------------------------- */

/* The mbufs posted for a PMD thread's receives, and the messages that
 * describe them to recvmmsg(), kept from one burst to the next: a receive
 * rebuilds only what the last one used ('dirty'), so that polling an idle
 * port costs little more than the system call. */
struct vnet_rx_ctx {
    struct rte_mempool *pool, *big_pool;
    uint32_t dirty;                 /* Bit i: message i needs mbufs. */
    struct rte_mbuf *seg[VNET_BURST][VNET_RX_SEGS];
    struct iovec iov[VNET_BURST][1 + VNET_RX_SEGS];
    struct virtio_net_hdr hdr[VNET_BURST];
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } cmsg[VNET_BURST];
    struct mmsghdr msgs[VNET_BURST];
};

struct vnet_rx_ctx *
vnet_rx_ctx_create(struct rte_mempool *pool, struct rte_mempool *big_pool)
{
    struct vnet_rx_ctx *ctx = calloc(1, sizeof *ctx);

    if (!ctx) {
        return NULL;
    }
    ctx->pool = pool;
    ctx->big_pool = big_pool;
    ctx->dirty = UINT32_MAX;
    for (int i = 0; i < VNET_BURST; i++) {
        ctx->iov[i][0].iov_base = &ctx->hdr[i];
        ctx->iov[i][0].iov_len = sizeof ctx->hdr[i];
        ctx->msgs[i].msg_hdr = (struct msghdr) {
            .msg_iov = ctx->iov[i],
            .msg_iovlen = 1 + VNET_RX_SEGS,
            .msg_control = ctx->cmsg[i].buf,
        };
    }
    return ctx;
}

void
vnet_rx_ctx_destroy(struct vnet_rx_ctx *ctx)
{
    if (ctx) {
        vnet_rx_ctx_release(ctx);
        free(ctx);
    }
}

void
vnet_rx_ctx_release(struct vnet_rx_ctx *ctx)
{
    for (int i = 0; i < VNET_BURST; i++) {
        for (int s = 0; s < VNET_RX_SEGS; s++) {
            rte_pktmbuf_free(ctx->seg[i][s]);
            ctx->seg[i][s] = NULL;
        }
    }
    ctx->dirty = UINT32_MAX;
}

/* Posts mbuf 'm' in slot 's' of message 'i'. */
static inline void
rx_post(struct vnet_rx_ctx *ctx, int i, int s, struct rte_mbuf *m)
{
    struct iovec *iov = &ctx->iov[i][1 + s];

    ctx->seg[i][s] = m;
    if (!s) {
        iov->iov_base = rte_pktmbuf_mtod(m, void *);
        iov->iov_len = rte_pktmbuf_tailroom(m);
    } else {
        m->data_off = 0;        /* Only a chain's head needs headroom. */
        iov->iov_base = m->buf_addr;
        iov->iov_len = m->buf_len;
    }
}

/* Posts mbufs where the last receives took them, for the first 'n'
 * messages.  Returns how many messages are complete (fewer when the pool
 * runs dry: those receive nothing this time). */
static uint16_t
rx_refill(struct vnet_rx_ctx *ctx, uint16_t n)
{
    uint32_t todo = ctx->dirty & (n >= 32 ? UINT32_MAX : (1u << n) - 1);

    for (uint32_t t = todo; t; t &= t - 1) {
        int i = __builtin_ctz(t);
        for (int s = 0; s < VNET_RX_SEGS; s++) {
            if (ctx->seg[i][s]) {
                continue;
            }
            struct rte_mbuf *m = rte_pktmbuf_alloc(s ? ctx->big_pool
                                                     : ctx->pool);
            if (!m) {
                /* Short of mbufs: this message and the next wait. */
                return i;
            }
            rx_post(ctx, i, s, m);
        }
        ctx->dirty &= ~(1u << i);
    }
    return n;
}

/* Puts back the VLAN tag the kernel took out of the frame. */
static bool
rx_put_vlan(struct rte_mbuf *m, const struct tpacket_auxdata *aux)
{
    uint16_t tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID
                    ? aux->tp_vlan_tpid : RTE_ETHER_TYPE_VLAN;
    uint8_t *p = (uint8_t *) rte_pktmbuf_prepend(m, 4);

    if (!p || rte_pktmbuf_data_len(m) < 16) {
        return false;
    }
    memmove(p, p + 4, 12);
    p[12] = tpid >> 8;
    p[13] = tpid;
    p[14] = aux->tp_vlan_tci >> 8;
    p[15] = aux->tp_vlan_tci;
    return true;
}

/* Turns the virtio-net header into mbuf offload metadata.  'shift': bytes
 * put in front of the frame since the kernel described it (a VLAN tag).
 * Returns false for metadata that cannot be carried. */
static bool
rx_offload(struct rte_mbuf *m, const struct virtio_net_hdr *h, uint32_t shift)
{
    uint8_t gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    }
    if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        return gso == VIRTIO_NET_HDR_GSO_NONE;
    }

    uint32_t start = h->csum_start + shift, offset = h->csum_offset;
    uint16_t type = 0;
    uint32_t l2 = pkt_l3_offset(rte_pktmbuf_mtod(m, const uint8_t *),
                                rte_pktmbuf_data_len(m), &type);
    bool tcp = offset == 16, udp = offset == 6;
    bool ip = type == RTE_ETHER_TYPE_IPV4 || type == RTE_ETHER_TYPE_IPV6;
    uint32_t min_l3 = type == RTE_ETHER_TYPE_IPV4 ? 20 : 40;

    if (!l2 || !ip || (!tcp && !udp) || start < l2 + min_l3
        || start - l2 > 255 + 40 /* l3_len is 9 bits */
        || start + (tcp ? 20 : 8) > rte_pktmbuf_data_len(m)) {
        if (gso != VIRTIO_NET_HDR_GSO_NONE) {
            return false;
        }
        /* Not TCP or UDP over IP (rare): finish it now. */
        dp_offload_csum_at(m, start, start + offset);
        return true;
    }
    const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, start);
    m->l2_len = l2;
    m->l3_len = start - l2;
    m->l4_len = tcp ? (l4[12] >> 4) * 4 : 8;
    m->ol_flags |= (tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM)
                   | (type == RTE_ETHER_TYPE_IPV4 ? RTE_MBUF_F_TX_IPV4
                                                  : RTE_MBUF_F_TX_IPV6);
    switch (gso) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return true;
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
        if (!tcp || m->l4_len < 20 || !h->gso_size) {
            return false;
        }
        m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
        m->tso_segsz = h->gso_size;
        return true;
    case VIRTIO_NET_HDR_GSO_UDP_L4:
        if (!udp || !h->gso_size) {
            return false;
        }
        m->ol_flags |= RTE_MBUF_F_TX_UDP_SEG;
        m->tso_segsz = h->gso_size;
        return true;
    default:
        return false;           /* UFO (IP fragmentation): long gone. */
    }
}

/* Makes the chain of the mbufs that received a 'len'-byte frame, taking
 * them out of message 'i''s slots. */
static struct rte_mbuf *
rx_take(struct vnet_rx_ctx *ctx, uint16_t i, uint32_t len)
{
    struct rte_mbuf *head = ctx->seg[i][0], *prev = head;
    uint32_t left = len;

    ctx->dirty |= 1u << i;
    ctx->seg[i][0] = NULL;
    head->data_len = RTE_MIN(left, (uint32_t) rte_pktmbuf_tailroom(head));
    head->pkt_len = len;
    head->nb_segs = 1;
    left -= head->data_len;
    for (int s = 1; left && s < VNET_RX_SEGS; s++) {
        struct rte_mbuf *m = ctx->seg[i][s];
        ctx->seg[i][s] = NULL;
        m->data_len = RTE_MIN(left, (uint32_t) m->buf_len);
        left -= m->data_len;
        prev->next = m;
        prev = m;
        head->nb_segs++;
    }
    prev->next = NULL;
    return head;
}

uint16_t
vnet_rx_burst(struct vnet *v, struct vnet_rx_ctx *ctx,
              struct rte_mbuf **pkts, uint16_t n)
{
    struct mmsghdr *msgs = ctx->msgs;
    struct virtio_net_hdr *hdr = ctx->hdr;

    n = rx_refill(ctx, RTE_MIN(n, (uint16_t) VNET_BURST));
    for (uint16_t i = 0; i < n; i++) {
        msgs[i].msg_hdr.msg_controllen = sizeof ctx->cmsg[i].buf;
    }
    int r = n ? recvmmsg(v->fd, msgs, n, MSG_DONTWAIT, NULL) : 0;
    if (r <= 0) {
        return 0;
    }

    uint16_t got = 0;
    for (int i = 0; i < r; i++) {
        uint32_t len = msgs[i].msg_len;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC || len < sizeof hdr[i]
            + RTE_ETHER_HDR_LEN) {
            count(&v->rx_errors);      /* The mbufs stay posted. */
            continue;
        }
        struct rte_mbuf *m = rx_take(ctx, i, len - sizeof hdr[i]);
        uint32_t shift = 0;
        struct cmsghdr *c;
        for (c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
             c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA
                || c->cmsg_len < CMSG_LEN(sizeof(struct tpacket_auxdata))) {
                continue;
            }
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                if (!rx_put_vlan(m, &aux)) {
                    goto drop;
                }
                shift = 4;
            }
        }
        if (!rx_offload(m, &hdr[i], shift)) {
            goto drop;
        }
        pkts[got++] = m;
        continue;

    drop:
        count(&v->rx_errors);
        rte_pktmbuf_free(m);
    }
    return got;
}

/* ---- Transmit ---------------------------------------------------------- */

/* The virtio-net header that tells the kernel what 'm' still needs. */
static void
tx_hdr(const struct rte_mbuf *m, struct virtio_net_hdr *h)
{
    uint64_t ol = m->ol_flags;

    memset(h, 0, sizeof *h);
    if (!(ol & RTE_MBUF_F_TX_L4_MASK)) {
        return;
    }
    bool tcp = (ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM;
    uint32_t l4 = m->l2_len + m->l3_len;

    h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h->csum_start = l4;
    h->csum_offset = tcp ? 16 : 6;
    h->hdr_len = l4 + (tcp ? m->l4_len : 8);
    if (ol & RTE_MBUF_F_TX_TCP_SEG) {
        const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);
        h->gso_type = ol & RTE_MBUF_F_TX_IPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
                                              : VIRTIO_NET_HDR_GSO_TCPV6;
        if (th[13] & 0x80) {    /* CWR: the first segment only. */
            h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
        }
        h->gso_size = m->tso_segsz;
    } else if (ol & RTE_MBUF_F_TX_UDP_SEG) {
        h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
        h->gso_size = m->tso_segsz;
    }
}

uint16_t
vnet_tx_burst(struct vnet *v, struct rte_mbuf **pkts, uint16_t n)
{
    struct virtio_net_hdr hdr[VNET_BURST];
    struct iovec iov[VNET_BURST][1 + VNET_TX_SEGS];
    struct mmsghdr msgs[VNET_BURST];
    struct rte_mbuf *failed[VNET_TX_MAX];
    uint16_t sent = 0, n_failed = 0;

    n = RTE_MIN(n, (uint16_t) VNET_TX_MAX);
    for (uint16_t base = 0; base < n; base += VNET_BURST) {
        uint16_t k = RTE_MIN((uint16_t) (n - base), (uint16_t) VNET_BURST);
        struct rte_mbuf **batch = pkts + base;

        for (uint16_t i = 0; i < k; i++) {
            const struct rte_mbuf *m = batch[i];
            int segs = 0;
            tx_hdr(m, &hdr[i]);
            iov[i][0].iov_base = &hdr[i];
            iov[i][0].iov_len = sizeof hdr[i];
            for (const struct rte_mbuf *s = m; s && segs < VNET_TX_SEGS;
                 s = s->next) {
                iov[i][1 + segs].iov_base = rte_pktmbuf_mtod(s, void *);
                iov[i][1 + segs].iov_len = s->data_len;
                segs++;
            }
            msgs[i].msg_hdr = (struct msghdr) {
                .msg_iov = iov[i],
                /* A longer chain is cut short: the kernel then sees a
                 * frame shorter than its IP length and drops it. */
                .msg_iovlen = 1 + segs,
            };
        }

        /* sendmmsg() stops at the first message the kernel refuses:
         * count it and go on with the next, unless the socket is full. */
        uint16_t i = 0;
        while (i < k) {
            int r = sendmmsg(v->fd, msgs + i, k - i, MSG_DONTWAIT);
            if (r > 0) {
                for (int j = 0; j < r; j++) {
                    pkts[sent++] = batch[i + j];
                }
                i += r;
                continue;
            }
            if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
                break;
            }
            count(&v->tx_errors);
            failed[n_failed++] = batch[i++];
        }
        for (; i < k; i++) {
            failed[n_failed++] = batch[i];
        }
    }
    rte_pktmbuf_free_bulk(pkts, sent);
    memcpy(pkts + sent, failed, n_failed * sizeof *failed);
    return sent;
}
