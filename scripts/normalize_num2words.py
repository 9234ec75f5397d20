"""Item 3 of issue 27: would num2words read numbers better than py_core's hand-written tables?

    .venv-tn/bin/pip install num2words==0.5.14
    .venv-tn/bin/python scripts/normalize_num2words.py

Runs the oracle comparison of scripts/normalize_oracle.py twice on the forms of its last report
(bench/results/normalize-oracle.json: the same forms per class and language; the oracle's answers come
from its cache, build/tn-cache/): once
with py_core as it is, once with py_core.normalize's number words (cardinals, ordinals) taken from
num2words instead of py_core.number_words. Everything else (which class a form is, how it is read around
the number) stays py_core's, so the difference is the number tables alone. Prints both tables and writes
bench/results/normalize-num2words.json. num2words is not a py_core dependency: this script is the only user.
"""

import argparse
import json
import sys
from pathlib import Path

from num2words import num2words

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import normalize_oracle  # noqa: E402

from py_core import normalize  # noqa: E402

N2W_CODES = {
    "english": "en",
    "german": "de",
    "spanish": "es",
    "french": "fr",
    "italian": "it",
    "portuguese": "pt_BR",
}
RESULTS = ROOT / "bench" / "results" / "normalize-num2words.json"
HAND = (normalize.cardinal, normalize.ordinal)


def n2w_cardinal(n: int, language: str) -> str:
    return num2words(n, lang=N2W_CODES[language])


def n2w_ordinal(n: int, language: str, *, feminine: bool = False, ending: str = "e") -> str:
    """num2words' ordinal, given the agreement py_core asks for (German ending; Romance feminine)."""
    words = num2words(n, lang=N2W_CODES[language], to="ordinal")
    if language == "german":
        return words[:-1] + ending if words.endswith("e") else words + ending
    if feminine and language in ("spanish", "italian", "portuguese"):
        return " ".join(w[:-1] + "a" if w.endswith("o") else w for w in words.split())
    if feminine and language == "french" and words == "premier":
        return "première"
    return words


def use(tables: str) -> None:
    """Point py_core.normalize at the hand tables or at num2words."""
    if tables == "num2words":
        normalize.cardinal, normalize.ordinal = n2w_cardinal, n2w_ordinal
    else:
        normalize.cardinal, normalize.ordinal = HAND
    normalize._CACHE.clear()


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    counts = json.loads(normalize_oracle.RESULTS.read_text(encoding="utf-8"))["per_class"]
    if isinstance(counts, int):
        counts = dict.fromkeys(normalize_oracle.CODES, counts)
    report = {"per_class": counts, "num2words": "0.5.14", "codes": N2W_CODES}
    for tables in ("hand", "num2words"):
        use(tables)
        result = normalize_oracle.compare(list(counts), counts)
        report[tables] = result
        print(f"py_core with {tables} number words")
        print(normalize_oracle.table(result))
    use("hand")
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
