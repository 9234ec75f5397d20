"""`OrtRuntime`: the Runtime protocol on onnxruntime + numpy, for CPython (CLI, parity tests, benchmarks).

Tensors are numpy arrays. Sessions are created from a bundle folder and its manifest when a graph is
first run (graphs that share a file share a session); every file is checked against the manifest's
sha256 before it is used.
"""

import asyncio
import hashlib
from array import array
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort

from py_core.bundle import Bundle
from py_core.manifest import Manifest, parse_manifest
from py_core.runtime import GraphRunError

_DTYPES = {"float32": np.float32, "int64": np.int64}
_TYPECODES = {np.dtype(np.float32): "f", np.dtype(np.int64): "q"}


class BundleFileError(ValueError):
    """A bundle file is missing, or differs from what the manifest says (the message names it)."""


def read_manifest(bundle_dir: str | Path) -> Manifest:
    """The bundle's parsed, validated manifest.json."""
    path = Path(bundle_dir) / "manifest.json"
    if not path.is_file():
        raise BundleFileError(f"{path} not found: not a model bundle folder")
    return parse_manifest(path.read_bytes())


def verified_path(bundle_dir: str | Path, manifest: Manifest, relative_path: str) -> Path:
    """The path of a bundle file, after checking its size and sha256 against the manifest."""
    entry = next((f for f in manifest.files if f.path == relative_path), None)
    if entry is None:
        raise BundleFileError(f"{relative_path}: not listed in the bundle manifest")
    path = Path(bundle_dir) / relative_path
    if not path.is_file():
        raise BundleFileError(f"{relative_path}: missing from the bundle folder {bundle_dir}")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    if digest.hexdigest() != entry.sha256 or size != entry.bytes:
        raise BundleFileError(
            f"{relative_path}: sha256 {digest.hexdigest()} ({size} bytes) does not match the manifest "
            f"({entry.sha256}, {entry.bytes} bytes): the file is corrupt or from another build"
        )
    return path


def read_verified(bundle_dir: str | Path, manifest: Manifest, relative_path: str) -> bytes:
    """The bytes of a bundle file whose size and sha256 match the manifest."""
    return verified_path(bundle_dir, manifest, relative_path).read_bytes()


def open_bundle(bundle_dir: str | Path, *, threads: int = 1, offload: bool = False, wrap=None) -> Bundle:
    """A bundle folder opened for speaking (OrtRuntime; see OrtRuntime for `threads` and `offload`).

    `wrap(runtime)` may wrap the runtime (the parity tests record every graph call that way).
    """
    manifest = read_manifest(bundle_dir)
    runtime = OrtRuntime(bundle_dir, manifest, threads=threads, offload=offload)
    return Bundle(
        manifest,
        lambda path: read_verified(bundle_dir, manifest, path),
        wrap(runtime) if wrap is not None else runtime,
    )


class OrtRuntime:
    """Runs a bundle's graphs with onnxruntime on CPU.

    `threads`: intra-op threads per session. `offload`: run each graph in a worker thread, so two
    runs (e.g. the decoder and the next flow-LM step, DecodePolicy.overlap) can proceed in parallel.
    `preload`: create the sessions of the graphs the web app loads by default now, rather than on
    first use.
    """

    def __init__(
        self,
        bundle_dir: str | Path,
        manifest: Manifest | None = None,
        *,
        threads: int = 1,
        offload: bool = False,
        preload: bool = True,
    ):
        self.bundle_dir = Path(bundle_dir)
        self.manifest = manifest if manifest is not None else read_manifest(bundle_dir)
        self.threads = threads
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._executor = ThreadPoolExecutor(max_workers=2) if offload else None
        if preload:
            for name, graph in self.manifest.graphs.items():
                if self.manifest.file(graph.file).download == "default":
                    self._session(name)

    def _session(self, graph: str) -> ort.InferenceSession:
        graphs = self.manifest.graphs
        if graph not in graphs:
            raise GraphRunError(f"{graph}: no such graph in this bundle (it has {', '.join(graphs)})")
        file = graphs[graph].file
        if file not in self._sessions:
            path = verified_path(self.bundle_dir, self.manifest, file)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.log_severity_level = 3
            # Spin-waiting workers steal the very cores they wait for on a shared machine: with 2
            # threads on 2 busy cores, spinning measured 4x slower than sleeping (bench/README.md).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[file] = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[file]

    async def run(self, graph: str, inputs: dict) -> dict:
        """Run `graph`; returns every output by name (numpy arrays)."""
        session = self._session(graph)
        if self._executor is None:
            return self._run(graph, session, inputs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, graph, session, inputs)

    @staticmethod
    def _run(graph: str, session: ort.InferenceSession, inputs: dict) -> dict:
        names = [o.name for o in session.get_outputs()]
        try:
            values = session.run(names, inputs)
        except Exception as error:  # onnxruntime raises several unrelated types
            raise GraphRunError(f"{graph}: {error}") from error
        return dict(zip(names, values, strict=True))

    def tensor(self, dtype: str, shape: tuple[int, ...], data) -> np.ndarray:
        """A numpy array of `dtype` and `shape` from array / bytes / list data (copied)."""
        np_dtype = _DTYPES[dtype]
        if isinstance(data, (bytes, bytearray, memoryview, array)):
            values = np.frombuffer(data, dtype=np_dtype)
        else:
            values = np.asarray(data, dtype=np_dtype)
        return values.reshape(shape).copy()

    def zeros(self, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
        """A zero-filled array (any axis may be 0)."""
        return np.zeros(shape, _DTYPES[dtype])

    def shape(self, tensor: np.ndarray) -> tuple[int, ...]:
        """The array's shape."""
        return tuple(tensor.shape)

    async def read(self, tensor: np.ndarray) -> array:
        """The values as array('f') or array('q')."""
        values = array(_TYPECODES[tensor.dtype])
        values.frombytes(np.ascontiguousarray(tensor).tobytes())
        return values

    def append(self, state: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """`state` then `rows` along axis 1 (a new array)."""
        return np.concatenate([state, rows], axis=1)

    def release(self, tensor: np.ndarray) -> None:
        """Nothing to do: numpy memory is freed when the last reference goes."""

    def close(self) -> None:
        """Stop the worker threads (offload) and drop the sessions."""
        if self._executor is not None:
            self._executor.shutdown()
        self._sessions.clear()
