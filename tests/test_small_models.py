"""Upstream's small English models (english_2m/7m/18m_2026-10) as bundles, at their real size.

What sets them apart from the default English model, each checked against the manifest and upstream:
a head without time conditions (2m `pointwise`: x + head(h, x); 7m, 18m `drifting`: head(h, x)),
a z_dim-wide `hidden` (the flow LM's output projection), grouped-query attention (fewer KV heads, so
smaller voice states and KV caches), a low-rank text table, a decoder of their own (smaller SEANet,
attention context 50) and their own EOS threshold (-1.0). The whole-generation parity with upstream
is test_parity.py (its `sides` runs every test on these bundles too); here the CLI's output.
"""

import json

import pytest
import soundfile
import yaml
from conftest import SMALL_MODEL_PARAMS, SMALL_MODELS
from pocket_tts.utils.config import CONFIGS_DIR

from bundle.model_source import synthetic_config
from bundle.parity import compare, load_upstream, upstream_generate, upstream_noise
from py_core.cli import main
from py_core.rng import NoiseSource

TEXT = "Hello world, this is a short test."


@pytest.fixture(scope="module", params=[SMALL_MODEL_PARAMS[size] for size in SMALL_MODELS])
def small(request, small_bundle_fp32):
    """(size, bundle folder, upstream config dict)."""
    with open(CONFIGS_DIR / f"english_{request.param}_2026-10.yaml", encoding="utf-8") as f:
        config = yaml.safe_load(f)
    return request.param, small_bundle_fp32(request.param), config


def test_the_manifest_describes_the_small_architecture(small):
    size, bundle, config = small
    manifest = json.loads((bundle / "manifest.json").read_text())
    # English for text normalization and the app's model choice; the config name stays upstream's.
    assert (manifest["language"], manifest["upstream"]["config"]) == ("english", f"english_{size}_2026-10")
    flow_lm = config["flow_lm"]
    transformer = flow_lm["transformer"]
    heads = transformer["num_heads"]
    kv_heads = transformer.get("num_kv_heads") or heads
    head_dim = (transformer.get("attn_dim") or transformer["d_model"]) // heads
    model = manifest["model"]
    assert (model["d_model"], model["latent_dim"]) == (transformer["d_model"], 32)
    assert (model["num_layers"], model["num_kv_heads"], model["head_dim"]) == (8, kv_heads, head_dim)
    assert model["decoder_attention_context"] == config["mimi"]["decoder_transformer"]["context"] == 50
    assert manifest["kv_cache"]["bytes_per_position"] == 8 * 2 * kv_heads * head_dim * 4
    generation = manifest["generation"]
    assert generation["sampler"] == flow_lm["flow"]["type"] == ("pointwise" if size == "2m" else "drifting")
    assert generation["eos_threshold"] == config["default_eos_threshold"] == -1.0
    graphs = manifest["graphs"]
    head = graphs["flow_lm_flow"]
    assert [i["name"] for i in head["inputs"]] == ["c", "x"]
    assert [i["shape"] for i in head["inputs"]] == [[1, flow_lm["z_dim"]], [1, 32]]
    step_hidden = next(o for o in graphs["flow_lm_step"]["outputs"] if o["name"] == "hidden")
    assert step_hidden["shape"] == [1, flow_lm["z_dim"]]
    past = graphs["flow_lm_step"]["states"][0]
    assert past["initial_shape"] == [1, 0, kv_heads, head_dim]  # positions-major (update: append)
    for name, graph in graphs.items():
        assert graph["parity_fp32"]["max_relative_error"] <= 1e-4, name
    assert manifest["checks"]["kv_vs_stateless_max_abs_hidden"] < 1e-3
    assert manifest["has_voice_cloning"] is True and "mimi_encoder" in graphs


def test_cli_synth_matches_upstream(small, tmp_path):
    """`python -m py_core synth --float32 --temperature 0.7 --seed 5` against upstream generate_audio
    on the same weights with the same noise draws, free-running (no teacher forcing: with noise the AR
    loop of these random weights does not amplify rounding), the bundle's (and the config's) default
    EOS threshold and sampler steps; prints the max abs error. At temperature > 0 the pointwise head's
    x + head(h, x) differs from head(h, x), so this tells the two samplers apart."""
    size, bundle, _ = small
    out = tmp_path / "ours.wav"
    args = ["synth", "--bundle", str(bundle), "--text", TEXT, "--voice", "aurora", "--out", str(out)]
    assert main([*args, "--temperature", "0.7", "--seed", "5", "--float32", "--no-normalize", "-q"]) == 0
    ours, rate = soundfile.read(str(out), dtype="float32")
    assert rate == 24000
    model = load_upstream(bundle)
    assert model.eos_threshold == -1.0  # upstream's default for these configs
    state = model.get_state_for_audio_prompt(bundle / "voices" / "aurora.safetensors")
    noise = NoiseSource(5)
    draws = [noise.draw(32, 0.7, None) for _ in range(len(ours) // 1920)]  # one per step, and spares
    with upstream_noise(draws):
        reference = upstream_generate(model, state, TEXT, temperature=0.7, eos_threshold=-1.0)
    tail = int(0.2 * 24000)  # the CLI ends the file with 200 ms of silence, as upstream's CLI does
    assert len(ours) == len(reference) + tail and not ours[len(reference) :].any()
    max_abs, snr = compare(reference, ours[: len(reference)])
    frames = len(reference) / 1920
    print(f"CLI PARITY | english_{size}_2026-10 | {frames:g} frames | {max_abs:.2e} | {snr:.1f} dB")
    assert max_abs <= 1e-3 and snr >= 40, (max_abs, snr)


def test_tiny_is_refused_for_the_small_configs(tmp_path):
    with open(CONFIGS_DIR / "english_2m_2026-10.yaml", encoding="utf-8") as f:
        config = yaml.safe_load(f)
    with pytest.raises(ValueError, match="use --synthetic full"):
        synthetic_config(config, "tiny", tmp_path / "tokenizer.model", tmp_path / "weights.safetensors")
