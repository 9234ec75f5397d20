#!/usr/bin/env node
// Where the CPU goes while the built app speaks: a Chromium trace with V8's sampling profiler on
// every thread (page, synthesis worker, decoder worker, audio worklet), summed per thread into
// onnxruntime-web's WebAssembly, Pyodide's WebAssembly (the Python interpreter and py_core), the
// app's JavaScript, the rest of the JavaScript (onnxruntime-web's and Pyodide's glue), garbage
// collection and idle. Prints one JSON document; a benchmark, never a test.
//
//   npm run build
//   node bench/trace_app.mjs --model english-synthetic-full/ [--config wasm-1t] [--words 40]

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { APP_CONFIGS, arg, prepareUtterance, waitForLoaded, waitForUtterance } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const config = arg('config', 'wasm-1t');
const port = Number(arg('port', 4182));
const words = Number(arg('words', 40));
const fullText = JSON.parse(readFileSync(resolve(root, 'bench/text.json'), 'utf8')).text;
const text = fullText.split(/\s+/).slice(0, words).join(' ');

/** The bucket a sampled frame's own time belongs to. */
function bucket(frame) {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)' || functionName === '(program)') return functionName.slice(1, -1);
  if (/ort-wasm/.test(url) || (/^wasm:/.test(url) && /ort/.test(url))) return url.endsWith('.mjs') ? 'ort glue (js)' : 'ort wasm';
  if (/pyodide\.asm/.test(url)) return url.endsWith('.wasm') || /^wasm:/.test(url) ? 'pyodide wasm' : 'pyodide glue (js)';
  if (/^wasm:/.test(url) || functionName.startsWith('$')) return 'wasm (unattributed)';
  if (/\/assets\/|\/web\//.test(url)) return 'app js';
  if (!url) return functionName ? `native: ${functionName}` : 'native';
  return 'other js';
}

/** Sum the sampled self time (ms) per thread and bucket from Chromium's trace events. */
function summarize(events) {
  const threadNames = new Map();
  for (const e of events) if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const profiles = new Map(); // profile id → { thread, nodes: Map(id → frame), samples: [[node, dt]] }
  for (const e of events) {
    if (e.name === 'Profile') profiles.set(e.id, { thread: `${e.pid}:${e.tid}`, nodes: new Map(), samples: [] });
    if (e.name !== 'ProfileChunk') continue;
    const profile = profiles.get(e.id);
    if (!profile) continue;
    const data = e.args.data;
    for (const node of data.cpuProfile?.nodes ?? []) profile.nodes.set(node.id, node.callFrame);
    const samples = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    samples.forEach((node, i) => profile.samples.push([node, deltas[i] ?? 0]));
  }
  const threads = {};
  for (const profile of profiles.values()) {
    const name = `${threadNames.get(profile.thread) ?? 'thread'} ${profile.thread}`;
    const sums = (threads[name] ??= {});
    // A sample's time is the delta to the next sample.
    for (let i = 0; i < profile.samples.length - 1; i++) {
      const frame = profile.nodes.get(profile.samples[i][0]) ?? { url: '', functionName: '?' };
      const key = bucket(frame);
      sums[key] = (sums[key] ?? 0) + profile.samples[i + 1][1] / 1000;
    }
  }
  for (const sums of Object.values(threads)) for (const key of Object.keys(sums)) sums[key] = Math.round(sums[key]);
  return threads;
}

const { url, stop } = await servePreview({ cwd: root, outDir: resolve(root, 'dist'), port });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${url}?${new URLSearchParams({ model, ...APP_CONFIGS[config] })}`);
  await waitForLoaded(page);
  await prepareUtterance(page, text);
  await browser.startTracing(page, { categories: ['disabled-by-default-v8.cpu_profiler', 'v8.execute', '__metadata'] });
  await page.getByRole('button', { name: 'Speak' }).click();
  const result = await waitForUtterance(page);
  const trace = JSON.parse((await browser.stopTracing()).toString());
  const threads = summarize(trace.traceEvents ?? trace);
  const perFrame = Object.fromEntries(
    Object.entries(threads).map(([name, sums]) => [name, Object.fromEntries(Object.entries(sums).map(([k, ms]) => [k, +(ms / result.frames).toFixed(2)]).filter(([, ms]) => ms >= 0.05))]),
  );
  const graphs = Object.fromEntries(Object.entries(result.timings).map(([g, t]) => [g, +(t.ms / result.frames).toFixed(2)]));
  console.log(
    JSON.stringify(
      { chromium: browser.version(), model, config, frames: result.frames, x_real_time: result.speed, ms_per_frame: (1000 * result.elapsed) / result.frames, graphs_ms_per_frame: graphs, cpu_ms_per_frame: perFrame },
      null,
      1,
    ),
  );
} finally {
  await browser.close();
  stop();
}
