"""What the int8 text table costs: the text conditioner with int8 rows (per-row scale) against fp32.

1. Table: every token id through both `text_conditioner.onnx` graphs: max abs error and SNR.
2. Utterance: the same bundle with each text conditioner (a copy of the bundle with the fp32 graph
   swapped in, its manifest entry updated), `python -m py_core synth` at temperature 0 on the same
   text: the audio's SNR and max abs difference (int8 table against fp32 table, all else equal).

    python bench/text_table_snr.py --bundle /work/graphs-models/full-after \\
        --fp32-table /work/main/public/models/english-synthetic-full/text_conditioner.onnx \\
        > bench/results/text-table-int8.json

The fp32 graph must come from the same weights (the same model and --seed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

TEXT = "The lighthouse keeper climbed the stairs at dusk, counting each step as the fog rolled in."


def _snr_db(reference: np.ndarray, candidate: np.ndarray) -> float:
    noise = float(((reference.astype(np.float64) - candidate) ** 2).sum())
    return (
        math.inf if noise == 0 else 10 * math.log10(float((reference.astype(np.float64) ** 2).sum()) / noise)
    )


def table_errors(int8_graph: Path, fp32_graph: Path) -> dict:
    """Every row (token id) through both graphs: worst absolute error and SNR."""
    table = max(onnx.load(str(fp32_graph)).graph.initializer, key=lambda t: np.prod(t.dims))
    ids = np.arange(table.dims[0], dtype=np.int64)[None]
    reference, candidate = (
        ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"]).run(None, {"token_ids": ids})[0]
        for graph in (fp32_graph, int8_graph)
    )
    return {
        "rows_compared": int(table.dims[0]),
        "max_abs_error": float(np.abs(reference - candidate).max()),
        "max_abs_value": float(np.abs(reference).max()),
        "snr_db": round(_snr_db(reference, candidate), 2),
    }


def _synth(bundle: Path, out: Path) -> np.ndarray:
    command = [sys.executable, "-m", "py_core", "synth", "--bundle", str(bundle), "--text", TEXT]
    command += ["--temperature", "0", "--seed", "0", "--threads", "1", "-q", "--out", str(out)]
    subprocess.run(command, check=True)
    with wave.open(str(out)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float64) / 32768


def utterance(bundle: Path, fp32_graph: Path) -> dict:
    """The bundle's audio with its own text conditioner against the same with the fp32 one."""
    with tempfile.TemporaryDirectory() as tmp:
        swapped = Path(tmp) / "fp32-table"
        shutil.copytree(bundle, swapped, ignore=shutil.ignore_patterns("flow_lm_main.onnx", "source"))
        shutil.copyfile(fp32_graph, swapped / "text_conditioner.onnx")
        manifest = json.loads((swapped / "manifest.json").read_text())
        data = (swapped / "text_conditioner.onnx").read_bytes()
        for entry in manifest["files"]:
            if entry["path"] == "text_conditioner.onnx":
                entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        (swapped / "manifest.json").write_text(json.dumps(manifest))
        reference = _synth(swapped, Path(tmp) / "fp32.wav")
        candidate = _synth(bundle, Path(tmp) / "int8.wav")
    samples = min(len(reference), len(candidate))
    return {
        "text": TEXT,
        "settings": "py_core synth, temperature 0, seed 0, 1 thread",
        "samples": [len(reference), len(candidate)],
        "audio_snr_db": round(_snr_db(reference[:samples], candidate[:samples]), 2),
        "audio_max_abs_difference": float(np.abs(reference[:samples] - candidate[:samples]).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, required=True, help="a bundle whose text table is int8")
    parser.add_argument(
        "--fp32-table", type=Path, required=True, help="text_conditioner.onnx with the fp32 table"
    )
    args = parser.parse_args()
    report = {
        "command": " ".join(["python bench/text_table_snr.py", *sys.argv[1:]]),
        "table": table_errors(args.bundle / "text_conditioner.onnx", args.fp32_table),
        "utterance": utterance(args.bundle, args.fp32_table),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
