"""py_core.tokenizer against the `sentencepiece` library (the oracle) on Kyutai's real tokenizer.model.

The corpus is generated deterministically; variant models (a real normalization charsmap, no byte
fallback, user-defined symbols, ...) are built from the real model with sentencepiece's own protobuf
classes and checked against the library loaded from the very same bytes.
"""

import base64
import functools
import io
import json
import pathlib
import random

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

from py_core import tokenizer

MODEL_PATH = pathlib.Path(__file__).parent / "fixtures" / "pocket-tts" / "tokenizer.model"
MODEL_BYTES = MODEL_PATH.read_bytes()

WORDS = (
    "the quick brown fox jumps over lazy dog hello world Kyutai speech voice model browser pocket "
    "tokenizer sentence paragraph I you we they it's don't won't can't John's Mr. Dr. St. U.S.A. "
    "e.g. i.e. etc. naïve café résumé coöperate façade jalapeño Straße über Ærøskøbing œuvre "
    "internationalization antidisestablishmentarianism supercalifragilisticexpialidocious "
    "COVID-19 iPhone McDonald's O'Neill rock'n'roll state-of-the-art 24/7 C++ AT&T"
).split()
PUNCTUATION = list(".,;:!?-–—…()[]{}<>/\\|@#$%^&*_+=~`") + ["...", "?!", "--", "—", "•", "§", "°", "€", "£"]
NUMBERS = ["0", "7", "42", "3.14", "1,000,000", "2024", "-5", "1e-3", "½", "²", "١٢٣", "12:30", "$9.99"]
QUOTES = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "`"]
NORMALIZATION = [
    "ＡＢＣ１２３",
    "ｈｅｌｌｏ",
    "ﬁ",
    "ﬂ",
    "ﬃ",
    "e\u0301",
    "a\u0308",
    "\u00e9",
    "Å",
    "\u212b",
    "\u2126",
    "㎏",
    "\u00a0",
    "\u3000",
    "\u2009",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\x00",
    "\x01",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\u0345",
    "ǅ",
    "ß",
    "İ",
    "Σ",
    "ς",
    "ﬅ",
    "①",
    "™",
    "…",
    "\u2581",
    "\u2581\u2581",
    "\ufffd",
    "\U0001d400",
    "ｶﾞ",
    "ｶ\uff9e",
    "\u1100\u1161",
]
WHITESPACE = [" ", "  ", "   ", "\t", "\n", "\r\n", " \t ", "\n\n", "\u00a0 ", " \u3000 ", "\x0b", "\x0c"]
UNKNOWN = [
    "你好",
    "世界和平",
    "日本語のテキスト",
    "한국어",
    "مرحبا بالعالم",
    "שלום",
    "नमस्ते",
    "ภาษาไทย",
    "Ελληνικά",
    "Русский текст",
    "🙂",
    "👍🏽",
    "👩\u200d👩\u200d👧",
    "🇫🇷",
    "🏳️\u200d🌈",
    "\ue000",
    "\U000f0000",
    "\U0010fffd",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u0378",
    "\ufffe",
    "\U0001f9ff",
]
CATEGORIES = [WORDS, WORDS, WORDS, PUNCTUATION, NUMBERS, QUOTES, NORMALIZATION, WHITESPACE, UNKNOWN]


def _random_char(rng: random.Random) -> str:
    while True:
        # Bias toward the lower planes, where most assigned characters are.
        code = rng.choice([rng.randrange(0x80), rng.randrange(0x3000), rng.randrange(0x110000)])
        if not 0xD800 <= code < 0xE000:  # lone surrogates are not valid input for sentencepiece
            return chr(code)


def _fragment(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "".join(_random_char(rng) for _ in range(rng.randint(1, 8)))
    if roll < 0.07:  # a very long word
        alphabets = ["abcdefghijklmnopqrstuvwxyz", "ab", "ＡＢｃ", "你好世界", "aé\u0301ﬁ", "0123456789"]
        alphabet = rng.choice(alphabets)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(100, 600)))
    return rng.choice(rng.choice(CATEGORIES))


def _corpus() -> list[str]:
    rng = random.Random(20240613)
    corpus = [
        "",
        " ",
        "  ",
        "\t\n ",
        "Hello world.",
        " Hello world. ",
        "a",
        "\u2581",
        "\u2581a",
        "a\u2581",
        "3.14",
        "\u200b",
        " \u200b ",
        "\x00",
        "ﬁ",
        "ＡＢＣ１２３",
        "e\u0301",
        "你好",
        "\U0001f642",
    ]
    while len(corpus) < 5200:
        parts = [_fragment(rng) for _ in range(rng.randint(1, 12))]
        glue = rng.choice(["", " ", " ", " ", "  ", "\n", rng.choice(WHITESPACE)])
        text = glue.join(parts)
        if rng.random() < 0.15:
            text = rng.choice(WHITESPACE) + text
        if rng.random() < 0.15:
            text += rng.choice(WHITESPACE)
        corpus.append(text)
    # One paragraph of the size the browser tokenizes at once (~20,000 characters).
    paragraph = " ".join(rng.choice(WORDS + WORDS + PUNCTUATION + NUMBERS + QUOTES) for _ in range(5000))
    corpus.append(paragraph[:20000])
    return corpus


CORPUS = _corpus()
SUBSET = CORPUS[::4]  # for the variant models


def _assert_all_equal(actual, expected, texts) -> None:
    bad = [(t, a, e) for t, a, e in zip(texts, actual, expected, strict=True) if a != e]
    details = "\n".join(f"  {t[:80]!r}: got {a!r:.200} expected {e!r:.200}" for t, a, e in bad[:5])
    assert not bad, f"{len(bad)} of {len(texts)} strings differ, first ones:\n{details}"


@functools.cache
def _library(model_bytes: bytes) -> spm.SentencePieceProcessor:
    return spm.SentencePieceProcessor(model_proto=model_bytes)


@functools.cache
def _expected_ids(model_bytes: bytes, subset: bool) -> list[list[int]]:
    return [_library(model_bytes).encode(t, out_type=int) for t in (SUBSET if subset else CORPUS)]


@pytest.fixture(scope="module")
def tok() -> tokenizer.Tokenizer:
    return tokenizer.load(MODEL_PATH)


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 5000
    assert len(set(CORPUS)) > 4500
    assert max(map(len, CORPUS)) >= 20000


def test_readme_example(tok):
    assert tok.encode("Hello world.") == [2994, 578, 263]


def test_ids_match_sentencepiece(tok):
    _assert_all_equal([tok.encode(t) for t in CORPUS], _expected_ids(MODEL_BYTES, False), CORPUS)


def test_normalize_matches_sentencepiece(tok):
    sp = _library(MODEL_BYTES)
    _assert_all_equal([tok.normalize(t) for t in SUBSET], [sp.normalize(t) for t in SUBSET], SUBSET)


def test_compact_file_gives_the_same_ids(tok):
    compact = tokenizer.to_compact_bytes(tok)
    doc = json.loads(compact)
    assert (doc["format"], doc["version"]) == ("pocket-tts-tokenizer", 1)
    # Reasonable size: about the raw model's, and no bigger once gzipped as static hosts serve it.
    assert len(compact) < 1.5 * len(MODEL_BYTES)
    compact_tok = tokenizer.load(compact)
    assert compact_tok.model == tok.model
    _assert_all_equal([compact_tok.encode(t) for t in CORPUS], _expected_ids(MODEL_BYTES, False), CORPUS)


def test_decode_round_trips_like_sentencepiece(tok):
    sp = _library(MODEL_BYTES)
    expected = [sp.decode(ids) for ids in _expected_ids(MODEL_BYTES, False)]
    _assert_all_equal([tok.decode(tok.encode(t)) for t in CORPUS], expected, CORPUS)


def test_decode_arbitrary_ids_like_sentencepiece(tok):
    """Control, unk and byte pieces in any order, including byte runs that are not valid UTF-8."""
    sp = _library(MODEL_BYTES)
    rng = random.Random(7)
    id_lists = [[], [0], [1, 2, 3], [260], [260, 260], [3, 260, 578], [4 + 0xE4, 4 + 0xBD], [4 + 0xFF, 578]]
    for _ in range(2000):
        pool = rng.choice([range(tok.vocab_size), range(0, 260), range(4 + 0x80, 4 + 0x100)])
        id_lists.append([rng.choice(pool) for _ in range(rng.randint(1, 12))])
    labels = [repr(ids) for ids in id_lists]
    _assert_all_equal([tok.decode(ids) for ids in id_lists], [sp.decode(ids) for ids in id_lists], labels)
    with pytest.raises(IndexError):
        tok.decode([tok.vocab_size])
    with pytest.raises(IndexError):
        tok.decode([-1])


def test_special_ids_match_sentencepiece(tok):
    sp = _library(MODEL_BYTES)
    assert tok.vocab_size == sp.vocab_size() == 4000
    ours = (tok.unk_id, tok.bos_id, tok.eos_id, tok.pad_id)
    assert ours == (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (0, 1, 2, 3)


def test_load_accepts_paths_and_bytes():
    for source in (MODEL_PATH, str(MODEL_PATH), MODEL_BYTES, bytearray(MODEL_BYTES), memoryview(MODEL_BYTES)):
        assert tokenizer.load(source).encode("Hello world.") == [2994, 578, 263]


# --- variant models: normalization charsmaps, no byte fallback, user-defined symbols ------------------


@functools.cache
def _charsmap(rule: str) -> bytes:
    """The precompiled charsmap sentencepiece builds for one of its normalization rules."""
    writer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["a tiny corpus", "to get a charsmap"] * 10),
        model_writer=writer,
        vocab_size=20,
        hard_vocab_limit=False,
        normalization_rule_name=rule,
        minloglevel=2,
    )
    proto = pb.ModelProto()
    proto.ParseFromString(writer.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def _variant(rule=None, *, no_byte_fallback=False, user_defined=(), suffix=False, **normalizer) -> bytes:
    proto = pb.ModelProto()
    proto.ParseFromString(MODEL_BYTES)
    if rule is not None:
        proto.normalizer_spec.name = rule
        proto.normalizer_spec.precompiled_charsmap = _charsmap(rule)
    for key, value in normalizer.items():
        setattr(proto.normalizer_spec, key, value)
    if no_byte_fallback:
        proto.trainer_spec.byte_fallback = False
        for piece in proto.pieces:
            if piece.type == pb.ModelProto.SentencePiece.BYTE:
                piece.type = pb.ModelProto.SentencePiece.UNUSED
    existing = {p.piece: p for p in proto.pieces}
    for symbol in user_defined:
        piece = existing.get(symbol) or proto.pieces.add(piece=symbol, score=0.0)
        piece.type = pb.ModelProto.SentencePiece.USER_DEFINED
    proto.trainer_spec.treat_whitespace_as_suffix = suffix
    return proto.SerializeToString()


USER_SYMBOLS = ("[laugh]", "3.14", "ﬁ", "▁the", "ing", "ＡＢ", "你", "\u2581\u2581")
VARIANTS = {
    "nmt_nfkc": lambda: _variant("nmt_nfkc", remove_extra_whitespaces=True),
    "nfkc_cf-no-dummy-prefix": lambda: _variant(
        "nfkc_cf", remove_extra_whitespaces=True, add_dummy_prefix=False
    ),
    "nmt_nfkc_cf-unescaped": lambda: _variant("nmt_nfkc_cf", escape_whitespaces=False),
    "no-byte-fallback": lambda: _variant(no_byte_fallback=True),
    "nmt_nfkc-no-byte-fallback": lambda: _variant(
        "nmt_nfkc", no_byte_fallback=True, remove_extra_whitespaces=True
    ),
    "user-defined": lambda: _variant(user_defined=USER_SYMBOLS),
    "nfkc-user-defined": lambda: _variant("nfkc", user_defined=USER_SYMBOLS, remove_extra_whitespaces=True),
    "whitespace-suffix": lambda: _variant(suffix=True, remove_extra_whitespaces=True),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_models_match_sentencepiece(name):
    model_bytes = VARIANTS[name]()
    sp = _library(model_bytes)
    expected = _expected_ids(model_bytes, True)
    raw = tokenizer.load(model_bytes)
    compact = tokenizer.load(tokenizer.to_compact_bytes(raw))
    _assert_all_equal([raw.normalize(t) for t in SUBSET], [sp.normalize(t) for t in SUBSET], SUBSET)
    _assert_all_equal([raw.encode(t) for t in SUBSET], expected, SUBSET)
    _assert_all_equal([compact.encode(t) for t in SUBSET], expected, SUBSET)
    _assert_all_equal([raw.decode(ids) for ids in expected], [sp.decode(ids) for ids in expected], SUBSET)


def test_unknown_runs_become_one_unk_without_byte_fallback():
    model_bytes = _variant(no_byte_fallback=True)
    tok, sp = tokenizer.load(model_bytes), _library(model_bytes)
    ids = tok.encode("a 你好世界 b")
    assert ids == sp.encode("a 你好世界 b")
    assert ids.count(0) == 1
    assert tok.decode(ids) == sp.decode(ids) == "a  ⁇  b"


# --- errors ---------------------------------------------------------------------------------------------


@functools.cache
def _compact_bytes() -> bytes:
    return tokenizer.to_compact_bytes(tokenizer.load(MODEL_BYTES))


def _compact_doc() -> dict:
    return json.loads(_compact_bytes())


def _bad_inputs() -> list[tuple[str, bytes]]:
    rng = random.Random(3)
    bad = [("empty", b""), ("not json", b"{not json"), ("json list", b"[1, 2]"), ("blank", b"   ")]
    bad += [(f"garbage {i}", rng.randbytes(rng.randint(1, 300))) for i in range(50)]
    bad += [
        (f"truncated to {n}", MODEL_BYTES[:n])
        for n in (1, 2, 10, 1000, len(MODEL_BYTES) // 2, len(MODEL_BYTES) - 100, len(MODEL_BYTES) - 1)
    ]
    changes = [
        ("format", "something-else"),
        ("version", 2),
        ("model_type", "bpe"),
        ("pieces", "x"),
        ("scores", [0.0]),
        ("types", [9] * 4000),
        ("special_ids", None),
        ("byte_fallback", False),
    ]
    for key, value in changes:
        doc = _compact_doc()
        doc[key] = value
        bad.append((f"compact {key}={value!r:.20}", json.dumps(doc).encode()))
    doc = _compact_doc()
    doc["normalizer"]["precompiled_charsmap"] = base64.b64encode(b"\xff\xff\x00\x00abc").decode()
    bad.append(("compact broken charsmap", json.dumps(doc).encode()))
    proto = pb.ModelProto()
    proto.ParseFromString(MODEL_BYTES)
    proto.trainer_spec.model_type = pb.TrainerSpec.BPE
    bad.append(("bpe model", proto.SerializeToString()))
    return bad


@pytest.mark.parametrize(("label", "data"), _bad_inputs(), ids=lambda x: x if isinstance(x, str) else "")
def test_bad_data_raises_a_clear_error(label, data):
    with pytest.raises(tokenizer.TokenizerError) as info:
        tokenizer.load(data)
    assert isinstance(info.value, ValueError)
    assert str(info.value)
