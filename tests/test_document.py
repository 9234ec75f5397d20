"""Documents to listen to (py_core.document): plain text in several encodings, Markdown, HTML, EPUB made
by pandoc and by hand, and every kind of bad input; each chapter's text is something plan_script takes
without a warning (no markup left)."""

import io
import random
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from py_core import epub
from py_core import tokenizer as tokenizers
from py_core.document import (
    CHAPTER_PAUSE,
    DocumentError,
    open_document,
    read_document,
    reading_text,
    select_chapters,
)
from py_core.script import PausePlan, plan_script
from py_core.text import TextConfig

TOKENIZER = tokenizers.load(
    (Path(__file__).parent / "fixtures" / "pocket-tts" / "tokenizer.model").read_bytes()
)
CONFIG = TextConfig(replace_characters={"\u2019": "'"})
MARKUP = ("*", "_", "[", "]", "(", ")", "<", ">", "|", "#", "`", "http", "://", "&amp;", "\\")


def _readable(document):
    """Each chapter, and all of them joined, plan without a warning; returns the titles."""
    for chapter in document.chapters:
        script = plan_script(TOKENIZER, chapter.text, CONFIG)
        assert script.warnings == [], (chapter.title, script.warnings)
        assert script.plans
    joined = plan_script(TOKENIZER, reading_text(list(document.chapters)), CONFIG)
    assert joined.warnings == []
    assert sum(p == PausePlan(CHAPTER_PAUSE) for p in joined.plans) == len(document.chapters) - 1
    return [c.title for c in document.chapters]


def _no_markup(text, allowed=()):
    """No markup in a text (reading_text's own chapter pauses aside)."""
    text = text.replace(f"[pause {CHAPTER_PAUSE:g}s]", "")
    for mark in MARKUP:
        if mark not in allowed:
            assert mark not in text, (mark, text)


# --- documents made by pandoc -----------------------------------------------------------------------

BOOK_MD = """\
# The First Chapter

It was a *dark* and **stormy** night, said [the narrator](https://example.com/narrator).[^1]

```python
print("code is not read")
```

# The Second Chapter

- apples
- pears

| fruit | colour |
|-------|--------|
| apple | red    |

# The Third Chapter

> A quotation, in the end. Caf\u00e9 &amp; cr\u00e8me.

[^1]: A footnote that is not read.
"""
FIRST = "The First Chapter\n\nIt was a dark and stormy night, said the narrator."
SECOND = "The Second Chapter\n\napples\n\npears\n\nfruit, colour\n\napple, red"
THIRD = "The Third Chapter\n\nA quotation, in the end. Caf\u00e9 & cr\u00e8me."


@pytest.fixture(scope="module")
def pandoc_made(tmp_path_factory):
    """`make(*args) -> Path`: pandoc run on BOOK_MD (skipped, with the reason, without pandoc)."""
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc): the pandoc-made documents need it")
    folder = tmp_path_factory.mktemp("pandoc")
    (folder / "book.md").write_text(BOOK_MD, encoding="utf-8")

    def make(out: str, *args: str) -> Path:
        subprocess.run(["pandoc", "book.md", "-o", out, *args], cwd=folder, check=True, capture_output=True)
        return folder / out

    return make


def test_pandoc_epub3_chapters_in_order_with_titles_and_no_markup(pandoc_made):
    book = read_document(pandoc_made("book.epub", "--metadata", "title=The Book"))
    assert (book.format, book.title) == ("epub", "The Book")
    assert _readable(book) == ["The Book", "The First Chapter", "The Second Chapter", "The Third Chapter"]
    assert [c.text for c in book.chapters] == ["The Book", FIRST, SECOND, THIRD]
    text = reading_text(list(book.chapters))
    assert "footnote" not in text and "print" not in text and "example.com" not in text
    _no_markup(text)
    assert book.warnings == ()


def test_pandoc_epub2_titles_from_the_ncx(pandoc_made):
    path = pandoc_made("book2.epub", "-t", "epub2", "--metadata", "title=The Book")
    with zipfile.ZipFile(path) as archive:
        assert b'properties="nav"' not in archive.read("EPUB/content.opf")  # EPUB 2: the NCX only
    book = read_document(path)
    assert _readable(book) == ["The Book", "The First Chapter", "The Second Chapter", "The Third Chapter"]
    assert [c.text for c in book.chapters][1:] == [FIRST, SECOND, THIRD]


def test_pandoc_standalone_html_with_a_table_of_contents(pandoc_made):
    page = read_document(pandoc_made("book.html", "-s", "--toc", "--metadata", "title=The Page"))
    assert (page.format, page.title, page.encoding) == ("html", "The Page", "utf-8")
    assert not page.encoding_guessed
    _no_markup(reading_text(list(page.chapters)))
    assert _readable(page) == ["The First Chapter", "The Second Chapter", "The Third Chapter"]
    assert [c.text for c in page.chapters] == [
        FIRST,
        SECOND,
        THIRD,
    ]  # no <nav> table of contents, no title block


# --- Markdown ---------------------------------------------------------------------------------------

MARKDOWN = """\
---
title: "Front Title"
author: Someone
---

Intro with `inline code`, a <span class="x">tag</span> &amp; an entity.

Book Part
=========

Setext text, a [reference link][ref], an ![inline image](pic.png) and a [link](https://a.example/x "t").

[ref]: https://example.com/ref "Title"

Second *Heading*
----------------

* first item with **bold** and __strong__
* [x] second item, a task
  continued here
    - nested item
1. numbered item

| name | value |
|:-----|------:|
| one  | 1     |

> quoted text
> over two lines

***

A footnote marker here[^note], an escaped \\*star\\* and snake_case_word.

[^note]: The note text.

```python
print("never read")
```

~~~
tilde fence never read
~~~

    indented code never read

<!-- a comment
over lines -->
<script>alert("never read")</script>

### Third *level* heading

![Only an image](pic.png)

Last paragraph ~~struck~~ and _under_.
"""


def test_markdown_headings_are_chapters_and_markup_is_not_read():
    document = open_document(MARKDOWN.encode(), "notes.md")
    assert (document.format, document.title) == ("markdown", "Front Title")
    assert _readable(document) == ["Front Title", "Book Part", "Second Heading", "Third level heading"]
    assert [c.text for c in document.chapters] == [
        "Intro with inline code, a tag & an entity.",
        "Book Part\n\nSetext text, a reference link, an and a link.",
        "Second Heading\n\nfirst item with bold and strong\n\nsecond item, a task\ncontinued here\n\n"
        "nested item\n\nnumbered item\n\nname, value\n\none, 1\n\nquoted text\nover two lines\n\n"
        "A footnote marker here, an escaped *star* and snake_case_word.",
        "Third level heading\n\nLast paragraph struck and under.",
    ]
    text = reading_text(list(document.chapters))
    assert "never read" not in text and "note text" not in text and "Only an image" not in text
    _no_markup(text, allowed=("*", "_"))  # the escaped \\*star\\* and snake_case_word


def test_markdown_without_headings_is_one_chapter_named_after_the_file():
    document = open_document(b"Just *one* paragraph.\n\nAnd another.\n", "plain-notes.markdown")
    assert [(c.title, c.text) for c in document.chapters] == [
        ("plain-notes", "Just one paragraph.\n\nAnd another.")
    ]


# --- HTML -------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><title>A &amp; B</title>
<style>p { color: red }</style><script>var never = "read";</script></head>
<body>
<header><p>Site header never read</p></header>
<nav><a href="/">Home</a> <a href="/about">Navigation never read</a></nav>
<aside>Sidebar never read</aside>
<article>
  <header><h1>The Headline</h1><p>By the author</p></header>
  <p>First <b>bold</b> paragraph with a <a href="https://example.com/secret-url">link</a>,
     caf&eacute; &#8212; and &quot;quotes&quot;.</p><p>Second paragraph.</p>
  <div hidden>hidden attribute never read</div>
  <div aria-hidden="true">aria hidden never read</div>
  <p style="color: red; display : none">display none never read</p>
  <span style="visibility:hidden">invisible never read</span>
  <noscript>noscript never read</noscript>
  <template><p>template never read</p></template>
  <figure><img src="x.png" alt="alt text never read"><figcaption>A caption.</figcaption></figure>
  <h2>Second Section</h2>
  <ul><li>one</li><li>two<br>lines</li></ul>
  <pre><code>code never read();</code></pre>
  <pre>Preformatted
  poem</pre>
  <table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td></td><td>7</td></tr></table>
  <h4>A small heading</h4><p>Read as a paragraph.</p>
  <h3>Third <em>Section</em></h3><p>Text<sup><a role="doc-noteref" href="#n1">1</a></sup> here.</p>
  <button>Button never read</button><svg><text>svg never read</text></svg>
</article>
<footer>Footer never read</footer>
<script>document.write("never read")</script>
</body></html>"""


def test_html_reads_the_article_without_navigation_scripts_or_hidden_parts():
    page = open_document(PAGE.encode(), "page.html")
    assert page.title == "A & B"
    assert _readable(page) == ["The Headline", "Second Section", "Third Section"]
    assert [c.text for c in page.chapters] == [
        'The Headline\n\nBy the author\n\nFirst bold paragraph with a link, caf\u00e9 \u2014 and "quotes".'
        "\n\nSecond paragraph.\n\nA caption.",
        "Second Section\n\none\n\ntwo\nlines\n\nPreformatted\npoem\n\nName, Age\n\nAnn, 7"
        "\n\nA small heading\n\nRead as a paragraph.",
        "Third Section\n\nText here.",
    ]
    _no_markup(reading_text(list(page.chapters)))


def test_html_without_article_reads_main_else_body_without_site_header_and_footer():
    body = PAGE.replace("<article>", "<div>").replace("</article>", "</div>")
    chapters = open_document(body.encode(), "page.htm").chapters
    assert [c.title for c in chapters] == ["A & B", "Second Section", "Third Section"]  # <title> first
    text = reading_text(list(chapters))
    assert "Site header" not in text and "Footer" not in text and "Sidebar" not in text
    assert "By the author" not in text  # the article's own <header> is now outside any article
    assert "Second paragraph." in text and "Text here." in text
    main = PAGE.replace("<article>", "<p>Outside main never read</p><main>").replace("</article>", "</main>")
    text = reading_text(list(open_document(main.encode(), "page.html").chapters))
    assert "Outside main" not in text and "By the author" in text and "Footer" not in text


def test_malformed_html_still_gives_its_text():
    markup = (
        b"<html><body><h1>Title<p>one <b>two <i>three</p><div>four</span></h1><p>five &bogus; &#99999999;"
    )
    document = open_document(markup, "broken.html")
    assert "one two three" in reading_text(list(document.chapters))
    assert "five &bogus;" in document.chapters[-1].text
    word = b"<p><![if !supportLists]>1.<![endif]> Word's list item</p>"
    assert open_document(word, "word.html").chapters[0].text == "1. Word's list item"


def test_html_that_html_parser_cannot_parse_is_a_clear_error():
    with pytest.raises(DocumentError, match=r"broken\.html: the HTML cannot be read"):
        open_document(b"<p>text</p><![ bogus", "broken.html")


def test_entities_are_decoded_and_the_text_is_the_documents_own():
    """`&lt;` is a `<` in the chapter's text; reading it is pause markup's business (py_core.markup)."""
    document = open_document(b"<p>if a &lt; b &amp;&amp; c&gt;d &copy; 2024</p>", "code.html")
    assert document.chapters[0].text == "if a < b && c>d \u00a9 2024"


def test_html_charset_declaration_is_used():
    page = "<html><head><meta charset='windows-1252'></head><body><p>\u201cQuoted\u201d caf\u00e9</p>"
    document = open_document(page.encode("cp1252"), "old.html")
    assert (document.encoding, document.encoding_guessed) == ("cp1252", False)
    assert document.chapters[0].text == "\u201cQuoted\u201d caf\u00e9"


# --- plain text and encodings -----------------------------------------------------------------------

TEXT = "Caf\u00e9 cr\u00e8me, na\u00efve \u201cquotes\u201d.\r\n\r\nSecond paragraph.\r\n"


@pytest.mark.parametrize(
    ("data", "encoding", "guessed"),
    [
        (TEXT.encode("utf-8"), "utf-8", False),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8", False),
        (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16-le", False),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be", False),
        (TEXT.encode("utf-16-le"), "utf-16-le", True),
        (TEXT.encode("cp1252"), "cp1252", True),
    ],
)
def test_plain_text_encodings_are_detected_and_said(data, encoding, guessed):
    document = open_document(data, "story.txt")
    assert (document.format, document.encoding, document.encoding_guessed) == ("text", encoding, guessed)
    assert [(c.title, c.text) for c in document.chapters] == [("story", TEXT.replace("\r\n", "\n").strip())]
    assert any("guessed" in w for w in document.warnings) == guessed
    _readable(document)


def test_latin1_bytes_windows_1252_lacks_are_latin1():
    document = open_document("caf\u00e9 \x81".encode("latin-1"), "old.txt")
    assert (document.encoding, document.encoding_guessed) == ("latin-1", True)
    assert document.chapters[0].text == "caf\u00e9"  # the control character is dropped


def test_plain_text_splits_at_headings_only_when_clearly_headings():
    text = "A Title Page\n\nCHAPTER I. The Storm\n\nIt rained.\nAll day.\n\nChapter 2\n\nIt stopped.\n"
    document = open_document(text.encode(), "novel.txt")
    assert _readable(document) == ["novel", "CHAPTER I. The Storm", "Chapter 2"]
    assert document.chapters[1].text == "CHAPTER I. The Storm\n\nIt rained.\nAll day."
    one = open_document(b"Chapter 1\n\nOnly one heading: no split.\n", "short.txt")
    assert len(one.chapters) == 1
    inline = open_document(b"Chapter 1 begins here.\nChapter 2 in the same paragraph.\n", "p.txt")
    assert len(inline.chapters) == 1


# --- EPUB built by hand: titles, and everything an EPUB can get wrong --------------------------------

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OPS/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def _page(body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Book title</title></head>
<body>{body}</body></html>""".encode()


def _epub(pages, *, nav=None, ncx=None, extra=None, spine_extra="", manifest_extra="", container=CONTAINER):
    """An EPUB: `pages` is [(file name, body)] in spine order under OPS/text/."""
    items = "".join(
        f'<item id="p{i}" href="text/{n}" media-type="application/xhtml+xml"/>'
        for i, (n, _) in enumerate(pages)
    )
    spine = "".join(f'<itemref idref="p{i}"/>' for i in range(len(pages)))
    if nav is not None:
        items += '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        spine += '<itemref idref="nav"/>'
    if ncx is not None:
        items += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
    opf = f"""<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Hand Made</dc:title></metadata>
<manifest>{items}{manifest_extra}</manifest><spine toc="ncx">{spine}{spine_extra}</spine></package>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OPS/package.opf", opf)
        for name, body in pages:
            archive.writestr(f"OPS/text/{name}", _page(body))
        if nav is not None:
            links = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in nav)
            archive.writestr(
                "OPS/nav.xhtml",
                _page(
                    '<nav epub:type="landmarks"><ol><li><a href="text/a.xhtml">Landmark</a></li></ol></nav>'
                    f'<nav epub:type="toc"><ol>{links}</ol></nav>'
                ),
            )
        if ncx is not None:
            points = "".join(
                f'<navPoint id="n{i}"><navLabel><text>{text}</text></navLabel>'
                f'<content src="{src}"/></navPoint>'
                for i, (src, text) in enumerate(ncx)
            )
            archive.writestr(
                "OPS/toc.ncx",
                f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>{points}</navMap></ncx>',
            )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


PAGES = [
    ("a.xhtml", "<h1>Heading A</h1><p>Text of A.</p>"),
    ("b%20c.xhtml", "<h2>Heading B</h2><p>Text of B.</p>"),
    ("d.xhtml", "<p>Text of D, no heading.</p>"),
    ("cover.xhtml", '<div><img src="cover.jpg" alt="Cover"/></div>'),
]


def test_epub_titles_from_the_nav_document_else_first_heading_else_file_name():
    pages = [(n.replace("%20", " "), b) for n, b in PAGES]
    data = _epub(pages, nav=[("text/b%20c.xhtml#x", "B in the TOC"), ("text/a.xhtml", "A in the TOC")])
    book = open_document(data, "hand.epub")
    assert book.title == "Hand Made"
    assert _readable(book) == ["A in the TOC", "B in the TOC", "d"]  # spine order; the cover has no text
    assert [c.text for c in book.chapters] == [
        "Heading A\n\nText of A.",
        "Heading B\n\nText of B.",
        "Text of D, no heading.",
    ]
    no_toc = open_document(_epub(pages), "hand.epub")
    assert [c.title for c in no_toc.chapters] == ["Heading A", "Heading B", "d"]


def test_epub2_titles_from_the_ncx():
    pages = [(n.replace("%20", " "), b) for n, b in PAGES]
    book = open_document(
        _epub(pages, ncx=[("text/a.xhtml", "A from NCX"), ("text/d.xhtml", "D from NCX")]), "x.epub"
    )
    assert [c.title for c in book.chapters] == ["A from NCX", "Heading B", "D from NCX"]


def test_epub_skips_non_linear_and_missing_spine_items_with_a_warning():
    data = _epub(
        PAGES[:1],
        manifest_extra='<item id="gone" href="text/gone.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="notes" href="text/notes.xhtml" media-type="application/xhtml+xml"/>',
        spine_extra='<itemref idref="gone"/><itemref idref="notes" linear="no"/>',
        extra={"OPS/text/notes.xhtml": _page("<p>Non-linear notes never read.</p>")},
    )
    book = open_document(data, "x.epub")
    assert [c.title for c in book.chapters] == ["Heading A"]
    assert book.warnings == ("OPS/text/gone.xhtml: in the reading order, not in the book",)


def test_epub_chapter_html_parser_cannot_read_is_skipped_with_a_warning():
    data = _epub([("a.xhtml", "<p>Readable.</p>"), ("b.xhtml", "<p>Broken</p><![ " + "x" * 300)])
    book = open_document(data, "x.epub")
    assert [c.text for c in book.chapters] == ["Readable."]
    assert len(book.warnings) == 1 and "OPS/text/b.xhtml" in book.warnings[0]


def test_epub_chapter_of_malformed_xhtml_is_read_with_a_warning_naming_it():
    whole = _page("<h1>Cut</h1><p>The first half is here.</p><p>The second half</p>")
    data = _epub(
        [("a.xhtml", "<p>Fine&nbsp;page &amp; more.</p>")],
        manifest_extra='<item id="b" href="text/b.xhtml" media-type="application/xhtml+xml"/>',
        spine_extra='<itemref idref="b"/>',
        extra={"OPS/text/b.xhtml": whole[: whole.index(b"The second")]},  # cut short
    )
    book = open_document(data, "x.epub")
    assert [c.text for c in book.chapters] == ["Fine page & more.", "Cut\n\nThe first half is here."]
    assert len(book.warnings) == 1  # the page with &nbsp; is well-formed enough: no warning for it
    assert book.warnings[0].startswith("OPS/text/b.xhtml: malformed XHTML (")
    assert book.warnings[0].endswith("read as far as it goes, text may be missing")


def test_epub_found_by_its_bytes_without_an_ending():
    assert open_document(_epub(PAGES[:1]), "download").format == "epub"


def _error(data: bytes, name: str) -> str:
    with pytest.raises(DocumentError) as caught:
        open_document(data, name)
    return str(caught.value)


def test_drm_epubs_are_refused_and_obfuscated_fonts_are_not():
    encrypted = b"""<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
      xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
      <enc:EncryptionMethod Algorithm="%s"/>
      <enc:CipherData><enc:CipherReference URI="%s"/></enc:CipherData></enc:EncryptedData></encryption>"""
    aes = encrypted % (b"http://www.w3.org/2001/04/xmlenc#aes128-cbc", b"OPS/text/a.xhtml")
    message = _error(_epub(PAGES[:1], extra={"META-INF/encryption.xml": aes}), "bought.epub")
    assert message.startswith("bought.epub is protected by DRM")
    rights = {"META-INF/rights.xml": b"<adept:rights xmlns:adept='http://ns.adobe.com/adept'/>"}
    assert "DRM" in _error(_epub(PAGES[:1], extra=rights), "adobe.epub")
    font = encrypted % (b"http://www.idpf.org/2008/embedding", b"OPS/fonts/f.otf")
    assert open_document(_epub(PAGES[:1], extra={"META-INF/encryption.xml": font}), "f.epub").chapters


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = _epub(PAGES[:1], extra={"OPS/text/z.xhtml": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert "looks like a zip bomb: OPS/text/z.xhtml unpacks to" in _error(bomb, "bomb.epub")


def test_an_archive_too_large_unpacked_is_refused(monkeypatch):
    monkeypatch.setattr(epub, "MAX_UNPACKED_BYTES", 1_000_000)
    noise = random.Random(0).randbytes(1_200_000)  # incompressible: not a bomb, only too large
    message = _error(_epub(PAGES[:1], extra={"OPS/images/noise.bin": noise}), "big.epub")
    assert message == "big.epub is too large: 1 MB unpacked (at most 1 MB)"


def test_a_member_larger_than_its_header_says_is_not_unpacked_past_it():
    data = bytearray(_epub([("a.xhtml", "<p>" + "Long text. " * 5000 + "</p>"), ("b.xhtml", "<p>Fine.</p>")]))
    entry = data.find(b"PK\x01\x02")
    while True:  # find the central-directory entry of the page and make its size a lie
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == b"OPS/text/a.xhtml":
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 100)
    book = open_document(bytes(data), "liar.epub")  # the page is skipped, the rest is read
    assert [c.text for c in book.chapters] == ["Fine."]
    assert len(book.warnings) == 1
    assert book.warnings[0].startswith("liar.epub is damaged: OPS/text/a.xhtml cannot be unpacked (Bad CRC")
    struct.pack_into("<I", data, entry + 24, 10**9)  # now larger than the limit: refused unread
    assert _error(bytes(data), "liar.epub").startswith("liar.epub is too large")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a zip", "fake.epub", "fake.epub is not an EPUB (it is not a zip archive, or it is damaged)"),
        (bytes(range(256)) * 40, "photo.txt", "photo.txt is not a text file (it holds binary data)"),
        (random.Random(1).randbytes(5000).replace(b"\0", b"x"), "noise.txt", "noise.txt is not a text file"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image.md", "image.md is not a text file"),
        (b"", "empty.txt", "empty.txt has no text to read"),
        (b" \n\n\t \n", "blank.txt", "blank.txt has no text to read"),
        (b"---\n\n***\n\n| |\n", "rules.md", "rules.md has no text to read"),
        (b"<nav>menu</nav><script>x()</script><p hidden>h</p>", "shell.html", "shell.html has no text"),
        (
            b'<p><img src="scan1.png" alt="Page 1"></p><img src="2.png">',
            "scan.html",
            "scan.html has only images",
        ),
        (b"![Page 1](scan1.png)\n\n![Page 2](scan2.png)\n", "scan.md", "scan.md has only images"),
        (b"%PDF-1.7\n...", "paper.pdf", "paper.pdf is a PDF: open it in the app"),
        (b"%PDF-1.7\n...", "renamed.txt", "renamed.txt is a PDF"),
    ],
)
def test_bad_input_is_a_clear_document_error(data, name, message):
    assert _error(data, name).startswith(message)


def test_epub_of_images_only_or_broken_xml_is_a_clear_error():
    scans = [("p1.xhtml", '<img src="1.jpg"/>'), ("p2.xhtml", "<p><svg><image href='2.jpg'/></svg></p>")]
    assert _error(_epub(scans), "scans.epub") == "scans.epub has only images: there is no text layer to read"
    broken = _epub(PAGES[:1], container=b"<container><rootfiles>")
    assert _error(broken, "x.epub").startswith("x.epub is damaged: its XML cannot be read")
    laughs = b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa">]><container>&a;</container>'
    assert "declares entities" in _error(_epub(PAGES[:1], container=laughs), "x.epub")
    with zipfile.ZipFile(io.BytesIO(_epub(PAGES[:1]))) as archive:
        no_opf = io.BytesIO()
        with zipfile.ZipFile(no_opf, "w") as copy:
            for member in archive.namelist():
                if not member.endswith((".opf", "container.xml")):
                    copy.writestr(member, archive.read(member))
    assert "has no package document" in _error(no_opf.getvalue(), "x.epub")


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from py_core import document

    monkeypatch.setattr(document, "MAX_DOCUMENT_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("more than ten bytes")
    with pytest.raises(DocumentError, match="big.txt is too large"):
        read_document(path)


# --- chapter ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "chosen"),
    [
        ("2", [1]),
        ("2-3", [1, 2]),
        ("2-", [1, 2, 3, 4]),
        ("1,3", [0, 2]),
        (" 3 , 1-2 ", [0, 1, 2]),
        ("5-5", [4]),
    ],
)
def test_chapter_ranges(spec, chosen):
    assert select_chapters(spec, 5) == chosen


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("6", "there is no chapter 6; this document has 1 to 5"),
        ("0", "there is no chapter 0"),
        ("2-9", "there is no chapter 9"),
        ("7-", "there is no chapter 7"),
        ("3-2", "'3-2' ends before it starts"),
        ("two", "'two' is not like 2, 2-3, 2- or 1,3"),
        ("", "is not like"),
        ("1,,2", "is not like"),
        ("-3", "is not like"),
    ],
)
def test_chapter_range_errors(spec, message):
    with pytest.raises(DocumentError, match=message):
        select_chapters(spec, 5)


ADVERSARIAL = {
    "stars.md": b"*a " * 10000,
    "tildes.md": b"~~a " * 10000,
    "brackets.md": b"[a](" * 10000 + b"[^" * 10000,
    "comments.md": b"<!-- " * 10000 + b"``a " * 10000,
    "tags.html": b"<a " * 10000,
    "comments.html": b"<!-- " * 10000,
    "cdata.html": b"<![CDATA[ " * 10000,
    "headings.txt": b"Chapter 1\n\n" * 20000,
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_documents_take_linear_time(name):
    """Inputs that made a backtracking pattern or html.parser quadratic (minutes) take well under 5 s."""
    started = time.perf_counter()
    try:
        open_document(ADVERSARIAL[name], name)
    except DocumentError:
        pass
    assert time.perf_counter() - started < 5
