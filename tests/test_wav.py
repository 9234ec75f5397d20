"""py_core.wav against the stdlib `wave` module, soundfile (libsndfile) and upstream's rule in numpy."""

import io
import struct
import time
import wave
from array import array

import numpy as np
import pytest
import soundfile as sf

from py_core.wav import STREAMING_NUM_SAMPLES, WavStreamWriter, encode_samples, encode_wav, wav_header

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1.0000001, -1.0000001, 1.5, -1.5, 2.0, -2.0, 1e30, -1e30, 3e38, -3e38]
SPECIAL += [np.inf, -np.inf, np.nan, -np.nan, 0.5, -0.5, 2.0**-15, -(2.0**-15), 2.0**-16, 1e-45, -1e-45]


def reference_pcm16(x) -> np.ndarray:
    """pocket_tts's `(x.clamp(-1, 1) * 32767).short()` in numpy: float32 product, truncated; NaN as 0."""
    x = np.asarray(x, dtype=np.float32)
    clipped = np.clip(np.where(np.isnan(x), np.float32(0), x), -1, 1)
    return (clipped * np.float32(32767)).astype(np.int16)


def reference_float32(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.where(np.isnan(x), np.float32(0), x)


def signal(n: int, seed: int = 0) -> np.ndarray:
    """Speech-like noise that sometimes clips, with every special value mixed in."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 0.4).astype(np.float32)
    x[rng.integers(0, n, min(n, len(SPECIAL)))] = np.array(SPECIAL[: min(n, len(SPECIAL))], np.float32)
    return x


def random_bit_patterns(n: int, seed: int) -> np.ndarray:
    """Every kind of float32: NaNs with payloads, infinities, subnormals, huge and tiny values."""
    return (
        np.random.default_rng(seed).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    )


def rounding_boundaries() -> np.ndarray:
    """Three float32 neighbours on each side of k / 32767 for every k: where float32 rounding decides."""
    k = np.arange(0, 32768, dtype=np.float64)
    centers = (k / 32767).astype(np.float32)
    below, above = [centers], [centers]
    for _ in range(3):
        below.append(np.nextafter(below[-1], np.float32(-np.inf)))
        above.append(np.nextafter(above[-1], np.float32(np.inf)))
    x = np.concatenate(below + above[1:])
    return np.concatenate([x, -x])


def read_with_wave(data: bytes) -> tuple:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return reader.getparams(), np.frombuffer(reader.readframes(reader.getnframes()), "<i2")


def wave_module_file(frames: np.ndarray, sample_rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(frames.astype("<i2").tobytes())
    return out.getvalue()


def test_pcm16_file_is_byte_for_byte_what_the_wave_module_writes():
    x = signal(5000)
    assert encode_wav(x) == wave_module_file(reference_pcm16(x), 24000)
    params, frames = read_with_wave(encode_wav(x))
    assert (params.nchannels, params.sampwidth, params.framerate, params.nframes) == (1, 2, 24000, 5000)
    assert np.array_equal(frames, reference_pcm16(x))


@pytest.mark.parametrize(
    "x",
    [rounding_boundaries(), random_bit_patterns(300_000, 1), np.array(SPECIAL, np.float32)],
    ids=["rounding_boundaries", "random_bit_patterns", "special"],
)
def test_pcm16_values_follow_upstream_rule_exactly(x):
    expected = reference_pcm16(x)
    got = np.frombuffer(encode_samples(x), "<i2")
    mismatches = np.flatnonzero(got != expected)
    assert mismatches.size == 0, (x[mismatches[:5]], got[mismatches[:5]], expected[mismatches[:5]])


def test_float32_writes_samples_bit_for_bit_except_nan():
    x = np.concatenate([signal(3000), random_bit_patterns(50_000, 2)])
    got = np.frombuffer(encode_samples(x, float32=True), "<f4")
    assert np.array_equal(got.view(np.uint32), reference_float32(x).view(np.uint32))
    for value in SPECIAL:  # alone, so that no other value can trigger the NaN handling
        assert encode_samples([value], float32=True) == reference_float32([value]).astype("<f4").tobytes()
    finite = signal(3000)
    finite = finite[np.isfinite(finite)]
    assert encode_samples(finite, float32=True) == finite.astype("<f4").tobytes()


@pytest.mark.parametrize("sample_rate", [8000, 16000, 24000, 44100, 48000])
@pytest.mark.parametrize("float32", [False, True], ids=["pcm16", "float32"])
def test_soundfile_reads_both_formats(sample_rate, float32):
    x = signal(4801, seed=sample_rate)
    data = encode_wav(x, sample_rate, float32=float32)
    info = sf.info(io.BytesIO(data))
    assert (info.format, info.subtype) == ("WAV", "FLOAT" if float32 else "PCM_16")
    assert (info.samplerate, info.channels, info.frames) == (sample_rate, 1, len(x))
    if float32:
        back, rate = sf.read(io.BytesIO(data), dtype="float32")
        assert np.array_equal(back.view(np.uint32), reference_float32(x).view(np.uint32))
    else:
        back, rate = sf.read(io.BytesIO(data), dtype="int16")
        assert np.array_equal(back, reference_pcm16(x))
        assert read_with_wave(data)[0].framerate == sample_rate
    assert rate == sample_rate


@pytest.mark.parametrize("n", [0, 1, 2, 3, 16383, 16384, 16385, 40001])
def test_lengths_including_empty_odd_and_around_the_internal_chunk_size(n):
    x = signal(n, seed=n)
    pcm = encode_wav(x)
    assert len(pcm) == 44 + 2 * n
    params, frames = read_with_wave(pcm)
    assert params.nframes == n and np.array_equal(frames, reference_pcm16(x))
    floats = encode_wav(x, float32=True)
    assert len(floats) == 58 + 4 * n
    back, _ = sf.read(io.BytesIO(floats), dtype="float32", always_2d=False)
    assert back.shape == (n,) and np.array_equal(back.view(np.uint32), reference_float32(x).view(np.uint32))


def test_every_kind_of_input_gives_the_same_bytes():
    x = signal(1000)
    expected = encode_wav(x)
    as_array = array("f", x.tobytes())
    inputs = [x, x.tolist(), tuple(x.tolist()), iter(x.tolist()), as_array, memoryview(as_array)]
    for samples in inputs:
        assert encode_wav(samples) == expected
    assert encode_wav(np.repeat(x, 2)[::2]) == expected  # a strided (non-contiguous) buffer
    assert encode_wav([0.1, 1, -2]) == encode_wav(np.array([0.1, 1, -2], np.float32))


@pytest.mark.parametrize(
    "samples", [b"\x00\x00\x80\x3f", np.zeros(4), array("d", [0.5]), array("h", [1])], ids=repr
)
def test_buffers_that_are_not_float32_are_rejected(samples):
    with pytest.raises(TypeError, match="float32"):
        encode_samples(samples)


def test_streaming_header_is_upstreams_and_the_final_header_makes_the_whole_file():
    unseekable = _WriteOnly()  # what pocket_tts's StreamingWAVWriter sees when serving a stream
    writer = wave.open(unseekable, "wb")
    writer.setnchannels(1)
    writer.setsampwidth(2)
    writer.setframerate(24000)
    writer.setnframes(1_000_000_000)
    writer.writeframesraw(b"")
    writer._patchheader = lambda: None  # as upstream does before closing an unseekable stream
    writer.close()
    assert wav_header() == bytes(unseekable.data) == WavStreamWriter().header()

    x = signal(30_000, seed=7)
    for float32 in (False, True):
        stream = WavStreamWriter(24000, float32=float32)
        parts = [stream.header()]
        for start, stop in [(0, 0), (0, 1), (1, 1920), (1920, 3840), (3840, 29_993), (29_993, 30_000)]:
            parts.append(stream.encode(x[start:stop]))
        live = b"".join(parts)
        complete = stream.final_header() + live[len(parts[0]) :]
        assert stream.num_samples == len(x)
        assert complete == encode_wav(x, float32=float32)
        # Before the final header, libsndfile reads what is there; `wave` believes the placeholder.
        assert sf.info(io.BytesIO(live)).frames == len(x)
        if not float32:
            params, frames = read_with_wave(live)
            assert params.nframes == STREAMING_NUM_SAMPLES and np.array_equal(frames, reference_pcm16(x))


def test_float32_streaming_placeholder_fits_in_32_bits():
    header = wav_header(48000, float32=True)
    riff_size, fact, data_size = struct.unpack_from("<I", header, 4)[0], header[38:50], header[-4:]
    assert riff_size == 4 + 26 + 12 + 8 + 4 * STREAMING_NUM_SAMPLES
    assert fact == b"fact" + struct.pack("<II", 4, STREAMING_NUM_SAMPLES)
    assert data_size == struct.pack("<I", 4 * STREAMING_NUM_SAMPLES)


def test_header_rejects_what_cannot_be_written():
    largest_pcm = (0xFFFFFFFF - 36) // 2
    assert len(wav_header(num_samples=largest_pcm)) == 44
    for bad in [dict(num_samples=largest_pcm + 1), dict(num_samples=-1), dict(num_samples=1.0)]:
        with pytest.raises(ValueError):
            wav_header(**bad)
    for rate in [0, -24000, 24000.0, 2**31]:
        with pytest.raises(ValueError):
            WavStreamWriter(rate, float32=True)


def test_ten_minutes_at_24khz(capsys):
    """Correctness on a long input; the timings are printed (run with -s), not asserted."""
    x = signal(24000 * 600, seed=3)
    samples = array("f", x.tobytes())
    timings = {}
    for float32 in (False, True):
        start = time.process_time()
        data = encode_samples(samples, float32=float32)
        timings["float32" if float32 else "pcm16"] = time.process_time() - start
        expected = reference_float32(x) if float32 else reference_pcm16(x)
        assert data == expected.astype("<f4" if float32 else "<i2").tobytes()
    with capsys.disabled():
        print(" ".join(f"{name}: {seconds:.2f} s CPU" for name, seconds in timings.items()), end=" ")


class _WriteOnly:
    """A stream with only write() and close(), like the queue wrapper upstream's server writes to."""

    def __init__(self):
        self.data = bytearray()

    def write(self, chunk):
        self.data += chunk

    def flush(self):
        pass

    def close(self):
        pass
