"""The bundle builder: manifest against files, graph contracts, upstream reload, variants, offline."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from bundle import model_source
from bundle.manifest import graph_io
from py_core import tokenizer as py_tokenizer
from py_core.manifest import ManifestError, parse_manifest
from py_core.voices import load_voice
from tests.conftest import REPO_ROOT, build_synthetic_bundle


def _manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_lists_every_file_with_its_true_hash_and_size(tiny_bundle):
    manifest = _manifest(tiny_bundle)
    listed = {f["path"] for f in manifest["files"]}
    for entry in manifest["files"]:
        data = (tiny_bundle / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"], entry["path"]
    on_disk = {p.relative_to(tiny_bundle).as_posix() for p in tiny_bundle.rglob("*") if p.is_file()}
    unlisted = {p for p in on_disk - listed if not p.startswith("source/")} - {"manifest.json", ".build-key"}
    assert unlisted == set(), f"files in the bundle that the manifest does not list: {unlisted}"


def test_manifest_graph_io_matches_the_onnx_files(tiny_bundle):
    manifest = _manifest(tiny_bundle)
    for name, graph in manifest["graphs"].items():
        inputs, outputs = graph_io(tiny_bundle / graph["file"])
        assert graph["inputs"] == [asdict(i) for i in inputs], name
        assert graph["outputs"] == [asdict(o) for o in outputs], name
        input_names = {i.name for i in inputs}
        output_names = {o.name for o in outputs}
        for state in graph["states"]:
            assert state["input"] in input_names and state["output"] in output_names, (name, state)
        # The flow LM returns only new K/V rows (positions-major, appended); Mimi its whole state.
        updates = {state["update"] for state in graph["states"]}
        if name in ("flow_lm_prefill", "flow_lm_step"):
            assert updates == {"append"}, name
            assert all(s["initial_shape"][1] == 0 for s in graph["states"]), name
        elif graph["states"]:
            assert updates == {"replace"}, name


def test_manifest_records_parity_and_build_checks_within_tolerance(tiny_bundle):
    manifest = _manifest(tiny_bundle)
    for name, graph in manifest["graphs"].items():
        assert graph["parity_fp32"]["calls_compared"] >= 1, name
        assert graph["parity_fp32"]["max_relative_error"] <= 1e-4, name
    checks = manifest["checks"]
    assert checks["kv_vs_stateless_max_abs_hidden"] < 1e-3
    assert "quantized_full_decode_snr_db" in checks and "quantized_decoder_only_snr_db" in checks
    assert manifest["synthetic"]["warning"] == "random weights: noise, not speech"
    assert manifest["graphs"]["flow_lm_prefill"]["file"] == manifest["graphs"]["flow_lm_step"]["file"]


def test_default_download_excludes_the_oracle_and_the_encoder(tiny_bundle):
    groups = {f["path"]: f["download"] for f in _manifest(tiny_bundle)["files"]}
    assert groups["flow_lm_main.onnx"] == "never"
    assert groups["mimi_encoder.onnx"] == "cloning"
    assert groups["flow_lm_kv.onnx"] == "default"
    assert list(groups.values()).count("default") >= 6


def test_int8_graphs_use_quantized_matmuls_and_fp32_bundle_does_not(tiny_bundle, tiny_bundle_fp32):
    def op_types(path: Path) -> set[str]:
        return {node.op_type for node in onnx.load(str(path)).graph.node}

    int8 = _manifest(tiny_bundle)["graphs"]["flow_lm_step"]
    assert int8["quantization"] == "int8"
    assert "MatMulInteger" in op_types(tiny_bundle / int8["file"])
    fp32 = _manifest(tiny_bundle_fp32)["graphs"]["flow_lm_step"]
    assert fp32["quantization"] == "none"
    assert "MatMulInteger" not in op_types(tiny_bundle_fp32 / fp32["file"])


def test_int8_bundle_stores_the_text_table_as_int8_and_large_fp32_weights_as_fp16(
    tiny_bundle, tiny_bundle_fp32
):
    """bundle/optimize.py: int8 rows for the text table, fp16 storage for what int8 leaves fp32;
    the fp32 bundle keeps fp32 everywhere. Neither decoder has a ConvTranspose (bundle/conv_transpose.py)."""

    def initializer_types(path: Path) -> set[int]:
        return {t.data_type for t in onnx.load(str(path)).graph.initializer}

    int8 = _manifest(tiny_bundle)["graphs"]
    assert int8["text_conditioner"]["quantization"] == "int8"
    assert onnx.TensorProto.INT8 in initializer_types(tiny_bundle / "text_conditioner.onnx")
    assert onnx.TensorProto.FLOAT16 in initializer_types(tiny_bundle / "mimi_decoder.onnx")
    for bundle in (tiny_bundle, tiny_bundle_fp32):
        decoder = onnx.load(str(bundle / "mimi_decoder.onnx")).graph.node
        assert "ConvTranspose" not in {node.op_type for node in decoder}
    fp32 = _manifest(tiny_bundle_fp32)["graphs"]
    assert fp32["text_conditioner"]["quantization"] == "none"
    for graph in ("text_conditioner", "mimi_decoder"):
        types = initializer_types(tiny_bundle_fp32 / fp32[graph]["file"])
        assert not types & {onnx.TensorProto.INT8, onnx.TensorProto.FLOAT16}


def test_index_lists_the_bundle(tiny_bundle):
    index = json.loads((tiny_bundle.parent / "index.json").read_text(encoding="utf-8"))
    entry = next(m for m in index["models"] if m["path"] == tiny_bundle.name + "/")
    manifest = _manifest(tiny_bundle)
    assert entry["id"] == manifest["model_id"]
    assert entry["default_download_bytes"] == sum(
        f["bytes"] for f in manifest["files"] if f["download"] == "default"
    )


def test_compact_tokenizer_gives_the_real_tokenizer_ids(tiny_bundle):
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model_source.BUNDLED_TOKENIZER))
    tok = py_tokenizer.load(tiny_bundle / "tokenizer.pocket.json")
    for text in ("Hello world.", "It costs 3.14 dollars, doesn't it?", "Ｆｕｌｌ-width ﬁne café ☃"):
        assert tok.encode(text) == sp.encode(text, out_type=int)


def test_voices_are_kv_states_that_py_core_and_upstream_read(tiny_bundle):
    from pocket_tts.models.model_state import _import_model_state

    manifest = _manifest(tiny_bundle)
    assert manifest["default_voice"] in {v["name"] for v in manifest["voices"]}
    for voice in manifest["voices"]:
        data = (tiny_bundle / voice["file"]).read_bytes()
        parsed = load_voice(data)
        assert parsed.layout == "kv_state"
        assert parsed.num_layers == manifest["model"]["num_layers"]
        state = _import_model_state(tiny_bundle / voice["file"], torch.device("cpu"))
        offsets = {int(s["offset"][0]) for s in state.values() if "offset" in s}
        assert offsets == {parsed.num_frames}


def test_upstream_reloads_exactly_the_exported_weights(tiny_bundle, tiny_bundle_fp32):
    """source/config.yaml + checkpoint load in upstream, and the ONNX graphs compute the same thing.

    The fp32 text table exactly; the int8 bundle's (int8 rows, one scale per row) within half a
    quantization step of each row.
    """
    from pocket_tts import TTSModel

    from bundle.verify import session

    model = TTSModel.load_model(config=str(tiny_bundle / "source" / "config.yaml"))
    ids = np.array([[2994, 578, 263, 7, 0, 3999]], np.int64)
    with torch.no_grad():
        torch_out = model.flow_lm.conditioner(torch.from_numpy(ids)).numpy()
    fp32_out = session(tiny_bundle_fp32 / "text_conditioner.onnx").run(None, {"token_ids": ids})[0]
    np.testing.assert_array_equal(fp32_out, torch_out)
    int8_out = session(tiny_bundle / "text_conditioner.onnx").run(None, {"token_ids": ids})[0]
    half_step = np.abs(model.flow_lm.conditioner.embed.weight.detach().numpy()[ids[0]]).max(-1) / 254
    assert np.all(np.abs(int8_out - torch_out).max(-1) <= half_step[None] * (1 + 1e-5))
    assert not np.array_equal(int8_out, torch_out)  # the int8 table is what the bundle ships


def test_a_second_config_builds_with_its_own_architecture():
    """english_2026-01: no BOS before the voice, 512-wide latents family, padded short inputs."""
    bundle = build_synthetic_bundle(
        "tiny-2026-01",
        "--synthetic",
        "tiny",
        "--language",
        "english_2026-01",
        "--quantize",
        "none",
        "--voices",
        "cedar",
    )
    manifest = _manifest(bundle)
    assert manifest["model"]["insert_bos_before_voice"] is False
    assert manifest["text"]["pad_with_spaces_for_short_inputs"] is True
    encoder_out = manifest["graphs"]["mimi_encoder"]["outputs"][0]
    assert encoder_out["shape"][-1] == manifest["model"]["d_model"]
    assert [v["name"] for v in manifest["voices"]] == ["cedar"]
    english = _manifest(build_synthetic_bundle("tiny-int8", "--synthetic", "tiny", "--seed", "0"))
    assert english["model"]["insert_bos_before_voice"] is True


def test_parse_manifest_rejects_other_schema_versions(tiny_bundle):
    manifest = _manifest(tiny_bundle)
    parse_manifest(json.dumps(manifest))
    with pytest.raises(ManifestError, match="schema version 1 is not supported"):
        parse_manifest(json.dumps({**manifest, "schema_version": 1}))
    with pytest.raises(ManifestError, match="not valid JSON"):
        parse_manifest(b"{not json")
    graphs = dict(manifest["graphs"])
    del graphs["mimi_decoder"]
    with pytest.raises(ManifestError, match="mimi_decoder"):
        parse_manifest(json.dumps({**manifest, "graphs": graphs}))


def test_offline_default_build_fails_fast_naming_the_alternatives(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build_bundle.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert "--weights" in result.stderr and "--synthetic" in result.stderr
    assert elapsed < 60, f"offline failure took {elapsed:.1f} s"


def test_unreachable_hub_is_reported_without_waiting(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(model_source.HubUnavailableError, match="--weights DIR"):
        model_source.check_hub_reachable()


def test_local_weights_build_the_same_model(tiny_bundle_fp32, tmp_path):
    """--weights: a host's offline path. The synthetic checkpoint stands in for real weights."""
    from bundle.build import build, parse_args

    source = tiny_bundle_fp32 / "source"
    out = build(
        parse_args(
            [
                "--config",
                str(source / "config.yaml"),
                "--weights",
                str(source / "checkpoint.safetensors"),
                "--quantize",
                "none",
                "--voices",
                "none",
                "--out",
                str(tmp_path / "local"),
                "-q",
            ]
        )
    )
    manifest = _manifest(out)
    assert manifest["synthetic"] is None
    assert manifest["weights_origin"] == "local:checkpoint.safetensors"
    for name in ("text_conditioner.onnx", "flow_lm_flow.onnx"):
        a = onnx.load(str(out / name)).graph.initializer
        b = onnx.load(str(tiny_bundle_fp32 / name)).graph.initializer
        assert sorted(hashlib.sha256(t.raw_data).hexdigest() for t in a) == sorted(
            hashlib.sha256(t.raw_data).hexdigest() for t in b
        )


def test_the_manifest_language_is_the_spoken_language_of_the_config():
    from bundle.model_source import spoken_language

    assert spoken_language("english") == "english"
    assert spoken_language("english_2m_2026-10") == "english"
    assert spoken_language("french_24l") == "french"
    assert spoken_language("my_model") == "my_model"  # a --config file with no upstream language
