#!/usr/bin/env node
// onnxruntime-web's WebAssembly builds side by side in headless Chromium: the JSEP build (what
// `ort.min.mjs` loads by default, needed by the WebGPU EP) and the plain build (web/engine/ort-builds.js
// points WASM sessions at it). The bundle's three per-frame graphs, one WASM thread, zero-ish
// inputs of the manifest's shapes (KV past = 250 positions, one decoder frame), builds interleaved
// round by round, a fresh browser per measurement. Prints one JSON document.
//
//   node bench/ort_builds.mjs --bundle public/models/english-synthetic-full --rounds 3 > bench/results/ort-builds.json

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../browsers/chromium.js';
import { arg, interleaveInChromium, serveFolders } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = resolve(arg('bundle', join(root, 'public/models/english-synthetic-full')));
const rounds = Number(arg('rounds', 3));
const calls = Number(arg('calls', 40));
const port = Number(arg('port', 4301));
const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
const BUILDS = {
  jsep: '/ort/',
  plain: { mjs: `http://127.0.0.1:${port}/ort/ort-wasm-simd-threaded.mjs`, wasm: `http://127.0.0.1:${port}/ort/ort-wasm-simd-threaded.wasm` },
};
const GRAPHS = [['flow_lm_step', 250], ['flow_lm_flow', 0], ['mimi_decoder', 0]];

/** Runs in the page: create each graph's session, warm it up, time `calls` runs. */
async function measureInPage({ builds, build, graphs, calls }) {
  const wasmPaths = builds[build];
  const ort = await import('/ort/ort.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = wasmPaths;
  const manifest = await (await fetch('/bundle/manifest.json')).json();
  const result = {};
  for (const [graph, past] of graphs) {
    const spec = manifest.graphs[graph];
    const bytes = new Uint8Array(await (await fetch(`/bundle/${spec.file}`)).arrayBuffer());
    const started = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const createMs = performance.now() - started;
    const feeds = {};
    for (const input of spec.inputs) {
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : d === 'past' ? past : d === 'conditioning' ? 0 : 1));
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] = input.dtype === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(size), dims)
        : new ort.Tensor('float32', new Float32Array(size).fill(0.01), dims);
    }
    for (let i = 0; i < 5; i++) await session.run(feeds);
    const times = [];
    for (let i = 0; i < calls; i++) {
      const begun = performance.now();
      await session.run(feeds);
      times.push(performance.now() - begun);
    }
    times.sort((a, b) => a - b);
    result[graph] = { session_create_ms: Math.round(createMs), median_ms: +times[times.length >> 1].toFixed(2), min_ms: +times[0].toFixed(2) };
    await session.release();
  }
  return { graphs: result };
}

const server = await serveFolders({ ort: ortDist, bundle }, port);

const runs = await interleaveInChromium(server.url, Object.keys(BUILDS).map((build) => ({ build })), rounds, measureInPage,
  (c) => c.build, { calls, pageArgs: { builds: BUILDS, graphs: GRAPHS } });
server.close();

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const summary = {};
for (const build of Object.keys(BUILDS)) {
  summary[build] = {};
  for (const [graph] of GRAPHS) {
    const mine = runs.filter((run) => run.build === build).map((run) => run.graphs[graph]);
    summary[build][graph] = { median_ms: median(mine.map((m) => m.median_ms)), session_create_ms: median(mine.map((m) => m.session_create_ms)) };
  }
}
console.log(JSON.stringify({
  command: `node bench/ort_builds.mjs --bundle ${arg('bundle', 'public/models/english-synthetic-full')} --rounds ${rounds}`,
  date: new Date().toISOString(),
  what: 'per-graph session.run time, one WASM thread, KV past 250, one decoder frame; medians of each run, then the median over rounds',
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  versions: { 'onnxruntime-web': JSON.parse(readFileSync(join(ortDist, '../package.json'), 'utf8')).version, chromium: (await (async () => { const b = await launchChromium(); const v = b.version(); await b.close(); return v; })()) },
  bundle: JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')).model_id,
  summary,
  runs,
}, null, 2));
