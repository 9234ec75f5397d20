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
from py_core.engine import (
    AudioChunk,
    ChunkStarted,
    DecodePolicy,
    Engine,
    Finished,
    Settings,
    WordEnd,
    WordsPlanned,
    WordStart,
)
from py_core.js_runtime import JsRuntime
from py_core.manifest import parse_manifest
from py_core.rng import NoiseSource
from py_core.voice_library import ModelIdentity, check_voice, make_library_voice, voice_metadata
from py_core.voices import Voice, dump_voice, load_voice
from py_core.wav import WavStreamWriter

_bundle: Bundle | None = None
_engine: Engine | None = None


def check_manifest(text: str) -> None:
    """Validate the manifest with py_core's reader (schema version, required graphs)."""
    parse_manifest(text)


def load(bridge, manifest_text: str, tokenizer_bytes, voice_name: str, voice_bytes) -> None:
    """Open the bundle over the bridge's sessions, with the tokenizer and the default voice."""
    global _bundle, _engine
    manifest = parse_manifest(manifest_text)
    files = {manifest.tokenizer.file: tokenizer_bytes.to_bytes()}

    def read(path: str) -> bytes:
        if path not in files:  # web/engine/worker.js downloads a voice and calls add_voice before use
            raise ValueError(f"{path} has not been downloaded")
        return files[path]

    _bundle = Bundle(manifest, read, JsRuntime(bridge, manifest))
    _engine = _bundle.engine
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
    rate = _engine.sample_rate
    if wav is not None:
        audio = load_prompt(wav.to_bytes(), file_name, target_rate=rate, stdlib_only=True)
    else:
        samples = array("f", bytes(pcm.byteLength))
        pcm.assign_to(samples)
        audio = prepare_prompt(samples, rate, target_rate=rate, stdlib_only=True, name=file_name)
    await _bundle.clone(name, audio)


def preview(text: str, normalize: bool):
    """What will be read, pauses shown as [pause Ns], and the markup warnings: {text, warnings}."""
    try:
        script = _engine.plan_script(text, normalize=normalize)
        said, warnings = script.spoken_text(), script.warnings
    except ValueError as error:  # nothing to say
        said, warnings = "", [str(error)]
    return to_js({"text": said, "warnings": to_js(warnings)}, dict_converter=js.Object.fromEntries)


def _decode_policy(options: dict) -> DecodePolicy:
    """The decoder's schedule from the worker's options (see web/engine/worker.js `decodeOptions`)."""
    return DecodePolicy(
        batch=int(options.get("decode_batch") or 1),
        overlap=bool(options.get("decode_overlap")),
        follow_playback=bool(options.get("follow_playback")),
        playback_speed=float(options.get("playback_speed") or 1.0),
    )


async def warm_up(hooks, cancel, options) -> int:
    """One throw-away utterance in the default voice (its output is discarded), decoded as `speak`
    would with the same `options`; returns its length in samples (the worker times it: the speed
    check of the automatic model choice)."""
    state = await _bundle.voice_state(_bundle.default_voice or _bundle.voice_names()[0])
    policy = _decode_policy(options.to_py())
    events = _engine.generate("Warming up the engine, one moment.", state, cancel=cancel, policy=policy)
    samples = 0
    async for event in events:
        if isinstance(event, AudioChunk):
            samples += len(event.samples)
            await hooks.pause()
    return samples


# The first chunk (at most a few sentences) is planned from the start of the text alone: a long text
# is not normalized and split whole on every pause in typing. Should the cut change that chunk, its
# tokens differ from the Speak's and the prefill is simply not used.
PREPARE_CHARS = 2000


async def prepare(text: str, voice: str, normalize: bool) -> bool:
    """The first chunk's prefill of `text` in `voice`, run ahead of a Speak of it (Engine.prefill:
    that Speak then starts at its first sampled frame). ValueError for empty text."""
    settings = Settings.from_manifest(_engine.manifest)
    script = _engine.plan_script(text[:PREPARE_CHARS], settings, normalize=normalize)
    state = await _bundle.voice_state(voice)
    return await _engine.prefill(script.plans, state, settings)


async def speak(hooks, job: int, text: str, voice: str, temperature, steps, cancel, options):
    """Generate `text`, streaming each decoded chunk to `hooks.chunk`; returns a summary object.

    `cancel.is_set()` (a JS object) is polled by the engine between steps; `hooks.pause()` after
    each chunk lets the worker receive the page's Stop message (see web/engine/worker.js).
    `options`: `seed` (None: random), and the decoder's schedule (`_decode_policy`): `decode_batch`
    (frames per decoder call, a ceiling with `follow_playback`), `decode_overlap` (decode while the
    next steps run: when the bridge's decoder has a worker of its own), `playback_speed`.
    The summary's `header` is the final WAV header for the chunks' PCM16 data.
    Word timestamps (bundles with timestamp heads): `hooks.words` first gets the words, then each
    chunk carries the word events decided so far, [kind, index, start, end] in seconds of the
    utterance's audio; the summary has the rest (`words`) and the subtitles (`vtt`, else None).
    """
    options = options.to_py()
    settings = Settings.from_manifest(_engine.manifest, temperature=temperature, sampler_steps=steps)
    # Pause markup, then numbers and symbols as words (the page's switch); ValueError for empty text.
    planning = time.perf_counter()
    script = _engine.plan_script(text, settings, normalize=bool(options.get("normalize", True)))
    plan_seconds = time.perf_counter() - planning
    if script.warnings:
        hooks.notice(job, to_js(script.warnings))
    plans = script.plans
    state = await _bundle.voice_state(voice)
    writer = WavStreamWriter(_engine.sample_rate)
    seed = options.get("seed")
    noise = NoiseSource(None if seed is None else int(seed))
    policy = _decode_policy(options)
    finished = None
    prefilled = _engine.has_prefill(plans, state)  # run ahead while the text was typed (`prepare`)
    timestamps = _engine.manifest.timestamps is not None
    events = _engine.generate(
        plans, state, settings, noise=noise, policy=policy, cancel=cancel, timestamps=timestamps
    )
    budget = 1  # frames the current text chunk may take at most (it usually ends earlier, at EOS)
    words: list[list] = []  # word events not sent yet
    ended: list[WordEnd] = []
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
            "seed": str(noise.seed),
            "planSeconds": plan_seconds,
            "prefilled": prefilled,
            "words": to_js(words),
            "vtt": subtitles.to_vtt(ended) if timestamps else None,
        },
        dict_converter=js.Object.fromEntries,
    )


# ---------- the voice library (web/app/voice-library-ui.js keeps the files; py_core.voice_library checks)

_model: ModelIdentity | None = None


def library_model(manifest_text: str):
    """The loaded bundle's identity for the library: {modelId, displayName, manifestSha256}."""
    global _model
    _model = ModelIdentity.from_manifest(manifest_text)
    info = {"modelId": _model.model_id, "displayName": _model.display_name}
    return to_js({**info, "manifestSha256": _model.manifest_sha256}, dict_converter=js.Object.fromEntries)


async def cloned_voice_file(key: str, name: str):
    """The library file of cloned voice `key`: its KV state with the library's metadata."""
    state = await _bundle.voice_state(key)
    return _library_file(await _engine.export_voice(state, voice_metadata(name, _model)))


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
