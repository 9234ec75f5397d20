// Pause markup and reading numbers in the browser: every pause is a chunk of exactly the requested
// number of zero samples, at the place of its markup, in the played PCM and in the downloaded WAV
// (at the start, two in a row, at the end); the "what will be read" preview follows the switch, and
// malformed markup is a notice, never read.

import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.js';
import { SAMPLES_PER_FRAME, SAMPLE_RATE, openApp, parseWav, startSpeaking, waitForResult } from './helpers.js';

const TEXT = '[pause 0.5s]Hello there.[pause 300ms]<break time="1.25s"/> Second part here.[pause 1s]';
const PAUSES = [0.5, 0.3, 1.25, 1.0].map((s) => Math.round(s * SAMPLE_RATE)); // none a whole number of frames

test('pauses are exact digital silence at their place, in the stream and in the WAV download', async ({ page }) => {
  await openApp(page, { capture: 'pcm' });
  await startSpeaking(page, TEXT);
  const result = await waitForResult(page);
  const lengths = await page.evaluate(() => window.__pocketTTS.capturedChunkLengths);
  // Decoded speech comes in whole frames; pauses are the chunks that are not.
  const kinds = lengths.map((n) => (n % SAMPLES_PER_FRAME ? `pause ${n}` : 'speech'));
  const order = kinds.filter((k, i) => k !== 'speech' || kinds[i - 1] !== 'speech');
  expect(order).toEqual([`pause ${PAUSES[0]}`, 'speech', `pause ${PAUSES[1]}`, `pause ${PAUSES[2]}`, 'speech', `pause ${PAUSES[3]}`]);

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  const wav = parseWav(await readFile(await download.path()));
  expect(wav.samples.length).toBe(result.samples);
  expect(result.samples).toBe(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const n of lengths) {
    const region = wav.samples.subarray(at, at + n);
    const nonZero = region.reduce((count, v) => count + (v !== 0), 0);
    if (n % SAMPLES_PER_FRAME) expect(nonZero, `pause of ${n} samples at ${at}`).toBe(0);
    at += n;
  }
  const speech = wav.samples.reduce((count, v) => count + (v !== 0), 0);
  expect(speech).toBeGreaterThan(0.5 * (result.samples - PAUSES.reduce((a, b) => a + b, 0)));
});

test('the switch, the "what will be read" preview and markup warnings', async ({ app }) => {
  const { page } = app;
  const preview = page.locator('#preview');
  const normalize = page.getByRole('checkbox', { name: 'Read numbers and symbols as words' });
  await expect(normalize).toBeChecked();
  await page.locator('#text').fill('It costs $3.50 on 3/4/2026. [pause 1s] <break time="abc"/> Bye');
  await page.getByRole('button', { name: 'What will be read?' }).click();
  await expect(preview).toHaveText(
    'It costs three dollars and fifty cents on March fourth, twenty twenty-six. [pause 1s] Bye.',
  );
  await expect(page.locator('#notice')).toContainText("'abc' is not a length");
  await normalize.uncheck();
  await expect(preview).toHaveText('It costs $3.50 on 3/4/2026. [pause 1s] Bye.');
  await normalize.check();
  await expect(preview).toContainText('three dollars');
  // Speaking shows the same notice, and speaks (the malformed markup is skipped, not read).
  await startSpeaking(page, 'Hello <break time="abc"/> there.');
  const result = await waitForResult(page);
  expect(result.samples).toBeGreaterThan(0);
  await expect(page.locator('#notice')).toContainText("'abc' is not a length");
});
