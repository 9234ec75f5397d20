// Time py_core.normalize_text on 200 kB of number-heavy text in Pyodide (Node, the V8 engine Chromium
// uses), per language, best of 3 runs; the same text is timed in CPython by the same Python code when
// run with --cpython (python3 on PATH). Wall and CPU time (Node's process.cpuUsage; CPython's process_time)
// are printed: on a shared machine the CPU time is the one to compare with the target (200 kB in 1 s). The text: the written forms that scripts/normalize_oracle.py
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

SAMPLES = {language: text(language, SIZE) for language in normalize_oracle.CODES}
for language in SAMPLES:
    normalize_text("1", language)  # the pattern compiled once, as the app does before it reads

def run(language):
    normalize_text(SAMPLES[language], language)

def describe(language):
    sample = SAMPLES[language]
    return f"{language:<10} {len(sample):>7} chars ({sum(c.isdigit() for c in sample)} digits)"
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
console.log(`Pyodide ${pyodide.version}, Node ${process.version}; best of 3, wall and CPU (process.cpuUsage) seconds`);
pyodide.runPython(`ROOT, SIZE = "/bench", ${size}\n${python}`);
for (const language of pyodide.runPython('list(SAMPLES)').toJs()) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < 3; i++) {
    const [start, startCpu] = [performance.now(), process.cpuUsage()];
    pyodide.runPython(`run(${JSON.stringify(language)})`);
    const used = process.cpuUsage(startCpu);
    wall.push((performance.now() - start) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
  const describe = pyodide.runPython(`describe(${JSON.stringify(language)})`);
  console.log(`pyodide  ${describe}: wall ${Math.min(...wall).toFixed(3)} s, CPU ${Math.min(...cpu).toFixed(3)} s`);
}
if (values.cpython) {
  const script = `ROOT, SIZE = ${JSON.stringify(root)}, ${size}\n${python}
for language in SAMPLES:
    wall, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(language)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"cpython  {describe(language)}: wall {min(wall):.3f} s, CPU {min(cpu):.3f} s")
`;
  process.stdout.write(execFileSync('python3', ['-c', script], { encoding: 'utf-8' }));
}
