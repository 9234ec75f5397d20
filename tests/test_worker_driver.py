"""web/engine/worker_driver.py's glue in CPython: Pyodide's `js` and `pyodide.ffi` stood in for (to_js
gives plain Python values), a Bundle opened on onnxruntime, and the JS side's hooks recorded. The
driver's speak and prepare take SpeakOptions by their JS names and give what Bundle.speak gives."""

import asyncio
import importlib.util
import sys
import types
from array import array
from pathlib import Path

import pytest

from py_core.engine import AudioChunk
from py_core.ort_runtime import open_bundle
from py_core.speak_request import SpeakOptionError, SpeakRequest

DRIVER = Path(__file__).resolve().parent.parent / "web" / "engine" / "worker_driver.py"
TEXT = "Hello world, this is a short test."


class _Options(dict):
    """A JS object as Pyodide passes it (a JsProxy with to_py)."""

    def to_py(self):
        return dict(self)


class _Hooks:
    def __init__(self):
        self.chunks, self.notices, self.started = [], [], []

    def chunk(self, job, pcm, wav, index, count, done, words):
        self.chunks.append(array("f", bytes(pcm)))

    def notice(self, job, warnings):
        self.notices.append(warnings)

    def progress(self, job, index, count):
        self.started.append((index, count))

    def words(self, job, text, words):
        pass

    async def pause(self):
        pass


class _Never:
    def is_set(self):
        return False


@pytest.fixture()
def driver(tiny_bundle, monkeypatch):
    js = types.ModuleType("js")
    js.Object = types.SimpleNamespace(fromEntries=dict)
    ffi = types.ModuleType("pyodide.ffi")
    ffi.to_js = lambda value, **_: value
    ffi.JsException = Exception
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi
    for name, module in {"js": js, "pyodide": pyodide, "pyodide.ffi": ffi}.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "py_core.js_runtime", raising=False)
    spec = importlib.util.spec_from_file_location("pocket_driver", DRIVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._bundle = open_bundle(tiny_bundle)
    return module


def test_speak_takes_speak_options_and_streams_what_bundle_speak_gives(driver):
    hooks = _Hooks()
    options = _Options(voice="basil", temperature=0.7, seed="12", decodeBatch=2, playbackSpeed=1.5)
    summary = asyncio.run(driver.speak(hooks, 1, TEXT + " [pause 12s]", options, _Never(), False))
    pcm = array("f")
    for chunk in hooks.chunks:
        pcm.extend(chunk)
    request = SpeakRequest(voice="basil", temperature=0.7, seed=12, decode_batch=2, playback_speed=1.5)

    async def expected():
        audio = array("f")
        async for event in driver._bundle.speak(TEXT + " [pause 12s]", request):
            if isinstance(event, AudioChunk):
                audio.extend(event.samples)
        return audio

    assert pcm == asyncio.run(expected())
    assert summary["seed"] == "12" and summary["samples"] == len(pcm) and not summary["stopped"]
    assert hooks.notices and "pause" in hooks.notices[0][0]  # 12 s clamped to 10: a markup warning
    assert hooks.started == [(0, 2), (1, 2)]


def test_prepare_then_speak_starts_from_the_prefill(driver):
    options = _Options(voice="cedar", seed=4)
    assert asyncio.run(driver.prepare(TEXT, options))
    summary = asyncio.run(driver.speak(_Hooks(), 2, TEXT, options, _Never(), True))
    assert summary["prefilled"] is True
    assert asyncio.run(driver.speak(_Hooks(), 3, TEXT, options, _Never(), True))["prefilled"] is False


def test_bad_options_are_refused_by_name(driver):
    with pytest.raises(SpeakOptionError, match="unknown speak option"):
        asyncio.run(driver.speak(_Hooks(), 1, TEXT, _Options(voice_name="x"), _Never(), False))
    with pytest.raises(SpeakOptionError, match="decodeBatch must be from 0 to 16"):
        asyncio.run(driver.prepare(TEXT, _Options(decodeBatch=99)))


def test_warm_up_and_preview(driver):
    arrivals = asyncio.run(driver.warm_up(_Hooks(), _Never(), False))
    assert len(arrivals) > 1 and all(samples > 0 for _, samples in arrivals)
    times = [seconds for seconds, _ in arrivals]
    assert times == sorted(times) and times[0] > 0
    assert driver.preview("It costs $5.", True) == {"text": "It costs five dollars.", "warnings": []}


class _Bytes(bytes):
    """A JS ArrayBuffer as Pyodide passes it (a JsProxy with to_bytes)."""

    def to_bytes(self):
        return bytes(self)


def test_open_document_gives_its_chapters_and_encoding(driver):
    text = "# Opening\n\nFirst *words* here.\n\n# Second\n\nMore [text](https://example.com)."
    opened = driver.open_document(_Bytes(text.encode("utf-16")), "notes.md")
    assert opened["format"] == "markdown" and opened["encoding"] == "utf-16-le"
    assert [c["title"] for c in opened["chapters"]] == ["Opening", "Second"]
    assert "First words here." in opened["chapters"][0]["text"]
    second = opened["chapters"][1]["text"]
    assert "More text." in second and "example.com" not in second


def test_open_document_refuses_an_empty_file_by_name(driver):
    from py_core.chapters import DocumentError

    with pytest.raises(DocumentError, match="empty.txt has no text to read"):
        driver.open_document(_Bytes(b"  \n"), "empty.txt")
