/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vnet: a Linux netdev (a Xen vif, a veth) as a datapath port, through an
 * AF_PACKET socket with the virtio-net header -- xvs's own port driver.
 *
 * Why not DPDK's net_af_packet: it reads frames without the metadata the
 * kernel keeps with them.  A guest hands netback (or a veth) TCP and UDP
 * packets whose checksum is left for the "hardware" and TCP segments of
 * up to 64 KB; read without the metadata the first go out with a wrong
 * checksum and the second do not fit an mbuf, so no TCP connection and
 * no UDP datagram to a socket gets through.  With PACKET_VNET_HDR every
 * frame comes with a struct virtio_net_hdr that says so (packet(7)); the
 * port turns it into mbuf offload flags (see dp-offload.h) and back on
 * output, so a GSO frame goes from one vif to another as one frame.
 *
 * Receive: one recvmmsg() a burst into mbufs posted in advance, each
 * message a chain of a head mbuf (from the datapath's pool: most frames
 * fit it) and four 16 KB mbufs for the rest of a 64 KB frame; only what a
 * frame used is replaced.  Five buffers a message keep the kernel from
 * allocating an iovec array per message (it has room for eight).  The posted mbufs belong to the
 * calling PMD thread (struct vnet_rxq_ctx), not to the port, so a thread
 * polling a hundred vifs holds one set.  VLAN tags the kernel took out of
 * the frame (PACKET_AUXDATA) are put back.  Transmit: one sendmmsg() per
 * burst, a message an mbuf chain behind its virtio-net header.
 *
 * Thread-safety: vnet_open(), vnet_close(), vnet_get_*() are for the main
 * thread.  vnet_rx_burst() is for one PMD thread at a time per port;
 * vnet_tx_burst() for any number of PMD threads at once.
 */
#ifndef VNET_H
#define VNET_H 1

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define VNET_BURST 32
/* A head mbuf and four large ones: a 64 KB frame plus its Ethernet
 * header. */
#define VNET_RX_SEGS 5
#define VNET_BIG_SEG_SIZE 16384
#define VNET_TX_MAX 64

struct vnet;

/* Per PMD thread: the mbufs posted for its receives (see vnet.c). */
struct vnet_rx_ctx;

/* Opens netdev 'iface'.  Returns 0 and the port in '*vp', or a positive
 * errno value with a message in '*errp'. */
int vnet_open(const char *iface, struct vnet **vp, char **errp);
void vnet_close(struct vnet *);

/* The socket, for a PMD thread to wait on when idle. */
int vnet_fd(const struct vnet *);

/* Receives up to 'n' (at most VNET_BURST) frames.  PMD thread. */
uint16_t vnet_rx_burst(struct vnet *, struct vnet_rx_ctx *,
                       struct rte_mbuf **pkts, uint16_t n);

/* Sends 'n' frames (at most VNET_TX_MAX).  Returns how many went out,
 * and leaves the others, moved to the end of 'pkts', to the caller.
 * Takes the sent ones. */
uint16_t vnet_tx_burst(struct vnet *, struct rte_mbuf **pkts, uint16_t n);

/* A PMD thread's receive context, its head mbufs from 'pool' and the
 * others from 'big_pool' (data rooms of VNET_BIG_SEG_SIZE).  Main thread.
 * Returns NULL when out of memory. */
struct vnet_rx_ctx *vnet_rx_ctx_create(struct rte_mempool *pool,
                                       struct rte_mempool *big_pool);
/* Gives the posted mbufs back: the PMD thread, when it stops. */
void vnet_rx_ctx_release(struct vnet_rx_ctx *);
/* Frees the context (released first).  Main thread, once the PMD thread
 * has stopped. */
void vnet_rx_ctx_destroy(struct vnet_rx_ctx *);

struct vnet_stats {
    uint64_t rx_dropped;        /* Frames the kernel dropped for want of
                                 * socket buffer. */
    uint64_t rx_errors;         /* Frames too large or with metadata that
                                 * cannot be carried. */
    uint64_t tx_errors;         /* Frames the kernel refused. */
};

void vnet_get_stats(struct vnet *, struct vnet_stats *);

/* The netdev's MTU and MAC address. */
uint32_t vnet_get_mtu(const struct vnet *);
/* Sets the netdev's MTU.  Returns 0 or a positive errno value. */
int vnet_set_mtu(const struct vnet *, uint32_t mtu);
bool vnet_get_mac(const struct vnet *, uint8_t mac[6]);

#endif /* vnet.h */
