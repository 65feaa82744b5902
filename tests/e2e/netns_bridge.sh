#!/usr/bin/env bash
# End to end across network namespaces: rtprelayd bridges two networks, a public one with an
# advertised address (as behind a 1:1 NAT) and a private one, chosen per side by the ng
# `direction` key. Three namespaces, created here and deleted on exit (names carry this
# script's PID, so parallel runs do not clash):
#
#   rtpr-caller-PID             rtpr-proxy-PID (rtprelayd)              rtpr-callee-PID
#   eth0 10.201.1.2/24 --veth-- pub 10.201.1.1/24
#                               priv 10.202.1.1/24 --------------veth-- eth0 10.202.1.2/24
#
# rtprelayd runs in the proxy namespace with -i 'pub/10.201.1.1!203.0.113.10' -i priv/10.202.1.1,
# ng on the proxy namespace's 127.0.0.1. Being fresh namespaces, nothing else is bound there
# and the addresses cannot collide with the host's or another run's. No packet leaves the three
# namespaces; there is no routing or forwarding (rtprelayd is the endpoint on both veths).
# Checked, each with a FAIL line and exit status 1:
#   - offer from the caller (c= 10.201.1.2) with direction [pub, priv]: the SDP for the callee
#     shows c=IN IP4 10.202.1.1 (priv, its local address is what it advertises) and a port of
#     rtprelayd's range, nothing of the pub side;
#   - answer from the callee (c= 10.202.1.2): the SDP for the caller shows c=IN IP4 203.0.113.10
#     (pub's advertised address) and a port rtprelayd has bound on 10.201.1.1 (ss), nothing of
#     the priv side;
#   - ng query: the caller's stream is bound on 10.201.1.1 and the callee's on 10.202.1.1, on the
#     ports of the two SDPs;
#   - media: each side sends 100 RTP packets (v2, PT 0, 172 bytes) to rtprelayd's port for its
#     side, and receives exactly the other side's 100 packets, intact, all from rtprelayd's port
#     on its own side (symmetric RTP); query then counts 100 packets per side and shows each
#     side's real address as its endpoint.
# Needs root (ip netns), iproute2 and python3. Usage: netns_bridge.sh PATH-TO-rtprelayd
# KEEP_WORK=1 keeps the temporary directory with the helper and the logs.
set -euo pipefail
daemon="$(realpath "$1")"
started="$(date +%s%N)"
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root to create network namespaces"; exit 1; }
for tool in ip ss python3 realpath; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup)"; exit 1; }
done
# The interpreter itself, not a wrapper (a pyenv shim costs ~0.1 s per start)
python="$(python3 -c 'import sys; print(sys.executable)')"
# shellcheck source-path=SCRIPTDIR source=lib/rtprelay_test.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/rtprelay_test.sh" # the Python shared by the e2e tests
# shellcheck source-path=SCRIPTDIR source=lib/topology.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/topology.sh"

ns_caller="rtpr-caller-$$"
ns_callee="rtpr-callee-$$"
ns_proxy="rtpr-proxy-$$"
pub_local=10.201.1.1 caller_addr=10.201.1.2
priv_local=10.202.1.1 callee_addr=10.202.1.2
pub_advertised=203.0.113.10 # TEST-NET-3, never routed: only shown in SDP
ng_port=2223
port_min=40000 port_max=40099
caller_media=20000 callee_media=30000 # the parties' RTP ports in their own namespaces

work="$(mktemp -d)"
pids=() # processes started here and not yet reaped
made_ns=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do # bounded: SIGKILL whatever is still there after 3 s
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  # Deleting a namespace destroys its veth end, and with it the peer.
  for ns in "${made_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
  echo "FAIL: $*"
  if [ -s "$work/rtprelayd.log" ]; then
    echo "--- rtprelayd.log (last 25 lines)"
    tail -n 25 "$work/rtprelayd.log"
  fi
  exit 1
}
elapsed() { # seconds since the start, 1 decimal
  local ds=$((($(date +%s%N) - started) / 100000000))
  echo "$((ds / 10)).$((ds % 10))"
}
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# --- topology -----------------------------------------------------------------------------------
bridge_topology "$ns_caller" "$ns_proxy" "$ns_callee" || fail "cannot build the namespaces"
ip -n "$ns_proxy" addr add "$pub_local/24" dev pub
ip -n "$ns_proxy" addr add "$priv_local/24" dev priv
ip -n "$ns_caller" addr add "$caller_addr/24" dev eth0
ip -n "$ns_callee" addr add "$callee_addr/24" dev eth0

# --- helper: ng client and JSON field access (lib/rtprelay_test.py), RTP sender/receiver ---------
cat >"$work/helper.py" <<'PY'
"""helper.py media BIND PORT DEST DPORT SSRC PEER-SSRC READY-FILE GO-FILE COUNT
   binds BIND:PORT, writes READY-FILE, waits for GO-FILE, sends COUNT RTP packets to DEST:DPORT
   while receiving; prints: received=N valid=N sources=ADDR:PORT,... missing=N"""
import os, sys, time
from rtprelay_test import rtp, rtp_header, udp_socket, valid as intact

def media(bind, port, dest, dport, ssrc, peer_ssrc, ready, go, count):
    sock = udp_socket(bind, port)
    sock.setblocking(False)
    open(ready, "w").close()
    deadline = time.monotonic() + 5
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("no go within 5 s")
        time.sleep(0.01)
    received, valid, sources, seqs = 0, 0, set(), set()
    sent, next_send = 0, time.monotonic()
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and (sent < count or len(seqs) < count):
        now = time.monotonic()
        if sent < count and now >= next_send:
            sock.sendto(rtp(sent, ssrc), (dest, dport))
            sent += 1
            next_send = now + 0.002
        try:
            while True:
                data, src = sock.recvfrom(2048)
                received += 1
                sources.add("%s:%d" % src)
                # PT 0, 172 bytes, intact, with the peer's SSRC and timestamp
                if not intact(data):
                    continue
                pt, seq, ts, s = rtp_header(data)
                if pt != 0 or s != peer_ssrc or ts != seq * 160:
                    continue
                valid += 1
                seqs.add(seq)
        except BlockingIOError:
            pass
        time.sleep(0.0005)
    time.sleep(0.2)  # anything beyond the expected packets (duplicates) is counted too
    try:
        while True:
            data, src = sock.recvfrom(2048)
            received += 1
            sources.add("%s:%d" % src)
    except BlockingIOError:
        pass
    print("sent=%d received=%d valid=%d sources=%s missing=%d" % (
        sent, received, valid, ",".join(sorted(sources)) or "-",
        len(set(range(count)) - seqs)))

if sys.argv[1] == "media":
    a = sys.argv[2:]
    media(a[0], int(a[1]), a[2], int(a[3]), int(a[4], 0), int(a[5], 0), a[6], a[7], int(a[8]))
PY
ng() { # ng OUT-NAME JSON-REQUEST: reply as JSON into $work/OUT-NAME.json
  in_ns "$ns_proxy" "$python" "$rtprelay_test" ng "$ng_port" "$2" >"$work/$1.json" 2>"$work/$1.err" ||
    fail "ng request $2: $(cat "$work/$1.err")"
}
field() { "$python" "$rtprelay_test" field "$work/$1.json" "$2" 2>/dev/null || echo "(none)"; }

# --- rtprelayd ----------------------------------------------------------------------------------
ip netns exec "$ns_proxy" "$daemon" --config-file=none -f -E -L 6 \
  -i "pub/$pub_local!$pub_advertised" -i "priv/$priv_local" -n "127.0.0.1:$ng_port" \
  -m "$port_min" -M "$port_max" --delete-delay=0 >"$work/rtprelayd.log" 2>&1 &
daemon_pid=$! # ip netns exec execs the daemon in its own process: this is rtprelayd's PID
pids+=("$daemon_pid")
for _ in $(seq 1 50); do
  grep -qs "Startup complete" "$work/rtprelayd.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
grep -qs "Startup complete" "$work/rtprelayd.log" || fail "rtprelayd did not start in $ns_proxy"
ng ping '{"command": "ping"}'
[ "$(field ping result)" = pong ] || fail "rtprelayd does not answer an ng ping: $(cat "$work/ping.json")"

# --- offer / answer -----------------------------------------------------------------------------
sdp_json() { "$python" "$rtprelay_test" sdp "$1" "$2"; } # ADDRESS PORT: a PCMU SDP as a JSON string
call_id="netns-$$"
ng offer "{\"command\": \"offer\", \"call-id\": \"$call_id\", \"from-tag\": \"caller\",
  \"sdp\": $(sdp_json "$caller_addr" "$caller_media"), \"direction\": [\"pub\", \"priv\"],
  \"replace\": [\"origin\"]}"
[ "$(field offer result)" = ok ] || fail "offer: $(cat "$work/offer.json")"
offer_sdp="$(field offer sdp | tr -d '\r')"
# m_port SDP: the port of the first m= line
m_port() { echo "$1" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p' | head -n 1; }
in_range() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$port_min" ] && [ "$1" -le "$port_max" ]; }
to_callee="$(m_port "$offer_sdp")" # rtprelayd's port on priv, where the callee sends
if ! echo "$offer_sdp" | grep -qFx "c=IN IP4 $priv_local" || ! in_range "$to_callee" ||
  echo "$offer_sdp" | grep -qF -e "$pub_advertised" -e "$pub_local" -e "$caller_addr"; then
  fail "the offer SDP for the callee must show c=IN IP4 $priv_local (priv) and a port in" \
    "$port_min-$port_max, nothing of the pub side; got: $(echo "$offer_sdp" | tr '\n' '|')"
fi

ng answer "{\"command\": \"answer\", \"call-id\": \"$call_id\", \"from-tag\": \"caller\",
  \"to-tag\": \"callee\", \"sdp\": $(sdp_json "$callee_addr" "$callee_media"),
  \"replace\": [\"origin\"]}"
[ "$(field answer result)" = ok ] || fail "answer: $(cat "$work/answer.json")"
answer_sdp="$(field answer sdp | tr -d '\r')"
to_caller="$(m_port "$answer_sdp")" # rtprelayd's port on pub, where the caller sends
if ! echo "$answer_sdp" | grep -qFx "c=IN IP4 $pub_advertised" || ! in_range "$to_caller" ||
  echo "$answer_sdp" | grep -qF -e "$priv_local" -e "$callee_addr" -e "$pub_local"; then
  fail "the answer SDP for the caller must show c=IN IP4 $pub_advertised (pub, advertised) and" \
    "a port in $port_min-$port_max, nothing of the priv side; got: $(echo "$answer_sdp" | tr '\n' '|')"
fi
bound() { in_ns "$ns_proxy" ss -Hlun "src $1" | grep -q .; } # bound ADDR:PORT, in the proxy ns
bound "$pub_local:$to_caller" ||
  fail "rtprelayd has not bound $pub_local:$to_caller, the port the caller's SDP shows"
bound "$priv_local:$to_callee" ||
  fail "rtprelayd has not bound $priv_local:$to_callee, the port the callee's SDP shows"

# stream_is NAME TAG ADDRESS PORT: query reply NAME shows TAG's RTP stream bound on ADDRESS:PORT
stream_is() {
  local base="tags/$2/medias/0/streams/0" a p
  a="$(field "$1" "$base/local address")"
  p="$(field "$1" "$base/local port")"
  [ "$a:$p" = "$3:$4" ] ||
    fail "ng query ($1): the $2's stream is bound on $a:$p, expected $3:$4"
}
ng query1 "{\"command\": \"query\", \"call-id\": \"$call_id\"}"
[ "$(field query1 result)" = ok ] || fail "query: $(cat "$work/query1.json")"
stream_is query1 caller "$pub_local" "$to_caller"
stream_is query1 callee "$priv_local" "$to_callee"

# --- media both ways ----------------------------------------------------------------------------
# The caller sends to pub's LOCAL address: 203.0.113.10 is what its SDP shows (a NAT in front of
# rtprelayd would map it), but nothing routes it in this test, so packets go to 10.201.1.1.
count=100
in_ns "$ns_caller" "$python" "$work/helper.py" media "$caller_addr" "$caller_media" \
  "$pub_local" "$to_caller" 0x1111 0x2222 "$work/caller.ready" "$work/go" "$count" \
  >"$work/caller.out" 2>"$work/caller.err" &
caller_pid=$!
pids+=("$caller_pid")
in_ns "$ns_callee" "$python" "$work/helper.py" media "$callee_addr" "$callee_media" \
  "$priv_local" "$to_callee" 0x2222 0x1111 "$work/callee.ready" "$work/go" "$count" \
  >"$work/callee.out" 2>"$work/callee.err" &
callee_pid=$!
pids+=("$callee_pid")
for _ in $(seq 1 50); do
  [ -e "$work/caller.ready" ] && [ -e "$work/callee.ready" ] && break
  sleep 0.1
done
if ! [ -e "$work/caller.ready" ] || ! [ -e "$work/callee.ready" ]; then
  fail "the media peers did not bind: $(cat "$work/caller.err" "$work/callee.err")"
fi
touch "$work/go"
wait "$caller_pid" || fail "caller media peer: $(cat "$work/caller.err")"
wait "$callee_pid" || fail "callee media peer: $(cat "$work/callee.err")"
pids=("$daemon_pid")
# got SIDE FROM: SIDE received all $count packets of the other side, intact, only from FROM
got() {
  local out expect="sent=$count received=$count valid=$count sources=$2 missing=0"
  out="$(cat "$work/$1.out")"
  [ "$out" = "$expect" ] ||
    fail "the $1 got '$out', expected '$expect' (the other side's $count packets from rtprelayd's port on the $1's side)"
}
got caller "$pub_local:$to_caller"
got callee "$priv_local:$to_callee"

ng query2 "{\"command\": \"query\", \"call-id\": \"$call_id\"}"
stream_is query2 caller "$pub_local" "$to_caller"
stream_is query2 callee "$priv_local" "$to_callee"
for side in "caller $caller_addr:$caller_media" "callee $callee_addr:$callee_media"; do
  read -r tag ep <<<"$side"
  base="tags/$tag/medias/0/streams/0"
  packets="$(field query2 "$base/stats/packets")"
  seen="$(field query2 "$base/endpoint/address"):$(field query2 "$base/endpoint/port")"
  if [ "$packets" != "$count" ] || [ "$seen" != "$ep" ]; then
    fail "ng query: the $tag's stream counted $packets packets from $seen, expected $count from $ep"
  fi
done

echo "ok: rtprelayd bridged $caller_addr (pub, advertised $pub_advertised:$to_caller, bound" \
  "$pub_local:$to_caller) and $callee_addr (priv, $priv_local:$to_callee) across namespaces:" \
  "SDPs, ng query and $count RTP packets each way in $(elapsed) s"
