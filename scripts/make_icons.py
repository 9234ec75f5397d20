"""Draw the PWA icons (public/icons/*.png) with the standard library: a blue tile with sound bars.

Run once after changing the design: python scripts/make_icons.py (the PNGs are committed).
"""

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "public" / "icons"
TOP = (0x2B, 0x6C, 0xD4)
BOTTOM = (0x17, 0x3A, 0x78)
BARS = [0.30, 0.55, 0.85, 0.62, 1.00, 0.70, 0.45, 0.80, 0.38]


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def coverage(inside) -> float:
    """Fraction of a pixel covered by a shape, sampled 4x4 (anti-aliasing)."""
    return sum(inside((i + 0.5) / 4, (j + 0.5) / 4) for i in range(4) for j in range(4)) / 16


def draw(size: int, maskable: bool) -> bytes:
    radius = 0 if maskable else size * 0.22
    inset = size * (0.24 if maskable else 0.2)  # maskable icons keep content in the central 80%
    n = len(BARS)
    span = size - 2 * inset
    pitch = span / n
    bar_w = pitch * 0.56
    rows = []
    for y in range(size):
        t = y / (size - 1)
        bg = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        row = bytearray()
        for x in range(size):

            def in_tile(dx, dy, x=x, y=y):
                px, py = x + dx, y + dy
                cx = min(max(px, radius), size - radius)
                cy = min(max(py, radius), size - radius)
                return (px - cx) ** 2 + (py - cy) ** 2 <= radius**2

            def in_bar(dx, dy, x=x, y=y):
                px, py = x + dx, y + dy
                k = int((px - inset) // pitch)
                if not 0 <= k < n:
                    return False
                left = inset + k * pitch + (pitch - bar_w) / 2
                half = BARS[k] * span / 2 * 0.9
                mid = size / 2
                r = bar_w / 2
                if not left <= px <= left + bar_w:
                    return False
                cy = min(max(py, mid - half + r), mid + half - r)
                return (px - (left + r)) ** 2 + (py - cy) ** 2 <= r * r

            alpha = 1.0 if maskable else coverage(in_tile)
            if alpha == 0:
                row += b"\x00\x00\x00\x00"
                continue
            white = coverage(in_bar)
            color = [round(c + (255 - c) * white) for c in bg]
            row += bytes([*color, round(255 * alpha)])
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ]:
        (OUT / name).write_bytes(draw(size, maskable))
        print(f"public/icons/{name}")


if __name__ == "__main__":
    main()
