#!/usr/bin/env bash
# The Debian package, built and installed the way an operator gets it:
#  1  CPack builds the .deb from BUILD_DIR (as scripts/package does) into a scratch directory.
#  2  dpkg-deb -I: name, version (= rtprelayd --version), architecture, computed Depends (libc6,
#     libstdc++6, libbpf1, libnftables1, libsystemd0), maintainer scripts, conffiles.
#     The Depends resolve on this host: apt-get install --simulate of the .deb.
#  3  dpkg-deb -c: exactly the expected files, each with its mode, owned by root.
#  4  dpkg --root=ROOT -i into an empty root (its own dpkg database; --force-depends as ROOT has
#     no libc6, the host check of 2 stands in; --force-script-chrootless: the maintainer scripts
#     run with DPKG_ROOT=ROOT and skip host-wide actions). Every file in place with its mode;
#     postinst made /var/log/rtprelay and enabled rtprelay.service (deb-systemd-helper).
#  5  systemd-analyze verify of both installed units: no diagnostic at all (it exits 0 on unknown
#     keys and bad values, so any output fails). ExecStart's /usr/bin/rtprelayd is pointed at
#     ROOT's, as verify checks that the binary exists. Their ExecStartPre mounts bpffs once
#     where it is missing (a private mount namespace without it).
#  6  The installed binaries run: --version, --help; each unit's own ExecStart line (paths into
#     ROOT, private ng/CLI ports, table -1) starts a daemon: rtprelay.service's answers
#     sd_notify READY=1 on a NOTIFY_SOCKET of ours, writes "<N>"-prefixed lines to a stderr that
#     JOURNAL_STREAM names, answers ng ping and `rtprelay-ctl list numsessions`,
#     ExecReload (SIGHUP) keeps it serving, SIGTERM sends STOPPING=1 and exits 0;
#     rtprelay-forking.service's launcher exits 0 with the pid file written, the daemon answers
#     and removes its pid file on SIGTERM.
#  7  The unit's CapabilityBoundingSet (parsed from the installed unit) is enough for the kernel
#     path: in a network namespace made here, with exactly those capabilities and
#     no-new-privileges, rtprelayd -t T --no-fallback attaches its eBPF program and manages its
#     nftables chain (`rtprelay-ctl list kernel`).
#  8  dpkg -r keeps the conffiles and removes the rest; dpkg -P leaves no file behind.
# Each check prints a FAIL line and exits 1. Needs root, dpkg-dev (dpkg-shlibdeps), systemd
# (systemd-analyze), iproute2, util-linux (setpriv, nsenter), python3.
set -euo pipefail

build="${1:?usage: package_deb.sh BUILD_DIR SOURCE_DIR}"
source_dir="${2:?usage: package_deb.sh BUILD_DIR SOURCE_DIR}"
build="$(cd "$build" && pwd)"
fail() {
  echo "FAIL: $*"
  exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (dpkg --root, network namespace, eBPF)"
for tool in cpack dpkg dpkg-deb systemd-analyze setpriv nsenter ip python3 apt-get; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/setup installs it)"
done
# shellcheck source=../e2e/lib/rtprelay_test.sh
source "$source_dir/tests/e2e/lib/rtprelay_test.sh"

work="$(mktemp -d /tmp/rtprelay-package.XXXXXX)"
root="$work/root"
pids=()
netns=""
pin_dir=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "$pin_dir" ]; then rm -rf "$pin_dir"; fi
  if [ -n "$netns" ]; then ip netns del "$netns" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

version="$("$build/rtprelayd" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"

# --- 1 build ---------------------------------------------------------------------------------
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack could not build the package"; }
deb="$work/out/rtprelay_${version}_${arch}.deb"
[ -f "$deb" ] || fail "cpack made no $deb: $(ls "$work/out")"

# --- 2 control -------------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = rtprelay ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version '$(field Version)' is not rtprelayd's $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)'"
depends="$(field Depends)"
for lib in libc6 libstdc++6 libbpf1 libnftables1 libsystemd0; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] ||
    fail "Depends lacks $lib (dpkg-shlibdeps): $depends"
done
dpkg-deb -I "$deb" >"$work/info"
for script in postinst prerm postrm; do
  grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$script +#!/bin/sh" "$work/info" ||
    fail "maintainer script $script missing or not executable: $(cat "$work/info")"
done
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
printf '%s\n' /etc/rtprelay/rtprelay.conf /etc/rsyslog.d/rtprelay.conf /etc/logrotate.d/rtprelay \
  >"$work/conffiles.expected"
diff -u "$work/conffiles.expected" "$work/control/conffiles" || fail "conffiles differ from the expected list"
for script in postinst prerm postrm; do
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done
apt-get install --simulate -q "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "the package's Depends do not resolve on this host (apt-get --simulate)"; }
grep -q "^Inst rtprelay " "$work/apt.log" || { cat "$work/apt.log"; fail "apt-get --simulate would not install rtprelay"; }

# --- 3 contents ------------------------------------------------------------------------------
# mode path (regular files; directories are whatever holds them)
cat >"$work/files.expected" <<'EOF'
-rw-r--r-- ./etc/logrotate.d/rtprelay
-rw-r--r-- ./etc/rsyslog.d/rtprelay.conf
-rw-r--r-- ./etc/rtprelay/rtprelay.conf
-rw-r--r-- ./lib/systemd/system/rtprelay-forking.service
-rw-r--r-- ./lib/systemd/system/rtprelay.service
-rwxr-xr-x ./usr/bin/rtprelay-ctl
-rwxr-xr-x ./usr/bin/rtprelayd
-rw-r--r-- ./usr/lib/rtprelay/rtprelay.bpf.o
-rw-r--r-- ./usr/lib/sysctl.d/90-rtprelay.conf
-rw-r--r-- ./usr/share/doc/rtprelay/README.md
-rw-r--r-- ./usr/share/man/man8/rtprelay-ctl.8.gz
-rw-r--r-- ./usr/share/man/man8/rtprelayd.8.gz
EOF
dpkg-deb -c "$deb" >"$work/contents"
awk '$1 !~ /^d/ {print $1, $6}' "$work/contents" | LC_ALL=C sort -k2,2 >"$work/files.actual"
LC_ALL=C sort -k2,2 -o "$work/files.expected" "$work/files.expected"
diff -u "$work/files.expected" "$work/files.actual" || fail "package contents differ (- expected, + packaged)"
awk '$2 != "root/root" {print}' "$work/contents" | grep . && fail "files not owned by root/root"

# --- 4 install into an empty root ------------------------------------------------------------
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg_root() { dpkg --root="$root" --log=/dev/null --force-script-chrootless "$@"; }
dpkg_root --force-depends -i "$deb" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "dpkg -i into $root failed"; }
status="$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status} ${Version}' rtprelay)"
[ "$status" = "install ok installed $version" ] || fail "dpkg status after install: $status"
while read -r mode path; do
  file="$root/${path#./}"
  [ -f "$file" ] || fail "${path#.} not installed"
  actual="$(stat -c %A "$file")"
  [ "$actual" = "$mode" ] || fail "${path#.} has mode $actual, expected $mode"
done <"$work/files.expected"
cmp -s "$root/etc/rtprelay/rtprelay.conf" "$source_dir/etc/rtprelay.conf" ||
  fail "/etc/rtprelay/rtprelay.conf is not etc/rtprelay.conf"
zcat "$root/usr/share/man/man8/rtprelayd.8.gz" >"$work/rtprelayd.8"
grep -q '^\.TH "RTPRELAYD" "8"' "$work/rtprelayd.8" ||
  fail "rtprelayd.8.gz is not a rendered man page"
[ "$(stat -c %A "$root/var/log/rtprelay")" = drwxr-x--- ] || fail "postinst did not make /var/log/rtprelay (0750)"
[ "$(readlink "$root/etc/systemd/system/multi-user.target.wants/rtprelay.service")" = \
  /lib/systemd/system/rtprelay.service ] || fail "postinst did not enable rtprelay.service"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/rtprelay-forking.service" ] ||
  fail "postinst enabled rtprelay-forking.service too"

# --- 5 systemd-analyze verify ----------------------------------------------------------------
mkdir "$work/units"
for unit in rtprelay.service rtprelay-forking.service; do
  sed "s|/usr/bin/rtprelayd|$root/usr/bin/rtprelayd|g" "$root/lib/systemd/system/$unit" >"$work/units/$unit"
done
verify="$(systemd-analyze verify --man=no "$work/units/rtprelay.service" "$work/units/rtprelay-forking.service" 2>&1)" ||
  fail "systemd-analyze verify failed: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify: $verify"

# ExecStartPre mounts bpffs where it is missing (here: a private mount namespace without it) and
# leaves a mounted one alone.
for unit in rtprelay.service rtprelay-forking.service; do
  pre="$(sed -n 's/^ExecStartPre=-+//p' "$root/lib/systemd/system/$unit")"
  [ -n "$pre" ] || fail "$unit has no ExecStartPre=-+ (bpffs mount)"
  mounted="$(unshare -m sh -c 'mount --make-rprivate / && { umount /sys/fs/bpf 2>/dev/null || true; } &&
    stat -f -c %T /sys/fs/bpf && eval "$1" && stat -f -c %T /sys/fs/bpf && eval "$1" &&
    grep -c " /sys/fs/bpf bpf " /proc/self/mounts' _ "$pre" 2>&1 | tr '\n' ' ')"
  [ "$mounted" = "sysfs bpf_fs 1 " ] || fail "$unit's ExecStartPre (bpffs): $mounted"
done

# --- 6 the installed binaries run ------------------------------------------------------------
# (Output captured first: grep -q closing the pipe early would fail the pipeline.)
out="$("$root/usr/bin/rtprelayd" --version)" || fail "installed rtprelayd --version exited with $?"
[ "$out" = "rtprelayd $version" ] || fail "installed rtprelayd --version: $out"
out="$("$root/usr/bin/rtprelayd" --help)" || fail "installed rtprelayd --help exited with $?"
grep -q -- "--config-file" <<<"$out" || fail "installed rtprelayd --help: $out"
out="$("$root/usr/bin/rtprelay-ctl" --help)" || fail "installed rtprelay-ctl --help exited with $?"
grep -q "^Usage: rtprelay-ctl" <<<"$out" || fail "installed rtprelay-ctl --help: $out"

# ExecStart of an installed unit, run against ROOT: its binary and config file, a pid file in
# the work directory, our ports, userspace only.
exec_start() {
  local line
  line="$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/$1")"
  [ -n "$line" ] || fail "$1 has no ExecStart"
  line="${line//\/usr\/bin\//$root/usr/bin/}"
  line="${line//\/etc\/rtprelay\//$root/etc/rtprelay/}"
  line="${line//\/run\/rtprelay\//$work/run/}"
  echo "$line --table=-1 --listen-ng=127.0.0.1:$2 --listen-cli=127.0.0.1:$3"
}
ng_ping() {
  python3 "$rtprelay_test" ng "$1" '{"command": "ping"}' 2>/dev/null | grep -q '"result": "pong"'
}
mkdir "$work/run"

# rtprelay.service: Type=notify.
read -r ng cli < <(free_ports)
python3 - "$work/notify.sock" >"$work/notify.log" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
deadline = time.time() + 30
while time.time() < deadline:
    try:
        message = s.recv(4096).decode()
    except socket.timeout:
        continue
    print(message.replace("\n", " "), flush=True)
    if "STOPPING=1" in message:
        break
EOF
pids+=($!)
wait_for 5 test -S "$work/notify.sock" || fail "notify listener did not start"
# Another process may bind the chosen ports first: then the daemon exits and is tried again.
ready_or_exited() { grep -q "READY=1" "$work/notify.log" || ! kill -0 "$daemon" 2>/dev/null; }
for attempt in 1 2 3; do
  read -ra command < <(exec_start rtprelay.service "$ng" "$cli")
  # stderr is "the journal" (JOURNAL_STREAM names it, as systemd does): lines carry "<N>".
  : >"$work/notify-daemon.log"
  JOURNAL_STREAM="$(stat -c %d:%i "$work/notify-daemon.log")" NOTIFY_SOCKET="$work/notify.sock" \
    "${command[@]}" >"$work/notify-daemon.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  wait_for 20 ready_or_exited || true
  grep -q "Address already in use" "$work/notify-daemon.log" || break
  read -r ng cli < <(free_ports)
done
grep -q "READY=1" "$work/notify.log" ||
  { cat "$work/notify-daemon.log"; fail "rtprelay.service's ExecStart sent no READY=1"; }
grep -q "MAINPID=$daemon" "$work/notify.log" || fail "READY without MAINPID=$daemon: $(cat "$work/notify.log")"
grep -q "^<5>NOTICE: \[core\] Startup complete" "$work/notify-daemon.log" ||
  fail "no journal severity prefix: $(head -3 "$work/notify-daemon.log")"
grep -v "^<[0-7]>" "$work/notify-daemon.log" && fail "journal lines without a severity prefix"
ng_ping "$ng" || fail "no ng pong from rtprelay.service's daemon"
"$root/usr/bin/rtprelay-ctl" -ip "127.0.0.1:$cli" list numsessions >"$work/ctl.out" ||
  fail "rtprelay-ctl list numsessions: $(cat "$work/ctl.out")"
grep -q "^Current sessions total: 0$" "$work/ctl.out" || fail "rtprelay-ctl answer: $(cat "$work/ctl.out")"
reload="$(sed -n 's/^ExecReload=//p' "$root/lib/systemd/system/rtprelay.service")"
[ "$reload" = '/bin/kill -HUP $MAINPID' ] || fail "unexpected ExecReload: $reload"
kill -HUP "$daemon"
wait_for 15 grep -q "Reload: nothing changed" "$work/notify-daemon.log" || fail "SIGHUP did not reload"
ng_ping "$ng" || fail "no ng pong after the reload"
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
[ "$rc" = 0 ] || fail "rtprelay.service's daemon exited with $rc on SIGTERM"
wait_for 15 grep -q "STOPPING=1" "$work/notify.log" || fail "no STOPPING=1: $(cat "$work/notify.log")"

# rtprelay-forking.service: Type=forking with a pid file.
for attempt in 1 2 3; do
  read -r ng cli < <(free_ports)
  read -ra command < <(exec_start rtprelay-forking.service "$ng" "$cli")
  "${command[@]}" >"$work/forking.log" 2>&1 && break
  grep -q "Address already in use" "$work/forking.log" && [ "$attempt" -lt 3 ] ||
    fail "rtprelay-forking.service's ExecStart failed: $(cat "$work/forking.log")"
done
[ -s "$work/run/rtprelay.pid" ] || fail "no pid file once the launcher exited"
daemon="$(cat "$work/run/rtprelay.pid")"
pids+=("$daemon")
kill -0 "$daemon" || fail "the pid file names no running process"
ng_ping "$ng" || fail "no ng pong from rtprelay-forking.service's daemon"
out="$("$root/usr/bin/rtprelay-ctl" -ip "127.0.0.1:$cli" list loglevel)" || fail "rtprelay-ctl list loglevel: $out"
[ "$out" = 6 ] || fail "rtprelay-ctl list loglevel answered '$out'"
kill -TERM "$daemon"
wait_for 20 test ! -e "$work/run/rtprelay.pid" || fail "pid file still there after SIGTERM"
wait_for 15 bash -c "! kill -0 $daemon 2>/dev/null" || fail "forked daemon did not exit on SIGTERM"

# --- 7 the unit's capabilities suffice for the kernel path -----------------------------------
caps="$(sed -n 's/^CapabilityBoundingSet=//p' "$root/lib/systemd/system/rtprelay.service")"
[ -n "$caps" ] || fail "rtprelay.service has no CapabilityBoundingSet"
bounding="-all"
for cap in $caps; do
  bounding+=",+$(echo "${cap#CAP_}" | tr 'A-Z' 'a-z')"
done
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf ||
  fail "cannot mount bpffs at /sys/fs/bpf"
mkdir -p /sys/fs/bpf/rtprelay
# bpffs is global: take a table no other run holds (mkdir is atomic). e2e.kernel_path uses
# 20..59, so start at the top.
for t in 63 62 61 60 $(seq 19 -1 0); do
  if mkdir "/sys/fs/bpf/rtprelay/$t" 2>/dev/null; then
    pin_dir="/sys/fs/bpf/rtprelay/$t"
    table="$t"
    break
  fi
done
[ -n "$pin_dir" ] || fail "no free kernel table"
netns="rtpkg-$$"
ip netns add "$netns" || fail "ip netns add $netns"
ip -n "$netns" link set lo up
nsenter --net="/run/netns/$netns" setpriv --bounding-set="$bounding" --inh-caps=-all --no-new-privs \
  "$root/usr/bin/rtprelayd" --config-file="$root/etc/rtprelay/rtprelay.conf" -f -E \
  --table="$table" --no-fallback >"$work/caps.log" 2>&1 &
daemon=$!
pids+=("$daemon")
# The installed configuration's CLI address, inside the namespace.
cli_address="$(sed -n 's/^listen-cli *= *//p' "$root/etc/rtprelay/rtprelay.conf")"
[ -n "$cli_address" ] || fail "the installed rtprelay.conf sets no listen-cli"
kernel_listed() {
  nsenter --net="/run/netns/$netns" "$root/usr/bin/rtprelay-ctl" -ip "$cli_address" list kernel >"$work/kernel.out" 2>&1
}
kernel_listed_or_exited() { kernel_listed || ! kill -0 "$daemon" 2>/dev/null; }
wait_for 10 kernel_listed_or_exited && kernel_listed || { cat "$work/caps.log"; fail "with the unit's capabilities ($caps) the kernel path did not start"; }
grep -qx "ebpf: attached" "$work/kernel.out" || fail "eBPF not attached with the unit's capabilities: $(cat "$work/kernel.out" "$work/caps.log")"
grep -qx "nftables: managed" "$work/kernel.out" || fail "nftables not managed with the unit's capabilities: $(cat "$work/kernel.out")"
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
[ "$rc" = 0 ] || fail "capability-restricted daemon exited with $rc"

# --- 8 remove, purge -------------------------------------------------------------------------
dpkg_root -r rtprelay >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r failed"; }
[ ! -e "$root/usr/bin/rtprelayd" ] || fail "dpkg -r left /usr/bin/rtprelayd"
while read -r conffile; do
  [ -f "$root$conffile" ] || fail "dpkg -r removed the conffile $conffile"
done <"$work/conffiles.expected"
dpkg_root -P rtprelay >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg -P failed"; }
left="$(cd "$root" && find . -path ./var/lib/dpkg -prune -o ! -type d -print)"
[ -z "$left" ] || fail "purge left files behind: $left"
# Directories every Debian system has may stay (dpkg keeps them when a package shares them).
left="$(cd "$root" && find . -path ./var/lib/dpkg -prune -o -type d -print | grep -vxE '\.|\./(etc|etc/systemd|etc/systemd/system|var|var/lib|var/lib/systemd|var/log)' || true)"
[ -z "$left" ] || fail "purge left directories behind: $left"
status="$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' rtprelay 2>/dev/null || true)"
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] || fail "dpkg status after purge: $status"

echo "package: built, installed, run, verified and purged ($deb)"
