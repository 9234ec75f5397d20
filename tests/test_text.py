"""py_core.text against upstream pocket-tts 4.0.1, the reference implementation.

Every expected value comes from upstream: `pocket_tts.models.text_chunking` for preparation and
chunking, and `TTSModel.generate_audio_stream` / `_estimate_max_gen_len` (driven with a stand-in
`self` whose conditioner is upstream's real `LUTConditioner`) for what each chunk feeds the model.
"""

import json
import random
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
import yaml
from pocket_tts.models import text_chunking as upstream
from pocket_tts.models import tts_model
from pocket_tts.models.tts_model import TTSModel
from pocket_tts.modules.text_conditioner import LUTConditioner
from pocket_tts.utils.config import CONFIGS_DIR, Config, load_config

import py_core.tokenizer
from py_core import text

TOKENIZER_PATH = Path(__file__).parent / "fixtures" / "pocket-tts" / "tokenizer.model"
CASES_PATH = Path(__file__).parent / "data" / "text_cases.json"
MAX_TOKENS = (10, 50, 120)
# (frames_after_eos passed by the caller, the config's model_recommended_frames_after_eos)
FRAMES_AFTER_EOS_OPTIONS = ((None, None), (None, None), (0, None), (2, 8), (None, 8))


class DecodeCounter:
    """Wraps a tokenizer and counts the tokens passed to decode."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.decoded_tokens = 0

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text)

    def decode(self, ids: list[int]) -> str:
        self.decoded_tokens += len(ids)
        return self.tokenizer.decode(ids)


@pytest.fixture(scope="module")
def py_tokenizer():
    """py_core's own pure-Python tokenizer: the whole py_core text pipeline is what is compared."""
    return py_core.tokenizer.load(TOKENIZER_PATH)


@pytest.fixture(scope="module")
def conditioner():
    """Upstream's text conditioner, built as FlowLMModel builds it (a tiny embedding suffices)."""
    return LUTConditioner(n_bins=4000, tokenizer_path=str(TOKENIZER_PATH), dim=4, output_dim=4)


# ---------------------------------------------------------------------------------------------
# Corpus


_WORDS = (
    "the a model voice text speech sentence is was runs quickly slowly over under and or but "
    "because Paris London Kyutai browser offline token frame chunk night morning river mountain "
    "i we they she he it reads speaks writes listens wonderful quiet long short"
).split()
_FOREIGN = (
    "привет мир хорошо как дела γειά σου κόσμε καλημέρα 你好 世界 天气 こんにちは 元気 안녕하세요 "
    "مرحبا بالعالم नमस्ते दुनिया שלום éléphant ça über straße niño"
).split()
_SPECIAL = (
    "3.14 2.718 0.5 .5 10. v2.0.1 3.11.7 192.168.0.1 $4.99 1,000 3,14 10:30 2024-01-01 "
    "e.g. i.e. Dr. p.m. U.S.A. 😀 👍 🎉 ٣.٤ १.२ ½ — – - ( ) [ ] « » ; : ,"
).split()
_ENDINGS = (".", ".", ".", "!", "?", "?!", "...", "\u2026", ",", ":", ";", "-", " -", "\u2014", "\u2013", "")
_WRAPS = (("", ""),) * 6 + (
    ('"', '"'),
    ("\u201c", "\u201d"),
    ("\u2018", "\u2019"),
    ("'", "'"),
    ("(", ")"),
    ("[", "]"),
    ("\u00ab", "\u00bb"),
)
_JOINERS = (" ", " ", " ", "  ", "\n", "\r\n", "\t", "\n\n", "")


def _sentence(rng: random.Random) -> str:
    n_words = rng.choice((1, 2, 3, 5, 8, 12, 20)) if rng.random() < 0.94 else rng.randint(45, 80)
    words = []
    for _ in range(n_words):
        pool = rng.choices((_WORDS, _FOREIGN, _SPECIAL), weights=(0.75, 0.12, 0.13))[0]
        word = rng.choice(pool)
        if rng.random() < 0.08:
            word += rng.choice((",", ";", ":", " ,", "..."))
        words.append(word)
    sentence = " ".join(words)
    if rng.random() < 0.6:
        sentence = sentence[:1].upper() + sentence[1:]
    opener, closer = rng.choice(_WRAPS)
    ending = rng.choice(_ENDINGS)
    if rng.random() < 0.5:
        return opener + sentence + ending + closer
    return opener + sentence + closer + ending


def _generated_texts(count: int = 200, seed: int = 4001) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        n_sentences = rng.choice((1, 1, 2, 3, 4, 6)) if rng.random() < 0.96 else rng.randint(10, 16)
        parts = [_sentence(rng) for _ in range(n_sentences)]
        body = "".join(part + rng.choice(_JOINERS) for part in parts)
        texts.append(rng.choice(("", " ", "\n", "  \t")) + body)
    return texts


CORPUS = json.loads(CASES_PATH.read_text(encoding="utf-8")) + _generated_texts()


# ---------------------------------------------------------------------------------------------
# Flag sets: every distinct text configuration among upstream's YAMLs, plus the flags none sets.


def _upstream_flag_sets() -> dict[str, dict]:
    sets = {}
    for path in sorted(CONFIGS_DIR.glob("*.yaml")):
        config = load_config(path)
        flags = {
            "pad_with_spaces_for_short_inputs": config.pad_with_spaces_for_short_inputs,
            "remove_semicolons": config.remove_semicolons,
            "append_terminal_punctuation": config.append_terminal_punctuation,
            "capitalize_first_letter": config.capitalize_first_letter,
            "replace_characters": config.replace_characters,
        }
        if flags not in sets.values():
            sets[path.stem] = flags
    return sets


FLAG_SETS = _upstream_flag_sets()
FLAG_SETS["no_replacements"] = {"pad_with_spaces_for_short_inputs": False, "remove_semicolons": False}
FLAG_SETS["no_punctuation_no_capital"] = {
    "pad_with_spaces_for_short_inputs": False,
    "remove_semicolons": False,
    "append_terminal_punctuation": False,
    "capitalize_first_letter": False,
}
FLAG_SETS["pad_and_french"] = {**FLAG_SETS["french"], "pad_with_spaces_for_short_inputs": True}


def _outcome(function, *args, **kwargs):
    """The result of a call, or the exception type it raised."""
    try:
        return function(*args, **kwargs)
    except Exception as error:  # compared by type: both sides must fail the same way
        return type(error)


def _upstream_chunks_and_plans(conditioner, case, flags, max_tokens, requested, model_recommended):
    """Run upstream generate_audio_stream with a stand-in model; return (chunks, per-chunk plans).

    The chunks are what upstream's split_into_best_sentences returned inside generate_audio_stream.
    The stand-in `_generate_audio_stream_short_text` does what the real one does before generating:
    tokenize with the conditioner and size the frame budget with `_estimate_max_gen_len`.
    """
    chunks, plans = [], []
    fake = SimpleNamespace(
        flow_lm=SimpleNamespace(conditioner=conditioner),
        pad_with_spaces_for_short_inputs=flags["pad_with_spaces_for_short_inputs"],
        remove_semicolons=flags["remove_semicolons"],
        append_terminal_punctuation=flags.get("append_terminal_punctuation", True),
        capitalize_first_letter=flags.get("capitalize_first_letter", True),
        replace_characters=flags.get("replace_characters") or {},
        model_recommended_frames_after_eos=model_recommended,
        _TOKENS_PER_SECOND_ESTIMATE=TTSModel._TOKENS_PER_SECOND_ESTIMATE,
        _GEN_SECONDS_PADDING=TTSModel._GEN_SECONDS_PADDING,
        config=SimpleNamespace(mimi=SimpleNamespace(frame_rate=12.5)),
    )

    def record(model_state, text_to_generate, frames_after_eos, copy_state, stop):
        prepared = conditioner.prepare(text_to_generate)
        max_gen_len = TTSModel._estimate_max_gen_len(fake, prepared.shape[1])
        plans.append((text_to_generate, prepared[0].tolist(), frames_after_eos, max_gen_len))
        return iter(())

    def split(*args, **kwargs):
        result = upstream.split_into_best_sentences(*args, **kwargs)
        chunks.extend(result)
        return result

    fake._generate_audio_stream_short_text = record
    with mock.patch.object(tts_model, "split_into_best_sentences", split):
        for _ in TTSModel.generate_audio_stream(
            fake, None, case, max_tokens=max_tokens, frames_after_eos=requested
        ):
            pass
    return chunks, plans


def _ours_chunks_and_plans(py_tokenizer, case, flags, max_tokens, requested, model_recommended):
    config = text.TextConfig(**flags, model_recommended_frames_after_eos=model_recommended)
    plans = text.plan_chunks(py_tokenizer, case, config, max_tokens, frames_after_eos=requested)
    return (
        [p.chunk for p in plans],
        [(p.text, p.token_ids, p.frames_after_eos, p.max_frames) for p in plans],
    )


# ---------------------------------------------------------------------------------------------
# Tests


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 300
    joined = "".join(CORPUS)
    for needle in ("3.14", "\r\n", "\t", "\u2026", "\u00bb", "\u201d", "Привет", "你好", "😀", "नमस्ते"):
        assert needle in joined
    assert len(FLAG_SETS) >= 10


@pytest.mark.parametrize("flag_set", sorted(FLAG_SETS))
def test_prepare_text_prompt_matches_upstream(flag_set):
    flags = FLAG_SETS[flag_set]
    mismatches = []
    for case in CORPUS:
        expected = _outcome(upstream.prepare_text_prompt, case, **flags)
        actual = _outcome(text.prepare_text_prompt, case, **flags)
        if actual != expected:
            mismatches.append((case, expected, actual))
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("flag_set", sorted(FLAG_SETS))
def test_chunks_and_plans_match_upstream(flag_set, py_tokenizer, conditioner):
    """split_into_best_sentences' chunks, then per chunk: the text tokenized, its ids,
    frames_after_eos and the frame budget; every text with two of the max_tokens values (to keep
    this file fast), and the options for frames_after_eos, drawn at random."""
    flags = FLAG_SETS[flag_set]
    rng = random.Random(flag_set)
    mismatches = []
    for case in CORPUS:
        for max_tokens in rng.sample(MAX_TOKENS, 2):
            requested, model_recommended = rng.choice(FRAMES_AFTER_EOS_OPTIONS)
            args = (case, flags, max_tokens, requested, model_recommended)
            expected = _outcome(_upstream_chunks_and_plans, conditioner, *args)
            actual = _outcome(_ours_chunks_and_plans, py_tokenizer, *args)
            if actual != expected:
                mismatches.append((args, expected, actual))
    assert not mismatches, mismatches[:3]


def test_plan_chunks_pads_the_tokenized_text(py_tokenizer, conditioner):
    """english_2026-01 pads short chunks with 8 spaces, and 4.0.1 tokenizes the padded text."""
    flags = FLAG_SETS["english_2026-01"]
    expected = _upstream_chunks_and_plans(conditioner, "hello world", flags, 50, None, None)
    assert expected[0] == ["Hello world."]
    assert expected[1][0][0] == " " * 8 + "Hello world."
    assert _ours_chunks_and_plans(py_tokenizer, "hello world", flags, 50, None, None) == expected


@pytest.mark.parametrize("case", ["", " ", "   \n\t  ", "\r\n"])
def test_empty_text_raises_value_error(case, py_tokenizer, conditioner):
    flags = FLAG_SETS["english"]
    with pytest.raises(ValueError):
        upstream.prepare_text_prompt(case, **flags)
    with pytest.raises(ValueError, match="empty"):
        text.prepare_text_prompt(case, **flags)
    with pytest.raises(ValueError):
        upstream.split_into_best_sentences(conditioner.tokenizer, case, 50, **flags)
    with pytest.raises(ValueError, match="empty"):
        text.split_into_best_sentences(py_tokenizer, case, 50, **flags)
    with pytest.raises(ValueError, match="empty"):
        text.plan_chunks(py_tokenizer, case, text.TextConfig(**flags))


def test_text_empty_after_replacements_raises_in_both():
    flags = FLAG_SETS["french"]
    for case in ('""', "\u00ab \u00bb", "( )"):
        with pytest.raises(ValueError):
            upstream.prepare_text_prompt(case, **flags)
        with pytest.raises(ValueError, match="empty"):
            text.prepare_text_prompt(case, **flags)


@pytest.mark.parametrize("path", sorted(CONFIGS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_text_config_from_dict_reads_upstream_yaml(path):
    config = load_config(path)
    ours = text.text_config_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert ours == text.TextConfig(
        pad_with_spaces_for_short_inputs=config.pad_with_spaces_for_short_inputs,
        remove_semicolons=config.remove_semicolons,
        append_terminal_punctuation=config.append_terminal_punctuation,
        capitalize_first_letter=config.capitalize_first_letter,
        replace_characters=config.replace_characters,
        model_recommended_frames_after_eos=config.model_recommended_frames_after_eos,
    )


def test_text_config_from_dict_reads_set_flags():
    """Flags that no shipped YAML sets, parsed by upstream's own Config model."""
    raw = yaml.safe_load((CONFIGS_DIR / "english.yaml").read_text(encoding="utf-8"))
    raw.update(
        pad_with_spaces_for_short_inputs=True,
        remove_semicolons=True,
        append_terminal_punctuation=False,
        capitalize_first_letter=False,
        replace_characters={"\u2019": "'", ";": ","},
        model_recommended_frames_after_eos=8,
    )
    config = Config(**raw)
    assert text.text_config_from_dict(raw) == text.TextConfig(
        pad_with_spaces_for_short_inputs=config.pad_with_spaces_for_short_inputs,
        remove_semicolons=config.remove_semicolons,
        append_terminal_punctuation=config.append_terminal_punctuation,
        capitalize_first_letter=config.capitalize_first_letter,
        replace_characters=config.replace_characters,
        model_recommended_frames_after_eos=config.model_recommended_frames_after_eos,
    )


def test_estimate_max_frames_matches_upstream():
    for frame_rate in (12.5, 25.0):
        fake = SimpleNamespace(
            _TOKENS_PER_SECOND_ESTIMATE=TTSModel._TOKENS_PER_SECOND_ESTIMATE,
            _GEN_SECONDS_PADDING=TTSModel._GEN_SECONDS_PADDING,
            config=SimpleNamespace(mimi=SimpleNamespace(frame_rate=frame_rate)),
        )
        for token_count in range(0, 600):
            expected = TTSModel._estimate_max_gen_len(fake, token_count)
            assert text.estimate_max_frames(token_count, frame_rate) == expected, token_count
    assert [text.estimate_max_frames(n) for n in (5, 10, 20, 50)] == [46, 67, 109, 234]


def test_decode_windows_match_full_decodes(py_tokenizer):
    """The windowed decimal check reads exactly what decoding the whole prefix/suffix gives."""
    checked = 0
    for case in CORPUS:
        tokens = py_tokenizer.encode(case.strip())
        if len(tokens) > 120:
            continue
        for idx in range(len(tokens) + 1):
            prefix = py_tokenizer.decode(tokens[:idx])
            suffix = py_tokenizer.decode(tokens[idx:])
            assert text._decode_prefix_end(tokens, idx, py_tokenizer, 2) == prefix[-2:], (case, idx)
            assert text._decode_suffix_start(tokens, idx, py_tokenizer, 1) == suffix[:1], (case, idx)
            checked += 1
    assert checked > 5_000


def _long_text(n_chars: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    sentences = []
    while sum(len(s) + 1 for s in sentences) < n_chars:
        sentences.append(_sentence(rng))
    return " ".join(sentences)


def test_long_text_matches_upstream_in_linear_decode_work(py_tokenizer, conditioner):
    """20,000 characters: same chunks as upstream, decoding O(n) tokens (upstream decodes O(n^2))."""
    long_text = _long_text(20_000)
    assert len(long_text) >= 20_000
    flags = FLAG_SETS["english"]
    counter = DecodeCounter(py_tokenizer)
    chunks = text.split_into_best_sentences(counter, long_text, 50, **flags)
    assert chunks == upstream.split_into_best_sentences(conditioner.tokenizer, long_text, 50, **flags)
    n_tokens = len(py_tokenizer.encode(long_text))
    # Segments are decoded once (about n tokens); each decimal check adds a few small windows.
    assert counter.decoded_tokens < 20 * n_tokens
