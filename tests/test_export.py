"""`synth --out x.opus|x.mp3`: compressed audio with chapter marks and subtitles (tiny synthetic bundle).

FFmpeg (Debian's ffmpeg/ffprobe, not the PyAV that wrote the files) is the oracle: the files decode to
exactly the samples of the same run written as a WAV, close to them (the metric below), and ffprobe
lists the chapters with their titles at the places the audio itself shows.

The metric: the tiny model's random weights make noise-like, full-band audio, which a perceptual codec
keeps in its band energies, not its waveform. So: the decoded sample count equals the WAV's; the SNR
against the WAV at zero lag is above a floor (Opus 48 kbps: 5 dB measured, MP3 64 kbps: 7.6 dB) and
far above the SNR one sample off (below 0 dB: the alignment is exact); the 20 ms energy envelope
agrees within 2 dB (median) where there is sound.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from py_core.cli import main
from py_core.wav import SAMPLE_RATE

REPO = Path(__file__).resolve().parent.parent
BOOK = (
    "# One\n\nThe first chapter is short.\n\n"
    "# Two\n\nThe second one, too. It has two sentences.\n\n"
    "# Three\n\nAnd a third.\n"
)
CHAPTER_PAUSE = 2.0  # py_core.document.CHAPTER_PAUSE: silence between two chapters
TAIL = 0.2  # the CLI's 200 ms of silence at the end
SNR_FLOOR = {"opus": 3.0, "mp3": 5.0}

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffprobe") is None or shutil.which("ffmpeg") is None,
    reason="Debian's ffmpeg is not installed (scripts/install.sh installs it)",
)
pytest.importorskip("av", reason="the export extra (PyAV) is not installed")


def decode(path: Path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The file's audio as float32 mono at `rate`, decoded by FFmpeg."""
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-ar", str(rate), "-ac", "1", "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, np.float32)


def chapters(path: Path) -> list[tuple[str, float, float]]:
    """(title, start, end) of each chapter ffprobe lists."""
    command = ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)]
    listed = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)["chapters"]
    return [(c["tags"]["title"], float(c["start_time"]), float(c["end_time"])) for c in listed]


def wav_samples(path: Path) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32")
    assert rate == SAMPLE_RATE
    return samples


def snr(reference: np.ndarray, other: np.ndarray, lag: int = 0) -> float:
    """SNR in dB of `other` against `reference`, `other` shifted by `lag` samples."""
    n = min(len(reference), len(other)) - abs(lag)
    a = reference[max(-lag, 0) :][:n]
    b = other[max(lag, 0) :][:n]
    return float(10 * np.log10(np.sum(a**2) / np.sum((a - b) ** 2)))


def envelope_error(reference: np.ndarray, other: np.ndarray) -> float:
    """Median |difference| in dB of the 20 ms energy envelopes, over frames within 40 dB of the loudest."""
    n = 480
    frames = min(len(reference), len(other)) // n

    def envelope(x):
        return 10 * np.log10(np.mean(x[: frames * n].reshape(frames, n) ** 2, axis=1) + 1e-12)

    a, b = envelope(reference), envelope(other)
    sounding = a > a.max() - 40
    return float(np.median(np.abs(a - b)[sounding]))


def synth(bundle: Path, out: Path, *args: str) -> int:
    return main(["synth", "--bundle", str(bundle), "--temperature", "0", "-q", "--out", str(out), *args])


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "book.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tiny_bundle, book, tmp_path_factory) -> dict[str, np.ndarray]:
    """The WAV (float32) of chapters 2-3, and of chapter 2 alone: the generated audio to compare to."""
    folder = tmp_path_factory.mktemp("wav")
    wavs = {}
    for spec in ("2-3", "2"):
        out = folder / f"{spec}.wav"
        assert synth(tiny_bundle, out, "--file", str(book), "--chapters", spec, "--float32") == 0
        wavs[spec] = wav_samples(out)
    return wavs


@needs_ffmpeg
@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_export_decodes_to_the_generated_audio_with_chapter_marks(
    tiny_bundle, book, reference, tmp_path, kind
):
    out = tmp_path / f"book.{kind}"
    assert synth(tiny_bundle, out, "--file", str(book), "--chapters", "2-3") == 0
    wav = reference["2-3"]
    decoded = decode(out)
    # The same length as the generated audio (Opus pre-skip and MP3 delay/padding removed).
    assert len(decoded) == len(wav), (len(decoded), len(wav))
    assert len(decode(out, 48000)) == 2 * len(wav)
    at_zero = snr(wav, decoded)
    envelope = envelope_error(wav, decoded)
    print(f"{kind}: {len(wav) / SAMPLE_RATE:.3f} s, SNR {at_zero:.1f} dB, envelope {envelope:.2f} dB")
    assert at_zero >= SNR_FLOOR[kind]
    assert max(snr(wav, decoded, lag) for lag in (-2, -1, 1, 2)) < at_zero - 3
    assert envelope <= 2.0

    # Chapter 3 starts after chapter 2 (as generated alone, less its tail) and the chapter pause.
    third = (len(reference["2"]) / SAMPLE_RATE - TAIL) + CHAPTER_PAUSE
    listed = chapters(out)
    assert [title for title, _, _ in listed] == ["Two", "Three"]
    assert listed[0][1] == 0.0
    assert listed[1][1] == pytest.approx(third, abs=0.001)
    assert listed[0][2] == pytest.approx(third, abs=0.001)
    assert listed[1][2] == pytest.approx(len(wav) / SAMPLE_RATE, abs=0.01)
    # ...which the decoded audio shows: silence for the pause right before it, sound right after.
    start = round(third * SAMPLE_RATE)
    assert np.abs(decoded[start - 40_000 : start - 8000]).max() < 0.01
    assert np.abs(decoded[start : start + 4800]).max() > 0.05

    # The subtitles of the same range beside it: its words, within the audio.
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "\nTwo\n" in vtt and "\nThree\n" in vtt and "first" not in vtt
    last_end = vtt.strip().split("\n\n")[-1].split("\n")[1].split(" --> ")[1]
    h, m, s = last_end.split(":")
    assert 0 < int(h) * 3600 + int(m) * 60 + float(s) <= len(wav) / SAMPLE_RATE


@needs_ffmpeg
def test_text_export_has_no_chapters_and_ogg_is_opus(tiny_bundle, tmp_path):
    out = tmp_path / "hello.ogg"
    assert synth(tiny_bundle, out, "--text", "Hello there.") == 0
    codec = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert codec == "opus"
    assert chapters(out) == []


def test_without_pyav_a_clear_error_and_no_file(tiny_bundle, tmp_path):
    """The export extra missing: `error: ... needs PyAV`, status 1, nothing written; WAV still works."""
    script = (
        "import sys; sys.modules['av'] = None\nfrom py_core.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "x.mp3"
    args = ["synth", "--bundle", str(tiny_bundle), "--text", "Hi.", "-q"]
    run = subprocess.run(
        [sys.executable, "-c", script, *args, "--out", str(out)], capture_output=True, text=True, cwd=REPO
    )
    assert run.returncode == 1
    assert "error: writing mp3 needs PyAV: pip install 'py_core[export]'" in run.stderr
    assert not out.exists()
    wav = tmp_path / "x.wav"
    run = subprocess.run([sys.executable, "-c", script, *args, "--out", str(wav)], cwd=REPO)
    assert run.returncode == 0 and wav.stat().st_size > 44
