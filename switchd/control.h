/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h: xvs-switchd's control socket server.
 *
 * Speaks Open vSwitch's unixctl protocol (JSON-RPC over a Unix socket, see
 * lib/xvs-control.h), so xvs-ctl and ovs-appctl are its clients, but unlike
 * OVS's own server it bounds what one client can cost: a request larger
 * than XVS_CTL_MAX_REQUEST is answered with an error and the connection
 * closed, at most XVS_CTL_MAX_CONNS connections are served at once, and a
 * client that does not read its replies is not read from either.
 *
 * A command handler runs in the main thread and must answer with exactly
 * one control_reply() or control_reply_error() before it returns.
 *
 * Besides the commands registered here, the server answers "list-commands",
 * "help", "version" and the logging commands "vlog/list", "vlog/set",
 * "vlog/reopen" and "vlog/close" of the Open vSwitch library.
 *
 * Main thread only.
 */
#ifndef XVS_CONTROL_SERVER_H
#define XVS_CONTROL_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>

struct control_conn;
struct control_server;
struct xvs_command;

typedef void control_cb(struct control_conn *, int argc, const char *argv[],
                        void *aux);

/* Registers command 'name' taking 'min_args'..'max_args' arguments ('usage'
 * is shown by list-commands).  argv[0] is the command's name. */
void control_register(const char *name, const char *usage, int min_args,
                      int max_args, control_cb *, void *aux);

/* Registers 'xc' from the command table (lib/xvs-commands.h): its usage
 * and argument counts, one more argument if it takes --format=json. */
void control_register_command(const struct xvs_command *xc, control_cb *,
                              void *aux);

/* Whether a command called 'name' is registered. */
bool control_is_registered(const char *name);

/* Answers the current request: success with text 'body' (NULL for none), or
 * failure with 'error'.  A newline is added when the text lacks one. */
void control_reply(struct control_conn *, const char *body);
void control_reply_error(struct control_conn *, const char *error);

/* Listens on the Unix socket 'path' (absolute).  Returns 0 or an errno. */
int control_server_create(const char *path, struct control_server **);
void control_server_run(struct control_server *);
void control_server_wait(struct control_server *);
/* Closes every connection and removes the socket. */
void control_server_destroy(struct control_server *);

/* Releases the command table (at exit, so leak checkers see nothing). */
void control_unregister_all(void);

#endif /* control.h */
