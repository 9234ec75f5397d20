"""Streaming transposed convolutions exported as a MatMul plus an overlap-add (export only).

onnxruntime-web's WASM `ConvTranspose` is the decoder's slowest kernel; a MatMul is its fastest.
For upstream's `StreamingConvTranspose1d` with kernel K = 2·S (stride S, every transposed conv in
Mimi), each input step t writes K = 2·S output samples starting at t·S: a "head" (its first S
samples, at block t) and a "tail" (its last S, at block t+1). So, per block of S samples,

    y[t] = head[t] + tail[t-1] + bias,   tail[-1] = the streaming `partial` state,
    next partial = tail[T-1]             (the state upstream keeps, bias excluded).

head and tail for all steps at once are one MatMul of the kernel, reshaped to [C_out·K, C_in],
with the input [C_in, T] (depthwise convolutions: one broadcast Mul). The shift by one block is a
Concat with the state; no scatter, no in-place state copy. The exported graph is verified against
upstream's own module at build time (bundle/verify.py compares with the unpatched forward).
"""

from __future__ import annotations

import contextlib
import types

import torch
from pocket_tts.modules.conv import StreamingConvTranspose1d
from torch import nn


def overlap_add_forward(module: StreamingConvTranspose1d, x: torch.Tensor, model_state) -> torch.Tensor:
    """What `module.forward(x, model_state)` computes, as MatMul + overlap-add.

    x [B, C_in, T] → y [B, C_out, T·S]; replaces the module's `partial` entry in `model_state` with
    the next state (a new tensor, where upstream copies into the old one).
    """
    convtr = module.convtr
    stride, kernel = module._stride, module._kernel_size
    state = module.get_state(model_state)
    partial = state["partial"]  # [B, C_out, S]
    batch, c_in, steps = x.shape
    c_out, groups = convtr.out_channels, convtr.groups
    weight = convtr.weight  # [C_in, C_out / groups, K]
    if groups == 1:
        # [C_out·K, C_in] @ [B, C_in, T] → [B, C_out, 2, S, T]. The kernel as the first operand: the
        # int8 builder quantizes constant second operands only, and these stay fp32 (int8 here
        # costs the decoder's audio ~28 dB of SNR against fp32: docs/PERFORMANCE.md, session 12).
        kernel_matrix = weight.permute(1, 2, 0).reshape(c_out * kernel, c_in)
        blocks = torch.matmul(kernel_matrix, x).reshape(batch, c_out, 2, stride, steps)
        head, tail = blocks[:, :, 0], blocks[:, :, 1]  # [B, C_out, S, T]
        # Concatenated whole, then cut: `tail[..., :-1]` is empty for one step, and onnxruntime-web's
        # WebGPU Concat fails on an empty input ("non concat dimensions must match").
        shifted = torch.cat([partial.unsqueeze(-1), tail], dim=-1)[..., :-1]
        y = (head + shifted).transpose(-1, -2)  # [B, C_out, T, S]
        next_partial = tail[..., -1]
    else:  # depthwise: one kernel per channel
        blocks = x.unsqueeze(-1) * weight.reshape(1, c_in, 1, kernel)  # [B, C, T, K]
        head, tail = blocks[..., :stride], blocks[..., stride:]  # [B, C, T, S]
        shifted = torch.cat([partial.unsqueeze(2), tail], dim=2)[:, :, :-1]  # (no empty input: above)
        y = head + shifted
        next_partial = tail[:, :, -1]
    if convtr.bias is not None:
        y = y + convtr.bias.reshape(1, c_out, 1, 1)
    state["partial"] = next_partial
    return y.reshape(batch, c_out, steps * stride)


def supports_overlap_add(module: StreamingConvTranspose1d) -> bool:
    """Whether `overlap_add_forward` is exact for `module` (K = 2·S; dense or depthwise)."""
    convtr = module.convtr
    depthwise = convtr.groups == convtr.in_channels == convtr.out_channels
    return (
        module._kernel_size == 2 * module._stride
        and (convtr.groups == 1 or depthwise)
        and convtr.padding[0] == 0
        and convtr.output_padding[0] == 0
        and convtr.dilation[0] == 1
    )


@contextlib.contextmanager
def overlap_add_conv_transposes(module: nn.Module):
    """Inside: every supported StreamingConvTranspose1d under `module` runs `overlap_add_forward`."""
    patched = [
        m for m in module.modules() if isinstance(m, StreamingConvTranspose1d) and supports_overlap_add(m)
    ]
    for m in patched:
        m.forward = types.MethodType(overlap_add_forward, m)
    try:
        yield
    finally:
        for m in patched:
            del m.forward
