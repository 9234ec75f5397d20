"""Text preparation and chunking, exactly as pocket-tts 4.0.1 does it.

Mirrors `pocket_tts.models.text_chunking` (prepare_text_prompt, split_into_best_sentences) and the
per-chunk rules of `pocket_tts.models.tts_model.TTSModel.generate_audio_stream`: each chunk is
prepared again, the *prepared* chunk is tokenized, and its token count sets the frame budget.

`tokenizer` arguments are any object with `encode(text) -> list[int]` and `decode(ids) -> str`
(py_core's pure-Python tokenizer, or an adapter over the `sentencepiece` library).
"""

import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Upstream defaults: pocket_tts.default_parameters.MAX_TOKEN_PER_CHUNK, config mimi.frame_rate.
MAX_TOKEN_PER_CHUNK = 50
FRAME_RATE = 12.5
# TTSModel._TOKENS_PER_SECOND_ESTIMATE and _GEN_SECONDS_PADDING.
_TOKENS_PER_SECOND_ESTIMATE = 3.0
_GEN_SECONDS_PADDING = 2.0

_TERMINAL_PUNCTUATION = ".!?\u2026"
_WEAK_PUNCTUATION = ",;:-\u2013\u2014"
_CLOSERS = "\"'\u201d\u2019)]\u00bb"


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...


@dataclass(frozen=True)
class TextConfig:
    """The text flags of a model config (upstream `Config` fields, same defaults)."""

    pad_with_spaces_for_short_inputs: bool = False
    remove_semicolons: bool = False
    append_terminal_punctuation: bool = True
    capitalize_first_letter: bool = True
    replace_characters: dict[str, str] = field(default_factory=dict)
    model_recommended_frames_after_eos: int | None = None


def text_config_from_dict(config: dict[str, Any]) -> TextConfig:
    """Read the text flags from a model config dict (a parsed YAML); other keys are ignored."""
    return TextConfig(
        pad_with_spaces_for_short_inputs=bool(config.get("pad_with_spaces_for_short_inputs", False)),
        remove_semicolons=bool(config.get("remove_semicolons", False)),
        append_terminal_punctuation=bool(config.get("append_terminal_punctuation", True)),
        capitalize_first_letter=bool(config.get("capitalize_first_letter", True)),
        replace_characters=dict(config.get("replace_characters") or {}),
        model_recommended_frames_after_eos=config.get("model_recommended_frames_after_eos"),
    )


def prepare_text_prompt(
    text: str,
    *,
    pad_with_spaces_for_short_inputs: bool,
    remove_semicolons: bool,
    append_terminal_punctuation: bool = True,
    capitalize_first_letter: bool = True,
    replace_characters: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Normalize a prompt the way the model was trained; return (text, frames_after_eos guess).

    Raises ValueError when nothing is left to say.
    """
    text = text.strip()
    if replace_characters:
        table: dict[str, str | int | None] = dict(replace_characters)
        text = " ".join(text.translate(str.maketrans(table)).split())
        # Deleted quotes leave '"Hi?", she said' as 'Hi?, she said': keep the sentence mark only.
        text = re.sub(r"([.!?\u2026])\s*[,;:]", r"\1", text)
    if text == "":
        raise ValueError("Text is empty: type something to say.")
    text = text.replace("\n", " ").replace("\r", " ").replace("  ", " ")
    if remove_semicolons:
        text = text.replace(";", ",")
    frames_after_eos_guess = 3 if len(text.split()) <= 4 else 1

    if capitalize_first_letter and not text[0].isupper():
        text = text[0].upper() + text[1:]

    if append_terminal_punctuation:
        text = _ensure_terminal_punctuation(text)

    # The model does badly on very few tokens: leading spaces add some.
    if pad_with_spaces_for_short_inputs and len(text.split()) < 5:
        text = " " * 8 + text

    return text, frames_after_eos_guess


def _ensure_terminal_punctuation(text: str) -> str:
    """End the prompt with `.!?…`: a trailing `,;:-–—` becomes `.`, otherwise `.` is appended.

    Closing quotes and brackets stay after a replaced mark; an appended `.` goes after them.
    """
    core = text.rstrip(_CLOSERS + " ")
    closers = text[len(core) :].strip()
    if not core or core[-1] in _TERMINAL_PUNCTUATION:
        return text
    if core[-1] in _WEAK_PUNCTUATION:
        return core.rstrip(_WEAK_PUNCTUATION + " ") + "." + closers
    return text + "."


# Decoding is local: starting a decode part-way through a token list only changes its first few
# characters (a dropped leading space, a UTF-8 character cut into replacement characters). So the
# decimal-period check reads the end of the prefix and the start of the suffix from a window of
# tokens, grown until it yields this many characters more than it needs, instead of decoding the
# whole prefix and suffix at every sentence end (which made upstream quadratic in the text length).
_WINDOW_TOKENS = 16
_WINDOW_MARGIN_CHARS = 8


def _decode_prefix_end(tokens: list[int], end: int, tokenizer: Tokenizer, chars: int) -> str:
    """The last `chars` characters of decode(tokens[:end]) (fewer if it is shorter)."""
    size = _WINDOW_TOKENS
    while True:
        start = max(0, end - size)
        text = tokenizer.decode(tokens[start:end])
        if start == 0 or len(text) >= chars + _WINDOW_MARGIN_CHARS:
            return text[-chars:]
        size *= 2


def _decode_suffix_start(tokens: list[int], start: int, tokenizer: Tokenizer, chars: int) -> str:
    """The first `chars` characters of decode(tokens[start:]) (fewer if it is shorter)."""
    size = _WINDOW_TOKENS
    while True:
        end = min(len(tokens), start + size)
        text = tokenizer.decode(tokens[start:end])
        if end == len(tokens) or len(text) >= chars + _WINDOW_MARGIN_CHARS:
            return text[:chars]
        size *= 2


def _is_decimal_period_boundary(
    list_of_tokens: list[int], segment_start_idx: int, tokenizer: Tokenizer
) -> bool:
    """Return True when segment_start_idx begins right after a decimal period (as in `3.14`)."""
    prefix = _decode_prefix_end(list_of_tokens, segment_start_idx, tokenizer, 2)
    suffix = _decode_suffix_start(list_of_tokens, segment_start_idx, tokenizer, 1)
    return (
        len(prefix) >= 2
        and prefix[-1] == "."
        and prefix[-2].isdigit()
        and bool(suffix)
        and suffix[0].isdigit()
    )


def _find_boundary_indices(
    list_of_tokens: list[int],
    boundary_tokens: list[int],
    tokenizer: Tokenizer | None = None,
    skip_decimal_periods: bool = False,
) -> list[int]:
    """Token indices where segments start: 0, each first non-boundary token after boundary
    tokens, and len(list_of_tokens)."""
    boundary_set = set(boundary_tokens)
    indices = [0]
    previous_was_boundary = False
    for idx, token in enumerate(list_of_tokens):
        if token in boundary_set:
            previous_was_boundary = True
        else:
            if previous_was_boundary:
                if (
                    skip_decimal_periods
                    and tokenizer is not None
                    and _is_decimal_period_boundary(list_of_tokens, idx, tokenizer)
                ):
                    previous_was_boundary = False
                    continue
                indices.append(idx)
            previous_was_boundary = False
    indices.append(len(list_of_tokens))
    return indices


def _segments_from_boundaries(
    list_of_tokens: list[int], boundary_indices: list[int], tokenizer: Tokenizer
) -> list[tuple[int, str]]:
    """Decode the token segments between boundary indices into (token_count, text) pairs."""
    segments = []
    for start, end in zip(boundary_indices, boundary_indices[1:], strict=False):
        segments.append((end - start, tokenizer.decode(list_of_tokens[start:end])))
    return segments


def split_into_best_sentences(
    tokenizer: Tokenizer,
    text_to_generate: str,
    max_tokens: int,
    *,
    pad_with_spaces_for_short_inputs: bool,
    remove_semicolons: bool,
    append_terminal_punctuation: bool = True,
    capitalize_first_letter: bool = True,
    replace_characters: dict[str, str] | None = None,
) -> list[str]:
    """Split a text into chunks of whole sentences of at most `max_tokens` tokens each.

    A sentence longer than `max_tokens` is split at `,;:` when it has any; a piece that is still
    too long becomes a chunk of its own (and a warning is logged).
    """
    text_to_generate, _ = prepare_text_prompt(
        text_to_generate,
        pad_with_spaces_for_short_inputs=pad_with_spaces_for_short_inputs,
        remove_semicolons=remove_semicolons,
        append_terminal_punctuation=append_terminal_punctuation,
        capitalize_first_letter=capitalize_first_letter,
        replace_characters=replace_characters,
    )
    list_of_tokens = tokenizer.encode(text_to_generate.strip())

    # The first id of each encoding is the word-start piece, not punctuation.
    _, *end_of_sentence_tokens = tokenizer.encode(".!...?")
    sentence_boundaries = _find_boundary_indices(
        list_of_tokens, end_of_sentence_tokens, tokenizer, skip_decimal_periods=True
    )
    nb_tokens_and_sentences = _segments_from_boundaries(list_of_tokens, sentence_boundaries, tokenizer)

    # Sub-split oversized sentences on commas, semicolons and colons to prevent skipped words.
    _, *fallback_tokens = tokenizer.encode(",;:")
    refined_segments = []
    for nb_tokens, text in nb_tokens_and_sentences:
        if nb_tokens <= max_tokens:
            refined_segments.append((nb_tokens, text))
            continue
        sub_tokens = tokenizer.encode(text.strip())
        sub_boundaries = _find_boundary_indices(sub_tokens, fallback_tokens)
        sub_segments = _segments_from_boundaries(sub_tokens, sub_boundaries, tokenizer)
        if len(sub_segments) > 1:
            refined_segments.extend(sub_segments)
        else:
            refined_segments.append((nb_tokens, text))

    # Greedy packing: append segments while the summed token counts stay within max_tokens.
    chunks = []
    current_chunk = ""
    current_nb_of_tokens_in_chunk = 0
    for nb_tokens, sentence in refined_segments:
        if current_chunk == "":
            current_chunk = sentence
            current_nb_of_tokens_in_chunk = nb_tokens
        elif current_nb_of_tokens_in_chunk + nb_tokens > max_tokens:
            chunks.append(current_chunk.strip())
            current_chunk = sentence
            current_nb_of_tokens_in_chunk = nb_tokens
        else:
            current_chunk += " " + sentence
            current_nb_of_tokens_in_chunk += nb_tokens
    if current_chunk != "":
        chunks.append(current_chunk.strip())

    for chunk in chunks:
        nb_tokens = len(tokenizer.encode(chunk.strip()))
        if nb_tokens > max_tokens:
            logger.warning(
                "Chunk has %d tokens (max %d), generation may skip words: '%.50s...'",
                nb_tokens,
                max_tokens,
                chunk,
            )
    return chunks


def estimate_max_frames(token_count: int, frame_rate: float = FRAME_RATE) -> int:
    """Frame budget of one chunk: ceil((token_count / 3 + 2) * frame_rate) (upstream max_gen_len)."""
    gen_len_sec = token_count / _TOKENS_PER_SECOND_ESTIMATE + _GEN_SECONDS_PADDING
    return math.ceil(gen_len_sec * frame_rate)


def choose_frames_after_eos(
    guess: int, requested: int | None = None, model_recommended: int | None = None
) -> int:
    """Frames generated after EOS: the caller's value, else the model's, else `guess + 2`.

    `guess` is the second value returned by prepare_text_prompt for the chunk.
    """
    if requested is not None:
        return requested
    if model_recommended is not None:
        return model_recommended
    return guess + 2


@dataclass(frozen=True)
class ChunkPlan:
    """One independent generation: what is tokenized and how many frames it may take."""

    chunk: str  # the chunk as split_into_best_sentences returned it
    text: str  # the prepared chunk: the exact text that is tokenized
    token_ids: list[int]
    frames_after_eos: int
    max_frames: int


def plan_chunks(
    tokenizer: Tokenizer,
    text: str,
    config: TextConfig,
    max_tokens: int = MAX_TOKEN_PER_CHUNK,
    frames_after_eos: int | None = None,
    frame_rate: float = FRAME_RATE,
) -> list[ChunkPlan]:
    """Turn a text into the generations upstream's generate_audio_stream would run, in order.

    Raises ValueError when the text is empty after preparation.
    """
    flags: dict[str, Any] = {
        "pad_with_spaces_for_short_inputs": config.pad_with_spaces_for_short_inputs,
        "remove_semicolons": config.remove_semicolons,
        "append_terminal_punctuation": config.append_terminal_punctuation,
        "capitalize_first_letter": config.capitalize_first_letter,
        "replace_characters": config.replace_characters,
    }
    plans = []
    for chunk in split_into_best_sentences(tokenizer, text, max_tokens, **flags):
        prepared, guess = prepare_text_prompt(chunk, **flags)
        token_ids = tokenizer.encode(prepared)
        plans.append(
            ChunkPlan(
                chunk=chunk,
                text=prepared,
                token_ids=token_ids,
                frames_after_eos=choose_frames_after_eos(
                    guess, frames_after_eos, config.model_recommended_frames_after_eos
                ),
                max_frames=estimate_max_frames(len(token_ids), frame_rate),
            )
        )
    return plans
