#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xen/vif-xvs, called as xl calls it (arguments, environment, xenstore),
# with a directory-backed xenstore on PATH in place of Xen's.
. "$(dirname "$0")/lib.sh"
begin

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
VIF_XVS=$top_srcdir/xen/vif-xvs
export XENSTORE_DIR="$T/xenstore"
export PATH="$top_srcdir/tests/integration/fake-xen:$PATH"
export XVS_CTL="$T/ctl" XVS_CTL_BIN="$CTL_BIN" XVS_SYSFS="$T/sys"
mkdir -p "$XENSTORE_DIR" "$T/sys/class/net/xenbr0"
echo 1400 >"$T/sys/class/net/xenbr0/mtu"

add_guest xvs-g95 vif95.0 10.95.0.5
add_guest xvs-g96 vif96.0 10.95.0.6
BE=/local/domain/0/backend/vif
xenstore-write /local/domain/95/name guest95 "$BE/95/0/bridge" xenbr0 \
    /local/domain/96/name guest96 "$BE/96/0/bridge" xenbr0 \
    "$BE/97/0/bridge" xenbr0 "$BE/98/0/bridge" xenbr0.10 \
    "$BE/99/0/bridge" nosuchbr

write_config <<'YAML'
bridges:
  - name: xenbr0
    ports: []
YAML
check "xvs-switchd starts with no ports" start_switchd

# hotplug ACTION DOMID: runs vif-xvs as xl does for vifDOMID.0.
hotplug() {
    XENBUS_PATH="$BE/$2/0" vif="vif$2.0" "$VIF_XVS" "$1" 2>>"$T/hotplug.err"
}

check "online vif95.0 succeeds" hotplug online 95
check "it writes hotplug-status connected" \
    test "$(xenstore-read "$BE/95/0/hotplug-status")" = connected
check "the port shows its domain, name and vif index" \
    grep_in "$(ctl show)" "port vif95.0: ofport 1, xenvif of domain 95 \(guest95\) vif 0 via"
check "the vif took the bridge's MTU" \
    grep_in "$(ip -o link show vif95.0)" "mtu 1400 "
check "online again is harmless (idempotent)" hotplug online 95
check "online vif96.0" hotplug online 96
check "the two guests reach each other" ping_ok xvs-g95 10.95.0.6
check "dump-ports names the vif's domain" \
    grep_in "$(ctl dump-ports xenbr0 vif96.0)" "port +[0-9]+ \(vif96.0\) domain 96 \(guest96\): rx pkts=[1-9]"
check "and so does its JSON" \
    grep_in "$(ctl dump-ports xenbr0 vif96.0 --format=json)" '"domain_name": "guest96"'
check "the domain id is saved with the port" \
    grep -q "domid: 96" "$T/xvs.yaml"

check "offline vif95.0 succeeds" hotplug offline 95
if grep_in "$(ctl show)" "vif95.0"; then
    not_ok "offline removes the port"
else
    ok "offline removes the port"
fi
check "offline again is harmless (idempotent)" hotplug offline 95

if hotplug online 97; then
    not_ok "online of a vif that does not exist fails"
else
    ok "online of a vif that does not exist fails"
fi
check "and reports hotplug-status error" \
    test "$(xenstore-read "$BE/97/0/hotplug-status")" = error
check "with the reason in hotplug-error" \
    grep_in "$(xenstore-read "$BE/97/0/hotplug-error")" "cannot bring vif97.0 up"

ip link add vif99.0 type veth peer name vif99p
VIFS="$VIFS vif99.0"
if hotplug online 99; then
    not_ok "online onto a bridge that does not exist fails"
else
    ok "online onto a bridge that does not exist fails"
fi
check "and says which bridge" \
    grep_in "$(xenstore-read "$BE/99/0/hotplug-error")" \
    "cannot add vif99.0 to nosuchbr: no bridge named nosuchbr"

ip link add vif98.0 type veth peer name vif98p
VIFS="$VIFS vif98.0"
check "bridge=xenbr0.10 makes vif98.0 an access port of VLAN 10" \
    hotplug online 98
check "show gives the VLAN" \
    grep_in "$(ctl show)" "port vif98.0: .*of domain 98 vif 0, access vlan 10"
xenstore-write "$BE/98/1/bridge" "xenbr0.10:20:30"
ip link add vif98.1 type veth peer name vif98q
VIFS="$VIFS vif98.1"
check "bridge=xenbr0.10:20:30 makes vif98.1 a trunk" \
    sh -c 'XENBUS_PATH="$1/98/1" vif=vif98.1 "$2" online' - "$BE" "$VIF_XVS"
check "show gives the trunk's VLANs" \
    grep_in "$(ctl show)" "port vif98.1: .*, trunks 10,20,30 via"
xenstore-write "$BE/98/2/bridge" "xenbr0.1x"
if XENBUS_PATH="$BE/98/2" vif=vif98.2 "$VIF_XVS" online 2>/dev/null; then
    not_ok "a malformed VLAN list is refused"
else
    ok "a malformed VLAN list is refused"
fi

check "the switch still forwards for vif96.0's guest" \
    grep_in "$(ctl show)" "port vif96.0: .*link up"
