"""Voice files: py_core.voices against the safetensors library, torch and upstream pocket_tts."""

import json
import struct
from array import array
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import safetensors.torch
import torch
from pocket_tts.models.model_state import _import_model_state, export_model_state
from pocket_tts.models.tts_model import TTSModel, build_mimi, stamp_state_names
from pocket_tts.modules.stateful_module import init_states
from pocket_tts.utils.config import CONFIGS_DIR, Config, load_config

from py_core.voices import Voice, VoiceFileError, dump_voice, load_voice

FIXTURES = Path(__file__).parent / "fixtures" / "pocket-tts"
FANTINE = FIXTURES / "fantine.safetensors"
TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def bits(values) -> np.ndarray:
    """float32 values as their uint32 bit patterns, for exact comparison."""
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def kv_file(dtype="F32", layers=3, slots=9, offset=6, heads=2, head_dim=4, legacy=False, pad=None, seed=0):
    """A KV-state file written by the safetensors library, NaN beyond `offset`; returns (bytes, caches)."""
    generator = torch.Generator().manual_seed(seed)
    tensors, caches = {}, []
    for i in range(layers):
        cache = torch.randn(2, 1, slots, heads, head_dim, generator=generator).to(TORCH_DTYPES[dtype])
        cache[:, :, offset:] = float("nan")
        caches.append(cache)
        prefix = f"transformer.layers.{i}.self_attn"
        tensors[f"{prefix}/cache"] = cache
        if legacy:
            tensors[f"{prefix}/current_end"] = torch.zeros(offset)
        else:
            tensors[f"{prefix}/offset"] = torch.tensor([offset], dtype=torch.int64)
        if pad is not None:
            tensors[f"{prefix}/pad"] = torch.tensor([pad], dtype=torch.int64)
    return safetensors.torch.save(tensors), caches


def edit_header(data: bytes, edit) -> bytes:
    """Rewrite a safetensors header with `edit(header_dict)`, keeping the tensor bytes."""
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + length])
    edit(header)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data[8 + length :]


@pytest.fixture(scope="module")
def upstream_state():
    """A tiny random-weight pocket_tts model, prompted with 5 frames into a 12-slot cache (NaN tail)."""
    config = load_config(CONFIGS_DIR / "english.yaml").model_dump()
    config["flow_lm"]["transformer"].update(d_model=64, num_heads=4, num_layers=2)
    config["flow_lm"]["flow"].update(dim=32, depth=1)
    config["flow_lm"]["lookup_table"].update(
        dim=64, tokenizer="sentencepiece", tokenizer_path=str(FIXTURES / "tokenizer.model")
    )
    torch.manual_seed(0)
    model = TTSModel._from_pydantic_config(Config(**config), 0.0, 1, None, -4.0, origin=None)
    model.mimi = build_mimi(model.config.mimi)
    stamp_state_names(model)
    model.eval()
    state = init_states(model.flow_lm, batch_size=1, sequence_length=12)
    with torch.no_grad():
        model._run_flow_lm_and_increment_step(model_state=state, audio_conditioning=torch.randn(1, 5, 64))
    return model, state


def continue_generation(model, state) -> torch.Tensor:
    """One upstream step (two text tokens and a BOS latent) from a copy of `state`."""
    state = {
        module: {key: value.clone() for key, value in entries.items()} for module, entries in state.items()
    }
    model._expand_kv_cache(state, sequence_length=12)
    with torch.no_grad():
        latent, _ = model._run_flow_lm_and_increment_step(
            model_state=state,
            text_tokens=torch.tensor([[2994, 578]]),
            backbone_input_latents=torch.full((1, 1, 32), float("nan")),
        )
    return latent


def test_fantine_matches_the_safetensors_library():
    expected = safetensors.numpy.load_file(str(FANTINE))["audio_prompt"]
    with safetensors.safe_open(str(FANTINE), framework="np") as f:
        metadata = f.metadata()
    voice = load_voice(FANTINE.read_bytes())
    assert voice.layout == "audio_prompt"
    assert (voice.num_frames, voice.shape, voice.num_layers) == (132, (132, 1024), 0)
    assert voice.metadata == metadata == {"source": "ohmstone/pocket-tts-deno voices.bin", "voice": "fantine"}
    np.testing.assert_array_equal(bits(voice.prompt), bits(expected.reshape(-1)))


@pytest.mark.parametrize("dtype", ["F32", "F16", "BF16"])
def test_two_dimensional_audio_prompt_in_each_float_dtype(dtype):
    prompt = torch.randn(7, 16, generator=torch.Generator().manual_seed(1)).to(TORCH_DTYPES[dtype])
    voice = load_voice(safetensors.torch.save({"audio_prompt": prompt}))
    assert (voice.layout, voice.shape) == ("audio_prompt", (7, 16))
    np.testing.assert_array_equal(bits(voice.prompt), bits(prompt.float().reshape(-1).numpy()))


@pytest.mark.parametrize("dtype", ["F32", "F16", "BF16"])
@pytest.mark.parametrize("legacy,pad", [(False, None), (False, 0), (True, None)])
def test_kv_state_is_trimmed_to_the_offset(dtype, legacy, pad):
    data, caches = kv_file(dtype, offset=6, slots=9, legacy=legacy, pad=pad)
    voice = load_voice(data)
    assert voice.layout == "kv_state"
    assert (voice.num_layers, voice.offset, voice.num_frames, voice.pad) == (3, 6, 6, 0)
    assert voice.shape == (2, 1, 6, 2, 4)
    for got, cache in zip(voice.caches, caches, strict=True):
        np.testing.assert_array_equal(bits(got), bits(cache[:, :, :6].float().reshape(-1).numpy()))


def test_kv_state_keeps_pad():
    voice = load_voice(kv_file(pad=2)[0])
    assert voice.pad == 2


def test_state_exported_by_upstream(upstream_state, tmp_path):
    _, state = upstream_state
    path = tmp_path / "voice.safetensors"
    export_model_state(state, path)
    voice = load_voice(path.read_bytes())
    assert (voice.layout, voice.num_layers, voice.offset, voice.pad, voice.shape) == (
        "kv_state",
        2,
        5,
        0,
        (2, 1, 5, 4, 16),
    )
    for i, got in enumerate(voice.caches):
        cache = state[f"transformer.layers.{i}.self_attn"]["cache"]
        assert torch.isnan(cache[:, :, 5:]).all()  # upstream's unused slots: dropped by load_voice
        np.testing.assert_array_equal(bits(got), bits(cache[:, :, :5].reshape(-1).numpy()))


def test_dump_voice_is_read_back_by_upstream_and_the_library(upstream_state, tmp_path):
    model, state = upstream_state
    exported = tmp_path / "exported.safetensors"
    export_model_state(state, exported)
    voice = load_voice(exported.read_bytes())
    ours = tmp_path / "ours.safetensors"
    ours.write_bytes(dump_voice(voice))

    reloaded = _import_model_state(ours, torch.device("cpu"))
    assert sorted(reloaded) == sorted(state)
    for module, entries in state.items():
        assert sorted(reloaded[module]) == ["cache", "offset", "pad"]
        assert torch.equal(reloaded[module]["cache"], entries["cache"][:, :, :5])
        assert torch.equal(reloaded[module]["offset"], entries["offset"])
        assert torch.equal(reloaded[module]["pad"], entries["pad"])
        assert reloaded[module]["offset"].dtype == reloaded[module]["pad"].dtype == torch.int64
    torch.testing.assert_close(
        continue_generation(model, reloaded), continue_generation(model, state), rtol=0, atol=0
    )

    assert load_voice(ours.read_bytes()) == voice


def test_dump_voice_round_trip_keeps_metadata_and_pad():
    caches = tuple(array("f", range(i, i + 2 * 3 * 2 * 4)) for i in range(2))
    voice = Voice("kv_state", 3, caches=caches, num_heads=2, head_dim=4, pad=1, metadata={"name": "x"})
    data = dump_voice(voice)
    with_library = safetensors.numpy.load(data)
    assert with_library["transformer.layers.1.self_attn/pad"].tolist() == [1]
    np.testing.assert_array_equal(
        with_library["transformer.layers.1.self_attn/cache"].reshape(-1),
        np.asarray(caches[1], dtype=np.float32),
    )
    assert load_voice(data) == voice


def test_dump_voice_refuses_an_audio_prompt():
    with pytest.raises(ValueError, match="KV-state"):
        dump_voice(load_voice(FANTINE.read_bytes()))


def test_voice_rejects_inconsistent_data():
    with pytest.raises(ValueError, match="float32 arrays of 48 values"):
        Voice("kv_state", 3, caches=(array("f", [0.0] * 47),), num_heads=2, head_dim=4)


def nan_in_valid_region():
    data, _ = kv_file()
    cache = torch.randn(2, 1, 9, 2, 4)
    cache[1, 0, 5, 1, 3] = float("inf")
    tensors = safetensors.torch.load(data)
    tensors["transformer.layers.1.self_attn/cache"] = cache
    return safetensors.torch.save(tensors)


def without(name):
    tensors = safetensors.torch.load(kv_file()[0])
    del tensors[name]
    return safetensors.torch.save(tensors)


def replaced(name, tensor):
    tensors = safetensors.torch.load(kv_file()[0])
    tensors[name] = tensor
    return safetensors.torch.save(tensors)


def unknown_dtype(header):
    header["audio_prompt"]["dtype"] = "F12"


@pytest.mark.parametrize(
    "make,message",
    [
        (nan_in_valid_region, r"'transformer\.layers\.1\.self_attn/cache' contains NaN or Inf"),
        (
            lambda: safetensors.torch.save({"audio_prompt": torch.tensor([[1.0, float("nan")]])}),
            "'audio_prompt' contains NaN or Inf",
        ),
        (
            lambda: replaced("transformer.layers.2.self_attn/cache", torch.zeros(2, 1, 9, 2, 8)),
            "layers disagree",
        ),
        (
            lambda: replaced("transformer.layers.2.self_attn/offset", torch.tensor([5])),
            "layers disagree",
        ),
        (
            lambda: without("transformer.layers.1.self_attn/offset"),
            "no 'transformer.layers.1.self_attn/offset'",
        ),
        (
            lambda: without("transformer.layers.1.self_attn/cache"),
            "no tensor 'transformer.layers.1.self_attn/cache'",
        ),
        (
            lambda: replaced("transformer.layers.1.self_attn/current_end", torch.zeros(6)),
            "both .*offset.* and the legacy",
        ),
        (lambda: edit_header(FANTINE.read_bytes(), unknown_dtype), "unknown dtype 'F12'"),
        (
            lambda: safetensors.torch.save({"audio_prompt": torch.zeros(1, 1, 4, 8)}),
            r"shape \[1, 1, 4, 8\]; expected \[1, N, D\] or \[N, D\]",
        ),
        (lambda: safetensors.torch.save({"audio_prompt": torch.zeros(2, 4, 8)}), "expected"),
        (lambda: safetensors.torch.save({"audio_prompt": torch.zeros(0, 8)}), "expected"),
        (lambda: safetensors.torch.save({"audio_prompt": torch.zeros(4, 8, dtype=torch.int32)}), "dtype I32"),
        (
            lambda: replaced("transformer.layers.0.self_attn/cache", torch.zeros(2, 9, 2, 4)),
            r"shape \[2, 9, 2, 4\]; expected \[2, 1, N, heads, head_dim\]",
        ),
        (
            lambda: replaced("transformer.layers.0.self_attn/cache", torch.zeros(2, 2, 9, 2, 4)),
            "expected",
        ),
        (
            lambda: replaced("transformer.layers.0.self_attn/offset", torch.tensor([6.0])),
            "must be one integer",
        ),
        (
            lambda: replaced("transformer.layers.0.self_attn/offset", torch.tensor([6, 6])),
            "must be one integer",
        ),
        (lambda: kv_file(offset=0)[0], "offset 0 must lie between 1 and"),
        (lambda: replaced("transformer.layers.0.self_attn/offset", torch.tensor([10])), "offset 10 must lie"),
        (lambda: kv_file(pad=7)[0], "pad' is 7"),
        (lambda: replaced("transformer.layers.4.self_attn/cache", torch.zeros(1)), "numbered 0 to"),
        (lambda: replaced("transformer.layers.01.self_attn/cache", torch.zeros(1)), "unexpected tensor"),
        (lambda: replaced("audio_prompt", torch.zeros(1, 3, 8)), "next to 'audio_prompt'"),
        (lambda: safetensors.torch.save({"speaker": torch.zeros(3, 8)}), "unexpected tensor 'speaker'"),
        (lambda: safetensors.torch.save({}), "holds no tensors"),
        (lambda: FANTINE.read_bytes()[:12_000], "truncated"),
        (lambda: b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a safetensors file"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(VoiceFileError, match=message):
        load_voice(make())


def test_truncated_file_message_is_readable():
    with pytest.raises(VoiceFileError) as caught:
        load_voice(FANTINE.read_bytes()[:12_000])
    assert "540,672" in str(caught.value) and "11,824" in str(caught.value)
