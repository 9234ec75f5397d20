// The private voice library (issue 12), in a Chromium whose microphone is a fake device playing a
// WAV file (--use-fake-device-for-media-stream --use-file-for-fake-audio-capture): the page records
// only where the test grants the microphone, as a user would.
//
//   - record → clip length and play-back → clone → speak; after a reload the voice is still listed and
//     speaks the same PCM (temperature 0); the exported .safetensors speaks the same audio through
//     `python -m py_core synth --voice` and upstream pocket_tts; an upstream-made voice file imports
//     and speaks as upstream does; rename and delete persist;
//   - a model update (the bundle's manifest changes): the old voice is marked and refused with a
//     message naming both models, then cloned again from its kept clip;
//   - bad input: silence, a 2-hour WAV (only the first 30 s read; the heap stays small), a non-audio
//     file, 8 kHz stereo, truncated and hostile .safetensors, a denied microphone, a full quota.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { TINY, TINY_FP32, capturedPcm, makeWav, note, openApp, setAdvanced, startSpeaking, waitForPhase, waitForResult } from './helpers.js';

const PYTHON = process.env.PYTHON || 'python3';
const BUNDLE = `public/models/${TINY_FP32}`;
const TEXT = 'A voice from the library.';
const dir = mkdtempSync(join(tmpdir(), 'pocket-voices-'));

/** What the fake microphone plays (in a loop): 3 s of a voiced tone at 48 kHz. */
const MIC_WAV = join(dir, 'mic.wav');
writeFileSync(
  MIC_WAV,
  makeWav(Array.from({ length: 3 * 48000 }, (_, i) => {
    const t = i / 48000;
    return 0.3 * (Math.sin(2 * Math.PI * 160 * t) + 0.4 * Math.sin(2 * Math.PI * 320 * t + 1)) * (1 + 0.5 * Math.sin(2 * Math.PI * 3 * t));
  }), 48000),
);

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${MIC_WAV}`],
  },
});

const voiceSelect = (page) => page.getByRole('combobox', { name: 'Voice' });
const libraryRows = (page) => page.locator('#library-list li');

async function openPanels(page) {
  for (const id of ['#clone-section', '#library-section']) {
    if (!(await page.locator(id).evaluate((d) => d.open))) await page.locator(`${id} > summary`).click();
  }
}

/** Record about `seconds` of the fake microphone; returns the clip's shown length. */
async function record(page, seconds) {
  await page.getByRole('button', { name: 'Record', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Stop recording' })).toBeEnabled();
  await page.waitForFunction((s) => parseFloat(document.getElementById('record-time').textContent) >= s, seconds);
  expect(await page.locator('#record-level').evaluate((m) => m.value)).toBeGreaterThan(0.05); // the meter moves
  await page.getByRole('button', { name: 'Stop recording' }).click();
  await expect(page.locator('#clip-info')).toHaveText(/^Recording: \d+\.\d s$/);
  return parseFloat((await page.locator('#clip-info').textContent()).split(': ')[1]);
}

async function createVoice(page, name) {
  await page.getByLabel('Voice name').fill(name);
  await page.getByRole('button', { name: 'Create voice' }).click();
  await expect(page.locator('#status')).toContainText(`Voice “${name}” is ready`, { timeout: 120_000 });
  await expect(voiceSelect(page)).toHaveValue(/^lib:/);
}

async function speakPcm(page, voiceLabel) {
  await voiceSelect(page).selectOption({ label: voiceLabel });
  await setAdvanced(page, { temperature: 0, seed: 1 });
  await startSpeaking(page, TEXT);
  await waitForResult(page);
  await expect(page.locator('#error-banner')).toBeHidden();
  return capturedPcm(page);
}

async function exportVoice(page, name, path) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Export ${name}` }).click()]);
  await download.saveAs(path);
  return path;
}

function pythonCompare(voicePath, pcm, label) {
  const pcmPath = join(dir, `${label}.f32`);
  writeFileSync(pcmPath, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  const out = execFileSync(PYTHON, ['e2e/voice_tools.py', 'compare', BUNDLE, voicePath, TEXT, pcmPath], { encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop());
  note({ type: `${label} parity`, description: `${pcm.length} samples; max |browser - CLI| = ${result.cliMaxAbs}, max |browser - upstream| = ${result.upstreamMaxAbs}` });
  expect(result.cli).toBe(pcm.length);
  expect(result.upstream).toBe(pcm.length);
  expect(result.cliMaxAbs).toBeLessThan(1e-3);
  expect(result.upstreamMaxAbs).toBeLessThan(1e-3);
}

function safetensorsMetadata(path) {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')).__metadata__;
}

test('record, clone, speak, reload, export to the CLI and upstream, import, rename, delete', async ({ context }) => {
  test.setTimeout(600_000);
  await context.grantPermissions(['microphone']);
  const page = await context.newPage();
  // A fixed decoder batch: the automatic one follows timing, and the PCM is compared bit for bit.
  await openApp(page, { model: TINY_FP32, capture: 'pcm', backend: 'wasm', decode_batch: '1' });
  await openPanels(page);
  await expect(page.getByText('Only clone voices you have the right to use')).toBeVisible();
  await expect(libraryRows(page)).toHaveCount(0);

  const seconds = await record(page, 2.5);
  expect(seconds).toBeGreaterThanOrEqual(2.5);
  await page.getByRole('button', { name: 'Play the clip' }).click();
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'clip-played'), null, { timeout: 20_000 });
  await page.getByLabel('Keep the clip with the voice').check();
  await createVoice(page, 'Mic voice');
  await expect(libraryRows(page)).toHaveCount(1);
  await expect(libraryRows(page).first()).toContainText('recording kept');
  await expect(page.locator('#library-usage')).toContainText('1 voice ·');
  const before = await speakPcm(page, 'Mic voice (my voice)');
  const exported = await exportVoice(page, 'Mic voice', join(dir, 'mic-voice.safetensors'));
  const meta = safetensorsMetadata(exported);
  const model = await page.evaluate(() => window.__pocketTTS.info.library);
  expect(meta).toMatchObject({ name: 'Mic voice', model_id: model.modelId, manifest_sha256: model.manifestSha256, format: 'pocket-tts-web/voice' });
  expect(meta.synthetic_voice).toContain('synthetic voice');

  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await openPanels(page);
  await expect(libraryRows(page)).toHaveCount(1);
  const after = await speakPcm(page, 'Mic voice (my voice)');
  expect(after.length).toBe(before.length);
  expect(Buffer.compare(Buffer.from(after.buffer), Buffer.from(before.buffer)), 'same PCM after the reload').toBe(0);
  note({ type: 'reload', description: `${after.length} samples, bit-identical before and after the reload` });
  pythonCompare(exported, after, 'exported voice');

  // A voice file made by upstream (export-voice on the bundle's weights) imports and speaks as upstream.
  const promptPath = join(dir, 'prompt.wav');
  writeFileSync(promptPath, readFileSync(MIC_WAV));
  const upstreamFile = join(dir, 'their-voice.safetensors');
  execFileSync(PYTHON, ['e2e/voice_tools.py', 'upstream-voice', BUNDLE, promptPath, upstreamFile], { stdio: 'inherit' });
  await page.getByLabel('Import a voice file (.safetensors)').setInputFiles(upstreamFile);
  await expect(page.locator('#status')).toContainText('Voice “their-voice” imported', { timeout: 60_000 });
  await expect(libraryRows(page)).toHaveCount(2);
  pythonCompare(upstreamFile, await speakPcm(page, 'their-voice (my voice)'), 'upstream-made voice');

  // Rename (kept after a reload, carried by the export) and delete.
  await page.getByLabel('Name of the voice Mic voice').fill('Renamed voice');
  await page.getByRole('button', { name: 'Rename Mic voice' }).click();
  await expect(voiceSelect(page).locator('option', { hasText: 'Renamed voice (my voice)' })).toHaveCount(1);
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await openPanels(page);
  await expect(voiceSelect(page).locator('option', { hasText: 'Renamed voice (my voice)' })).toHaveCount(1);
  expect(safetensorsMetadata(await exportVoice(page, 'Renamed voice', join(dir, 'renamed.safetensors'))).name).toBe('Renamed voice');
  const library = ['--library', join(dir, 'cli-library')];
  execFileSync(PYTHON, ['-m', 'py_core', 'voices', 'import', join(dir, 'renamed.safetensors'), ...library, '--bundle', BUNDLE]);
  expect(execFileSync(PYTHON, ['-m', 'py_core', 'voices', 'list', ...library], { encoding: 'utf8' })).toMatch(/^Renamed voice\t/);
  await page.getByRole('button', { name: 'Delete Renamed voice' }).click();
  await page.getByRole('button', { name: 'Delete their-voice' }).click();
  await expect(libraryRows(page)).toHaveCount(0);
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await expect(voiceSelect(page).locator('option[value^="lib:"]')).toHaveCount(0);
  await expect(page.locator('#library-usage')).toContainText('0 voices');
  await page.close();
});

test('a model update: the old voice is marked, refused naming both models, and cloned again from its clip', async ({ context }) => {
  test.setTimeout(300_000);
  await context.grantPermissions(['microphone']);
  const page = await context.newPage();
  await openApp(page, { model: TINY_FP32, backend: 'wasm' });
  await openPanels(page);
  await record(page, 1.5);
  await page.getByLabel('Keep the clip with the voice').check();
  await createVoice(page, 'Before update');
  const oldName = await page.evaluate(() => window.__pocketTTS.info.displayName);

  // The same model path serves a rebuilt bundle: a different manifest (same graph files).
  await context.route(`**/models/${TINY_FP32}manifest.json`, async (route) => {
    const response = await route.fetch();
    const manifest = await response.json();
    manifest.display_name = `${manifest.display_name} (rebuilt)`;
    await route.fulfill({ response, body: JSON.stringify(manifest, null, 1) });
  });
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await openPanels(page);
  const option = voiceSelect(page).locator('option', { hasText: 'Before update (made for another model)' });
  await expect(option).toHaveCount(1);
  await expect(libraryRows(page).first()).toContainText('made for another model');
  await speakRefused(page, 'Before update (made for another model)', [`was made for “${oldName}”`, `not for this model “${oldName} (rebuilt)”`, ': clone it again with this model']);

  await page.getByRole('button', { name: 'Clone again for this model Before update' }).click();
  await expect(page.locator('#status')).toContainText('Voice “Before update” is ready', { timeout: 120_000 });
  await expect(voiceSelect(page).locator('option', { hasText: 'Before update (my voice)' })).toHaveCount(1);
  await expect(libraryRows(page)).toHaveCount(1);
  await startSpeaking(page, TEXT);
  await waitForResult(page);
  await expect(page.locator('#error-banner')).toBeHidden();
  await context.unroute(`**/models/${TINY_FP32}manifest.json`);
  await page.close();
});

async function speakRefused(page, label, parts) {
  await voiceSelect(page).selectOption({ label });
  await startSpeaking(page, TEXT);
  for (const part of parts) await expect(page.locator('#error-text')).toContainText(part);
  note({ type: 'refused', description: await page.locator('#error-text').textContent() });
  await waitForPhase(page, 'ready');
}

/** A 2-hour 16-bit WAV at 8 kHz (115 MB), written in pieces. */
function twoHourWav(path) {
  const rate = 8000;
  const seconds = 2 * 3600;
  const header = makeWav([], rate);
  header.writeUInt32LE(36 + seconds * rate * 2, 4);
  header.writeUInt32LE(seconds * rate * 2, 40);
  const piece = makeWav(Array.from({ length: 60 * rate }, (_, i) => 0.3 * Math.sin(i / 5) * (1 + Math.sin(i / 4000))), rate).subarray(44);
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  for (let minute = 0; minute < 120; minute++) writeSync(fd, piece);
  closeSync(fd);
  return path;
}

function stereo8k(path) {
  const rate = 8000;
  const frames = 2 * rate;
  const wav = makeWav(Array.from({ length: frames * 2 }, (_, i) => 0.3 * Math.sin((i >> 1) / 3) * (i % 2 ? 0.5 : 1)), rate);
  wav.writeUInt16LE(2, 22); // stereo: the same bytes are frames of two samples
  wav.writeUInt32LE(rate * 4, 28);
  wav.writeUInt16LE(4, 32);
  writeFileSync(path, wav);
  return path;
}

test('bad input: silence, a 2-hour file, not audio, 8 kHz stereo, truncated and hostile voice files', async ({ context }) => {
  test.setTimeout(300_000);
  const page = await context.newPage();
  await openApp(page, { model: TINY, backend: 'wasm' });
  await openPanels(page);
  const pick = (path) => page.getByLabel('Audio file').setInputFiles(path);

  writeFileSync(join(dir, 'silence.wav'), makeWav(new Array(48000).fill(0), 24000));
  await pick(join(dir, 'silence.wav'));
  await expect(page.locator('#clip-info')).toHaveText('silence.wav: 2.0 s');
  await page.getByRole('button', { name: 'Create voice' }).click();
  await expect(page.locator('#error-text')).toContainText('silence.wav');
  await expect(page.locator('#error-text')).toContainText('the audio is silent');
  await waitForPhase(page, 'ready');

  const cdp = await context.newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const heapBefore = await heap();
  await pick(twoHourWav(join(dir, 'two-hours.wav')));
  await expect(page.locator('#clip-info')).toHaveText('two-hours.wav: 30.0 s (2:00:00 long: the first 30 s are used)');
  await createVoice(page, 'Two hours');
  const heapGrowth = (await heap()) - heapBefore;
  note({ type: '2-hour file', description: `JS heap +${(heapGrowth / 1e6).toFixed(1)} MB for a 115 MB file` });
  expect(heapGrowth).toBeLessThan(20e6);

  writeFileSync(join(dir, 'notes.mp3'), 'These are meeting notes, not audio.\n'.repeat(50));
  await pick(join(dir, 'notes.mp3'));
  await expect(page.locator('#error-text')).toContainText('notes.mp3: this is not an audio file the browser can decode');
  await expect(page.getByRole('button', { name: 'Create voice' })).toBeDisabled();

  await pick(stereo8k(join(dir, 'stereo-8k.wav')));
  await expect(page.locator('#clip-info')).toHaveText('stereo-8k.wav: 2.0 s');
  await createVoice(page, 'Eight kHz');
  await expect(libraryRows(page)).toHaveCount(2);

  const good = readFileSync(`public/models/${TINY}voices/aurora.safetensors`);
  const cases = [
    ['truncated.safetensors', good.subarray(0, good.length >> 1), /^safetensors file is truncated or corrupt: tensor /],
    ['hostile.safetensors', Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), good.subarray(8)]),
      /^not a safetensors file: its header length field says 9,223,372,036,854,775,807 bytes/],
    ['empty.safetensors', Buffer.alloc(0), /^not a safetensors file: it has 0 bytes/],
  ];
  for (const [name, bytes, message] of cases) {
    writeFileSync(join(dir, name), bytes);
    await page.getByLabel('Import a voice file (.safetensors)').setInputFiles(join(dir, name));
    await expect(page.locator('#error-text')).toHaveText(message, { timeout: 30_000 });
    note({ type: 'refused voice file', description: `${name}: ${await page.locator('#error-text').textContent()}` });
    await page.locator('#error-dismiss').click();
  }
  await expect(libraryRows(page)).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
  for (const name of ['Two hours', 'Eight kHz']) await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.close();
});

test('a denied microphone and a full storage quota give clear messages; nothing is half-written', async ({ context }) => {
  test.setTimeout(300_000);
  const page = await context.newPage(); // the microphone is not granted: getUserMedia is refused
  await openApp(page, { model: TINY, backend: 'wasm' });
  await openPanels(page);
  await page.getByRole('button', { name: 'Record', exact: true }).click();
  await expect(page.locator('#error-text')).toContainText('Microphone access was denied');
  await expect(page.getByRole('button', { name: 'Record', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Stop recording' })).toBeDisabled();

  // The browser's storage is full: IndexedDB writes fail with QuotaExceededError.
  await page.addInitScript(() => {
    IDBObjectStore.prototype.put = function put() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await openPanels(page);
  writeFileSync(join(dir, 'prompt-quota.wav'), readFileSync(MIC_WAV));
  await page.getByLabel('Audio file').setInputFiles(join(dir, 'prompt-quota.wav'));
  await page.getByLabel('Voice name').fill('No room');
  await page.getByRole('button', { name: 'Create voice' }).click();
  await expect(page.locator('#error-text')).toContainText('Not enough storage on this device to save the voice “No room”');
  await expect(page.locator('#error-text')).toContainText('Nothing was saved');
  await expect(libraryRows(page).first()).toContainText('not saved');
  await startSpeaking(page, TEXT); // usable for this session
  await waitForResult(page);
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('pocket-tts-voices');
    open.onsuccess = () => {
      const get = open.result.transaction('voices').objectStore('voices').getAll();
      get.onsuccess = () => resolve(get.result.length);
    };
  }));
  expect(stored).toBe(0);
  await page.close();
});
