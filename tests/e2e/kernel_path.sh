#!/usr/bin/env bash
# End to end: rtprelayd's kernel path (eBPF tc forwarding + daemon-managed nftables) across
# network namespaces. Three namespaces, created here and deleted on exit (names carry this
# script's PID, so parallel runs do not clash):
#
#   rtpk-caller-PID              rtpk-proxy-PID (rtprelayd -t T)          rtpk-callee-PID
#   eth0 10.211.1.2/24 --veth-- pub  10.211.1.1/24
#        fd00:211::2/64               fd00:211::1/64
#                               priv 10.212.1.1/24 ---------------veth-- eth0 10.212.1.2/24
#                                    fd00:212::1/64                           fd00:212::2/64
#
# rtprelayd runs in the proxy namespace with -i pub/<v4> -i pub/<v6> -i priv/<v4> -i priv/<v6>,
# ng on the proxy namespace's 127.0.0.1. The kernel table T = 20 + PID % 40 (the first free one
# from there, reserved by creating /sys/fs/bpf/rtprelay/T): bpffs is global, not per network
# namespace. The daemon is started with `nsenter --net` rather than `ip netns exec`: the latter
# also gives it a private mount namespace with a fresh /sys, where rtprelayd mounts a bpffs of
# its own that dies with the process, so pins (and the hitless restart) could not outlive it.
#
# The proxy namespace has an operator's ruleset before the daemon starts: table ip filter with
# base chain INPUT, policy drop, `iif lo accept` (the ng traffic) and a rule of someone else, and
# table ip6 filter with base chain INPUT and a rule of someone else (both families, as the
# daemon manages ip and ip6 by default; a table or base chain it has to create itself is removed
# again when it stops, see tests/unit/nftables). Media reaches the daemon's userspace sockets only through its
# pinholes (the set of allocated ports).
#
# Checked, each with a FAIL line and exit status 1 (numbers as in the task):
#  1  IPv4 call over ng (direction pub/priv, PCMU + telephone-event), RTP both ways at 50 pps:
#     each side gets the other's packets intact, only from rtprelayd's port on its own side; both
#     streams flagged `kernelized`; over 2 s `last kernel packet` advances, `last user packet`
#     and `relayedpackets_user` stay put, no packet lost; statistics.kernel.entries >= 2.
#  7a our chain rtpengine_T, the jump rule from INPUT and the set rtprelay_ports_T exist in both
#     families, the set holds the call's ports.
#  2  telephone-event (PT 101) packets reach the callee (all of them) through userspace: the
#     caller stream's `last user packet` moves, relayedpackets_user rises by exactly their
#     number, the streams stay kernelized.
#  4  packets to the caller-side port from a second socket in the caller namespace are not
#     forwarded; the stream's `errors` rise by their number and `foreign source drops` (the
#     userspace counter) does not: they were dropped in the kernel.
#  3  re-INVITE with a new caller port: un-kernelized by the time the offer is answered, media
#     from the new port flows both ways and is kernelized again; `block media`: no longer
#     kernelized, nothing arrives; `unblock media`: flows and is kernelized again; `delete`:
#     statistics.kernel.entries back to 0.
#  8  the same as 1 over IPv6; IPv4 caller <-> IPv6 callee (address-family IP6) stays in
#     userspace (not kernelized, relayedpackets_user rises) and media flows both ways.
#  6  SIGTERM mid-call with media both ways at 50 pps: packets keep arriving during the second
#     no daemon runs (lost packets counted from sequence numbers: must be 0); the restarted
#     daemon logs the adoption and media still arrives. SIGKILL, start again: stale nftables
#     objects removed, exactly one chain/jump/set per family, --nftables-status succeeds, ebpf
#     attached with exactly one tcx program per device and no classic tc filter.
#  7b after every clean stop: our objects are gone (--nftables-status fails) and
#     `nft list ruleset` is byte-identical to the operator's ruleset from before.
#  5  with --timeout=3: a call whose media is forwarded in the kernel stays listed for 6 s, and
#     is gone within 5 s after the media stopped; entries adopted from the previous daemon are
#     removed once idle for the timeout.
# Needs root, iproute2, nftables, util-linux (nsenter), tc and python3.
# Usage: kernel_path.sh PATH-TO-rtprelayd [EXTRA-DAEMON-ARGS...]
# (extra arguments go to every daemon start; `-t -1` after them must make check 1 fail).
# KEEP_WORK=1 keeps the temporary directory with the helper, the packet logs and daemon logs.
set -euo pipefail
daemon="$(realpath "$1")"
shift
extra_args=("$@")
started="$(date +%s%N)"
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (network namespaces, eBPF, nftables)"; exit 1; }
for tool in ip nft nsenter tc python3 realpath; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup)"; exit 1; }
done
python="$(python3 -c 'import sys; print(sys.executable)')"
# shellcheck source-path=SCRIPTDIR source=lib/rtprelay_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/rtprelay_test.sh" # the Python shared by the e2e tests
# shellcheck source-path=SCRIPTDIR source=lib/topology.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/topology.sh"

ns_caller="rtpk-caller-$$"
ns_callee="rtpk-callee-$$"
ns_proxy="rtpk-proxy-$$"
pub4=10.211.1.1 caller4=10.211.1.2 priv4=10.212.1.1 callee4=10.212.1.2
pub6=fd00:211::1 caller6=fd00:211::2 priv6=fd00:212::1 callee6=fd00:212::2
ng_port=2223
port_min=40000 port_max=40099

work="$(mktemp -d)"
pids=() # processes started here and not yet reaped
made_ns=()
pin_root=/sys/fs/bpf/rtprelay
table="" # chosen below
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do # bounded: SIGKILL whatever is still there after 3 s
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  # Unpinning detaches the tcx links and frees the maps; deleting a namespace destroys its
  # veth ends (and with them the peers), its nftables ruleset and any classic tc filter.
  if [ -n "$table" ]; then rm -rf "${pin_root:?}/$table"; fi
  for ns in "${made_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

log="" # the current daemon's log
fail() {
  echo "FAIL: $*"
  if [ -n "$log" ] && [ -s "$log" ]; then
    echo "--- $(basename "$log") (last 25 lines)"
    tail -n 25 "$log"
  fi
  exit 1
}
elapsed() { # seconds since the start, 1 decimal
  local ds=$((($(date +%s%N) - started) / 100000000))
  echo "$((ds / 10)).$((ds % 10))"
}
now() { date +%s.%N; }
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# --- kernel table: bpffs is global, the table must not be another run's -------------------------
table="$(reserve_kernel_table "$pin_root" 20 40)" || fail "no kernel table for this run"

# --- topology -----------------------------------------------------------------------------------
bridge_topology "$ns_caller" "$ns_proxy" "$ns_callee" || fail "cannot build the namespaces"
ip -n "$ns_proxy" addr add "$pub4/24" dev pub
ip -n "$ns_proxy" addr add "$pub6/64" dev pub nodad
ip -n "$ns_proxy" addr add "$priv4/24" dev priv
ip -n "$ns_proxy" addr add "$priv6/64" dev priv nodad
ip -n "$ns_caller" addr add "$caller4/24" dev eth0
ip -n "$ns_caller" addr add "$caller6/64" dev eth0 nodad
ip -n "$ns_callee" addr add "$callee4/24" dev eth0
ip -n "$ns_callee" addr add "$callee6/64" dev eth0 nodad

# The operator's ruleset (see the header). No counters: it must stay byte-identical.
in_ns "$ns_proxy" nft -f - <<'NFT' || fail "cannot load the operator's nftables ruleset"
table ip filter {
  chain INPUT {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    tcp dport 22 accept comment "operator: ssh"
  }
}
table ip6 filter {
  chain INPUT {
    type filter hook input priority filter; policy accept;
    tcp dport 8080 drop comment "operator: no http-alt"
  }
}
NFT
in_ns "$ns_proxy" nft list ruleset >"$work/ruleset.before"

# --- helper: media peers, packet log analysis, tcx query (ng, JSON: lib/rtprelay_test.py) -------
cat >"$work/helper.py" <<'PY'
"""helper.py stream JSON-FILE TAG         -> "KERNELIZED LAST-KERNEL LAST-USER PACKETS ERRORS FOREIGN"
                                          of TAG's first RTP stream in a query reply
helper.py peer DIR NAME BIND PORT DEST DPORT SSRC
   RTP at 50 pps to DEST:DPORT from BIND:PORT while receiving; DIR/NAME.ctl says what to send:
   "0" (PCMU), "101" (telephone-event), "pause", "stop". Logs DIR/NAME.sent ("time seq pt")
   and DIR/NAME.recv ("time src-addr src-port ssrc seq pt ok"); DIR/NAME.ready once bound.
helper.py burst BIND PORT DEST DPORT SSRC COUNT -> COUNT RTP packets at 100 pps, then exit
helper.py recv RECV-FILE T0 T1 [SSRC]  -> "n=N bad=N pt101=N sources=A:P,... last=TIME"
helper.py lost SENT-FILE SSRC RECV-FILE T0 T1 -> "sent=N lost=N": packets sent in [T0, T1]
                                          (PT 0, not in the last 100 ms) that never arrived
helper.py first RECV-FILE SSRC         -> time of the first packet of SSRC, or 0
helper.py tcx IFNAME                    -> number of programs on IFNAME's tcx ingress"""
import ctypes, json, os, select, socket, struct, sys, time
from rtprelay_test import get, rtp, rtp_header, udp_socket, valid

def stream(path, tag):
    s = get(json.load(open(path)), "tags/%s/medias/0/streams/0" % tag)
    print(int("kernelized" in s.get("flags", [])), s["last kernel packet"],
          s["last user packet"], s["stats"]["packets"], s["stats"]["errors"],
          s.get("foreign source drops", 0))

def peer(d, name, bind, port, dest, dport, ssrc):
    sock = udp_socket(bind, port)
    sock.setblocking(False)
    ctl = os.path.join(d, name + ".ctl")
    sent = open(os.path.join(d, name + ".sent"), "a", buffering=1)
    recv = open(os.path.join(d, name + ".recv"), "a", buffering=1)
    open(os.path.join(d, name + ".ready"), "w").close()
    seq, next_send, mode = 0, time.monotonic(), "0"
    deadline = time.monotonic() + 110
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            try:
                mode = open(ctl).read().strip() or mode
            except OSError:
                pass
            if mode == "stop":
                break
            if mode in ("0", "101"):
                pt = int(mode)
                try:
                    sock.sendto(rtp(seq, ssrc, pt), (dest, dport))
                except OSError:
                    pass  # ICMP errors of earlier packets (a closed port): keep going
                sent.write("%.6f %d %d\n" % (time.time(), seq, pt))
                seq += 1
            next_send += 0.02
            if next_send < now - 0.1:
                next_send = now + 0.02
        r, _, _ = select.select([sock], [], [], max(0.0, next_send - time.monotonic()))
        while r:
            try:
                data, src = sock.recvfrom(2048)
            except (BlockingIOError, ConnectionRefusedError):
                break
            h = rtp_header(data)
            if h:
                rpt, q, _, s = h
                recv.write("%.6f %s %d %d %d %d %d\n" % (time.time(), src[0], src[1], s, q,
                                                        rpt, int(valid(data))))
            else:
                recv.write("%.6f %s %d 0 0 0 0\n" % (time.time(), src[0], src[1]))

def burst(bind, port, dest, dport, ssrc, count):
    sock = udp_socket(bind, port)
    for seq in range(count):
        sock.sendto(rtp(seq, ssrc, 0), (dest, dport))
        time.sleep(0.01)

def lines(path):
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 7:
                    yield parts
    except OSError:
        return

def recv(path, t0, t1, ssrc=None):
    n = bad = pt101 = 0
    sources, last = set(), 0.0
    for t, addr, port, s, q, pt, ok in lines(path):
        t = float(t)
        if t < t0 or t > t1 or (ssrc is not None and int(s) != ssrc):
            continue
        n += 1
        bad += ok != "1"
        pt101 += pt == "101"
        sources.add(("[%s]:%s" if ":" in addr else "%s:%s") % (addr, port))
        last = max(last, t)
    print("n=%d bad=%d pt101=%d sources=%s last=%.6f" % (
        n, bad, pt101, ",".join(sorted(sources)) or "-", last))

def lost(sent_path, ssrc, recv_path, t0, t1):
    t1 = min(t1, time.time() - 0.1)  # the last 100 ms may still be on their way
    got = {int(p[4]) for p in lines(recv_path) if int(p[3]) == ssrc}
    want = []
    with open(sent_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and t0 <= float(parts[0]) <= t1 and parts[2] == "0":
                want.append(int(parts[1]))
    print("sent=%d lost=%d" % (len(want), sum(1 for q in want if q not in got)))

def first(path, ssrc):
    for p in lines(path):
        if int(p[3]) == ssrc:
            print(p[0])
            return
    print(0)

def tcx(ifname):
    # bpf(BPF_PROG_QUERY) on BPF_TCX_INGRESS: the programs attached to the device's tcx hook.
    ifindex = socket.if_nametoindex(ifname)
    attr = ctypes.create_string_buffer(64)
    struct.pack_into("=IIII", attr, 0, ifindex, 46, 0, 0)  # target_ifindex, attach_type
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(321, 16, attr, 64) != 0:  # __NR_bpf (x86-64), BPF_PROG_QUERY
        sys.exit("BPF_PROG_QUERY on %s: %s" % (ifname, os.strerror(ctypes.get_errno())))
    print(struct.unpack_from("=I", attr, 24)[0])  # prog_cnt

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "stream":
    stream(a[0], a[1])
elif cmd == "peer":
    peer(a[0], a[1], a[2], int(a[3]), a[4], int(a[5]), int(a[6], 0))
elif cmd == "burst":
    burst(a[0], int(a[1]), a[2], int(a[3]), int(a[4], 0), int(a[5]))
elif cmd == "recv":
    recv(a[0], float(a[1]), float(a[2]), int(a[3], 0) if len(a) > 3 else None)
elif cmd == "lost":
    lost(a[0], int(a[1], 0), a[2], float(a[3]), float(a[4]))
elif cmd == "first":
    first(a[0], int(a[1], 0))
elif cmd == "tcx":
    tcx(a[0])
PY
helper() { "$python" "$work/helper.py" "$@"; }
ng() { # ng OUT-NAME JSON-REQUEST: reply as JSON into $work/OUT-NAME.json
  in_ns "$ns_proxy" "$python" "$rtprelay_test" ng "$ng_port" "$2" >"$work/$1.json" 2>"$work/$1.err" ||
    fail "ng request $2: $(cat "$work/$1.err")"
}
field() { "$python" "$rtprelay_test" field "$work/$1.json" "$2" 2>/dev/null || echo "(none)"; }
stream() { helper stream "$work/$1.json" "$2" || fail "no stream of '$2' in: $(cat "$work/$1.json")"; }
query() { # query OUT-NAME CALL-ID
  ng "$1" "{\"command\": \"query\", \"call-id\": \"$2\"}"
  [ "$(field "$1" result)" = ok ] || fail "query $2: $(cat "$work/$1.json")"
}
stats() { # stats OUT-NAME: ng statistics
  ng "$1" '{"command": "statistics"}'
  [ "$(field "$1" result)" = ok ] || fail "statistics: $(cat "$work/$1.json")"
}
user_relayed() { field "$1" "statistics/totalstatistics/relayedpackets_user"; }
kernel_entries() { field "$1" "statistics/kernel/entries"; }

# --- media peers --------------------------------------------------------------------------------
declare -A peer_pid
start_peer() { # start_peer NS NAME BIND PORT DEST DPORT SSRC
  local ns="$1" name="$2"
  echo 0 >"$work/$name.ctl"
  # ip netns exec directly, not in_ns: a backgrounded function would be a subshell, and $! its
  # PID rather than the peer's (ip netns exec execs the peer in its own process).
  ip netns exec "$ns" "$python" "$work/helper.py" peer "$work" "$name" "$3" "$4" "$5" "$6" "$7" \
    2>"$work/$name.err" &
  peer_pid[$name]=$!
  pids+=("$!")
  for _ in $(seq 1 50); do
    [ -e "$work/$name.ready" ] && return 0
    kill -0 "${peer_pid[$name]}" 2>/dev/null || break
    sleep 0.05
  done
  fail "media peer $name did not bind $3:$4: $(cat "$work/$name.err")"
}
peer_ctl() { echo "$2" >"$work/$1.ctl.tmp" && mv "$work/$1.ctl.tmp" "$work/$1.ctl"; }
forget_pid() { # forget_pid PID: drop it from the cleanup list once reaped
  local kept=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}
stop_peer() {
  local p="${peer_pid[$1]}"
  peer_ctl "$1" stop
  for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  forget_pid "$p"
}
recv_stat() { helper recv "$work/$1.recv" "$2" "$3" ${4:+"$4"}; } # NAME T0 T1 [SSRC]
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }             # kv "a=1 b=2" b -> 2
lost_stat() { helper lost "$work/$1.sent" "$2" "$work/$3.recv" "$4" "$5"; } # FROM SSRC TO T0 T1

# --- rtprelayd ----------------------------------------------------------------------------------
daemon_pid=""
daemon_runs=0
start_daemon() { # start_daemon EXTRA-ARGS...: a new rtprelayd in the proxy ns, log in $log
  daemon_runs=$((daemon_runs + 1))
  log="$work/rtprelayd.$daemon_runs.log"
  nsenter --net="/run/netns/$ns_proxy" "$daemon" --config-file=none -f -E -L 7 -t "$table" \
    -i "pub/$pub4" -i "pub/$pub6" -i "priv/$priv4" -i "priv/$priv6" -n "127.0.0.1:$ng_port" \
    -m "$port_min" -M "$port_max" --delete-delay=0 "$@" ${extra_args[@]+"${extra_args[@]}"} \
    >"$log" 2>&1 &
  daemon_pid=$! # nsenter execs the daemon in its own process: this is rtprelayd's PID
  pids+=("$daemon_pid")
  for _ in $(seq 1 100); do
    grep -qs "Startup complete" "$log" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "rtprelayd (start #$daemon_runs) did not start in $ns_proxy"
}
stop_daemon() { # stop_daemon SIGNAL: and wait (at most 5 s) until it is gone
  kill -0 "$daemon_pid" 2>/dev/null || fail "rtprelayd (pid $daemon_pid) is not running"
  # stderr off for the lot: bash's "Killed" notice for SIGKILL comes whenever it reaps the job
  {
    kill -s "$1" "$daemon_pid"
    for _ in $(seq 1 100); do kill -0 "$daemon_pid" || break; sleep 0.05; done
    kill -0 "$daemon_pid" || wait "$daemon_pid" || true
  } 2>/dev/null
  kill -0 "$daemon_pid" 2>/dev/null && fail "rtprelayd did not exit within 5 s of SIG$1"
  forget_pid "$daemon_pid"
}
nft_status() { # exit status of rtprelayd --nftables-status for our table
  in_ns "$ns_proxy" "$daemon" --config-file=none -t "$table" -i "pub/$pub4" \
    -n "127.0.0.1:$ng_port" --nftables-status >"$work/nft-status.out" 2>&1
}
ruleset_unchanged() { # 7b, after a clean stop: WHEN
  in_ns "$ns_proxy" nft list ruleset >"$work/ruleset.after"
  if ! cmp -s "$work/ruleset.before" "$work/ruleset.after"; then
    fail "nftables: the ruleset in the proxy namespace differs from the operator's after $1:" \
      "$(diff "$work/ruleset.before" "$work/ruleset.after" | tr '\n' '|')"
  fi
  if grep -q -e "rtpengine_$table" -e "rtprelay_ports_$table" "$work/ruleset.after"; then
    fail "nftables: objects of table $table left after $1"
  fi
  if nft_status; then
    fail "nftables: --nftables-status succeeds after $1: $(cat "$work/nft-status.out")"
  fi
}

# --- calls --------------------------------------------------------------------------------------
sdp_json() { # sdp_json ADDRESS PORT [VERSION]: PCMU + telephone-event, as a JSON string
  "$python" "$rtprelay_test" sdp "$1" "$2" "${3:-1}" te
}
m_port() { echo "$1" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p' | head -n 1; }
c_addr() { echo "$1" | sed -n 's/^c=IN IP[46] \(.*\)$/\1/p' | head -n 1; }
# call CALL-ID CALLER-ADDR CALLER-PORT CALLEE-ADDR CALLEE-PORT [EXTRA-OFFER-JSON [VERSION]]: offer
# from the caller (direction pub, priv) and answer from the callee; sets to_callee/at_callee
# (rtprelayd's port and address the callee sends to) and to_caller/at_caller.
call() {
  local id="$1" extra="${6:-}" v="${7:-1}" sdp
  ng offer "{\"command\": \"offer\", \"call-id\": \"$id\", \"from-tag\": \"caller\",
    \"sdp\": $(sdp_json "$2" "$3" "$v"), \"direction\": [\"pub\", \"priv\"]$extra}"
  [ "$(field offer result)" = ok ] || fail "offer $id: $(cat "$work/offer.json")"
  sdp="$(field offer sdp | tr -d '\r')"
  to_callee="$(m_port "$sdp")" at_callee="$(c_addr "$sdp")"
  ng answer "{\"command\": \"answer\", \"call-id\": \"$id\", \"from-tag\": \"caller\",
    \"to-tag\": \"callee\", \"sdp\": $(sdp_json "$4" "$5" "$v")}"
  [ "$(field answer result)" = ok ] || fail "answer $id: $(cat "$work/answer.json")"
  sdp="$(field answer sdp | tr -d '\r')"
  to_caller="$(m_port "$sdp")" at_caller="$(c_addr "$sdp")"
  [ -n "$to_callee" ] && [ -n "$to_caller" ] || fail "call $id: no ports in the SDPs"
}
# wait_kernelized CALL-ID WHAT: both streams flagged kernelized within 3 s; sets waited_ms
wait_kernelized() {
  local t0 k1 k2
  t0="$(now)"
  while [ "$(ms_between "$t0" "$(now)")" -lt 3000 ]; do
    query wk "$1"
    read -r k1 _ <<<"$(stream wk caller)"
    read -r k2 _ <<<"$(stream wk callee)"
    if [ "$k1" = 1 ] && [ "$k2" = 1 ]; then
      waited_ms="$(ms_between "$t0" "$(now)")"
      return 0
    fi
    sleep 0.1
  done
  fail "$2: the streams are not kernelized 3 s after media started (caller $k1, callee $k2):" \
    "$(grep -i -e kernel -e userspace "$log" | tail -n 5 | tr '\n' '|')"
}
# kernel_window CALL-ID WHAT SECONDS: over SECONDS, last kernel packet advances and last user
# packet stays put on both streams, relayedpackets_user stays flat
kernel_window() {
  local id="$1" what="$2" tag k lk1 lu1 lk2 lu2 u1 u2
  query kw1 "$id"
  stats ks1
  sleep "$3"
  query kw2 "$id"
  stats ks2
  for tag in caller callee; do
    read -r k lk1 lu1 _ <<<"$(stream kw1 "$tag")"
    read -r k lk2 lu2 _ <<<"$(stream kw2 "$tag")"
    [ "$k" = 1 ] || fail "$what: the $tag's stream is no longer kernelized"
    [ "$lk2" -gt "$lk1" ] ||
      fail "$what: the $tag's last kernel packet did not advance over $3 s ($lk1 -> $lk2)"
    [ "$lu2" = "$lu1" ] ||
      fail "$what: the $tag's last user packet moved over $3 s ($lu1 -> $lu2): userspace relayed"
  done
  u1="$(user_relayed ks1)" u2="$(user_relayed ks2)"
  [ "$u1" = "$u2" ] || fail "$what: relayedpackets_user rose from $u1 to $u2 while kernelized"
}
# media_ok WHAT FROM FROM-SSRC TO T0 T1 SOURCE: everything FROM sent in [T0, T1] arrived at TO,
# intact, only from SOURCE (rtprelayd's port on TO's side)
media_ok() {
  local r l
  l="$(lost_stat "$2" "$3" "$4" "$5" "$6")"
  r="$(recv_stat "$4" "$5" "$(now)" "$3")"
  [ "$(kv "$l" sent)" -gt 0 ] || fail "$1: $2 sent nothing"
  [ "$(kv "$l" lost)" = 0 ] || fail "$1: of what $2 sent, $4 missed some: $l"
  [ "$(kv "$r" bad)" = 0 ] || fail "$1: $4 got damaged packets: $r"
  [ "$(kv "$r" sources)" = "$7" ] ||
    fail "$1: $4 got packets from $(kv "$r" sources), expected only from $7 (symmetric RTP)"
}

# === rtprelayd #1 ===============================================================================
start_daemon
stats s0
[ "$(field s0 statistics/kernel/ebpf)" = attached ] ||
  fail "check 1: statistics.kernel.ebpf is '$(field s0 statistics/kernel/ebpf)', not attached: $(grep -i -e kernel -e bpf "$log" | tr '\n' '|')"

# --- check 1: IPv4 call, kernelized both ways ---------------------------------------------------
call "kp-v4-$$" "$caller4" 20000 "$callee4" 30000
[ "$at_callee" = "$priv4" ] && [ "$at_caller" = "$pub4" ] ||
  fail "check 1: SDPs show $at_caller (caller side) and $at_callee (callee side), expected $pub4 and $priv4"
c1_to_caller="$to_caller" c1_to_callee="$to_callee"
start_peer "$ns_caller" caller "$caller4" 20000 "$pub4" "$to_caller" 0x1111
start_peer "$ns_callee" callee "$callee4" 30000 "$priv4" "$to_callee" 0x2222
wait_kernelized "kp-v4-$$" "check 1"
kernelize_ms="$waited_ms"
stats s1
[ "$(kernel_entries s1)" -ge 2 ] ||
  fail "check 1: statistics.kernel.entries is $(kernel_entries s1), expected >= 2"
t1="$(now)"
kernel_window "kp-v4-$$" "check 1" 2.1
media_ok "check 1" caller 0x1111 callee "$t1" "$(now)" "$priv4:$to_callee"
media_ok "check 1" callee 0x2222 caller "$t1" "$(now)" "$pub4:$to_caller"
# since the very first packet: nothing from anywhere else, nothing damaged
for side in "caller $pub4:$to_caller" "callee $priv4:$to_callee"; do
  read -r name src <<<"$side"
  r="$(recv_stat "$name" 0 "$(now)")"
  [ "$(kv "$r" sources)" = "$src" ] && [ "$(kv "$r" bad)" = 0 ] ||
    fail "check 1: the $name got $r, expected only intact packets from $src"
done

# --- check 7a: our nftables objects while running -----------------------------------------------
in_ns "$ns_proxy" nft list ruleset >"$work/ruleset.running"
for fam in ip ip6; do
  in_ns "$ns_proxy" nft list table "$fam" filter >"$work/table.$fam" ||
    fail "check 7: no table $fam filter while rtprelayd runs"
  grep -q "chain rtpengine_$table {" "$work/table.$fam" ||
    fail "check 7: no chain rtpengine_$table in table $fam filter while running"
  grep -q "jump rtpengine_$table comment \"rtprelay jump table $table\"" "$work/table.$fam" ||
    fail "check 7: no jump to rtpengine_$table in table $fam filter while running"
  in_ns "$ns_proxy" nft list set "$fam" filter "rtprelay_ports_$table" >"$work/set.$fam" ||
    fail "check 7: no set rtprelay_ports_$table in table $fam filter while running"
  for p in "$c1_to_caller" "$c1_to_callee"; do
    grep -qwF "$p" "$work/set.$fam" ||
      fail "check 7: the set rtprelay_ports_$table ($fam) lacks the call's port $p: $(tr -s '\n\t ' ' ' <"$work/set.$fam")"
  done
done
nft_status || fail "check 7: --nftables-status fails while running: $(cat "$work/nft-status.out")"

# --- check 2: telephone-event through userspace, audio stays in the kernel ----------------------
query te1 "kp-v4-$$"
stats tes1
read -r _ _ lu_before _ <<<"$(stream te1 caller)"
t_te="$(now)"
peer_ctl caller 101
sleep 0.3
peer_ctl caller 0
sleep 1.1 # last user packet counts in seconds
query te2 "kp-v4-$$"
stats tes2
sent_te="$(awk -v t="$t_te" '$1 >= t && $3 == 101' "$work/caller.sent" | wc -l)"
got_te="$(kv "$(recv_stat callee "$t_te" "$(now)" 0x1111)" pt101)"
[ "$sent_te" -gt 0 ] || fail "check 2: the caller sent no telephone-event packet"
[ "$got_te" = "$sent_te" ] ||
  fail "check 2: the callee got $got_te of the caller's $sent_te telephone-event packets"
read -r k _ lu_after _ <<<"$(stream te2 caller)"
[ "$lu_after" -gt "$lu_before" ] ||
  fail "check 2: the caller's last user packet did not move with telephone-event ($lu_before -> $lu_after)"
u1="$(user_relayed tes1)" u2="$(user_relayed tes2)"
[ $((u2 - u1)) = "$sent_te" ] ||
  fail "check 2: relayedpackets_user rose by $((u2 - u1)), expected the $sent_te telephone-event packets"
for tag in caller callee; do
  read -r k _ <<<"$(stream te2 $tag)"
  [ "$k" = 1 ] || fail "check 2: the $tag's stream is no longer kernelized after telephone-event"
done

# --- check 4: foreign source dropped in the kernel ----------------------------------------------
query fs1 "kp-v4-$$"
read -r _ _ _ _ err1 fsd1 <<<"$(stream fs1 caller)"
t_fs="$(now)"
in_ns "$ns_caller" "$python" "$work/helper.py" burst "$caller4" 20002 "$pub4" "$c1_to_caller" 0x3333 20 ||
  fail "check 4: the second socket in the caller namespace could not send"
sleep 0.3
query fs2 "kp-v4-$$"
read -r k _ _ _ err2 fsd2 <<<"$(stream fs2 caller)"
got_fs="$(kv "$(recv_stat callee "$t_fs" "$(now)" 0x3333)" n)"
[ "$got_fs" = 0 ] || fail "check 4: the callee got $got_fs packets of the foreign source"
[ $((err2 - err1)) -ge 20 ] ||
  fail "check 4: the caller stream's errors rose by $((err2 - err1)) (from $err1), expected 20"
[ "$fsd2" = "$fsd1" ] ||
  fail "check 4: foreign source drops rose $fsd1 -> $fsd2: the packets reached userspace, not dropped in the kernel"
[ "$k" = 1 ] || fail "check 4: the caller's stream lost its kernel entry to a foreign source"

# --- check 3a: re-INVITE with a new caller port -------------------------------------------------
stop_peer caller
call "kp-v4-$$" "$caller4" 20010 "$callee4" 30000 "" 2
[ "$to_caller" = "$c1_to_caller" ] && [ "$to_callee" = "$c1_to_callee" ] ||
  fail "check 3: the re-INVITE changed rtprelayd's ports ($c1_to_caller/$c1_to_callee -> $to_caller/$to_callee)"
query ri1 "kp-v4-$$"
read -r k _ <<<"$(stream ri1 caller)"
[ "$k" = 0 ] || fail "check 3: the caller's stream is still kernelized after a re-INVITE with a new port"
t_ri="$(now)"
start_peer "$ns_caller" caller2 "$caller4" 20010 "$pub4" "$to_caller" 0x1112
wait_kernelized "kp-v4-$$" "check 3 (re-INVITE)"
rekernelize_ms="$waited_ms"
t_ri2="$(now)"
kernel_window "kp-v4-$$" "check 3 (after re-INVITE)" 1.1
media_ok "check 3 (re-INVITE)" caller2 0x1112 callee "$t_ri2" "$(now)" "$priv4:$to_callee"
media_ok "check 3 (re-INVITE)" callee 0x2222 caller2 "$t_ri2" "$(now)" "$pub4:$to_caller"
first_new="$(helper first "$work/callee.recv" 0x1112)"
reinvite_first_ms="$(ms_between "$t_ri" "$first_new")"

# --- check 3b: block media / unblock media ------------------------------------------------------
t_block="$(now)"
ng block "{\"command\": \"block media\", \"call-id\": \"kp-v4-$$\"}"
[ "$(field block result)" = ok ] || fail "check 3: block media: $(cat "$work/block.json")"
# The silence is checked from the reply on: under load the ng helper itself can take most of a
# second to start, and nothing promises silence before the daemon has answered.
t_blocked="$(now)"
query bl1 "kp-v4-$$"
for tag in caller callee; do
  read -r k _ <<<"$(stream bl1 $tag)"
  [ "$k" = 0 ] || fail "check 3: the $tag's stream is still kernelized after block media"
done
sleep 1.3
for name in caller2 callee; do
  r="$(recv_stat "$name" "$(awk -v t="$t_blocked" 'BEGIN { printf "%.6f", t + 0.3 }')" "$(now)")"
  [ "$(kv "$r" n)" = 0 ] || fail "check 3: the $name still got packets from 0.3 s after the block media reply on: $r"
done
last_c="$(kv "$(recv_stat caller2 "$t_block" "$(now)")" last)"
last_e="$(kv "$(recv_stat callee "$t_block" "$(now)")" last)"
block_ms="$(awk -v b="$t_block" -v x="$last_c" -v y="$last_e" \
  'BEGIN { m = x > y ? x : y; printf "%d", (m > b ? m - b : 0) * 1000 }')"
ng unblock "{\"command\": \"unblock media\", \"call-id\": \"kp-v4-$$\"}"
[ "$(field unblock result)" = ok ] || fail "check 3: unblock media: $(cat "$work/unblock.json")"
t_unblock="$(now)"
wait_kernelized "kp-v4-$$" "check 3 (unblock media)"
sleep 0.5
media_ok "check 3 (unblock)" caller2 0x1112 callee \
  "$(awk -v t="$t_unblock" 'BEGIN { printf "%.6f", t + 0.2 }')" "$(now)" "$priv4:$to_callee"
media_ok "check 3 (unblock)" callee 0x2222 caller2 \
  "$(awk -v t="$t_unblock" 'BEGIN { printf "%.6f", t + 0.2 }')" "$(now)" "$pub4:$to_caller"

# --- check 3c: delete ---------------------------------------------------------------------------
stats dl0
[ "$(kernel_entries dl0)" -ge 2 ] || fail "check 3: only $(kernel_entries dl0) kernel entries before delete"
t_delete="$(now)"
ng delete "{\"command\": \"delete\", \"call-id\": \"kp-v4-$$\", \"from-tag\": \"caller\"}"
[ "$(field delete result)" = ok ] || fail "check 3: delete: $(cat "$work/delete.json")"
t_deleted="$(now)"
for _ in $(seq 1 20); do
  stats dl1
  [ "$(kernel_entries dl1)" = 0 ] && break
  sleep 0.1
done
[ "$(kernel_entries dl1)" = 0 ] ||
  fail "check 3: statistics.kernel.entries is $(kernel_entries dl1) 2 s after delete, expected 0"
delete_ms="$(ms_between "$t_delete" "$(now)")"
sleep 0.3
for name in caller2 callee; do
  r="$(recv_stat "$name" "$(awk -v t="$t_deleted" 'BEGIN { printf "%.6f", t + 0.1 }')" "$(now)")"
  [ "$(kv "$r" n)" = 0 ] || fail "check 3: the $name still got packets after delete: $r"
done
stop_peer caller2
stop_peer callee

# --- check 8: IPv6, kernelized --------------------------------------------------------------------
call "kp-v6-$$" "$caller6" 20100 "$callee6" 30100
[ "$at_callee" = "$priv6" ] && [ "$at_caller" = "$pub6" ] ||
  fail "check 8: SDPs show $at_caller (caller side) and $at_callee (callee side), expected $pub6 and $priv6"
start_peer "$ns_caller" caller6 "$caller6" 20100 "$pub6" "$to_caller" 0x6111
start_peer "$ns_callee" callee6 "$callee6" 30100 "$priv6" "$to_callee" 0x6222
wait_kernelized "kp-v6-$$" "check 8 (IPv6)"
stats s6
[ "$(kernel_entries s6)" -ge 2 ] || fail "check 8: statistics.kernel.entries is $(kernel_entries s6) (IPv6)"
t6="$(now)"
kernel_window "kp-v6-$$" "check 8 (IPv6)" 1.1
media_ok "check 8 (IPv6)" caller6 0x6111 callee6 "$t6" "$(now)" "[$priv6]:$to_callee"
media_ok "check 8 (IPv6)" callee6 0x6222 caller6 "$t6" "$(now)" "[$pub6]:$to_caller"
ng del6 "{\"command\": \"delete\", \"call-id\": \"kp-v6-$$\"}"
stop_peer caller6
stop_peer callee6

# --- check 8: IPv4 caller <-> IPv6 callee stays in userspace ------------------------------------
call "kp-46-$$" "$caller4" 20200 "$callee6" 30200 ', "address-family": "IP6"'
[ "$at_callee" = "$priv6" ] && [ "$at_caller" = "$pub4" ] ||
  fail "check 8: bridging SDPs show $at_caller (caller side) and $at_callee (callee side), expected $pub4 and $priv6"
stats br1
start_peer "$ns_caller" caller46 "$caller4" 20200 "$pub4" "$to_caller" 0x4111
start_peer "$ns_callee" callee46 "$callee6" 30200 "$priv6" "$to_callee" 0x4222
sleep 0.3
t46="$(now)"
sleep 1.2
query br "kp-46-$$"
stats br2
for tag in caller callee; do
  read -r k _ <<<"$(stream br "$tag")"
  [ "$k" = 0 ] || fail "check 8: the $tag's stream of an IPv4/IPv6 bridged call is kernelized"
done
media_ok "check 8 (IPv4<->IPv6)" caller46 0x4111 callee46 "$t46" "$(now)" "[$priv6]:$to_callee"
media_ok "check 8 (IPv4<->IPv6)" callee46 0x4222 caller46 "$t46" "$(now)" "$pub4:$to_caller"
bridged_user=$(($(user_relayed br2) - $(user_relayed br1)))
[ "$bridged_user" -ge 100 ] ||
  fail "check 8: relayedpackets_user rose by only $bridged_user for the bridged call"
ng del46 "{\"command\": \"delete\", \"call-id\": \"kp-46-$$\"}"
stop_peer caller46
stop_peer callee46

# --- check 6: SIGTERM and restart mid-call ------------------------------------------------------
call "kp-rs-$$" "$caller4" 20300 "$callee4" 30300
rs_to_caller="$to_caller" rs_to_callee="$to_callee"
start_peer "$ns_caller" callerR "$caller4" 20300 "$pub4" "$to_caller" 0x5111
start_peer "$ns_callee" calleeR "$callee4" 30300 "$priv4" "$to_callee" 0x5222
wait_kernelized "kp-rs-$$" "check 6"
sleep 0.3
t_term="$(now)"
stop_daemon TERM
t_down="$(now)"
# check 7b: clean stop
ruleset_unchanged "SIGTERM (rtprelayd #1)"
sleep 1 # a whole second without any rtprelayd: only the kernel can forward
start_daemon
t_up="$(now)"
during_gap=0
for name in callerR calleeR; do
  during_gap=$((during_gap + $(kv "$(recv_stat "$name" "$t_down" "$t_up")" n)))
done
[ "$during_gap" -ge 80 ] ||
  fail "check 6: only $during_gap packets arrived (both ways) in the $(ms_between "$t_down" "$t_up") ms without a daemon"
grep -qE "Adopted kernel table $table with [0-9]+ entries" "$log" ||
  fail "check 6: the restarted rtprelayd did not log 'Adopted kernel table $table with K entries'"
adopted="$(sed -n "s/.*Adopted kernel table $table with \([0-9]*\) entries.*/\1/p" "$log" | head -n 1)"
[ "$adopted" -ge 2 ] || fail "check 6: the restarted rtprelayd adopted $adopted entries, expected >= 2"
sleep 1
t_after="$(now)"
gap_ms="$(ms_between "$t_term" "$t_up")"
l1="$(lost_stat callerR 0x5111 calleeR "$t_term" "$t_after")"
l2="$(lost_stat calleeR 0x5222 callerR "$t_term" "$t_after")"
restart_sent=$(($(kv "$l1" sent) + $(kv "$l2" sent)))
restart_lost=$(($(kv "$l1" lost) + $(kv "$l2" lost)))
[ "$restart_lost" = 0 ] ||
  fail "check 6: $restart_lost of $restart_sent packets lost over the SIGTERM/restart gap (${gap_ms} ms): caller->callee $l1, callee->caller $l2"
for side in "callerR $pub4:$rs_to_caller" "calleeR $priv4:$rs_to_callee"; do
  read -r name src <<<"$side"
  r="$(recv_stat "$name" "$(awk -v t="$t_up" 'BEGIN { printf "%.6f", t + 0.2 }')" "$t_after")"
  [ "$(kv "$r" n)" -ge 30 ] && [ "$(kv "$r" sources)" = "$src" ] ||
    fail "check 6: after the restart the $name got $r, expected ~40 packets from $src"
done
stats rs1
[ "$(field rs1 "statistics/kernel/adopted entries")" -ge 2 ] ||
  fail "check 6: statistics.kernel shows $(field rs1 "statistics/kernel/adopted entries") adopted entries"
nft_status || fail "check 6: --nftables-status fails after the restart: $(cat "$work/nft-status.out")"

# SIGKILL: nothing cleaned up; the next start must leave exactly one set of our objects.
t_kill="$(now)"
stop_daemon KILL
sleep 0.5
start_daemon
t_up2="$(now)"
grep -q "Removed nftables objects left by a previous run" "$log" ||
  fail "check 6: after SIGKILL the next rtprelayd did not report removing stale nftables objects"
for fam in ip ip6; do
  in_ns "$ns_proxy" nft list table "$fam" filter >"$work/table.$fam.k"
  for what in "chain rtpengine_$table {" "jump rtpengine_$table " "set rtprelay_ports_$table {" \
    "comment \"rtprelay media ports table $table\"" "comment \"rtprelay UDP handler table $table\""; do
    n="$(grep -cF "$what" "$work/table.$fam.k" || true)"
    [ "$n" = 1 ] ||
      fail "check 6: after SIGKILL and restart, table $fam filter has $n x '$what', expected exactly 1: $(tr '\n' '|' <"$work/table.$fam.k")"
  done
  # The operator's rules are still there, once.
  for what in 'tcp dport 22 accept comment "operator: ssh"' 'tcp dport 8080 drop comment "operator: no http-alt"'; do
    n="$(grep -cF "$what" "$work/table.$fam.k" || true)"
    [ "$n" -le 1 ] || fail "check 6: table $fam filter has $n x '$what'"
  done
done
[ "$(grep -c "^table" <(in_ns "$ns_proxy" nft list ruleset))" = 2 ] ||
  fail "check 6: after SIGKILL and restart the ruleset has other tables: $(in_ns "$ns_proxy" nft list tables | tr '\n' '|')"
nft_status || fail "check 6: --nftables-status fails after SIGKILL and restart: $(cat "$work/nft-status.out")"
stats k1
[ "$(field k1 statistics/kernel/ebpf)" = attached ] ||
  fail "check 6: statistics.kernel.ebpf is '$(field k1 statistics/kernel/ebpf)' after SIGKILL and restart"
for dev in lo pub priv; do
  n="$(in_ns "$ns_proxy" "$python" "$work/helper.py" tcx "$dev")" || fail "check 6: cannot query tcx on $dev"
  [ "$n" = 1 ] || fail "check 6: $n programs on the tcx ingress of $dev after SIGKILL and restart, expected 1"
  f="$(in_ns "$ns_proxy" tc filter show dev "$dev" ingress 2>/dev/null || true)"
  [ -z "$f" ] || fail "check 6: a classic tc ingress filter on $dev after SIGKILL and restart: $f"
done
sleep 0.8
t_after2="$(now)"
l3="$(lost_stat callerR 0x5111 calleeR "$t_kill" "$t_after2")"
l4="$(lost_stat calleeR 0x5222 callerR "$t_kill" "$t_after2")"
kill_lost=$(($(kv "$l3" lost) + $(kv "$l4" lost)))
kill_sent=$(($(kv "$l3" sent) + $(kv "$l4" sent)))
kill_gap_ms="$(ms_between "$t_kill" "$t_up2")"
stop_peer callerR
stop_peer calleeR
stop_daemon TERM
ruleset_unchanged "SIGTERM (rtprelayd #3)"

# --- check 5: timeouts with kernel-forwarded media ----------------------------------------------
start_daemon --timeout=3
adopted_at_start="$(sed -n "s/.*Adopted kernel table $table with \([0-9]*\) entries.*/\1/p" "$log" | head -n 1)"
call "kp-to-$$" "$caller4" 20400 "$callee4" 30400
start_peer "$ns_caller" callerT "$caller4" 20400 "$pub4" "$to_caller" 0x7111
start_peer "$ns_callee" calleeT "$callee4" 30400 "$priv4" "$to_callee" 0x7222
wait_kernelized "kp-to-$$" "check 5"
query to1 "kp-to-$$"
read -r _ _ lu_to1 _ <<<"$(stream to1 caller)"
for i in 1 2 3 4 5 6; do
  sleep 1
  ng list "{\"command\": \"list\"}"
  grep -qF "kp-to-$$" "$work/list.json" ||
    fail "check 5: the call timed out after ${i} s although media flows in the kernel (--timeout=3)"
done
query to2 "kp-to-$$"
for tag in caller callee; do
  read -r k _ <<<"$(stream to2 "$tag")"
  [ "$k" = 1 ] || fail "check 5: the $tag's stream is not kernelized any more"
done
read -r _ _ lu_to2 _ <<<"$(stream to2 caller)"
[ "$lu_to2" = "$lu_to1" ] || fail "check 5: media went through userspace during the 6 s ($lu_to1 -> $lu_to2)"
stop_peer callerT
stop_peer calleeT
t_stop="$(now)"
gone=""
for _ in $(seq 1 30); do
  sleep 0.2
  ng list "{\"command\": \"list\"}"
  if ! grep -qF "kp-to-$$" "$work/list.json"; then gone="$(now)"; break; fi
done
[ -n "$gone" ] || fail "check 5: the call is still listed 6 s after its media stopped (--timeout=3)"
timeout_ms="$(ms_between "$t_stop" "$gone")"
[ "$timeout_ms" -le 5500 ] || fail "check 5: the call went only ${timeout_ms} ms after its media stopped"
# Entries the previous daemon left (the restart call's) are idle since well over 3 s by now.
stats to3
[ "$(field to3 "statistics/kernel/adopted entries")" = 0 ] && [ "$(kernel_entries to3)" = 0 ] ||
  fail "check 5: $(field to3 "statistics/kernel/adopted entries") adopted and $(kernel_entries to3) kernel entries left (adopted at start: ${adopted_at_start:-0}), expected idle ones removed after 3 s"
stop_daemon TERM
ruleset_unchanged "SIGTERM (rtprelayd #4)"

echo "ok: kernel path (table $table) in $(elapsed) s: IPv4 and IPv6 calls kernelized" \
  "(flags seen ${kernelize_ms} ms after both peers sent), 0 lost, userspace flat;" \
  "telephone-event ($sent_te packets) via userspace; foreign source dropped in the kernel;" \
  "re-INVITE: un-kernelized when answered, new port's first packet through after" \
  "${reinvite_first_ms} ms, kernelized again after ${rekernelize_ms} ms; block media: last" \
  "packet ${block_ms} ms after sending the request; delete: entries 0 at the first statistics" \
  "(${delete_ms} ms); IPv4<->IPv6 in userspace ($bridged_user packets);" \
  "SIGTERM restart gap ${gap_ms} ms ($during_gap packets arrived while no daemon ran):" \
  "$restart_lost of $restart_sent packets lost; SIGKILL gap" \
  "${kill_gap_ms} ms: $kill_lost of $kill_sent lost, one set of nftables objects, one tcx" \
  "program per device; timeout 3 s: call gone ${timeout_ms} ms after media stopped;" \
  "operator ruleset byte-identical after each stop"
