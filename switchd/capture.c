/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture: xvs-ctl capture, packets of a port written as pcapng (main
 * thread).
 *
 * The datapath copies the port's packets into a ring (dp_capture_*());
 * each run of the main loop drains it, keeps the packets that pass the
 * BPF filter (compiled and run by libpcap), and writes them as pcapng
 * blocks to a FIFO that xvs-ctl made next to the control socket and reads
 * from; xvs-ctl writes the file itself, with its own permissions, so the
 * daemon never opens a path that a client names (only a FIFO).
 *
 *   capture PORT [--direction rx|tx|both] [--count N] [--snaplen N]
 *           [--filter BPF] --fifo PATH         -> "capture ID"
 *   capture/status ID   -> "running|done: N packets, M dropped[: why]"
 *   capture/stop ID     -> the same, once stopped
 *
 * A capture ends when it has N packets, when its port goes, when xvs-ctl
 * stops it, closes the FIFO or has not asked for its status for 10 s.
 * Output waits in a buffer of at most 8 MB while the reader is slow;
 * beyond that packets are dropped (counted), never the main loop blocked.
 */
#include <config.h>

#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge-private.h"
#include "control.h"
#include "datapath/datapath.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"
#include "xvs-commands.h"

VLOG_DEFINE_THIS_MODULE(capture);

#define CAPTURE_MAX_PENDING (8 * 1024 * 1024)
#define CAPTURE_KEEPALIVE_MS 10000
#define CAPTURE_KEEP_DONE_MS 60000
#define CAPTURE_DRAIN_PER_RUN 4096
#define CAPTURE_MAX 16

struct capture {
    struct ovs_list node;           /* In 'captures'. */
    uint32_t id;
    char *port;                     /* Name. */
    uint32_t dp_port;
    long long attached_at;          /* Of the port: a port attached again
                                     * (same number) is another one. */
    struct dp_capture *dp;          /* NULL once stopped. */
    int fd;                         /* The FIFO; -1 once closed. */
    struct ofpbuf out;              /* Written to 'fd' as it takes it. */
    pcap_t *pcap;                   /* For the filter. */
    struct bpf_program prog;
    bool has_filter;
    uint64_t count;                 /* Packets to take; 0: no limit. */
    uint64_t n_written, n_dropped_out;
    uint64_t n_dropped_dp;          /* At the datapath, when stopped. */
    long long last_poll;            /* Last capture/status, time_msec(). */
    long long done_at;              /* 0 while running. */
    char *why;                      /* Why it ended. */
};

static struct ovs_list captures = OVS_LIST_INITIALIZER(&captures);
static uint32_t next_id = 1;

/* ---- pcapng ---- */

static void
put_block(struct ofpbuf *b, uint32_t type, const void *body, size_t len)
{
    uint32_t total = 12 + ROUND_UP(len, 4);

    ofpbuf_put(b, &type, 4);
    ofpbuf_put(b, &total, 4);
    ofpbuf_put(b, body, len);
    ofpbuf_put_zeros(b, ROUND_UP(len, 4) - len);
    ofpbuf_put(b, &total, 4);
}

static void
put_option(struct ofpbuf *b, uint16_t code, const void *value, uint16_t len)
{
    ofpbuf_put(b, &code, 2);
    ofpbuf_put(b, &len, 2);
    ofpbuf_put(b, value, len);
    ofpbuf_put_zeros(b, ROUND_UP(len, 4) - len);
}

/* Section header and interface description: Ethernet, the port's name,
 * nanosecond timestamps. */
static void
put_header(struct capture *c, uint32_t snaplen)
{
    uint64_t stub[64];
    struct ofpbuf body = OFPBUF_STUB_INITIALIZER(stub);

    uint32_t magic = 0x1a2b3c4d;
    uint16_t major = 1, minor = 0;
    int64_t section_len = -1;
    ofpbuf_put(&body, &magic, 4);
    ofpbuf_put(&body, &major, 2);
    ofpbuf_put(&body, &minor, 2);
    ofpbuf_put(&body, &section_len, 8);
    static const char app[] = "xvs-switchd " XVS_VERSION;
    put_option(&body, 4, app, strlen(app));             /* shb_userappl */
    put_option(&body, 0, NULL, 0);
    put_block(&c->out, 0x0a0d0d0a, body.data, body.size);

    ofpbuf_clear(&body);
    uint16_t linktype = 1, reserved = 0;                /* Ethernet. */
    ofpbuf_put(&body, &linktype, 2);
    ofpbuf_put(&body, &reserved, 2);
    ofpbuf_put(&body, &snaplen, 4);
    put_option(&body, 2, c->port, strlen(c->port));     /* if_name */
    uint8_t tsresol = 9;                                /* ns */
    put_option(&body, 9, &tsresol, 1);                  /* if_tsresol */
    put_option(&body, 0, NULL, 0);
    put_block(&c->out, 1, body.data, body.size);
    ofpbuf_uninit(&body);
}

/* An enhanced packet block, with its direction (epb_flags). */
static void
put_packet(struct capture *c, const struct dp_captured *p)
{
    uint32_t head[5] = {
        0,                                  /* Interface 0. */
        p->time_ns >> 32, (uint32_t) p->time_ns,
        p->len, p->orig_len,
    };
    uint32_t flags = p->dir == DP_CAPTURE_RX ? 1 : 2;
    size_t len = sizeof head + ROUND_UP(p->len, 4) + 12;
    uint32_t type = 6, total = 12 + len;

    ofpbuf_put(&c->out, &type, 4);
    ofpbuf_put(&c->out, &total, 4);
    ofpbuf_put(&c->out, head, sizeof head);
    ofpbuf_put(&c->out, p->data, p->len);
    ofpbuf_put_zeros(&c->out, ROUND_UP(p->len, 4) - p->len);
    put_option(&c->out, 2, &flags, 4);      /* epb_flags */
    put_option(&c->out, 0, NULL, 0);
    ofpbuf_put(&c->out, &total, 4);
}

/* ---- Sessions ---- */

static struct capture *
capture_find(const char *id_s)
{
    struct capture *c;
    unsigned int id;

    if (!str_to_uint(id_s, 10, &id)) {
        return NULL;
    }
    LIST_FOR_EACH (c, node, &captures) {
        if (c->id == id) {
            return c;
        }
    }
    return NULL;
}

/* The port called 'name' of any bridge, or NULL. */
static struct port *
find_port(const char *name)
{
    struct bridge *br;

    LIST_FOR_EACH (br, node, &all_bridges) {
        struct port *port = bridge_find_port(br, name);
        if (port) {
            return port;
        }
    }
    return NULL;
}

static void
on_packet(void *c_, const struct dp_captured *p)
{
    struct capture *c = c_;

    if (c->done_at || (c->count && c->n_written >= c->count)) {
        return;
    }
    if (c->has_filter) {
        struct pcap_pkthdr hdr = { .caplen = p->len, .len = p->orig_len };
        if (!pcap_offline_filter(&c->prog, &hdr, p->data)) {
            return;
        }
    }
    if (c->out.size > CAPTURE_MAX_PENDING) {
        c->n_dropped_out++;
        return;
    }
    put_packet(c, p);
    c->n_written++;
}

/* Stops taking packets; the output still goes out. */
static void
capture_end(struct capture *c, const char *why)
{
    if (c->done_at) {
        return;
    }
    if (c->dp) {
        /* No more copies, then what is in the ring (a bounded amount: a
         * busy port would refill it as fast as it drains). */
        dp_capture_detach(c->dp);
        dp_capture_drain(c->dp, SIZE_MAX, on_packet, c);
        c->n_dropped_dp = dp_capture_dropped(c->dp);
        dp_capture_stop(c->dp);
        c->dp = NULL;
    }
    c->done_at = time_msec();
    c->why = xstrdup(why);
    VLOG_INFO("capture %"PRIu32" on %s ended (%s): %"PRIu64" packets, "
              "%"PRIu64" dropped", c->id, c->port, why, c->n_written,
              c->n_dropped_dp + c->n_dropped_out);
}

static void
capture_close(struct capture *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static void
capture_destroy(struct capture *c)
{
    capture_end(c, "xvs-switchd exits");
    capture_close(c);
    ovs_list_remove(&c->node);
    ofpbuf_uninit(&c->out);
    if (c->has_filter) {
        pcap_freecode(&c->prog);
    }
    if (c->pcap) {
        pcap_close(c->pcap);
    }
    free(c->port);
    free(c->why);
    free(c);
}

/* Writes what the FIFO takes now. */
static void
capture_flush(struct capture *c)
{
    while (c->fd >= 0 && c->out.size) {
        ssize_t n = write(c->fd, c->out.data, c->out.size);
        if (n > 0) {
            ofpbuf_pull(&c->out, n);
            if (!c->out.size) {
                ofpbuf_clear(&c->out);      /* Back to the start. */
            } else if (ofpbuf_headroom(&c->out) > c->out.size) {
                /* What was written must not pile up as headroom. */
                ofpbuf_shift(&c->out, -(int) ofpbuf_headroom(&c->out));
            }
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN) {
                /* EPIPE: the reader went. */
                capture_end(c, "the reader closed the FIFO");
                ofpbuf_clear(&c->out);
                capture_close(c);
            }
            break;
        }
    }
    if (c->done_at && !c->out.size) {
        capture_close(c);           /* The reader sees the end. */
    }
}

static const char *
capture_summary(const struct capture *c, struct ds *s)
{
    uint64_t dropped = c->n_dropped_out
                       + (c->dp ? dp_capture_dropped(c->dp)
                                : c->n_dropped_dp);
    ds_put_format(s, "%s: %"PRIu64" packets, %"PRIu64" dropped",
                  c->done_at ? "done" : "running", c->n_written, dropped);
    if (c->why) {
        ds_put_format(s, ": %s", c->why);
    }
    return ds_cstr(s);
}

/* ---- Commands ---- */

static void
cmd_capture(struct control_conn *conn, int argc, const char *argv[],
            void *aux OVS_UNUSED)
{
    const char *port_name = argv[1], *filter = NULL, *fifo = NULL;
    unsigned int dirs = DP_CAPTURE_RX | DP_CAPTURE_TX;
    unsigned int count = 0, snaplen = DP_CAPTURE_MAX_SNAPLEN;
    char *error = NULL;

    for (int i = 2; i < argc && !error; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val) {
            error = xasprintf("%s: expected a value", opt);
        } else if (!strcmp(opt, "--direction")) {
            dirs = (!strcmp(val, "rx") ? DP_CAPTURE_RX
                    : !strcmp(val, "tx") ? DP_CAPTURE_TX
                    : !strcmp(val, "both") ? DP_CAPTURE_RX | DP_CAPTURE_TX
                    : 0);
            if (!dirs) {
                error = xasprintf("--direction: expected rx, tx or both, "
                                  "got \"%s\"", val);
            }
        } else if (!strcmp(opt, "--count")) {
            if (!str_to_uint(val, 10, &count) || !count) {
                error = xasprintf("--count: expected a positive number, got "
                                  "\"%s\"", val);
            }
        } else if (!strcmp(opt, "--snaplen")) {
            if (!str_to_uint(val, 10, &snaplen) || snaplen < 14
                || snaplen > DP_CAPTURE_MAX_SNAPLEN) {
                error = xasprintf("--snaplen: expected 14-%d, got \"%s\"",
                                  DP_CAPTURE_MAX_SNAPLEN, val);
            }
        } else if (!strcmp(opt, "--filter")) {
            filter = val;
        } else if (!strcmp(opt, "--fifo")) {
            fifo = val;
        } else {
            error = xasprintf("unexpected \"%s\" (expected --direction, "
                              "--count, --snaplen, --filter)", opt);
        }
        i++;
    }
    if (!error && !fifo) {
        error = xstrdup("capture writes to a FIFO that xvs-ctl makes: use "
                        "xvs-ctl capture PORT ... -w FILE");
    }

    struct port *port = error ? NULL : find_port(port_name);
    if (!error && !port) {
        error = xasprintf("no bridge has a port named %s", port_name);
    } else if (!error && !port->attached) {
        error = xasprintf("port %s is not attached: nothing to capture",
                          port_name);
    }
    size_t n_running = 0;
    struct capture *c;
    LIST_FOR_EACH (c, node, &captures) {
        n_running += !c->done_at;
    }
    if (!error && n_running >= CAPTURE_MAX) {
        error = xasprintf("%d captures run already", CAPTURE_MAX);
    }

    c = xzalloc(sizeof *c);
    c->fd = -1;
    c->port = xstrdup(port_name);
    ofpbuf_init(&c->out, 65536);
    if (!error && filter) {
        c->pcap = pcap_open_dead(DLT_EN10MB, snaplen);
        if (!c->pcap) {
            error = xstrdup("libpcap cannot compile filters here");
        } else if (pcap_compile(c->pcap, &c->prog, filter, 1,
                                PCAP_NETMASK_UNKNOWN)) {
            error = xasprintf("--filter \"%s\": %s", filter,
                              pcap_geterr(c->pcap));
        } else {
            c->has_filter = true;
        }
    }
    if (!error) {
        /* Looked at before it is opened for writing: opening some device
         * nodes does something by itself. */
        struct stat st;
        int path_fd = open(fifo, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (path_fd < 0) {
            error = xasprintf("cannot open %s: %s", fifo,
                              ovs_strerror(errno));
        } else if (fstat(path_fd, &st) || !S_ISFIFO(st.st_mode)) {
            error = xasprintf("%s is not a FIFO", fifo);
        } else {
            char *proc = xasprintf("/proc/self/fd/%d", path_fd);
            c->fd = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (c->fd < 0) {
                error = xasprintf("cannot open %s: %s", fifo,
                                  ovs_strerror(errno));
            }
            free(proc);
        }
        if (path_fd >= 0) {
            close(path_fd);
        }
    }
    if (!error) {
        dp_capture_start(port->dp_port, dirs, snaplen, &c->dp, &error);
    }
    if (error) {
        c->done_at = 1;
        ovs_list_push_back(&captures, &c->node);
        capture_destroy(c);
        reply_error_free(conn, error);
        return;
    }

    c->id = next_id++;
    c->dp_port = port->dp_port;
    c->attached_at = port->attached_at;
    c->count = count;
    c->last_poll = time_msec();
    put_header(c, snaplen);
    ovs_list_push_back(&captures, &c->node);
    capture_flush(c);
    VLOG_INFO("capture %"PRIu32" on %s: %s%s%s", c->id, c->port,
              dirs == DP_CAPTURE_RX ? "rx" : dirs == DP_CAPTURE_TX ? "tx"
              : "rx and tx", filter ? ", filter " : "", filter ? filter : "");

    char *reply = xasprintf("capture %"PRIu32, c->id);
    control_reply(conn, reply);
    free(reply);
}

static void
cmd_capture_status(struct control_conn *conn, int argc OVS_UNUSED,
                   const char *argv[], void *stop)
{
    struct capture *c = capture_find(argv[1]);
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!c) {
        reply_error_free(conn, xasprintf("no capture %s", argv[1]));
        return;
    }
    c->last_poll = time_msec();
    if (stop) {
        capture_end(c, "stopped");
        capture_flush(c);
    }
    control_reply(conn, capture_summary(c, &s));
    ds_destroy(&s);
}

void
capture_register_commands(void)
{
    control_register_command(xvs_command_find("capture"), cmd_capture, NULL);
    control_register("capture/status", "ID", 1, 1, cmd_capture_status, NULL);
    control_register("capture/stop", "ID", 1, 1, cmd_capture_status,
                     (void *) 1);
}

/* ---- Main loop ---- */

void
capture_run(void)
{
    struct capture *c;
    long long now = time_msec();

    LIST_FOR_EACH_SAFE (c, node, &captures) {
        if (!c->done_at) {
            struct port *port = find_port(c->port);
            if (!port || !port->attached || port->dp_port != c->dp_port
                || port->attached_at != c->attached_at) {
                capture_end(c, "the port went away");
            } else if (now - c->last_poll > CAPTURE_KEEPALIVE_MS) {
                capture_end(c, "xvs-ctl went away");
            } else {
                dp_capture_drain(c->dp, CAPTURE_DRAIN_PER_RUN, on_packet, c);
                if (c->count && c->n_written >= c->count) {
                    capture_end(c, "count reached");
                }
            }
        }
        capture_flush(c);
        if (c->done_at && c->fd < 0
            && now - c->done_at > CAPTURE_KEEP_DONE_MS) {
            capture_destroy(c);
        }
    }
}

void
capture_wait(void)
{
    struct capture *c;

    LIST_FOR_EACH (c, node, &captures) {
        if (!c->done_at) {
            poll_timer_wait(20);
        } else {
            poll_timer_wait_until(c->done_at + CAPTURE_KEEP_DONE_MS + 1);
        }
        if (c->fd >= 0 && c->out.size) {
            poll_fd_wait(c->fd, POLLOUT);
        }
    }
}

void
capture_exit(void)
{
    struct capture *c;

    LIST_FOR_EACH_SAFE (c, node, &captures) {
        capture_destroy(c);
    }
}
