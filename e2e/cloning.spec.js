// Voice cloning from an uploaded audio file: a 16-bit WAV at 44.1 kHz is read and resampled by
// py_core.audio_prompt in Pyodide (resample_poly computed exactly in integers), encoded by
// mimi_encoder, and the cloned voice speaks exactly as the CLI's `--voice file.wav` does (fp32
// bundle, temperature 0). Before it, two hostile files are refused with a short message and leave
// the page usable: a 16-bit WAV whose header claims 2,147,483,648 Hz and a float WAV claiming 0
// channels (both refused as soon as they are picked, by web/audio/audio-file.js's header checks, which give
// py_core's messages; the clip panel reads the header to show the clip's length).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import {
  SAMPLE_RATE,
  TINY_FP32,
  capturedPcm,
  makeWav,
  maxAbsDiff,
  note,
  openApp,
  parseWav,
  setAdvanced,
  startSpeaking,
  waitForResult,
} from './helpers.js';

const TEXT = 'A cloned voice.';
const SEED = 3;

function promptWav() {
  const rate = 44100;
  const samples = Array.from({ length: Math.round(2.5 * rate) }, (_, i) => {
    const t = i / rate;
    const voiced = t < 2.0 ? 0.4 : 0; // half a second of silence at the end: end_on_pause finds it
    return voiced * (Math.sin(2 * Math.PI * 140 * t) * 0.6 + Math.sin(2 * Math.PI * 280 * t + 1) * 0.3) * (1 + 0.5 * Math.sin(2 * Math.PI * 3 * t));
  });
  return makeWav(samples, rate);
}

/** 0.2 s of tone as a 16-bit WAV whose header claims `rate` (the samples are fine). */
function hostileRateWav(rate) {
  const wav = makeWav(Array.from({ length: 4800 }, (_, i) => 0.3 * Math.sin(i / 7)), 24000);
  wav.writeUInt32LE(rate, 24);
  return wav;
}

/** A 32-bit float WAV whose header claims no channels. */
function noChannelFloatWav() {
  const wav = makeWav(Array.from({ length: 2400 }, () => 0), 24000);
  wav.writeUInt16LE(3, 20); // IEEE float
  wav.writeUInt16LE(0, 22); // channels
  wav.writeUInt16LE(0, 32); // block align: 0 channels x 4 bytes
  wav.writeUInt16LE(32, 34);
  return wav;
}

/** Upload `path` as voice `name` and wait for the refusal: the message shown, the page usable. */
async function expectRefused(page, path, message) {
  const start = Date.now();
  await page.getByLabel('Audio file').setInputFiles(path);
  await expect(page.locator('#error-text')).toHaveText(message, { timeout: 60_000 });
  note({ type: 'hostile prompt refused', description: `${message} (${Date.now() - start} ms after it was picked)` });
  await expect(page.getByRole('button', { name: 'Create voice' })).toBeDisabled(); // no clip to clone
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
  await expect(page.getByRole('combobox', { name: 'Voice' }).locator('option[value^="lib:"]')).toHaveCount(0);
}

test('clone a voice from a WAV file; it speaks as the CLI clone does', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'pocket-clone-'));
  const wavPath = join(dir, 'prompt.wav');
  writeFileSync(wavPath, promptWav());
  const cliOut = join(dir, 'cli.wav');
  execFileSync(
    process.env.PYTHON || 'python3',
    ['-m', 'py_core', 'synth', '--bundle', `public/models/${TINY_FP32}`, '--text', TEXT, '--voice', wavPath,
      '--temperature', '0', '--seed', String(SEED), '--float32', '--out', cliOut, '-q'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const reference = parseWav(readFileSync(cliOut)).samples;

  await openApp(page, { model: TINY_FP32, capture: 'pcm', backend: 'wasm' });
  await expect(page.locator('#clone-section')).toBeVisible();
  await page.getByText('Clone a voice from an audio file').click();
  const hostilePath = join(dir, 'hostile.wav');
  writeFileSync(hostilePath, hostileRateWav(2 ** 31));
  await expectRefused(page, hostilePath, 'hostile.wav: sample rate 2147483648 Hz is not supported (8–384 kHz)');
  const floatPath = join(dir, 'float.wav');
  writeFileSync(floatPath, noChannelFloatWav());
  await expectRefused(page, floatPath, 'float.wav: 0 channels are not supported (1–16)');

  await page.getByLabel('Audio file').setInputFiles(wavPath);
  await page.getByLabel('Voice name').fill('tester');
  await page.getByRole('button', { name: 'Create voice' }).click();
  await expect(page.getByRole('combobox', { name: 'Voice' })).toHaveValue(/^lib:/, { timeout: 120_000 }); // kept in the library
  await expect(page.locator('#status')).toContainText('Voice “tester” is ready');
  await expect(page.locator('#error-banner')).toBeHidden();

  await setAdvanced(page, { temperature: 0, seed: SEED });
  await startSpeaking(page, TEXT);
  const result = await waitForResult(page);
  const browser = await capturedPcm(page);
  expect(browser.length).toBe(reference.length - 0.2 * SAMPLE_RATE); // the CLI adds 200 ms of silence
  const diff = maxAbsDiff(browser, reference);
  note({ type: 'cloned voice parity', description: `${result.frames} frames, max |browser - cli| = ${diff.toExponential(2)}` });
  expect(diff).toBeLessThan(1e-3);
});
