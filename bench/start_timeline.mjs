#!/usr/bin/env node
// The start of one utterance in the built app, as the AudioWorklet gets it: when each chunk reaches
// the player (the page's MessagePort pushes, timed in the page) and when the worklet reports a gap
// (its underrun counter, polled every 2 ms). Shows where the start's underrun comes from (issue 26).
//
//   npm run build && node bench/start_timeline.mjs --model english-synthetic-full/ --runs 2 [--dist other/dist]
//
// Prints, per run: first chunk (ms after Speak), × real time, underruns, then the first pushes
// (time after the first push, samples, audio already pushed) and each underrun report (the worklet's
// rendered and queued samples at that report). "first played": when the first sample reached the output
// (from the worklet's first report with output: its time less the output it reports), after the first
// push; the player holds a start that long or more (web/audio/start-buffer.js; "hold").

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePreview } from '../browsers/chromium.js';
import { APP_CONFIGS, arg, prepareUtterance, waitForLoaded, waitForUtterance } from './browser_app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const model = arg('model', 'english-synthetic-full/');
const runs = Number(arg('runs', 2));
const config = arg('config', 'wasm-1t');
const shown = Number(arg('events', 14));
const port = Number(arg('port', 4272));
const dist = resolve(arg('dist', resolve(root, 'dist')));
const text = arg('text', JSON.parse(readFileSync(resolve(root, 'bench/text.json'), 'utf8')).text);

/** In the page: record the player's pushes and the worklet's underrun count as they change. */
function watchStart() {
  window.__timeline = [];
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (data, ...rest) {
    if (data?.type === 'push') window.__timeline.push({ type: 'push', at: performance.now(), samples: data.pcm.length });
    return post.call(this, data, ...rest);
  };
  let underruns = 0;
  let played = false;
  setInterval(() => {
    const stats = window.__pocketTTS.playback;
    if (stats && stats.output > 0 && !played) {
      played = true;
      window.__timeline.push({ type: 'played', at: performance.now() - (1000 * stats.output) / 24000 });
    }
    if (stats && stats.underruns > underruns) {
      underruns = stats.underruns;
      window.__timeline.push({ type: 'underrun', at: performance.now(), underruns, rendered: stats.rendered, queued: stats.queued });
    }
  }, 2);
}

const { url, stop } = await servePreview({ cwd: root, outDir: dist, port });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  for (let run = 0; run < runs; run++) {
    const page = await context.newPage();
    await page.goto(`${url}?${new URLSearchParams({ model, ...APP_CONFIGS[config] })}`);
    await waitForLoaded(page);
    await prepareUtterance(page, text);
    await page.evaluate(watchStart);
    await page.getByRole('button', { name: 'Speak' }).click();
    const result = await waitForUtterance(page);
    const timeline = await page.evaluate(() => window.__timeline);
    const underruns = await page.evaluate(() => window.__pocketTTS.playback.underruns);
    const hold = await page.evaluate(() => window.__pocketTTS.startHold);
    const start = timeline.find((e) => e.type === 'push')?.at ?? 0;
    const played = timeline.find((e) => e.type === 'played');
    console.log(
      `run ${run + 1}: first chunk ${Math.round(result.firstChunkSeconds * 1000)} ms, hold ${hold == null ? '-' : Math.round(hold * 1000)} ms, ` +
        `first played ${played ? Math.round(played.at - start) : '-'} ms after it, ` +
        `${(result.seconds / result.elapsed).toFixed(2)}x real time, underruns ${underruns}`,
    );
    let pushed = 0;
    for (const event of timeline.filter((e) => e.type !== 'played').slice(0, shown)) {
      const at = `${(event.at - start).toFixed(0).padStart(5)} ms`;
      if (event.type === 'push') {
        console.log(`  ${at}  push ${event.samples} samples (${((1000 * pushed) / 24000).toFixed(0)} ms pushed before)`);
        pushed += event.samples;
      } else console.log(`  ${at}  underrun ${event.underruns}: rendered ${event.rendered}, queued ${event.queued}`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  stop();
}
