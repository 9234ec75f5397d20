#!/usr/bin/env node
// The Mimi decoder graph, two builds side by side in onnxruntime-web's WASM backend (Node, one
// thread): ms per one-frame call with the attention window full (the app's steady state), calls
// interleaved round by round, then each build's per-kernel profile (onnxruntime's profiler, in a
// child process: the WASM build prints its events to stdout) summed by operator type.
//
//   python bench/decoder_graphs.py     # build/decoder-levers/{before,after}/mimi_decoder.onnx
//   node bench/decoder_kernels.mjs --rounds 3 > bench/results/decoder-kernels.json
//
// Options: --a / --b (folders holding mimi_decoder.onnx; default build/decoder-levers/before|after),
// --manifest (a bundle manifest of the same architecture, for the input shapes; default: the
// full-size synthetic bundle in public/models), --calls per round (default 20), --file (the graph
// file in each folder; default mimi_decoder.onnx).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const variants = {
  a: resolve(arg('a', `${root}/build/decoder-levers/before`)),
  b: resolve(arg('b', `${root}/build/decoder-levers/after`)),
};
const manifestPath = resolve(arg('manifest', `${root}/public/models/english-synthetic-full/manifest.json`));
const rounds = Number(arg('rounds', 3));
const file = arg('file', 'mimi_decoder.onnx');
const calls = Number(arg('calls', 20));
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
ort.env.wasm.numThreads = 1;
const PROFILED_CALLS = 6;

/** Feeds for one frame: zero conv states, attention K/V windows full (context - 1 rows). */
function feeds() {
  const window = manifest.model.decoder_attention_context - 1;
  const result = {};
  for (const input of manifest.graphs.mimi_decoder.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : d === 'window' ? window : 1));
    const size = dims.reduce((x, y) => x * y, 1);
    result[input.name] = input.dtype === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from({ length: size }, () => 4000n), dims)
      : new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.1), dims);
  }
  return result;
}

async function open(folder, profile = false) {
  const bytes = readFileSync(`${folder}/${file}`);
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: profile });
}

if (arg('profile')) {
  // Child: run a few profiled calls and let the WASM build print its events.
  const session = await open(arg('profile'), true);
  const input = feeds();
  for (let i = 0; i < PROFILED_CALLS; i++) await session.run(input);
  session.endProfiling();
  process.exit(0);
}

/** Per operator type: kernel ms per call, from 6 profiled calls in a child process (the first dropped). */
function profile(folder) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--profile', folder, '--manifest', manifestPath, '--file', file], { maxBuffer: 1 << 28 }).toString();
  const events = out.split('\n').map((line) => line.trim().replace(/,$/, '')).filter((line) => line.startsWith('{"cat" : "Node"'))
    .map((line) => JSON.parse(line)).filter((e) => e.name.endsWith('_kernel_time'));
  const counted = events.slice(events.length / PROFILED_CALLS);
  const byOp = {};
  for (const e of counted) byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur;
  const total = Object.values(byOp).reduce((x, y) => x + y, 0);
  const perCall = (us) => +(us / (PROFILED_CALLS - 1) / 1000).toFixed(2);
  return {
    kernel_ms_per_call: perCall(total),
    by_op: Object.fromEntries(Object.entries(byOp).sort((x, y) => y[1] - x[1]).map(([op, us]) => [op, { ms_per_call: perCall(us), share: +(us / total).toFixed(3) }])),
  };
}

const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1];
const sessions = { a: await open(variants.a), b: await open(variants.b) };
const input = feeds();
for (const s of Object.values(sessions)) for (let i = 0; i < 3; i++) await s.run(input);
const perRound = { a: [], b: [] };
for (let round = 0; round < rounds; round++) {
  const times = { a: [], b: [] };
  for (let call = 0; call < calls; call++) {
    for (const key of call % 2 ? ['b', 'a'] : ['a', 'b']) {
      const started = performance.now();
      await sessions[key].run(input);
      times[key].push(performance.now() - started);
    }
  }
  for (const key of ['a', 'b']) perRound[key].push({ median: +median(times[key]).toFixed(2), min: +Math.min(...times[key]).toFixed(2) });
}
console.log(JSON.stringify({
  command: `node bench/decoder_kernels.mjs --rounds ${rounds} --calls ${calls} --file ${file} --a ${variants.a} --b ${variants.b}`,
  what: 'mimi_decoder, one latent frame per call, attention window full, onnxruntime-web WASM in Node, 1 thread; calls interleaved (a,b / b,a), median and min per round',
  node: process.version,
  'onnxruntime-web': ort.env.versions?.web,
  cpus: cpus().length,
  loadavg_before: loadavg(),
  a: { folder: variants.a, ms_per_round: perRound.a, profile: profile(variants.a) },
  b: { folder: variants.b, ms_per_round: perRound.b, profile: profile(variants.b) },
}, null, 2));
