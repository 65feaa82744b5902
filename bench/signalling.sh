#!/usr/bin/env bash
# Signalling benchmark: rtprelayd against Debian's rtpengine (userspace only), in one run, on
# loopback. For each daemon it measures
#   - offer+answer+delete cycles per second of daemon CPU (utime+stime of the daemon process,
#     all threads, from /proc/PID/stat before and after a batch) and per second of wall time;
#   - resident memory per established call (VmRSS from /proc/PID/status before setting up
#     HOLD_CALLS calls and once they are all up, divided by the number of calls);
# then prints the ratios rtprelay/rtpengine and whether the targets hold
# (cycles per CPU-second >= 2x rtpengine's, memory per call <= rtpengine's).
#
# Cycles: both daemons run side by side (ng on NG_PORT and NG_PORT+1, same media interface and
# port range; with delete-delay 0 an idle daemon holds no media port) and take turns: REPEAT
# batches of CYCLES cycles each, alternating, so both see the same machine; the figures are
# the medians over the batches. "other-CPU-s" is what the rest of the machine's processes used
# during a batch (process CPU time in /proc/stat minus daemon and ng_load): values that are not
# small against the daemon's CPU-s mean another workload shared the 2 cores with the run.
# Memory: a freshly started daemon per measurement, one after the other.
#
# Every daemon: same interface (127.0.0.1), same port range, same log level (stderr to a file),
# delete-delay 0, foreground, no config file, no kernel module (--table=-1), no redis. Only
# the processes this script starts are stopped, by PID.
#
# Usage: bench/signalling.sh        (build first: scripts/build, or the ng_load target)
# Environment (defaults in brackets):
#   CYCLES [20000] (per batch)  REPEAT [5]  WINDOW [32]  WARMUP [2000]  HOLD_CALLS [10000]
#   LOG_LEVEL [6]  PORT_MIN [20000]  PORT_MAX [65000]  NG_PORT [19222]
#   TIME_LIMIT [300] (seconds, per ng_load run)
#   RTPRELAYD [build/rtprelayd]  RTPENGINE [found in PATH, /usr/bin, /usr/sbin]
#   NG_LOAD [build/bench/ng_load]  KEEP_LOGS [0] (1 keeps the daemons' logs)
set -euo pipefail

bench_name=signalling.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
CYCLES="${CYCLES:-20000}"
REPEAT="${REPEAT:-5}"
WINDOW="${WINDOW:-32}"
WARMUP="${WARMUP:-2000}"
HOLD_CALLS="${HOLD_CALLS:-10000}"
LOG_LEVEL="${LOG_LEVEL:-6}"
PORT_MIN="${PORT_MIN:-20000}"
PORT_MAX="${PORT_MAX:-65000}"
NG_PORT="${NG_PORT:-19222}"
TIME_LIMIT="${TIME_LIMIT:-300}"
daemons=(rtprelay rtpengine)

bench_require_tools
if [ "$REPEAT" -lt 1 ] || [ "$CYCLES" -lt 1 ]; then
    die "CYCLES and REPEAT must be positive"
fi

# 4 sockets per call (2 sides x RTP+RTCP). Raise the descriptor limit as far as allowed; where
# the hard limit is lower than what HOLD_CALLS needs, hold as many calls as fit and say so.
want_fds=200000
ulimit -Hn "$want_fds" 2>/dev/null || true
hard_fds="$(ulimit -Hn)"
[ "$hard_fds" = unlimited ] && hard_fds="$want_fds"
ulimit -Sn "$((hard_fds < want_fds ? hard_fds : want_fds))"
nofile="$(ulimit -n)"
max_by_fds=$(((nofile - 256) / 4 / 100 * 100))
max_by_ports=$(((PORT_MAX - PORT_MIN + 1) * 9 / 10 / 4 / 100 * 100))
hold_calls="$HOLD_CALLS"
hold_note=""
if [ "$hold_calls" -gt "$max_by_fds" ]; then
    hold_calls="$max_by_fds"
    hold_note="HOLD_CALLS=$HOLD_CALLS needs $((HOLD_CALLS * 4 + 256)) descriptors; the hard limit here is $hard_fds (raising it was refused), so $hold_calls calls are held"
fi
if [ "$hold_calls" -gt "$max_by_ports" ]; then
    hold_calls="$max_by_ports"
    hold_note="port range $PORT_MIN-$PORT_MAX holds about $max_by_ports calls, so $hold_calls calls are held"
fi
[ "$hold_calls" -gt 0 ] || die "no room to hold calls (descriptors $nofile, ports $PORT_MIN-$PORT_MAX)"

bench_setup_work rtprelay-bench
declare -A pid=()
load_pid=""

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
ng_port() { if [ "$1" = rtprelay ]; then echo "$NG_PORT"; else echo "$((NG_PORT + 1))"; fi; }

# start_daemon NAME LOGFILE: starts rtprelay or rtpengine with the common options, waits for
# ping; the PID goes to pid[NAME].
start_daemon() {
    bench_start_daemon "$1" "$2" "127.0.0.1:$(ng_port "$1")" --table=-1 \
        --interface=127.0.0.1 --port-min="$PORT_MIN" --port-max="$PORT_MAX" \
        --delete-delay=0 --log-level="$LOG_LEVEL"
    pid[$1]="$daemon_pid"
}

stop_daemon() {
    stop_pid "${pid[$1]}"
    unset "pid[$1]"
}

declare -A R=()

# cycles_batch NAME BATCH: CYCLES cycles against the running daemon; appends the batch's
# figures to R[NAME.*].
cycles_batch() {
    local name="$1" batch="$2" out c0 c1 b0 b1 ok cpu wall client other
    c0="$(cpu_ticks "${pid[$name]}")"
    b0="$(busy_ticks)"
    out="$("$NG_LOAD" cycles "127.0.0.1:$(ng_port "$name")" --count "$CYCLES" --window "$WINDOW" \
        --time-limit "$TIME_LIMIT" --prefix "c$batch$name")" || true
    c1="$(cpu_ticks "${pid[$name]}")"
    b1="$(busy_ticks)"
    echo "  $name #$batch: $(head -1 <<<"$out" | sed 's/ offer_rtt.*delete_rtt_us_p99=[0-9]*//')"
    ok="$(field ok "$out")"
    [ -n "$ok" ] || die "$name: ng_load printed no result: $out"
    cpu="$(calc "($c1 - $c0) / $hz" 2)"
    wall="$(field wall_s "$out")"
    client="$(field client_cpu_s "$out")"
    other="$(calc "($b1 - $b0) / $hz - $cpu - $client" 2)"
    R[$name.errors]=$((${R[$name.errors]:-0} + $(field errors "$out") + $(field timeouts "$out")))
    R[$name.per_cpu]+=" $(calc "$ok / $cpu" 0)"
    R[$name.per_wall]+=" $(calc "$ok / $wall" 0)"
    R[$name.cpu]+=" $cpu"
    R[$name.other]+=" $other"
    R[$name.client]+=" $client"
}

# measure_hold NAME: RSS and descriptors before and after setting up hold_calls calls.
measure_hold() {
    local name="$1" log="$work/$1-hold.log" out="$work/$1-hold.out" r0 r1 f0 f1 ok
    start_daemon "$name" "$log"
    sleep 1
    r0="$(rss_kb "${pid[$name]}")"
    f0="$(fd_count "${pid[$name]}")"
    "$NG_LOAD" hold "127.0.0.1:$(ng_port "$name")" --count "$hold_calls" --window "$WINDOW" \
        --time-limit "$TIME_LIMIT" --prefix "hold$name" </dev/null >"$out" &
    load_pid=$!
    bench_track "$load_pid"
    for _ in $(seq $((TIME_LIMIT * 10))); do
        grep -q '^READY' "$out" && break
        kill -0 "$load_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q '^READY' "$out"; then
        cat "$out" >&2
        die "$name: hold setup did not finish"
    fi
    sleep 1
    r1="$(rss_kb "${pid[$name]}")"
    f1="$(fd_count "${pid[$name]}")"
    kill -USR1 "$load_pid"
    wait "$load_pid" || true
    bench_untrack "$load_pid"
    load_pid=""
    stop_daemon "$name"
    grep -v READY "$out" | sed 's/ offer_rtt.*//; s/ delete_rtt.*//; s/^/  '"$name"': /'
    ok="$(field ok "$(grep '^hold-setup' "$out")")"
    if [ -z "$ok" ] || [ "$ok" -eq 0 ]; then
        die "$name: no call was set up"
    fi
    R[$name.hold_ok]="$ok"
    R[$name.rss0]="$r0"
    R[$name.rss1]="$r1"
    R[$name.kib_per_call]="$(calc "($r1 - $r0) / $ok" 2)"
    R[$name.fds_per_call]="$(calc "($f1 - $f0) / $ok" 2)"
}

started=$SECONDS
bench_versions
echo "signalling benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo "  rtprelay:  $relay_version ($RTPRELAYD)"
echo "  rtpengine: $engine_version ($RTPENGINE)"
echo "  cycles=${CYCLES}x$REPEAT window=$WINDOW warmup=$WARMUP hold_calls=$hold_calls" \
    "ports=$PORT_MIN-$PORT_MAX log_level=$LOG_LEVEL nofile=$nofile"
[ -z "$hold_note" ] || echo "  note: $hold_note"

for d in "${daemons[@]}"; do
    start_daemon "$d" "$work/$d-cycles.log"
    if [ "$WARMUP" -gt 0 ]; then
        "$NG_LOAD" cycles "127.0.0.1:$(ng_port "$d")" --count "$WARMUP" --window "$WINDOW" \
            --time-limit "$TIME_LIMIT" --prefix "warm$d" >/dev/null || die "$d: warm-up failed"
    fi
done
for b in $(seq "$REPEAT"); do
    for d in "${daemons[@]}"; do
        cycles_batch "$d" "$b"
    done
done
for d in "${daemons[@]}"; do
    stop_daemon "$d"
done
for d in "${daemons[@]}"; do
    measure_hold "$d"
done

echo
echo "medians over $REPEAT batches of $CYCLES cycles (min-max in brackets)"
printf '%-10s %22s %22s %8s %11s %7s | %6s %9s %9s\n' daemon cycles/CPU-s cycles/wall-s \
    CPU-s other-CPU-s errors calls KiB/call fds/call
for d in "${daemons[@]}"; do
    printf '%-10s %22s %22s %8s %11s %7s | %6s %9s %9s\n' "$d" \
        "$(median "${R[$d.per_cpu]}") [$(range "${R[$d.per_cpu]}")]" \
        "$(median "${R[$d.per_wall]}") [$(range "${R[$d.per_wall]}")]" \
        "$(median "${R[$d.cpu]}")" "$(median "${R[$d.other]}")" "${R[$d.errors]}" \
        "${R[$d.hold_ok]}" "${R[$d.kib_per_call]}" "${R[$d.fds_per_call]}"
done
cpu_ratio="$(calc "$(median "${R[rtprelay.per_cpu]}") / $(median "${R[rtpengine.per_cpu]}")" 2)"
wall_ratio="$(calc "$(median "${R[rtprelay.per_wall]}") / $(median "${R[rtpengine.per_wall]}")" 2)"
mem_ratio="$(calc "${R[rtprelay.kib_per_call]} / ${R[rtpengine.kib_per_call]}" 2)"
cpu_ok="$(awk "BEGIN { print ($cpu_ratio >= 2) ? \"met\" : \"MISSED\" }")"
mem_ok="$(awk "BEGIN { print ($mem_ratio <= 1) ? \"met\" : \"MISSED\" }")"
echo
echo "rtprelay/rtpengine: cycles per CPU-second x$cpu_ratio (target >= 2: $cpu_ok)," \
    "cycles per wall-second x$wall_ratio, memory per call x$mem_ratio (target <= 1: $mem_ok)"
echo "(benchmark took $((SECONDS - started)) s; daemons log at level $LOG_LEVEL to stderr, a file)"
status=0
if [ "${R[rtprelay.errors]}" != 0 ] || [ "${R[rtpengine.errors]}" != 0 ]; then
    echo "warning: some requests failed (see the errors column)"
    status=1
fi
exit "$status"
