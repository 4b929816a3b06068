/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mac-table: MAC learning for a bridge's NORMAL action.
 *
 * Maps (Ethernet address, VLAN) to the OpenFlow port it was last seen on.
 * Entries age out 'aging_ms' after they were last refreshed; when the table
 * is full, learning a new address evicts the least recently refreshed one.
 * A lookup never returns an entry older than the aging time, even if
 * mac_table_run() has not removed it yet.
 *
 * Time is passed in by the caller (milliseconds, monotonic), so that tests
 * can age entries without sleeping.
 *
 * Thread-safety: any thread.  An internal mutex serializes access; PMD
 * threads take it only for the few instructions of a learn or a lookup.
 * (Once the megaflow cache exists, PMD threads will reach the table only on
 * upcalls.)
 */
#ifndef MAC_TABLE_H
#define MAC_TABLE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAC_TABLE_DEFAULT_AGING_MS (300 * 1000)
#define MAC_TABLE_DEFAULT_MAX 8192

struct mac_table;

struct mac_table *mac_table_create(long long aging_ms, size_t max_entries);
void mac_table_destroy(struct mac_table *);

/* Sets how many entries the table holds at most (at least 1); the least
 * recently refreshed ones go first if it holds more.  Returns how many
 * went. */
size_t mac_table_set_max(struct mac_table *, size_t max_entries);

/* Records that 'mac' on 'vlan' was seen on 'ofport' at 'now'.  Returns
 * true if that changed where the address goes (new, or moved), false for a
 * mere refresh. */
bool mac_table_learn(struct mac_table *, const uint8_t mac[6], uint16_t vlan,
                     uint16_t ofport, long long now);

/* Returns the port 'mac' on 'vlan' was learned on, or 0 if unknown. */
uint16_t mac_table_lookup(struct mac_table *, const uint8_t mac[6],
                          uint16_t vlan, long long now);

/* Removes entries older than the aging time; returns how many. */
size_t mac_table_run(struct mac_table *, long long now);

/* Forgets every address learned on 'ofport' (the port went away). */
void mac_table_flush_port(struct mac_table *, uint16_t ofport);
void mac_table_flush(struct mac_table *);

size_t mac_table_count(struct mac_table *);

struct mac_table_entry_info {
    uint8_t mac[6];
    uint16_t vlan;
    uint16_t ofport;
    long long age_ms;
};

/* Copies up to 'max' entries, most recent first, into 'out'; returns the
 * number copied. */
size_t mac_table_dump(struct mac_table *, struct mac_table_entry_info *out,
                      size_t max, long long now);

#endif /* mac-table.h */
