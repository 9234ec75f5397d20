"""Per-class accuracy of py_core.normalize on the hand-written corpus, and its speed on long texts.

    python scripts/normalize_accuracy.py            # accuracy per language and class
    python scripts/normalize_accuracy.py --show     # ... and every case that differs
    python scripts/normalize_accuracy.py --bench    # ... and the time for 20 kB and 200 kB of text

The corpus is tests/data/normalize_cases.json (expected readings written by hand from cited rules).
"""

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from py_core.normalize import LANGUAGES, normalize_text

ROOT = Path(__file__).resolve().parents[1]

CASES = ROOT / "tests" / "data" / "normalize_cases.json"


def accuracy(show: bool) -> bool:
    cases = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    all_ok = True
    for language, rows in cases.items():
        by_class: dict[str, list[bool]] = defaultdict(list)
        for kind, written, spoken in rows:
            got = normalize_text(written, language)
            by_class[kind].append(got == spoken)
            if got != spoken and show:
                print(f"  {language} {kind}: {written!r}\n    expected {spoken!r}\n    got      {got!r}")
        passed = sum(sum(v) for v in by_class.values())
        all_ok &= passed == len(rows)
        print(f"{language}: {passed}/{len(rows)} ({100 * passed / len(rows):.1f}%)")
        for kind, results in sorted(by_class.items()):
            share = 100 * sum(results) / len(results)
            print(f"    {kind:<13} {sum(results):>3}/{len(results):<3} {share:5.1f}%")
    return all_ok


def bench() -> None:
    """Time on realistic text (the README plus number-heavy sentences), 20 kB and 200 kB."""
    sentence = (
        "On 2026-03-04 at 10:30 pm Dr. Smith paid $3.50 for 2.5 kg (about 12% more) at www.example.com; "
        "call +1 555 123 4567. Chapter IV of Henry VIII, the 1980s, 3/4 of 1,234,567 km/h. "
    )
    base = (ROOT / "README.md").read_text(encoding="utf-8") + sentence * 200
    for size in (20_000, 200_000):
        text = (base * (size // len(base) + 1))[:size]
        for language in LANGUAGES:
            start = time.perf_counter()
            normalize_text(text, language)
            elapsed = time.perf_counter() - start
            print(f"bench {size // 1000:>4} kB {language:<10} {elapsed * 1000:8.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every case that differs")
    parser.add_argument("--bench", action="store_true", help="time 20 kB and 200 kB of text")
    args = parser.parse_args()
    ok = accuracy(args.show)
    if args.bench:
        bench()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
