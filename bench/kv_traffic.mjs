#!/usr/bin/env node
// What the flow-LM step's growing KV cache costs in the browser: `flow_lm_step` in headless Chromium
// (onnxruntime-web's plain WASM build, one thread) at several past lengths, fetching every output
// (what the app does: the present K/V come back to JS each step) or only `hidden` and `eos_logit`
// (the present K/V stay computed but are not copied out of the WASM heap). Cases interleaved round
// by round, a fresh browser per measurement. Prints one JSON document.
// (Written for schema-3 bundles, whose step returned the whole present K/V; since schema 4 it returns
// only the new rows, which web/engine/bridge.js appends in place: bench/kv_append.mjs compares the two.)
//
//   node bench/kv_traffic.mjs --bundle public/models/english-synthetic-full --rounds 3 > bench/results/kv-traffic.json

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, interleaveInChromium, serveFolders } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = resolve(arg('bundle', join(root, 'public/models/english-synthetic-full')));
const rounds = Number(arg('rounds', 3));
const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
const CASES = [
  { past: 20, fetch: 'all' },
  { past: 250, fetch: 'all' },
  { past: 500, fetch: 'all' },
  { past: 20, fetch: 'hidden+eos' },
  { past: 250, fetch: 'hidden+eos' },
  { past: 500, fetch: 'hidden+eos' },
];

/** Runs in the page: one session, `calls` timed runs at `past` positions; median and min (ms). */
async function measureInPage({ past, fetch: fetched, calls }) {
  const ort = await import('/ort/ort.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { mjs: new URL('/ort/ort-wasm-simd-threaded.mjs', location.href).href, wasm: new URL('/ort/ort-wasm-simd-threaded.wasm', location.href).href };
  const spec = (await (await fetch('/bundle/manifest.json')).json()).graphs.flow_lm_step;
  const bytes = new Uint8Array(await (await fetch(`/bundle/${spec.file}`)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = {};
  for (const input of spec.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : d === 'past' ? past : d === 'conditioning' ? 0 : 1));
    feeds[input.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.01), dims);
  }
  const fetches = fetched === 'all' ? undefined : ['hidden', 'eos_logit'];
  for (let i = 0; i < 5; i++) await session.run(feeds, fetches);
  const times = [];
  for (let i = 0; i < calls; i++) {
    const begun = performance.now();
    await session.run(feeds, fetches);
    times.push(performance.now() - begun);
  }
  times.sort((a, b) => a - b);
  return { median_ms: +times[times.length >> 1].toFixed(2), min_ms: +times[0].toFixed(2) };
}

const server = await serveFolders({ ort: ortDist, bundle }, Number(arg('port', 4302)));
const runs = await interleaveInChromium(server.url, CASES, rounds, measureInPage, (c) => `past ${c.past} fetch ${c.fetch}`);
server.close();

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(JSON.stringify({
  command: `node bench/kv_traffic.mjs --bundle ${arg('bundle', 'public/models/english-synthetic-full')} --rounds ${rounds}`,
  date: new Date().toISOString(),
  what: 'flow_lm_step session.run in Chromium, plain WASM build, 1 thread; fetch all outputs vs only hidden+eos_logit; per case the median over rounds of each run\'s median and min',
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  bundle: JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')).model_id,
  summary: CASES.map((c) => {
    const mine = runs.filter((r) => r.past === c.past && r.fetch === c.fetch);
    return { ...c, median_ms: median(mine.map((r) => r.median_ms)), min_ms: median(mine.map((r) => r.min_ms)) };
  }),
  runs,
}, null, 2));
