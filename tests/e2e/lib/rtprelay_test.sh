# shellcheck shell=bash
# Sourced by the e2e scripts: the Python they share, lib/rtprelay_test.py, importable by their own
# helpers and run as a command through "$rtprelay_test"; no .pyc files written into the tree.
rtprelay_test="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/rtprelay_test.py"
export PYTHONPATH="${rtprelay_test%/*}${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
