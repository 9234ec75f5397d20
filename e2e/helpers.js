// Shared steps for the end-to-end tests: open the app on a bundle, speak, read results, parse WAV.

import { expect, test } from '@playwright/test';

export const TINY = 'english-synthetic-tiny/'; // int8, what the app ships by default
export const TINY_FP32 = 'english-synthetic-tiny-fp32/'; // the same weights unquantized (parity)
export const SMALL_2M_FP32 = 'english-2m-synthetic-fp32/'; // upstream's english_2m_2026-10, fp32
export const SAMPLES_PER_FRAME = 1920;
export const SAMPLE_RATE = 24000;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/**
 * Open the app with `query` (model, backend, threads, capture, ...) and wait until it is ready.
 * Every request that is not to the local server is blocked and recorded in `external`.
 */
export async function openApp(page, query = {}, { ready = true } = {}) {
  const external = [];
  const pageErrors = [];
  await page.context().route(
    (url) => !LOCAL_HOSTS.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => {
      external.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const params = new URLSearchParams({ model: TINY, ...query });
  await page.goto(`./?${params}`);
  if (ready) await waitForPhase(page, 'ready', 150_000);
  return { external, pageErrors };
}

export async function waitForPhase(page, phase, timeout = 60_000) {
  await expect(page.locator('body')).toHaveAttribute('data-phase', phase, { timeout });
}

/** Wait until the worker has kept the downloaded model files on the device ('stored', after 'ready'). */
export async function waitForModelStored(page) {
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'stored'), null, { timeout: 60_000 });
}

/** Type `text` and start speaking (click, or Ctrl+Enter in the text box). */
export async function startSpeaking(page, text, { via = 'click' } = {}) {
  await page.locator('#text').fill(text);
  if (via === 'keyboard') {
    await page.locator('#text').focus();
    await page.keyboard.press('Control+Enter');
  } else {
    await page.getByRole('button', { name: 'Speak' }).click();
  }
  await waitForPhase(page, 'speaking', 10_000).catch(() => {}); // a fast run may already be done
}

/** Wait for the current utterance's result ({samples, frames, stopped, ...}). */
export async function waitForResult(page, timeout = 120_000) {
  await page.waitForFunction(() => window.__pocketTTS.lastResult !== null, null, { timeout });
  return page.evaluate(() => window.__pocketTTS.lastResult);
}

/** Wait until the AudioWorklet has played everything it was given; returns its counters. */
export async function waitForPlaybackDrained(page, timeout = 120_000) {
  await page.waitForFunction(() => window.__pocketTTS.playback?.drained === true, null, { timeout });
  return page.evaluate(() => window.__pocketTTS.playback);
}

/** Set an advanced setting (the panel opens if needed). */
export async function setAdvanced(page, { temperature, seed } = {}) {
  const details = page.locator('#advanced');
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  if (temperature !== undefined) {
    await page.locator('#temperature').evaluate((input, value) => {
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, String(temperature));
  }
  if (seed !== undefined) await page.locator('#seed').fill(String(seed));
}

/** The float32 PCM of the last utterance (the page must be opened with capture=pcm). */
export async function capturedPcm(page) {
  const base64 = await page.evaluate(() => window.__pocketTTS.capturedPcmBase64());
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Parse a mono WAV file (16-bit PCM or 32-bit float): format fields and the samples as floats. */
export function parseWav(buffer) {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const tag = (at) => buffer.subarray(at, at + 4).toString('latin1');
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  if (view.getUint32(4, true) !== buffer.length - 8) throw new Error('RIFF size does not match the file');
  let at = 12;
  let format = null;
  while (at + 8 <= buffer.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('data chunk before fmt chunk');
      if (body + size > buffer.length) throw new Error('data chunk runs past the end of the file');
      const width = format.bitsPerSample / 8;
      const count = size / width;
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        samples[i] = format.audioFormat === 3 ? view.getFloat32(body + i * 4, true) : view.getInt16(body + i * 2, true) / 32767;
      }
      return { ...format, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

export function maxAbsDiff(a, b) {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Record a measurement on the test (HTML report) and print it (list reporter). */
export function note({ type, description }) {
  test.info().annotations.push({ type, description });
  console.log(`  [${type}] ${description}`);
}

export { makeWav } from './wav.js';
