"""Export-time attention for the flow LM graph: the past K/V arrive positions-major and stay in place.

Upstream's `StreamingMultiheadAttention` appends the new keys/values to its cache, permutes the whole
cache head-major and calls `scaled_dot_product_attention`. Exported with an explicit past, that is a
Concat, a Transpose, a second Transpose of the keys and a scaling Mul: four passes over every past
key and two over every past value per layer and step, before the two MatMuls read them. In
onnxruntime-web's WebAssembly kernels those passes cost the flow-LM step ~3.8 ms per 100 past
positions (docs/PERFORMANCE.md, session 8).

Inside `appended_kv_attention` each attention computes the same function with one pass over the past
keys and one over the past values (each transposed head-major once): scores against the past and
against the new rows separately, one softmax over both, the two weighted sums added. Every past
position is visible to every new row (the flow LM's attention has no context window and its cache
starts at position 0); new rows see themselves and the new rows before them. The projections, RoPE
and the output projection are upstream's modules.

State per attention (a dict in the model state, keyed by the module's name): `past_k` / `past_v`
[B, N, H_kv, Dh] in; out: `present_k` / `present_v`, only the new rows [B, T, H_kv, Dh], and
`scores` [B, H_kv, heads per kv head, T, N+T], each query's scaled dot products with every key,
-inf for the new rows after it (the last query's row is complete: what word timestamps read).
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


def _heads_first(x: torch.Tensor) -> torch.Tensor:
    """[B, N, H_kv, Dh] → [B, H_kv, 1, N, Dh] (one copy; the 1 broadcasts over a kv head's queries)."""
    return x.permute(0, 2, 1, 3).unsqueeze(2)


def _keys_transposed(x: torch.Tensor) -> torch.Tensor:
    """[B, N, H_kv, Dh] → [B, H_kv, 1, Dh, N] (one copy)."""
    return x.permute(0, 2, 3, 1).unsqueeze(2)


def _forward_over_past(
    self: StreamingMultiheadAttention,
    query: torch.Tensor,
    model_state: dict[str, dict[str, torch.Tensor]],
    attn_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    if attn_mask is not None:
        raise ValueError("attention over an appended past builds its own mask")
    state = self.get_state(model_state)
    past_k, past_v = state["past_k"], state["past_v"]
    projected = self.in_proj(query)
    b, t, _ = projected.shape
    dim, heads, kv_heads = self.dim_per_head, self.num_heads, self.num_kv_heads
    group = heads // kv_heads  # queries per kv head (grouped-query attention; 1 in the full model)
    q = projected[..., : self.attn_dim].view(b, t, heads, dim)
    k, v = torch.unbind(projected[..., self.attn_dim :].view(b, t, 2, kv_heads, dim), dim=2)
    past = past_k.shape[1]
    q, k = self.rope(q, k, offset=past_k.new_zeros((), dtype=torch.long) + past)
    state["present_k"], state["present_v"] = k, v

    # Query head h uses kv head h // group (upstream's repeat_interleave): [B, H_kv, group, T, Dh].
    q = q.view(b, t, kv_heads, group, dim).permute(0, 2, 3, 1, 4) * dim**-0.5
    positions = torch.arange(t, device=q.device)
    future = positions.view(1, -1) > positions.view(-1, 1)  # [T, T]: a new row after the query's
    scores_new = (q @ _keys_transposed(k)).masked_fill(future, float("-inf"))
    scores = torch.cat([q @ _keys_transposed(past_k), scores_new], dim=-1)
    state["scores"] = scores
    weights = torch.softmax(scores, dim=-1)
    x = weights[..., :past] @ _heads_first(past_v) + weights[..., past:] @ _heads_first(v)
    x = x.permute(0, 3, 1, 2, 4).reshape(b, t, heads * dim)  # [B, T, H*Dh], heads in upstream's order
    return self.out_proj(x)
