"""Open a document to listen to: its chapters of plain text, in reading order.

`open_document(data, name)` reads plain text, Markdown (py_core.markdown_text), HTML
(py_core.html_text) and EPUB (py_core.epub), by the file name's ending, else by its first bytes.
Each chapter's text is what will be read: no markup, paragraphs separated by blank lines (a pause,
py_core.markup), so `plan_script` takes it as it is; `reading_text` joins chapters with a longer pause.
Plain text is one chapter, or one per heading when at least two paragraphs are clearly headings
("Chapter 2", "CHAPTER IV. The Storm", "Prologue"). PDF is not read here (the app reads it in the
browser). Anything unreadable raises DocumentError (a ValueError) with a message for a person.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from py_core.chapters import Block, Chapter, DocumentError, chapters_from_blocks
from py_core.encoding import decode_text
from py_core.epub import read_epub
from py_core.html_text import html_text
from py_core.markdown_text import markdown_text

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
CHAPTER_PAUSE = 2.0  # seconds of silence between two chapters read one after the other
FORMATS = {
    **dict.fromkeys((".txt", ".text"), "text"),
    **dict.fromkeys((".md", ".markdown", ".mdown", ".mkd"), "markdown"),
    **dict.fromkeys((".html", ".htm", ".xhtml"), "html"),
    ".epub": "epub",
}
_TEXT_HEADING = re.compile(
    r"(?:chapter|part|book|chapitre|partie|livre|kapitel|teil|cap[ií]tulo|capitolo|parte|hoofdstuk|deel)"
    r"\s+(?:\d+|[ivxlcdm]+|[a-z]+)\b.{0,60}"
    r"|prologue?|epilog(?:ue)?|preface|foreword|introduction|afterword",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


@dataclass(frozen=True)
class Document:
    """A document's chapters in reading order.

    `format`: "text", "markdown", "html" or "epub". `encoding`: the codec its text was decoded with
    (None for EPUB: each of its files has its own); `encoding_guessed`: True when no byte-order mark,
    declaration or valid UTF-8 settled it. `warnings`: what was skipped or guessed.
    """

    name: str
    format: str
    title: str | None
    chapters: tuple[Chapter, ...]
    encoding: str | None = None
    encoding_guessed: bool = False
    warnings: tuple[str, ...] = ()


def read_document(path: str | os.PathLike[str]) -> Document:
    """`open_document` on a file, refused by its size before it is read."""
    path = Path(path)
    _check_size(path.stat().st_size, path.name)
    return open_document(path.read_bytes(), path.name)


def open_document(data: bytes, name: str) -> Document:
    """The chapters of a document named `name` (its ending says its format); DocumentError if unreadable."""
    _check_size(len(data), name)
    kind = _format(data, name)
    untitled = PurePath(name).stem or name
    if kind == "epub":
        book = read_epub(data, name)
        return _finished(
            Document(name, kind, book.title, tuple(book.chapters), warnings=tuple(book.warnings)), book.images
        )
    decoded = decode_text(data, name, markup=kind == "html")
    images = 0
    if kind == "html":
        page = html_text(decoded.text, name)
        title, blocks, images = page.title, page.blocks, page.images
    elif kind == "markdown":
        text = markdown_text(decoded.text)
        title, blocks, images = text.title, text.blocks, text.images
    else:
        title, blocks = None, _text_blocks(decoded.text)
    warnings = (f"{name}: encoding guessed as {decoded.encoding}",) if decoded.guessed else ()
    chapters = tuple(chapters_from_blocks(blocks, title or untitled))
    document = Document(name, kind, title, chapters, decoded.encoding, decoded.guessed, warnings)
    return _finished(document, images)


def select_chapters(spec: str, count: int) -> list[int]:
    """Chapter indices (0-based, in reading order) for "2", "2-3", "2-", "1,3" (1-based numbers).

    DocumentError for anything else or a chapter the document does not have.
    """
    chosen: set[int] = set()
    for part in spec.split(","):
        found = re.fullmatch(r"\s*(\d+)\s*(?:(-)\s*(\d+)?\s*)?", part)
        if found is None:
            raise DocumentError(f"chapters: {spec!r} is not like 2, 2-3, 2- or 1,3")
        first = int(found.group(1))
        last = int(found.group(3)) if found.group(3) else count if found.group(2) else first
        if first < 1 or last > count or first > count:
            wrong = first if first < 1 or first > count else last
            raise DocumentError(f"chapters: there is no chapter {wrong}; this document has 1 to {count}")
        if last < first:
            raise DocumentError(f"chapters: {part.strip()!r} ends before it starts")
        chosen.update(range(first - 1, last))
    return sorted(chosen)


def reading_text(chapters: list[Chapter]) -> str:
    """The chapters' texts as one text to read, a CHAPTER_PAUSE between two (py_core.markup)."""
    return f"\n[pause {CHAPTER_PAUSE:g}s]\n".join(chapter.text for chapter in chapters)


def _check_size(size: int, name: str) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"{name} is too large: {size / 1e6:,.0f} MB (at most {MAX_DOCUMENT_BYTES / 1e6:.0f} MB)"
        )


def _format(data: bytes, name: str) -> str:
    """The format by the name's ending, else by the first bytes (plain text by default)."""
    ending = PurePath(name).suffix.lower()
    if ending == ".pdf" or data.startswith(b"%PDF-"):
        raise DocumentError(f"{name} is a PDF: open it in the app, which reads PDFs in the browser")
    if ending in FORMATS:
        return FORMATS[ending]
    if data.startswith(b"PK\x03\x04") and b"application/epub+zip" in data[:100]:
        return "epub"
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _text_blocks(text: str) -> list[Block]:
    """Plain text's paragraphs; headings only when at least two paragraphs are clearly headings."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    headings = {i for i, p in enumerate(paragraphs) if "\n" not in p and _TEXT_HEADING.fullmatch(p)}
    if len(headings) < 2:
        headings = set()
    return [Block(1 if i in headings else 0, p) for i, p in enumerate(paragraphs)]


def _finished(document: Document, images: int) -> Document:
    """The document, or DocumentError when it has no chapter (nothing to say, or images only)."""
    if document.chapters:
        return document
    if images:
        raise DocumentError(f"{document.name} has only images: there is no text layer to read")
    skipped = f" ({'; '.join(document.warnings)})" if document.warnings else ""
    raise DocumentError(f"{document.name} has no text to read{skipped}")
