/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.c: the control socket server (see control.h).
 *
 * Each connection is a jsonrpc over an accepted stream.  A request is read
 * in bounded steps (jsonrpc_recv() reads at most about 25 KB per call), and
 * the bytes received since the last complete request are checked against
 * XVS_CTL_MAX_REQUEST after every step, so the JSON parser never holds
 * much more than the limit.  One request is served at a time per
 * connection, and none while the previous reply is still unsent: a client
 * that writes without reading stalls only itself.
 */
#include <config.h>

#include "control.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-control.h"

VLOG_DEFINE_THIS_MODULE(control);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

struct control_command {
    char *usage;
    int min_args, max_args;
    control_cb *cb;
    void *aux;
};

/* name -> struct control_command. */
static struct shash commands = SHASH_INITIALIZER(&commands);

struct control_conn {
    struct ovs_list node;       /* In control_server's 'conns'. */
    struct jsonrpc *rpc;
    struct json *request_id;    /* Request being served, or NULL. */
    unsigned int msg_start;     /* Received bytes when the request began. */
    bool closing;               /* Close once the last reply is sent. */
};

struct control_server {
    struct pstream *listener;
    struct ovs_list conns;      /* struct control_conn. */
    size_t n_conns;
};

/* Requests taken from one connection, and connections accepted, per run:
 * a busy client or a connection storm cannot starve the bridges. */
enum { CONTROL_BATCH = 10 };

void
control_register(const char *name, const char *usage, int min_args,
                 int max_args, control_cb *cb, void *aux)
{
    struct control_command *c = xmalloc(sizeof *c);

    ovs_assert(!shash_find(&commands, name));
    c->usage = xstrdup(usage);
    c->min_args = min_args;
    c->max_args = max_args;
    c->cb = cb;
    c->aux = aux;
    shash_add(&commands, name, c);
}

void
control_register_command(const struct xvs_command *xc, control_cb *cb,
                         void *aux)
{
    struct ds args = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&args, xc->args);
    if (xc->file_arg) {
        /* xvs-ctl sends the file's contents; so must ovs-appctl users. */
        char *file = strstr(ds_cstr(&args), "FILE");
        ovs_assert(file);
        memcpy(file, "TEXT", 4);
    }
    char *usage = xasprintf("%s%s%s", ds_cstr(&args),
                            *xc->args && xc->json ? " " : "",
                            xc->json ? "[--format=json]" : "");
    ds_destroy(&args);

    control_register(xc->name, usage, xc->min_args,
                     xc->max_args + xc->json, cb, aux);
    free(usage);
}

bool
control_is_registered(const char *name)
{
    return shash_find(&commands, name) != NULL;
}

void
control_unregister_all(void)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &commands) {
        struct control_command *c = node->data;
        free(c->usage);
    }
    shash_destroy_free_data(&commands);
}

static void
reply__(struct control_conn *conn, bool ok, const char *text)
{
    struct json *body;
    struct jsonrpc_msg *msg;

    ovs_assert(conn->request_id);
    text = text ? text : "";
    size_t len = strlen(text);
    body = (len && text[len - 1] != '\n'
            ? json_string_create_nocopy(xasprintf("%s\n", text))
            : json_string_create(text));
    msg = (ok ? jsonrpc_create_reply(body, conn->request_id)
           : jsonrpc_create_error(body, conn->request_id));
    /* A send error shows in the connection's status at the next run. */
    jsonrpc_send(conn->rpc, msg);
    json_destroy(conn->request_id);
    conn->request_id = NULL;
}

void
control_reply(struct control_conn *conn, const char *body)
{
    reply__(conn, true, body);
}

void
control_reply_error(struct control_conn *conn, const char *error)
{
    reply__(conn, false, error);
}

/* Checks 'request' against the command table and runs its command.  Every
 * path answers exactly once. */
static void
serve_request(struct control_conn *conn, const struct jsonrpc_msg *request)
{
    const struct json_array *params = json_array(request->params);
    const struct control_command *c = shash_find_data(&commands,
                                                      request->method);
    char *error = NULL;

    conn->request_id = json_clone(request->id);
    if (!c) {
        error = xasprintf("\"%s\" is not a valid command (use "
                          "\"list-commands\" to see the commands)",
                          request->method);
    } else if (params->n < (size_t) c->min_args
               || params->n > (size_t) c->max_args) {
        error = xasprintf("\"%s\" takes %d to %d arguments, got %"PRIuSIZE,
                          request->method, c->min_args, c->max_args,
                          params->n);
    } else {
        const char **argv = xmalloc((params->n + 2) * sizeof *argv);
        argv[0] = request->method;
        for (size_t i = 0; i < params->n && !error; i++) {
            if (params->elems[i]->type != JSON_STRING) {
                error = xasprintf("\"%s\": argument %"PRIuSIZE" is not a "
                                  "string", request->method, i + 1);
            } else {
                argv[i + 1] = json_string(params->elems[i]);
            }
        }
        argv[params->n + 1] = NULL;
        if (!error) {
            c->cb(conn, params->n + 1, argv, c->aux);
            if (conn->request_id) {
                VLOG_ERR("command \"%s\" did not reply", request->method);
                error = xstrdup("internal error: the command did not reply");
            }
        }
        free(argv);
    }
    if (error) {
        control_reply_error(conn, error);
        free(error);
    }
}

/* Answers a request that broke a limit or the protocol, then hangs up. */
static void
refuse(struct control_conn *conn, const char *why)
{
    VLOG_WARN_RL(&rl, "%s: %s; closing the connection",
                 jsonrpc_get_name(conn->rpc), why);
    json_destroy(conn->request_id);
    conn->request_id = json_null_create();
    control_reply_error(conn, why);
    conn->closing = true;
}

/* Returns false when 'conn' should be closed now. */
static bool
run_conn(struct control_conn *conn)
{
    jsonrpc_run(conn->rpc);
    if (jsonrpc_get_status(conn->rpc)) {
        return false;
    }
    if (jsonrpc_get_backlog(conn->rpc)) {
        return true;            /* The client has not read its reply yet. */
    }
    if (conn->closing) {
        return false;
    }

    for (int i = 0; i < CONTROL_BATCH; i++) {
        struct jsonrpc_msg *msg;
        int error = jsonrpc_recv(conn->rpc, &msg);
        unsigned int size = (jsonrpc_get_received_bytes(conn->rpc)
                             - conn->msg_start);

        if (size > XVS_CTL_MAX_REQUEST) {
            char *why = xasprintf("request larger than the control socket's "
                                  "limit of %u bytes", XVS_CTL_MAX_REQUEST);
            refuse(conn, why);
            free(why);
            jsonrpc_msg_destroy(msg);
            return true;
        }
        if (error == EAGAIN) {
            return true;
        } else if (error) {
            return false;       /* EOF, or not JSON-RPC. */
        }
        conn->msg_start = jsonrpc_get_received_bytes(conn->rpc);
        if (msg->type != JSONRPC_REQUEST) {
            refuse(conn, "expected a JSON-RPC request");
        } else {
            serve_request(conn, msg);
        }
        jsonrpc_msg_destroy(msg);
        if (conn->closing || jsonrpc_get_backlog(conn->rpc)) {
            return true;
        }
    }
    return true;
}

static void
close_conn(struct control_server *server, struct control_conn *conn)
{
    ovs_list_remove(&conn->node);
    server->n_conns--;
    jsonrpc_close(conn->rpc);
    json_destroy(conn->request_id);
    free(conn);
}

static void
accept_conns(struct control_server *server)
{
    for (int i = 0; i < CONTROL_BATCH; i++) {
        struct stream *stream;
        int error = pstream_accept(server->listener, &stream);

        if (error == EAGAIN) {
            return;
        } else if (error) {
            VLOG_WARN_RL(&rl, "control socket: accept failed: %s",
                         ovs_strerror(error));
            return;
        }
        if (server->n_conns >= XVS_CTL_MAX_CONNS) {
            VLOG_WARN_RL(&rl, "control socket: %d connections open already; "
                         "closing a new one", XVS_CTL_MAX_CONNS);
            stream_close(stream);
            continue;
        }
        struct control_conn *conn = xzalloc(sizeof *conn);
        conn->rpc = jsonrpc_open(stream);
        ovs_list_push_back(&server->conns, &conn->node);
        server->n_conns++;
    }
}

void
control_server_run(struct control_server *server)
{
    struct control_conn *conn;

    accept_conns(server);
    LIST_FOR_EACH_SAFE (conn, node, &server->conns) {
        if (!run_conn(conn)) {
            close_conn(server, conn);
        }
    }
}

void
control_server_wait(struct control_server *server)
{
    struct control_conn *conn;

    pstream_wait(server->listener);
    LIST_FOR_EACH (conn, node, &server->conns) {
        jsonrpc_wait(conn->rpc);
        if (conn->closing && !jsonrpc_get_backlog(conn->rpc)) {
            poll_immediate_wake();
        } else if (!jsonrpc_get_backlog(conn->rpc)) {
            jsonrpc_recv_wait(conn->rpc);
        }
    }
}

/* Built-in commands. */

static void
cmd_list_commands(struct control_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    const struct shash_node **nodes = shash_sort(&commands);
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, "The available commands are:\n");
    for (size_t i = 0; i < shash_count(&commands); i++) {
        const struct control_command *c = nodes[i]->data;
        ds_put_format(&s, "  %-23s %s\n", nodes[i]->name, c->usage);
    }
    free(nodes);
    control_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_vlog_list(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    char *levels = vlog_get_levels();
    control_reply(conn, levels);
    free(levels);
}

/* As Open vSwitch's vlog/set: no argument means everything to "dbg". */
static void
cmd_vlog_set(struct control_conn *conn, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    if (argc == 1) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_DBG);
    }
    for (int i = 1; i < argc; i++) {
        char *error = vlog_set_levels_from_string(argv[i]);
        if (error) {
            control_reply_error(conn, error);
            free(error);
            return;
        }
    }
    control_reply(conn, NULL);
}

static void
cmd_vlog_reopen(struct control_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    int error = vlog_reopen_log_file();
    if (error) {
        control_reply_error(conn, ovs_strerror(error));
    } else {
        control_reply(conn, NULL);
    }
}

static void
cmd_vlog_close(struct control_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    vlog_close_log_file();
    control_reply(conn, NULL);
}

int
control_server_create(const char *path, struct control_server **serverp)
{
    struct pstream *listener;
    char *name = xasprintf("punix:%s", path);
    int error = pstream_open(name, &listener, 0);

    free(name);
    *serverp = NULL;
    if (error) {
        return error;
    }

    if (!shash_find(&commands, "list-commands")) {
        control_register("list-commands", "", 0, 0, cmd_list_commands, NULL);
        control_register("help", "", 0, 0, cmd_list_commands, NULL);
        control_register("vlog/list", "", 0, 0, cmd_vlog_list, NULL);
        control_register("vlog/set", "{spec | PATTERN:destination:pattern}",
                         0, INT_MAX, cmd_vlog_set, NULL);
        control_register("vlog/reopen", "", 0, 0, cmd_vlog_reopen, NULL);
        control_register("vlog/close", "", 0, 0, cmd_vlog_close, NULL);
    }

    struct control_server *server = xzalloc(sizeof *server);
    server->listener = listener;
    ovs_list_init(&server->conns);
    *serverp = server;
    return 0;
}

void
control_server_destroy(struct control_server *server)
{
    if (server) {
        struct control_conn *conn;
        LIST_FOR_EACH_SAFE (conn, node, &server->conns) {
            close_conn(server, conn);
        }
        pstream_close(server->listener);
        free(server);
    }
}
