"""Whole-utterance checks on the exported graphs (build time, CPython + onnxruntime).

A temperature-0 decode of a fixed number of frames (no EOS) through the graph set: voice prefill,
text prefill, the AR loop with one sampler step (lsd: s=0, t=1; zero noise), and the streaming decoder.
Two uses: the KV prefill/step path against the stateless `flow_lm_main` at every step, and the
audio SNR of a quantized graph set against the fp32 one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bundle.export import GraphSpec
from bundle.graphs import next_state
from bundle.verify import initial_states
from py_core.manifest import ExportedGraph, Graph


@dataclass
class Utterance:
    latents: np.ndarray  # [frames, ldim]
    hiddens: np.ndarray  # [frames, D]
    eos_logits: np.ndarray  # [frames]
    audio: np.ndarray  # [samples]


def _next_state(
    spec: GraphSpec, state: dict[str, np.ndarray], outputs: list[np.ndarray]
) -> dict[str, np.ndarray]:
    return {
        s.name: next_state(s, state[s.name], outputs[spec.output_names.index(s.next_name)])
        for s in spec.states
    }


def greedy_utterance(
    sessions,
    specs: dict[str, GraphSpec],
    voice_conditioning: np.ndarray,
    token_ids: np.ndarray,
    frames: int,
    sampler: str = "lsd",
) -> Utterance:
    """Decode `frames` frames at temperature 0 from a voice conditioning and text token ids."""
    kv, dec = specs[ExportedGraph.FLOW_LM_KV], specs[Graph.MIMI_DECODER]
    d_model = voice_conditioning.shape[-1]
    ldim = specs[Graph.MIMI_DECODER].example_inputs[0].shape[-1]
    empty_latent = np.zeros((1, 0, ldim), np.float32)
    state = initial_states(kv)
    text = sessions[Graph.TEXT_CONDITIONER].run(None, {"token_ids": token_ids})[0]
    for conditioning in (voice_conditioning, text):
        outputs = sessions[ExportedGraph.FLOW_LM_KV].run(
            None, {"conditioning": conditioning, "latent": empty_latent, **state}
        )
        state = _next_state(kv, state, outputs)
    latent = np.full((1, 1, ldim), np.nan, np.float32)
    empty_conditioning = np.zeros((1, 0, d_model), np.float32)
    zero_noise = np.zeros((1, ldim), np.float32)
    latents, hiddens, eos_logits = [], [], []
    for _ in range(frames):
        outputs = sessions[ExportedGraph.FLOW_LM_KV].run(
            None, {"conditioning": empty_conditioning, "latent": latent, **state}
        )
        hidden, eos = outputs[0], outputs[1]
        state = _next_state(kv, state, outputs)
        head_inputs = {"c": hidden, "x": zero_noise}
        if "s" in specs[Graph.FLOW_LM_FLOW].input_names:  # lsd: one step from s=0 to t=1
            head_inputs.update(s=np.zeros((1, 1), np.float32), t=np.ones((1, 1), np.float32))
        flow = sessions[Graph.FLOW_LM_FLOW].run(None, head_inputs)[0]
        # lsd and pointwise add the head's output to the noise; drifting takes it as the latent.
        latent = (flow if sampler == "drifting" else zero_noise + flow)[:, None, :]
        latents.append(latent[0, 0])
        hiddens.append(hidden[0])
        eos_logits.append(float(eos[0, 0]))
    latents_array = np.stack(latents)
    audio = decode_latents(sessions, dec, latents_array)
    return Utterance(latents_array, np.stack(hiddens), np.array(eos_logits), audio)


def decode_latents(sessions, dec: GraphSpec, latents: np.ndarray, frames_per_call: int = 4) -> np.ndarray:
    """Stream `latents` [frames, ldim] through mimi_decoder from a fresh state."""
    state = initial_states(dec)
    pieces = []
    for start in range(0, len(latents), frames_per_call):
        chunk = latents[None, start : start + frames_per_call].astype(np.float32)
        outputs = sessions[Graph.MIMI_DECODER].run(None, {"latent": chunk, **state})
        pieces.append(outputs[0].reshape(-1))
        state = _next_state(dec, state, outputs)
    return np.concatenate(pieces)


def stateless_max_error(
    sessions, voice_conditioning: np.ndarray, token_ids: np.ndarray, utterance: Utterance
) -> tuple[float, float]:
    """Max |hidden| and |eos| differences between the KV path and `flow_lm_main` at every step."""
    text = sessions[Graph.TEXT_CONDITIONER].run(None, {"token_ids": token_ids})[0]
    conditioning = np.concatenate([voice_conditioning, text], axis=1)
    ldim = utterance.latents.shape[-1]
    bos = np.full((1, 1, ldim), np.nan, np.float32)
    worst_hidden = worst_eos = 0.0
    for step in range(len(utterance.latents)):
        sequence = np.concatenate([bos, utterance.latents[None, :step]], axis=1).astype(np.float32)
        hidden, eos = sessions[ExportedGraph.FLOW_LM_MAIN].run(
            None, {"sequence": sequence, "text_embeddings": conditioning}
        )
        worst_hidden = max(worst_hidden, float(np.abs(hidden[0] - utterance.hiddens[step]).max()))
        worst_eos = max(worst_eos, abs(float(eos[0, 0]) - utterance.eos_logits[step]))
    return worst_hidden, worst_eos


def snr_db(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Signal-to-noise ratio of `candidate` against `reference`, in dB (inf when identical)."""
    noise = float(np.sum((reference.astype(np.float64) - candidate) ** 2))
    signal = float(np.sum(reference.astype(np.float64) ** 2))
    return math.inf if noise == 0 else 10 * math.log10(max(signal, 1e-30) / noise)
