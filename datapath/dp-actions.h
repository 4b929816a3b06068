/*
 * dp-actions: the datapath's closed set of actions.
 *
 * The pipeline (switchd/) translates OpenFlow actions into a struct
 * dp_actions; a PMD thread executes it.  Ports are datapath port numbers,
 * never OpenFlow port numbers.  An empty list drops the packet.
 *
 * Plain C: both sides of the upcall interface include this header.
 */
#ifndef DP_ACTIONS_H
#define DP_ACTIONS_H 1

#include <errno.h>
#include <stdint.h>

#define DP_MAX_PORTS 256          /* Datapath port numbers 0..255. */
#define DP_MAX_ACTIONS (DP_MAX_PORTS + 16)

enum dp_action_type {
    DP_ACTION_OUTPUT,             /* Send a copy to 'port'. */
};

/* Flags of a megaflow, set by the pipeline on the upcall. */
enum {
    DP_MF_LEARN = 1 << 0,         /* Decision used MAC learning: refresh it
                                   * while used, drop on MAC-table change. */
};

struct dp_action {
    uint16_t type;                /* enum dp_action_type. */
    uint16_t port;                /* DP_ACTION_OUTPUT: datapath port. */
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

#endif /* dp-actions.h */
