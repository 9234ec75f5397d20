"""Pure-Python SentencePiece unigram tokenizer, id for id the same as the `sentencepiece` library.

`load()` reads either Kyutai's `tokenizer.model` (a serialized `sentencepiece.ModelProto`, parsed
here by hand) or the compact JSON file that `to_compact_bytes()` writes for the browser bundle.
Encoding reproduces the `sentencepiece` library (0.2.3; tests/test_tokenizer.py checks it id for id)
step by step: the normalizer (`normalizer.cc`: precompiled charsmap, user-defined symbols kept as
they are, extra-whitespace removal, dummy prefix, whitespace escaped to U+2581), the optimized unigram
Viterbi (`unigram_model.cc`: float32 path scores, unknown characters scored min score - 10), and the
unknown pieces of `sentencepiece_processor.cc` (byte fallback, or a run of unknowns as one unk id).
No BOS/EOS is added. Stdlib only, so it runs unchanged in Pyodide.

Compact file (version 1): one UTF-8 JSON object
    {"format": "pocket-tts-tokenizer", "version": 1, "model_type": "unigram",
     "pieces": [str, ...], "scores": [float, ...], "types": [int, ...],
     "byte_fallback": bool, "treat_whitespace_as_suffix": bool, "unk_surface": str,
     "special_ids": {"unk": int, "bos": int, "eos": int, "pad": int},
     "normalizer": {"name": str, "add_dummy_prefix": bool, "remove_extra_whitespaces": bool,
                    "escape_whitespaces": bool, "precompiled_charsmap": base64 str}}
`pieces`, `scores` (float32 values, written with the fewest digits that read back to the same
float32) and `types` (sentencepiece's enum: 1 normal, 2 unknown, 3 control, 4 user-defined,
5 unused, 6 byte) are parallel lists indexed by token id.
"""

import base64
import itertools
import json
import os
import struct
import sys
from array import array
from dataclasses import dataclass
from typing import Any

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
_IN_VOCAB_TRIE = (NORMAL, USER_DEFINED, UNUSED)  # the pieces the unigram model can match

COMPACT_FORMAT = "pocket-tts-tokenizer"
COMPACT_VERSION = 1

_SPACE_SYMBOL = "\u2581"
_UNK_PENALTY = 10.0  # unigram_model.cc kUnkPenalty
_FLT_MAX = 3.4028234663852886e38  # C's FLT_MAX
_UNIGRAM = 1  # TrainerSpec.ModelType


class TokenizerError(ValueError):
    """The tokenizer data is malformed or uses a feature this tokenizer does not support."""


@dataclass(frozen=True)
class NormalizerSpec:
    """sentencepiece's NormalizerSpec (same defaults)."""

    name: str = ""
    precompiled_charsmap: bytes = b""
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True


@dataclass(frozen=True)
class TokenizerModel:
    """Everything encoding and decoding need, whichever file it came from."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]  # float32 values
    types: tuple[int, ...]
    normalizer: NormalizerSpec
    byte_fallback: bool = False
    treat_whitespace_as_suffix: bool = False
    unk_surface: str = " \u2047 "
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1


def _to_float32(value: float) -> float:
    return array("f", [value])[0]


# --- tokenizer.model: protobuf wire format -------------------------------------------------------

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
_WIRE_OF = {
    "int": _VARINT,
    "bool": _VARINT,
    "float": _FIXED32,
    "str": _LENGTH,
    "bytes": _LENGTH,
    "msg": _LENGTH,
    "msgs": _LENGTH,
}
_PIECE_FIELDS = {1: ("piece", "str"), 2: ("score", "float"), 3: ("type", "int")}
_TRAINER_FIELDS = {
    3: ("model_type", "int"),
    24: ("treat_whitespace_as_suffix", "bool"),
    35: ("byte_fallback", "bool"),
    40: ("unk_id", "int"),
    41: ("bos_id", "int"),
    42: ("eos_id", "int"),
    43: ("pad_id", "int"),
    44: ("unk_surface", "str"),
}
_NORMALIZER_FIELDS = {
    1: ("name", "str"),
    2: ("precompiled_charsmap", "bytes"),
    3: ("add_dummy_prefix", "bool"),
    4: ("remove_extra_whitespaces", "bool"),
    5: ("escape_whitespaces", "bool"),
}
_MODEL_FIELDS = {
    1: ("pieces", "msgs"),
    2: ("trainer_spec", "msg"),
    3: ("normalizer_spec", "msg"),
    5: ("denormalizer_spec", "msg"),
}


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while shift < 70:
        if pos >= len(data):
            raise TokenizerError("truncated protobuf varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise TokenizerError("protobuf varint longer than 10 bytes")


def _parse_message(data: bytes, schema: dict[int, tuple[str, str]], what: str) -> dict:
    """Decode the fields of `schema` from one protobuf message (unknown fields are skipped)."""
    out: dict = {}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise TokenizerError(f"{what}: field number 0 at byte {pos}")
        value: Any  # an int (varint) or bytes (fixed size or length-delimited), then its decoded form
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire in (_FIXED64, _FIXED32, _LENGTH):
            size = 8 if wire == _FIXED64 else 4 if wire == _FIXED32 else None
            if size is None:
                size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise TokenizerError(f"{what}: field {number} runs past the end of the data (truncated?)")
            value, pos = data[pos : pos + size], pos + size
        else:
            raise TokenizerError(f"{what}: unsupported protobuf wire type {wire} (field {number})")
        if number not in schema:
            continue
        name, kind = schema[number]
        if wire != _WIRE_OF[kind]:
            raise TokenizerError(f"{what}: field {name} has wire type {wire}, expected {_WIRE_OF[kind]}")
        if kind == "int":
            value = value - (1 << 64) if value >= 1 << 63 else value
        elif kind == "bool":
            value = value != 0
        elif kind == "float":
            value = struct.unpack("<f", value)[0]
        elif kind == "str":
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError as e:
                raise TokenizerError(f"{what}: field {name} is not valid UTF-8") from e
        if kind == "msgs":
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _model_from_proto(data: bytes) -> TokenizerModel:
    what = "tokenizer.model"
    model = _parse_message(data, _MODEL_FIELDS, what)
    pieces = [_parse_message(p, _PIECE_FIELDS, f"{what} piece") for p in model.get("pieces", [])]
    trainer = _parse_message(model.get("trainer_spec", b""), _TRAINER_FIELDS, f"{what} trainer_spec")
    normalizer = _parse_message(model.get("normalizer_spec", b""), _NORMALIZER_FIELDS, f"{what} normalizer")
    denormalizer = _parse_message(model.get("denormalizer_spec", b""), _NORMALIZER_FIELDS, what)
    if denormalizer.get("precompiled_charsmap"):
        raise TokenizerError("tokenizer.model has a denormalizer, which is not supported")
    if trainer.get("model_type", _UNIGRAM) != _UNIGRAM:
        raise TokenizerError(f"only unigram models are supported (model_type={trainer['model_type']})")
    return TokenizerModel(
        pieces=tuple(p.get("piece", "") for p in pieces),
        scores=tuple(p.get("score", 0.0) for p in pieces),
        types=tuple(p.get("type", NORMAL) for p in pieces),
        normalizer=NormalizerSpec(**normalizer),
        **{k: v for k, v in trainer.items() if k != "model_type"},
    )


# --- the compact file --------------------------------------------------------------------------------


def _shortest_float32(value: float) -> float:
    """The float with the fewest significant digits that rounds to the same float32 as `value`."""
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if _to_float32(candidate) == value:
            return candidate
    return value


def to_compact_bytes(tokenizer: "Tokenizer") -> bytes:
    """Serialize a tokenizer as the compact JSON file (see the module docstring) that `load()` reads."""
    m = tokenizer.model
    n = m.normalizer
    doc = {
        "format": COMPACT_FORMAT,
        "version": COMPACT_VERSION,
        "model_type": "unigram",
        "pieces": list(m.pieces),
        "scores": [_shortest_float32(s) for s in m.scores],
        "types": list(m.types),
        "byte_fallback": m.byte_fallback,
        "treat_whitespace_as_suffix": m.treat_whitespace_as_suffix,
        "unk_surface": m.unk_surface,
        "special_ids": {"unk": m.unk_id, "bos": m.bos_id, "eos": m.eos_id, "pad": m.pad_id},
        "normalizer": {
            "name": n.name,
            "add_dummy_prefix": n.add_dummy_prefix,
            "remove_extra_whitespaces": n.remove_extra_whitespaces,
            "escape_whitespaces": n.escape_whitespaces,
            "precompiled_charsmap": base64.b64encode(n.precompiled_charsmap).decode("ascii"),
        },
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _field(doc: dict, key: str, kind: type, where: str = "compact tokenizer"):
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TokenizerError(f"{where}: missing or malformed {key!r}")
    return value


def _model_from_compact(data: bytes) -> TokenizerModel:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TokenizerError(f"compact tokenizer is not valid JSON: {e}") from e
    if not isinstance(doc, dict) or doc.get("format") != COMPACT_FORMAT:
        raise TokenizerError(f"not a compact tokenizer file (format must be {COMPACT_FORMAT!r})")
    if doc.get("version") != COMPACT_VERSION:
        raise TokenizerError(
            f"unsupported compact tokenizer version {doc.get('version')!r} "
            f"(this reader supports {COMPACT_VERSION})"
        )
    if doc.get("model_type") != "unigram":
        raise TokenizerError(f"only unigram models are supported (model_type={doc.get('model_type')!r})")
    pieces, scores, types = (_field(doc, k, list) for k in ("pieces", "scores", "types"))
    if not len(pieces) == len(scores) == len(types):
        raise TokenizerError("compact tokenizer: pieces, scores and types differ in length")
    if not (
        all(isinstance(p, str) for p in pieces)
        and all(isinstance(t, int) for t in types)
        and all(isinstance(s, (int, float)) for s in scores)
    ):
        raise TokenizerError("compact tokenizer: malformed pieces, scores or types")
    special = _field(doc, "special_ids", dict)
    norm = _field(doc, "normalizer", dict)
    charsmap = _field(norm, "precompiled_charsmap", str, "normalizer")
    try:
        charsmap = base64.b64decode(charsmap, validate=True)
    except ValueError as e:
        raise TokenizerError(f"compact tokenizer: precompiled_charsmap is not base64: {e}") from e
    return TokenizerModel(
        pieces=tuple(pieces),
        scores=tuple(array("f", scores)),
        types=tuple(types),
        normalizer=NormalizerSpec(
            name=_field(norm, "name", str, "normalizer"),
            precompiled_charsmap=charsmap,
            **{
                k: _field(norm, k, bool, "normalizer")
                for k in ("add_dummy_prefix", "remove_extra_whitespaces", "escape_whitespaces")
            },
        ),
        byte_fallback=_field(doc, "byte_fallback", bool),
        treat_whitespace_as_suffix=_field(doc, "treat_whitespace_as_suffix", bool),
        unk_surface=_field(doc, "unk_surface", str),
        **{f"{k}_id": _field(special, k, int, "special_ids") for k in ("unk", "bos", "eos", "pad")},
    )


# --- normalizer --------------------------------------------------------------------------------------


class _CharsMap:
    """sentencepiece's precompiled charsmap: a uint32 trie size, a Darts-clone double-array trie
    over UTF-8 byte sequences, then the NUL-terminated replacement strings its values point into."""

    def __init__(self, blob: bytes):
        trie_size = int.from_bytes(blob[:4], "little")
        if len(blob) <= 4 or trie_size >= len(blob) or trie_size < 4:
            raise TokenizerError("precompiled_charsmap is broken (bad trie size)")
        units = array("I")
        units.frombytes(blob[4 : 4 + trie_size - trie_size % 4])
        if sys.byteorder == "big":
            units.byteswap()  # the blob is little-endian
        self._units = units.tolist()
        self._strings = blob[4 + trie_size :]
        self._replacements: dict[int, str] = {}

    def longest_match(self, data: bytes, pos: int) -> tuple[int, int]:
        """(length, value) of the longest key that prefixes data[pos:], as Darts commonPrefixSearch
        finds it; length 0 when none does."""
        units = self._units
        size = len(units)
        node = (units[0] >> 10) << ((units[0] & 0x200) >> 6)
        length = value = 0
        for i in range(pos, len(data)):
            byte = data[i]
            node ^= byte
            if node >= size or units[node] & 0x800000FF != byte:
                break
            unit = units[node]
            node ^= (unit >> 10) << ((unit & 0x200) >> 6)
            if unit & 0x100:
                if node >= size:
                    break
                length, value = i + 1 - pos, units[node] & 0x7FFFFFFF
        return length, value

    def replacement(self, value: int) -> str:
        """The normalized string that trie value `value` points to."""
        text = self._replacements.get(value)
        if text is None:
            end = self._strings.find(b"\0", value)
            if value >= len(self._strings) or end < 0:
                raise TokenizerError(f"precompiled_charsmap is broken (string offset {value})")
            try:
                text = self._strings[value:end].decode("utf-8")
            except UnicodeDecodeError as e:
                raise TokenizerError("precompiled_charsmap has a replacement that is not UTF-8") from e
            self._replacements[value] = text
        return text


def _prefix_table(keys) -> dict:
    """Every prefix of every key, mapped to True when it is a whole key, else False."""
    table: dict = {}
    for key in keys:
        for end in range(1, len(key)):
            table.setdefault(key[:end], False)
        table[key] = True
    return table


class _Normalizer:
    """normalizer.cc's Normalizer::Normalize, on str."""

    def __init__(self, spec: NormalizerSpec, treat_whitespace_as_suffix: bool, user_defined: list[str]):
        self._spec = spec
        self._suffix = treat_whitespace_as_suffix
        self._charsmap = _CharsMap(spec.precompiled_charsmap) if spec.precompiled_charsmap else None
        # User-defined symbols are copied unnormalized (sentencepiece's PrefixMatcher).
        self._user_defined = _prefix_table(s.encode("utf-8") for s in user_defined)

    def _segments(self, text: str) -> list[tuple[str, int]]:
        """The successive NormalizePrefix results over the whole input, each with the UTF-8 end
        offset of the input it consumed."""
        if self._charsmap is None and not self._user_defined:
            # nothing to match: every character stands for itself
            ends = itertools.accumulate(len(c.encode("utf-8")) for c in text)
            return list(zip(text, ends, strict=True))
        data = text.encode("utf-8")
        segments = []
        pos = 0
        while pos < len(data):
            length = 0
            end = pos + 1
            while end <= len(data) and (full := self._user_defined.get(data[pos:end])) is not None:
                length = end - pos if full else length
                end += 1
            if length:
                segment = data[pos : pos + length].decode("utf-8")
            elif self._charsmap is not None and (match := self._charsmap.longest_match(data, pos))[0]:
                length = match[0]
                segment = self._charsmap.replacement(match[1])
            elif 0x80 <= data[pos] < 0xC0:  # inside a character (a rule ended mid-character)
                length = 1
                segment = "\ufffd"
            else:
                lead = data[pos]
                length = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
                segment = data[pos : pos + length].decode("utf-8")
            pos += length
            segments.append((segment, pos))
        return segments

    def normalize(self, text: str) -> str:
        return self.normalize_with_origins(text)[0]

    def normalize_with_origins(self, text: str) -> tuple[str, list[tuple[int, int]]]:
        """The normalized text and, per normalized character, the UTF-8 span of the input it came from."""
        spec = self._spec
        segments = self._segments(text)
        first = 0
        if spec.remove_extra_whitespaces:
            while first < len(segments) and segments[first][0] == " ":
                first += 1
        if first == len(segments):
            return "", []
        space = _SPACE_SYMBOL if spec.escape_whitespaces else " "
        start = segments[first - 1][1] if first else 0
        out = [space] if spec.add_dummy_prefix and not self._suffix else []
        origins = [(start, start)] * len(out)
        is_prev_space = spec.remove_extra_whitespaces
        for i in range(first, len(segments)):
            segment, end = segments[i]
            begin = segments[i - 1][1] if i else 0
            segment = segment.lstrip(" ") if is_prev_space else segment
            if segment:
                out.append(segment)
                origins += [(begin, end)] * len(segment)
                is_prev_space = spec.remove_extra_whitespaces and segment[-1] == " "
        normalized = "".join(out)
        if spec.escape_whitespaces:
            normalized = normalized.replace(" ", _SPACE_SYMBOL)
        if spec.remove_extra_whitespaces:
            kept = len(normalized.rstrip(space))
            normalized, origins = normalized[:kept], origins[:kept]
        if self._suffix and spec.add_dummy_prefix:
            end = origins[-1][1] if origins else 0
            normalized += space
            origins.append((end, end))
        return normalized, origins


# --- tokenizer ---------------------------------------------------------------------------------------


def _decode_utf8_like_sentencepiece(data: bytes) -> str:
    """UTF-8 decoding where each byte that does not start a valid character becomes U+FFFD."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = []
    pos = 0
    while pos < len(data):
        lead = data[pos]
        length = 1 if lead < 0x80 else 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4
        try:
            char = data[pos : pos + length].decode("utf-8") if not 0x80 <= lead < 0xC0 else ""
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1:
            out.append(char)
            pos += length
        else:
            out.append("\ufffd")
            pos += 1
    return "".join(out)


class Tokenizer:
    """A SentencePiece unigram tokenizer: `encode(text)` and `decode(ids)` as the library does them."""

    def __init__(self, model: TokenizerModel):
        self.model = model
        self.vocab_size = len(model.pieces)
        self.bos_id, self.eos_id, self.pad_id = model.bos_id, model.eos_id, model.pad_id
        self._check_pieces()
        self.unk_id = model.types.index(UNKNOWN)
        pieces, types = model.pieces, model.types
        normal_scores = [s for s, t in zip(model.scores, types, strict=True) if t == NORMAL]
        self._unk_score = _to_float32(min(normal_scores, default=_FLT_MAX) - _UNK_PENALTY)
        # User-defined pieces always win. The 0.2.1 source scores them length * max score - 0.1; the
        # library (0.2.3) measurably uses 0.1 per UTF-8 byte - 0.1, whatever the other scores are.
        self._scores = [
            0.1 * len(p.encode("utf-8")) - 0.1 if t == USER_DEFINED else s
            for p, s, t in zip(pieces, model.scores, types, strict=True)
        ]
        # Every prefix of a matchable piece -> its id, or -1 (a prefix only, or an unused piece).
        self._lookup: dict[str, int] = {}
        for i, (piece, kind) in enumerate(zip(pieces, types, strict=True)):
            if kind in _IN_VOCAB_TRIE:
                for end in range(1, len(piece)):
                    self._lookup.setdefault(piece[:end], -1)
                self._lookup[piece] = -1 if kind == UNUSED else i
        byte_names = {f"<0x{b:02X}>": b for b in range(256)}
        self._byte_of = {i: byte_names[pieces[i]] for i, t in enumerate(types) if t == BYTE}
        self._byte_ids = {b: i for i, b in self._byte_of.items()}
        self._normalizer = _Normalizer(
            model.normalizer,
            model.treat_whitespace_as_suffix,
            [p for p, t in zip(pieces, types, strict=True) if t == USER_DEFINED],
        )

    def _check_pieces(self) -> None:
        """The load-time checks of sentencepiece's ModelInterface::InitializePieces."""
        m = self.model
        if not m.pieces:
            raise TokenizerError("the tokenizer has no pieces")
        if any(t not in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE) for t in m.types):
            raise TokenizerError("the tokenizer has a piece of unknown type")
        if not all(m.pieces):
            raise TokenizerError("the tokenizer has an empty piece")
        for group in (_IN_VOCAB_TRIE, (UNKNOWN, CONTROL, BYTE)):
            in_group = [p for p, t in zip(m.pieces, m.types, strict=True) if t in group]
            if len(set(in_group)) != len(in_group):
                raise TokenizerError("the tokenizer defines a piece twice")
        if m.types.count(UNKNOWN) != 1:
            raise TokenizerError("the tokenizer must have exactly one unknown piece")
        byte_pieces = {p for p, t in zip(m.pieces, m.types, strict=True) if t == BYTE}
        if byte_pieces and not m.byte_fallback:
            raise TokenizerError("byte pieces found although byte_fallback is false")
        if byte_pieces - {f"<0x{b:02X}>" for b in range(256)}:
            raise TokenizerError("byte pieces must be named <0x00> ... <0xFF>")
        if m.byte_fallback and len(byte_pieces) != 256:
            raise TokenizerError("byte_fallback needs all 256 byte pieces")

    def normalize(self, text: str) -> str:
        """The normalized text the unigram model segments (spaces escaped to U+2581)."""
        return self._normalizer.normalize(text)

    def _best_path(self, text: str) -> list[tuple[int, int, int]]:
        """Viterbi over the pieces (unigram_model.cc EncodeOptimized): (start, end, id) per token."""
        n = len(text)
        path_scores = array("f", bytes(4 * (n + 1)))  # float32, as in the library
        starts = [-1] * (n + 1)
        ids = [0] * (n + 1)
        lookup, scores, unk_id, unk_score = self._lookup, self._scores, self.unk_id, self._unk_score
        candidate = array("f", [0.0])  # path scores are float32 sums in the library, ties included
        for start in range(n):
            base = path_scores[start]
            has_single_char_piece = False
            end = start + 1
            while end <= n and (piece_id := lookup.get(text[start:end])) is not None:
                if piece_id >= 0:
                    candidate[0] = scores[piece_id] + base
                    if starts[end] < 0 or candidate[0] > path_scores[end]:
                        path_scores[end], starts[end], ids[end] = candidate[0], start, piece_id
                    has_single_char_piece = has_single_char_piece or end == start + 1
                end += 1
            if not has_single_char_piece:
                candidate[0] = unk_score + base
                end = start + 1
                if starts[end] < 0 or candidate[0] > path_scores[end]:
                    path_scores[end], starts[end], ids[end] = candidate[0], start, unk_id
        path = []
        end = n
        while end > 0:
            path.append((starts[end], end, ids[end]))
            end = starts[end]
        path.reverse()
        return path

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, exactly as `SentencePieceProcessor.encode(text)` (no BOS/EOS)."""
        normalized = self._normalizer.normalize(text)
        out: list[int] = []
        for start, end, piece_id in self._best_path(normalized):
            if piece_id != self.unk_id:
                out.append(piece_id)
            elif self.model.byte_fallback:
                out.extend(self._byte_ids[b] for b in normalized[start:end].encode("utf-8"))
            elif not out or out[-1] != self.unk_id:  # a run of unknowns is one unk
                out.append(piece_id)
        return out

    def encode_with_spans(self, text: str) -> list[tuple[int, int, int]]:
        """(id, begin, end) per token of `encode(text)`: the span of `text` (code points) it covers.

        As sentencepiece's offsets: a piece's span runs from its first to its last normalized
        character's origin (the dummy-prefix space covers nothing); byte pieces cover their character.
        """
        normalized, origins = self._normalizer.normalize_with_origins(text)
        to_char = [0] * (len(text.encode("utf-8")) + 1)
        at = 0
        for index, character in enumerate(text):
            width = len(character.encode("utf-8"))
            to_char[at : at + width + 1] = [index] * width + [index + 1]
            at += width
        out: list[tuple[int, int, int]] = []
        for start, end, piece_id in self._best_path(normalized):
            begin, stop = to_char[origins[start][0]], to_char[origins[end - 1][1]]
            if piece_id != self.unk_id:
                out.append((piece_id, begin, stop))
            elif self.model.byte_fallback:
                out.extend((self._byte_ids[b], begin, stop) for b in normalized[start:end].encode("utf-8"))
            elif not out or out[-1][0] != self.unk_id:
                out.append((piece_id, begin, stop))
            else:
                out[-1] = (piece_id, out[-1][1], stop)
        return out

    def decode(self, ids: list[int]) -> str:
        """Text of `ids`, exactly as `SentencePieceProcessor.decode(ids)`."""
        m = self.model
        strip_bos_space = m.normalizer.add_dummy_prefix or m.normalizer.remove_extra_whitespaces
        parts: list[str] = []
        has_text = False
        pending = bytearray()  # a run of byte pieces, decoded together
        is_bos_ws = True  # still at the start: a leading U+2581 is dropped
        bos_ws_seen = False
        for piece_id in ids:
            if not 0 <= piece_id < self.vocab_size:
                raise IndexError(f"piece id {piece_id} is out of range [0, {self.vocab_size})")
            kind = m.types[piece_id]
            if kind == BYTE:
                pending.append(self._byte_of[piece_id])
                continue
            if pending:
                parts.append(_decode_utf8_like_sentencepiece(bytes(pending)))
                pending.clear()
                has_text = True
            if bos_ws_seen or has_text:
                is_bos_ws = False
            bos_ws_seen = False
            if kind == CONTROL:
                continue
            if kind == UNKNOWN:
                parts.append(m.unk_surface)
                has_text = has_text or bool(m.unk_surface)
                continue
            piece = m.pieces[piece_id]
            if is_bos_ws and strip_bos_space and piece.startswith(_SPACE_SYMBOL):
                piece = piece[1:]
                bos_ws_seen = not m.normalizer.remove_extra_whitespaces
            parts.append(piece.replace(_SPACE_SYMBOL, " "))
            has_text = has_text or bool(piece)
        if pending:
            parts.append(_decode_utf8_like_sentencepiece(bytes(pending)))
        return "".join(parts)


def load(source: "str | os.PathLike[str] | bytes | bytearray | memoryview") -> Tokenizer:
    """A Tokenizer from a path or the bytes of a `tokenizer.model` or of a compact tokenizer file."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        with open(os.fspath(source), "rb") as f:
            data = f.read()
    if not data:
        raise TokenizerError("the tokenizer data is empty")
    if data.lstrip()[:1] == b"{":
        return Tokenizer(_model_from_compact(data))
    return Tokenizer(_model_from_proto(data))
