"""py_core in real Pyodide (the `pyodide` npm package, in Node, offline) gives exactly what CPython gives.

tests/pyodide/run_probe.mjs loads Pyodide from node_modules, micropip from a local wheel and py_core
from a wheel built here from the working tree, then runs tests/pyodide/probe.py; the same probe runs
in this process. Node and node_modules/pyodide are required (`npm ci`): without them the test fails.
The micropip wheel is downloaded once from PyPI into build/wheels.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYODIDE = ROOT / "node_modules" / "pyodide"
RUNNER = ROOT / "tests" / "pyodide" / "run_probe.mjs"
FIXTURES = ROOT / "tests" / "fixtures" / "pocket-tts"
WHEELS = ROOT / "build" / "wheels"

sys.path.insert(0, str(RUNNER.parent))
import probe  # noqa: E402


def _run(command: list[str], what: str, timeout: int) -> str:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stderr[-4000:]}", pytrace=False)
    return done.stdout


def _micropip_wheel() -> Path:
    """The micropip wheel of the version that this Pyodide's lock file names, from PyPI once."""
    version = json.loads((PYODIDE / "pyodide-lock.json").read_text())["packages"]["micropip"]["version"]
    wheel = WHEELS / f"micropip-{version}-py3-none-any.whl"
    if not wheel.exists():
        _run(
            [sys.executable, "-m", "pip", "download", f"micropip=={version}", "--no-deps"]
            + ["--only-binary=:all:", "--python-version", "3.14", "--dest", str(WHEELS)],
            "downloading the micropip wheel",
            timeout=300,
        )
    return wheel


def _py_core_wheel(tmp: Path) -> Path:
    """A wheel of the working tree's py_core, built from a clean copy (no stale build/lib)."""
    source = tmp / "source"
    shutil.copytree(ROOT / "py_core", source / "py_core", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist")]
        + [str(source)],
        "building the py_core wheel",
        timeout=300,
    )
    (wheel,) = (tmp / "dist").glob("py_core-*.whl")
    return wheel


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Pyodide test needs Node.js 20 or later", pytrace=False)
    if not (PYODIDE / "pyodide.mjs").exists():
        pytest.fail(f"{PYODIDE} is missing: run `npm ci` in {ROOT}", pytrace=False)
    wheel = _py_core_wheel(tmp_path_factory.mktemp("py_core_wheel"))
    command = [node, str(RUNNER), str(_micropip_wheel()), str(wheel), str(FIXTURES)]
    stdout = _run(command, "run_probe.mjs", timeout=600)
    outer = json.loads(stdout)
    return {"network": outer["network"], **json.loads(outer["python"])}


@pytest.fixture(scope="module")
def cpython_result() -> dict:
    return json.loads(json.dumps(probe.run(FIXTURES)))


def test_pyodide_ran_offline_with_py_core_from_its_wheel(pyodide_run):
    assert pyodide_run["network"] == []
    assert pyodide_run["runtime"]["platform"] == "emscripten"
    assert pyodide_run["runtime"]["py_core_file"].endswith("/site-packages/py_core/__init__.py")


@pytest.mark.parametrize(
    "module", ["tokenizer", "text", "voices", "wav", "normalize", "audio_prompt", "document"]
)
def test_pyodide_gives_what_cpython_gives(pyodide_run, cpython_result, module):
    assert pyodide_run["result"].keys() == cpython_result.keys()
    assert _outcomes(pyodide_run["result"][module]) == _outcomes(cpython_result[module])


def _outcomes(result):
    """A probe module's results without its timings (each side's timing is checked on its own)."""
    if isinstance(result, dict):
        return {key: value for key, value in result.items() if key != "slow_cases"}
    return result


def test_pyodide_refuses_hostile_prompt_audio_quickly_and_only_with_audio_prompt_error(pyodide_run):
    """The probe's mutated WAV files in Pyodide: audio or AudioPromptError, each within a second."""
    result = pyodide_run["result"]["audio_prompt"]
    outcomes = list(result["cases"].values())
    assert len(outcomes) >= 1000 and result["slow_cases"] == []
    assert {o["error"][0] for o in outcomes if "error" in o} == {"AudioPromptError"}
    assert sum("value" in o for o in outcomes) >= 10
