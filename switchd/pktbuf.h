/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pktbuf: the packets an OpenFlow connection's packet-ins left buffered.
 *
 * A packet-in that carries only part of a packet (the controller asked
 * for max_len bytes of a longer one) keeps the whole packet here under a
 * buffer id, so that the controller can still forward it: a packet-out or
 * a flow_mod naming that id takes the packet out.  A buffer is used once.
 *
 * Bounded: PKTBUF_SLOTS packets per connection and PKTBUF_MAX_BYTES
 * between them, each kept at most PKTBUF_TIMEOUT_MS; when every slot
 * holds a younger packet, or the packet would take the bytes past their
 * bound, it is not buffered (the caller sends it whole).  A buffer id is a
 * slot number and a generation, so an id that was used, expired or
 * overwritten is told apart from the packet now in its slot:
 * OFPERR_OFPBRC_BUFFER_EMPTY for a used one, OFPERR_OFPBRC_BUFFER_UNKNOWN
 * for any other.
 *
 * Time is passed in by the caller (milliseconds, monotonic), so tests can
 * expire buffers without sleeping.
 *
 * Thread-safety: one thread (the main thread, which runs connections).
 */
#ifndef PKTBUF_H
#define PKTBUF_H 1

#include <stddef.h>
#include <stdint.h>
#include "openvswitch/ofp-errors.h"
#include "openvswitch/types.h"

#define PKTBUF_SLOTS 256
#define PKTBUF_TIMEOUT_MS 5000

/* The longest packet kept: a packet-in's total_len is 16 bits. */
#define PKTBUF_MAX_LEN UINT16_MAX

/* The bytes one pktbuf keeps at most (256 jumbo frames fit). */
#define PKTBUF_MAX_BYTES (4 * 1024 * 1024)

struct pktbuf;

struct pktbuf *pktbuf_create(void);
void pktbuf_destroy(struct pktbuf *);

/* Keeps a copy of 'len' bytes of 'data', received on 'in_port', and
 * returns its buffer id, or UINT32_MAX if it could not be kept (every slot
 * holds a packet younger than PKTBUF_TIMEOUT_MS, 'len' exceeds
 * PKTBUF_MAX_LEN, or the packets kept would exceed PKTBUF_MAX_BYTES). */
uint32_t pktbuf_save(struct pktbuf *, const void *data, size_t len,
                     ofp_port_t in_port, long long now);

/* Looks up buffer 'id' without taking the packet: on success returns 0
 * and points '*data', '*len' and '*in_port' at the packet (valid until
 * the next call on the pktbuf); otherwise returns
 * OFPERR_OFPBRC_BUFFER_EMPTY or OFPERR_OFPBRC_BUFFER_UNKNOWN. */
enum ofperr pktbuf_peek(struct pktbuf *, uint32_t id, long long now,
                        const void **data, size_t *len,
                        ofp_port_t *in_port);

/* Frees buffer 'id' as used (a later use gets BUFFER_EMPTY).  Nothing
 * happens if 'id' does not name a buffered packet. */
void pktbuf_discard(struct pktbuf *, uint32_t id);

/* Frees every packet older than PKTBUF_TIMEOUT_MS. */
void pktbuf_expire(struct pktbuf *, long long now);

/* Packets held and their bytes. */
size_t pktbuf_count(const struct pktbuf *, size_t *bytes);

#endif /* pktbuf.h */
