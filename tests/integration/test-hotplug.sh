#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xen/vif-xvs, run exactly as libxl runs it (tools/libs/light/libxl_linux.c:
# argv "online type_if=vif" / "offline type_if=vif", and for an HVM guest's
# emulated NIC "add type_if=tap" / "remove type_if=tap"; an environment of
# its own, XENBUS_PATH relative to dom0's home), with the backend keys
# libxl writes, against a directory-backed xenstore that stands in for
# Xen's (lib.sh: xen_init, xen_guest, libxl).
. "$(dirname "$0")/lib.sh"
begin

xen_init
BE=$XEN_BE
hs() {
    xs xenstore-read "$BE/$1/hotplug-status" 2>/dev/null
}
herr() {
    xs xenstore-read "$BE/$1/hotplug-error" 2>/dev/null
}
no_port() {
    ! grep_in "$(ctl show)" "port $1:"
}

add_guest xvs-g95 vif95.0 10.95.0.5
add_guest xvs-g96 vif96.0 10.95.0.6
M95=$(guest_mac xvs-g95)
M96=$(guest_mac xvs-g96)
xen_guest 95 0 guest95 "$M95" xenbr0 "$BE/95/0/ip" "10.95.0.5" \
    "$BE/95/0/rate" "62500,50000"
xen_guest 96 0 guest96 "$M96" xenbr0

write_config <<'YAML'
bridges:
  - name: xenbr0
    ports: []
YAML
check "xvs-switchd starts with no ports" start_switchd

# ---- A PV guest's vif.
check "online type_if=vif succeeds" libxl online vif 95 0
check "it writes hotplug-status connected" test "$(hs 95/0)" = connected
show=$(ctl show)
check "the port shows its domain, name and vif index" \
    grep_in "$show" "port vif95.0: ofport 1, xenvif of domain 95 \(guest95\) vif 0 via"
check "and the guest's mac, ip, port security, rate and VM uuid" \
    grep_in "$show" "^ +mac $M95, ip 10.95.0.5, port security on, rate 10 Mbit/s \(62500 bytes per 50000 us\), vm uuid 00000000-0000-4000-8000-000000000095$"
check "the vif took the bridge's MTU" grep_in "$(ip -o link show vif95.0)" "mtu 1400 "
check "and the frontend is told it" \
    test "$(xs xenstore-read /local/domain/95/device/vif/0/mtu)" = 1400
check "online again is harmless (idempotent)" libxl online vif 95 0
check "add type_if=vif does nothing (a run for the tap)" libxl add vif 96 0
check "(no port)" no_port vif96.0
check "online vif96.0" libxl online vif 96 0
check "the two guests reach each other (port security lets them)" \
    ping_ok xvs-g95 10.95.0.6
check "dump-ports names the vif's domain" \
    grep_in "$(ctl dump-ports xenbr0 vif96.0)" "port +[0-9]+ \(vif96.0\) domain 96 \(guest96\): rx pkts=[1-9]"
check "and so does its JSON" \
    grep_in "$(ctl dump-ports xenbr0 vif96.0 --format=json)" '"domain_name": "guest96"'
check "the guest's settings are saved with the port" \
    grep -q "vm-name: \"\{0,1\}guest96" "$T/xvs.yaml"

check "offline type_if=vif succeeds" libxl offline vif 95 0
check "offline removes the port" no_port vif95.0
check "offline again is harmless (idempotent)" libxl offline vif 95 0

# ---- An HVM guest's emulated NIC: a second run for vifD.N-emu.
add_guest xvs-g97 vif97.0-emu 10.95.0.7
M97=$(guest_mac xvs-g97)
ip link add vif97.0 type veth peer name vif97p
VIFS="$VIFS vif97.0"
xen_guest 97 0 hvm97 "$M97" xenbr0
check "add type_if=tap succeeds" libxl add tap 97 0 hvm
check "it adds the emulated NIC, vif97.0-emu" \
    grep_in "$(ctl show)" "port vif97.0-emu: .*xenvif of domain 97 \(hvm97\) vif 0 via"
check "a tap run writes no hotplug-status (only a vif online does)" \
    test -z "$(hs 97/0)"
check "the HVM guest's emulated NIC carries its traffic" \
    ping_ok xvs-g97 10.95.0.6
check "online type_if=tap does nothing" libxl online tap 97 0 hvm
check "online type_if=vif adds the PV vif beside it" libxl online vif 97 0 hvm
check "both are ports" \
    grep_in "$(ctl show | grep -c 'port vif97.0')" "^2$"
# dump-domains: the domain's two NICs, summed.
dom_stat() {
    ctl dump-domains 97 --format=json \
        | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" | head -n 1
}
COUNT=7 ip netns exec xvs-g97 python3 \
    "$top_srcdir/tests/integration/spoof.py" eth0 mac 02:00:00:00:00:77 \
    10.95.0.6 10.95.0.7 7001
check "dump-domains counts the 7 spoofed frames of the HVM guest" \
    wait_for 30 sh -c "[ \"\$($CTL_BIN -t $T/ctl dump-domains 97 --format=json | sed -n 's/.*\"spoof\": *\([0-9]*\).*/\1/p')\" = 7 ]"
check "it lists the domain with both NICs" \
    grep_in "$(ctl dump-domains)" "^domain 97 \(hvm97\) uuid 00000000-0000-4000-8000-000000000097: xenbr0/vif97.0-emu xenbr0/vif97.0$"
check "its rx packets are the sum of its ports'" \
    test "$(dom_stat rx_packets)" = \
         "$(( $(port_stat vif97.0-emu rx_packets) + $(port_stat vif97.0 rx_packets) ))"
check "and it learned one MAC" test "$(dom_stat macs)" = 1
out=$(ctl dump-domains 1234 2>&1)
check "dump-domains of a domain without ports says so" \
    grep_in "$out" "no port belongs to domain 1234"
check "remove type_if=tap succeeds" libxl remove tap 97 0 hvm
check "it removes the emulated NIC" no_port vif97.0-emu
check "and leaves the PV vif" grep_in "$(ctl show)" "port vif97.0: "

# ---- vifname: the vif is renamed to it and attached under that name.
ip link add vif98.0 type veth peer name vif98p
VIFS="$VIFS vif98.0 web98-eth0"
xen_guest 98 0 web98 "02:00:00:00:98:00" xenbr0 "$BE/98/0/vifname" web98-eth0
check "online with a vifname succeeds" libxl online vif 98 0
check "the vif is renamed" sh -c "ip link show web98-eth0 >/dev/null"
check "and attached under its new name" \
    grep_in "$(ctl show)" "port web98-eth0: .*xenvif of domain 98 \(web98\) vif 0"
check "offline removes it by that name" libxl offline vif 98 0
check "(gone)" no_port web98-eth0

# ---- The bridge forms of vif-openvswitch: BRIDGE[.TAG][:TRUNK...].
# bridge_form DEVID SPEC REGEX: vif99.DEVID onto SPEC shows REGEX.
bridge_form() {
    ip link add "vif99.$1" type veth peer name "vif99p$1"
    VIFS="$VIFS vif99.$1"
    xen_guest 99 "$1" g99 "02:00:00:00:99:0$1" "$2"
    libxl online vif 99 "$1" && grep_in "$(ctl show)" "port vif99.$1: .*$3"
}
check "bridge=xenbr0.10 makes an access port of VLAN 10" \
    bridge_form 1 xenbr0.10 "vif 1, access vlan 10 via"
check "bridge=xenbr0:10:20:30 makes a trunk of 10, 20 and 30" \
    bridge_form 2 xenbr0:10:20:30 "vif 2, trunks 10,20,30 via"
check "bridge=xenbr0.10:20:30 makes an access port of VLAN 10, as OVS" \
    bridge_form 3 xenbr0.10:20:30 "vif 3, access vlan 10 via"

# ---- What must fail, with hotplug-error naming the cause, adding nothing.
# refused DEVID: online of vif99.DEVID fails, reports error, adds nothing.
refused() {
    if libxl online vif 99 "$1"; then
        return 1
    fi
    [ "$(hs "99/$1")" = error ] && no_port "vif99.$1"
}
ip link add vif99.4 type veth peer name vif99p4
VIFS="$VIFS vif99.4"
xen_guest 99 4 g99 "02:00:00:00:99:04" "xenbr0.1x"
check "a malformed bridge is refused" refused 4
check "hotplug-error names the key" \
    grep_in "$(herr 99/4)" "^bridge: \"xenbr0.1x\" is not BRIDGE\[.TAG\]\[:TRUNK\[:TRUNK...\]\]$"
xen_guest 99 4 g99 "02:00:00:00:99:04" nosuchbr
check "a bridge that does not exist is refused" refused 4
check "hotplug-error says which" \
    grep_in "$(herr 99/4)" "cannot add vif99.4 to nosuchbr: no bridge named nosuchbr"
xen_guest 99 4 g99 "02:00:00:00:99:04" xenbr0 "$BE/99/4/ip" "10.95.0.300"
check "a malformed ip is refused" refused 4
check "hotplug-error names the key" \
    grep_in "$(herr 99/4)" "ip: expected an IPv4 or IPv6 address or prefix, or dhcp or dhcp6, got \"10.95.0.300\""
xen_guest 99 4 g99 "02:00:00:00:99:04" xenbr0 "$BE/99/4/ip" "10.95.0.9" \
    "$BE/99/4/rate" "lots"
check "a malformed rate is refused" refused 4
check "hotplug-error names the key" \
    grep_in "$(herr 99/4)" "rate: expected a rate such as 10Mb/s, 1MB/s@20ms or BYTES,USECS, got \"lots\""
xs xenstore-rm "$BE/99/4/rate"
xs xenstore-write "$BE/99/4/mtu" 9x
check "a malformed mtu is refused" refused 4
check "hotplug-error names the key" grep_in "$(herr 99/4)" "^mtu: \"9x\" is not a number$"
xs xenstore-rm "$BE/99/4/mtu"
check "with the key fixed it succeeds" libxl online vif 99 4

# The backend gone (the domain destroyed mid-creation): Xen's scripts fail.
ip link add vif99.5 type veth peer name vif99p5
VIFS="$VIFS vif99.5"
xen_guest 99 5 g99 "02:00:00:00:99:05" xenbr0
xs xenstore-rm "$BE/99/5/frontend-id" "$BE/99/5/mac"
check "a missing backend key fails the online" refused 5
check "hotplug-error names what is missing" \
    grep_in "$(herr 99/5)" "cannot read backend/vif/99/5/frontend-id from xenstore"
xen_guest 99 5 g99 "02:00:00:00:99:05" xenbr0
xs xenstore-rm "$BE/99/5/mac"
check "so does a missing mac" refused 5

if libxl online vif 100 0; then
    not_ok "online of a vif that does not exist fails"
else
    ok "online of a vif that does not exist fails"
fi

check "the switch still forwards for vif96.0's guest" \
    grep_in "$(ctl show)" "port vif96.0: .*link up"
