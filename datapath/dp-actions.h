/*
 * dp-actions: the datapath's closed set of actions.
 *
 * The pipeline (switchd/) translates OpenFlow actions into a struct
 * dp_actions; a PMD thread executes it, in order: an output sends the
 * packet as the actions before it have left it, so a list can output a
 * packet tagged to one port and untagged to another.  Ports are datapath
 * port numbers, never OpenFlow port numbers.  An empty list drops the
 * packet.
 *
 * Plain C: both sides of the upcall interface include this header.
 */
#ifndef DP_ACTIONS_H
#define DP_ACTIONS_H 1

#include <errno.h>
#include <stdint.h>

#define DP_MAX_PORTS 256          /* Datapath port numbers 0..255. */
/* A flood may pop or push a VLAN tag before each output. */
#define DP_MAX_ACTIONS (3 * DP_MAX_PORTS + 16)

enum dp_action_type {
    DP_ACTION_OUTPUT,             /* Send a copy to 'port'. */
    DP_ACTION_PUSH_VLAN,          /* Push an 802.1Q tag with 'tci'. */
    DP_ACTION_POP_VLAN,           /* Remove the outer VLAN tag, if any. */
};

/* Flags of a megaflow, set by the pipeline on the upcall. */
enum {
    DP_MF_LEARN = 1 << 0,         /* Decision used MAC learning: refresh it
                                   * while used, drop on MAC-table change. */
};

struct dp_action {
    uint16_t type;                /* enum dp_action_type. */
    uint16_t port;                /* DP_ACTION_OUTPUT: datapath port. */
    uint16_t tci;                 /* DP_ACTION_PUSH_VLAN: PCP, DEI, VID
                                   * (host byte order). */
    uint16_t pad;
};

struct dp_actions {
    uint16_t n;
    struct dp_action a[DP_MAX_ACTIONS];
};

static inline void
dp_actions_init(struct dp_actions *acts)
{
    acts->n = 0;
}

/* Appends an output to 'port'; returns 0, or ENOSPC when full. */
static inline int
dp_actions_output(struct dp_actions *acts, uint16_t port)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return ENOSPC;
    }
    acts->a[acts->n].type = DP_ACTION_OUTPUT;
    acts->a[acts->n].port = port;
    acts->n++;
    return 0;
}

static inline int
dp_actions_push_vlan(struct dp_actions *acts, uint16_t tci)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return ENOSPC;
    }
    acts->a[acts->n].type = DP_ACTION_PUSH_VLAN;
    acts->a[acts->n].tci = tci;
    acts->n++;
    return 0;
}

static inline int
dp_actions_pop_vlan(struct dp_actions *acts)
{
    if (acts->n >= DP_MAX_ACTIONS) {
        return ENOSPC;
    }
    acts->a[acts->n].type = DP_ACTION_POP_VLAN;
    acts->n++;
    return 0;
}

/* Whether 'acts' changes packets (else every output shares the mbuf). */
static inline int
dp_actions_modify(const struct dp_action *a, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        if (a[i].type != DP_ACTION_OUTPUT) {
            return 1;
        }
    }
    return 0;
}

#endif /* dp-actions.h */
