"""Read and write safetensors files with the standard library only.

The format: an 8-byte little-endian header length, a JSON header that maps each tensor
name to its dtype, shape and byte range, an optional ``__metadata__`` map of strings, then
the tensor bytes. Files come from users (voice files), so the reader treats them as
hostile: every size is checked against the file before anything is allocated, and every
problem is reported as a `SafetensorsError` with a message a person can act on.

Floating-point tensors convert to ``array('f')`` (float32), integer tensors to Python ints.
Conversions work on whole byte strings (slicing, ``bytes.translate``, big-int bit
operations) instead of per-element Python loops, so a 30 MB state converts in well under
a second.
"""

import json
import re
import struct
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass

MAX_HEADER_BYTES = 64 << 10
"""Largest accepted JSON header. A 24-layer voice state needs about 8 KB."""

DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip
"""Bytes per element of every dtype the safetensors format defines."""

FLOAT_DTYPES = ("F32", "F16", "BF16", "F64")
"""Dtypes that `to_float32` converts."""

INT_DTYPES = ("I64", "I32")
"""Dtypes that `to_ints` converts."""

_ARRAY_TYPECODES = {"F32": "f", "F64": "d", "I64": "q", "I32": "i"}
_MAX_JSON_DEPTH = 8  # a valid header nests 3 deep
_MAX_INT_DIGITS = 20  # any size or offset that fits in the file has fewer digits
_CHUNK = 1 << 16  # elements converted per step: bounds the temporary buffers
_LITTLE = sys.byteorder == "little"
# Everything but the brackets outside JSON strings: a string (an unterminated one runs to the end),
# or a run of other characters. Possessive, so linear on any input.
_NOT_STRUCTURE = re.compile(r'"[^"\\]*+(?:\\.?+[^"\\]*+)*+(?:"|\Z)|[^\[\]{}"]++', re.DOTALL)
_PARENTHESES = str.maketrans("[{]}", "(())")


class SafetensorsError(ValueError):
    """The bytes are not a valid safetensors file (the message says why)."""


@dataclass(frozen=True)
class Tensor:
    """One tensor of a parsed file: its dtype, shape and raw little-endian bytes."""

    dtype: str
    shape: tuple[int, ...]
    data: memoryview

    @property
    def numel(self) -> int:
        """Number of elements (the product of the shape)."""
        return len(self.data) // DTYPE_SIZES[self.dtype]


def load(data: bytes | bytearray | memoryview) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Parse a safetensors file; return its tensors (views into `data`) and its metadata."""
    view = memoryview(data).cast("B")
    if len(view) < 8:
        raise SafetensorsError(
            f"not a safetensors file: it has {len(view)} bytes, fewer than the 8-byte header length"
        )
    header_len = int.from_bytes(view[:8], "little")
    if header_len > MAX_HEADER_BYTES:
        raise SafetensorsError(
            f"not a safetensors file: its header length field says {header_len:,} bytes "
            f"(at most {MAX_HEADER_BYTES:,} are accepted)"
        )
    if 8 + header_len > len(view):
        raise SafetensorsError(
            f"safetensors file is truncated: the header should be {header_len:,} bytes "
            f"but only {len(view) - 8:,} bytes follow the length field"
        )
    header = _parse_header(view[8 : 8 + header_len])
    body = view[8 + header_len :]
    metadata = _parse_metadata(header.pop("__metadata__", {}))
    tensors = {name: _parse_tensor_entry(name, entry, len(body)) for name, entry in header.items()}
    _check_layout(tensors, len(body))
    views = {
        name: Tensor(dtype, shape, body[begin:end]) for name, (dtype, shape, begin, end) in tensors.items()
    }
    return views, metadata


def _parse_header(raw: memoryview) -> dict:
    """Decode the JSON header, refusing anything that could make the parser misbehave."""
    try:
        text = str(raw, "utf-8")
    except UnicodeDecodeError as e:
        raise SafetensorsError(f"not a safetensors file: the header is not UTF-8 text ({e.reason})") from None
    if not text.startswith("{"):
        raise SafetensorsError("not a safetensors file: the header does not start with '{'")
    if _nests_deeper_than(text, _MAX_JSON_DEPTH):
        raise SafetensorsError(
            f"not a safetensors file: the header nests deeper than {_MAX_JSON_DEPTH} levels"
        )
    try:
        header = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
        )
    except SafetensorsError:
        raise
    except (ValueError, RecursionError) as e:
        raise SafetensorsError(f"not a safetensors file: the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError("not a safetensors file: the header is not a JSON object")
    return header


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside JSON strings nest more than `limit` deep (linear time, no recursion).

    Each round deletes the innermost bracket pairs; closers appended at the end pair up with
    brackets left open, so any opener that survives `limit` rounds sits deeper than `limit`.
    """
    skeleton = _NOT_STRUCTURE.sub("", text).translate(_PARENTHESES) + ")" * (limit + 1)
    for _ in range(limit):
        skeleton = skeleton.replace("()", "")
    return "(" in skeleton


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict[str, object] = {}
    for key, value in pairs:
        _require_unicode(key)
        if key in result:
            raise SafetensorsError(f"not a safetensors file: the header repeats the key {key[:100]!r}")
        result[key] = value
    return result


def _require_unicode(text: str) -> None:
    """JSON escapes can encode lone surrogates, which are not text; refuse them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SafetensorsError("not a safetensors file: the header contains an invalid \\u escape") from None


def _reject_constant(name: str) -> None:
    raise SafetensorsError(f"not a safetensors file: the header contains the non-JSON number {name}")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise SafetensorsError(
            f"not a safetensors file: the header contains the absurd number {text[:30]}..."
        )
    return int(text)


def _parse_metadata(metadata: object) -> dict[str, str]:
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError("not a safetensors file: '__metadata__' must map strings to strings")
    for value in metadata.values():
        _require_unicode(value)
    return metadata


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_tensor_entry(name: str, entry: object, body_len: int) -> tuple[str, tuple[int, ...], int, int]:
    """Validate one header entry against the data region; return (dtype, shape, begin, end)."""
    where = f"tensor {name[:100]!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(f"not a safetensors file: {where} needs exactly dtype, shape and data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPE_SIZES:
        raise SafetensorsError(f"{where} has an unknown dtype {str(dtype)[:30]!r}")
    if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
        raise SafetensorsError(f"{where} has an invalid shape: it must be a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(o) for o in offsets)):
        raise SafetensorsError(f"{where} has invalid data_offsets: they must be two integers")
    begin, end = offsets
    if not 0 <= begin <= end <= body_len:
        raise SafetensorsError(
            f"safetensors file is truncated or corrupt: {where} claims bytes {begin:,} to {end:,} "
            f"but the file has {body_len:,} bytes of tensor data"
        )
    numel = _bounded_product(shape, body_len)
    if numel * DTYPE_SIZES[dtype] != end - begin:
        raise SafetensorsError(
            f"{where} is corrupt: shape {shape} of {dtype} needs {numel * DTYPE_SIZES[dtype]:,} bytes "
            f"but its data_offsets give {end - begin:,}"
        )
    return dtype, tuple(shape), begin, end


def _bounded_product(shape: list[int], limit: int) -> int:
    """Product of `shape`, or `limit + 1` as soon as it exceeds `limit` (no huge integers)."""
    if 0 in shape:
        return 0
    product = 1
    for dim in shape:
        product *= dim
        if product > limit:
            return limit + 1
    return product


def _check_layout(tensors: dict[str, tuple[str, tuple[int, ...], int, int]], body_len: int) -> None:
    """Tensor byte ranges must tile the data region exactly: in order, no gaps, no overlap."""
    expected = 0
    for name, (_, _, begin, end) in sorted(tensors.items(), key=lambda item: (item[1][2], item[1][3])):
        if begin != expected:
            problem = "overlaps the previous tensor" if begin < expected else "leaves a gap before it"
            raise SafetensorsError(f"safetensors file is corrupt: tensor {name[:100]!r} {problem}")
        expected = end
    if expected != body_len:
        raise SafetensorsError(
            f"safetensors file is corrupt: the header describes {expected:,} bytes of tensor data "
            f"but {body_len:,} bytes follow it"
        )


def to_float32(tensor: Tensor, start: int = 0, stop: int | None = None) -> array:
    """Elements [start, stop) of a float tensor (F32, F16, BF16 or F64) as a float32 array.

    The conversion is exact, except that F64 values beyond the float32 range become infinities.
    """
    if tensor.dtype not in FLOAT_DTYPES:
        raise SafetensorsError(f"expected a float tensor ({', '.join(FLOAT_DTYPES)}), got {tensor.dtype}")
    size = DTYPE_SIZES[tensor.dtype]
    stop = tensor.numel if stop is None else stop
    if not 0 <= start <= stop <= tensor.numel:
        raise IndexError(f"element range [{start}, {stop}) is outside a tensor of {tensor.numel} elements")
    raw = tensor.data[start * size : stop * size]
    if tensor.dtype == "F32":
        return _native(array("f"), raw)
    if tensor.dtype == "F64":
        return array("f", _native(array("d"), raw))
    widen = _f16_to_f32_bytes if tensor.dtype == "F16" else _bf16_to_f32_bytes
    out = array("f", [0.0]) * (stop - start)
    out_bytes = memoryview(out).cast("B")
    for first in range(0, len(raw), 2 * _CHUNK):
        chunk = bytes(raw[first : first + 2 * _CHUNK])
        out_bytes[2 * first : 2 * (first + len(chunk))] = widen(chunk)
    if not _LITTLE:
        out.byteswap()
    return out


def to_ints(tensor: Tensor) -> list[int]:
    """All elements of an integer tensor (I64 or I32) as Python ints."""
    if tensor.dtype not in INT_DTYPES:
        raise SafetensorsError(f"expected an integer tensor ({', '.join(INT_DTYPES)}), got {tensor.dtype}")
    code = "q" if tensor.dtype == "I64" else "i"
    return list(struct.unpack(f"<{tensor.numel}{code}", tensor.data))


def _native(values: array, raw: memoryview) -> array:
    """Fill `values` from little-endian bytes, whatever this machine's byte order."""
    values.frombytes(raw)
    if not _LITTLE:
        values.byteswap()
    return values


def _bf16_to_f32_bytes(chunk: bytes) -> bytearray:
    """bfloat16 is the top half of a float32: put each 2-byte value in the high half of a word."""
    out = bytearray(2 * len(chunk))
    out[2::4] = chunk[0::2]
    out[3::4] = chunk[1::2]
    return out


def _f16_tables() -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Byte tables that split float16 -> float32 into per-input-byte lookups.

    With h = hi << 8 | lo, sign s, exponent e (5 bits), mantissa m (10 bits), the float32 is
    s << 31 | E << 23 | m << 13 with E = e + 112 (normal), 255 (e = 31: Inf/NaN) or 0 (e = 0).
    Its little-endian bytes are 0, f(lo), g(lo) | k(hi), j(hi). E = 0 is exact for zeros only;
    subnormal halves (e = 0, m != 0) are detected and converted another way.
    """
    byte1 = bytes((lo << 5) & 0xFF for lo in range(256))
    byte2_lo = bytes(lo >> 3 for lo in range(256))
    byte2_hi, byte3, zero_exp = bytearray(), bytearray(), bytearray()
    for hi in range(256):
        e = (hi >> 2) & 0x1F
        big_e = 0 if e == 0 else 255 if e == 31 else e + 112
        byte2_hi.append((hi & 3) << 5 | (big_e & 1) << 7)
        byte3.append((hi & 0x80) | big_e >> 1)
        zero_exp.append(0xFF if e == 0 else 0)
    return byte1, byte2_lo, bytes(byte2_hi), bytes(byte3), bytes(zero_exp)


_F16_BYTE1, _F16_BYTE2_LO, _F16_BYTE2_HI, _F16_BYTE3, _F16_ZERO_EXP = _f16_tables()
_LOW_TWO_BITS = bytes(b & 3 for b in range(256))
_NONZERO_TO_FF = bytes([0]) + bytes([0xFF]) * 255
_FEW_LANES = 256


def _f16_to_f32_bytes(chunk: bytes) -> bytes | bytearray:
    """Little-endian float16 bytes to little-endian float32 bytes, exactly."""
    count = len(chunk) // 2
    lo, hi = chunk[0::2], chunk[1::2]
    fix = _zero_exponent_lanes(lo, hi)
    if count - fix.count(0) > count // 16:  # mostly subnormal: let struct convert every element
        return struct.pack(f"<{count}f", *struct.unpack(f"<{count}e", chunk))
    byte2 = int.from_bytes(lo.translate(_F16_BYTE2_LO), "little") | int.from_bytes(
        hi.translate(_F16_BYTE2_HI), "little"
    )
    out = bytearray(4 * count)
    out[1::4] = lo.translate(_F16_BYTE1)
    out[2::4] = byte2.to_bytes(count, "little")
    out[3::4] = hi.translate(_F16_BYTE3)
    lane = fix.find(0xFF)
    while lane >= 0:
        out[4 * lane : 4 * lane + 4] = struct.pack("<f", struct.unpack_from("<e", chunk, 2 * lane)[0])
        lane = fix.find(0xFF, lane + 1)
    return out


def _zero_exponent_lanes(lo: bytes, hi: bytes) -> bytes:
    """A byte per half: 0xFF where the table conversion may be wrong (subnormal), else 0.

    Flags every zero-exponent half when there are few (zeros convert right either way);
    when there are many, narrows them down to the true subnormals with big-int masks.
    """
    zero_exp = hi.translate(_F16_ZERO_EXP)
    if len(zero_exp) - zero_exp.count(0) <= _FEW_LANES:
        return zero_exp
    mantissa = int.from_bytes(lo, "little") | int.from_bytes(hi.translate(_LOW_TWO_BITS), "little")
    subnormal = mantissa & int.from_bytes(zero_exp, "little")
    return subnormal.to_bytes(len(lo), "little").translate(_NONZERO_TO_FF)


_TOP = 3 if _LITTLE else 0  # the float32 byte holding the sign and 7 exponent bits
_NEXT = 2 if _LITTLE else 1  # the byte holding the lowest exponent bit (0x80)
_HIGH_BIT = bytes(b >> 7 for b in range(256))
_EXP_TOP_FULL = bytes(1 if b & 0x7F == 0x7F else 0 for b in range(256))


def all_finite(values: array) -> bool:
    """Whether a float32 array holds no NaN and no infinity (exponent bits all ones)."""
    raw = memoryview(values).cast("B")
    for first in range(0, len(raw), 4 * _CHUNK):
        chunk = bytes(raw[first : first + 4 * _CHUNK])
        top = chunk[_TOP::4]
        if 0x7F not in top and 0xFF not in top:
            continue
        top_full = int.from_bytes(top.translate(_EXP_TOP_FULL), "little")
        if top_full & int.from_bytes(chunk[_NEXT::4].translate(_HIGH_BIT), "little"):
            return False
    return True


def dump(
    tensors: Mapping[str, tuple[str, tuple[int, ...] | list[int], object]],
    metadata: dict[str, str] | None = None,
) -> bytes:
    """Serialize `{name: (dtype, shape, data)}` as a safetensors file.

    `data` is either little-endian bytes (any bytes-like object) or an ``array`` whose
    typecode matches the dtype ('f' F32, 'd' F64, 'q' I64, 'i' I32). Tensors are laid out
    like the safetensors library does: larger element sizes first, then by name.
    """
    header: dict[str, object] = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must map strings to strings")
        header["__metadata__"] = dict(metadata)
    order = sorted(tensors, key=lambda name: (-DTYPE_SIZES.get(tensors[name][0], 0), name))
    blobs, offset = [], 0
    for name in order:
        dtype, shape, data = tensors[name]
        blob = _tensor_bytes(name, dtype, shape, data)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return b"".join([len(text).to_bytes(8, "little"), text, *blobs])


def _tensor_bytes(name: str, dtype: str, shape: tuple[int, ...] | list[int], data: object) -> bytes:
    if name == "__metadata__" or not isinstance(name, str):
        raise ValueError(f"invalid tensor name {name!r}")
    if dtype not in DTYPE_SIZES:
        raise ValueError(f"tensor {name!r}: unknown dtype {dtype!r}")
    if not all(_is_int(d) and d >= 0 for d in shape):
        raise ValueError(f"tensor {name!r}: shape {shape!r} must be non-negative integers")
    if not isinstance(data, (bytes, bytearray, memoryview, array)):
        raise TypeError(f"tensor {name!r}: data must be bytes or an array, not {type(data).__name__}")
    if isinstance(data, array):
        if data.typecode != _ARRAY_TYPECODES.get(dtype) or data.itemsize != DTYPE_SIZES[dtype]:
            raise ValueError(f"tensor {name!r}: an array of typecode {data.typecode!r} cannot hold {dtype}")
        if not _LITTLE:
            data = array(data.typecode, data)
            data.byteswap()
    blob = bytes(data)
    expected = DTYPE_SIZES[dtype] * _bounded_product(list(shape), len(blob))
    if len(blob) != expected:
        raise ValueError(
            f"tensor {name!r}: shape {tuple(shape)} of {dtype} needs {expected} bytes, got {len(blob)}"
        )
    return blob
