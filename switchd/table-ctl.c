/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table-ctl: the control-socket commands of the flow, group and meter
 * tables (add-flow, add-flows, replace-flows, del-flows, dump-flows,
 * dump-tables, add-group, del-groups, dump-groups, add-meter, del-meters,
 * dump-meters): each change is saved, and undone if it cannot be (main
 * thread).  The commands are listed in lib/xvs-commands.c.
 */
#include <config.h>

#include "bridge-private.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
#include "mac-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "connmgr.h"
#include "flow.h"
#include "packets.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/vconn.h"
#include "ofp-ext.h"
#include "pipeline.h"
#include "timeval.h"
#include "control.h"
#include "util.h"
#include "xvs-commands.h"
#include "xvs-config.h"

VLOG_DEFINE_THIS_MODULE(table_ctl);

/* Puts 'br''s saved flows back to those of the running configuration, in
 * one transaction (the flows that stay keep their counters). */
static void
restore_saved_flows(struct bridge *br)
{
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    const char **texts = xcalloc(bc->n_flows + 1, sizeof *texts);
    size_t n_deleted;
    char *error = NULL;

    for (size_t i = 0; i < bc->n_flows; i++) {
        texts[i] = bc->flows[i].text;
    }
    pipeline_begin(br->pl);
    pipeline_flows_del_except(br->pl, texts, bc->n_flows, true, &n_deleted,
                              &error);
    free(error);
    for (size_t i = 0; i < bc->n_flows; i++) {
        if (pipeline_flow_add(br->pl, texts[i], &error)) {
            VLOG_WARN("%s: cannot restore flow \"%s\": %s", br->name,
                      texts[i], error);
            free(error);
        }
    }
    pipeline_commit(br->pl);
    free(texts);
}

/* Sets '*id' to the id of the group (or meter) that the ovs-ofctl text
 * 'text' defines, as the configuration saves it.  False if it does not
 * parse. */
static bool
group_id_of(const char *text, uint32_t *id)
{
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error = ofp_ext_parse_group_mod(&gm, OFPGC11_ADD, text,
                                          &usable);
    if (error) {
        free(error);
        return false;
    }
    *id = gm.group_id;
    ofputil_uninit_group_mod(&gm);
    return true;
}

static bool
meter_id_of(const char *text, uint32_t *id)
{
    struct ofputil_meter_mod mm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_meter_mod_str(&mm, text, OFPMC13_ADD, &usable);
    if (error) {
        free(error);
        return false;
    }
    *id = mm.meter.meter_id;
    free(mm.meter.bands);
    return true;
}

/* Deletes from 'br' each group (or meter) whose id no text of 'saved'
 * defines. */
static void
del_unsaved(struct bridge *br, const struct xvs_flow_config *saved,
            size_t n_saved, char **(*texts_of)(const struct pipeline *,
                                               size_t *),
            bool (*id_of)(const char *, uint32_t *),
            void (*del)(struct pipeline *, uint32_t id))
{
    size_t n;
    char **texts = texts_of(br->pl, &n);

    for (size_t i = n; i-- > 0; ) {
        uint32_t id, saved_id;
        bool keep = !id_of(texts[i], &id);
        for (size_t j = 0; j < n_saved && !keep; j++) {
            keep = id_of(saved[j].text, &saved_id) && saved_id == id;
        }
        if (!keep) {
            del(br->pl, id);
        }
        free(texts[i]);
    }
    free(texts);
}

static void
del_group(struct pipeline *pl, uint32_t id)
{
    size_t n;
    /* del_unsaved() goes from the last group back, so a group that others
     * go to comes after them and is free to go. */
    pipeline_groups_del(pl, id, &n, NULL);
}

static void
del_meter(struct pipeline *pl, uint32_t id)
{
    size_t n;
    pipeline_meters_del(pl, id, &n);
}

/* Puts 'br''s meters, groups and flows back to those of the running
 * configuration, after a group or meter change that could not be saved:
 * changed entries get their saved definition again, deleted ones (and the
 * flows deleted with them, without their counters) come back, added ones
 * go. */
void
bridge_restore_tables(struct bridge *br)
{
    const struct xvs_bridge_config *bc
        = xvs_config_find_bridge(running_cfg, br->name);
    char *error;

    for (size_t i = 0; i < bc->n_meters; i++) {
        if (pipeline_meter_add(br->pl, bc->meters[i].text, &error)) {
            VLOG_WARN("%s: cannot restore meter \"%s\": %s", br->name,
                      bc->meters[i].text, error);
            free(error);
        }
    }
    for (size_t i = 0; i < bc->n_groups; i++) {
        if (pipeline_group_add(br->pl, bc->groups[i].text, &error)) {
            VLOG_WARN("%s: cannot restore group \"%s\": %s", br->name,
                      bc->groups[i].text, error);
            free(error);
        }
    }
    restore_saved_flows(br);
    del_unsaved(br, bc->groups, bc->n_groups, pipeline_groups_texts,
                group_id_of, del_group);
    del_unsaved(br, bc->meters, bc->n_meters, pipeline_meters_texts,
                meter_id_of, del_meter);
}

/* Saves the flows after a change of 'br''s flows (or, with 'flows_only'
 * false, of its groups or meters).  A change that cannot be saved (a full
 * disk, say) is undone: the tables are what the file says. */
static void
reply_after_flow_change(struct control_conn *conn, struct bridge *br,
                        bool flows_only)
{
    char *error;

    /* No packet meets a megaflow of the old rules after we answer. */
    connmgr_sync_pipeline(br->pl);

    if (config_commit(xvs_config_clone(running_cfg), &error)) {
        if (flows_only) {
            restore_saved_flows(br);
        } else {
            bridge_restore_tables(br);
        }
        connmgr_sync_pipeline(br->pl);
        reply_error_free(conn, xasprintf("the %s was not changed: %s",
                                         flows_only ? "flow table"
                                         : "pipeline", error));
        free(error);
        return;
    }
    control_reply(conn, NULL);
}

static void
cmd_add_flow(struct control_conn *conn, int argc OVS_UNUSED,
             const char *argv[], void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    if (pipeline_flow_add(br->pl, argv[2], &error)) {
        reply_error_free(conn, xasprintf("bad flow \"%s\": %s", argv[2],
                                         error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

/* add-flows BR TEXT / replace-flows BR TEXT: the flows of TEXT (one per
 * line; blank lines and # comments skipped), all or nothing, in one
 * transaction: packets see the old table or the new one.  replace-flows
 * also deletes every flow that TEXT does not have (counters of flows that
 * stay are kept). */
static void
cmd_add_flows__(struct control_conn *conn, const char *argv[], bool replace)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *text, *line;
    int lineno = 0;
    size_t n = 0;

    if (!br) {
        return;
    }
    text = xstrdup(argv[2]);
    struct ds errors = DS_EMPTY_INITIALIZER;
    char **lines = NULL;
    size_t allocated = 0;
    for (char *next = text; next; ) {
        line = next;
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        lineno++;
        line += strspn(line, " \t\r");
        line[strcspn(line, "\r")] = '\0';
        if (!*line || *line == '#') {
            continue;
        }
        char *error;
        if (pipeline_flow_check(line, &error)) {
            ds_put_format(&errors, "line %d: %s", lineno, error);
            free(error);
            break;
        }
        if (n >= allocated) {
            lines = x2nrealloc(lines, &allocated, sizeof *lines);
        }
        lines[n++] = line;
    }
    if (!errors.length) {
        pipeline_begin(br->pl);
        if (replace) {
            size_t n_deleted;
            char *error;
            pipeline_flows_del_except(br->pl, (const char **) lines, n,
                                      false, &n_deleted, &error);
        }
        for (size_t i = 0; i < n && !errors.length; i++) {
            char *error;
            if (pipeline_flow_add(br->pl, lines[i], &error)) {
                ds_put_format(&errors, "\"%s\": %s", lines[i], error);
                free(error);
            }
        }
        if (errors.length) {
            pipeline_abort(br->pl);
        } else {
            pipeline_commit(br->pl);
        }
    }
    free(lines);
    free(text);
    if (errors.length) {
        reply_error_free(conn, xasprintf("no flow %s: %s",
                                         replace ? "replaced" : "added",
                                         ds_cstr(&errors)));
        ds_destroy(&errors);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

static void
cmd_add_flows(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *aux OVS_UNUSED)
{
    cmd_add_flows__(conn, argv, false);
}

static void
cmd_replace_flows(struct control_conn *conn, int argc OVS_UNUSED,
                  const char *argv[], void *aux OVS_UNUSED)
{
    cmd_add_flows__(conn, argv, true);
}

/* add-group BR GROUP, add-meter BR METER: 'aux' adds it (saved). */
struct table_entry_cmd {
    const char *what;
    int (*add)(struct pipeline *, const char *text, char **errp);
};

static void
cmd_add_entry(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *cmd_)
{
    const struct table_entry_cmd *cmd = cmd_;
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    char *error;

    if (!br) {
        return;
    }
    if (cmd->add(br->pl, argv[2], &error)) {
        reply_error_free(conn, xasprintf("bad %s \"%s\": %s", cmd->what,
                                         argv[2], error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, false);
}

static const struct table_entry_cmd add_group_cmd = {
    "group", pipeline_group_add
};
static const struct table_entry_cmd add_meter_cmd = {
    "meter", pipeline_meter_add
};

/* dump-groups, dump-meters, dump-tables BR: 'aux' formats them. */
struct dump_cmd {
    void (*dump)(const struct pipeline *, struct ds *);
};
static const struct dump_cmd dump_groups_cmd = { pipeline_groups_dump };
static const struct dump_cmd dump_meters_cmd = { pipeline_meters_dump };
static const struct dump_cmd dump_tables_cmd = { pipeline_tables_dump };

static void
cmd_dump_with(struct control_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *cmd_)
{
    const struct dump_cmd *cmd = cmd_;
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!br) {
        return;
    }
    cmd->dump(br->pl, &s);
    control_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* del-groups BR [group_id=N]: also deletes the flows that use them. */
static void
cmd_del_groups(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    uint32_t id = OFPG_ALL;
    size_t n;

    if (!br) {
        return;
    }
    if (argc > 2) {
        const char *v = argv[2];
        if (!strncmp(v, "group_id=", 9)) {
            v += 9;
        }
        if (!ofputil_group_from_string(v, &id)) {
            reply_error_free(conn, xasprintf("\"%s\": expected group_id=N "
                                             "(or ALL)", argv[2]));
            return;
        }
    }
    char *error = NULL;
    if (pipeline_groups_del(br->pl, id, &n, &error)) {
        reply_error_free(conn, error);
        return;
    }
    reply_after_flow_change(conn, br, false);
}

/* del-meters BR [meter=N]: also deletes the flows that use them. */
static void
cmd_del_meters(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    uint32_t id = OFPM13_ALL;
    size_t n;

    if (!br) {
        return;
    }
    if (argc > 2) {
        const char *v = argv[2];
        char *end;
        if (!strncmp(v, "meter=", 6)) {
            v += 6;
        }
        unsigned long long x = strtoull(v, &end, 0);
        if (!strcasecmp(v, "all")) {
            id = OFPM13_ALL;
        } else if (*end || !*v || !x || x > OFPM13_MAX) {
            reply_error_free(conn, xasprintf("\"%s\": expected meter=N "
                                             "(1 to %u) or meter=all",
                                             argv[2], OFPM13_MAX));
            return;
        } else {
            id = x;
        }
    }
    pipeline_meters_del(br->pl, id, &n);
    reply_after_flow_change(conn, br, false);
}

static void
cmd_del_flows(struct control_conn *conn, int argc, const char *argv[],
              void *aux OVS_UNUSED)
{
    struct bridge *br = find_bridge_or_reply(conn, argv[1]);
    size_t n;
    char *error;

    if (!br) {
        return;
    }
    if (pipeline_flows_del(br->pl, argc > 2 ? argv[2] : NULL, &n, &error)) {
        reply_error_free(conn, xasprintf("bad match \"%s\": %s", argv[2],
                                         error));
        free(error);
        return;
    }
    reply_after_flow_change(conn, br, true);
}

static void
cmd_dump_flows(struct control_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    int json = take_format(&argc, argv);
    struct bridge *br;

    if (json < 0 || argc != 2) {
        control_reply_error(conn, "usage: dump-flows BRIDGE "
                                    "[--format=json]");
        return;
    }
    br = find_bridge_or_reply(conn, argv[1]);
    if (!br) {
        return;
    }
    if (json) {
        reply_json(conn, pipeline_flows_to_json(br->pl));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;
        pipeline_flows_dump(br->pl, &s);
        control_reply(conn, ds_cstr(&s));
        ds_destroy(&s);
    }
}

/* The handler of each command of lib/xvs-commands.c for the tables. */
static const struct {
    const char *name;
    control_cb *cb;
    const void *aux;
} handlers[] = {
    {"add-flow", cmd_add_flow, NULL},
    {"del-flows", cmd_del_flows, NULL},
    {"dump-flows", cmd_dump_flows, NULL},
    {"add-flows", cmd_add_flows, NULL},
    {"replace-flows", cmd_replace_flows, NULL},
    {"add-group", cmd_add_entry, &add_group_cmd},
    {"del-groups", cmd_del_groups, NULL},
    {"dump-groups", cmd_dump_with, &dump_groups_cmd},
    {"add-meter", cmd_add_entry, &add_meter_cmd},
    {"del-meters", cmd_del_meters, NULL},
    {"dump-meters", cmd_dump_with, &dump_meters_cmd},
    {"dump-tables", cmd_dump_with, &dump_tables_cmd},
};

void
table_ctl_register_commands(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(handlers); i++) {
        const struct xvs_command *xc = xvs_command_find(handlers[i].name);

        ovs_assert(xc);
        control_register_command(xc, handlers[i].cb,
                                 CONST_CAST(void *, handlers[i].aux));
    }
}
