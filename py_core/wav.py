"""WAV files for mono audio: 16-bit PCM exactly as upstream pocket_tts writes it, or 32-bit float.

Samples are float32: an `array('f')`, any buffer of format 'f' (memoryview, numpy float32) or an
iterable of numbers. Everything written is little-endian, whatever the machine.

16-bit PCM follows pocket_tts (data/audio.py, StreamingWAVWriter.write_pcm_data):
`(x.clamp(-1, 1) * 32767).short()`, a float32 product truncated toward zero; NaN gives 0, as torch
gives on x86. 32-bit float writes the samples unchanged, except NaN, written as 0.0.

Streaming: `WavStreamWriter` (or `wav_header` and `encode_samples`) gives the header first, with the
placeholder length that upstream declares on unseekable streams, then the data chunk by chunk; once
the total is known, `final_header()` gives a header of the same size to write over the first one.
"""

import struct
import sys
from array import array
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace

SAMPLE_RATE = 24000
# pocket_tts StreamingWAVWriter.write_header calls setnframes(1_000_000_000) on unseekable streams.
STREAMING_NUM_SAMPLES = 1_000_000_000

_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_CHUNK_BYTES = 4 * 16384  # float32 samples per big-integer pass: small enough to stay in cache


def wav_header(
    sample_rate: int = SAMPLE_RATE, *, float32: bool = False, num_samples: int | None = None
) -> bytes:
    """The bytes before the samples of a mono WAV file (44 for PCM, 58 for float).

    `num_samples=None` declares STREAMING_NUM_SAMPLES, for a stream whose length is not known yet.
    The PCM header is byte for byte what the stdlib `wave` module writes.
    """
    width = 4 if float32 else 2
    if not isinstance(sample_rate, int) or not 0 < sample_rate * width <= 0xFFFFFFFF:
        raise ValueError(f"sample rate out of range: {sample_rate!r}")
    frames = STREAMING_NUM_SAMPLES if num_samples is None else num_samples
    if not isinstance(frames, int) or frames < 0:
        raise ValueError(f"number of samples must be a non-negative int, not {num_samples!r}")
    if float32:
        fmt = struct.pack("<HHIIHHH", _WAVE_FORMAT_IEEE_FLOAT, 1, sample_rate, 4 * sample_rate, 4, 32, 0)
        chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<II", 4, frames)
    else:
        fmt = struct.pack("<HHIIHH", _WAVE_FORMAT_PCM, 1, sample_rate, 2 * sample_rate, 2, 16)
        chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    data_size = width * frames
    riff_size = 4 + len(chunks) + 8 + data_size
    if riff_size > 0xFFFFFFFF:
        raise ValueError(f"{frames} samples do not fit in a WAV file")
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks + b"data" + struct.pack("<I", data_size)


def encode_samples(samples, *, float32: bool = False) -> bytes:
    """The data bytes of `samples`: int16 by upstream's rule, or float32 (NaN as 0.0)."""
    raw = _float32_le(samples)
    if float32:
        top = raw[3::4]
        if 0x7F not in top and 0xFF not in top:  # no all-ones exponent, so no NaN
            return raw
        convert: Callable[[bytes], bytes | bytearray] = _zero_nans
    else:
        convert = _pcm16
    return b"".join(convert(raw[i : i + _CHUNK_BYTES]) for i in range(0, len(raw), _CHUNK_BYTES))


def encode_wav(samples, sample_rate: int = SAMPLE_RATE, *, float32: bool = False) -> bytes:
    """A complete mono WAV file."""
    data = encode_samples(samples, float32=float32)
    return wav_header(sample_rate, float32=float32, num_samples=len(data) // (4 if float32 else 2)) + data


class WavStreamWriter:
    """A WAV file sent piece by piece: `header()`, then `encode(chunk)` per chunk, then `final_header()`."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, *, float32: bool = False):
        wav_header(sample_rate, float32=float32)  # validates the sample rate now rather than at the end
        self.sample_rate = sample_rate
        self.float32 = float32
        self.num_samples = 0

    def header(self) -> bytes:
        """The header to send first: it declares upstream's streaming placeholder length."""
        return wav_header(self.sample_rate, float32=self.float32)

    def encode(self, samples) -> bytes:
        """The data bytes of one chunk; counts its samples."""
        data = encode_samples(samples, float32=self.float32)
        self.num_samples += len(data) // (4 if self.float32 else 2)
        return data

    def final_header(self) -> bytes:
        """The header with the true lengths, the same size as `header()`: write it over the first one."""
        return wav_header(self.sample_rate, float32=self.float32, num_samples=self.num_samples)


def _float32_le(samples) -> bytes:
    """Little-endian float32 bytes of an array('f'), a buffer of format 'f' or an iterable of numbers."""
    try:
        view = memoryview(samples)
    except TypeError:
        raw = array("f", samples).tobytes()
    else:
        if view.format != "f":
            raise TypeError(f"samples must be float32 (buffer format 'f'), not buffer format {view.format!r}")
        raw = view.tobytes()
    if sys.byteorder == "big":
        values = array("f", raw)
        values.byteswap()
        raw = values.tobytes()
    return raw


@lru_cache(maxsize=8)
def _lanes(count: int) -> SimpleNamespace:
    """Big integers holding `count` 32-bit lanes of the same value, one per constant."""
    values = {
        "abs_bits": 0x7FFFFFFF,
        "top": 0x80000000,
        # a + (0x80000000 - T) sets the top bit of a lane exactly when a >= T (a < 2**31: no carry out).
        "to_tiny": 0x80000000 - 0x38000000,  # |x| >= 2**-15 (exponent >= 112)
        "to_one": 0x80000000 - 0x3F800000,  # |x| >= 1.0, infinities and NaN
        "to_nan": 0x80000000 - 0x7F800001,  # NaN
        "mantissa": 0x007FFFFF,
        "implicit": 0x00800000,
        "nine_bits": 0x1FF,
        "fifteen_bits": 0x7FFF,
        "sixteen_bits": 0xFFFF,
        "half_minus_one": 0x3FFF,
        "exponent_low_bits": 0xF << 23,
        "one": 1,
    }
    return SimpleNamespace(
        **{name: int.from_bytes(v.to_bytes(4, "little") * count, "little") for name, v in values.items()}
    )


def _pcm16(raw: bytes) -> bytearray:
    """Little-endian float32 bytes to little-endian int16 bytes: trunc(float32(clamp(x, -1, 1) * 32767)).

    Every sample is a 32-bit lane of one big integer, and each step below works on all lanes at once
    (sums never carry out of a lane; bits shifted in from the next lane are masked off).

    For 2**-15 <= |x| < 1, |x| = m * 2**(e - 150) with m = 2**23 | mantissa and 112 <= e <= 126.
    The exact product m * 32767 = 2**15 * u - l, with u = m - (m >> 15) and l = m & 0x7FFF; rounded
    to float32 (24 bits, ties to even) it is 2**15 * (u - r), r = (l + 0x3FFF + (u & 1)) >> 15.
    The result's magnitude is (u - r) >> (135 - e): a shift by 8, then by 127 - e = (e & 15) ^ 15,
    taken one bit of that count at a time. Below 2**-15 the result is 0; at or beyond 1.0 (and at
    infinity) 32767; for NaN 0. The sign comes last, as 16-bit two's complement.
    """
    count = len(raw) // 4
    k = _lanes(count)
    x = int.from_bytes(raw, "little")
    a = x & k.abs_bits
    tiny_or_more = (a + k.to_tiny) & k.top
    one_or_more = (a + k.to_one) & k.top
    m = (a & k.mantissa) | k.implicit
    u = m - ((m >> 15) & k.nine_bits)
    r = (((a & k.fifteen_bits) + (u & k.one) + k.half_minus_one) >> 15) & k.one
    q = ((u - r) >> 8) & k.sixteen_bits
    shift = a ^ k.exponent_low_bits  # bits 23-26: 127 - e, for e from 112 to 127
    for bit in range(4):
        shifted_lanes = ((shift >> (23 + bit)) & k.one) * 0xFFFF
        q ^= (q ^ (q >> (1 << bit))) & shifted_lanes
    q &= ((tiny_or_more ^ one_or_more) >> 31) * 0xFFFF
    if one_or_more:
        saturated = one_or_more ^ ((a + k.to_nan) & k.top)
        q |= (saturated >> 31) * 32767
    negative = (x >> 31) & k.one
    q = (q ^ (negative * 0xFFFF)) + negative  # -0 carries into bit 16, which is dropped below
    lanes = q.to_bytes(4 * count, "little")
    out = bytearray(2 * count)
    out[0::2] = lanes[0::4]
    out[1::2] = lanes[1::4]
    return out


def _zero_nans(raw: bytes) -> bytes:
    """Little-endian float32 bytes with every NaN replaced by 0.0."""
    k = _lanes(len(raw) // 4)
    x = int.from_bytes(raw, "little")
    nan = ((x & k.abs_bits) + k.to_nan) & k.top
    return (x ^ (x & (nan >> 31) * 0xFFFFFFFF)).to_bytes(len(raw), "little")
