// Playback speed (web/audio/time-stretch.js in the AudioWorklet): at 2× the audio lasts half as long while
// every generated sample is still played; the speed can change many times during playback; the WAV
// can be saved at the chosen speed; Stop still silences the audio after generation has finished.

import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.js';
import { SAMPLE_RATE, note, parseWav, startSpeaking, waitForPlaybackDrained, waitForResult } from './helpers.js';

const TEXT = 'Hello world. This is the browser speaking, a little faster than usual.';
const LONG_TEXT = Array.from(
  { length: 8 },
  (_, i) => `This is sentence number ${i + 1} of a text whose speed keeps changing.`,
).join(' ');

/** Set the speed as a user does: the slider, by keyboard (0.25 per arrow press). */
async function chooseSpeed(page, speed) {
  const slider = page.getByRole('slider', { name: /^Playback speed/ });
  const steps = Math.round((speed - Number(await slider.inputValue())) / 0.25);
  await slider.focus();
  for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
  await expect(slider).toHaveValue(String(speed));
  await expect(slider).toHaveAttribute('aria-valuetext', `${speed}×`);
}

/** Set the speed directly (many changes in a short time). */
async function setSpeed(page, speed) {
  await page.locator('#speed').evaluate((input, value) => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(speed));
}

test.afterEach(async ({ app: { page } }) => {
  // The page is shared with other specs: back to 1×.
  await setSpeed(page, 1);
});

test('at 2× the audio lasts half as long (±2 %); every sample is played; the WAV at 2× is half as long', async ({ app }) => {
  const { page, pageErrors } = app;
  await chooseSpeed(page, 2);
  expect(await page.evaluate(() => localStorage.getItem('pocket-tts:speed'))).toBe('2');

  await startSpeaking(page, TEXT);
  const result = await waitForResult(page);
  const playback = await waitForPlaybackDrained(page);
  expect(playback.speed).toBe(2);
  expect(playback.rendered, 'source samples played = samples generated').toBe(result.samples);
  expect(playback.queued).toBe(0);
  const ratio = playback.output / playback.rendered;
  expect(Math.abs(ratio - 0.5) / 0.5, `output frames / source samples = ${ratio}`).toBeLessThan(0.02);

  // The plain download stays at 1×; the second one is re-timed to 2×.
  await expect(page.locator('#download')).toHaveAttribute('aria-disabled', 'false');
  const button = page.getByRole('button', { name: 'Download WAV at 2×' });
  await expect(button).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  expect(download.suggestedFilename()).toBe('pocket-tts-2x.wav');
  const wav = parseWav(await readFile(await download.path()));
  expect(wav).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: SAMPLE_RATE, bitsPerSample: 16 });
  const wavRatio = wav.samples.length / result.samples;
  expect(Math.abs(wavRatio - 0.5) / 0.5, `WAV at 2×: ${wav.samples.length} of ${result.samples} samples`).toBeLessThan(0.02);
  await expect(page.locator('#status')).toContainText('WAV at 2× ready');
  note({
    type: '2×',
    description: `${result.samples} samples generated and played as ${playback.output} output frames (${ratio.toFixed(4)}); ` +
      `WAV at 2×: ${wav.samples.length} samples (${wavRatio.toFixed(4)}); ${playback.underruns} underruns`,
  });

  // Remembered: a second page of the app starts at 2×.
  const second = await page.context().newPage();
  await second.goto(page.url());
  await expect(second.getByRole('slider', { name: /^Playback speed/ })).toHaveValue('2');
  await expect(second.locator('#speed-value')).toHaveText('2×');
  await second.close();

  // Back at 1× the extra button goes away.
  await chooseSpeed(page, 1);
  await expect(button).toBeHidden();
  expect(pageErrors).toEqual([]);
});

test('speed changed 40 times during playback: no error, the audio completes, rendered = generated', async ({ app }) => {
  const { page, pageErrors } = app;
  await startSpeaking(page, LONG_TEXT);
  await page.waitForFunction(() => (window.__pocketTTS.playback?.output ?? 0) > 4800, null, { timeout: 60_000 });
  const speeds = [0.5, 3, 1.25, 2.75, 0.75, 2, 1, 1.5, 2.5, 1.75];
  const positions = [];
  for (let i = 0; i < 40; i++) {
    await setSpeed(page, speeds[i % speeds.length]);
    await page.waitForTimeout(50);
    positions.push(await page.evaluate(() => window.__pocketTTS.playback));
  }
  await setSpeed(page, 3);
  const duringPlayback = positions.filter((p) => !p.drained).length;
  expect(duringPlayback, 'the changes happened while audio was playing').toBe(40);
  expect(positions.at(-1).rendered).toBeGreaterThan(positions[0].rendered);

  const result = await waitForResult(page);
  expect(result.stopped).toBe(false);
  const playback = await waitForPlaybackDrained(page);
  expect(playback.rendered, 'source samples played = samples generated').toBe(result.samples);
  expect(playback.queued).toBe(0);
  expect(playback.speed).toBe(3);
  expect(playback.output).toBeGreaterThan(result.samples / 3);
  expect(playback.output).toBeLessThan(result.samples / 0.5);
  await expect(page.locator('#error-banner')).toBeHidden();
  expect(pageErrors).toEqual([]);
  note({
    type: 'speed changes',
    description: `${result.samples} samples played as ${playback.output} output frames; ${playback.underruns} underruns`,
  });
});

test('at 0.5× Stop still silences the audio after generation has finished', async ({ app }) => {
  const { page } = app;
  await setSpeed(page, 0.5);
  await startSpeaking(page, TEXT);
  const result = await waitForResult(page);
  // Generation is faster than half real time: the audio is still playing now.
  const stopButton = page.getByRole('button', { name: 'Stop' });
  await expect(stopButton).toBeEnabled();
  const before = await page.evaluate(() => window.__pocketTTS.playback);
  expect(before.rendered).toBeLessThan(result.samples);
  await stopButton.click();
  const stopped = await waitForPlaybackDrained(page, 5_000);
  await page.waitForTimeout(300);
  const later = await page.evaluate(() => window.__pocketTTS.playback);
  expect(later.rendered, 'nothing plays after Stop').toBe(stopped.rendered);
  expect(later.rendered).toBeLessThan(result.samples);
  expect(later.queued).toBe(0);
  await expect(stopButton).toBeDisabled();
  await expect(page.locator('#status')).toHaveText('Playback stopped');
});
