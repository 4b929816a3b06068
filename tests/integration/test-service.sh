#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xvs-switchd as a service: the systemd unit verifies cleanly, the daemon
# tells the service manager it is ready (Type=notify) only once its control
# socket answers and then pings its watchdog, "make install" puts the unit, logrotate file, completion
# and a first configuration in place (and keeps an existing one), the log
# reopens for logrotate, and xvs-ctl's bash completion offers commands,
# bridges and ports.
. "$(dirname "$0")/lib.sh"
begin

UNIT=$top_builddir/tools/service/xvs-switchd.service
[ -f "$UNIT" ] || make -C "$top_builddir" tools/service/xvs-switchd.service \
    >/dev/null 2>&1

# ---- The unit.
if command -v systemd-analyze >/dev/null; then
    # As installed, but with this build's daemon, whose path must exist.
    sed -e "s|^ExecStart=[^ ]*|ExecStart=$SWITCHD|" \
        -e "s|^ExecReload=[^ ]*|ExecReload=$CTL_BIN|" \
        "$UNIT" >"$T/xvs-switchd.service"
    out=$(systemd-analyze verify --man=no "$T/xvs-switchd.service" 2>&1)
    check "systemd-analyze verify passes, without a warning" \
        test $? -eq 0 -a -z "$out"
    [ -z "$out" ] || diag "$out"
else
    ok "systemd-analyze verify passes # SKIP no systemd-analyze"
fi
check "the unit is Type=notify and restarts on failure" \
    sh -c 'grep -q "^Type=notify$" "$1" && grep -q "^Restart=on-failure$" "$1"' _ "$UNIT"
check "it starts before Xen's guests (xendomains)" \
    grep -q "^Before=.*xendomains.service" "$UNIT"
check "and has a watchdog" grep -q "^WatchdogSec=" "$UNIT"
check "systemctl reload runs xvs-ctl reload" \
    grep -q "^ExecReload=.*/xvs-ctl -t /run/xvs/xvs-switchd.ctl reload$" "$UNIT"

# ---- Readiness: a datagram on $NOTIFY_SOCKET, once the socket answers.
add_guest xvs-g145 vif145.0 10.145.0.5
write_config <<'YAML'
bridges:
  - name: xenbr0
    ports:
      - {name: vif145.0, type: xenvif}
YAML
python3 - "$T/notify" "$T/ctl" "$CTL_BIN" >"$T/notify.out" 2>&1 <<'PY' &
import os, socket, subprocess, sys
path, ctl, ctl_bin = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(120)
open(path + ".bound", "w").close()
while True:
    msg = s.recv(4096).decode()
    if msg == "READY=1":
        # What the daemon says must already be true when it says it.
        up = subprocess.run([ctl_bin, "-t", ctl, "show"],
                            capture_output=True)
        msg += " ctl-answers" if up.returncode == 0 else " ctl-silent"
    print(msg, flush=True)
    if msg.startswith("STOPPING=1"):
        break
PY
PIDS="$PIDS $!"
wait_for 10 test -e "$T/notify.bound"
# WATCHDOG_USEC as systemd sets it for WatchdogSec: 0.4 s, a ping every
# 0.2 s.
check "xvs-switchd starts with NOTIFY_SOCKET and WATCHDOG_USEC set" \
    env NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=400000 sh -c '
        "$1" --config "$2/xvs.yaml" --ctl "$2/ctl" --pidfile="$2/pid" \
            --detach --log-file="$2/log" 2>>"$2/log.err"' _ "$SWITCHD" "$T"
SWITCHD_PID=$(cat "$T/pid")
check "it sent READY=1, when its control socket already answered" \
    wait_for 30 grep -q "^READY=1 ctl-answers$" "$T/notify.out"
watchdogs() {
    [ "$(grep -c "^WATCHDOG=1$" "$T/notify.out")" -ge "$1" ]
}
check "and pings the watchdog (WATCHDOG=1) again and again" \
    wait_for 60 watchdogs 5

# ---- The log reopens (what the logrotate file's postrotate runs).
mv "$T/log" "$T/log.1"
check "xvs-ctl vlog/reopen" ctl vlog/reopen
ctl add-port xenbr0 vif145.0 >/dev/null 2>&1    # Something to log.
check "the daemon logs to a new file" wait_for 10 test -s "$T/log"

# ---- bash completion.
COMPLETE=$top_srcdir/tools/service/xvs-ctl.bash-completion
complete_words() {      # complete_words WORD...: the completions offered
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
             _xvs_ctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETE" \
        "$CTL_BIN" -t "$T/ctl" "$@"
}
check "completion offers commands" \
    grep_in "$(complete_words dump-p)" "^dump-ports$"
check "then bridges" grep_in "$(complete_words dump-ports xen)" "^xenbr0$"
check "then set-port's ports" \
    grep_in "$(complete_words set-port xenbr0 vif14)" "^vif145.0$"
check "then its keys" \
    grep_in "$(complete_words set-port xenbr0 vif145.0 port-)" "^port-security=$"

stop_switchd
check "and STOPPING=1 when it stops" \
    wait_for 30 grep -q "^STOPPING=1" "$T/notify.out"

# ---- make install: the service files, and a configuration if none.
inst() {
    make -C "$top_builddir" install-data-local DESTDIR="$T/root" \
        >"$T/install.out" 2>&1
}
check "make install-data-local into a DESTDIR" inst
etc=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile")
datadir=$(sed -n 's/^datarootdir = //p' "$top_builddir/Makefile")
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
etc=$(echo "$etc" | sed "s|\${prefix}|$prefix|")
datadir=$(echo "$datadir" | sed "s|\${prefix}|$prefix|")
check "it installs the logrotate file" test -f "$T/root$etc/logrotate.d/xvs"
check "the bash completion" \
    test -f "$T/root$datadir/bash-completion/completions/xvs-ctl"
check "and a first configuration, not readable by all" \
    sh -c 'test "$(stat -c %a "$1")" = 640' _ "$T/root$etc/xvs/xvs.yaml"
# It starts as installed (a copy: the daemon saves back to its file).
cp "$T/root$etc/xvs/xvs.yaml" "$T/xvs.yaml"
check "xvs-switchd starts with it" start_switchd
check "with its bridge" grep_in "$(ctl show)" "^bridge xenbr0: "
stop_switchd
echo "# mine" >>"$T/root$etc/xvs/xvs.yaml"
check "a second install keeps an existing configuration" \
    sh -c 'inst() { make -C "$1" install-data-local DESTDIR="$2" >/dev/null 2>&1; };
           inst "$1" "$2" && grep -q "^# mine" "$3"' _ "$top_builddir" \
    "$T/root" "$T/root$etc/xvs/xvs.yaml"
