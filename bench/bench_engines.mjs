#!/usr/bin/env node
// The built app in three browser engines side by side: Chromium (Playwright), Firefox (firefox-esr,
// WebDriver BiDi) and WebKitGTK (MiniBrowser under WebKitWebDriver, in Xvfb), through the drivers of
// the engine journeys (e2e-engines/). Per engine and round: open the page, wait until it is ready and
// warmed up, speak bench/text.json at temperature 0, read the app's own result. Engines are
// interleaved round by round, so a load that comes and goes hits them alike: read the ratios to
// Chromium of the same round. Prints one JSON document (or writes it with --out).
//
//   npm run build
//   node bench/bench_engines.mjs --model english-synthetic-tiny/ --rounds 3
//   node bench/bench_engines.mjs --model english-synthetic-full/ --rounds 2 --engines chromium,webkitgtk
//   node bench/bench_engines.mjs ... --threads 1          # WASM threads (default: the app's choice)
//   node bench/bench_engines.mjs ... --root ../other-checkout   # another checkout's dist/

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { launchChromium, launchFirefox, launchWebKit } from '../browsers/drivers.js';
import { freePort, startPulseAudio, startXvfb } from '../browsers/services.js';
import { servePreview } from '../browsers/chromium.js';
import { arg } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-tiny/');
const rounds = Number(arg('rounds', 3));
const engineNames = arg('engines', 'chromium,firefox,webkitgtk').split(',');
const threads = arg('threads', null);
const served = resolve(arg('root', root));
const outDir = resolve(served, arg('dist', 'dist'));
const out = arg('out', null);
const text = arg('text', JSON.parse(readFileSync(resolve(root, 'bench/text.json'), 'utf8')).text);

/** What each engine's page can use: threads need SharedArrayBuffer (or shared WebAssembly memory). */
function capabilities() {
  let sharedMemory;
  try {
    sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer.constructor.name;
  } catch (error) {
    sharedMemory = `unavailable (${error.name})`;
  }
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    sharedWasmMemory: sharedMemory,
    webgpu: 'gpu' in navigator,
    serviceWorker: 'serviceWorker' in navigator,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
  };
}

/** One utterance in a freshly opened page: ready time, speed, first audio. */
async function measure(engine, url) {
  const page = await engine.newPage();
  const params = new URLSearchParams({ model, sw: '0', ...(threads ? { threads } : {}) });
  const opened = performance.now();
  await page.goto(`${url}?${params}`);
  const phase = await page.waitFor(() => ['ready', 'error'].includes(document.body.dataset.phase) && document.body.dataset.phase, null, 600_000, 'ready');
  if (phase === 'error') throw new Error(`${engine.name}: ${await page.evaluate(() => document.querySelector('#error-text').textContent)}`);
  const readySeconds = (performance.now() - opened) / 1000;
  const info = await page.evaluate(() => window.__pocketTTS.info);
  // The warm-up runs until the first request or 8 s: let it finish, as a user typing would.
  await page.waitFor(() => window.__pocketTTS.events.some((e) => e.type === 'warm'), null, 120_000, 'warm-up').catch(() => {});
  await page.evaluate(() => {
    const input = document.querySelector('#temperature');
    input.value = '0';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.fill('#text', text);
  await page.click('#speak');
  const result = await page.waitFor(() => window.__pocketTTS.lastResult, null, 1_800_000, 'the utterance');
  const playback = await page.evaluate(() => window.__pocketTTS.playback);
  return {
    engine: engine.name,
    version: engine.version,
    threads: info.threads,
    parallel_decoder: info.parallelDecoder,
    ready_s: readySeconds,
    audio_s: result.seconds,
    elapsed_s: result.elapsed,
    x_real_time: result.seconds / result.elapsed,
    first_audio_ms: result.firstChunkSeconds * 1000,
    frames: result.frames,
    ms_per_frame: (1000 * result.elapsed) / result.frames,
    // onnxruntime-web's session.run per graph (the bridge's timings): the rest of a frame is Python,
    // the bridge and waiting
    graphs_ms_per_frame: Object.fromEntries(Object.entries(result.timings ?? {}).map(([graph, t]) => [graph, Number((t.ms / result.frames).toFixed(2))])),
    underruns: playback?.underruns ?? null,
    capabilities: await page.evaluate(capabilities),
  };
}

const LAUNCH = {
  chromium: () => launchChromium(),
  firefox: (env) => launchFirefox(env),
  webkitgtk: (env) => launchWebKit(env),
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const pulse = await startPulseAudio();
const xvfb = await startXvfb();
const { url, stop } = await servePreview({ cwd: served, outDir, port: await freePort() });
const runs = [];
const loadBefore = os.loadavg();
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of engineNames) {
      // A fresh browser per run: WebKitWebDriver drives one window, and no engine keeps a warm cache.
      const engine = await LAUNCH[name]({ ...pulse.env, ...xvfb.env });
      try {
        const run = { round, ...(await measure(engine, url)) };
        runs.push(run);
        console.error(`round ${round + 1}: ${name}: ${run.x_real_time.toFixed(2)}x real time (${run.threads} thread(s)), first audio ${run.first_audio_ms.toFixed(0)} ms, ready ${run.ready_s.toFixed(1)} s`);
      } finally {
        await engine.close();
      }
    }
  }
} finally {
  stop();
  pulse.stop();
  xvfb.stop();
}

const summary = engineNames.map((name) => {
  const mine = runs.filter((r) => r.engine === name);
  // Per round, against Chromium's run of the same round (when Chromium was measured).
  const ratios = mine
    .map((r) => [r, runs.find((c) => c.engine === 'chromium' && c.round === r.round)])
    .filter(([, c]) => c)
    .map(([r, c]) => r.x_real_time / c.x_real_time);
  return {
    engine: name,
    version: mine[0]?.version,
    threads: mine[0]?.threads,
    x_real_time_median: Number(median(mine.map((r) => r.x_real_time)).toFixed(3)),
    x_real_time_all: mine.map((r) => Number(r.x_real_time.toFixed(3))),
    vs_chromium_same_round_median: ratios.length ? Number(median(ratios).toFixed(3)) : null,
    first_audio_ms_median: Math.round(median(mine.map((r) => r.first_audio_ms))),
    ready_s_median: Number(median(mine.map((r) => r.ready_s)).toFixed(1)),
    frames: [...new Set(mine.map((r) => r.frames))],
    capabilities: mine[0]?.capabilities,
  };
});
const report = {
  command: `node ${relative(root, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim(),
  model,
  text,
  settings: 'temperature 0, service worker off (?sw=0), a fresh browser and profile per run',
  machine: { cpus: os.cpus().length, load_average_before: loadBefore, load_average_after: os.loadavg() },
  rounds,
  summary,
  runs,
};
if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
else console.log(JSON.stringify(report, null, 2));
for (const s of summary) {
  const ratio = s.vs_chromium_same_round_median === null ? '' : `, ${s.vs_chromium_same_round_median.toFixed(2)} of Chromium`;
  console.error(`${s.engine.padEnd(10)} ${s.x_real_time_median.toFixed(2)}x real time (median of ${s.x_real_time_all.length}${ratio}); ${s.threads} thread(s); ready ${s.ready_s_median} s`);
}
