"""Where the model comes from: upstream config YAMLs, and weights from disk, the hub or a seeded RNG.

The model is always the upstream `pocket_tts` TTSModel built from a config YAML. Synthetic models
keep the architecture family and replace the weights with seeded random values; the checkpoint and
the YAML that upstream needs to load exactly the same model are written to disk and the model is
then loaded back through `TTSModel.load_model(config=...)`, so what is exported is what upstream runs.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import safetensors.torch
import torch
import yaml
from pocket_tts import TTSModel
from pocket_tts.utils.config import CONFIGS_DIR

logger = logging.getLogger(__name__)

UPSTREAM_VERSION = "4.0.1"
DEFAULT_LANGUAGE = "english"
REPO_ROOT = Path(__file__).resolve().parent.parent
# The real Kyutai tokenizer (CC-BY-4.0), the only tokenizer file obtainable without the hub.
BUNDLED_TOKENIZER = REPO_ROOT / "tests" / "fixtures" / "pocket-tts" / "tokenizer.model"

SYNTHETIC_SIZES = ("tiny", "full")
# Beside source/config.yaml when the model has timestamp heads: the same config plus `timestamp_heads`,
# for pocket-tts-timestamped (upstream's config schema refuses that key).
TIMESTAMPED_CONFIG = "config.timestamped.yaml"

# A small model of the same family: every module kind and the layer count kept, widths shrunk,
# rates and strides unchanged.
_TINY_WIDTH = 64
_TINY_OVERRIDES = {
    "flow_lm": {
        "flow": {"depth": 2, "dim": 64},
        "transformer": {"d_model": 64, "num_heads": 4, "hidden_scale": 2},
        "lookup_table": {"dim": 64},
    },
    "mimi": {
        "seanet": {"dimension": _TINY_WIDTH, "n_filters": 8},
        "transformer": {
            "d_model": 64,
            "num_heads": 2,
            "dim_feedforward": 128,
            "input_dimension": 64,
            "output_dimensions": [64],
        },
        "quantizer": {"output_dimension": 64},
        "outer_dim": 64,
    },
}


class HubUnavailableError(RuntimeError):
    """The upstream weights could not be downloaded (no network, or the hub refused)."""


@dataclass
class LoadedModel:
    """An upstream TTSModel plus what the manifest needs to know about where it came from."""

    model_id: str
    language: str
    config: dict
    config_path: Path
    model: TTSModel
    synthetic: str | None
    has_voice_cloning: bool
    tokenizer_path: Path
    weights_origin: str
    timestamp_heads: tuple[tuple[int, int], ...] = ()  # (layer, head) pairs; () = no word timestamps


def available_languages() -> list[str]:
    """Every config name shipped with upstream pocket_tts (e.g. english, french_24l)."""
    return sorted(p.stem for p in CONFIGS_DIR.glob("*.yaml"))


def spoken_language(config_name: str) -> str:
    """The language an upstream config speaks: its name up to the first '_' when that is one of
    upstream's languages (english_2m_2026-10 → english, french_24l → french), else the name. The
    manifest's `language`: text normalization and the app's automatic model choice go by it; the
    config name stays in `upstream.config`."""
    prefix = config_name.split("_", 1)[0]
    return prefix if prefix in available_languages() else config_name


def read_config(language: str | None, config_path: str | Path | None) -> tuple[str, dict]:
    """The config dict and its name, from an upstream language name or a YAML path."""
    if language and config_path:
        raise ValueError("Give either --language or --config, not both.")
    if config_path is None:
        language = language or DEFAULT_LANGUAGE
        path = CONFIGS_DIR / f"{language}.yaml"
        if not path.exists():
            raise ValueError(f"Unknown language {language!r}. Known: {', '.join(available_languages())}")
    else:
        path = Path(config_path)
        if not path.exists():
            raise FileNotFoundError(f"Config file not found: {path}")
        language = path.stem
    with open(path, encoding="utf-8") as f:
        return language, yaml.safe_load(f)


def _deep_update(base: dict, overrides: dict) -> dict:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def is_small_model(config: dict) -> bool:
    """A config of upstream's small English models (english_2m/7m/18m_2026-10): a decoder of its own."""
    mimi = config["mimi"]
    return mimi.get("decoder_seanet") is not None or mimi.get("decoder_transformer") is not None


def synthetic_config(base: dict, size: str, tokenizer_path: Path, weights_path: Path) -> dict:
    """The config for a synthetic model: `full` keeps the architecture, `tiny` shrinks it."""
    if size not in SYNTHETIC_SIZES:
        raise ValueError(f"--synthetic must be one of {SYNTHETIC_SIZES}, got {size!r}")
    config = copy.deepcopy(base)
    if size == "tiny" and is_small_model(base):
        raise ValueError(
            "--synthetic tiny shrinks the default architecture's widths; this config is one of the small "
            "models already (its own decoder, GQA, a low-rank text table): use --synthetic full"
        )
    if size == "tiny":
        full_seanet_dim = config["mimi"]["seanet"]["dimension"]
        _deep_update(config, _TINY_OVERRIDES)
        if config["mimi"].get("inner_dim") == full_seanet_dim:  # b6369a24: latents at SEANet width
            config["mimi"]["inner_dim"] = _TINY_WIDTH
    config["flow_lm"]["lookup_table"]["tokenizer"] = "sentencepiece"
    config["flow_lm"]["lookup_table"]["tokenizer_path"] = str(tokenizer_path)
    config["weights_path"] = str(weights_path)
    config.pop("weights_path_without_voice_cloning", None)
    config["flow_lm"].pop("weights_path", None)
    config["mimi"].pop("weights_path", None)
    return config


def _random_tensor(name: str, like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A seeded random value of plausible scale for one named weight."""
    shape, dtype = like.shape, like.dtype
    normal = torch.randn(shape, generator=generator, dtype=torch.float32)
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "emb_std":
        value = 0.5 + torch.rand(shape, generator=generator)
    elif leaf == "emb_mean":
        value = 0.1 * normal
    elif leaf == "scale":  # LayerScale
        value = 0.01 + 0.002 * normal
    elif name.endswith("out_eos.bias"):
        # Keep EOS quiet at the default threshold so synthetic chunks run to their frame budget;
        # tests choose a threshold to make it fire.
        value = torch.full(shape, -8.0)
    elif like.dim() == 1 and leaf in ("weight", "alpha"):  # norms
        value = 1.0 + 0.05 * normal
    elif like.dim() == 1:  # biases
        value = 0.02 * normal
    elif "embed" in name and like.dim() == 2 and "lookup" not in name and "conditioner" in name:
        value = normal
    else:
        fan_in = math.prod(shape[1:]) if like.dim() > 1 else shape[0]
        value = normal / math.sqrt(max(fan_in, 1))
    return value.to(dtype)


def random_state_dict(model: TTSModel, seed: int) -> dict[str, torch.Tensor]:
    """Seeded random weights for every tensor of `model`, in a stable (sorted) order."""
    generator = torch.Generator().manual_seed(seed)
    state = model.state_dict()
    return {name: _random_tensor(name, state[name], generator).contiguous() for name in sorted(state)}


def synthetic_timestamp_heads(config: dict) -> tuple[tuple[int, int], ...]:
    """A fixed, valid choice for random weights: head 0 of the middle layer, head 1 of the one before."""
    transformer = config["flow_lm"]["transformer"]
    middle = transformer["num_layers"] // 2
    return ((middle, 0), (middle - 1, 1 % transformer["num_heads"]))


def fork_timestamp_heads(language: str) -> tuple[tuple[int, int], ...]:
    """The heads pocket-tts-timestamped's config for `language` names; () without the package or config."""
    import importlib.util

    spec = importlib.util.find_spec("pocket_tts_timestamped")
    if spec is None or not spec.submodule_search_locations:
        return ()
    path = Path(spec.submodule_search_locations[0]) / "config" / f"{language}.yaml"
    if not path.exists():
        return ()
    with open(path, encoding="utf-8") as f:
        heads = yaml.safe_load(f).get("timestamp_heads") or []
    return tuple((int(h["layer"]), int(h["head"])) for h in heads)


def write_timestamped_config(config: dict, heads: tuple[tuple[int, int], ...], source_dir: Path) -> None:
    """source/config.timestamped.yaml: `config` with `timestamp_heads`, as pocket-tts-timestamped reads it."""
    timestamped = {**config, "timestamp_heads": [{"layer": layer, "head": head} for layer, head in heads]}
    with open(source_dir / TIMESTAMPED_CONFIG, "w", encoding="utf-8") as f:
        yaml.safe_dump(timestamped, f, sort_keys=False, allow_unicode=True)


def _upstream_model(config_path: Path) -> TTSModel:
    model = TTSModel.load_model(config=str(config_path))
    model.eval()
    return model


def build_synthetic(language: str, base: dict, size: str, seed: int, source_dir: Path) -> LoadedModel:
    """Write a seeded random checkpoint + config YAML to `source_dir` and load them with upstream."""
    from pocket_tts.utils.config import Config

    source_dir.mkdir(parents=True, exist_ok=True)
    weights_path = (source_dir / "checkpoint.safetensors").resolve()
    config = synthetic_config(base, size, BUNDLED_TOKENIZER.resolve(), weights_path)
    skeleton_config = copy.deepcopy(config)
    skeleton_config.pop("weights_path")
    skeleton = TTSModel._from_pydantic_config_with_weights(
        Config(**skeleton_config), temp=0.0, sampler_decode_steps=1, noise_clamp=None, eos_threshold=-4.0
    )
    safetensors.torch.save_file(random_state_dict(skeleton, seed), str(weights_path))
    config_path = source_dir / "config.yaml"
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(
            f"# Synthetic {size} model: seeded random weights (seed {seed}) of the {language} "
            f"architecture family.\n# Load with pocket_tts.TTSModel.load_model(config=this_file).\n"
        )
        yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
    heads = synthetic_timestamp_heads(config)
    write_timestamped_config(config, heads, source_dir)
    return LoadedModel(
        model_id=f"{language}-synthetic-{size}",
        language=language,
        config=config,
        config_path=config_path,
        model=_upstream_model(config_path),
        synthetic=size,
        has_voice_cloning=True,
        tokenizer_path=BUNDLED_TOKENIZER,
        weights_origin=f"synthetic:{size}:seed={seed}",
        timestamp_heads=heads,
    )


def _local_weights(weights: Path) -> Path:
    if weights.is_dir():
        candidates = sorted(weights.glob("*.safetensors"))
        named = [p for p in candidates if p.name in ("model.safetensors", "tts.safetensors")]
        if named:
            return named[0]
        if len(candidates) != 1:
            raise FileNotFoundError(
                f"{weights} should hold one model .safetensors file (found {len(candidates)})."
            )
        return candidates[0]
    if not weights.exists():
        raise FileNotFoundError(f"Weights not found: {weights}")
    return weights


def _tokenizer_for(config: dict, weights: Path | None) -> Path:
    """A local tokenizer file: next to local weights, else through upstream's download code."""
    if weights is not None:
        folder = weights if weights.is_dir() else weights.parent
        for name in ("tokenizer.model", "tokenizer.json"):
            if (folder / name).exists():
                return folder / name
    from pocket_tts.utils.utils import download_if_necessary

    return Path(download_if_necessary(config["flow_lm"]["lookup_table"]["tokenizer_path"]))


def check_hub_reachable(timeout_s: float = 5.0) -> None:
    """Fail within seconds when the model hub cannot be reached, naming the offline options."""
    import os
    import socket

    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0"):
        raise HubUnavailableError(
            "HF_HUB_OFFLINE is set, so the model hub will not be contacted. Pass local weights with "
            "--weights DIR, or build a synthetic bundle with --synthetic tiny|full."
        )
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout_s).close()
    except OSError as error:
        raise HubUnavailableError(
            f"Cannot reach the model hub ({error}). Without network access, pass local weights "
            "with --weights DIR (a folder or .safetensors file of a Pocket TTS checkpoint), or "
            "build a synthetic bundle with --synthetic tiny|full (random weights: noise, not speech)."
        ) from error


def load_real(language: str, base: dict, weights: Path | None, source_dir: Path) -> LoadedModel:
    """The real model: weights from `--weights`, else from the hub through upstream's own code.

    Upstream falls back to the ungated weights (no voice cloning) when the gated ones are refused;
    `TTSModel.load_model` does that itself, and `has_voice_cloning` records the outcome.
    """
    config = copy.deepcopy(base)
    if weights is not None:
        weights_file = _local_weights(weights)
        config["weights_path"] = str(weights_file.resolve())
        config.pop("weights_path_without_voice_cloning", None)
        origin = f"local:{weights_file.name}"
    else:
        check_hub_reachable()
        origin = config.get("weights_path", "hub")
    tokenizer_path = _tokenizer_for(config, weights)
    config["flow_lm"]["lookup_table"]["tokenizer_path"] = str(tokenizer_path.resolve())
    source_dir.mkdir(parents=True, exist_ok=True)
    config_path = source_dir / "config.yaml"
    with open(config_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
    heads = fork_timestamp_heads(language)
    if heads:
        write_timestamped_config(config, heads, source_dir)
    model = _upstream_model(config_path)
    return LoadedModel(
        model_id=language,
        language=language,
        config=config,
        config_path=config_path,
        model=model,
        synthetic=None,
        has_voice_cloning=bool(getattr(model, "has_voice_cloning", True)),
        tokenizer_path=tokenizer_path,
        weights_origin=origin,
        timestamp_heads=heads,
    )
