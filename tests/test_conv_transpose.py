"""The decoder's transposed convolutions as MatMul + overlap-add (bundle/conv_transpose.py) against
upstream's StreamingConvTranspose1d, streaming several calls of different lengths with its state:
the same audio blocks and the same `partial` state after every call, dense and depthwise, with
and without bias, and with Mimi's strides."""

from __future__ import annotations

import pytest
import torch
from pocket_tts.modules.conv import StreamingConvTranspose1d

from bundle.conv_transpose import overlap_add_conv_transposes, overlap_add_forward, supports_overlap_add


def _module(
    c_in: int, c_out: int, stride: int, groups: int, bias: bool, seed: int
) -> StreamingConvTranspose1d:
    torch.manual_seed(seed)
    module = StreamingConvTranspose1d(c_in, c_out, 2 * stride, stride, groups=groups, bias=bias)
    with torch.no_grad():
        module.convtr.weight.normal_()
        if bias:
            module.convtr.bias.normal_()
    module._module_absolute_name = "convtr"
    return module


@pytest.mark.parametrize(
    ("c_in", "c_out", "stride", "groups", "bias"),
    [
        (16, 8, 6, 1, True),
        (8, 4, 5, 1, True),
        (8, 4, 4, 1, False),
        (12, 12, 16, 12, False),
        (6, 6, 3, 6, True),
    ],
    ids=["dense-s6", "dense-s5", "dense-s4-nobias", "depthwise-s16", "depthwise-s3-bias"],
)
def test_overlap_add_matches_upstream_streaming(c_in, c_out, stride, groups, bias):
    module = _module(c_in, c_out, stride, groups, bias, seed=stride)
    assert supports_overlap_add(module)
    upstream_state = {"convtr": module.init_state(1, 0)}
    ours_state = {"convtr": module.init_state(1, 0)}
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for steps in (1, 3, 1, 7, 2):
            x = torch.randn(1, c_in, steps, generator=generator)
            expected = module(x, upstream_state)
            actual = overlap_add_forward(module, x, ours_state)
            assert actual.shape == expected.shape == (1, c_out, steps * stride)
            torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(ours_state["convtr"]["partial"], upstream_state["convtr"]["partial"])


def test_context_patches_only_inside_and_only_supported_modules():
    exact = _module(4, 4, 2, 1, True, seed=1)
    other = StreamingConvTranspose1d(4, 4, 3, 2)  # K = 3 ≠ 2·S: left to upstream
    parent = torch.nn.ModuleList([exact, other])
    assert not supports_overlap_add(other)
    with overlap_add_conv_transposes(parent):
        assert exact.forward.__func__ is overlap_add_forward
        assert "forward" not in vars(other)
    assert "forward" not in vars(exact)
