"""py_core.normalize: the hand-written corpus (tests/data/normalize_cases.json) and bad input.

Every expected reading in the corpus was written from the rules its `sources` cite; none was produced
by the code under test. scripts/normalize_accuracy.py prints the same corpus as per-class accuracy.
"""

import json
import random
import re
from pathlib import Path

import pytest

from py_core.normalize import LANGUAGES, classify, normalize_text, roman_value
from py_core.number_words import LIMIT, cardinal, digits, ordinal

CORPUS = json.loads((Path(__file__).parent / "data" / "normalize_cases.json").read_text(encoding="utf-8"))
CASES = [
    pytest.param(language, written, spoken, id=f"{language}-{kind}-{i}")
    for language, rows in CORPUS["cases"].items()
    for i, (kind, written, spoken) in enumerate(rows)
]


@pytest.mark.parametrize(("language", "written", "spoken"), CASES)
def test_corpus(language, written, spoken):
    assert normalize_text(written, language) == spoken


# Corpus cases whose class is not one classify() reports, and why.
CLASS_DIFFERENCES = {
    ("english", "OK"): "an acronym said as a word: classed as an acronym, left as written",
    ("french", "en 1984"): "French says a year as a cardinal: py_core has no need to tell them apart",
}


@pytest.mark.parametrize(
    ("language", "kind", "written"),
    [
        pytest.param(language, kind, written, id=f"{language}-{kind}-{i}")
        for language, rows in CORPUS["cases"].items()
        for i, (kind, written, _) in enumerate(rows)
        if (language, written) not in CLASS_DIFFERENCES
    ],
)
def test_corpus_class_is_classified(language, kind, written):
    classes = [cls for cls, _, _ in classify(written, language)]
    assert classes == [] if kind == "unchanged" else kind in classes, classes


def test_classify_gives_class_span_and_fields_in_order():
    text = "It costs $3.50 on 12/25/2024 at 10:30 am, you may 5 call +1 555 123 4567."
    found = classify(text, "english")
    assert [(cls, text[a:b]) for cls, (a, b), _ in found] == [
        ("money", "$3.50"),
        ("date", "12/25/2024"),
        ("time", "10:30 am"),
        ("cardinal", "may 5"),  # no date: "may" is a verb without a year, the number is read plainly
        ("phone", "+1 555 123 4567"),
    ]
    assert found[0][2] == {"qcur": "$", "qnum": "3.50"}
    assert [cls for cls, _, _ in classify("am 3. Mai 2020 um 14:30 Uhr, 10–20 km, 5 %", "german")] == [
        "date", "time", "range", "percent",
    ]  # fmt: skip
    assert [cls for cls, _, _ in classify("71 millones de euros, el 3.º, 1,5e-3", "spanish")] == [
        "money", "ordinal", "decimal",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        classify("1", "klingon")


def test_corpus_size_sources_and_classes():
    cases = CORPUS["cases"]
    assert set(cases) == set(LANGUAGES)
    assert len(cases["english"]) >= 200
    for language in LANGUAGES:
        assert len(cases[language]) >= 60, language
        assert CORPUS["sources"][language], language
    english_classes = {kind for kind, _, _ in cases["english"]}
    assert english_classes >= {
        "cardinal", "negative", "decimal", "ordinal", "fraction", "percent", "range", "money", "date",
        "year", "decade", "time", "measure", "phone", "roman", "url", "email", "abbreviation", "acronym",
        "unchanged",
    }  # fmt: skip


def test_spoken_forms_have_no_ascii_digits():
    """Everything the corpus expects to be read has no digits left (except where text stays as it was)."""
    for language, rows in CORPUS["cases"].items():
        for kind, written, spoken in rows:
            if kind != "unchanged":
                assert not re.search(r"[0-9]", spoken), (language, written, spoken)


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        normalize_text("1", "klingon")


def test_default_language_is_english():
    assert normalize_text("$3.50") == "three dollars and fifty cents"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_400_digit_number_is_read_digit_by_digit(language):
    number = "7" * 400
    said = normalize_text(f"x {number} y", language)
    assert said == f"x {digits(number, language)} y"
    assert len(said.split()) == 402


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_at_the_cardinal_limit(language):
    assert normalize_text(str(LIMIT - 1), language) == cardinal(LIMIT - 1, language)
    assert normalize_text(str(LIMIT), language) == digits(str(LIMIT), language)


def test_number_words_reject_out_of_range():
    with pytest.raises(ValueError):
        cardinal(LIMIT, "english")
    with pytest.raises(ValueError):
        ordinal(0, "english")


def test_roman_values():
    assert [roman_value(s) for s in ("I", "IV", "IX", "XIV", "XL", "MCMLXXXIV", "MMXXVI")] == [
        1, 4, 9, 14, 40, 1984, 2026,
    ]  # fmt: skip
    assert [roman_value(s) for s in ("", "IIII", "VX", "IC", "ABC", "MMMM")] == [None] * 6


ALPHABET = "0123456789 .,:;/-–—+−%$€£¥₩₹°'’\"()[]<>@#&=?!_~\nabcxyzAEIOUBCDXIVMkmghsléèàçñüößÀÉ日本語Ωж٣"


@pytest.mark.parametrize("language", LANGUAGES)
def test_fuzz_never_raises(language):
    rng = random.Random(f"normalize-{language}")
    for _ in range(400):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))
        assert isinstance(normalize_text(text, language), str)


@pytest.mark.parametrize("language", LANGUAGES)
def test_mixed_scripts_and_long_runs_never_raise(language):
    pieces = [
        "日本語 3,50 € Русский 12kg ١٢٣ ٣/٤ Ελληνικά $5 한국어 ",
        "1" * 5000,
        "1." * 3000,
        "a@" * 3000,
        "https://" + "a/" * 3000,
        "1/" * 3000,
        "1:" * 3000,
        "+1 " * 3000,
        "IVX" * 2000,
        "\u0000\ufffd\U0001f600" * 100,
    ]
    for piece in pieces:
        assert isinstance(normalize_text(piece, language), str)
