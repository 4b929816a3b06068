#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A vif that disappears under the switch (guest destroyed without its
# hotplug script) is detached, not a crash; when a netdev of that name
# comes back, the port is attached again.
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g65 vif65.0 10.65.0.1
add_guest xvs-g66 vif66.0 10.65.0.2
write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif65.0, type: xenvif}
      - {name: vif66.0, type: xenvif}
YAML
check "xvs-switchd starts" start_switchd
check "the guests reach each other" ping_ok xvs-g65 10.65.0.2

# wait_show REGEX: up to 5 s for show to match.
wait_show() {
    for _ in $(seq 50); do
        grep_in "$(ctl show)" "$1" && return 0
        sleep 0.1
    done
    return 1
}

ip link del vif66.0
check "the port of the vanished vif is detached, with the reason" \
    wait_show "port vif66.0: ofport 2, xenvif, error: network device vif66.0 is gone"
check "xvs-switchd is still alive" kill -0 "$SWITCHD_PID"
check "the other port is still attached" \
    grep_in "$(ctl show)" "port vif65.0: ofport 1, xenvif via vnet, link up"

ip link add vif66.0 type veth peer name eth0 netns xvs-g66
echo 1 >/proc/sys/net/ipv6/conf/vif66.0/disable_ipv6
ip -n xvs-g66 addr add 10.65.0.2/24 dev eth0
ip -n xvs-g66 link set eth0 up
ip link set vif66.0 up
check "a new netdev of that name is attached again" \
    wait_show "port vif66.0: ofport 2, xenvif via vnet"
# The guest behind it is new (a new MAC): forget the old neighbour.
ip -n xvs-g65 neigh flush all
check "and forwards" ping_ok xvs-g65 10.65.0.2
