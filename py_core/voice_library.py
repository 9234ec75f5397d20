"""A private voice library: cloned voices kept as upstream-layout .safetensors files.

A library voice is a KV-state voice file exactly as `pocket-tts export-voice` writes it (so upstream's
`generate --voice file.safetensors` and `get_state_for_audio_prompt` load it), plus safetensors
metadata that upstream ignores: the voice's name, the model it was made for (model id, display name
and the sha256 of the bundle's manifest.json), when it was made, and a note that it is a synthetic
voice. A voice state belongs to one set of weights (upstream: a foreign state "never emits EOS"), so
a voice whose metadata names another manifest is refused with a message naming both models. Files
without that metadata (upstream's own exports) are taken as made for the model they are imported
into, once their shapes match it.

The web app keeps the same files in IndexedDB (web/engine/voice-library.js); the CLI keeps them in a folder
(`python -m py_core voices list|import|export`, `VoiceFolder`). Stdlib only.
"""

import datetime
import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from py_core.manifest import Manifest, parse_manifest
from py_core.voices import KV_STATE, Voice, VoiceFileError, dump_voice, load_voice

FORMAT = "pocket-tts-web/voice"
SYNTHETIC_NOTE = (
    "synthetic voice: a voice state cloned with Pocket TTS from a recording; "
    "not a recording of a person. Only clone voices you have the right to use."
)
MAX_NAME_LENGTH = 40


class VoiceModelError(VoiceFileError):
    """A voice that cannot be used with this model (the message names both models)."""


@dataclass(frozen=True)
class ModelIdentity:
    """The model a voice belongs to: the bundle's model id and display name, the sha256 of its
    manifest.json, and the flow-LM sizes a KV state must have."""

    model_id: str
    display_name: str
    manifest_sha256: str
    num_layers: int
    num_heads: int
    head_dim: int

    @classmethod
    def from_manifest(cls, text: bytes | str) -> "ModelIdentity":
        """The identity of the bundle whose manifest.json is `text` (as served: UTF-8)."""
        return cls.of(parse_manifest(text), text)

    @classmethod
    def of(cls, manifest: Manifest, text: bytes | str) -> "ModelIdentity":
        """The identity of a bundle already parsed: `manifest` is `text` (manifest.json as served) parsed."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        model = manifest.model
        return cls(
            model_id=manifest.model_id,
            display_name=manifest.display_name or manifest.model_id,
            manifest_sha256=hashlib.sha256(data).hexdigest(),
            num_layers=model.num_layers,
            num_heads=model.num_kv_heads,
            head_dim=model.head_dim,
        )

    def describe(self) -> str:
        return describe_model(self.model_id, self.display_name, self.manifest_sha256)


def describe_model(model_id: str, display_name: str, manifest_sha256: str) -> str:
    """How a message names a model: its display name (else its id) and the manifest's short sha256."""
    return f"“{display_name or model_id}” (manifest {manifest_sha256[:8]})"


def check_name(name: str) -> str:
    """A voice name, stripped; 1 to MAX_NAME_LENGTH printable characters."""
    name = " ".join(str(name).split())
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise VoiceFileError(f"a voice name needs 1 to {MAX_NAME_LENGTH} printable characters")
    return name


def voice_metadata(name: str, model: ModelIdentity, created: str | None = None) -> dict[str, str]:
    """The metadata a library voice file carries (all strings, as safetensors requires)."""
    return {
        "format": FORMAT,
        "name": check_name(name),
        "model_id": model.model_id,
        "model_name": model.display_name,
        "manifest_sha256": model.manifest_sha256,
        "created": created or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "synthetic_voice": SYNTHETIC_NOTE,
    }


def made_for(voice: Voice) -> str | None:
    """The manifest sha256 a voice's metadata names, or None (e.g. upstream's own exports)."""
    return voice.metadata.get("manifest_sha256") or None


def check_voice(voice: Voice, model: ModelIdentity, name: str = "voice") -> None:
    """Raise VoiceModelError unless `voice` is a KV state usable with `model`."""
    sha = made_for(voice)
    if sha is not None and sha != model.manifest_sha256:
        meta = voice.metadata
        theirs = describe_model(meta.get("model_id", "?"), meta.get("model_name", "?"), sha)
        raise VoiceModelError(
            f"voice “{name}” was made for {theirs}, not for this model {model.describe()}: "
            "clone it again with this model"
        )
    if voice.layout != KV_STATE:
        raise VoiceModelError(
            f"voice “{name}” is an audio prompt, not a voice state (pocket-tts export-voice or this app)"
        )
    shape = (voice.num_layers, voice.num_heads, voice.head_dim)
    wanted = (model.num_layers, model.num_heads, model.head_dim)
    if shape != wanted:
        raise VoiceModelError(
            f"voice “{name}” has {shape[0]} layers of {shape[1]}×{shape[2]} KV heads; "
            f"model {model.describe()} has {wanted[0]} layers of {wanted[1]}×{wanted[2]}"
        )


def make_library_voice(
    data: bytes, model: ModelIdentity, name: str | None = None, default_name: str = "imported voice"
) -> Voice:
    """Parse a voice file for the library: checked against `model`, metadata filled in (a file
    without it, as upstream exports, is taken as made for `model`). The name: `name`, else the
    metadata's, else `default_name`."""
    voice = load_voice(data)
    name = check_name(name or voice.metadata.get("name") or default_name)
    check_voice(voice, model, name)
    created = voice.metadata.get("created") if made_for(voice) else None
    return replace(voice, metadata=voice_metadata(name, model, created))


def renamed(data: bytes, name: str) -> bytes:
    """A library voice file with a new name in its metadata (nothing else changes)."""
    voice = load_voice(data)
    return dump_voice(replace(voice, metadata={**voice.metadata, "name": check_name(name)}))


@dataclass(frozen=True)
class LibraryEntry:
    """One voice of a library folder: its file, name, model and date."""

    path: Path
    name: str
    model_id: str
    model_name: str
    manifest_sha256: str
    created: str
    positions: int


class VoiceFolder:
    """A library folder: one `<name>.safetensors` per voice (the CLI's library)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def entries(self) -> list[LibraryEntry]:
        """Every voice file in the folder, by name; an unreadable file raises VoiceFileError."""
        found = []
        for path in sorted(self.folder.glob("*.safetensors")):
            try:
                voice = load_voice(path.read_bytes())
            except VoiceFileError as error:
                raise VoiceFileError(f"{path}: {error}") from None
            meta = voice.metadata
            found.append(
                LibraryEntry(
                    path,
                    meta.get("name", path.stem),
                    meta.get("model_id", "?"),
                    meta.get("model_name", "?"),
                    meta.get("manifest_sha256", ""),
                    meta.get("created", ""),
                    voice.num_frames,
                )
            )
        return sorted(found, key=lambda e: e.name.casefold())

    def find(self, name: str) -> LibraryEntry:
        for entry in self.entries():
            if entry.name == name or entry.path.stem == name:
                return entry
        known = ", ".join(e.name for e in self.entries()) or "none"
        raise VoiceFileError(f"no voice “{name}” in {self.folder} (its voices: {known})")

    def add(self, voice: Voice) -> Path:
        """Write `voice` as `<name>.safetensors` (atomically: a temporary file, then a rename)."""
        name = voice.metadata["name"]
        if any(e.name == name for e in self.entries()):
            raise VoiceFileError(f"the library {self.folder} already has a voice “{name}”")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{file_stem(name)}.safetensors"
        if path.exists():
            raise VoiceFileError(f"{path} already exists")
        temporary = path.with_suffix(".partial")
        temporary.write_bytes(dump_voice(voice))
        os.replace(temporary, path)
        return path


def file_stem(name: str) -> str:
    """A file name for a voice name: letters, digits, '-', '_' and '.' kept, the rest as '_'."""
    return re.sub(r"[^\w.-]", "_", name, flags=re.ASCII).strip(".") or "voice"
