"""Word timestamps from the flow LM's own attention, as pocket-tts-timestamped 1.4.0 computes them.

Ported from pocket-tts-timestamped (MIT; `timestamps/text.py` and `timestamps/alignment.py`) to the
standard library, so it runs in Pyodide: the same text units (the source text's words mapped onto the
prepared chunks, punctuation runs, synthetic punctuation), the same token → unit weights (overlap of
each token's span with each unit's span, in UTF-8 bytes), and the same per-frame decisions (a frame is
voiced above 1e-3 RMS; a word starts on the first voiced frame, gives way when a later word's score
beats it, and ends on a silent frame that looks ahead or at the end of the chunk's audio).

Streaming: `ChunkAligner.frame` returns `WordStart` as soon as a word is known to start and
`WordEnd` once it is known to end; times are seconds of output audio.
"""

import math
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

SILENCE_RMS = 1e-3
_NON_NEXT_ATTENTION_THRESHOLD = 0.001


@dataclass(frozen=True)
class WordStart:
    """Word `index` (of the whole text) starts at `start` seconds of output audio."""

    word: str
    index: int
    start: float


@dataclass(frozen=True)
class WordEnd:
    """Word `index` spans `start` .. `end` seconds of output audio."""

    word: str
    index: int
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class _SourceWord:
    text: str
    word_index: int
    begin: int
    end: int


@dataclass(frozen=True, slots=True)
class _TextUnit:
    text: str
    chunk_begin: int
    chunk_end: int
    word: _SourceWord | None
    synthetic: bool = False

    @property
    def is_word(self) -> bool:
        return self.word is not None


@dataclass(frozen=True)
class TimestampChunk:
    """A prepared chunk `text`: its text units (offsets into NFKC(text), as the fork has them) and,
    per token of `text` (what the engine feeds the model), its (unit, weight) pairs."""

    text: str
    units: tuple[_TextUnit, ...]
    token_units: tuple[tuple[tuple[int, float], ...], ...]


@dataclass(frozen=True, slots=True)
class _Span:
    begin: int
    end: int


@dataclass(frozen=True, slots=True)
class _CanonicalProjection:
    text: str
    origins: tuple[_Span, ...]


@dataclass(frozen=True, slots=True)
class _ChunkOrigin:
    chunk_index: int
    chunk_begin: int
    chunk_end: int


@dataclass(frozen=True, slots=True)
class _CanonicalGroup:
    chunk_index: int
    canonical_begin: int
    canonical_end: int


@dataclass(frozen=True, slots=True)
class _WordPart:
    text: str
    source_begin: int
    source_end: int
    group: _CanonicalGroup


@dataclass(frozen=True, slots=True)
class _MappedWord:
    word: _SourceWord
    chunk_span: _Span


@dataclass(frozen=True, slots=True)
class _PreparedWord:
    chunk_index: int
    span: _Span
    normalized: str


# ----- text units (timestamps/text.py) -----

_FOLD_TRANSLATION = str.maketrans({"’": "'", "‐": "-", "‑": "-"})
_CANONICAL_WORD_CHARACTERS = frozenset("'-")
_WORD_CONTINUATIONS = frozenset("-‐‑'’")


def _fold(text: str) -> str:
    return text.casefold().translate(_FOLD_TRANSLATION)


def _is_canonical_word_character(character: str) -> bool:
    return character.isalnum() or character in _CANONICAL_WORD_CHARACTERS


def _normalized_word(text: str) -> str:
    normalized = _fold(unicodedata.normalize("NFKC", text))
    return "".join(character for character in normalized if _is_canonical_word_character(character))


def _is_word_character(character: str) -> bool:
    return character.isalnum()


def _is_combining_mark(character: str) -> bool:
    return unicodedata.category(character).startswith("M")


def _lexical_word_spans(text: str) -> list[_Span]:
    """Return lexical spans, retaining combining marks with their base character."""

    spans: list[_Span] = []
    index = 0
    while index < len(text):
        if not _is_word_character(text[index]):
            index += 1
            continue

        begin = index
        while True:
            while index < len(text) and (_is_word_character(text[index]) or _is_combining_mark(text[index])):
                index += 1
            if (
                index + 1 < len(text)
                and text[index] in _WORD_CONTINUATIONS
                and _is_word_character(text[index + 1])
            ):
                index += 1
                continue
            break
        if _normalized_word(text[begin:index]):
            spans.append(_Span(begin, index))
    return spans


def _lexical_words(text: str) -> list[_SourceWord]:
    return [
        _SourceWord(text=text[span.begin : span.end], word_index=index, begin=span.begin, end=span.end)
        for index, span in enumerate(_lexical_word_spans(text))
    ]


def _canonical_characters(text: str) -> _CanonicalProjection:
    """Return canonical text and each character's span in the input text."""

    normalized = ""
    normalized_origins: list[_Span] = []

    for index in range(len(text)):
        updated = unicodedata.normalize("NFKC", text[: index + 1])
        common = 0
        while common < len(normalized) and common < len(updated) and normalized[common] == updated[common]:
            common += 1
        changed_origins = [*normalized_origins[common:], _Span(index, index + 1)]
        changed_origin = _Span(
            min(origin.begin for origin in changed_origins),
            max(origin.end for origin in changed_origins),
        )
        normalized_origins = [
            *normalized_origins[:common],
            *([changed_origin] * (len(updated) - common)),
        ]
        normalized = updated

    characters: list[str] = []
    origins: list[_Span] = []
    for character, origin in zip(normalized, normalized_origins, strict=True):
        for folded_character in _fold(character):
            if _is_canonical_word_character(folded_character):
                characters.append(folded_character)
                origins.append(origin)
    return _CanonicalProjection("".join(characters), tuple(origins))


def _capitalization_variants(text: str) -> tuple[str, ...]:
    if not text:
        return (text,)
    return tuple(dict.fromkeys((text, text[0].upper() + text[1:])))


def _surface_span(source_text: str, chunk_text: str, canonical_span: _Span, capitalize: bool) -> _Span:
    candidates = _capitalization_variants(source_text) if capitalize else (source_text,)
    surface_matches: list[_Span] = []
    for candidate in candidates:
        surface = unicodedata.normalize("NFKC", candidate)
        surface_begin = chunk_text.find(surface)
        while surface_begin >= 0:
            surface_span = _Span(surface_begin, surface_begin + len(surface))
            if surface_span.begin <= canonical_span.begin and canonical_span.end <= surface_span.end:
                surface_matches.append(surface_span)
            surface_begin = chunk_text.find(surface, surface_begin + 1)

    if surface_matches:
        canonical_span = min(
            surface_matches,
            key=lambda span: (
                canonical_span.begin - span.begin + span.end - canonical_span.end,
                span.begin,
            ),
        )
    chunk_end = canonical_span.end
    while chunk_end < len(chunk_text) and _is_combining_mark(chunk_text[chunk_end]):
        chunk_end += 1
    return _Span(canonical_span.begin, chunk_end)


def _build_canonical_index(normalized_chunks: list[str]) -> tuple[str, tuple[_ChunkOrigin, ...]]:
    canonical_parts: list[str] = []
    origins: list[_ChunkOrigin] = []
    for chunk_index, chunk in enumerate(normalized_chunks):
        projection = _canonical_characters(chunk)
        canonical_parts.append(projection.text)
        origins.extend(_ChunkOrigin(chunk_index, origin.begin, origin.end) for origin in projection.origins)
    return "".join(canonical_parts), tuple(origins)


def _validate_canonical_source(source_text: str, canonical_text: str) -> None:
    stripped_source = source_text.strip()
    canonical_variants = {_normalized_word(variant) for variant in _capitalization_variants(stripped_source)}
    if canonical_text not in canonical_variants:
        raise ValueError("Prepared timestamp text does not match the original input")


def _find_word_in_canonical_text(
    canonical_text: str, candidates: tuple[str, ...], minimum_begin: int
) -> _Span:
    matches: list[_Span] = []
    for candidate in candidates:
        begin = canonical_text.find(candidate, minimum_begin)
        if begin >= 0:
            matches.append(_Span(begin, begin + len(candidate)))
    if not matches:
        raise ValueError("Prepared timestamp text does not contain an input word")
    return min(matches, key=lambda match: match.begin)


def _canonical_groups(
    canonical_span: _Span, origins: tuple[_ChunkOrigin, ...]
) -> tuple[_CanonicalGroup, ...]:
    groups = []
    positions = range(canonical_span.begin, canonical_span.end)
    for chunk_index, grouped_positions in groupby(
        positions, key=lambda position: origins[position].chunk_index
    ):
        group = tuple(grouped_positions)
        groups.append(_CanonicalGroup(chunk_index, group[0], group[-1] + 1))
    return tuple(groups)


def _split_word_across_chunks(
    source_word: _SourceWord,
    canonical_span: _Span,
    source_projection: _CanonicalProjection,
    chunk_origins: tuple[_ChunkOrigin, ...],
) -> tuple[_WordPart, ...]:
    if len(source_projection.origins) != canonical_span.end - canonical_span.begin:
        raise ValueError(f"Cannot project input word {source_word.text!r} onto prepared text")

    groups = _canonical_groups(canonical_span, chunk_origins)
    source_begins = [
        min(
            origin.begin
            for origin in source_projection.origins[
                group.canonical_begin - canonical_span.begin : group.canonical_end - canonical_span.begin
            ]
        )
        for group in groups
    ]
    if any(
        next_begin <= current_begin
        for current_begin, next_begin in zip(source_begins, source_begins[1:], strict=False)
    ):
        raise ValueError(f"Prepared chunks split input character in {source_word.text!r}")

    parts = []
    for group_index, group in enumerate(groups):
        relative_begin = 0 if group_index == 0 else source_begins[group_index]
        relative_end = (
            source_begins[group_index + 1] if group_index + 1 < len(groups) else len(source_word.text)
        )
        parts.append(
            _WordPart(
                text=source_word.text[relative_begin:relative_end],
                source_begin=source_word.begin + relative_begin,
                source_end=source_word.begin + relative_end,
                group=group,
            )
        )
    return tuple(parts)


def _map_source_words_to_chunks(
    source_text: str, normalized_chunks: list[str], source_words: list[_SourceWord]
) -> list[list[_MappedWord]]:
    canonical_text, chunk_origins = _build_canonical_index(normalized_chunks)
    _validate_canonical_source(source_text, canonical_text)

    mapped: list[list[_MappedWord]] = [[] for _ in normalized_chunks]
    minimum_begin = 0
    next_word_index = 0
    for source_word in source_words:
        canonical_word = _normalized_word(source_word.text)
        candidates: tuple[str, ...] = (canonical_word,)
        if source_word.word_index == 0:
            candidates = tuple(
                dict.fromkeys(
                    _normalized_word(variant) for variant in _capitalization_variants(source_word.text)
                )
            )
        canonical_span = _find_word_in_canonical_text(canonical_text, candidates, minimum_begin)
        if canonical_span.begin == canonical_span.end:
            raise ValueError(f"Input word {source_word.text!r} has no timestamp text")

        source_projection = _canonical_characters(source_word.text)
        parts = _split_word_across_chunks(source_word, canonical_span, source_projection, chunk_origins)
        for part_index, part in enumerate(parts):
            word = _SourceWord(
                text=part.text,
                word_index=next_word_index,
                begin=part.source_begin,
                end=part.source_end,
            )
            next_word_index += 1
            canonical_chunk_span = _Span(
                chunk_origins[part.group.canonical_begin].chunk_begin,
                chunk_origins[part.group.canonical_end - 1].chunk_end,
            )
            chunk_span = _surface_span(
                part.text,
                normalized_chunks[part.group.chunk_index],
                canonical_chunk_span,
                capitalize=source_word.word_index == 0 and part_index == 0,
            )
            mapped[part.group.chunk_index].append(_MappedWord(word, chunk_span))
        minimum_begin = canonical_span.end
    return mapped


def _punctuation_spans(text: str, covered: list[bool]) -> list[_Span]:
    spans: list[_Span] = []
    index = 0
    while index < len(text):
        is_punctuation = not covered[index] and unicodedata.category(text[index]).startswith("P")
        if not is_punctuation:
            index += 1
            continue
        end = index + 1
        while end < len(text) and not covered[end] and unicodedata.category(text[end]).startswith("P"):
            end += 1
        spans.append(_Span(index, end))
        index = end
    return spans


def _is_synthetic_punctuation(
    source_text: str,
    source_words: list[_SourceWord],
    chunk_words: list[_MappedWord],
    punctuation_span: _Span,
) -> bool:
    if not chunk_words or punctuation_span.begin < chunk_words[-1].chunk_span.end:
        return False
    last_word = chunk_words[-1].word
    next_word_index = last_word.word_index + 1
    source_boundary_end = (
        source_words[next_word_index].begin if next_word_index < len(source_words) else len(source_text)
    )
    source_trailing_text = source_text[last_word.end : source_boundary_end]
    return not any(unicodedata.category(character).startswith("P") for character in source_trailing_text)


def _build_units(
    source_text: str,
    source_words: list[_SourceWord],
    normalized_chunk: str,
    chunk_words: list[_MappedWord],
    ignored_spans: tuple[_Span, ...] = (),
) -> tuple[_TextUnit, ...]:
    units: list[_TextUnit] = []
    covered = [False] * len(normalized_chunk)
    for mapped_word in chunk_words:
        span = mapped_word.chunk_span
        units.append(
            _TextUnit(
                text=mapped_word.word.text,
                chunk_begin=span.begin,
                chunk_end=span.end,
                word=mapped_word.word,
            )
        )
        covered[span.begin : span.end] = [True] * (span.end - span.begin)

    for span in ignored_spans:
        units.append(
            _TextUnit(
                text=normalized_chunk[span.begin : span.end],
                chunk_begin=span.begin,
                chunk_end=span.end,
                word=None,
                synthetic=True,
            )
        )
        covered[span.begin : span.end] = [True] * (span.end - span.begin)

    for span in _punctuation_spans(normalized_chunk, covered):
        units.append(
            _TextUnit(
                text=normalized_chunk[span.begin : span.end],
                chunk_begin=span.begin,
                chunk_end=span.end,
                word=None,
                synthetic=_is_synthetic_punctuation(source_text, source_words, chunk_words, span),
            )
        )
    units.sort(key=lambda unit: (unit.chunk_begin, unit.chunk_end))
    return tuple(units)


def _prepared_words(normalized_chunks: list[str]) -> list[_PreparedWord]:
    return [
        _PreparedWord(
            chunk_index=chunk_index,
            span=span,
            normalized=_normalized_word(chunk[span.begin : span.end]),
        )
        for chunk_index, chunk in enumerate(normalized_chunks)
        for span in _lexical_word_spans(chunk)
    ]


def _fast_map_source_words_to_chunks(
    source_words: list[_SourceWord], prepared_words: list[_PreparedWord], chunk_count: int
) -> list[list[_MappedWord]] | None:
    if len(source_words) != len(prepared_words):
        return None
    if any(
        _normalized_word(source_word.text) != prepared_word.normalized
        for source_word, prepared_word in zip(source_words, prepared_words, strict=True)
    ):
        return None

    mapped: list[list[_MappedWord]] = [[] for _ in range(chunk_count)]
    for source_word, prepared_word in zip(source_words, prepared_words, strict=True):
        mapped[prepared_word.chunk_index].append(_MappedWord(source_word, prepared_word.span))
    return mapped


def _best_effort_map_source_words_to_chunks(
    source_words: list[_SourceWord], prepared_words: list[_PreparedWord], chunk_count: int
) -> tuple[list[list[_MappedWord]], list[tuple[_Span, ...]], int]:
    """Map only unique monotonic word pairs so degraded timestamps never guess."""

    source_keys = [_normalized_word(word.text) for word in source_words]
    prepared_keys = [word.normalized for word in prepared_words]
    source_counts = Counter(source_keys)
    prepared_counts = Counter(prepared_keys)
    prepared_positions = {key: index for index, key in enumerate(prepared_keys)}

    pairs: list[tuple[int, int]] = []
    previous_prepared = -1
    for source_index, key in enumerate(source_keys):
        if source_counts[key] != 1 or prepared_counts[key] != 1:
            continue
        prepared_index = prepared_positions[key]
        if prepared_index <= previous_prepared:
            continue
        pairs.append((source_index, prepared_index))
        previous_prepared = prepared_index

    mapped: list[list[_MappedWord]] = [[] for _ in range(chunk_count)]
    paired_prepared = set()
    paired_source = set()
    for source_index, prepared_index in pairs:
        source_word = source_words[source_index]
        prepared_word = prepared_words[prepared_index]
        mapped[prepared_word.chunk_index].append(_MappedWord(source_word, prepared_word.span))
        paired_source.add(source_index)
        paired_prepared.add(prepared_index)

    ignored: list[list[_Span]] = [[] for _ in range(chunk_count)]
    for prepared_index, prepared_word in enumerate(prepared_words):
        if prepared_index not in paired_prepared:
            ignored[prepared_word.chunk_index].append(prepared_word.span)
    return mapped, [tuple(spans) for spans in ignored], len(source_words) - len(paired_source)


def _byte_offsets(text: str) -> list[int]:
    offsets = [0]
    for character in text:
        offsets.append(offsets[-1] + len(character.encode("utf-8")))
    return offsets


def _nfkc_origins(text: str) -> list[tuple[int, int]]:
    """Per character of NFKC(text): the span of `text` it comes from (as _canonical_characters)."""
    normalized = ""
    origins: list[tuple[int, int]] = []
    for index in range(len(text)):
        updated = unicodedata.normalize("NFKC", text[: index + 1])
        common = 0
        while common < min(len(normalized), len(updated)) and normalized[common] == updated[common]:
            common += 1
        changed = [*origins[common:], (index, index + 1)]
        span = (min(b for b, _ in changed), max(e for _, e in changed))
        origins = origins[:common] + [span] * (len(updated) - common)
        normalized = updated
    return origins


def _token_units(
    text: str, units: tuple[_TextUnit, ...], token_spans: Sequence[tuple[int, int]]
) -> tuple[tuple[tuple[int, float], ...], ...]:
    """Per token: (unit, share of the token's overlap with units) for every unit it overlaps (bytes).

    The tokens are those of the prepared chunk `text`; the units are placed on NFKC(text), as the
    fork places them, and brought back onto `text` where NFKC changed it.
    """
    offsets = _byte_offsets(text)
    chars = [(u.chunk_begin, u.chunk_end) for u in units]
    if unicodedata.normalize("NFKC", text) != text:
        origins = _nfkc_origins(text)
        chars = [(origins[b][0], origins[e - 1][1]) for b, e in chars]
    unit_spans = [(offsets[b], offsets[e]) for b, e in chars]
    rows = []
    for begin, end in token_spans:
        begin, end = offsets[begin], offsets[end]
        overlaps = [
            (i, min(end, u_end) - max(begin, u_begin)) for i, (u_begin, u_end) in enumerate(unit_spans)
        ]
        positive = [(i, o) for i, o in overlaps if o > 0]
        total = sum(o for _, o in positive)
        rows.append(tuple((i, o / total) for i, o in positive))
    return tuple(rows)


@dataclass(frozen=True)
class TimedText:
    """The words that get timestamps (numbered as the events number them) and, lazily, per chunk,
    its text units. `text` is the source text the words' `begin`/`end` offsets point into."""

    text: str
    words: tuple[_SourceWord, ...]
    chunks: Iterator[TimestampChunk]


def timestamp_chunks(source_text: str, chunks: Sequence[str], tokenizer) -> TimedText:
    """Map the prepared chunks back to the source text's words, as the fork with `best_effort=True`:
    when that fails word for word, only words that occur once on both sides are kept."""
    lexical_words = _lexical_words(source_text)
    normalized_chunks = [unicodedata.normalize("NFKC", chunk) for chunk in chunks]
    prepared_words = _prepared_words(normalized_chunks)
    mapped_words = _fast_map_source_words_to_chunks(lexical_words, prepared_words, len(normalized_chunks))
    ignored_spans: list[tuple[_Span, ...]] = [() for _ in normalized_chunks]
    source_words = lexical_words
    if mapped_words is None:
        try:
            mapped_words = _map_source_words_to_chunks(source_text, normalized_chunks, lexical_words)
            source_words = [mapped.word for chunk_words in mapped_words for mapped in chunk_words]
        except ValueError:
            mapped_words, ignored_spans, _ = _best_effort_map_source_words_to_chunks(
                lexical_words, prepared_words, len(normalized_chunks)
            )

    def units() -> Iterator[TimestampChunk]:
        for chunk, normalized_chunk, chunk_words, chunk_ignored in zip(
            chunks, normalized_chunks, mapped_words, ignored_spans, strict=True
        ):
            units = _build_units(source_text, source_words, normalized_chunk, chunk_words, chunk_ignored)
            spans = [(begin, end) for _, begin, end in tokenizer.encode_with_spans(chunk)]
            yield TimestampChunk(chunk, units, _token_units(chunk, units, spans))

    timed = {m.word.word_index for chunk_words in mapped_words for m in chunk_words}
    words = tuple(w for w in source_words if w.word_index in timed)
    return TimedText(source_text, words, units())


# ----- alignment (timestamps/alignment.py) -----


def is_voiced(samples: Sequence[float]) -> bool:
    """True when the frame's RMS is above 1e-3 (the fork's silence rule)."""
    if not samples:
        return False
    return math.fsum(x * x for x in samples) > SILENCE_RMS**2 * len(samples)


def unit_scores(chunk: TimestampChunk, logits: Sequence[Sequence[float]]) -> list[float]:
    """Per unit: the mean over heads of each head's softmax over the text positions, mapped to units."""
    scores = [0.0] * len(chunk.units)
    for row in logits:
        peak = max(row, default=0.0)
        weights = [math.exp(v - peak) for v in row]
        total = math.fsum(weights)
        for weight, token in zip(weights, chunk.token_units, strict=True):
            for unit, share in token:
                scores[unit] += weight / total * share
    return [s / len(logits) for s in scores]


class ChunkAligner:
    """The fork's WordAlignment for one chunk: frames in, word events out."""

    def __init__(self, chunk: TimestampChunk):
        self.units = chunk.units
        self._word_units = [i for i, unit in enumerate(self.units) if unit.is_word]
        self._next = 0
        self._open: int | None = None
        self._open_start = 0.0

    def _word(self, position: int) -> _SourceWord:
        word = self.units[self._word_units[position]].word
        assert word is not None
        return word

    def _open_next(self, time: float) -> WordStart:
        word = self._word(self._next)
        self._open, self._open_start = self._next, time
        self._next += 1
        return WordStart(word.text, word.word_index, time)

    def _close(self, time: float) -> WordEnd:
        assert self._open is not None
        word = self._word(self._open)
        self._open = None
        return WordEnd(word.text, word.word_index, self._open_start, time)

    def _future_word_dominates(self, scores: list[float], current_unit: int) -> bool:
        current = scores[current_unit]
        if scores[self._word_units[self._next]] > current:
            return True
        if current >= _NON_NEXT_ATTENTION_THRESHOLD:
            return False
        return any(scores[unit] > current for unit in self._word_units[self._next + 1 :])

    def frame(self, scores: list[float], voiced: bool, start: float) -> list[WordStart | WordEnd]:
        """The events one frame decides: `scores` per unit, `voiced` its audio, `start` its time."""
        if not voiced:
            if self._open is None:
                return []
            current_unit = self._word_units[self._open]
            later = scores[current_unit + 1 :]
            should_close = bool(later) and max(later) > scores[current_unit]
            is_final_word = self._open == len(self._word_units) - 1
            has_later_punctuation = any(
                not unit.is_word and not unit.synthetic for unit in self.units[current_unit + 1 :]
            )
            if should_close or (is_final_word and not has_later_punctuation):
                return [self._close(start)]
            return []
        if self._open is None:
            if self._next >= len(self._word_units):
                return []
            return [self._open_next(start)]
        if self._next >= len(self._word_units):
            return []
        if self._future_word_dominates(scores, self._word_units[self._open]):
            return [self._close(start), self._open_next(start)]
        return []

    def finish(self, end: float) -> list[WordEnd]:
        """The chunk's audio ended at `end`: close the open word."""
        events = [self._close(end)] if self._open is not None else []
        self._next = len(self._word_units)
        return events
