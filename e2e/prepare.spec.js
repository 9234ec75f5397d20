// While the text is typed the worker runs its first chunk's prefill ahead of Speak (web/app/main.js
// `prepareSoon`, py_core Engine.prefill): the Speak that follows starts from it, and its audio is
// exactly that of a Speak without it.

import { expect, test } from './fixtures.js';
import { capturedPcm, maxAbsDiff, openApp, setAdvanced, waitForResult } from './helpers.js';

const TEXT = 'The prefill ran while this sentence was typed.';
const OTHER = 'Something else entirely, typed in between.';

/** Type `text` and wait until the worker has prepared it (a 'prepared' event after `since`). */
async function typeAndWaitForPrepare(page, text) {
  const since = await page.evaluate(() => window.__pocketTTS.events.length);
  await page.locator('#text').fill(text);
  await page.waitForFunction(
    (since) => window.__pocketTTS.events.slice(since).some((e) => e.type === 'prepared' && e.ready),
    since,
    { timeout: 30_000 },
  );
}

async function speakNow(page) {
  await page.getByRole('button', { name: 'Speak' }).click();
  return waitForResult(page);
}

test('a Speak of the typed text starts from the prefill run while typing; the audio is the same', async ({ page }) => {
  // One frame per decoder call: the automatic batch follows timing, and the int8 decoder quantizes
  // per call, so only a fixed batch gives bit-identical audio from run to run.
  await openApp(page, { capture: 'pcm', backend: 'wasm', decode_batch: '1' });
  await setAdvanced(page, { seed: 7 });

  await typeAndWaitForPrepare(page, TEXT);
  const ahead = await speakNow(page);
  expect(ahead.prefilled).toBe(true);
  const aheadPcm = await capturedPcm(page);

  // The kept prefill is another text's: this Speak (clicked before its own prepare) runs its own.
  await typeAndWaitForPrepare(page, OTHER);
  await page.locator('#text').fill(TEXT);
  const plain = await speakNow(page);
  expect(plain.prefilled).toBe(false);
  const plainPcm = await capturedPcm(page);

  expect(plain.samples).toBe(ahead.samples);
  expect(aheadPcm.length).toBeGreaterThan(0);
  expect(maxAbsDiff(aheadPcm, plainPcm)).toBe(0);
});

test('pasted text is prepared at once: a Speak clicked right after the paste starts from its prefill', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page, { backend: 'wasm' });
  // The ready page prepares its initial text; wait for that so the paste's prepare is the next one.
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'prepared'), null, { timeout: 30_000 });
  await page.evaluate((text) => navigator.clipboard.writeText(text), TEXT);
  await page.locator('#text').fill('');
  await page.locator('#text').focus();
  await page.keyboard.press('ControlOrMeta+V'); // a real paste: an input event of type insertFromPaste
  await expect(page.locator('#text')).toHaveValue(TEXT);
  // Typed text would wait 400 ms for typing to pause; a paste is sent at once, so the Speak that
  // follows (queued behind it in the worker) takes its prefill.
  const spoken = await speakNow(page);
  expect(spoken.prefilled).toBe(true);
});
