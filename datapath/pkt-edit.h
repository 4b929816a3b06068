/*
 * pkt-edit: header rewrites (the DP_ACTION_SET_* actions) on a packet's
 * contiguous bytes.  Plain C on a buffer, so that both the PMD threads and
 * the unit tests use it.
 */
#ifndef PKT_EDIT_H
#define PKT_EDIT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "dp-actions.h"

/* Applies set action 'a' to the 'len' bytes at 'p', updating checksums.
 * Returns false if 'a' is not a set action. */
bool pkt_edit(uint8_t *p, uint32_t len, const struct dp_action *a);

/* The length of the packet's Ethernet header with its VLAN tags (where an
 * MPLS label stack starts), or 0 if the frame is too short. */
uint32_t pkt_l2_len(const uint8_t *p, uint32_t len);

#endif /* pkt-edit.h */
