#!/usr/bin/env bash
# Media relay benchmark: rtprelayd against Debian's rtpengine (both userspace only), in one run,
# on loopback, with the same RTP load (bench/rtp_load):
#   CALLS calls, each with its own caller and callee socket, RTP both ways at RATE packets/s
#   per stream (PCMU 20 ms, 172-byte packets), WARMUP seconds of warm-up then DURATION seconds
#   measured; then the calls are deleted.
# For each daemon it prints
#   - CPU per relayed packet: the daemon's utime+stime (/proc/PID/stat, all threads) at the
#     start and the end of the measured window, divided by the packets that reached the sinks
#     in the window (µs/packet; "clock" is the same from the process CPU clock, ns resolution);
#   - loss, duplicates, misrouted packets (whole run, warm-up included);
#   - one-way latency through the relay, p50/p99 (sink's receive time after recvmmsg minus the
#     send time stamped in the payload, CLOCK_MONOTONIC, same process), and "krx", the same
#     up to the sink socket's kernel receive timestamp (without the sink's wake-up);
#   - the CPU the load generator used, what the kernel's ksoftirqd threads used (network
#     receive work deferred under load; otherwise it runs inside the sender's sendmsg and is
#     charged to the sender) and what the rest of the machine used ("other") during the
#     window: other-CPU-s well above 0 means another workload shared the cores;
# and the ratio rtprelay/rtpengine of CPU per relayed packet (target <= 0.5).
#
# FLOOR=1 adds a third kind of round, "floor": bench/floor_relay, the simplest relay that uses
# the kernel mechanisms of rtprelayd's io_uring backend (multishot recvmsg into provided
# buffers, IORING_OP_SENDMSG from the receive buffer, one io_uring_enter per batch) and none of
# its logic, bound on 127.0.0.2 and 127.0.0.3 for every port of the generator's range, with
# NUM_THREADS threads; rtp_load then runs with --direct 127.0.0.2,127.0.0.3 (no ng: callers
# send to 127.0.0.2:callee-port, callees to 127.0.0.3:caller-port, and the floor relay sends
# each packet on to the peer). Its CPU is measured like the daemons' (rtp_load --pid), and the
# ratios rtprelay/floor and rtpengine/floor follow rtprelay/rtpengine: how far each daemon is
# from what any userspace io_uring relay pays on this kernel.
#
# The daemons run one at a time (a fresh one per round, rounds alternate rtprelay, rtpengine,
# REPEAT times), with the same options: --config-file=none --foreground --log-stderr
# --table=-1 --interface=127.0.0.1, the same ng port, port range, --num-threads, log level
# (stderr to a file) and delete-delay 0. Before each round the script waits (up to
# WAIT_BUSY seconds) until no other rtpengine, rtprelayd, ng_load, rtp_load or floor_relay runs
# on the machine and the machine is quiet, and reports contention it could not avoid. Only
# processes this script starts are stopped, by PID.
#
# Usage: bench/media.sh       (build first: scripts/build, or the rtprelayd, ng_load and
#                              rtp_load targets, and floor_relay for FLOOR=1)
# Environment (defaults in brackets):
#   CALLS [500]  RATE [50] (packets/s per stream)  DURATION [20] (s measured)  WARMUP [2] (s)
#   REPEAT [2] (rounds per daemon)  NUM_THREADS [2]  LOG_LEVEL [6]
#   PORT_MIN [20000]  PORT_MAX [65000]  NG_PORT [19232]  LOCAL_BASE [6000] (generator's ports,
#   even, below PORT_MIN)  WAIT_BUSY [600] (s to wait for a quiet machine before a round)
#   QUIET_PCT [15] (% of the machine's CPU other processes may use for it to count as quiet)
#   SINK_POLL_US [0] (rtp_load --sink-poll-us: the sink polls instead of sleeping in epoll_wait)
#   PERF [0] (1: perf record -g the rtprelay rounds' windows and print the top symbols; those
#   rounds' CPU figures then include perf's overhead)
#   FLOOR [0] (1: floor rounds too, see above)  FLOOR_RELAY [build/bench/floor_relay]
#   FLOOR_ARGS [] (more floor_relay options, e.g. --min-wait-us 200)
#   RTPRELAYD [build/rtprelayd]  RTPENGINE [found in PATH, /usr/bin, /usr/sbin]
#   NG_LOAD [build/bench/ng_load]  RTP_LOAD [build/bench/rtp_load]  KEEP_LOGS [0]
set -euo pipefail

bench_name=media.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
CALLS="${CALLS:-500}"
RATE="${RATE:-50}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-2}"
REPEAT="${REPEAT:-2}"
NUM_THREADS="${NUM_THREADS:-2}"
LOG_LEVEL="${LOG_LEVEL:-6}"
PORT_MIN="${PORT_MIN:-20000}"
PORT_MAX="${PORT_MAX:-65000}"
NG_PORT="${NG_PORT:-19232}"
LOCAL_BASE="${LOCAL_BASE:-6000}"
PERF="${PERF:-0}"
SINK_POLL_US="${SINK_POLL_US:-0}"
FLOOR="${FLOOR:-0}"
FLOOR_RELAY="${FLOOR_RELAY:-$bench_root/build/bench/floor_relay}"
daemons=(rtprelay rtpengine)
# The floor relay's addresses: rtp_load --direct sends callers' packets to the first and
# callees' to the second.
floor_in=127.0.0.2
floor_out=127.0.0.3

bench_require_tools rtp_load
if [ "$FLOOR" = 1 ]; then
    [ -x "$FLOOR_RELAY" ] || die "$FLOOR_RELAY missing: run scripts/build (target floor_relay)"
    daemons+=(floor)
fi
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
    die "PERF=1 needs perf: apt-get install linux-perf"
fi
if [ "$REPEAT" -lt 1 ] || [ "$CALLS" -lt 1 ]; then
    die "CALLS and REPEAT must be positive"
fi
local_max=$((LOCAL_BASE + 4 * CALLS + 200))
if [ "$local_max" -ge "$PORT_MIN" ]; then
    die "the generator's ports $LOCAL_BASE..$local_max must lie below PORT_MIN=$PORT_MIN"
fi
[ $(((PORT_MAX - PORT_MIN) / 4)) -ge "$CALLS" ] || die "port range too small for $CALLS calls"

# Daemon: 4 sockets per call; generator: 2 per call; floor relay: 2 per port of the
# generator's range.
want_fds=$((CALLS * 4 + 1024))
if [ "$FLOOR" = 1 ] && [ $((2 * (local_max - LOCAL_BASE + 1) + 1024)) -gt "$want_fds" ]; then
    want_fds=$((2 * (local_max - LOCAL_BASE + 1) + 1024))
fi
ulimit -Hn "$want_fds" 2>/dev/null || true
hard_fds="$(ulimit -Hn)"
[ "$hard_fds" = unlimited ] || [ "$hard_fds" -ge "$want_fds" ] ||
    die "$CALLS calls need $want_fds descriptors, the hard limit is $hard_fds"
ulimit -Sn "$want_fds"

bench_setup_work rtprelay-media
# Like rtprelayd, a private copy: a concurrent rebuild must not swap the binary mid-run.
[ "$FLOOR" = 1 ] && cp "$FLOOR_RELAY" "$work/floor_relay"
daemon_pid=""
load_pid=""
perf_pid=""

start_daemon() {
    bench_start_daemon "$1" "$2" "127.0.0.1:$NG_PORT" --table=-1 --interface=127.0.0.1 \
        --port-min="$PORT_MIN" --port-max="$PORT_MAX" --num-threads="$NUM_THREADS" \
        --delete-delay=0 --log-level="$LOG_LEVEL"
}

# start_floor LOG: the floor relay on the generator's ports, in the background; waits (10 s
# at most) until it prints READY. Its time limit outlasts rtp_load's own.
start_floor() {
    local log="$1" extra=()
    read -r -a extra <<<"${FLOOR_ARGS:-}"
    "$work/floor_relay" --in "$floor_in" --out "$floor_out" --ports "$LOCAL_BASE-$local_max" \
        --threads "$NUM_THREADS" "${extra[@]}" \
        --time-limit "$(calc "90 + $CALLS * 3 / 100 + $WARMUP + $DURATION" 0)" \
        </dev/null >>"$log" 2>&1 &
    daemon_pid=$!
    bench_track "$daemon_pid"
    for _ in $(seq 100); do
        grep -q '^READY$' "$log" && return 0
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$log" >&2
    die "floor_relay did not get ready"
}

declare -A R=()
rows=()

# round NAME N: one fresh daemon, one rtp_load run.
round() {
    local name="$1" n="$2" log="$work/$1-$2.log" out="$work/$1-$2.out" rc=0 blast
    local target=("127.0.0.1:$NG_PORT")
    wait_quiet "$name#$n"
    if [ "$name" = floor ]; then
        start_floor "$log"
        target=(- --direct "$floor_in,$floor_out")
    else
        start_daemon "$name" "$log"
    fi
    sleep 0.5
    if [ "$PERF" = 1 ] && [ "$name" = rtprelay ]; then
        (sleep "$(calc "$WARMUP + 0.5" 1)" &&
            exec perf record -F 997 -g -o "$work/perf-$n.data" -p "$daemon_pid" \
                -- sleep "$DURATION") >"$work/perf-$n.log" 2>&1 &
        perf_pid=$!
        bench_track "$perf_pid"
    fi
    "$RTP_LOAD" "${target[@]}" --calls "$CALLS" --rate "$RATE" --duration "$DURATION" \
        --warmup "$WARMUP" --pid "$daemon_pid" --local-base "$LOCAL_BASE" \
        --local-max "$local_max" --sink-poll-us "$SINK_POLL_US" --prefix "m$n$name" \
        >"$out" 2>&1 &
    load_pid=$!
    bench_track "$load_pid"
    wait "$load_pid" || rc=$?
    bench_untrack "$load_pid"
    load_pid=""
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        bench_untrack "$perf_pid"
        perf_pid=""
    fi
    stop_pid "$daemon_pid"
    daemon_pid=""
    if [ "$name" = floor ] && ! grep -q '^relayed=.*stopped_by=signal' "$log"; then
        tail -20 "$log" >&2
        die "floor_relay did not stop cleanly"
    fi
    blast="$(grep '^blast:' "$out" || true)"
    if [ -z "$blast" ]; then
        cat "$out" >&2
        die "$name: rtp_load printed no blast result (exit status $rc)"
    fi
    grep -E '^(setup|teardown): (first error|.*failed=[1-9])' "$out" >&2 || true
    local relayed cpu clock gen other lost sent
    relayed="$(field window_relayed "$blast")"
    cpu="$(field daemon_cpu_s "$blast")"
    clock="$(field daemon_clock_s "$blast")"
    gen="$(field gen_cpu_s "$blast")"
    other="$(field other_cpu_s "$blast")"
    lost="$(field lost "$blast")"
    sent="$(field sent "$blast")"
    [ "$relayed" -gt 0 ] || die "$name: no packet was relayed: $blast"
    R[$name.relayed]=$((${R[$name.relayed]:-0} + relayed))
    R[$name.cpu]="$(calc "${R[$name.cpu]:-0} + $cpu" 3)"
    R[$name.clock]="$(calc "${R[$name.clock]:-0} + $clock" 4)"
    R[$name.gen]="$(calc "${R[$name.gen]:-0} + $gen" 3)"
    R[$name.lost]=$((${R[$name.lost]:-0} + lost))
    R[$name.sent]=$((${R[$name.sent]:-0} + sent))
    R[$name.bad]=$((${R[$name.bad]:-0} + $(field duplicates "$blast") + $(field misrouted "$blast") + $(field corrupt "$blast")))
    R[$name.p50]+=" $(field lat_us_p50 "$blast")"
    R[$name.p99]+=" $(field lat_us_p99 "$blast")"
    R[$name.status]=$((${R[$name.status]:-0} + rc))
    rows+=("$(printf '%-3s %-10s %8s %8s %7s %8s %8s %8s %7s %6s %6s %6s %6s %6s %6s %6s' \
        "$n" "$name" "$(field window_pps "$blast")" "$relayed" "$cpu" \
        "$(field daemon_us_per_packet "$blast")" "$(field daemon_clock_us_per_packet "$blast")" \
        "$(calc "100 * $lost / $sent" 3)" "$(($(field duplicates "$blast") + $(field misrouted "$blast") + $(field corrupt "$blast")))" \
        "$(field lat_us_p50 "$blast")" "$(field lat_us_p99 "$blast")" \
        "$(field krx_us_p50 "$blast")" "$(field krx_us_p99 "$blast")" "$gen" \
        "$(field ksoftirqd_cpu_s "$blast")" "$other")")
    echo "  ${rows[-1]}"
    if awk "BEGIN { exit !($other > 0.1 * $DURATION) }"; then
        contention+=" $name#$n(other ${other}s)"
    fi
}

started=$SECONDS
bench_versions
pps=$(calc "$CALLS * 2 * $RATE" 0)
echo "media relay benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r)"
echo "  rtprelay:  $relay_version ($RTPRELAYD)"
echo "  rtpengine: $engine_version ($RTPENGINE)"
[ "$FLOOR" = 1 ] && echo "  floor:     $FLOOR_RELAY ($floor_in/$floor_out, ports $LOCAL_BASE-$local_max)"
echo "  calls=$CALLS streams=$((CALLS * 2)) rate=$RATE/s per stream ($pps packets/s offered)" \
    "warmup=${WARMUP}s duration=${DURATION}s repeat=$REPEAT num_threads=$NUM_THREADS" \
    "log_level=$LOG_LEVEL ports=$PORT_MIN-$PORT_MAX generator_ports=$LOCAL_BASE-$local_max" \
    "sink_poll_us=$SINK_POLL_US"
header="$(printf '%-3s %-10s %8s %8s %7s %8s %8s %8s %7s %6s %6s %6s %6s %6s %6s %6s' \
    '#' daemon pkts/s relayed CPU-s us/pkt us/pkt loss-% dup/mis \
    'lat' 'lat' krx krx gen ksirqd other)"
header2="$(printf '%-3s %-10s %8s %8s %7s %8s %8s %8s %7s %6s %6s %6s %6s %6s %6s %6s' \
    '' '' '' '(window)' '' '(stat)' '(clock)' '' '' p50-us p99-us p50-us p99-us CPU-s CPU-s CPU-s)"
echo
echo "  $header"
echo "  $header2"
for n in $(seq "$REPEAT"); do
    for d in "${daemons[@]}"; do
        round "$d" "$n"
    done
done

echo
echo "totals over $REPEAT round(s) of ${DURATION}s: CPU per relayed packet = sum of CPU / sum of packets"
printf '%-10s %10s %8s %12s %12s %12s %9s %8s  %s\n' daemon relayed CPU-s us/pkt-stat \
    us/pkt-clock gen-us/pkt loss-% dup/mis 'latency us p50 | p99 (per round)'
for d in "${daemons[@]}"; do
    R[$d.us]="$(calc "${R[$d.cpu]} * 1000000 / ${R[$d.relayed]}" 3)"
    R[$d.usclock]="$(calc "${R[$d.clock]} * 1000000 / ${R[$d.relayed]}" 3)"
    printf '%-10s %10s %8s %12s %12s %12s %9s %8s  %s | %s\n' "$d" "${R[$d.relayed]}" \
        "${R[$d.cpu]}" "${R[$d.us]}" "${R[$d.usclock]}" \
        "$(calc "${R[$d.gen]} * 1000000 / ${R[$d.relayed]}" 3)" \
        "$(calc "100 * ${R[$d.lost]} / ${R[$d.sent]}" 4)" "${R[$d.bad]}" \
        "$(xargs <<<"${R[$d.p50]}" | tr ' ' /)" "$(xargs <<<"${R[$d.p99]}" | tr ' ' /)"
done
ratio="$(calc "${R[rtprelay.us]} / ${R[rtpengine.us]}" 2)"
ratio_clock="$(calc "${R[rtprelay.usclock]} / ${R[rtpengine.usclock]}" 2)"
ok="$(awk "BEGIN { print ($ratio <= 0.5) ? \"met\" : \"MISSED\" }")"
echo
echo "rtprelay/rtpengine CPU per relayed packet: x$ratio (process CPU clock: x$ratio_clock;" \
    "target <= 0.5: $ok)"
if [ "$FLOOR" = 1 ]; then
    for d in rtprelay rtpengine; do
        echo "$d/floor CPU per relayed packet: x$(calc "${R[$d.us]} / ${R[floor.us]}" 2)" \
            "(process CPU clock: x$(calc "${R[$d.usclock]} / ${R[floor.usclock]}" 2))"
    done
fi
[ -z "$contention" ] || echo "note: other work shared the machine during:$contention"
if [ "$PERF" = 1 ]; then
    for f in "$work"/perf-*.data; do
        [ -s "$f" ] || continue
        echo
        echo "perf: rtprelayd hot spots (self time, $(basename "$f"))"
        perf report -i "$f" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
            grep -E '^ +[0-9.]+%' | sed 's/ *$//' | head -30
    done
fi
echo "(benchmark took $((SECONDS - started)) s)"
status=0
for d in "${daemons[@]}"; do
    if [ "${R[$d.status]}" != 0 ]; then
        echo "warning: $d: some call failed or packets were lost, duplicated or misrouted"
        status=1
    fi
done
exit "$status"
