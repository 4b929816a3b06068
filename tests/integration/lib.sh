# SPDX-License-Identifier: Apache-2.0
# Sourced by the integration tests: TAP output, guests in network
# namespaces behind veth "vifs" named as Xen names them, and an
# xvs-switchd of the test's own, all torn down on exit, even on failure.
#
# Each test uses its own Xen domain ids (vif<D>.0) so that a leftover from
# one cannot disturb another.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
SWITCHD=$top_builddir/switchd/xvs-switchd
CTL_BIN=$top_builddir/ctl/xvs-ctl

T=
SWITCHD_PID=
PIDS=                   # Other processes the test started, killed at exit.
GUESTS=
VIFS=
tap_n=0
tap_failed=0

ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}

not_ok() {
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: one TAP result from a command's status.
check() {
    desc=$1
    shift
    if "$@"; then
        ok "$desc"
    else
        not_ok "$desc"
    fi
}

diag() {
    echo "# $*"
}

# script_results FILE N SCRIPT: the verdicts of a test script that prints
# "PASS desc" or "FAIL desc: why" per case into FILE, as checks, then a
# check that it printed N of them.
script_results() {
    while read -r verdict rest; do
        case $verdict in
            PASS) ok "$rest" ;;
            FAIL) not_ok "$rest" ;;
            *) not_ok "$3: $verdict $rest" ;;
        esac
    done <"$1"
    check "$3 ran all its cases" \
        test "$(grep -c '^PASS\|^FAIL' "$1")" -eq "$2"
}

skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

cleanup() {
    status=$?
    set +e
    for pid in $PIDS; do
        kill "$pid" 2>/dev/null
    done
    stop_switchd
    for ns in $GUESTS; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    for vif in $VIFS; do
        ip link del "$vif" 2>/dev/null
    done
    if [ -n "$T" ] && [ "$tap_failed" -gt 0 ] && [ -f "$T/log" ]; then
        diag "xvs-switchd log:"
        sed 's/^/#   /' "$T/log"
    fi
    [ -n "$T" ] && rm -rf "$T"
    echo "1..$tap_n"
    exit "$status"
}

# Starts a test: checks it can run here and arms the cleanup.
begin() {
    [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
    command -v ip >/dev/null || skip_all "needs iproute2"
    [ -x "$SWITCHD" ] || skip_all "xvs-switchd is not built"
    T=$(mktemp -d /tmp/xvs-test.XXXXXX)
    trap cleanup EXIT
    trap 'exit 1' INT TERM
}

ctl() {
    "$CTL_BIN" -t "$T/ctl" "$@"
}

# add_guest NS VIF IP: a guest namespace whose eth0 is the peer of VIF.
add_guest() {
    ns=$1 vif=$2 ip=$3
    ip link del "$vif" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    ip netns add "$ns"
    GUESTS="$GUESTS $ns"
    ip link add "$vif" type veth peer name eth0 netns "$ns"
    VIFS="$VIFS $vif"
    # No IPv6 chatter (router solicitations, MLD): counters stay exact.
    echo 1 >"/proc/sys/net/ipv6/conf/$vif/disable_ipv6"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip link set "$vif" up
}

# guest_mac NS: the MAC address of the guest's eth0.
guest_mac() {
    ip -n "$1" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/'
}

# write_config BODY: the test configuration, DPDK without hugepages.
write_config() {
    {
        echo 'dpdk:'
        echo '  args: ["--no-huge", "-m", "512", "--no-pci"]'
        echo 'pmd:'
        echo '  cores: [1]'
        cat
    } >"$T/xvs.yaml"
}

# start_switchd: runs xvs-switchd on $T/xvs.yaml and returns once its
# control socket answers (--detach returns when it is ready).
start_switchd() {
    "$SWITCHD" --config "$T/xvs.yaml" --ctl "$T/ctl" --pidfile="$T/pid" \
        --detach --log-file="$T/log" "$@" 2>>"$T/log.err" || return 1
    SWITCHD_PID=$(cat "$T/pid")
    ctl show >/dev/null
}

# SIGTERM, then up to 60 s for the daemon's clean exit (it is quick; but
# under LeakSanitizer the exit scans memory, and a loaded machine is slow)
# before SIGKILL.
stop_switchd() {
    [ -n "$SWITCHD_PID" ] || return 0
    kill "$SWITCHD_PID" 2>/dev/null
    for _ in $(seq 600); do
        kill -0 "$SWITCHD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$SWITCHD_PID" 2>/dev/null
    SWITCHD_PID=
}

# ping_ok NS IP [COUNT]: COUNT pings, all answered.  A late answer counts
# (up to 10 s: a loaded machine, a sanitizer build), a lost one does not.
ping_ok() {
    ip netns exec "$1" ping -q -c "${3:-3}" -i 0.2 -W 10 "$2" >/dev/null 2>&1
}

# ping_quick NS IP [COUNT]: as ping_ok, waiting 2 s at most: for checks that
# expect no answer (a late answer cannot make those fail).
ping_quick() {
    ip netns exec "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null 2>&1
}

# port_stat PORT FIELD: a counter from dump-ports (JSON).
port_stat() {
    ctl dump-ports xenbr0 "$1" --format=json \
        | sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" | head -n 1
}

# pmd_stat FIELD: a pmd-stats field summed over the threads (the PMD
# threads and the upcall handler, which may have taken a port).
pmd_stat() {
    ctl pmd-stats --format=json | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" \
        | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
    n=$(($1 * 5))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.2
        n=$((n - 1))
    done
    return 1
}

# tx_reaches N PORT...: whether the PORTs (of xenbr0) have sent N packets
# between them (tx_packets): for "wait_for 30 tx_reaches ..." after
# sending, in place of a sleep that a loaded machine may outlast.
tx_reaches() {
    _want=$1
    shift
    _sum=0
    for _p in "$@"; do
        _sum=$((_sum + $(port_stat "$_p" tx_packets)))
    done
    [ "$_sum" -ge "$_want" ]
}

# grep_in TEXT REGEX: whether a line of TEXT matches the extended REGEX.
grep_in() {
    printf '%s\n' "$1" | grep -Eq -- "$2"
}

# guest_ipv6 NS VIF ADDR: gives a guest (made by add_guest) the IPv6
# address ADDR/64, without duplicate address detection.
guest_ipv6() {
    echo 0 >"/proc/sys/net/ipv6/conf/$2/disable_ipv6"
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
    ip netns exec "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
    ip -n "$1" addr add "$3/64" dev eth0 nodad
}

# in_ns NS COMMAND...: runs COMMAND in network namespace NS, or in dom0's
# own for "-".
in_ns() {
    _ns=$1
    shift
    if [ "$_ns" = - ]; then
        "$@"
    else
        ip netns exec "$_ns" "$@"
    fi
}

# listening NS PORT: whether a TCP socket in NS listens on PORT.
listening() {
    in_ns "$1" ss -Hltn "sport = :$2" | grep -q .
}

# random_file FILE MIB: FILE with MIB mebibytes of random data.
random_file() {
    head -c $(($2 * 1048576)) /dev/urandom >"$1"
}

# tcp_send FROM_NS TO_NS ADDR FILE [PORT [DEST]]: sends FILE over one TCP
# connection from FROM_NS to a listener in TO_NS on ADDR:PORT (IPv4 or
# IPv6; PORT 5001 by default; "-" is dom0) and succeeds if what arrived
# has the sender's sha256.  DEST (HOST:PORT) is where the sender connects,
# if not there (an address the flows rewrite).  The timeouts only keep a
# broken path from hanging the test.
tcp_send() {
    _from=$1 _to=$2 _addr=$3 _file=$4 _port=${5:-5001}
    case $_addr in
    *:*) _listen="TCP6-LISTEN:$_port,ipv6only=1" _conn="TCP6:[$_addr]:$_port" ;;
    *) _listen="TCP4-LISTEN:$_port,bind=$_addr" _conn="TCP4:$_addr:$_port" ;;
    esac
    [ -n "${6:-}" ] && _conn="TCP4:$6"
    rm -f "$T/tcp-recv"
    in_ns "$_to" timeout "${XVS_TEST_TIMEOUT:-120}" socat -u \
        "$_listen,reuseaddr" "OPEN:$T/tcp-recv,creat,trunc" 2>>"$T/socat.err" &
    _lpid=$!
    if ! wait_for 10 listening "$_to" "$_port"; then
        kill "$_lpid" 2>/dev/null
        return 1
    fi
    if ! in_ns "$_from" timeout "${XVS_TEST_TIMEOUT:-120}" socat -u \
            "OPEN:$_file" "$_conn" 2>>"$T/socat.err"; then
        kill "$_lpid" 2>/dev/null
        wait "$_lpid" 2>/dev/null
        return 1
    fi
    wait "$_lpid" || return 1
    [ "$(sha256sum <"$_file")" = "$(sha256sum <"$T/tcp-recv")" ]
}

# udp_server NS ADDR PORT: a UDP echo server in NS (tests/integration/
# udp-echo.py), killed at exit; returns once it is bound.
udp_server() {
    ip netns exec "$1" python3 "$top_srcdir/tests/integration/udp-echo.py" \
        serve "$2" "$3" &
    PIDS="$PIDS $!"
    wait_for 10 sh -c "ip netns exec $1 ss -Hlun 'sport = :$3' | grep -q ."
}

# udp_echo_ok NS ADDR PORT SIZE...: one datagram of each SIZE from NS to
# the echo server at ADDR:PORT comes back intact (the receiving kernels
# drop any with a wrong checksum); what failed goes to the TAP diagnostics.
udp_echo_ok() {
    _ns=$1
    shift
    _out=$(ip netns exec "$_ns" python3 \
               "$top_srcdir/tests/integration/udp-echo.py" send "$@" 2>&1)
    _rc=$?
    printf '%s\n' "$_out" | grep -v '^PASS' | sed 's/^/# /'
    return $_rc
}

# capture NS FILTER COUNT CMD...: whether COUNT frames matching the tcpdump
# FILTER arrive on NS's eth0 while CMD runs, again every half second until
# they have (or 30 s have passed).  tcpdump is listening before CMD first
# runs, and the wait ends as soon as the frames are seen: on a loaded
# machine it takes longer, it does not fail.  The frames are left in
# $T/capture.
capture() {
    _ns=$1 _filter=$2 _count=$3
    shift 3
    rm -f "$T/capture" "$T/capture.err"
    ip netns exec "$_ns" timeout 60 tcpdump -nei eth0 -U --immediate-mode \
        -c "$_count" "$_filter" >"$T/capture" 2>"$T/capture.err" &
    _cap=$!
    # tcpdump says so on stderr once it listens.
    wait_for 30 grep -q "listening on" "$T/capture.err"
    for _ in $(seq 60); do
        "$@" >/dev/null 2>&1
        kill -0 "$_cap" 2>/dev/null || break
        sleep 0.5
        kill -0 "$_cap" 2>/dev/null || break
    done
    kill "$_cap" 2>/dev/null
    wait "$_cap"
}

# ---- Xen hotplug, as libxl does it, against a directory-backed xenstore.
# xen_init: a xenstore of the test's own (tests/integration/fake-xen on
# PATH), and a sysfs where xenbr0 has MTU 1400.
xen_init() {
    VIF_XVS=$top_srcdir/xen/vif-xvs
    XENSTORE_DIR="$T/xenstore"
    XEN_PATH="$top_srcdir/tests/integration/fake-xen:/usr/sbin:/usr/bin:/sbin:/bin"
    XEN_BE=/local/domain/0/backend/vif
    mkdir -p "$XENSTORE_DIR" "$T/sys/class/net/xenbr0"
    echo 1400 >"$T/sys/class/net/xenbr0/mtu"
}

# xs COMMAND...: a xenstore-* command on the test's xenstore.
xs() {
    XENSTORE_DIR=$XENSTORE_DIR PATH=$XEN_PATH "$@"
}

# xen_guest DOMID DEVID NAME MAC BRIDGE [KEY VALUE...]: what libxl writes
# in xenstore for a domain and one of its vifs (KEYs are absolute paths).
xen_guest() {
    _d=$1 _n=$2 _name=$3 _mac=$4 _br=$5
    shift 5
    _uuid=$(printf '00000000-0000-4000-8000-%012d' "$_d")
    _be=$XEN_BE/$_d/$_n
    xs xenstore-write /local/domain/$_d/name "$_name" \
        /local/domain/$_d/vm "/vm/$_uuid" "/vm/$_uuid/name" "$_name" \
        "/vm/$_uuid/uuid" "$_uuid" \
        "$_be/frontend" "/local/domain/$_d/device/vif/$_n" \
        "$_be/frontend-id" "$_d" "$_be/online" 1 "$_be/state" 1 \
        "$_be/script" /etc/xen/scripts/vif-xvs "$_be/mac" "$_mac" \
        "$_be/bridge" "$_br" "$_be/handle" "$_n" "$_be/type" vif "$@"
}

# libxl ACTION TYPE_IF DOMID DEVID [hvm]: xen/vif-xvs run as libxl runs it
# (tools/libs/light/libxl_linux.c): argv "ACTION type_if=TYPE_IF" and an
# environment of its own, XENBUS_PATH relative to dom0's home; for an HVM
# guest (a nic of type vif_ioemu) also INTERFACE, the emulated NIC
# vifD.N-emu, in both runs.  The only additions are the test's own: PATH
# (the stand-in xenstore tools), XENSTORE_DIR, XVS_CTL, XVS_CTL_BIN,
# XVS_SYSFS.
libxl() {
    env -i script=/etc/xen/scripts/vif-xvs XENBUS_TYPE=vif \
        XENBUS_PATH="backend/vif/$3/$4" XENBUS_BASE_PATH=backend netdev= \
        vif="vif$3.$4" ${5:+INTERFACE=vif$3.$4-emu} \
        PATH="$XEN_PATH" XENSTORE_DIR="$XENSTORE_DIR" XVS_CTL="$T/ctl" \
        XVS_CTL_BIN="$CTL_BIN" XVS_SYSFS="$T/sys" \
        /bin/bash "$VIF_XVS" "$1" "type_if=$2" 2>>"$T/hotplug.err"
}
