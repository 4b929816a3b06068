/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-control: libFuzzer target for switchd/control.c, the control
 * socket server, as a client sees it.
 *
 * The server listens on a socket in a private directory, with the built-in
 * commands (list-commands, help, vlog/...) and three of the harness's:
 * "echo" (any number of arguments, answered with them), "fail" (answered
 * with an error) and "pair" (exactly two arguments).  Each input is what
 * one client writes before it stops writing; the harness runs the server
 * until it has answered and hung up, reading every reply.  Checks:
 *
 *   - every reply is one JSON-RPC response: an object with an "id" and
 *     exactly one of a string "result" or a string "error";
 *   - no more replies than requests the input could hold (one per "{");
 *   - the server hangs up once the client has stopped writing and has its
 *     replies, and keeps no connection (nothing leaks: LeakSanitizer).
 *
 * Not covered: requests larger than the limit (64 MiB; the input is at
 * most what -max_len allows), many connections at once, a client that
 * does not read (tests/integration/test-ctl-limits.sh has those).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "switchd/control.h"

static char dir[64];
static char path[128];
static struct control_server *server;

static void __attribute__((noreturn))
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz-control: %s: %s\n", what, detail ? detail : "");
    abort();
}

static void
cmd_echo(struct control_conn *conn, int argc, const char *argv[],
         void *aux)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    (void) aux;
    for (int i = 1; i < argc; i++) {
        ds_put_format(&s, "%s\n", argv[i]);
    }
    control_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_fail(struct control_conn *conn, int argc, const char *argv[], void *aux)
{
    (void) argc;
    (void) argv;
    (void) aux;
    control_reply_error(conn, "failed as asked");
}

static void
cleanup(void)
{
    control_server_destroy(server);
    control_unregister_all();
    unlink(path);
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    /* A vlog/set in the input must not make every run print. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    snprintf(dir, sizeof dir, "/tmp/fuzz-control.XXXXXX");
    if (!mkdtemp(dir)) {
        fail("mkdtemp", strerror(errno));
    }
    snprintf(path, sizeof path, "%s/ctl", dir);
    int error = control_server_create(path, &server);
    if (error) {
        fail("control_server_create", strerror(error));
    }
    control_register("echo", "[ARG...]", 0, INT_MAX, cmd_echo, NULL);
    control_register("fail", "", 0, 0, cmd_fail, NULL);
    control_register("pair", "A B", 2, 2, cmd_echo, NULL);
    atexit(cleanup);
    return 0;
}

/* Checks one reply. */
static void
check_reply(const struct json *j)
{
    if (j->type != JSON_OBJECT) {
        fail("reply is not an object", json_to_string(j, 0));
    }
    const struct json *id = shash_find_data(json_object(j), "id");
    const struct json *result = shash_find_data(json_object(j), "result");
    const struct json *error = shash_find_data(json_object(j), "error");
    if (!id) {
        fail("reply without id", json_to_string(j, 0));
    }
    bool has_result = result && result->type != JSON_NULL;
    bool has_error = error && error->type != JSON_NULL;
    if (has_result == has_error) {
        fail("reply needs exactly one of result and error",
             json_to_string(j, 0));
    }
    const struct json *text = has_result ? result : error;
    if (text->type != JSON_STRING) {
        fail("reply text is not a string", json_to_string(j, 0));
    }
}

/* Splits 'buf' into JSON values and checks each; returns how many. */
static size_t
check_replies(const char *buf, size_t len)
{
    struct json_parser *p = NULL;
    size_t n = 0;

    while (len) {
        if (!p) {
            p = json_parser_create(0);
        }
        size_t used = json_parser_feed(p, buf, len);
        buf += used;
        len -= used;
        if (json_parser_is_done(p)) {
            struct json *j = json_parser_finish(p);
            p = NULL;
            if (j->type == JSON_STRING) {
                fail("reply does not parse", json_string(j));
            }
            check_reply(j);
            json_destroy(j);
            n++;
        } else if (!used) {
            break;
        }
    }
    if (p) {
        /* Only whitespace may be left. */
        struct json *j = json_parser_finish(p);
        if (j && j->type != JSON_STRING) {
            fail("trailing reply bytes", json_to_string(j, 0));
        }
        json_destroy(j);
    }
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct ds replies = DS_EMPTY_INITIALIZER;
    size_t sent = 0, max_replies = 0;
    bool eof = false;

    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        fail("connect", strerror(errno));
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    for (size_t i = 0; i < size; i++) {
        max_replies += data[i] == '{';
    }

    /* Write, run the server, read, until the server hangs up. */
    for (int round = 0; !eof; round++) {
        if (round > 100000) {
            fail("the server did not hang up", NULL);
        }
        if (sent < size) {
            ssize_t n = write(fd, data + sent, size - sent);
            if (n > 0) {
                sent += n;
            } else if (n < 0 && errno != EAGAIN) {
                sent = size;    /* It hung up first: fine. */
            }
            if (sent == size) {
                shutdown(fd, SHUT_WR);
            }
        } else if (!size && round == 0) {
            shutdown(fd, SHUT_WR);
        }
        control_server_run(server);
        char buf[4096];
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0) {
                ds_put_buffer(&replies, buf, n);
            } else {
                eof = n == 0 || (n < 0 && errno != EAGAIN);
                break;
            }
        }
    }
    /* The server closes its end after our EOF: run it once more so that
     * it forgets the connection before the next input. */
    control_server_run(server);
    close(fd);

    size_t n = check_replies(replies.string ? replies.string : "",
                             replies.length);
    if (n > max_replies) {
        fail("more replies than requests", ds_cstr(&replies));
    }
    ds_destroy(&replies);
    return 0;
}
