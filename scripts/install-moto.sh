#!/usr/bin/env bash
# Installs the pinned moto server the integration tests and the game day use, into .venv of the repo.
# If PyPI cannot be reached, falls back to a moto_server already on PATH (and says so).
set -euo pipefail

MOTO_VERSION="5.2.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

have_pinned() {
  [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c "import moto, sys; sys.exit(0 if moto.__version__ == '$MOTO_VERSION' else 1)" 2>/dev/null
}

if have_pinned; then
  echo "moto $MOTO_VERSION is already installed in $VENV"
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "install-moto: $PYTHON was not found: install Python 3.9+ or set PYTHON=/path/to/python3" >&2
  exit 1
fi

if "$PYTHON" -m venv "$VENV" \
  && "$VENV/bin/pip" install --disable-pip-version-check --quiet --timeout 20 "moto[server]==$MOTO_VERSION"; then
  echo "installed moto[server]==$MOTO_VERSION into $VENV (test/helpers/moto.ts finds $VENV/bin/moto_server)"
  exit 0
fi

echo "install-moto: could not install moto[server]==$MOTO_VERSION from PyPI (offline or blocked)." >&2
if command -v moto_server >/dev/null 2>&1; then
  FOUND="$(command -v moto_server)"
  VERSION="$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)"
  echo "install-moto: FALLING BACK to the preinstalled $FOUND (moto $VERSION, not necessarily $MOTO_VERSION)." >&2
  echo "install-moto: the tests will use it from PATH; set MOTO_SERVER_BIN to choose another binary." >&2
  exit 0
fi
echo "install-moto: no moto_server on PATH either: install it with pip install 'moto[server]==$MOTO_VERSION'" >&2
exit 1
