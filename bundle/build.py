"""`python scripts/build_bundle.py`: checkpoint → verified, simplified, quantized static bundle.

Stages: load the upstream model (local weights, the hub, or synthetic) → export each graph →
verify it against PyTorch → simplify (onnxsim) → re-verify → quantize → measure → write the
tokenizer, the voices, manifest.json and models/index.json → print a summary table.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bundle import export, manifest, model_source, optimize, tokenizer_export, utterance, verify, voices
from py_core import manifest as pm
from py_core import tokenizer as py_tokenizer
from py_core.manifest import ExportedGraph, Graph
from py_core.text import MAX_TOKEN_PER_CHUNK, text_config_from_dict

logger = logging.getLogger("build_bundle")

DEFAULT_MODELS_ROOT = model_source.REPO_ROOT / "public" / "models"
# Graphs whose MatMul weights are worth quantizing (the others are lookups, convolutions or tiny).
QUANTIZABLE = (ExportedGraph.FLOW_LM_KV, Graph.FLOW_LM_FLOW, Graph.MIMI_DECODER, Graph.MIMI_ENCODER)
# Graphs that are embedding lookups: with --quantize int8, their tables become int8 rows with a
# per-row scale (optimize.quantize_gather_tables).
EMBEDDING_TABLES = (Graph.TEXT_CONDITIONER,)
# A quantized graph whose outputs fall below this SNR against PyTorch stays fp32.
MIN_QUANTIZED_SNR_DB = 20.0
CHECK_FRAMES = 24
CHECK_TEXT = "Hello world. This sentence checks the bundle."
SYNTHETIC_WARNING = "random weights: noise, not speech"
# Upstream 4.0.1's generation loop: EOS is not armed before frame 6; each chunk fades in over 5 ms
# (torch.linspace over sample_rate // 200 samples).
MIN_FRAMES_BEFORE_EOS = 6
FADE_IN_MS = 5
LICENSE = (
    'Model weights: CC-BY-4.0, Kyutai (attribute "Kyutai Pocket TTS"). '
    "Code: pocket-tts (MIT) and this project."
)


@dataclass
class GraphResult:
    spec: export.GraphSpec
    fp32_bytes: int
    final_bytes: int
    quantization: str
    parity: verify.Parity
    quantized_parity: verify.Parity | None
    simplified: bool
    note: str = ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python scripts/build_bundle.py",
        description=(
            "Turn a Pocket TTS checkpoint into a model bundle for static hosting: ONNX graphs "
            "verified against PyTorch, simplified and quantized, plus the tokenizer, the voices "
            "and a manifest. With no options it downloads the default English model from the "
            "upstream hub (network needed) and writes public/models/english/."
        ),
        epilog=(
            "Examples:\n"
            "  python scripts/build_bundle.py                       # real English model from the hub\n"
            "  python scripts/build_bundle.py --weights ./checkpoint/ # local weights, no network\n"
            "  python scripts/build_bundle.py --synthetic tiny      # small random model for tests\n"
            "  python scripts/build_bundle.py --synthetic full      # real size, random weights\n"
            "Then serve the app (npm run dev) and pick the model."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--language",
        help="upstream config name (default: english). "
        f"One of: {', '.join(model_source.available_languages())}",
    )
    which.add_argument("--config", type=Path, help="a Pocket TTS config YAML instead of --language")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--weights",
        type=Path,
        help="local weights: a .safetensors file or a folder holding one (no download)",
    )
    source.add_argument(
        "--synthetic",
        choices=model_source.SYNTHETIC_SIZES,
        help="seeded random weights: 'tiny' (tests, seconds) or 'full' (real size, benchmarks). "
        "Makes noise, not speech.",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --synthetic weights (default 0)")
    parser.add_argument(
        "--quantize",
        choices=optimize.QUANTIZATION_MODES,
        default="int8",
        help="weight quantization (default int8: dynamic int8 MatMul weights)",
    )
    parser.add_argument(
        "--voices",
        default="all",
        help="comma-separated voice names, 'all' (default) or 'none' (voice cloning only). Real models: "
        "voices from an embeddings/ or voices/ folder next to --weights, else from the hub.",
    )
    parser.add_argument("--out", type=Path, help="output folder (default public/models/<model id>/)")
    parser.add_argument("--no-simplify", action="store_true", help="skip onnxsim (debugging)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def _load_model(args: argparse.Namespace, staging: Path) -> model_source.LoadedModel:
    language, config = model_source.read_config(args.language, args.config)
    if args.synthetic:
        return model_source.build_synthetic(language, config, args.synthetic, args.seed, staging)
    return model_source.load_real(language, config, args.weights, staging)


def _build_graph(spec: export.GraphSpec, out_dir: Path, fp32_dir: Path, args, bar) -> GraphResult:
    fp32_path = fp32_dir / spec.file
    bar.set_postfix_str(f"{spec.name}: export")
    export.export_graph(spec, fp32_path)
    bar.set_postfix_str(f"{spec.name}: verify")
    verify.verify_graph(spec, fp32_path)
    simplified = False
    if not args.no_simplify:
        bar.set_postfix_str(f"{spec.name}: simplify")
        simplified = optimize.simplify(fp32_path)
    bar.set_postfix_str(f"{spec.name}: re-verify")
    parity = verify.verify_graph(spec, fp32_path)
    final_path = out_dir / spec.file
    quantization, quantized_parity, note = "none", None, ""
    tables = args.quantize == "int8" and spec.name in EMBEDDING_TABLES
    if (args.quantize != "none" and spec.name in QUANTIZABLE) or tables:
        bar.set_postfix_str(f"{spec.name}: quantize {args.quantize}")
        if tables:
            optimize.quantize_gather_tables(fp32_path, final_path)
        else:
            optimize.quantize(fp32_path, final_path, args.quantize)
            if args.quantize == "int8":
                optimize.store_fp16(final_path)  # what int8 left fp32: the convolutions
        quantized_parity = verify.verify_graph(spec, final_path, tolerance=None)
        if quantized_parity.snr_db >= MIN_QUANTIZED_SNR_DB:
            quantization = args.quantize
        else:
            note = (
                f"kept fp32: {args.quantize} gave {quantized_parity.snr_db:.1f} dB "
                f"(< {MIN_QUANTIZED_SNR_DB} dB)"
            )
    if quantization == "none":
        shutil.copyfile(fp32_path, final_path)
    return GraphResult(
        spec,
        fp32_path.stat().st_size,
        final_path.stat().st_size,
        quantization,
        parity,
        quantized_parity,
        simplified,
        note,
    )


def _utterance_checks(
    specs, fp32_dir: Path, out_dir: Path, tok, d_model: int, sampler: str, quantized: bool
) -> dict:
    """KV path vs stateless main over a whole utterance, and quantized vs fp32 audio SNR."""
    rng = np.random.default_rng(1234)
    conditioning = (rng.standard_normal((1, 12, d_model)) * 0.5).astype(np.float32)
    token_ids = np.array([tok.encode(CHECK_TEXT)], np.int64)
    by_name = {s.name: s for s in specs}
    fp32 = {s.name: verify.session(fp32_dir / s.file) for s in specs if s.name != Graph.MIMI_ENCODER}
    reference = utterance.greedy_utterance(fp32, by_name, conditioning, token_ids, CHECK_FRAMES, sampler)
    hidden_error, eos_error = utterance.stateless_max_error(fp32, conditioning, token_ids, reference)
    checks = {
        "frames": CHECK_FRAMES,
        "text": CHECK_TEXT,
        "kv_vs_stateless_max_abs_hidden": hidden_error,
        "kv_vs_stateless_max_abs_eos_logit": eos_error,
    }
    tolerance = verify.FP32_RELATIVE_TOLERANCE * 10 * max(1.0, float(np.abs(reference.hiddens).max()))
    if hidden_error > tolerance:
        raise verify.ParityError(
            f"prefill/step path differs from flow_lm_main by {hidden_error:.3g} "
            f"over a {CHECK_FRAMES}-frame utterance (tolerance {tolerance:.3g})"
        )
    if quantized:
        final = {s.name: verify.session(out_dir / s.file) for s in specs if s.name != Graph.MIMI_ENCODER}
        candidate = utterance.greedy_utterance(final, by_name, conditioning, token_ids, CHECK_FRAMES, sampler)
        decoder_only = utterance.decode_latents(final, by_name[Graph.MIMI_DECODER], reference.latents)
        checks["quantized_full_decode_snr_db"] = round(utterance.snr_db(reference.audio, candidate.audio), 2)
        checks["quantized_decoder_only_snr_db"] = round(utterance.snr_db(reference.audio, decoder_only), 2)
        checks["quantized_latent_snr_db"] = round(utterance.snr_db(reference.latents, candidate.latents), 2)
    return checks


def _write_voices(
    loaded: model_source.LoadedModel, args: argparse.Namespace, out_dir: Path
) -> dict[str, bytes]:
    if args.voices == "none":
        return {}
    names = None if args.voices == "all" else [n.strip() for n in args.voices.split(",") if n.strip()]
    if loaded.synthetic:
        files = voices.synthetic_voices(loaded.model, names)
    else:
        files = voices.predefined_voices(loaded.language, names, args.weights)
    voice_dir = out_dir / "voices"
    voice_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (voice_dir / f"{name}.safetensors").write_bytes(data)
    return files


def _summary(results: list[GraphResult], checks: dict, default_bytes: int, seconds: float) -> str:
    header = (
        f"{'graph':<18}{'fp32 MB':>9}{'final MB':>10}  {'quant':<6}{'max rel err':>12}{'q SNR dB':>10}  note"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        snr = "" if r.quantized_parity is None else f"{r.quantized_parity.snr_db:.1f}"
        lines.append(
            f"{r.spec.name:<18}{r.fp32_bytes / 1e6:>9.2f}{r.final_bytes / 1e6:>10.2f}  "
            f"{r.quantization:<6}{r.parity.max_rel:>12.2e}{snr:>10}  {r.note}"
        )
    lines.append("-" * len(header))
    for key, value in checks.items():
        lines.append(f"{key}: {value}")
    lines.append(f"default download: {default_bytes / 1e6:.1f} MB; wall time {seconds:.0f} s")
    return "\n".join(lines)


class _DropMessages(logging.Filter):
    """Drops log records whose message starts with one of the given texts."""

    def __init__(self, *starts: str):
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


# Third-party warnings that nobody building a bundle can act on, by logger name.
_HARMLESS_WARNINGS = {
    # onnxruntime.quantization suggests shape-inference pre-processing (our graphs are simplified and
    # fully shaped before quantization); it logs on the root logger.
    "": _DropMessages("Please consider to run pre-processing before quantization"),
    # pocket_tts, when the synthetic model is constructed before its seeded weights are set.
    "pocket_tts.models.tts_model": _DropMessages("No weights_path specified"),
}


def _silence_harmless_warnings() -> None:
    """Keep the build's output to steps, progress, the summary and real problems."""
    # torch's ONNX exporter lists the torchvision ops it cannot register (we export none of them).
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    for name, drop in _HARMLESS_WARNINGS.items():
        logging.getLogger(name).addFilter(drop)  # adding the same filter twice is a no-op


def build(args: argparse.Namespace) -> Path:
    """Run the whole build; returns the bundle folder."""
    started = time.monotonic()
    _silence_harmless_warnings()
    with tempfile.TemporaryDirectory(prefix="pocket-bundle-") as tmp:
        staging = Path(tmp)
        loaded = _load_model(args, staging / "source")
        out_dir = (args.out or DEFAULT_MODELS_ROOT / loaded.model_id).resolve()
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        shutil.copytree(staging / "source", out_dir / "source")
        if loaded.synthetic:
            # Point the copied config at the copied checkpoint so upstream can load it from here.
            for config_file in (out_dir / "source").glob("config*.yaml"):
                config_text = config_file.read_text(encoding="utf-8")
                config_text = config_text.replace(str(staging / "source"), str(out_dir / "source"))
                config_file.write_text(config_text, encoding="utf-8")

        specs = export.graph_specs(loaded.model, loaded.timestamp_heads)
        fp32_dir = staging / "fp32"
        results = []
        with tqdm(specs, desc="graphs", unit="graph", disable=args.quiet, file=sys.stderr) as bar:
            for spec in bar:
                results.append(_build_graph(spec, out_dir, fp32_dir, args, bar))

        compact_tokenizer = tokenizer_export.compact_tokenizer_bytes(loaded.tokenizer_path)
        (out_dir / "tokenizer.pocket.json").write_bytes(compact_tokenizer)
        tok = py_tokenizer.load(compact_tokenizer)
        quantized = any(r.quantization != "none" for r in results)
        flow_lm = loaded.model.flow_lm
        checks = _utterance_checks(specs, fp32_dir, out_dir, tok, flow_lm.dim, flow_lm.flow_type, quantized)

        voice_files = _write_voices(loaded, args, out_dir)
        seconds = time.monotonic() - started
        bundle_manifest = _manifest(loaded, results, checks, voice_files, out_dir, args, seconds)
        manifest.write_manifest(out_dir, bundle_manifest)
        manifest.update_index(out_dir.parent)
    default_bytes = sum(f.bytes for f in bundle_manifest.files if f.download == "default")
    print(_summary(results, checks, default_bytes, time.monotonic() - started))
    print(f"Bundle written to {out_dir}")
    return out_dir


def _manifest(loaded, results, checks, voice_files, out_dir: Path, args, seconds: float) -> pm.Manifest:
    model = loaded.model
    config = loaded.config
    flow_cfg = config["flow_lm"]
    attn = model.flow_lm.transformer.layers[0].self_attn
    num_layers = len(model.flow_lm.transformer.layers)
    voice_names = sorted(voice_files)
    default_voice = voices.default_voice(loaded.language, voice_names) if voice_names else None

    files: list[pm.FileEntry] = []
    graph_entries: dict[str, pm.GraphSpec] = {}
    for r in results:
        path = out_dir / r.spec.file
        if r.spec.file not in {f.path for f in files}:
            files.append(
                manifest.file_entry(out_dir, path, "graph", r.spec.load, quantization=r.quantization)
            )
        inputs, outputs = manifest.graph_io(path)
        entry = pm.GraphSpec(
            file=r.spec.file,
            inputs=inputs,
            outputs=outputs,
            states=[
                pm.StateSpec(
                    input=s.name,
                    output=s.next_name,
                    initial_shape=list(s.shape),
                    dtype=s.dtype,
                    update=s.update,
                )
                for s in r.spec.states
            ],
            quantization=r.quantization,
            parity_fp32=r.parity.as_manifest(),
            parity_quantized=None if r.quantized_parity is None else r.quantized_parity.as_manifest(),
            simplified=r.simplified,
        )
        if r.spec.name == ExportedGraph.FLOW_LM_KV:
            # One graph, two uses: prefill (conditioning [1,T,D], latent [1,0,ldim]) and step
            # (conditioning [1,0,D], latent [1,1,ldim], NaN = BOS).
            graph_entries[Graph.FLOW_LM_PREFILL] = entry
            graph_entries[Graph.FLOW_LM_STEP] = entry
        else:
            graph_entries[r.spec.name] = entry
    tokenizer_path = out_dir / "tokenizer.pocket.json"
    files.append(manifest.file_entry(out_dir, tokenizer_path, "tokenizer", "default"))
    for name in voice_names:
        voice_path = out_dir / "voices" / f"{name}.safetensors"
        group = "default" if name == default_voice else "on_demand"
        files.append(manifest.file_entry(out_dir, voice_path, "voice", group, voice=name))

    synthetic = None
    if loaded.synthetic:
        synthetic = pm.SyntheticInfo(size=loaded.synthetic, seed=args.seed, warning=SYNTHETIC_WARNING)
    return pm.Manifest(
        model_id=loaded.model_id,
        display_name=(
            f"{loaded.language} (synthetic {loaded.synthetic}: noise, not speech)"
            if loaded.synthetic
            else loaded.language
        ),
        language=model_source.spoken_language(loaded.language),
        synthetic=synthetic,
        weights_origin=loaded.weights_origin,
        has_voice_cloning=loaded.has_voice_cloning,
        upstream=pm.UpstreamInfo(
            package="pocket-tts", version=model_source.UPSTREAM_VERSION, config=loaded.language
        ),
        source=pm.SourceFiles(
            config="source/config.yaml",
            checkpoint="source/checkpoint.safetensors" if loaded.synthetic else None,
        ),
        audio=pm.AudioSpec(
            sample_rate=model.config.mimi.sample_rate,
            frame_rate=model.config.mimi.frame_rate,
            samples_per_frame=model.mimi.frame_size,
            channels=1,
        ),
        model=pm.ModelDims(
            d_model=model.flow_lm.dim,
            latent_dim=model.flow_lm.ldim,
            num_layers=num_layers,
            num_kv_heads=attn.num_kv_heads,
            head_dim=attn.dim_per_head,
            insert_bos_before_voice=bool(flow_cfg.get("insert_bos_before_voice", False)),
            mimi_steps_per_frame=int(model.mimi.encoder_frame_rate / model.mimi.frame_rate),
            decoder_attention_context=model.mimi.decoder_transformer.transformer.context,
        ),
        kv_cache=pm.KvCacheSpec(
            bytes_per_position=num_layers * 2 * attn.num_kv_heads * attn.dim_per_head * 4,
            max_positions=export.MAX_SEQUENCE,
        ),
        text=text_config_from_dict(config),
        generation=pm.GenerationDefaults(
            temperature=float(config.get("default_temperature", 0.3)),
            eos_threshold=float(config.get("default_eos_threshold", -4.0)),
            min_frames_before_eos=MIN_FRAMES_BEFORE_EOS,
            sampler=model.flow_lm.flow_type,
            sampler_steps=1,
            noise_clamp=None,
            fade_in_ms=FADE_IN_MS,
            max_tokens_per_chunk=MAX_TOKEN_PER_CHUNK,
        ),
        tokenizer=pm.TokenizerSpec(
            file="tokenizer.pocket.json",
            format=py_tokenizer.COMPACT_FORMAT,
            version=py_tokenizer.COMPACT_VERSION,
        ),
        voices=[pm.VoiceSpec(name=n, file=f"voices/{n}.safetensors", layout="kv_state") for n in voice_names],
        default_voice=default_voice,
        graphs=graph_entries,
        files=files,
        checks=checks,
        build=pm.BuildInfo(quantize=args.quantize, onnx_opset=export.OPSET, wall_seconds=round(seconds, 1)),
        license=LICENSE,
        attribution="Kyutai Pocket TTS (https://github.com/kyutai-labs/pocket-tts)",
        timestamps=(
            pm.TimestampSpec(
                heads=[pm.TimestampHead(layer=layer, head=head) for layer, head in loaded.timestamp_heads],
                output=export.TIMESTAMP_OUTPUT,
            )
            if loaded.timestamp_heads
            else None
        ),
    )


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        build(args)
    except model_source.HubUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, verify.ParityError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
