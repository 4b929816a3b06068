/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-switchd: the xvs daemon.
 *
 * Loads and validates the configuration (nothing starts if it is wrong),
 * optionally detaches, starts the DPDK datapath and its PMD threads, builds
 * the bridges, and serves the control socket from the main thread's poll
 * loop until told to exit (SIGTERM, SIGINT or "xvs-ctl exit").
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge.h"
#include "daemon.h"
#include "datapath/datapath.h"
#include "dirs.h"
#include "capture.h"
#include "fatal-signal.h"
#include "metrics.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "pipeline.h"
#include "ovs-thread.h"
#include "signals.h"
#include "socket-util.h"
#include "stream-ssl.h"
#include "timeval.h"
#include "control.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-config.h"
#include "xvs-control.h"

VLOG_DEFINE_THIS_MODULE(xvs_switchd);

static char *config_file = XVS_CONFIG_DEFAULT_FILE;
static char *ctl_path = XVS_CTL_DEFAULT_PATH;
static bool exiting;
static struct control_server *server;

/* SIGTERM and SIGINT end the main loop through this pipe, so that the
 * daemon leaves by the same path as "xvs-ctl exit": datapath stopped,
 * sockets and pidfile removed, everything freed (a leak checker then sees
 * only real leaks).  A second signal ends the process at once. */
static int stop_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;
/* SIGHUP: reload the configuration (through the same pipe). */
static volatile sig_atomic_t reload_requested;

static void
usage(void)
{
    printf("%s: the xvs virtual switch daemon\n"
           "usage: %s [OPTIONS]\n"
           "\n"
           "Options:\n"
           "  --config=FILE      configuration (default %s)\n"
           "  --ctl=PATH         control socket (default %s)\n"
           "  --pidfile[=FILE]   write a pidfile (default %s/xvs-switchd.pid)\n"
           "  --detach           run in the background\n"
           "  --log-file[=FILE]  log to FILE (default %s/xvs-switchd.log)\n"
           "  -v, --verbose      log debug messages\n"
           "  -h, --help         show this help and exit\n"
           "  -V, --version      show the version and exit\n",
           program_name, program_name, XVS_CONFIG_DEFAULT_FILE,
           XVS_CTL_DEFAULT_PATH, "/run/xvs", "/var/log/xvs");
    exit(EXIT_SUCCESS);
}

static void
make_parent_dir(const char *path)
{
    char *copy = xstrdup(path);
    char *dir = dirname(copy);

    if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create %s: %s\n", program_name, dir,
                ovs_strerror(errno));
    }
    free(copy);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_CONFIG = UCHAR_MAX + 1,
        OPT_CTL,
        OPT_PIDFILE,
        OPT_DETACH,
        OPT_LOG_FILE,
    };
    static const struct option long_options[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"ctl", required_argument, NULL, OPT_CTL},
        {"pidfile", optional_argument, NULL, OPT_PIDFILE},
        {"detach", no_argument, NULL, OPT_DETACH},
        {"log-file", optional_argument, NULL, OPT_LOG_FILE},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };

    for (;;) {
        int c = getopt_long(argc, argv, "vhV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            /* Absolute: --detach changes to "/", and we save back here. */
            config_file = abs_file_name(NULL, optarg);
            break;
        case OPT_CTL:
            /* Absolute: --detach changes to "/". */
            ctl_path = abs_file_name(NULL, optarg);
            break;
        case OPT_PIDFILE: {
            char *file = abs_file_name(NULL, optarg ? optarg
                                       : "/run/xvs/xvs-switchd.pid");
            make_parent_dir(file);
            set_pidfile(file);
            free(file);
            break;
        }
        case OPT_DETACH:
            set_detach();
            break;
        case OPT_LOG_FILE: {
            char *file = abs_file_name(NULL, optarg ? optarg
                                       : "/var/log/xvs/xvs-switchd.log");
            make_parent_dir(file);
            int error = vlog_set_log_file(file);
            if (error) {
                ovs_fatal(0, "cannot open the log file %s: %s", file,
                          ovs_strerror(error));
            }
            free(file);
            break;
        }
        case 'v':
            vlog_set_verbosity(NULL);
            break;
        case 'h':
            usage();
            break;
        case 'V':
            printf("xvs-switchd %s\n", XVS_VERSION);
            exit(EXIT_SUCCESS);
        case '?':
        default:
            fprintf(stderr, "%s: try --help\n", program_name);
            exit(EXIT_FAILURE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"; try --help\n",
                program_name, argv[optind]);
        exit(EXIT_FAILURE);
    }
}

/* PMD thread hooks: the pipeline's rules are freed through ovs-rcu, so PMD
 * threads take part in it. */
static void
pmd_thread_start(void)
{
    ovsrcu_quiesce_end();
}

static void
pmd_thread_quiesce(void)
{
    ovsrcu_try_quiesce();
}

static void
pmd_thread_stop(void)
{
    ovsrcu_quiesce_start();
}

/* ovs-rcu waits for other threads only once the process is known to be
 * multithreaded, which Open vSwitch learns from ovs_thread_create().  The
 * PMD threads are DPDK's, so say it with a thread of OVS's own. */
static void *
mark_multithreaded(void *arg OVS_UNUSED)
{
    return NULL;
}

/* ovs-rcu's thread ("urcu"), which frees what the threads postpone, is
 * made by the first thread that quiesces.  Were that a PMD thread, it
 * would inherit the PMD core and preempt the PMD thread at every flow_mod
 * (rules and actions are freed through it).  Make it now, from the main
 * thread, allowed on every core of the process but the PMD cores. */
static void
start_rcu_thread(const struct xvs_config *cfg)
{
    cpu_set_t saved, set;
    bool pinned = false;

    if (!pthread_getaffinity_np(pthread_self(), sizeof saved, &saved)) {
        set = saved;
        for (size_t i = 0; i < cfg->n_pmd_cores; i++) {
            if (cfg->pmd_cores[i] < CPU_SETSIZE) {
                CPU_CLR(cfg->pmd_cores[i], &set);
            }
        }
        pinned = CPU_COUNT(&set) > 0
                 && !pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    ovsrcu_quiesce();               /* Makes it, the process being
                                     * multithreaded. */
    if (pinned) {
        pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    }
}

static void
cmd_exit(struct control_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    control_reply(conn, NULL);
}

static void
cmd_version(struct control_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    char *s = xasprintf("xvs-switchd %s\n%s\nOpen vSwitch library %s\n",
                        XVS_VERSION, dp_version(), VERSION);
    control_reply(conn, s);
    free(s);
}

/* Stops the PMD threads, closes the ports and releases the EAL (and with
 * it any hugepage files).  The control socket is unlinked by the caller, or
 * by the fatal-signal module on a signal. */
static void
shutdown_datapath(void)
{
    static bool done;

    if (!done) {
        done = true;
        bridge_exit();
        dp_fini();
    }
}

static void
fatal_hook(void *aux OVS_UNUSED)
{
    shutdown_datapath();
}

static void
stop_handler(int sig)
{
    if (stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
    int saved = errno;
    ignore(write(stop_pipe[1], "", 1));
    errno = saved;
}

static void
reload_handler(int sig OVS_UNUSED)
{
    reload_requested = 1;
    int saved = errno;
    ignore(write(stop_pipe[1], "", 1));
    errno = saved;
}

/* Takes SIGTERM, SIGINT and SIGHUP from Open vSwitch's fatal-signal module
 * (which would run the hooks and die by the signal). */
static void
catch_stop_signals(void)
{
    struct sigaction sa;

    fatal_signal_init();
    xpipe_nonblocking(stop_pipe);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    xsigaction(SIGTERM, &sa, NULL);
    xsigaction(SIGINT, &sa, NULL);
    sa.sa_handler = reload_handler;
    xsigaction(SIGHUP, &sa, NULL);
}

/* SIGHUP: as "xvs-ctl reload", with the outcome in the log. */
static void
reload_on_signal(void)
{
    /* The flag first: a SIGHUP from here on sets it again, and its byte
     * wakes the next poll. */
    reload_requested = 0;
    char buf[64];
    while (read(stop_pipe[0], buf, sizeof buf) > 0) {
        continue;
    }

    struct ds report = DS_EMPTY_INITIALIZER;
    char *error;
    VLOG_INFO("SIGHUP: reloading the configuration");
    if (bridge_reload(&report, &error)) {
        VLOG_ERR("reload: %s", error);
        free(error);
    }
    ds_destroy(&report);
}

/* Tells the service manager 'state' ("READY=1", "STOPPING=1") through
 * $NOTIFY_SOCKET, as systemd's sd_notify() does (Type=notify units), if
 * it is set.  A datagram on a Unix socket, abstract if the path starts
 * with '@'; failures are logged and otherwise ignored. */
static void
notify_service_manager(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    size_t len;
    int fd;

    if (!path || !*path) {
        return;
    }
    len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sun.sun_path) {
        VLOG_WARN("NOTIFY_SOCKET=%s: not a socket path", path);
        return;
    }
    memcpy(sun.sun_path, path, len);
    if (path[0] == '@') {
        sun.sun_path[0] = '\0';
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0
        || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                  (struct sockaddr *) &sun,
                  offsetof(struct sockaddr_un, sun_path) + len) < 0) {
        VLOG_WARN("cannot notify the service manager at %s: %s", path,
                  ovs_strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* The service manager's watchdog (WatchdogSec=): how often to tell it we
 * are alive, in ms (half its timeout), or 0 if it does not watch.  Only
 * for this process ($WATCHDOG_PID, if set, must be ours). */
static long long
watchdog_interval_ms(void)
{
    const char *usec = getenv("WATCHDOG_USEC");
    const char *pid = getenv("WATCHDOG_PID");
    char *end;

    if (!usec || !*usec) {
        return 0;
    }
    if (pid && *pid && strtoll(pid, NULL, 10) != getpid()) {
        return 0;
    }
    long long us = strtoll(usec, &end, 10);
    if (*end || us <= 0) {
        VLOG_WARN("WATCHDOG_USEC=%s: not a positive number", usec);
        return 0;
    }
    return us / 2000 > 0 ? us / 2000 : 1;
}

/* dpdk.mbufs' default: enough for the configured ports, and as many again
 * attached later (hotplugged vifs, xvs-ctl add-port). */
_Static_assert(XVS_HANDLER_NONE == DP_HANDLER_NONE
               && XVS_HANDLER_AUTO == DP_HANDLER_AUTO,
               "pmd.handler-core passes through as it is");

static uint32_t
default_mbufs(const struct xvs_config *cfg)
{
    size_t n_ethdev = 0, n_vnet = 0;

    for (size_t i = 0; i < cfg->n_bridges; i++) {
        const struct xvs_bridge_config *bc = &cfg->bridges[i];

        n_ethdev += bc->internal_port;
        for (size_t j = 0; j < bc->n_ports; j++) {
            const struct xvs_port_config *pc = &bc->ports[j];
            bool vnet = pc->type == XVS_PORT_XENVIF
                        && (pc->driver == XVS_VIF_AUTO
                            || pc->driver == XVS_VIF_VNET);
            *(vnet ? &n_vnet : &n_ethdev) += 1;
        }
    }
    return dp_mbufs_estimate(n_ethdev, n_vnet, cfg->n_pmd_cores
                             + (cfg->pmd_handler_core != XVS_HANDLER_NONE));
}

int
main(int argc, char *argv[])
{
    struct xvs_config *cfg;
    char *error;

    /* A peer that hangs up before reading its reply (a control client, an
     * OpenFlow connection) must cost that connection, not the process:
     * writes to it fail with EPIPE, which the stream code handles. */
    fatal_ignore_sigpipe();
    catch_stop_signals();
    /* Files and sockets get the modes this daemon means, whatever umask
     * it was started under: pidfile and saved configuration 0644 (the
     * configuration keeps an existing file's mode), management sockets
     * 0755 (only root may connect; the control socket is made 0660). */
    umask(022);
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_INFO);
    parse_options(argc, argv);

    if (xvs_config_load(config_file, &cfg, &error)
        || bridge_check_config(cfg, &error)) {
        fprintf(stderr, "%s: %s\n", program_name, error);
        exit(EXIT_FAILURE);
    }
    if (cfg->ssl_private_key || cfg->ssl_certificate) {
        stream_ssl_set_key_and_cert(cfg->ssl_private_key,
                                    cfg->ssl_certificate);
    }
    if (cfg->ssl_ca_cert) {
        stream_ssl_set_ca_cert_file(cfg->ssl_ca_cert, false);
    }

    daemonize_start(false);

    pthread_join(ovs_thread_create("xvs_mt", mark_multithreaded, NULL), NULL);
    start_rcu_thread(cfg);

    static const struct dp_thread_hooks hooks = {
        .start = pmd_thread_start,
        .quiesce = pmd_thread_quiesce,
        .block_start = ovsrcu_quiesce_start,
        .block_end = ovsrcu_quiesce_end,
        .stop = pmd_thread_stop,
    };
    struct dp_params params = {
        .eal_args = (const char *const *) cfg->dpdk_args,
        .n_eal_args = cfg->n_dpdk_args,
        .pmd_cores = cfg->pmd_cores,
        .n_pmd_cores = cfg->n_pmd_cores,
        .hooks = &hooks,
        .max_sleep_us = cfg->pmd_max_sleep_us,
        .upcall_share = cfg->pmd_upcall_share,
        .isa = cfg->pmd_isa,
        .handler_core = cfg->pmd_handler_core,
        .handler_misses = cfg->pmd_handler_misses,
        .emc_entries = cfg->emc_entries,
        .emc_insert_inv_prob = cfg->emc_insert_inv_prob,
        .max_megaflows = cfg->max_megaflows,
        .megaflow_idle_ms = cfg->megaflow_idle_ms,
        .n_mbufs = cfg->dpdk_mbufs ? cfg->dpdk_mbufs : default_mbufs(cfg),
    };
    /* Starting DPDK takes a while, with no RCU-protected pointer held:
     * the RCU thread need not wait for the main thread meanwhile. */
    ovsrcu_quiesce_start();
    int dp_error = dp_init(&params, &error);
    ovsrcu_quiesce_end();
    if (dp_error) {
        VLOG_FATAL("%s", error);
    }
    pipeline_set_stats_sync(dp_credit_sync);

    make_parent_dir(ctl_path);
    int retval = control_server_create(ctl_path, &server);
    if (retval) {
        dp_fini();
        VLOG_FATAL("cannot listen on %s: %s", ctl_path,
                   ovs_strerror(retval));
    }
    chmod(ctl_path, 0660);
    fatal_signal_add_hook(fatal_hook, NULL, NULL, true);

    control_register_command(xvs_command_find("exit"), cmd_exit, NULL);
    control_register_command(xvs_command_find("version"), cmd_version, NULL);
    /* What xvs-ctl 0.x sends for "version". */
    control_register("xvs/version", "", 0, 0, cmd_version, NULL);
    bridge_register_commands();
    capture_register_commands();
    for (size_t i = 0; i < xvs_n_commands; i++) {
        /* xvs-ctl offers it: the daemon must answer it. */
        ovs_assert(control_is_registered(xvs_commands[i].name));
    }
    if (cfg->metrics && metrics_set_listener(cfg->metrics, &error)) {
        shutdown_datapath();
        VLOG_FATAL("%s", error);
    }
    char *run_dir = dir_name(ctl_path);
    bridge_init(cfg, config_file, run_dir);
    free(run_dir);

    daemonize_complete();
    VLOG_INFO("xvs-switchd %s started; control socket %s", XVS_VERSION,
              ctl_path);
    /* The control socket answers and the bridges forward: ready. */
    notify_service_manager("READY=1");
    /* The main loop pings the watchdog: a loop that hangs (the control
     * socket, OpenFlow, port changes stop) gets the daemon restarted. */
    long long watchdog_ms = watchdog_interval_ms();
    long long next_watchdog = watchdog_ms ? time_msec() : LLONG_MAX;

    while (!exiting) {
        if (stop_signal) {
            /* The words of Open vSwitch's fatal-signal module, which
             * logged this before: scripts may look for them. */
            VLOG_INFO("terminating with signal %d (%s)", (int) stop_signal,
                      strsignal(stop_signal));
            break;
        }
        if (reload_requested) {
            reload_on_signal();
            if (reload_requested || stop_signal) {
                /* Its byte may have gone with the ones drained. */
                poll_immediate_wake();
            }
        }
        /* Requests taken from here on see every packet forwarded so far
         * in the rule, group and mirror counters. */
        pipeline_stats_invalidate();
        control_server_run(server);
        bridge_run();
        pipeline_stats_invalidate();
        metrics_run();
        capture_run();
        if (time_msec() >= next_watchdog) {
            notify_service_manager("WATCHDOG=1");
            next_watchdog = time_msec() + watchdog_ms;
        }

        control_server_wait(server);
        bridge_wait();
        metrics_wait();
        capture_wait();
        poll_fd_wait(stop_pipe[0], POLLIN);
        if (watchdog_ms) {
            poll_timer_wait_until(next_watchdog);
        }
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    VLOG_INFO("exiting");
    notify_service_manager("STOPPING=1");
    metrics_exit();
    capture_exit();
    shutdown_datapath();
    control_server_destroy(server);
    control_unregister_all();
    return 0;
}
