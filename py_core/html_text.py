"""The readable text of an HTML or XHTML page, as blocks (py_core.chapters), with html.parser.

What is read: the text of the `<article>` elements when they have any, else of `<main>`, else of the
whole `<body>`. Never read: `<head>` (its `<title>` is kept as the page's title), `<script>`,
`<style>`, `<noscript>`, `<template>`, `<nav>`, `<svg>`, `<math>`, form controls, footnote markers and
notes (`role="doc-noteref"`, `doc-endnotes`, `doc-footnote`, EPUB's `epub:type` alike, pandoc's classes
`footnote-ref`, `footnotes`), code blocks
(`<code>` inside `<pre>`; inline `<code>` is read), elements with `hidden`, `aria-hidden="true"` or a
`display:none` / `visibility:hidden` style, and `<header>`, `<footer>`, `<aside>` outside an article
or `<main>`. Images are not read: their alt text describes a picture (or names a file); they are
counted, so a page of images only can be told from an empty one. Block elements end paragraphs,
`<h1>`-`<h6>` are headings, `<br>` is a line break, table cells are separated by commas. Entities are
decoded by html.parser. The parser is lenient: malformed markup still gives its text.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from py_core.chapters import Block, DocumentError

_SKIPPED = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "svg",
    "math",
    "iframe",
    "object",
    "canvas",
    "select",
    "textarea",
    "button",
}
_OUTSIDE_CONTENT = {"header", "footer", "aside"}  # skipped unless inside <article> or <main>
_SKIPPED_ROLES = {"navigation", "doc-noteref", "doc-endnotes", "doc-footnote", "doc-backlink"}
_SKIPPED_EPUB_TYPES = {"noteref", "footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes"}
_SKIPPED_CLASSES = {"footnote-ref", "footnote-back", "footnotes", "endnotes"}  # pandoc, EPUB 2 and HTML 4
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
_BLOCKS = {
    "address",
    "article",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "form",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tr",
    "ul",
} | _OUTSIDE_CONTENT
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_IMAGES = {"img", "svg", "image"}
_HEAD = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}
_WHITESPACE = re.compile(r"\s+")
_CELL = "\x1f"  # starts a table cell: a row is read as its cells separated by commas
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Marked sections other than CDATA (Word's `<![if !supportLists]>`) that html.parser rejects.
_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)[^>]{0,200}>")
# A tag that another `<` interrupts before its `>`: html.parser would scan to the end of the page for
# each one (time quadratic in their number); it is text.
_UNCLOSED_TAG = re.compile(r"<(?=[A-Za-z/?][^<>]*<)")


@dataclass
class HtmlText:
    """A page's `<title>`, its readable blocks in order, and how many images it has."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)
    images: int = 0


def html_text(markup: str, name: str) -> HtmlText:
    """The readable text of a page (see the module's docstring); DocumentError when it cannot be parsed."""
    parser = _Reader()
    try:
        parser.feed(_parseable(markup))
        parser.close()
    except AssertionError as error:  # html.parser's only complaint: a declaration it cannot parse
        raise DocumentError(f"{name}: the HTML cannot be read ({error})") from None
    return parser.result()


def _parseable(markup: str) -> str:
    """The markup html.parser reads in linear time, and without giving up on Word's marked sections.

    An unclosed comment or CDATA section runs to the end (as in browsers): html.parser would rescan
    the rest of the page from each `<` after it.
    """
    for opening, closing in (("<!--", "-->"), ("<![CDATA[", "]]>")):
        unclosed = markup.find(opening, markup.rfind(closing) + 1)
        if unclosed >= 0:
            markup = markup[:unclosed]
    return _UNCLOSED_TAG.sub("&lt;", _MARKED_SECTION.sub("", markup))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.images = 0
        self.skip_tag: str | None = None  # the element being skipped, and how deep its kind nests
        self.skip_depth = 0
        self.head = False
        self.in_title = False
        self.article = 0
        self.main = 0
        self.pre = 0
        self.heading = 0
        self.parts: list[str] = []
        self.blocks: list[tuple[Block, bool, bool]] = []  # (block, in an article, in <main>)

    def result(self) -> HtmlText:
        self._flush()
        blocks = (
            [b for b, article, _ in self.blocks if article]
            or [b for b, _, main in self.blocks if main]
            or [b for b, _, _ in self.blocks]
        )
        return HtmlText(self.title, blocks, self.images)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            self.skip_depth += tag == self.skip_tag
            return
        if tag in _IMAGES:
            self.images += 1
        if tag == "head":
            self.head = True
        elif tag not in _HEAD:  # <body>, or the content of a page that never closed its <head>
            self.head = False
        if tag == "title" and self.title is None:
            self.in_title = True
            self.title = ""
        if self.head:
            return
        if tag not in _VOID and self._skipped(tag, dict(attrs)):
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(_CELL)
        elif tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS.get(tag, 0)
        if tag == "article":
            self.article += 1
        elif tag == "main":
            self.main += 1
        elif tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            self.skip_depth -= tag == self.skip_tag
            if self.skip_depth == 0:
                self.skip_tag = None
            return
        if tag == "title":
            self.in_title = False
        elif tag == "head":
            self.head = False
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag == "article":
            self.article = max(0, self.article - 1)
        elif tag == "main":
            self.main = max(0, self.main - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_tag is not None:
            return
        if self.in_title:
            self.title = " ".join(f"{self.title} {data}".split())
        elif not self.head:
            self.parts.append(data if self.pre else _WHITESPACE.sub(" ", data))

    def _skipped(self, tag: str, attrs: dict[str, str | None]) -> bool:
        """Whether an element is never read (see the module's docstring)."""
        if tag in _SKIPPED or (tag == "code" and self.pre):
            return True
        if tag in _OUTSIDE_CONTENT and not (self.article or self.main):
            return True
        if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
            return True
        if _HIDDEN_STYLE.search(attrs.get("style") or ""):
            return True
        roles = set((attrs.get("role") or "").lower().split())
        types = set((attrs.get("epub:type") or "").lower().split())
        classes = set((attrs.get("class") or "").lower().split())
        return bool(roles & _SKIPPED_ROLES or types & _SKIPPED_EPUB_TYPES or classes & _SKIPPED_CLASSES)

    def _flush(self) -> None:
        """End the paragraph or heading being read."""
        cells = (cell.strip() for cell in "".join(self.parts).split(_CELL))
        text = ", ".join(cell for cell in cells if cell)
        self.parts = []
        if text:
            self.blocks.append((Block(self.heading, text), self.article > 0, self.main > 0))
        self.heading = 0
