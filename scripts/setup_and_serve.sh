#!/usr/bin/env bash
# Set everything up from nothing and serve the app: install, build a model bundle (the real
# English model when the hub is reachable, otherwise a synthetic one, loudly), serve on :5173.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

if python -c "from bundle.model_source import check_hub_reachable; check_hub_reachable(5)" 2>/dev/null; then
  [ -f public/models/english/manifest.json ] || python scripts/build_bundle.py
else
  cat <<'NOTICE'
==========================================================================================
  The model hub is not reachable from this machine, so the real Pocket TTS weights cannot
  be downloaded. Building a SYNTHETIC bundle instead: the real architecture with seeded
  random weights. It exercises the whole app, but it makes NOISE, NOT SPEECH.
  With network access, run: python scripts/build_bundle.py
  With local weights, run:  python scripts/build_bundle.py --weights DIR
==========================================================================================
NOTICE
  [ -f public/models/english-synthetic-tiny/manifest.json ] || python scripts/build_bundle.py --synthetic tiny
fi

npm run dev -- --host 127.0.0.1 --port 5173
