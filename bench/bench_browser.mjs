#!/usr/bin/env node
// The built app in headless Debian Chromium (Playwright), measured as a user meets it: open the page,
// wait until it is ready, speak a text at temperature 0, read the app's own result and the bridge's
// per-graph timings. Configurations are interleaved round by round. Prints one JSON document.
//
//   npm run build   # dist/ must hold the bundle (public/models/<model>/ when it was built)
//   node bench/bench_browser.mjs --model english-synthetic-full/ --rounds 1 [--configs wasm-1t,wasm-2t]
//   node bench/bench_browser.mjs --root ../other-checkout --configs wasm-1t   # another build's dist/
//   node bench/bench_browser.mjs --dist build/bench-dist                      # a copy of dist/
//
// Configurations (URL parameters of the app):
//   wasm-1t / wasm-2t          WASM, 1 or 2 intra-op threads, decoder in its own worker (?parallel_decoder=1;
//                              the app's default for the full-size model only: web/engine/worker.js)
//   wasm-1t-inline / -2t-inline  the same with the decoder in the synthesis worker (?parallel_decoder=0)
//   wasm-1t-b1 / wasm-1t-b4    wasm-1t with a fixed 1 or 4 frames per decoder call (?decode_batch=; the
//                              default grows to 4 as the audio gets ahead of the listener)
//   webgpu                     WebGPU on SwiftShader: a functional check only (its speed means nothing here)
// Page open → ready is measured on every open by the page's own clock (navigation start → the
// worker's 'ready'): the first open of a fresh profile is "cold" (every model file downloaded),
// later opens find the model files in the device store. After each utterance the page is reloaded
// once the start has stored everything: `ready_cached_s`, a returning visit.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { APP_CONFIGS, arg, prepareUtterance, readySeconds, waitForLoaded, waitForStored, waitForUtterance } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const rounds = Number(arg('rounds', 1));
const configNames = arg('configs', 'wasm-1t,wasm-2t,wasm-1t-inline,wasm-2t-inline').split(',');
const port = Number(arg('port', 4271)); // not an E2E_PORT the e2e suites use
const served = resolve(arg('root', root)); // the checkout whose dist/ is served (an older build, say)
const outDir = resolve(served, arg('dist', 'dist')); // its built site
const text = arg('text', JSON.parse(readFileSync(resolve(root, 'bench/text.json'), 'utf8')).text);

/** One utterance in a freshly opened page: load timing, speed, first audio, per-graph profile. */
async function measure(context, url, name) {
  const page = await context.newPage();
  const params = new URLSearchParams({ model, ...APP_CONFIGS[name] });
  await page.goto(`${url}?${params}`);
  await waitForLoaded(page);
  const info = await page.evaluate(() => window.__pocketTTS.info);
  if (!info) throw new Error(`${name}: ${await page.locator('#error-banner').innerText()}`);
  const readyCold = await readySeconds(page);
  await prepareUtterance(page, text);
  await page.getByRole('button', { name: 'Speak' }).click();
  const result = await waitForUtterance(page);
  const playback = await page.evaluate(() => window.__pocketTTS.playback);
  await waitForStored(page);
  await page.reload();
  await waitForLoaded(page);
  const readyCached = await readySeconds(page);
  await page.close();
  const frames = result.frames;
  const perFrame = Object.fromEntries(
    Object.entries(result.timings).map(([graph, t]) => [graph, { calls: t.calls, ms_per_frame: t.ms / frames, wall_ms_per_frame: (t.wallMs ?? t.ms) / frames }]),
  );
  return {
    config: name,
    backend: Object.values(info.graphBackends),
    threads: info.threads,
    parallel_decoder: info.parallelDecoder,
    ready_s: readyCold,
    ready_cached_s: readyCached,
    audio_s: result.seconds,
    elapsed_s: result.elapsed,
    x_real_time: result.seconds / result.elapsed,
    first_audio_ms: result.firstChunkSeconds * 1000,
    frames,
    // Gaps in the audio while it was generated (the queue ran dry): stutters a listener hears.
    underruns: playback?.underruns ?? null,
    ms_per_frame: (1000 * result.elapsed) / frames,
    graphs: perFrame,
  };
}

const { url, stop } = await servePreview({ cwd: served, outDir, port });
const browser = await launchChromium(['--enable-unsafe-webgpu']);
try {
  const context = await browser.newContext({ serviceWorkers: 'block' }); // one profile: its HTTP cache keeps the model
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of configNames) {
      const run = { round, ...(await measure(context, url, name)) };
      runs.push(run);
      console.error(`round ${round + 1}: browser ${name}: ${run.x_real_time.toFixed(2)}x real time, first audio ${run.first_audio_ms.toFixed(0)} ms, ready ${run.ready_s.toFixed(2)} s, reload → ready ${run.ready_cached_s.toFixed(2)} s`);
    }
  }
  console.log(JSON.stringify({ chromium: browser.version(), model, runs }));
} finally {
  await browser.close();
  stop();
}
