"""Pause markup (py_core.markup), planning with pauses and normalization (py_core.script), and the
engine's silence for pauses (exact zero samples at the place of the markup)."""

import asyncio
import time
from array import array
from pathlib import Path

import pytest
from test_engine import _engine, _kv_voice, _manifest, _voice_state

from py_core import tokenizer as tokenizers
from py_core.engine import AudioChunk, ChunkFinished, ChunkStarted, Engine, Finished
from py_core.markup import MAX_PAUSE, Pause, parse_markup
from py_core.rng import NoiseSource
from py_core.script import PausePlan, plan_script
from py_core.text import ChunkPlan, TextConfig, plan_chunks

TOKENIZER = tokenizers.load(
    (Path(__file__).parent / "fixtures" / "pocket-tts" / "tokenizer.model").read_bytes()
)
CONFIG = TextConfig(replace_characters={"\u2019": "'"})


def _pauses(items):
    return [i.seconds for i in items if isinstance(i, Pause)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("a [pause] b", [0.5]),
        ("a [PAUSE] b", [0.5]),
        ("a [pause 1.5s] b", [1.5]),
        ("a [pause 300ms] b", [0.3]),
        ("a [pause 2 s] b", [2.0]),
        ('a <break time="750ms"/> b', [0.75]),
        ("a <break time='2s'/> b", [2.0]),
        ('a <break time="1.25s"> b', [1.25]),
        ('a <break strength="weak"/> b', [0.25]),
        ('a <break strength="medium"/> b', [0.5]),
        ('a <break strength="strong"/> b', [0.75]),
        ('a <break strength="x-strong"/> b', [1.0]),
        ("a <break/> b", [0.5]),
        ("a\n\nb", [0.75]),
        ("a\n  \n\n b", [0.75]),
        ("[pause 1s][pause 2s]a[pause 3s]", [1.0, 2.0, 3.0]),
        ("a\nb", []),
    ],
)
def test_pause_markup(text, seconds):
    items, warnings = parse_markup(text)
    assert _pauses(items) == seconds
    assert warnings == []
    assert " ".join(i for i in items if isinstance(i, str)).split() == [w for w in "ab" if w in text]


def test_paragraph_pause_is_a_setting():
    assert _pauses(parse_markup("a\n\nb", paragraph_pause=2.0)[0]) == [2.0]
    items, _ = parse_markup("a\n\nb", paragraph_pause=0)
    assert _pauses(items) == [] and "".join(items).split() == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ('<break time="abc"/>', "'abc' is not a length"),
        ("[pause -1s]", "cannot be negative"),
        ("[pause soon]", "is not a length"),
        ("[pause 1s", "not closed"),
        ("a < b", "'<' at character 2 starts no markup"),
        ("<tag> & ampersand", "unknown markup <tag>"),
        ("x</break>", "unknown markup </break>"),
        ('<break strength="loud"/>', "strength must be one of"),
        ('<break time="NaNs"/>', "is not a length"),
    ],
)
def test_malformed_markup_is_skipped_with_a_warning(text, warning):
    items, warnings = parse_markup(text)
    assert len(warnings) == 1 and warning in warnings[0]
    assert _pauses(items) == []
    spoken = "".join(i for i in items if isinstance(i, str))
    assert "<" not in spoken and "[pause" not in spoken.lower()


def test_pauses_are_clamped_to_10_seconds_with_a_warning():
    items, warnings = parse_markup('[pause 1e9s] <break time="11000ms"/> [pause 10s]')
    assert _pauses(items) == [MAX_PAUSE] * 3
    assert len(warnings) == 2 and all("clamped to 10 s" in w for w in warnings)


def test_plan_with_markup_and_normalization_off_is_upstreams_plan():
    for text in ("Hello world.", "It costs $3.50 [pause] now.\n\nNext <break/> one.", "One. " * 40):
        script = plan_script(TOKENIZER, text, CONFIG, normalize=False, markup=False)
        assert script.plans == plan_chunks(TOKENIZER, text, CONFIG) and script.warnings == []


def test_plan_with_pauses_and_normalization():
    script = plan_script(
        TOKENIZER, "[pause 1s]It costs $3.50.[pause 300ms][pause 2s] On 3/4/2026.\n\nBye", CONFIG
    )
    kinds = [p.seconds if isinstance(p, PausePlan) else p.text for p in script.plans]
    assert kinds == [
        1.0,
        "It costs three dollars and fifty cents.",
        0.3,
        2.0,
        "On March fourth, twenty twenty-six.",
        0.75,
        "Bye.",
    ]
    assert script.spoken_text().startswith("[pause 1s] It costs three dollars")
    for plan in script.plans:
        if isinstance(plan, ChunkPlan):
            decoded = TOKENIZER.decode(plan.token_ids)
            assert "<" not in decoded and "[" not in decoded


def test_only_pauses_is_silence_and_nothing_is_an_error():
    assert plan_script(TOKENIZER, "[pause 1s]", CONFIG).plans == [PausePlan(1.0)]
    for text in ("", "   ", "[pause 0s]", "<tag>"):
        with pytest.raises(ValueError, match="empty"):
            plan_script(TOKENIZER, text, CONFIG)


def test_unknown_language_warns_and_reads_as_written():
    script = plan_script(TOKENIZER, "It costs $3.", CONFIG, language="klingon")
    assert script.plans[0].text == "It costs $3." and "klingon" in script.warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        "a" * 3000,
        "https://example.com/" + "segment-" * 300,
        "word " * 400,
        "x" * 200 + " tiny " + "y" * 200,
    ],
    ids=["3000-char-word", "long-url", "no-punctuation", "mixed"],
)
def test_no_chunk_exceeds_the_token_limit_with_normalization(text):
    for max_tokens in (50, 7):
        plans = plan_script(TOKENIZER, text, CONFIG, max_tokens=max_tokens).plans
        assert plans and all(len(p.token_ids) <= max_tokens for p in plans)
    # Without normalization the upstream behaviour stays (one oversized chunk for one long word).
    assert len(plan_script(TOKENIZER, "a" * 3000, CONFIG, normalize=False).plans[0].token_ids) > 50


def test_a_long_word_is_split_at_token_boundaries_keeping_its_characters():
    word = "abcdefghij" * 100
    plans = plan_script(TOKENIZER, word, CONFIG, max_tokens=20).plans
    text = "".join(p.text.replace(" ", "").rstrip(".") for p in plans).lower()
    assert text == word


def test_a_thousand_pauses_in_20000_characters():
    text = "Some words here, and there. [pause 10ms] " * 1000
    text = text[:20000]
    start = time.perf_counter()
    script = plan_script(TOKENIZER, text, CONFIG)
    assert sum(isinstance(p, PausePlan) for p in script.plans) >= 480
    assert time.perf_counter() - start < 60


# ----- the engine: pauses are exact digital silence at their place -----


def _events(engine, plans, state):
    async def go():
        return [e async for e in engine.generate(plans, state, noise=NoiseSource(0))]

    return asyncio.run(go())


def test_engine_emits_exact_silence_for_pauses_at_start_end_and_in_a_row():
    engine, _ = _engine()
    state = _voice_state(engine, _kv_voice())
    speech = ChunkPlan(chunk="abc", text="abc", token_ids=[1, 2, 3], frames_after_eos=2, max_frames=4)
    plans = [PausePlan(0.5), speech, PausePlan(0.3), PausePlan(1.25), speech, PausePlan(0.001)]
    events = _events(engine, plans, state)
    pieces = []  # (chunk index, samples) per AudioChunk
    for event in events:
        if isinstance(event, AudioChunk):
            pieces.append((event.index, event.samples))
    silence = {i: s for i, s in pieces if isinstance(plans[i], PausePlan)}
    for index, seconds in ((0, 0.5), (2, 0.3), (3, 1.25), (5, 0.001)):
        assert len(silence[index]) == round(seconds * 24000)
        assert silence[index] == array("f", bytes(4 * round(seconds * 24000)))
    speech_samples = [s for i, s in pieces if not isinstance(plans[i], PausePlan)]
    assert speech_samples and all(any(v != 0 for v in s) for s in speech_samples)
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.chunks == len(plans)
    assert finished.samples == sum(len(s) for _, s in pieces)
    starts = [e.index for e in events if isinstance(e, ChunkStarted)]
    ends = [e.index for e in events if isinstance(e, ChunkFinished)]
    assert starts == ends == list(range(len(plans)))


def test_engine_plan_script_takes_the_bundle_language():
    engine, runtime = _engine()
    engine = Engine(runtime, _manifest(language="french"), engine.tokenizer)
    script = engine.plan_script("Il a 21 ans. [pause 1s] Fin")
    assert [p.seconds if isinstance(p, PausePlan) else p.text for p in script.plans] == [
        "Il a vingt et un ans.",
        1.0,
        "Fin.",
    ]
