"""Hostile prompt audio: the cloning front door must fail cleanly, quickly and without allocating
what a header claims.

Every case goes through `py_core.audio_prompt.load_prompt` (what the web worker and the CLI call) and
must end in prompt audio or an `AudioPromptError`, nothing else, within `CASE_SECONDS`, and with a
peak allocation (`tracemalloc`) bounded by the file's size (`memory_bound`), whatever its header
claims. Both paths run: `stdlib_only=True` (Pyodide's: the integer resampler, no soundfile) and the
default one (scipy, soundfile). A case that gives audio is checked against the other path and, for
16-bit WAV, against the standard library's `wave` reader (what upstream's `audio_read` uses).

The mutations start from small valid WAV files and change one header field or several (channels,
rate, bits, block align, data size, format tag, chunk sizes), truncate, flip bits, overwrite bytes,
add chunks, or replace the file with random bytes.
"""

import io
import math
import random
import struct
import time
import tracemalloc
import wave
from array import array

import numpy as np
import pytest

from py_core import audio_prompt
from py_core.audio_prompt import AudioPromptError, load_prompt, read_audio

CASE_SECONDS = 1.0
NAME = "case.wav"


def memory_bound(size: int) -> int:
    """Peak allocation allowed for a file of `size` bytes: in proportion to what the file holds."""
    return 48 * size + (8 << 20)


def pcm16_wav(rate: int, channels: int, seconds: float, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    voice = np.sin(2 * np.pi * 180 * t) * (0.5 + 0.4 * np.sin(2 * np.pi * 3 * t))
    samples = np.stack([0.3 * voice + 0.02 * rng.standard_normal(t.size) for _ in range(channels)], axis=1)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return out.getvalue()


BASES = [
    pcm16_wav(24000, 1, 0.2, 1),
    pcm16_wav(48000, 2, 0.2, 2),
    pcm16_wav(16000, 1, 0.25, 3),
    pcm16_wav(44100, 1, 0.1, 4),
]
# byte offsets of the canonical 44-byte header
FIELDS = {
    "riff_size": (4, "<I"),
    "fmt_size": (16, "<I"),
    "format_tag": (20, "<H"),
    "channels": (22, "<H"),
    "rate": (24, "<I"),
    "byte_rate": (28, "<I"),
    "block_align": (32, "<H"),
    "bits": (34, "<H"),
    "data_size": (40, "<I"),
}
INTERESTING = {
    "riff_size": [0, 4, 36, 2**31, 2**32 - 1],
    "fmt_size": [0, 1, 14, 15, 16, 17, 18, 40, 2**31, 2**32 - 1],
    "format_tag": [0, 1, 2, 3, 6, 7, 0x55, 0xFFFE, 0xFFFF],
    "channels": [0, 1, 2, 3, 8, 16, 17, 255, 65535],
    "rate": [0, 1, 7, 7999, 8000, 11025, 23999, 24000, 44101, 47999, 96000, 384000, 384001, 2**31, 2**32 - 1],
    "byte_rate": [0, 1, 2**32 - 1],
    "block_align": [0, 1, 2, 3, 4, 6, 65535],
    "bits": [0, 1, 7, 8, 12, 16, 17, 24, 32, 64, 65535],
    "data_size": [0, 1, 2, 3, 4, 4799, 2**31, 2**32 - 1],
}


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Imports scipy and soundfile and designs the common filters: not part of any case's time."""
    for base in BASES:
        load_prompt(base)
        load_prompt(base, stdlib_only=True)


def run_case(label: str, data: bytes, stdlib_only: bool):
    """load_prompt under the time bound and, for the stdlib path (Pyodide's), the memory bound (a
    second run, traced: tracing slows it down): prompt audio (checked) or an AudioPromptError."""
    start = time.perf_counter()
    result = outcome(data, stdlib_only)
    elapsed = time.perf_counter() - start
    assert elapsed < CASE_SECONDS, f"{label}: took {elapsed:.2f} s"
    if stdlib_only:
        tracemalloc.start()
        again = outcome(data, stdlib_only)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= memory_bound(len(data)), f"{label}: peak {peak:,} bytes for a {len(data):,}-byte file"
        assert str(again) == str(result) if isinstance(result, AudioPromptError) else again == result, label
    if isinstance(result, AudioPromptError):
        assert str(result).startswith(f"{NAME}: "), f"{label}: {result}"
    else:
        values = np.frombuffer(result, dtype=np.float32)
        assert values.size and values.size % audio_prompt.SAMPLES_PER_FRAME == 0, label
        assert np.isfinite(values).all(), label
    return result


def outcome(data: bytes, stdlib_only: bool):
    try:
        return load_prompt(data, NAME, stdlib_only=stdlib_only)
    except AudioPromptError as error:
        return error


def run_all(cases: list[tuple[str, bytes]]) -> list:
    """Every case through both paths; where one gives audio, the other must give the same audio."""
    results = []
    for label, data in cases:
        pure = run_case(label, data, stdlib_only=True)
        default = run_case(label + " (scipy, soundfile)", data, stdlib_only=False)
        if isinstance(pure, array):
            assert isinstance(default, array), f"{label}: only the stdlib path accepted it: {default}"
            ours, reference = np.frombuffer(pure, np.float32), np.frombuffer(default, np.float32)
            assert ours.shape == reference.shape, label
            # scipy computes in float32 (more error with longer filters); ours is exact to float32 rounding
            np.testing.assert_allclose(ours, reference, atol=1e-6, rtol=0, err_msg=label)
            check_against_wave_module(label, data)
        results.append(pure)
    return results


def check_against_wave_module(label: str, data: bytes) -> None:
    """A 16-bit WAV that py_core read: the standard library reads the same samples (the first 30 s)."""
    samples, rate = read_audio(data, NAME, stdlib_only=True)
    # py_core ignores the RIFF size (streaming writers leave it 0); wave reads within it: set it right
    fixed = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    try:
        with wave.open(io.BytesIO(fixed)) as w:
            frames = w.readframes(w.getnframes())
            channels, width, wave_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
    except (wave.Error, EOFError) as error:
        # py_core reads WAVE_FORMAT_EXTENSIBLE like plain PCM (Python 3.11's wave refuses it)
        assert data[20:22] == b"\xfe\xff", f"{label}: wave refused what py_core read: {error}"
        return
    assert (width, wave_rate) == (2, rate), label
    pcm = np.frombuffer(frames[: len(frames) - len(frames) % (2 * channels)], "<i2").reshape(-1, channels)
    expected = (pcm.astype(np.float32) / 32768).mean(axis=1)[: int(30 * rate)]
    np.testing.assert_array_equal(np.frombuffer(samples, np.float32), expected, err_msg=label)


def with_field(data: bytes, field: str, value: int) -> bytes:
    offset, fmt = FIELDS[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


# --- one field at a time, then several ------------------------------------------------------------


def test_each_header_field():
    cases = [
        (f"base {b} {field}={value}", with_field(base, field, value))
        for b, base in enumerate(BASES)
        for field, values in INTERESTING.items()
        for value in values
    ]
    results = run_all(cases)
    assert len(cases) >= 240
    assert any(isinstance(r, array) for r in results) and any(
        isinstance(r, AudioPromptError) for r in results
    )


def random_field_value(rng: random.Random, field: str) -> int:
    offset, fmt = FIELDS[field]
    if rng.random() < 0.6:
        return rng.choice(INTERESTING[field])
    return rng.randrange(2 ** (8 * struct.calcsize(fmt)))


def test_several_header_fields():
    rng = random.Random(11)
    cases = []
    for i in range(260):
        data = rng.choice(BASES)
        for field in rng.sample(sorted(FIELDS), rng.randint(2, 4)):
            data = with_field(data, field, random_field_value(rng, field))
        cases.append((f"several {i}", data))
    run_all(cases)


def test_consistent_header_claims():
    """Headers that agree with themselves (block align and byte rate follow channels and bits) but
    not with the data: the checks must hold without the mismatches that catch the rest."""
    rng = random.Random(12)
    cases = []
    for i in range(90):
        channels = rng.choice([1, 2, 3, 16, 17, 0])
        bits = rng.choice([8, 16, 24, 32, 16, 16])
        rate = rng.choice([8000, 22050, 48000, 384000, 7999, 384001, 2**31, rng.randrange(1, 2**32)])
        data = BASES[i % len(BASES)]
        for field, value in [
            ("channels", channels),
            ("bits", bits),
            ("rate", rate),
            ("block_align", channels * bits // 8),
            ("byte_rate", (rate * channels * bits // 8) % 2**32),
        ]:
            data = with_field(data, field, value)
        cases.append((f"consistent {i}: {channels} ch, {bits} bits, {rate} Hz", data))
    run_all(cases)


# --- truncation, bit flips, random bytes ---------------------------------------------------------


def test_truncations():
    rng = random.Random(13)
    cases = [(f"cut at {n}", BASES[1][:n]) for n in range(0, 60)]
    for i in range(100):
        base = rng.choice(BASES)
        cases.append((f"cut {i}", base[: rng.randrange(len(base))]))
    results = run_all(cases)
    assert all(isinstance(r, AudioPromptError) for r in results[:48])  # no whole frame: nothing to read


def test_header_bit_flips_and_byte_overwrites():
    rng = random.Random(14)
    cases = []
    for i in range(170):
        data = bytearray(rng.choice(BASES))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(44)
            if rng.random() < 0.5:
                data[at] ^= 1 << rng.randrange(8)
            else:
                data[at] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        cases.append((f"header bytes {i}", bytes(data)))
    run_all(cases)


def test_data_bit_flips():
    rng = random.Random(15)
    cases = []
    for i in range(40):
        data = bytearray(rng.choice(BASES))
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(44, len(data))] ^= 1 << rng.randrange(8)
        cases.append((f"data bytes {i}", bytes(data)))
    results = run_all(cases)
    assert all(isinstance(r, array) for r in results)  # any 16-bit sample values are valid audio


def test_random_files():
    rng = random.Random(16)
    cases = []
    for i in range(60):
        cases.append((f"random {i}", rng.randbytes(rng.randrange(200))))
        cases.append(
            (f"RIFF random {i}", b"RIFF" + rng.randbytes(4) + b"WAVE" + rng.randbytes(rng.randrange(300)))
        )
    results = run_all(cases)
    assert all(isinstance(r, AudioPromptError) for r in results)


def chunk(chunk_id: bytes, body: bytes, size: int | None = None) -> bytes:
    size = len(body) if size is None else size
    return chunk_id + struct.pack("<I", size) + body + b"\0" * (len(body) % 2)


def test_chunk_layouts():
    rng = random.Random(17)
    fmt = BASES[0][12:36]
    samples = BASES[0][44:]
    cases = []
    for i in range(70):
        chunks = [fmt, chunk(b"data", samples)]
        for _ in range(rng.randint(1, 3)):
            extra = rng.choice(
                [
                    chunk(b"LIST", rng.randbytes(rng.randrange(9))),
                    chunk(b"junk", b"", rng.choice([1, 7, 2**31, 2**32 - 1])),
                    chunk(b"fmt ", rng.randbytes(rng.choice([0, 14, 16, 40]))),
                    chunk(b"data", b""),
                    rng.randbytes(rng.randrange(1, 12)),
                ]
            )
            chunks.insert(rng.randrange(len(chunks) + 1), extra)
        body = b"WAVE" + b"".join(chunks)
        cases.append((f"chunks {i}", b"RIFF" + struct.pack("<I", len(body)) + body))
    run_all(cases)


# --- crafted files: the right refusal, or the right audio --------------------------------------


def crafted_wav(
    rate=24000, channels=1, bits=16, tag=1, block_align=None, data=b"", data_size=None, extensible=False
) -> bytes:
    block_align = channels * bits // 8 if block_align is None else block_align
    fmt = struct.pack(
        "<HHIIHH",
        0xFFFE if extensible else tag,
        channels,
        rate,
        rate * block_align % 2**32,
        block_align,
        bits,
    )
    if extensible:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes(14)
    body = b"WAVE" + chunk(b"fmt ", fmt) + chunk(b"data", data, data_size)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(n: int, amplitude: int = 8000, channels: int = 1) -> bytes:
    values = [int(amplitude * math.sin(i * 0.07)) for i in range(n) for _ in range(channels)]
    return array("h", values).tobytes()


CRAFTED = [
    (
        "rate 2**31",
        crafted_wav(rate=2**31, data=tone(4800)),
        "sample rate 2147483648 Hz is not supported (8–384 kHz)",
    ),
    (
        "rate 2**32-1",
        crafted_wav(rate=2**32 - 1, data=tone(4800)),
        "sample rate 4294967295 Hz is not supported",
    ),
    ("rate 1", crafted_wav(rate=1, data=tone(4800)), "sample rate 1 Hz is not supported"),
    ("rate 7999", crafted_wav(rate=7999, data=tone(4800)), "sample rate 7999 Hz is not supported"),
    ("rate 384001", crafted_wav(rate=384001, data=tone(4800)), "sample rate 384001 Hz is not supported"),
    (
        "0 channels",
        crafted_wav(channels=0, block_align=2, data=tone(4800)),
        "0 channels are not supported (1–16)",
    ),
    ("17 channels", crafted_wav(channels=17, data=tone(480, channels=17)), "17 channels are not supported"),
    (
        "384 kHz x 3",
        crafted_wav(rate=384000, channels=3, data=tone(480, channels=3)),
        "more audio than supported",
    ),
    ("12 bits", crafted_wav(bits=12, block_align=2, data=tone(4800)), "12-bit PCM WAV is not supported"),
    ("16-bit float", crafted_wav(bits=16, tag=3, data=tone(4800)), "16-bit float WAV is not supported"),
    (
        "block align 3",
        crafted_wav(block_align=3, data=tone(4800)),
        "block size 3 does not match 1 channels of 16 bits",
    ),
    ("block align 0", crafted_wav(block_align=0, data=tone(4800)), "block size 0 does not match"),
    ("no samples", crafted_wav(data=b""), "the file holds no audio"),
    ("one byte", crafted_wav(data=b"\x01"), "the file holds no audio"),
    ("data size 0", crafted_wav(data=tone(4800), data_size=0), "the file holds no audio"),
    ("silence", crafted_wav(data=bytes(9600)), "the audio is silent"),
    (
        "dither",
        crafted_wav(data=array("h", [(-1) ** i for i in range(9600)]).tobytes()),
        "the audio is silent",
    ),
    ("no data chunk", b"RIFF\x1c\0\0\0WAVE" + chunk(b"fmt ", BASES[0][20:36]), "has no data chunk"),
    ("no fmt chunk", b"RIFF\x10\0\0\0WAVE" + chunk(b"data", tone(100)), "data chunk comes before its format"),
    ("short fmt", b"RIFF\x14\0\0\0WAVE" + chunk(b"fmt ", bytes(12)), "the WAV format chunk is truncated"),
    ("not audio", b"definitely not audio", "only 16-bit PCM WAV can be read without the soundfile package"),
    ("RIFF only", b"RIFF\0\0\0\0WAVE", "has no format chunk"),
]


@pytest.mark.parametrize("label,data,message", CRAFTED, ids=[label for label, _, _ in CRAFTED])
def test_crafted_files_are_refused_with_a_reason(label, data, message):
    result = run_case(label, data, stdlib_only=True)
    assert isinstance(result, AudioPromptError) and message in str(result), str(result)
    assert str(result).startswith(f"{NAME}: ")


def test_the_30_s_limit_comes_before_decoding():
    """A data chunk that claims 4 GB and holds 40 s: only the first 30 s are read."""
    data = crafted_wav(rate=8000, data=tone(40 * 8000), data_size=2**32 - 1)
    samples, rate = read_audio(data, NAME, stdlib_only=True)
    assert (len(samples), rate) == (30 * 8000, 8000)
    start = time.perf_counter()
    prompt = load_prompt(data, NAME, stdlib_only=True)
    assert time.perf_counter() - start < 3 * CASE_SECONDS  # 30 s of audio, not a fuzz case's 0.2 s
    assert 29 * 24000 < len(prompt) <= 30 * 24000 + 0.08 * 24000 + audio_prompt.SAMPLES_PER_FRAME


def test_extensible_16_bit_pcm_reads_as_plain_pcm():
    plain, extensible = crafted_wav(data=tone(4800)), crafted_wav(data=tone(4800), extensible=True)
    assert load_prompt(plain, stdlib_only=True) == load_prompt(extensible, stdlib_only=True)


@pytest.mark.parametrize(
    ("rate", "ratio"), [(47999, (1, 2)), (44101, (80, 147)), (8001, (3, 1)), (383999, (1, 16))]
)
def test_odd_rates_get_a_nearby_ratio_with_small_terms(rate, ratio):
    assert audio_prompt.resampling_ratio(rate, 24000) == ratio
    prompt = run_case(f"{rate} Hz", crafted_wav(rate=rate, data=tone(rate // 4)), stdlib_only=True)
    assert isinstance(prompt, array)


def test_common_rates_keep_their_exact_ratio():
    for rate in (
        8000,
        11025,
        12000,
        16000,
        22050,
        24000,
        32000,
        44100,
        48000,
        88200,
        96000,
        176400,
        192000,
        384000,
    ):
        up, down = audio_prompt.resampling_ratio(rate, 24000)
        assert up * rate == down * 24000, rate


def test_nan_in_float_input_is_refused():
    samples = array("f", [0.1] * 2000 + [math.nan] + [0.1] * 2000)  # inside a whole 20 ms frame
    for stdlib_only in (True, False):
        with pytest.raises(AudioPromptError, match="^x.flac: the audio contains NaN or infinite"):
            audio_prompt.prepare_prompt(samples, 16000, stdlib_only=stdlib_only, name="x.flac")
    with pytest.raises(AudioPromptError, match="NaN or infinite"):
        audio_prompt.prepare_prompt(array("f", [0.1] * 2000 + [math.inf] * 3 + [0.1] * 2000), 24000)


def test_silent_float_wav_is_refused_by_name():
    """soundfile's formats get the same refusals as 16-bit WAV (here: silence), naming the file."""
    silent = crafted_wav(bits=32, tag=3, data=bytes(4 * 4800))
    with pytest.raises(AudioPromptError, match=f"^{NAME}: the audio is silent"):
        load_prompt(silent, NAME)


def test_float_wav_limits_apply_before_soundfile():
    """Formats that soundfile reads (or the browser decodes) obey the same header checks."""
    float_wav = crafted_wav(rate=2**31, bits=32, tag=3, data=array("f", [0.1] * 100).tobytes())
    with pytest.raises(AudioPromptError, match="sample rate 2147483648 Hz is not supported"):
        load_prompt(float_wav, NAME)
