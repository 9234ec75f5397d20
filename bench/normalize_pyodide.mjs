// Time py_core.normalize_text on 200 kB of number-heavy text in Pyodide (Node, the V8 engine Chromium
// uses), per language, best of 3 runs; the same text is timed in CPython by the same Python code when
// run with --cpython (python3 on PATH). Wall time and CPU time (process_time) are printed: on a shared
// machine the CPU time is the one to compare with the target (200 kB in 1 s). The text: the written forms that scripts/normalize_oracle.py
// generates (numbers, dates, times, money, measures, phones, fractions, ranges, ordinals, years,
// percentages), joined in sentences, cut at 200,000 characters; about half of it is digits and symbols.
// py_core and the generator come from the working tree's sources.
//
//   node bench/normalize_pyodide.mjs [--kb 200] [--cpython]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { kb: { type: 'string', default: '200' }, cpython: { type: 'boolean' } } });
const size = Number(values.kb) * 1000;

const python = `
import sys, time
sys.path[:0] = [ROOT, ROOT + "/scripts"]
import normalize_oracle
from py_core.normalize import normalize_text

def text(language, size):
    forms = [written for _, written in normalize_oracle.forms(language, 200)]
    forms = [forms[i] for i in range(0, len(forms), 7)] + forms  # the classes mixed, not in blocks
    out, i = [], 0
    while sum(map(len, out)) < size:
        out.append(f"Item {i % 97}: {forms[i % len(forms)]}, then {forms[(i * 31 + 5) % len(forms)]}. ")
        i += 1
    return "".join(out)[:size]

for language in normalize_oracle.CODES:
    sample = text(language, SIZE)
    digits = sum(c.isdigit() for c in sample)
    times, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        normalize_text(sample, language)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"{RUNTIME:<8} {language:<10} {len(sample):>7} chars ({digits} digits): best {min(times):.3f} s "
          + f"(CPU {min(cpu):.3f} s), runs " + ", ".join(f"{t:.3f}" for t in times))
`;

const indexURL = join(root, 'node_modules', 'pyodide') + '/';
const { loadPyodide } = await import(join(indexURL, 'pyodide.mjs'));
const pyodide = await loadPyodide({ indexURL, stdout: console.log, stderr: console.error });
for (const folder of ['py_core', 'scripts']) {
  pyodide.FS.mkdirTree(`/bench/${folder}`);
  for (const name of readdirSync(join(root, folder))) {
    if (name.endsWith('.py')) pyodide.FS.writeFile(`/bench/${folder}/${name}`, readFileSync(join(root, folder, name)));
  }
}
console.log(`Pyodide ${pyodide.version}, Node ${process.version}`);
await pyodide.runPythonAsync(`ROOT, SIZE, RUNTIME = "/bench", ${size}, "pyodide"\n${python}`);
if (values.cpython) {
  const script = `ROOT, SIZE, RUNTIME = ${JSON.stringify(root)}, ${size}, "cpython"\n${python}`;
  process.stdout.write(execFileSync('python3', ['-c', script], { encoding: 'utf-8' }));
}
