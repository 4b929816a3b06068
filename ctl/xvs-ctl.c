/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-ctl: the control utility for xvs-switchd.
 *
 * Checks a command line against the command table (lib/xvs-commands.c, the
 * one the daemon registers too: a typo gets a precise message without a
 * round trip), sends it to the daemon
 * over the control socket (Open vSwitch's unixctl JSON-RPC) and prints the
 * reply: text by default, JSON with --format=json where a command has it.
 *
 * Exit status: 0 on success, 1 if the daemon refused the command, 2 for a
 * usage error or when the daemon cannot be reached.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command-line.h"
#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-control.h"


/* The contents of 'name' ("-": standard input), or exit with a message. */
static char *
read_file_or_die(const char *name)
{
    FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!f) {
        fprintf(stderr, "xvs-ctl: %s: %s\n", name, ovs_strerror(errno));
        exit(EXIT_FAILURE);
    }
    int c;
    while ((c = getc(f)) != EOF) {
        ds_put_char(&s, c);
    }
    if (ferror(f)) {
        fprintf(stderr, "xvs-ctl: %s: %s\n", name, ovs_strerror(errno));
        exit(EXIT_FAILURE);
    }
    if (f != stdin) {
        fclose(f);
    }
    return ds_steal_cstr(&s);
}

static void
usage(void)
{
    printf("xvs-ctl: control utility for xvs-switchd\n"
           "usage: xvs-ctl [OPTIONS] COMMAND [ARG...]\n\nCommands:\n");
    for (size_t i = 0; i < xvs_n_commands; i++) {
        const struct xvs_command *c = &xvs_commands[i];
        printf("  %s %s\n      %s%s\n", c->name, c->args, c->help,
               c->json ? " (--format=json)" : "");
    }
    printf("\nOptions:\n"
           "  -t, --ctl=PATH       control socket (default $XVS_CTL, else\n"
           "                       %s)\n"
           "  -f, --format=FORMAT  text (default) or json\n"
           "  -h, --help           show this help and exit\n"
           "  -V, --version        show the version and exit\n"
           "\nFlows use ovs-ofctl(8) syntax, e.g.\n"
           "  xvs-ctl add-flow xenbr0 \"priority=100,in_port=1,"
           "actions=output:2\"\n", XVS_CTL_DEFAULT_PATH);
    exit(EXIT_SUCCESS);
}

static void
die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
die_usage(const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "xvs-ctl: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, " (try xvs-ctl --help)\n");
    exit(2);
}

/* Sends 'argv[0]' with arguments to the daemon.  Returns the exit status:
 * 0 with the reply in '*resultp' (the caller frees it), else after
 * printing the error. */
static int
transact__(const char *path, int argc, char *argv[], char **resultp)
{
    struct jsonrpc *client;
    char *result, *error;
    int retval;

    /* unixctl reads a relative path as relative to OVS's run directory. */
    char *abs = abs_file_name(NULL, path);
    retval = unixctl_client_create(abs, &client);
    free(abs);
    if (retval) {
        fprintf(stderr, "xvs-ctl: cannot connect to %s: %s (is xvs-switchd "
                "running?)\n", path, ovs_strerror(retval));
        return 2;
    }
    retval = unixctl_client_transact(client, argv[0], argc - 1, argv + 1,
                                     &result, &error);
    jsonrpc_close(client);
    if (retval) {
        fprintf(stderr, "xvs-ctl: %s: transaction failed: %s\n", path,
                ovs_strerror(retval));
        return 2;
    }
    if (error) {
        size_t len = strlen(error);
        fprintf(stderr, "xvs-ctl: %s%s", error,
                len && error[len - 1] == '\n' ? "" : "\n");
        free(error);
        free(result);
        return 1;
    }
    *resultp = result;
    return 0;
}

/* Sends 'argv[0]' with arguments to the daemon; prints the reply.  Returns
 * the exit status. */
static int
transact(const char *path, int argc, char *argv[])
{
    char *result = NULL;
    int status = transact__(path, argc, argv, &result);

    if (!status && result) {
        fputs(result, stdout);
    }
    free(result);
    return status;
}

/* ---- capture ---- */

static volatile sig_atomic_t capture_interrupted;

static void
capture_signal(int sig OVS_UNUSED)
{
    capture_interrupted = 1;
}

/* Sends "capture/status ID" or "capture/stop ID"; 0 with the reply in
 * '*resultp', else an exit status. */
static int
capture_ask(const char *path, const char *cmd, const char *id,
            char **resultp)
{
    char *argv[] = { CONST_CAST(char *, cmd), CONST_CAST(char *, id) };
    return transact__(path, 2, argv, resultp);
}

/* xvs-ctl capture PORT [OPTIONS] -w FILE|-: the daemon writes pcapng into
 * a FIFO made here, next to the control socket (so that a daemon with a
 * private /tmp sees it); this process copies it to FILE, which it opens
 * with its own rights.  Ctrl-C stops the capture (what was taken is
 * kept); a status request every second tells the daemon that somebody
 * still reads. */
static int
run_capture(const char *path, int argc, char *argv[])
{
    const char *file = NULL;
    char **args = xcalloc(argc + 3, sizeof *args);
    int n = 0;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-w") && i + 1 < argc) {
            file = argv[++i];
        } else {
            args[n++] = argv[i];
        }
    }
    if (!file) {
        die_usage("capture: expected -w FILE (or -w - for standard "
                  "output)");
    }

    char *abs = abs_file_name(NULL, path);
    char *dir = dir_name(abs);
    char *fifo = xasprintf("%s/xvs-ctl-capture.%ld", dir, (long) getpid());
    free(abs);
    free(dir);
    unlink(fifo);
    if (mkfifo(fifo, 0600)) {
        fprintf(stderr, "xvs-ctl: cannot make %s: %s (capture needs write "
                "access to the control socket's directory)\n", fifo,
                ovs_strerror(errno));
        free(fifo);
        free(args);
        return 2;
    }
    int in = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int out = strcmp(file, "-")
              ? open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
              : STDOUT_FILENO;
    if (in < 0 || out < 0) {
        fprintf(stderr, "xvs-ctl: %s: %s\n", in < 0 ? fifo : file,
                ovs_strerror(errno));
        unlink(fifo);
        free(fifo);
        free(args);
        return 1;
    }

    args[n++] = "--fifo";
    args[n++] = fifo;
    char *result = NULL;
    int status = transact__(path, n, args, &result);
    free(args);
    char id[16] = "";
    if (!status && (!result || sscanf(result, "capture %15s", id) != 1)) {
        fprintf(stderr, "xvs-ctl: unexpected reply to capture: %s\n",
                result ? result : "(none)");
        status = 1;
    }
    free(result);
    if (status) {
        unlink(fifo);
        free(fifo);
        return status;
    }

    struct sigaction sa = { .sa_handler = capture_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    bool stopping = false;
    long long last_ask = time_msec();
    for (;;) {
        if (capture_interrupted && !stopping) {
            stopping = true;
            if (!capture_ask(path, "capture/stop", id, &result)) {
                free(result);
            }
        }
        struct pollfd pfd = { .fd = in, .events = POLLIN };
        int r = poll(&pfd, 1, 1000);
        if (r > 0) {
            char buf[65536];
            ssize_t got = read(in, buf, sizeof buf);
            if (got == 0) {
                break;                  /* The daemon closed it: done. */
            } else if (got > 0) {
                for (ssize_t ofs = 0; ofs < got; ) {
                    ssize_t w = write(out, buf + ofs, got - ofs);
                    if (w < 0 && errno == EINTR) {
                        continue;
                    } else if (w < 0) {
                        /* The reader of our output went (tcpdump quit). */
                        fprintf(stderr, "xvs-ctl: %s: %s\n", file,
                                ovs_strerror(errno));
                        capture_interrupted = 1;
                        got = 0;
                        break;
                    }
                    ofs += w;
                }
            } else if (errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "xvs-ctl: %s: %s\n", fifo,
                        ovs_strerror(errno));
                break;
            }
        }
        if (time_msec() - last_ask >= 1000) {
            last_ask = time_msec();
            if (capture_ask(path, "capture/status", id, &result)) {
                status = 1;
                break;
            }
            free(result);
        }
    }

    if (!status && !capture_ask(path, "capture/status", id, &result)) {
        fprintf(stderr, "xvs-ctl: capture %s: %s\n", id, result);
        free(result);
    }
    close(in);
    if (out != STDOUT_FILENO && close(out)) {
        fprintf(stderr, "xvs-ctl: %s: %s\n", file, ovs_strerror(errno));
        status = 1;
    }
    unlink(fifo);
    free(fifo);
    return status;
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"ctl", required_argument, NULL, 't'},
        {"target", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *path = getenv("XVS_CTL");
    bool json = false;

    set_program_name(argv[0]);
    /* We report failures ourselves, in our words. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    if (!path || !*path) {
        path = XVS_CTL_DEFAULT_PATH;
    }

    for (;;) {
        /* '+': stop at the command, whose arguments may look like options. */
        int c = getopt_long(argc, argv, "+t:f:hV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 't':
            path = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "json")) {
                json = true;
            } else if (!strcmp(optarg, "text")) {
                json = false;
            } else {
                die_usage("--format: expected text or json, got \"%s\"",
                          optarg);
            }
            break;
        case 'h':
            usage();
            break;
        case 'V':
            printf("xvs-ctl %s\n", XVS_VERSION);
            return 0;
        default:
            die_usage("bad option");
        }
    }

    if (optind >= argc) {
        die_usage("missing command");
    }

    /* Take --format=... also after the command, as users type it. */
    char **args = xcalloc(argc + 2, sizeof *args);
    int n = 0;
    for (int i = optind; i < argc; i++) {
        if (!strncmp(argv[i], "--format=", 9) && i > optind) {
            const char *f = argv[i] + 9;
            if (strcmp(f, "json") && strcmp(f, "text")) {
                die_usage("--format: expected text or json, got \"%s\"", f);
            }
            json = !strcmp(f, "json");
        } else {
            args[n++] = argv[i];
        }
    }

    const struct xvs_command *cmd = xvs_command_find(args[0]);
    if (!cmd) {
        die_usage("unknown command \"%s\"", args[0]);
    }
    int n_args = n - 1;
    if (n_args < cmd->min_args || n_args > cmd->max_args) {
        die_usage("%s: expected %s%s", cmd->name,
                  *cmd->args ? "arguments " : "no arguments",
                  cmd->args);
    }
    if (json && !cmd->json) {
        die_usage("%s: has no JSON output", cmd->name);
    }
    if (json) {
        args[n++] = "--format=json";
    }

    /* The flows of a file travel as one argument. */
    char *file_text = NULL;
    if (cmd->file_arg) {
        const char *name = args[cmd->file_arg];
        file_text = read_file_or_die(name);
        /* JSON escaping can only make it longer. */
        if (strlen(file_text) > XVS_CTL_MAX_REQUEST) {
            fprintf(stderr, "xvs-ctl: %s: %zu bytes, more than the %u a "
                    "control request may carry; split it into several "
                    "add-flows\n", name, strlen(file_text),
                    XVS_CTL_MAX_REQUEST);
            exit(EXIT_FAILURE);
        }
        args[cmd->file_arg] = file_text;
    }
    if (!strcmp(cmd->name, "version")) {
        printf("xvs-ctl %s\n", XVS_VERSION);
    }
    if (!strcmp(cmd->name, "capture")) {
        int status = run_capture(path, n, args);
        free(args);
        return status;
    }
    int status = transact(path, n, args);
    free(args);
    free(file_text);
    return status;
}
