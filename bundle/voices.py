"""Voices for a bundle, written in the upstream KV-state layout that py_core.voices reads.

Real models: the predefined voices upstream publishes for the language, fetched with upstream's
own download code. Synthetic models: upstream `get_state_for_audio_prompt` run on deterministic
prompt audio (harmonic tones with vibrato over a little noise), exported with upstream's
`export_model_state`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from pocket_tts import TTSModel, export_model_state

SYNTHETIC_VOICES = {
    # name: (seconds, fundamental Hz, seed)
    "aurora": (2.4, 190.0, 11),
    "basil": (3.2, 110.0, 23),
    "cedar": (1.6, 150.0, 37),
}


def synthetic_prompt_audio(seconds: float, f0: float, seed: int, sample_rate: int = 24000) -> np.ndarray:
    """Deterministic voice-like prompt audio, float32 mono in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    vibrato = 1.0 + 0.02 * np.sin(2 * np.pi * 5.0 * t)
    phase = 2 * np.pi * f0 * np.cumsum(vibrato) / sample_rate
    audio = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 2.0 * t) ** 2
    audio = 0.3 * audio * envelope / np.abs(audio).max() + 0.01 * rng.standard_normal(t.size)
    return audio.astype(np.float32)


def voice_state_bytes(model: TTSModel, audio: np.ndarray) -> bytes:
    """Upstream voice state for 24 kHz mono `audio`, serialized by upstream's exporter."""
    with torch.no_grad():
        state = model.get_state_for_audio_prompt(torch.from_numpy(audio)[None, :])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "voice.safetensors"
        export_model_state(state, path)
        return path.read_bytes()


def synthetic_voices(model: TTSModel, names: list[str] | None) -> dict[str, bytes]:
    """The synthetic voice files, by name (all of SYNTHETIC_VOICES when `names` is None)."""
    chosen = list(SYNTHETIC_VOICES) if names is None else names
    unknown = [n for n in chosen if n not in SYNTHETIC_VOICES]
    if unknown:
        raise ValueError(f"Unknown synthetic voice(s) {unknown}; available: {list(SYNTHETIC_VOICES)}")
    return {
        name: voice_state_bytes(model, synthetic_prompt_audio(*SYNTHETIC_VOICES[name])) for name in chosen
    }


def predefined_voice_names(language: str) -> list[str]:
    """Upstream's predefined voice names that exist for `language` (English names, or its default)."""
    from pocket_tts.default_parameters import DEFAULT_VOICE_FOR_LANGUAGE
    from pocket_tts.utils.utils import _ORIGINS_OF_PREDEFINED_VOICES

    per_language = set(DEFAULT_VOICE_FOR_LANGUAGE.values())
    base = language.split("_")[0]
    if base == "english":
        return [n for n in _ORIGINS_OF_PREDEFINED_VOICES if n not in per_language]
    default = DEFAULT_VOICE_FOR_LANGUAGE.get(base)
    return [default] if default else []


def default_voice(language: str, names: list[str]) -> str:
    """Upstream's default voice for `language` when the bundle has it, else the first voice."""
    from pocket_tts.default_parameters import get_default_voice_for_language

    preferred = get_default_voice_for_language(language)
    return preferred if preferred in names else names[0]


def predefined_voices(language: str, names: list[str] | None, weights: Path | None) -> dict[str, bytes]:
    """Upstream's predefined voice states for `language` (all when `names` is None).

    Voice files next to local weights (an `embeddings/` or `voices/` folder) are used as they are;
    otherwise they are downloaded with upstream's own code.
    """
    from pocket_tts.utils.utils import download_if_necessary, get_predefined_voice

    if weights is not None:
        folder = weights if weights.is_dir() else weights.parent
        local = {
            p.stem: p
            for sub in ("embeddings", "voices")
            for p in sorted((folder / sub).glob("*.safetensors"))
        }
        if local:
            chosen = list(local) if names is None else names
            missing = [n for n in chosen if n not in local]
            if missing:
                raise ValueError(f"Voice(s) {missing} not found next to the weights; found {list(local)}")
            return {name: local[name].read_bytes() for name in chosen}
    chosen = predefined_voice_names(language) if names is None else names
    return {
        name: Path(download_if_necessary(get_predefined_voice(language, name))).read_bytes()
        for name in chosen
    }
