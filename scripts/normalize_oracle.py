"""Differential test of py_core.normalize against an independent normalizer (NVIDIA NeMo text processing).

    python scripts/normalize_oracle.py                      # all six languages, 300 forms per class
    python scripts/normalize_oracle.py --per-class 1000     # more forms
    python scripts/normalize_oracle.py --lang english --show 20   # ... and 20 disagreements per class
    python scripts/normalize_oracle.py --forms german=200         # fewer forms for one language
    python scripts/normalize_oracle.py --py-core /tmp/old         # py_core unpacked from an older commit
    python scripts/normalize_oracle.py --per-class 2000 --cached  # only the forms the oracle answered before

The oracle's cost (measured 2026-12-06, one core, compiled grammars loaded from build/tn-cache/<code>/):
loading the grammars 0.3-3 s per worker, then per form en 16 ms, fr 2 ms, pt 28 ms, it 51 ms, es 67 ms,
de 390 ms (median); nearly all of it in composing the form with the tagger FST (find_tags). NeMo has no
batch call that shares that work (normalize_list runs normalize per text, in joblib processes), so a run
is bound by forms x per-form cost: grow it in the background and read its cache with --cached.

Written forms are generated from templates with a seeded RNG, per language and semiotic class (cardinal,
decimal, ordinal, money, measure, date, time, phone, fraction, range, year, percent), in the forms each
language's own conventions write them (month names and day-month order, decimal comma, thousands
separators, the country's phone groupings). Each form is read by py_core.normalize (this Python) and by
nemo-text-processing (its own virtual environment, .venv-tn, run as a subprocess over a JSON list; its
answers are cached in build/tn-cache/). The two readings are compared as speech, not spelling: case,
accents, hyphens, spaces inside compounds, punctuation and the words "and/und/y/e/et" are ignored.

A disagreement where py_core is right and the oracle is not is listed, with its reason, in
tests/data/normalize_oracle_exceptions.json (a regular expression over the written form per language and
class). The report counts them apart: "agree" is plain agreement, "agree+reviewed" adds the reviewed
exceptions. Results: bench/results/normalize-oracle.json and a table on stdout.

The oracle's venv: python3 -m venv .venv-tn && .venv-tn/bin/pip install nemo-text-processing==1.2.0
(about 1.1 GB; CPython only, never the browser). Dutch has no NeMo grammar, so it is not compared here.
"""

import argparse
import json
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from py_core.normalize import classify, normalize_text  # noqa: E402
from py_core.normalize_tables import LANGS  # noqa: E402

VENV_PYTHON = ROOT / ".venv-tn" / "bin" / "python"
CACHE_DIR = ROOT / "build" / "tn-cache"
EXCEPTIONS = ROOT / "tests" / "data" / "normalize_oracle_exceptions.json"
RESULTS = ROOT / "bench" / "results" / "normalize-oracle.json"
CODES = {
    "english": "en",
    "german": "de",
    "spanish": "es",
    "french": "fr",
    "italian": "it",
    "portuguese": "pt",
}
CLASSES = (
    "cardinal", "decimal", "ordinal", "money", "measure", "date", "time", "phone", "fraction", "range",
    "year", "percent",
)  # fmt: skip

# ----- the written forms -----

MONTHS = {
    "english": "January February March April May June July August September October November December",
    "german": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "spanish": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "french": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "italian": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "portuguese": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}
# Units written with a number in each language's texts (SI symbols are shared; a few local ones).
UNITS = {
    "english": "km kg cm mm m g mg ml l km/h m/s mph ft lb oz mi °C °F GB MB kHz Hz kW W V h min",
    "german": "km kg cm mm m g mg ml l km/h m/s °C GB MB kHz Hz kW W V h min",
    "spanish": "km kg cm mm m g mg ml l km/h m/s °C GB MB kHz Hz kW W V h min",
    "french": "km kg cm mm m g mg ml l km/h m/s °C Go Mo kHz Hz kW W V min",
    "italian": "km kg cm mm m g mg ml l km/h m/s °C GB MB kHz Hz kW W V h min",
    "portuguese": "km kg cm mm m g mg ml l km/h m/s °C GB MB kHz Hz kW W V h min",
}
YEAR_WORD = {
    "english": "in",
    "german": "im Jahr",
    "spanish": "en",
    "french": "en",
    "italian": "nel",
    "portuguese": "em",
}


def magnitude(rng: random.Random, top: int = 9) -> int:
    """A random integer, log-uniform in size (1 to `top` digits)."""
    return rng.randint(0, 10 ** rng.randint(1, top) - 1)


def grouped(n: int, language: str, rng: random.Random) -> str:
    """n with the thousands separator the language writes (or none for four digits, where usual)."""
    text = str(n)
    if n < 1000 or (n < 10_000 and rng.random() < 0.5 and language != "english"):
        return text
    sep = {"english": ",", "french": " ", "spanish": " " if n >= 10_000 and rng.random() < 0.5 else "."}.get(
        language, "."
    )
    parts = []
    while text:
        parts.insert(0, text[-3:])
        text = text[:-3]
    return sep.join(parts)


def decimal(rng: random.Random, language: str, places: int | None = None) -> str:
    whole = grouped(
        rng.choice([rng.randint(0, 9), rng.randint(10, 99), rng.randint(100, 9999)]), language, rng
    )
    places = places or rng.randint(1, 3)
    frac = "".join(rng.choice("0123456789") for _ in range(places))
    return f"{whole}{'.' if language == 'english' else ','}{frac}"


def generate(language: str, cls: str, rng: random.Random) -> str:
    """One written form of class `cls` in `language`."""
    en = language == "english"
    months = MONTHS[language].split()
    if cls == "cardinal":
        return grouped(magnitude(rng), language, rng)
    if cls == "decimal":
        if en and rng.random() < 0.15:
            return "." + str(rng.randint(1, 99))
        return decimal(rng, language)
    if cls == "ordinal":
        n = rng.choice([rng.randint(1, 31), rng.randint(1, 100), rng.randint(1, 1000)])
        if en:
            suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            written = grouped(n, language, rng) + suffix
            return rng.choice(["the {} place", "the {} time", "{}", "his {} birthday"]).format(written)
        if language == "german":
            det, noun = rng.choice(
                [("der", "Platz"), ("am", "Tag"), ("zum", "Mal"), ("die", "Klasse"), ("sein", "Geburtstag")]
            )
            return f"{det} {n}. {noun}"
        if language == "french":
            suffix = ("er" if rng.random() < 0.5 else "re") if n == 1 else "e"
            return f"le {n}{suffix}" if suffix != "re" else f"la {n}{suffix}"
        if language == "spanish":
            sign = rng.choice(["º", "ª", ".º", ".ª"])
            return f"{'la' if 'ª' in sign else 'el'} {n}{sign} lugar"
        sign = rng.choice(["º", "ª"])
        article = {"italian": ("il", "la"), "portuguese": ("o", "a")}[language]
        return f"{article[sign == 'ª']} {n}{sign}"
    if cls == "money":
        amount = rng.choice(
            [str(rng.randint(1, 999)), decimal(rng, language, 2), grouped(magnitude(rng, 7), language, rng)]
        )
        if en:
            symbol = rng.choice(["$", "$", "£", "€"])
            shape = rng.random()
            if shape < 0.15:
                scale = rng.choice([" million", " billion", "m", "bn", "k"])
                return f"{symbol}{rng.randint(1, 99)}{rng.choice(['', '.' + str(rng.randint(1, 9))])}{scale}"
            if shape < 0.2:
                return f"$.{rng.randint(10, 99)}"
            return f"{symbol}{amount}"
        if language == "portuguese" and rng.random() < 0.5:
            return f"R$ {amount}"
        if language == "spanish" and rng.random() < 0.3:
            return f"{amount} $"
        if rng.random() < 0.15:
            word = {"german": "Mio.", "spanish": "millones de", "french": "millions d'", "italian": "milioni di",  # noqa: E501
                    "portuguese": "milhões de"}[language]  # fmt: skip
            if language == "german":
                return f"{rng.randint(2, 99)} {word} €"
            return f"{rng.randint(2, 99)} {word}{'' if word.endswith(chr(39)) else ' '}euros".replace(
                "di euros", "di euro"
            )
        return f"{amount} €" if rng.random() < 0.8 else f"{amount} EUR"
    if cls == "measure":
        unit = rng.choice(UNITS[language].split())
        value = rng.choice([str(rng.randint(1, 999)), decimal(rng, language, 1)])
        space = "" if unit.startswith("°") or (en and rng.random() < 0.3) else " "
        return f"{value}{space}{unit}"
    if cls == "date":
        day, month, year_ = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2030)
        name = months[month - 1]
        if en:
            shape = rng.choice(["mdy", "mdy", "lower", "abbr", "dmy", "iso", "slash", "md"])
            if shape == "mdy":
                return f"{name} {day}, {year_}"
            if shape == "lower":
                return f"{name.lower()} {day} {year_}"
            if shape == "abbr":
                return f"{name[:3]} {day}, {year_}"
            if shape == "dmy":
                return f"{day} {name} {year_}"
            if shape == "iso":
                return f"{year_}-{month:02d}-{day:02d}"
            if shape == "slash":
                return f"{month}/{day}/{year_}"
            return f"{name} {day}"
        shape = rng.choice(["text", "text", "numeric", "iso", "noyear"])
        if shape == "numeric":
            sep = "." if language == "german" else "/"
            return f"{day:02d}{sep}{month:02d}{sep}{year_}"
        if shape == "iso":
            return f"{year_}-{month:02d}-{day:02d}"
        if language == "german":
            return f"{day}. {name}" + ("" if shape == "noyear" else f" {year_}")
        if language in ("spanish", "portuguese"):
            return f"{day} de {name}" + ("" if shape == "noyear" else f" de {year_}")
        first = (
            "1er"
            if language == "french" and day == 1
            else "1º"
            if language == "italian" and day == 1
            else day
        )
        return f"{first} {name}" + ("" if shape == "noyear" else f" {year_}")
    if cls == "time":
        hour, minute = rng.randint(0, 23), rng.choice([0, rng.randint(1, 59)])
        if en:
            h12 = hour % 12 or 12
            shape = rng.choice(["24", "ampm", "ampm", "dotted", "bare"])
            ampm = rng.choice(["a.m.", "p.m.", "am", "pm", "AM", "PM"])
            if shape == "24":
                return f"{hour}:{minute:02d}"
            if shape == "ampm":
                return f"{h12}:{minute:02d} {ampm}"
            if shape == "dotted":
                return f"{h12}.{minute:02d} {ampm}"
            return f"{h12} {ampm}"
        if language == "german":
            return f"{hour}:{minute:02d} Uhr" if rng.random() < 0.7 else f"{hour}.{minute:02d} Uhr"
        if language == "french":
            return rng.choice([f"{hour} h {minute:02d}", f"{hour}h{minute:02d}", f"{hour}:{minute:02d}"])
        if language == "portuguese":
            return rng.choice([f"{hour}h{minute:02d}", f"{hour}:{minute:02d}"])
        return f"{hour}:{minute:02d}"
    if cls == "phone":
        d = lambda k: "".join(rng.choice("0123456789") for _ in range(k))  # noqa: E731
        a = lambda k: str(rng.randint(2, 9)) + d(k - 1)  # noqa: E731
        if en:
            return rng.choice(
                [f"({a(3)}) {a(3)}-{d(4)}", f"{a(3)}-{a(3)}-{d(4)}", f"+1 {a(3)} {a(3)} {d(4)}",
                 f"+1 ({a(3)}) {a(3)}-{d(4)}", f"1-800-{a(3)}-{d(4)}", f"{a(3)}.{a(3)}.{d(4)}"]
            )  # fmt: skip
        if language == "german":
            return rng.choice(
                [f"+49 {a(2)} {d(7)}", f"0{a(2)} {d(7)}", f"+49 1{d(2)} {d(7)}", f"0{a(3)} {d(6)}"]
            )
        if language == "spanish":
            return rng.choice(
                [f"+34 6{d(2)} {d(3)} {d(3)}", f"6{d(2)} {d(3)} {d(3)}", f"9{d(2)} {d(2)} {d(2)} {d(2)}"]
            )
        if language == "french":
            pairs = lambda: " ".join(d(2) for _ in range(4))  # noqa: E731
            return rng.choice([f"0{rng.randint(1, 9)} {pairs()}", f"+33 {rng.randint(1, 9)} {pairs()}"])
        if language == "italian":
            return rng.choice([f"+39 06 {d(4)} {d(4)}", f"3{d(2)} {d(3)} {d(4)}", f"02 {d(4)} {d(4)}"])
        return rng.choice([f"+351 2{d(2)} {d(3)} {d(3)}", f"+55 11 9{d(4)}-{d(4)}", f"(11) 9{d(4)}-{d(4)}"])
    if cls == "fraction":
        den = rng.randint(2, 10)
        num = rng.randint(1, den - 1)
        if rng.random() < 0.25:
            return f"{rng.randint(1, 9)} {num}/{den}"
        return f"{num}/{den}"
    if cls == "range":
        low = rng.randint(1, 500)
        high = low + rng.randint(1, 500)
        dash = rng.choice(["-", "–"])
        if rng.random() < 0.3:
            unit = rng.choice(["km", "kg", "%"])
            return f"{low}{dash}{high} {unit}" if unit != "%" else f"{low}{dash}{high}%"
        return f"{low}{dash}{high}"
    if cls == "year":
        return f"{YEAR_WORD[language]} {rng.randint(1100, 2099)}"
    if cls == "percent":
        value = rng.choice([str(rng.randint(0, 100)), decimal(rng, language, 1)])
        space = " " if language in ("german", "french") or rng.random() < 0.2 else ""
        return f"{value}{space}%"
    raise ValueError(cls)


def forms(language: str, per_class: int, seed: int = 2027) -> list[tuple[str, str]]:
    """(class, written) pairs: `per_class` distinct forms per class where the class has that many."""
    out = []
    for cls in CLASSES:
        rng = random.Random(
            f"{seed}-{language}-{cls}"
        )  # per class: a smaller run is a prefix of a larger one
        seen: set[str] = set()
        for _ in range(per_class * 4):
            text = generate(language, cls, rng)
            if text not in seen:
                seen.add(text)
                out.append((cls, text))
            if len(seen) == per_class:
                break
    return out


# ----- comparing speech -----

_FILLERS = frozenset("and und y e et of de".split())
_SAME = {"o": "oh"}  # "ten o five" is "ten oh five"


def speech(text: str, rules: list[dict] = ()) -> str:
    """What is said, not how it is spelled: no case, accents, spaces in compounds, filler words. `rules`:
    equivalent readings of one language and class (load_equivalents), applied to the words first."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = [_SAME.get(w, w) for w in re.split(r"[^a-z0-9ß]+", text) if w and w not in _FILLERS]
    spaced = " ".join(words)
    for rule in rules:
        spaced = rule["said_re"].sub(rule["same_as"], spaced)
    # German compounds: "vierundzwanzig" is "vier und zwanzig" (per word, before joining).
    joined = "".join(w.replace("und", "") for w in spaced.split())
    # Italian elision: "centottanta", "trentuno" are "cento ottanta", "trenta uno" said together.
    return re.sub(r"[aeio](?=(?:otto|ott|uno|un))", "", joined)


# ----- the oracle -----

WORKER = r"""
import json, sys, logging, signal
logging.disable(logging.WARNING)
from nemo_text_processing.text_normalization.normalize import Normalizer
lang, cache_dir = sys.argv[1], sys.argv[2]
texts = json.load(sys.stdin)
n = Normalizer(input_case="cased", lang=lang, cache_dir=cache_dir)
def stop(signum, frame):
    raise TimeoutError
signal.signal(signal.SIGVTALRM, stop)
out = {}
for t in texts:
    out[t] = None  # the oracle has no answer for this form (an error, or it took too long)
    try:
        # Some forms take the oracle minutes (German long numbers): 10 s of its CPU time, not of the
        # clock, so that a busy machine does not turn answers into timeouts.
        signal.setitimer(signal.ITIMER_VIRTUAL, 10)
        try:
            out[t] = n.normalize(t, verbose=False, punct_post_process=True)
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    except Exception:
        pass
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def oracle(
    language: str, texts: list[str], chunk_size: int = 500, retry: bool = False, ask: bool = True
) -> dict[str, str | None]:
    """NeMo's reading of each text (cached per language in build/tn-cache/answers-<code>.json), asked
    `chunk_size` forms per worker (each worker loads the compiled grammars: 0.3-3 s); `retry`: ask
    again for the forms it had no answer for; not `ask`: the cached answers only."""
    code = CODES[language]
    cache_file = CACHE_DIR / f"answers-{code}.json"
    answers: dict[str, str | None] = (
        json.loads(cache_file.read_text(encoding="utf-8")) if cache_file.exists() else {}
    )
    missing = [t for t in dict.fromkeys(texts) if t not in answers or (retry and answers[t] is None)]
    if not ask:  # only the forms it has answered (None: no answer), the others left out
        return {t: answers[t] for t in texts if t in answers}
    if missing and not VENV_PYTHON.exists():
        raise SystemExit(f"no oracle: {VENV_PYTHON} is missing (see this script's docstring)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for first in range(0, len(missing), chunk_size):  # saved after each chunk: an interrupted run keeps it
        chunk = missing[first : first + chunk_size]
        start = time.perf_counter()
        done = subprocess.run(
            [str(VENV_PYTHON), "-c", WORKER, code, str(CACHE_DIR / code)],
            input=json.dumps(chunk, ensure_ascii=False),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:  # the oracle itself failed: these forms stay unanswered (not cached)
            print(f"  oracle {code} failed on a chunk:\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        answers.update(json.loads(done.stdout))
        cache_file.write_text(json.dumps(answers, ensure_ascii=False, indent=0), encoding="utf-8")
        seconds = time.perf_counter() - start
        print(
            f"  oracle {code}: {first + len(chunk)}/{len(missing)} new forms ({seconds:.0f} s)",
            file=sys.stderr,
        )
    return {t: answers.get(t) for t in texts}


def interleaved(rows: list[tuple[str, str]]) -> list[str]:
    """The written forms taking the classes in turn, so that an interrupted oracle run covers each class."""
    by_class: dict[str, list[str]] = defaultdict(list)
    for cls, written in rows:
        by_class[cls].append(written)
    columns = list(by_class.values())
    longest = max(map(len, columns), default=0)
    return [column[i] for i in range(longest) for column in columns if i < len(column)]


def unread(reading: str, written: str, language: str) -> bool:
    """Whether the oracle left part of the form as written: digits or a clock colon in its answer
    ('1º settembre', '4/5', 'otto:zero zero') or a unit, currency or scale symbol of the form kept as
    is ('neuf cent cinquante-neuf l', 'sieben €', 'zwei hundert GB'). Nothing to compare a reading
    with: the form is counted apart (no_oracle), neither as agreement nor as a miss."""
    if re.search(r"[0-9:]", reading):
        return True
    lang = LANGS[language]
    symbols = set(lang.units) | set(lang.currencies) | set(lang.scale_words) | {"%", "h"}
    kept = {token for token in re.findall(r"[^\s0-9.,:+\-–]+\.?", written) if token in symbols}
    return any(token.rstrip(",;") in kept for token in reading.split())


def load_exceptions() -> list[dict]:
    rows = json.loads(EXCEPTIONS.read_text(encoding="utf-8"))["exceptions"] if EXCEPTIONS.exists() else []
    for row in rows:
        row["written_re"] = re.compile(row.get("written", ".*"))
        row["oracle_re"] = re.compile(row.get("oracle", ""))
        row["py_core_re"] = re.compile(row.get("py_core", ""))
    return rows


def load_equivalents() -> list[dict]:
    """The equivalent readings of the exceptions file: two correct ways to say one form (RAE: 'vigésima
    octava' or 'vigesimoctava'), made the same speech before comparing."""
    rows = (
        json.loads(EXCEPTIONS.read_text(encoding="utf-8")).get("equivalent", [])
        if EXCEPTIONS.exists()
        else []
    )
    for row in rows:
        row["said_re"] = re.compile(row["said"])
    return rows


def rules_for(equivalents: list[dict], language: str, cls: str) -> list[dict]:
    """The equivalence rules of one language and class (a class, a list of classes, or '*')."""
    return [
        e for e in equivalents
        if e["language"] == language and (e["class"] in (cls, "*") or cls in e["class"])
    ]  # fmt: skip


def reviewed(
    exception: dict, language: str, cls: str, written: str, oracle_said: str, ours: str = ""
) -> bool:
    """Whether a disagreement is one the exceptions file lists: its class (a class, a list of classes, or
    "*"), the written form matches its `written`
    (whole), the oracle's reading contains its `oracle` pattern and py_core's its `py_core` pattern."""
    return (
        exception["language"] == language
        and (exception["class"] in (cls, "*") or cls in exception["class"])
        and bool(exception["written_re"].fullmatch(written))
        and bool(exception["oracle_re"].search(oracle_said))
        and bool(exception["py_core_re"].search(ours))
    )


def compare(
    languages,
    per_class: int | dict[str, int],
    show: int = 0,
    chunk_size: int = 500,
    retry: bool = False,
    ask: bool = True,
) -> dict:
    """Per language and class: forms, agreement, agreement counting reviewed exceptions, and samples.
    `per_class`: forms per class, for every language or per language; not `ask`: only the forms the
    oracle has answered before (build/tn-cache/), the others left out of the counts."""
    exceptions = load_exceptions()
    equivalents = load_equivalents()
    counts = per_class if isinstance(per_class, dict) else dict.fromkeys(languages, per_class)
    report: dict = {"per_class": counts, "languages": {}}
    for language in languages:
        rows = forms(language, counts[language])
        answers = oracle(language, interleaved(rows), chunk_size, retry, ask)
        rows = [row for row in rows if row[1] in answers]
        by_class: dict[str, dict] = defaultdict(
            lambda: {"forms": 0, "agree": 0, "reviewed": 0, "no_oracle": 0, "classed": 0}
        )
        misses: dict[str, list] = defaultdict(list)
        confusions: dict[str, Counter] = defaultdict(Counter)
        for cls, written in rows:
            stats = by_class[cls]
            if classify is not None:
                found = classed(written, language)
                if cls in found or (cls == "year" and language not in YEAR_CLASSED and "cardinal" in found):
                    stats["classed"] += 1
                else:
                    confusions[cls]["+".join(found) or "none"] += 1
            theirs = answers[written]
            if theirs is None or unread(theirs, written, language):
                stats["no_oracle"] += 1
                continue
            stats["forms"] += 1
            ours = normalize_text(written, language)
            rules = rules_for(equivalents, language, cls)
            if speech(ours, rules) == speech(theirs, rules):
                stats["agree"] += 1
            elif any(reviewed(e, language, cls, written, theirs, ours) for e in exceptions):
                stats["reviewed"] += 1
            else:
                misses[cls].append({"written": written, "py_core": ours, "oracle": theirs})
        total = {"forms": 0, "agree": 0, "reviewed": 0, "no_oracle": 0, "classed": 0}
        for stats in by_class.values():
            for key in total:
                total[key] += stats[key]
        report["languages"][language] = {
            "classes": {
                cls: dict(
                    by_class[cls],
                    misses=misses[cls][:show] if show else misses[cls][:5],
                    classed_as=dict(confusions[cls].most_common(3)),
                )
                for cls in CLASSES
            },
            "total": total,
        }
    return report


# Languages whose py_core tells a year from a cardinal (it reads them differently); the others say a year
# as a cardinal, and a year form classed "cardinal" is right.
YEAR_CLASSED = ("english", "german")


def classed(written: str, language: str) -> list[str]:
    """py_core's classes of the forms in `written` (py_core.normalize.classify)."""
    return [cls for cls, _, _ in classify(written, language)]


def other_normalize_text(folder: Path):
    """normalize_text of the py_core package inside `folder` (e.g. an older commit's, unpacked with
    `git archive REV py_core | tar -x -C DIR`), imported beside this tree's py_core."""
    ours = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "py_core"}
    for name in ours:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        from py_core.normalize import normalize_text as theirs
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == "py_core"]:
            del sys.modules[name]
        sys.modules.update(ours)
    return theirs


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}" if whole else "  n/a"


def table(report: dict) -> str:
    """Per class and language: plain agreement %, agreement % with the reviewed exceptions, and the
    forms compared (the oracle read them) of the forms generated."""
    languages = list(report["languages"])
    lines = [
        "cells: agree % / agree+reviewed % (forms the oracle read / forms generated)",
        f"{'class':<10}" + "".join(f"{CODES[lang]:>26}" for lang in languages),
    ]
    for cls in CLASSES + ("TOTAL",):
        cells = []
        for lang in languages:
            data = report["languages"][lang]
            s = data["total"] if cls == "TOTAL" else data["classes"][cls]
            shares = f"{share(s['agree'], s['forms'])}/{share(s['agree'] + s['reviewed'], s['forms'])}"
            cells.append(f"{shares} ({s['forms']}/{s['forms'] + s['no_oracle']})".rjust(26))
        lines.append(f"{cls:<10}" + "".join(cells))
    if all(data["total"]["classed"] for data in report["languages"].values()):
        lines += ["", "classes: % of the generated forms that py_core's classify() puts in the form's class"]
        lines.append(f"{'class':<10}" + "".join(f"{CODES[lang]:>12}" for lang in languages))
        for cls in CLASSES + ("TOTAL",):
            cells = []
            for lang in languages:
                data = report["languages"][lang]
                s = data["total"] if cls == "TOTAL" else data["classes"][cls]
                cells.append(share(s["classed"], s["forms"] + s["no_oracle"]).rjust(12))
            lines.append(f"{cls:<10}" + "".join(cells))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", choices=sorted(CODES), help="a language (repeatable)")
    parser.add_argument("--per-class", type=int, default=300, help="distinct forms per language and class")
    parser.add_argument(
        "--forms", action="append", default=[], metavar="LANG=N", help="N forms per class for LANG instead"
    )
    parser.add_argument("--show", type=int, default=0, help="disagreements to print per class")
    parser.add_argument("--chunk", type=int, default=500, help="forms per oracle worker (saved after each)")
    parser.add_argument("--retry", action="store_true", help="ask the oracle again where it had no answer")
    parser.add_argument(
        "--cached", action="store_true", help="only the forms the oracle answered before (no new questions)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON report")
    parser.add_argument("--py-core", type=Path, help="read with the py_core package in this folder instead")
    args = parser.parse_args()
    if args.py_core:
        global normalize_text, classify
        normalize_text = other_normalize_text(args.py_core)
        classify = None  # an older py_core may have none: its classes are not checked
    languages = args.lang or list(CODES)
    counts = dict.fromkeys(languages, args.per_class)
    for item in args.forms:
        language, _, n = item.partition("=")
        counts[language] = int(n)
    report = compare(languages, counts, args.show, args.chunk, args.retry, not args.cached)
    report["command"] = " ".join(["python", "scripts/normalize_oracle.py", *sys.argv[1:]])
    if args.show:
        for lang, data in report["languages"].items():
            for cls, stats in data["classes"].items():
                for miss in stats["misses"]:
                    print(
                        f"{CODES[lang]} {cls}: {miss['written']!r}\n"
                        f"   py_core {miss['py_core']!r}\n   oracle  {miss['oracle']!r}"
                    )
    print(table(report))
    if args.out and not args.lang and not args.py_core:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
