"""The full-size Mimi decoder graph exported with and without the export-time reformulations.

Builds `mimi_decoder.onnx` of the full-size synthetic English model (seed 0) twice, as the bundle
builder does (export → verify against PyTorch → simplify → re-verify → int8 → SNR vs fp32):

- before/: upstream's modules exported as they are (no export context);
- after/:  with the graph spec's `export_context` (bundle/conv_transpose.py: ConvTranspose1d as
  MatMul + overlap-add).

Both are verified against upstream's unpatched modules. Then time them side by side with
`node bench/graph_kernels.mjs` (onnxruntime-web in Node, one thread, per-kernel profile).

    python bench/decoder_graphs.py            # → build/decoder-levers/{before,after}/
    python bench/decoder_graphs.py after:try2 # only the reformulated graph, into .../try2/
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from bundle import export, model_source, optimize, verify
from py_core.manifest import Graph

OUT = Path(__file__).resolve().parent.parent / "build" / "decoder-levers"


def _audio(spec: export.GraphSpec, path: Path) -> list:
    """The `audio` output of every call of the verifier's decoder stream, run by the graph at `path`."""
    session = verify.session(path)
    streams = verify.run_streams(spec, lambda inputs: session.run(spec.output_names, inputs))
    return [[call[:1] for call in stream] for stream in streams]


def build_variant(spec: export.GraphSpec, folder: Path) -> dict:
    """Export, verify, simplify and quantize `spec` into `folder`; the parity record."""
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "mimi_decoder.fp32.onnx"
    export.export_graph(spec, fp32)
    optimize.simplify(fp32)
    parity = verify.verify_graph(spec, fp32)
    final = folder / "mimi_decoder.onnx"
    optimize.quantize(fp32, final, "int8")
    quantized = verify.verify_graph(spec, final, tolerance=None)
    audio = verify.compare(*(_audio(spec, path) for path in (fp32, final)))
    return {
        "int8_audio_snr_db_vs_fp32_graph": round(audio.snr_db, 2),
        "fp32_max_abs_vs_torch": parity.max_abs,
        "fp32_max_rel_vs_torch": parity.max_rel,
        "int8_snr_db_vs_torch": round(quantized.snr_db, 2),
        "int8_bytes": final.stat().st_size,
    }


def main() -> None:
    language, base = model_source.read_config("english", None)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = model_source.build_synthetic(language, base, "full", seed=0, source_dir=Path(tmp))
    spec = next(s for s in export.graph_specs(loaded.model) if s.name == Graph.MIMI_DECODER)
    variants = {"before": dataclasses.replace(spec, export_context=contextlib.nullcontext), "after": spec}
    wanted = [arg.split(":") for arg in sys.argv[1:]] or [["before"], ["after"]]
    report = {}
    for variant, *folder in wanted:
        name = folder[0] if folder else variant
        report[name] = build_variant(variants[variant], OUT / name)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
