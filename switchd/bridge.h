/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge: bridges and their ports, from the configuration to the datapath
 * and the pipeline, and the control-socket commands that change them.
 *
 * The bridge module owns the running configuration.  Every change made
 * through a command is written back to the configuration file atomically
 * before the command returns, so that a restart restores it; a change that
 * cannot be saved is undone (ports) and the command fails.
 *
 * Thread-safety: main thread only.
 */
#ifndef BRIDGE_H
#define BRIDGE_H 1

struct ds;
struct xvs_config;

/* Checks what the YAML schema alone cannot: that every meter, group and
 * flow parses and can be made, in that order.
 * Returns 0 or EINVAL with a "file:line: path: message" in '*errp'. */
int bridge_check_config(const struct xvs_config *, char **errp);

/* Creates the bridges of 'cfg' (taking ownership of it), attaches their
 * ports to the datapath (a port that cannot be attached is logged and shown
 * with its error), installs their flows and opens their OpenFlow
 * connections: a management socket 'rundir'/BRIDGE.mgmt each (none if
 * 'rundir' is NULL), listeners and controllers.  Changes are saved to
 * 'save_file'. */
void bridge_init(struct xvs_config *cfg, const char *save_file,
                 const char *rundir);

/* Registers the control-socket commands. */
void bridge_register_commands(void);

void bridge_run(void);
void bridge_wait(void);

/* reload.c.  Re-reads the configuration file and applies what changed,
 * describing it in 'report'.  Returns 0, or a positive errno value with a
 * message in '*errp': then nothing changed. */
int bridge_reload(struct ds *report, char **errp);

/* Detaches every port and destroys the bridges. */
void bridge_exit(void);

#endif /* bridge.h */
