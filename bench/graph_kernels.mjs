#!/usr/bin/env node
// One per-frame graph of a bundle, two builds side by side in onnxruntime-web's WASM backend (Node,
// one thread): each build's session creation time, ms per one-frame call in the app's steady state
// (the decoder with its attention window full; the flow-LM step with `--past` positions behind it),
// calls interleaved round by round, then each build's per-kernel profile (onnxruntime's profiler,
// in child processes alternating between the builds: the WASM build prints its events to stdout)
// summed by operator type, the smallest over the repeats. (It was bench/decoder_kernels.mjs, the
// decoder only, in session 12.)
//
//   python bench/decoder_graphs.py     # build/decoder-levers/{before,after}/mimi_decoder.onnx
//   node bench/graph_kernels.mjs --rounds 3 > bench/results/decoder-kernels.json
//   python bench/step_formats.py       # build/step-formats/<form>/flow_lm_kv.onnx
//   node bench/graph_kernels.mjs --graph flow_lm_step --a build/step-formats/int8 --b build/step-formats/wo-int8
//
// Options: --graph (the manifest's graph name; default mimi_decoder), --a / --b (folders holding
// the graph's file; default build/decoder-levers/before|after), --manifest (a bundle manifest of
// the same architecture, for the input shapes; default: the full-size synthetic bundle in
// public/models), --calls per round (default 20), --file (the graph file in each folder; default
// the manifest's), --past (the step's past positions; default 250), --profile-repeats (profiles
// per build, default 3).

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
const calls = Number(arg('calls', 20));
const past = Number(arg('past', 250));
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const graph = arg('graph', 'mimi_decoder');
const file = arg('file', manifest.graphs[graph].file);
ort.env.wasm.numThreads = 1;
const PROFILED_CALLS = 6;

/**
 * Feeds for one frame: the decoder's attention K/V windows full (context - 1 rows), the step's
 * past `past` rows and no conditioning (a step after the prompt); every other free dimension 1.
 */
function feeds() {
  const sizes = { window: manifest.model.decoder_attention_context - 1, past, conditioning: 0 };
  const result = {};
  for (const input of manifest.graphs[graph].inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : sizes[d] ?? 1));
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
function profileOnce(folder) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--profile', folder, '--manifest', manifestPath, '--graph', graph, '--file', file, '--past', String(past)], { maxBuffer: 1 << 28 }).toString();
  const events = out.split('\n').map((line) => line.trim().replace(/,$/, '')).filter((line) => line.startsWith('{"cat" : "Node"'))
    .map((line) => JSON.parse(line)).filter((e) => e.name.endsWith('_kernel_time'));
  const byOp = {};
  for (const e of events.slice(events.length / PROFILED_CALLS)) byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur / (PROFILED_CALLS - 1) / 1000;
  return byOp;
}

/**
 * Both builds' profiles, child processes alternating (a, b, a, b, …): per operator type the
 * smallest ms per call over the repeats (the load of a shared machine only adds), and its share
 * of the sum of those.
 */
function profiles(repeats) {
  const runs = { a: [], b: [] };
  for (let i = 0; i < repeats; i++) for (const key of ['a', 'b']) runs[key].push(profileOnce(variants[key]));
  return Object.fromEntries(Object.entries(runs).map(([key, list]) => {
    const ops = [...new Set(list.flatMap(Object.keys))];
    const best = Object.fromEntries(ops.map((op) => [op, Math.min(...list.map((r) => r[op] ?? 0))]));
    const total = Object.values(best).reduce((x, y) => x + y, 0);
    return [key, {
      repeats,
      kernel_ms_per_call_each_repeat: list.map((r) => +Object.values(r).reduce((x, y) => x + y, 0).toFixed(2)),
      kernel_ms_per_call_sum_of_min: +total.toFixed(2),
      by_op_min: Object.fromEntries(Object.entries(best).sort((x, y) => y[1] - x[1]).map(([op, ms]) => [op, { ms_per_call: +ms.toFixed(2), share: +(ms / total).toFixed(3) }])),
    }];
  }));
}

const loadavg_before = loadavg();
const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1];
/** Session creation, ms: each build twice, alternating (the first of all pays for compiling the WASM). */
const created = { a: [], b: [] };
/** @type {Record<string, any>} */
const sessions = {};
for (let i = 0; i < 2; i++) {
  for (const key of ['a', 'b']) {
    const started = performance.now();
    sessions[key] = await open(variants[key]);
    created[key].push(+(performance.now() - started).toFixed(1));
  }
}
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
const profiled = profiles(Number(arg('profile-repeats', 3)));
console.log(JSON.stringify({
  command: `node bench/graph_kernels.mjs --graph ${graph} --rounds ${rounds} --calls ${calls} --past ${past} --profile-repeats ${profiled.a.repeats} --file ${file} --a ${variants.a} --b ${variants.b}`,
  what: `${graph}, one frame per call (${graph === 'mimi_decoder' ? 'attention window full' : `${past} past positions`}), onnxruntime-web WASM in Node, 1 thread; calls interleaved (a,b / b,a), median and min per round; session creation twice per build, alternating`,
  node: process.version,
  'onnxruntime-web': ort.env.versions?.web,
  cpus: cpus().length,
  loadavg_before: loadavg_before,
  loadavg_after: loadavg(),
  a: { folder: variants.a, session_create_ms: created.a, ms_per_round: perRound.a, profile: profiled.a },
  b: { folder: variants.b, session_create_ms: created.b, ms_per_round: perRound.b, profile: profiled.b },
}, null, 2));
