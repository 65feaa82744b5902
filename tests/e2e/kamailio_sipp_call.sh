#!/usr/bin/env bash
# End to end: real calls SIPp UAC -> Kamailio (rtpengine module, rtpengine_manage()) -> SIPp
# UAS, with rtprelayd as Kamailio's rtpengine. Everything on 127.0.0.0/8: rtprelayd and
# Kamailio on 127.0.0.1, the UAC on 127.0.0.2, the UAS on 127.0.0.3, ports picked at run time.
# Checked, each with a FAIL line and exit status 1:
#   - both SIPps exit 0 and their statistics count CALLS successful calls, none failed;
#   - the SDP the UAS gets in the INVITE and the SDP the UAC gets in the 200 OK carry
#     c=IN IP4 127.0.0.1, o=... IN IP4 127.0.0.1 (replace-origin) and an m= port in rtprelayd's
#     port range (-m/-M), never the SIPp's own address or port;
#   - while the calls are up (the UAC holds each call for a few seconds after the ACK) ng
#     `list` shows every call-id, and `query` shows the two SIP tags, each with a media whose
#     local port is the one advertised to that side and whose endpoint is that side's SIPp;
#     with CONCURRENCY calls in parallel, `list` shows all of them at once;
#   - after the BYEs (rtpengine_manage() sends delete; the daemon runs with --delete-delay=0)
#     `list` is empty;
#   - RTP crossed rtprelayd both ways in every call: after the ACK the UAC and the UAS each play
#     the same PCMA pcap (sip-tester's g711a.pcap, N packets) to the address the other side's
#     SDP gave them, i.e. to rtprelayd. The monitor re-queries every call about once a second
#     until it ends and keeps the last counters of each tag's RTP stream (`stats` = received
#     from that party, `stats_out` = sent to it); the UAC holds the call 3 s past the playback,
#     so the last ones are final. Per call and direction: received from the sender >= 99% of N
#     (loss < 1%) and <= N, sent to the receiver == received from the sender (nothing lost
#     inside rtprelayd), every `errors` 0; over all calls the statistics' relayedpackets equals
#     the sum of the `stats_out` packets and relayedpacketerrors is 0.
# Usage: kamailio_sipp_call.sh PATH-TO-rtprelayd [CALLS (5)] [CONCURRENCY (CALLS)]
# KEEP_WORK=1 keeps the temporary directory with all configs and logs.
# BLOCK_MEDIA=1 sends ng `block media` for every call as soon as it is answered: the media
# checks must then FAIL (a check of the check).
set -euo pipefail
daemon="$1"
calls="${2:-5}"
concurrency="${3:-$calls}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scenarios="$here/sipp"
# shellcheck source-path=SCRIPTDIR source=lib/rtprelay_test.sh
. "$here/lib/rtprelay_test.sh" # the Python shared by the e2e tests
for tool in kamailio kamcmd sipp python3 ss; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup)"; exit 1; }
done
# The pcap both SIPps play (path from the scenarios): its packet count and duration.
pcap="$(sed -n 's/.*play_pcap_audio="\([^"]*\)".*/\1/p' "$scenarios/uac.xml")"
[ "$pcap" = "$(sed -n 's/.*play_pcap_audio="\([^"]*\)".*/\1/p' "$scenarios/uas.xml")" ] ||
  { echo "FAIL: uac.xml and uas.xml do not play the same one pcap"; exit 1; }
[ -r "$pcap" ] || { echo "FAIL: $pcap (package sip-tester) missing"; exit 1; }
read -r pcap_packets pcap_ms < <(python3 - "$pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
end = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = d[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
i, n, times = 24, 0, []
while i + 16 <= len(d):
    sec, frac, incl, _ = struct.unpack(end + "IIII", d[i:i + 16])
    times.append(sec + frac / (1e9 if nano else 1e6))
    i += 16 + incl
    n += 1
print(n, int((times[-1] - times[0]) * 1000) if times else 0)
PY
)
[ "${pcap_packets:-0}" -gt 0 ] || { echo "FAIL: no packets in $pcap"; exit 1; }
min_packets=$(((pcap_packets * 99 + 99) / 100)) # loss < 1%
modules="$(dirname "$(dpkg -L kamailio | grep '/modules/rtpengine.so$' | head -n 1)")"
work="$(mktemp -d)"
started="$(date +%s%N)"
pids=() # processes started and not yet reaped
forget() { # forget PID: drop a reaped process from pids
  local p keep=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}
reap() { # reap PID: wait for it, REPLY = its exit status
  REPLY=0
  wait "$1" || REPLY=$?
  forget "$1"
}
stop() { # stop PID: terminate and reap
  kill "$1" 2>/dev/null || true
  reap "$1"
}
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  local f
  for f in rtprelayd.log kamailio.log uac.errors uas.errors monitor.err; do
    if [ -s "$work/$f" ]; then echo "--- $f (last 25 lines)"; tail -n 25 "$work/$f"; fi
  done
  for f in uac.screen uas.screen; do # SIPp's message counts and last error
    if [ -s "$work/$f" ]; then
      echo "--- $f"
      sed -n '1,/^------- Waiting/p' "$work/$f" | head -n 30
    fi
  done
  exit 1
}
elapsed() { # seconds since the start, 1 decimal
  local ds=$((($(date +%s%N) - started) / 100000000))
  echo "$((ds / 10)).$((ds % 10))"
}

# --- ports --------------------------------------------------------------------------------------
handed_out=" "
# free_port N: sets REPLY to an even UDP port P such that P..P+N-1 are unbound and not handed
# out before.
free_port() {
  local n="${1:-1}" p i ok
  while :; do
    p=$((20000 + (RANDOM % 5000) * 2))
    ok=1
    for ((i = 0; i < n; i++)); do
      case "$handed_out" in *" $((p + i)) "*) ok=0 ;; esac
      if ss -Hluan "sport = :$((p + i))" | grep -q .; then ok=0; fi
    done
    if [ "$ok" = 1 ]; then
      for ((i = 0; i < n; i++)); do handed_out+="$((p + i)) "; done
      REPLY="$p"
      return
    fi
  done
}
# Other programs may bind a port between the check and our bind: every start below picks its
# ports, and tries again with fresh ones (up to 3 times) when its process cannot start.
# SIPp's control port is left to SIPp: without -cp it tries 8888 and the 59 ports above.
# rtprelayd's media range: 1000 ports in 40000..59999 with nothing bound in them.
while :; do
  port_min=$((40000 + (RANDOM % 20) * 1000))
  port_max=$((port_min + 999))
  if ! ss -Hluan | awk -v lo="$port_min" -v hi="$port_max" \
    '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) found = 1 } END { exit !found }'; then
    break
  fi
done

rate=50 # calls per second
in_flight=$((calls < concurrency ? calls : concurrency))
# every call of a wave is up at once for >= 3 s after its playback ended
hold_ms=$((pcap_ms + 3000 + 1000 * in_flight / rate))
deadline=$((SECONDS + 52)) # SIPp is stopped by then, leaving time for the checks (< 60 s)

# --- ng client and monitor ----------------------------------------------------------------------
cat >"$work/ng.py" <<'PY'
"""ng client and monitor of this test (ng client: lib/rtprelay_test.py). ng.py PORT list LIMIT |
ng.py PORT ping | ng.py PORT relayed (relayedpackets relayedpacketerrors of the statistics) |
ng.py PORT monitor STOPFILE OUTFILE LIMIT (polls list/query until STOPFILE exists)."""
import os, sys, time
from rtprelay_test import Ng

def legs_of(q):
    """[(tag, local port, 'addr:port' endpoint)] of the tags that have a media with a stream."""
    legs = []
    for name, t in (q.get("tags") or {}).items():
        if not name or t.get("tag") != name or not t.get("medias"):
            continue
        s = (t["medias"][0].get("streams") or [{}])[0]
        ep = s.get("endpoint") or {}
        if not s.get("local port") or not ep.get("port"):
            continue
        legs.append((name, s["local port"], "%s:%s" % (ep.get("address"), ep.get("port"))))
    return sorted(legs)

def counters_of(q):
    """{tag: 'in-packets in-bytes in-errors out-packets out-bytes out-errors'} of the RTP stream
    of each tag's first media."""
    out = {}
    for name, t in (q.get("tags") or {}).items():
        if not name or t.get("tag") != name or not t.get("medias"):
            continue
        streams = t["medias"][0].get("streams") or [{}]
        s = next((s for s in streams if "RTP" in (s.get("flags") or [])), streams[0])
        out[name] = " ".join(str((s.get(d) or {}).get(k, -1))
                             for d in ("stats", "stats_out") for k in ("packets", "bytes", "errors"))
    return out

def monitor(ng, stopfile, outfile, limit):
    seen, verified, last, most, polls = set(), {}, {}, 0, 0
    counters, queried, stable = {}, {}, {}  # last counters of a call, when, unchanged since before
    block = os.environ.get("BLOCK_MEDIA") == "1"
    while True:
        stop = os.path.exists(stopfile)
        ids = ng.list(limit)
        polls += 1
        most = max(most, len(ids))
        seen.update(ids)
        for cid in ids:
            if cid in verified and time.monotonic() - queried[cid] < 1.0:
                continue
            q = ng.query(cid)
            if q.get("result") != "ok":  # the call may have ended since the list
                last.setdefault(cid, repr(q)[:600])
                continue
            queried[cid] = time.monotonic()
            c = counters_of(q)
            if len(c) == 2:
                stable[cid] = counters.get(cid) == c
                counters[cid] = c
            if cid in verified:
                continue
            legs = legs_of(q)
            if len(legs) == 2:
                verified[cid] = legs
                if block:
                    ng.request({"command": "block media", "call-id": cid})
            else:
                last[cid] = repr(q)[:600]
        if stop:
            break
        time.sleep(0.1)
    with open(outfile, "w") as f:
        f.write("POLLS %d\nMAX %d\n" % (polls, most))
        for cid in sorted(seen):
            f.write("SEEN %s\n" % cid)
        for cid, legs in sorted(verified.items()):
            f.write("VERIFIED %s %s\n" % (cid, " ".join("%s %s %s" % leg for leg in legs)))
        for cid in sorted(seen - set(verified)):
            f.write("UNVERIFIED %s last query: %s\n" % (cid, last.get(cid, "-")))
        for cid, c in sorted(counters.items()):
            f.write("COUNTERS %s %s %s\n" % (cid, "stable" if stable[cid] else "changing",
                                             " ".join("%s %s" % tc for tc in sorted(c.items()))))

ng = Ng(int(sys.argv[1]), "m")
if sys.argv[2] == "ping":
    print(ng.ping())
elif sys.argv[2] == "list":
    print("\n".join(ng.list(int(sys.argv[3]))))
elif sys.argv[2] == "relayed":
    t = ng.statistics().get("statistics", {}).get("totalstatistics", {})
    print(t.get("relayedpackets", "?"), t.get("relayedpacketerrors", "?"))
elif sys.argv[2] == "monitor":
    monitor(ng, sys.argv[3], sys.argv[4], int(sys.argv[5]))
PY
ng() { python3 "$work/ng.py" "$ng_port" "$@"; }
list_limit=$((calls + 100))

# --- rtprelayd ----------------------------------------------------------------------------------
start_daemon() { # one attempt on a fresh ng port; status 0 once it answers ng ping
  free_port
  ng_port="$REPLY"
  echo "=== start on ng port $ng_port" >>"$work/rtprelayd.log"
  "$daemon" --config-file=none -f -E -L 6 -i 127.0.0.1 -n "127.0.0.1:$ng_port" \
    -m "$port_min" -M "$port_max" --delete-delay=0 >>"$work/rtprelayd.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  for _ in $(seq 1 50); do
    grep -q "Startup complete" "$work/rtprelayd.log" && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "Startup complete" "$work/rtprelayd.log" && [ "$(ng ping 2>/dev/null)" = "pong" ]; then
    return 0
  fi
  stop "$daemon_pid"
  return 1
}
for attempt in 1 2 3; do
  start_daemon && break
  [ "$attempt" != 3 ] || fail "rtprelayd ($daemon) did not start and answer an ng ping (3 attempts)"
done

# --- Kamailio -----------------------------------------------------------------------------------
flags="replace-origin trust-address ICE=remove"
kamailio_cfg() {
  cat >"$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=2
log_stderror=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:$sip_port
mpath="$modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "ctl.so"
loadmodule "rtpengine.so"
modparam("ctl", "binrpc", "unix:$work/ctl.sock")
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:$ng_port")

# A record-routing proxy forwarding by Request-URI; rtpengine_manage() does offer on requests
# with SDP, answer on replies with SDP, delete on BYE/CANCEL and in the failure route.
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (!loose_route()) {
      if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
      sl_send_reply("404", "Not here");
      exit;
    }
    if (is_method("BYE")) {
      rtpengine_manage();
    } else if (is_method("INVITE|UPDATE") && has_body("application/sdp")) {
      rtpengine_manage("$flags");
      t_on_reply("MANAGE_REPLY");
    } else if (is_method("ACK") && has_body("application/sdp")) {
      rtpengine_manage("$flags");
    }
    route(RELAY);
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) { rtpengine_manage(); t_relay(); }
    exit;
  }
  t_check_trans();
  if (!is_method("INVITE")) { sl_send_reply("405", "Method Not Allowed"); exit; }
  record_route();
  if (has_body("application/sdp")) rtpengine_manage("$flags");
  t_on_reply("MANAGE_REPLY");
  t_on_failure("MANAGE_FAILURE");
  route(RELAY);
}
route[RELAY] {
  if (!t_relay()) sl_reply_error();
  exit;
}
onreply_route[MANAGE_REPLY] {
  if (has_body("application/sdp")) rtpengine_manage("$flags");
}
failure_route[MANAGE_FAILURE] {
  rtpengine_manage();
}
CFG
}
start_kamailio() { # one attempt on a fresh SIP port; status 0 once ctl shows the rtpengine node
  free_port
  sip_port="$REPLY"
  kamailio_cfg
  rm -f "$work/ctl.sock"
  kamailio -DD -E -f "$work/kamailio.cfg" -P "$work/kamailio.pid" >"$work/kamailio.log" 2>&1 &
  kamailio_pid=$!
  pids+=("$kamailio_pid")
  node=""
  for _ in $(seq 1 50); do
    kill -0 "$kamailio_pid" 2>/dev/null || break
    # while Kamailio initializes, kamcmd may answer "error: 500 - Initializing - try later"
    if [ -S "$work/ctl.sock" ] && node="$(kamcmd -s "unix:$work/ctl.sock" rtpengine.show all 2>/dev/null)" &&
      echo "$node" | grep -q 'disabled:'; then
      return 0
    fi
    sleep 0.1
  done
  stop "$kamailio_pid"
  return 1
}
for attempt in 1 2 3; do
  start_kamailio && break
  [ "$attempt" != 3 ] || fail "Kamailio did not start (3 attempts)"
done
if [ "$(echo "$node" | sed -n 's/^[[:space:]]*disabled: *//p')" != "0" ]; then
  fail "Kamailio's rtpengine module does not mark rtprelayd up: $node"
fi

# --- SIPp ---------------------------------------------------------------------------------------
# sipp_args NAME: the tracing options shared by both instances, files named $work/NAME.*
sipp_args() {
  local left=$((deadline - SECONDS - 6)) # the UAS outlives the UAC by up to 5 s
  echo -nostdin -timeout "$((left > 5 ? left : 5))s" -timeout_error -recv_timeout "$((hold_ms + 10000))" \
    -trace_logs -log_file "$work/$1.log" -trace_err -error_file "$work/$1.errors" \
    -trace_msg -message_file "$work/$1.messages" -trace_screen -screen_file "$work/$1.screen" \
    -trace_stat -stf "$work/$1.csv" -fd 1
}
bound() { ss -Hlun "src $1" | grep -q .; } # bound ADDR:PORT
start_uas() { # one attempt on fresh ports; status 0 once its SIP and media sockets are bound
  free_port
  uas_port="$REPLY"
  free_port 4 # SIPp binds the media port and the one 2 above
  uas_media="$REPLY"
  # shellcheck disable=SC2046 # word splitting of sipp_args is intended (no spaces in $work)
  sipp -sf "$scenarios/uas.xml" -i 127.0.0.3 -p "$uas_port" -mi 127.0.0.3 -mp "$uas_media" \
    -m "$calls" $(sipp_args uas) >"$work/uas.out" 2>&1 &
  uas_pid=$!
  pids+=("$uas_pid")
  for _ in $(seq 1 50); do
    bound "127.0.0.3:$uas_port" && bound "127.0.0.3:$uas_media" && return 0
    kill -0 "$uas_pid" 2>/dev/null || break
    sleep 0.1
  done
  stop "$uas_pid"
  return 1
}
for attempt in 1 2 3; do
  start_uas && break
  [ "$attempt" != 3 ] || fail "SIPp UAS did not start (3 attempts): $(cat "$work/uas.out")"
done

python3 "$work/ng.py" "$ng_port" monitor "$work/monitor.stop" "$work/monitor.out" "$list_limit" \
  2>"$work/monitor.err" &
monitor_pid=$!
pids+=("$monitor_pid")

for attempt in 1 2 3; do
  free_port
  uac_port="$REPLY"
  free_port 4
  uac_media="$REPLY"
  echo "calls=$calls concurrency=$concurrency hold=${hold_ms}ms rtprelayd ng=$ng_port" \
    "media=$port_min-$port_max kamailio=127.0.0.1:$sip_port uac=127.0.0.2:$uac_port/$uac_media" \
    "uas=127.0.0.3:$uas_port/$uas_media"
  # shellcheck disable=SC2046
  sipp 127.0.0.1:"$sip_port" -sf "$scenarios/uac.xml" -i 127.0.0.2 -p "$uac_port" -mi 127.0.0.2 \
    -mp "$uac_media" -s rtprelay -key uas "127.0.0.3:$uas_port" \
    -m "$calls" -l "$concurrency" -r "$rate" -d "$hold_ms" $(sipp_args uac) >"$work/uac.out" 2>&1 &
  uac_pid=$!
  pids+=("$uac_pid")
  reap "$uac_pid"
  uac_rc="$REPLY"
  # SIPp exits -2 (254) when it cannot bind a socket, before it places any call
  if [ "$uac_rc" = 254 ] && [ "$attempt" != 3 ]; then
    echo "SIPp UAC could not bind its sockets, again on other ports: $(grep -hi bind "$work/uac.errors" "$work/uac.out" | head -n 1)"
    continue
  fi
  break
done
# The UAS ends by itself after CALLS calls; if calls went missing it is stopped 5 s later.
for _ in $(seq 1 50); do kill -0 "$uas_pid" 2>/dev/null || break; sleep 0.1; done
stop "$uas_pid"
uas_rc="$REPLY"
touch "$work/monitor.stop"
reap "$monitor_pid"
monitor_rc="$REPLY"
after="$(ng list "$list_limit" 2>&1)" || fail "ng list after the calls: $after"
relayed="$(ng relayed 2>&1)" || fail "ng statistics after the calls: $relayed"
echo "SIPp done after $(elapsed) s (UAC exit $uac_rc, UAS exit $uas_rc)"

# --- checks -------------------------------------------------------------------------------------
# stat_total NAME COLUMN: the last value of COLUMN in SIPp's statistics file NAME.csv
stat_total() {
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    { v = $c } END { print v + 0 }' "$work/$1.csv" 2>/dev/null || echo "?"
}
for side in uac uas; do
  rc_var="${side}_rc"
  ok="$(stat_total "$side" "SuccessfulCall(C)")"
  failed="$(stat_total "$side" "FailedCall(C)")"
  if [ "${!rc_var}" != 0 ] || [ "$ok" != "$calls" ] || [ "$failed" != 0 ]; then
    fail "SIPp ${side^^} exit status ${!rc_var}, $ok of $calls calls successful, $failed failed"
  fi
done
[ "$monitor_rc" = 0 ] || fail "the ng monitor failed: $(cat "$work/monitor.err")"

# in_range PORT: PORT inside rtprelayd's media range
in_range() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$port_min" ] && [ "$1" -le "$port_max" ]; }
touch "$work/uas.log" "$work/uac.log" "$work/monitor.out"
declare -A offer_port answer_port
n_offers=0
while read -r kind cid ftag c m o; do
  [ "$kind" = OFFER ] || continue
  n_offers=$((n_offers + 1))
  if [ "$c" != 127.0.0.1 ] || [ "$o" != 127.0.0.1 ] || ! in_range "$m" || [ "$m" = "$uac_media" ]; then
    fail "INVITE SDP at the UAS for call $cid has c=$c o=$o m=audio $m; expected rtprelayd's" \
      "127.0.0.1 and a port in $port_min-$port_max (the UAC offered 127.0.0.2 port $uac_media)"
  fi
  offer_port[$cid]="$m"
done <"$work/uas.log"
[ "$n_offers" = "$calls" ] || fail "the UAS logged $n_offers INVITE SDPs, expected $calls"
n_answers=0
declare -A from_tag to_tag
while read -r kind cid ftag ttag c m o; do
  [ "$kind" = ANSWER ] || continue
  n_answers=$((n_answers + 1))
  if [ "$c" != 127.0.0.1 ] || [ "$o" != 127.0.0.1 ] || ! in_range "$m" || [ "$m" = "$uas_media" ]; then
    fail "200 OK SDP at the UAC for call $cid has c=$c o=$o m=audio $m; expected rtprelayd's" \
      "127.0.0.1 and a port in $port_min-$port_max (the UAS answered 127.0.0.3 port $uas_media)"
  fi
  [ -n "${offer_port[$cid]:-}" ] || fail "call $cid answered at the UAC but its INVITE never reached the UAS"
  answer_port[$cid]="$m"
  from_tag[$cid]="$ftag"
  to_tag[$cid]="$ttag"
done <"$work/uac.log"
[ "$n_answers" = "$calls" ] || fail "the UAC logged $n_answers answered calls, expected $calls"

declare -A seen verified
max_listed=0 polls=0
while read -r kind cid rest; do
  case "$kind" in
    SEEN) seen[$cid]=1 ;;
    VERIFIED) verified[$cid]="$rest" ;;
    MAX) max_listed="$cid" ;;
    POLLS) polls="$cid" ;;
  esac
done <"$work/monitor.out"
for cid in "${!seen[@]}"; do
  [ -n "${from_tag[$cid]:-}" ] || fail "ng list showed call $cid, which is none of the UAC's calls"
done
for cid in "${!from_tag[@]}"; do
  [ -n "${seen[$cid]:-}" ] || fail "call $cid was never in ng list while it was up ($polls polls)"
  if [ -z "${verified[$cid]:-}" ]; then
    fail "ng query never showed two tags with media for call $cid: $(grep "^UNVERIFIED $cid " "$work/monitor.out")"
  fi
  read -r t1 p1 e1 t2 p2 e2 <<<"${verified[$cid]}"
  if [ "$t1" = "${from_tag[$cid]}" ]; then
    ft_port="$p1" ft_ep="$e1" tt="$t2" tt_port="$p2" tt_ep="$e2"
  else
    ft_port="$p2" ft_ep="$e2" tt="$t1" tt_port="$p1" tt_ep="$e1"
    [ "$t2" = "${from_tag[$cid]}" ] || tt="$t2/$t1"
  fi
  expect="from-tag ${from_tag[$cid]} port ${answer_port[$cid]} peer 127.0.0.2:$uac_media,"
  expect+=" to-tag ${to_tag[$cid]} port ${offer_port[$cid]} peer 127.0.0.3:$uas_media"
  if [ "$tt" != "${to_tag[$cid]}" ] || [ "$ft_port" != "${answer_port[$cid]}" ] ||
    [ "$tt_port" != "${offer_port[$cid]}" ] || [ "$ft_ep" != "127.0.0.2:$uac_media" ] ||
    [ "$tt_ep" != "127.0.0.3:$uas_media" ]; then
    fail "ng query for call $cid shows '${verified[$cid]}', expected $expect"
  fi
done
if [ "$max_listed" != "$in_flight" ]; then
  fail "ng list showed at most $max_listed calls at once, expected $in_flight in parallel"
fi
if [ -n "$after" ]; then
  fail "after every call ended with BYE ng list still shows $(echo "$after" | wc -l) calls: $(echo "$after" | head -n 3 | tr '\n' ' ')"
fi

# --- media --------------------------------------------------------------------------------------
# Per call the last counters the monitor read: COUNTERS cid stable|changing, then per tag
# "tag in-packets in-bytes in-errors out-packets out-bytes out-errors".
declare -A counters
while read -r kind cid rest; do
  [ "$kind" = COUNTERS ] && counters[$cid]="$rest"
done <"$work/monitor.out"
media_failures=() sum_out=0 fwd=0 back=0 worst_fwd="$pcap_packets" worst_back="$pcap_packets"
for cid in "${!from_tag[@]}"; do
  [ -n "${counters[$cid]:-}" ] || { media_failures+=("call $cid: ng query never showed RTP counters of both tags"); continue; }
  read -r state ta a1 a2 a3 a4 a5 a6 tb b1 b2 b3 b4 b5 b6 <<<"${counters[$cid]}"
  if [ "$ta" = "${from_tag[$cid]}" ] && [ "$tb" = "${to_tag[$cid]}" ]; then
    read -r c_in c_in_b c_in_e c_out c_out_b c_out_e <<<"$a1 $a2 $a3 $a4 $a5 $a6"
    read -r e_in e_in_b e_in_e e_out e_out_b e_out_e <<<"$b1 $b2 $b3 $b4 $b5 $b6"
  elif [ "$tb" = "${from_tag[$cid]}" ] && [ "$ta" = "${to_tag[$cid]}" ]; then
    read -r c_in c_in_b c_in_e c_out c_out_b c_out_e <<<"$b1 $b2 $b3 $b4 $b5 $b6"
    read -r e_in e_in_b e_in_e e_out e_out_b e_out_e <<<"$a1 $a2 $a3 $a4 $a5 $a6"
  else
    media_failures+=("call $cid: counters for tags $ta/$tb, expected ${from_tag[$cid]}/${to_tag[$cid]}")
    continue
  fi
  sum_out=$((sum_out + c_out + e_out))
  fwd=$((fwd + e_out)) back=$((back + c_out))
  [ "$e_out" -lt "$worst_fwd" ] && worst_fwd="$e_out"
  [ "$c_out" -lt "$worst_back" ] && worst_back="$c_out"
  what="call $cid ($state counters): UAC -> rtprelayd $c_in pkts ($c_in_e errors) -> UAS $e_out ($e_out_e errors);"
  what+=" UAS -> rtprelayd $e_in ($e_in_e errors) -> UAC $c_out ($c_out_e errors); pcap $pcap_packets,"
  what+=" expected received $min_packets..$pcap_packets each way, sent = received, no errors"
  if [ "$c_in" -lt "$min_packets" ] || [ "$c_in" -gt "$pcap_packets" ] || [ "$e_out" != "$c_in" ] ||
    [ "$e_in" -lt "$min_packets" ] || [ "$e_in" -gt "$pcap_packets" ] || [ "$c_out" != "$e_in" ] ||
    [ "$c_in_e$c_out_e$e_in_e$e_out_e" != 0000 ] || [ "$e_out_b" != "$c_in_b" ] || [ "$c_out_b" != "$e_in_b" ]; then
    media_failures+=("$what")
  fi
done
if [ "${#media_failures[@]}" != 0 ]; then
  fail "RTP not relayed both ways without loss in ${#media_failures[@]} of $calls calls; first ones:" \
    "$(printf '\n  %s' "${media_failures[@]:0:5}")"
fi
read -r relayed_packets relayed_errors <<<"$relayed"
if [ "$relayed_packets" != "$sum_out" ] || [ "$relayed_errors" != 0 ]; then
  fail "statistics: relayedpackets $relayed_packets, relayedpacketerrors $relayed_errors; expected" \
    "$sum_out (the calls' stats_out packets summed) and 0"
fi
loss() { # loss RECEIVED SENT: percentage lost, 2 decimals
  local bp=$(((($2 - $1) * 10000) / $2))
  printf '%d.%02d%%' $((bp / 100)) $((bp % 100))
}
echo "ok: $calls calls ($in_flight at once) UAC -> Kamailio -> UAS through rtprelayd in $(elapsed) s:" \
  "SDPs point at 127.0.0.1 ports $port_min-$port_max, every call listed and queried with both" \
  "tags ($polls list polls, at most $max_listed at once), none left after BYE;" \
  "RTP UAC -> UAS $fwd of $((calls * pcap_packets)) packets (loss $(loss "$fwd" $((calls * pcap_packets))), worst call $worst_fwd of $pcap_packets)," \
  "UAS -> UAC $back (loss $(loss "$back" $((calls * pcap_packets))), worst call $worst_back), relayedpackets $relayed_packets"
