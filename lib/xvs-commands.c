/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-commands: the control commands, listed once for xvs-ctl (which checks
 * a command line against this table before sending it) and xvs-switchd
 * (which registers a handler for every entry, and refuses to start if one
 * is missing).  See xvs-commands.h.
 */
#include "xvs-commands.h"

#include <string.h>

#define N_ARRAY(A) (sizeof (A) / sizeof (A)[0])

const struct xvs_command xvs_commands[] = {
    {"show", "", 0, 0, true,
     "bridges, OpenFlow listeners and controllers, ports, drivers, link "
     "state, PMD cores", 0},
    {"add-port", "BRIDGE PORT [type=T] [devargs=D] [ofport=N] [driver=D] "
     "[domid=N] [devid=N] [vlan=N] [trunks=N,...] [native-vlan=N] "
     "[mac=MAC] [ip=ADDR|dhcp|dhcp6...] [allowed-addresses=ADDR...] "
     "[port-security=on|off] [rate=RATE] [vm-uuid=UUID] [vm-name=NAME] "
     "[queues=ID:RATE...]",
     2, 19, false,
     "add a port (saved to the configuration file)", 0},
    {"del-port", "[BRIDGE] PORT", 1, 2, false,
     "delete a port, from BRIDGE or whichever bridge has it (saved to the "
     "configuration file)", 0},
    {"set-port", "BRIDGE PORT [vlan=N|none] [trunks=N,...|none] "
     "[native-vlan=N|none] [mac=MAC|none] [ip=ADDR|dhcp|dhcp6...|none] "
     "[allowed-addresses=ADDR...|none] [port-security=on|off|default] "
     "[rate=RATE|none] [vm-uuid=UUID|none] [vm-name=NAME|none] "
     "[queues=ID:RATE...|none]", 3, 13, false,
     "change a port's VLANs, guest addresses, port security, rate, queues "
     "(saved)", 0},
    {"set-mtu", "BRIDGE MTU", 2, 2, false,
     "set the MTU (68-9216) of every port of BRIDGE, or of none if one "
     "cannot take it (saved)", 0},
    {"add-flow", "BRIDGE FLOW", 2, 2, false,
     "add a flow in ovs-ofctl syntax (saved)", 0},
    {"del-flows", "BRIDGE [MATCH]", 1, 2, false,
     "delete all flows, or those that MATCH (saved)", 0},
    {"dump-flows", "BRIDGE", 1, 1, true,
     "flows of every table with packet and byte counts", 0},
    {"add-flows", "BRIDGE FILE", 2, 2, false,
     "add the flows of FILE (one per line, - for stdin), all or none, "
     "atomically (saved)", 2},
    {"replace-flows", "BRIDGE FILE", 2, 2, false,
     "make the flow table that of FILE, atomically; flows that stay keep "
     "their counters (saved)", 2},
    {"trace", "BRIDGE FLOW | BRIDGE [FLOW] --packet HEX", 2, 4, true,
     "why a packet goes where it goes: each table, rule, action, group "
     "bucket, meter and NORMAL's decision, then the datapath actions and "
     "megaflow (changes nothing)", 0},
    {"capture", "PORT [--direction rx|tx|both] [--count N] [--snaplen N] "
     "[--filter BPF] -w FILE|-", 3, 11, false,
     "write the packets of PORT as pcapng (tcpdump -r reads it) until N "
     "are taken or Ctrl-C; needs write access to the control socket's "
     "directory", 0},
    {"dump-tables", "BRIDGE", 1, 1, false,
     "per table: rules, lookups and matches", 0},
    {"add-group", "BRIDGE GROUP", 2, 2, false,
     "add or replace a group in ovs-ofctl syntax (saved)", 0},
    {"del-groups", "BRIDGE [group_id=N]", 1, 2, false,
     "delete all groups, or one, and the flows that use them (saved)", 0},
    {"dump-groups", "BRIDGE", 1, 1, false,
     "groups with packet and byte counts", 0},
    {"add-meter", "BRIDGE METER", 2, 2, false,
     "add or replace a meter in ovs-ofctl syntax (saved)", 0},
    {"del-meters", "BRIDGE [meter=N]", 1, 2, false,
     "delete all meters, or one, and the flows that use them (saved)", 0},
    {"dump-meters", "BRIDGE", 1, 1, false,
     "meters with flows, packets, bytes and drops", 0},
    {"set-controller", "BRIDGE TARGET...", 2, 17, false,
     "connect to these OpenFlow controllers (tcp:IP[:PORT], ssl:IP[:PORT], "
     "unix:FILE) instead of the current ones (saved)", 0},
    {"del-controller", "BRIDGE", 1, 1, false,
     "disconnect every controller of BRIDGE (saved)", 0},
    {"dump-ports", "BRIDGE [PORT]", 1, 2, true,
     "per-port rx/tx packets, bytes, drops (of which for the MTU) and rx "
     "errors; per queue packets, bytes, drops", 0},
    {"dump-macs", "BRIDGE", 1, 1, true, "the MAC learning table of NORMAL", 0},
    {"add-mirror", "BRIDGE NAME [select-all=true] [select-src-ports=P,...] "
     "[select-dst-ports=P,...] [select-vlans=N,...] output-port=P|output-vlan=N",
     3, 8,
     false,
     "add or replace a port mirror: copies of the selected packets go out "
     "of output-port, or to VLAN output-vlan (saved)", 0},
    {"del-mirror", "BRIDGE NAME", 2, 2, false, "delete a port mirror "
     "(saved)", 0},
    {"dump-mirrors", "BRIDGE", 1, 1, true,
     "port mirrors with the copies each sent", 0},
    {"dump-domains", "[DOMID]", 0, 1, true,
     "per Xen domain: its vifs, packets and bytes, drops (spoof, rate, no "
     "buffer), MACs learned", 0},
    {"dump-cache", "[BRIDGE]", 0, 1, true,
     "the megaflow cache of every PMD thread, and EMC occupancy", 0},
    {"pmd-stats", "", 0, 0, true,
     "per PMD thread and upcall handler: ports, packets, cache hits, "
     "upcalls, lost, cycles", 0},
    {"pmd-stats-clear", "", 0, 0, false, "zero the pmd-stats counters", 0},
    {"reload", "", 0, 0, false,
     "re-read the configuration file and apply what changed (ports, "
     "flows, groups, meters, controllers...), or nothing if it is "
     "invalid; as SIGHUP", 0},
    {"vlog/reopen", "", 0, 0, false,
     "reopen the log file (after logrotate has moved it)", 0},
    {"version", "", 0, 0, false, "versions of xvs-ctl and xvs-switchd", 0},
    {"exit", "", 0, 0, false, "stop xvs-switchd", 0},
};

const size_t xvs_n_commands = N_ARRAY(xvs_commands);

const struct xvs_command *
xvs_command_find(const char *name)
{
    for (size_t i = 0; i < xvs_n_commands; i++) {
        if (!strcmp(xvs_commands[i].name, name)) {
            return &xvs_commands[i];
        }
    }
    return NULL;
}
