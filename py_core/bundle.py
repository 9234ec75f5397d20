"""One opened model bundle: manifest, tokenizer, engine, the one voice registry, and the one way to speak.

`Bundle` sits over a `read(path) -> bytes` callable (files already verified against the manifest)
and a `Runtime`, so the CLI and the parity tests (folders, OrtRuntime), the web worker (downloaded
bytes, JsRuntime) and the benchmark open a bundle the same way. Voices are registered by name: the
bundle's own voice files (read on first use), `.safetensors` voice files, and cloned voices (their
prompt audio is kept, so an evicted state can be encoded again). The engine caches the KV states.

Speaking is the same for every caller (the CLI, web/engine/worker_driver.py): `plan` a text for a
`SpeakRequest` (py_core.speak_request), then `generate` the plan's events; `speak` does both.
`prepare` runs a text's first prefill ahead, `preview` says what will be read. Stdlib only.
"""

from array import array
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from py_core import tokenizer as tokenizers
from py_core.engine import Engine, EngineError, Event, Settings, VoiceState
from py_core.manifest import Graph, Manifest
from py_core.markup import PARAGRAPH_PAUSE
from py_core.rng import NoiseSource, random_seed
from py_core.runtime import Runtime
from py_core.script import Script
from py_core.speak_request import SpeakRequest
from py_core.voices import Voice, load_voice

Read = Callable[[str], bytes]

# `prepare` plans the first chunk (at most a few sentences) from the start of the text alone: a long
# text is not normalized and split whole on every pause in typing. Should the cut change that chunk,
# its tokens differ from the Speak's and the prefill is simply not used.
PREPARE_CHARS = 2000
WARM_UP_TEXT = "Warming up the engine, one moment."


@dataclass(frozen=True)
class SpeechPlan:
    """A text planned for one request: what `Bundle.generate` speaks.

    `script`: the chunks and pauses, with the markup warnings; `settings`: the generation settings
    (the manifest's, the request's and the caller's overrides); `seed`: the request's, else one
    drawn now (so the caller can report it before the audio ends).
    """

    script: Script
    settings: Settings
    request: SpeakRequest
    seed: int


class UnknownVoiceError(EngineError):
    """No voice of that name: neither bundled nor registered."""


class Bundle:
    """A model bundle ready to speak: `engine`, `manifest`, and voices by name."""

    def __init__(self, manifest: Manifest, read: Read, runtime: Runtime, *, max_cached_voices: int = 4):
        self.manifest = manifest
        self.read = read
        tokenizer = tokenizers.load(read(manifest.tokenizer.file))
        self.engine = Engine(runtime, manifest, tokenizer, max_cached_voices=max_cached_voices)
        self._voices: dict[str, Voice | array] = {}

    @property
    def supports_cloning(self) -> bool:
        """Whether the bundle can clone voices (it has the `mimi_encoder` graph)."""
        return self.manifest.has_voice_cloning and Graph.MIMI_ENCODER in self.manifest.graphs

    @property
    def sample_rate(self) -> int:
        """The output audio's sample rate (Hz)."""
        return self.engine.sample_rate

    @property
    def default_voice(self) -> str | None:
        """The bundle's default voice name (None: it ships no voices)."""
        return self.manifest.default_voice

    def voice_names(self) -> list[str]:
        """The bundle's voices, then the registered ones, each once."""
        names = [v.name for v in self.manifest.voices]
        return names + [n for n in self._voices if n not in names]

    def has_voice(self, name: str) -> bool:
        """Whether `name` is a bundled or registered voice."""
        return name in self._voices or any(v.name == name for v in self.manifest.voices)

    def add_voice(self, name: str, voice: Voice) -> None:
        """Register a voice file's content under `name` (replacing any voice of that name)."""
        self._forget(name)
        self._voices[name] = voice

    async def clone(self, name: str, audio: array) -> VoiceState:
        """Clone a voice from prompt audio (prepared by py_core.audio_prompt) and register it as `name`."""
        if not self.supports_cloning:
            raise EngineError("this bundle has no voice cloning (no mimi_encoder graph)")
        self._forget(name)
        state = await self.engine.clone_voice(audio, key=name)
        self._voices[name] = audio
        return state

    async def voice_state(self, name: str | None = None) -> VoiceState:
        """The KV state of voice `name` (None: the default voice), encoded once and cached."""
        name = name or self.default_voice
        if name is None:
            raise UnknownVoiceError("this bundle has no voices: clone one or give a voice file")
        source = self._voices.get(name)
        if source is None:
            bundled = next((v for v in self.manifest.voices if v.name == name), None)
            if bundled is None:
                known = ", ".join(self.voice_names()) or "none"
                raise UnknownVoiceError(f"unknown voice {name!r}: this bundle's voices are {known}")
            source = self._voices[name] = load_voice(self.read(bundled.file))
        if isinstance(source, array):
            return await self.engine.clone_voice(source, key=name)
        return await self.engine.voice_state(source, key=name)

    async def export_voice(self, name: str, metadata: dict[str, str] | None = None) -> Voice:
        """Voice `name`'s KV state as a voice file's content (py_core.voices.dump_voice writes it)."""
        return await self.engine.export_voice(await self.voice_state(name), metadata)

    # ----- speaking -----

    def settings(self, request: SpeakRequest, **overrides) -> Settings:
        """The manifest's generation defaults, then the request's temperature and sampler steps, then
        `overrides` (Settings fields: the CLI's eos_threshold, max_tokens, …) that are not None."""
        return Settings.from_manifest(
            self.manifest, **{"temperature": request.temperature, "sampler_steps": request.steps, **overrides}
        )

    def plan(
        self,
        text: str,
        request: SpeakRequest,
        *,
        markup: bool = True,
        paragraph_pause: float = PARAGRAPH_PAUSE,
        **overrides,
    ) -> SpeechPlan:
        """Plan `text` for `request`: pause markup (`markup`), then numbers and symbols as words
        (`request.normalize`), then chunks. ValueError when there is nothing to say; EngineError
        for bad settings. `overrides`: as for `settings`."""
        settings = self.settings(request, **overrides)
        script = self.engine.plan_script(
            text, settings, normalize=request.normalize, markup=markup, paragraph_pause=paragraph_pause
        )
        seed = random_seed() if request.seed is None else request.seed
        return SpeechPlan(script, settings, request, seed)

    async def generate(
        self, plan: SpeechPlan, *, cancel=None, decode_overlap: bool = False, timestamps: bool = False
    ) -> AsyncIterator[Event]:
        """The engine's events for `plan` in the request's voice, noise from the plan's seed, decoded
        as the request says (`decode_overlap`: the runtime decodes in parallel with the next steps;
        the caller's to know). `cancel`: anything with is_set(). `timestamps`: word events too."""
        state = await self.voice_state(plan.request.voice)
        events = self.engine.generate(
            plan.script.plans,
            state,
            plan.settings,
            noise=NoiseSource(plan.seed),
            policy=plan.request.decode_policy(decode_overlap),
            cancel=cancel,
            timestamps=timestamps,
        )
        async with aclosing(events):
            async for event in events:
                yield event

    def speak(self, text: str, request: SpeakRequest, **options) -> AsyncIterator[Event]:
        """`generate(plan(text, request), **options)`: the events of `text` spoken as `request` says."""
        return self.generate(self.plan(text, request), **options)

    async def is_prepared(self, plan: SpeechPlan) -> bool:
        """Whether `generate(plan)` will start from the prefill `prepare` kept (its first sampled frame)."""
        return self.engine.has_prefill(plan.script.plans, await self.voice_state(plan.request.voice))

    async def prepare(self, text: str, request: SpeakRequest) -> bool:
        """Run the first chunk's prefill of `text` ahead of a Speak of it with `request` (Engine.prefill;
        only the text's first PREPARE_CHARS are planned). Returns whether there was a chunk;
        ValueError for empty text."""
        plan = self.plan(text[:PREPARE_CHARS], request)
        state = await self.voice_state(request.voice)
        return await self.engine.prefill(plan.script.plans, state, plan.settings)

    def preview(self, text: str, normalize: bool = True) -> tuple[str, list[str]]:
        """What will be read (pauses as [pause Ns]) and the markup warnings; ("", [why]) for a text
        with nothing to say."""
        try:
            script = self.engine.plan_script(text, normalize=normalize)
        except ValueError as error:
            return "", [str(error)]
        return script.spoken_text(), script.warnings

    def warm_up(self, *, cancel=None, decode_overlap: bool = False) -> AsyncIterator[Event]:
        """A throw-away utterance in the default voice (else the first), decoded automatically at
        normal speed: the events of WARM_UP_TEXT (the web worker warms the engine up with them)."""
        voice = self.default_voice or self.voice_names()[0]
        return self.speak(
            WARM_UP_TEXT, SpeakRequest(voice=voice), cancel=cancel, decode_overlap=decode_overlap
        )

    def _forget(self, name: str) -> None:
        self._voices.pop(name, None)
        self.engine.forget_voice(name)
