#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The files the daemon writes: under umask 000 the pidfile and sockets
# still get safe modes; a save that cannot be written (a full file system)
# refuses the change with an error, changes nothing, and leaves the old
# configuration file as it was.
. "$(dirname "$0")/lib.sh"
begin
command -v mount >/dev/null || skip_all "needs mount (tmpfs)"

add_guest xvs-g188 vif188.0 10.188.0.1
add_guest xvs-g189 vif189.0 10.188.0.2
# The configuration on a small file system of its own.
mkdir "$T/etc"
mount -t tmpfs -o size=64k xvs-test "$T/etc" || skip_all "cannot mount a tmpfs"
MOUNTED=$T/etc
cleanup_mount() {
    umount "$MOUNTED" 2>/dev/null
}
trap 'cleanup_mount; cleanup' EXIT
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif188.0, type: xenvif, ofport: 1}
      - {name: vif189.0, type: xenvif, ofport: 2}
YAML
mv "$T/xvs.yaml" "$T/etc/xvs.yaml"
mode() {
    stat -c %a "$1"
}
start_under_umask() {
    (umask 000 && "$SWITCHD" --config "$T/etc/xvs.yaml" --ctl "$T/ctl" \
        --pidfile="$T/pid" --detach --log-file="$T/log" 2>>"$T/log.err") \
        || return 1
    SWITCHD_PID=$(cat "$T/pid")
    ctl show >/dev/null
}
check "xvs-switchd starts under umask 000" start_under_umask
check "the pidfile is 644 ($(mode "$T/pid"))" test "$(mode "$T/pid")" = 644
check "the control socket is 660 ($(mode "$T/ctl"))" \
    test "$(mode "$T/ctl")" = 660
check "the management socket is not writable by others ($(mode "$T/xenbr0.mgmt"))" \
    test "$(( 0$(mode "$T/xenbr0.mgmt") & 022 ))" -eq 0
check "a change is saved" ctl add-flow xenbr0 "priority=5,udp,actions=drop"
check "and the saved file is 644 ($(mode "$T/etc/xvs.yaml"))" \
    test "$(mode "$T/etc/xvs.yaml")" = 644

# Fill the file system, then ask for a change.
cp "$T/etc/xvs.yaml" "$T/before.yaml"
dd if=/dev/zero of="$T/etc/filler" bs=1k count=1000 2>/dev/null
flows_before=$(ctl dump-flows xenbr0 | sed 's/duration=[^,]*, //; s/n_packets=[0-9]*, n_bytes=[0-9]*, //')
out=$(ctl add-flow xenbr0 "priority=6,tcp,actions=drop" 2>&1)
check "with the disk full, add-flow is refused with the reason ($out)" \
    grep_in "$out" "No space left on device"
check "the old configuration file is intact" cmp -s "$T/before.yaml" "$T/etc/xvs.yaml"
check "no temporary file is left" \
    test "$(ls "$T/etc" | grep -c tmp)" -eq 0
check "and the flow table did not change" test "$flows_before" = \
    "$(ctl dump-flows xenbr0 | sed 's/duration=[^,]*, //; s/n_packets=[0-9]*, n_bytes=[0-9]*, //')"
out=$(ctl del-flows xenbr0 2>&1)
check "del-flows is refused too ($out)" grep_in "$out" "was not changed"
check "and the flows stay" test "$flows_before" = \
    "$(ctl dump-flows xenbr0 | sed 's/duration=[^,]*, //; s/n_packets=[0-9]*, n_bytes=[0-9]*, //')"

# Groups and meters too: each refused change leaves flows, groups and
# meters as they were (a deleted group's flows come back).
rm -f "$T/etc/filler"
ctl add-meter xenbr0 "meter=1,kbps,band=type=drop,rate=1000"
ctl add-group xenbr0 "group_id=1,type=all,bucket=output:2"
ctl add-flow xenbr0 "priority=7,udp,tp_dst=53,actions=group:1"
ctl add-flow xenbr0 "priority=8,tcp,tp_dst=22,actions=meter:1,output:2"
# tables: flows, groups and meters without counters or ages.
tables() {
    { ctl dump-flows xenbr0; ctl dump-groups xenbr0; ctl dump-meters xenbr0; } |
        sed 's/duration=[^,]*, //; s/n_packets=[0-9]*, n_bytes=[0-9]*, //;
             s/packet_count=[0-9]*//g; s/byte_count=[0-9]*//g;
             s/packets=[0-9]*//g; s/bytes=[0-9]*//g; s/drops=[0-9]*//g'
}
tables_before=$(tables)
cp "$T/etc/xvs.yaml" "$T/before.yaml"
dd if=/dev/zero of="$T/etc/filler" bs=1k count=1000 2>/dev/null
refused() {
    what=$1
    shift
    out=$(ctl "$@" 2>&1)
    check "with the disk full, $what is refused ($out)" \
        grep_in "$out" "the pipeline was not changed: .*No space left"
    check "and flows, groups and meters are as they were" \
        test "$(tables)" = "$tables_before"
}
refused "a new group" add-group xenbr0 "group_id=2,type=all,bucket=output:1"
refused "a group change" add-group xenbr0 "group_id=1,type=all,bucket=output:1"
refused "del-groups" del-groups xenbr0
refused "a new meter" add-meter xenbr0 "meter=2,pktps,band=type=drop,rate=10"
refused "a meter change" add-meter xenbr0 "meter=1,kbps,band=type=drop,rate=5"
refused "del-meters" del-meters xenbr0
check "the old configuration file is still intact" \
    cmp -s "$T/before.yaml" "$T/etc/xvs.yaml"

rm -f "$T/etc/filler"
check "with room again, the change goes through" \
    ctl add-flow xenbr0 "priority=6,tcp,actions=drop"
check "and is saved" grep -q "priority=6,tcp" "$T/etc/xvs.yaml"
stop_switchd
