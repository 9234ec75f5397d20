"""Export-time attention for the flow LM graph: the past K/V arrive positions-major and stay in place.

Upstream's `StreamingMultiheadAttention` appends the new keys/values to its cache, permutes the whole
cache head-major and calls `scaled_dot_product_attention`. Exported with an explicit past, that is a
Concat, a Transpose, a second Transpose of the keys and a scaling Mul: four passes over every past
key and two over every past value per layer and step, before the two MatMuls read them. In
onnxruntime-web's WebAssembly kernels those passes cost the flow-LM step ~3.6 ms per 100 past
positions (docs/PERFORMANCE.md, session 8).

Inside `appended_kv_attention` each attention computes the same function reading the past keys and
values where they lie: scores against the past and against the new rows separately, one softmax
over both, the two weighted sums added, with every permute of the past one that onnxruntime folds
into its MatMul (com.microsoft FusedMatMul `transBatchB`: a strided read, no copy). Every past
position is visible to every new row (the flow LM's attention has no context window and its cache
starts at position 0); new rows see themselves and the new rows before them. The projections, RoPE
and the output projection are upstream's modules.

State per attention (a dict in the model state, keyed by the module's name): `past_k` / `past_v`
[B, N, H_kv, Dh] in; out: `present_k` / `present_v`, only the new rows [B, T, H_kv, Dh], and
`queries` [H_kv, heads per kv head, T, Dh] (after RoPE, scaled by 1/√Dh) and `keys` (the past
[N, H_kv, Dh], the new rows [T, H_kv, Dh]): what word timestamps read.
"""

from __future__ import annotations

import contextlib
import types

import torch
from pocket_tts.modules.attention import StreamingMultiheadAttention
from torch import nn


@contextlib.contextmanager
def appended_kv_attention(module: nn.Module):
    """Give every attention under `module` the forward below (an explicit, appended-to past), then restore."""
    attentions = [m for m in module.modules() if isinstance(m, StreamingMultiheadAttention)]
    for attention in attentions:
        if attention.context is not None:
            raise ValueError("attention over an appended past needs an unlimited context (the flow LM's)")
        attention.forward = types.MethodType(_forward_over_past, attention)
    try:
        yield
    finally:
        for attention in attentions:
            del attention.forward  # the class's forward again


def _forward_over_past(
    self: StreamingMultiheadAttention,
    query: torch.Tensor,
    model_state: dict[str, dict[str, torch.Tensor]],
    attn_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    if attn_mask is not None:
        raise ValueError("attention over an appended past builds its own mask")
    state = self.get_state(model_state)
    projected = self.in_proj(query)
    b, t, _ = projected.shape
    if b != 1:
        raise ValueError("attention over an appended past runs one sequence (batch 1)")
    dim, heads, kv_heads = self.dim_per_head, self.num_heads, self.num_kv_heads
    group = heads // kv_heads  # queries per kv head (grouped-query attention; 1 in the full model)
    q = projected[..., : self.attn_dim].view(b, t, heads, dim)
    k, v = torch.unbind(projected[..., self.attn_dim :].view(b, t, 2, kv_heads, dim), dim=2)
    past_k, past_v = state["past_k"].squeeze(0), state["past_v"].squeeze(0)  # [N, H_kv, Dh]
    q, k = self.rope(q, k, offset=past_k.new_zeros((), dtype=torch.long) + past_k.shape[0])
    state["present_k"], state["present_v"] = k, v
    k, v = k.squeeze(0), v.squeeze(0)  # [T, H_kv, Dh], like the past

    # Each kv head's queries as rows [H_kv, group*T, Dh] (query head h uses kv head h // group, as
    # upstream's repeat_interleave does), scaled.
    q = q.squeeze(0).view(t, kv_heads, group, dim).permute(1, 2, 0, 3).reshape(kv_heads, group * t, dim)
    q = q * dim**-0.5
    positions = torch.arange(t, device=q.device)
    future = positions.view(1, -1) > positions.view(-1, 1)  # [T, T]: a new row after the query's
    state["queries"], state["keys"] = q.view(kv_heads, group, t, dim), (past_k, k)
    # onnxruntime's MatMul that reads a positions-major operand in place (FusedMatMul transBatchB)
    # fails on an empty one: an empty past (a first prefill) takes the branch without it.
    x = torch.cond(past_k.shape[0] > 0, _attend_past_and_new, _attend_new, (q, k, v, past_k, past_v, future))
    x = x.view(kv_heads, group, t, dim).permute(2, 0, 1, 3).reshape(b, t, heads * dim)  # heads in order
    return self.out_proj(x)


def _masked_scores_new(q: torch.Tensor, k: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
    """Scores of the queries [H_kv, group*T, Dh] against the new keys [T, H_kv, Dh], causal."""
    kv_heads, rows, _ = q.shape
    t = k.shape[0]
    scores = (q @ k.permute(1, 2, 0)).view(kv_heads, rows // t, t, t)
    return scores.masked_fill(future, float("-inf")).view(kv_heads, rows, t)


def _attend_past_and_new(q, k, v, past_k, past_v, future) -> torch.Tensor:
    """Attention over the past [N, H_kv, Dh] (N > 0) and the new rows; [H_kv, group*T, Dh].

    Keys and values stay positions-major: onnxruntime folds these permutes into its MatMul
    (com.microsoft FusedMatMul with transBatchB), which reads them in place.
    """
    past = past_k.shape[0]
    scores = torch.cat([q @ past_k.permute(1, 2, 0), _masked_scores_new(q, k, future)], dim=-1)
    weights = torch.softmax(scores, dim=-1)
    return weights[..., :past] @ past_v.permute(1, 0, 2) + weights[..., past:] @ v.permute(1, 0, 2)


def _attend_new(q, k, v, past_k, past_v, future) -> torch.Tensor:
    """Attention over the new rows alone (the past is empty); [H_kv, group*T, Dh]."""
    weights = torch.softmax(_masked_scores_new(q, k, future), dim=-1)
    return weights @ v.permute(1, 0, 2)
