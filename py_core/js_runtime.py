"""`JsRuntime`: the Runtime protocol over the web app's JS bridge (web/engine/bridge.js), inside Pyodide.

Imported only in Pyodide (it needs `pyodide.ffi`). Tensors are `JsTensor`s: a small integer handle
into the bridge's table of onnxruntime-web tensors, plus the shape and dtype. Their data stays on
the JS side; `read` copies one typed array into an `array` (one copy, via `assign_to`).

Crossing rules, so that nothing leaks: Python objects never go to JS as PyProxies (lists and
buffers are converted with `to_js`, which copies), and the JsProxies that come back are dropped as
soon as they are read (a JsProxy frees its JS reference when Python's refcount reaches zero).
A tensor's JS side is freed by `release`, or when its JsTensor is garbage collected.
"""

from __future__ import annotations

from array import array

from pyodide.ffi import JsException, to_js

from py_core.manifest import Manifest
from py_core.runtime import GraphRunError

_TYPECODES = {"float32": "f", "int64": "q"}


class JsTensor:
    """A handle to a tensor that lives in the JS bridge."""

    __slots__ = ("_release", "dtype", "handle", "shape")

    def __init__(self, handle: int, shape: tuple[int, ...], dtype: str, release):
        self.handle = handle
        self.shape = shape
        self.dtype = dtype
        self._release = release

    def release(self) -> None:
        if self.handle:
            handle, self.handle = self.handle, 0
            self._release(handle)

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # never raise from a finalizer (e.g. the bridge is already gone)
            pass

    def __repr__(self) -> str:
        return f"JsTensor(#{self.handle}, {self.dtype}{list(self.shape)})"


class JsRuntime:
    """Runs a bundle's graphs through the JS bridge. `manifest` is the parsed bundle manifest."""

    def __init__(self, bridge, manifest: Manifest):
        self._bridge = bridge
        self._release = bridge.release
        self._outputs = {
            name: [(o.name, o.dtype) for o in graph.outputs] for name, graph in manifest.graphs.items()
        }

    async def run(self, graph: str, inputs: dict[str, JsTensor]) -> dict[str, JsTensor]:
        # Names and handles cross as two strings: cheaper than converting lists on every step.
        names = "\n".join(inputs)
        handles = ",".join([str(t.handle) for t in inputs.values()])
        try:
            reply = await self._bridge.run(graph, names, handles)
        except JsException as error:
            raise GraphRunError(f"{graph}: {error}") from None
        packed = [int(v) for v in reply.split(",")]
        outputs = {}
        at = 0
        for name, dtype in self._outputs[graph]:
            handle, rank = packed[at], packed[at + 1]
            outputs[name] = JsTensor(handle, tuple(packed[at + 2 : at + 2 + rank]), dtype, self._release)
            at += 2 + rank
        return outputs

    def tensor(self, dtype: str, shape: tuple[int, ...], data) -> JsTensor:
        code = _TYPECODES[dtype]
        if isinstance(data, array):
            if data.typecode != code:
                data = array(code, data)
        elif isinstance(data, bytes | bytearray | memoryview):
            data = memoryview(data).cast("B")
        else:
            data = array(code, data)
        try:  # to_js copies the bytes into a fresh Uint8Array that the bridge keeps
            handle = self._bridge.tensor(dtype, to_js(list(shape)), to_js(memoryview(data).cast("B")))
        except JsException as error:
            raise GraphRunError(f"tensor {dtype}{list(shape)}: {error}") from None
        return JsTensor(handle, tuple(shape), dtype, self._release)

    def zeros(self, dtype: str, shape: tuple[int, ...]) -> JsTensor:
        handle = self._bridge.zeros(dtype, to_js(list(shape)))
        return JsTensor(handle, tuple(shape), dtype, self._release)

    def shape(self, tensor: JsTensor) -> tuple[int, ...]:
        return tensor.shape

    async def read(self, tensor: JsTensor) -> array:
        data = self._bridge.readSync(tensor.handle)
        if data is None:
            data = await self._bridge.read(tensor.handle)
        out = array(_TYPECODES[tensor.dtype], bytes(data.byteLength))
        if data.byteLength:
            data.assign_to(out)
        return out

    def append(self, state: JsTensor, rows: JsTensor) -> JsTensor:
        # The bridge appends in place into a growing buffer when it can (web/engine/bridge.js `append`).
        try:
            handle = self._bridge.append(state.handle, rows.handle)
        except JsException as error:
            raise GraphRunError(f"append: {error}") from None
        shape = (state.shape[0], state.shape[1] + rows.shape[1], *state.shape[2:])
        return JsTensor(handle, shape, state.dtype, self._release)

    def release(self, tensor: JsTensor) -> None:
        tensor.release()

    def live_tensors(self) -> int:
        """How many tensors the bridge still holds (leak checks)."""
        return self._bridge.liveTensors()
