"""Build-time verification: every ONNX graph against the PyTorch module it came from.

Each graph runs a few representative cases (empty axes included). Stateful graphs run a stream of
calls where each side feeds itself its own returned state, so state handling is verified too. The
result per graph is the worst max-abs error, the worst error relative to the reference's peak,
and for quantized graphs the SNR against the fp32 reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from bundle.export import GraphSpec
from bundle.graphs import next_state
from py_core.manifest import ExportedGraph, Graph
from py_core.manifest import Parity as ManifestParity

FP32_RELATIVE_TOLERANCE = 1e-4


class ParityError(RuntimeError):
    """A graph's outputs differ from PyTorch beyond tolerance."""


@dataclass
class Parity:
    max_abs: float
    max_rel: float
    snr_db: float
    calls: int

    def as_manifest(self) -> ManifestParity:
        """The manifest's record of this comparison (an infinite SNR, exact equality, as None)."""
        return ManifestParity(
            max_abs_error=float(self.max_abs),
            max_relative_error=float(self.max_rel),
            snr_db=None if math.isinf(self.snr_db) else round(float(self.snr_db), 2),
            calls_compared=self.calls,
        )


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """A CPU onnxruntime session with deterministic, single-threaded settings."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def initial_states(spec: GraphSpec) -> dict[str, np.ndarray]:
    """Zero-filled initial state tensors of a stateful graph (empty on growing axes)."""
    return {s.name: np.zeros(s.shape, np.int64 if s.dtype == "int64" else np.float32) for s in spec.states}


def _cases(spec: GraphSpec, rng: np.random.Generator) -> list[list[dict[str, np.ndarray]]]:
    """Streams of non-state inputs per graph; a stream's calls share state."""

    def randn(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    example = {n: t for n, t in zip(spec.input_names, spec.example_inputs, strict=False)}
    if spec.name == Graph.TEXT_CONDITIONER:
        vocab = spec.module.conditioner.embed.num_embeddings - 1
        return [
            [{"token_ids": rng.integers(0, vocab, (1, 9)).astype(np.int64)}],
            [{"token_ids": np.zeros((1, 0), np.int64)}],
        ]
    if spec.name == ExportedGraph.FLOW_LM_KV:
        d, ldim = example["conditioning"].shape[-1], example["latent"].shape[-1]
        bos = np.full((1, 1, ldim), np.nan, np.float32)
        empty_c, empty_l = np.zeros((1, 0, d), np.float32), np.zeros((1, 0, ldim), np.float32)
        stream = [
            {"conditioning": randn(1, 6, d), "latent": empty_l},
            {"conditioning": randn(1, 4, d), "latent": empty_l},
            {"conditioning": empty_c, "latent": bos},
        ]
        stream += [{"conditioning": empty_c, "latent": randn(1, 1, ldim)} for _ in range(4)]
        return [
            stream,
            [{"conditioning": randn(1, 3, d), "latent": np.concatenate([bos, randn(1, 2, ldim)], 1)}],
        ]
    if spec.name == ExportedGraph.FLOW_LM_MAIN:
        d, ldim = example["text_embeddings"].shape[-1], example["sequence"].shape[-1]
        bos = np.full((1, 1, ldim), np.nan, np.float32)
        return [
            [{"sequence": bos, "text_embeddings": randn(1, 8, d)}],
            [{"sequence": np.concatenate([bos, randn(1, 5, ldim)], 1), "text_embeddings": randn(1, 4, d)}],
            [{"sequence": bos, "text_embeddings": np.zeros((1, 0, d), np.float32)}],
        ]
    if spec.name == Graph.FLOW_LM_FLOW:
        c, x = example["c"].shape[-1], example["x"].shape[-1]
        times = ((0.0, 1.0), (0.25, 0.5), (0.5, 1.0))
        if "s" not in spec.input_names:  # pointwise / drifting heads: no time conditions
            return [[{"c": randn(1, c), "x": randn(1, x, scale=scale)}] for scale in (0.0, 0.5, 1.0)]
        return [
            [
                {
                    "c": randn(1, c),
                    "s": np.array([[s]], np.float32),
                    "t": np.array([[t]], np.float32),
                    "x": randn(1, x),
                }
            ]
            for s, t in times
        ]
    if spec.name == Graph.MIMI_DECODER:
        ldim = example["latent"].shape[-1]
        # 40 frames = 640 steps: well past the 250-step attention window.
        sizes = [1, 3, 8, 1, 12, 15]
        return [[{"latent": randn(1, n, ldim)} for n in sizes]]
    if spec.name == Graph.MIMI_ENCODER:
        frame = example["audio"].shape[-1] // 3
        return [[{"audio": randn(1, 1, frame * 5, scale=0.1)}], [{"audio": randn(1, 1, frame, scale=0.1)}]]
    raise ValueError(f"no verification cases for graph {spec.name}")


def _torch_run(spec: GraphSpec, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    args = [torch.from_numpy(np.ascontiguousarray(inputs[n])) for n in spec.input_names]
    with torch.no_grad(), spec.context():
        out = spec.module(*args)
    out = out if isinstance(out, tuple | list) else (out,)
    return [o.detach().numpy() for o in out]


def run_streams(spec: GraphSpec, run, rng_seed: int = 0) -> list[list[list[np.ndarray]]]:
    """Run every verification stream through `run(inputs) -> outputs`, threading state.

    Each call's recorded outputs hold every state as the next call gets it (an "append" state's
    past followed by its new rows), so both sides' states are compared whole.
    """
    rng = np.random.default_rng(rng_seed)
    results = []
    for stream in _cases(spec, rng):
        state = initial_states(spec)
        outputs_per_call = []
        for call in stream:
            outputs = list(run({**call, **state}))
            names = spec.output_names
            state = {
                s.name: next_state(s, state[s.name], outputs[names.index(s.next_name)]) for s in spec.states
            }
            # An appended state is compared whole (past + new rows), as a replaced one is.
            for s in spec.states:
                outputs[names.index(s.next_name)] = state[s.name]
            outputs_per_call.append(outputs)
        results.append(outputs_per_call)
    return results


def compare(reference, candidate) -> Parity:
    """Worst-case error and SNR of `candidate` against `reference` (nested lists of arrays)."""
    max_abs = max_rel = 0.0
    signal = noise = 0.0
    calls = 0
    for ref_stream, cand_stream in zip(reference, candidate, strict=True):
        for ref_call, cand_call in zip(ref_stream, cand_stream, strict=True):
            calls += 1
            for r, c in zip(ref_call, cand_call, strict=True):
                if r.shape != c.shape:
                    raise ParityError(f"shape mismatch {r.shape} vs {c.shape}")
                if r.size == 0 or not np.issubdtype(r.dtype, np.floating):
                    if not np.array_equal(r, c):
                        raise ParityError("integer outputs differ")
                    continue
                diff = np.abs(r.astype(np.float64) - c.astype(np.float64))
                peak = float(np.abs(r).max())
                max_abs = max(max_abs, float(diff.max()))
                max_rel = max(max_rel, float(diff.max()) / max(peak, 1e-12))
                signal += float((r.astype(np.float64) ** 2).sum())
                noise += float((diff**2).sum())
    snr = math.inf if noise == 0 else 10 * math.log10(max(signal, 1e-30) / noise)
    return Parity(max_abs, max_rel, snr, calls)


def verify_graph(spec: GraphSpec, path: Path, tolerance: float | None = FP32_RELATIVE_TOLERANCE) -> Parity:
    """Compare the ONNX file at `path` with `spec.module`; raise ParityError above `tolerance`."""
    sess = session(path)
    names = spec.output_names
    reference = run_streams(spec, lambda inputs: _torch_run(spec, inputs))
    candidate = run_streams(spec, lambda inputs: sess.run(names, inputs))
    parity = compare(reference, candidate)
    if tolerance is not None and parity.max_rel > tolerance:
        raise ParityError(
            f"{spec.name}: ONNX differs from PyTorch by {parity.max_abs:.3g} "
            f"({parity.max_rel:.3g} of the output peak; tolerance {tolerance:g})"
        )
    return parity
