"""bench/bench_all.py's plot is optional: without matplotlib the benchmark still ends (its results
file stands alone); with it, the plot is written."""

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _bench_all():
    spec = importlib.util.spec_from_file_location("bench_all", REPO / "bench" / "bench_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESULT = {"config": "browser wasm-1t", "graphs_ms_per_frame": {"flow_lm_step": 20.0, "mimi_decoder": 18.0}}


def test_without_matplotlib_no_plot_and_no_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    path = tmp_path / "plot.png"
    assert _bench_all().plot([RESULT], path) is False
    assert not path.exists()
    assert "matplotlib is not installed" in capsys.readouterr().out


def test_with_matplotlib_the_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib", reason="the bench extra is not installed")
    path = tmp_path / "plot.png"
    assert _bench_all().plot([{**RESULT, "ms_per_frame_median": 40.0}], path) is True
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
