"""The one benchmark command: upstream PyTorch, py_core + onnxruntime in CPython, and the built app in
headless Chromium, side by side in one run on one machine, rounds interleaved.

Same text (bench/text.json), same full-size synthetic english weights, temperature 0, and EOS that
never fires (native: threshold 1e9; the synthetic model's EOS stays quiet at its default threshold),
so every configuration generates the same frames. Per configuration: × real time, time to first
audio, and a per-frame profile (milliseconds per frame in each graph, and the rest: Python/Pyodide
and the JS bridge). For the browser also page open → ready (cold, then with the model cached) and
the model. Writes bench/results/perf-full.json and docs/performance-profile.png.

    npm run bench                      # = python bench/bench_all.py (builds the app first)
    python bench/bench_all.py --rounds 3 --browser-configs wasm-1t,wasm-2t,wasm-1t-inline

Needs the int8 bundle in public/models/english-synthetic-full (python scripts/build_bundle.py
--synthetic full); the browser runs use dist/ (npm run build). Measured, never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEXT = json.loads((REPO / "bench" / "text.json").read_text())["text"]
SAMPLE_RATE = 24000
SAMPLES_PER_FRAME = 1920


class TimedRuntime:
    """Wraps a Runtime and adds up the wall time of each graph's `run` calls (the per-frame profile)."""

    def __init__(self, runtime):
        self._runtime = runtime
        self.timings: dict[str, list[float]] = {}

    def __getattr__(self, name):
        return getattr(self._runtime, name)

    async def run(self, graph, inputs):
        started = time.perf_counter()
        try:
            return await self._runtime.run(graph, inputs)
        finally:
            calls_ms = self.timings.setdefault(graph, [0, 0.0])
            calls_ms[0] += 1
            calls_ms[1] += 1000 * (time.perf_counter() - started)


def upstream_runner(bundle: Path, voice: str):
    """Upstream TTSModel (torch, 1 intra-op thread, its own decode thread) on the bundle's weights."""
    import torch
    from pocket_tts import TTSModel

    torch.set_num_threads(1)
    model = TTSModel.load_model(config=str(bundle / "source" / "config.yaml"), temp=0.0, eos_threshold=1e9)
    state = model.get_state_for_audio_prompt(bundle / "voices" / f"{voice}.safetensors")

    def run(text: str) -> dict:
        start = time.perf_counter()
        first, samples = None, 0
        for chunk in model.generate_audio_stream(state, text):
            if first is None:
                first = time.perf_counter() - start
            samples += chunk.shape[-1]
        return {"elapsed_s": time.perf_counter() - start, "first_audio_s": first, "samples": samples}

    return run


def ours_runner(bundle: Path, voice: str, threads: int, overlap: bool):
    """py_core.engine on OrtRuntime (`threads` intra-op threads; overlap: decoder on its own thread)."""
    from py_core.engine import DecodePolicy, Finished, Settings
    from py_core.ort_runtime import open_bundle
    from py_core.rng import NoiseSource

    opened = open_bundle(bundle, threads=threads, offload=overlap, wrap=TimedRuntime)
    engine, runtime = opened.engine, opened.engine.runtime
    state = asyncio.run(opened.voice_state(voice))
    settings = Settings.from_manifest(opened.manifest, temperature=0.0, eos_threshold=1e9)
    policy = DecodePolicy(overlap=overlap)

    def run(text: str) -> dict:
        async def go():
            async for event in engine.generate(text, state, settings, noise=NoiseSource(0), policy=policy):
                if isinstance(event, Finished):
                    return event

        runtime.timings.clear()
        start = time.perf_counter()
        done = asyncio.run(go())
        graphs = {g: {"calls": c, "ms_per_frame": ms / done.frames} for g, (c, ms) in runtime.timings.items()}
        return {
            "elapsed_s": time.perf_counter() - start,
            "first_audio_s": done.first_audio_seconds,
            "samples": done.samples,
            "graphs": graphs,
        }

    return run


def browser_round(configs: list[str], model: str, root: Path, dist: Path) -> tuple[list[dict], str]:
    """One round of the browser configurations (bench/bench_browser.mjs, a fresh Chromium) on the
    app built in checkout `root` (its `dist` folder)."""
    done = subprocess.run(
        ["node", "bench/bench_browser.mjs", "--model", model, "--rounds", "1", "--root", str(root)]
        + ["--dist", str(dist), "--configs", ",".join(configs)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"bench_browser.mjs failed ({done.returncode})")
    report = json.loads(done.stdout)
    return report["runs"], report["chromium"]


def summarize(name: str, runs: list[dict]) -> dict:
    """Medians over the rounds; the per-frame profile of the median run."""
    audio = {round(r["samples"] / SAMPLE_RATE, 3) for r in runs}
    frames = runs[0]["samples"] // SAMPLES_PER_FRAME
    speeds = [r["samples"] / SAMPLE_RATE / r["elapsed_s"] for r in runs]
    median = sorted(runs, key=lambda r: r["elapsed_s"])[len(runs) // 2]
    summary = {
        "config": name,
        "audio_s": sorted(audio),
        "frames": frames,
        "x_real_time_median": round(statistics.median(speeds), 3),
        "x_real_time_all": [round(s, 3) for s in speeds],
        "first_audio_ms_median": round(1000 * statistics.median(r["first_audio_s"] for r in runs), 1),
        "ms_per_frame_median": round(1000 * median["elapsed_s"] / frames, 2),
    }
    if "graphs" in median:
        summary["graphs_ms_per_frame"] = {g: round(v["ms_per_frame"], 2) for g, v in median["graphs"].items()}
    per_run = ("ready_s", "ready_cached_s", "underruns")  # every run's value; the others: the median run's
    for key in (*per_run, "threads", "parallel_decoder"):
        if key in median:
            summary[key] = [r[key] for r in runs] if key in per_run else median[key]
    return summary


def plot(results: list[dict], path: Path) -> bool:
    """A stacked bar per configuration: milliseconds per frame in each graph and the rest.

    Returns False (and says so) where matplotlib is not installed: the results file stands alone.
    """
    try:
        import matplotlib
    except ImportError:
        print("no plot: matplotlib is not installed (pip install -e '.[bench]')")
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = ["flow_lm_prefill", "flow_lm_step", "flow_lm_flow", "mimi_decoder", "text_conditioner"]
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(results) + 1.5))
    for row, r in enumerate(results):
        left = 0.0
        graphs = r.get("graphs_ms_per_frame", {})
        overlapped = r.get("parallel_decoder") or "overlapped" in r["config"]
        for part in parts:
            width = graphs.get(part, 0.0)
            if part == "mimi_decoder" and overlapped:
                continue  # runs on another core, hidden behind the next steps: drawn apart below
            ax.barh(row, width, left=left, color=f"C{parts.index(part)}", label=part if row == 0 else None)
            left += width
        rest = max(0.0, r["ms_per_frame_median"] - left)
        label = "rest (Python, bridge, waits)" if row == 0 else None
        ax.barh(row, rest, left=left, color="0.75", label=label)
        if overlapped and "mimi_decoder" in graphs:
            ax.plot([0, graphs["mimi_decoder"]], [row + 0.42] * 2, color="C3", linewidth=3)
    ax.axvline(80, color="k", linestyle="--", linewidth=1)
    ax.text(80.5, len(results) - 0.5, "80 ms = real time", fontsize=8)
    ax.set_yticks(range(len(results)), [r["config"] for r in results], fontsize=8)
    ax.set_xlabel("milliseconds per 80 ms frame (median run); a line above a bar: decoder on another core")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "public/models/english-synthetic-full")
    parser.add_argument("--voice", default=None, help="default: the bundle's default voice")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--browser-configs", default="wasm-1t,wasm-2t,wasm-1t-inline,wasm-2t-inline")
    parser.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout with its own built dist/ and bundle (an earlier commit): its browser "
        "configurations run in the same rounds, labelled 'before'",
    )
    parser.add_argument("--before-configs", default="wasm-1t,wasm-2t")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/perf-full.json")
    parser.add_argument("--plot", type=Path, default=REPO / "docs/performance-profile.png")
    args = parser.parse_args()
    manifest = json.loads((args.bundle / "manifest.json").read_text())
    voice = args.voice or manifest["default_voice"]
    model = f"{args.bundle.name}/"
    if not args.no_build:
        subprocess.run(["npm", "run", "build"], cwd=REPO, check=True, capture_output=True)
    # A copy of the built site: a test run that rebuilds dist/ meanwhile cannot disturb the benchmark.
    bench_dist = REPO / "build" / "bench-dist"
    shutil.rmtree(bench_dist, ignore_errors=True)
    shutil.copytree(REPO / "dist", bench_dist)

    native = {
        "upstream torch, 1 thread (+ its decode thread)": lambda: upstream_runner(args.bundle, voice),
        "py_core + ORT int8, 1 thread": lambda: ours_runner(args.bundle, voice, 1, False),
        "py_core + ORT int8, 1 thread, decoder overlapped": lambda: ours_runner(args.bundle, voice, 1, True),
    }
    runners = {name: make() for name, make in native.items()}
    for run in runners.values():  # warm-up: first-call allocations, lazy initialization
        run("Warm up.")
    browser_configs = args.browser_configs.split(",") if args.browser_configs else []
    load_before = os.getloadavg()
    samples: dict[str, list[dict]] = {name: [] for name in runners}
    chromium = None
    for round_index in range(args.rounds):
        for name, run in runners.items():
            result = run(TEXT)
            samples[name].append(result)
            speed = result["samples"] / SAMPLE_RATE / result["elapsed_s"]
            print(f"round {round_index + 1}: {name}: {speed:.2f}x real time", file=sys.stderr)
        rounds_of_browsers = [("browser", REPO, bench_dist, browser_configs)]
        if args.before:
            before = ("before: browser", args.before, args.before / "dist", args.before_configs.split(","))
            rounds_of_browsers.insert(0, before)
        for label, root, dist, configs in rounds_of_browsers:
            if not configs:
                continue
            runs, chromium = browser_round(configs, model, root, dist)
            for r in runs:
                key = f"{label} {r['config']}"
                samples.setdefault(key, []).append(
                    {
                        "elapsed_s": r["elapsed_s"],
                        "first_audio_s": r["first_audio_ms"] / 1000,
                        "samples": round(r["audio_s"] * SAMPLE_RATE),
                        "graphs": r["graphs"],
                        "ready_s": r["ready_s"],
                        "ready_cached_s": r.get("ready_cached_s"),  # absent before it existed
                        "underruns": r.get("underruns"),
                        "threads": r["threads"],
                        "parallel_decoder": bool(r.get("parallel_decoder")),  # absent before it existed
                    }
                )
    results = [summarize(name, runs) for name, runs in samples.items()]
    lengths = {tuple(r["audio_s"]) for r in results}
    if len(lengths) != 1:
        print(f"warning: configurations generated different lengths: {lengths}", file=sys.stderr)
    upstream = results[0]["x_real_time_median"]
    for r in results:
        r["vs_upstream"] = round(r["x_real_time_median"] / upstream, 3)

    import onnxruntime
    import torch

    report = {
        "command": "python "
        + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO), *sys.argv[1:]]),
        "text": TEXT,
        "voice": voice,
        "bundle": os.path.relpath(args.bundle, REPO),
        "settings": "temperature 0; EOS never fires: every configuration generates every frame of the budget",
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
            "chromium": chromium,
            "onnxruntime-web": json.loads((REPO / "node_modules/onnxruntime-web/package.json").read_text())[
                "version"
            ],
        },
        "rounds": args.rounds,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    plotted = plot(results, args.plot)
    for r in results:
        print(
            f"{r['config']:<52} {r['x_real_time_median']:6.2f}x real time"
            f" ({r['vs_upstream']:.2f} of upstream)"
            f"  first audio {r['first_audio_ms_median']:7.1f} ms  {r['ms_per_frame_median']:6.1f} ms/frame"
            + (f"  underruns {r['underruns']}" if r.get("underruns") else "")
        )
    written = [args.out] + ([args.plot] if plotted else [])
    print("wrote " + " and ".join(os.path.relpath(path, REPO) for path in written))


if __name__ == "__main__":
    main()
