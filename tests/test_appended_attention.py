"""The flow LM graph's attention over an appended past (bundle/appended_attention.py) against
upstream's own streaming attention (its linear KV cache backend), in PyTorch: the same hidden
states, EOS logits and K/V rows, for a prefill of several rows (the causal mask among new rows)
and the single-latent steps after it, with and without grouped-query attention."""

from __future__ import annotations

import pytest
import torch
from pocket_tts.modules.stateful_module import increment_steps, init_states

from bundle import model_source
from bundle.graphs import FlowLMKV


@pytest.fixture(
    scope="module",
    params=[("english", "tiny"), ("english_2m_2026-10", "full"), ("english_7m_2026-10", "full")],
    ids=["tiny", "2m-gqa-1-kv-head", "7m-gqa-2-kv-heads"],
)
def loaded(request, tmp_path_factory):
    language, size = request.param
    _, base = model_source.read_config(language, None)
    source_dir = tmp_path_factory.mktemp(language)
    return model_source.build_synthetic(language, base, size, seed=3, source_dir=source_dir)


class _QueryRecorder(torch.nn.Module):
    """Upstream's RoPE module, keeping the rotated queries [B, T, H, Dh] of one layer."""

    def __init__(self, rope: torch.nn.Module, layer: int, queries: dict[int, torch.Tensor]):
        super().__init__()
        self.rope, self.layer, self.queries = rope, layer, queries

    def forward(self, q, k, offset):
        q, k = self.rope(q, k, offset=offset)
        self.queries[self.layer] = q
        return q, k


def _upstream_hidden(flow_lm, x: torch.Tensor, state) -> tuple[torch.Tensor, torch.Tensor]:
    """Upstream's transformer on `x` with its own cache, then the graph's heads (FlowLMKV.forward)."""
    out = flow_lm.out_norm(flow_lm.transformer(x, state))[:, -1]
    if flow_lm.z_proj is not None:
        out = flow_lm.z_proj(out)
    increment_steps(flow_lm, state, x.shape[1])
    return out, flow_lm.out_eos(out)


@torch.no_grad()
def test_prefill_and_steps_equal_upstreams_streaming_attention(loaded):
    flow_lm = loaded.model.flow_lm
    graph = FlowLMKV(loaded.model, loaded.timestamp_heads)
    attention = flow_lm.transformer.layers[0].self_attn
    generator = torch.Generator().manual_seed(0)
    state = init_states(flow_lm, batch_size=1, sequence_length=64)
    empty = torch.zeros(1, 0, attention.num_kv_heads, attention.dim_per_head)
    past = [empty] * (2 * len(graph.attention_names))

    # A prefill of conditioning rows plus a BOS latent, then single-latent steps.
    bos = torch.full((1, 1, flow_lm.ldim), float("nan"))
    calls = [(torch.randn(1, 9, flow_lm.dim, generator=generator), bos)]
    no_conditioning = torch.zeros(1, 0, flow_lm.dim)
    calls += [(no_conditioning, torch.randn(1, 1, flow_lm.ldim, generator=generator)) for _ in range(6)]
    for conditioning, latent in calls:
        sequence = torch.where(torch.isnan(latent), flow_lm.bos_emb, latent)
        expected_hidden, expected_eos = _upstream_hidden(
            flow_lm, torch.cat([conditioning, flow_lm.input_linear(sequence)], dim=1), state
        )
        hidden, eos, *rows = graph(conditioning, latent, *past)
        new_rows, timestamp_logits = rows[: len(past)], rows[len(past) :]
        torch.testing.assert_close(hidden, expected_hidden, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(eos, expected_eos, rtol=1e-5, atol=1e-5)
        past = [torch.cat([p, r], dim=1) for p, r in zip(past, new_rows, strict=True)]
        assert len(timestamp_logits) == (1 if loaded.timestamp_heads else 0)

    # The appended rows are upstream's cache, positions-major [1, N, H_kv, Dh].
    for i, name in enumerate(graph.attention_names):
        cache, filled = state[name]["cache"], past[2 * i].shape[1]
        torch.testing.assert_close(past[2 * i], cache[0, :, :filled], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(past[2 * i + 1], cache[1, :, :filled], rtol=1e-5, atol=1e-5)


@torch.no_grad()
def test_timestamp_logits_are_the_last_querys_scaled_dot_products(loaded):
    """Each selected head's row: the last query (after RoPE) against every key, over √Dh."""
    if not loaded.timestamp_heads:
        pytest.skip("this config has no timestamp heads")
    flow_lm = loaded.model.flow_lm
    graph = FlowLMKV(loaded.model, loaded.timestamp_heads)
    attention = flow_lm.transformer.layers[0].self_attn
    group = attention.num_heads // attention.num_kv_heads
    generator = torch.Generator().manual_seed(1)
    past = [torch.randn(1, 5, attention.num_kv_heads, attention.dim_per_head, generator=generator)]
    past = past * (2 * len(graph.attention_names))
    conditioning = torch.randn(1, 3, flow_lm.dim, generator=generator)
    latent = torch.randn(1, 1, flow_lm.ldim, generator=generator)

    queries = {}
    layers = {layer for layer, _ in loaded.timestamp_heads}
    for layer in layers:  # record each layer's rotated queries (upstream's RoPE, maybe shared by layers)
        attn = flow_lm.transformer.layers[layer].self_attn
        attn.rope = _QueryRecorder(attn.rope, layer, queries)
    try:
        _, _, *outputs = graph(conditioning, latent, *past)
    finally:
        for layer in layers:
            attn = flow_lm.transformer.layers[layer].self_attn
            attn.rope = attn.rope.rope
    new_rows, logits = outputs[:-1], outputs[-1]
    assert logits.shape == (1, len(loaded.timestamp_heads), 5 + 3 + 1)
    for index, (layer, head) in enumerate(loaded.timestamp_heads):
        keys = torch.cat([past[2 * layer], new_rows[2 * layer]], dim=1)[0, :, head // group]  # [keys, Dh]
        expected = keys @ queries[layer][0, -1, head] / attention.dim_per_head**0.5
        torch.testing.assert_close(logits[0, index], expected, rtol=1e-5, atol=1e-5)
