"""Hostile voice files: py_core must fail cleanly, quickly and without allocating what a header claims.

Every case goes through `load_voice` (which runs `py_core.safetensors.load`) and must end in a
`Voice` or a `VoiceFileError`, nothing else. A case that parses is checked against the
`safetensors` library and torch: the library must accept the same bytes, and the voice must
hold exactly the library's values, all finite (NaN or Inf in a voice's valid region must be
rejected). Each case runs under `tracemalloc`: its peak must stay within
2 x file size + 1 MiB (`memory_bound`), so no header can make the reader allocate what the
file does not hold; and within `CASE_SECONDS`, so nothing hangs.

The first tests check the reader and writer themselves against the library.
"""

import json
import random
import struct
import time
import tracemalloc
from array import array
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import safetensors.torch
import torch

from py_core import safetensors as st
from py_core.voices import Voice, VoiceFileError, load_voice

FANTINE = (Path(__file__).parent / "fixtures" / "pocket-tts" / "fantine.safetensors").read_bytes()
HEADER_END = 8 + struct.unpack("<Q", FANTINE[:8])[0]
CASE_SECONDS = 2.0
TORCH_DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
}


def memory_bound(size: int) -> int:
    return 2 * size + (1 << 20)


@pytest.fixture(scope="module", autouse=True)
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


def run_case(label: str, data: bytes) -> Voice | VoiceFileError:
    """Load `data` as a voice under the time and memory bounds; check a success against the library."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        result = load_voice(data)
    except VoiceFileError as error:
        result = error
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    assert elapsed < CASE_SECONDS, f"{label}: took {elapsed:.2f} s"
    assert peak <= memory_bound(len(data)), f"{label}: peak {peak:,} bytes for a {len(data):,}-byte file"
    if isinstance(result, Voice):
        check_against_library(label, data, result)
    return result


def library_tensors(data: bytes) -> dict[str, torch.Tensor]:
    """The file as the safetensors library reads it, as torch tensors."""
    tensors = {}
    for name, entry in safetensors.deserialize(data):
        flat = torch.frombuffer(bytearray(entry["data"]) or bytearray(8), dtype=TORCH_DTYPES[entry["dtype"]])
        tensors[name] = flat[: int(np.prod(entry["shape"]))].reshape(entry["shape"])
    return tensors


def check_against_library(label: str, data: bytes, voice: Voice) -> None:
    tensors = library_tensors(data)  # raises if the library refuses a file that py_core accepted
    if voice.layout == "audio_prompt":
        prompt = tensors["audio_prompt"].float()
        assert voice.shape == tuple(prompt.shape[-2:]), label
        expected = [prompt.reshape(-1)]
    else:
        expected = []
        for i in range(voice.num_layers):
            prefix = f"transformer.layers.{i}.self_attn"
            offset = tensors.get(f"{prefix}/offset")
            offset = int(offset[0]) if offset is not None else tensors[f"{prefix}/current_end"].shape[0]
            assert offset == voice.offset, label
            expected.append(tensors[f"{prefix}/cache"].float()[:, :, :offset].reshape(-1))
    got = [voice.prompt] if voice.layout == "audio_prompt" else voice.caches
    for values, reference in zip(got, expected, strict=True):
        reference = reference.numpy()
        assert np.isfinite(reference).all(), f"{label}: accepted NaN or Inf"
        np.testing.assert_array_equal(
            np.asarray(values, dtype=np.float32).view(np.uint32), reference.view(np.uint32), err_msg=label
        )


# --- the reader and writer against the safetensors library --------------------------------------


@pytest.mark.parametrize("dtype", ["F32", "F16", "BF16", "F64"])
def test_float_conversion_matches_torch(dtype):
    values = torch.randn(70_000, generator=torch.Generator().manual_seed(3)) * 100
    values[:6] = torch.tensor([0.0, -0.0, 1e-7, -3e-6, 65504.0, float("inf")])  # zeros, subnormal halves, max
    values = values.to(TORCH_DTYPES[dtype])
    tensors, _ = st.load(safetensors.torch.save({"x": values}))
    converted = np.asarray(st.to_float32(tensors["x"]), dtype=np.float32)
    np.testing.assert_array_equal(converted.view(np.uint32), values.float().numpy().view(np.uint32))
    assert not st.all_finite(st.to_float32(tensors["x"]))
    assert st.all_finite(st.to_float32(tensors["x"], 6, 70_000))


ALL_HALVES = np.arange(1 << 16, dtype=np.uint16)


@pytest.mark.parametrize(
    "bit_patterns",
    [
        ALL_HALVES,  # every value in one chunk: zero exponents narrowed to the subnormals
        np.tile(np.random.default_rng(4).permutation(ALL_HALVES), 3)[7:],  # across chunk boundaries
        np.arange(1, 5000, dtype=np.uint16) % 1024 + 1,  # all subnormal: converted by struct
        np.where(np.arange(100_000) % 40_000 == 5, 3, 0).astype(np.uint16),  # many zeros, 3 subnormals
    ],
    ids=["all", "shuffled", "subnormal", "zeros"],
)
def test_every_float16_value_converts_exactly(bit_patterns):
    halves = bit_patterns.view(np.float16)
    tensors, _ = st.load(safetensors.numpy.save({"x": halves}))
    converted = np.asarray(st.to_float32(tensors["x"]), dtype=np.float32)
    expected = halves.astype(np.float32)
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(converted[finite].view(np.uint32), expected[finite].view(np.uint32))
    np.testing.assert_array_equal(np.isnan(converted), np.isnan(expected))
    np.testing.assert_array_equal(converted[np.isinf(expected)], expected[np.isinf(expected)])


def test_every_float32_exponent_is_classified():
    patterns = np.array(
        [
            (sign << 31) | (exponent << 23) | mantissa
            for sign in (0, 1)
            for exponent in range(256)
            for mantissa in (0, 1)
        ],
        dtype=np.uint32,
    )
    for value in patterns.view(np.float32):
        assert st.all_finite(array("f", [1.0, value, 2.0])) == bool(np.isfinite(value)), value


def test_integers_match_the_library():
    data = safetensors.numpy.save(
        {
            "a": np.array([-(2**63), 2**63 - 1, 5], dtype=np.int64),
            "b": np.array([-7, 2**31 - 1], dtype=np.int32),
        }
    )
    tensors, _ = st.load(data)
    assert st.to_ints(tensors["a"]) == [-(2**63), 2**63 - 1, 5]
    assert st.to_ints(tensors["b"]) == [-7, 2**31 - 1]


def test_dump_is_read_by_the_library(tmp_path):
    data = st.dump(
        {
            "f32": ("F32", (2, 3), array("f", [1.5, -2.0, 0.0, 3.25, 1e-3, -7.0])),
            "f64": ("F64", [2], array("d", [1.0, -2.5])),
            "i64": ("I64", (1,), array("q", [12])),
            "i32": ("I32", (2,), array("i", [-1, 7])),
            "bf16": (
                "BF16",
                (2,),
                torch.tensor([1.5, -3.0], dtype=torch.bfloat16).view(torch.int16).numpy().tobytes(),
            ),
            "empty": ("F32", (0, 4), b""),
        },
        {"voice": "test"},
    )
    tensors = safetensors.torch.load(data)
    assert tensors["f32"].tolist() == np.array([[1.5, -2.0, 0.0], [3.25, 1e-3, -7.0]], np.float32).tolist()
    assert tensors["f64"].tolist() == [1.0, -2.5] and tensors["f64"].dtype == torch.float64
    assert tensors["i64"].tolist() == [12] and tensors["i32"].tolist() == [-1, 7]
    assert tensors["bf16"].float().tolist() == [1.5, -3.0] and tensors["empty"].shape == (0, 4)
    path = tmp_path / "dumped.safetensors"
    path.write_bytes(data)
    with safetensors.safe_open(str(path), framework="pt") as f:
        assert f.metadata() == {"voice": "test"}


@pytest.mark.parametrize(
    "tensors",
    [
        {"x": ("F32", (3,), array("f", [1.0, 2.0]))},
        {"x": ("F32", (2,), array("d", [1.0, 2.0]))},
        {"x": ("F12", (1,), b"\0")},
        {"x": ("F32", (-1,), b"")},
        {"x": ("F32", (1,), [1.0])},
        {"__metadata__": ("F32", (0,), b"")},
    ],
)
def test_dump_refuses_bad_tensors(tensors):
    with pytest.raises((ValueError, TypeError)):
        st.dump(tensors)


# --- mutations of the real voice file ------------------------------------------------------------


def mutated(seed: int, count: int, mutate) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    return [(f"seed {seed} case {i}", bytes(mutate(rng, bytearray(FANTINE)))) for i in range(count)]


def flip_bits(low: int, high: int):
    def mutate(rng, data):
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(low, high)] ^= 1 << rng.randrange(8)
        return data

    return mutate


def overwrite_bytes(low: int, high: int, alphabet: bytes):
    def mutate(rng, data):
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(low, high)] = rng.choice(alphabet)
        return data

    return mutate


def poke_non_finite(rng, data):
    index = HEADER_END + 4 * rng.randrange((len(FANTINE) - HEADER_END) // 4)
    value = rng.choice([float("nan"), float("inf"), -float("inf")])
    data[index : index + 4] = struct.pack("<f", value)
    return data


def truncate(rng, data):
    return data[: rng.choice([rng.randrange(0, HEADER_END + 16), rng.randrange(len(data))])]


def set_header_length(rng, data):
    value = rng.choice(
        [
            0,
            1,
            7,
            HEADER_END - 9,
            HEADER_END - 7,
            rng.randrange(HEADER_END),
            rng.randrange(len(data) - 8, len(data) + 8),
            st.MAX_HEADER_BYTES + 1,
            2**31,
            2**32 + HEADER_END - 8,
            2**63,
            2**64 - 1,
            rng.randrange(2**64),
        ]
    )
    data[:8] = value.to_bytes(8, "little")
    return data


def insert_or_delete(rng, data):
    index = rng.randrange(len(data))
    if rng.random() < 0.5:
        data[index:index] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    else:
        del data[index : index + rng.randint(1, 8)]
    return data


JSON_ALPHABET = b'{}[]:,"\\0123456789-.eE \x00\xff'


def test_header_bit_flips():
    run_all(mutated(1, 250, flip_bits(0, HEADER_END)), may_succeed=True)


def test_header_byte_overwrites():
    run_all(
        mutated(2, 250, overwrite_bytes(0, HEADER_END, JSON_ALPHABET + bytes(range(256)))), may_succeed=True
    )


def test_data_mutations():
    cases = mutated(3, 100, flip_bits(HEADER_END, len(FANTINE)))
    cases += mutated(4, 50, overwrite_bytes(HEADER_END, len(FANTINE), b"\x7f\xff\x80\x00\xc0"))
    results = run_all(cases, may_succeed=True)
    assert sum(isinstance(r, Voice) for r in results) > 50  # most float mutations are still valid voices


def test_nan_and_inf_in_the_data_are_rejected():
    results = run_all(mutated(5, 60, poke_non_finite), may_succeed=False)
    assert all("contains NaN or Inf" in str(r) for r in results)


def test_truncations():
    run_all(
        mutated(6, 150, truncate) + [(f"cut at {n}", FANTINE[:n]) for n in range(0, 20)], may_succeed=False
    )


def test_header_length_field():
    run_all(mutated(7, 100, set_header_length), may_succeed=False)


def test_insertions_and_deletions():
    run_all(mutated(8, 100, insert_or_delete), may_succeed=True)


def json_edits() -> list:
    """Edits of the parsed fantine header, each turning one field into something wrong."""
    prompt = "audio_prompt"
    edits = []
    for dtype in [
        "F16",
        "BF16",
        "F64",
        "I32",
        "I64",
        "U8",
        "BOOL",
        "F8_E4M3",
        "f32",
        "",
        "F12",
        None,
        4,
        [],
        {},
    ]:
        edits.append(("dtype", dtype))
    for shape in [
        [132, 1024],
        [1, 132, 1024, 1],
        [1, 264, 512],
        [1, 132, 1023],
        [1, -132, -1024],
        [1, 132.0, 1024],
        [True, 132, 1024],
        ["1", 132, 1024],
        [None],
        [],
        [0],
        [1, 132, 2**64],
        [2**62, 2**62, 2**62],
        [2**40] * 40,
        [[1], 132, 1024],
        {"a": 1},
        "[1,132,1024]",
        None,
    ]:
        edits.append(("shape", shape))
    for offsets in [
        [0],
        [0, 540672, 0],
        [540672, 0],
        [1, 540673],
        [-4, 540668],
        [0, 540676],
        [0, 540668],
        [0.0, 540672],
        [0, 2**70],
        [0, 10**19],
        [False, 540672],
        None,
        "0,540672",
    ]:
        edits.append(("data_offsets", offsets))
    edits += [(key, "drop") for key in ("dtype", "shape", "data_offsets")] + [("extra", 1)]

    def apply(field, value):
        def edit(header):
            if value == "drop":
                del header[prompt][field]
            else:
                header[prompt][field] = value

        return edit

    cases = [(f"{field}={value!r}", apply(field, value)) for field, value in edits]
    cases += [
        ("metadata int", lambda h: h["__metadata__"].update(voice=3)),
        ("metadata list", lambda h: h.update(__metadata__=["a"])),
        ("metadata null", lambda h: h.update(__metadata__=None)),
        ("no metadata", lambda h: h.pop("__metadata__")),
        ("renamed", lambda h: h.update(prompt=h.pop(prompt))),
        ("entry is a list", lambda h: h.update(audio_prompt=[1, 2])),
        (
            "second tensor overlapping",
            lambda h: h.update(x={"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}),
        ),
        (
            "second tensor past the end",
            lambda h: h.update(x={"dtype": "F32", "shape": [1], "data_offsets": [540672, 540676]}),
        ),
        (
            "empty second tensor",
            lambda h: h.update(x={"dtype": "F32", "shape": [0], "data_offsets": [540672, 540672]}),
        ),
    ]
    return cases


def with_header(header_bytes: bytes, body: bytes = b"", length: int | None = None) -> bytes:
    return struct.pack("<Q", len(header_bytes) if length is None else length) + header_bytes + body


def test_json_edits():
    header = json.loads(FANTINE[8:HEADER_END])
    cases = []
    for label, edit in json_edits():
        edited = json.loads(json.dumps(header))
        edit(edited)
        text = json.dumps(edited).encode()
        cases.append((label, with_header(text, FANTINE[HEADER_END:])))
        cases.append((label + " (padded)", with_header(text + b" " * 5, FANTINE[HEADER_END:])))
    results = run_all(cases, may_succeed=True)
    assert sum(isinstance(r, Voice) for r in results) >= 6  # [N, D] shape, dropped or empty extras are valid


def run_all(cases: list[tuple[str, bytes]], may_succeed: bool) -> list:
    start = time.perf_counter()
    results = [run_case(label, data) for label, data in cases]
    if not may_succeed:
        for (label, _), result in zip(cases, results, strict=True):
            assert isinstance(result, VoiceFileError), f"{label}: accepted"
    assert time.perf_counter() - start < 20
    return results


# --- a KV-state file in F16, NaN beyond the offset -----------------------------------------------


def kv_base() -> bytes:
    generator = torch.Generator().manual_seed(9)
    tensors = {}
    for i in range(2):
        cache = torch.randn(2, 1, 6, 2, 4, generator=generator).half()
        cache[:, :, 4:] = float("nan")
        tensors[f"transformer.layers.{i}.self_attn/cache"] = cache
        tensors[f"transformer.layers.{i}.self_attn/offset"] = torch.tensor([4])
        tensors[f"transformer.layers.{i}.self_attn/pad"] = torch.tensor([0])
    return safetensors.torch.save(tensors)


def test_kv_state_mutations():
    base = kv_base()
    assert run_case("base", base).offset == 4
    header_end = 8 + struct.unpack("<Q", base[:8])[0]
    rng = random.Random(10)
    cases = []
    for i in range(300):
        data = bytearray(base)
        kind = i % 4
        if kind == 0:
            data[rng.randrange(header_end)] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data[rng.randrange(header_end)] = rng.choice(JSON_ALPHABET)
        elif kind == 2:
            data[rng.randrange(header_end, len(data))] ^= 1 << rng.randrange(8)
        else:
            del data[rng.randrange(len(data)) :]
        cases.append((f"kv case {i}", bytes(data)))
    results = run_all(cases, may_succeed=True)
    assert any(isinstance(r, Voice) for r in results) and any(isinstance(r, VoiceFileError) for r in results)


# --- crafted files ------------------------------------------------------------------------------

# Near the header size limit (64 KiB), so that only the nesting check stands between them and json.
NESTED_LISTS = b'{"a":' + b"[" * 30_000 + b"]" * 30_000 + b"}"
NESTED_OBJECTS = b'{"a":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001
UNTERMINATED = b'{"' + b'\\"' * 30_000
QUOTES = b'{"a":' + b'"",' * 20_000 + b"}"
MIXED = b'{"a":' + b'[""' * 20_000
DEPTH_8 = b'{"a":[[[[[[[1]]]]]]]}'
DEPTH_9 = b'{"a":[[[[[[[[1]]]]]]]]}'
BRACKETS_IN_NAME = b'{"[[[[[[[[[[\\"]]":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'


def entry(dtype="F32", shape=(1,), offsets=(0, 4)) -> dict:
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def crafted(header: dict, body: bytes = b"") -> bytes:
    return with_header(json.dumps(header).encode(), body)


def one_layer(offset: int, first: float = 1.0) -> bytes:
    cache, offset_key = "transformer.layers.0.self_attn/cache", "transformer.layers.0.self_attn/offset"
    header = {cache: entry(shape=(2, 1, 1, 1, 1), offsets=(0, 8)), offset_key: entry("I64", (1,), (8, 16))}
    return crafted(header, struct.pack("<ffq", first, 1.0, offset))


PROMPT = "audio_prompt"
CRAFTED = [  # (label, file, what the error message must say)
    ("empty file", b"", "it has 0 bytes"),
    ("7 bytes", b"\x08\0\0\0\0\0\0", "it has 7 bytes"),
    ("8-byte file, length 0", bytes(8), "does not start with '{'"),
    ("8-byte file, length 2", with_header(b"", length=2), "truncated: the header should be 2 bytes"),
    ("length 2**64-1", with_header(b"{}", length=2**64 - 1), "18,446,744,073,709,551,615 bytes"),
    ("length past the file", with_header(b"{}      ", length=16), "truncated"),
    ("header above the limit", with_header(b"{}" + b" " * st.MAX_HEADER_BYTES), "at most 65,536"),
    ("list header", with_header(b"[]"), "does not start with '{'"),
    ("string header", with_header(b'"x"'), "does not start with '{'"),
    ("null header", with_header(b"null"), "does not start with '{'"),
    ("open brace", with_header(b"{"), "not valid JSON"),
    ("leading space", with_header(b' {"a":1}'), "does not start with '{'"),
    ("all spaces", with_header(b" " * 64), "does not start with '{'"),
    ("deep lists", with_header(NESTED_LISTS), "nests deeper than 8"),
    ("deep objects", with_header(NESTED_OBJECTS), "nests deeper than 8"),
    ("brackets between strings", with_header(MIXED), "nests deeper than 8"),
    ("depth 9", with_header(DEPTH_9), "nests deeper than 8"),
    ("depth 8", with_header(DEPTH_8), "needs exactly dtype, shape and data_offsets"),
    ("brackets in a name", with_header(BRACKETS_IN_NAME, bytes(4)), "unexpected tensor '[[[[[[[[[["),
    ("unterminated escapes", with_header(UNTERMINATED), "Unterminated string"),
    ("many strings", with_header(QUOTES), "not valid JSON"),
    (
        "duplicate keys",
        with_header(
            b'{"a":' + json.dumps(entry()).encode() + b',"a":' + json.dumps(entry()).encode() + b"}", bytes(4)
        ),
        "repeats the key 'a'",
    ),
    ("non-UTF-8 header", with_header(b'{"\xff\xfe":1}'), "not UTF-8"),
    (
        "lone surrogate name",
        with_header(b'{"\\ud800":' + json.dumps(entry()).encode() + b"}", bytes(4)),
        "\\u escape",
    ),
    ("lone surrogate metadata", with_header(b'{"__metadata__":{"a":"\\udfff"}}'), "\\u escape"),
    (
        "non-string metadata",
        crafted({"__metadata__": {"a": 1}}),
        "'__metadata__' must map strings to strings",
    ),
    ("NaN in header", with_header(b'{"a":NaN}'), "non-JSON number NaN"),
    (
        "Infinity in shape",
        with_header(b'{"a":{"dtype":"F32","shape":[Infinity],"data_offsets":[0,4]}}', bytes(4)),
        "non-JSON number Infinity",
    ),
    (
        "huge integer",
        with_header(b'{"a":{"dtype":"F32","shape":[' + b"9" * 5000 + b'],"data_offsets":[0,4]}}'),
        "absurd number",
    ),
    (
        "product overflows",
        crafted({PROMPT: entry(shape=(2**62, 2**62, 4), offsets=(0, 16))}, bytes(16)),
        "needs 68 bytes but its data_offsets give 16",
    ),
    (
        "product overflows the file",
        crafted({"a": entry(shape=(2**32, 2**32), offsets=(0, 0))}),
        "is corrupt: shape",
    ),
    ("shape -1", crafted({PROMPT: entry(shape=(-1, 1))}, bytes(4)), "invalid shape"),
    ("shape 1.5", crafted({PROMPT: entry(shape=(1.5,))}, bytes(4)), "invalid shape"),
    ("shape true", crafted({PROMPT: entry(shape=(True,))}, bytes(4)), "invalid shape"),
    ("shape null", crafted({PROMPT: entry(shape=(None,))}, bytes(4)), "invalid shape"),
    (
        "offsets past end",
        crafted({PROMPT: entry(offsets=(0, 2**40))}, bytes(4)),
        "claims bytes 0 to 1,099,511,627,776",
    ),
    ("offsets reversed", crafted({PROMPT: entry(offsets=(4, 0))}, bytes(4)), "claims bytes 4 to 0"),
    ("offsets negative", crafted({PROMPT: entry(offsets=(-4, 0))}, bytes(4)), "claims bytes -4 to 0"),
    ("three offsets", crafted({PROMPT: entry(offsets=(0, 4, 4))}, bytes(4)), "invalid data_offsets"),
    (
        "overlapping",
        crafted({"a": entry(shape=(2,), offsets=(0, 8)), "b": entry(shape=(2,), offsets=(4, 12))}, bytes(12)),
        "'b' overlaps the previous tensor",
    ),
    (
        "gap",
        crafted({"a": entry(offsets=(0, 4)), "b": entry(offsets=(8, 12))}, bytes(12)),
        "'b' leaves a gap",
    ),
    (
        "trailing bytes",
        crafted({PROMPT: entry()}, bytes(8)),
        "describes 4 bytes of tensor data but 8 bytes follow",
    ),
    ("not at zero", crafted({PROMPT: entry(offsets=(4, 8))}, bytes(8)), "leaves a gap"),
    ("dtype list", crafted({PROMPT: entry(dtype=["F32"])}, bytes(4)), "unknown dtype"),
    ("dtype unknown", crafted({PROMPT: entry(dtype="Q7")}, bytes(4)), "unknown dtype 'Q7'"),
    ("entry extra field", crafted({PROMPT: {**entry(), "x": 1}}, bytes(4)), "needs exactly dtype"),
    ("entry is a string", crafted({PROMPT: "F32"}, bytes(4)), "needs exactly dtype"),
    (
        "zero frames",
        crafted({PROMPT: entry(shape=(1, 0, 8), offsets=(0, 0))}),
        "expected [1, N, D] or [N, D]",
    ),
    (
        "many empty tensors",
        crafted({f"t{i}": entry(shape=(0,), offsets=(0, 0)) for i in range(900)}),
        "unexpected tensor 't0'",
    ),
    ("NaN cache from offset 0", one_layer(1, float("nan")), "contains NaN or Inf"),
    ("offset -1", one_layer(-1), "offset -1 must lie between 1 and"),
    ("offset 2**63-1", one_layer(2**63 - 1), "offset 9223372036854775807 must lie"),
]


@pytest.mark.parametrize("label,data,message", CRAFTED, ids=[label for label, _, _ in CRAFTED])
def test_crafted_files_are_rejected(label, data, message):
    result = run_case(label, data)
    assert isinstance(result, VoiceFileError) and message in str(result), str(result)


def test_header_padded_to_the_limit_still_parses():
    header = FANTINE[8:HEADER_END] + b" " * (st.MAX_HEADER_BYTES - (HEADER_END - 8))
    voice = run_case("padded", with_header(header, FANTINE[HEADER_END:]))
    assert voice.shape == (132, 1024)
