"""The `Runtime` protocol: the only way py_core reaches the model's ONNX graphs.

Two implementations run the same py_core code: `JsRuntime` (Pyodide; tensors are handles to
onnxruntime-web tensors that stay on the JS side) and `OrtRuntime` (CPython; onnxruntime + numpy).
Graph names are the manifest's `graphs` keys (`flow_lm_prefill` and `flow_lm_step` may share one
session). Input and output names are the graph's own (see docs/ARCHITECTURE.md).

Only small values cross into Python through `read`: a 32-float latent or flow direction, an EOS
logit, and decoded PCM once per decoder call. Large tensors (KV caches, decoder state, hidden
states, text embeddings) go from one `run` straight into the next as opaque handles.
"""

from array import array
from typing import Any, Protocol

Tensor = Any  # an implementation's opaque tensor handle


class GraphRunError(RuntimeError):
    """A graph failed to run (bad inputs, a backend error); the message names the graph."""


class Runtime(Protocol):
    """Runs a model bundle's graphs. All tensors are implementation-owned handles."""

    async def run(self, graph: str, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        """Run `graph` on named inputs; returns every output by name."""
        ...

    def tensor(self, dtype: str, shape: tuple[int, ...], data: array | bytes | memoryview | list) -> Tensor:
        """Make a tensor (copied): dtype "float32" (array('f') / little-endian bytes / a memoryview
        of either) or "int64" (ints)."""
        ...

    def zeros(self, dtype: str, shape: tuple[int, ...]) -> Tensor:
        """A zero-filled tensor (any axis may be 0)."""
        ...

    def shape(self, tensor: Tensor) -> tuple[int, ...]:
        """The tensor's shape, without reading its data."""
        ...

    async def read(self, tensor: Tensor) -> array:
        """The tensor's values as array('f') (float32) or array('q') (int64)."""
        ...

    def append(self, state: Tensor, rows: Tensor) -> Tensor:
        """A new tensor: `state` followed by `rows` along axis 1 (a state with update "append").

        Neither argument changes and both stay the caller's to release; an implementation may let
        the result share memory with `state` (the web bridge grows a buffer in place) as long as
        no live tensor's values ever change.
        """
        ...

    def release(self, tensor: Tensor) -> None:
        """Free a tensor that will not be used again (GPU buffers, JS proxies); idempotent."""
        ...
