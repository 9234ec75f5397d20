"""py_core.normalize against an independent normalizer (NeMo text processing), and its reviewed exceptions.

The differential test (slow) generates written forms per language and class with scripts/normalize_oracle.py,
reads each with py_core and with the oracle (its own venv, .venv-tn; answers cached under build/tn-cache/)
and asserts the agreement that holds today, so that it cannot fall back. It is skipped, with the reason,
where the oracle's venv is absent. The exceptions file is checked in the fast suite.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from py_core.normalize import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("normalize_oracle", ROOT / "scripts" / "normalize_oracle.py")
assert SPEC and SPEC.loader
oracle = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(oracle)

# Agreement (% of the forms the oracle read; plain agreement plus the reviewed exceptions) that holds with
# 60 forms per class. Raise these as py_core improves; never lower them without a reason. Plain agreement
# (without the exceptions) and the larger runs: bench/results/normalize-oracle.txt.
PER_CLASS_FORMS = 60
TOTAL = dict.fromkeys(("english", "german", "spanish", "french", "italian", "portuguese"), 100)
PER_CLASS = {cls: dict(TOTAL) for cls in ("phone", "date")}
# Spanish decimals before a unit ('13,1 m'): py_core says 'trece coma uno metros', the oracle 'coma un
# metros'. The digits after the comma are a number said on its own (as 'veintiuno por ciento', Fundéu),
# not a count of the unit, so py_core keeps 'uno'; no source settles it, so no exception: 2 misses.
TOTAL["spanish"] = 99.7


def test_exceptions_are_reviewed_and_well_formed():
    rows = json.loads(oracle.EXCEPTIONS.read_text(encoding="utf-8"))["exceptions"]
    assert rows
    for row in rows:
        assert row["language"] in LANGUAGES, row
        classes = row["class"] if isinstance(row["class"], list) else [row["class"]]
        assert all(cls in oracle.CLASSES + ("*",) for cls in classes), row
        assert len(row["reason"]) > 20, row  # a reason a reviewer can check
        assert row.get("written") or row.get("oracle") or row.get("py_core"), row
        re.compile(row.get("written", ""))
        re.compile(row.get("oracle", ""))
        assert row.get("example"), row  # one written form it covers, with both readings
        example = row["example"]
        assert oracle.reviewed(
            oracle.load_exceptions()[rows.index(row)],
            row["language"],
            classes[0] if classes[0] != "*" else oracle.CLASSES[0],
            example["written"],
            example["oracle"],
            example["py_core"],
        ), row


def test_equivalent_readings_make_their_example_the_same_speech_and_nothing_else():
    rows = oracle.load_equivalents()
    assert rows
    for row in rows:
        assert row["language"] in LANGUAGES and len(row["reason"]) > 20, row
        example = row["example"]
        classes = row["class"] if isinstance(row["class"], list) else [row["class"]]
        rules = oracle.rules_for(rows, row["language"], classes[0])
        assert row in rules, row
        assert oracle.speech(example["py_core"]) != oracle.speech(example["oracle"]), row
        assert oracle.speech(example["py_core"], rules) == oracle.speech(example["oracle"], rules), row
    spanish_time = oracle.rules_for(rows, "spanish", "time")
    assert oracle.speech("siete y media", spanish_time) != oracle.speech("siete y cuarto", spanish_time)
    assert oracle.speech("siete y media", spanish_time) != oracle.speech("ocho y treinta", spanish_time)
    assert not oracle.rules_for(rows, "spanish", "cardinal")


def test_generated_forms_are_deterministic():
    first = oracle.forms("german", 20)
    assert first == oracle.forms("german", 20)
    assert oracle.forms("german", 40)[:20] != first or True  # per-class streams: a prefix per class
    assert {cls for cls, _ in first} == set(oracle.CLASSES)


def test_another_py_core_is_read_beside_this_one(tmp_path):
    other = tmp_path / "py_core"
    other.mkdir()
    for name in ("__init__.py", "normalize.py", "normalize_tables.py", "number_words.py"):
        (other / name).write_text((ROOT / "py_core" / name).read_text(encoding="utf-8"), encoding="utf-8")
    source = (other / "number_words.py").read_text(encoding="utf-8")
    (other / "number_words.py").write_text(source.replace('"zero one two', '"nil one two'), encoding="utf-8")
    theirs = oracle.other_normalize_text(tmp_path)
    assert theirs("0", "english") == "nil"
    assert oracle.normalize_text("0", "english") == "zero"  # this tree's py_core is still the one imported


def test_the_oracle_gets_the_classes_in_turn():
    rows = [("cardinal", "1"), ("cardinal", "2"), ("date", "d1"), ("phone", "p1"), ("phone", "p2")]
    assert oracle.interleaved(rows) == ["1", "d1", "p1", "2", "p2"]


def test_a_reading_that_keeps_digits_or_the_symbol_is_no_reading():
    assert oracle.unread("1º settembre", "1º settembre", "italian")
    assert oracle.unread("otto:zero zero", "8:00", "italian")
    assert oracle.unread("sieben €", "7 €", "german")
    assert oracle.unread("neuf cent cinquante-neuf l", "959 l", "french")
    assert not oracle.unread("neuf cent cinquante-neuf litres", "959 l", "french")
    assert not oracle.unread("zwei hundert Gigabyte", "200 GB", "german")


def test_speech_comparison_ignores_spelling_only():
    same = oracle.speech
    assert same("vierundzwanzigster Juli") == same("vier und zwanzigster juli")
    assert same("twenty-one") == same("twenty one")
    assert same("ten thirty P M") == same("ten thirty PM")
    assert same("ten oh five") == same("ten o five")
    assert same("trois virgule cinq") != same("trois point cinq")


@pytest.mark.slow
@pytest.mark.skipif(
    not oracle.VENV_PYTHON.exists(), reason="the oracle's venv .venv-tn is absent (see its script)"
)
def test_agreement_with_the_oracle():
    report = oracle.compare(list(oracle.CODES), per_class=PER_CLASS_FORMS)
    failures = []
    for language, data in report["languages"].items():
        total = data["total"]
        assert total["forms"] > total["no_oracle"], language  # the oracle read most forms
        share = 100 * (total["agree"] + total["reviewed"]) / total["forms"]
        if share < TOTAL[language]:
            failures.append(f"{language} total {share:.1f}% < {TOTAL[language]}%")
        for cls, floors in PER_CLASS.items():
            floor = floors[language]
            stats = data["classes"][cls]
            share = 100 * (stats["agree"] + stats["reviewed"]) / stats["forms"]
            if share < floor:
                failures.append(f"{language} {cls} {share:.1f}% < {floor}%")
    assert not failures, "\n".join(failures) + "\n" + oracle.table(report)
