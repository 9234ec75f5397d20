// The PWA: the service worker precaches the app shell, Pyodide, onnxruntime's WASM and the py_core
// wheel; model files are kept on the device once verified (web/engine/model-store.js, the Origin Private
// File System) and, where the service worker fetched them, in its cache (cache-first, keyed by their
// sha256 URL). After one online visit, the app loads and speaks offline. dist/ carries no bundle
// `source/` folders and the precache list no model files.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { openApp, startSpeaking, waitForModelStored, waitForPhase, waitForResult } from './helpers.js';

test.use({ serviceWorkers: 'allow' });

test('dist has no model sources and the precache no model files', () => {
  for (const name of readdirSync('dist/models')) {
    expect(existsSync(join('dist/models', name, 'source')), `dist/models/${name}/source`).toBe(false);
  }
  const sw = readFileSync('dist/sw.js', 'utf8');
  expect(sw).not.toMatch(/url:"models\//);
  for (const file of ['pyodide/pyodide.asm.wasm', 'pyodide/python_stdlib.zip', 'ort/ort-wasm-simd-threaded.wasm', 'ort/ort-wasm-simd-threaded.jsep.wasm', 'wheels/py_core-']) {
    expect(sw).toContain(`url:"${file}`);
  }
});

test('installable and works offline after the first visit', async ({ page, context }) => {
  await openApp(page);
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector('link[rel="manifest"]');
    return link ? (await fetch(link.href)).json() : null;
  });
  expect(manifest).toMatchObject({ name: 'Pocket TTS', display: 'standalone' });
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));

  // The service worker takes control of the first visit (clientsClaim); the next visit goes through it.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await waitForModelStored(page);
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await page.evaluate(() => window.__pocketTTS.info.filesFromDevice)).toContain('mimi_decoder.onnx');

  await context.setOffline(true);
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await startSpeaking(page, 'Offline and still talking.');
  const result = await waitForResult(page);
  expect(result.samples).toBeGreaterThan(0);
  await context.setOffline(false);
});
