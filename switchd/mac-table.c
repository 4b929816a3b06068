/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mac-table: MAC learning.  See mac-table.h.
 *
 * A hash map for lookups and a list in refresh order (oldest first) for
 * aging and eviction, both under one mutex.
 */
#include <config.h>

#include "mac-table.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"
#include "util.h"

struct mac_entry {
    struct hmap_node node;      /* In mac_table.map. */
    struct ovs_list lru;        /* In mac_table.lru, oldest first. */
    uint8_t mac[6];
    uint16_t vlan;
    uint16_t ofport;
    long long used;
};

struct mac_table {
    struct ovs_mutex mutex;
    struct hmap map OVS_GUARDED;
    struct ovs_list lru OVS_GUARDED;
    long long aging_ms;
    size_t max;
};

struct mac_table *
mac_table_create(long long aging_ms, size_t max_entries)
{
    struct mac_table *t = xzalloc(sizeof *t);

    ovs_mutex_init(&t->mutex);
    hmap_init(&t->map);
    ovs_list_init(&t->lru);
    t->aging_ms = aging_ms;
    t->max = max_entries ? max_entries : 1;
    return t;
}

static void
mac_entry_remove(struct mac_table *t, struct mac_entry *e)
    OVS_REQUIRES(t->mutex)
{
    hmap_remove(&t->map, &e->node);
    ovs_list_remove(&e->lru);
    free(e);
}

size_t
mac_table_set_max(struct mac_table *t, size_t max_entries)
{
    size_t n = 0;

    ovs_mutex_lock(&t->mutex);
    t->max = max_entries ? max_entries : 1;
    while (hmap_count(&t->map) > t->max) {
        mac_entry_remove(t, CONTAINER_OF(ovs_list_front(&t->lru),
                                         struct mac_entry, lru));
        n++;
    }
    ovs_mutex_unlock(&t->mutex);
    return n;
}

void
mac_table_destroy(struct mac_table *t)
{
    if (t) {
        mac_table_flush(t);
        hmap_destroy(&t->map);
        ovs_mutex_destroy(&t->mutex);
        free(t);
    }
}

static uint32_t
mac_hash(const uint8_t mac[6], uint16_t vlan)
{
    return hash_bytes(mac, 6, vlan);
}

static struct mac_entry *
mac_find(const struct mac_table *t, const uint8_t mac[6], uint16_t vlan,
         uint32_t hash)
    OVS_REQUIRES(t->mutex)
{
    struct mac_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash, &t->map) {
        if (e->vlan == vlan && !memcmp(e->mac, mac, 6)) {
            return e;
        }
    }
    return NULL;
}

bool
mac_table_learn(struct mac_table *t, const uint8_t mac[6], uint16_t vlan,
                uint16_t ofport, long long now)
{
    uint32_t hash = mac_hash(mac, vlan);
    struct mac_entry *e;
    bool changed;

    ovs_mutex_lock(&t->mutex);
    e = mac_find(t, mac, vlan, hash);
    if (e) {
        ovs_list_remove(&e->lru);
        /* An entry that had aged out counts as new. */
        changed = e->ofport != ofport || now - e->used >= t->aging_ms;
    } else {
        changed = true;
        if (hmap_count(&t->map) >= t->max) {
            mac_entry_remove(t, CONTAINER_OF(ovs_list_front(&t->lru),
                                             struct mac_entry, lru));
        }
        e = xmalloc(sizeof *e);
        memcpy(e->mac, mac, 6);
        e->vlan = vlan;
        hmap_insert(&t->map, &e->node, hash);
    }
    e->ofport = ofport;
    e->used = now;
    ovs_list_push_back(&t->lru, &e->lru);
    ovs_mutex_unlock(&t->mutex);
    return changed;
}

uint16_t
mac_table_lookup(struct mac_table *t, const uint8_t mac[6], uint16_t vlan,
                 long long now)
{
    struct mac_entry *e;
    uint16_t ofport = 0;

    ovs_mutex_lock(&t->mutex);
    e = mac_find(t, mac, vlan, mac_hash(mac, vlan));
    if (e && now - e->used < t->aging_ms) {
        ofport = e->ofport;
    }
    ovs_mutex_unlock(&t->mutex);
    return ofport;
}

size_t
mac_table_run(struct mac_table *t, long long now)
{
    struct mac_entry *e;
    size_t n = 0;

    ovs_mutex_lock(&t->mutex);
    LIST_FOR_EACH_SAFE (e, lru, &t->lru) {
        if (now - e->used < t->aging_ms) {
            break;              /* The rest are younger. */
        }
        mac_entry_remove(t, e);
        n++;
    }
    ovs_mutex_unlock(&t->mutex);
    return n;
}

void
mac_table_flush_port(struct mac_table *t, uint16_t ofport)
{
    struct mac_entry *e;

    ovs_mutex_lock(&t->mutex);
    LIST_FOR_EACH_SAFE (e, lru, &t->lru) {
        if (e->ofport == ofport) {
            mac_entry_remove(t, e);
        }
    }
    ovs_mutex_unlock(&t->mutex);
}

void
mac_table_flush(struct mac_table *t)
{
    struct mac_entry *e;

    ovs_mutex_lock(&t->mutex);
    LIST_FOR_EACH_SAFE (e, lru, &t->lru) {
        mac_entry_remove(t, e);
    }
    ovs_mutex_unlock(&t->mutex);
}

size_t
mac_table_count(struct mac_table *t)
{
    size_t n;

    ovs_mutex_lock(&t->mutex);
    n = hmap_count(&t->map);
    ovs_mutex_unlock(&t->mutex);
    return n;
}

size_t
mac_table_dump(struct mac_table *t, struct mac_table_entry_info *out,
               size_t max, long long now)
{
    struct mac_entry *e;
    size_t n = 0;

    ovs_mutex_lock(&t->mutex);
    LIST_FOR_EACH_REVERSE (e, lru, &t->lru) {
        if (n >= max) {
            break;
        }
        if (now - e->used >= t->aging_ms) {
            continue;
        }
        memcpy(out[n].mac, e->mac, 6);
        out[n].vlan = e->vlan;
        out[n].ofport = e->ofport;
        out[n].age_ms = now - e->used;
        n++;
    }
    ovs_mutex_unlock(&t->mutex);
    return n;
}
