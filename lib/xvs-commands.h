/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-commands.h: the control commands of xvs-switchd, listed once.
 *
 * xvs-ctl checks a command line against this table (so that a typo gets a
 * precise message without a round trip) and prints its --help from it;
 * xvs-switchd registers a handler for every entry, with the same argument
 * counts, and refuses to start if an entry has none.  A command that takes
 * --format=json receives it as one more argument.
 *
 * The built-in commands of the control server (list-commands, help,
 * vlog/...) are not listed: xvs-ctl does not offer them; ovs-appctl does.
 *
 * Thread-safety: constant data.
 */
#ifndef XVS_COMMANDS_H
#define XVS_COMMANDS_H 1

#include <stdbool.h>
#include <stddef.h>

struct xvs_command {
    const char *name;
    const char *args;           /* As a person types them: "BRIDGE FLOW". */
    int min_args, max_args;     /* Not counting --format=json. */
    bool json;                  /* Takes --format=json. */
    const char *help;           /* One line for xvs-ctl --help. */
    int file_arg;               /* Argument (1-based) naming a file that
                                 * xvs-ctl reads and sends as text; 0 for
                                 * none. */
};

extern const struct xvs_command xvs_commands[];
extern const size_t xvs_n_commands;

/* The command called 'name', or NULL. */
const struct xvs_command *xvs_command_find(const char *name);

#endif /* xvs-commands.h */
