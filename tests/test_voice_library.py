"""The voice library (py_core.voice_library, `python -m py_core voices`): a cloned voice exported
with its metadata loads in upstream pocket_tts and in `synth --voice` and speaks the same audio at
temperature 0; upstream's `export-voice` files import; voices of another model, bad names and hostile
files are refused with clear messages (tiny synthetic fp32 bundle, upstream on its source weights)."""

import asyncio
import json
import shutil
import subprocess
import sys
import wave

import numpy as np
import pytest
from test_parity import _prompt_wav

from bundle.parity import Ours, compare, load_upstream, upstream_generate
from py_core import safetensors
from py_core.audio_prompt import prepare_prompt, read_audio
from py_core.cli import main
from py_core.voice_library import (
    FORMAT,
    SYNTHETIC_NOTE,
    ModelIdentity,
    VoiceModelError,
    make_library_voice,
    voice_metadata,
)
from py_core.voices import dump_voice, load_voice

TEXT = "Hello world, this is a short test."
MAX_ABS = 1e-3


@pytest.fixture(scope="module")
def sides(tiny_bundle_fp32):
    return Ours(tiny_bundle_fp32), load_upstream(tiny_bundle_fp32)


@pytest.fixture(scope="module")
def model(tiny_bundle_fp32):
    return ModelIdentity.from_manifest((tiny_bundle_fp32 / "manifest.json").read_bytes())


def _cli_audio(bundle, voice_file, out):
    args = ["synth", "--bundle", str(bundle), "--text", TEXT, "--voice", str(voice_file), "--out", str(out)]
    assert main([*args, "--temperature", "0", "--eos-threshold", "1e9", "--float32", "-q"]) == 0
    data = out.read_bytes()
    start = data.index(b"data") + 8  # 32-bit float WAV: its data chunk's samples
    audio = np.frombuffer(data[start:], dtype="<f4")
    return audio[: len(audio) - 4800]  # the CLI's 200 ms of closing silence


def _voices(*args):
    return main(["voices", *map(str, args)])


def test_exported_voice_loads_in_upstream_and_the_cli_with_the_same_audio(sides, model, tmp_path, capsys):
    ours, upstream = sides
    samples, rate = read_audio(_prompt_wav())
    state = asyncio.run(ours.engine.clone_voice(prepare_prompt(samples, rate)))
    voice = asyncio.run(ours.engine.export_voice(state, voice_metadata("Ada", model)))
    path = tmp_path / "Ada.safetensors"
    path.write_bytes(dump_voice(voice))

    meta = safetensors.load(path.read_bytes())[1]
    assert meta["format"] == FORMAT and meta["synthetic_voice"] == SYNTHETIC_NOTE
    assert (meta["model_id"], meta["manifest_sha256"]) == (model.model_id, model.manifest_sha256)

    audio, _, _ = ours.generate(TEXT, state, temperature=0.0, eos_threshold=1e9)
    reference = upstream_generate(
        upstream, upstream.get_state_for_audio_prompt(path), TEXT, eos_threshold=1e9
    )
    cli = _cli_audio(ours.bundle, path, tmp_path / "cli.wav")
    upstream_diff, snr = compare(reference, audio)
    cli_diff, _ = compare(audio, cli)
    with capsys.disabled():
        print(f"VOICE EXPORT | upstream vs py_core {upstream_diff:.2e} ({snr:.1f} dB) | cli {cli_diff:.2e}")
    assert upstream_diff <= MAX_ABS and cli_diff <= 1e-6

    library = tmp_path / "library"
    assert _voices("import", path, "--library", library, "--bundle", ours.bundle) == 0
    assert _voices("export", "Ada", tmp_path / "again.safetensors", "--library", library) == 0
    assert (tmp_path / "again.safetensors").read_bytes() == path.read_bytes()
    capsys.readouterr()
    assert _voices("list", "--library", library, "--bundle", ours.bundle) == 0
    listed = capsys.readouterr().out
    assert (
        listed.startswith("Ada\t") and model.manifest_sha256[:8] in listed and "another model" not in listed
    )


def test_an_upstream_export_imports_and_speaks_as_upstream(sides, tmp_path, capsys):
    from pocket_tts import export_model_state

    ours, upstream = sides
    prompt = tmp_path / "prompt.wav"
    prompt.write_bytes(_prompt_wav())
    upstream_state = upstream.get_state_for_audio_prompt(prompt, truncate=True)  # as export-voice does
    upstream_file = tmp_path / "theirs.safetensors"
    export_model_state(upstream_state, upstream_file)
    reference = upstream_generate(
        upstream, upstream.get_state_for_audio_prompt(upstream_file), TEXT, eos_threshold=1e9
    )

    library = tmp_path / "library"
    assert _voices("import", upstream_file, "--library", library, "--bundle", ours.bundle) == 0
    assert "imported “theirs”" in capsys.readouterr().err
    out = tmp_path / "theirs-from-library.safetensors"
    assert _voices("export", "theirs", out, "--library", library) == 0
    assert load_voice(out.read_bytes()).metadata["manifest_sha256"]  # now it says which model
    cli = _cli_audio(ours.bundle, out, tmp_path / "cli.wav")
    diff, snr = compare(reference, cli)
    print(f"VOICE IMPORT | upstream export → library → CLI vs upstream {diff:.2e} ({snr:.1f} dB)")
    assert diff <= MAX_ABS


def _foreign_voice_file(model, tmp_path):
    """A voice file whose metadata names another build of the model (same shapes)."""
    other = ModelIdentity(model.model_id, "english (an older build)", "ab" * 32, *_dims(model))
    caches = tuple(
        np.zeros((2, 1, 3, model.num_heads, model.head_dim), np.float32) for _ in range(model.num_layers)
    )
    tensors = {}
    for i, cache in enumerate(caches):
        tensors[f"transformer.layers.{i}.self_attn/cache"] = ("F32", cache.shape, cache.tobytes())
        tensors[f"transformer.layers.{i}.self_attn/offset"] = ("I64", (1,), np.array([3], "<i8").tobytes())
    path = tmp_path / "old.safetensors"
    path.write_bytes(safetensors.dump(tensors, voice_metadata("Old", other)))
    return path


def _dims(model):
    return model.num_layers, model.num_heads, model.head_dim


def test_a_voice_of_another_model_is_refused_naming_both(model, tiny_bundle_fp32, tmp_path, capsys):
    path = _foreign_voice_file(model, tmp_path)
    both = [
        "voice “Old” was made for “english (an older build)” (manifest abababab)",
        f"not for this model “{model.display_name}” (manifest {model.manifest_sha256[:8]}): clone it again",
    ]
    with pytest.raises(VoiceModelError) as refused:
        make_library_voice(path.read_bytes(), model)
    assert all(part in str(refused.value) for part in both)
    bundle = ["--bundle", tiny_bundle_fp32]
    assert (
        main(
            [
                "synth",
                *map(str, bundle),
                "--text",
                "hi",
                "--voice",
                str(path),
                "--out",
                str(tmp_path / "x.wav"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert all(part in err for part in both), err
    library = tmp_path / "library"
    assert _voices("import", path, "--library", library, *bundle) == 1
    err = capsys.readouterr().err
    assert all(part in err for part in both), err
    assert not library.exists()  # nothing written

    library.mkdir()
    shutil.copy(path, library / "Old.safetensors")
    assert _voices("list", "--library", library, *bundle) == 0
    assert "[made for another model]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: (10**9).to_bytes(8, "little") + data[8:], "header"),
        (lambda data: b"RIFF....WAVEfmt ", "safetensors"),
    ],
)
def test_truncated_or_hostile_files_are_refused_cleanly(
    model, tiny_bundle_fp32, tmp_path, capsys, mutate, message
):
    good = dump_voice(load_voice((tiny_bundle_fp32 / "voices" / "aurora.safetensors").read_bytes()))
    path = tmp_path / "bad.safetensors"
    path.write_bytes(mutate(good))
    library = tmp_path / "library"
    assert _voices("import", path, "--library", library, "--bundle", tiny_bundle_fp32) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err.lower() and "Traceback" not in err
    assert not library.exists()


def test_names_and_duplicates(model, tiny_bundle_fp32, tmp_path, capsys):
    voice_file = tiny_bundle_fp32 / "voices" / "aurora.safetensors"
    library = tmp_path / "library"
    bundle = ["--library", library, "--bundle", tiny_bundle_fp32]
    assert _voices("import", voice_file, *bundle, "--name", "  A/b  c ") == 0
    assert [p.name for p in library.iterdir()] == ["A_b_c.safetensors"]
    assert load_voice((library / "A_b_c.safetensors").read_bytes()).metadata["name"] == "A/b c"
    assert _voices("import", voice_file, *bundle, "--name", "A/b c") == 1
    assert "already has a voice “A/b c”" in capsys.readouterr().err
    assert _voices("import", voice_file, *bundle, "--name", "x" * 41) == 1
    assert "1 to 40 printable characters" in capsys.readouterr().err
    assert _voices("export", "nobody", tmp_path / "n.safetensors", "--library", library) == 1
    assert "no voice “nobody”" in capsys.readouterr().err
    assert json.loads(json.dumps(voice_metadata("ok", model)))["name"] == "ok"


def test_upstream_cli_generate_loads_a_library_voice(sides, model, tmp_path):
    """`pocket-tts generate --voice file.safetensors` (upstream's own command line) on an exported
    library voice writes what `python -m py_core synth --voice` writes, within 1 LSB."""
    ours, _ = sides
    voice = make_library_voice((ours.bundle / "voices" / "aurora.safetensors").read_bytes(), model, "Aurora")
    path = tmp_path / "Aurora.safetensors"
    path.write_bytes(dump_voice(voice))
    theirs, mine = tmp_path / "theirs.wav", tmp_path / "mine.wav"
    upstream_cli = [sys.executable, "-c", "from pocket_tts.main import cli_app; cli_app()"]
    config = str(ours.bundle / "source" / "config.yaml")
    common = ["--text", TEXT, "--voice", str(path), "--temperature", "0"]
    subprocess.run(
        [*upstream_cli, "generate", "--config", config, *common, "--output-path", str(theirs), "-q"],
        check=True,
    )
    assert main(["synth", "--bundle", str(ours.bundle), *common, "--out", str(mine), "-q"]) == 0

    def pcm(p):
        with wave.open(str(p), "rb") as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(int)

    a, b = pcm(theirs), pcm(mine)
    assert len(a) == len(b) and np.abs(a - b).max() <= 1
