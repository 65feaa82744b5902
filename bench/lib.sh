# Shared by the benchmark scripts (sourced, not run): finding the binaries, the work directory,
# starting and stopping daemons (only those the script started, by PID), CPU sampling and
# waiting for a quiet machine. The sourcing script sets `bench_name` (for messages) first.
# shellcheck shell=bash

bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RTPRELAYD="${RTPRELAYD:-$bench_root/build/rtprelayd}"
NG_LOAD="${NG_LOAD:-$bench_root/build/bench/ng_load}"
RTP_LOAD="${RTP_LOAD:-$bench_root/build/bench/rtp_load}"
KEEP_LOGS="${KEEP_LOGS:-0}"
WAIT_BUSY="${WAIT_BUSY:-600}"
QUIET_PCT="${QUIET_PCT:-15}"
hz="$(getconf CLK_TCK)"

die() {
    echo "${bench_name:-bench}: $*" >&2
    exit 1
}

# shellcheck disable=SC2120  # the argument is optional
# bench_require_tools [rtp_load]: rtpengine (RTPENGINE or PATH), rtprelayd, ng_load, and
# rtp_load when asked.
bench_require_tools() {
    local c
    if [ -z "${RTPENGINE:-}" ]; then
        for c in "$(command -v rtpengine 2>/dev/null || true)" /usr/bin/rtpengine /usr/sbin/rtpengine; do
            if [ -n "$c" ] && [ -x "$c" ]; then
                RTPENGINE="$c"
                break
            fi
        done
    fi
    if [ -z "${RTPENGINE:-}" ] || [ ! -x "$RTPENGINE" ]; then
        die "rtpengine not found: apt-get install --no-install-recommends rtpengine-daemon"
    fi
    [ -x "$RTPRELAYD" ] || die "$RTPRELAYD missing: run scripts/build"
    [ -x "$NG_LOAD" ] || die "$NG_LOAD missing: run scripts/build (target ng_load)"
    if [ "${1:-}" = rtp_load ]; then
        [ -x "$RTP_LOAD" ] || die "$RTP_LOAD missing: run scripts/build (target rtp_load)"
    fi
}

# Processes to stop on exit (bench_track PID / bench_untrack PID), and a hook the script may
# define (bench_cleanup_extra) that runs after they are stopped.
bench_pids=()
bench_track() { bench_pids+=("$1"); }
bench_untrack() {
    local kept=() p
    for p in "${bench_pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    bench_pids=(${kept[@]+"${kept[@]}"})
}

# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL; reaps it.
stop_pid() {
    local p="$1"
    [ -n "$p" ] || return 0
    bench_untrack "$p"
    kill -TERM "$p" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
    local p
    for p in ${bench_pids[@]+"${bench_pids[@]}"}; do
        stop_pid "$p"
    done
    if declare -F bench_cleanup_extra >/dev/null; then
        bench_cleanup_extra || true
    fi
    if [ -n "${work:-}" ] && [ -d "$work" ]; then
        if [ "$KEEP_LOGS" = 1 ]; then
            echo "logs kept in $work" >&2
        else
            rm -rf "$work"
        fi
    fi
}

# bench_setup_work PREFIX: a temporary work directory with a private copy of rtprelayd (a
# concurrent rebuild of build/ must not swap the binary mid-run); cleanup on exit.
bench_setup_work() {
    work="$(mktemp -d "/tmp/$1.XXXXXX")"
    cp "$RTPRELAYD" "$work/rtprelayd"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2034  # read by the sourcing script
bench_versions() {
    relay_version="$("$work/rtprelayd" --version 2>&1 | head -1)"
    engine_version="$("$RTPENGINE" --version 2>&1 | sed -n 's/.*Version: *//p' | head -1)"
}

# Network namespace wrapper for daemons and clients: empty, or e.g.
# (nsenter --net=/run/netns/NAME).
bench_ns=()

# bench_start_daemon NAME LOG NG-HOST:PORT ARGS...: starts rtprelay (the private copy) or
# rtpengine in the foreground with --config-file=none --log-stderr --listen-ng and ARGS, inside
# bench_ns, and waits (10 s at most) for its ping answer. The PID is in daemon_pid.
bench_start_daemon() {
    local name="$1" log="$2" ng="$3" bin
    shift 3
    case "$name" in
        rtprelay*) bin="$work/rtprelayd" ;;
        rtpengine*) bin="$RTPENGINE" ;;
        *) die "unknown daemon $name" ;;
    esac
    ${bench_ns[@]+"${bench_ns[@]}"} "$bin" --config-file=none --foreground --log-stderr \
        --listen-ng="$ng" "$@" </dev/null >>"$log" 2>&1 &
    daemon_pid=$! # nsenter execs the daemon: this is the daemon's own PID
    bench_track "$daemon_pid"
    if ! ${bench_ns[@]+"${bench_ns[@]}"} "$NG_LOAD" ping "$ng" --time-limit 10 >/dev/null ||
        ! kill -0 "$daemon_pid" 2>/dev/null; then
        tail -20 "$log" >&2
        die "$name did not answer ping on $ng"
    fi
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | sed -n '1p;$p' | paste -sd- -; }

# CPU ticks (utime+stime, all threads) of one process.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# Ticks the machine's processes used according to /proc/stat: user nice system steal
# (interrupt time is not charged to any process, so it is left out).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $9}' /proc/stat; }
# CPU ticks used so far by every process (utime+stime+cutime+cstime of /proc/*/stat): on this
# kind of VM /proc/stat's machine totals are unreliable under a 1 ms periodic load.
all_ticks() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk '{
        match($0, /.*\) /); split(substr($0, RLENGTH + 1), f, " ")
        t += f[12] + f[13] + f[14] + f[15] } END { printf "%d\n", t }'
}

# Percentage of the machine's CPU time used by processes over 2 s.
busy_pct() {
    local a b
    a="$(all_ticks)"
    sleep 2
    b="$(all_ticks)"
    echo $((b > a ? 100 * (b - a) / (2 * hz * $(nproc)) : 0))
}

# Other benchmark processes on the machine (not ours, not zombies), one per line.
others() {
    local p names="rtpengine rtprelayd ng_load rtp_load floor_relay"
    for p in $(for n in $names; do pgrep -x "$n" || true; done); do
        case " ${bench_pids[*]-} " in *" $p "*) continue ;; esac
        [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] || continue
        tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | sed "s/^/$p /;s/ *$//" || true
        echo
    done | grep . || true
}

# wait_quiet WHAT: before a measurement, wait (up to WAIT_BUSY s) until no other benchmark
# process runs and the machine is below QUIET_PCT % busy over 2 s; WHAT is added to
# `contention` when it gave up waiting. WAIT_BUSY=0: no waiting, no check.
contention=""
wait_quiet() {
    local waited=0 busy pct said=""
    [ "$WAIT_BUSY" -gt 0 ] || return 0
    for (( ; ; )); do
        busy="$(others)"
        pct="$(busy_pct)"
        [ -n "$busy" ] || [ "$pct" -ge "$QUIET_PCT" ] || return 0
        if [ "$waited" -ge "$WAIT_BUSY" ]; then
            contention+=" $1"
            echo "  note: machine still busy (${pct}%) after ${WAIT_BUSY}s; measuring $1 anyway" >&2
            return 0
        fi
        if [ -z "$said" ]; then
            echo "  waiting for a quiet machine (${pct}% busy${busy:+; other benchmark processes:})" >&2
            # shellcheck disable=SC2001
            [ -z "$busy" ] || echo "$busy" | sed 's/^/    /' >&2
            said=1
        fi
        sleep 3
        waited=$((waited + 5))
    done
}
