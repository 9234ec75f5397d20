// Audio output that never starts: Speak says so within a couple of seconds and still generates, and
// the WAV can be downloaded. This is what headless Firefox without an audio device does (its
// `AudioContext.resume()` never settles); here an init script makes Chromium's do the same.

import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.js';
import { openApp, parseWav, startSpeaking, waitForResult } from './helpers.js';

test('audio output that never starts: a message, generation goes on, the WAV downloads', async ({ page }) => {
  await page.addInitScript(() => {
    // A context that stays suspended: it is suspended as soon as it exists, and resume() never settles.
    AudioContext.prototype.resume = () => new Promise(() => {});
    const RealAudioContext = AudioContext;
    window.AudioContext = class extends RealAudioContext {
      constructor(...args) {
        super(...args);
        this.suspend();
      }
    };
  });
  const { pageErrors } = await openApp(page);

  const clicked = Date.now();
  await startSpeaking(page, 'Nobody can hear this, but it is still written down.');
  await expect(page.locator('#error-text')).toContainText('No sound: the audio output did not start', { timeout: 10_000 });
  const shownAfterMs = Date.now() - clicked;
  const result = await waitForResult(page);
  expect(result.stopped).toBe(false);
  expect(result.samples).toBeGreaterThan(0);
  await expect(page.locator('#status')).toContainText('no sound: download the WAV');
  expect((await page.evaluate(() => window.__pocketTTS.playback)).rendered, 'nothing was sent to the stalled output').toBe(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  const wav = parseWav(await readFile(await download.path()));
  expect(wav.samples.length).toBe(result.samples);
  console.log(`  [no audio] message after ${shownAfterMs} ms; ${result.samples} samples in the WAV`);
  expect(pageErrors).toEqual([]);
});
