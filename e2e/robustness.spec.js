// Test 5: failures give readable messages and leave the UI usable.
//   - empty text: a message, not an exception;
//   - a 20,000-character text streams (chunk i of n) while the tab's JS heap stays bounded;
//   - a corrupted bundle file (sha256 mismatch) is reported by its file name.

import { expect, test } from './fixtures.js';
import { TINY, openApp, startSpeaking, waitForPhase, waitForResult, note } from './helpers.js';

test('empty text gives a message, not an exception', async ({ app: { page, pageErrors } }) => {
  for (const text of ['', '   \n\t ']) {
    await page.locator('#text').fill(text);
    await page.getByRole('button', { name: 'Speak' }).click();
    await expect(page.locator('#error-banner')).toBeVisible();
    await expect(page.locator('#error-text')).toContainText('Type some text first');
    expect(await page.evaluate(() => window.__pocketTTS.phase)).toBe('ready');
  }
  // Text that only py_core's preparation finds empty (JS trim() keeps \x1c, Python's strip() drops
  // it): the Python ValueError comes back as the same kind of message.
  await startSpeaking(page, '\x1c\x1f');
  await expect(page.locator('#error-text')).toHaveText('Text is empty: type something to say.');
  await waitForPhase(page, 'ready');
  expect(pageErrors).toEqual([]);
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
});

test('a 20,000-character text streams and the JS heap stays bounded', async ({ app: { page } }) => {
  const sentence = 'The quick brown fox jumps over the lazy dog, and then it runs far away into the woods. ';
  const text = sentence.repeat(Math.ceil(20_000 / sentence.length)).slice(0, 20_000);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const before = await heap();
  await startSpeaking(page, text);
  await expect(page.locator('#progress-text')).toContainText(/chunk \d+ of \d+/, { timeout: 60_000 });
  const chunkCount = Number((await page.locator('#progress-text').textContent()).match(/of (\d+)/)[1]);
  expect(chunkCount).toBeGreaterThan(100); // 20,000 characters at most 50 tokens per chunk

  // Let it stream for a while, sampling the heap.
  const samples = [];
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(3_000);
    samples.push({ heap: await heap(), audio: await page.evaluate(() => window.__pocketTTS.playback?.rendered ?? 0) });
  }
  const first = samples[1];
  const last = samples[samples.length - 1];
  expect(last.audio).toBeGreaterThan(first.audio); // still streaming
  const growth = last.heap - first.heap;
  note({
    type: 'heap',
    description: `before ${(before / 1e6).toFixed(1)} MB; while streaming ${samples.map((s) => (s.heap / 1e6).toFixed(1)).join(', ')} MB`,
  });
  expect(growth, 'JS heap growth while streaming (bytes)').toBeLessThan(5e6);
  expect(last.heap - before).toBeLessThan(20e6);

  await page.getByRole('button', { name: 'Stop' }).click();
  const result = await waitForResult(page, 10_000);
  expect(result.stopped).toBe(true);
});

test('a corrupted bundle file is reported by name and the UI stays usable', async ({ page }) => {
  await page.route(`**/models/${TINY}mimi_decoder.onnx*`, async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] ^= 0xff; // one flipped byte: same size, different sha256
    await route.fulfill({ response, body });
  });
  const { pageErrors } = await openApp(page, {}, { ready: false });
  await waitForPhase(page, 'error', 150_000);
  await expect(page.locator('#error-text')).toContainText('mimi_decoder.onnx');
  await expect(page.locator('#error-text')).toContainText('sha256');
  expect(pageErrors).toEqual([]);
  // Still usable: another model can be picked (and loads).
  await expect(page.getByRole('combobox', { name: 'Model' })).toBeEnabled();
  await page.unroute(`**/models/${TINY}mimi_decoder.onnx*`);
  await page.getByRole('combobox', { name: 'Model' }).selectOption('english-synthetic-tiny-fp32/');
  await waitForPhase(page, 'ready', 150_000);
  await expect(page.locator('#error-banner')).toBeHidden();
});
