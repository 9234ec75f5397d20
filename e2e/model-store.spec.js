// The device store (web/model-store.js): a returning visit reads the verified model files from the
// Origin Private File System instead of downloading them, and a stored file that no longer matches
// the manifest's sha256 is never used: it is downloaded again and replaced.

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

  // Damage one stored file (same name, other bytes): the next visit must not use it.
  const damaged = manifest.files.find((f) => f.path === 'flow_lm_flow.onnx');
  await page.evaluate(
    async ({ folder, sha256 }) => {
      const root = await navigator.storage.getDirectory();
      const bundle = await (await root.getDirectoryHandle('pocket-tts-models')).getDirectoryHandle(folder);
      const writable = await (await bundle.getFileHandle(sha256)).createWritable();
      await writable.write(new Uint8Array(1000).fill(7));
      await writable.close();
    },
    { folder: TINY.replace(/\/$/, ''), sha256: damaged.sha256 },
  );
  await reloadReady(page);
  expect(await filesFromDevice(page)).toEqual(defaults.filter((path) => path !== 'flow_lm_flow.onnx'));
  await startSpeaking(page, 'Read from the device.');
  expect((await waitForResult(page)).samples).toBeGreaterThan(0);

  // The download replaced the damaged copy.
  await reloadReady(page);
  expect(await filesFromDevice(page)).toEqual(defaults);
});
