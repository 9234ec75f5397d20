#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine (root) or a prepared one:
# Debian's chromium, firefox-esr and WebKitGTK (with Xvfb and PulseAudio) for the browser tests,
# the Python side (torch CPU build, pocket-tts, onnx tooling, py_core in editable mode) and the
# front-end packages. Safe to run again.
# Prints one line per step; details go to build/install.log (shown only when a step fails).
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p build
log=build/install.log
: >"$log"

# step DESCRIPTION COMMAND...: run quietly, show the log tail and stop on failure.
step() {
  local what="$1"
  shift
  echo "==> $what"
  if ! "$@" >>"$log" 2>&1; then
    echo "!!! failed: $what — last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo); fi
# The browsers of the end-to-end tests and what they need around them (command: Debian package):
# chromium (Playwright), firefox-esr, WebKitGTK's WebKitWebDriver + MiniBrowser, Xvfb (MiniBrowser
# has no headless mode) and PulseAudio (a null sink: Firefox starts no audio without a device);
# pandoc makes the EPUB and HTML documents of the document tests (tests/test_document.py,
# e2e/documents.spec.js); ffmpeg's ffprobe and ffmpeg check the exported Opus and MP3 files
# (tests/test_export.py, e2e/export.spec.js).
missing=()
for pair in chromium:chromium firefox-esr:firefox-esr WebKitWebDriver:webkit2gtk-driver Xvfb:xvfb pulseaudio:pulseaudio pandoc:pandoc ffprobe:ffmpeg; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "updating Debian package lists (apt-get update)" "${as_root[@]}" apt-get update -qq
  step "installing Debian packages: ${missing[*]} (apt-get)" \
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# pip: no root-user warning (this is a throwaway machine or the user's own venv), no version nag.
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
step "installing Python packages: torch (CPU build)" python -m pip install -q torch==2.13.0
step "installing Python packages: pocket-tts, onnx tooling, test tools, PyAV, py_core" \
  python -m pip install -q -e ".[bundle,test,bench,export]"

# `npm install`, not `npm ci`: npm 11 leaves rollup's optional per-platform packages out of the
# lock file and `npm ci` then refuses it as out of sync. The lock still pins every version used.
step "installing npm packages" npm install --no-audit --no-fund --loglevel=error
echo "==> installed (details: $log)"
