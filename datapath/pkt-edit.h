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

#endif /* pkt-edit.h */
