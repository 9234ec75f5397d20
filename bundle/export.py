"""Torch → ONNX: one `GraphSpec` per graph (names, example inputs, dynamic axes), exported with dynamo.

Example inputs use sizes ≥ 2 on every dynamic axis (torch.export specializes 0 and 1), while the
declared ranges start at 0: empty conditioning, empty latents and empty caches are valid inputs,
and the verifier runs them.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from pocket_tts import TTSModel
from torch.export import Dim

from bundle import conv_transpose, graphs
from py_core.manifest import SAMPLERS, ExportedGraph, Graph

OPSET = 18
MAX_SEQUENCE = 8192
# flow_lm_kv's extra output when the model has timestamp heads: [1, heads, keys].
TIMESTAMP_OUTPUT = "timestamp_logits"


@dataclass
class GraphSpec:
    """Everything needed to export, describe and verify one graph."""

    name: str
    file: str
    module: torch.nn.Module
    input_names: list[str]
    output_names: list[str]
    example_inputs: tuple[torch.Tensor, ...]
    dynamic_shapes: tuple | None
    context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    # Entered around export only, inside `context`: reformulations for onnxruntime's kernels. The
    # verifier runs the module without it, so the graph is checked against upstream's own forward.
    export_context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    states: list[graphs.StateSpec] = field(default_factory=list)
    load: str = "default"  # "default" | "cloning" | "never"
    role: str = ""


def _zeros(shape, dtype=torch.float32) -> torch.Tensor:
    return torch.zeros(shape, dtype=dtype)


def _growing_axis(spec: graphs.StateSpec) -> int:
    """The state's dynamic axis: the one its initial shape leaves empty."""
    return spec.shape.index(0)


def _example_state(spec: graphs.StateSpec) -> torch.Tensor:
    shape = tuple(3 if d == 0 and spec.name.startswith(("past_", "attn_")) else d for d in spec.shape)
    return _zeros(shape, torch.long if spec.dtype == "int64" else torch.float32)


def graph_specs(model: TTSModel, timestamp_heads: tuple[tuple[int, int], ...] = ()) -> list[GraphSpec]:
    """The bundle's graph set for `model` (see docs/ARCHITECTURE.md for each contract).

    With `timestamp_heads`, `flow_lm_kv` also outputs `timestamp_logits` (graphs.FlowLMKV).
    """
    flow_lm = model.flow_lm
    d_model = flow_lm.dim
    ldim = flow_lm.ldim
    seq = Dim("sequence", min=0, max=MAX_SEQUENCE)
    cond = Dim("conditioning", min=0, max=MAX_SEQUENCE)
    frames = Dim("frames", min=1, max=MAX_SEQUENCE)

    kv = graphs.FlowLMKV(model, timestamp_heads)
    kv_states = kv.state_specs()
    kv_extra = [TIMESTAMP_OUTPUT] if timestamp_heads else []
    past = Dim("past", min=0, max=MAX_SEQUENCE)

    decoder = graphs.MimiDecoder(model)
    decoder_states = decoder.state_specs()
    window = Dim("window", min=0, max=MAX_SEQUENCE)
    decoder_state_axes = tuple(
        {2: window} if s.name.startswith("attn_") else None for s in decoder_states[1:]
    )
    context = decoder.context

    sampler = getattr(flow_lm, "flow_type", "lsd")
    if sampler not in SAMPLERS:
        raise ValueError(f"flow type {sampler!r} is not supported; the builder exports {', '.join(SAMPLERS)}")
    head = graphs.FlowLMFlow(model)

    prompt_frames = Dim("prompt_frames", min=1, max=1000)
    frame_size = model.mimi.frame_size

    return [
        GraphSpec(
            Graph.TEXT_CONDITIONER,
            "text_conditioner.onnx",
            graphs.TextConditioner(model),
            ["token_ids"],
            ["text_embeddings"],
            (_zeros((1, 5), torch.long),),
            ({1: Dim("tokens", min=0, max=MAX_SEQUENCE)},),
            role="token ids → text embeddings",
        ),
        GraphSpec(
            ExportedGraph.FLOW_LM_KV,
            "flow_lm_kv.onnx",
            kv,
            ["conditioning", "latent"] + [s.name for s in kv_states],
            ["hidden", "eos_logit"] + [s.next_name for s in kv_states] + kv_extra,
            (_zeros((1, 2, d_model)), _zeros((1, 2, ldim)), *[_example_state(s) for s in kv_states]),
            ({1: cond}, {1: seq}, tuple({_growing_axis(s): past} for s in kv_states)),
            states=kv_states,
            role="flow LM with explicit KV state: prefill (conditioning) and step (one latent)",
        ),
        GraphSpec(
            ExportedGraph.FLOW_LM_MAIN,
            "flow_lm_main.onnx",
            graphs.FlowLMMain(model),
            ["sequence", "text_embeddings"],
            ["hidden", "eos_logit"],
            (_zeros((1, 2, ldim)), _zeros((1, 3, d_model))),
            # S ≥ 1: upstream slices the output with [:, -S:], which keeps everything when S = 0.
            ({1: Dim("latents", min=1, max=MAX_SEQUENCE)}, {1: cond}),
            context=graphs.uncached_causal_masks,
            load="never",
            role="stateless flow LM over the whole sequence (reference/oracle)",
        ),
        GraphSpec(
            Graph.FLOW_LM_FLOW,
            "flow_lm_flow.onnx",
            head,
            head.input_names(),
            ["flow_dir"],
            tuple(
                {"c": _zeros((1, head.flow_net.cond_embed.in_features)), "s": _zeros((1, 1))}.get(
                    name, torch.ones(1, 1) if name == "t" else _zeros((1, ldim))
                )
                for name in head.input_names()
            ),
            None,
            role=f"sampler head ({sampler}): flow direction",
        ),
        GraphSpec(
            Graph.MIMI_DECODER,
            "mimi_decoder.onnx",
            decoder,
            ["latent"] + [s.name for s in decoder_states],
            ["audio"] + [s.next_name for s in decoder_states],
            (_zeros((1, 2, ldim)), *[_example_state(s) for s in decoder_states]),
            ({1: frames}, None, decoder_state_axes),
            context=lambda: graphs.explicit_kv_caches(model.mimi.decoder_transformer, window=context - 1),
            export_context=lambda: conv_transpose.overlap_add_conv_transposes(model.mimi),
            states=decoder_states,
            role="streaming Mimi decoder (latent_to_mimi fused in): latents + state → PCM + state",
        ),
        GraphSpec(
            Graph.MIMI_ENCODER,
            "mimi_encoder.onnx",
            graphs.MimiEncoder(model),
            ["audio"],
            ["voice_conditioning"],
            (_zeros((1, 1, frame_size * 3)),),
            ({2: frame_size * prompt_frames},),
            context=graphs.uncached_causal_masks,
            load="cloning",
            role="prompt audio → speaker-projected voice conditioning (+ BOS where the model has it)",
        ),
    ]


def export_graph(spec: GraphSpec, path: Path) -> None:
    """Export `spec` to a self-contained ONNX file at `path` (weights embedded)."""
    with torch.no_grad(), spec.context(), spec.export_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            spec.module,
            spec.example_inputs,
            dynamo=True,
            input_names=spec.input_names,
            output_names=spec.output_names,
            dynamic_shapes=spec.dynamic_shapes,
            opset_version=OPSET,
            optimize=True,
            verbose=False,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    program.save(str(path), external_data=False)
