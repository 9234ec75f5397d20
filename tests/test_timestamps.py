"""Word timestamps (issue 13): py_core.timestamps against pocket-tts-timestamped 1.4.0, the reference.

Text units and token weights, and the frame-by-frame decisions, are compared with the fork's own
functions; whole generations on the tiny fp32 bundle with `generate_audio_with_timestamps` (same
config plus its `timestamp_heads`, same weights, temperature 0): same words, start and end within one
frame. Then the CLI's files and the bad inputs (no words, a bundle without heads).
"""

import asyncio
import dataclasses
import json
import random
import unicodedata

import pytest
from conftest import FIXTURES

from bundle.parity import Ours
from py_core import subtitles
from py_core.cli import main as cli_main
from py_core.engine import AudioChunk, EngineError, Settings, WordEnd, WordStart
from py_core.text import plan_chunks, text_config_from_dict
from py_core.timestamps import ChunkAligner, timestamp_chunks

pytest.importorskip("pocket_tts_timestamped")
torch = pytest.importorskip("torch")

FRAME = 0.08
TEXTS = [
    "Hello world. This is a test! And a third sentence, with commas; and more?",
    "The quick brown fox jumps over the lazy dog near the river bank. "
    "Meanwhile, seven sleepy sailors sang softly about the sea at dawn. Goodbye!",
    "It's a well-known fact: naïve café-goers don't wait. “Quoted” words — end here.",
]
# NFKC changes "…" (to "..."): the fork tokenizes NFKC(chunk) there, upstream pocket-tts (and so
# py_core) the chunk itself, so their token ids, frame budgets and audio differ on such texts.
NFKC_TEXT = "Wait… what? The ﬁnal word, café."
MAPPING_TEXTS = [
    *TEXTS,
    NFKC_TEXT,
    "...",
    "Hi",
    "Numbers like 3.14 and 42, e-mail me@example.com; ’apostrophes’ — dashes – and ellipses…",
]


@pytest.fixture(scope="module")
def sp_and_ours():
    import sentencepiece

    from py_core import tokenizer

    path = FIXTURES / "tokenizer.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(path)), tokenizer.load(path.read_bytes())


def _chunks(tok, text: str, max_tokens: int) -> list[str]:
    return [c.text for c in plan_chunks(tok, text, text_config_from_dict({}), max_tokens)]


def _unit_key(unit):
    word = unit.word and (unit.word.text, unit.word.word_index, unit.word.begin, unit.word.end)
    return (unit.text, unit.chunk_begin, unit.chunk_end, unit.synthetic, word)


@pytest.mark.parametrize("max_tokens", [50, 10])
@pytest.mark.parametrize("text", MAPPING_TEXTS)
def test_text_units_and_token_weights_equal_the_forks(sp_and_ours, text, max_tokens):
    from pocket_tts_timestamped.timestamps.text import _iter_timestamp_text_chunks

    sp, tok = sp_and_ours
    chunks = _chunks(tok, text, max_tokens)
    reference = list(_iter_timestamp_text_chunks(text, chunks, sp, best_effort=True))
    ours = list(timestamp_chunks(text, chunks, tok).chunks)
    assert len(ours) == len(reference)
    for ref, got, chunk in zip(reference, ours, chunks, strict=True):
        assert [_unit_key(u) for u in got.units] == [_unit_key(u) for u in ref.units]
        assert len(got.token_units) == len(tok.encode(chunk))  # the tokens the engine feeds
        if unicodedata.normalize("NFKC", chunk) != chunk:
            continue  # different tokens (NFKC_TEXT): compared in test_nfkc_text_...
        dense = torch.zeros(len(got.token_units), len(got.units))
        for token, row in enumerate(got.token_units):
            for unit, weight in row:
                dense[token, unit] = weight
        assert dense.shape == ref.token_to_unit.shape
        assert torch.allclose(dense, ref.token_to_unit)


def test_nfkc_text_keeps_upstreams_tokens_with_the_forks_units(sp_and_ours):
    """Where NFKC changes the chunk, each token still gets the units its span overlaps, placed back
    from NFKC(chunk) onto the chunk: "ﬁnal" (one character to two) and "…" (one to three)."""
    sp, tok = sp_and_ours
    (chunk,) = _chunks(tok, NFKC_TEXT, 50)
    (got,) = timestamp_chunks(NFKC_TEXT, [chunk], tok).chunks
    unit = {u.text: i for i, u in enumerate(got.units)}
    final, dots = chunk.index("ﬁnal"), chunk.index("…")
    for (_, begin, end), row in zip(tok.encode_with_spans(chunk), got.token_units, strict=True):
        if final <= begin and end <= final + 4:  # byte pieces of "ﬁ", then "n", "al"
            assert row == ((unit["ﬁnal"], 1.0),)
        if (begin, end) == (dots, dots + 1):  # three byte pieces
            assert row == ((unit["..."], 1.0),)
    assert sum(1 for row in got.token_units if row == ((unit["ﬁnal"], 1.0),)) == 5


def test_frame_decisions_equal_the_forks(sp_and_ours):
    """Random unit scores and voicing, 300 frames per chunk: the same events at the same times."""
    from pocket_tts_timestamped.timestamps.alignment import WordAlignment

    sp, tok = sp_and_ours
    rng = random.Random(7)
    for text in TEXTS:
        for chunk in timestamp_chunks(text, _chunks(tok, text, 50), tok).chunks:
            ref, ours = WordAlignment(chunk.units), ChunkAligner(chunk)
            for frame in range(300):
                scores = [rng.random() ** 4 for _ in chunk.units]
                voiced = rng.random() < 0.8
                expected = ref.process_frame(torch.tensor(scores), voiced, frame * FRAME)
                got = ours.frame(scores, voiced, frame * FRAME)
                assert [_event(e) for e in got] == [_fork_event(e) for e in expected]
            assert [_event(e) for e in ours.finish(9.0)] == [_fork_event(e) for e in ref.finish(9.0)]


def _event(event):
    if isinstance(event, WordStart):
        return ("start", event.word, event.index, event.start)
    return ("end", event.word, event.index, event.start, event.end)


def _fork_event(event):
    if hasattr(event, "end_time"):
        return ("end", event.word, event.word_index, event.start_time, event.end_time)
    return ("start", event.word, event.word_index, event.start_time)


def _our_words(ours: Ours, voice, text, **overrides) -> tuple[list, list[WordEnd], int]:
    settings = Settings.from_manifest(ours.manifest, temperature=0.0, **overrides)

    async def collect():
        events, samples = [], 0
        async for event in ours.engine.generate(text, voice, settings, timestamps=True):
            if isinstance(event, AudioChunk):
                samples += len(event.samples)
            elif isinstance(event, WordStart | WordEnd):
                events.append(event)
        return events, samples

    events, samples = asyncio.run(collect())
    return events, [e for e in events if isinstance(e, WordEnd)], samples


@pytest.fixture(scope="module")
def fork_and_ours(tiny_bundle_fp32):
    from pocket_tts_timestamped import TTSModel as TimestampedTTS

    config = tiny_bundle_fp32 / "source" / "config.timestamped.yaml"
    return TimestampedTTS.load_model(config=str(config), temp=0.0), Ours(tiny_bundle_fp32)


@pytest.mark.parametrize("max_tokens", [50, 12])
@pytest.mark.parametrize("text", TEXTS)
def test_word_timestamps_equal_pocket_tts_timestamped(fork_and_ours, text, max_tokens):
    """One chunk per text, then several (12 tokens at most: sentences re-split at commas, words
    split across chunks)."""
    fork, ours = fork_and_ours
    voice = asyncio.run(ours.kv_voice("aurora"))
    events, words, samples = _our_words(ours, voice, text, max_tokens=max_tokens)
    state = fork.get_state_for_audio_prompt(ours.voice_file("aurora"))
    reference = fork.generate_audio_with_timestamps(state, text, max_tokens=max_tokens)
    assert samples == reference.audio.numel()
    assert [w.word for w in words] == [w.word for w in reference.words]
    assert [w.index for w in words] == [w.word_index for w in reference.words]
    start = max((abs(w.start - r.start_time) for w, r in zip(words, reference.words, strict=True)), default=0)
    end = max((abs(w.end - r.end_time) for w, r in zip(words, reference.words, strict=True)), default=0)
    print(f"TIMESTAMPS | {len(words)} words | max start/end diff {start * 1000:.1f} / {end * 1000:.1f} ms")
    assert start <= FRAME and end <= FRAME
    # Streaming: every word starts before it ends, and each start comes before its end event.
    order = [(type(e).__name__, e.index) for e in events]
    for w in words:
        assert order.index(("WordStart", w.index)) < order.index(("WordEnd", w.index))


def test_pauses_shift_the_times_by_their_length(fork_and_ours):
    _, ours = fork_and_ours
    voice = asyncio.run(ours.kv_voice("aurora"))
    plain = "Hello world. This is a test!"
    _, words, _ = _our_words(ours, voice, ours.engine.plan_script(plain, normalize=False).plans)
    _, paused, _ = _our_words(
        ours, voice, ours.engine.plan_script(f"[pause 1s] {plain}", normalize=False).plans
    )
    assert [w.word for w in paused] == [w.word for w in words]
    for a, b in zip(words, paused, strict=True):
        assert b.start == pytest.approx(a.start + 1.0) and b.end == pytest.approx(a.end + 1.0)


def test_text_without_words_gives_no_word_events(fork_and_ours):
    _, ours = fork_and_ours
    voice = asyncio.run(ours.kv_voice("aurora"))
    plans = ours.engine.plan_script("... !!! [pause 0.5s] ?", normalize=False).plans
    events, words, samples = _our_words(ours, voice, plans)
    assert events == [] and samples > 0


def test_a_bundle_without_heads_refuses_timestamps_and_still_speaks(tiny_bundle_fp32):
    ours = Ours(tiny_bundle_fp32)
    ours.engine.manifest = dataclasses.replace(ours.manifest, timestamps=None)
    voice = asyncio.run(ours.kv_voice("aurora"))
    with pytest.raises(EngineError, match="no timestamp heads"):
        _our_words(ours, voice, "Hello world.")
    audio, frames, _ = ours.generate("Hello world.", voice, temperature=0.0)
    assert len(audio) == frames[0] * 1920


def test_a_prefill_run_ahead_gives_the_same_audio_and_word_timestamps(tiny_bundle_fp32):
    """Engine.prefill (the web app runs it while the text is typed) on the real tiny model: the
    generation that takes it is the same, sample for sample and word for word."""
    ours = Ours(tiny_bundle_fp32)
    voice = asyncio.run(ours.kv_voice("aurora"))
    text = TEXTS[0]
    plain = _our_words(ours, voice, text)
    settings = Settings.from_manifest(ours.manifest, temperature=0.0)
    assert asyncio.run(ours.engine.prefill(text, voice, settings))
    assert ours.engine._prefilled is not None
    ahead = _our_words(ours, voice, text)
    assert ours.engine._prefilled is None  # taken
    assert [_event(e) for e in ahead[0]] == [_event(e) for e in plain[0]] and ahead[2] == plain[2]
    assert plain[0]


@pytest.mark.parametrize("suffix", [".json", ".vtt", ".srt"])
def test_cli_writes_the_engines_timestamps(tiny_bundle_fp32, tmp_path, suffix):
    text = TEXTS[0]
    out = tmp_path / f"words{suffix}"
    args = ["synth", "--bundle", str(tiny_bundle_fp32), "--text", text, "--temperature", "0"]
    assert (
        cli_main([*args, "--seed", "1", "--out", str(tmp_path / "a.wav"), "--timestamps", str(out), "-q"])
        == 0
    )
    ours = Ours(tiny_bundle_fp32)
    voice = asyncio.run(ours.kv_voice(ours.manifest.default_voice))
    plans = ours.engine.plan_script(text).plans
    _, words, _ = _our_words(ours, voice, plans)
    assert out.read_text(encoding="utf-8") == subtitles.render(words, suffix)
    if suffix == ".json":
        rows = json.loads(out.read_text(encoding="utf-8"))
        assert [r["word"] for r in rows] == [w.word for w in words] and rows[0].keys() == {
            "word",
            "start",
            "end",
        }


def test_the_bundle_records_its_heads_and_verifies_the_output(tiny_bundle_fp32):
    """The manifest names the heads and the output; the build compared it with PyTorch (parity_fp32
    covers every output of flow_lm_kv); the fork's config for the same bundle names the same heads."""
    import yaml

    ours = Ours(tiny_bundle_fp32)
    spec = ours.manifest.timestamps
    assert spec is not None and spec.output == "timestamp_logits"
    heads = [(h.layer, h.head) for h in spec.heads]
    assert heads == [(3, 0), (2, 1)]
    step = ours.manifest.graphs["flow_lm_step"]
    assert step.outputs[-1].name == "timestamp_logits" and step.outputs[-1].shape[:2] == [1, len(heads)]
    assert step.parity_fp32.max_relative_error < 1e-4
    config = yaml.safe_load((tiny_bundle_fp32 / "source" / "config.timestamped.yaml").read_text())
    assert [(h["layer"], h["head"]) for h in config["timestamp_heads"]] == heads
    assert "timestamp_heads" not in yaml.safe_load((tiny_bundle_fp32 / "source" / "config.yaml").read_text())


def test_subtitle_formats():
    words = [WordEnd("Hello", 0, 0.0, 0.32), WordEnd("world", 1, 0.32, 3725.041)]
    assert subtitles.to_vtt(words) == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:00.320\nHello\n\n2\n00:00:00.320 --> 01:02:05.041\nworld\n"
    )
    assert subtitles.to_srt(words).startswith("1\n00:00:00,000 --> 00:00:00,320\nHello\n\n2\n")
    with pytest.raises(ValueError, match="must end in"):
        subtitles.render(words, ".txt")


def test_cli_refuses_an_unknown_timestamps_format(tiny_bundle_fp32, tmp_path, capsys):
    args = ["synth", "--bundle", str(tiny_bundle_fp32), "--text", "Hi.", "--out", str(tmp_path / "a.wav")]
    assert cli_main([*args, "--timestamps", str(tmp_path / "words.txt"), "-q"]) == 1
    assert "--timestamps" in capsys.readouterr().err
