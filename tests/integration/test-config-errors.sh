#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A bad configuration stops xvs-switchd before anything starts, with the
# file, line and key in the message.
. "$(dirname "$0")/lib.sh"
begin

# expect_config_error MESSAGE: xvs-switchd on $T/xvs.yaml exits 1, prints
# MESSAGE (fixed string), and leaves no control socket.
expect_config_error() {
    # A configuration wrongly accepted would run on: stop it after 20 s.
    out=$(timeout 20 "$SWITCHD" --config "$T/xvs.yaml" --ctl "$T/ctl" 2>&1 >/dev/null)
    status=$?
    if [ $status -eq 1 ] && printf '%s' "$out" | grep -qF -- "$1" \
       && [ ! -e "$T/ctl" ]; then
        ok "rejected: $1"
    else
        not_ok "rejected: $1 (got status $status: $out)"
    fi
}

write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif71.0, type: xenvif, ofport: 70000}
YAML
expect_config_error "xvs.yaml:8: bridges[0].ports[0].ofport: expected an integer 1-65279, got \"70000\""

write_config <<'YAML'
bridges:
  - name: xenbr0
    prots: []
YAML
expect_config_error "xvs.yaml:7: bridges[0].prots: unknown key"

write_config <<'YAML'
bridges:
  - name: xenbr0
    flows:
      - "priority=0 actions=NORMAL"
      - "ip,in_port=1,actions=ct(commit)"
YAML
expect_config_error "xvs.yaml:9: bridges[0].flows[1]: action \"ct\" is not supported"

write_config <<'YAML'
bridges:
  - name: xenbr0
    flows: ["in_port=x,actions=drop"]
YAML
expect_config_error "xvs.yaml:7: bridges[0].flows[0]:"

# Groups and meters come before flows: a flow may use them, but only
# those that exist.
write_config <<'YAML'
bridges:
  - name: xenbr0
    meters: ["meter=1,pktps,bands=type=drop rate=10"]
    groups: ["group_id=1,type=all,bucket=output:1"]
    flows:
      - "priority=1,actions=meter:1,group:1"
      - "priority=2,actions=group:2"
YAML
expect_config_error "xvs.yaml:11: bridges[0].flows[1]: group 2 does not exist"

write_config <<'YAML'
bridges:
  - name: xenbr0
    groups: ["group_id=1,type=indirect,bucket=output:1,bucket=output:2"]
YAML
expect_config_error "xvs.yaml:7: bridges[0].groups[0]: Indirect groups can have at most one bucket"

write_config <<'YAML'
bridges:
  - name: xenbr0
    meters: ["meter=1,kbps,bands=type=dscp_remark rate=10 prec_level=3"]
YAML
expect_config_error "xvs.yaml:7: bridges[0].meters[0]: band 0: prec_level 3 is not 1 or 2"

write_config <<'YAML'
bridges: []
YAML
sed -i 's/cores: \[1\]/cores: [1000]/' "$T/xvs.yaml"
expect_config_error "pmd.cores: core 1000 is not available to this process"

rm -f "$T/xvs.yaml"
expect_config_error "xvs.yaml: cannot open: No such file or directory"
