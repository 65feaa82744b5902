#!/usr/bin/env bash
# Runs every command shown in docs/operations.md against a real rtprelayd and checks that the
# page shows no command that was not run:
#   contrib/docs/check-operations.sh [--update]
# Three network namespaces (opsd-caller-PID, opsd-proxy-PID, opsd-callee-PID, veths pub/priv)
# are made here and deleted on exit; the daemon runs in the proxy namespace with kernel table 0
# (bpffs is global: the script stops if table 0 is in use), and sees a private overlay of /etc
# (this script's own mount namespace) with /etc/rtprelay/rtprelay.conf as an installed system
# has it. The migration part starts from Debian's /etc/rtpengine/rtpengine.conf
# (rtpengine-daemon package). A call with RTP both ways at 50 packets/s and a stranger's packets
# make the outputs. Every "# COMMAND" line of the page's console blocks must have been run here
# (n-th occurrence on the page = n-th run); with --update the outputs on the page are replaced
# by this run's. Needs root, iproute2, nftables, util-linux, curl, jq, nc, python3, a build in
# build/. Takes about a minute.
set -uo pipefail
if [ -z "${OPS_CHECK_INNER:-}" ]; then
  exec unshare -m --propagation private env OPS_CHECK_INNER=1 "$0" "$@"
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
update=0; [ "${1:-}" = --update ] && update=1
out="$(mktemp)"; export PATH="$root/build:$PATH"
for tool in rtprelayd rtprelay-ctl ip nft nsenter curl jq nc python3; do
  command -v "$tool" >/dev/null || { echo "check-operations: $tool missing"; exit 1; }
done
[ -r /etc/rtpengine/rtpengine.conf ] ||
  { echo "check-operations: /etc/rtpengine/rtpengine.conf missing (apt-get install rtpengine-daemon)"; exit 1; }
P=$$; ncaller=opsd-caller-$P nproxy=opsd-proxy-$P ncallee=opsd-callee-$P
work=$(mktemp -d); pin=/sys/fs/bpf/rtprelay; table=""; dpid=""; peers=()
cleanup() {
  for p in "${peers[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && sleep 1 && kill -9 "$dpid" 2>/dev/null
  [ -n "$table" ] && rm -rf "${pin:?}/$table"
  for ns in $ncaller $nproxy $ncallee; do ip netns del $ns 2>/dev/null; done
  umount /etc 2>/dev/null
  rm -rf "$work" "$out"
}
trap cleanup EXIT
mkdir -p $pin
mkdir "$pin/0" 2>/dev/null && table=0
[ -n "$table" ] || { echo "check-operations: kernel table 0 is in use ($pin/0 exists)"; exit 1; }
for ns in $ncaller $nproxy $ncallee; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n $nproxy link add pub type veth peer name eth0 netns $ncaller
ip -n $nproxy link add priv type veth peer name eth0 netns $ncallee
ip -n $nproxy addr add 10.231.1.1/24 dev pub; ip -n $ncaller addr add 10.231.1.2/24 dev eth0
ip -n $nproxy addr add 10.232.1.1/24 dev priv; ip -n $ncallee addr add 10.232.1.2/24 dev eth0
for l in "$nproxy pub" "$nproxy priv" "$ncaller eth0" "$ncallee eth0"; do set -- $l; ip -n $1 link set $2 up; done
mkdir -p $work/up $work/wk
mount -t overlay overlay -o lowerdir=/etc,upperdir=$work/up,workdir=$work/wk /etc || exit 1
mkdir -p /etc/rtprelay
PX() { nsenter --net=/run/netns/$nproxy "$@"; }
runh() { echo "\$ $*" >>"$out"; bash -c "$*" >>"$out" 2>&1; echo "[exit $?]" >>"$out"; echo >>"$out"; }
run() { echo "\$ $*" >>"$out"; PX bash -c "$*" >>"$out" 2>&1; echo "[exit $?]" >>"$out"; echo >>"$out"; }
note() { echo "### $*" >>"$out"; }
start() { nsenter --net=/run/netns/$nproxy rtprelayd -f -E --no-log-timestamps --config-file=/etc/rtprelay/rtprelay.conf >>$work/d.log 2>&1 & dpid=$!
  for i in $(seq 50); do PX bash -c "printf 'c1 d7:command4:pinge' | nc -u -w1 127.0.0.1 2223" 2>/dev/null | grep -q pong && return; sleep 0.2; done; }
stop() { kill -TERM $dpid; wait $dpid; echo "(daemon exit $?)" >>"$out"; dpid=""; }
: >"$out"
note "migration: Debian rtpengine-daemon's rtpengine.conf copied as is"
run "cp /etc/rtpengine/rtpengine.conf /etc/rtprelay/rtprelay.conf"
start; sleep 0.5
run "rtprelay-ctl list interfaces"
run "rtprelay-ctl list kernel | head -6"
run "curl -s http://localhost:2225/metrics | grep -c '^rtpengine_'"
stop
echo "--- log" >>"$out"; cat $work/d.log >>"$out"; : >$work/d.log
note "operations config"
cat >/etc/rtprelay/rtprelay.conf <<CONF
[rtpengine]
table = 0
interface = pub/10.231.1.1;priv/10.232.1.1
listen-ng = 127.0.0.1:2223
listen-cli = 127.0.0.1:9900
listen-http = 127.0.0.1:9101
port-min = 30000
port-max = 30019
timeout = 60
CONF
start
cat >$work/peer.py <<'PY'
import socket, sys, time
bind, port, dest, dport, ssrc, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((bind, port)); s.setblocking(False)
end = time.time() + secs; seq = 0
while time.time() < end:
    s.sendto(bytes([0x80, 0]) + seq.to_bytes(2, "big") + (seq*160).to_bytes(4, "big") + ssrc.to_bytes(4, "big") + bytes(160), (dest, dport))
    seq += 1
    try:
        while True: s.recv(2048)
    except BlockingIOError: pass
    time.sleep(0.02)
PY
cat >$work/ng.py <<'PY'
import socket, sys, json, os, re
def be(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, str): v = v.encode()
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, list): return b"l" + b"".join(be(x) for x in v) + b"e"
    return b"d" + b"".join(be(k) + be(v[k]) for k in sorted(v)) + b"e"
msg = json.loads(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(os.urandom(4).hex().encode() + b" " + be(msg), ("127.0.0.1", 2223)); r = s.recv(65536).decode(errors="replace")
m = re.search(r"m=audio (\d+)", r); print(m.group(1) if m else "ERR " + r)
PY
sdp() { printf 'v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\n' "$1" "$1" "$2"; }
callid=a84b4c76e66710@pbx.example.org
o=$(PX python3 $work/ng.py "$(jq -nc --arg s "$(sdp 10.231.1.2 4000)" --arg c $callid '{command:"offer","call-id":$c,"from-tag":"alice",sdp:$s,direction:["pub","priv"]}')")
a=$(PX python3 $work/ng.py "$(jq -nc --arg s "$(sdp 10.232.1.2 5000)" --arg c $callid '{command:"answer","call-id":$c,"from-tag":"alice","to-tag":"bob",sdp:$s}')")
echo "(callee sends to $o, caller sends to $a)" >>"$out"
ip netns exec $ncaller python3 $work/peer.py 10.231.1.2 4000 10.231.1.1 $a 4369 40 & peers+=($!)
ip netns exec $ncallee python3 $work/peer.py 10.232.1.2 5000 10.232.1.1 $o 8738 40 & peers+=($!)
sleep 3
ip netns exec $ncaller python3 $work/peer.py 10.231.1.2 4100 10.231.1.1 $a 26214 1
note "ng reachable"
run "printf 'c1 d7:command4:pinge' | nc -u -w1 127.0.0.1 2223"
run "ss -ulnp 'sport = :2223'"
run "curl -s http://127.0.0.1:9101/metrics | grep -E '^rtpengine_requests_total|^rtprelay_ng_dropped_total'"
note "fast path"
run "rtprelay-ctl list kernel"
run "curl -s http://127.0.0.1:9101/metrics | grep -E '^rtprelay_(ebpf_attached|kernel_entries|nftables_managed)'"
run "ls /sys/fs/bpf/rtprelay/0"
run "curl -s http://127.0.0.1:9101/cli/list+kernel | head -3"
note "stream kernelized"
run "rtprelay-ctl list sessions all"
run "rtprelay-ctl list session a84b4c76e66710@pbx.example.org"
run "id='a84b4c76e66710@pbx.example.org'; printf 'q1 d7:command5:query7:call-id%d:%se' \${#id} \"\$id\" | nc -u -w1 127.0.0.1 2223 | grep -o -e 10:kernelized -e '18:last kernel packeti[0-9]*e' -e '16:last user packeti[0-9]*e'"
note "nftables"
run "nft list table ip filter"
run "rtprelayd --nftables-status"
run "rtprelayd --nftables-stop; rtprelayd --nftables-status"
run "rtprelayd --nftables-start; rtprelayd --nftables-status"
run "nft list set ip filter rtprelay_ports_0"
note "ports exhausted"
for i in $(seq 1 10); do
  r=$(PX python3 $work/ng.py "$(jq -nc --arg s "$(sdp 10.231.1.2 $((6000 + 2*i)))" --arg c fill-$i '{command:"offer","call-id":$c,"from-tag":"alice",sdp:$s,direction:["pub","priv"]}')")
  echo "(offer fill-$i: $r)" >>"$out"
done
run "rtprelay-ctl list interfaces"
run "curl -s http://127.0.0.1:9101/metrics | grep '^rtpengine_ports_free'"
run "rtprelay-ctl terminate fill-1; rtprelay-ctl list numsessions | head -1"
PX python3 $work/ng.py "$(jq -nc --arg s "$(sdp 10.232.1.2 7000)" '{command:"answer","call-id":"fill-2","from-tag":"alice","to-tag":"bob",sdp:$s}')" >>"$out"
note "timeouts"
run "rtprelay-ctl list timeout"
run "rtprelay-ctl set timeout 5"
run "rtprelay-ctl params diff"
sleep 9
run "rtprelay-ctl list totals | grep -e 'timed-out' -e 'terminated'"
run "curl -s http://127.0.0.1:9101/metrics | grep '^rtpengine_closed_sessions_total'"
run "rtprelay-ctl params revert"
note "reload"
sed 's/^timeout = 60/timeout = 90/' /etc/rtprelay/rtprelay.conf > $work/c && cat $work/c > /etc/rtprelay/rtprelay.conf
echo "\$ kill -HUP (daemon pid)" >>"$out"; kill -HUP $dpid; echo "[exit $?]" >>"$out"; sleep 1
run "rtprelay-ctl list timeout"
note "drain"
run "rtprelay-ctl set maxsessions 0"
PX python3 $work/ng.py "$(jq -nc --arg s "$(sdp 10.231.1.2 7100)" '{command:"offer","call-id":"during-drain","from-tag":"alice",sdp:$s,direction:["pub","priv"]}')" >>"$out"
run "rtprelay-ctl set maxsessions -1"
note "tuning"
run "rtprelay-ctl list maxopenfiles"
runh "sysctl net.core.rmem_max net.core.rmem_default net.core.netdev_max_backlog net.ipv4.ip_local_port_range"
runh "nstat -az UdpRcvbufErrors UdpSndbufErrors"
run "rtprelay-ctl list totals | head -8"
for p in "${peers[@]}"; do wait $p; done; peers=()
stop
note "after stop"
run "rtprelayd --nftables-status"
run "ls /sys/fs/bpf/rtprelay/0"
run "rm -r /sys/fs/bpf/rtprelay/0; ls /sys/fs/bpf/rtprelay"
table=""
echo "--- log" >>"$out"; cat $work/d.log >>"$out"

args=(docs/operations.md "$out")
[ "$update" = 1 ] || args+=(--check)
cd "$root" && python3 contrib/docs/sync-console-outputs.py "${args[@]}"
