"""Python side of e2e/voice-library.spec.js: upstream pocket_tts and the CLI on a voice file.

python e2e/voice_tools.py upstream-voice BUNDLE AUDIO OUT
    upstream's `export-voice` on the bundle's source weights: get_state_for_audio_prompt(AUDIO,
    truncate=True), then export_model_state to OUT
python e2e/voice_tools.py compare BUNDLE VOICE TEXT PCM
    speak TEXT at temperature 0 with VOICE (a .safetensors file) through `python -m py_core synth`
    and through upstream's generate_audio; print JSON: the max abs difference of each from PCM
    (the browser's float32 samples), and the sample counts
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bundle.parity import load_upstream, upstream_generate

TAIL = 4800  # the CLI's 200 ms of closing silence


def upstream_voice(bundle: Path, audio: Path, out: Path) -> None:
    from pocket_tts import export_model_state

    model = load_upstream(bundle)
    export_model_state(model.get_state_for_audio_prompt(audio, truncate=True), out)


def compare(bundle: Path, voice: Path, text: str, pcm: Path) -> dict:
    browser = np.fromfile(pcm, dtype="<f4")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.wav"
        subprocess.run(
            [sys.executable, "-m", "py_core", "synth", "--bundle", str(bundle), "--text", text, "--voice",
             str(voice), "--temperature", "0", "--float32", "--out", str(out), "-q"],
            check=True,
        )  # fmt: skip
        data = out.read_bytes()
        cli = np.frombuffer(data[data.index(b"data") + 8 :], dtype="<f4")[:-TAIL]
    model = load_upstream(bundle)
    upstream = upstream_generate(model, model.get_state_for_audio_prompt(voice), text)

    def diff(other: np.ndarray) -> float | None:
        return float(np.abs(other - browser).max()) if len(other) == len(browser) else None

    return {
        "browser": len(browser),
        "cli": len(cli),
        "upstream": len(upstream),
        "cliMaxAbs": diff(cli),
        "upstreamMaxAbs": diff(upstream),
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "upstream-voice":
        upstream_voice(Path(args[0]), Path(args[1]), Path(args[2]))
    else:
        print(json.dumps(compare(Path(args[0]), Path(args[1]), args[2], Path(args[3]))))
