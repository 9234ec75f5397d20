"""py_core.audio_prompt (voice-cloning audio) against upstream pocket_tts's own functions:
audio_read, convert_audio (scipy resample_poly), end_on_pause, and Mimi's pad_for_conv1d."""

import io
import wave
from array import array

import numpy as np
import pytest
import soundfile
import torch
from pocket_tts.data.audio import _audio_read_with_soundfile, audio_read
from pocket_tts.data.audio_utils import convert_audio, end_on_pause
from pocket_tts.modules.conv import pad_for_conv1d
from scipy.signal import resample_poly

from py_core import audio_prompt
from py_core.audio_prompt import AudioPromptError, prepare_prompt, read_audio, resample


def _signal(seconds, rate, seed=0, silence_from=None):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * 220 * t) * (
        0.6 + 0.4 * np.sin(2 * np.pi * 2 * t)
    ) + 0.02 * rng.standard_normal(t.size)
    if silence_from is not None:
        x[int(silence_from * rate) :] *= 1e-3
    return x.astype(np.float32)


def _pcm16_wav(channels: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((channels.T.clip(-1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def _f32(values) -> np.ndarray:
    return np.frombuffer(values, dtype=np.float32)


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_16_bit_wav_reads_as_upstream_audio_read(tmp_path, channels):
    data = np.stack([_signal(0.5, 22050, seed=c) for c in range(channels)])
    path = tmp_path / "a.wav"
    path.write_bytes(_pcm16_wav(data, 22050))
    samples, rate = read_audio(path.read_bytes())
    reference, reference_rate = audio_read(path)
    assert rate == reference_rate == 22050
    np.testing.assert_array_equal(_f32(samples), reference[0].numpy())


@pytest.mark.parametrize(("suffix", "subtype"), [(".wav", "FLOAT"), (".flac", "PCM_24"), (".wav", "PCM_24")])
def test_other_formats_read_through_soundfile_as_upstream(tmp_path, suffix, subtype):
    data = np.stack([_signal(0.4, 16000, seed=1), _signal(0.4, 16000, seed=2)], axis=1)
    path = tmp_path / f"a{suffix}"
    soundfile.write(path, data, 16000, subtype=subtype)
    samples, rate = read_audio(path.read_bytes(), path.name)
    if subtype == "FLOAT":
        # upstream 4.0.1 audio_read opens every .wav with `wave` first, which raises on float WAV;
        # its soundfile path (which py_core takes) is what it meant to use.
        with pytest.raises(wave.Error):
            audio_read(path)
        reference, reference_rate = _audio_read_with_soundfile(path)
    else:
        reference, reference_rate = audio_read(path)
    assert rate == reference_rate
    np.testing.assert_allclose(_f32(samples), reference[0].numpy(), atol=1e-7)


def test_unreadable_audio_is_refused():
    with pytest.raises(AudioPromptError, match="x.mp9: not a readable audio file"):
        read_audio(b"definitely not audio", "x.mp9")
    with pytest.raises(AudioPromptError, match="empty"):
        prepare_prompt(array("f"), 24000)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000, 24000])
def test_resample_is_upstream_convert_audio(rate):
    x = _signal(0.3, rate, seed=rate)
    ours = _f32(resample(array("f", x.tobytes()), rate, 24000))
    reference = convert_audio(torch.from_numpy(x)[None], rate, 24000, 1)[0].numpy()
    np.testing.assert_array_equal(ours, reference)


@pytest.mark.parametrize(
    ("rate", "n"), [(44100, 4410), (16000, 1601), (48000, 7), (22050, 3001), (11025, 999), (96000, 5000)]
)
def test_stdlib_resampling_of_floats_matches_scipy(rate, n):
    """Without scipy (Pyodide): the same filter and alignment, exact integer arithmetic on the samples
    rounded to 30 bits below their peak: scipy's float64 result to float32 rounding."""
    x = _signal(1.0, rate, seed=n)[:n]
    up, down = audio_prompt.resampling_ratio(rate, 24000)
    ours = _f32(resample(array("f", x.tobytes()), rate, 24000, stdlib_only=True))
    reference = resample_poly(x.astype(np.float64), up, down)
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, atol=3e-8, rtol=0)


@pytest.mark.parametrize(
    ("rate", "channels", "seconds"),
    [(44100, 2, 0.7), (48000, 2, 0.5), (16000, 1, 0.6), (8000, 3, 0.4), (22050, 1, 0.5), (11025, 2, 0.3)]
    + [(24000, 2, 0.5), (96000, 1, 0.4), (384000, 2, 0.1)],
)
def test_16_bit_wav_prompt_without_scipy_is_upstreams(tmp_path, rate, channels, seconds):
    """load_prompt(stdlib_only=True), Pyodide's path (16-bit samples straight into the integer
    resampler), against upstream's audio_read → convert_audio → end_on_pause → pad_for_conv1d.
    Upstream's scipy call runs in float32 (errors near 1e-7); ours is exact to float32 rounding."""
    data = np.stack([_signal(seconds, rate, seed=c, silence_from=seconds - 0.1) for c in range(channels)])
    path = tmp_path / "prompt.wav"
    path.write_bytes(_pcm16_wav(data, rate))
    ours = _f32(audio_prompt.load_prompt(path.read_bytes(), stdlib_only=True))
    wav, reference_rate = audio_read(path)
    reference = end_on_pause(convert_audio(wav, reference_rate, 24000, 1), 24000)
    reference = pad_for_conv1d(reference[None], 1920, 1920)[0, 0].numpy()
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, atol=2.5e-7, rtol=0)
    exact = resample_poly(reference_pcm(path).astype(np.float64), *audio_prompt.resampling_ratio(rate, 24000))
    exact = _f32(audio_prompt.prepare_prompt(array("f", exact.astype(np.float32).tobytes()), 24000))
    np.testing.assert_allclose(ours, exact, rtol=2**-23, atol=1e-12)  # one float32 step at most


def reference_pcm(path) -> np.ndarray:
    """The WAV's samples, channel mean of int16 / 32768 computed in float64 (exact for 1 or 2 channels)."""
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())
    return pcm.astype(np.float64).mean(axis=1) / 32768


def test_load_prompt_with_scipy_is_read_audio_then_prepare_prompt(tmp_path):
    data = _pcm16_wav(np.stack([_signal(0.6, 44100, seed=5), _signal(0.6, 44100, seed=6)]), 44100)
    samples, rate = read_audio(data)
    np.testing.assert_array_equal(_f32(audio_prompt.load_prompt(data)), _f32(prepare_prompt(samples, rate)))


@pytest.mark.parametrize(
    "x",
    [
        _signal(1.3, 24000, silence_from=0.9),
        _signal(1.3, 24000),
        _signal(0.5, 24000, silence_from=0.01),
        np.zeros(5000, np.float32),
        _signal(0.01, 24000),  # shorter than one 20 ms frame: unchanged
        _signal(0.0301, 24000),
    ],
)
def test_end_on_pause_is_upstreams(x):
    ours = _f32(audio_prompt.end_on_pause(array("f", x.tobytes()), 24000))
    reference = end_on_pause(torch.from_numpy(x.copy())[None], 24000)[0].numpy()
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, atol=1e-7, rtol=0)


@pytest.mark.parametrize(("seconds", "rate"), [(2.7, 44100), (31.0, 16000), (1.0, 24000)])
def test_prepare_prompt_is_upstreams_pipeline(seconds, rate):
    """read → first 30 s (upstream's truncate=True) → convert_audio → end_on_pause → whole frames."""
    x = _signal(seconds, rate, seed=3, silence_from=seconds - 0.3)
    ours = _f32(prepare_prompt(array("f", x.tobytes()), rate))
    wav = torch.from_numpy(x[: int(30 * rate)].copy())[None]
    reference = end_on_pause(convert_audio(wav, rate, 24000, 1), 24000)
    reference = pad_for_conv1d(reference[None], 1920, 1920)[0, 0].numpy()
    assert ours.shape == reference.shape and len(ours) % 1920 == 0
    np.testing.assert_allclose(ours, reference, atol=1e-7, rtol=0)
