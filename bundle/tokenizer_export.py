"""The bundle's tokenizer file (py_core's compact JSON) from a `tokenizer.model` or a `tokenizer.json`.

`compact_tokenizer_bytes(path)` reads a SentencePiece `tokenizer.model` (with py_core's own parser), a
HuggingFace `tokenizers` `tokenizer.json` holding a Unigram model converted from one (what upstream
pocket-tts 4.0.1 configs point at), or an existing compact file, and returns the compact file's bytes.
The format is recognized from the content, not from the file name.

A `tokenizer.json` is turned back into the SentencePiece model it was converted from; py_core then
encodes it exactly as the `sentencepiece` library would. Supported constructs:

* `model`: `{"type": "Unigram", "vocab": [[piece, score], ...], "unk_id": int, "byte_fallback": bool}`.
  Scores are stored as float32, as SentencePiece stores them.
* `normalizer`: null, or one of / a `Sequence` of: `Precompiled` (first, at most once; its charsmap
  becomes the SentencePiece one), `Replace` of the string " " by "▁" (whitespace escaping),
  `Prepend` of "▁" (the dummy prefix).
* `pre_tokenizer`: null, or `Metaspace` (alone or as the only member of a `Sequence`) with replacement
  "▁": it escapes whitespace; `prepend_scheme` "always"/"first" (or the older `add_prefix_space`
  true) adds the dummy prefix, "never" does not. `split` true is accepted only where it cannot change
  the result: "▁" is a piece and no other piece holds "▁" past its first character.
* `added_tokens`: special tokens that are pieces of the model (same id and content). The unknown
  piece (`model.unk_id`) gets type UNKNOWN, the others CONTROL; with byte fallback the pieces
  "<0x00>" ... "<0xFF>" get type BYTE; every other piece is NORMAL.
* `truncation` null; `padding` null or BatchLongest (a no-op on one text); `post_processor` null
  (py_core adds no BOS/EOS); `decoder`: ignored (py_core decodes as SentencePiece does).

Anything else (BPE/WordPiece models, NFKC/Lowercase/Strip/regex normalizers, non-special added
tokens, other pre-tokenizers, post-processors...) raises `TokenizerError` naming the construct.

Where the `tokenizers` library itself differs from SentencePiece, py_core follows SentencePiece:
- Metaspace adds its prefix only when the text does not already start with "▁": for a text starting
  with a space (or "▁"), `tokenizers` yields one "▁" fewer than SentencePiece (a `Prepend` normalizer
  has no such exception);
- `tokenizers` matches special tokens, and even the unknown and byte pieces ("<s>", "<unk>",
  "<0x41>"), when their text appears literally in the input; SentencePiece spells them out;
- `tokenizers` applies a `Precompiled` charsmap per grapheme cluster, SentencePiece by longest
  match over the bytes: the two differ on a few inputs (e.g. "\\r\\n", "ｶﾞ");
- Viterbi ties: `tokenizers` sums scores in float64, SentencePiece in float32, so among equally
  scored segmentations (long runs such as "ababbab...") they may pick different ones.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from array import array
from pathlib import Path

from py_core import tokenizer as py_tokenizer
from py_core.tokenizer import TokenizerError

_SPACE = "\u2581"
_BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")
_CONTROL_NAMES = {"bos": "<s>", "eos": "</s>", "pad": "<pad>"}


def compact_tokenizer_bytes(path: Path) -> bytes:
    """The compact tokenizer file (py_core.tokenizer's format) for a tokenizer.model, a tokenizer.json
    or a compact file. Raises `py_core.tokenizer.TokenizerError` (a ValueError) for what it cannot
    convert faithfully."""
    data = Path(path).read_bytes()
    if data.lstrip()[:1] != b"{":  # a tokenizer.model (protobuf)
        return py_tokenizer.to_compact_bytes(py_tokenizer.load(data))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TokenizerError(f"{path}: not valid JSON: {e}") from e
    if isinstance(doc, dict) and doc.get("format") == py_tokenizer.COMPACT_FORMAT:
        return py_tokenizer.to_compact_bytes(py_tokenizer.load(data))
    model = model_from_tokenizers_json(doc, str(path))
    try:
        tok = py_tokenizer.Tokenizer(model)  # sentencepiece's load-time checks
    except TokenizerError as e:
        raise TokenizerError(f"{path}: {e}") from e
    return py_tokenizer.to_compact_bytes(tok)


def model_from_tokenizers_json(doc: object, where: str = "tokenizer.json") -> py_tokenizer.TokenizerModel:
    """The SentencePiece model a parsed HuggingFace tokenizer.json (Unigram) stands for."""

    def fail(message: str) -> TokenizerError:
        return TokenizerError(f"{where}: {message}")

    if not isinstance(doc, dict) or not isinstance(doc.get("model"), dict):
        raise fail("not a HuggingFace tokenizers file (no 'model' object)")
    model = doc["model"]
    if model.get("type") != "Unigram":
        raise fail(f"only Unigram models can be converted (model.type={model.get('type')!r})")
    vocab = model.get("vocab")
    if (
        not isinstance(vocab, list)
        or not vocab
        or not all(
            isinstance(e, list)
            and len(e) == 2
            and isinstance(e[0], str)
            and isinstance(e[1], (int, float))
            and not isinstance(e[1], bool)
            for e in vocab
        )
    ):
        raise fail("model.vocab must be a non-empty list of [piece, score]")
    pieces = [e[0] for e in vocab]
    unk_id = model.get("unk_id")
    if not isinstance(unk_id, int) or isinstance(unk_id, bool) or not 0 <= unk_id < len(pieces):
        raise fail(f"model.unk_id must be the id of a piece (got {unk_id!r}); SentencePiece needs one")
    byte_fallback = model.get("byte_fallback", False)
    if not isinstance(byte_fallback, bool):
        raise fail("model.byte_fallback must be a boolean")

    for key in ("truncation", "post_processor"):
        if doc.get(key) is not None:
            raise fail(f"{key} is not supported (py_core encodes text without adding or cutting tokens)")
    padding = doc.get("padding")
    if padding is not None and (
        not isinstance(padding, dict)
        or padding.get("strategy") != "BatchLongest"
        or padding.get("pad_to_multiple_of") is not None
    ):
        raise fail(f"padding {padding!r} would change the ids of a single text; not supported")

    special = _special_ids(doc.get("added_tokens", []), pieces, fail)
    types = []
    for i, piece in enumerate(pieces):
        if i == unk_id:
            types.append(py_tokenizer.UNKNOWN)
        elif byte_fallback and _BYTE_PIECE.fullmatch(piece):
            types.append(py_tokenizer.BYTE)
        elif i in special:
            types.append(py_tokenizer.CONTROL)
        else:
            types.append(py_tokenizer.NORMAL)

    charsmap, escape, prepend = _normalizer(doc.get("normalizer"), fail)
    metaspace = _metaspace(doc.get("pre_tokenizer"), fail)
    if metaspace is not None:
        escape = True  # Metaspace turns spaces into "▁" itself
        prepend = prepend or metaspace["prepend"]
        if metaspace["split"]:
            matchable = [p for p, t in zip(pieces, types, strict=True) if t == py_tokenizer.NORMAL]
            inner = [p for p in matchable if _SPACE in p[1:]]
            if inner or _SPACE not in matchable:
                why = f"piece {inner[0]!r} holds it past its start" if inner else "it is not a piece"
                raise fail(
                    f"Metaspace split=true splits the text at each '▁' and {why}: "
                    "SentencePiece does not split, so the ids could differ"
                )
    if prepend and not escape:
        raise fail("a '▁' prefix without whitespace escaping has no SentencePiece equivalent")

    try:
        scores = tuple(array("f", [e[1] for e in vocab]))  # float32, as SentencePiece stores them
    except OverflowError as e:
        raise fail("a score is out of the float32 range") from e
    ids = {piece: i for i, piece in enumerate(pieces)}
    named = {k: ids.get(name, -1) for k, name in _CONTROL_NAMES.items()}
    return py_tokenizer.TokenizerModel(
        pieces=tuple(pieces),
        scores=scores,
        types=tuple(types),
        normalizer=py_tokenizer.NormalizerSpec(
            name="precompiled" if charsmap else "identity",
            precompiled_charsmap=charsmap,
            add_dummy_prefix=prepend,
            remove_extra_whitespaces=False,
            escape_whitespaces=escape,
        ),
        byte_fallback=byte_fallback,
        unk_id=unk_id,
        **{f"{k}_id": i if i in special else -1 for k, i in named.items()},
    )


def _special_ids(added: object, pieces: list[str], fail) -> set[int]:
    """Ids of the special added tokens; each must be the model's own piece."""
    if not isinstance(added, list):
        raise fail("added_tokens must be a list")
    out = set()
    for token in added:
        if not isinstance(token, dict):
            raise fail("malformed added_tokens entry")
        token_id, content = token.get("id"), token.get("content")
        if not token.get("special"):
            raise fail(
                f"non-special added token {content!r} (a user-defined symbol, matched before "
                "normalization and cutting the text in two) has no faithful SentencePiece form"
            )
        if not isinstance(token_id, int) or not 0 <= token_id < len(pieces) or pieces[token_id] != content:
            raise fail(f"special token {content!r} (id {token_id!r}) is not the model's piece of that id")
        out.add(token_id)
    return out


def _flatten(node: object, kind: str, fail) -> list[dict]:
    if node is None:
        return []
    if not isinstance(node, dict):
        raise fail(f"malformed {kind}")
    if node.get("type") == "Sequence":
        members = node.get("normalizers" if kind == "normalizer" else "pretokenizers")
        if not isinstance(members, list):
            raise fail(f"malformed {kind} Sequence")
        return [step for member in members for step in _flatten(member, kind, fail)]
    return [node]


def _normalizer(node: object, fail) -> tuple[bytes, bool, bool]:
    """(precompiled charsmap, escape whitespace, dummy prefix) from the normalizer."""
    charsmap, escape, prepend = b"", False, False
    for position, step in enumerate(_flatten(node, "normalizer", fail)):
        kind = step.get("type")
        if kind == "Precompiled":
            if position != 0:
                raise fail(
                    "a Precompiled normalizer must come first (SentencePiece maps characters "
                    "before escaping whitespace)"
                )
            try:
                charsmap = base64.b64decode(step.get("precompiled_charsmap") or "", validate=True)
            except (binascii.Error, TypeError, ValueError) as e:
                raise fail(f"Precompiled precompiled_charsmap is not base64: {e}") from e
        elif kind == "Replace" and step.get("pattern") == {"String": " "} and step.get("content") == _SPACE:
            escape = True
        elif kind == "Prepend" and step.get("prepend") == _SPACE and not prepend:
            prepend = True
        else:
            raise fail(
                f"normalizer {json.dumps(step, ensure_ascii=False)[:200]} has no faithful "
                "SentencePiece equivalent (supported: Precompiled, Replace ' ' -> '▁', "
                "one Prepend '▁', and Sequences of them)"
            )
    return charsmap, escape, prepend


def _metaspace(node: object, fail) -> dict | None:
    steps = _flatten(node, "pre_tokenizer", fail)
    if not steps:
        return None
    if len(steps) != 1 or steps[0].get("type") != "Metaspace":
        raise fail(
            f"pre_tokenizer {json.dumps(node, ensure_ascii=False)[:200]} is not supported "
            "(only a single Metaspace)"
        )
    step = steps[0]
    if step.get("replacement") != _SPACE:
        raise fail(f"Metaspace replacement {step.get('replacement')!r} is not supported (only '▁')")
    scheme = step.get("prepend_scheme")
    if scheme is None:  # files written before tokenizers 0.19
        scheme = "always" if step.get("add_prefix_space", True) else "never"
    if scheme not in ("always", "first", "never"):
        raise fail(f"unknown Metaspace prepend_scheme {scheme!r}")
    return {"prepend": scheme != "never", "split": bool(step.get("split", True))}
