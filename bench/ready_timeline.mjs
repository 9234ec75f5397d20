#!/usr/bin/env node
// Where page open → ready goes: opens the built app twice in one Chromium profile (cold, then with
// the model files cached) and prints each change of the loading status with its time. Without
// --service-worker the second open reads the files from the HTTP cache (Chromium keeps none this
// large: they come from the server again); with it, from the service worker's Cache Storage, as an
// installed app or a returning visitor does.
//
//   npm run build && node bench/ready_timeline.mjs [--model english-synthetic-full/] [--dist dist] [--service-worker]

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, launchChromium, servePreview } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const { url, stop } = await servePreview({ cwd: root, outDir: resolve(root, arg('dist', 'dist')), port: 4182 });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ serviceWorkers: process.argv.includes('--service-worker') ? 'allow' : 'block' });
  for (const run of ['cold', 'cached']) {
    const page = await context.newPage();
    const opened = Date.now();
    await page.goto(`${url}?${new URLSearchParams({ model, backend: 'wasm', threads: '1' })}`);
    let last = '';
    for (;;) {
      const [text, phase] = await page.evaluate(() => [document.getElementById('progress-text').textContent, document.body.dataset.phase]);
      const step = text.replace(/[\d.]+ (k?B|MB)/g, '#'); // a new line per step, not per byte count
      if (step !== last) console.log(`${run} ${((Date.now() - opened) / 1000).toFixed(1).padStart(5)} s  ${text}`);
      last = step;
      if (phase === 'ready' || phase === 'error') {
        const parts = await page.evaluate(() => window.__pocketTTS.info?.loadSeconds);
        if (parts) console.log(`${run} worker: ${Object.entries(parts).map(([part, s]) => `${part} done at ${s} s`).join(', ')}`);
        // The downloaded files go into the device store after 'ready' (an app before it: no wait).
        if (parts) await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'stored'), null, { timeout: 60_000, polling: 100 });
        break;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    await page.close();
  }
} finally {
  await browser.close();
  stop();
}
