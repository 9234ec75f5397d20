"""`python -m py_core document FILE [--text] [--chapters]` and `synth --file FILE [--chapters]`."""

import subprocess
import sys
import wave
from array import array

import pytest

from py_core.cli import main
from py_core.document import read_document, reading_text

MARKDOWN = """\
# Morning

The *sun* rose over the [hills](https://example.com/hills).

# Noon

It was hot. Very hot.

# Night

The stars came out.
"""


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "day.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    return path


def test_document_lists_the_chapters_in_reading_order(notes, capsys):
    assert main(["document", str(notes)]) == 0
    chapters = read_document(notes).chapters
    total = sum(len(c.text) for c in chapters)
    assert capsys.readouterr().out.splitlines() == [
        f"day.md: Markdown, utf-8, 3 chapters, {total:,} characters",
        f"1  Morning  ({len(chapters[0].text)} characters)",
        f"2  Noon  ({len(chapters[1].text)} characters)",
        f"3  Night  ({len(chapters[2].text)} characters)",
    ]
    assert main(["document", str(notes), "--chapters", "1,3"]) == 0
    assert [line[:1] for line in capsys.readouterr().out.splitlines()[1:]] == ["1", "3"]


def test_document_text_prints_exactly_what_is_read(notes):
    result = subprocess.run(
        [sys.executable, "-m", "py_core", "document", str(notes), "--text", "--chapters", "2-"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "Noon\n\nIt was hot. Very hot.\n[pause 2s]\nNight\n\nThe stars came out.\n"
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chapters", "4"], "error: chapters: there is no chapter 4; this document has 1 to 3"),
        (["--chapters", "3-1"], "error: chapters: '3-1' ends before it starts"),
        (["--chapters", "x"], "error: chapters: 'x' is not like 2, 2-3, 2- or 1,3"),
    ],
)
def test_document_chapter_range_errors(notes, capsys, args, message):
    assert main(["document", str(notes), *args]) == 1
    assert capsys.readouterr().err.strip() == message


def test_document_errors_are_clear(tmp_path, capsys):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    assert main(["document", str(pdf)]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: paper.pdf is a PDF: open it in the app, which reads PDFs in the browser"
    )
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)))
    assert main(["document", str(binary)]) == 1
    assert "photo.txt is not a text file" in capsys.readouterr().err
    assert main(["document", str(tmp_path / "missing.txt")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_a_guessed_encoding_is_said(tmp_path, capsys):
    path = tmp_path / "old.txt"
    path.write_bytes("Caf\u00e9 cr\u00e8me.".encode("cp1252"))
    assert main(["document", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("old.txt: plain text, cp1252 (guessed), 1 chapter, ")
    assert captured.err == "warning: old.txt: encoding guessed as cp1252\n"


def _samples(path):
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), array("h", w.readframes(w.getnframes()))


def test_synth_file_reads_the_chosen_chapters_with_a_pause_between(tiny_bundle, notes, tmp_path):
    """`synth --file --chapters 2-3` makes the WAV that `synth --text` makes of `document --text`."""
    common = ["--bundle", str(tiny_bundle), "--seed", "7", "-q"]
    from_file = tmp_path / "file.wav"
    assert main(["synth", *common, "--file", str(notes), "--chapters", "2-3", "--out", str(from_file)]) == 0
    chapters = list(read_document(notes).chapters[1:])
    from_text = tmp_path / "text.wav"
    assert main(["synth", *common, "--text", reading_text(chapters), "--out", str(from_text)]) == 0
    assert from_file.read_bytes() == from_text.read_bytes()
    rate, samples = _samples(from_file)
    longest, run = 0, 0  # the longest run of digital silence: the 2 s between the chapters
    for sample in samples[: -rate // 5]:  # the 200 ms tail is silence too
        run = run + 1 if sample == 0 else 0
        longest = max(longest, run)
    assert 2 * rate <= longest < 3 * rate


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "hi", "--chapters", "2"], "error: --chapters goes with --file"),
        (["--file", "{notes}", "--no-markup"], "error: --file reads paragraphs and chapters with pauses"),
        (["--file", "{notes}", "--chapters", "9"], "error: chapters: there is no chapter 9"),
    ],
)
def test_synth_file_errors(tiny_bundle, notes, tmp_path, capsys, args, message):
    args = [a.format(notes=notes) for a in args]
    assert main(["synth", "--bundle", str(tiny_bundle), "--out", str(tmp_path / "x.wav"), *args]) == 1
    assert capsys.readouterr().err.startswith(message)
    assert not (tmp_path / "x.wav").exists()


def test_synth_takes_text_or_file_not_both(notes, capsys):
    with pytest.raises(SystemExit):
        main(["synth", "--bundle", "b", "--text", "hi", "--file", str(notes)])
    assert "not allowed with argument" in capsys.readouterr().err
