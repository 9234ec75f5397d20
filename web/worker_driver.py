"""The worker's Python side: py_core's engine driven for the web app (runs in Pyodide only).

web/worker.js writes this file into Pyodide's file system as `pocket_driver` and calls its functions;
everything else is py_core. Values going to JS are `to_js` copies (typed arrays, plain objects), so
no Python object is left proxied on the JS side.
"""

import time
from array import array

import js
from pyodide.ffi import to_js

from py_core import tokenizer as tokenizers
from py_core.audio_prompt import load_prompt, prepare_prompt
from py_core.engine import AudioChunk, ChunkStarted, DecodePolicy, Engine, Finished, Settings
from py_core.js_runtime import JsRuntime
from py_core.manifest import parse_manifest
from py_core.rng import NoiseSource
from py_core.voices import load_voice
from py_core.wav import WavStreamWriter

_engine: Engine | None = None
_voices = {}  # name → py_core.voices.Voice (predefined) or array('f') prompt audio (cloned)


def check_manifest(text: str) -> None:
    """Validate the manifest with py_core's reader (schema version, required graphs)."""
    parse_manifest(text)


def load(bridge, manifest_text: str, tokenizer_bytes, voice_name: str, voice_bytes) -> None:
    """Create the engine over the bridge's sessions, with the tokenizer and the default voice."""
    global _engine
    manifest = parse_manifest(manifest_text)
    tokenizer = tokenizers.load(tokenizer_bytes.to_bytes())
    _engine = Engine(JsRuntime(bridge, manifest), manifest, tokenizer)
    add_voice(voice_name, voice_bytes)


def add_voice(name: str, voice_bytes) -> None:
    _voices[name] = load_voice(voice_bytes.to_bytes())


def supports_cloning() -> bool:
    return "mimi_encoder" in _engine.manifest["graphs"]


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
    _voices[name] = audio
    await _engine.clone_voice(audio, key=name)


async def _voice_state(name: str):
    voice = _voices.get(name)
    if voice is None:
        raise ValueError(f"voice {name!r} is not loaded")
    if isinstance(voice, array):
        return await _engine.clone_voice(voice, key=name)
    return await _engine.voice_state(voice, key=name)


def preview(text: str, normalize: bool):
    """What will be read, pauses shown as [pause Ns], and the markup warnings: {text, warnings}."""
    try:
        script = _engine.plan_script(text, normalize=normalize)
        said, warnings = script.spoken_text(), script.warnings
    except ValueError as error:  # nothing to say
        said, warnings = "", [str(error)]
    return to_js({"text": said, "warnings": to_js(warnings)}, dict_converter=js.Object.fromEntries)


async def warm_up(hooks, cancel) -> None:
    """One throw-away utterance in the default voice (its output is discarded)."""
    manifest = _engine.manifest
    name = manifest.get("default_voice") or next(iter(_voices))
    state = await _voice_state(name)
    events = _engine.generate("Warming up the engine, one moment.", state, cancel=cancel)
    async for event in events:
        if isinstance(event, AudioChunk):
            await hooks.pause()


async def speak(hooks, job: int, text: str, voice: str, temperature, steps, cancel, options):
    """Generate `text`, streaming each decoded chunk to `hooks.chunk`; returns a summary object.

    `cancel.is_set()` (a JS object) is polled by the engine between steps; `hooks.pause()` after
    each chunk lets the worker receive the page's Stop message (see web/worker.js).
    `options`: `seed` (None: random), `decode_batch` (frames per decoder call), `decode_overlap`
    (decode while the next step runs: when the bridge's decoder has a worker of its own).
    The summary's `header` is the final WAV header for the chunks' PCM16 data.
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
    state = await _voice_state(voice)
    writer = WavStreamWriter(_engine.sample_rate)
    seed = options.get("seed")
    noise = NoiseSource(None if seed is None else int(seed))
    policy = DecodePolicy(
        batch=int(options.get("decode_batch") or 1), overlap=bool(options.get("decode_overlap"))
    )
    finished = None
    events = _engine.generate(plans, state, settings, noise=noise, policy=policy, cancel=cancel)
    budget = 1  # frames the current text chunk may take at most (it usually ends earlier, at EOS)
    async for event in events:
        if isinstance(event, AudioChunk):
            pcm = event.samples
            done = min(1.0, event.chunk_frames / budget)
            hooks.chunk(
                job, to_js(memoryview(pcm)), to_js(writer.encode(pcm)), event.index, event.count, done
            )
            await hooks.pause()
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
        },
        dict_converter=js.Object.fromEntries,
    )
