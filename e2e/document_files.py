"""Documents for e2e/documents.spec.js, written into the folder given: made by common tools and by hand.

book.epub: pandoc's EPUB 3 of a three-chapter Markdown book (book.md). drm.epub, bomb.epub,
malformed.epub, damaged.epub: that book with META-INF/encryption.xml (AES: DRM), with a 30 MB run of
zeros added (a zip bomb), with chapter 2's XHTML cut short, and with its package document cut short.
paper.pdf: a three-page PDF with a text layer (written here: Helvetica text objects); scanned.pdf:
pages holding only a drawn rectangle (no text layer). binary.txt: random bytes; images.html: a page
of images only; empty.md: blank lines.

python3 e2e/document_files.py OUT_DIR   (e2e/documents.spec.js runs it; pandoc: scripts/install.sh)
"""

import random
import subprocess
import sys
import zipfile
from pathlib import Path

BOOK = """---
title: The Three Rooms
---

# The First Room

Anna opened the first door. The room was cold and empty.

# The Second Room

Bruno found a lamp in the second room. It was still warm. He wondered who had left it there.
Then he heard steps on the stairs. Someone was coming up. He hid behind the curtain.

# The Third Room

Clara waited in the last room. She had the key all along.
"""
PAPER = [
    ["Quiet Engines", "Pocket models speak on small machines."],
    ["The second page explains the method.", "Every step runs on the device."],
    ["The third page holds the results."],
]


def pdf(pages: list[list[str]], title: str | None) -> bytes:
    """A PDF whose pages draw `pages`' lines in Helvetica (a text layer), or, for an empty list of
    lines, a filled rectangle (no text)."""
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, font]
    kids = []
    for lines in pages:
        if lines:
            shown = " ".join(f"({line}) Tj 0 -20 Td" for line in lines)
            stream = f"BT /F1 14 Tf 72 720 Td {shown} ET"
        else:
            stream = "0.5 g 72 400 300 300 re f"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def altered(book: Path, out: Path, change) -> None:
    """A copy of the EPUB `book` with `change(name, data)` → data (None: left out) and extra members."""
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                copy.writestr(info, data)
        for name, data in change(None, None) or ():
            copy.writestr(name, data)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.md").write_text(BOOK)
    book = folder / "book.epub"
    subprocess.run(["pandoc", str(folder / "book.md"), "-o", str(book), "--to", "epub3"], check=True)
    aes = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"'
        ' xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        '<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        '<enc:CipherData><enc:CipherReference URI="EPUB/text/ch002.xhtml"/></enc:CipherData>'
        "</enc:EncryptedData></encryption>"
    )
    altered(book, folder / "drm.epub", lambda n, d: d if n else [("META-INF/encryption.xml", aes)])
    altered(book, folder / "bomb.epub", lambda n, d: d if n else [("EPUB/text/zeros.xhtml", bytes(30 << 20))])
    for out, member in (("malformed.epub", "ch002.xhtml"), ("damaged.epub", ".opf")):
        altered(book, folder / out, lambda n, d, m=member: d[: len(d) // 2] if n and n.endswith(m) else d)
    (folder / "paper.pdf").write_bytes(pdf(PAPER, "Quiet Engines"))
    (folder / "scanned.pdf").write_bytes(pdf([[], []], None))
    (folder / "binary.txt").write_bytes(random.Random(7).randbytes(4096))
    (folder / "images.html").write_text('<html><body><img src="1.png"><p><img src="2.png"></p></body></html>')
    (folder / "empty.md").write_text("\n\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
