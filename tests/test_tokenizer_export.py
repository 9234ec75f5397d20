"""bundle.tokenizer_export: the compact tokenizer file from a tokenizer.model or a HuggingFace tokenizer.json.

The tokenizer.json files are made from Kyutai's real tokenizer.model (and from variants of it) by
transformers' `MoshiConverter`, Kyutai's SentencePiece -> `tokenizers` converter; a few are then edited
to other constructs the exporter supports. Two oracles: the `sentencepiece` library, which py_core must
match id for id, and the `tokenizers` library running the json itself, which validates the json.
`tokenizers` does not match SentencePiece exactly, so each of its differences is checked to be one of
the documented kinds (see bundle/tokenizer_export.py), never anything else.
"""

import base64
import dataclasses
import functools
import json
import math
import pathlib
import tempfile
import warnings

import pytest
import sentencepiece as spm
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models as hf_models
from tokenizers.implementations import SentencePieceUnigramTokenizer
from transformers.convert_slow_tokenizer import MoshiConverter

from bundle.tokenizer_export import compact_tokenizer_bytes
from py_core import tokenizer
from tests.test_tokenizer import (
    CORPUS,
    MODEL_BYTES,
    MODEL_PATH,
    SUBSET,
    _assert_all_equal,
    _charsmap,
    _variant,
)

SPACE = "\u2581"
REPLACE_SPACE = {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}


@functools.cache
def _sp(model_bytes: bytes) -> spm.SentencePieceProcessor:
    return spm.SentencePieceProcessor(model_proto=model_bytes)


@functools.cache
def _sp_ids(model_bytes: bytes, subset: bool) -> list[list[int]]:
    return [_sp(model_bytes).encode(t, out_type=int) for t in (SUBSET if subset else CORPUS)]


@functools.cache
def _converted(model_bytes: bytes) -> str:
    """MoshiConverter's tokenizer.json for a SentencePiece model (as a string)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "tokenizer.model"
        path.write_bytes(model_bytes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "byte fallback ... not implemented": it is, in tokenizers
            return MoshiConverter(str(path)).converted().to_str()


def _json_doc(model_bytes: bytes = MODEL_BYTES, edit=None) -> dict:
    doc = json.loads(_converted(model_bytes))
    if edit is not None:
        edit(doc)
    return doc


def _export(doc: dict, directory: pathlib.Path, name: str = "tokenizer.json") -> bytes:
    path = directory / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return compact_tokenizer_bytes(path)


def _prepend_normalizer(doc: dict) -> None:
    """The other usual form of the dummy prefix: a Prepend normalizer and no pre-tokenizer."""
    doc["normalizer"] = {
        "type": "Sequence",
        "normalizers": [{"type": "Prepend", "prepend": SPACE}, REPLACE_SPACE],
    }
    doc["pre_tokenizer"] = None


def _check_tokenizers_differences(doc: dict, model_bytes: bytes, subset: bool, no_prefix_model: bytes | None):
    """The `tokenizers` library on `doc` against sentencepiece on `model_bytes`: every difference is a
    tie (the same pieces' text and the same float64 score sum: an equally good segmentation) or, when
    `no_prefix_model` is given (a Metaspace prefix), a text starting with a space or '▁', for which
    `tokenizers` adds no dummy prefix and equals sentencepiece without one. Returns the counts."""
    texts = SUBSET if subset else CORPUS
    sp = _sp(model_bytes)
    hf = HFTokenizer.from_str(json.dumps(doc))
    got = [e.ids for e in hf.encode_batch(texts)]

    def key(ids):
        return "".join(sp.id_to_piece(i) for i in ids), math.fsum(sp.get_score(i) for i in ids)

    counts = {"same": 0, "tie": 0, "leading space": 0}
    unexplained = []
    for text, ids, expected in zip(texts, got, _sp_ids(model_bytes, subset), strict=True):
        if ids == expected:
            counts["same"] += 1
        elif key(ids) == key(expected):
            counts["tie"] += 1
        elif (
            no_prefix_model is not None
            and text[:1] in (" ", SPACE)
            and key(ids) == key(_sp(no_prefix_model).encode(text, out_type=int))
        ):
            counts["leading space"] += 1
        else:
            unexplained.append((text, ids, expected))
    details = "\n".join(
        f"  {t[:60]!r}: tokenizers {a[:12]} sentencepiece {e[:12]}" for t, a, e in unexplained[:5]
    )
    assert not unexplained, f"{len(unexplained)} unexplained differences:\n{details}"
    assert counts["tie"] <= len(texts) // 200  # rare: long runs like "abbabab..."
    return counts


# --- the real tokenizer ------------------------------------------------------------------------------


def test_reference_json_runs_in_tokenizers_like_sentencepiece():
    """Validates the reference json: `tokenizers` gives sentencepiece's ids up to the documented
    differences, and the leading-space one does occur (the corpus has such texts)."""
    counts = _check_tokenizers_differences(_json_doc(), MODEL_BYTES, False, _variant(add_dummy_prefix=False))
    assert counts["same"] > 0.85 * len(CORPUS)
    assert counts["leading space"] > 100


def test_compact_from_json_matches_sentencepiece(tmp_path):
    assert len(CORPUS) >= 2000
    tok = tokenizer.load(_export(_json_doc(), tmp_path))
    _assert_all_equal([tok.encode(t) for t in CORPUS], _sp_ids(MODEL_BYTES, False), CORPUS)
    assert tok.encode("Hello world.") == [2994, 578, 263]
    assert (tok.unk_id, tok.bos_id, tok.eos_id, tok.pad_id) == (0, 1, 2, 3)


def test_json_and_model_give_the_same_compact_file(tmp_path):
    from_model = compact_tokenizer_bytes(MODEL_PATH)
    assert from_model == tokenizer.to_compact_bytes(tokenizer.load(MODEL_PATH))
    assert _export(_json_doc(), tmp_path) == from_model
    compact_path = tmp_path / "tokenizer.pocket.json"
    compact_path.write_bytes(from_model)
    assert compact_tokenizer_bytes(compact_path) == from_model  # a compact file passes through


def test_prepend_normalizer_json_has_no_leading_space_difference(tmp_path):
    doc = _json_doc(edit=_prepend_normalizer)
    counts = _check_tokenizers_differences(doc, MODEL_BYTES, False, None)
    assert counts["same"] > 0.99 * len(CORPUS)
    assert _export(doc, tmp_path) == compact_tokenizer_bytes(MODEL_PATH)


def test_split_metaspace_is_accepted_when_it_cannot_change_the_ids(tmp_path):
    doc = _json_doc(edit=lambda d: d["pre_tokenizer"].update(split=True))
    assert _export(doc, tmp_path) == compact_tokenizer_bytes(MODEL_PATH)
    split = [e.ids for e in HFTokenizer.from_str(json.dumps(doc)).encode_batch(SUBSET)]
    unsplit = [e.ids for e in HFTokenizer.from_str(_converted(MODEL_BYTES)).encode_batch(SUBSET)]
    _assert_all_equal(split, unsplit, SUBSET)


def test_documented_differences_from_tokenizers(tmp_path):
    """What py_core does (like sentencepiece) where the `tokenizers` library does otherwise."""
    tok = tokenizer.load(_export(_json_doc(), tmp_path))
    hf = HFTokenizer.from_str(_converted(MODEL_BYTES))
    sp = _sp(MODEL_BYTES)
    padded = " " * 8 + "Hi."  # upstream's pad_with_spaces_for_short_inputs
    assert tok.encode(padded) == sp.encode(padded) == [260] * 8 + [1445, 263]
    assert hf.encode(padded).ids == [260] * 7 + [1445, 263]
    for literal in ("<s>", "<unk>", "<0x41>"):
        assert tok.encode(literal) == sp.encode(literal) != hf.encode(literal).ids


# --- variants of the model ---------------------------------------------------------------------------


def _prepend_never(doc: dict) -> None:
    doc["pre_tokenizer"]["prepend_scheme"] = "never"


def _no_byte_fallback(doc: dict) -> None:
    doc["model"]["byte_fallback"] = False  # MoshiConverter always sets it


VARIANTS = {
    # name: (sentencepiece model options, json edit, check against tokenizers, sentencepiece options for
    # tokenizers' "no dummy prefix after a leading space" or None)
    "nmt_nfkc charsmap": ({"rule": "nmt_nfkc"}, None, False, None),  # tokenizers' Precompiled differs
    "no dummy prefix": ({"add_dummy_prefix": False}, _prepend_never, True, None),
    "no byte fallback": (
        {"no_byte_fallback": True},
        _no_byte_fallback,
        True,
        {"no_byte_fallback": True, "add_dummy_prefix": False},
    ),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_json_matches_sentencepiece(name, tmp_path):
    options, edit, check_tokenizers, no_prefix_options = VARIANTS[name]
    model_bytes = _variant(**options)
    doc = _json_doc(model_bytes, edit)
    if check_tokenizers:
        no_prefix_model = None if no_prefix_options is None else _variant(**no_prefix_options)
        _check_tokenizers_differences(doc, model_bytes, True, no_prefix_model)
    tok = tokenizer.load(_export(doc, tmp_path))
    _assert_all_equal([tok.encode(t) for t in SUBSET], _sp_ids(model_bytes, True), SUBSET)
    # The same model as from the .model, but for what a json cannot know: the normalization rule's
    # name, and byte pieces that sentencepiece marks unused (tokenizers can match them: normal here).
    expected = tokenizer.load(model_bytes).model
    unused_to_normal = tuple(tokenizer.NORMAL if t == tokenizer.UNUSED else t for t in expected.types)
    normalizer = dataclasses.replace(expected.normalizer, name=tok.model.normalizer.name)
    assert tok.model == dataclasses.replace(expected, types=unused_to_normal, normalizer=normalizer)


# --- what cannot be converted faithfully ------------------------------------------------------------


def _from_spm_json() -> dict:
    """`tokenizers`' own SentencePiece converter, which collapses runs of spaces (the model does not)."""
    import sys

    from sentencepiece import sentencepiece_model_pb2

    sys.modules.setdefault("sentencepiece_model_pb2", sentencepiece_model_pb2)  # where from_spm looks
    return json.loads(SentencePieceUnigramTokenizer.from_spm(str(MODEL_PATH))._tokenizer.to_str())


def _bpe_json() -> dict:
    return json.loads(HFTokenizer(hf_models.BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")])).to_str())


def _wordpiece_json() -> dict:
    return json.loads(HFTokenizer(hf_models.WordPiece({"[UNK]": 0, "a": 1})).to_str())


def _normalizer(*steps: dict):
    return lambda d: d.update(normalizer={"type": "Sequence", "normalizers": list(steps)})


def _split_with_inner_space_piece(doc: dict) -> None:
    doc["pre_tokenizer"]["split"] = True
    doc["model"]["vocab"][3000][0] = "a\u2581b"


def _user_defined_token(doc: dict) -> None:
    doc["added_tokens"].append(
        {
            "id": 3000,
            "content": doc["model"]["vocab"][3000][0],
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": False,
        }
    )


EOS_TEMPLATE = {
    "type": "TemplateProcessing",
    "pair": [],
    "special_tokens": {},
    "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
}
TRUNCATION = {"direction": "Right", "max_length": 8, "strategy": "LongestFirst", "stride": 0}
FIXED_PADDING = {
    "strategy": {"Fixed": 32},
    "direction": "Right",
    "pad_to_multiple_of": None,
    "pad_id": 3,
    "pad_type_id": 0,
    "pad_token": "<pad>",
}
NMT_NFKC = {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(_charsmap("nmt_nfkc")).decode()}
BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}

# label: (a whole tokenizer.json, or an edit of the reference one; what the error message names)
BAD_JSONS = {
    "bpe model": (_bpe_json, "Unigram"),
    "wordpiece model": (_wordpiece_json, "Unigram"),
    "tokenizers from_spm (collapses spaces)": (_from_spm_json, "normalizer"),
    "nfkc normalizer": (lambda d: d.update(normalizer={"type": "NFKC"}), "NFKC"),
    "lowercase": (_normalizer(REPLACE_SPACE, {"type": "Lowercase"}), "Lowercase"),
    "strip": (_normalizer({"type": "Strip", "strip_left": False, "strip_right": True}), "Strip"),
    "precompiled second": (_normalizer(REPLACE_SPACE, NMT_NFKC), "must come first"),
    "two prepends": (
        _normalizer(
            {"type": "Prepend", "prepend": SPACE}, {"type": "Prepend", "prepend": SPACE}, REPLACE_SPACE
        ),
        "Prepend",
    ),
    "incomplete byte pieces": (lambda d: d["model"]["vocab"][4].__setitem__(0, "<0x100>"), "256 byte pieces"),
    "prepend without escaping": (
        lambda d: d.update(normalizer={"type": "Prepend", "prepend": SPACE}, pre_tokenizer=None),
        "escaping",
    ),
    "bytelevel pre-tokenizer": (lambda d: d.update(pre_tokenizer=BYTE_LEVEL), "pre_tokenizer"),
    "metaspace replacement": (lambda d: d["pre_tokenizer"].update(replacement="_"), "replacement"),
    "split with an inner space piece": (_split_with_inner_space_piece, "split"),
    "user-defined added token": (_user_defined_token, "non-special"),
    "special token with the wrong id": (lambda d: d["added_tokens"][0].update(id=5), "not the model's piece"),
    "post-processor adding eos": (lambda d: d.update(post_processor=EOS_TEMPLATE), "post_processor"),
    "truncation": (lambda d: d.update(truncation=TRUNCATION), "truncation"),
    "fixed padding": (lambda d: d.update(padding=FIXED_PADDING), "padding"),
    "no unk id": (lambda d: d["model"].update(unk_id=None), "unk_id"),
    "malformed vocab": (lambda d: d["model"].update(vocab=[["a", "x"]]), "vocab"),
    "not a tokenizers file": (lambda: {"version": "1.0"}, "model"),
}


MALFORMED = {"malformed vocab", "not a tokenizers file"}


@pytest.mark.parametrize("label", BAD_JSONS)
def test_unsupported_json_raises_a_clear_error(label, tmp_path):
    make_or_edit, words = BAD_JSONS[label]
    doc = make_or_edit() if make_or_edit.__code__.co_argcount == 0 else _json_doc(edit=make_or_edit)
    if label not in MALFORMED:
        HFTokenizer.from_str(json.dumps(doc))  # a valid tokenizer.json all the same
    with pytest.raises(tokenizer.TokenizerError, match=words) as info:
        _export(doc, tmp_path, "bad.json")
    assert isinstance(info.value, ValueError)
    assert "bad.json" in str(info.value)


def test_invalid_json_raises_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"model": ', encoding="utf-8")
    with pytest.raises(tokenizer.TokenizerError, match="not valid JSON"):
        compact_tokenizer_bytes(path)
