// Test 3: Stop during a long text halts generation and playback within 500 ms, and the next Speak works.

import { expect, test } from './fixtures.js';
import { note, startSpeaking, waitForResult } from './helpers.js';

const LONG_TEXT = Array.from(
  { length: 12 },
  (_, i) => `This is sentence number ${i + 1} of a long text that keeps the engine busy for a while.`,
).join(' ');

test('Stop halts generation and playback within 500 ms; the next Speak works', async ({ app: { page } }) => {
  await startSpeaking(page, LONG_TEXT);
  // Wait until audio is actually playing.
  await page.waitForFunction(() => (window.__pocketTTS.playback?.rendered ?? 0) > 4800, null, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__pocketTTS.phase)).toBe('speaking');

  await page.getByRole('button', { name: 'Stop' }).click();
  const result = await waitForResult(page, 5_000);
  expect(result.stopped).toBe(true);
  expect(result.stopLatencyMs, 'generation halted (worker reported done) within 500 ms').toBeLessThan(500);

  // Playback: nothing more reaches the output once stopped.
  const after = await page.evaluate(() => window.__pocketTTS.playback);
  expect(after.queued).toBe(0);
  await page.waitForTimeout(400);
  const later = await page.evaluate(() => window.__pocketTTS.playback);
  expect(later.rendered).toBe(after.rendered);
  expect(later.queued).toBe(0);
  await expect(page.locator('#status')).toContainText('Stopped');

  // The UI is usable again and the next utterance runs to its end.
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
  await startSpeaking(page, 'Short again.');
  const next = await waitForResult(page);
  expect(next.stopped).toBe(false);
  expect(next.samples).toBeGreaterThan(0);
  // Nothing leaks on the JS side: a cancelled run leaves as many live tensors as a finished one.
  expect(result.liveTensors).toBe(next.liveTensors);
  note({ type: 'stop latency', description: `${result.stopLatencyMs.toFixed(0)} ms` });
});
