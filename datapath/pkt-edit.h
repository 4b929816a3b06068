/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkt-edit: header rewrites (the DP_ACTION_SET_* actions) on a packet's
 * contiguous bytes.  Plain C on a buffer, so that both the PMD threads and
 * the unit tests use it.
 */
#ifndef PKT_EDIT_H
#define PKT_EDIT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp-actions.h"

/* Applies set action 'a' to the 'len' bytes at 'p' (the packet's headers
 * at least), updating checksums.  'l4_partial': the TCP/UDP checksum is
 * partial (it holds the pseudo-header's sum, for the output to finish),
 * so it follows the addresses the other way and ignores the ports.
 * Returns false if 'a' is not a set action. */
bool pkt_edit(uint8_t *p, uint32_t len, const struct dp_action *a,
              bool l4_partial);

/* Lowers the IPv4 total length or IPv6 payload length of the frame of
 * 'frame_len' bytes whose first 'len' bytes are at 'p' to what those bytes
 * hold: a view of a large frame's headers that parsers do not reject as
 * truncated.  The IP header is the one the flow key parses (flow-key.h):
 * after VLAN tags, LLC/SNAP, or beneath an MPLS label stack.  A length
 * that goes past the end of the whole frame is left as it is: the packet
 * is truncated, and the view must say so as the key does. */
void pkt_clamp_ip_len(uint8_t *p, uint32_t len, uint32_t frame_len);

/* A meter's dscp_remark band: raises the drop precedence of the IPv4 or
 * IPv6 packet's DSCP by 'prec_level' if it is an Assured Forwarding one
 * (AFxy, RFC 2597: y becomes at most 3), updating the IPv4 checksum.
 * Other DSCPs, and packets that are not IP, are left alone. */
void pkt_dscp_remark(uint8_t *p, uint32_t len, uint8_t prec_level,
                     bool l4_partial);

/* CRC-32C (Castagnoli) of 'n' bytes, as SCTP computes its checksum. */
uint32_t pkt_crc32c(const void *data, size_t n);

/* The length of the packet's Ethernet header with its VLAN tags (where an
 * MPLS label stack starts), or 0 if the frame is too short. */
uint32_t pkt_l2_len(const uint8_t *p, uint32_t len);

/* The same, with the Ethertype after the tags (host order) in '*type'. */
uint32_t pkt_l3_offset(const uint8_t *p, uint32_t len, uint16_t *type);

#endif /* pkt-edit.h */
