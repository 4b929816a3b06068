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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
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

/* Sends 'argv[0]' with arguments to the daemon; prints the reply.  Returns
 * the exit status. */
static int
transact(const char *path, int argc, char *argv[])
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
    if (result) {
        fputs(result, stdout);
        free(result);
    }
    return 0;
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
    int status = transact(path, n, args);
    free(args);
    free(file_text);
    return status;
}
