#!/usr/bin/env node
// What a first visit's model download costs alone: the built site served by `vite preview`, a fresh
// Chromium profile per round, the page fetching every file of the bundle's default download at once
// (each read into one buffer, as web/engine/model-files.js does), then the sha256 of each (WebCrypto),
// with nothing else running in the page (no Python, no onnxruntime). Prints one JSON document.
//
//   npm run build && node bench/download_floor.mjs --rounds 3 > bench/results/download-floor-session13.json

import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { arg } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const rounds = Number(arg('rounds', 3));

/** Runs in the page: download the default files in parallel, then hash each; seconds. */
async function downloadAll(modelUrl) {
  const manifest = await (await fetch(`${modelUrl}manifest.json`)).json();
  const entries = manifest.files.filter((f) => f.download === 'default');
  const started = performance.now();
  const files = await Promise.all(entries.map(async (entry) => {
    const reader = (await fetch(`${modelUrl}${entry.path}?sha256=${entry.sha256}`)).body.getReader();
    const data = new Uint8Array(entry.bytes);
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      data.set(value, at);
      at += value.byteLength;
    }
    return data;
  }));
  const downloaded = performance.now();
  for (const data of files) await crypto.subtle.digest('SHA-256', data);
  const hashed = performance.now();
  return { files: entries.length, mb: files.reduce((n, f) => n + f.length, 0) / 1e6, download_s: (downloaded - started) / 1000, sha256_s: (hashed - downloaded) / 1000 };
}

const { url, stop } = await servePreview({ cwd: root, outDir: resolve(root, arg('dist', 'dist')), port: 4183 });
const browser = await launchChromium();
const runs = [];
try {
  for (let round = 0; round < rounds; round++) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto(`${url}/models/index.json`);
    runs.push(await page.evaluate(downloadAll, `${url}/models/${model}`));
    await context.close();
  }
} finally {
  await browser.close();
  stop();
}
console.log(JSON.stringify({
  command: `node bench/download_floor.mjs --rounds ${rounds} --model ${model}`,
  what: "the bundle's default files fetched at once from vite preview on localhost into one buffer each, then sha256 (WebCrypto) of each, in a fresh Chromium profile per round; nothing else running in the page",
  cpus: cpus().length,
  loadavg_after: loadavg(),
  chromium: browser.version(),
  runs,
}, null, 2));
