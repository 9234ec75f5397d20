"""Embedding tables as int8 rows with a per-row scale (bundle/optimize.py `quantize_gather_tables`):
the rewritten lookup returns every row within half its scale of the fp32 row, for any ids
(repeated, empty), in a quarter of the bytes; a table that something other than a row lookup
reads is left alone. Large fp32 weights stored as fp16 + Cast: half the bytes, fp32 I/O."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from bundle.optimize import FP16_STORAGE_MIN_ELEMENTS, quantize_gather_tables, store_fp16


def _lookup_model(table: np.ndarray, also_added: bool = False) -> onnx.ModelProto:
    nodes = [helper.make_node("Gather", ["table", "ids"], ["rows"])]
    outputs = [helper.make_tensor_value_info("rows", TensorProto.FLOAT, [1, None, table.shape[1]])]
    if also_added:  # a second reader that is not a lookup
        nodes.append(helper.make_node("Add", ["table", "table"], ["doubled"]))
        outputs.append(helper.make_tensor_value_info("doubled", TensorProto.FLOAT, list(table.shape)))
    graph = helper.make_graph(
        nodes,
        "lookup",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, None])],
        outputs,
        [numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    return model


def test_int8_rows_stay_within_half_a_step_of_fp32(tmp_path):
    rng = np.random.default_rng(0)
    table = (rng.standard_normal((300, 64)) * rng.uniform(0.01, 3, (300, 1))).astype(np.float32)
    table[7] = 0.0  # an all-zero row must not divide by zero
    source, destination = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(_lookup_model(table), str(source))
    assert quantize_gather_tables(source, destination) == 1
    assert destination.stat().st_size < source.stat().st_size / 3.5
    session = ort.InferenceSession(str(destination), providers=["CPUExecutionProvider"])
    for ids in ([[0, 7, 7, 299, 150]], np.zeros((1, 0), np.int64)):
        ids = np.asarray(ids, np.int64)
        (rows,) = session.run(None, {"ids": ids})
        expected = table[ids[0]][None]
        assert rows.shape == expected.shape
        half_step = np.abs(expected).max(axis=-1, keepdims=True) / 127 / 2
        assert np.all(np.abs(rows - expected) <= half_step * (1 + 1e-5) + 1e-12)
    (zero_row,) = session.run(None, {"ids": np.array([[7]], np.int64)})
    assert not zero_row.any()


def test_table_read_by_other_nodes_is_left_fp32(tmp_path):
    table = np.ones((4, 3), np.float32)
    source, destination = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(_lookup_model(table, also_added=True), str(source))
    assert quantize_gather_tables(source, destination) == 0
    assert numpy_helper.to_array(onnx.load(str(destination)).graph.initializer[0]).dtype == np.float32


def test_fp16_storage_halves_large_weights_and_keeps_the_graph_fp32(tmp_path):
    rng = np.random.default_rng(1)
    table = rng.standard_normal((FP16_STORAGE_MIN_ELEMENTS // 64, 64)).astype(np.float32)
    small = rng.standard_normal((4, 64)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "small"], ["y"]),
            helper.make_node("MatMul", ["table", "y"], ["z"]),
        ],
        "two",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [table.shape[0], 64])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(small, "small")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    before = path.stat().st_size
    x = rng.standard_normal((64, 4)).astype(np.float32)
    assert store_fp16(path) == 1  # the small one stays fp32
    assert path.stat().st_size < before * 0.55
    kinds = {t.name: t.data_type for t in onnx.load(str(path)).graph.initializer}
    assert kinds == {"table_fp16": TensorProto.FLOAT16, "small": TensorProto.FLOAT}
    (z,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    rounded = table.astype(np.float16).astype(np.float32)
    np.testing.assert_allclose(z, rounded @ (x @ small), rtol=1e-4, atol=1e-4)
