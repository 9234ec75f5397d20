"""SNR of the int8 bundle's speech against the fp32 bundle's, through py_core's engine (temperature 0).

Random weights amplify small errors through the AR feedback (each latent is fed back), so the SNR is
given over the whole utterance and over its first second.

    python bench/int8_snr.py            # tiny and full pairs from build/bundles/
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
from pathlib import Path

import numpy as np

from bundle.parity import Ours, compare

REPO = Path(__file__).resolve().parent.parent

TEXTS = ["Hello world, this is a short test.", "The old lighthouse keeper climbed the stairs at dusk."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", nargs="+", default=["tiny-int8:tiny-fp32", "full-int8:full-fp32"])
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/int8-vs-fp32.json")
    args = parser.parse_args()
    rows = []
    for pair in args.pairs:
        int8_name, fp32_name = pair.split(":")
        sides = [Ours(REPO / "build/bundles" / name) for name in (fp32_name, int8_name)]
        for voice in ("aurora", "basil"):
            for text in TEXTS:
                audio = []
                for ours in sides:
                    state = asyncio.run(ours.kv_voice(voice))
                    audio.append(ours.generate(text, state, temperature=0.0, eos_threshold=1e9)[0])
                whole = compare(*audio)[1]
                first = compare(audio[0][:24000], audio[1][:24000])[1]
                rows.append(
                    {
                        "int8": int8_name,
                        "fp32": fp32_name,
                        "voice": voice,
                        "text": text,
                        "seconds": len(audio[0]) / 24000,
                        "snr_db": round(whole, 2),
                        "first_second_snr_db": round(first, 2),
                    }
                )
                print(json.dumps(rows[-1]))
    summary = {}
    for pair in args.pairs:
        mine = [r for r in rows if f"{r['int8']}:{r['fp32']}" == pair]
        summary[pair] = {
            "median_snr_db": float(np.median([r["snr_db"] for r in mine])),
            "median_first_second_snr_db": float(np.median([r["first_second_snr_db"] for r in mine])),
        }
    report = {
        "command": "python "
        + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO), *sys.argv[1:]]),
        "summary": summary,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
