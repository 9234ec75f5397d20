"""`python -m py_core voices list|import|export`: the voice library over a local folder.

The folder holds the same files the web app exports (py_core.voice_library): `import` checks a voice
file (this app's, or upstream's `pocket-tts export-voice`) against a bundle and adds it, `export`
writes one out (it loads in `pocket-tts generate --voice` and `python -m py_core synth --voice`),
`list` shows the voices, with the ones made for another model than `--bundle` marked.
"""

import argparse
import os
import sys
from pathlib import Path

from py_core.voice_library import ModelIdentity, VoiceFolder, describe_model, make_library_voice

DEFAULT_LIBRARY = (
    Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "pocket-tts-voices"
)


def add_parser(commands) -> None:
    """The `voices` command and its three subcommands."""
    voices = commands.add_parser("voices", help="a local library of cloned voices (list, import, export)")
    actions = voices.add_subparsers(dest="action", required=True)

    def library(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--library",
            type=Path,
            default=DEFAULT_LIBRARY,
            help=f"library folder (default {DEFAULT_LIBRARY})",
        )

    listing = actions.add_parser("list", help="the library's voices")
    library(listing)
    listing.add_argument(
        "--bundle", type=Path, help="mark the voices made for another model than this bundle"
    )

    importing = actions.add_parser("import", help="add a .safetensors voice file to the library")
    library(importing)
    importing.add_argument(
        "file", type=Path, help="a voice file (this app's export, or pocket-tts export-voice)"
    )
    importing.add_argument("--bundle", type=Path, required=True, help="the model bundle the voice is for")
    importing.add_argument("--name", help="the voice's name (default: its metadata's, else the file's)")

    exporting = actions.add_parser("export", help="write a library voice to a .safetensors file")
    library(exporting)
    exporting.add_argument("name", help="the voice's name")
    exporting.add_argument("out", type=Path, help="the file to write")


def run(args: argparse.Namespace) -> int:
    """Run a `voices` subcommand (errors are VoiceFileError / OSError, printed by py_core.cli)."""
    folder = VoiceFolder(args.library)
    if args.action == "list":
        model = _model(args.bundle) if args.bundle else None
        entries = folder.entries()
        if not entries:
            print(f"no voices in {folder.folder}")
        for entry in entries:
            other = model is not None and entry.manifest_sha256 != model.manifest_sha256
            mark = "  [made for another model]" if other else ""
            made = describe_model(entry.model_id, entry.model_name, entry.manifest_sha256)
            print(f"{entry.name}\t{entry.positions} positions\t{made}\t{entry.created}{mark}")
        return 0
    if args.action == "import":
        voice = make_library_voice(args.file.read_bytes(), _model(args.bundle), args.name, args.file.stem)
        path = folder.add(voice)
        print(f"imported “{voice.metadata['name']}” as {path}", file=sys.stderr)
        return 0
    entry = folder.find(args.name)
    args.out.write_bytes(entry.path.read_bytes())
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _model(bundle: Path) -> ModelIdentity:
    return ModelIdentity.from_manifest((bundle / "manifest.json").read_bytes())
