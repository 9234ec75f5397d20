// Test 2: parity across runtimes. The PCM the browser produces (Pyodide + onnxruntime-web, WASM)
// equals the CPython CLI's (`python -m py_core synth`, onnxruntime) for the same text, voice and seed,
// within 1e-3: on the fp32 tiny bundle at temperature 0, and on upstream's smallest English model
// (english_2m_2026-10: pointwise sampler, grouped-query attention) at temperature 0.7. (With random
// weights the 2m's loop doubles rounding differences every ~4 frames at temperature 0; with sampling
// noise it does not: tests/test_small_models.py.)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import {
  SAMPLE_RATE,
  SMALL_2M_FP32,
  TINY_FP32,
  capturedPcm,
  maxAbsDiff,
  note,
  openApp,
  parseWav,
  setAdvanced,
  startSpeaking,
  waitForResult,
} from './helpers.js';

const TEXT = 'Hello world. The browser and the command line must agree, sample for sample.';
const VOICE = 'basil';
const SEED = 1234;
const CLI_TAIL_SILENCE = 0.2 * SAMPLE_RATE; // the CLI ends its file with 200 ms of silence, as upstream

function cliPcm(model, temperature) {
  const out = join(mkdtempSync(join(tmpdir(), 'pocket-parity-')), 'cli.wav');
  const python = process.env.PYTHON || 'python3';
  execFileSync(
    python,
    ['-m', 'py_core', 'synth', '--bundle', `public/models/${model}`, '--text', TEXT, '--voice', VOICE,
      '--temperature', String(temperature), '--seed', String(SEED), '--float32', '--out', out, '-q'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const wav = parseWav(readFileSync(out));
  expect(wav).toMatchObject({ audioFormat: 3, channels: 1, sampleRate: SAMPLE_RATE });
  return wav.samples;
}

// The tiny bundle runs the decoder in its own worker (forced: ?parallel_decoder=1), the 2m one in the
// synthesis worker (the app's choice below the full model's width: web/engine/worker.js), so both decoder
// paths are held to the CLI.
for (const [model, temperature, decoderWorker] of [[TINY_FP32, 0, true], [SMALL_2M_FP32, 0.7, false]]) {
  test(`browser PCM equals the CPython CLI PCM (${model}, temperature ${temperature}, same seed and voice)`, async ({ page }) => {
    const reference = cliPcm(model, temperature);
    await openApp(page, { model, capture: 'pcm', backend: 'wasm', ...(decoderWorker ? { parallel_decoder: '1' } : {}) });
    expect((await page.evaluate(() => window.__pocketTTS.info)).parallelDecoder).toBe(decoderWorker);
    await page.getByRole('combobox', { name: 'Voice' }).selectOption(VOICE);
    await setAdvanced(page, { temperature, seed: SEED });
    await startSpeaking(page, TEXT);
    const result = await waitForResult(page);
    const browser = await capturedPcm(page);

    expect(browser.length).toBe(result.samples);
    expect(reference.length - CLI_TAIL_SILENCE).toBe(browser.length); // same frame count
    const diff = maxAbsDiff(browser, reference);
    let peak = 0;
    for (const v of browser) peak = Math.max(peak, Math.abs(v));
    note({ type: 'parity', description: `${model}: ${browser.length} samples, max |browser - cli| = ${diff.toExponential(2)} (peak ${peak.toFixed(3)})` });
    expect(peak).toBeGreaterThan(0.01); // real signal, not silence
    expect(diff).toBeLessThan(1e-3);
  });
}
