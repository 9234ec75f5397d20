"""Word timestamps as files: JSON (word, start, end), WebVTT and SubRip, one cue per word. Stdlib only."""

import json
from collections.abc import Sequence

from py_core.timestamps import WordEnd

FORMATS = (".json", ".vtt", ".srt")


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_json(words: Sequence[WordEnd]) -> str:
    """[{"word", "start", "end"}, ...] in seconds, rounded to the millisecond."""
    rows = [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)} for w in words]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def to_vtt(words: Sequence[WordEnd]) -> str:
    """A WebVTT file with one numbered cue per word."""
    cues = [
        f"{i}\n{_clock(w.start, '.')} --> {_clock(w.end, '.')}\n{w.word}\n" for i, w in enumerate(words, 1)
    ]
    return "\n".join(["WEBVTT\n", *cues])


def to_srt(words: Sequence[WordEnd]) -> str:
    """A SubRip file with one numbered cue per word."""
    return "\n".join(
        f"{i}\n{_clock(w.start, ',')} --> {_clock(w.end, ',')}\n{w.word}\n" for i, w in enumerate(words, 1)
    )


def render(words: Sequence[WordEnd], suffix: str) -> str:
    """The file text for a name ending in `suffix` (.json, .vtt or .srt); ValueError otherwise."""
    writers = {".json": to_json, ".vtt": to_vtt, ".srt": to_srt}
    if suffix.lower() not in writers:
        raise ValueError(f"timestamps file must end in {', '.join(FORMATS)}, not {suffix or 'nothing'!r}")
    return writers[suffix.lower()](words)
