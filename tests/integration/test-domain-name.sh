#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A vif with a domain id but no recorded vm-name shows its domain's name
# from xenstore: read once per domain and kept a few seconds, not forked
# per port per command (xenstore-read runs on the daemon's main thread).
. "$(dirname "$0")/lib.sh"
begin

add_guest xvs-g77 vif77.0 10.77.0.1
add_guest xvs-g78 vif77.1 10.77.0.2
add_guest xvs-g79 vif77.2 10.77.0.3
# A stand-in xenstore-read that answers for domain 77 and logs each call.
mkdir -p "$T/bin"
cat >"$T/bin/xenstore-read" <<EOS
#!/bin/sh
echo "\$*" >>"$T/xs-calls"
[ "\$1" = /local/domain/77/name ] && echo web77 && exit 0
exit 1
EOS
chmod +x "$T/bin/xenstore-read"
write_config <<'YAML'
bridges:
  - name: xenbr0
    internal-port: false
    ports:
      - {name: vif77.0, type: xenvif, domid: 77, devid: 0}
      - {name: vif77.1, type: xenvif, domid: 77, devid: 1}
YAML
PATH=$T/bin:$PATH
check "xvs-switchd starts" start_switchd
out=$(ctl show; ctl show; ctl dump-ports xenbr0)
check "show names both vifs' domain from xenstore" \
    test "$(printf '%s\n' "$out" | grep -c 'of domain 77 (web77)')" -eq 4
check "dump-ports too" grep_in "$out" "domain 77 \(web77\)"
calls=$(grep -c . "$T/xs-calls")
check "one xenstore-read for two ports and three commands ($calls)" \
    test "$calls" -eq 1
check "a domain xenstore does not know shows no name" \
    ctl add-port xenbr0 vif77.2 type=xenvif domid=78 devid=2
check "(no name)" grep_in "$(ctl show)" "of domain 78 vif 2"
