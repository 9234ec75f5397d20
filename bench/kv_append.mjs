#!/usr/bin/env node
// The flow-LM step as the app runs it, before and after the K/V states became appended rows:
// `flow_lm_step` in headless Chromium (onnxruntime-web's plain WASM build, one thread) at several past
// lengths, for two bundles of the same model:
//   --before  a bundle whose step returns the whole present K/V (manifest schema 3): every output
//             fetched, as the app did (each output copied into fresh JS memory);
//   --after   a bundle whose step returns only the new rows (schema 4, state update "append"): the
//             past is fed as views of capacity buffers and the new rows are copied into them after
//             each call, as web/engine/bridge.js `append` does.
// Cases interleaved round by round, a fresh browser per measurement. Prints one JSON document.
//
//   node bench/kv_append.mjs --before build/bundles/full-int8 --after /tmp/kvfull/english-synthetic-full --rounds 3

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, interleaveInChromium, serveFolders } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundles = { before: resolve(arg('before')), after: resolve(arg('after')) };
const rounds = Number(arg('rounds', 3));
const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
const PASTS = (arg('past', '20,250,500') || '').split(',').map(Number);
const CASES = PASTS.flatMap((past) => [
  { past, bundle: 'before' },
  { past, bundle: 'after' },
]);

/** Runs in the page: one session, `calls` timed steps at `past` positions; median and min (ms). */
async function measureInPage({ past, bundle, calls }) {
  const ort = await import('/ort/ort.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { mjs: new URL('/ort/ort-wasm-simd-threaded.mjs', location.href).href, wasm: new URL('/ort/ort-wasm-simd-threaded.wasm', location.href).href };
  const spec = (await (await fetch(`/${bundle}/manifest.json`)).json()).graphs.flow_lm_step;
  const bytes = new Uint8Array(await (await fetch(`/${bundle}/${spec.file}`)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const appended = new Map((spec.states ?? []).filter((s) => s.update === 'append').map((s) => [s.input, s.output]));
  const feeds = {};
  const buffers = {}; // input name → capacity buffer (appended states)
  for (const input of spec.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : d === 'past' ? past : d === 'conditioning' ? 0 : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    if (appended.has(input.name)) {
      const row = size / past;
      buffers[input.name] = { data: new Float32Array((past + 64) * row).fill(0.01), row };
      feeds[input.name] = new ort.Tensor('float32', buffers[input.name].data.subarray(0, past * row), dims);
    } else {
      feeds[input.name] = new ort.Tensor('float32', new Float32Array(size).fill(0.01), dims);
    }
  }
  const step = async () => {
    const results = await session.run(feeds);
    // What Bridge.append does per state: the new rows into the buffer, after the past.
    for (const [input, output] of appended) {
      const { data, row } = buffers[input];
      data.set(results[output].data, past * row);
    }
  };
  for (let i = 0; i < 5; i++) await step();
  const times = [];
  for (let i = 0; i < calls; i++) {
    const begun = performance.now();
    await step();
    times.push(performance.now() - begun);
  }
  times.sort((a, b) => a - b);
  return { median_ms: +times[times.length >> 1].toFixed(2), min_ms: +times[0].toFixed(2) };
}

const server = await serveFolders({ ort: ortDist, ...bundles }, Number(arg('port', 4303)));
const runs = await interleaveInChromium(server.url, CASES, rounds, measureInPage, (c) => `past ${c.past} ${c.bundle}`);
server.close();

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const summary = CASES.map((c) => {
  const mine = runs.filter((r) => r.past === c.past && r.bundle === c.bundle);
  return { ...c, median_ms: median(mine.map((r) => r.median_ms)), min_ms: median(mine.map((r) => r.min_ms)) };
});
console.log(JSON.stringify({
  command: `node bench/kv_append.mjs --before ${arg('before')} --after ${arg('after')} --rounds ${rounds}`,
  date: new Date().toISOString(),
  what: 'flow_lm_step in Chromium, plain WASM build, 1 thread: before = whole present K/V fetched (fresh JS memory); after = new rows fetched and copied into capacity buffers whose views are the past; per case the median over rounds of each run\'s median and min',
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  bundles: Object.fromEntries(Object.entries(bundles).map(([k, path]) => [k, JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')).schema_version])),
  summary,
  ratios_after_over_before: PASTS.map((past) => {
    const of = (bundle, key) => summary.find((s) => s.past === past && s.bundle === bundle)[key];
    return { past, median: +(of('after', 'median_ms') / of('before', 'median_ms')).toFixed(3), min: +(of('after', 'min_ms') / of('before', 'min_ms')).toFixed(3) };
  }),
  runs,
}, null, 2));
