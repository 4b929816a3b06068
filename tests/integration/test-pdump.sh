#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# DPDK's own capture tool against xvs-switchd: with a --file-prefix (and
# hugepages, which a secondary process must map), dpdk-dumpcap lists the
# ports that are ethdevs and captures one (here the bridge's internal TAP
# port); what it writes tcpdump reads back.  The hugepages, their mount and
# DPDK's runtime directory are put back as they were.
. "$(dirname "$0")/lib.sh"
begin
command -v dpdk-dumpcap >/dev/null || skip_all "needs dpdk-dumpcap (package dpdk)"
command -v tcpdump >/dev/null || skip_all "needs tcpdump"

PREFIX=xvs-test-pdump.$$
OLD_PAGES=$(cat /proc/sys/vm/nr_hugepages)
HUGE_MOUNTED=
pdump_cleanup() {
    stop_switchd
    [ -n "$HUGE_MOUNTED" ] && umount "$T/huge" 2>/dev/null
    echo "$OLD_PAGES" >/proc/sys/vm/nr_hugepages
    rm -rf "/var/run/dpdk/$PREFIX"
}
trap 'st=$?; pdump_cleanup; (exit $st); cleanup' EXIT

# 256 MB of 2 MB pages beyond what the host had.
echo $((OLD_PAGES + 128)) >/proc/sys/vm/nr_hugepages
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((OLD_PAGES + 128)) ] \
    || skip_all "cannot reserve 128 hugepages"
mkdir "$T/huge"
mount -t hugetlbfs nodev "$T/huge" || skip_all "cannot mount hugetlbfs"
HUGE_MOUNTED=1

cat >"$T/xvs.yaml" <<YAML
dpdk:
  args: ["--file-prefix", "$PREFIX", "--huge-dir", "$T/huge", "-m", "256", "--no-pci"]
pmd:
  cores: [1]
bridges:
  - name: xbrpd
YAML
check "xvs-switchd starts with a file prefix and hugepages" start_switchd
ip addr add 10.254.0.1/24 dev xbrpd
ip link set xbrpd up

out=$(timeout 60 dpdk-dumpcap --file-prefix "$PREFIX" -D 2>/dev/null)
check "dpdk-dumpcap lists the internal port ($(printf '%s' "$out" | tr '\n' ' '))" \
    grep_in "$out" "net_tap_xbrpd"
# dom0 ARPs for an address nobody has: frames into the TAP port.
ping -q -c 60 -i 0.2 10.254.0.9 >/dev/null 2>&1 &
PIDS="$PIDS $!"
timeout 60 dpdk-dumpcap --file-prefix "$PREFIX" -i net_tap_xbrpd -f arp \
    -c 2 -w "$T/d.pcapng" >"$T/dumpcap.out" 2>&1
sed 's/^/# dumpcap: /' "$T/dumpcap.out" | grep -v "EAL\|TELEMETRY"
n=$(tcpdump -nr "$T/d.pcapng" 2>/dev/null | grep -c "ARP, Request who-has 10.254.0.9 tell 10.254.0.1")
check "dpdk-dumpcap captured dom0's 2 ARP requests, tcpdump reads them ($n)" \
    test "$n" -eq 2
check "xvs-switchd is still running" kill -0 "$SWITCHD_PID"
check "and answers" ctl show
