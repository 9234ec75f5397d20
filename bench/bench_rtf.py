"""Real-time factor and time to first audio: upstream PyTorch against py_core + OrtRuntime, side by side.

One process, the same text, voice and weights, configurations interleaved round by round (so machine
noise hits all of them alike); medians over the rounds. Temperature 0 and an EOS threshold that never
fires, so every configuration generates exactly the same number of frames.

    python bench/bench_rtf.py                          # full int8 + fp32 bundles from build/bundles/
    python bench/bench_rtf.py --rounds 5 --out bench/results/rtf-full.json

Bundles: python scripts/build_bundle.py --synthetic full --out build/bundles/full-int8
         python scripts/build_bundle.py --synthetic full --quantize none --out build/bundles/full-fp32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEXT = (
    "The old lighthouse keeper climbed the stairs every evening at dusk. "
    "He polished the great lens until it shone, then lit the lamp and watched the ships. "
    "Nobody in the village remembered a night when the light had failed."
)


def upstream_runner(bundle: Path, voice: str):
    """Upstream TTSModel (torch, 1 intra-op thread, its own decode thread) on the bundle's weights."""
    import torch
    from pocket_tts import TTSModel

    torch.set_num_threads(1)
    model = TTSModel.load_model(config=str(bundle / "source" / "config.yaml"), temp=0.0, eos_threshold=1e9)
    state = model.get_state_for_audio_prompt(bundle / "voices" / f"{voice}.safetensors")

    def run(text: str) -> tuple[float, float, int]:
        start = time.perf_counter()
        first, samples = None, 0
        for chunk in model.generate_audio_stream(state, text):
            if first is None:
                first = time.perf_counter() - start
            samples += chunk.shape[-1]
        return time.perf_counter() - start, first, samples

    return run


def ours_runner(bundle: Path, voice: str, threads: int, overlap: bool):
    """py_core.engine on OrtRuntime with `threads` intra-op threads (overlap: decoder in parallel)."""
    from py_core import tokenizer
    from py_core.engine import DecodePolicy, Engine, Finished, Settings
    from py_core.ort_runtime import OrtRuntime, read_manifest, read_verified
    from py_core.rng import NoiseSource
    from py_core.voices import load_voice

    manifest = read_manifest(bundle)
    runtime = OrtRuntime(bundle, manifest, threads=threads, offload=overlap)
    engine = Engine(
        runtime, manifest, tokenizer.load(read_verified(bundle, manifest, "tokenizer.pocket.json"))
    )
    entry = next(v for v in manifest["voices"] if v["name"] == voice)
    state = asyncio.run(
        engine.voice_state(load_voice(read_verified(bundle, manifest, entry["file"])), key=voice)
    )
    settings = Settings.from_manifest(manifest, temperature=0.0, eos_threshold=1e9)
    policy = DecodePolicy(overlap=overlap)

    def run(text: str) -> tuple[float, float, int]:
        async def go():
            async for event in engine.generate(text, state, settings, noise=NoiseSource(0), policy=policy):
                if isinstance(event, Finished):
                    return event

        start = time.perf_counter()
        done = asyncio.run(go())
        return time.perf_counter() - start, done.first_audio_seconds, done.samples

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--int8", type=Path, default=REPO / "build/bundles/full-int8")
    parser.add_argument("--fp32", type=Path, default=REPO / "build/bundles/full-fp32")
    parser.add_argument("--voice", default="aurora")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/rtf-full.json")
    args = parser.parse_args()

    configs = {
        "upstream torch (1 thread + decode thread), fp32": lambda: upstream_runner(args.fp32, args.voice),
        "py_core + ORT int8, 1 thread": lambda: ours_runner(args.int8, args.voice, 1, False),
        "py_core + ORT int8, 2 threads": lambda: ours_runner(args.int8, args.voice, 2, False),
        "py_core + ORT int8, 1 thread, decode overlapped": lambda: ours_runner(
            args.int8, args.voice, 1, True
        ),
        "py_core + ORT fp32, 1 thread": lambda: ours_runner(args.fp32, args.voice, 1, False),
        "py_core + ORT fp32, 2 threads": lambda: ours_runner(args.fp32, args.voice, 2, False),
    }
    runners = {name: make() for name, make in configs.items()}
    for run in runners.values():  # warm-up: first-call allocations, lazy initialization
        run("Warm up.")
    load_before = os.getloadavg()
    samples = {name: [] for name in runners}
    for round_index in range(args.rounds):
        for name, run in runners.items():
            wall, first, n = run(TEXT)
            samples[name].append({"wall_s": wall, "first_audio_s": first, "audio_s": n / 24000})
            print(
                f"round {round_index + 1}: {name}: {n / 24000 / wall:.2f}x real time, "
                f"first audio {first * 1000:.0f} ms",
                file=sys.stderr,
            )
    results = []
    for name, runs in samples.items():
        audio = runs[0]["audio_s"]
        assert all(r["audio_s"] == audio for r in runs)
        results.append(
            {
                "config": name,
                "audio_s": round(audio, 3),
                "x_real_time_median": round(statistics.median(audio / r["wall_s"] for r in runs), 3),
                "first_audio_ms_median": round(1000 * statistics.median(r["first_audio_s"] for r in runs), 1),
                "runs": runs,
            }
        )
    frames = {r["audio_s"] for r in results}
    assert len(frames) == 1, f"configurations generated different lengths: {frames}"

    import onnxruntime
    import torch

    report = {
        "command": "python "
        + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO), *sys.argv[1:]]),
        "text": TEXT,
        "voice": args.voice,
        "settings": "temperature 0, EOS never fires (1e9): both sides generate every frame of the budget",
        "bundles": {"int8": str(args.int8.relative_to(REPO)), "fp32": str(args.fp32.relative_to(REPO))},
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "rounds": args.rounds,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        print(
            f"{r['config']:<50} {r['x_real_time_median']:6.2f}x real time   first audio "
            f"{r['first_audio_ms_median']:7.1f} ms"
        )
    print(f"wrote {args.out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
