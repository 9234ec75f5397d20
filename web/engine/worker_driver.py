"""The worker's Python side: py_core's engine driven for the web app (runs in Pyodide only).

web/engine/worker.js writes this file into Pyodide's file system as `pocket_driver` and calls its functions;
everything else is py_core. Values going to JS are `to_js` copies (typed arrays, plain objects), so
no Python object is left proxied on the JS side.
"""

import time
from array import array

import js
from pyodide.ffi import to_js

from py_core import subtitles
from py_core.audio_prompt import load_prompt, prepare_prompt
from py_core.bundle import Bundle
from py_core.document import open_document as read_document
from py_core.engine import AudioChunk, ChunkStarted, Finished, WordEnd, WordsPlanned, WordStart
from py_core.js_runtime import JsRuntime
from py_core.manifest import parse_manifest
from py_core.speak_request import SpeakRequest
from py_core.voice_library import ModelIdentity, check_voice, make_library_voice, voice_metadata
from py_core.voices import Voice, dump_voice, load_voice
from py_core.wav import WavStreamWriter

_bundle: Bundle | None = None
_model: ModelIdentity | None = None


def load(bridge, manifest_text: str, tokenizer_bytes, voice_name: str, voice_bytes) -> None:
    """Open the bundle over the bridge's sessions, with the tokenizer and the default voice.

    The one parse of the manifest in Python (web/engine/manifest.js checked its schema version and
    graphs before any download); ManifestError names what else is wrong with it."""
    global _bundle, _model
    manifest = parse_manifest(manifest_text)
    _model = ModelIdentity.of(manifest, manifest_text)
    files = {manifest.tokenizer.file: tokenizer_bytes.to_bytes()}

    def read(path: str) -> bytes:
        if path not in files:  # web/engine/worker.js downloads a voice and calls add_voice before use
            raise ValueError(f"{path} has not been downloaded")
        return files[path]

    _bundle = Bundle(manifest, read, JsRuntime(bridge, manifest))
    add_voice(voice_name, voice_bytes)


def add_voice(name: str, voice_bytes) -> None:
    """Register a voice file's bytes (a bundled voice fetched on demand) under `name`."""
    _bundle.add_voice(name, load_voice(voice_bytes.to_bytes()))


def supports_cloning() -> bool:
    return _bundle.supports_cloning


async def clone_voice(name: str, wav, pcm, file_name: str) -> None:
    """A voice from prompt audio: 16-bit WAV bytes (checked, read and resampled as upstream does) or
    a Float32Array already at the model's rate. Prepared by py_core.audio_prompt (30 s at most, not
    silent, ended on a pause, whole frames), encoded now and kept, so that it can be re-encoded if
    evicted. A file py_core refuses raises AudioPromptError naming `file_name`."""
    rate = _bundle.sample_rate
    if wav is not None:
        audio = load_prompt(wav.to_bytes(), file_name, target_rate=rate, stdlib_only=True)
    else:
        samples = array("f", bytes(pcm.byteLength))
        pcm.assign_to(samples)
        audio = prepare_prompt(samples, rate, target_rate=rate, stdlib_only=True, name=file_name)
    await _bundle.clone(name, audio)


def preview(text: str, normalize: bool):
    """What will be read, pauses shown as [pause Ns], and the markup warnings: {text, warnings}."""
    said, warnings = _bundle.preview(text, normalize)
    return to_js({"text": said, "warnings": to_js(warnings)}, dict_converter=js.Object.fromEntries)


def open_document(data, name: str):
    """A document's chapters (py_core.document: plain text, Markdown, HTML, EPUB) for the reading view:
    {title, format, encoding, warnings, chapters: [{title, text}]}; DocumentError names what is wrong."""
    document = read_document(data.to_bytes(), name)
    chapters = [
        to_js({"title": c.title, "text": c.text}, dict_converter=js.Object.fromEntries)
        for c in document.chapters
    ]
    return to_js(
        {
            "title": document.title,
            "format": document.format,
            "encoding": document.encoding,
            "warnings": to_js(list(document.warnings)),
            "chapters": to_js(chapters),
        },
        dict_converter=js.Object.fromEntries,
    )


async def warm_up(hooks, cancel, decode_overlap: bool):
    """One throw-away utterance (Bundle.warm_up: its output is discarded); returns its chunks as
    [seconds since it started, samples] pairs: the worker times the whole (the speed check of the
    automatic model choice) and the player learns from their spacing how long to hold a start
    (web/audio/start-buffer.js)."""
    arrivals = []
    async for event in _bundle.warm_up(cancel=cancel, decode_overlap=bool(decode_overlap)):
        if isinstance(event, AudioChunk):
            arrivals.append([event.seconds, len(event.samples)])
            await hooks.pause()
    return to_js(arrivals)


def _request(options) -> SpeakRequest:
    """The SpeakRequest of a JS SpeakOptions object (web/engine/speak-options.js)."""
    return SpeakRequest.from_options(options.to_py() if options is not None else {})


async def prepare(text: str, options) -> bool:
    """The first chunk's prefill of `text`, run ahead of a Speak of it with the same SpeakOptions
    (Bundle.prepare: that Speak then starts at its first sampled frame). ValueError for empty text."""
    return await _bundle.prepare(text, _request(options))


async def speak(hooks, job: int, text: str, options, cancel, decode_overlap: bool):
    """Generate `text` as the SpeakOptions `options` say, streaming each decoded chunk to
    `hooks.chunk`; returns a summary object.

    `cancel.is_set()` (a JS object) is polled by the engine between steps; `hooks.pause()` after
    each chunk lets the worker receive the page's Stop message (see web/engine/worker.js).
    `decode_overlap`: decode while the next steps run (the bridge's decoder has a worker of its own).
    The summary's `header` is the final WAV header for the chunks' PCM16 data.
    Word timestamps (bundles with timestamp heads): `hooks.words` first gets the words, then each
    chunk carries the word events decided so far, [kind, index, start, end] in seconds of the
    utterance's audio; the summary has the rest (`words`) and the subtitles (`vtt`, else None).
    """
    planning = time.perf_counter()
    plan = _bundle.plan(text, _request(options))  # ValueError for empty text
    plan_seconds = time.perf_counter() - planning
    if plan.script.warnings:
        hooks.notice(job, to_js(plan.script.warnings))
    prefilled = await _bundle.is_prepared(plan)  # run ahead while the text was typed (`prepare`)
    timestamps = _bundle.manifest.timestamps is not None
    writer = WavStreamWriter(_bundle.sample_rate)
    finished = None
    budget = 1  # frames the current text chunk may take at most (it usually ends earlier, at EOS)
    words: list[list] = []  # word events not sent yet
    ended: list[WordEnd] = []
    events = _bundle.generate(plan, cancel=cancel, decode_overlap=bool(decode_overlap), timestamps=timestamps)
    async for event in events:
        if isinstance(event, AudioChunk):
            pcm = event.samples
            done = min(1.0, event.chunk_frames / budget)
            hooks.chunk(
                job,
                to_js(memoryview(pcm)),
                to_js(writer.encode(pcm)),
                event.index,
                event.count,
                done,
                to_js(words),
            )
            words = []
            await hooks.pause()
        elif isinstance(event, WordStart):
            words.append(["start", event.index, event.start, event.start])
        elif isinstance(event, WordEnd):
            words.append(["end", event.index, event.start, event.end])
            ended.append(event)
        elif isinstance(event, WordsPlanned):
            hooks.words(job, event.text, to_js([list(w) for w in event.words]))
        elif isinstance(event, ChunkStarted):
            budget = max(1, event.max_frames)
            hooks.progress(job, event.index, event.count)
        elif isinstance(event, Finished):
            finished = event
    return to_js(
        {
            "header": to_js(writer.final_header()),
            "samples": writer.num_samples,
            "frames": finished.frames,
            "chunks": finished.chunks,
            "elapsed": finished.seconds,
            "firstAudio": finished.first_audio_seconds,
            "stopped": finished.cancelled,
            "seed": str(plan.seed),
            "planSeconds": plan_seconds,
            "prefilled": prefilled,
            "words": to_js(words),
            "vtt": subtitles.to_vtt(ended) if timestamps else None,
        },
        dict_converter=js.Object.fromEntries,
    )


# ---------- the voice library (web/engine/voice-collection.js keeps the files; py_core.voice_library checks)


def library_model():
    """The loaded bundle's identity for the library: {modelId, displayName, manifestSha256}."""
    info = {"modelId": _model.model_id, "displayName": _model.display_name}
    return to_js({**info, "manifestSha256": _model.manifest_sha256}, dict_converter=js.Object.fromEntries)


async def cloned_voice_file(key: str, name: str):
    """The library file of cloned voice `key`: its KV state with the library's metadata."""
    return _library_file(await _bundle.export_voice(key, voice_metadata(name, _model)))


def add_library_voice(key: str, name: str, data) -> None:
    """Register a library voice file under `key`; VoiceModelError if it was made for another model."""
    voice = load_voice(data.to_bytes())
    check_voice(voice, _model, name)
    _bundle.add_voice(key, voice)


def import_voice(data, file_name: str):
    """A .safetensors voice (this app's or upstream's export-voice) checked and made a library file."""
    stem = file_name.rsplit("/", 1)[-1].removesuffix(".safetensors")
    return _library_file(make_library_voice(data.to_bytes(), _model, None, stem or "imported voice"))


def _library_file(voice: Voice):
    """{name, data (the .safetensors bytes), meta} for the page."""
    meta = to_js(voice.metadata, dict_converter=js.Object.fromEntries)
    result = {"name": voice.metadata["name"], "data": to_js(dump_voice(voice)), "meta": meta}
    return to_js(result, dict_converter=js.Object.fromEntries)
