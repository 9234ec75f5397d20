"""Cache backend that makes upstream attention stateful through explicit tensors (Mimi's decoder).

Upstream `StreamingMultiheadAttention` delegates its cache handling to a backend object
(`_LinearKVCacheBackend`) that writes into a preallocated, NaN-filled buffer at a data-dependent
offset. That cannot be exported as a functional graph, so during export each attention module gets
this backend instead: past keys/values arrive as graph inputs head-major [B, H, N, Dh], the new
ones are concatenated, and the (windowed) present state leaves the graph as outputs that replace the
inputs. Everything else (projections, RoPE, masking, SDPA) is upstream's own code. The flow LM's
attention, whose past only grows, uses bundle.appended_attention instead.
"""

import torch


class ExplicitKVCache:
    """Past K/V in, present K/V out; the state's `offset` tensor is the first new row's position.

    `window`: the present state keeps only the last `window` positions (Mimi's attention context
    minus one is exactly what future queries can still see).
    """

    requires_state = True

    def __init__(self, window: int):
        self.window = window

    def _offset(self, state: dict[str, torch.Tensor]) -> torch.Tensor:
        return state["offset"].view(-1)[0]

    def increment_step(self, state: dict[str, torch.Tensor], increment: int) -> None:
        """Offsets move inside the graph; nothing to do here."""

    def rope_offset(self, state, batch_size, device) -> torch.Tensor:
        return self._offset(state)

    def append_and_get(self, k: torch.Tensor, v: torch.Tensor, state: dict[str, torch.Tensor]):
        offset = self._offset(state)
        past_k, past_v = state["past_k"], state["past_v"]
        k_all = torch.cat([past_k, k.permute(0, 2, 1, 3)], dim=2)
        v_all = torch.cat([past_v, v.permute(0, 2, 1, 3)], dim=2)
        first_position = offset - past_k.shape[2]
        pos_k = torch.arange(k_all.shape[2], device=k.device, dtype=torch.long) + first_position
        pos_k = pos_k.view(1, -1).expand(k_all.shape[0], -1)
        state["present_k"] = k_all[:, :, -self.window :]
        state["present_v"] = v_all[:, :, -self.window :]
        return k_all, v_all, pos_k, offset.view(1).expand(k_all.shape[0])
