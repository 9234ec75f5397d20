#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine (root) or a prepared one:
# Debian's chromium for the browser tests, the Python side (torch CPU build, pocket-tts, onnx
# tooling, py_core in editable mode) and the front-end packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "==> installing Python packages"
python -m pip install -q --upgrade pip setuptools wheel
# torch first, pinned: 2.13.0 is the CPU build available on these machines.
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[bundle,test]"

echo "==> installing npm packages"
# `npm install`, not `npm ci`: npm 11 leaves rollup's optional per-platform packages out of the
# lock file and `npm ci` then refuses it as out of sync. The lock still pins every version used.
npm install --no-audit --no-fund --loglevel=error
