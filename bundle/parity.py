"""Parity with upstream: py_core + OrtRuntime on one side, upstream pocket_tts on the other.

Used by the parity tests, the benchmark's SNR check and the e2e voice tools.

Both load the same bundle: ours its ONNX graphs, upstream `TTSModel.load_model(config=<bundle>/source/
config.yaml)`, i.e. the very weights the graphs were exported from.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from py_core.bundle import Bundle
from py_core.engine import AudioChunk, ChunkFinished, DecodePolicy, Engine, Settings
from py_core.manifest import Graph, Manifest
from py_core.ort_runtime import open_bundle
from py_core.rng import NoiseSource

SAMPLES_PER_FRAME = 1920


class RecordingNoise(NoiseSource):
    """A NoiseSource that keeps every draw (to feed the same noise to upstream)."""

    def __init__(self, seed: int):
        super().__init__(seed)
        self.draws: list[array] = []

    def draw(self, n, temperature, clamp=None):
        values = super().draw(n, temperature, clamp)
        self.draws.append(values)
        return values


class RecordingRuntime:
    """Wraps a runtime and records the EOS logit of every flow-LM step (prefill+BOS included)."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.eos_logits: list[float] = []

    def __getattr__(self, name):
        return getattr(self.runtime, name)

    async def run(self, graph, inputs):
        outputs = await self.runtime.run(graph, inputs)
        stepped = graph in (Graph.FLOW_LM_PREFILL, Graph.FLOW_LM_STEP)
        if stepped and self.runtime.shape(inputs["latent"])[1] == 1:
            self.eos_logits.append(float(outputs["eos_logit"].reshape(-1)[0]))
        return outputs


@dataclass
class Ours:
    """py_core's engine on a bundle through OrtRuntime (fp32 sessions, 1 thread)."""

    bundle: Path
    threads: int = 1
    opened: Bundle = field(init=False)
    manifest: Manifest = field(init=False)
    engine: Engine = field(init=False)
    recorder: RecordingRuntime = field(init=False)

    def __post_init__(self):
        self.opened = open_bundle(self.bundle, threads=self.threads, wrap=RecordingRuntime)
        self.manifest = self.opened.manifest
        self.engine = self.opened.engine
        self.recorder = self.engine.runtime

    def voice_file(self, name: str) -> Path:
        return self.bundle / "voices" / f"{name}.safetensors"

    async def kv_voice(self, name: str):
        return await self.opened.voice_state(name)

    def generate(self, text, voice_state, *, noise=None, policy=None, **overrides):
        """(audio float32 numpy, frames per chunk, EOS frame per chunk)."""
        settings = Settings.from_manifest(self.manifest, **overrides)

        async def collect():
            audio, frames, eos = array("f"), [], []
            async for event in self.engine.generate(
                text, voice_state, settings, noise=noise or NoiseSource(0), policy=policy or DecodePolicy()
            ):
                if isinstance(event, AudioChunk):
                    audio.extend(event.samples)
                elif isinstance(event, ChunkFinished):
                    frames.append(event.frames)
                    eos.append(event.eos_frame)
            return np.frombuffer(audio, dtype=np.float32).copy(), frames, eos

        return asyncio.run(collect())


def load_upstream(bundle: Path):
    """Upstream TTSModel on the bundle's source weights (temperature 0)."""
    from pocket_tts import TTSModel

    return TTSModel.load_model(config=str(bundle / "source" / "config.yaml"), temp=0.0)


def upstream_generate(
    model,
    state,
    text: str,
    *,
    temperature=0.0,
    eos_threshold=-4.0,
    sampler_steps=1,
    noise_clamp=None,
    max_tokens=50,
    frames_after_eos=None,
) -> np.ndarray:
    """Upstream generate_audio with these settings (the model is reconfigured in place)."""
    model.temp = temperature
    model.eos_threshold = eos_threshold
    model.sampler_decode_steps = sampler_steps
    model.noise_clamp = noise_clamp
    audio = model.generate_audio(state, text, max_tokens=max_tokens, frames_after_eos=frames_after_eos)
    return audio.numpy().astype(np.float32)


@contextlib.contextmanager
def upstream_noise(draws: list[array]):
    """Make upstream's flow LM start its sampler from `draws`, one per AR step, in order.

    Upstream draws noise in every FlowLMModel.forward, prompt passes included (S = 0, output
    discarded): those get zeros, and AR steps (S = 1) take the next recorded draw.
    """
    import torch
    from pocket_tts.models import flow_lm

    pending = list(draws)
    in_step = [False]
    forward = flow_lm.FlowLMModel.forward

    def patched_forward(self, sequence, *args, **kwargs):
        in_step[0] = sequence.shape[1] > 0
        return forward(self, sequence, *args, **kwargs)

    def fill(tensor, *args, **kwargs):
        if in_step[0]:
            values = pending.pop(0)
            tensor.copy_(torch.frombuffer(bytearray(values.tobytes()), dtype=torch.float32).view_as(tensor))
        else:
            tensor.zero_()
        return tensor

    originals = (torch.nn.init.normal_, torch.nn.init.trunc_normal_)
    flow_lm.FlowLMModel.forward = patched_forward
    torch.nn.init.normal_ = torch.nn.init.trunc_normal_ = fill
    try:
        yield pending
    finally:
        flow_lm.FlowLMModel.forward = forward
        torch.nn.init.normal_, torch.nn.init.trunc_normal_ = originals


def compare(reference: np.ndarray, candidate: np.ndarray) -> tuple[float, float]:
    """(max abs difference, SNR dB) of two equally long signals."""
    assert reference.shape == candidate.shape, (reference.shape, candidate.shape)
    diff = reference.astype(np.float64) - candidate
    noise = float(np.sum(diff**2))
    signal = float(np.sum(reference.astype(np.float64) ** 2))
    snr = math.inf if noise == 0 else 10 * math.log10(max(signal, 1e-30) / noise)
    return float(np.abs(diff).max()), snr


def pick_threshold(logits_by_chunk: list[list[float]], min_frame: int = 6, margin: float = 2e-3) -> float:
    """An EOS threshold that fires in as many chunks as possible, at least `margin` away from every
    logit seen at frames >= min_frame (so float differences between runtimes cannot move EOS)."""
    values = sorted({v for logits in logits_by_chunk for v in logits[min_frame:]})
    best, best_fired = None, 0
    for low, high in zip(values, values[1:], strict=False):
        if high - low < 2 * margin:
            continue
        threshold = (low + high) / 2
        fired = sum(any(v > threshold for v in logits[min_frame:]) for logits in logits_by_chunk)
        if fired >= best_fired and fired:
            best, best_fired = threshold, fired
    assert best is not None, "no EOS threshold with a safe margin: the logits are too dense"
    return best
