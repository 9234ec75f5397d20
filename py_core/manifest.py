"""The bundle manifest, typed: one JSON file describing a model bundle, shared by builder and runtime.

The bundle builder (bundle/build.py) makes a `Manifest` and writes `Manifest.to_json()`; py_core
reads it with `parse_manifest`, the web app with the same field names (the JSDoc typedefs in
web/engine/manifest.js mirror these classes). Every constant lives here once: a reader never falls back to
a default of its own. The schema is versioned: a reader refuses a version it does not know, and any
missing, unknown or mistyped field, with a message that names it. Stdlib only.
"""

import json
import types
import typing
from dataclasses import MISSING, asdict, dataclass, fields, is_dataclass
from typing import Any

from py_core.text import TextConfig

SCHEMA = "pocket-tts-web/bundle"
# 2: latent_to_mimi fused into mimi_decoder (input `latent` [1,n,ldim]).
# 3: typed; prose fields removed; `max_tokens_per_chunk` moved from `text` to `generation`.
# 4: states have an `update` ("replace" | "append"); the flow LM's K/V states are positions-major
#    [1,N,H,Dh] and its outputs `new_k_i` / `new_v_i` hold only the new rows (appended).
SCHEMA_VERSION = 4

STATE_UPDATES = ("replace", "append")

# `generation.sampler`: upstream's flow types that py_core.engine implements. lsd: flow_lm_flow takes
# (c, s, t, x) and x += flow_dir / N for N steps; pointwise: (c, x), one step, x + flow_dir;
# drifting: (c, x), one step, flow_dir itself.
SAMPLERS = ("lsd", "pointwise", "drifting")
TIME_CONDITIONED_SAMPLERS = ("lsd",)


class Graph:
    """The graph names of a bundle's `graphs`, the one table of them (web/engine/speak-options.js
    publishes it to JS as GRAPHS). `flow_lm_prefill` and `flow_lm_step` are two uses of one file."""

    TEXT_CONDITIONER = "text_conditioner"
    FLOW_LM_PREFILL = "flow_lm_prefill"
    FLOW_LM_STEP = "flow_lm_step"
    FLOW_LM_FLOW = "flow_lm_flow"
    MIMI_DECODER = "mimi_decoder"
    MIMI_ENCODER = "mimi_encoder"  # voice cloning only (download group "cloning")


class ExportedGraph:
    """Graphs the builder exports under names of their own (bundle/export.py), never in `graphs`."""

    FLOW_LM_KV = "flow_lm_kv"  # the file behind Graph.FLOW_LM_PREFILL and Graph.FLOW_LM_STEP
    FLOW_LM_MAIN = "flow_lm_main"  # the stateless flow LM: a build-time reference, never shipped


REQUIRED_GRAPHS = (
    Graph.TEXT_CONDITIONER,
    Graph.FLOW_LM_PREFILL,
    Graph.FLOW_LM_STEP,
    Graph.FLOW_LM_FLOW,
    Graph.MIMI_DECODER,
)


class ManifestError(ValueError):
    """The manifest is missing, malformed, or of a schema version this reader does not support."""


@dataclass(frozen=True)
class TensorSpec:
    """A graph input or output: name, dtype and shape (named axes as strings)."""

    name: str
    dtype: str
    shape: list[int | str]


@dataclass(frozen=True)
class StateSpec:
    """A recurrent state: fed as `input`, updated from `output`; starts as zeros of `initial_shape`.

    `update` says how: "replace" (the output is the next call's input) or "append" (the output
    holds only the new rows, appended to the input along axis 1: Runtime.append).
    """

    input: str
    output: str
    initial_shape: list[int]
    dtype: str
    update: str


@dataclass(frozen=True)
class Parity:
    """A graph's agreement with PyTorch, measured when the bundle was built."""

    max_abs_error: float
    max_relative_error: float
    snr_db: float | None
    calls_compared: int


@dataclass(frozen=True)
class GraphSpec:
    """One ONNX graph of the bundle: its file, I/O, states and build-time parity."""

    file: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    states: list[StateSpec]
    quantization: str
    parity_fp32: Parity
    parity_quantized: Parity | None
    simplified: bool


@dataclass(frozen=True)
class FileEntry:
    """A file of the bundle: checked by size and sha256; `download` is its group (default, on_demand…)."""

    path: str
    sha256: str
    bytes: int
    role: str
    download: str
    quantization: str | None = None
    voice: str | None = None


@dataclass(frozen=True)
class AudioSpec:
    """The output audio: mono PCM at `sample_rate`, `samples_per_frame` per generated frame."""

    sample_rate: int
    frame_rate: float
    samples_per_frame: int
    channels: int


@dataclass(frozen=True)
class ModelDims:
    """The flow LM and Mimi dimensions the runtime needs to shape tensors."""

    d_model: int
    latent_dim: int
    num_layers: int
    num_kv_heads: int
    head_dim: int
    insert_bos_before_voice: bool
    mimi_steps_per_frame: int
    decoder_attention_context: int


@dataclass(frozen=True)
class KvCacheSpec:
    """The flow LM's KV cache: float32 [1, kv_heads, positions, head_dim] per layer, K and V."""

    bytes_per_position: int
    max_positions: int


@dataclass(frozen=True)
class GenerationDefaults:
    """Upstream's generation defaults for this model (py_core.engine.Settings starts from them)."""

    temperature: float
    eos_threshold: float
    min_frames_before_eos: int
    sampler: str
    sampler_steps: int
    noise_clamp: float | None
    fade_in_ms: float
    max_tokens_per_chunk: int


@dataclass(frozen=True)
class TokenizerSpec:
    """The compact tokenizer file (py_core.tokenizer) and its format version."""

    file: str
    format: str
    version: int


@dataclass(frozen=True)
class VoiceSpec:
    """A voice shipped with the bundle (a KV-state `.safetensors` file)."""

    name: str
    file: str
    layout: str


@dataclass(frozen=True)
class SyntheticInfo:
    """Present when the weights are seeded random ones: noise, not speech."""

    size: str
    seed: int
    warning: str


@dataclass(frozen=True)
class UpstreamInfo:
    """The upstream package and config the bundle was exported from."""

    package: str
    version: str
    config: str


@dataclass(frozen=True)
class SourceFiles:
    """Files kept beside the bundle for parity checks with upstream (never downloaded by the app)."""

    config: str
    checkpoint: str | None


@dataclass(frozen=True)
class BuildInfo:
    """How the bundle was built."""

    quantize: str
    onnx_opset: int
    wall_seconds: float


@dataclass(frozen=True)
class TimestampHead:
    """A flow-LM attention head whose attention over the text gives word timings."""

    layer: int
    head: int


@dataclass(frozen=True)
class TimestampSpec:
    """Word timestamps: `flow_lm_step`'s output `output` [1, len(heads), keys] holds these heads' logits."""

    heads: list[TimestampHead]
    output: str


@dataclass(frozen=True)
class Manifest:
    """A model bundle's manifest.json, parsed and validated."""

    model_id: str
    display_name: str
    language: str
    synthetic: SyntheticInfo | None
    weights_origin: str
    has_voice_cloning: bool
    upstream: UpstreamInfo
    source: SourceFiles
    audio: AudioSpec
    model: ModelDims
    kv_cache: KvCacheSpec
    text: TextConfig
    generation: GenerationDefaults
    tokenizer: TokenizerSpec
    voices: list[VoiceSpec]
    default_voice: str | None
    graphs: dict[str, GraphSpec]
    files: list[FileEntry]
    checks: dict[str, Any]
    build: BuildInfo
    license: str
    attribution: str
    timestamps: TimestampSpec | None = None  # None: the model has no timestamp heads
    schema: str = SCHEMA
    schema_version: int = SCHEMA_VERSION

    def file(self, path: str) -> FileEntry:
        """The `files` entry for `path`; ManifestError if the bundle does not list it."""
        for entry in self.files:
            if entry.path == path:
                return entry
        raise ManifestError(f"{path} is not a file of this bundle")

    def voice(self, name: str) -> VoiceSpec:
        """The bundled voice called `name`; ManifestError if there is none."""
        for voice in self.voices:
            if voice.name == name:
                return voice
        raise ManifestError(f"the bundle has no voice {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, schema fields first."""
        data = asdict(self)
        return {"schema": data.pop("schema"), "schema_version": data.pop("schema_version"), **data}

    def to_json(self) -> str:
        """manifest.json's text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def parse_manifest(data: bytes | str) -> Manifest:
    """Parse and validate manifest JSON into a `Manifest`; raises ManifestError naming the problem."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"manifest.json is not valid JSON: {error}") from error
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise ManifestError(f"not a Pocket TTS bundle manifest (schema must be {SCHEMA!r})")
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ManifestError(
            f"bundle manifest schema version {version!r} is not supported by this app "
            f"(it reads version {SCHEMA_VERSION}); rebuild the bundle or update the app"
        )
    manifest = _typed(Manifest, raw, "manifest")
    check_manifest(manifest)
    return manifest


def check_manifest(manifest: Manifest) -> None:
    """The cross-field rules: required graphs present, every graph's and voice's file listed."""
    missing = [name for name in REQUIRED_GRAPHS if name not in manifest.graphs]
    if missing:
        raise ManifestError(f"manifest lacks required graph(s): {', '.join(missing)}")
    listed = {entry.path for entry in manifest.files}
    for name, graph in manifest.graphs.items():
        if graph.file not in listed:
            raise ManifestError(f"graph {name!r} points at a file the manifest does not list")
        for state in graph.states:
            if state.update not in STATE_UPDATES:
                raise ManifestError(
                    f"graph {name!r} state {state.input!r}: update must be one of "
                    f"{', '.join(STATE_UPDATES)}, not {state.update!r}"
                )
    for voice in manifest.voices:
        if voice.file not in listed:
            raise ManifestError(f"voice {voice.name!r} points at a file the manifest does not list")
    if manifest.tokenizer.file not in listed:
        raise ManifestError("the tokenizer's file is not listed in the manifest")
    if manifest.default_voice is not None:
        manifest.voice(manifest.default_voice)
    sampler = manifest.generation.sampler
    if sampler not in SAMPLERS:
        raise ManifestError(f"generation.sampler {sampler!r} is not supported (known: {', '.join(SAMPLERS)})")
    head_inputs = [spec.name for spec in manifest.graphs[Graph.FLOW_LM_FLOW].inputs]
    expected = ["c", "s", "t", "x"] if sampler in TIME_CONDITIONED_SAMPLERS else ["c", "x"]
    if head_inputs != expected:
        raise ManifestError(
            f"flow_lm_flow's inputs {head_inputs} do not fit the {sampler} sampler (it needs {expected})"
        )


def _typed(cls: Any, value: Any, where: str) -> Any:
    """`value` (parsed JSON) checked against the type `cls` and built into dataclasses."""
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(cls)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _typed(option, value, where)
            except ManifestError as error:
                errors.append(error)
        raise errors[0]
    if is_dataclass(cls):
        if not isinstance(value, dict):
            raise ManifestError(f"{where} must be an object")
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ManifestError(f"{where} has unknown field(s): {', '.join(unknown)}")
        values = {}
        for name, spec in known.items():
            if name in value:
                values[name] = _typed(hints[name], value[name], f"{where}.{name}")
            elif spec.default is MISSING and spec.default_factory is MISSING:
                raise ManifestError(f"{where} lacks the field {name!r}")
        return typing.cast(Any, cls)(**values)
    if origin is list:
        if not isinstance(value, list):
            raise ManifestError(f"{where} must be a list")
        (item,) = typing.get_args(cls)
        return [_typed(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ManifestError(f"{where} must be an object")
        _, item = typing.get_args(cls)
        return {k: _typed(item, v, f"{where}.{k}") for k, v in value.items()}
    if cls is Any:
        return value
    if cls is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif cls is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, cls):
        return value
    raise ManifestError(f"{where} must be of type {cls.__name__}, not {type(value).__name__}")
