#!/usr/bin/env bash
# Set everything up from nothing and run every test: pytest (py_core, bundle builder, engine
# parity, Pyodide in Node), the JS unit tests (Node), the Playwright end-to-end suite in headless
# Chromium, the npm package in a clean room (e2e-package/), and the same user journeys in Firefox and
# WebKitGTK (e2e-engines/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
echo "==> lint and types: ruff check, ruff format --check, mypy (Python); ESLint, tsc --checkJs (JS)"
python -m ruff check --quiet .
python -m ruff format --check --quiet .
python -m mypy
npm run --silent lint:js
npm run --silent typecheck
echo "==> pytest (the full-size parity tests are marked slow: python -m pytest -m slow)"
python -m pytest -q -p no:cacheprovider -m "not slow"
echo "==> JS unit tests (node --test tests-js/: bridge, verified downloads, time-stretcher)"
npm run test:unit
echo "==> Playwright end-to-end (headless Debian chromium; its global setup builds the tiny bundles and the app)"
npm run test:e2e
echo "==> the package, clean room (node --test e2e-package/: npm pack, installed into an empty project, built with Vite and its plugin, PocketTTS in headless Chromium under the strict CSP)"
npm run test:clean-room
echo "==> the same journeys in Firefox and WebKitGTK (node --test e2e-engines/: firefox-esr over WebDriver BiDi; WebKitWebDriver + MiniBrowser in Xvfb)"
E2E_ENGINES=firefox,webkitgtk npm run test:engines
