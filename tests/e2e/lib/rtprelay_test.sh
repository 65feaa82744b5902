# shellcheck shell=bash
# Sourced by the e2e and package test scripts: the Python they share, lib/rtprelay_test.py,
# importable by their own helpers and run as a command through "$rtprelay_test" (no .pyc files
# written into the tree), and the shell helpers below.
rtprelay_test="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/rtprelay_test.py"
export PYTHONPATH="${rtprelay_test%/*}${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1

wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

free_ports() { # a UDP port for ng and a TCP port for the CLI, free now and above the kernel's
  # ephemeral range (which ends at 60999), so that no client socket takes them before the daemon
  python3 -c 'import random, socket
while True:
    port = random.randrange(61000, 65000, 2)
    u, t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket()
    try:
        u.bind(("127.0.0.1", port))
        t.bind(("127.0.0.1", port + 1))
    except OSError:
        continue
    print(port, port + 1)
    break'
}
