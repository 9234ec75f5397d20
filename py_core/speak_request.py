"""What a caller may choose for one Speak: every option, its type and its default, defined once.

`SpeakRequest` is the one table: each field is an option, declared with its JS name (the web
engine's `SpeakOptions`), its default and a one-line doc. The text is not an option (it is the
argument the options go with). `SpeakRequest.from_options` builds one from a mapping with the JS
names (what web/engine/worker.js sends); web/engine/speak-options.js is generated from this table by
py_core.js_constants. Stdlib only.
"""

import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from py_core.engine import DecodePolicy, EngineError

# The automatic decoder schedule (decode_batch 0): up to this many frames per decoder call, as far
# as the audio already sent is ahead of a listener at the playback speed (DecodePolicy.follow_playback).
AUTO_DECODE_BATCH = 4
MAX_DECODE_BATCH = 16
# The player's time-stretcher's range (web/audio/time-stretch.js MIN_SPEED, MAX_SPEED).
MIN_PLAYBACK_SPEED = 0.5
MAX_PLAYBACK_SPEED = 3.0


class SpeakOptionError(EngineError):
    """A speak option that is unknown, of the wrong type or out of range (the message names it)."""


def _option(
    js: str,
    default: Any,
    doc: str,
    *,
    low: float | None = None,
    high: float | None = None,
    digits: bool = False,
) -> Any:
    """A SpeakRequest field: its JS name, default, doc, the range its value must lie in, and whether
    an integer may also come as its decimal string (`digits`: a JS number is exact to 2**53 only)."""
    metadata = {"js": js, "doc": doc, "low": low, "high": high, "digits": digits}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SpeakRequest:
    """The options of one Speak; an option left out (or given as None) takes its default."""

    voice: str | None = _option(
        "voice", None, "a voice name: bundled or registered; null: the bundle's default"
    )
    temperature: float | None = _option(
        "temperature", None, "sampling temperature, >= 0; null: the bundle's (manifest generation)", low=0
    )
    steps: int | None = _option(
        "steps", None, "flow sampler steps, >= 1; null: the bundle's (manifest generation)", low=1
    )
    seed: int | None = _option(
        "seed",
        None,
        "noise seed, an integer >= 0 or its decimal string; null: a random one",
        low=0,
        digits=True,
    )
    normalize: bool = _option("normalize", True, "read numbers, dates, money and symbols as words")
    decode_batch: int = _option(
        "decodeBatch",
        0,
        f"frames per decoder call, 1 to {MAX_DECODE_BATCH}; 0: automatic (up to {AUTO_DECODE_BATCH}, "
        "as far as the audio is ahead of playback)",
        low=0,
        high=MAX_DECODE_BATCH,
    )
    playback_speed: float = _option(
        "playbackSpeed",
        1.0,
        f"the listener's playback speed, {MIN_PLAYBACK_SPEED:g} to {MAX_PLAYBACK_SPEED:g} "
        "(the automatic decoder batch follows it)",
        low=MIN_PLAYBACK_SPEED,
        high=MAX_PLAYBACK_SPEED,
    )

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                object.__setattr__(self, spec.name, spec.default)
            else:
                object.__setattr__(self, spec.name, _checked(spec.metadata, _HINTS[spec.name], value))

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> "SpeakRequest":
        """A request from options by their JS names (SpeakOptions); SpeakOptionError names a bad one."""
        by_js = {spec.metadata["js"]: spec.name for spec in fields(cls)}
        unknown = sorted(set(options) - set(by_js))
        if unknown:
            raise SpeakOptionError(
                f"unknown speak option(s) {', '.join(map(repr, unknown))} (known: {', '.join(by_js)})"
            )
        return cls(**{by_js[name]: value for name, value in options.items()})

    def decode_policy(self, overlap: bool = False) -> DecodePolicy:
        """The decoder's schedule: `decode_batch` frames per call, or automatic (0): up to
        AUTO_DECODE_BATCH as playback at `playback_speed` allows (one at a time at the start and
        whenever generation barely keeps up). `overlap`: decode while the next steps run (the
        caller knows whether its runtime decodes in parallel; not an option)."""
        return DecodePolicy(
            batch=self.decode_batch or AUTO_DECODE_BATCH,
            overlap=overlap,
            follow_playback=self.decode_batch == 0,
            playback_speed=self.playback_speed,
        )


_HINTS = typing.get_type_hints(SpeakRequest)


def speak_options() -> list[dict[str, Any]]:
    """The options by their JS names: [{name, type (a TypeScript type), default, doc}], in order."""
    return [
        {
            "name": spec.metadata["js"],
            "type": _js_type(spec.metadata, _HINTS[spec.name]),
            "default": spec.default,
            "doc": spec.metadata["doc"],
        }
        for spec in fields(SpeakRequest)
    ]


def _base(hint: Any) -> type:
    """`int` for `int | None`, and so on."""
    return next(t for t in typing.get_args(hint) or (hint,) if t is not type(None))


def _js_type(meta: Mapping[str, Any], hint: Any) -> str:
    base = _base(hint)
    types = ["boolean" if base is bool else "string" if base is str else "number"]
    if meta["digits"]:
        types.append("string")
    if type(None) in typing.get_args(hint):
        types.append("null")
    return "|".join(types)


def _checked(meta: Mapping[str, Any], hint: Any, value: Any) -> Any:
    """`value` as the option's type, within its range; SpeakOptionError naming the option otherwise."""
    name, base = meta["js"], _base(hint)
    if meta["digits"] and isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if base is bool:
        ok = isinstance(value, bool)
        kind = "true or false"
    elif base is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        kind = "an integer"
    elif base is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
        kind = "a finite number"
    else:
        ok = isinstance(value, str)
        kind = "a string"
    if not ok:
        raise SpeakOptionError(f"{name} must be {kind}, not {value!r}")
    low, high = meta["low"], meta["high"]
    if low is not None and high is not None and not low <= value <= high:
        raise SpeakOptionError(f"{name} must be from {low:g} to {high:g}, not {value!r}")
    if low is not None and not low <= value:
        raise SpeakOptionError(f"{name} must be >= {low:g}, not {value!r}")
    return value
