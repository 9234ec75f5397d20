"""The bundle manifest: one JSON file describing a model bundle, shared by the builder and the runtime.

The bundle builder (bundle/manifest.py) writes it; py_core and the web app read it. The schema is
versioned: a reader refuses a major version it does not know, with a message that says so.
Stdlib only.
"""

import json

SCHEMA = "pocket-tts-web/bundle"
# 2: latent_to_mimi fused into mimi_decoder (input `latent` [1,n,ldim]).
SCHEMA_VERSION = 2

REQUIRED_GRAPHS = (
    "text_conditioner",
    "flow_lm_prefill",
    "flow_lm_step",
    "flow_lm_flow",
    "mimi_decoder",
)


class ManifestError(ValueError):
    """The manifest is missing, malformed, or of a schema version this reader does not support."""


def parse_manifest(data: bytes | str) -> dict:
    """Parse and validate manifest JSON; returns the manifest dict or raises ManifestError."""
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"manifest.json is not valid JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise ManifestError(f"not a Pocket TTS bundle manifest (schema must be {SCHEMA!r})")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ManifestError(
            f"bundle manifest schema version {version!r} is not supported by this app "
            f"(it reads version {SCHEMA_VERSION}); rebuild the bundle or update the app"
        )
    graphs = manifest.get("graphs")
    if not isinstance(graphs, dict):
        raise ManifestError("manifest has no 'graphs' table")
    missing = [name for name in REQUIRED_GRAPHS if name not in graphs]
    if missing:
        raise ManifestError(f"manifest lacks required graph(s): {', '.join(missing)}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and "path" in f for f in files):
        raise ManifestError("manifest has no valid 'files' list")
    for name, graph in graphs.items():
        if graph.get("file") not in {f["path"] for f in files}:
            raise ManifestError(f"graph {name!r} points at a file the manifest does not list")
    return manifest
