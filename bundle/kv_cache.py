"""Cache backends that make upstream attention stateful through explicit tensors.

Upstream `StreamingMultiheadAttention` delegates its cache handling to a backend object
(`_LinearKVCacheBackend`) that writes into a preallocated, NaN-filled buffer at a data-dependent
offset. That cannot be exported as a functional graph, so during export each attention module gets
one of these backends instead: past keys/values arrive as graph inputs, the new ones are
concatenated, and the state leaves the graph as outputs. Everything else (projections, RoPE,
masking, SDPA) is upstream's own code.

Two state layouts:
- head-major `[B, H, N, Dh]`, the whole (windowed) present state out (Mimi's decoder: the output
  replaces the input);
- positions-major `[B, N, H, Dh]` (upstream's k/v layout before its permute; the voice files' too),
  only the new rows `[B, T, H, Dh]` out (the flow LM: the caller appends them to its state, so a
  step never returns the whole cache).
"""

import torch


class ExplicitKVCache:
    """Past K/V in, present K/V out; positions start at `offset` (the past's first new position).

    `window` keeps only the last `window` positions in the present state (Mimi's attention
    context minus one is exactly what future queries can still see); None keeps everything.
    `offset_from_past` derives the absolute offset from the past length (flow LM: the cache
    always starts at position 0), otherwise the state carries an explicit `offset` tensor.
    `append_only`: positions-major past in, only the new rows out (`present_k` / `present_v` are
    then [B, T, H, Dh]); `keys_k` always holds every key, head-major [B, H, N+T, Dh].
    """

    requires_state = True

    def __init__(self, window: int | None, offset_from_past: bool, append_only: bool = False):
        if append_only and window is not None:
            raise ValueError("an append-only cache keeps every position (window must be None)")
        self.window = window
        self.offset_from_past = offset_from_past
        self.append_only = append_only
        self.positions_axis = 1 if append_only else 2

    def _offset(self, state: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.offset_from_past:
            past = state["past_k"]
            return past.new_zeros((), dtype=torch.long) + past.shape[self.positions_axis]
        return state["offset"].view(-1)[0]

    def increment_step(self, state: dict[str, torch.Tensor], increment: int) -> None:
        """Offsets move inside the graph; nothing to do here."""

    def rope_offset(self, state, batch_size, device) -> torch.Tensor:
        return self._offset(state)

    def append_and_get(self, k: torch.Tensor, v: torch.Tensor, state: dict[str, torch.Tensor]):
        offset = self._offset(state)
        past_k, past_v = state["past_k"], state["past_v"]
        if self.append_only:  # k, v: [B, T, H, Dh], like the past
            k_all = torch.cat([past_k, k], dim=1).permute(0, 2, 1, 3)
            v_all = torch.cat([past_v, v], dim=1).permute(0, 2, 1, 3)
        else:
            k_all = torch.cat([past_k, k.permute(0, 2, 1, 3)], dim=2)
            v_all = torch.cat([past_v, v.permute(0, 2, 1, 3)], dim=2)
        state["keys_k"] = k_all
        first_position = offset - past_k.shape[self.positions_axis]
        pos_k = torch.arange(k_all.shape[2], device=k.device, dtype=torch.long) + first_position
        pos_k = pos_k.view(1, -1).expand(k_all.shape[0], -1)
        if self.append_only:
            state["present_k"], state["present_v"] = k, v
        elif self.window is None:
            state["present_k"], state["present_v"] = k_all, v_all
        else:
            state["present_k"] = k_all[:, :, -self.window :]
            state["present_v"] = v_all[:, :, -self.window :]
        return k_all, v_all, pos_k, offset.view(1).expand(k_all.shape[0])
