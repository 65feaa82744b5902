#!/usr/bin/env bash
# End to end: Kamailio's `rtpengine` module (Debian package kamailio) pings rtprelayd at start
# and marks the instance up. Checked both ways: with no daemon the module marks it disabled,
# with rtprelayd running it marks it enabled and rtprelayd logs the module's ping.
# Usage: kamailio_ping.sh PATH-TO-rtprelayd
set -euo pipefail
daemon="$1"
command -v kamailio >/dev/null || { echo "kamailio not installed (scripts/setup)"; exit 1; }
modules="$(dirname "$(dpkg -L kamailio | grep '/modules/rtpengine.so$' | head -n 1)")"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { # a UDP port nobody listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 10000))
    ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
ng_port="$(free_port)"
sip_port="$(free_port)"

cat >"$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:$sip_port
mpath="$modules/"
loadmodule "ctl.so"
loadmodule "rtpengine.so"
modparam("ctl", "binrpc", "unix:$work/ctl.sock")
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:$ng_port")
request_route { drop; }
CFG

# Starts Kamailio, prints `disabled: N` of the rtpengine node, stops Kamailio.
node_state() {
  kamailio -DD -E -f "$work/kamailio.cfg" -P "$work/kamailio.pid" >"$work/kamailio.log" 2>&1 &
  local k=$!
  local state=""
  for _ in $(seq 1 50); do
    # While Kamailio initialises, kamcmd answers "500 - Initializing - try later".
    if [ -S "$work/ctl.sock" ] && state="$(kamcmd -s "unix:$work/ctl.sock" rtpengine.show all 2>/dev/null)" \
        && grep -q "disabled:" <<<"$state"; then
      break
    fi
    sleep 0.1
  done
  kill "$k"; wait "$k" 2>/dev/null || true
  rm -f "$work/ctl.sock"
  echo "$state" | sed -n 's/^[[:space:]]*disabled: *//p'
}

without="$(node_state)"
if [ "$without" != "1" ]; then
  echo "FAIL: with no daemon the module should mark the node disabled, got '$without'"
  cat "$work/kamailio.log"; exit 1
fi

"$daemon" --config-file=none -f -E -L 7 -i 127.0.0.1 -n "127.0.0.1:$ng_port" >"$work/rtprelayd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do grep -q "Startup complete" "$work/rtprelayd.log" && break; sleep 0.1; done

with="$(node_state)"
if [ "$with" != "0" ]; then
  echo "FAIL: Kamailio did not mark rtprelayd up (disabled: '$with')"
  cat "$work/kamailio.log" "$work/rtprelayd.log"; exit 1
fi
if ! grep -q "Received command 'ping'" "$work/rtprelayd.log"; then
  echo "FAIL: rtprelayd saw no ping from Kamailio"; cat "$work/rtprelayd.log"; exit 1
fi
echo "ok: Kamailio's rtpengine module marks rtprelayd up (disabled: 0; without it: disabled: 1)"
