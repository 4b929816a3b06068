#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dpdk.mbufs: the packet-buffer pool is sized from the ports by default
# and as configured otherwise; a port whose rings and buffers would not
# fit in the pool is refused with a message that says so (instead of a
# driver failing later, when its rings cannot be filled), its share comes
# back when it goes, and a pool larger than DPDK's memory stops the start
# with the size asked for.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g71 vif71.0 10.71.0.1
add_guest xvs-g72 vif72.0 10.71.0.2

mbufs() { ctl show --format=json | sed -n 's/.*"mbufs": *\([0-9]*\).*/\1/p'; }
reserved() {
    ctl show --format=json | sed -n 's/.*"mbufs_reserved": *\([0-9]*\).*/\1/p'
}

# The default: sized from the ports, never below 32767; guests talk.  (The
# sizes below are for one PMD thread: the upcall handler thread, which may
# hold as many buffers as a PMD thread, is off until the last case.)
# two_vifs HANDLER-CORE: the two guests' vifs on NORMAL, the default pool.
two_vifs() {
    write_config <<YAML
  handler-core: $1
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif71.0, type: xenvif, ofport: 1}
      - {name: vif72.0, type: xenvif, ofport: 2}
    flows:
      - "priority=0 actions=NORMAL"
YAML
}
two_vifs none
check "xvs-switchd starts with the default pool" start_switchd
check "the default pool has 32767 mbufs ($(mbufs))" test "$(mbufs)" = 32767
check "show says how many the ports and threads may hold" \
    grep_in "$(ctl show)" "of 32767 mbufs in use \(ports and threads may hold [0-9]+\)"
check "guests reach each other" ping_ok xvs-g71 10.71.0.2
stop_switchd

# Sixteen DPDK ports: the default pool grows to hold them (their rings,
# vifs hotplugged on the other port numbers, a quarter more), to a size of
# the form 2^n - 1.
{
    echo '  handler-core: none'
    echo 'bridges:'
    echo '  - name: xenbr0'
    echo '    internal-port: false'
    echo '    ports:'
    for i in $(seq 0 15); do
        echo "      - {name: null$i, type: dpdk, devargs: \"net_null$i\"}"
    done
} | write_config
check "xvs-switchd starts with 16 DPDK ports" start_switchd
check "the default pool grew to 65535 mbufs ($(mbufs))" test "$(mbufs)" = 65535
check "and every port is attached" \
    test "$(ctl show | grep -c 'port null[0-9]*: ofport [0-9]*, dpdk')" = 16
stop_switchd

# A small pool: one DPDK port (a receive ring of 1024 buffers, a transmit
# ring of 1024) fits, a second does not, and is refused by name.
cat >"$T/xvs.yaml" <<'YAML'
dpdk:
  args: ["--no-huge", "-m", "512", "--no-pci"]
  mbufs: 4095
pmd:
  cores: [1]
  handler-core: none
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: null0, type: dpdk, devargs: "net_null0", ofport: 1}
YAML
check "xvs-switchd starts with dpdk.mbufs: 4095" start_switchd
check "the pool has 4095 mbufs" test "$(mbufs)" = 4095
r1=$(reserved)
out=$(ctl add-port xenbr0 null1 type=dpdk devargs=net_null1 2>&1)
check "a second DPDK port is refused: it would not fit ($out)" \
    sh -c 'printf "%s\n" "$1" | grep -q "port null1: not enough mbufs: its queues and buffers may hold [0-9]*, and [0-9]* of the pool.s 4095 are spoken for (dpdk.mbufs"' _ "$out"
not_shown() { ! ctl show | grep -q "port $1:"; }
check "and is not added" not_shown null1
check "nothing more is reserved ($r1 -> $(reserved))" test "$(reserved)" = "$r1"
check "the refused port is not saved" sh -c '! grep -q null1 "$1"' _ "$T/xvs.yaml"
check "del-port null0" ctl del-port xenbr0 null0
r0=$(reserved)
check "its share comes back ($r1 -> $r0)" test "$r0" -lt "$r1"
check "now null1 fits" ctl add-port xenbr0 null1 type=dpdk devargs=net_null1
check "and holds what null0 held ($(reserved))" test "$(reserved)" = "$r1"
check "dpdk.mbufs is saved" grep -q "mbufs: 4095" "$T/xvs.yaml"
stop_switchd

# A pool that DPDK's memory cannot hold: the start fails and says why.
sed -i 's/mbufs: 4095/mbufs: 16777215/' "$T/xvs.yaml"
check "a pool beyond -m 512 stops the start" sh -c '! "$1" --config "$2/xvs.yaml" \
    --ctl "$2/ctl2" --pidfile="$2/pid2" --detach --log-file="$2/log2" \
    2>"$2/err2"' _ "$SWITCHD" "$T"
check "with the size asked for ($(grep -o "cannot create the mbuf pool.*" "$T/err2"))" \
    grep -q "cannot create the mbuf pool (16777215 mbufs, [0-9]* MB)" "$T/err2"

# Bad values are refused with the file and line.
sed -i 's/mbufs: 16777215/mbufs: 100/' "$T/xvs.yaml"
out=$("$SWITCHD" --config "$T/xvs.yaml" --ctl "$T/ctl3" --pidfile="$T/pid3" \
      --detach --log-file="$T/log3" 2>&1 | grep "dpdk.mbufs")
check "dpdk.mbufs: 100 is refused ($out)" \
    grep_in "$out" "xvs.yaml:[0-9]+: dpdk.mbufs: expected 0 \(sized from the ports\) or at least 4095 mbufs, got 100"

# With the upcall handler thread (the default), the pool also holds what
# that thread may: its tx buffers for every port number, and a tx queue of
# its own on each DPDK port.  Two vifs: the next size up.
two_vifs auto
check "with the handler thread, xvs-switchd starts with the default pool" \
    start_switchd
check "which holds the handler's share too: 65535 mbufs ($(mbufs))" \
    test "$(mbufs)" = 65535
check "guests reach each other" ping_ok xvs-g71 10.71.0.2
stop_switchd
