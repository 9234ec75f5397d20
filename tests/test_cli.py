"""`python -m py_core synth|export-voice`: output against upstream's own CLI writer, options, errors,
streaming, and flat memory on a 20,000-character text (tiny synthetic bundles)."""

import asyncio
import io
import shutil
import subprocess
import sys
import wave
from array import array
from pathlib import Path

import numpy as np
import pytest

from bundle.parity import load_upstream
from py_core.cli import main
from py_core.engine import AudioChunk, DecodePolicy, Settings
from py_core.ort_runtime import open_bundle
from py_core.rng import NoiseSource
from py_core.wav import WavStreamWriter

REPO = Path(__file__).resolve().parent.parent
TEXT = "Hello world, this is a short test."


def _wav(path_or_bytes):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with wave.open(source, "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24000)
        return w.getnframes(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def _synth(bundle, out, *extra):
    return main(["synth", "--bundle", str(bundle), "--text", TEXT, "--out", str(out), "-q", *extra])


def test_synth_writes_what_upstream_pocket_tts_generate_writes(tiny_bundle_fp32, tmp_path):
    """Same WAV as upstream's CLI path (generate_audio_stream → stream_audio_chunks) on the same
    weights at temperature 0: same header and length (200 ms tail included), samples within 1 LSB."""
    from pocket_tts.data.audio import stream_audio_chunks

    ours = tmp_path / "ours.wav"
    assert (
        _synth(tiny_bundle_fp32, ours, "--voice", "aurora", "--temperature", "0", "--eos-threshold", "1e9")
        == 0
    )
    model = load_upstream(tiny_bundle_fp32)
    model.eos_threshold = 1e9
    state = model.get_state_for_audio_prompt(tiny_bundle_fp32 / "voices" / "aurora.safetensors")
    theirs = tmp_path / "theirs.wav"
    stream_audio_chunks(str(theirs), model.generate_audio_stream(state, TEXT), 24000)
    assert ours.read_bytes()[:44] == theirs.read_bytes()[:44]
    (n_ours, pcm_ours), (n_theirs, pcm_theirs) = _wav(ours), _wav(theirs)
    assert n_ours == n_theirs == 63 * 1920 + 4800
    assert np.abs(pcm_ours.astype(int) - pcm_theirs).max() <= 1
    assert not pcm_ours[-4800:].any()


def test_synth_writes_the_engines_output_for_a_seed(tiny_bundle, tmp_path):
    """The CLI (through Bundle.plan and Bundle.generate) writes exactly what the engine called by hand
    gives for the same seed, settings, voice and decoder batch: the audio the CLI wrote before."""
    out = tmp_path / "cli.wav"
    assert (
        _synth(
            tiny_bundle, out, "--seed", "9", "--temperature", "0.6", "--voice", "cedar", "--decode-batch", "2"
        )
        == 0
    )
    bundle = open_bundle(tiny_bundle)
    settings = Settings.from_manifest(bundle.manifest, temperature=0.6)
    plans = bundle.engine.plan_script(TEXT, settings).plans
    writer = WavStreamWriter(24000)

    async def by_hand() -> bytes:
        state = await bundle.voice_state("cedar")
        data = b""
        policy = DecodePolicy(batch=2)
        async for event in bundle.engine.generate(
            plans, state, settings, noise=NoiseSource(9), policy=policy
        ):
            if isinstance(event, AudioChunk):
                data += writer.encode(event.samples)
        return data + writer.encode(array("f", bytes(4 * 4800)))

    data = asyncio.run(by_hand())
    assert out.read_bytes() == writer.final_header() + data


def test_stdin_text_and_stdout_wav(tiny_bundle):
    """`--text -` and `--out -`: a streamed WAV with upstream's placeholder length, and a progress line."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "py_core",
            "synth",
            "--bundle",
            str(tiny_bundle),
            "--text",
            "-",
            "--out",
            "-",
            "--seed",
            "3",
        ],
        input=TEXT.encode(),
        capture_output=True,
        check=True,
        cwd=REPO,
    )
    assert result.stdout[:4] == b"RIFF"
    frames, pcm = _wav(result.stdout)
    assert frames == 1_000_000_000  # upstream declares this on unseekable streams
    assert (len(pcm) - 4800) % 1920 == 0 and len(pcm) > 4800
    assert b"chunk 1/1" in result.stderr and b"x real time" in result.stderr


def test_seed_makes_sampling_reproducible(tiny_bundle, tmp_path):
    outputs = []
    for seed in (5, 5, 6):
        out = tmp_path / f"{len(outputs)}.wav"
        assert (
            _synth(tiny_bundle, out, "--seed", str(seed), "--temperature", "0.7", "--eos-threshold", "1e9")
            == 0
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] != outputs[2]


def test_options_reach_the_engine(tiny_bundle, tmp_path):
    """--max-tokens splits into chunks; a threshold below every logit stops each chunk at frame 6
    plus --frames-after-eos; --float32 writes IEEE float."""
    out = tmp_path / "a.wav"
    text = "One sentence here. Another one there. And a third."
    options = "--max-tokens 6 --eos-threshold=-1e9 --frames-after-eos 2 --sampler-steps 2 --noise-clamp 0.5"
    tuning = "--decode-batch 3 --overlap --threads 2 --float32 -q"
    args = [
        "synth",
        "--bundle",
        str(tiny_bundle),
        "--text",
        text,
        "--out",
        str(out),
        *options.split(),
        *tuning.split(),
    ]
    assert main(args) == 0
    data = out.read_bytes()
    assert data[20:22] == b"\x03\x00"  # WAVE_FORMAT_IEEE_FLOAT
    samples = (len(data) - 58) // 4
    assert samples == 3 * 8 * 1920 + 4800  # 3 chunks x (EOS at 6 + 2 frames), then 200 ms


def test_clone_from_wav_and_export_voice_reuse(tiny_bundle, tmp_path):
    from test_parity import _prompt_wav

    prompt = tmp_path / "me.wav"
    prompt.write_bytes(_prompt_wav())
    voice_file = tmp_path / "me.safetensors"
    assert main(["export-voice", "--bundle", str(tiny_bundle), str(prompt), str(voice_file), "-q"]) == 0
    common = ["--temperature", "0", "--eos-threshold", "1e9"]
    assert _synth(tiny_bundle, tmp_path / "cloned.wav", "--voice", str(prompt), *common) == 0
    assert _synth(tiny_bundle, tmp_path / "reused.wav", "--voice", str(voice_file), *common) == 0
    assert (tmp_path / "cloned.wav").read_bytes() == (tmp_path / "reused.wav").read_bytes()
    assert _synth(tiny_bundle, tmp_path / "default.wav", *common) == 0
    assert (tmp_path / "default.wav").read_bytes() != (tmp_path / "cloned.wav").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "   "], "the text is empty"),
        (
            ["--text", "hi", "--voice", "nobody"],
            "unknown voice 'nobody': this bundle's voices are aurora, basil, cedar",
        ),
        (["--text", "hi", "--temperature", "-1"], "temperature must be >= 0"),
        (["--text", "hi", "--max-tokens", "0"], "max tokens per chunk must be >= 1"),
    ],
)
def test_clear_errors(tiny_bundle, tmp_path, capsys, args, message):
    assert main(["synth", "--bundle", str(tiny_bundle), "--out", str(tmp_path / "x.wav"), *args]) == 1
    assert message in capsys.readouterr().err


def test_bad_bundles_are_named(tiny_bundle, tmp_path, capsys):
    assert main(["synth", "--bundle", str(tmp_path), "--text", "hi"]) == 1
    assert "not a model bundle folder" in capsys.readouterr().err
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    graph = broken / "flow_lm_flow.onnx"
    data = bytearray(graph.read_bytes())
    data[-1] ^= 1
    graph.write_bytes(bytes(data))
    assert main(["synth", "--bundle", str(broken), "--text", "hi", "--out", str(tmp_path / "x.wav")]) == 1
    err = capsys.readouterr().err
    assert "flow_lm_flow.onnx: sha256" in err and "does not match the manifest" in err
    voice = tmp_path / "v.safetensors"
    voice.write_bytes(b"not a voice")
    assert main(["synth", "--bundle", str(tiny_bundle), "--text", "hi", "--voice", str(voice), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {voice}: not a") and "safetensors" in err


_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as text:
    p = subprocess.run([sys.executable, "-m", "py_core", "synth", "--bundle", sys.argv[2], "--text", "-",
                        "--out", sys.argv[3], "-q", "--eos-threshold=-1e9", "--frames-after-eos", "24",
                        "--seed", "1"], stdin=text, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _long_text(chars: int) -> str:
    sentence = "The committee reviewed every proposal carefully before the final vote on Tuesday. "
    return (sentence * (chars // len(sentence) + 1))[:chars]


def test_long_text_streams_with_flat_memory(tiny_bundle, tmp_path):
    """20,000 characters (122 chunks of 30 frames: 293 s of audio, 28 MiB as float32) peak at the RSS
    of 2,000 characters (the audio is written as it comes, never held); prints both for the report."""
    peaks = {}
    for chars in (2_000, 20_000):
        text = tmp_path / f"{chars}.txt"
        text.write_text(_long_text(chars))
        out = tmp_path / f"{chars}.wav"
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(text), str(tiny_bundle), str(out)],
            capture_output=True,
            check=True,
            cwd=REPO,
            text=True,
        )
        peaks[chars] = int(result.stdout.strip()) / 1024
        frames, _ = _wav(out)
        peaks[f"{chars} audio s"] = frames / 24000
    print(f"MEMORY | peak RSS MiB: {peaks}")
    assert peaks["20000 audio s"] > 9 * peaks["2000 audio s"]
    assert peaks[20_000] - peaks[2_000] < 8  # holding the audio (even as PCM16, 13 MiB) would show


def test_first_audio_is_out_while_the_first_chunk_is_still_generating(tiny_bundle):
    """On a long text the first WAV bytes reach stdout long before the process ends."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "py_core",
            "synth",
            "--bundle",
            str(tiny_bundle),
            "--text",
            "-",
            "--out",
            "-",
            "--eos-threshold",
            "1e9",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    process.stdin.write(_long_text(3_000).encode())
    process.stdin.close()
    first = process.stdout.read(44 + 2 * 1920)
    still_running = process.poll() is None
    process.terminate()
    process.wait()
    process.stdout.close()
    process.stderr.close()
    assert len(first) == 44 + 2 * 1920 and first[:4] == b"RIFF"
    assert still_running  # ~60 chunks of ~100 frames: many seconds of work were left
