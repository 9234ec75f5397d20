"""Voice files: what a voice brings to the flow LM before any text.

Upstream pocket-tts has written two layouts, both safetensors:

- ``audio_prompt`` (1.0.x predefined voices): one float tensor ``audio_prompt`` of shape
  [1, N, D] or [N, D]. These are projected prompt frames (D = the flow LM's d_model) that
  still have to be run through the flow LM.
- ``kv_state`` (1.1 and later, and ``pocket-tts export-voice``): the flow LM's KV cache after
  prompting, stored by ``export_model_state`` under ``"{module}/{key}"`` with module
  ``transformer.layers.{i}.self_attn``: ``cache`` [2, 1, S, H, Dh] (K and V), ``offset``
  int64 [1] (the number of filled positions; 1.1.x files have ``current_end`` instead, a
  dummy tensor whose length is the offset) and, from 4.x, ``pad`` int64 [1].

Upstream fills unused cache slots with NaN, so only the first ``offset`` positions are
read and checked; a `Voice` keeps exactly those.
"""

import re
from array import array
from dataclasses import dataclass, field

from py_core import safetensors
from py_core.safetensors import SafetensorsError, Tensor

AUDIO_PROMPT = "audio_prompt"
KV_STATE = "kv_state"

_KV_KEY = re.compile(r"transformer\.layers\.(0|[1-9][0-9]{0,5})\.self_attn/(cache|offset|current_end|pad)")
_KV_FORMAT = (
    "'audio_prompt', or transformer.layers.{i}.self_attn/cache with /offset (or /current_end) and /pad"
)


class VoiceFileError(SafetensorsError):
    """A voice file that cannot be used (the message says why)."""


@dataclass(frozen=True)
class Voice:
    """A parsed voice: float32 data as flat arrays plus the sizes that shape them.

    ``layout`` is ``"audio_prompt"`` (``prompt`` holds N x prompt_dim values) or
    ``"kv_state"`` (``caches`` holds one array per layer, [2, 1, N, num_heads, head_dim]:
    keys then values, trimmed to the valid positions). ``num_frames`` is N: prompt frames,
    or the KV offset. ``pad`` is upstream's count of leading padding positions (0 for voices).
    """

    layout: str
    num_frames: int
    prompt: array | None = None
    prompt_dim: int = 0
    caches: tuple[array, ...] = ()
    num_heads: int = 0
    head_dim: int = 0
    pad: int = 0
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        size = 1
        for dim in self.shape:
            size *= dim
        arrays = [self.prompt] if self.layout == AUDIO_PROMPT else list(self.caches)
        if self.layout not in (AUDIO_PROMPT, KV_STATE) or not arrays or self.num_frames < 1:
            raise ValueError(f"a {self.layout!r} voice needs its data and at least one frame")
        if any(not isinstance(a, array) or a.typecode != "f" or len(a) != size for a in arrays):
            raise ValueError(f"voice data must be float32 arrays of {size} values (shape {self.shape})")
        if (self.layout == AUDIO_PROMPT and self.caches) or (
            self.layout == KV_STATE and self.prompt is not None
        ):
            raise ValueError("a voice holds either a prompt or KV caches, not both")
        if not 0 <= self.pad <= self.num_frames:
            raise ValueError(f"pad {self.pad} must lie between 0 and the {self.num_frames} frames")

    @property
    def num_layers(self) -> int:
        """Number of flow-LM layers with a KV cache (0 for an audio prompt)."""
        return len(self.caches)

    @property
    def offset(self) -> int:
        """The KV offset: positions already filled (equal to `num_frames`)."""
        return self.num_frames

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of `prompt` (N, D), or of each array in `caches` (2, 1, N, H, Dh)."""
        if self.layout == AUDIO_PROMPT:
            return (self.num_frames, self.prompt_dim)
        return (2, 1, self.num_frames, self.num_heads, self.head_dim)


def load_voice(data: bytes | bytearray | memoryview) -> Voice:
    """Parse a voice file of either upstream layout; raise `VoiceFileError` if it is unusable."""
    try:
        tensors, metadata = safetensors.load(data)
    except SafetensorsError as e:
        raise VoiceFileError(str(e)) from None
    if not tensors:
        raise VoiceFileError("not a voice file: it holds no tensors")
    if AUDIO_PROMPT in tensors:
        extra = sorted(tensors.keys() - {AUDIO_PROMPT})
        if extra:
            raise VoiceFileError(
                f"unexpected tensor {extra[0][:100]!r} next to 'audio_prompt' in a voice file"
            )
        return _audio_prompt_voice(tensors[AUDIO_PROMPT], metadata)
    return _kv_state_voice(tensors, metadata)


def _audio_prompt_voice(tensor: Tensor, metadata: dict[str, str]) -> Voice:
    shape = tensor.shape[1:] if len(tensor.shape) == 3 and tensor.shape[0] == 1 else tensor.shape
    if len(shape) != 2 or 0 in shape:
        raise VoiceFileError(
            f"tensor 'audio_prompt' has shape {list(tensor.shape)}; expected [1, N, D] or [N, D]"
        )
    prompt = _floats(AUDIO_PROMPT, tensor, [(0, tensor.numel)])
    return Voice(AUDIO_PROMPT, shape[0], prompt=prompt, prompt_dim=shape[1], metadata=metadata)


def _kv_state_voice(tensors: dict[str, Tensor], metadata: dict[str, str]) -> Voice:
    layers: dict[int, dict[str, Tensor]] = {}
    for name, tensor in tensors.items():
        match = _KV_KEY.fullmatch(name)
        if match is None:
            raise VoiceFileError(f"unexpected tensor {name[:100]!r} in a voice file; expected {_KV_FORMAT}")
        layers.setdefault(int(match[1]), {})[match[2]] = tensor
    if sorted(layers) != list(range(len(layers))):
        raise VoiceFileError(
            f"voice file layers must be numbered 0 to {len(layers) - 1}, found {sorted(layers)}"
        )
    parsed = [_kv_layer(i, layers[i]) for i in range(len(layers))]
    shape, offset, pad = parsed[0][1:]
    for i, (_, other_shape, other_offset, other_pad) in enumerate(parsed):
        if (other_shape, other_offset, other_pad) != (shape, offset, pad):
            raise VoiceFileError(
                f"voice file layers disagree: layer 0 has cache shape {list(shape)}, offset {offset}, "
                f"pad {pad}; layer {i} has {list(other_shape)}, {other_offset}, {other_pad}"
            )
    _, _, slots, heads, head_dim = shape
    block = heads * head_dim
    caches = tuple(
        _floats(
            f"transformer.layers.{i}.self_attn/cache",
            cache,
            [(0, offset * block), (slots * block, (slots + offset) * block)],  # K then V
        )
        for i, (cache, *_) in enumerate(parsed)
    )
    return Voice(
        KV_STATE, offset, caches=caches, num_heads=heads, head_dim=head_dim, pad=pad, metadata=metadata
    )


def _kv_layer(index: int, entries: dict[str, Tensor]) -> tuple[Tensor, tuple[int, ...], int, int]:
    """Check one layer's tensors; return (cache, cache shape, offset, pad)."""
    prefix = f"transformer.layers.{index}.self_attn"
    cache = entries.get("cache")
    if cache is None:
        raise VoiceFileError(f"voice file has no tensor '{prefix}/cache'")
    if len(cache.shape) != 5 or cache.shape[:2] != (2, 1) or 0 in cache.shape[3:]:
        raise VoiceFileError(
            f"tensor '{prefix}/cache' has shape {list(cache.shape)}; expected [2, 1, N, heads, head_dim]"
        )
    if "offset" in entries and "current_end" in entries:
        raise VoiceFileError(f"voice file has both '{prefix}/offset' and the legacy '{prefix}/current_end'")
    if "offset" in entries:
        offset = _single_int(f"{prefix}/offset", entries["offset"])
    elif "current_end" in entries:
        current_end = entries["current_end"]
        if len(current_end.shape) != 1:
            raise VoiceFileError(
                f"tensor '{prefix}/current_end' must be 1-D, got shape {list(current_end.shape)}"
            )
        offset = current_end.shape[0]
    else:
        raise VoiceFileError(f"voice file has no '{prefix}/offset' (nor the legacy '{prefix}/current_end')")
    if not 1 <= offset <= cache.shape[2]:
        raise VoiceFileError(
            f"'{prefix}' offset {offset} must lie between 1 and the cache's {cache.shape[2]} positions"
        )
    pad = _single_int(f"{prefix}/pad", entries["pad"]) if "pad" in entries else 0
    if not 0 <= pad <= offset:
        raise VoiceFileError(f"'{prefix}/pad' is {pad}; it must lie between 0 and the offset {offset}")
    return cache, cache.shape, offset, pad


def _single_int(name: str, tensor: Tensor) -> int:
    if tensor.dtype not in safetensors.INT_DTYPES or tensor.shape != (1,):
        raise VoiceFileError(
            f"tensor {name!r} must be one integer (I64 [1]), got {tensor.dtype} {list(tensor.shape)}"
        )
    return safetensors.to_ints(tensor)[0]


def _floats(name: str, tensor: Tensor, ranges: list[tuple[int, int]]) -> array:
    """The given element ranges of a float tensor as one float32 array, all finite."""
    if tensor.dtype not in safetensors.FLOAT_DTYPES:
        raise VoiceFileError(
            f"tensor {name!r} has dtype {tensor.dtype}; expected one of {', '.join(safetensors.FLOAT_DTYPES)}"
        )
    values = safetensors.to_float32(tensor, *ranges[0])
    for start, stop in ranges[1:]:
        values += safetensors.to_float32(tensor, start, stop)
    if not safetensors.all_finite(values):
        raise VoiceFileError(f"tensor {name!r} contains NaN or Inf values")
    return values


def dump_voice(voice: Voice) -> bytes:
    """Write a KV-state voice the way pocket-tts 4.x exports it (cache, offset and pad per layer)."""
    if voice.layout != KV_STATE:
        raise ValueError(
            "only a KV-state voice can be written; run an audio prompt through the flow LM first"
        )
    tensors = {}
    for i, cache in enumerate(voice.caches):
        prefix = f"transformer.layers.{i}.self_attn"
        tensors[f"{prefix}/cache"] = ("F32", voice.shape, cache)
        tensors[f"{prefix}/offset"] = ("I64", (1,), array("q", [voice.offset]))
        tensors[f"{prefix}/pad"] = ("I64", (1,), array("q", [voice.pad]))
    return safetensors.dump(tensors, voice.metadata)
