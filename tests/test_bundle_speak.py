"""Bundle's one way to speak (plan, generate, speak, prepare, preview, warm_up), which the CLI and the
web worker's driver use: the same audio as the engine called by hand (tiny synthetic bundle)."""

import asyncio
from array import array

import pytest

from py_core.bundle import PREPARE_CHARS, UnknownVoiceError
from py_core.engine import AudioChunk, DecodePolicy, Finished, Settings
from py_core.ort_runtime import open_bundle
from py_core.rng import NoiseSource
from py_core.speak_request import SpeakRequest

TEXT = "Hello world, this is a short test. And a second sentence follows it."


@pytest.fixture(scope="module")
def bundle(tiny_bundle):
    return open_bundle(tiny_bundle)


def _audio(events) -> tuple[array, list]:
    async def collect():
        pcm, seen = array("f"), []
        async for event in events:
            seen.append(event)
            if isinstance(event, AudioChunk):
                pcm.extend(event.samples)
        return pcm, seen

    return asyncio.run(collect())


def _by_hand(bundle, voice: str, seed: int, batch: int, **settings) -> array:
    """The engine driven directly, as the CLI and the driver each did before Bundle.speak."""
    engine = bundle.engine
    chosen = Settings.from_manifest(bundle.manifest, **settings)
    plans = engine.plan_script(TEXT, chosen).plans
    state = asyncio.run(bundle.voice_state(voice))
    events = engine.generate(plans, state, chosen, noise=NoiseSource(seed), policy=DecodePolicy(batch=batch))
    return _audio(events)[0]


def test_speak_is_the_engines_output_for_the_request(bundle):
    request = SpeakRequest(voice="basil", temperature=0.7, steps=2, seed=11, decode_batch=3)
    pcm, events = _audio(bundle.speak(TEXT, request))
    assert len(pcm) > 0 and isinstance(events[-1], Finished)
    assert pcm == _by_hand(bundle, "basil", 11, 3, temperature=0.7, sampler_steps=2)
    other_voice = _audio(bundle.speak(TEXT, SpeakRequest(temperature=0.7, steps=2, seed=11, decode_batch=3)))[
        0
    ]
    assert other_voice != pcm  # voice None: the default voice, not basil


def test_a_plan_draws_its_seed_when_none_is_given_and_the_seed_reproduces_it(bundle):
    plan = bundle.plan(TEXT, SpeakRequest(temperature=0.7, decode_batch=1))
    again = bundle.plan(TEXT, SpeakRequest(temperature=0.7, decode_batch=1, seed=plan.seed))
    assert again.seed == plan.seed and bundle.plan(TEXT, SpeakRequest()).seed != plan.seed
    assert _audio(bundle.generate(plan))[0] == _audio(bundle.generate(again))[0]


def test_plan_applies_overrides_and_refuses_empty_text(bundle):
    plan = bundle.plan(TEXT, SpeakRequest(temperature=0.5), max_tokens=6, eos_threshold=-1e9)
    assert (plan.settings.temperature, plan.settings.max_tokens, plan.settings.eos_threshold) == (
        0.5,
        6,
        -1e9,
    )
    assert plan.settings.sampler_steps == bundle.manifest.generation.sampler_steps
    assert len(plan.script.plans) > 2
    with pytest.raises(ValueError):
        bundle.plan("   ", SpeakRequest())


def test_prepare_runs_ahead_for_the_same_text_and_voice_only(bundle):
    request = SpeakRequest(voice="cedar", seed=3, decode_batch=1)
    plan = bundle.plan(TEXT, request)
    assert not asyncio.run(bundle.is_prepared(plan))
    assert asyncio.run(bundle.prepare(TEXT + " " + "x" * PREPARE_CHARS, request))  # planned from its start
    assert asyncio.run(bundle.is_prepared(plan))
    assert not asyncio.run(bundle.is_prepared(bundle.plan(TEXT, SpeakRequest(voice="aurora"))))
    prepared = _audio(bundle.generate(plan))[0]
    assert not asyncio.run(bundle.is_prepared(plan))  # taken by that Speak
    assert prepared == _audio(bundle.generate(plan))[0]


def test_preview_says_what_will_be_read(bundle):
    text, warnings = bundle.preview("It costs $5. [pause 1s] Done.")
    assert text == "It costs five dollars. [pause 1s] Done." and warnings == []
    assert bundle.preview("It costs $5.", normalize=False)[0] == "It costs $5."
    said, warnings = bundle.preview("  ")
    assert said == "" and len(warnings) == 1


def test_automatic_decoding_and_warm_up_give_audio(bundle):
    pcm, events = _audio(bundle.speak(TEXT, SpeakRequest(seed=1, playback_speed=3)))
    assert len(pcm) > 0 and events[-1].samples == len(pcm)
    warm, _ = _audio(bundle.warm_up())
    assert len(warm) > 0


def test_an_unknown_voice_is_named(bundle):
    with pytest.raises(UnknownVoiceError, match="unknown voice 'nobody'"):
        _audio(bundle.speak(TEXT, SpeakRequest(voice="nobody")))
