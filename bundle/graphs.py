"""Export wrappers: one small nn.Module per graph, each calling upstream pocket_tts modules.

The wrappers only decide what crosses the graph boundary. Model math stays upstream's: the flow LM's
NaN→BOS mapping, backbone and heads, the LUT conditioner, the flow head, Mimi's quantizer,
upsampler, transformer and SEANet. Stateful modules get their state from explicit tensors:
Mimi's attention through `ExplicitKVCache`, the flow LM's through `appended_kv_attention` (the
same attention function, computed without copying the past: bundle/appended_attention.py),
convolutions through state dicts built from the inputs (upstream updates those dicts in place; the
wrapper returns the updated tensors).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch
from pocket_tts import TTSModel
from pocket_tts.modules import attention as upstream_attention
from pocket_tts.modules.attention import StreamingMultiheadAttention
from pocket_tts.modules.conv import StreamingConv1d, StreamingConvTranspose1d
from torch import nn

from bundle.appended_attention import appended_kv_attention
from bundle.kv_cache import ExplicitKVCache


@contextlib.contextmanager
def uncached_causal_masks():
    """Upstream memoizes stateless causal masks behind torch.compiler.disable; export can't trace that.

    Inside this context the stateless path builds its mask with upstream's own
    `_build_attention_mask`, which gives identical masks without the cache.
    """
    original = upstream_attention._cached_causal_mask

    def build(t: int, context: int | None, device: torch.device) -> torch.Tensor:
        pos = torch.arange(t, device=device, dtype=torch.long).view(1, -1)
        return upstream_attention._build_attention_mask(pos, pos, context)

    upstream_attention._cached_causal_mask = build
    import pocket_tts.modules.transformer as upstream_transformer

    upstream_transformer._cached_causal_mask = build
    try:
        yield
    finally:
        upstream_attention._cached_causal_mask = original
        upstream_transformer._cached_causal_mask = original


@contextlib.contextmanager
def explicit_kv_caches(module: nn.Module, window: int):
    """Swap every attention cache backend under `module` for an ExplicitKVCache, then restore."""
    attentions = [m for m in module.modules() if isinstance(m, StreamingMultiheadAttention)]
    originals = [m._cache_backend for m in attentions]
    for m in attentions:
        m._cache_backend = ExplicitKVCache(window=window)
    try:
        yield
    finally:
        for m, backend in zip(attentions, originals, strict=True):
            m._cache_backend = backend


@dataclass(frozen=True)
class StateSpec:
    """One state tensor carried between calls: graph input `name`, graph output `next_name`.

    `update`: "replace" (the output is the next call's input) or "append" (the output holds only
    new rows, appended to the input along axis 1 for the next call).
    """

    name: str
    next_name: str
    shape: tuple[int, ...]  # initial shape; a 0 marks the growing (dynamic) axis
    dtype: str  # "float32" | "int64"
    update: str = "replace"


def next_state(state: StateSpec, past, output):
    """The next call's input for `state` from this call's input `past` and its output (numpy)."""
    if state.update == "append":
        return np.concatenate([past, output], axis=1)
    return output


def _attention_names(module: nn.Module) -> list[str]:
    return [name for name, m in module.named_modules() if isinstance(m, StreamingMultiheadAttention)]


class TextConditioner(nn.Module):
    """token_ids int64 [1,T] → text_embeddings [1,T,D] (upstream LUTConditioner)."""

    def __init__(self, model: TTSModel):
        super().__init__()
        self.conditioner = model.flow_lm.conditioner

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        return self.conditioner(token_ids)


class FlowLMMain(nn.Module):
    """Stateless reference: whole [conditioning; latents] sequence → last hidden, EOS logit."""

    def __init__(self, model: TTSModel):
        super().__init__()
        self.flow_lm = model.flow_lm

    def forward(self, sequence: torch.Tensor, text_embeddings: torch.Tensor):
        flow_lm = self.flow_lm
        sequence = torch.where(torch.isnan(sequence), flow_lm.bos_emb, sequence)
        out = flow_lm.backbone(flow_lm.input_linear(sequence), text_embeddings, sequence, model_state=None)
        hidden = out[:, -1].to(torch.float32)
        return hidden, flow_lm.out_eos(hidden)


class FlowLMKV(nn.Module):
    """Prefill and step in one graph (one copy of the 75 M weights).

    Inputs: conditioning [1,T,D] (voice prompt or text embeddings; T may be 0), latent [1,S,32]
    (NaN = BOS; S may be 0), and past_k_i / past_v_i [1,N,H,Dh] per layer (positions-major).
    Outputs: hidden [1,D] and eos_logit [1,1] for the last position, and only the new rows
    new_k_i / new_v_i [1,T+S,H,Dh]: the caller appends them to the past (state update "append"),
    so a step never returns the whole cache. Positions continue from N, so the cache must start at
    position 0 (it always does). The attention reads the past where it lies
    (bundle/appended_attention.py).
    With `timestamp_heads` ((layer, head) pairs), a last output `timestamp_logits` [1,heads,N+T+S]:
    each head's q·k/√Dh of the last position over every key (pocket-tts-timestamped's capture,
    before its softmax over the text positions).
    """

    def __init__(self, model: TTSModel, timestamp_heads: tuple[tuple[int, int], ...] = ()):
        super().__init__()
        self.flow_lm = model.flow_lm
        self.attention_names = _attention_names(self.flow_lm)
        self.timestamp_heads = tuple(timestamp_heads)

    def state_specs(self) -> list[StateSpec]:
        t = self.flow_lm.transformer
        attn = t.layers[0].self_attn
        shape = (1, 0, attn.num_kv_heads, attn.dim_per_head)
        specs = []
        for i in range(len(t.layers)):
            specs.append(StateSpec(f"past_k_{i}", f"new_k_{i}", shape, "float32", "append"))
            specs.append(StateSpec(f"past_v_{i}", f"new_v_{i}", shape, "float32", "append"))
        return specs

    def forward(self, conditioning: torch.Tensor, latent: torch.Tensor, *past: torch.Tensor):
        flow_lm = self.flow_lm
        state = {
            name: {"past_k": past[2 * i], "past_v": past[2 * i + 1]}
            for i, name in enumerate(self.attention_names)
        }
        sequence = torch.where(torch.isnan(latent), flow_lm.bos_emb, latent)
        x = torch.cat([conditioning, flow_lm.input_linear(sequence)], dim=1)
        with appended_kv_attention(flow_lm):
            out = flow_lm.transformer(x, state)
        out = flow_lm.out_norm(out)[:, -1]
        if flow_lm.z_proj is not None:
            out = flow_lm.z_proj(out)
        hidden = out.to(torch.float32)
        presents = []
        for name in self.attention_names:
            presents += [state[name]["present_k"], state[name]["present_v"]]
        if not self.timestamp_heads:
            return (hidden, flow_lm.out_eos(hidden), *presents)
        return (hidden, flow_lm.out_eos(hidden), *presents, self._timestamp_logits(state))

    def _timestamp_logits(self, state: dict) -> torch.Tensor:
        """[1, heads, keys]: the selected heads' scaled dot products of the last query with every key."""
        attn = self.flow_lm.transformer.layers[0].self_attn
        group = attn.num_heads // attn.num_kv_heads
        rows = []
        for layer, head in self.timestamp_heads:
            layer_state = state[self.attention_names[layer]]
            query = layer_state["queries"][head // group, head % group, -1]  # [Dh], already over √Dh
            keys = torch.cat([keys[:, head // group] for keys in layer_state["keys"]])  # [keys, Dh]
            rows.append((keys @ query.unsqueeze(-1)).squeeze(-1))  # 2-D: WebGPU's MatMul takes no vector
        return torch.stack(rows).unsqueeze(0)


class FlowLMFlow(nn.Module):
    """Sampler head: c [1,Z], s [1,1], t [1,1], x [1,ldim] → flow direction [1,ldim] (lsd).

    `c` is the flow LM's `hidden` (Z = z_dim where the model projects its output, else d_model).
    Heads without time conditions (upstream's `pointwise` and `drifting` samplers) take c and x
    only: the output is the head's value for the noise x, which the sampler adds to x (pointwise)
    or takes as the latent (drifting).
    """

    def __init__(self, model: TTSModel):
        super().__init__()
        self.flow_net = model.flow_lm.flow_net
        self.time_conditioned = self.flow_net.num_time_conds > 0

    def input_names(self) -> list[str]:
        return ["c", "s", "t", "x"] if self.time_conditioned else ["c", "x"]

    def forward(self, c: torch.Tensor, *args: torch.Tensor):
        return self.flow_net(c, *args)


class LatentToMimi(nn.Module):
    """Normalized latents [1,n,32] → de-normalized, quantizer-projected [1,C,n] (the decoder's input)."""

    def __init__(self, model: TTSModel):
        super().__init__()
        self.flow_lm = model.flow_lm
        self.quantizer = model.mimi.quantizer

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        z = latent * self.flow_lm.emb_std + self.flow_lm.emb_mean
        return self.quantizer(z.transpose(-1, -2))


class MimiDecoder(nn.Module):
    """Streaming Mimi decoder: normalized latents [1,n,32] + state → audio [1,1,1920n] + next state.

    `LatentToMimi` runs first inside the same graph: one call per decode instead of two, and the
    whole decode can run on another thread as a single request.

    State: every streaming conv's `previous`, every transposed conv's `partial`, and per attention
    layer the last `context - 1` keys/values (all a future query can see), plus one shared
    absolute `offset` (RoPE and mask positions, +16 per frame). Start from zeros / empty per chunk.
    """

    def __init__(self, model: TTSModel):
        super().__init__()
        self.to_mimi = LatentToMimi(model)
        self.mimi = model.mimi
        self.context = self.mimi.decoder_transformer.transformer.context
        self.steps_per_frame = int(self.mimi.encoder_frame_rate / self.mimi.frame_rate)
        self.conv_states: list[tuple[str, str, tuple[int, ...]]] = []
        for name, m in self.mimi.named_modules():
            if not (name.startswith("decoder") or name.startswith("upsample")):
                continue
            if isinstance(m, StreamingConv1d):
                prev = m.init_state(1, 0)["previous"]
                self.conv_states.append((name, "previous", tuple(prev.shape)))
            elif isinstance(m, StreamingConvTranspose1d):
                partial = m.init_state(1, 0)["partial"]
                self.conv_states.append((name, "partial", tuple(partial.shape)))
        self.attention_names = _attention_names(self.mimi.decoder_transformer)

    def state_specs(self) -> list[StateSpec]:
        specs = [StateSpec("offset", "next_offset", (1,), "int64")]
        for name, key, shape in self.conv_states:
            flat = f"{name}.{key}"
            specs.append(StateSpec(flat, f"next.{flat}", shape, "float32"))
        attn = self.mimi.decoder_transformer.transformer.layers[0].self_attn
        shape = (1, attn.num_kv_heads, 0, attn.dim_per_head)
        for i in range(len(self.attention_names)):
            specs.append(StateSpec(f"attn_k_{i}", f"next.attn_k_{i}", shape, "float32"))
            specs.append(StateSpec(f"attn_v_{i}", f"next.attn_v_{i}", shape, "float32"))
        return specs

    def forward(self, latent: torch.Tensor, offset: torch.Tensor, *states: torch.Tensor):
        mimi_latent = self.to_mimi(latent)
        n_conv = len(self.conv_states)
        model_state: dict[str, dict[str, torch.Tensor]] = {}
        for (name, key, _), tensor in zip(self.conv_states, states[:n_conv], strict=True):
            model_state[name] = {key: tensor.clone()}
        attn_states = states[n_conv:]
        for i, name in enumerate(self.attention_names):
            model_state[f"decoder_transformer.{name}"] = {
                "past_k": attn_states[2 * i],
                "past_v": attn_states[2 * i + 1],
                "offset": offset,
            }
        emb = self.mimi._to_encoder_framerate(mimi_latent, model_state)
        (emb,) = self.mimi.decoder_transformer(emb, model_state)
        audio = self.mimi.decoder(emb, model_state)
        next_offset = offset + mimi_latent.shape[-1] * self.steps_per_frame
        outputs = [model_state[name][key] for name, key, _ in self.conv_states]
        for name in self.attention_names:
            s = model_state[f"decoder_transformer.{name}"]
            outputs += [s["present_k"], s["present_v"]]
        return (audio, next_offset, *outputs)


class MimiEncoder(nn.Module):
    """Prompt audio [1,1,1920k] (24 kHz mono, padded to whole frames) → voice conditioning.

    Upstream `get_state_for_audio_prompt` after audio preparation: Mimi encode to latents, the
    speaker projection (no normalization), and `bos_before_voice` prepended where the model has
    it. Output [1,k(+1),D] is ready to prefill the flow LM.
    """

    def __init__(self, model: TTSModel):
        super().__init__()
        self.mimi = model.mimi
        self.flow_lm = model.flow_lm
        self.encode_audio = model._encode_audio

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        prompt = self.encode_audio(audio)
        if self.flow_lm.insert_bos_before_voice:
            prompt = torch.cat([self.flow_lm.bos_before_voice, prompt], dim=1)
        return prompt
