"""Pause markup: `[pause]`, `[pause 1.5s]`, `[pause 300ms]`, SSML `<break .../>`, blank lines.

`parse_markup(text)` splits a text into the pieces to say and the pauses between them, and explains
everything it skipped. Markup never reaches the tokenizer: a pause becomes a `Pause`, anything else
that looks like markup (an unknown `<tag>`, a malformed `[pause ...]`, a `<` that starts no tag) is
dropped with a warning, so it is never read aloud as "less than".

- `[pause]` is 500 ms; `[pause 1.5s]`, `[pause 300ms]` give the length (case-insensitive).
- `<break time="750ms"/>`, `<break time="2s"/>`; `<break strength="..."/>`: none 0, x-weak 100 ms,
  weak 250 ms, medium 500 ms, strong 750 ms, x-strong 1 s (SSML leaves the lengths to the engine;
  these follow the order of prosodic breaks it describes); `<break/>` is medium. `<speak>` is ignored.
- A blank line between paragraphs is a pause of `paragraph_pause` seconds (0: none).
- Pauses longer than MAX_PAUSE (10 s) are clamped, with a warning.
"""

import re
from dataclasses import dataclass

DEFAULT_PAUSE = 0.5
PARAGRAPH_PAUSE = 0.75
MAX_PAUSE = 10.0
STRENGTHS = {"none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.5, "strong": 0.75, "x-strong": 1.0}


@dataclass(frozen=True)
class Pause:
    """Silence of `seconds` between two pieces of text."""

    seconds: float


_MARKUP = re.compile(
    r"(?P<pause>\[[ \t]*pause\b(?P<arg>[^\[\]\n]{0,60})\])"
    r"|(?P<open_pause>\[[ \t]*pause\b)"
    r"|(?P<tag><(?P<closing>/?)[ \t]*(?P<name>[A-Za-z][\w:-]{0,30})?(?P<attrs>[^<>\n]{0,300})>)"
    r"|(?P<lt><)"
    r"|(?P<paragraph>\n[ \t]*\n\s*)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"\s*(?P<number>[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?)\s*(?P<unit>ms|s)\s*"
)
_ATTRIBUTE = re.compile(r"([A-Za-z][\w:-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def parse_markup(text: str, paragraph_pause: float = PARAGRAPH_PAUSE) -> tuple[list[str | Pause], list[str]]:
    """(pieces, warnings): the text between markup and a `Pause` per pause, in order.

    Pieces may be blank (markup at the start, two pauses in a row); callers skip them.
    """
    items: list[str | Pause] = []
    warnings: list[str] = []
    start = 0
    for match in _MARKUP.finditer(text):
        items.append(text[start : match.start()])
        start = match.end()
        seconds = _pause_seconds(match, paragraph_pause, warnings)
        if seconds is None:
            items.append(" ")  # what was skipped still separates the words around it
        elif seconds > 0:
            items.append(Pause(seconds))
    items.append(text[start:])
    return _merge_text(items), warnings


def _pause_seconds(match: re.Match, paragraph_pause: float, warnings: list[str]) -> float | None:
    """The pause a piece of markup asks for (None: none; a warning says why when it is an error)."""
    written = match.group(0)
    where = f"{_shorten(written)} at character {match.start()}"
    if match.group("paragraph") is not None:
        return paragraph_pause if paragraph_pause > 0 else None
    if match.group("lt") is not None:
        warnings.append(f"'<' at character {match.start()} starts no markup: skipped")
        return None
    if match.group("open_pause") is not None:
        warnings.append(f"{where} is not closed with ']': skipped")
        return None
    if match.group("pause") is not None:
        argument = match.group("arg").strip()
        if not argument:
            return DEFAULT_PAUSE
        return _duration(argument, where, warnings)
    name = (match.group("name") or "").lower()
    if name == "speak":
        return None
    if name != "break" or match.group("closing"):
        warnings.append(f"unknown markup {where}: skipped")
        return None
    attributes = {k.lower(): a or b for k, a, b in _ATTRIBUTE.findall(match.group("attrs"))}
    if "time" in attributes:
        return _duration(attributes["time"], where, warnings)
    strength = attributes.get("strength", "medium").strip().lower()
    if strength not in STRENGTHS:
        warnings.append(f"{where}: strength must be one of {', '.join(STRENGTHS)}: skipped")
        return None
    return STRENGTHS[strength]


def _duration(argument: str, where: str, warnings: list[str]) -> float | None:
    """Seconds for "1.5s" / "300ms", clamped to MAX_PAUSE; None (with a warning) when malformed."""
    found = _DURATION.fullmatch(argument)
    if found is None:
        warnings.append(f"{where}: '{_shorten(argument)}' is not a length like 300ms or 1.5s: skipped")
        return None
    seconds = float(found.group("number")) / (1000 if found.group("unit").lower() == "ms" else 1)
    if not seconds >= 0:  # negative, or NaN
        warnings.append(f"{where}: a pause cannot be negative: skipped")
        return None
    if seconds > MAX_PAUSE:
        warnings.append(f"{where}: pauses are at most {MAX_PAUSE:g} s: clamped to {MAX_PAUSE:g} s")
        return MAX_PAUSE
    return seconds


def _merge_text(items: list[str | Pause]) -> list[str | Pause]:
    """Adjacent text pieces joined (skipped markup leaves a space between them)."""
    merged: list[str | Pause] = []
    for item in items:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        else:
            merged.append(item)
    return merged


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
