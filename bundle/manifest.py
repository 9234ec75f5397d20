"""Writing a bundle's manifest.json (a py_core.manifest.Manifest) and models/index.json, the list."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

import onnx

from py_core.manifest import FileEntry, Manifest, ManifestError, TensorSpec, parse_manifest

ONNX_DTYPES = {1: "float32", 7: "int64", 9: "bool", 10: "float16"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(root: Path, path: Path, role: str, download: str, **extra) -> FileEntry:
    """A manifest `files` row: path relative to the bundle, sha256, bytes, role and download group."""
    return FileEntry(
        path=path.relative_to(root).as_posix(),
        sha256=sha256_of(path),
        bytes=path.stat().st_size,
        role=role,
        download=download,
        **extra,
    )


def graph_io(path: Path) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """Inputs and outputs of an ONNX file: name, dtype and shape (named axes as strings)."""
    graph = onnx.load(str(path), load_external_data=False).graph

    def describe(values):
        rows = []
        for value in values:
            tensor_type = value.type.tensor_type
            shape = [d.dim_param or d.dim_value for d in tensor_type.shape.dim]
            dtype = ONNX_DTYPES.get(tensor_type.elem_type, str(tensor_type.elem_type))
            rows.append(TensorSpec(name=value.name, dtype=dtype, shape=shape))
        return rows

    initializers = {i.name for i in graph.initializer}
    return describe([i for i in graph.input if i.name not in initializers]), describe(graph.output)


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    """Write `manifest.json` into `out_dir`, after checking that py_core reads it back unchanged."""
    text = manifest.to_json()
    if parse_manifest(text) != manifest:
        raise ManifestError("the manifest does not read back as written")
    path = out_dir / "manifest.json"
    path.write_text(text, encoding="utf-8")
    return path


def update_index(models_root: Path) -> Path:
    """Rewrite `models_root/index.json` from every readable `*/manifest.json` under it.

    A bundle this version cannot read (another schema version, a broken manifest) is left out with
    a warning, so the app never offers a model it would refuse to load.
    """
    models = []
    for manifest_path in sorted(models_root.glob("*/manifest.json")):
        try:
            manifest = parse_manifest(manifest_path.read_bytes())
        except ManifestError as error:
            print(f"warning: {manifest_path.parent.name}/ left out of index.json: {error}", file=sys.stderr)
            continue
        default_bytes = sum(f.bytes for f in manifest.files if f.download == "default")
        models.append(
            {
                "id": manifest.model_id,
                "path": manifest_path.parent.name + "/",
                "display_name": manifest.display_name,
                "language": manifest.language,
                "synthetic": None if manifest.synthetic is None else asdict(manifest.synthetic),
                "has_voice_cloning": manifest.has_voice_cloning,
                "default_download_bytes": default_bytes,
            }
        )
    index = {"schema": "pocket-tts-web/models-index", "schema_version": 1, "models": models}
    path = models_root / "index.json"
    path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
