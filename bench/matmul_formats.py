"""Weight formats for onnxruntime-web's WASM MatMul kernels, on a flow-LM-sized stack of MatMuls.

Makes three versions of the same random 6-layer MatMul stack (1024 wide, 4096 inner: the full
flow LM's MatMul weights, 75 M parameters) in build/matmul-formats/:

- fp32.onnx: plain MatMul;
- dyn_int8.onnx: onnxruntime's `quantize_dynamic` (what the bundle builder uses: DynamicQuantizeLinear
  + MatMulInteger, activations quantized on the fly);
- wo_int8.onnx: weight-only int8 (per output channel): each weight is `DequantizeLinear(int8)` of an
  initializer. onnxruntime folds those into fp32 weights at session creation when the session option
  `session.disable_quant_qdq` is 1: int8 download, fp32 compute.

Then time them with `node bench/matmul_formats.mjs` (onnxruntime-web in Node, one thread).
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

OUT = Path(__file__).resolve().parent.parent / "build" / "matmul-formats"
D, F, LAYERS = 1024, 4096, 6


def mlp() -> onnx.ModelProto:
    """Per layer: four D×D MatMuls of the input and a D→F→D pair, summed (the shapes of one step)."""
    rng = np.random.default_rng(0)
    nodes, weights, x = [], [], "x"
    for layer in range(LAYERS):
        for j, (rows, cols) in enumerate([(D, D), (D, D), (D, D), (D, D), (D, F), (F, D)]):
            name = f"w{layer}_{j}"
            weights.append(
                numpy_helper.from_array((rng.standard_normal((rows, cols)) / rows**0.5).astype("f4"), name)
            )
            source = f"h{layer}_4" if j == 5 else x
            nodes.append(helper.make_node("MatMul", [source, name], [f"h{layer}_{j}"]))
        nodes.append(helper.make_node("Add", [f"h{layer}_5", f"h{layer}_3"], [f"s{layer}"]))
        x = f"s{layer}"
    value = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 1, D])  # noqa: E731
    graph = helper.make_graph(nodes, "mlp", [value("x")], [value(x)], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    return model


def weight_only_int8(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every initializer W becomes DequantizeLinear(round(W / s), s, 0) with per-column scales s."""
    graph = model.graph
    dequantize, initializers = [], []
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        scale = (np.abs(w).max(axis=0) / 127).astype(np.float32)
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        initializers += [
            numpy_helper.from_array(q, f"{init.name}_q"),
            numpy_helper.from_array(scale, f"{init.name}_scale"),
            numpy_helper.from_array(np.zeros(w.shape[1], np.int8), f"{init.name}_zero"),
        ]
        inputs = [f"{init.name}_q", f"{init.name}_scale", f"{init.name}_zero"]
        dequantize.append(helper.make_node("DequantizeLinear", inputs, [init.name], axis=1))
    nodes = list(graph.node)
    del graph.initializer[:], graph.node[:]
    graph.initializer.extend(initializers)
    graph.node.extend(dequantize + nodes)
    return model


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    model = mlp()
    onnx.save(model, OUT / "fp32.onnx")
    quantize_dynamic(
        OUT / "fp32.onnx", OUT / "dyn_int8.onnx", weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"]
    )
    onnx.save(weight_only_int8(model), OUT / "wo_int8.onnx")
    for name in ("fp32", "dyn_int8", "wo_int8"):
        print(f"{name}.onnx: {(OUT / f'{name}.onnx').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
