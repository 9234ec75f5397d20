"""SpeakRequest (py_core.speak_request): the speak options by their JS names, their defaults, types
and ranges; the generated web/engine/speak-options.js; protocol.js's requests built on SpeakOptions."""

import re
from dataclasses import fields
from pathlib import Path

import pytest

from py_core import js_constants
from py_core.engine import DecodePolicy, EngineError
from py_core.speak_request import AUTO_DECODE_BATCH, SpeakOptionError, SpeakRequest, speak_options

REPO = Path(__file__).resolve().parent.parent


def test_defaults_and_js_names():
    assert SpeakRequest.from_options({}) == SpeakRequest()
    request = SpeakRequest()
    assert (request.voice, request.temperature, request.steps, request.seed) == (None, None, None, None)
    assert (request.normalize, request.decode_batch, request.playback_speed) == (True, 0, 1.0)
    names = [option["name"] for option in speak_options()]
    assert names == ["voice", "temperature", "steps", "seed", "normalize", "decodeBatch", "playbackSpeed"]
    camel = [re.sub(r"_(\w)", lambda m: m.group(1).upper(), f.name) for f in fields(SpeakRequest)]
    assert names == camel


def test_from_options_takes_js_names_and_null_as_the_default():
    request = SpeakRequest.from_options(
        {
            "voice": "aurora",
            "temperature": 1,  # a JS number that is whole arrives as a Python int
            "steps": 2,
            "seed": "18446744073709551615",  # beyond 2**53: as its decimal string
            "normalize": False,
            "decodeBatch": 8,
            "playbackSpeed": 2,
        }
    )
    assert request == SpeakRequest("aurora", 1.0, 2, 2**64 - 1, False, 8, 2.0)
    assert isinstance(request.temperature, float) and isinstance(request.playback_speed, float)
    assert SpeakRequest.from_options({"normalize": None, "decodeBatch": None, "seed": 7}) == SpeakRequest(
        seed=7
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"decode_batch": 2}, "unknown speak option(s) 'decode_batch' (known: voice, temperature,"),
        ({"text": "hi", "speed": 1}, "unknown speak option(s) 'speed', 'text'"),
        ({"voice": 3}, "voice must be a string, not 3"),
        ({"temperature": "0.7"}, "temperature must be a finite number, not '0.7'"),
        ({"temperature": float("nan")}, "temperature must be a finite number, not nan"),
        ({"temperature": True}, "temperature must be a finite number, not True"),
        ({"steps": 1.5}, "steps must be an integer, not 1.5"),
        ({"seed": "12a"}, "seed must be an integer, not '12a'"),
        ({"normalize": 1}, "normalize must be true or false, not 1"),
        ({"temperature": -0.1}, "temperature must be >= 0, not -0.1"),
        ({"steps": 0}, "steps must be >= 1, not 0"),
        ({"seed": -1}, "seed must be >= 0, not -1"),
        ({"decodeBatch": 17}, "decodeBatch must be from 0 to 16, not 17"),
        ({"decodeBatch": -1}, "decodeBatch must be from 0 to 16, not -1"),
        ({"playbackSpeed": 0.4}, "playbackSpeed must be from 0.5 to 3, not 0.4"),
        ({"playbackSpeed": 3.5}, "playbackSpeed must be from 0.5 to 3, not 3.5"),
    ],
)
def test_unknown_mistyped_and_out_of_range_options_are_named(options, message):
    with pytest.raises(SpeakOptionError) as caught:
        SpeakRequest.from_options(options)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, EngineError)  # the CLI prints it as `error: ...`


def test_direct_construction_is_checked_too():
    with pytest.raises(SpeakOptionError, match="decodeBatch must be from 0 to 16"):
        SpeakRequest(decode_batch=32)


def test_decode_policy_automatic_or_fixed():
    assert SpeakRequest(playback_speed=2).decode_policy(overlap=True) == DecodePolicy(
        batch=AUTO_DECODE_BATCH, overlap=True, follow_playback=True, playback_speed=2.0
    )
    assert SpeakRequest(decode_batch=3).decode_policy() == DecodePolicy(batch=3)


def test_the_generated_js_module_is_current():
    committed = (REPO / js_constants.JS_PATH).read_text(encoding="utf-8")
    assert committed == js_constants.render(), (
        f"{js_constants.JS_PATH} is out of date: run `python -m py_core.js_constants`"
    )


def test_the_generated_js_module_has_every_option_graph_and_manifest_rule():
    text = js_constants.render()
    for option in speak_options():
        assert f"@property {{{option['type']}}} [{option['name']}]" in text
    assert 'MIMI_DECODER: "mimi_decoder",' in text and 'FLOW_LM_STEP: "flow_lm_step",' in text
    assert "export const MANIFEST_SCHEMA_VERSION = 4;" in text
    assert '"text_conditioner", "flow_lm_prefill", "flow_lm_step", "flow_lm_flow", "mimi_decoder"' in text


def test_protocol_requests_carry_speak_options_instead_of_listing_them():
    protocol = (REPO / "web" / "engine" / "protocol.js").read_text(encoding="utf-8")
    assert "@typedef {import('./speak-options.js').SpeakOptions} SpeakOptions" in protocol
    for kind, typedef in (("speak", "SpeakRequest"), ("prepare", "PrepareRequest")):
        match = re.search(r"@typedef \{\{type: '" + kind + r"',(.*?)\}\} " + typedef, protocol, re.S)
        assert match, f"protocol.js has no {typedef}"
        shape = match.group(1)
        assert "options: SpeakOptions" in shape
        for option in speak_options():
            assert not re.search(rf"\b{option['name']}\??:", shape), (
                f"{typedef} lists {option['name']} itself"
            )
