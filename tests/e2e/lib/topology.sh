# Network namespaces and kernel tables for the tests and benchmarks that need them; sourced.
# Functions print why they failed on stderr and return non-zero; the caller decides how to stop.

# bridge_topology CALLER PROXY CALLEE: three namespaces with loopback up, and the veth pairs
# PROXY:pub <-> CALLER:eth0 and PROXY:priv <-> CALLEE:eth0, all up, without addresses.
# Appends each namespace it creates to the array `made_ns`, which the caller deletes on exit
# (deleting a namespace destroys its veth ends, and with them the peers).
bridge_topology() {
  local caller="$1" proxy="$2" callee="$3" ns link dev
  for ns in "$caller" "$callee" "$proxy"; do
    ip netns add "$ns" || {
      echo "ip netns add $ns failed (root, iproute2 and a writable /run/netns needed)" >&2
      return 1
    }
    made_ns+=("$ns")
    ip -n "$ns" link set lo up || return 1
  done
  ip -n "$proxy" link add pub type veth peer name eth0 netns "$caller" ||
    { echo "cannot create the veth pair pub <-> $caller" >&2; return 1; }
  ip -n "$proxy" link add priv type veth peer name eth0 netns "$callee" ||
    { echo "cannot create the veth pair priv <-> $callee" >&2; return 1; }
  for link in "$proxy pub" "$proxy priv" "$caller eth0" "$callee eth0"; do
    read -r ns dev <<<"$link"
    ip -n "$ns" link set "$dev" up || return 1
  done
}

# reserve_kernel_table PIN_ROOT FIRST COUNT: mounts bpffs where missing and prints a kernel
# table number in FIRST..FIRST+COUNT-1 that no other run holds. mkdir is atomic, so the
# directory PIN_ROOT/N reserves the table; the caller removes it (and with it the pins) on exit.
reserve_kernel_table() {
  local root="$1" first="$2" count="$3" i t
  if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
    mount -t bpf bpf /sys/fs/bpf || { echo "cannot mount bpffs at /sys/fs/bpf" >&2; return 1; }
  fi
  mkdir -p "$root"
  for i in $(seq 0 $((count - 1))); do
    t=$((first + ($$ + i) % count))
    if mkdir "$root/$t" 2>/dev/null; then
      echo "$t"
      return 0
    fi
  done
  echo "no free kernel table in $first..$((first + count - 1)) under $root" >&2
  return 1
}
