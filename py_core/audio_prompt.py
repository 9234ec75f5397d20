"""Voice-cloning prompt audio, prepared as pocket-tts 4.0.1 prepares it (`get_state_for_audio_prompt`).

read (16-bit WAV: x / 32768, channels averaged, as upstream `audio_read`) → keep the first 30 s →
resample to 24 kHz (upstream `convert_audio`: scipy's `resample_poly`) → `end_on_pause` → zero-pad to
whole frames (Mimi's `pad_for_conv1d`). The result goes to `Engine.clone_voice`. Stdlib only at run
time: other file formats go through `soundfile` and resampling through scipy when they are installed.

Without scipy (Pyodide, `stdlib_only=True`) `resample_poly` is computed exactly in integers: the
samples are packed into one big integer, 64 bits per sample, and each filter phase into another, so
that one big-integer multiplication computes a whole convolution in C (no Python loop per sample).
For 16-bit WAV the filter taps are rounded to 2^-41 or finer, so the result is scipy's (in float64)
to float32 rounding; float input is first rounded to 30 bits below its peak.

Every input is bounded before any heavy work (`check_format`): 8–384 kHz, 1–16 channels (768,000
samples per second at most), a sane bit depth and block size, the first 30 s only; odd rates get a
nearby resampling ratio with small terms (so the filter stays short); a file that decodes to
nothing, to silence or to NaN is refused with an `AudioPromptError` that says why.
web/audio/audio-file.js applies the same limits to the formats the browser decodes.
"""

import io
import math
import struct
import sys
from array import array
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from operator import mul

from py_core.float32 import linspace

SAMPLE_RATE = 24000
SAMPLES_PER_FRAME = 1920
MAX_PROMPT_SECONDS = 30.0
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 384000
MAX_CHANNELS = 16
MAX_SAMPLES_PER_SECOND = 768000  # rate x channels: 384 kHz stereo, 48 kHz with 16 channels
MAX_RATIO_TERM = 320  # up and down of a resampling ratio: 44.1 kHz → 80/147, 11.025 kHz → 320/147
SILENCE_DB = -80.0  # a prompt whose loudest 20 ms is quieter than this (RMS, dBFS) is silence

PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
_SLOT = 64  # bits per packed sample in the integer resampler
_FLIP_TOP_BIT = bytes(i ^ 0x80 for i in range(256))


class AudioPromptError(ValueError):
    """Prompt audio that cannot be used (the message says why)."""


@dataclass(frozen=True)
class WavFormat:
    """A RIFF/WAVE file's format chunk and where its sample data lie (`data_size`: bytes present)."""

    format_tag: int  # PCM or FLOAT (WAVE_FORMAT_EXTENSIBLE resolved to its sub-format), or another code
    channels: int
    sample_rate: int
    bits: int
    block_align: int
    data_offset: int
    data_size: int


def check_format(name: str, sample_rate: int, channels: int) -> None:
    """The limits every prompt file obeys, whoever decodes it."""
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise AudioPromptError(
            f"{name}: sample rate {sample_rate} Hz is not supported "
            f"({MIN_SAMPLE_RATE // 1000}–{MAX_SAMPLE_RATE // 1000} kHz)"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioPromptError(f"{name}: {channels} channels are not supported (1–{MAX_CHANNELS})")
    if sample_rate * channels > MAX_SAMPLES_PER_SECOND:
        raise AudioPromptError(
            f"{name}: {channels} channels at {sample_rate} Hz is more audio than supported "
            f"({MAX_SAMPLES_PER_SECOND} samples per second)"
        )


def parse_wav(data: bytes, name: str = "audio") -> WavFormat:
    """The format of a RIFF/WAVE file, checked (`check_format`, bit depth, block size); reads no samples."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioPromptError(f"{name}: not a RIFF/WAVE file")
    fmt = None
    at = 12
    while at + 8 <= len(data):  # every step moves on by 8 bytes or more
        chunk_id, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        body = at + 8
        if chunk_id == b"fmt ":
            if size < 16 or body + 16 > len(data):
                raise AudioPromptError(f"{name}: the WAV format chunk is truncated")
            fmt = struct.unpack_from("<HHIIHH", data, body)
            if fmt[0] == EXTENSIBLE and size >= 40 and body + 26 <= len(data):
                fmt = (int.from_bytes(data[body + 24 : body + 26], "little"), *fmt[1:])
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioPromptError(f"{name}: the WAV data chunk comes before its format chunk")
            tag, channels, rate, _, block_align, bits = fmt
            _check_wav_fields(name, tag, channels, rate, bits, block_align)
            return WavFormat(tag, channels, rate, bits, block_align, body, min(size, len(data) - body))
        at = body + size + (size & 1)
    raise AudioPromptError(f"{name}: the WAV file has no {'data' if fmt else 'format'} chunk")


def _check_wav_fields(name: str, tag: int, channels: int, rate: int, bits: int, block_align: int) -> None:
    check_format(name, rate, channels)
    depths = {PCM: (8, 16, 24, 32), FLOAT: (32, 64)}.get(tag)
    if depths is None:
        return  # compressed WAV (ADPCM, A-law, ...): soundfile checks its own fields
    if bits not in depths:
        kind = "PCM" if tag == PCM else "float"
        raise AudioPromptError(f"{name}: {bits}-bit {kind} WAV is not supported")
    if block_align != channels * bits // 8:
        raise AudioPromptError(
            f"{name}: block size {block_align} does not match {channels} channels of {bits} bits"
        )


def read_audio(
    data: bytes, name: str = "audio", *, max_seconds: float = MAX_PROMPT_SECONDS, stdlib_only: bool = False
) -> tuple[array, int]:
    """Mono float32 samples (the first `max_seconds` only) and the sample rate of an audio file's bytes.

    16-bit PCM WAV is read here exactly as upstream does; anything else needs the `soundfile` package
    (never used with `stdlib_only`, as in Pyodide).
    """
    pcm = _pcm16(data, name, max_seconds)
    if pcm is not None:
        raw, channels, rate = pcm
        samples = array("h", raw)
        if sys.byteorder == "big":
            samples.byteswap()
        return _mono(samples, channels), rate
    return _read_with_soundfile(data, name, max_seconds, stdlib_only)


def load_prompt(
    data: bytes,
    name: str = "audio",
    *,
    target_rate: int = SAMPLE_RATE,
    max_seconds: float = MAX_PROMPT_SECONDS,
    stdlib_only: bool = False,
) -> array:
    """An audio file's bytes → prompt audio for `Engine.clone_voice`: `read_audio` then `prepare_prompt`.

    Without scipy, 16-bit WAV goes straight from its bytes into the integer resampler (no Python
    float per input sample): what makes a 30 s prompt fast in Pyodide.
    """
    pcm = _pcm16(data, name, max_seconds)
    if pcm is None or (not stdlib_only and _scipy_resample_poly() is not None):
        samples, rate = read_audio(data, name, max_seconds=max_seconds, stdlib_only=stdlib_only)
        return prepare_prompt(
            samples,
            rate,
            max_seconds=max_seconds,
            target_rate=target_rate,
            stdlib_only=stdlib_only,
            name=name,
        )
    raw, channels, rate = pcm
    up, down = resampling_ratio(rate, target_rate)
    resampled = _resample_int16(raw, channels, up, down)
    return _finish(resampled, target_rate, SAMPLES_PER_FRAME, name)


def _pcm16(data: bytes, name: str, max_seconds: float) -> tuple[bytes, int, int] | None:
    """(the first `max_seconds` of interleaved 16-bit samples, channels, rate) of a 16-bit PCM WAV;
    None for other files."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    wav = parse_wav(data, name)
    if wav.format_tag != PCM or wav.bits != 16:
        return None
    frames = min(wav.data_size // wav.block_align, int(max_seconds * wav.sample_rate))
    if frames == 0:
        raise AudioPromptError(f"{name}: the file holds no audio")
    return data[wav.data_offset : wav.data_offset + frames * wav.block_align], wav.channels, wav.sample_rate


def _mono(pcm: array, channels: int) -> array:
    """int16 samples (interleaved) → float32 x / 32768, channels averaged (upstream: numpy mean)."""
    scale = 1 / 32768.0
    if channels == 1:
        return array("f", map(scale.__mul__, pcm))
    scaled = [array("f", map(scale.__mul__, pcm[c::channels])) for c in range(channels)]
    return array("f", [sum(values) / channels for values in zip(*scaled, strict=True)])


def _read_with_soundfile(data: bytes, name: str, max_seconds: float, stdlib_only: bool) -> tuple[array, int]:
    try:
        if stdlib_only:
            raise ImportError
        import soundfile  # type: ignore[import-untyped]
    except ImportError:
        raise AudioPromptError(
            f"{name}: only 16-bit PCM WAV can be read without the soundfile package (pip install soundfile)"
        ) from None
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as file:
            check_format(name, file.samplerate, file.channels)
            frames = min(file.frames, int(max_seconds * file.samplerate))
            samples, rate = file.read(frames, dtype="float32", always_2d=True), file.samplerate
    except AudioPromptError:
        raise
    except Exception as error:  # soundfile raises its own LibsndfileError and others
        raise AudioPromptError(f"{name}: not a readable audio file ({error})") from None
    if samples.shape[0] == 0:
        raise AudioPromptError(f"{name}: the file holds no audio")
    mono = samples.mean(axis=1, dtype="float32")
    return array("f", mono.tobytes()), int(rate)


def prepare_prompt(
    samples: array,
    sample_rate: int,
    *,
    max_seconds: float = MAX_PROMPT_SECONDS,
    target_rate: int = SAMPLE_RATE,
    samples_per_frame: int = SAMPLES_PER_FRAME,
    stdlib_only: bool = False,
    name: str = "audio",
) -> array:
    """Prompt audio ready for the `mimi_encoder` graph: trimmed, resampled, ended on a pause, padded."""
    check_format(name, sample_rate, 1)
    samples = samples[: int(max_seconds * sample_rate)]
    if not samples:
        raise AudioPromptError(f"{name}: the prompt audio is empty")
    resampled = resample(samples, sample_rate, target_rate, stdlib_only=stdlib_only, name=name)
    return _finish(resampled, target_rate, samples_per_frame, name)


def _finish(samples: array, rate: int, samples_per_frame: int, name: str) -> array:
    """Refuse silence and NaN, end on a pause, pad to whole frames."""
    levels = frame_levels(samples, rate)
    if not all(map(math.isfinite, levels)):
        raise AudioPromptError(f"{name}: the audio contains NaN or infinite samples")
    if max(levels) < SILENCE_DB:
        raise AudioPromptError(f"{name}: the audio is silent (quieter than {SILENCE_DB:.0f} dBFS)")
    samples = end_on_pause(samples, rate, levels=levels)
    remainder = len(samples) % samples_per_frame
    if remainder:
        samples.frombytes(bytes(4 * (samples_per_frame - remainder)))
    return samples


def resampling_ratio(from_rate: int, to_rate: int) -> tuple[int, int]:
    """(up, down) for resample_poly: the exact ratio when its terms are at most MAX_RATIO_TERM (every
    common rate), else the nearest ratio with such terms (47,999 Hz → 1/2: a pitch change of 0.002 %)."""
    ratio = Fraction(to_rate, from_rate)
    if max(ratio.numerator, ratio.denominator) > MAX_RATIO_TERM:
        if ratio <= 1:
            ratio = ratio.limit_denominator(MAX_RATIO_TERM)
        else:
            ratio = 1 / (1 / ratio).limit_denominator(MAX_RATIO_TERM)
    return ratio.numerator, ratio.denominator


def resample(
    samples: array, from_rate: int, to_rate: int, *, stdlib_only: bool = False, name: str = "audio"
) -> array:
    """Polyphase resampling as scipy.signal.resample_poly (Kaiser window, beta 5), float32 out."""
    up, down = resampling_ratio(from_rate, to_rate)
    if up == down == 1:
        return array("f", samples)
    resample_poly = None if stdlib_only else _scipy_resample_poly()
    if resample_poly is None:
        return _resample_float(samples, up, down, name)
    import numpy as np

    out = resample_poly(np.frombuffer(samples, dtype=np.float32), up, down)
    return array("f", out.astype(np.float32).tobytes())


def _scipy_resample_poly():
    try:
        from scipy.signal import resample_poly  # type: ignore[import-untyped]
    except ImportError:
        return None
    return resample_poly


# --- resample_poly in integers -------------------------------------------------------------------


def _resample_int16(raw: bytes, channels: int, up: int, down: int) -> array:
    """resample_poly of the channel mean of interleaved little-endian int16 samples / 32768."""
    n_in = len(raw) // (2 * channels)
    low, high = raw[0::2], raw[1::2].translate(_FLIP_TOP_BIT)  # x + 32768: offset binary

    def pack(r: int, pad: int) -> int:
        """x + 32768 of samples r, r + down, ..., summed over channels, `pad` zeros on each side."""
        total, count = 0, len(range(r, n_in, down))
        for c in range(channels):
            slots = bytearray(8 * (count + 2 * pad))
            slots[0::8] = b"\0" * pad + low[r * channels + c :: down * channels] + b"\0" * pad
            slots[1::8] = b"\x80" * pad + high[r * channels + c :: down * channels] + b"\x80" * pad
            total += int.from_bytes(slots, "little")
        return total

    value_bits = 16 + (channels - 1).bit_length()
    q, frac_bits = _resample_packed(pack, 32768 * channels, value_bits, n_in, up, down)
    scale = 2.0 ** -(frac_bits + 15) / channels
    return array("f", [v * scale for v in q])


def _resample_float(samples: array, up: int, down: int, name: str) -> array:
    """resample_poly of float samples: rounded to 30-bit integers (relative to the peak) first."""
    peak = max(map(abs, samples))
    if not math.isfinite(peak):
        raise AudioPromptError(f"{name}: the audio contains NaN or infinite samples")
    if peak == 0:
        return array("f", bytes(4 * -(-len(samples) * up // down)))
    shift = 30 - math.frexp(peak)[1]  # |sample| * 2**shift < 2**30
    zero = 1 << 30
    try:
        values = array("q", [round(math.ldexp(v, shift)) + zero for v in samples])
    except ValueError:  # NaN that max() stepped over
        raise AudioPromptError(f"{name}: the audio contains NaN or infinite samples") from None
    if sys.byteorder == "big":
        values.byteswap()
    padding = zero.to_bytes(8, "little")

    def pack(r: int, pad: int) -> int:
        return int.from_bytes(padding * pad + values[r::down].tobytes() + padding * pad, "little")

    q, frac_bits = _resample_packed(pack, zero, 31, len(samples), up, down)
    return array("f", [math.ldexp(v, -frac_bits - shift) for v in q])


def _resample_packed(pack, zero: int, value_bits: int, n_in: int, up: int, down: int) -> tuple[array, int]:
    """resample_poly(x, up, down) in integers: (q, frac_bits), the outputs times 2^frac_bits (the
    filter taps are rounded to that resolution).

    The samples come offset (u = x + `zero`, 0 <= u < 2^value_bits) and packed: `pack(r, pad)` is the
    big integer sum_i u[r + (i - pad)*down] << (64*i), with u = `zero` outside the signal.
    """
    frac_bits, groups = _plan(up, down, value_bits)
    n_out = -(-n_in * up // down)
    groups = [(group, len(range(group, n_out, up)), *rest) for group, *rest in groups[:n_out]]
    pad = max(  # so that every sample read, past either end too, is in the packed stream
        [0]
        + [-first for _, _, _, kernels, _ in groups for _, _, first, _ in kernels]
        + [
            count + last - len(range(r, n_in, down))
            for _, count, _, kernels, _ in groups
            for r, _, _, last in kernels
        ]
    )
    streams = {}
    out = array("q", bytes(8 * n_out))
    for group, count, top, kernels, tap_sum in groups:
        total = 0
        for r, kernel, _, _ in kernels:
            if r not in streams:
                streams[r] = pack(r, pad)
            total += streams[r] * kernel
        if kernels:
            out[group::up] = _read_slots(total, top + pad, count, zero * tap_sum)
    return out, frac_bits


@lru_cache(maxsize=8)
def _plan(up: int, down: int, value_bits: int) -> tuple[int, list[tuple]]:
    """resample_poly's filter (firwin Kaiser, times up) in integers, arranged for `_resample_packed`:
    (frac_bits, [(group, top, [(r, kernel, first, last)], sum of the group's taps)]).

    Output m is sum_n x[n] h[t - n*up] (t = (m + n_pre_remove)*down). For the outputs m of one group
    (m = group mod `up`) the filter phase is fixed and t/up moves on by `down`: output j of the group
    is sum over taps of tap * x[(i + j)*down + r], a sum over the input residues r mod `down` of
    convolutions x_r * g_r. `kernel` packs g_r so that output j lands in slot j + top of the product
    (slot j + i of x_r times slot top - i of the kernel). frac_bits is as large as keeps every
    output within a signed 64-bit slot.
    """
    if up == down == 1:
        h, half_len = [1.0], 0
    else:
        max_rate = max(up, down)
        half_len = 10 * max_rate
        h = [v * up for v in _firwin_kaiser(2 * half_len + 1, 1.0 / max_rate, 5.0)]
    gain = max(math.fsum(map(abs, h[p::up])) for p in range(up))
    frac_bits = 62 - value_bits - math.frexp(gain)[1]
    n_pre_pad = down - half_len % down
    n_pre_remove = (half_len + n_pre_pad) // down
    taps = [0] * n_pre_pad + [round(math.ldexp(v, frac_bits)) for v in h]
    groups = []
    for group in range(up):
        t = (group + n_pre_remove) * down
        last = t // up
        by_residue: dict[int, list[tuple[int, int]]] = {}
        for k, tap in enumerate(taps[t % up :: up]):
            if tap:
                i, r = divmod(last - k, down)
                by_residue.setdefault(r, []).append((i, tap))
        indices = [i for pairs in by_residue.values() for i, _ in pairs]
        top = max(indices, default=0)
        kernels = [
            (
                r,
                sum(tap << (_SLOT * (top - i)) for i, tap in pairs),
                min(i for i, _ in pairs),
                max(i for i, _ in pairs),
            )
            for r, pairs in sorted(by_residue.items())
        ]
        tap_sum = sum(tap for pairs in by_residue.values() for _, tap in pairs)
        groups.append((group, top, kernels, tap_sum))
    return frac_bits, groups


def _read_slots(value: int, start: int, count: int, offset: int) -> array:
    """Slots start .. start+count-1 of a packed big integer, minus `offset`, as signed 64-bit integers."""
    n = start + count
    bias = ((1 << 63) - offset).to_bytes(8, "little")  # every slot is then within 0 .. 2^64 - 1
    biased = (value + int.from_bytes(bias * n, "little")) & ((1 << (_SLOT * n)) - 1)
    raw = bytearray(biased.to_bytes(8 * n, "little"))
    raw[7::8] = raw[7::8].translate(_FLIP_TOP_BIT)  # offset binary → two's complement
    slots = array("q")
    slots.frombytes(bytes(raw[8 * start :]))
    if sys.byteorder == "big":
        slots.byteswap()
    return slots


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


# --- end_on_pause ----------------------------------------------------------------------------------


def frame_levels(samples: array, sample_rate: int) -> list[float]:
    """RMS level (dB) of each whole 20 ms frame, or of all the samples when there is no whole frame."""
    frame = max(1, int(0.02 * sample_rate))
    n = len(samples) // frame
    chunks = [samples[i * frame : (i + 1) * frame] for i in range(n)] if n else [samples]
    levels = []
    for chunk in chunks:
        energy = math.fsum(map(mul, chunk, chunk)) / max(len(chunk), 1)
        levels.append(20 * math.log10(math.sqrt(energy) + 1e-12) if math.isfinite(energy) else math.nan)
    return levels


def end_on_pause(
    samples: array,
    sample_rate: int,
    pause_sec: float = 0.08,
    fade_sec: float = 0.02,
    floor_db: float = 35.0,
    *,
    levels: list[float] | None = None,
) -> array:
    """Upstream `end_on_pause`: cut trailing 20 ms frames more than `floor_db` below the loudest,
    fade the last `fade_sec` out linearly, and append `pause_sec` of zeros."""
    frame = max(1, int(0.02 * sample_rate))
    n = len(samples) // frame
    if n == 0:
        return array("f", samples)
    db = levels if levels is not None else frame_levels(samples, sample_rate)
    floor = max(db) - floor_db
    last_loud = max(i for i, value in enumerate(db) if value > floor)
    end = (last_loud + 1) * frame
    out = samples[:end]
    fade = min(int(fade_sec * sample_rate), end)
    ramp = linspace(1.0, 0.0, fade)
    out[end - fade :] = array("f", [a * b for a, b in zip(out[end - fade :], ramp, strict=True)])
    out.frombytes(bytes(4 * int(pause_sec * sample_rate)))
    return out
