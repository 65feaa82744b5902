#!/usr/bin/env bash
# The package's logging and kernel-settings files at work, with a real rsyslogd and logrotate:
#  1  packaging/rsyslog.d/rtprelay.conf passes `rsyslogd -N1` inside a minimal rsyslog.conf (an
#     imuxsock socket of this test, the rules with /var/log/rtprelay/ pointed into a scratch
#     directory, a catch-all file after them as /etc/rsyslog.conf has).
#  2  rtprelayd as rtprelay-forking.service runs it (daemonized, syslog(3)), its /dev/log being
#     the test's socket (private mount namespace), log-facility local1, log-facility-cdr local2:
#     its lines land in rtprelay.log on local1, the CDR of a call (offer + delete over ng) in
#     cdr.log on local2, none in the catch-all.
#  3  rtprelayd as rtprelay.service runs it (-f -E --no-log-timestamps), its stderr handed to the
#     socket with identity rtprelay as journald forwards it (JOURNAL_STREAM set, so the daemon
#     prefixes each line with its severity, which logger --prio-prefix reads as journald
#     does): same split, and every line of both runs has its own level as syslog severity.
#  4  packaging/logrotate.d/rtprelay (paths into the scratch directory, postrotate signalling the
#     test's rsyslogd) rotates both files, and rsyslog writes to the new ones.
#  5  packaging/sysctl.d/90-rtprelay.conf: every key exists in /proc/sys, values are numbers, and
#     ip_local_port_range stays clear of port-min..port-max of etc/rtprelay.conf.
# Each check prints a FAIL line and exits 1. Needs root (unshare -m), rsyslog, logrotate, python3.
set -euo pipefail

rtprelayd="${1:?usage: logging.sh RTPRELAYD SOURCE_DIR}"
source_dir="${2:?usage: logging.sh RTPRELAYD SOURCE_DIR}"
fail() {
  echo "FAIL: $*"
  exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (private mount namespace for /dev/log)"
for tool in rsyslogd logrotate unshare python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/setup installs it)"
done
# shellcheck source=../e2e/lib/rtprelay_test.sh
source "$source_dir/tests/e2e/lib/rtprelay_test.sh"

work="$(mktemp -d /tmp/rtprelay-logging.XXXXXX)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- 1 rsyslog rules -------------------------------------------------------------------------
logs="$work/log"
sed "s|/var/log/rtprelay/|$logs/|g" "$source_dir/packaging/rsyslog.d/rtprelay.conf" >"$work/rules.conf"
grep -q "$logs/cdr.log" "$work/rules.conf" || fail "the rules do not write /var/log/rtprelay/cdr.log"
cat >"$work/rsyslog.conf" <<EOF
global(workDirectory="$work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$work/log.sock")
template(name="Facility" type="string" string="%syslogfacility-text% %syslogseverity-text% %msg:::drop-last-lf%\n")
if \$programname == 'rtprelay' then action(type="omfile" file="$work/facilities.log" template="Facility")
include(file="$work/rules.conf")
*.* action(type="omfile" file="$work/other.log")
EOF
rsyslogd -N1 -f "$work/rsyslog.conf" >"$work/n1.log" 2>&1 || { cat "$work/n1.log"; fail "rsyslogd -N1 rejects the rules"; }
grep -Eiv "^rsyslogd: (version|End of config validation)" "$work/n1.log" | grep . &&
  fail "rsyslogd -N1 complains about the rules"
rsyslogd -n -C -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" >"$work/rsyslogd.log" 2>&1 &
pids+=($!)
wait_for 5 test -S "$work/log.sock" || fail "rsyslogd did not open $work/log.sock"

ng() { python3 "$rtprelay_test" ng "$@"; }
one_call() { # one_call NG-PORT CALL-ID: offer, then delete -> one CDR line
  local sdp
  sdp="$(python3 "$rtprelay_test" sdp 127.0.0.1 40000)"
  ng "$1" "{\"command\": \"offer\", \"call-id\": \"$2\", \"from-tag\": \"a\", \"sdp\": $sdp}" >"$work/offer.json" ||
    fail "offer for $2 failed"
  grep -q '"result": "ok"' "$work/offer.json" || fail "offer for $2: $(cat "$work/offer.json")"
  ng "$1" "{\"command\": \"delete\", \"call-id\": \"$2\", \"from-tag\": \"a\"}" >"$work/delete.json" ||
    fail "delete for $2 failed"
  grep -q '"result": "ok"' "$work/delete.json" || fail "delete for $2: $(cat "$work/delete.json")"
}
lines() { if [ -e "$2" ]; then grep -c -- "$1" "$2" || true; else echo 0; fi; }

# --- 2 daemonized, syslog(3) through /dev/log ------------------------------------------------
# The launcher exits once the daemon is ready; the daemon keeps the private mount namespace.
# Another process may bind the chosen ports first: then the start is tried again.
for attempt in 1 2 3; do
  read -r ng cli < <(free_ports)
  unshare -m bash -c '
    set -e
    mount --make-rprivate /
    dev="$1/dev"; shift
    mkdir -p "$dev"
    mount -t tmpfs -o size=64k,mode=755 none "$dev"
    for node in null zero random urandom; do touch "$dev/$node"; mount --bind "/dev/$node" "$dev/$node"; done
    touch "$dev/log"
    mount --bind "$1/log.sock" "$dev/log"
    mount --rbind "$dev" /dev
    shift
    exec "$@"' _ "$work" "$work" "$rtprelayd" --config-file="$source_dir/etc/rtprelay.conf" \
    --pidfile="$work/forking.pid" --listen-ng="127.0.0.1:$ng" --listen-cli="127.0.0.1:$cli" \
    --table=-1 --delete-delay=0 --log-facility=local1 --log-facility-cdr=local2 >"$work/forking.out" 2>&1 && break
  grep -q "Address already in use" "$work/forking.out" && [ "$attempt" -lt 3 ] ||
    fail "daemonized rtprelayd did not start: $(cat "$work/forking.out")"
done
daemon="$(cat "$work/forking.pid")"
pids+=("$daemon")
one_call "$ng" pkg-forking-call
kill -TERM "$daemon"
wait_for 20 test ! -e "$work/forking.pid" || fail "daemonized rtprelayd did not stop"
wait_for 15 grep -q "CDR: .*pkg-forking-call" "$logs/cdr.log" || fail "no CDR line of the daemonized run in cdr.log"
wait_for 15 grep -q "NOTICE: \[core\] Exiting" "$logs/rtprelay.log" || fail "no log lines of the daemonized run in rtprelay.log"
grep -Eq "^local2 info +CDR: .*pkg-forking-call" "$work/facilities.log" || fail "the CDR line is not on local2: $(cat "$work/facilities.log")"
grep -Eq "^local1 notice +NOTICE: \[core\] Startup complete" "$work/facilities.log" || fail "the log lines are not on local1"
grep -Ev "^local2 info +CDR: " "$work/facilities.log" | grep -v "^local1 " && fail "log lines on another facility than local1"

# --- 3 foreground, stderr forwarded as journald does -----------------------------------------
started_or_failed() {
  [ -s "$work/foreground.pid" ] || [ "$(lines "Address already in use" "$logs/rtprelay.log")" != "$bind_failures" ]
}
for attempt in 1 2 3; do
  read -r ng cli < <(free_ports)
  bind_failures="$(lines "Address already in use" "$logs/rtprelay.log")"
  # JOURNAL_STREAM names the pipe, so the daemon prefixes "<N>"; logger reads it as journald.
  sh -c 'JOURNAL_STREAM="$(stat -L -c %d:%i /proc/self/fd/2)" exec "$@"' _ \
    "$rtprelayd" -f -E --no-log-timestamps --config-file="$source_dir/etc/rtprelay.conf" \
    --listen-ng="127.0.0.1:$ng" --listen-cli="127.0.0.1:$cli" --table=-1 --delete-delay=0 \
    --log-facility-cdr=local2 --pidfile="$work/foreground.pid" 2>&1 |
    logger --prio-prefix --size 65536 -u "$work/log.sock" -t rtprelay -p daemon.info &
  pids+=($!)
  wait_for 20 started_or_failed || true
  [ -s "$work/foreground.pid" ] || [ "$attempt" = 3 ] || continue
  break
done
[ -s "$work/foreground.pid" ] || fail "foreground run did not start: $(tail -5 "$logs/rtprelay.log" 2>/dev/null)"
daemon="$(cat "$work/foreground.pid")"
pids+=("$daemon")
one_call "$ng" pkg-journal-call
wait_for 15 grep -q "CDR: .*pkg-journal-call" "$logs/cdr.log" || fail "no CDR line of the foreground run in cdr.log"
kill -TERM "$daemon"
both_exited() { [ "$(lines "NOTICE: \[core\] Exiting" "$logs/rtprelay.log")" = 2 ]; }
wait_for 20 both_exited || fail "foreground run: no exit line in rtprelay.log"

# Every line's syslog severity is its level word (CDRs: info), on both paths.
awk '{ word = tolower($3); sub(/:$/, "", word); if (word == "cdr") word = "info";
       if (word != $2) { print; bad = 1 } } END { exit bad }' "$work/facilities.log" ||
  fail "lines whose syslog severity is not their level (above)"
grep -Eq "^daemon notice +NOTICE: \[core\] Startup complete" "$work/facilities.log" ||
  fail "the journal-path lines lost their severity: $(grep "^daemon" "$work/facilities.log" | head -3)"
[ "$(lines "CDR: " "$logs/cdr.log")" = 2 ] || fail "cdr.log should hold exactly the two CDRs: $(cat "$logs/cdr.log")"
[ "$(lines "CDR: " "$logs/rtprelay.log")" = 0 ] || fail "CDR lines in rtprelay.log"
# The catch-all works (so that the check below can see a leak into it).
logger -u "$work/log.sock" -t someone-else -p daemon.info "not ours"
wait_for 15 grep -q "someone-else: not ours" "$work/other.log" || fail "the catch-all rule gets nothing"
[ "$(lines "rtprelay" "$work/other.log")" = 0 ] || fail "rtprelay lines also in the catch-all: $(grep rtprelay "$work/other.log")"
[ "$(stat -c %a "$logs")" = 750 ] || fail "rsyslog made $logs with mode $(stat -c %a "$logs"), not 750"
[ "$(stat -c %a "$logs/cdr.log")" = 640 ] || fail "cdr.log has mode $(stat -c %a "$logs/cdr.log"), not 640"

# --- 4 logrotate -----------------------------------------------------------------------------
# postrotate tells rsyslog to reopen its files; here the test's rsyslogd, not the system's.
printf '#!/bin/sh\nkill -HUP "$(cat "%s")"\n' "$work/rsyslog.pid" >"$work/rsyslog-rotate"
chmod 755 "$work/rsyslog-rotate"
sed -e "s|/var/log/rtprelay/|$logs/|g" -e "s|/usr/lib/rsyslog/rsyslog-rotate|$work/rsyslog-rotate|g" \
  "$source_dir/packaging/logrotate.d/rtprelay" >"$work/logrotate.conf"
grep -q "$work/rsyslog-rotate" "$work/logrotate.conf" || fail "logrotate rules do not run rsyslog-rotate"
logrotate -s "$work/logrotate.state" -f "$work/logrotate.conf" >"$work/logrotate.log" 2>&1 ||
  { cat "$work/logrotate.log"; fail "logrotate failed on the rules"; }
for name in rtprelay.log cdr.log; do
  [ -s "$logs/$name.1" ] || fail "logrotate did not rotate $name: $(ls "$logs")"
done
logger -u "$work/log.sock" -t rtprelay -p daemon.info "INFO: [core] after the rotation"
wait_for 15 grep -q "after the rotation" "$logs/rtprelay.log" ||
  fail "rsyslog did not reopen rtprelay.log after the rotation: $(ls "$logs")"

# --- 5 sysctl settings -----------------------------------------------------------------------
sysctl_file="$source_dir/packaging/sysctl.d/90-rtprelay.conf"
settings=0
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  key="$(echo "${line%%=*}" | xargs)"
  value="$(echo "${line#*=}" | xargs)"
  [ -e "/proc/sys/${key//.//}" ] || fail "sysctl key $key does not exist"
  [[ "$value" =~ ^[0-9]+( [0-9]+)*$ ]] || fail "sysctl $key = '$value' is not numeric"
  settings=$((settings + 1))
done <"$sysctl_file"
[ "$settings" -ge 5 ] || fail "only $settings settings read from $sysctl_file"
read -r low high < <(sed -n 's/^net.ipv4.ip_local_port_range *= *//p' "$sysctl_file")
port_min="$(sed -n 's/^port-min *= *//p' "$source_dir/etc/rtprelay.conf")"
port_max="$(sed -n 's/^port-max *= *//p' "$source_dir/etc/rtprelay.conf")"
[ "$high" -lt "$port_min" ] || [ "$low" -gt "$port_max" ] ||
  fail "ip_local_port_range $low-$high overlaps the media ports $port_min-$port_max"

echo "logging: rsyslog split (syslog and journal paths, facilities), logrotate, sysctl keys"
