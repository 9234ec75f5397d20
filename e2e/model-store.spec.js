// The device store (web/engine/model-store.js): a returning visit reads the verified model files from the
// Origin Private File System instead of downloading them. The start takes them by their size and
// checks their sha256 once the app is ready: a stored file that no longer matches is deleted, the
// engine starts again and downloads it anew.

import { expect, test } from './fixtures.js';
import { TINY, openApp, startSpeaking, waitForModelStored, waitForPhase, waitForResult } from './helpers.js';

const filesFromDevice = (page) => page.evaluate(() => [...window.__pocketTTS.info.filesFromDevice].sort());

/** Reload once the worker has stored what it downloaded. */
async function reloadReady(page) {
  await waitForModelStored(page);
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
}

test('a returning visit reads the model from the device; a damaged stored file is downloaded again', async ({ page }) => {
  await openApp(page);
  expect(await filesFromDevice(page)).toEqual([]); // a fresh profile: everything was downloaded
  const manifest = await page.evaluate(async (model) => (await fetch(`models/${model}manifest.json`)).json(), TINY);
  const defaults = manifest.files.filter((f) => f.download === 'default').map((f) => f.path).sort();

  await reloadReady(page);
  expect(await filesFromDevice(page)).toEqual(defaults);

  // Damage one stored file (same name, same size, other bytes) in two ways: one byte in the middle
  // (inside a weight: onnxruntime-web still loads it) and every byte (it refuses the file). Either
  // way the start takes it by its size, the sha256 check (after 'ready', or after the failed start)
  // finds it, and the engine starts again without it.
  const damaged = manifest.files.find((f) => f.path === 'flow_lm_flow.onnx');
  for (const everyByte of [false, true]) {
    await waitForModelStored(page);
    await page.evaluate(
      async ({ folder, sha256, everyByte }) => {
        const root = await navigator.storage.getDirectory();
        const bundle = await (await root.getDirectoryHandle('pocket-tts-models')).getDirectoryHandle(folder);
        const handle = await bundle.getFileHandle(sha256);
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        if (everyByte) bytes.fill(7);
        else bytes[bytes.length >> 1] ^= 0x01;
        const writable = await handle.createWritable();
        await writable.write(bytes);
        await writable.close();
      },
      { folder: TINY.replace(/\/$/, ''), sha256: damaged.sha256, everyByte },
    );
    await page.reload();
    const found = await page.waitForFunction(() => window.__pocketTTS.events.find((e) => e.type === 'damaged'), null, { timeout: 150_000 });
    expect((await found.jsonValue()).files).toEqual(['flow_lm_flow.onnx']);
    const events = await page.evaluate(() => window.__pocketTTS.events.map((e) => e.type));
    // One byte: the damaged file was loaded and the app was ready before the check; every byte: the start failed quietly.
    expect(events.indexOf('ready') >= 0 && events.indexOf('ready') < events.indexOf('damaged')).toBe(!everyByte);
    expect(events).not.toContain('error');
    await waitForPhase(page, 'ready', 150_000); // the engine started again
    expect(await filesFromDevice(page)).toEqual(defaults.filter((path) => path !== 'flow_lm_flow.onnx'));
  }
  await startSpeaking(page, 'Read from the device.');
  expect((await waitForResult(page)).samples).toBeGreaterThan(0);

  // The download replaced the damaged copy.
  await reloadReady(page);
  expect(await filesFromDevice(page)).toEqual(defaults);
});
