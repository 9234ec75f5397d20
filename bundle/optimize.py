"""Graph optimization: onnxsim simplification, then onnxruntime quantization (int8 or fp16).

int8 is onnxruntime's dynamic quantization of MatMul weights only (per-tensor, signed): Gemm
quantization transposes shared weights in place and corrupts them, and convolutions are where
quantization damages audio most, so both stay fp32. fp16 converts weights and keeps fp32 I/O.
Embedding tables (a Gather from a float initializer: the text conditioner) become int8 rows with
one fp32 scale per row (`quantize_gather_tables`). The large weights int8 leaves fp32 (the
convolutions) are stored as fp16 and cast back once, when onnxruntime constant-folds the graph at
session creation (`store_fp16`): half the bytes, fp32 compute.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

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


def _is_row_lookup(node: onnx.NodeProto, table: str) -> bool:
    """Whether `node` is a Gather of rows (axis 0) from `table`."""
    axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
    return node.op_type == "Gather" and node.input[0] == table and axis == 0


def symmetric_int8(values: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """`values` as int8 with one fp32 scale per slice along `axis` (kept as a size-1 dimension).

    scale = max|slice| / 127 (1 for an all-zero slice), q = round(values / scale) in [-127, 127]:
    each value within scale / 2 of q * scale.
    """
    scale = np.abs(values).max(axis=axis, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    return np.clip(np.rint(values / scale), -127, 127).astype(np.int8), scale


def quantize_gather_tables(source: Path, destination: Path) -> int:
    """Write a copy of `source` whose Gather-from-fp32-table lookups read int8 rows; the count.

    Each 2-D fp32 initializer T that only Gathers read becomes `q` (int8) and `scale` (fp32 [V, 1]),
    symmetric per row: scale = max|row| / 127, q = round(row / scale). A lookup
    `Gather(T, ids)` becomes `Cast(Gather(q, ids), float) * Gather(scale, ids)`: a quarter of
    the bytes, and each looked-up value within scale / 2 of the original.
    """
    model = onnx.load(str(source))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    tables = [
        name
        for name, tensor in initializers.items()
        if tensor.data_type == onnx.TensorProto.FLOAT
        and len(tensor.dims) == 2
        and readers.get(name)
        and all(_is_row_lookup(n, name) for n in readers[name])
    ]
    for name in tables:
        table = numpy_helper.to_array(initializers[name]).astype(np.float32)
        quantized, scale = symmetric_int8(table, axis=1)
        graph.initializer.remove(initializers[name])
        graph.initializer.extend(
            [
                numpy_helper.from_array(quantized, f"{name}_int8"),
                numpy_helper.from_array(scale, f"{name}_scale"),
            ]
        )
        for node in readers[name]:
            ids, output = node.input[1], node.output[0]
            position = list(graph.node).index(node)
            graph.node.remove(node)
            replacement = [
                helper.make_node("Gather", [f"{name}_int8", ids], [f"{output}_int8"]),
                helper.make_node("Cast", [f"{output}_int8"], [f"{output}_float"], to=onnx.TensorProto.FLOAT),
                helper.make_node("Gather", [f"{name}_scale", ids], [f"{output}_scale"]),
                helper.make_node("Mul", [f"{output}_float", f"{output}_scale"], [output]),
            ]
            for offset, new in enumerate(replacement):
                graph.node.insert(position + offset, new)
    onnx.save(model, str(destination))
    return len(tables)


# Initializers at least this large (elements) are worth storing as fp16.
FP16_STORAGE_MIN_ELEMENTS = 1 << 14


def store_fp16(path: Path) -> int:
    """Store the large fp32 initializers of the model at `path` as fp16 + Cast, in place; the count.

    Each becomes an fp16 initializer and a `Cast` to float32 with the original name, so every
    reader sees the same fp32 tensor (rounded to fp16) and onnxruntime folds the Cast away at
    session creation.
    """
    model = onnx.load(str(path))
    graph = model.graph
    large = [
        t
        for t in graph.initializer
        if t.data_type == onnx.TensorProto.FLOAT and np.prod(t.dims) >= FP16_STORAGE_MIN_ELEMENTS
    ]
    for tensor in large:
        values = numpy_helper.to_array(tensor)
        graph.initializer.remove(tensor)
        graph.initializer.append(numpy_helper.from_array(values.astype(np.float16), f"{tensor.name}_fp16"))
        cast = helper.make_node("Cast", [f"{tensor.name}_fp16"], [tensor.name], to=onnx.TensorProto.FLOAT)
        graph.node.insert(0, cast)
    onnx.save(model, str(path))
    return len(large)
