"""A per-frame graph in each weight format onnxruntime offers, for `graph_kernels.mjs`.

From one fp32 graph (`flow_lm_kv.onnx`, the flow-LM step, by default; a `--quantize none` build of
the same weights), writes build/step-formats/<form>/<its name> for:

- `fp32`: the graph as is (4x the download: a bound, not a candidate);
- `int8`: what bundles ship (`bundle.optimize.quantize`, dynamic int8, per-tensor signed weights);
- `int8-per-channel`: the same with one weight scale per output column;
- `u8u8`: dynamic quantization with unsigned weights (onnxruntime's U8U8 kernels);
- `wo-int8`: weight-only int8, one scale per output column, stored as `Cast(int8) * scale`, which
  onnxruntime constant-folds at session creation: the int8 download, fp32 MatMuls.

With `--bundle-variant SRC DEST`, also writes DEST: a copy of bundle SRC whose `flow_lm_kv.onnx`
is the weight-only int8 form (manifest bytes and sha256 updated; the other files hard-linked), for
timing the app with it (bench/bench_browser.mjs on a copy of dist/).

It prints, per form, the file size and the SNR of the graph's first output (the step's `hidden`)
against fp32 (onnxruntime in CPython, the same zero-ish inputs as graph_kernels.mjs: 250 past
positions, the decoder's window full; and random ones). Writes the table to `--out` as JSON.

    python bench/step_formats.py --fp32 build/bundles/full-fp32/flow_lm_kv.onnx \
        --out bench/results/step-formats-session13.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from bundle import optimize

FORMS = ("fp32", "int8", "int8-per-channel", "u8u8", "wo-int8")
DECODER_WINDOW = 249  # the decoder's attention window full (context 250 - 1), as graph_kernels.mjs feeds it


def store_int8_weights(source: Path, destination: Path) -> int:
    """Write `source` with every constant MatMul weight as int8 + per-column scale; the count."""
    model = onnx.load(str(source))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    weights = {n.input[1] for n in graph.node if n.op_type == "MatMul" and n.input[1] in initializers}
    for name in sorted(weights):
        values = numpy_helper.to_array(initializers[name]).astype(np.float32)
        if values.ndim != 2:
            continue
        quantized, scale = optimize.symmetric_int8(values, axis=0)  # one scale per output column
        graph.initializer.remove(initializers[name])
        graph.initializer.extend(
            [
                numpy_helper.from_array(quantized, f"{name}_int8"),
                numpy_helper.from_array(scale, f"{name}_scale"),
            ]
        )
        cast = helper.make_node("Cast", [f"{name}_int8"], [f"{name}_float"], to=onnx.TensorProto.FLOAT)
        graph.node.insert(0, helper.make_node("Mul", [f"{name}_float", f"{name}_scale"], [name]))
        graph.node.insert(0, cast)
    onnx.save(model, str(destination))
    return len(weights)


def write_form(form: str, fp32: Path, destination: Path) -> None:
    """Write `fp32` in `form` to `destination`."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if form == "fp32":
        shutil.copyfile(fp32, destination)
    elif form == "int8":
        optimize.quantize(fp32, destination, "int8")
    elif form in ("int8-per-channel", "u8u8"):
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(fp32),
            str(destination),
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QUInt8 if form == "u8u8" else QuantType.QInt8,
            per_channel=form == "int8-per-channel",
            extra_options={"MatMulConstBOnly": True},
        )
    elif form == "wo-int8":
        store_int8_weights(fp32, destination)
    else:
        raise ValueError(form)


def write_bundle_variant(source: Path, destination: Path, step_graph: Path) -> None:
    """A copy of bundle `source` at `destination` with `step_graph` as its flow_lm_kv.onnx."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, copy_function=os.link)
    target = destination / "flow_lm_kv.onnx"
    target.unlink()
    shutil.copyfile(step_graph, target)
    manifest_path = destination / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    data = target.read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == "flow_lm_kv.onnx":
            entry["bytes"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    manifest_path.unlink()  # a hard link to the source's: write a file of its own
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def feeds(session: ort.InferenceSession, past: int, rng: np.random.Generator | None) -> dict:
    """One step's inputs: `past` positions, no conditioning; zero-ish (sin) or random values."""
    result = {}
    for node in session.get_inputs():
        sizes = {"past": past, "conditioning": 0, "window": DECODER_WINDOW}
        dims = [d if isinstance(d, int) else sizes.get(d, 1) for d in node.shape]
        size = int(np.prod(dims))
        if rng is None:
            values = np.sin(np.arange(size, dtype=np.float32)) * 0.1
        else:
            values = rng.standard_normal(size).astype(np.float32)
        result[node.name] = values.reshape(dims)
    return result


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    """Signal-to-noise ratio of `other` against `reference`, in dB."""
    noise = float(np.sum((reference - other) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(reference**2)) / noise)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fp32", type=Path, default=Path("build/bundles/full-fp32/flow_lm_kv.onnx"))
    parser.add_argument("--dir", type=Path, default=Path("build/step-formats"))
    parser.add_argument("--past", type=int, default=250)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--bundle-variant", type=Path, nargs=2, metavar=("SRC", "DEST"))
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    outputs: dict[str, list[np.ndarray]] = {}
    rows = []
    for form in FORMS:
        path = args.dir / form / args.fp32.name
        write_form(form, args.fp32, path)
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        inputs = [feeds(session, args.past, None)] + [
            feeds(session, args.past, np.random.default_rng(seed)) for seed in range(3)
        ]
        # the step's `hidden`, the flow head's `flow_dir`, the decoder's audio
        first_output = session.get_outputs()[0].name
        outputs[form] = [session.run([first_output], x)[0] for x in inputs]
        snrs = [snr_db(ref, out) for ref, out in zip(outputs["fp32"], outputs[form], strict=True)]
        row = {
            "form": form,
            "file": str(path),
            "mb": round(path.stat().st_size / 1e6, 2),
            "first_output_snr_db_vs_fp32": [round(float(s), 1) for s in snrs],
        }
        rows.append(row)
        snr_text = row["first_output_snr_db_vs_fp32"]
        print(f"{form:18s} {row['mb']:8.2f} MB   SNR vs fp32 (zero-ish, 3 random): {snr_text}")
    if args.bundle_variant:
        write_bundle_variant(*args.bundle_variant, args.dir / "wo-int8" / args.fp32.name)
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "command": (
                        f"python bench/step_formats.py --fp32 {args.fp32} --past {args.past} --out {args.out}"
                    ),
                    "what": (
                        f"{args.fp32.name} in each weight format; SNR of its first output against"
                        " the fp32 graph, onnxruntime CPython"
                    ),
                    "onnxruntime": ort.__version__,
                    "forms": rows,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
