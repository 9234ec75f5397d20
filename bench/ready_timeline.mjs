#!/usr/bin/env node
// Where page open → ready goes: opens the built app twice in one Chromium profile (cold, then with
// the model files in the HTTP cache) and prints each change of the loading status with its time.
//
//   npm run build && node bench/ready_timeline.mjs [--model english-synthetic-full/] [--dist dist]

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const model = arg('model', 'english-synthetic-full/');
const port = 4182;
const server = spawn('npx', ['vite', 'preview', '--outDir', resolve(root, arg('dist', 'dist')), '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
  cwd: root,
  stdio: 'ignore',
  detached: true,
});
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 120 && !(await fetch(url).then((r) => r.ok, () => false)); i++) await new Promise((done) => setTimeout(done, 250));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
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
      if (phase === 'ready' || phase === 'error') break;
      await new Promise((done) => setTimeout(done, 100));
    }
    await page.close();
  }
} finally {
  await browser.close();
  process.kill(-server.pid, 'SIGTERM');
}
