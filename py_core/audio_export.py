"""Compressed audio files with chapter marks: Opus in Ogg and MP3, chosen by the file name (CLI, CPython).

PyAV (the `export` extra; its wheels bundle FFmpeg with libopus and libmp3lame) encodes and muxes.
FFmpeg's Ogg muxer writes the chapters as Vorbis comments (CHAPTER001=00:00:00.000,
CHAPTER001NAME=title), its MP3 muxer as ID3v2 CHAP frames under a CTOC, and a LAME tag that lets
decoders drop the encoder's delay and padding. PyAV is imported only when such a file is written,
so py_core stays importable without it (and in Pyodide). The browser writes the same forms
(web/engine/export.js).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

FORMATS = {".opus": "opus", ".ogg": "opus", ".mp3": "mp3"}
# Speech at 24 kHz, mono: what the browser's export uses too.
BITRATES = {"opus": 48_000, "mp3": 64_000}
_CODECS = {"opus": "libopus", "mp3": "libmp3lame"}


class ExportError(Exception):
    """The compressed file cannot be written (PyAV missing, or its FFmpeg lacks the encoder)."""


@dataclass(frozen=True)
class ChapterMark:
    """A chapter's title and where it starts in the audio, in samples."""

    title: str
    start: int


def format_for(path: str | Path) -> str | None:
    """ "opus" or "mp3" for a name ending in .opus/.ogg or .mp3; None otherwise (a WAV)."""
    return FORMATS.get(Path(path).suffix.lower())


def check_available(kind: str) -> None:
    """ExportError with how to install it when PyAV (or its encoder for `kind`) is missing."""
    try:
        import av
    except ImportError:
        raise ExportError(
            f"writing {kind} needs PyAV: pip install 'py_core[export]' (or pip install av)"
        ) from None
    try:
        av.Codec(_CODECS[kind], "w")
    except Exception:  # av.codec.codec.UnknownCodecError: an FFmpeg built without it
        raise ExportError(f"this PyAV's FFmpeg has no {_CODECS[kind]} encoder") from None


def write(
    path: str | Path,
    kind: str,
    blocks: Iterable[Sequence[float]],
    sample_rate: int,
    total: int,
    chapters: Sequence[ChapterMark] = (),
) -> None:
    """Encode mono float32 sample `blocks` (`total` samples in all) into `path` as `kind`, with
    `chapters` (each ends where the next starts, the last at the end of the audio)."""
    check_available(kind)
    import av
    import numpy as np

    time_base = Fraction(1, sample_rate)
    with av.open(str(path), "w", format="ogg" if kind == "opus" else "mp3") as container:
        stream = container.add_stream(_CODECS[kind], rate=sample_rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = BITRATES[kind]
        ends = [c.start for c in chapters[1:]] + [total]
        container.set_chapters(
            [
                {
                    "id": i + 1,
                    "start": c.start,
                    "end": end,
                    "time_base": time_base,
                    "metadata": {"title": c.title},
                }
                for i, (c, end) in enumerate(zip(chapters, ends[: len(chapters)], strict=True))
            ]
        )
        at = 0
        for block in blocks:
            samples = np.asarray(block, dtype=np.float32)
            if not len(samples):
                continue
            frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = sample_rate, at, time_base
            at += len(samples)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
