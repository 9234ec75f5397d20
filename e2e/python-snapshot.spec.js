// Python's start from a memory snapshot (web/engine/python-snapshot.js). The site ships one made at build
// time: a first visit starts from it, keeps it on the device (the next visit starts from there) and
// speaks exactly as a plain start does; a damaged one is refused and Python starts plainly. Without it (blocked here), a first visit starts Pyodide plainly
// and keeps a snapshot on the device; the next visit starts from that and speaks the same; a kept
// snapshot that cannot start Python is dropped, and the app starts plainly.

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
const pythonStart = (page) => page.evaluate(() => window.__pocketTTS.info.pythonStart);
const SITE_SNAPSHOT = '**/pyodide/python-snapshot.gz';

// One frame per decoder call: the automatic batch follows timing and the int8 decoder quantizes per
// call, so only a fixed batch is bit-identical from run to run (py_core DecodePolicy).
const QUERY = { capture: 'pcm', decode_batch: '1' };

test("a first visit starts Python from the site's snapshot and speaks as a plain start does; a damaged one is refused", async ({ page }) => {
  await openApp(page, QUERY);
  expect(await pythonStart(page)).toBe('site');
  const fromSite = await seededSpeech(page);
  expect((await stored(page)).pythonSnapshot).toBe(true); // kept on the device: the next visit reads it there
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await pythonStart(page)).toBe('device');
  expect(maxAbsDiff(await seededSpeech(page), fromSite)).toBe(0);
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    await (await root.getDirectoryHandle('pocket-tts-models')).removeEntry('python-snapshot', { recursive: true });
  });

  // The same snapshot with one byte changed, sent as gzip bytes (the preview server sent it with
  // Content-Encoding: gzip, so the first start took the other path): refused by its sha256.
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.context().route(SITE_SNAPSHOT, async (route) => {
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const fetched = await (await route.fetch()).body();
    const body = fetched[0] === 0x1f && fetched[1] === 0x8b ? gunzipSync(fetched) : fetched;
    body[body.length >> 1] ^= 1;
    await route.fulfill({ body: gzipSync(body), contentType: 'application/gzip' });
  });
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await pythonStart(page)).toBe('plain');
  expect(warnings.some((text) => text.includes("site's Python snapshot could not be read"))).toBe(true);
  const plain = await seededSpeech(page);
  expect(fromSite.length).toBe(plain.length);
  expect(maxAbsDiff(fromSite, plain)).toBe(0);
});

test('a returning visit starts Python from the kept snapshot and speaks the same; a broken one is replaced', async ({ page }) => {
  await page.context().route(SITE_SNAPSHOT, (route) => route.abort()); // as if the site shipped none
  await openApp(page, QUERY);
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
