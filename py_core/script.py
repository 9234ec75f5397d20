"""What the engine will do for a text typed by a person: speech chunks and pauses, with warnings.

`plan_script` runs, in order: pause markup (py_core.markup), normalization of each piece between
pauses (py_core.normalize, in the bundle's language), then upstream's chunking (py_core.text.plan_chunks)
per piece. With normalization on, no chunk exceeds `max_tokens`: a chunk that does (one long sentence
without punctuation, a 3,000-character "word") is re-split at spaces, and a word longer than the limit
at token boundaries. With markup and normalization off it is exactly `plan_chunks` (upstream).
"""

from dataclasses import dataclass, field

from py_core.markup import PARAGRAPH_PAUSE, Pause, parse_markup
from py_core.normalize import normalize_text
from py_core.text import FRAME_RATE, MAX_TOKEN_PER_CHUNK, ChunkPlan, TextConfig, Tokenizer, plan_chunks

_NO_LIMIT = 1 << 30


@dataclass(frozen=True)
class PausePlan:
    """Digital silence of `seconds` (the engine emits round(seconds x sample rate) zero samples)."""

    seconds: float


@dataclass
class Script:
    plans: list[ChunkPlan | PausePlan]
    warnings: list[str] = field(default_factory=list)

    def spoken_text(self) -> str:
        """What will be read, pauses shown as [pause Ns]: the UI's preview."""
        parts = [
            f"[pause {p.seconds:g}s]" if isinstance(p, PausePlan) else p.text.strip() for p in self.plans
        ]
        return " ".join(parts)


def plan_script(
    tokenizer: Tokenizer,
    text: str,
    config: TextConfig,
    *,
    language: str = "english",
    normalize: bool = True,
    markup: bool = True,
    paragraph_pause: float = PARAGRAPH_PAUSE,
    max_tokens: int = MAX_TOKEN_PER_CHUNK,
    frames_after_eos: int | None = None,
    frame_rate: float = FRAME_RATE,
) -> Script:
    """Plan a text: pauses from markup, normalized speech chunks. ValueError when there is nothing to say."""
    warnings: list[str] = []
    if markup:
        items, warnings = parse_markup(text, paragraph_pause)
    else:
        items = [text]
    if normalize:
        try:
            normalize_text("", language)
        except ValueError:
            warnings.append(
                f"no normalization rules for {language!r}: numbers and symbols are read as written"
            )
            normalize = False
    plans: list[ChunkPlan | PausePlan] = []
    for item in items:
        if isinstance(item, Pause):
            plans.append(PausePlan(item.seconds))
            continue
        if normalize:
            item = normalize_text(item, language)
        if not item.strip() and (markup or plans):
            continue
        chunks = plan_chunks(tokenizer, item, config, max_tokens, frames_after_eos, frame_rate)
        if normalize:
            chunks = [
                fitted
                for chunk in chunks
                for fitted in _fit(tokenizer, chunk, config, max_tokens, frames_after_eos, frame_rate)
            ]
        plans.extend(chunks)
    if not plans:
        raise ValueError("Text is empty: type something to say.")
    return Script(plans, warnings)


def _fit(
    tokenizer, plan: ChunkPlan, config, max_tokens, frames_after_eos, frame_rate, budget=None
) -> list[ChunkPlan]:
    """`plan`, or the chunks it splits into so that none has more than `max_tokens` tokens."""
    if len(plan.token_ids) <= max_tokens:
        return [plan]
    budget = max_tokens if budget is None else budget
    fitted = []
    for piece in _pieces(tokenizer, plan.chunk, budget):
        try:
            parts = plan_chunks(tokenizer, piece, config, _NO_LIMIT, frames_after_eos, frame_rate)
        except ValueError:  # nothing left of the piece once prepared (a lone quote replaced away)
            continue
        for part in parts:
            excess = len(part.token_ids) - max_tokens
            if excess > 0 and budget > 1:  # preparation added tokens (punctuation, padding): smaller pieces
                fitted += _fit(
                    tokenizer, part, config, max_tokens, frames_after_eos, frame_rate, max(1, budget - excess)
                )
            else:
                fitted.append(part)
    return fitted


def _pieces(tokenizer: Tokenizer, text: str, budget: int) -> list[str]:
    """`text` cut at spaces into pieces of about `budget` tokens; longer words cut at token boundaries."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for word in text.split():
        ids = tokenizer.encode(word)
        if len(ids) > budget:
            if current:
                pieces.append(" ".join(current))
                current, count = [], 0
            pieces += [tokenizer.decode(ids[i : i + budget]) for i in range(0, len(ids), budget)]
            continue
        if current and count + len(ids) > budget:
            pieces.append(" ".join(current))
            current, count = [], 0
        current.append(word)
        count += len(ids)
    if current:
        pieces.append(" ".join(current))
    return [p for p in pieces if p.strip()]
