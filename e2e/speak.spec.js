// Test 1: the page becomes ready; typing text and pressing Speak plays audio. Every generated sample
// reaches the audio output (counted inside the AudioWorklet), and the downloaded WAV has that length.

import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.js';
import {
  SAMPLE_RATE,
  SAMPLES_PER_FRAME,
  parseWav,
  startSpeaking,
  waitForPlaybackDrained,
  waitForResult,
  note,
} from './helpers.js';

test('speaks: playback renders every generated sample and the WAV download has that length', async ({ app }) => {
  const { page, external, pageErrors } = app;

  await expect(page.locator('#synthetic-banner')).toBeVisible();
  await expect(page.locator('#synthetic-banner')).toContainText('random weights: noise, not speech');
  await expect(page.locator('#engine-info')).toContainText('WASM');
  await expect(page.locator('#voice option')).toHaveCount(3);

  await startSpeaking(page, 'Hello world. This is the browser speaking.');
  const result = await waitForResult(page);
  expect(result.stopped).toBe(false);
  expect(result.frames).toBeGreaterThan(6);
  expect(result.samples).toBe(result.frames * SAMPLES_PER_FRAME);
  await expect(page.locator('#status')).toContainText('real time');

  const playback = await waitForPlaybackDrained(page);
  expect(playback.rendered).toBe(result.samples); // seconds heard = seconds generated
  expect(playback.queued).toBe(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  expect(download.suggestedFilename()).toBe('pocket-tts.wav');
  const wav = parseWav(await readFile(await download.path()));
  expect(wav).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: SAMPLE_RATE, bitsPerSample: 16 });
  expect(wav.samples.length).toBe(result.samples);
  note({
    type: 'speed',
    description: `${(result.samples / SAMPLE_RATE).toFixed(2)} s of audio in ${result.elapsed.toFixed(2)} s; first audio after ${result.firstChunkSeconds.toFixed(2)} s`,
  });

  expect(external, 'nothing may be fetched from another host (CDN)').toEqual([]);
  expect(pageErrors).toEqual([]);
});

test('Ctrl+Enter speaks; controls are labelled and the status is a live region', async ({ app: { page } }) => {
  await expect(page.getByRole('textbox', { name: 'Text' })).toBeVisible();
  await page.getByText('Advanced settings').click();
  for (const label of ['Model', 'Voice', 'Backend', 'WASM threads']) {
    await expect(page.getByRole('combobox', { name: label })).toBeVisible();
  }
  for (const label of [/^Temperature/, /^Sampler steps/]) await expect(page.getByRole('slider', { name: label })).toBeVisible();
  await expect(page.locator('#status')).toHaveAttribute('aria-live', 'polite');
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();

  await page.getByRole('combobox', { name: 'Voice' }).selectOption('basil'); // fetched on demand, verified
  await startSpeaking(page, 'Keyboard shortcut.', { via: 'keyboard' });
  const result = await waitForResult(page);
  expect(result.samples).toBeGreaterThan(0);
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
  await expect(page.locator('#download')).toHaveAttribute('aria-disabled', 'false');
});
