"""The typed manifest: py_core reads back exactly what the builder writes, and names what is wrong."""

import json
import re

import pytest
from test_engine import _manifest

from py_core.manifest import SCHEMA_VERSION, ManifestError, parse_manifest


def _raw() -> dict:
    return json.loads(_manifest().to_json())


def test_a_manifest_reads_back_as_written():
    manifest = _manifest()
    text = manifest.to_json()
    assert parse_manifest(text) == manifest
    assert parse_manifest(text.encode()) == manifest
    raw = json.loads(text)
    assert list(raw)[:2] == ["schema", "schema_version"] and raw["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(schema_version=2), "schema version 2 is not supported"),
        (lambda m: m.pop("schema"), "not a Pocket TTS bundle manifest"),
        (lambda m: m.update(surprise=1), "manifest has unknown field(s): surprise"),
        (lambda m: m["generation"].pop("fade_in_ms"), "manifest.generation lacks the field 'fade_in_ms'"),
        (lambda m: m["audio"].update(sample_rate="24000"), "manifest.audio.sample_rate must be of type int"),
        (lambda m: m["audio"].update(sample_rate=True), "manifest.audio.sample_rate must be of type int"),
        (lambda m: m["graphs"]["mimi_decoder"]["states"][0].pop("dtype"), "states[0] lacks the field"),
        (lambda m: m["graphs"]["flow_lm_step"]["states"][0].pop("update"), "lacks the field 'update'"),
        (
            lambda m: m["graphs"]["flow_lm_step"]["states"][0].update(update="grow"),
            "state 'past_k_0': update must be one of replace, append, not 'grow'",
        ),
        (lambda m: m.update(schema_version=3), "schema version 3 is not supported"),
        (lambda m: m.update(voices={}), "manifest.voices must be a list"),
        (lambda m: m["graphs"].pop("flow_lm_flow"), "lacks required graph(s): flow_lm_flow"),
        (lambda m: m["graphs"]["flow_lm_flow"].update(file="elsewhere.onnx"), "does not list"),
        (lambda m: m.update(default_voice="nobody"), "no voice 'nobody'"),
        (lambda m: m["generation"].update(sampler="flow_matching"), "'flow_matching' is not supported"),
        (lambda m: m["generation"].update(sampler="pointwise"), "do not fit the pointwise sampler"),
        (lambda m: m["graphs"]["flow_lm_flow"]["inputs"].pop(1), "do not fit the lsd sampler"),
    ],
)
def test_a_bad_manifest_is_refused_with_a_message_that_names_the_problem(change, message):
    raw = _raw()
    change(raw)
    with pytest.raises(ManifestError, match=re.escape(message)):
        parse_manifest(json.dumps(raw))


def test_numbers_are_typed_and_optional_fields_may_be_null():
    raw = _raw()
    raw["audio"]["frame_rate"] = 12  # an int where a float is expected is a float
    raw["generation"]["noise_clamp"] = 2
    manifest = parse_manifest(json.dumps(raw))
    assert manifest.audio.frame_rate == 12.0 and isinstance(manifest.audio.frame_rate, float)
    assert manifest.generation.noise_clamp == 2.0
    assert manifest.synthetic is None and manifest.file("flow.onnx").download == "default"
    with pytest.raises(ManifestError, match="not a file of this bundle"):
        manifest.file("missing.onnx")
