"""The CLI with pause markup and normalization (tiny synthetic bundle): every pause is exactly the
requested number of zero samples at the place of its markup, at the start, in a row and at the end."""

import io
import wave

import numpy as np

from py_core.cli import main

RATE, FRAME = 24000, 1920
SPEECH = 8 * FRAME  # --eos-threshold=-1e9 --frames-after-eos 2: EOS at frame 6, then 2 more frames
TAIL = 4800  # the CLI's 200 ms of silence at the end


def _synth(bundle, out, text, *extra):
    args = ["synth", "--bundle", str(bundle), "--text", text, "--out", str(out), "-q", "--seed", "3"]
    return main(args + ["--eos-threshold=-1e9", "--frames-after-eos", "2", *extra])


def _pcm(path):
    with wave.open(io.BytesIO(path.read_bytes()), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_pauses_are_exact_silence_at_their_place(tiny_bundle, tmp_path):
    text = '[pause 0.5s]Hello there.[pause 300ms]<break time="1.25s"/> Second part here.[pause 1s]'
    out = tmp_path / "pauses.wav"
    assert _synth(tiny_bundle, out, text) == 0
    pcm = _pcm(out)
    layout = [("pause", 12000), ("speech", SPEECH), ("pause", 7200), ("pause", 30000)]
    layout += [("speech", SPEECH), ("pause", 24000), ("pause", TAIL)]
    assert len(pcm) == sum(n for _, n in layout)
    position = 0
    for kind, n in layout:
        region = pcm[position : position + n]
        if kind == "pause":
            assert not region.any(), f"non-zero samples in the pause at {position}"
        else:
            assert np.count_nonzero(region) > 0.9 * n, f"speech at {position} is mostly silent"
        position += n


def test_paragraph_pause_setting_and_no_markup(tiny_bundle, tmp_path):
    out = tmp_path / "paragraphs.wav"
    assert _synth(tiny_bundle, out, "First one.\n\nSecond one.", "--paragraph-pause", "0.2") == 0
    pcm = _pcm(out)
    assert len(pcm) == 2 * SPEECH + 4800 + TAIL
    assert not pcm[SPEECH : SPEECH + 4800].any()
    # --no-markup: "[pause 2s]" is text, so no 2 s of silence anywhere.
    assert _synth(tiny_bundle, out, "One [pause 2s] two.", "--no-markup") == 0
    pcm = _pcm(out)
    zero_runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[1], pcm[:-TAIL] != 0, [1]]))))
    assert len(pcm) == SPEECH + TAIL and (zero_runs.max(initial=0) < RATE)


def test_markup_warnings_go_to_stderr_and_are_skipped(tiny_bundle, tmp_path, capsys):
    out = tmp_path / "warned.wav"
    text = 'Hello <break time="abc"/> there [pause -1s] a < b [pause 1e9s]'
    assert _synth(tiny_bundle, out, text) == 0
    err = capsys.readouterr().err
    assert "'abc' is not a length" in err and "cannot be negative" in err
    assert "starts no markup" in err and "clamped to 10 s" in err
    pcm = _pcm(out)
    assert len(pcm) == SPEECH + 10 * RATE + TAIL  # one chunk, the clamped 10 s pause, the tail
    assert not pcm[SPEECH:].any()


def test_normalize_command_prints_what_would_be_read(capsys):
    assert main(["normalize", "It costs $3.50 [pause 1.5s] on 3/4/2026."]) == 0
    said = capsys.readouterr().out.strip()
    assert said == "It costs three dollars and fifty cents [pause 1.5s] on March fourth, twenty twenty-six."
    assert main(["normalize", "--language", "german", "--no-markup", "Am 3. Mai [pause]"]) == 0
    assert capsys.readouterr().out.strip() == "Am dritten Mai [pause]"


_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as text:
    subprocess.run([sys.executable, "-m", "py_core", "synth", "--bundle", sys.argv[2], "--text", "-",
                    "--out", sys.argv[3], "-q", "--eos-threshold=-1e9", "--frames-after-eos", "0",
                    "--seed", "1"], stdin=text, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_thousand_pauses_in_20000_characters_keep_memory_flat(tiny_bundle, tmp_path):
    """20,000 characters with 1,052 pauses (1,052 chunks of 6 frames: 26 s of speech and silence)
    peak at the RSS of 2,000 characters: pauses are streamed like speech, never held."""
    import subprocess
    import sys
    from pathlib import Path

    unit = "Go on. [pause 5ms] "  # 19 characters
    peaks, samples = {}, {}
    for chars in (2_000, 20_000):
        text = tmp_path / f"{chars}.txt"
        text.write_text((unit * (chars // len(unit) + 1))[:chars])
        out = tmp_path / f"{chars}.wav"
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(text), str(tiny_bundle), str(out)],
            capture_output=True,
            check=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        peaks[chars] = int(result.stdout.strip()) / 1024
        samples[chars] = len(_pcm(out))
    pauses = 20_000 // len(unit)
    print(f"MEMORY | {pauses} pauses: peak RSS MiB {peaks}, samples {samples}")
    assert pauses >= 1000
    assert samples[20_000] == pauses * (6 * FRAME + 120) + 6 * FRAME + TAIL  # 6 frames + 5 ms each
    assert peaks[20_000] - peaks[2_000] < 8
