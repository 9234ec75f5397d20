"""py_core.engine mechanics on a scripted fake runtime (fast, no model): the AR loop's EOS rule, the
decode policy, the fade-in, cancellation, tensor lifetimes, voice states, settings and noise.

Numerical parity with upstream pocket_tts is in test_parity.py.
"""

import asyncio
import math
import subprocess
import sys
from array import array

import pytest

from py_core import engine as engine_module
from py_core import manifest as pm
from py_core.engine import (
    AudioChunk,
    ChunkFinished,
    ChunkStarted,
    DecodePolicy,
    Engine,
    EngineError,
    Finished,
    Settings,
)
from py_core.float32 import linspace
from py_core.rng import NoiseSource
from py_core.runtime import GraphRunError
from py_core.text import ChunkPlan, TextConfig
from py_core.voices import AUDIO_PROMPT, KV_STATE, Voice

D, LDIM, LAYERS, HEADS, HEAD_DIM, SPF = 8, 4, 2, 2, 3, 1920


def _manifest(language: str = "english", **generation) -> pm.Manifest:
    """A complete typed manifest for the fake runtime's graphs (`generation` overrides the defaults)."""
    flow_states = [
        pm.StateSpec(f"past_{kv}_{i}", f"new_{kv}_{i}", [1, 0, HEADS, HEAD_DIM], "float32", "append")
        for i in range(LAYERS)
        for kv in "kv"
    ]
    decoder_states = [
        pm.StateSpec("offset", "next_offset", [1], "int64", "replace"),
        pm.StateSpec("conv.previous", "next.conv.previous", [1, 2, 3], "float32", "replace"),
    ]
    parity = pm.Parity(0.0, 0.0, None, 1)

    def graph(file, states=(), inputs=()):
        tensors = [pm.TensorSpec(name, "float32", [1, 1]) for name in inputs]
        return pm.GraphSpec(file, tensors, [], list(states), "none", parity, None, True)

    files = ["text.onnx", "flow.onnx", "head.onnx", "decoder.onnx", "tokenizer.json"]
    defaults = dict(
        temperature=0.3,
        eos_threshold=-4.0,
        min_frames_before_eos=6,
        sampler="lsd",
        sampler_steps=1,
        noise_clamp=None,
        fade_in_ms=5,
        max_tokens_per_chunk=50,
    )
    return pm.Manifest(
        model_id="fake",
        display_name="fake",
        language=language,
        synthetic=None,
        weights_origin="test",
        has_voice_cloning=False,
        upstream=pm.UpstreamInfo("pocket-tts", "4.0.1", language),
        source=pm.SourceFiles("source/config.yaml", None),
        audio=pm.AudioSpec(24000, 12.5, SPF, 1),
        model=pm.ModelDims(D, LDIM, LAYERS, HEADS, HEAD_DIM, False, 16, 250),
        kv_cache=pm.KvCacheSpec(LAYERS * 2 * HEADS * HEAD_DIM * 4, 8192),
        text=TextConfig(),
        generation=pm.GenerationDefaults(**{**defaults, **generation}),
        tokenizer=pm.TokenizerSpec("tokenizer.json", "pocket-tts-tokenizer", 1),
        voices=[],
        default_voice=None,
        graphs={
            "text_conditioner": graph("text.onnx"),
            "flow_lm_prefill": graph("flow.onnx", flow_states),
            "flow_lm_step": graph("flow.onnx", flow_states),
            "flow_lm_flow": graph(
                "head.onnx", inputs="cstx" if generation.get("sampler") in (None, "lsd") else "cx"
            ),
            "mimi_decoder": graph("decoder.onnx", decoder_states),
        },
        files=[pm.FileEntry(f, "0" * 64, 1, "graph", "default") for f in files],
        checks={},
        build=pm.BuildInfo("none", 18, 0.0),
        license="test",
        attribution="test",
    )


class T:
    """A fake tensor: shape and flat values."""

    def __init__(self, dtype, shape, values):
        self.dtype, self.shape, self.values = dtype, tuple(shape), list(values)
        assert len(self.values) == math.prod(self.shape)


class FakeRuntime:
    """Scripted graphs. EOS logit at AR step k (counted per chunk) is `eos(k)`; tracks live tensors."""

    def __init__(self, eos=lambda k: -10.0):
        self.eos = eos
        self.live: set[int] = set()
        self.made: list[T] = []
        self.released: set[int] = set()
        self.calls: list[tuple[str, dict]] = []
        self.flow_times: list[tuple[float, float]] = []
        self.step = 0
        self.appends = 0

    def _new(self, dtype, shape, values):
        t = T(dtype, shape, values)
        self.live.add(id(t))
        self.made.append(t)  # keeps every tensor alive, so ids stay unique
        return t

    def tensor(self, dtype, shape, data):
        if isinstance(data, bytes | bytearray):
            data = array("f", data)
        return self._new(dtype, shape, data)

    def zeros(self, dtype, shape):
        return self._new(dtype, shape, [0] * math.prod(shape))

    def shape(self, tensor):
        return tensor.shape

    async def read(self, tensor):
        assert id(tensor) in self.live, "read of a released tensor"
        return array("q" if tensor.dtype == "int64" else "f", tensor.values)

    def append(self, state, rows):
        assert id(state) in self.live and id(rows) in self.live, "append to or from a released tensor"
        assert state.shape[0] == rows.shape[0] and state.shape[2:] == rows.shape[2:]
        shape = (state.shape[0], state.shape[1] + rows.shape[1], *state.shape[2:])
        self.appends += 1
        return self._new(state.dtype, shape, state.values + rows.values)

    def release(self, tensor):
        self.live.discard(id(tensor))
        self.released.add(id(tensor))

    async def run(self, graph, inputs):
        for name, tensor in inputs.items():
            assert id(tensor) in self.live, f"{graph}: input {name} was released"
        self.calls.append((graph, inputs))
        await asyncio.sleep(0)
        if graph == "text_conditioner":
            n = inputs["token_ids"].shape[1]
            return {"text_embeddings": self._new("float32", (1, n, D), [0.5] * (n * D))}
        if graph in ("flow_lm_prefill", "flow_lm_step"):
            cond, latent = inputs["conditioning"], inputs["latent"]
            new = cond.shape[1] + latent.shape[1]
            out = {}
            for i in range(LAYERS):
                for kv in "kv":
                    n = inputs[f"past_{kv}_{i}"].shape[1] + new
                    out[f"new_{kv}_{i}"] = self._new(
                        "float32", (1, new, HEADS, HEAD_DIM), [n] * (new * HEADS * HEAD_DIM)
                    )
            eos = 0.0
            if graph == "flow_lm_prefill":
                self.step = 0  # a new text chunk
            if latent.shape[1]:
                eos = self.eos(self.step)
                self.step += 1
            out["hidden"] = self._new("float32", (1, D), [1.0] * D)
            out["eos_logit"] = self._new("float32", (1, 1), [eos])
            return out
        if graph == "flow_lm_flow" and "s" not in inputs:  # pointwise / drifting head: 2x + 1
            return {"flow_dir": self._new("float32", (1, LDIM), [2 * x + 1 for x in inputs["x"].values])}
        if graph == "flow_lm_flow":
            s, t = inputs["s"].values[0], inputs["t"].values[0]
            self.flow_times.append((s, t))
            return {"flow_dir": self._new("float32", (1, LDIM), [t + x for x in inputs["x"].values])}
        if graph == "mimi_decoder":
            n = inputs["latent"].shape[1]
            offset = inputs["offset"].values[0]
            return {
                "audio": self._new("float32", (1, 1, SPF * n), [1.0] * (SPF * n)),
                "next_offset": self._new("int64", (1,), [offset + 16 * n]),
                "next.conv.previous": self._new("float32", (1, 2, 3), [offset + 1.0] * 6),
            }
        if graph == "mimi_encoder":
            frames = inputs["audio"].shape[2] // SPF + 1
            return {"voice_conditioning": self._new("float32", (1, frames, D), [0.1] * (frames * D))}
        raise AssertionError(graph)


class Tok:
    """One id per character."""

    def encode(self, text):
        return [ord(c) for c in text]

    def decode(self, ids):
        return "".join(map(chr, ids))


def _engine(eos=lambda k: -10.0):
    runtime = FakeRuntime(eos)
    return Engine(runtime, _manifest(), Tok()), runtime


def _kv_voice(n=5):
    caches = tuple(
        array("f", [float(j + 1000 * i) for j in range(2 * n * HEADS * HEAD_DIM)]) for i in range(LAYERS)
    )
    return Voice(KV_STATE, n, caches=caches, num_heads=HEADS, head_dim=HEAD_DIM)


def _plan(max_frames=20, frames_after_eos=2, text="abc"):
    return ChunkPlan(
        chunk=text, text=text, token_ids=[1, 2, 3], frames_after_eos=frames_after_eos, max_frames=max_frames
    )


def _run(engine, plans, voice_state, settings=None, **kwargs):
    async def go():
        return [
            e async for e in engine.generate(plans, voice_state, settings, noise=NoiseSource(0), **kwargs)
        ]

    return asyncio.run(go())


def _voice_state(engine, voice=None):
    """A cached voice state, after one warm-up generation (which makes the engine's constants)."""
    state = asyncio.run(engine.voice_state(voice or _kv_voice(), key="v"))
    _run(engine, [_plan(max_frames=1)], state)
    engine.runtime.calls.clear()
    engine.runtime.flow_times.clear()
    return state


def _chunk_frames(events):
    return [(e.frames, e.eos_frame) for e in events if isinstance(e, ChunkFinished)]


def test_no_eos_runs_to_the_frame_budget():
    engine, _ = _engine()
    events = _run(engine, [_plan(max_frames=17)], _voice_state(engine))
    assert _chunk_frames(events) == [(17, None)]
    assert isinstance(events[-1], Finished) and events[-1].frames == 17 and events[-1].samples == 17 * SPF


@pytest.mark.parametrize(
    ("eos_from", "after", "expected"),
    [(0, 2, (8, 6)), (6, 2, (8, 6)), (9, 0, (9, 9)), (9, 3, (12, 9)), (18, 5, (20, 18)), (20, 0, (20, None))],
)
def test_eos_is_armed_from_frame_6_and_keeps_frames_after_it(eos_from, after, expected):
    """EOS at frame e (never before 6) keeps frames e .. e+F-1, as upstream's loop: e+F frames."""
    engine, _ = _engine(eos=lambda k: 0.0 if k >= eos_from else -10.0)
    events = _run(engine, [_plan(max_frames=20, frames_after_eos=after)], _voice_state(engine))
    assert _chunk_frames(events) == [expected]


def test_eos_compares_the_raw_logit_with_the_float32_threshold():
    logit = array("f", [0.1])[0]  # float32(0.1) > 0.1 as a double; torch compares in float32
    engine, _ = _engine(eos=lambda k: logit)
    settings = Settings(eos_threshold=0.1)
    assert _chunk_frames(_run(engine, [_plan()], _voice_state(engine), settings)) == [(20, None)]
    engine, _ = _engine(eos=lambda k: logit)
    settings = Settings(eos_threshold=0.0999999)
    assert _chunk_frames(_run(engine, [_plan()], _voice_state(engine), settings)) == [(8, 6)]


def test_call_sequence_text_prefill_with_bos_then_steps_from_the_voice_state():
    engine, runtime = _engine()
    voice = _voice_state(engine)
    appends = runtime.appends
    _run(engine, [_plan(max_frames=3), _plan(max_frames=2)], voice)
    flow_calls = [(g, i) for g, i in runtime.calls if g.startswith("flow_lm_") and g != "flow_lm_flow"]
    graphs = [g for g, _ in flow_calls]
    assert graphs == ["flow_lm_prefill", "flow_lm_step", "flow_lm_step", "flow_lm_prefill", "flow_lm_step"]
    for graph, inputs in flow_calls:
        if graph == "flow_lm_prefill":
            assert inputs["past_k_0"] is voice.past["past_k_0"]  # every chunk starts from the voice
            assert inputs["conditioning"].shape == (1, 3, D)
            assert inputs["latent"].shape == (1, 1, LDIM) and all(
                math.isnan(v) for v in inputs["latent"].values
            )
        else:
            assert inputs["conditioning"].shape == (1, 0, D)
            assert inputs["latent"].shape == (1, 1, LDIM) and not any(
                math.isnan(v) for v in inputs["latent"].values
            )
    # positions: voice 5 + text 3 + BOS, then one per step
    assert [i["past_k_1"].shape[1] for _, i in flow_calls] == [5, 9, 10, 5, 9]
    assert runtime.appends - appends == 2 * LAYERS * len(flow_calls)  # the new rows of every K and V state


def _audio(events):
    audio = array("f")
    for e in events:
        if isinstance(e, AudioChunk):
            audio.extend(e.samples)
    return audio


@pytest.mark.parametrize(
    ("policy", "sizes"),
    [
        (DecodePolicy(), [1] * 11),
        (DecodePolicy(batch=4), [1, 4, 4, 2]),
        (DecodePolicy(batch=20), [1, 10]),
        (DecodePolicy(batch=3, overlap=True), [1, 3, 3, 3, 1]),
        (DecodePolicy(overlap=True), [1] * 11),
    ],
)
def test_decode_policy_batches_frames_and_the_audio_is_the_same(policy, sizes):
    engine, runtime = _engine(eos=lambda k: 0.0 if k >= 9 else -10.0)
    events = _run(engine, [_plan(max_frames=20, frames_after_eos=2)], _voice_state(engine), policy=policy)
    chunks = [e for e in events if isinstance(e, AudioChunk)]
    assert [c.frames for c in chunks] == sizes
    assert [c.chunk_frames for c in chunks] == [sum(sizes[: i + 1]) for i in range(len(sizes))]
    assert all(len(c.samples) == SPF * c.frames for c in chunks)
    # Decoder calls carry the state forward: offsets 0, 16*frames so far, ...
    offsets = [i["offset"].values[0] for g, i in runtime.calls if g == "mimi_decoder"]
    assert offsets == [16 * sum(sizes[:i]) for i in range(len(sizes))]
    reference_engine, _ = _engine(eos=lambda k: 0.0 if k >= 9 else -10.0)
    reference = _run(
        reference_engine, [_plan(max_frames=20, frames_after_eos=2)], _voice_state(reference_engine)
    )
    assert _audio(events) == _audio(reference)


class _SlowDecoderRuntime(FakeRuntime):
    """A decoder call takes several event-loop turns (as the browser's decoder worker does); logs
    when each call starts and ends."""

    def __init__(self, eos=lambda k: -10.0):
        super().__init__(eos)
        self.log: list[tuple[str, str]] = []

    async def run(self, graph, inputs):
        self.log.append(("start", graph))
        if graph == "mimi_decoder":
            for _ in range(6):
                await asyncio.sleep(0)
        outputs = await super().run(graph, inputs)
        self.log.append(("end", graph))
        return outputs


def test_overlap_pipelines_the_decoder_behind_the_next_step_and_flow_head():
    runtime = _SlowDecoderRuntime()
    engine = Engine(runtime, _manifest(), Tok())
    voice = _voice_state(engine)
    runtime.log.clear()
    events = _run(engine, [_plan(max_frames=6)], voice, policy=DecodePolicy(overlap=True))
    log = runtime.log
    decodes = [i for i, entry in enumerate(log) if entry == ("start", "mimi_decoder")]
    assert len(decodes) == 6
    for start in decodes[:2]:  # frames 1 and 2 are decoded at once (the player's start waits for them)
        assert log[start + 1] == ("end", "mimi_decoder")
    for start in decodes[2:-1]:  # the last frame's decode ends the chunk
        # The request goes out before the next step starts, and the step and the flow head after it
        # run while the decoder call is still in flight.
        assert log[start + 1] == ("start", "flow_lm_step")
        end = log.index(("end", "mimi_decoder"), start)
        assert ("start", "flow_lm_flow") in log[start:end]
    reference_engine, _ = _engine()
    reference = _run(reference_engine, [_plan(max_frames=6)], _voice_state(reference_engine))
    assert _audio(events) == _audio(reference)


def test_cancel_or_a_failed_decode_with_a_decoder_call_in_flight_frees_everything():
    runtime = _SlowDecoderRuntime()
    engine = Engine(runtime, _manifest(), Tok())
    voice = _voice_state(engine)
    before = set(runtime.live)
    cancel = _CancelAfter(2)

    async def go():
        async for e in engine.generate(
            [_plan(max_frames=50)],
            voice,
            noise=NoiseSource(0),
            cancel=cancel,
            policy=DecodePolicy(overlap=True),
        ):
            if isinstance(e, AudioChunk):
                cancel.left -= 1

    asyncio.run(go())
    assert runtime.log.count(("start", "mimi_decoder")) == runtime.log.count(("end", "mimi_decoder")) >= 3
    assert runtime.live == before

    class _Failing(_SlowDecoderRuntime):
        async def run(self, graph, inputs):
            if graph == "mimi_decoder" and self.log.count(("start", "mimi_decoder")) == 3:
                self.log.append(("start", graph))
                await asyncio.sleep(0)
                raise GraphRunError("mimi_decoder: out of memory")
            return await super().run(graph, inputs)

    runtime = _Failing()
    engine = Engine(runtime, _manifest(), Tok())
    voice = _voice_state(engine)
    before = set(runtime.live)
    with pytest.raises(GraphRunError, match="out of memory"):
        _run(engine, [_plan(max_frames=50)], voice, policy=DecodePolicy(overlap=True))
    assert runtime.live == before


class _FakeClock:
    """Stands in for py_core.engine._Clock: time moves only when the test says so."""

    now = 0.0
    per_call = 0.0  # seconds added on every reading

    def __call__(self):
        _FakeClock.now += _FakeClock.per_call
        return _FakeClock.now


def test_listener_waits_when_the_audio_runs_out(monkeypatch):
    clock = _FakeClock()
    _FakeClock.now, _FakeClock.per_call = 0.0, 0.0
    listener = engine_module._Listener(clock, speed=1.0)
    assert listener.lead() == 0.0
    listener.sent(1.0)
    _FakeClock.now = 0.5
    assert listener.lead() == pytest.approx(0.5)
    _FakeClock.now = 2.0  # ran dry at 1.0 s and waited
    assert listener.lead() == 0.0
    listener.sent(1.0)
    _FakeClock.now = 2.25
    assert listener.lead() == pytest.approx(0.75)
    fast = engine_module._Listener(clock, speed=2.0)
    fast.sent(1.0)
    _FakeClock.now = 2.5
    assert fast.lead() == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("seconds_per_reading", "expected"), [(0.0, [1, 1, 1, 1, 2, 2, 4, 4, 4]), (1.0, [1] * 20)]
)
def test_follow_playback_grows_decoder_calls_only_with_the_listeners_lead(
    monkeypatch, seconds_per_reading, expected
):
    """Frozen time: nothing is heard, every sent frame is lead, so calls grow (1.5 frames of lead
    per batched frame) up to the ceiling. A pipelined call's audio is sent when the next call is
    decided, so the lead lags one call: leads of 1, 1, 2, 3, 4, 6, 8 frames when frames 2, 3, 4, 6,
    8, 12, 16 are decided give calls of 1 (first audio), 1, 1, 1, 2, 2, 4, 4, 4. Time racing
    ahead: the listener is always waiting, so every call stays one frame."""
    monkeypatch.setattr(engine_module, "_Clock", _FakeClock)
    _FakeClock.now, _FakeClock.per_call = 0.0, seconds_per_reading
    engine, runtime = _engine()
    voice = _voice_state(engine)
    policy = DecodePolicy(batch=4, overlap=True, follow_playback=True)
    events = _run(engine, [_plan(max_frames=20, frames_after_eos=2)], voice, policy=policy)
    sizes = [e.frames for e in events if isinstance(e, AudioChunk)]
    assert sizes == expected
    reference_engine, _ = _engine()
    reference = _run(reference_engine, [_plan(max_frames=20)], _voice_state(reference_engine))
    assert _audio(events) == _audio(reference)


def test_a_prefill_run_ahead_is_taken_by_the_same_chunk_in_the_same_voice_only():
    engine, runtime = _engine()
    voice = _voice_state(engine)
    other_voice = asyncio.run(engine.voice_state(_kv_voice(7), key="w"))
    before = set(runtime.live)
    reference = _run(engine, [_plan(max_frames=4), _plan(max_frames=3, text="de")], voice)
    runtime.calls.clear()

    assert asyncio.run(engine.prefill([_plan(max_frames=4)], voice))
    assert [g for g, _ in runtime.calls] == ["text_conditioner", "flow_lm_prefill"]
    assert asyncio.run(engine.prefill([_plan(max_frames=9)], voice))  # same tokens: kept, not run again
    assert len(runtime.calls) == 2
    assert engine.has_prefill([_plan()], voice) and not engine.has_prefill([_plan()], other_voice)
    runtime.calls.clear()
    events = _run(engine, [_plan(max_frames=4), _plan(max_frames=3, text="de")], voice)
    graphs = [g for g, _ in runtime.calls]
    assert graphs.count("text_conditioner") == graphs.count("flow_lm_prefill") == 1  # the second chunk's only
    assert _audio(events) == _audio(reference)
    assert [type(e) for e in events] == [type(e) for e in reference]
    assert runtime.live == before  # taken, used and released by the chunk

    other_text = ChunkPlan(chunk="xy", text="xy", token_ids=[4, 5], frames_after_eos=2, max_frames=4)
    for plans, in_voice in (([_plan(max_frames=4)], other_voice), ([other_text], voice)):
        asyncio.run(engine.prefill([_plan(max_frames=4)], voice))
        assert runtime.live != before  # kept
        runtime.calls.clear()
        _run(engine, plans, in_voice)  # another voice, other tokens: its own prefill, and that one is dropped
        assert [g for g, _ in runtime.calls][:2] == ["text_conditioner", "flow_lm_prefill"]
        assert runtime.live == before
    asyncio.run(engine.prefill([_plan(max_frames=4)], voice))
    engine.discard_prefill()
    assert runtime.live == before
    assert not asyncio.run(engine.prefill([], voice))


def test_each_chunk_fades_in_over_5_ms_from_a_fresh_decoder_state():
    engine, runtime = _engine()
    events = _run(
        engine, [_plan(max_frames=3), _plan(max_frames=2)], _voice_state(engine), policy=DecodePolicy(2)
    )
    fade = linspace(0.0, 1.0, 120)
    assert fade[0] == 0.0 and fade[-1] == 1.0 and len(fade) == 24000 // 200
    audio = _audio(events)
    for start in (0, 3 * SPF):
        assert audio[start : start + 120] == fade
        assert set(audio[start + 120 : start + SPF]) == {1.0}
    offsets = [i["offset"].values[0] for g, i in runtime.calls if g == "mimi_decoder"]
    assert offsets == [0, 16, 0, 16]


def test_linspace_matches_torch():
    """Within one float32 ulp: torch's vectorized kernel (AVX2/AVX-512 width) rounds a few values
    the other way; short ramps take its scalar path and match exactly."""
    import torch

    for n in (1, 2, 3, 7, 120, 480, 1001):
        for start, stop in ((0.0, 1.0), (1.0, 0.0)):
            ours, theirs = list(linspace(start, stop, n)), torch.linspace(start, stop, n).tolist()
            assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 6e-8
            if n <= 7:
                assert ours == theirs


def test_no_tensor_leaks_and_the_voice_state_is_never_released():
    engine, runtime = _engine(eos=lambda k: 0.0 if k >= 7 else -10.0)
    voice = _voice_state(engine)
    before = set(runtime.live)
    _run(engine, [_plan(), _plan(max_frames=9)], voice, policy=DecodePolicy(batch=3, overlap=True))
    assert runtime.live == before
    assert all(id(t) in runtime.live for t in voice.past.values())


class _CancelAfter:
    def __init__(self, audio_chunks):
        self.left = audio_chunks

    def is_set(self):
        return self.left <= 0


def test_cancel_stops_at_the_next_step_and_frees_everything():
    engine, runtime = _engine()
    voice = _voice_state(engine)
    before = set(runtime.live)
    cancel = _CancelAfter(2)

    async def go():
        events = []
        async for e in engine.generate(
            [_plan(max_frames=50)] * 3, voice, noise=NoiseSource(0), cancel=cancel
        ):
            events.append(e)
            if isinstance(e, AudioChunk):
                cancel.left -= 1
        return events

    events = asyncio.run(go())
    steps = sum(1 for g, _ in runtime.calls if g in ("flow_lm_prefill", "flow_lm_step"))
    assert steps == 2
    assert sum(isinstance(e, AudioChunk) for e in events) == 2
    assert isinstance(events[-1], Finished) and events[-1].cancelled and events[-1].frames == 2
    assert not any(isinstance(e, ChunkFinished) for e in events)
    assert runtime.live == before


def test_closing_the_stream_early_frees_everything():
    engine, runtime = _engine()
    voice = _voice_state(engine)
    before = set(runtime.live)

    async def go():
        stream = engine.generate([_plan(max_frames=50)] * 2, voice, noise=NoiseSource(0))
        async for e in stream:
            if isinstance(e, AudioChunk):
                break
        await stream.aclose()

    asyncio.run(go())
    assert runtime.live == before


def test_events_in_order_with_chunk_indices_and_first_audio_before_the_next_chunk():
    engine, _ = _engine()
    events = _run(
        engine, [_plan(max_frames=2, text="one"), _plan(max_frames=3, text="two")], _voice_state(engine)
    )
    kinds = [(type(e).__name__, getattr(e, "index", None)) for e in events]
    assert kinds == [
        ("ChunkStarted", 0),
        ("AudioChunk", 0),
        ("AudioChunk", 0),
        ("ChunkFinished", 0),
        ("ChunkStarted", 1),
        ("AudioChunk", 1),
        ("AudioChunk", 1),
        ("AudioChunk", 1),
        ("ChunkFinished", 1),
        ("Finished", None),
    ]
    started = [e for e in events if isinstance(e, ChunkStarted)]
    assert [(e.count, e.text, e.tokens, e.max_frames) for e in started] == [
        (2, "one", 3, 2),
        (2, "two", 3, 3),
    ]
    times = [e.seconds for e in events]
    assert times == sorted(times)
    assert events[-1].first_audio_seconds == events[1].seconds


@pytest.mark.parametrize("steps", [1, 2, 4])
def test_sampler_steps_use_s_i_over_n_and_t_i_plus_1_over_n(steps):
    engine, runtime = _engine()
    settings = Settings(temperature=0.0, sampler_steps=steps)
    _run(engine, [_plan(max_frames=1)], _voice_state(engine), settings)
    assert runtime.flow_times == [
        (array("f", [i / steps])[0], array("f", [(i + 1) / steps])[0]) for i in range(steps)
    ]
    # fake flow = t + x, so x_N = sum_i (t_i + x_i) / N from x_0 = 0
    x = 0.0
    for i in range(steps):
        x = array("f", [x + array("f", [((i + 1) / steps + x) / steps])[0]])[0]
    latent = [i for g, i in runtime.calls if g == "mimi_decoder"][0]["latent"]
    assert latent.values == [x] * LDIM


def test_noise_is_seeded_and_scaled_by_the_temperature():
    a, b = NoiseSource(5), NoiseSource(5)
    assert a.draw(32, 0.5) == b.draw(32, 0.5)
    assert NoiseSource(6).draw(32, 0.5) != NoiseSource(5).draw(32, 0.5)
    assert NoiseSource(1).draw(32, 0.0) == array("f", [0.0] * 32)
    draws = NoiseSource(2).draw(20000, 0.25)
    mean = sum(draws) / len(draws)
    std = math.sqrt(sum((v - mean) ** 2 for v in draws) / len(draws))
    assert abs(mean) < 0.02 and abs(std - 0.5) < 0.02


def test_noise_clamp_is_a_truncated_normal_not_clipping():
    draws = NoiseSource(3).draw(20000, 1.0, clamp=0.5)
    assert max(draws) <= 0.5 and min(draws) >= -0.5
    # Truncated N(0,1) on [-0.5, 0.5] is nearly uniform there; clipping would pile ~62% at the bounds.
    assert sum(abs(v) > 0.499 for v in draws) < 100
    assert abs(sum(v * v for v in draws) / len(draws) - 0.0801) < 0.005  # the truncated variance


def test_kv_voice_keeps_the_files_positions_major_layout_and_exports_back():
    engine, runtime = _engine()
    voice = _kv_voice(n=4)
    state = asyncio.run(engine.voice_state(voice))
    k0 = state.past["past_k_0"]
    assert k0.shape == (1, 4, HEADS, HEAD_DIM) and state.positions == 4
    source = voice.caches[0]  # [2, 1, N, H, Dh]
    half = 4 * HEADS * HEAD_DIM
    assert k0.values == list(source[:half]) and state.past["past_v_0"].values == list(source[half:])
    exported = asyncio.run(engine.export_voice(state))
    assert exported.layout == KV_STATE and exported.caches == voice.caches and exported.num_frames == 4


def test_audio_prompt_and_cloned_voices_are_prefilled_from_an_empty_state():
    engine, runtime = _engine()
    prompt = Voice(AUDIO_PROMPT, 7, prompt=array("f", [0.2] * (7 * D)), prompt_dim=D)
    state = asyncio.run(engine.voice_state(prompt))
    graph, inputs = runtime.calls[-1]
    assert graph == "flow_lm_prefill" and inputs["conditioning"].shape == (1, 7, D)
    assert inputs["latent"].shape == (1, 0, LDIM) and inputs["past_v_1"].shape == (1, 0, HEADS, HEAD_DIM)
    assert state.positions == 7 and state.past["past_k_0"].shape == (1, 7, HEADS, HEAD_DIM)
    cloned = asyncio.run(engine.clone_voice(array("f", [0.0] * (3 * SPF))))
    assert [g for g, _ in runtime.calls[-2:]] == ["mimi_encoder", "flow_lm_prefill"]
    assert cloned.positions == 4  # 3 frames + the BOS the encoder graph adds
    with pytest.raises(EngineError, match="multiple of 1920"):
        asyncio.run(engine.clone_voice(array("f", [0.0] * 100)))


def test_voices_that_do_not_fit_the_model_are_refused():
    engine, _ = _engine()
    wrong_dim = Voice(AUDIO_PROMPT, 2, prompt=array("f", [0.0] * 6), prompt_dim=3)
    with pytest.raises(EngineError, match="3 values per frame; this model needs 8"):
        asyncio.run(engine.voice_state(wrong_dim))
    caches = (array("f", [0.0] * (2 * 2 * 4 * HEAD_DIM)),) * LAYERS
    wrong_heads = Voice(KV_STATE, 2, caches=caches, num_heads=4, head_dim=HEAD_DIM)
    with pytest.raises(EngineError, match="4 heads"):
        asyncio.run(engine.voice_state(wrong_heads))
    padded = Voice(KV_STATE, 5, caches=_kv_voice().caches, num_heads=HEADS, head_dim=HEAD_DIM, pad=1)
    with pytest.raises(EngineError, match="pad"):
        asyncio.run(engine.voice_state(padded))


def test_voice_states_are_cached_per_key_and_evicted_ones_released_when_unused():
    runtime = FakeRuntime()
    engine = Engine(runtime, _manifest(), Tok(), max_cached_voices=2)
    a = asyncio.run(engine.voice_state(_kv_voice(), key="a"))
    assert asyncio.run(engine.voice_state(None, key="a")) is a  # cached: the voice is not even read
    b = asyncio.run(engine.voice_state(_kv_voice(), key="b"))

    async def evict_while_generating():
        stream = engine.generate([_plan(max_frames=3)], a, noise=NoiseSource(0))
        await stream.__anext__()
        await engine.voice_state(_kv_voice(), key="c")  # evicts "a", which is in use
        assert all(id(t) in runtime.live for t in a.past.values())
        return [e async for e in stream]

    a_tensors = list(a.past.values())
    events = asyncio.run(evict_while_generating())
    assert _chunk_frames(events) == [(3, None)]
    assert not any(id(t) in runtime.live for t in a_tensors)  # released once the generation ended
    assert all(id(t) in runtime.live for t in b.past.values())


def test_settings_from_the_manifest_with_overrides():
    manifest = _manifest(
        temperature=0.7, eos_threshold=-1.0, noise_clamp=2.0, sampler_steps=3, max_tokens_per_chunk=40
    )
    s = Settings.from_manifest(manifest, temperature=None, frames_after_eos=4)
    assert (
        s.temperature,
        s.eos_threshold,
        s.noise_clamp,
        s.sampler_steps,
        s.max_tokens,
        s.frames_after_eos,
    ) == (0.7, -1.0, 2.0, 3, 40, 4)
    assert Settings.from_manifest(manifest, temperature=0.0).temperature == 0.0
    with pytest.raises(TypeError, match="unknown setting"):
        Settings.from_manifest(manifest, temprature=1)
    for bad in (
        {"temperature": -1},
        {"sampler_steps": 0},
        {"noise_clamp": 0},
        {"frames_after_eos": -1},
        {"max_tokens": 0},
    ):
        with pytest.raises(EngineError):
            Settings(**bad)
    with pytest.raises(EngineError):
        DecodePolicy(batch=0)


def test_plan_uses_the_settings_and_refuses_empty_text():
    engine, _ = _engine()
    plans = engine.plan("One two three four five. Six seven.", Settings(max_tokens=20, frames_after_eos=7))
    assert plans and all(p.frames_after_eos == 7 for p in plans)
    with pytest.raises(ValueError):
        engine.plan("   ")


def test_runtime_modules_import_without_numpy_torch_or_onnxruntime():
    code = (
        "import sys\n"
        "for name in ('numpy', 'torch', 'onnxruntime', 'scipy', 'soundfile'):\n"
        "    sys.modules[name] = None\n"
        "import py_core.engine, py_core.rng, py_core.audio_prompt, py_core.runtime\n"
        "from array import array\n"
        "from py_core.audio_prompt import resample\n"
        "assert len(resample(array('f', [0.0] * 441), 44100, 24000)) == 240\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("sampler", ["pointwise", "drifting"])
def test_heads_without_time_conditions_take_one_call_whatever_the_steps(sampler):
    """Upstream's pointwise_decode (x + head(h, x)) and drifting_decode (head(h, x)) ignore the step count."""
    runtime = FakeRuntime()
    engine = Engine(runtime, _manifest(sampler=sampler), Tok())
    hidden = runtime.zeros("float32", (1, D))
    x = array("f", [0.5, -1.0, 2.0, 0.0])
    latent = asyncio.run(engine._sample(hidden, x, 3))
    head = [2 * v + 1 for v in x]
    assert list(latent) == (head if sampler == "drifting" else [a + b for a, b in zip(x, head, strict=True)])
    assert [(g, sorted(i)) for g, i in runtime.calls] == [("flow_lm_flow", ["c", "x"])]
