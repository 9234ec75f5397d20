"""One opened model bundle: manifest, tokenizer, engine and the one voice registry.

`Bundle` sits over a `read(path) -> bytes` callable (files already verified against the manifest)
and a `Runtime`, so the CLI and the parity tests (folders, OrtRuntime), the web worker (downloaded
bytes, JsRuntime) and the benchmark open a bundle the same way. Voices are registered by name: the
bundle's own voice files (read on first use), `.safetensors` voice files, and cloned voices (their
prompt audio is kept, so an evicted state can be encoded again). The engine caches the KV states.
Stdlib only.
"""

from array import array
from collections.abc import Callable

from py_core import tokenizer as tokenizers
from py_core.engine import Engine, EngineError, VoiceState
from py_core.manifest import Manifest
from py_core.runtime import Runtime
from py_core.voices import Voice, load_voice

Read = Callable[[str], bytes]


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
        return self.manifest.has_voice_cloning and "mimi_encoder" in self.manifest.graphs

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

    def _forget(self, name: str) -> None:
        self._voices.pop(name, None)
        self.engine.forget_voice(name)
