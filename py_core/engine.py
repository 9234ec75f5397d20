"""The generation engine: text and a voice in, PCM out as it is decoded (upstream pocket-tts 4.0.1 loop).

Stdlib only; the graphs are reached through a `Runtime` (py_core.runtime), so the same code runs in
Pyodide (JsRuntime) and CPython (OrtRuntime). The order of work, as upstream's TTSModel does it:

1. Voice, once per voice and cached: a KV-state voice file becomes per-layer K and V tensors
   [1,N,H,Dh] (positions-major, the file's own layout); an audio prompt (a v1 `audio_prompt`
   file, or `mimi_encoder` output when cloning) is run through `flow_lm_prefill` from an empty
   state.
2. Per text chunk (py_core.text.plan_chunks), from the voice state, which is never modified:
   `text_conditioner`, then one `flow_lm_prefill` call on the text embeddings *and* the BOS latent
   (NaN): its cache equals upstream's text pass followed by AR step 0 (attention is causal), and its
   hidden state is step 0's. Then `flow_lm_step` per frame on the previous normalized latent.
   The flow LM returns only the new K/V rows; `Runtime.append` adds them to the past (state
   update "append"), so no step copies the whole cache out of the graph.
3. Each step: the raw EOS logit against the threshold (armed from frame 6); noise x ~ N(0, temp)
   (truncated if `noise_clamp`); lsd: N sampler calls `x += flow_lm_flow(h, i/N, (i+1)/N, x) / N`;
   pointwise: x + flow_lm_flow(h, x); drifting: flow_lm_flow(h, x) (one call, as upstream).
   After EOS at frame e, frames e .. e+F-1 are still emitted; no EOS stops at the chunk's budget.
4. The streaming decoder (`mimi_decoder`, latent_to_mimi fused in) starts from a fresh state per chunk,
   decodes frames as `DecodePolicy` says, and the first 5 ms of every chunk fade in.
"""

import asyncio
import time
from array import array
from collections import OrderedDict
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing, suppress
from dataclasses import dataclass, fields
from typing import Any

from py_core.float32 import linspace, round_f32
from py_core.manifest import Graph, Manifest
from py_core.markup import PARAGRAPH_PAUSE
from py_core.rng import NoiseSource
from py_core.runtime import Runtime, Tensor
from py_core.script import PausePlan, Script, plan_script
from py_core.text import MAX_TOKEN_PER_CHUNK, ChunkPlan, plan_chunks
from py_core.timestamps import (
    ChunkAligner,
    TimedText,
    TimestampChunk,
    WordEnd,
    WordStart,
    is_voiced,
    timestamp_chunks,
    unit_scores,
)
from py_core.voices import AUDIO_PROMPT, KV_STATE, Voice

_NAN32 = b"\x00\x00\xc0\x7f"  # float32 quiet NaN, little-endian


class EngineError(ValueError):
    """A request the engine cannot serve (a voice that does not fit the model, bad settings)."""


@dataclass(frozen=True)
class Settings:
    """Generation settings; `Settings.from_manifest` gives the bundle's defaults (upstream's)."""

    temperature: float = 0.3
    eos_threshold: float = -4.0
    sampler_steps: int = 1
    noise_clamp: float | None = None
    frames_after_eos: int | None = None  # None: upstream's guess (3 or 5 frames by word count)
    max_tokens: int = MAX_TOKEN_PER_CHUNK
    min_frames_before_eos: int = 6

    @classmethod
    def from_manifest(cls, manifest: Manifest, **overrides) -> "Settings":
        """The manifest's `generation` defaults, with every override that is not None applied."""
        generation = manifest.generation
        values: dict[str, Any] = {
            "temperature": generation.temperature,
            "eos_threshold": generation.eos_threshold,
            "sampler_steps": generation.sampler_steps,
            "noise_clamp": generation.noise_clamp,
            "max_tokens": generation.max_tokens_per_chunk,
            "min_frames_before_eos": generation.min_frames_before_eos,
        }
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise EngineError(f"temperature must be >= 0, not {self.temperature}")
        if self.sampler_steps < 1:
            raise EngineError(f"sampler steps must be >= 1, not {self.sampler_steps}")
        if self.noise_clamp is not None and not self.noise_clamp > 0:
            raise EngineError(f"noise clamp must be > 0, not {self.noise_clamp}")
        if self.frames_after_eos is not None and self.frames_after_eos < 0:
            raise EngineError(f"frames after EOS must be >= 0, not {self.frames_after_eos}")
        if self.max_tokens < 1:
            raise EngineError(f"max tokens per chunk must be >= 1, not {self.max_tokens}")


@dataclass(frozen=True)
class DecodePolicy:
    """When the streaming decoder runs, inside the one generation coroutine.

    The first frame of every text chunk is decoded as soon as it exists (time to first audio), then
    frames are decoded whenever `batch` of them are waiting, and the rest when the chunk ends.
    `batch=1` decodes after every step (lowest latency; what upstream's decoder thread does while it
    keeps up); a larger batch trades latency for fewer decoder calls (upstream drains its queue in
    one call when it falls behind). `overlap` pipelines the decoder: each call starts as soon as its
    batch exists and runs while generation goes on (the next flow-LM steps, the flow head, Python);
    it is awaited only when the next batch is ready or the chunk ends, so decoder calls stay in
    order. A gain only where the runtime runs two graphs in parallel (OrtRuntime with
    `offload=True`, the web bridge's decoder worker); the output is the same either way. The first
    two frames of a text chunk are decoded at once, not overlapped: the second frame's audio then
    leaves one flow-LM step earlier, which is what the player's start hold waits for
    (web/audio/start-buffer.js; later frames have the audio before them to play meanwhile).

    `follow_playback` makes `batch` a ceiling for a listener who plays the audio as it comes (at
    `playback_speed`, from the first audio on): a call takes B frames only while the audio already
    sent is ahead of that listener by at least `LEAD_PER_BATCHED_FRAME` x B frames, so a larger call
    never opens a gap in the sound; at the start, and whenever generation barely keeps up, it decodes
    frame by frame. The frames per call then depend on timing, and a decoder's output for the same
    frames differs slightly with the frames per call (float rounding; an int8 decoder quantizes each
    call's activations as a whole), as upstream's does when its decoder thread drains its queue: a
    fixed `batch` without `follow_playback` gives bit-identical audio from run to run.
    """

    batch: int = 1
    overlap: bool = False
    follow_playback: bool = False
    playback_speed: float = 1.0

    def __post_init__(self) -> None:
        if self.batch < 1:
            raise EngineError(f"decode batch must be >= 1, not {self.batch}")
        if not self.playback_speed > 0:
            raise EngineError(f"playback speed must be > 0, not {self.playback_speed}")


# Frames 1 and 2 of a text chunk are decoded at once (DecodePolicy), the later ones overlapped.
OVERLAP_FROM_FRAME = 2

# A batched frame's audio comes out about one frame of generation after the batch is complete
# (pipelined) plus its decode: 1.5 frames of lead per frame keeps a margin at real-time speed.
LEAD_PER_BATCHED_FRAME = 1.5


@dataclass(frozen=True)
class ChunkStarted:
    """Text chunk `index` of `count` begins: its prepared text, token count and frame budget."""

    index: int
    count: int
    text: str
    tokens: int
    max_frames: int
    seconds: float  # since generate() started


@dataclass(frozen=True)
class AudioChunk:
    """Decoded PCM (float32, mono, the bundle's sample rate) for `frames` new frames of chunk `index`."""

    index: int
    count: int
    samples: array
    frames: int
    chunk_frames: int  # frames of this text chunk decoded so far, these included
    seconds: float


@dataclass(frozen=True)
class ChunkFinished:
    """Text chunk `index` is done: `frames` emitted, EOS seen at `eos_frame` (None: budget reached)."""

    index: int
    count: int
    frames: int
    eos_frame: int | None
    seconds: float


@dataclass(frozen=True)
class WordsPlanned:
    """With timestamps, first: the words that will get times, (word, index, begin, end) into `text`."""

    text: str
    words: tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class Finished:
    """The whole text is done (or was cancelled): totals and timing."""

    chunks: int
    frames: int
    samples: int
    seconds: float
    first_audio_seconds: float | None
    cancelled: bool


# With `timestamps=True`: WordsPlanned first, then WordStart / WordEnd (py_core.timestamps) right
# before the AudioChunk whose frames decided them (a chunk's last WordEnd before its ChunkFinished).
Event = ChunkStarted | AudioChunk | ChunkFinished | Finished | WordsPlanned | WordStart | WordEnd


class VoiceState:
    """A voice's flow-LM KV state: per-layer past K/V tensors ([1,N,H,Dh]) for `positions` positions.

    Owned by the engine (its cache); generation only reads it.
    """

    def __init__(self, past: dict[str, Tensor], positions: int):
        self.past = past
        self.positions = positions
        self._users = 0
        self._evicted = False


class Engine:
    """Runs a model bundle's graphs through `runtime`: voices to KV states, text to streamed PCM."""

    def __init__(self, runtime: Runtime, manifest: Manifest, tokenizer, *, max_cached_voices: int = 4):
        self.runtime = runtime
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.text_config = manifest.text
        model, audio = manifest.model, manifest.audio
        self.d_model = model.d_model
        self.latent_dim = model.latent_dim
        self.num_layers = model.num_layers
        self.num_heads = model.num_kv_heads
        self.head_dim = model.head_dim
        self.sample_rate = audio.sample_rate
        self.frame_rate = audio.frame_rate
        self.samples_per_frame = audio.samples_per_frame
        # Upstream: torch.linspace(0, 1, sample_rate // 200) on the first samples of each chunk.
        self.fade_in = linspace(0.0, 1.0, round(self.sample_rate * manifest.generation.fade_in_ms / 1000))
        self.default_settings = Settings.from_manifest(manifest)
        self.sampler = manifest.generation.sampler  # one of py_core.manifest.SAMPLERS (checked on parse)
        self._flow_states = manifest.graphs[Graph.FLOW_LM_PREFILL].states
        self._decoder_states = manifest.graphs[Graph.MIMI_DECODER].states
        expected = {f"past_{kv}_{i}" for i in range(self.num_layers) for kv in "kv"}
        if {s.input for s in self._flow_states} != expected:
            raise EngineError("the bundle's flow LM states are not past_k_i / past_v_i per layer")
        self._voices: OrderedDict[str, VoiceState] = OrderedDict()
        self.max_cached_voices = max_cached_voices
        rt = runtime
        # Constant inputs, made once and never released while the engine lives.
        self._empty_conditioning = rt.zeros("float32", (1, 0, self.d_model))
        self._empty_latent = rt.zeros("float32", (1, 0, self.latent_dim))
        self._bos = rt.tensor("float32", (1, 1, self.latent_dim), _NAN32 * self.latent_dim)
        self._empty_past = {s.input: rt.zeros(s.dtype, tuple(s.initial_shape)) for s in self._flow_states}
        self._decoder_start = {
            s.input: rt.zeros(s.dtype, tuple(s.initial_shape)) for s in self._decoder_states
        }
        self._times: dict[int, list[tuple[Tensor, Tensor]]] = {}
        self._prefilled: _Prefilled | None = None

    # ----- voices -----

    async def voice_state(self, voice: Voice, key: str | None = None) -> VoiceState:
        """The KV state for `voice`, computed once per `key` and cached (None: not cached)."""
        if key is not None and key in self._voices:
            self._voices.move_to_end(key)
            return self._voices[key]
        if voice.pad:
            raise EngineError(f"voice states with leading padding (pad={voice.pad}) are not supported")
        if voice.layout == KV_STATE:
            state = self._kv_voice_state(voice)
        elif voice.layout == AUDIO_PROMPT:
            if voice.prompt_dim != self.d_model:
                raise EngineError(
                    f"the voice prompt has {voice.prompt_dim} values per frame; "
                    f"this model needs {self.d_model}"
                )
            assert voice.prompt is not None  # an AUDIO_PROMPT voice always has one (py_core.voices)
            prompt = self.runtime.tensor("float32", (1, voice.num_frames, self.d_model), voice.prompt)
            state = await self._prompt_state(prompt)
        else:
            raise EngineError(f"unknown voice layout {voice.layout!r}")
        return self._remember(key, state)

    async def clone_voice(self, audio: array, key: str | None = None) -> VoiceState:
        """The KV state for prompt audio: 24 kHz mono float32, prepared by py_core.audio_prompt."""
        if len(audio) == 0 or len(audio) % self.samples_per_frame:
            raise EngineError(f"prompt audio must be a positive multiple of {self.samples_per_frame} samples")
        if key is not None and key in self._voices:
            self._voices.move_to_end(key)
            return self._voices[key]
        rt = self.runtime
        audio_tensor = rt.tensor("float32", (1, 1, len(audio)), audio)
        outputs = await rt.run(Graph.MIMI_ENCODER, {"audio": audio_tensor})
        rt.release(audio_tensor)
        return self._remember(key, await self._prompt_state(outputs["voice_conditioning"]))

    async def export_voice(self, state: VoiceState, metadata: dict[str, str] | None = None) -> Voice:
        """A KV-state `Voice` of `state` (write it with py_core.voices.dump_voice)."""
        n, heads, dim = state.positions, self.num_heads, self.head_dim
        caches = []
        for i in range(self.num_layers):  # the file's layout is the state's: [2 (K, V), 1, N, H, Dh]
            k = await self.runtime.read(state.past[f"past_k_{i}"])
            v = await self.runtime.read(state.past[f"past_v_{i}"])
            caches.append(k + v)
        return Voice(
            KV_STATE, n, caches=tuple(caches), num_heads=heads, head_dim=dim, metadata=dict(metadata or {})
        )

    def forget_voice(self, key: str) -> None:
        """Drop a cached voice state (its tensors are released once no generation uses them)."""
        state = self._voices.pop(key, None)
        if state is not None:
            state._evicted = True
            self._release_voice_if_unused(state)

    def _kv_voice_state(self, voice: Voice) -> VoiceState:
        if (voice.num_layers, voice.num_heads, voice.head_dim) != (
            self.num_layers,
            self.num_heads,
            self.head_dim,
        ):
            raise EngineError(
                f"the voice has {voice.num_layers} layers x {voice.num_heads} heads x {voice.head_dim}; "
                f"this model needs {self.num_layers} x {self.num_heads} x {self.head_dim}"
            )
        n, heads, dim = voice.num_frames, voice.num_heads, voice.head_dim
        past = {}
        half = n * heads * dim
        for i, cache in enumerate(voice.caches):  # [2 (K, V), 1, N, H, Dh]: the state's layout
            for j, kv in enumerate("kv"):
                data = memoryview(cache)[j * half : (j + 1) * half]
                past[f"past_{kv}_{i}"] = self.runtime.tensor("float32", (1, n, heads, dim), data)
        return VoiceState(past, n)

    async def _prompt_state(self, prompt: Tensor) -> VoiceState:
        rt = self.runtime
        positions = rt.shape(prompt)[1]
        outputs = await rt.run(
            Graph.FLOW_LM_PREFILL, {"conditioning": prompt, "latent": self._empty_latent, **self._empty_past}
        )
        rt.release(prompt)
        past = self._take_past(outputs, self._empty_past)
        return VoiceState(past, positions)

    def _remember(self, key: str | None, state: VoiceState) -> VoiceState:
        if key is None:
            return state
        self._voices[key] = state
        while len(self._voices) > self.max_cached_voices:
            self.forget_voice(next(iter(self._voices)))
        return state

    def _release_voice_if_unused(self, state: VoiceState) -> None:
        if state._evicted and state._users == 0:
            for tensor in state.past.values():
                self.runtime.release(tensor)
            state.past = {}

    def _take_past(self, outputs: dict[str, Tensor], past: dict[str, Tensor]) -> dict[str, Tensor]:
        """The next call's past inputs from this call's `past` and its state outputs.

        A state with update "append" is `past` followed by the output's new rows (a new tensor;
        `past` stays the caller's); one with "replace" is the output itself. Every other output is
        released.
        """
        rt = self.runtime
        next_past = {}
        for s in self._flow_states:
            output = outputs.pop(s.output)
            if s.update == "append":
                next_past[s.input] = rt.append(past[s.input], output)
                rt.release(output)
            else:
                next_past[s.input] = output
        for tensor in outputs.values():
            rt.release(tensor)
        return next_past

    # ----- generation -----

    def plan(self, text: str, settings: Settings | None = None) -> list[ChunkPlan]:
        """The text chunks upstream would generate, in order (ValueError when the text is empty)."""
        settings = settings or self.default_settings
        return plan_chunks(
            self.tokenizer,
            text,
            self.text_config,
            max_tokens=settings.max_tokens,
            frames_after_eos=settings.frames_after_eos,
            frame_rate=self.frame_rate,
        )

    def plan_script(
        self,
        text: str,
        settings: Settings | None = None,
        *,
        normalize: bool = True,
        markup: bool = True,
        paragraph_pause: float = PARAGRAPH_PAUSE,
    ) -> Script:
        """Pauses from markup and normalized chunks, in the bundle's language (py_core.script), with
        warnings; `generate` takes its `plans`. Both off: exactly `plan` (ValueError when empty)."""
        settings = settings or self.default_settings
        return plan_script(
            self.tokenizer,
            text,
            self.text_config,
            language=self.manifest.language,
            normalize=normalize,
            markup=markup,
            paragraph_pause=paragraph_pause,
            max_tokens=settings.max_tokens,
            frames_after_eos=settings.frames_after_eos,
            frame_rate=self.frame_rate,
        )

    async def generate(
        self,
        text: str | Sequence[ChunkPlan | PausePlan],
        voice: VoiceState,
        settings: Settings | None = None,
        *,
        noise: NoiseSource | None = None,
        policy: DecodePolicy = DecodePolicy(),
        cancel=None,
        timestamps: bool = False,
    ) -> AsyncGenerator[Event, None]:
        """Stream a text (or chunk plans from `plan`) as events; the last one is `Finished`.

        `noise`: the sampler's noise source (default: a random seed). `cancel`: any object with
        `is_set()` (asyncio.Event, threading.Event); generation stops at the next step once set,
        dropping undecoded frames. Closing the iterator early also stops and frees everything.
        `timestamps`: also word events (`timed_words` says which words; the bundle needs heads).
        """
        settings = settings or self.default_settings
        plans = self.plan(text, settings) if isinstance(text, str) else list(text)
        if timestamps and self.manifest.timestamps is None:
            raise EngineError("this model bundle has no timestamp heads: word timestamps are unavailable")
        timed = self.timed_words(plans) if timestamps else None
        if not self.has_prefill(plans, voice):
            self.discard_prefill()  # it was for another text or voice: that Speak will not come
        noise = noise or NoiseSource()
        clock = _Clock()
        totals = {"frames": 0, "samples": 0}
        first_audio = None
        listener = _Listener(clock, policy.playback_speed)
        job = _ChunkJob(voice, settings, noise, policy, cancel, clock, listener)
        voice._users += 1
        try:
            if timed is not None:
                yield WordsPlanned(
                    timed.text, tuple((w.text, w.word_index, w.begin, w.end) for w in timed.words)
                )
            for index, plan in enumerate(plans):
                if cancel is not None and cancel.is_set():
                    break
                if isinstance(plan, PausePlan):
                    chunk = self._pause(plan, index, len(plans), clock)
                else:
                    yield ChunkStarted(
                        index, len(plans), plan.text, len(plan.token_ids), plan.max_frames, clock()
                    )
                    timing = None if timed is None else (next(timed.chunks), totals["samples"])
                    chunk = self._chunk(job, plan, index, len(plans), timing)
                async with aclosing(chunk) as events:
                    async for event in events:
                        if isinstance(event, AudioChunk):
                            totals["frames"] += event.frames
                            totals["samples"] += len(event.samples)
                            listener.sent(len(event.samples) / self.sample_rate)
                            if first_audio is None:
                                first_audio = event.seconds
                        yield event
        finally:
            voice._users -= 1
            self._release_voice_if_unused(voice)
        cancelled = cancel is not None and cancel.is_set()
        yield Finished(len(plans), totals["frames"], totals["samples"], clock(), first_audio, cancelled)

    async def prefill(
        self, text: str | Sequence[ChunkPlan | PausePlan], voice: VoiceState, settings: Settings | None = None
    ) -> bool:
        """Run the first speech chunk's prefill (text conditioning, then the flow LM over its tokens
        and the BOS latent) now, for a `generate` of the same chunk in the same voice that may
        follow: it then starts at its first sampled frame (the web app calls this while the text
        is being typed). One such result is kept; a prefill of another chunk or voice replaces it.
        The next `generate` takes it when its first chunk's tokens and the voice are the same (so
        the output is exactly that of a `generate` without it) and discards it otherwise.
        Returns whether there was a chunk.
        """
        settings = settings or self.default_settings
        plans = self.plan(text, settings) if isinstance(text, str) else list(text)
        first = _first_speech(plans)
        if first is None:
            return False
        if self.has_prefill(plans, voice):
            return True
        self.discard_prefill()
        voice._users += 1
        try:
            outputs = await self._text_prefill(first, voice.past)
        finally:
            voice._users -= 1
            self._release_voice_if_unused(voice)
        self._prefilled = _Prefilled(voice, tuple(first.token_ids), outputs)
        return True

    async def _text_prefill(self, plan: ChunkPlan, past: dict[str, Tensor]) -> dict[str, Tensor]:
        """The text conditioner, then `flow_lm_prefill` over the chunk's text and the BOS latent
        (step 0) from `past`: the call's outputs, unread."""
        rt = self.runtime
        tokens = rt.tensor("int64", (1, len(plan.token_ids)), plan.token_ids)
        try:
            text = (await rt.run(Graph.TEXT_CONDITIONER, {"token_ids": tokens}))["text_embeddings"]
        finally:
            rt.release(tokens)
        try:
            return await self._run_step(Graph.FLOW_LM_PREFILL, text, self._bos, past)
        finally:
            rt.release(text)

    def discard_prefill(self) -> None:
        """Release the kept prefill, if any (see `prefill`)."""
        held, self._prefilled = self._prefilled, None
        if held is not None:
            _release_all(self.runtime, held.outputs)

    def has_prefill(self, plans: Sequence[ChunkPlan | PausePlan], voice: VoiceState) -> bool:
        """Whether `generate(plans, voice)` will start from the kept prefill (see `prefill`)."""
        first = _first_speech(plans)
        held = self._prefilled
        return (
            first is not None
            and held is not None
            and held.voice is voice
            and held.token_ids == tuple(first.token_ids)
        )

    def _take_prefill(self, voice: VoiceState, plan: ChunkPlan) -> dict[str, Tensor] | None:
        """The kept prefill's outputs if they are this chunk's in this voice (they become the caller's)."""
        if not self.has_prefill([plan], voice):
            return None
        held, self._prefilled = self._prefilled, None
        assert held is not None  # has_prefill checked it
        return held.outputs

    def timed_words(self, plans: Sequence[ChunkPlan | PausePlan]) -> TimedText:
        """The words that get timestamps and, per speech chunk, its text units (py_core.timestamps).

        The words are those of the chunks as split (markup removed, normalized where normalization
        is on), joined by spaces: with both off, exactly the words of the text.
        """
        chunks = [p for p in plans if isinstance(p, ChunkPlan)]
        source = " ".join(p.chunk for p in chunks)
        return timestamp_chunks(source, [p.text for p in chunks], self.tokenizer)

    async def synthesize(
        self, text: str, voice: VoiceState, settings: Settings | None = None, **kwargs
    ) -> array:
        """The whole audio for `text` (float32 samples); keyword arguments as for `generate`."""
        audio = array("f")
        async for event in self.generate(text, voice, settings, **kwargs):
            if isinstance(event, AudioChunk):
                audio.extend(event.samples)
        return audio

    async def _pause(self, plan: PausePlan, index: int, count: int, clock):
        """A pause: exactly round(seconds x sample rate) zero samples, as one text chunk's events."""
        samples = round(plan.seconds * self.sample_rate)
        yield ChunkStarted(index, count, "", 0, 0, clock())
        yield AudioChunk(index, count, array("f", bytes(4 * samples)), 0, 0, clock())
        yield ChunkFinished(index, count, 0, None, clock())

    async def _chunk(self, job: "_ChunkJob", plan: ChunkPlan, index: int, count: int, timing=None):
        """One independent generation from the voice state: events for this text chunk.

        `timing`: (the chunk's TimestampChunk, output samples before it) for word events. Every
        tensor made here is owned by `tensors` and released once: when the next step replaces it,
        or when the chunk ends however it ends (the voice state and the engine's constants are only
        borrowed, never owned).
        """
        rt, settings, policy, cancel = self.runtime, job.settings, job.policy, job.cancel
        decoder = _StreamingDecoder(self)
        tensors = _Owned(rt)
        words = None if timing is None else _WordTimer(self, timing[0], timing[1], job.voice.positions)
        threshold = round_f32(settings.eos_threshold)  # torch compares a float32 logit with a float32 scalar
        pending: list[array] = []  # sampled latents not decoded yet
        decoding: asyncio.Future | None = None  # the decoder call in flight (policy.overlap)
        decoding_frames = 0
        emitted, eos_frame = 0, None

        def audio(pcm: array, frames: int) -> list:
            return [*_timed(words, pcm), AudioChunk(index, count, pcm, frames, decoder.frames, job.clock())]

        async def finish_decoding() -> list:
            nonlocal decoding
            if decoding is None:
                return []
            task, decoding = decoding, None
            return audio(await task, decoding_frames)

        try:
            if cancel is not None and cancel.is_set():
                return
            # Text prefill and AR step 0 (BOS latent) in one call: same cache, step 0's hidden state.
            # `prefill` may have run it already, while the text was typed.
            latent = self._bos
            outputs = self._take_prefill(job.voice, plan) or await self._text_prefill(plan, job.voice.past)
            hidden, eos, past = await self._finish_step(outputs, job.voice.past, words)
            tensors.own(hidden, *past.values())
            for step in range(plan.max_frames):
                if step:
                    if cancel is not None and cancel.is_set():
                        return
                    hidden, eos, next_past = await self._step(
                        Graph.FLOW_LM_STEP, self._empty_conditioning, latent, past, words
                    )
                    tensors.own(hidden, *next_past.values())
                    tensors.release(latent, *past.values())
                    past = next_past
                # Upstream draws the noise before looking at EOS, so one draw per step.
                x = job.noise.draw(self.latent_dim, settings.temperature, settings.noise_clamp)
                if eos > threshold and eos_frame is None and step >= settings.min_frames_before_eos:
                    eos_frame = step
                if eos_frame is not None and step >= eos_frame + plan.frames_after_eos:
                    break
                x = await self._sample(hidden, x, settings.sampler_steps)
                tensors.release(hidden)
                latent = tensors.own(rt.tensor("float32", (1, 1, self.latent_dim), x))
                pending.append(x)
                if words is not None:
                    words.keep_step()
                emitted += 1
                if emitted == 1 or len(pending) >= self._batch_now(job):
                    batch, pending = pending, []
                    for event in await finish_decoding():
                        yield event
                    if policy.overlap and emitted > OVERLAP_FROM_FRAME:
                        # Scheduled now, it runs before the next step: a runtime that decodes
                        # elsewhere (the browser's decoder worker) gets the request before this
                        # thread starts the step, and the two run in parallel.
                        decoding, decoding_frames = asyncio.ensure_future(decoder.decode(batch)), len(batch)
                        await asyncio.sleep(0)
                    else:
                        for event in audio(await decoder.decode(batch), len(batch)):
                            yield event
            for event in await finish_decoding():
                yield event
            if pending:
                if cancel is not None and cancel.is_set():
                    return
                for event in audio(await decoder.decode(pending), len(pending)):
                    yield event
            if words is not None:
                for event in words.finish():
                    yield event
            yield ChunkFinished(index, count, emitted, eos_frame, job.clock())
        finally:
            if decoding is not None:  # ended early: let the call in flight finish before releasing
                with suppress(Exception):  # the error that ended the chunk is the one to report
                    await decoding
            tensors.release_all()
            decoder.close()

    def _batch_now(self, job: "_ChunkJob") -> int:
        """Frames the next decoder call waits for (DecodePolicy: `batch`, or less to follow playback)."""
        policy = job.policy
        if not policy.follow_playback or policy.batch == 1:
            return policy.batch
        frame_seconds = self.samples_per_frame / self.sample_rate
        frames = int(job.listener.lead() / (LEAD_PER_BATCHED_FRAME * frame_seconds))
        return max(1, min(policy.batch, frames))

    async def _step(
        self, graph: str, conditioning: Tensor, latent: Tensor, past: dict[str, Tensor], words=None
    ):
        """One flow-LM call: (hidden handle, raw EOS logit, next past); `words` reads the timestamp logits."""
        return await self._finish_step(await self._run_step(graph, conditioning, latent, past), past, words)

    async def _run_step(
        self, graph: str, conditioning: Tensor, latent: Tensor, past: dict[str, Tensor]
    ) -> dict[str, Tensor]:
        return await self.runtime.run(graph, {"conditioning": conditioning, "latent": latent, **past})

    async def _finish_step(self, outputs: dict[str, Tensor], past: dict[str, Tensor], words=None):
        """A flow-LM call's outputs as (hidden handle, raw EOS logit, next past)."""
        rt = self.runtime
        hidden, eos_tensor = outputs.pop("hidden"), outputs.pop("eos_logit")
        eos = (await rt.read(eos_tensor))[0]
        rt.release(eos_tensor)
        if words is not None:
            await words.read_step(outputs)
        return hidden, eos, self._take_past(outputs, past)

    async def _sample(self, hidden: Tensor, x: array, steps: int) -> array:
        """The latent from the noise x, by the bundle's sampler (upstream's decode functions).

        lsd: x += flow(h, s=i/N, t=(i+1)/N, x) / N for i < N. pointwise: x + head(h, x); drifting:
        head(h, x). The last two take one step whatever N is, as upstream does.
        """
        rt = self.runtime
        if self.sampler != "lsd":
            x_tensor = rt.tensor("float32", (1, self.latent_dim), x)
            outputs = await rt.run(Graph.FLOW_LM_FLOW, {"c": hidden, "x": x_tensor})
            rt.release(x_tensor)
            head = await rt.read(outputs["flow_dir"])
            _release_all(rt, outputs)
            if self.sampler == "drifting":
                return head
            return array("f", [a + b for a, b in zip(x, head, strict=True)])
        for s, t in self._time_tensors(steps):
            x_tensor = rt.tensor("float32", (1, self.latent_dim), x)
            outputs = await rt.run(Graph.FLOW_LM_FLOW, {"c": hidden, "s": s, "t": t, "x": x_tensor})
            rt.release(x_tensor)
            flow = await rt.read(outputs["flow_dir"])
            _release_all(rt, outputs)
            step = array("f", [f / steps for f in flow]) if steps > 1 else flow
            x = array("f", [a + b for a, b in zip(x, step, strict=True)])
        return x

    def _time_tensors(self, steps: int) -> list[tuple[Tensor, Tensor]]:
        if steps not in self._times:
            rt = self.runtime
            self._times[steps] = [
                (
                    rt.tensor("float32", (1, 1), array("f", [i / steps])),
                    rt.tensor("float32", (1, 1), array("f", [(i + 1) / steps])),
                )
                for i in range(steps)
            ]
        return self._times[steps]


class _WordTimer:
    """One chunk's word timing: unit scores per kept step, word events per decoded frame."""

    def __init__(self, engine: Engine, chunk: TimestampChunk, offset_samples: int, text_start: int):
        self.engine = engine
        self.chunk = chunk
        self.aligner = ChunkAligner(chunk)
        spec = engine.manifest.timestamps
        assert spec is not None  # Engine.generate checked it
        self.output = spec.output
        self.text = (text_start, text_start + len(chunk.token_units))
        self.samples = offset_samples  # output samples before the next frame to align
        self.step_scores: list[float] = []
        self.frame_scores: list[list[float]] = []  # per generated frame not aligned yet

    async def read_step(self, outputs: dict[str, Tensor]) -> None:
        """The step's text-position logits ([1, heads, keys]) reduced to unit scores."""
        rt = self.engine.runtime
        tensor = outputs.pop(self.output)
        _, heads, keys = rt.shape(tensor)
        values = await rt.read(tensor)
        rt.release(tensor)
        begin, end = self.text
        rows = [values[h * keys + begin : h * keys + end] for h in range(heads)]
        self.step_scores = unit_scores(self.chunk, rows)

    def keep_step(self) -> None:
        """The last step's frame is emitted (a step that ends the chunk is not)."""
        self.frame_scores.append(self.step_scores)

    def frames(self, pcm: array) -> list[WordStart | WordEnd]:
        """The events decided by the decoded frames in `pcm`, in order."""
        size, rate = self.engine.samples_per_frame, self.engine.sample_rate
        events = []
        for at in range(0, len(pcm), size):
            scores = self.frame_scores.pop(0)
            events += self.aligner.frame(scores, is_voiced(pcm[at : at + size]), self.samples / rate)
            self.samples += min(size, len(pcm) - at)
        return events

    def finish(self) -> list[WordEnd]:
        """The chunk's audio is complete: close its open word at the audio's end."""
        return self.aligner.finish(self.samples / self.engine.sample_rate)


def _timed(words: _WordTimer | None, pcm: array) -> list[WordStart | WordEnd]:
    return [] if words is None else words.frames(pcm)


class _StreamingDecoder:
    """mimi_decoder from a fresh state; fades in the first samples it produces."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.state = dict(engine._decoder_start)
        self.owned = False  # the start state is the engine's constant: never released
        self.frames = 0

    async def decode(self, latents: list[array]) -> array:
        """PCM for the given normalized latents (frames continue the previous call's)."""
        engine, rt = self.engine, self.engine.runtime
        flat = array("f")
        for latent in latents:
            flat.extend(latent)
        latent_tensor = rt.tensor("float32", (1, len(latents), engine.latent_dim), flat)
        try:
            outputs = await rt.run(Graph.MIMI_DECODER, {"latent": latent_tensor, **self.state})
        finally:
            rt.release(latent_tensor)
        if self.owned:
            _release_all(rt, self.state)
        self.state = {s.input: outputs.pop(s.output) for s in engine._decoder_states}
        self.owned = True
        audio_tensor = outputs.pop("audio")
        _release_all(rt, outputs)
        pcm = await rt.read(audio_tensor)
        rt.release(audio_tensor)
        if self.frames == 0:
            fade = engine.fade_in
            n = min(len(fade), len(pcm))
            pcm[:n] = array("f", [a * b for a, b in zip(pcm[:n], fade[:n], strict=True)])
        self.frames += len(latents)
        return pcm

    def close(self) -> None:
        """Release the decoder state."""
        if self.owned:
            _release_all(self.engine.runtime, self.state)
            self.owned = False


class _Clock:
    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def _first_speech(plans: Sequence[ChunkPlan | PausePlan]) -> ChunkPlan | None:
    """The first chunk that is spoken (not a pause), if any."""
    return next((p for p in plans if isinstance(p, ChunkPlan)), None)


class _Listener:
    """Someone who plays the audio as it is sent, at `speed`, and waits when it runs out (as the
    web player does)."""

    def __init__(self, clock: _Clock, speed: float):
        self.clock = clock
        self.speed = speed
        self.seconds_sent = 0.0
        self.heard = 0.0
        self.at: float | None = None  # when `heard` was last brought up to date

    def _listen(self) -> None:
        now = self.clock()
        if self.at is not None:
            self.heard = min(self.seconds_sent, self.heard + (now - self.at) * self.speed)
        self.at = now

    def sent(self, seconds: float) -> None:
        """`seconds` more audio were sent."""
        self._listen()
        self.seconds_sent += seconds

    def lead(self) -> float:
        """Seconds of sent audio not heard yet."""
        self._listen()
        return self.seconds_sent - self.heard


@dataclass(frozen=True)
class _Prefilled:
    """A first chunk's prefill run ahead of `generate` (Engine.prefill): its outputs, unread."""

    voice: VoiceState
    token_ids: tuple[int, ...]
    outputs: dict[str, Tensor]


@dataclass(frozen=True)
class _ChunkJob:
    """What every text chunk of one `generate` call shares."""

    voice: VoiceState
    settings: Settings
    noise: NoiseSource
    policy: DecodePolicy
    cancel: Any  # anything with is_set(), or None
    clock: "_Clock"
    listener: "_Listener"


class _Owned:
    """The tensors one text chunk owns, each released exactly once (borrowed ones never enter)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.tensors: dict[int, Tensor] = {}

    def own(self, *tensors: Tensor) -> Any:
        """Take ownership of `tensors`; returns the first (for `x = owned.own(make())`)."""
        for tensor in tensors:
            self.tensors[id(tensor)] = tensor
        return tensors[0] if tensors else None

    def release(self, *tensors: Tensor) -> None:
        """Release those of `tensors` that are owned here (a borrowed one is left alone)."""
        for tensor in tensors:
            if self.tensors.pop(id(tensor), None) is not None:
                self.runtime.release(tensor)

    def release_all(self) -> None:
        for tensor in self.tensors.values():
            self.runtime.release(tensor)
        self.tensors.clear()


def _release_all(runtime: Runtime, tensors: dict[str, Tensor]) -> None:
    for tensor in tensors.values():
        runtime.release(tensor)


__all__ = [
    "AudioChunk",
    "ChunkFinished",
    "ChunkStarted",
    "DecodePolicy",
    "Engine",
    "EngineError",
    "Event",
    "Finished",
    "Settings",
    "VoiceState",
    "WordEnd",
    "WordStart",
    "WordsPlanned",
]
