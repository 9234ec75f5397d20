"""`python -m py_core document FILE [--text] [--chapters 2-3]`: a document's chapters, and what is read.

Without `--text`: the chapters in reading order (number, title, characters). With it: exactly the
text `synth --file FILE` reads, chapters joined by a `[pause 2s]` (py_core.document.reading_text).
Errors are DocumentError / OSError, printed by py_core.cli.
"""

import argparse
import sys
from pathlib import Path

from py_core.document import Chapter, Document, read_document, reading_text, select_chapters

FORMAT_NAMES = {"text": "plain text", "markdown": "Markdown", "html": "HTML", "epub": "EPUB"}


def add_parser(commands) -> None:
    """The `document` command."""
    document = commands.add_parser(
        "document", help="list a document's chapters (.txt, .md, .html, .epub), or print what will be read"
    )
    document.add_argument("file", type=Path, help="the document")
    document.add_argument("--text", action="store_true", help="print the text that synth --file reads")
    chapters_argument(document)


def chapters_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--chapters", metavar="LIST", help="chapters by number: 2, 2-3, 2- or 1,3 (default: all)"
    )


def run(args: argparse.Namespace) -> int:
    """List the chapters, or print their text."""
    document = _open(args.file, quiet=False)
    chosen = _chosen(document, args.chapters)
    if args.text:
        print(reading_text([document.chapters[i] for i in chosen]))
        return 0
    characters = sum(len(c.text) for c in document.chapters)
    about = [FORMAT_NAMES[document.format]]
    if document.title:
        about.append(f"“{document.title}”")
    if document.encoding:
        about.append(f"{document.encoding}{' (guessed)' if document.encoding_guessed else ''}")
    count = len(document.chapters)
    about.append(f"{count} chapter{'s' if count != 1 else ''}, {characters:,} characters")
    print(f"{document.name}: {', '.join(about)}")
    width = len(str(len(document.chapters)))
    for i in chosen:
        chapter = document.chapters[i]
        print(f"{i + 1:>{width}}  {chapter.title}  ({len(chapter.text):,} characters)")
    return 0


def chosen_chapters(path: Path, spec: str | None, quiet: bool) -> list[Chapter]:
    """The chapters `spec` names (all when None), in reading order; warnings go to stderr."""
    document = _open(path, quiet)
    return [document.chapters[i] for i in _chosen(document, spec)]


def _open(path: Path, quiet: bool) -> Document:
    document = read_document(path)
    for warning in document.warnings if not quiet else ():
        print(f"warning: {warning}", file=sys.stderr)
    return document


def _chosen(document: Document, spec: str | None) -> list[int]:
    count = len(document.chapters)
    return list(range(count)) if spec is None else select_chapters(spec, count)
