// Python's start kept on the device (web/engine/python-snapshot.js): a first visit starts Pyodide plainly and
// keeps a memory snapshot of it; the next visit starts from that snapshot and speaks exactly as a
// plain start does; a kept snapshot that cannot start Python is dropped, and the app starts plainly.

import { expect, test } from './fixtures.js';
import { capturedPcm, maxAbsDiff, openApp, setAdvanced, startSpeaking, waitForPhase, waitForResult } from './helpers.js';

const TEXT = 'Started from a snapshot.';

/** Speak TEXT with a fixed seed; returns the float PCM. */
async function seededSpeech(page) {
  await setAdvanced(page, { temperature: 0.7, seed: 1234 });
  await startSpeaking(page, TEXT);
  expect((await waitForResult(page)).samples).toBeGreaterThan(0);
  return capturedPcm(page);
}

/** The 'stored' event of this page (after 'ready'). */
async function stored(page) {
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'stored'), null, { timeout: 60_000 });
  return page.evaluate(() => window.__pocketTTS.events.find((e) => e.type === 'stored'));
}

const pythonFromDevice = (page) => page.evaluate(() => window.__pocketTTS.info.pythonFromDevice);

test('a returning visit starts Python from the kept snapshot and speaks the same; a broken one is replaced', async ({ page }) => {
  // One frame per decoder call: the automatic batch follows timing and the int8 decoder quantizes per
  // call, so only a fixed batch is bit-identical from run to run (py_core DecodePolicy).
  await openApp(page, { capture: 'pcm', decode_batch: '1' });
  expect(await pythonFromDevice(page)).toBe(false); // a fresh profile
  const plain = await seededSpeech(page);
  expect((await stored(page)).pythonSnapshot).toBe(true);

  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await pythonFromDevice(page)).toBe(true);
  const fromSnapshot = await seededSpeech(page);
  expect(fromSnapshot.length).toBe(plain.length);
  expect(maxAbsDiff(fromSnapshot, plain)).toBe(0);
  expect((await stored(page)).pythonSnapshot).toBe(false); // nothing new to keep

  // Replace the snapshot with bytes that match the sha256 in their name but are no snapshot.
  const replaced = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const folder = await (await root.getDirectoryHandle('pocket-tts-models')).getDirectoryHandle('python-snapshot');
    const names = [];
    for await (const name of folder.keys()) names.push(name);
    const [key] = names[0].split('-');
    const junk = new Uint8Array(4096).fill(42);
    const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', junk)), (b) => b.toString(16).padStart(2, '0')).join('');
    await folder.removeEntry(names[0]);
    const writable = await (await folder.getFileHandle(`${key}-${hex}`, { create: true })).createWritable();
    await writable.write(junk);
    await writable.close();
    return names;
  });
  expect(replaced).toHaveLength(1);
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await pythonFromDevice(page)).toBe(false);
  expect(warnings.some((text) => text.includes('did not start from the snapshot'))).toBe(true);
  expect(maxAbsDiff(await seededSpeech(page), plain)).toBe(0);
  expect((await stored(page)).pythonSnapshot).toBe(true); // a good snapshot replaces the broken one
});
