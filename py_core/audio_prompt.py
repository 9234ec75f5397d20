"""Voice-cloning prompt audio, prepared as pocket-tts 4.0.1 prepares it (`get_state_for_audio_prompt`).

read (16-bit WAV: x / 32768, channels averaged, as upstream `audio_read`) → keep the first 30 s →
resample to 24 kHz (upstream `convert_audio`: scipy's `resample_poly`; a pure-Python polyphase
filter with the same Kaiser FIR when scipy is absent) → `end_on_pause` → zero-pad to whole frames
(Mimi's `pad_for_conv1d`). The result goes to `Engine.clone_voice`. Stdlib only; other file formats
go through `soundfile`, imported only when needed.
"""

import io
import math
import wave
from array import array
from operator import mul

from py_core.engine import linspace

SAMPLE_RATE = 24000
SAMPLES_PER_FRAME = 1920
MAX_PROMPT_SECONDS = 30.0


class AudioPromptError(ValueError):
    """Prompt audio that cannot be used (the message says why)."""


def read_audio(data: bytes, name: str = "audio") -> tuple[array, int]:
    """Mono float32 samples and the sample rate of an audio file's bytes.

    16-bit WAV is read here exactly as upstream does; anything else needs the `soundfile` package.
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
                raw = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError):
            pass  # WAVE_FORMAT_EXTENSIBLE, float: soundfile reads those
        else:
            if width == 2:
                return _mono_int16(raw, channels), rate
    return _read_with_soundfile(data, name)


def _mono_int16(raw: bytes, channels: int) -> array:
    pcm = array("h")
    pcm.frombytes(raw[: len(raw) - len(raw) % (2 * channels)])
    if array("h", [1]).tobytes() != b"\x01\x00":
        pcm.byteswap()
    if channels == 1:
        return array("f", [v / 32768.0 for v in pcm])
    scaled = [array("f", [v / 32768.0 for v in pcm[c::channels]]) for c in range(channels)]
    return array("f", [sum(values) / channels for values in zip(*scaled, strict=True)])


def _read_with_soundfile(data: bytes, name: str) -> tuple[array, int]:
    try:
        import soundfile
    except ImportError:
        raise AudioPromptError(
            f"{name}: only 16-bit WAV can be read without the soundfile package (pip install soundfile)"
        ) from None
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as error:  # soundfile raises its own LibsndfileError and others
        raise AudioPromptError(f"{name}: not a readable audio file ({error})") from None
    mono = samples.mean(axis=1, dtype="float32")
    return array("f", mono.tobytes()), int(rate)


def prepare_prompt(
    samples: array,
    sample_rate: int,
    *,
    max_seconds: float = MAX_PROMPT_SECONDS,
    target_rate: int = SAMPLE_RATE,
    samples_per_frame: int = SAMPLES_PER_FRAME,
) -> array:
    """Prompt audio ready for the `mimi_encoder` graph: trimmed, resampled, ended on a pause, padded."""
    if sample_rate <= 0:
        raise AudioPromptError(f"bad sample rate {sample_rate}")
    samples = samples[: int(max_seconds * sample_rate)]
    if not samples:
        raise AudioPromptError("the prompt audio is empty")
    samples = end_on_pause(resample(samples, sample_rate, target_rate), target_rate)
    remainder = len(samples) % samples_per_frame
    if remainder:
        samples.frombytes(bytes(4 * (samples_per_frame - remainder)))
    return samples


def resample(samples: array, from_rate: int, to_rate: int) -> array:
    """Polyphase resampling as scipy.signal.resample_poly (Kaiser window, beta 5), float32 out."""
    g = math.gcd(from_rate, to_rate)
    up, down = to_rate // g, from_rate // g
    if up == down == 1:
        return array("f", samples)
    try:
        import numpy as np
        from scipy.signal import resample_poly
    except ImportError:
        return _resample_poly(samples, up, down)
    out = resample_poly(np.frombuffer(samples, dtype=np.float32), up, down)
    return array("f", out.astype(np.float32).tobytes())


def _resample_poly(samples: array, up: int, down: int) -> array:
    """Pure-Python resample_poly (padtype 'constant'): the same filter, same alignment and length."""
    max_rate = max(up, down)
    half_len = 10 * max_rate
    h = [v * up for v in _firwin_kaiser(2 * half_len + 1, 1.0 / max_rate, 5.0)]
    n_pre_pad = down - half_len % down
    h = [0.0] * n_pre_pad + h
    n_in = len(samples)
    n_out = -(-n_in * up // down)
    n_pre_remove = (half_len + n_pre_pad) // down
    # Phase p holds h[p], h[p + up], ...: output sample m takes x[n] * h[m*down - n*up].
    phases = [h[p::up] for p in range(up)]
    x = list(samples)
    out = array("f", bytes(4 * n_out))
    for m in range(n_out):
        t = (m + n_pre_remove) * down
        phase = phases[t % up]
        last = t // up  # the newest input sample that reaches this output
        first = last - len(phase) + 1
        lo = max(first, 0)
        hi = min(last, n_in - 1)
        if lo > hi:
            continue
        # taps run backwards in time: x[last - k] * phase[k]
        taps = phase[last - hi : last - lo + 1]
        out[m] = sum(map(mul, taps, reversed(x[lo : hi + 1])))
    return out


def _firwin_kaiser(numtaps: int, cutoff: float, beta: float) -> list[float]:
    """scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta)): low-pass, unit gain at DC."""
    alpha = 0.5 * (numtaps - 1)
    i0_beta = _bessel_i0(beta)
    h = []
    for n in range(numtaps):
        m = n - alpha
        sinc = 1.0 if m == 0 else math.sin(math.pi * cutoff * m) / (math.pi * cutoff * m)
        ratio = 2.0 * n / (numtaps - 1) - 1.0
        window = _bessel_i0(beta * math.sqrt(max(0.0, 1.0 - ratio * ratio))) / i0_beta
        h.append(cutoff * sinc * window)
    total = math.fsum(h)
    return [v / total for v in h]


def _bessel_i0(x: float) -> float:
    """Modified Bessel function of the first kind, order 0 (power series; x is small here)."""
    term = total = 1.0
    k = 0
    while term > 1e-17 * total:
        k += 1
        term *= (x / (2 * k)) ** 2
        total += term
    return total


def end_on_pause(
    samples: array,
    sample_rate: int,
    pause_sec: float = 0.08,
    fade_sec: float = 0.02,
    floor_db: float = 35.0,
) -> array:
    """Upstream `end_on_pause`: cut trailing 20 ms frames more than `floor_db` below the loudest,
    fade the last `fade_sec` out linearly, and append `pause_sec` of zeros."""
    frame = max(1, int(0.02 * sample_rate))
    n = len(samples) // frame
    if n == 0:
        return array("f", samples)
    db = []
    for i in range(n):
        chunk = samples[i * frame : (i + 1) * frame]
        rms = math.sqrt(math.fsum(v * v for v in chunk) / frame)
        db.append(20 * math.log10(rms + 1e-12))
    floor = max(db) - floor_db
    last_loud = max(i for i, value in enumerate(db) if value > floor)
    end = (last_loud + 1) * frame
    out = samples[:end]
    fade = min(int(fade_sec * sample_rate), end)
    ramp = linspace(1.0, 0.0, fade)
    out[end - fade :] = array("f", [a * b for a, b in zip(out[end - fade :], ramp, strict=True)])
    out.frombytes(bytes(4 * int(pause_sec * sample_rate)))
    return out
