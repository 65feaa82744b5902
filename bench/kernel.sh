#!/usr/bin/env bash
# Kernel path benchmark: the same RTP load through rtprelayd's eBPF path (table >= 0),
# rtprelayd's userspace relay (table -1) and Debian's rtpengine in userspace (table -1, no
# kernel module here), in one run, across network namespaces, plus two baselines without any
# relay. Three namespaces, created here and deleted on exit (names carry this script's PID):
#
#   kb-caller-PID                      kb-proxy-PID (daemon, ng on 127.0.0.1)   kb-callee-PID
#   eth0 10.241.1.2 --veth-- pub 10.241.1.1         priv 10.242.1.1 --veth-- eth0 10.242.1.2
#   dir0 10.243.1.2 ---------------------- veth ----------------------------- dir0 10.243.1.3
#
# The load is bench/rtp_load with its sockets in the caller and callee namespaces (setns): per
# call one caller and one callee socket (bound to 0.0.0.0), RTP both ways at RATE packets/s per
# stream (PCMU 20 ms, 172 bytes), rtcp-mux offered and answered (the relays then keep one
# socket per side), calls set up over ng in rounds of 50 (offer direction pub -> priv). Modes:
#   direct     no relay: caller and callee talk over their own veth pair (dir0); the cost of
#              generator and sink alone, with one veth crossing per packet
#   ipfwd      no relay: caller and callee talk through the proxy namespace, plain kernel IP
#              forwarding (two veth crossings, like every relay mode)
#   ebpf       rtprelayd --table=T (its tc/tcx ingress program forwards kernelized streams;
#              here every entry leaves through a veth, so by bpf_redirect_peer)
#   neigh      the same with --no-kernel-redirect-peer: bpf_redirect_neigh, the path a NIC
#              gets (not in the default MODES)
#   user       rtprelayd --table=-1
#   rtpengine  rtpengine --table=-1
# Each run: a fresh daemon; the generator processes (at most PER_GEN calls each: the
# descriptor limit is per process) start blasting at the same instant, WARMUP seconds later
# the measured window of DURATION seconds begins. Over the window:
#   - CPU: whole-machine busy time from /proc/stat (user nice system irq softirq steal, ticks)
#     and the root cpuacct cgroup (every task's exact run time, ns), and "ours": the CPU time
#     (utime+stime) of daemon + generators + ksoftirqd threads. On veth the receive path of a
#     packet runs as softirq on the sending CPU, in the sender's context: the generator pays
#     for its packets' delivery to the relay (and, in the ebpf and ipfwd modes, for the
#     forwarding and the delivery to the sink), a userspace relay for delivering what it sends.
#     So "ours" holds the whole cost of the load while other work shares the machine; the
#     machine-wide figures are exact only when the machine is otherwise idle ("other" shows
#     how much the rest of the machine used).
#   - per relayed packet = CPU / packets that reached the sinks in the window; relay cost =
#     that minus the same figure of the direct baseline (and of ipfwd) in the same run.
#   - eBPF cross-check: kernel.bpf_stats_enabled=1 during the ebpf windows (restored after),
#     run_time_ns / run_cnt of the programs attached in the proxy namespace (bpftool). The
#     statistics add two clock reads per program run to the ebpf figures; BPF_STATS=0 leaves
#     them off (no bpf-ns column), for CPU figures without that overhead.
#   - loss (sequence numbers, whole run), duplicates/misrouted, latency p50/p99 (the sink's
#     receive time minus the send time stamped in the packet, same clock), achieved rate.
# Then the scale part (SCALE=1):
#   - descriptors: the daemons' descriptors per call with rtcp-mux (fresh daemon, probe calls),
#     and from that and RLIMIT_NOFILE the most calls each daemon can hold; a run at that many
#     calls at CEIL_RATE packets/s per stream (all streams must flow, 0 % loss), and one at
#     RATE packets/s per stream through the eBPF path (the full load, as far as this box gets);
#   - rate: RAMP call counts at RATE packets/s per stream, RAMP_DURATION s each, per RAMP_MODES,
#     stopping a mode at its first run with loss or < 98 % of the offered rate.
# CPUs are not pinned (2 cores shared by generator, relay and sink; see docs/benchmarks.md);
# generators and daemons run at nice NICE.
#
# Needs root, iproute2, util-linux (nsenter), bpftool and python3 (scripts/setup installs them).
# Usage: bench/kernel.sh            (root; build first: scripts/build)
#        QUICK=1 bench/kernel.sh    (smoke run, well under a minute)
# Environment (defaults in brackets; QUICK=1 makes them small):
#   CALLS [500]  RATE [50]  DURATION [10] (s measured)  WARMUP [3] (s)  REPEAT [2]
#   MODES [direct ipfwd ebpf user rtpengine]  SCALE [1]  PER_GEN [4000] (calls per generator)
#   RAMP [1000 2000 3000 4000 6000 8000]  RAMP_MODES [direct ebpf user rtpengine]  RAMP_DURATION [5]
#   CEIL_RATE [2]  NUM_THREADS [2]  LOG_LEVEL [5]  PORT_MIN [20000]  PORT_MAX [65000]
#   NICE [-5] (generators and daemons run at this nice level, so that other work on a shared
#   machine disturbs them less)  NG_PORT [2223]  WAIT_BUSY [30] (s to wait for a quiet
#   machine before each comparison round and before the scale part; 0: do not wait)
#   BPF_STATS [1] (0: no kernel BPF statistics during the ebpf windows)
#   RTPRELAYD RTPENGINE NG_LOAD RTP_LOAD  KEEP_LOGS [0]
set -euo pipefail

bench_name=kernel.sh
QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
    CALLS="${CALLS:-200}" DURATION="${DURATION:-2}" WARMUP="${WARMUP:-1}" REPEAT="${REPEAT:-1}"
    RAMP="${RAMP:-400}" RAMP_DURATION="${RAMP_DURATION:-2}" CEIL_PROBE="${CEIL_PROBE:-100}"
    CEIL_RUN="${CEIL_RUN:-0}" WAIT_BUSY="${WAIT_BUSY:-0}" RAMP_MODES="${RAMP_MODES:-ebpf}"
fi
WAIT_BUSY="${WAIT_BUSY:-30}" # before lib.sh, whose default is longer
BPF_STATS="${BPF_STATS:-1}"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib/topology.sh
. "$(dirname "$0")/../tests/e2e/lib/topology.sh"
CALLS="${CALLS:-500}"
RATE="${RATE:-50}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
REPEAT="${REPEAT:-2}"
MODES="${MODES:-direct ipfwd ebpf user rtpengine}"
SCALE="${SCALE:-1}"
PER_GEN="${PER_GEN:-4000}"
RAMP="${RAMP:-1000 2000 3000 4000 6000 8000}"
RAMP_MODES="${RAMP_MODES:-direct ebpf user rtpengine}"
RAMP_DURATION="${RAMP_DURATION:-5}"
CEIL_RATE="${CEIL_RATE:-2}"
CEIL_PROBE="${CEIL_PROBE:-500}"
CEIL_RUN="${CEIL_RUN:-1}"
NUM_THREADS="${NUM_THREADS:-2}"
LOG_LEVEL="${LOG_LEVEL:-5}"
PORT_MIN="${PORT_MIN:-20000}"
PORT_MAX="${PORT_MAX:-65000}"
NG_PORT="${NG_PORT:-2223}"
NICE="${NICE:--5}"
SETUP_CHUNK=50

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, eBPF)"
for tool in ip nsenter bpftool sysctl python3; do
    command -v "$tool" >/dev/null || die "$tool not installed (scripts/setup)"
done
bench_require_tools rtp_load
if [ "$PER_GEN" -lt 1 ] || [ "$PER_GEN" -gt 4000 ]; then die "PER_GEN must be 1..4000"; fi

ns_caller="kb-caller-$$" ns_proxy="kb-proxy-$$" ns_callee="kb-callee-$$"
pub4=10.241.1.1 caller4=10.241.1.2 priv4=10.242.1.1 callee4=10.242.1.2
dir_caller=10.243.1.2 dir_callee=10.243.1.3
pin_root=/sys/fs/bpf/rtprelay
table=""
made_ns=()
bpf_stats_saved=""

# shellcheck disable=SC2317  # called by bench_cleanup
bench_cleanup_extra() {
    local ns
    if [ -n "$bpf_stats_saved" ]; then sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_saved"; fi
    # Unpinning detaches the tcx links and frees the maps; deleting a namespace destroys its
    # veths (and their peers) and its nftables ruleset.
    if [ -n "$table" ]; then rm -rf "${pin_root:?}/$table"; fi
    for ns in ${made_ns[@]+"${made_ns[@]}"}; do ip netns del "$ns" 2>/dev/null || true; done
}
bench_setup_work rtprelay-kernel

# --- kernel table: bpffs is global; mkdir reserves one no other run uses ------------------
# 0..19: tests/e2e/kernel_path.sh takes 20..59
table="$(reserve_kernel_table "$pin_root" 0 20)" || die "no kernel table for this run"

# --- topology -----------------------------------------------------------------------------
bridge_topology "$ns_caller" "$ns_proxy" "$ns_callee" || die "cannot build the namespaces"
ip -n "$ns_caller" link add dir0 type veth peer name dir0 netns "$ns_callee"
ip -n "$ns_proxy" addr add "$pub4/24" dev pub
ip -n "$ns_proxy" addr add "$priv4/24" dev priv
ip -n "$ns_caller" addr add "$caller4/24" dev eth0
ip -n "$ns_caller" addr add "$dir_caller/24" dev dir0
ip -n "$ns_callee" addr add "$callee4/24" dev eth0
ip -n "$ns_callee" addr add "$dir_callee/24" dev dir0
ip -n "$ns_caller" link set dir0 up
ip -n "$ns_callee" link set dir0 up
ip -n "$ns_caller" route add default via "$pub4"
ip -n "$ns_callee" route add default via "$priv4"
ip netns exec "$ns_proxy" sysctl -qw net.ipv4.ip_forward=1
in_proxy=(nsenter --net="/run/netns/$ns_proxy")

# Descriptors: the hard limit cannot be raised here; use all of it.
ulimit -Hn 200000 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)"
nofile="$(ulimit -n)"

now_s() { date +%s.%N; }
sleep_until() { # sleep_until REALTIME-S
    local d
    d="$(awk -v t="$1" -v n="$(now_s)" 'BEGIN { d = t - n; printf "%.3f", (d > 0) ? d : 0 }')"
    sleep "$d"
}
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# json_get KEY: KEY of the JSON object on stdin (bpftool -j output), 0 when absent.
json_get() {
    python3 -c 'import json, sys
try:
    print(int(json.load(sys.stdin).get(sys.argv[1], 0)))
except ValueError:
    print(0)' "$1"
}
# IDs of the eBPF programs behind rtprelayd's pinned tcx links (link_IFINDEX in its table).
bpf_prog_ids() {
    local l
    for l in "$pin_root/$table"/link_*; do
        [ -e "$l" ] || continue
        bpftool -j link show pinned "$l" 2>/dev/null | json_get prog_id
    done | sort -u
}
bpf_prog_totals() { # "RUN_TIME_NS RUN_CNT" summed over bpf_prog_ids
    local id ns=0 cnt=0 j
    for id in $(bpf_prog_ids); do
        j="$(bpftool -j prog show id "$id" 2>/dev/null || true)"
        ns=$((ns + $(json_get run_time_ns <<<"$j")))
        cnt=$((cnt + $(json_get run_cnt <<<"$j")))
    done
    echo "$ns $cnt"
}

# start_relay MODE LOG: a fresh daemon of MODE in the proxy namespace (daemon_pid).
start_relay() {
    local mode="$1" log="$2" t=-1 name=rtprelay extra=()
    case "$mode" in
        ebpf) t="$table" ;;
        neigh) t="$table" extra=(--no-kernel-redirect-peer) ;;
        user) ;;
        rtpengine) name=rtpengine ;;
        *) die "start_relay: $mode" ;;
    esac
    bench_ns=(nice -n "$NICE" "${in_proxy[@]}")
    bench_start_daemon "$name" "$log" "127.0.0.1:$NG_PORT" --table="$t" \
        --interface="pub/$pub4" --interface="priv/$priv4" --port-min="$PORT_MIN" \
        --port-max="$PORT_MAX" --num-threads="$NUM_THREADS" --delete-delay=0 \
        --log-level="$LOG_LEVEL" "${extra[@]}"
    bench_ns=()
}

# Modes in which rtprelayd's eBPF program forwards.
ebpf_mode() { [ "$1" = ebpf ] || [ "$1" = neigh ]; }

# run_load MODE CALLS RATE DURATION WARMUP TAG: one run; results in the global array L.
declare -A L=()
run_load() {
    local mode="$1" calls="$2" rate="$3" duration="$4" warmup="$5" tag="$6"
    local gens per k n first base start_at win0 win1 dpid="" tl out tb0 tb1
    local b0="0 0" b1="0 0" gen_pids=() args=() pid_arg=()
    L=()
    gens=$(((calls + PER_GEN - 1) / PER_GEN))
    per=$(((calls + gens - 1) / gens))
    if [ "$mode" != direct ] && [ "$mode" != ipfwd ]; then
        start_relay "$mode" "$work/$tag.log"
        dpid="$daemon_pid"
    fi
    case "$mode" in
        direct) args=(- --direct "$dir_callee,$dir_caller") ;;
        ipfwd) args=(- --direct "$callee4,$caller4") ;;
        *) args=("127.0.0.1:$NG_PORT" --ng-netns "/run/netns/$ns_proxy" --direction "pub,priv"
            --rtcp-mux --setup-chunk "$SETUP_CHUNK") ;;
    esac
    # Every generator sets up its calls, prints its setup: line and waits for the start file;
    # once all have, the file gets the start instant (all blast together: a generator that
    # blasts while another still sets up would starve the other's ng exchange).
    rm -f "$work/start"
    tl="$(calc "90 + $per / 100 + $warmup + $duration" 0)"
    for ((k = 0; k < gens; k++)); do
        first=$((k * per))
        n=$((calls - first < per ? calls - first : per))
        base=$((10000 + k * (4 * PER_GEN + 200)))
        pid_arg=()
        # Generator 0 samples the daemon's and the machine's CPU at the window's edges.
        [ "$k" != 0 ] || [ -z "$dpid" ] || pid_arg=(--pid "$dpid")
        nice -n "$NICE" "$RTP_LOAD" "${args[@]}" ${pid_arg[@]+"${pid_arg[@]}"} \
            --caller-netns "/run/netns/$ns_caller" --callee-netns "/run/netns/$ns_callee" \
            --caller-addr "$caller4" \
            --callee-addr "$callee4" --bind-any --calls "$n" --rate "$rate" \
            --duration "$duration" --warmup "$warmup" --start-file "$work/start" \
            --local-base "$base" --local-max $((base + 4 * PER_GEN + 100)) \
            --time-limit "$tl" --prefix "$tag-g$k" >"$work/$tag.g$k.out" 2>&1 &
        gen_pids+=("$!")
        bench_track "$!"
    done
    for _ in $(seq $((tl * 10))); do
        n=0
        for ((k = 0; k < gens; k++)); do
            grep -q '^setup:' "$work/$tag.g$k.out" 2>/dev/null && n=$((n + 1))
        done
        [ "$n" -lt "$gens" ] || break
        sleep 0.1
    done
    start_at="$(calc "$(now_s) + 0.3" 3)"
    echo "$start_at" >"$work/start.tmp"
    mv "$work/start.tmp" "$work/start"
    win0="$(calc "$start_at + $warmup" 3)"
    win1="$(calc "$win0 + $duration" 3)"
    # The eBPF programs' own statistics over (most of) the window; the CPU figures come from
    # generator 0, which samples them at the window's edges.
    sleep_until "$win0"
    if ebpf_mode "$mode" && [ "$BPF_STATS" = 1 ]; then
        sysctl -qw kernel.bpf_stats_enabled=1
        tb0="$(now_s)" b0="$(bpf_prog_totals)"
    fi
    sleep_until "$(calc "$win0 + $duration / 2" 3)"
    [ -z "$dpid" ] || L[fds]="$(fd_count "$dpid")"
    sleep_until "$win1"
    if ebpf_mode "$mode" && [ "$BPF_STATS" = 1 ]; then
        tb1="$(now_s)" b1="$(bpf_prog_totals)"
        sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_saved"
    fi
    L[status]=0
    for p in "${gen_pids[@]}"; do
        wait "$p" || L[status]=$?
        bench_untrack "$p"
    done
    if [ -n "$dpid" ]; then
        stop_pid "$dpid"
        # rtprelayd leaves its pins for a hitless restart; unpin, so no program stays attached
        # to the devices in the runs of the other modes.
        if ebpf_mode "$mode"; then
            rm -rf "${pin_root:?}/$table"
            mkdir "$pin_root/$table"
        fi
    fi
    local sent=0 lost=0 relayed=0 bad=0 silent=0 late=0 failed=0 p50=0 p99=0 lates=0 lat
    local gen_s=0 out0=""
    for ((k = 0; k < gens; k++)); do
        out="$(grep '^blast:' "$work/$tag.g$k.out" || true)"
        if [ -z "$out" ]; then
            cat "$work/$tag.g$k.out" >&2
            [ -z "$dpid" ] || tail -5 "$work/$tag.log" >&2
            die "$tag: generator $k printed no blast result"
        fi
        failed=$((failed + $(field failed "$(grep '^setup:' "$work/$tag.g$k.out")")))
        sent=$((sent + $(field sent "$out")))
        lost=$((lost + $(field lost "$out")))
        relayed=$((relayed + $(field window_relayed "$out")))
        bad=$((bad + $(field duplicates "$out") + $(field misrouted "$out") + $(field corrupt "$out")))
        silent=$((silent + $(field silent_streams "$out")))
        late=$((late + $(field late_ticks "$out")))
        gen_s="$(calc "$gen_s + $(field gen_cpu_s "$out")" 2)"
        [ "$k" != 0 ] || out0="$out"
        lat="$(field late_start_s "$out")"
        lates="$(awk -v a="$lates" -v b="$lat" 'BEGIN { print (b > a) ? b : a }')"
        [ "$k" != 0 ] || p50="$(field lat_us_p50 "$out")"
        p99="$(awk -v a="$p99" -v b="$(field lat_us_p99 "$out")" 'BEGIN { print (b > a) ? b : a }')"
    done
    grep -h '^setup: first error' "$work/$tag".g*.out | head -1 >&2 || true
    [ "$relayed" -gt 0 ] || die "$tag: no packet reached a sink"
    L[calls]="$calls" L[gens]="$gens" L[sent]="$sent" L[lost]="$lost" L[relayed]="$relayed"
    L[bad]="$bad" L[silent]="$silent" L[late]="$late" L[late_start]="$lates" L[failed]="$failed"
    L[p50]="$p50" L[p99]="$p99"
    L[offered]=$((calls * 2 * rate))
    L[pps]="$(calc "$relayed / $duration" 0)"
    L[loss]="$(calc "100 * $lost / $sent" 4)"
    local stat_s acct_s daemon_s=0 ksoft_s all_s
    stat_s="$(field stat_busy_cpu_s "$out0")"
    acct_s="$(field cpuacct_cpu_s "$out0")"
    [ -z "$dpid" ] || daemon_s="$(field daemon_cpu_s "$out0")"
    ksoft_s="$(field ksoftirqd_cpu_s "$out0")"
    all_s="$(field all_processes_cpu_s "$out0")"
    L[stat_us]="$(calc "$stat_s * 1000000 / $relayed" 3)"
    L[acct_us]=-
    if [ "$acct_s" != -1.000 ]; then L[acct_us]="$(calc "$acct_s * 1000000 / $relayed" 3)"; fi
    L[ours_us]="$(calc "($gen_s + $daemon_s + $ksoft_s) * 1000000 / $relayed" 3)"
    L[daemon_s]="$daemon_s" L[gen_s]="$gen_s" L[ksoft_s]="$ksoft_s"
    L[other_s]="$(calc "$all_s - $gen_s - $daemon_s - $ksoft_s" 2)"
    L[busy_pct]="$(calc "100 * $stat_s / $duration / $(nproc)" 0)"
    read -r bn0 bc0 <<<"$b0"
    read -r bn1 bc1 <<<"$b1"
    if ebpf_mode "$mode" && [ $((bc1 - bc0)) -gt 0 ]; then
        L[bpf_ns]="$(calc "($bn1 - $bn0) / ($bc1 - $bc0)" 0)"
        # Runs per packet relayed over the same span (the samples are not at the window edges).
        L[bpf_runs]="$(calc "($bc1 - $bc0) / ($relayed / $duration * ($tb1 - $tb0))" 3)"
    else
        L[bpf_ns]=- L[bpf_runs]=-
    fi
    # Sustained: nothing lost, misrouted or silent, >= 98 % of the offered rate, started on time.
    L[ok]=1
    if [ "$lost" -gt 0 ] || [ "$bad" -gt 0 ] || [ "$silent" -gt 0 ] || [ "$failed" -gt 0 ] ||
        awk "BEGIN { exit !(${L[pps]} < 0.98 * ${L[offered]} || $lates > 0.5) }"; then
        L[ok]=0
    fi
}

row_fmt='%-9s %-10s %6s %8s %8s %7s %8s %8s %8s %8s %6s %6s %6s %6s %6s %12s %3s\n'
print_header() {
    # shellcheck disable=SC2059
    printf "  $row_fmt" run mode calls pkts/s loss-% bad stat-us acct-us ours-us bpf-ns \
        dmn-s gen-s ksirq other busy% p50/p99 ok
}
print_row() {
    # shellcheck disable=SC2059
    printf "  $row_fmt" "$1" "$2" "${L[calls]}" "${L[pps]}" "${L[loss]}" "$((L[bad] + L[silent]))" \
        "${L[stat_us]}" "${L[acct_us]}" "${L[ours_us]}" "${L[bpf_ns]}" "${L[daemon_s]}" \
        "${L[gen_s]}" "${L[ksoft_s]}" "${L[other_s]}" "${L[busy_pct]}" \
        "${L[p50]}/${L[p99]}" "${L[ok]}"
}

started=$SECONDS
bpf_stats_saved="$(sysctl -n kernel.bpf_stats_enabled)"
bench_versions
echo "kernel path benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores" \
    "($(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
echo "  rtprelay:  $relay_version ($RTPRELAYD), eBPF table $table"
echo "  rtpengine: $engine_version ($RTPENGINE), userspace (no kernel module)"
echo "  calls=$CALLS rate=$RATE/s per stream ($((CALLS * 2 * RATE)) packets/s offered)" \
    "warmup=${WARMUP}s duration=${DURATION}s repeat=$REPEAT modes=[$MODES]" \
    "num_threads=$NUM_THREADS log_level=$LOG_LEVEL nofile=$nofile nice=$NICE; CPUs not pinned"
echo "  columns: stat-us = /proc/stat busy (incl. irq+softirq) per packet; acct-us = root" \
    "cpuacct per packet; ours-us = daemon+generators+ksoftirqd per packet (all in µs);"
echo "           bpf-ns = the eBPF programs' run_time_ns/run_cnt; dmn/gen/ksirq/other = CPU-s" \
    "in the window; busy% = /proc/stat; p50/p99 = latency µs; ok = 0 % loss at >= 98 % of the rate"
echo
echo "comparison: $CALLS calls at $RATE packets/s per stream"
print_header
declare -A C=()
for r in $(seq "$REPEAT"); do
    wait_quiet "comparison round $r"
    for m in $MODES; do
        run_load "$m" "$CALLS" "$RATE" "$DURATION" "$WARMUP" "c$r$m"
        print_row "$r" "$m"
        for key in stat_us acct_us ours_us bpf_ns bpf_runs daemon_s loss other_s p99; do
            C[$m.$key]+=" ${L[$key]}"
        done
        C[$m.ok]="$((${C[$m.ok]:-1} & L[ok]))"
    done
done

echo
echo "medians over $REPEAT run(s) [range]; relay cost = figure minus the direct baseline's (µs/packet)"
printf '  %-10s %18s %18s %18s %14s %14s %14s %9s\n' mode stat-us acct-us ours-us \
    cost-stat cost-ours cost-ours-fwd bpf-ns
med() { median "${C[$1.$2]:-}"; }
has_mode() { case " $MODES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for m in $MODES; do
    cs=- co=- cf=-
    if has_mode direct; then
        cs="$(calc "$(med "$m" stat_us) - $(med direct stat_us)" 3)"
        co="$(calc "$(med "$m" ours_us) - $(med direct ours_us)" 3)"
        C[$m.cost_ours]="$co"
        C[$m.cost_stat]="$cs"
    fi
    if has_mode ipfwd; then cf="$(calc "$(med "$m" ours_us) - $(med ipfwd ours_us)" 3)"; fi
    acct="-"
    [ "$(med "$m" acct_us)" = "" ] || acct="$(med "$m" acct_us) [$(range "${C[$m.acct_us]}")]"
    printf '  %-10s %18s %18s %18s %14s %14s %14s %9s\n' "$m" \
        "$(med "$m" stat_us) [$(range "${C[$m.stat_us]}")]" "$acct" \
        "$(med "$m" ours_us) [$(range "${C[$m.ours_us]}")]" "$cs" "$co" "$cf" \
        "$(tr ' ' '\n' <<<"${C[$m.bpf_ns]}" | grep -v -- - | paste -sd/ - || true)"
    if ebpf_mode "$m"; then
        echo "             eBPF program runs per relayed packet: $(xargs <<<"${C[$m.bpf_runs]}")"
    fi
done
if has_mode direct && has_mode ebpf && has_mode rtpengine; then
    for basis in ours stat; do
        e="${C[ebpf.cost_$basis]}" g="${C[rtpengine.cost_$basis]}"
        if awk "BEGIN { exit !($g > 0) }"; then
            verdict="$(awk "BEGIN { print ($e <= $g / 20) ? \"met\" : \"MISSED\" }")"
            echo "eBPF relay cost / rtpengine relay cost ($basis): $(calc "$e / $g" 3)" \
                "(target <= 0.05: $verdict)"
        fi
    done
    if has_mode neigh; then
        echo "eBPF with bpf_redirect_neigh relay cost / rtpengine relay cost (ours):" \
            "$(calc "${C[neigh.cost_ours]} / ${C[rtpengine.cost_ours]}" 3)"
    fi
    if has_mode user; then
        echo "rtprelay userspace relay cost / rtpengine relay cost (ours):" \
            "$(calc "${C[user.cost_ours]} / ${C[rtpengine.cost_ours]}" 3)"
    fi
fi

if [ "$SCALE" = 1 ]; then
    wait_quiet "scale"
    echo
    echo "scale: descriptors (RLIMIT_NOFILE $nofile, not raisable here), rtcp-mux offered and answered"
    declare -A CEIL=() PERCALL=()
    for m in ebpf rtpengine; do
        start_relay "$m" "$work/probe-$m.log"
        f0="$(fd_count "$daemon_pid")"
        "$RTP_LOAD" "127.0.0.1:$NG_PORT" --ng-netns "/run/netns/$ns_proxy" --direction pub,priv \
            --rtcp-mux --setup-chunk "$SETUP_CHUNK" --caller-netns "/run/netns/$ns_caller" \
            --callee-netns "/run/netns/$ns_callee" --caller-addr "$caller4" \
            --callee-addr "$callee4" --bind-any --calls "$CEIL_PROBE" --rate 5 --duration 1 \
            --warmup 0.5 --local-base 10000 --local-max 30000 --prefix "probe$m" \
            --time-limit 60 >"$work/probe-$m.out" 2>&1 &
        probe_pid=$!
        bench_track "$probe_pid"
        sleep 0.5
        f1=0
        for _ in $(seq 40); do # the highest count while the calls are up
            f="$(fd_count "$daemon_pid")"
            [ "$f" -le "$f1" ] || f1="$f"
            kill -0 "$probe_pid" 2>/dev/null || break
            sleep 0.1
        done
        wait "$probe_pid" || true
        bench_untrack "$probe_pid"
        stop_pid "$daemon_pid"
        per_call="$(calc "($f1 - $f0) / $CEIL_PROBE" 2)"
        # Offers of one set-up round hold 4 sockets each until their answers: room for them.
        CEIL[$m]="$(awk -v n="$nofile" -v b="$f0" -v p="$per_call" -v c="$SETUP_CHUNK" \
            'BEGIN { t = 4 - p; if (t < 0) t = 0; printf "%d", (n - b - t * c - 16) / p }')"
        CEIL[$m]=$((CEIL[$m] / 10 * 10))
        PERCALL[$m]="$per_call"
        echo "  $m: $f0 descriptors idle, $f1 with $CEIL_PROBE calls: $per_call per call ->" \
            "at most ${CEIL[$m]} calls within $nofile descriptors"
    done
    CEIL[user]="${CEIL[ebpf]}"
    echo "  10,000 calls would need $((10000 * 2 + 50)) descriptors for rtprelayd" \
        "(${PERCALL[ebpf]} per call + its own) and $(calc "10000 * ${PERCALL[rtpengine]} + 50" 0)" \
        "for rtpengine"
    if [ "$CEIL_RUN" = 1 ]; then
        echo
        echo "scale: the most calls the descriptor limit allows, $CEIL_RATE packets/s per stream" \
            "(all streams must flow); then the full $RATE packets/s through the eBPF path"
        print_header
        for m in ebpf user rtpengine; do
            run_load "$m" "${CEIL[$m]}" "$CEIL_RATE" "$RAMP_DURATION" 2 "ceil$m"
            print_row ceiling "$m"
        done
        run_load ebpf "${CEIL[ebpf]}" "$RATE" "$RAMP_DURATION" 2 "full"
        print_row full ebpf
    fi
    echo
    echo "scale: rate ramp at $RATE packets/s per stream, ${RAMP_DURATION}s windows" \
        "(a mode stops at its first run that is not ok)"
    print_header
    declare -A BEST=()
    for m in $RAMP_MODES; do
        for n in $RAMP; do
            if [ -n "${CEIL[$m]:-}" ] && [ "$n" -gt "${CEIL[$m]}" ]; then
                echo "  ($m: $n calls exceed its descriptor ceiling ${CEIL[$m]})"
                break
            fi
            run_load "$m" "$n" "$RATE" "$RAMP_DURATION" 2 "r$m$n"
            print_row ramp "$m"
            [ "${L[ok]}" = 1 ] || break
            BEST[$m]="$n calls = ${L[pps]} packets/s"
        done
    done
    echo
    for m in $RAMP_MODES; do
        echo "  highest sustained ($m): ${BEST[$m]:-none of the ramp steps}"
    done
fi
echo
[ -z "$contention" ] || echo "note: other work kept the machine busy during:$contention"
echo "(benchmark took $((SECONDS - started)) s)"
status=0
for m in $MODES; do
    if [ "${C[$m.ok]:-1}" != 1 ]; then
        echo "warning: $m: loss, misrouting or rate below 98 % in the comparison"
        status=1
    fi
done
exit "$status"
