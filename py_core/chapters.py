"""Chapters from a document's blocks: what every document format (py_core.document) ends in.

A format's reader yields `Block`s in reading order: headings (level 1-6) and paragraphs (level 0) of
plain text. `chapters_from_blocks` starts a chapter at each heading of level 1 to 3; a heading with no
text of its own before the next one ("Part One" right before "Chapter 1") is read at the start of the
next chapter, which keeps the later title. A chapter's text is its paragraphs, heading included,
separated by blank lines (the pause between paragraphs, py_core.markup).
"""

import re
from dataclasses import dataclass

CHAPTER_LEVELS = 3  # headings of levels 1-3 start chapters; deeper ones are read as paragraphs


class DocumentError(ValueError):
    """A document that cannot be read, with a message for a person (names the file and the reason)."""


@dataclass(frozen=True)
class Block:
    """A heading (level 1-6) or a paragraph (level 0) of plain text."""

    level: int
    text: str


@dataclass(frozen=True)
class Chapter:
    """A title and the plain text to read: paragraphs separated by blank lines."""

    title: str
    text: str


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))  # soft hyphen, zero-width spaces, BOM
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")


def clean_text(text: str) -> str:
    """`text` with invisible and control characters removed, runs of spaces made one, lines stripped."""
    text = _CONTROL.sub(" ", text.translate(_INVISIBLE))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def readable(text: str) -> bool:
    """Whether `text` has something to say (a letter or a digit)."""
    return any(c.isalnum() for c in text)


def chapters_from_blocks(blocks: list[Block], untitled: str) -> list[Chapter]:
    """Chapters at each heading of level <= CHAPTER_LEVELS; text before the first one is titled `untitled`.

    Blocks without a letter or digit are dropped, so is a chapter left with nothing to say.
    """
    sections: list[tuple[str, list[str]]] = []  # (title, paragraphs)
    heading_only = False
    for block in blocks:
        text = clean_text(block.text)
        if not readable(text):
            continue
        if 1 <= block.level <= CHAPTER_LEVELS:
            if sections and heading_only:
                sections[-1][1].append(text)
                sections[-1] = (_title(text), sections[-1][1])
            else:
                sections.append((_title(text), [text]))
            heading_only = True
            continue
        if not sections:
            sections.append((untitled, []))
        sections[-1][1].append(text)
        heading_only = False
    return [Chapter(title, "\n\n".join(paragraphs)) for title, paragraphs in sections]


def _title(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
