"""A text file's bytes as text, saying which encoding was used and whether it was a guess.

In order: a byte-order mark (UTF-8, UTF-16, UTF-32) settles it; for HTML and XHTML, a `<meta charset>`
or `<?xml encoding?>` declaration that decodes the bytes; then valid UTF-8. Otherwise it is a guess:
UTF-16 without a mark (every other byte NUL), else Windows-1252 (Latin-1 with Windows's quotes and
dashes; plain Latin-1 when a byte is undefined there). Bytes with NULs or many control characters are
"not a text file". Line ends become `\\n`.
"""

import codecs
import re
from dataclasses import dataclass

from py_core.chapters import DocumentError

_BOMS = (  # UTF-32's marks begin with UTF-16's: they come first
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARATION = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]{0,200}?encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_WHATWG_LATIN1 = {"latin1", "iso8859-1", "ascii"}  # labels browsers read as windows-1252
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\x80-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """The text, the codec that decoded it (a Python codec name), and whether that was a guess."""

    text: str
    encoding: str
    guessed: bool


def decode_text(data: bytes, name: str, *, markup: bool = False) -> Decoded:
    """Decode a text file (`markup`: HTML or XHTML, whose declaration is read); DocumentError if binary.

    Bytes a byte-order mark or a UTF-16 guess cannot decode become U+FFFD.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :], codec, False, name, errors="replace")
    declared = _declared(data[:2048]) if markup else None
    if declared is not None:
        try:
            return _checked(data, declared, False, name)
        except UnicodeDecodeError:
            pass  # a wrong declaration: detect as if there were none
    utf16 = _utf16_without_bom(data[:4096])
    if utf16 is not None:
        return _checked(data, utf16, True, name, errors="replace")
    if b"\x00" in data:
        raise _not_text(name)
    for codec, guessed in (("utf-8", False), ("cp1252", True)):
        try:
            return _checked(data, codec, guessed, name)
        except UnicodeDecodeError:
            pass
    return _checked(data, "latin-1", True, name)  # decodes any bytes


def _checked(data: bytes, codec: str, guessed: bool, name: str, errors: str = "strict") -> Decoded:
    """Decoded (UnicodeDecodeError if it does not decode), refused when it reads as binary."""
    text = data.decode(codec, errors)
    if len(_CONTROL.findall(text)) > max(8, len(text) // 200):
        raise _not_text(name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return Decoded(text, codec, guessed)


def _declared(head: bytes) -> str | None:
    """The codec a page declares (None: none, or one Python does not know)."""
    found = _DECLARATION.search(head)
    if found is None:
        return None
    label = (found.group(1) or found.group(2)).decode("ascii").lower()
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):  # a page that could be read in ASCII is not UTF-16
        return None
    return "cp1252" if codec in _WHATWG_LATIN1 else codec


def _utf16_without_bom(sample: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when every other byte of the sample is NUL (text in Latin script)."""
    if len(sample) < 4:
        return None
    sample = sample[: len(sample) // 2 * 2]
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def _not_text(name: str) -> DocumentError:
    return DocumentError(f"{name} is not a text file (it holds binary data)")
