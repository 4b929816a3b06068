#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# pmd.isa: the PMD threads classify packets with the variant the CPU and
# the configuration choose, xvs-ctl show says which, and with each variant
# this CPU can run guests' TCP and UDP, over IPv4 and IPv6 and with their
# default offloads, get through intact.
. "$(dirname "$0")/lib.sh"
begin
command -v socat >/dev/null || skip_all "needs socat"

add_guest xvs-g191 vif191.0 10.191.0.1
add_guest xvs-g192 vif192.0 10.191.0.2
guest_ipv6 xvs-g191 vif191.0 fd00:191::1
guest_ipv6 xvs-g192 vif192.0 fd00:191::2
random_file "$T/data" 16

# config ISA [EAL-ARG]: two vifs on NORMAL, pmd.isa ISA.
config() {
    write_config <<YAML
  isa: $1
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif191.0, type: xenvif, ofport: 1}
      - {name: vif192.0, type: xenvif, ofport: 2}
YAML
    if [ -n "${2:-}" ]; then
        sed -i "s/\"--no-pci\"/\"--no-pci\", \"$2\"/" "$T/xvs.yaml"
    fi
}

# The variants this CPU has, as xvs-switchd sees them.
config auto
check "xvs-switchd starts with pmd.isa auto" start_switchd
json=$(ctl show --format=json)
supported=$(printf '%s\n' "$json" | tr -d '\n ' \
    | sed -n 's/.*"isa_supported":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr , ' ')
diag "this CPU: $supported"
case " $supported " in
*" avx2 "*) widest256=avx2 ;;
*) widest256=baseline ;;
esac
check "auto takes the widest variant within DPDK's default 256 bits ($widest256)" \
    grep_in "$(ctl show)" "^packet classification: $widest256 "
stop_switchd

case " $supported " in
*" avx512 "*)
    config auto --force-max-simd-bitwidth=512
    check "with --force-max-simd-bitwidth=512, xvs-switchd starts" \
        start_switchd
    check "and auto takes avx512" \
        grep_in "$(ctl show)" "^packet classification: avx512 "
    stop_switchd ;;
*)
    config avx512
    refuses_to_start() { ! start_switchd; }
    check "pmd.isa avx512 on a CPU without it: xvs-switchd refuses to start" \
        refuses_to_start
    check "and says why" \
        grep -q "avx512 needs a CPU with AVX512F" "$T/log.err" "$T/log" ;;
esac

udp_server xvs-g192 10.191.0.2 7191
udp_server xvs-g192 fd00:191::2 7192
for isa in $supported; do
    config "$isa"
    check "$isa: xvs-switchd starts" start_switchd
    check "$isa: show says so" \
        grep_in "$(ctl show)" "^packet classification: $isa "
    check "$isa: TCP guest to guest, 16 MiB intact" \
        tcp_send xvs-g191 xvs-g192 10.191.0.2 "$T/data"
    check "$isa: TCP over IPv6 the other way, 16 MiB intact" \
        tcp_send xvs-g192 xvs-g191 fd00:191::1 "$T/data"
    check "$isa: UDP datagrams reach a socket and come back" \
        udp_echo_ok xvs-g191 10.191.0.2 7191 1 512 1472 4000
    check "$isa: UDP over IPv6 too" \
        udp_echo_ok xvs-g191 fd00:191::2 7192 1 512 1452 4000
    stop_switchd
done
