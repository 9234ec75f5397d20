"""An EPUB's chapters in reading order (zipfile, xml.etree, py_core.html_text).

`META-INF/container.xml` names the package document (OPF); its spine gives the reading order (items
marked `linear="no"` and the navigation document are left out). Each spine document is one chapter,
read through py_core.html_text; its title comes from the table of contents (EPUB 3 navigation
document, else EPUB 2 NCX), else its first heading, else its file name. A spine document with nothing
to say (a cover picture) is no chapter.

Refused with a DocumentError before anything is unpacked: more than MAX_UNPACKED_BYTES in all, a
member that unpacks to more than MAX_RATIO times its packed size (a zip bomb), DRM (`rights.xml`, or
`encryption.xml` listing encrypted content other than obfuscated fonts). Members are read with a bound
at their declared size, so a lying header cannot unpack more (it fails zipfile's CRC check). A spine
document that cannot be read (damaged, binary, HTML that html.parser gives up on) is skipped with a
warning; the others are read. One that is not well-formed XHTML (cut short, say) is read as far as
html.parser goes, with a warning naming it.
"""

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote
from xml.etree import ElementTree

from py_core.chapters import Chapter, DocumentError, clean_text, readable
from py_core.encoding import decode_text
from py_core.html_text import html_text

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 10_000
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_XHTML = {"application/xhtml+xml", "text/html"}
_OPF = "application/oebps-package+xml"


@dataclass
class EpubBook:
    """The book's title, its chapters, how many images it has, and what was skipped."""

    title: str | None
    chapters: list[Chapter] = field(default_factory=list)
    images: int = 0
    warnings: list[str] = field(default_factory=list)


def read_epub(data: bytes, name: str) -> EpubBook:
    """The chapters of an EPUB (see the module's docstring); DocumentError for anything unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise DocumentError(f"{name} is not an EPUB (it is not a zip archive, or it is damaged)") from None
    with archive:
        _check_sizes(archive, name)
        _check_drm(archive, name)
        return _Book(archive, name).read()


def _check_sizes(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse an archive too large or too compressed to unpack, from its directory alone."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise DocumentError(f"{name} has {len(members):,} files: an e-book has at most {MAX_MEMBERS:,}")
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise DocumentError(
            f"{name} is too large: {total / 1e6:,.0f} MB unpacked (at most {MAX_UNPACKED_BYTES / 1e6:.0f} MB)"
        )
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(1, member.compress_size):
            raise DocumentError(
                f"{name} looks like a zip bomb: {member.filename} unpacks to "
                f"{member.file_size / max(1, member.compress_size):,.0f} times its size"
            )


def _check_drm(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a book whose text is encrypted (DRM); obfuscated fonts alone are fine."""
    drm = DocumentError(
        f"{name} is protected by DRM (its content is encrypted): only the app it was bought for can read it"
    )
    names = set(archive.namelist())
    if "META-INF/rights.xml" in names:
        raise drm
    if "META-INF/encryption.xml" not in names:
        return
    root = _xml(_read(archive, "META-INF/encryption.xml", name), name)
    for method in root.iter():
        if _local(method.tag) == "EncryptionMethod" and method.get("Algorithm") not in _FONT_OBFUSCATION:
            raise drm


class _Book:
    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive = archive
        self.name = name
        self.files = set(archive.namelist())

    def read(self) -> EpubBook:
        opf_path = self._package_path()
        opf = _xml(self._read(opf_path), self.name)
        folder = posixpath.dirname(opf_path)
        items = {  # id -> (path, media type, properties)
            item.get("id"): (
                _join(folder, item.get("href", "")),
                item.get("media-type", ""),
                item.get("properties", "").split(),
            )
            for item in _children(opf, "manifest", "item")
        }
        title = _find(opf, "title")
        book = EpubBook(clean_text(title.text or "") or None if title is not None else None)
        spine = _find(opf, "spine")
        toc = self._toc(items, spine.get("toc") if spine is not None else None)
        for ref in _children(opf, "spine", "itemref"):
            path, media_type, properties = items.get(ref.get("idref"), ("", "", []))
            if ref.get("linear") == "no" or "nav" in properties:
                continue
            if media_type.startswith("image/"):
                book.images += 1
            elif media_type not in _XHTML:
                continue
            elif path not in self.files:
                book.warnings.append(f"{path or ref.get('idref')}: in the reading order, not in the book")
            else:
                self._chapter(book, path, toc.get(path))
        return book

    def _chapter(self, book: EpubBook, path: str, title: str | None) -> None:
        """Add the spine document at `path` as a chapter (if it has text); one it cannot read is skipped."""
        try:
            decoded = decode_text(self._read(path), path, markup=True)
            page = html_text(decoded.text, path)
        except DocumentError as error:
            book.warnings.append(f"{error}: skipped")
            return
        if decoded.guessed:
            book.warnings.append(f"{path}: encoding guessed as {decoded.encoding}")
        problem = _malformed(self._read(path))
        if problem:
            book.warnings.append(
                f"{path}: malformed XHTML ({problem}): read as far as it goes, text may be missing"
            )
        book.images += page.images
        paragraphs = [text for text in (clean_text(b.text) for b in page.blocks) if readable(text)]
        if not paragraphs:
            return
        heading = next((clean_text(b.text) for b in page.blocks if b.level and readable(b.text)), None)
        book.chapters.append(Chapter(title or heading or PurePosixPath(path).stem, "\n\n".join(paragraphs)))

    def _package_path(self) -> str:
        """The OPF's path: from container.xml, else the only .opf in the archive."""
        if "META-INF/container.xml" in self.files:
            container = _xml(self._read("META-INF/container.xml"), self.name)
            for rootfile in container.iter():
                path = rootfile.get("full-path")
                if _local(rootfile.tag) == "rootfile" and path and rootfile.get("media-type", _OPF) == _OPF:
                    if path in self.files:
                        return path
        found = [f for f in self.files if f.lower().endswith(".opf")]
        if len(found) != 1:
            raise DocumentError(f"{self.name} is not an EPUB: it has no package document (.opf)")
        return found[0]

    def _toc(self, items: dict, ncx_id: str | None) -> dict[str, str]:
        """Spine path -> title, from the navigation document, else the NCX (first entry per file)."""
        nav = next((path for path, _, props in items.values() if "nav" in props), "")
        links: list[tuple[str, str]] = []
        if nav in self.files:
            reader = _TocLinks()
            try:
                reader.feed(decode_text(self._read(nav), f"{self.name}: {nav}", markup=True).text)
            except AssertionError:  # html.parser gave up: the NCX or the headings give the titles
                reader.links = []
            links = [(_join(posixpath.dirname(nav), href), text) for href, text in reader.links]
        ncx = items.get(ncx_id, ("", "", []))[0] or next(
            (p for p, media, _ in items.values() if media == "application/x-dtbncx+xml"), ""
        )
        if not links and ncx in self.files:
            root = _xml(self._read(ncx), self.name)
            for point in root.iter():
                if _local(point.tag) != "navPoint":
                    continue
                label = next((e.text for e in point.iter() if _local(e.tag) == "text" and e.text), "")
                content = next((e.get("src", "") for e in point if _local(e.tag) == "content"), "")
                links.append((_join(posixpath.dirname(ncx), content), label))
        toc: dict[str, str] = {}
        for path, text in links:
            text = " ".join(text.split())
            if readable(text):
                toc.setdefault(path, text)
        return toc

    def _read(self, path: str) -> bytes:
        return _read(self.archive, path, self.name)


class _TocLinks(HTMLParser):
    """The links (href, text) of the `<nav epub:type="toc">` of an EPUB 3 navigation document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.depth = 0  # inside the toc <nav>, counting nested <nav>s
        self.href: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav" and (self.depth or "toc" in (values.get("epub:type") or "").split()):
            self.depth += 1
        elif tag == "a" and self.depth:
            self.href, self.text = values.get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.href is not None:
            self.links.append((self.href, "".join(self.text)))
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.text.append(data)


def _read(archive: zipfile.ZipFile, path: str, name: str) -> bytes:
    """A member's bytes: at most its declared size (checked against the limits before); zipfile checks
    their CRC, so a member whose header lies about its size is damaged."""
    try:
        member = archive.getinfo(path)
        with archive.open(member) as stream:
            data = stream.read(member.file_size)
    except KeyError:
        raise DocumentError(f"{name} is damaged: {path} is missing") from None
    except RuntimeError:  # a password-protected zip
        raise DocumentError(f"{name} is encrypted: {path} needs a password") from None
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError) as error:
        raise DocumentError(f"{name} is damaged: {path} cannot be unpacked ({error})") from None
    return data


def _xml(data: bytes, name: str) -> ElementTree.Element:
    """An EPUB's XML file parsed; entity declarations (entity-expansion attacks) are refused."""
    if b"<!ENTITY" in data:
        raise DocumentError(f"{name}: its XML declares entities, which e-books do not need")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise DocumentError(f"{name} is damaged: its XML cannot be read ({error})") from None


_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]*);")


def _malformed(data: bytes) -> str | None:
    """Why the XHTML `data` is not well-formed XML (HTML's named entities such as &nbsp; allowed), or
    None. html.parser reads such a page anyway, as far as it goes: a page cut short loses its end.
    One that declares entities is not checked (expanding them is what _xml refuses)."""
    if b"<!ENTITY" in data:
        return None
    try:
        ElementTree.fromstring(_NAMED_ENTITY.sub(rb"&amp;\1;", data))
    except ElementTree.ParseError as error:
        return str(error)
    return None


def _find(root: ElementTree.Element, tag: str) -> ElementTree.Element | None:
    """The first element named `tag` in any namespace."""
    return next((e for e in root.iter() if _local(e.tag) == tag), None)


def _children(root: ElementTree.Element, parent: str, child: str) -> list[ElementTree.Element]:
    """The `child` elements of the first `parent` element (any namespace)."""
    found = _find(root, parent)
    return [] if found is None else [e for e in found if _local(e.tag) == child]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _join(folder: str, href: str) -> str:
    """A link's archive path (fragment dropped), relative to `folder`; "" for another site's link."""
    href = href.split("#", 1)[0]
    if not href or _SCHEME.match(href):
        return ""
    return posixpath.normpath(posixpath.join(folder, unquote(href)))
