#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Targeted revalidation: flow_mods that cannot touch a TCP connection's
# megaflows leave them in the caches (no upcall for its packets), while
# the flow_mods and group_mods that do touch them take effect before
# ovs-ofctl returns (it waits for the barrier reply); group and meter adds
# change nothing; bundles of more than 256 flow changes still empty the
# caches.
. "$(dirname "$0")/lib.sh"
begin
command -v ovs-ofctl >/dev/null || skip_all "needs ovs-ofctl (openvswitch-common)"
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g90 vif90.0 10.90.0.1
add_guest xvs-g91 vif91.0 10.90.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif90.0, type: xenvif, ofport: 1}
      - {name: vif91.0, type: xenvif, ofport: 2}
YAML
check "xvs-switchd starts" start_switchd
M=unix:$T/xenbr0.mgmt
O="ovs-ofctl -O OpenFlow13"
ip netns exec xvs-g90 ip neigh replace 10.90.0.2 lladdr "$(guest_mac xvs-g91)" dev eth0
ip netns exec xvs-g91 ip neigh replace 10.90.0.1 lladdr "$(guest_mac xvs-g90)" dev eth0
check "rules carry IPv4 between the guests" \
    $O add-flows "$M" - <<'FLOWS'
priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=output:2
priority=10,ip,in_port=2,nw_dst=10.90.0.1,actions=output:1
FLOWS


# A TCP connection that carries a line every 20 ms for the whole test, as
# an interactive session would.
ip netns exec xvs-g91 socat -u TCP4-LISTEN:5001,bind=10.90.0.2,reuseaddr \
    OPEN:/dev/null 2>/dev/null &
PIDS="$PIDS $!"
wait_for 10 listening xvs-g91 5001
ip netns exec xvs-g90 sh -c 'while :; do echo x; sleep 0.02; done' \
    | ip netns exec xvs-g90 socat -u - TCP4:10.90.0.2:5001 2>/dev/null &
PIDS="$PIDS $!"
tx() { port_stat vif91.0 tx_packets; }
# flushed_since N: whether the PMD threads have counted a flush since the
# count was N.  A flush is made before a thread's next packet, but a
# thread asleep between two packets (20 ms apart here) counts it only when
# it wakes: wait for that, however long a loaded machine takes.
flushed_since() {
    test "$(pmd_stat cache_flushes)" -gt "$1"
}
flows_on() {
    a=$(tx)
    wait_for 30 tx_reaches $((a + 2)) vif91.0
}
check "the connection's packets reach guest 2" flows_on
# Its megaflows are in place once a round trip has gone by the caches.
wait_for 30 sh -c '[ "$(ctl dump-cache | grep -c "in_port=vif9[01].0,")" -ge 2 ]'

upcalls=$(pmd_stat upcalls)
revals=$(pmd_stat revalidations)
removed=$(pmd_stat revalidated_megaflows)
flushes=$(pmd_stat cache_flushes)
# 100 flow_mods to rules of the same table that no packet of the
# connection matches (other addresses; higher priority too), each
# answered after a barrier: 50 adds, then 50 deletes.
i=1
while [ $i -le 50 ]; do
    $O add-flow "$M" "priority=$((10 + i % 3 * 10)),ip,in_port=1,nw_dst=10.99.0.$i,actions=drop"
    i=$((i + 1))
done
i=1
while [ $i -le 50 ]; do
    $O del-flows --strict "$M" "priority=$((10 + i % 3 * 10)),ip,in_port=1,nw_dst=10.99.0.$i"
    i=$((i + 1))
done
check "the connection carries on" flows_on
d_up=$(($(pmd_stat upcalls) - upcalls))
d_rev=$(($(pmd_stat revalidations) - revals))
d_rm=$(($(pmd_stat revalidated_megaflows) - removed))
d_fl=$(($(pmd_stat cache_flushes) - flushes))
diag "after 100 unrelated flow_mods: upcalls +$d_up, revalidations +$d_rev, removed +$d_rm, flushes +$d_fl"
check "each flow_mod was revalidated ($d_rev passes)" test "$d_rev" -ge 100
check "no megaflow was removed by them ($d_rm)" test "$d_rm" -eq 0
check "no cache flush ($d_fl)" test "$d_fl" -eq 0
# With a flush per flow_mod, every one would cost the connection an upcall
# in each direction: 200 at least.
check "the connection's packets stayed off the upcall path (+$d_up upcalls)" \
    test "$d_up" -lt 20
check "the 100 rules are gone again" \
    sh -c "! $O dump-flows $M | grep -q 10.99.0"

# A rule that does match the connection's packets: it drops them at once.
removed=$(pmd_stat revalidated_megaflows)
$O add-flow "$M" "priority=20,tcp,in_port=1,nw_dst=10.90.0.2,tp_dst=5001,actions=drop"
frozen=$(tx)
sleep 0.3
check "after a higher-priority drop for the connection, guest 2 gets nothing ($frozen -> $(tx))" \
    test "$(tx)" -eq "$frozen"
check "its megaflow was revalidated away" \
    test "$(pmd_stat revalidated_megaflows)" -gt "$removed"
$O del-flows --strict "$M" "priority=20,tcp,in_port=1,nw_dst=10.90.0.2,tp_dst=5001"
check "after its delete, the connection flows again" flows_on

# A lower-priority one changes nothing for it.
$O add-flow "$M" "priority=5,tcp,in_port=1,actions=drop"
check "a lower-priority drop leaves the connection flowing" flows_on

# A modify of the rule it uses, and back.
$O mod-flows --strict "$M" "priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=drop"
frozen=$(tx)
sleep 0.3
check "after mod-flows of its rule to drop, guest 2 gets nothing" \
    test "$(tx)" -eq "$frozen"
$O mod-flows --strict "$M" "priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=output:2"
check "after mod-flows back, the connection flows again" flows_on

# A rule added in a table the connection's packets reach only through
# goto_table, after write_metadata changed what they carry: any rule added
# there counts.
$O add-flow "$M" "table=1,priority=1,actions=output:2"
$O mod-flows --strict "$M" "priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=write_metadata:0x5,goto_table:1"
check "through table 1, the connection flows" flows_on
$O add-flow "$M" "table=1,priority=10,metadata=0x5,actions=drop"
frozen=$(tx)
sleep 0.3
check "a drop added to table 1 for that metadata stops it" \
    test "$(tx)" -eq "$frozen"
$O del-flows "$M" "table=1,metadata=0x5"
check "and its delete lets it flow again" flows_on

# xvs-ctl's flow commands revalidate the same way.
flushes=$(pmd_stat cache_flushes)
removed=$(pmd_stat revalidated_megaflows)
check "xvs-ctl add-flow of an unrelated rule" \
    ctl add-flow xenbr0 "priority=30,ip,in_port=1,nw_dst=10.98.0.1,actions=drop"
check "xvs-ctl del-flows of it" \
    ctl del-flows xenbr0 "ip,in_port=1,nw_dst=10.98.0.1"
check "xvs-ctl's changes removed no megaflow and flushed nothing" \
    test "$(pmd_stat revalidated_megaflows)" -eq "$removed" \
         -a "$(pmd_stat cache_flushes)" -eq "$flushes"
check "pmd-stats shows the revalidations" \
    grep_in "$(ctl pmd-stats)" "revalidations: [0-9]+ \([0-9]+ megaflows removed\)"

# Groups: a group added changes no decision; a group modified takes
# with it only the megaflows that went through it.
flushes=$(pmd_stat cache_flushes)
removed=$(pmd_stat revalidated_megaflows)
check "a group added (unrelated)" \
    $O add-group "$M" "group_id=1,type=all,bucket=output:2"
check "a meter added and modified" \
    sh -c "$O add-meter $M meter=1,kbps,band=type=drop,rate=100000 &&
           $O mod-meter $M meter=1,kbps,band=type=drop,rate=200000"
check "removed no megaflow and flushed nothing" \
    test "$(pmd_stat revalidated_megaflows)" -eq "$removed" \
         -a "$(pmd_stat cache_flushes)" -eq "$flushes"
$O mod-flows --strict "$M" "priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=group:1"
check "through group 1, the connection flows" flows_on
removed=$(pmd_stat revalidated_megaflows)
$O mod-group "$M" "group_id=1,type=all,bucket=actions=drop"
frozen=$(tx)
sleep 0.3
check "after mod-group to a drop bucket, guest 2 gets nothing" \
    test "$(tx)" -eq "$frozen"
check "its megaflow was revalidated away" \
    test "$(pmd_stat revalidated_megaflows)" -gt "$removed"
$O mod-group "$M" "group_id=1,type=all,bucket=output:2"
check "after mod-group back, the connection flows again" flows_on
check "no group or meter change flushed the caches" \
    test "$(pmd_stat cache_flushes)" -eq "$flushes"

# A fast_failover bucket that watches another group: whether it is live
# depends on that group's buckets, which the megaflow does not record.
$O add-group "$M" "group_id=3,type=all,bucket=output:2"
$O add-group "$M" "group_id=2,type=ff,bucket=watch_group:3,output:2,bucket=watch_port:1,actions=drop"
$O mod-flows --strict "$M" "priority=10,ip,in_port=1,nw_dst=10.90.0.2,actions=group:2"
check "through group 2 (watching group 3), the connection flows" flows_on
flushes=$(pmd_stat cache_flushes)
$O mod-group "$M" "group_id=3,type=all"
frozen=$(tx)
sleep 0.3
check "group 3 emptied (dead), group 2 takes its drop bucket: nothing more" \
    test "$(tx)" -eq "$frozen"
check "a change of a watched group flushes the caches" \
    wait_for 30 flushed_since "$flushes"
$O mod-group "$M" "group_id=3,type=all,bucket=output:2"
check "group 3 live again: the connection flows" flows_on

# A bundle of 300 flow changes empties the caches instead.
flushes=$(pmd_stat cache_flushes)
i=1
: >"$T/many"
while [ $i -le 300 ]; do
    echo "priority=40,ip,in_port=1,nw_dst=10.97.$((i / 256)).$((i % 256)),actions=drop" >>"$T/many"
    i=$((i + 1))
done
check "a bundle of 300 flows commits" \
    ovs-ofctl -O OpenFlow14 --bundle add-flows "$M" "$T/many"
check "300 flow changes at once flush the caches instead" \
    wait_for 30 flushed_since "$flushes"
check "the connection still flows" flows_on
