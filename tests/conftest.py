"""Shared fixtures: synthetic model bundles built once per test session (and reused across runs).

Bundles go to build/bundles/<name>/ (git-ignored). A bundle is rebuilt when the code that
produces it changes: its `.build-key` holds a hash of bundle/*.py, the py_core modules that bundle/
imports (directly or not) and the options.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLES_DIR = REPO_ROOT / "build" / "bundles"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "pocket-tts"


_PY_CORE_IMPORT = re.compile(r"^\s*(?:from py_core(?:\.(\w+))? import (\w+)|import py_core\.(\w+))", re.M)


def _builder_sources() -> list[Path]:
    """bundle/*.py and the py_core modules they import, transitively."""
    sources = sorted((REPO_ROOT / "bundle").glob("*.py"))
    pending, seen = list(sources), set(sources)
    while pending:
        text = pending.pop().read_text(encoding="utf-8")
        for names in _PY_CORE_IMPORT.findall(text):
            for module in names:
                path = REPO_ROOT / "py_core" / f"{module}.py"
                if module and path.exists() and path not in seen:
                    seen.add(path)
                    sources.append(path)
                    pending.append(path)
    return sources


def _build_key(options: list[str]) -> str:
    digest = hashlib.sha256(json.dumps(options).encode())
    for path in _builder_sources():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_synthetic_bundle(name: str, *options: str) -> Path:
    """Build (or reuse) a synthetic bundle at build/bundles/<name> with the given CLI options."""
    from bundle.build import build, parse_args

    out = BUNDLES_DIR / name
    argv = [*options, "--out", str(out), "-q"]
    key = _build_key(list(options))
    key_file = out / ".build-key"
    if (out / "manifest.json").exists() and key_file.exists() and key_file.read_text() == key:
        return out
    build(parse_args(argv))
    key_file.write_text(key)
    return out


@pytest.fixture(scope="session")
def tiny_bundle() -> Path:
    """The tiny english synthetic bundle, int8 (what the web app ships)."""
    return build_synthetic_bundle("tiny-int8", "--synthetic", "tiny", "--seed", "0")


@pytest.fixture(scope="session")
def tiny_bundle_fp32() -> Path:
    """The same tiny english synthetic model, unquantized (for exact parity tests)."""
    return build_synthetic_bundle("tiny-fp32", "--synthetic", "tiny", "--seed", "0", "--quantize", "none")


@pytest.fixture(scope="session")
def full_bundle_fp32() -> Path:
    """The full-size english synthetic model, unquantized (slow tests; builds for many minutes once)."""
    return build_synthetic_bundle("full-fp32", "--synthetic", "full", "--quantize", "none")
