#!/usr/bin/env node
// Where page open → ready goes: opens the built app in one Chromium profile (cold), reloads it (the
// returning visit: model files from the device store, Python from its snapshot) and prints each
// change of the loading status with its time, then the page's own clock from the navigation's start
// to the worker's 'ready' (exact: the status is polled every 100 ms) and when each part of the
// worker's start was done. --new-page opens the second visit in a new tab instead of reloading.
// Without --service-worker the app's own files come from the server again; with it, from the service
// worker's Cache Storage, as for an installed app.
//
//   npm run build && node bench/ready_timeline.mjs [--model english-synthetic-full/] [--dist dist] [--service-worker] [--new-page]

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { arg, readySeconds, waitForStored } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const { url, stop } = await servePreview({ cwd: root, outDir: resolve(root, arg('dist', 'dist')), port: 4182 });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ serviceWorkers: process.argv.includes('--service-worker') ? 'allow' : 'block' });
  let page;
  for (const run of ['cold', 'cached']) {
    const opened = Date.now();
    if (page && !process.argv.includes('--new-page')) await page.reload();
    else {
      await page?.close();
      page = await context.newPage();
      await page.goto(`${url}?${new URLSearchParams({ model, backend: 'wasm', threads: '1' })}`);
    }
    let last = '';
    for (;;) {
      const [text, phase] = await page.evaluate(() => [document.getElementById('progress-text').textContent, document.body.dataset.phase]);
      const step = text.replace(/[\d.]+ (k?B|MB)/g, '#'); // a new line per step, not per byte count
      if (step !== last) console.log(`${run} ${((Date.now() - opened) / 1000).toFixed(1).padStart(5)} s  ${text}`);
      last = step;
      if (phase === 'ready' || phase === 'error') {
        const parts = await page.evaluate(() => window.__pocketTTS.info?.loadSeconds);
        const ready = await readySeconds(page);
        if (ready) console.log(`${run} ready at ${ready.toFixed(3)} s (page clock, from the navigation's start)`);
        if (parts) console.log(`${run} worker: ${Object.entries(parts).map(([part, s]) => `${part} done at ${s} s`).join(', ')}`);
        // The downloaded files go into the device store after 'ready' (an app before it: no wait).
        if (parts) await waitForStored(page);
        break;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
} finally {
  await browser.close();
  stop();
}
