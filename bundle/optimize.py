"""Graph optimization: onnxsim simplification, then onnxruntime quantization (int8 or fp16).

int8 is onnxruntime's dynamic quantization of MatMul weights only (per-tensor, signed): Gemm
quantization transposes shared weights in place and corrupts them, and convolutions are where
quantization damages audio most, so both stay fp32. fp16 converts weights and keeps fp32 I/O.
"""

from __future__ import annotations

import logging
from pathlib import Path

import onnx

logger = logging.getLogger(__name__)

QUANTIZATION_MODES = ("int8", "fp16", "none")


def simplify(path: Path) -> bool:
    """Simplify the model at `path` in place with onnxsim; False (and untouched) if onnxsim fails."""
    import onnxsim

    model = onnx.load(str(path))
    try:
        simplified, ok = onnxsim.simplify(model, check_n=0)
    except Exception as error:  # onnxsim raises plain exceptions on unsupported patterns
        logger.warning("onnxsim could not simplify %s: %s", path.name, error)
        return False
    if not ok:
        logger.warning("onnxsim check failed for %s; keeping the unsimplified graph", path.name)
        return False
    onnx.save(simplified, str(path))
    return True


def quantize(source: Path, destination: Path, mode: str) -> None:
    """Write a `mode`-quantized copy of `source` to `destination`."""
    if mode == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(source),
            str(destination),
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            per_channel=False,
            extra_options={"MatMulConstBOnly": True},
        )
    elif mode == "fp16":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        model = convert_float_to_float16(onnx.load(str(source)), keep_io_types=True)
        onnx.save(model, str(destination))
    else:
        raise ValueError(f"unknown quantization mode {mode!r}; choose from {QUANTIZATION_MODES}")
