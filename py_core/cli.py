"""Command line: `python -m py_core synth|export-voice|normalize|voices`, shaped like upstream `pocket-tts`.

CPython only (onnxruntime through OrtRuntime, imported when a command runs). Audio streams to the
output as it is decoded: the WAV header first (upstream's placeholder length), then each piece; a
seekable file gets its true header at the end. Like upstream's CLI, 200 ms of silence ends the file.
An --out ending in .opus/.ogg or .mp3 is encoded once the audio is done (py_core.audio_export: the
chapter marks are known only then), from a temporary file of the samples, with --file's chapters as
chapter marks and the word subtitles (.vtt) beside it.
"""

import argparse
import asyncio
import dataclasses
import sys
import tempfile
from array import array
from pathlib import Path
from typing import BinaryIO

from py_core import audio_export, subtitles
from py_core.audio_prompt import AudioPromptError, load_prompt
from py_core.chapters import Chapter
from py_core.document import CHAPTER_PAUSE, DocumentError
from py_core.document_cli import add_parser as add_document_parser
from py_core.document_cli import chapters_argument, chosen_chapters
from py_core.document_cli import run as run_document
from py_core.engine import AudioChunk, ChunkFinished, ChunkStarted, EngineError, Finished, WordEnd
from py_core.manifest import ManifestError
from py_core.markup import PARAGRAPH_PAUSE, Pause, parse_markup
from py_core.normalize import LANGUAGES, normalize_text
from py_core.runtime import GraphRunError
from py_core.script import PausePlan, Script
from py_core.speak_request import SpeakRequest
from py_core.voice_library import ModelIdentity, check_voice, made_for
from py_core.voices import VoiceFileError, dump_voice, load_voice
from py_core.voices_cli import add_parser as add_voices_parser
from py_core.voices_cli import run as run_voices
from py_core.wav import WavStreamWriter

TAIL_SILENCE_SECONDS = 0.2  # upstream StreamingWAVWriter.finalize


class CliError(Exception):
    """A user-facing error: printed as `error: ...`, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for both commands."""
    parser = argparse.ArgumentParser(
        prog="python -m py_core", description="Pocket TTS on ONNX graphs (py_core)."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    synth = commands.add_parser("synth", help="text to speech, streamed to a WAV file or stdout")
    _bundle_argument(synth)
    source = synth.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the text to say, or - to read it from stdin")
    source.add_argument(
        "--file", type=Path, help="a document to read aloud: .txt, .md, .html or .epub (see `document`)"
    )
    chapters_argument(synth)
    synth.add_argument(
        "--voice",
        help="a voice name from the bundle, a .safetensors voice file, or an audio file to clone "
        "(default: the bundle's default voice)",
    )
    synth.add_argument(
        "--out",
        "--output-path",
        default="./tts_output.wav",
        help="the audio file: .wav, .opus (Opus in Ogg) or .mp3 by its ending, or - for a WAV on stdout "
        "(default ./tts_output.wav). Opus and MP3 (the `export` extra: PyAV) have --file's chapters as "
        "chapter marks and the word subtitles beside them (OUT with .vtt, if the bundle has timestamp heads)",
    )
    synth.add_argument("--temperature", type=float, help="sampling temperature (default: the bundle's)")
    synth.add_argument("--seed", type=int, help="noise seed (default: random)")
    synth.add_argument("--sampler-steps", "--sampler-decode-steps", type=int, help="flow sampler steps")
    synth.add_argument("--noise-clamp", type=float, help="truncate the noise to [-x, x]")
    synth.add_argument("--eos-threshold", type=float, help="EOS logit threshold (default: the bundle's)")
    synth.add_argument("--frames-after-eos", type=int, help="frames to keep after EOS (default: 3 or 5)")
    synth.add_argument("--max-tokens", type=int, help="maximum tokens per text chunk (default: 50)")
    synth.add_argument(
        "--decode-batch",
        type=int,
        default=1,
        help="frames per decoder call, 1 to 16 (default 1); 0: automatic, as a listener at 1x allows",
    )
    synth.add_argument("--overlap", action="store_true", help="decode in parallel with the next step")
    synth.add_argument("--float32", action="store_true", help="write 32-bit float WAV instead of 16-bit PCM")
    synth.add_argument(
        "--timestamps",
        metavar="FILE",
        type=Path,
        help="also write word timestamps: .json (word, start, end), .vtt or .srt, by the name's ending "
        "(the bundle needs timestamp heads)",
    )
    _text_arguments(synth)
    _common_arguments(synth)

    export = commands.add_parser(
        "export-voice", help="clone a voice from audio into a .safetensors voice file"
    )
    _bundle_argument(export)
    export.add_argument("audio", help="prompt audio (16-bit WAV, or any format soundfile reads)")
    export.add_argument("out", help="the voice file to write (.safetensors)")
    _common_arguments(export)

    add_voices_parser(commands)
    add_document_parser(commands)

    normalize = commands.add_parser(
        "normalize", help="print what would be read: numbers and symbols as words, pauses as [pause Ns]"
    )
    normalize.add_argument("text", help="the text, or - to read it from stdin")
    normalize.add_argument("--language", default="english", choices=LANGUAGES, help="default: english")
    normalize.add_argument(
        "--no-markup", dest="markup", action="store_false", help="read pause markup as text"
    )
    normalize.add_argument(
        "--paragraph-pause", type=float, default=PARAGRAPH_PAUSE, help="seconds of silence for a blank line"
    )
    return parser


def _text_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--normalize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read numbers, dates, money and symbols as words, in the bundle's language (default: on)",
    )
    parser.add_argument(
        "--no-markup",
        dest="markup",
        action="store_false",
        help='no pause markup: [pause], [pause 1.5s], <break time="750ms"/> and blank lines are read as text',
    )
    parser.add_argument(
        "--paragraph-pause",
        type=float,
        default=PARAGRAPH_PAUSE,
        help=f"seconds of silence for a blank line between paragraphs (default {PARAGRAPH_PAUSE}; 0: none)",
    )


def _bundle_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bundle", required=True, type=Path, help="model bundle folder (has manifest.json)")


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads per graph (default 1)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "normalize":
            return _normalize(args)
        if args.command == "synth":
            return asyncio.run(_synth(args))
        if args.command == "voices":
            return run_voices(args)
        if args.command == "document":
            return run_document(args)
        return asyncio.run(_export_voice(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (
        CliError,
        audio_export.ExportError,
        EngineError,
        ManifestError,
        VoiceFileError,
        AudioPromptError,
        GraphRunError,
        DocumentError,
        OSError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


class _Bundle:
    """The bundle folder opened (py_core.bundle.Bundle), and the CLI's ways to name a voice."""

    def __init__(self, folder: Path, threads: int, offload: bool = False):
        from py_core.ort_runtime import BundleFileError, open_bundle

        self.folder = folder
        try:
            self.bundle = open_bundle(folder, threads=threads, offload=offload)
        except BundleFileError as error:
            raise CliError(str(error)) from None

    def voice_name(self, spec: str | None) -> str:
        """The name a voice goes by: a bundle voice's name, else the path of a .safetensors voice
        file or of an audio file to clone (registered under that name by `add_voice`)."""
        spec = spec or self.bundle.default_voice
        if spec is not None and (self.bundle.has_voice(spec) or Path(spec).is_file()):
            return spec
        names = ", ".join(self.bundle.voice_names()) or "none"
        raise CliError(
            f"unknown voice {spec!r}: this bundle's voices are {names}; "
            "or give a .safetensors voice file or an audio file to clone"
        )

    async def add_voice(self, name: str, quiet: bool) -> None:
        """Register voice file or audio file `name` (see `voice_name`) with the bundle, if it is one."""
        if self.bundle.has_voice(name):
            return
        path = Path(name)
        data = path.read_bytes()
        if path.suffix.lower() != ".safetensors":
            await self.clone(name, data, quiet)
            return
        try:
            voice = load_voice(data)
            if made_for(voice):  # a library voice: refused for another model
                text = (self.folder / "manifest.json").read_bytes()
                model = ModelIdentity.of(self.bundle.manifest, text)
                check_voice(voice, model, voice.metadata.get("name", path.stem))
        except VoiceFileError as error:
            raise CliError(f"{path}: {error}") from None
        self.bundle.add_voice(name, voice)

    async def clone(self, name: str, data: bytes, quiet: bool) -> None:
        """Clone a voice from audio file bytes and register it as `name`."""
        if not self.bundle.supports_cloning:
            raise CliError("this bundle has no voice cloning (no mimi_encoder graph)")
        rate = self.bundle.sample_rate
        audio = load_prompt(data, Path(name).name, target_rate=rate)
        if not quiet:
            print(f"cloning a voice from {Path(name).name} ({len(audio) / rate:.2f} s)", file=sys.stderr)
        await self.bundle.clone(name, audio)


async def _synth(args: argparse.Namespace) -> int:
    if args.file is not None:
        chapters = _document_chapters(args)
    elif args.chapters is not None:
        raise CliError("--chapters goes with --file")
    else:
        chapters = [Chapter("", sys.stdin.read() if args.text == "-" else args.text)]
    if not any(chapter.text.strip() for chapter in chapters):
        raise CliError("the text is empty: nothing to say")
    kind = None if args.out == "-" else audio_export.format_for(args.out)
    if kind is not None:
        audio_export.check_available(kind)
    opened = _Bundle(args.bundle, args.threads, offload=args.overlap)
    bundle = opened.bundle
    voice = opened.voice_name(args.voice)
    plan, starts = _plan_chapters(bundle, args, voice, chapters)
    if args.timestamps is None and kind is not None and bundle.manifest.timestamps is not None:
        args.timestamps = Path(args.out).with_suffix(".vtt")
    if args.timestamps is not None:
        if args.timestamps.suffix.lower() not in subtitles.FORMATS:
            raise CliError(f"--timestamps: the file must end in {', '.join(subtitles.FORMATS)}")
        if bundle.manifest.timestamps is None:
            raise CliError(
                "--timestamps: this model bundle has no timestamp heads (word timestamps unavailable)"
            )
    words: list[WordEnd] = []
    for warning in plan.script.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    await opened.add_voice(voice, args.quiet)
    rate = bundle.sample_rate
    writer = WavStreamWriter(rate, float32=args.float32 or kind is not None)
    progress = _Progress(rate, quiet=args.quiet)
    marks: list[audio_export.ChapterMark] = []
    samples = 0
    out: BinaryIO
    if kind is not None:
        out = tempfile.TemporaryFile()  # the float32 samples (a WAV), encoded once all are known
    else:
        out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")  # noqa: SIM115
    try:
        out.write(writer.header())
        timestamps = args.timestamps is not None
        async for event in bundle.generate(plan, decode_overlap=args.overlap, timestamps=timestamps):
            if isinstance(event, ChunkStarted) and event.index in starts:
                marks.append(audio_export.ChapterMark(starts[event.index], samples))
            elif isinstance(event, AudioChunk):
                out.write(writer.encode(event.samples))
                out.flush()
                samples += len(event.samples)
            elif isinstance(event, WordEnd):
                words.append(event)
            progress.update(event)
        tail = int(TAIL_SILENCE_SECONDS * rate)
        out.write(writer.encode(array("f", bytes(4 * tail))))
        samples += tail
        if kind is not None:
            _encode(out, len(writer.header()), samples, rate, args.out, kind, marks, args.quiet)
        elif out.seekable():
            out.seek(0)
            out.write(writer.final_header())
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    if args.timestamps is not None:
        args.timestamps.write_text(subtitles.render(words, args.timestamps.suffix), encoding="utf-8")
    if not args.quiet and args.out != "-":
        also = f", subtitles in {args.timestamps}" if kind is not None and args.timestamps else ""
        counted = f", {len(marks)} chapter marks" if marks else ""
        print(f"wrote {args.out} (seed {plan.seed}{counted}{also})", file=sys.stderr)
    return 0


def _plan_chapters(bundle, args: argparse.Namespace, voice: str, chapters: list[Chapter]):
    """One plan for all chapters, a CHAPTER_PAUSE between two, and {plan index: title} where each
    titled chapter starts (the chapter marks)."""
    try:
        request = SpeakRequest(
            voice=voice,
            temperature=args.temperature,
            steps=args.sampler_steps,
            seed=args.seed,
            normalize=args.normalize,
            decode_batch=args.decode_batch,
        )
        planned = [
            bundle.plan(
                chapter.text,
                request,
                markup=args.markup,
                paragraph_pause=args.paragraph_pause,
                noise_clamp=args.noise_clamp,
                eos_threshold=args.eos_threshold,
                frames_after_eos=args.frames_after_eos,
                max_tokens=args.max_tokens,
            )
            for chapter in chapters
        ]
    except ValueError as error:  # EngineError, or the text preparation's "nothing to say"
        raise CliError(str(error)) from None
    script = Script([], [])
    starts: dict[int, str] = {}
    for chapter, plan in zip(chapters, planned, strict=True):
        if script.plans:
            script.plans.append(PausePlan(CHAPTER_PAUSE))
        if chapter.title:
            starts[len(script.plans)] = chapter.title
        script.plans.extend(plan.script.plans)
        script.warnings.extend(plan.script.warnings)
    return dataclasses.replace(planned[0], script=script), starts


def _encode(wav, header: int, samples: int, rate: int, path: str, kind: str, marks, quiet: bool) -> None:
    """Encode the float32 WAV data in file `wav` (after its `header` bytes) into `path`."""
    if not quiet:
        print(f"encoding {samples / rate:.1f} s of audio as {kind}", file=sys.stderr)
    wav.seek(header)
    block = 4 * rate * 10

    def blocks():
        while data := wav.read(block):
            yield array("f", data)

    audio_export.write(path, kind, blocks(), rate, samples, marks)


def _document_chapters(args: argparse.Namespace) -> list[Chapter]:
    """`--file`: the chosen chapters (py_core.document), read one after the other with a pause."""
    if not args.markup:
        raise CliError("--file reads paragraphs and chapters with pauses between them: leave out --no-markup")
    return chosen_chapters(args.file, args.chapters, args.quiet)


def _normalize(args: argparse.Namespace) -> int:
    """Print the text as it would be read (no bundle needed): markup resolved, then normalized."""
    text = sys.stdin.read() if args.text == "-" else args.text
    items, warnings = parse_markup(text, args.paragraph_pause) if args.markup else ([text], [])
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    said = [
        f"[pause {item.seconds:g}s]"
        if isinstance(item, Pause)
        else normalize_text(item, args.language).strip()
        for item in items
    ]
    print(" ".join(s for s in said if s))
    return 0


async def _export_voice(args: argparse.Namespace) -> int:
    path = Path(args.audio)
    if not path.is_file():
        raise CliError(f"{path}: no such audio file")
    bundle = _Bundle(args.bundle, args.threads)
    await bundle.clone(str(path), path.read_bytes(), args.quiet)
    voice = await bundle.bundle.export_voice(str(path))
    Path(args.out).write_bytes(dump_voice(voice))
    if not args.quiet:
        print(f"wrote {args.out} ({voice.num_frames} positions)", file=sys.stderr)
    return 0


class _Progress:
    """One status line on stderr: chunk i/n, audio seconds, speed, time to first audio, time left (by
    chunks: the chunks left take as long as those done)."""

    def __init__(self, sample_rate: int, quiet: bool):
        self.sample_rate = sample_rate
        self.quiet = quiet
        self.samples = 0
        self.first_audio: float | None = None
        self.tty = sys.stderr.isatty()

    def update(self, event) -> None:
        if self.quiet:
            return
        if isinstance(event, AudioChunk):
            self.samples += len(event.samples)
            if self.first_audio is None:
                self.first_audio = event.seconds
            if not self.tty:
                return
        elif not isinstance(event, ChunkFinished | Finished):
            return
        audio = self.samples / self.sample_rate
        speed = audio / event.seconds if event.seconds > 0 else 0.0
        first = f", first audio after {self.first_audio:.2f} s" if self.first_audio is not None else ""
        where = "done" if isinstance(event, Finished) else f"chunk {event.index + 1}/{event.count}"
        line = f"{where}: {audio:.1f} s of audio in {event.seconds:.1f} s ({speed:.2f}x real time){first}"
        if isinstance(event, ChunkFinished) and event.index + 1 < event.count:
            left = event.seconds / (event.index + 1) * (event.count - event.index - 1)
            line += f", about {left:.0f} s left"
        end = "\n" if isinstance(event, Finished) or not self.tty else ""
        print(("\r" if self.tty else "") + line, end=end, file=sys.stderr, flush=True)
