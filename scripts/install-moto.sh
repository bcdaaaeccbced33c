#!/usr/bin/env bash
# Installs the pinned AWS emulator, moto server, into .venv (the tests and the game day find it there).
# Where PyPI cannot be reached, falls back to a moto_server already on PATH and says so.
set -euo pipefail
MOTO_VERSION=5.2.1
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
python=${PYTHON:-python3}

if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" - "$MOTO_VERSION" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(0 if version("moto") == sys.argv[1] else 1)
PY
  echo "moto[server]==$MOTO_VERSION is already installed in .venv"
  exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python was not found: install Python 3.9 or newer with venv (e.g. apt-get install python3-venv), or set PYTHON" >&2
  exit 1
fi

if "$python" -m venv "$venv" &&
  "$venv/bin/pip" install --disable-pip-version-check --quiet --timeout 60 --retries 2 "moto[server]==$MOTO_VERSION"; then
  echo "installed moto[server]==$MOTO_VERSION into .venv"
  exit 0
fi

echo "warning: could not install moto[server]==$MOTO_VERSION from PyPI into .venv" >&2
rm -f "$venv/bin/moto_server" # a half-installed venv must not shadow the fallback
if command -v moto_server >/dev/null 2>&1; then
  found=$(command -v moto_server)
  echo "falling back to the moto_server already on PATH: $found (the tests were written against moto $MOTO_VERSION)" >&2
  exit 0
fi
echo "error: no moto_server available: make PyPI reachable and rerun, or install moto[server]==$MOTO_VERSION yourself" >&2
exit 1
