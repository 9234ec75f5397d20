// Word timestamps in the browser (issue 13): the read-along highlight follows what is heard, Stop
// clears it, the subtitles equal the CPython CLI's, and the view copes with bad input.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { TINY_FP32, note, openApp, setAdvanced, startSpeaking, waitForResult } from './helpers.js';

const TEXT = 'Hello world. This is a test of the read along view! And a third sentence, with commas.';
const FRAME = 0.08;

/** [{word, start, end}] from a WebVTT file with one cue per word. */
function parseVtt(text) {
  const seconds = (clock) => {
    const [h, m, s] = clock.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  };
  return text.split('\n\n').slice(1).filter(Boolean).map((cue) => {
    const [, times, word] = cue.split('\n');
    const [start, end] = times.split(' --> ').map(seconds);
    return { word, start, end };
  });
}

test('the highlighted word is the one being heard; Stop leaves nothing highlighted', async ({ app: { page } }) => {
  await startSpeaking(page, `${TEXT} ${TEXT}`);
  const samples = [];
  // Sample the view during playback: the heard position and the word highlighted for it.
  for (let i = 0; i < 200 && samples.length < 12; i++) {
    const s = await page.evaluate(() => ({ ...window.__pocketTTS.readAlong, rendered: window.__pocketTTS.playback?.rendered ?? 0 }));
    if (s.rendered > 0 && s.index >= 0 && !samples.some((t) => t.index === s.index)) samples.push(s);
    await page.waitForTimeout(100);
  }
  const result = await waitForResult(page);
  expect(result.stopped).toBe(false);
  const words = parseVtt(result.vtt);
  expect(words.length).toBeGreaterThan(10);
  expect(samples.length, 'several different words were highlighted during playback').toBeGreaterThanOrEqual(3);
  for (const s of samples) {
    expect(s.highlighted).toBe(1);
    const word = words[s.index];
    // The word's span holds the heard position (its end may not have been known yet then: a word
    // stays highlighted until the next one starts), and it was heard, not just generated.
    expect(word.start).toBeLessThanOrEqual(s.heard + 0.001);
    const next = words[s.index + 1]?.start ?? Infinity;
    expect(s.heard).toBeLessThan(Math.max(word.end, next) + 0.001);
    expect(s.heard).toBeLessThanOrEqual(s.rendered / 24000);
  }
  note({ type: 'read-along', description: `${samples.length} moments checked: ${samples.map((s) => `${s.word}@${s.heard.toFixed(2)}s`).join(', ')}` });

  // Replay from a word (a click), then Stop: nothing stays highlighted.
  await page.locator('#read-along [data-word="5"]').click();
  await page.waitForFunction(() => window.__pocketTTS.readAlong.index >= 5, null, { timeout: 20_000 });
  expect((await page.evaluate(() => window.__pocketTTS.readAlong)).heard).toBeGreaterThanOrEqual(words[5].start);
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => window.__pocketTTS.readAlong)).toMatchObject({ word: null, highlighted: 0 });
});

test('Stop during generation clears the highlight at once', async ({ app: { page } }) => {
  await startSpeaking(page, Array.from({ length: 8 }, () => TEXT).join(' '));
  await page.waitForFunction(() => window.__pocketTTS.readAlong.index >= 1, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  expect(await page.evaluate(() => window.__pocketTTS.readAlong)).toMatchObject({ word: null, highlighted: 0 });
  const result = await waitForResult(page, 10_000);
  expect(result.stopped).toBe(true);
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => window.__pocketTTS.readAlong.highlighted)).toBe(0);
});

test('browser word timestamps equal the CPython CLI (fp32 bundle, temperature 0)', async ({ page }) => {
  const out = join(mkdtempSync(join(tmpdir(), 'pocket-vtt-')), 'cli.vtt');
  execFileSync(
    process.env.PYTHON || 'python3',
    ['-m', 'py_core', 'synth', '--bundle', `public/models/${TINY_FP32}`, '--text', TEXT, '--voice', 'basil',
      '--temperature', '0', '--seed', '1', '--out', join(tmpdir(), 'pocket-vtt.wav'), '--timestamps', out, '-q'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const cli = readFileSync(out, 'utf8');
  await openApp(page, { model: TINY_FP32, backend: 'wasm' });
  await page.getByRole('combobox', { name: 'Voice' }).selectOption('basil');
  await setAdvanced(page, { temperature: 0, seed: 1 });
  await startSpeaking(page, TEXT);
  const result = await waitForResult(page);
  const browser = parseVtt(result.vtt);
  const reference = parseVtt(cli);
  expect(browser.map((w) => w.word)).toEqual(reference.map((w) => w.word));
  let worst = 0;
  for (const [i, w] of browser.entries()) {
    worst = Math.max(worst, Math.abs(w.start - reference[i].start), Math.abs(w.end - reference[i].end));
  }
  note({ type: 'timestamps parity', description: `${browser.length} words, max |browser - cli| = ${(worst * 1000).toFixed(0)} ms; identical files: ${result.vtt === cli}` });
  expect(worst).toBeLessThanOrEqual(FRAME);
  await expect(page.locator('#download-vtt')).toHaveAttribute('href', /^blob:/);
});

test('a text without words speaks, with nothing to highlight', async ({ app: { page } }) => {
  await startSpeaking(page, '... !!! [pause 0.5s] ?');
  const result = await waitForResult(page);
  expect(result.samples).toBeGreaterThan(0);
  expect(parseVtt(result.vtt)).toEqual([]);
  await expect(page.locator('#read-along')).toContainText('No words to highlight');
});

test('20,000 characters: one word highlighted at a time, the heap stays flat', async ({ app: { page } }) => {
  const sentence = 'The quick brown fox jumps over the lazy dog near the quiet river bank. ';
  const text = sentence.repeat(Math.ceil(20_000 / sentence.length)).slice(0, 20_000);
  await startSpeaking(page, text);
  await page.waitForFunction(() => window.__pocketTTS.readAlong.index >= 2, null, { timeout: 90_000 });
  const spans = await page.locator('#read-along [data-word]').count();
  expect(spans).toBeGreaterThan(2500);
  const heaps = [];
  for (let i = 0; i < 6; i++) {
    const s = await page.evaluate(() => ({ ...window.__pocketTTS.readAlong, heap: performance.memory?.usedJSHeapSize ?? 0 }));
    expect(s.highlighted).toBeLessThanOrEqual(1);
    heaps.push(s.heap);
    await page.waitForTimeout(1500);
  }
  await page.getByRole('button', { name: 'Stop' }).click();
  await waitForResult(page, 10_000);
  const growth = (Math.max(...heaps) - heaps[0]) / 1e6;
  note({ type: 'read-along 20k', description: `${spans} words; JS heap ${(heaps[0] / 1e6).toFixed(1)} MB, grew at most ${growth.toFixed(1)} MB over 9 s of playback` });
  expect(growth).toBeLessThan(20);
});

test('a bundle without timestamp heads: the view says so, speech and WAV work', async ({ page }) => {
  await page.context().route(/manifest\.json(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    const manifest = await response.json();
    delete manifest.timestamps;
    await route.fulfill({ response, json: manifest });
  });
  await openApp(page);
  await startSpeaking(page, 'Hello world.');
  const result = await waitForResult(page);
  expect(result.samples).toBeGreaterThan(0);
  expect(result.vtt).toBeNull();
  await expect(page.locator('#read-along')).toContainText('unavailable');
  await expect(page.locator('#download-vtt')).toBeHidden();
  await expect(page.locator('#download')).toHaveAttribute('href', /^blob:/);
});
