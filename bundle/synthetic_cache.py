"""Synthetic bundles built once and reused while the code that builds them is unchanged.

The tests (pytest fixtures, the Playwright suite) need the same few synthetic bundles. They are built
into build/bundles/<name>/ (git-ignored) and stamped with a `.build-key`: a hash of the builder's
options, bundle/*.py and the py_core modules that bundle/ imports (directly or not). A bundle whose
key differs from the current code's is rebuilt.

    python -m bundle.synthetic_cache            # make sure the test bundles are current
    python -m bundle.synthetic_cache small-2m-fp32   # one named bundle (the small models' are on demand)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLES_DIR = REPO_ROOT / "build" / "bundles"

# The bundles the test suites use, by name under build/bundles/: the builder's options.
TEST_BUNDLES = {
    "tiny-int8": ("--synthetic", "tiny", "--seed", "0"),
    "tiny-fp32": ("--synthetic", "tiny", "--seed", "0", "--quantize", "none"),
}
# Upstream's small English models at their real size (1.9 M, 6.9 M and 18.2 M parameters), fp32, for
# the parity tests (`python -m bundle.synthetic_cache small-2m-fp32 ...` builds them on demand).
SMALL_TEST_BUNDLES = {
    f"small-{size}-fp32": (
        "--language",
        f"english_{size}_2026-10",
        "--synthetic",
        "full",
        "--seed",
        "0",
        "--quantize",
        "none",
    )
    for size in ("2m", "7m", "18m")
}

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


def build_key(options: tuple[str, ...] | list[str]) -> str:
    """Hash of the options and of every source file that the builder runs."""
    digest = hashlib.sha256(json.dumps(list(options)).encode())
    for path in _builder_sources():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _is_current(out: Path, key: str) -> bool:
    key_file = out / ".build-key"
    return (out / "manifest.json").exists() and key_file.exists() and key_file.read_text() == key


def build_synthetic_bundle(name: str, *options: str) -> Path:
    """Build (or reuse) a synthetic bundle at build/bundles/<name> with the given CLI options.

    Several processes may call it at once: one builds (under a lock file) while the others wait
    and then reuse its result.
    """
    from bundle.build import build, parse_args

    out = BUNDLES_DIR / name
    key = build_key(options)
    if _is_current(out, key):
        return out
    BUNDLES_DIR.mkdir(parents=True, exist_ok=True)
    with open(BUNDLES_DIR / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_current(out, key):  # another process built it while this one waited
            return out
        print(f"building the synthetic test bundle build/bundles/{name} ({' '.join(options)})", flush=True)
        build(parse_args([*options, "--out", str(out), "-q"]))
        (out / ".build-key").write_text(key)
    return out


def main(names: list[str]) -> None:
    """Make sure the named test bundles (all of them by default) are built and current."""
    known = {**TEST_BUNDLES, **SMALL_TEST_BUNDLES}
    for name in names or TEST_BUNDLES:
        build_synthetic_bundle(name, *known[name])


if __name__ == "__main__":
    main(sys.argv[1:])
