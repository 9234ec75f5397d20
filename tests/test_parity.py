"""Parity: py_core's engine + OrtRuntime against upstream pocket_tts on the same synthetic weights.

Oracle: `TTSModel.load_model(config=<bundle>/source/config.yaml)` (the checkpoint the graphs were
exported from), `get_state_for_audio_prompt` for voices, `generate_audio` for speech. Ours: the
fp32 bundle's graphs, driven by py_core.engine. Pass: the same frames per chunk, and audio within
1e-3 max abs difference and >= 40 dB SNR. `tiny` runs in CI; `full` (the real english size) is slow;
the small English models (2m, 7m, 18m) run at their real size.
"""

import asyncio
import contextlib
import io
import math
import wave

import numpy as np
import pytest
from conftest import SMALL_MODEL_PARAMS, SMALL_MODELS

from bundle.parity import Ours, compare, load_upstream, pick_threshold, upstream_generate, upstream_noise
from py_core import safetensors
from py_core.audio_prompt import prepare_prompt, read_audio
from py_core.engine import DecodePolicy
from py_core.voices import dump_voice, load_voice

MAX_ABS = 1e-3
STEP_MAX_ABS = 1e-4  # teacher-forced: upstream's latent against ours, one step from the same history
MIN_SNR = 40.0
SHORT = "Hello world, this is a short test."
LONG = (
    "The quick brown fox jumps over the lazy dog near the river bank. "
    "Meanwhile, seven sleepy sailors sang softly about the sea at dawn. "
    "Numbers like 3.14 and 42 should be read the way the model reads them. "
    "Finally, the story ends here, with a quiet goodbye to everyone listening."
)
LONG_MAX_TOKENS = 20  # four sentences of 15-20 tokens: one chunk each


@pytest.fixture(
    scope="session",
    params=["tiny", pytest.param("full", marks=pytest.mark.slow), *SMALL_MODEL_PARAMS.values()],
)
def sides(request):
    """(ours, upstream) on the tiny fp32 bundle, the full-size one (slow), or one of upstream's small
    English models at its real size (english_2m/7m/18m_2026-10: pointwise or drifting head, GQA)."""
    if request.param in SMALL_MODELS:
        bundle = request.getfixturevalue("small_bundle_fp32")(request.param)
        return TeacherForced(bundle), load_upstream(bundle)
    else:
        name = "tiny_bundle_fp32" if request.param == "tiny" else "full_bundle_fp32"
        bundle = request.getfixturevalue(name)
    return Ours(bundle), load_upstream(bundle)


class LatentLog:
    """Wraps the engine's runtime and keeps every latent that goes to the decoder, in order."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.latents: list[np.ndarray] = []

    def __getattr__(self, name):
        return getattr(self.runtime, name)

    async def run(self, graph, inputs):
        if graph == "mimi_decoder":
            self.latents.extend(np.array(inputs["latent"][0], np.float32))
        return await self.runtime.run(graph, inputs)


class TeacherForced(Ours):
    """Ours, keeping the latents of its last generation per chunk, for `_reference` to force upstream."""

    def __post_init__(self):
        super().__post_init__()
        self.log = LatentLog(self.engine.runtime)
        self.engine.runtime = self.log
        self.chunks: list[list[np.ndarray]] = []

    def generate(self, *args, **kwargs):
        self.log.latents.clear()
        audio, frames, eos = super().generate(*args, **kwargs)
        latents, self.chunks = list(self.log.latents), []
        for n in frames:
            self.chunks.append(latents[:n])
            latents = latents[n:]
        return audio, frames, eos


@contextlib.contextmanager
def _forced_latents(chunks: list[list[np.ndarray]]):
    """Upstream's flow LM emits our latents (per chunk, from its BOS step on) instead of its own; yields
    the (upstream's own, ours) latent pairs of every step and the chunks left unconsumed."""
    import torch
    from pocket_tts.models import flow_lm

    pending = [list(chunk) for chunk in chunks]
    current: list[np.ndarray] = []
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    forward = flow_lm.FlowLMModel.forward

    def forced(self, sequence, *args, **kwargs):
        nonlocal current
        latent, eos = forward(self, sequence, *args, **kwargs)
        if sequence.shape[1] == 0:  # a prompt pass
            return latent, eos
        if bool(torch.isnan(sequence).all()):  # the BOS step: a new text chunk
            current = pending.pop(0)
        if not current:  # the step at which upstream stops on EOS: computed, never emitted
            return latent, eos
        ours = torch.from_numpy(current.pop(0)).view_as(latent)
        pairs.append((latent.numpy().copy(), ours.numpy()))
        return ours, eos

    flow_lm.FlowLMModel.forward = forced
    try:
        yield pairs, pending
    finally:
        flow_lm.FlowLMModel.forward = forward


def _reference(ours, upstream, state, text, **settings):
    """Upstream's audio for `text`: free-running, or teacher-forced for the small models.

    Teacher-forced: upstream runs every step on the history of latents our engine produced (its
    last `generate`), its own latent at each step must be within STEP_MAX_ABS of ours, and its audio
    (its EOS decisions, its decoder, on our latents) is what `_check` compares. Why: at temperature
    0, random weights of the 2m and 18m models amplify float32 rounding through the AR loop (×2
    about every 4 frames: 6e-7 at frame 0, 4.5e-2 by frame 63 for 2m), so a free-running comparison
    measures the chaos of random weights, not the port. (With noise they stay within 1e-5: the
    temperature test and test_small_models' CLI test run free.)
    """
    if not isinstance(ours, TeacherForced):
        return upstream_generate(upstream, state, text, **settings)
    with _forced_latents(ours.chunks) as (pairs, pending):
        reference = upstream_generate(upstream, state, text, **settings)
    assert pending == [] and len(pairs) == sum(len(c) for c in ours.chunks)
    step_error = max(float(np.abs(own - forced).max()) for own, forced in pairs)
    print(f"STEP | {ours.bundle.name}: {len(pairs)} steps, max abs latent error {step_error:.2e}")
    assert step_error <= STEP_MAX_ABS, step_error
    return reference


def _check(case, reference, ours):
    """Same length (frames), max abs difference and SNR within bounds; prints a PARITY row (pytest -s)."""
    frames_up, frames_ours = len(reference) / 1920, len(ours) / 1920
    max_abs, snr = compare(reference, ours) if len(ours) == len(reference) else (math.inf, -math.inf)
    print(f"PARITY | {case} | {frames_up:g} | {frames_ours:g} | {max_abs:.2e} | {snr:.1f} dB")
    assert frames_ours == frames_up
    assert max_abs <= MAX_ABS and snr >= MIN_SNR, (max_abs, snr)


def _logits_by_chunk(ours, frames):
    logits, out, start = ours.recorder.eos_logits, [], 0
    for n in frames:
        out.append(logits[start : start + n])
        start += n
    return out


def test_short_text_without_eos(sides):
    ours, upstream = sides
    voice = asyncio.run(ours.kv_voice("aurora"))
    audio, frames, eos = ours.generate(SHORT, voice, temperature=0.0, eos_threshold=1e9)
    plan = ours.engine.plan(SHORT)
    assert frames == [plan[0].max_frames] and eos == [None]
    state = upstream.get_state_for_audio_prompt(ours.voice_file("aurora"))
    reference = _reference(ours, upstream, state, SHORT, eos_threshold=1e9)
    _check(f"{ours.bundle.name}: short text, voice file, no EOS", reference, audio)


def test_short_text_with_eos_and_the_bundle_default_threshold(sides):
    """EOS fires at a frame chosen from the observed logits; the bundle's default (-4.0; the small
    models' -1.0) is checked too."""
    ours, upstream = sides
    voice = asyncio.run(ours.kv_voice("aurora"))
    ours.recorder.eos_logits.clear()
    _, frames, _ = ours.generate(SHORT, voice, temperature=0.0, eos_threshold=1e9)
    threshold = pick_threshold(_logits_by_chunk(ours, frames))
    state = upstream.get_state_for_audio_prompt(ours.voice_file("aurora"))
    for eos_threshold in (threshold, ours.manifest.generation.eos_threshold):
        audio, frames, eos = ours.generate(SHORT, voice, temperature=0.0, eos_threshold=eos_threshold)
        reference = _reference(ours, upstream, state, SHORT, eos_threshold=eos_threshold)
        _check(
            f"{ours.bundle.name}: short text, voice file, EOS threshold {eos_threshold:.4f}", reference, audio
        )
        if eos_threshold == threshold:
            assert eos[0] is not None and frames[0] == eos[0] + ours.engine.plan(SHORT)[0].frames_after_eos


def test_multi_chunk_text_with_eos_in_some_chunks(sides):
    """Four chunks, each from the voice state with a fresh decoder; decoded 4 frames at a time."""
    ours, upstream = sides
    voice = asyncio.run(ours.kv_voice("basil"))
    plan = ours.engine.plan(LONG, ours.engine.default_settings.__class__(max_tokens=LONG_MAX_TOKENS))
    assert len(plan) >= 4
    ours.recorder.eos_logits.clear()
    _, frames, _ = ours.generate(LONG, voice, temperature=0.0, eos_threshold=1e9, max_tokens=LONG_MAX_TOKENS)
    assert frames == [p.max_frames for p in plan]
    threshold = pick_threshold(_logits_by_chunk(ours, frames))
    audio, frames, eos = ours.generate(
        LONG,
        voice,
        temperature=0.0,
        eos_threshold=threshold,
        max_tokens=LONG_MAX_TOKENS,
        policy=DecodePolicy(batch=4, overlap=True),
    )
    assert any(e is not None for e in eos)
    state = upstream.get_state_for_audio_prompt(ours.voice_file("basil"))
    reference = _reference(ours, upstream, state, LONG, eos_threshold=threshold, max_tokens=LONG_MAX_TOKENS)
    fired = sum(e is not None for e in eos)
    _check(f"{ours.bundle.name}: {len(plan)} chunks, EOS in {fired}, decode batch 4", reference, audio)


def test_temperature_with_the_same_noise_gives_the_same_latents(sides):
    """temperature 0.7, 2 sampler steps, truncated noise: upstream takes our noise draws."""
    ours, upstream = sides
    from bundle.parity import RecordingNoise

    voice = asyncio.run(ours.kv_voice("cedar"))
    state = upstream.get_state_for_audio_prompt(ours.voice_file("cedar"))
    for clamp in (None, 0.8):
        noise = RecordingNoise(seed=123)
        audio, frames, _ = ours.generate(
            SHORT, voice, noise=noise, temperature=0.7, sampler_steps=2, noise_clamp=clamp, eos_threshold=1e9
        )
        assert any(any(v != 0 for v in d) for d in noise.draws)
        if clamp is not None:
            assert max(max(abs(v) for v in d) for d in noise.draws) <= clamp
        with upstream_noise(noise.draws) as left:
            reference = upstream_generate(
                upstream, state, SHORT, temperature=0.7, sampler_steps=2, noise_clamp=clamp, eos_threshold=1e9
            )
        assert left == []  # upstream consumed exactly our draws, one per step
        _check(
            f"{ours.bundle.name}: temperature 0.7, 2 sampler steps, clamp {clamp}, same noise",
            reference,
            audio,
        )


def _prompt_wav(seconds=2.5, rate=44100) -> bytes:
    """Stereo 16-bit voice-like audio ending on speech then a little silence (end_on_pause trims it)."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 6)) * (
        0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    )
    tone[int(2.2 * rate) :] *= 0.001
    left = 0.25 * tone / np.abs(tone).max() + 0.01 * rng.standard_normal(t.size)
    right = 0.8 * left + 0.005 * rng.standard_normal(t.size)
    pcm = (np.stack([left, right], axis=1).clip(-1, 1) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


def _upstream_caches(state):
    layers = sorted((k for k in state if k.endswith("self_attn")), key=lambda k: int(k.split(".")[2]))
    return [state[k]["cache"][:, :, : int(state[k]["offset"][0])].numpy() for k in layers]


def test_cloned_voice_from_a_wav_file(sides, tmp_path):
    """44.1 kHz stereo WAV → the same KV state as upstream's get_state_for_audio_prompt, the same
    speech, and a voice file upstream reloads to the same speech."""
    ours, upstream = sides
    wav_path = tmp_path / "prompt.wav"
    wav_path.write_bytes(_prompt_wav())
    samples, rate = read_audio(wav_path.read_bytes())
    state = asyncio.run(ours.engine.clone_voice(prepare_prompt(samples, rate)))
    upstream_state = upstream.get_state_for_audio_prompt(wav_path)
    exported = asyncio.run(ours.engine.export_voice(state))
    reference_caches = _upstream_caches(upstream_state)
    assert exported.num_frames == reference_caches[0].shape[2]
    for cache, reference in zip(exported.caches, reference_caches, strict=True):
        ours_cache = np.frombuffer(cache, dtype=np.float32).reshape(reference.shape)
        assert np.abs(ours_cache - reference).max() <= MAX_ABS
    audio, _, _ = ours.generate(SHORT, state, temperature=0.0, eos_threshold=1e9)
    reference = _reference(ours, upstream, upstream_state, SHORT, eos_threshold=1e9)
    _check(f"{ours.bundle.name}: voice cloned from a 44.1 kHz stereo WAV", reference, audio)
    voice_file = tmp_path / "cloned.safetensors"
    voice_file.write_bytes(dump_voice(exported))
    reloaded = upstream.get_state_for_audio_prompt(voice_file)
    reference = _reference(ours, upstream, reloaded, SHORT, eos_threshold=1e9)
    _check(f"{ours.bundle.name}: our cloned voice file, reloaded by upstream", reference, audio)


def test_audio_prompt_voice_goes_through_the_flow_lm(sides):
    """A v1 `audio_prompt` voice [1, N, D] (a speaker-projected Mimi encoding, no BOS): prefilled as
    upstream prefills a projected prompt (get_state_for_audio_prompt after `_encode_audio`)."""
    import torch
    from pocket_tts.modules.stateful_module import init_states

    ours, upstream = sides
    samples, rate = read_audio(_prompt_wav(seconds=1.5))
    audio_24k = torch.from_numpy(np.frombuffer(prepare_prompt(samples, rate), dtype=np.float32).copy())
    with torch.no_grad():
        prompt = upstream._encode_audio(audio_24k[None, None]).numpy()
    data = safetensors.dump({"audio_prompt": ("F32", prompt.shape, prompt.tobytes())}, {})
    state = asyncio.run(ours.engine.voice_state(load_voice(data)))
    assert state.positions == prompt.shape[1]
    audio, _, _ = ours.generate(SHORT, state, temperature=0.0, eos_threshold=1e9)
    upstream_state = init_states(upstream.flow_lm, batch_size=1, sequence_length=prompt.shape[1])
    with torch.no_grad():
        upstream._run_flow_lm_and_increment_step(
            model_state=upstream_state, audio_conditioning=torch.from_numpy(prompt)
        )
    reference = _reference(ours, upstream, upstream_state, SHORT, eos_threshold=1e9)
    _check(
        f"{ours.bundle.name}: v1 audio_prompt voice [1,{prompt.shape[1]},{prompt.shape[2]}]", reference, audio
    )


@pytest.mark.slow
def test_real_v1_voice_fantine_on_the_full_architecture(full_bundle_fp32):
    """The real 1.0.x voice file fantine.safetensors ([1,132,1024], a projected prompt made for
    b6369a24 = english_2026-01, whose flow LM has the full english size). Upstream 4.0.1 cannot load
    an audio_prompt file (get_state_for_audio_prompt raises on the key); it consumes such a prompt the
    way 1.0.x did and 4.x still does after encoding: one flow-LM pass from an empty state."""
    import torch
    from conftest import FIXTURES
    from pocket_tts.modules.stateful_module import init_states

    ours, upstream = TeacherForced(full_bundle_fp32), load_upstream(full_bundle_fp32)
    fantine = FIXTURES / "fantine.safetensors"
    with pytest.raises(ValueError):
        upstream.get_state_for_audio_prompt(fantine)
    voice = load_voice(fantine.read_bytes())
    assert (voice.layout, voice.num_frames, voice.prompt_dim) == ("audio_prompt", 132, 1024)
    state = asyncio.run(ours.engine.voice_state(voice))
    # Float32 rounding (KV state within 1.5e-5 of upstream's) grows through the AR feedback of random
    # weights on this out-of-distribution prompt, doubling about every 4 frames (1e-6 at frame 0,
    # ~4e-6 at frame 10, 1.5e-3 by frame 39 when running free): upstream is teacher-forced on our
    # latents (`_reference`), so each step is compared from the same history.
    text = "Good morning."
    audio, _, _ = ours.generate(text, state, temperature=0.0, eos_threshold=1e9)
    prompt = torch.from_numpy(np.frombuffer(voice.prompt, dtype=np.float32).copy().reshape(1, 132, 1024))
    upstream_state = init_states(upstream.flow_lm, batch_size=1, sequence_length=132)
    with torch.no_grad():
        upstream._run_flow_lm_and_increment_step(model_state=upstream_state, audio_conditioning=prompt)
    reference = _reference(ours, upstream, upstream_state, text, eos_threshold=1e9)
    _check("full-fp32: real v1 voice fantine [1,132,1024]", reference, audio)


def test_int8_bundle_against_fp32(tiny_bundle, tiny_bundle_fp32, record_property):
    """The shipped int8 graphs against fp32 on the same loop (reported; random weights amplify errors)."""
    fp32, int8 = Ours(tiny_bundle_fp32), Ours(tiny_bundle)
    results = []
    for ours in (fp32, int8):
        voice = asyncio.run(ours.kv_voice("aurora"))
        results.append(ours.generate(SHORT, voice, temperature=0.0, eos_threshold=1e9)[0])
    max_abs, snr = compare(*results)
    print(f"INT8 | tiny int8 vs fp32, short text, no EOS | max abs {max_abs:.3f} | {snr:.1f} dB")
    record_property("int8_vs_fp32_snr_db", round(snr, 2))
    assert len(results[0]) == len(results[1]) and snr >= 10, snr  # a broken graph gives ~0 dB
