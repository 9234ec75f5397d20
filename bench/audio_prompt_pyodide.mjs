// Time to prepare a voice-cloning prompt in Pyodide (Node, the same V8 engine as Chromium), the
// path the web worker takes: py_core.audio_prompt.load_prompt on a 16-bit WAV (30 s, 48 kHz and
// 44.1 kHz stereo by default), best of 3 runs. py_core comes from the working tree (or --py-core DIR;
// a py_core without load_prompt is timed as read_audio + prepare_prompt).
//
//   node bench/audio_prompt_pyodide.mjs [--py-core DIR] [--seconds 30]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'py-core': { type: 'string' }, seconds: { type: 'string', default: '30' } } });
const pyCore = values['py-core'] ?? join(root, 'py_core');
const indexURL = join(root, 'node_modules', 'pyodide') + '/';
const { loadPyodide } = await import(join(indexURL, 'pyodide.mjs'));
const pyodide = await loadPyodide({ indexURL, stdout: console.log, stderr: console.error });
pyodide.FS.mkdirTree('/bench/py_core');
for (const name of readdirSync(pyCore)) {
  if (name.endsWith('.py')) pyodide.FS.writeFile(`/bench/py_core/${name}`, readFileSync(join(pyCore, name)));
}
await pyodide.runPythonAsync(`
import math, sys, time
from array import array
sys.path.insert(0, "/bench")
from py_core import audio_prompt

def wav(rate, seconds):
    n = int(rate * seconds)
    left = array("h", [int(8000 * math.sin(i * 0.01) * (1 + 0.5 * math.sin(i * 1e-4))) for i in range(n)])
    both = array("h", bytes(4 * n))
    both[0::2], both[1::2] = left, left[::-1]
    raw = both.tobytes() if sys.byteorder == "little" else (both.byteswap() or both.tobytes())
    header = (b"RIFF" + (36 + len(raw)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
              + (1).to_bytes(2, "little") + (2).to_bytes(2, "little") + rate.to_bytes(4, "little")
              + (4 * rate).to_bytes(4, "little") + (4).to_bytes(2, "little") + (16).to_bytes(2, "little")
              + b"data" + len(raw).to_bytes(4, "little"))
    return header + raw

def prepare(data):
    if hasattr(audio_prompt, "load_prompt"):
        return audio_prompt.load_prompt(data, stdlib_only=True)
    samples, rate = audio_prompt.read_audio(data)
    return audio_prompt.prepare_prompt(samples, rate)

for rate in (48000, 44100):
    data = wav(rate, ${Number(values.seconds)})
    times = []
    for _ in range(3):
        start = time.perf_counter()
        prompt = prepare(data)
        times.append(time.perf_counter() - start)
    print(f"{rate} Hz stereo, ${Number(values.seconds)} s: best {min(times):.2f} s, runs " + ", ".join(f"{t:.2f}" for t in times) + f" ({len(prompt)} samples out)")
`);
