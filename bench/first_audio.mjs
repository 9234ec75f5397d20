#!/usr/bin/env node
// Time to first audio as a user meets it: from the Speak click (the page's own click event) to the
// first audio chunk reaching the page, and to the first sample rendered by the AudioWorklet. Three
// Speaks per page (the first one also opens the audio output), after the warm-up, full-size model,
// WASM 1 thread, temperature 0. Each built site given is opened once per round, rounds interleaved.
//
// `--pause-ms N`: the user pauses N ms after typing and between Speaks (the app runs the first
// chunk's prefill once typing pauses for 400 ms: web/app/main.js `prepareSoon`); 0 clicks at once.
// `--paste`: before each Speak a new text is pasted (the clipboard, Ctrl+V), then the user waits
// `--pause-ms` (moving to Speak) and clicks.
//
//   node bench/first_audio.mjs [--rounds 2] [--pause-ms 0] [--paste] [--model english-synthetic-full/] dist [/tmp/before/dist …]

import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { APP_CONFIGS, arg, prepareUtterance, waitForLoaded, waitForUtterance } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(arg('rounds', '2'));
const model = arg('model', 'english-synthetic-full/');
const pauseMs = Number(arg('pause-ms', '0'));
const paste = process.argv.includes('--paste');
const FLAGS = ['--paste'];
const sites = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !(all[i - 1]?.startsWith('--') && !FLAGS.includes(all[i - 1])));
const TEXT = 'The lighthouse keeper climbed the stairs every evening, and the lamp burned until dawn.';
// With --paste, each Speak pastes another text (the one prepared after the last Speak is no help).
const PASTED = [
  TEXT,
  'A fishing boat came into the harbour at noon, its deck piled high with nets and crates.',
  'By the evening the wind had turned, and the rain beat against the windows of the inn.',
];

/** In the page, before the app: note the click, the first 'chunk' from a worker, the first rendered sample. */
function watchFirstAudio() {
  const RealWorker = Worker;
  window.__firstAudio = { click: 0, chunk: null, heard: null };
  window.Worker = class extends RealWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', ({ data }) => {
        if (data?.type === 'chunk' && window.__firstAudio.chunk === null) window.__firstAudio.chunk = performance.now() - window.__firstAudio.click;
      });
    }
  };
  document.addEventListener(
    'click',
    () => {
      const t = (window.__firstAudio = { click: performance.now(), chunk: null, heard: null });
      const poll = () => {
        if (t.chunk !== null && window.__pocketTTS.playback?.rendered > 0) t.heard = performance.now() - t.click;
        else setTimeout(poll, 2);
      };
      setTimeout(poll, 2);
    },
    { capture: true },
  );
}

for (let round = 1; round <= rounds; round++) {
  for (const site of sites) {
    const { url, stop } = await servePreview({ cwd: root, outDir: resolve(site), port: 4291 });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
      const page = await context.newPage();
      await page.addInitScript(watchFirstAudio);
      await page.goto(`${url}?${new URLSearchParams({ model, ...APP_CONFIGS['wasm-1t'] })}`);
      await waitForLoaded(page);
      await prepareUtterance(page, TEXT);
      const speaks = [];
      for (let i = 0; i < 3; i++) {
        if (paste) {
          await page.locator('#text').fill('');
          await page.evaluate((text) => navigator.clipboard.writeText(text), PASTED[i]);
          await page.locator('#text').focus();
          await page.keyboard.press('ControlOrMeta+V');
        }
        await page.waitForTimeout(pauseMs);
        await page.evaluate(() => (window.__pocketTTS.lastResult = null));
        await page.getByRole('button', { name: 'Speak' }).click();
        await waitForUtterance(page);
        await page.waitForFunction(() => window.__firstAudio.heard !== null, null, { timeout: 10_000 }).catch(() => {});
        const { chunk, heard } = await page.evaluate(() => window.__firstAudio);
        const prefilled = await page.evaluate(() => window.__pocketTTS.lastResult?.prefilled ?? null);
        speaks.push({ chunk_ms: Math.round(chunk), heard_ms: heard === null ? null : Math.round(heard), prefilled });
        await page.waitForFunction(() => window.__pocketTTS.playback?.drained, null, { timeout: 120_000 }).catch(() => {});
      }
      console.log(JSON.stringify({ round, site, load: +loadavg()[0].toFixed(2), speaks }));
    } finally {
      await browser.close();
      stop();
    }
  }
}
