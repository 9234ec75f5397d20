"""web/audio/audio-file.js checks WAV headers with py_core.audio_prompt's rules and messages.

The browser decodes formats py_core does not read (float, 24-bit WAV, ...) after
`parseWav` has checked the header; py_core checks 16-bit WAV itself (`parse_wav`). The two must
agree: the same mutated WAV files (tests/test_audio_fuzz.py's generators) go through both, in Node
and here, and must give the same refusal message or the same format. Node is required.
"""

import json
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from test_audio_fuzz import BASES, FIELDS, chunk, crafted_wav, random_field_value, with_field

from py_core.audio_prompt import AudioPromptError, parse_wav

ROOT = Path(__file__).resolve().parents[1]
NAME = "case.wav"
NODE_SCRIPT = """
import { readFileSync } from 'node:fs';
import { parseWav } from './web/audio/audio-file.js';
const results = [];
for (const path of JSON.parse(readFileSync(0, 'utf8'))) {
  const bytes = new Uint8Array(readFileSync(path));
  try {
    const wav = parseWav(bytes, 'case.wav');
    const format = wav && [wav.formatTag, wav.channels, wav.sampleRate, wav.bits, wav.blockAlign];
    results.push(wav && { format: [...format, wav.dataOffset] });
  } catch (error) {
    results.push({ error: `${error.constructor.name}: ${error.message}` });
  }
}
console.log(JSON.stringify(results));
"""


def cases() -> list[bytes]:
    rng = random.Random(21)
    out = []
    for base in BASES:
        for field in FIELDS:
            for _ in range(6):
                out.append(with_field(base, field, random_field_value(rng, field)))
    for _ in range(150):
        data = rng.choice(BASES)
        for field in rng.sample(sorted(FIELDS), rng.randint(2, 4)):
            data = with_field(data, field, random_field_value(rng, field))
        out.append(data)
    for _ in range(60):
        base = rng.choice(BASES)
        out.append(base[: rng.randrange(60)])
    for tag, bits in [(3, 32), (3, 64), (3, 16), (1, 24), (1, 12), (0xFFFE, 16), (6, 8), (2, 4)]:
        out.append(crafted_wav(tag=tag, bits=bits, block_align=max(bits // 8, 1), data=bytes(480)))
    out.append(b"RIFF\0\0\0\0WAVE" + chunk(b"data", bytes(8)) + chunk(b"fmt ", BASES[0][20:36]))
    out.append(b"RIFF\0\0\0\0WAVE" + chunk(b"LIST", bytes(3)) + BASES[0][12:])
    return out


def python_outcome(data: bytes):
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE" or len(data) < 12:
        return None
    try:
        wav = parse_wav(data, NAME)
    except AudioPromptError as error:
        return {"error": f"AudioFileError: {error}"}
    return {
        "format": [wav.format_tag, wav.channels, wav.sample_rate, wav.bits, wav.block_align, wav.data_offset]
    }


def test_js_and_python_wav_checks_agree(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: this test needs Node.js 20 or later", pytrace=False)
    datas = cases()
    paths = []
    for i, data in enumerate(datas):
        path = tmp_path / f"{i}.wav"
        path.write_bytes(data)
        paths.append(str(path))
    done = subprocess.run(
        [node, "--input-type=module", "-e", NODE_SCRIPT],
        cwd=ROOT,
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    js = json.loads(done.stdout)
    assert len(js) == len(datas) >= 400
    for i, (data, theirs) in enumerate(zip(datas, js, strict=True)):
        assert theirs == python_outcome(data), f"case {i}: {struct.unpack_from('<4sI4s', data + bytes(12))}"
    assert sum("error" in (r or {}) for r in js) > 100 and sum("format" in (r or {}) for r in js) > 50
