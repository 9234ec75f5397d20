"""The text of a Markdown document as it would be read aloud, as blocks (py_core.chapters).

ATX (`#`..`######`) and setext (`===`, `---` under a line) headings are headings; paragraphs, list
items, table rows and block quotes are paragraphs. Not read: the markup itself (emphasis, bullets and
numbers of lists, task boxes, `>` of quotes, table pipes and their `---|---` row, horizontal rules,
backslash escapes), links' URLs (a link reads as its text), images (their alt text describes a
picture; they are counted so a document of images only can be told from an empty one), footnote
markers `[^1]` and footnote and link definitions, YAML front matter (its `title` is kept), HTML
comments, tags and `<script>`/`<style>` content. Code blocks (fenced or indented) are skipped: read
aloud, code is noise; inline code is read as its text. Entities are decoded.
"""

import html
import re
from dataclasses import dataclass, field

from py_core.chapters import Block


@dataclass
class MarkdownText:
    """A document's front-matter title, its blocks in order, and how many images it has."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)
    images: int = 0


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
# Every pattern is anchored or bounded, so that reading is linear in the text's length.
_HTML_SKIPPED = re.compile(r"<!--|<(script|style)\b", re.IGNORECASE)
_HTML_CLOSING = {
    "--": re.compile("-->"),
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_DIV_FENCE = re.compile(r" {0,3}:{3,}.*")  # pandoc's fenced divs
_DEFINITION = re.compile(r" {0,3}\[(?:\^[^\]]+|[^\]]+)\]:")  # link or footnote definition
_QUOTE = re.compile(r" {0,3}>[ \t]?")
_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(?:\[[ xX]\][ \t]+)?|$)")
_TABLE_DELIMITER = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_INDENTED = re.compile(r"(?: {4}|\t)")

_LABEL = r"\[((?:[^\[\]]|\[[^\[\]]{0,200}\]){0,500})\]"  # [text], one level of brackets inside
_IMAGE = re.compile(r"!" + _LABEL + r"(?:\([^)]{0,2000}\)|\[[^\]]{0,200}\])?")
_LINK = re.compile(  # [text], then (url "title") or [reference]
    _LABEL
    + r"(?:\((?:<[^>]{0,2000}>|[^()\s]{0,2000}(?:\([^)]{0,200}\))?)(?:\s[^)]{0,200})?\)|\[[^\]]{0,200}\])"
)
_FOOTNOTE = re.compile(r"\[\^[^\]]{1,100}\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[^@>\s]+@[^@>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_CODE = re.compile(r"(`{1,10})(.{1,1000}?)\1", re.DOTALL)
_EMPHASIS = re.compile(
    r"(\*{1,3}|~~)(?=\S)(.{1,500}?)(?<=\S)\1|(?<!\w)(_{1,3})(?=\S)(.{1,500}?)(?<=\S)\3(?!\w)", re.DOTALL
)
_LITERAL = re.compile(r"\x00(\d+)\x00")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown_text(text: str) -> MarkdownText:
    """The readable blocks of a Markdown document (see the module's docstring)."""
    title = None
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("\"'") if found else None
        text = text[front.end() :]
    reader = _Reader()
    for line in _without_html_comments_and_scripts(text).split("\n"):
        reader.line(line.rstrip())
    reader.end_paragraph()
    return MarkdownText(title, reader.blocks, reader.images)


class _Reader:
    """Blocks from lines, one line at a time."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.images = 0
        self.paragraph: list[str] = []
        self.fence: str | None = None  # the fence of the code block being skipped
        self.after_blank = True
        self.in_list = False
        self.in_table = False

    def line(self, line: str) -> None:
        if self.fence is not None:
            if line.strip().startswith(self.fence) and not line.strip(self.fence[0]).strip():
                self.fence = None
            return
        blank = not line.strip()
        indented = _INDENTED.match(line) is not None
        if blank or (indented and self.after_blank and not self.in_list):
            self.end_paragraph()  # a blank line, or an indented code block
            self.after_blank = blank or self.after_blank
            self.in_table = False
            return
        self.after_blank = False
        if fence := _FENCE.match(line):
            self.end_paragraph()
            self.fence = fence.group(1)
        elif heading := _ATX.match(line):
            self.end_paragraph()
            title = line[heading.end() :].strip()
            unclosed = title.rstrip("#")  # an optional closing run of #s, after a space
            self._add(
                len(heading.group(1)), unclosed.strip() if not unclosed or unclosed[-1] in " \t" else title
            )
        elif self.paragraph and not self.in_list and (setext := _SETEXT.fullmatch(line)):
            level = 1 if setext.group(1)[0] == "=" else 2
            text, self.paragraph = " ".join(self.paragraph), []
            self._add(level, text)
        elif _RULE.fullmatch(line) or _DIV_FENCE.fullmatch(line) or _DEFINITION.match(line):
            self.end_paragraph()
        elif "|" in line and _TABLE_DELIMITER.fullmatch(line):  # the row under a table's header row
            header = self.paragraph.pop() if self.paragraph else ""
            self.end_paragraph()
            self._row(header)
            self.in_table = True
        elif (self.in_table and "|" in line) or line.lstrip().startswith("|"):
            self.end_paragraph()
            self._row(line)
        elif item := _ITEM.match(line):
            self.end_paragraph()
            self.in_list = True
            self.paragraph.append(line[item.end() :])
        elif quote := _QUOTE.match(line):
            self.line(line[quote.end() :])
        else:
            self.in_table = False
            if not indented:
                self.in_list = False
            self.paragraph.append(line.strip())

    def end_paragraph(self) -> None:
        if self.paragraph:
            self._add(0, "\n".join(self.paragraph))
            self.paragraph = []

    def _row(self, line: str) -> None:
        """A table row: its cells read as a list."""
        cells = (c.strip() for c in line.strip().strip("|").split("|"))
        self._add(0, ", ".join(c for c in cells if c))

    def _add(self, level: int, text: str) -> None:
        self.images += len(_IMAGE.findall(text))
        self.blocks.append(Block(level, _inline(text)))


def _without_html_comments_and_scripts(text: str) -> str:
    """`text` without `<!-- -->` comments and `<script>`/`<style>` elements (an unclosed one: to the end)."""
    parts, start = [], 0
    while found := _HTML_SKIPPED.search(text, start):
        parts.append(text[start : found.start()])
        closing = _HTML_CLOSING[(found.group(1) or "--").lower()].search(text, found.end())
        if closing is None:
            return "".join(parts)
        start = closing.end()
    return "".join(parts) + text[start:]


def _inline(text: str) -> str:
    """Inline Markdown as the text it shows: no images, links as their text, no markers or tags."""
    literals: list[str] = []  # inline code and escaped characters, kept out of the other rules

    def keep(literal: str) -> str:
        literals.append(literal)
        return f"\x00{len(literals) - 1}\x00"

    text = _CODE.sub(lambda m: keep(m.group(2).strip()), text)
    text = _ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _IMAGE.sub("", text)
    text = _FOOTNOTE.sub("", text)
    text = _AUTOLINK.sub(r"\1", text)
    for _ in range(3):  # links inside links' text, emphasis inside emphasis
        text = _LINK.sub(r"\1", text)
        text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or "", text)
    text = html.unescape(_TAG.sub("", text))
    return _LITERAL.sub(lambda m: literals[int(m.group(1))], text)
