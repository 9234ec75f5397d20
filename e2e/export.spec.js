// Export (web/app/export-panel.js → PocketTTS.exportAudio): the app's "Export" of two chapters as Opus
// (WebCodecs AudioEncoder, our Ogg muxer) and as MP3 (lamejs, our ID3 and Info frame) in headless
// Chromium, against the CPython CLI's export of the same chapters (`synth --file book.md --chapters 2-3
// --out x.opus|x.mp3`, PyAV/FFmpeg) and its WAV, at temperature 0 on the fp32 tiny bundle. Debian's
// ffmpeg and ffprobe are the oracle.
//
// The metric (the tiny model's random weights make noise-like, full-band audio: a perceptual codec
// keeps its band energies, not its waveform): the browser's file decodes to the WAV's length exactly;
// its SNR against the CLI's WAV at zero lag is at least 3 dB (Opus 48 kbps) / 5 dB (MP3 64 kbps) —
// what the CLI's own files reach (tests/test_export.py) — and 3 dB above the SNR one sample off (the
// alignment is exact); the 20 ms energy envelopes agree within 2 dB (median); ffprobe lists the same
// chapters at the same times as in the CLI's file; the subtitles have the same words at the same times.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { SAMPLE_RATE, TINY_FP32, note, openApp, parseWav, setAdvanced, waitForPhase } from './helpers.js';

const BOOK = '# One\n\nThe first chapter is short.\n\n# Two\n\nThe second one, too. It has two sentences.\n\n# Three\n\nAnd a third.\n';
const CHAPTERS_2_3 = '# Two\n\nThe second one, too. It has two sentences.\n\n# Three\n\nAnd a third.';
const VOICE = 'basil';
const SNR_FLOOR = { opus: 3, mp3: 5 };

const folder = mkdtempSync(join(tmpdir(), 'pocket-export-'));

function cli(out) {
  const book = join(folder, 'book.md');
  writeFileSync(book, BOOK);
  execFileSync(process.env.PYTHON || 'python3',
    ['-m', 'py_core', 'synth', '--bundle', `public/models/${TINY_FP32}`, '--file', book, '--chapters', '2-3',
      '--voice', VOICE, '--temperature', '0', '--float32', '--out', out, '-q'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/** The file's audio as float32 mono at 24 kHz, decoded by FFmpeg. */
function decode(path) {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-ar', String(SAMPLE_RATE), '-ac', '1', '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
  return new Float32Array(out.buffer, out.byteOffset, out.length / 4);
}

const chaptersOf = (path) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_chapters', '-of', 'json', path]).toString())
  .chapters.map((c) => ({ title: c.tags.title, start: Number(c.start_time) }));

function snr(reference, other, lag = 0) {
  const n = Math.min(reference.length, other.length) - Math.abs(lag);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const a = reference[i + Math.max(-lag, 0)];
    signal += a * a;
    noise += (a - other[i + Math.max(lag, 0)]) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

function envelopeError(reference, other) {
  const size = 480;
  const frames = Math.floor(Math.min(reference.length, other.length) / size);
  const envelope = (x) => Array.from({ length: frames }, (_, f) => {
    let sum = 0;
    for (let i = f * size; i < (f + 1) * size; i++) sum += x[i] * x[i];
    return 10 * Math.log10(sum / size + 1e-12);
  });
  const a = envelope(reference);
  const b = envelope(other);
  const loudest = Math.max(...a);
  const errors = a.map((v, i) => [v, Math.abs(v - b[i])]).filter(([v]) => v > loudest - 40).map(([, e]) => e).sort((x, y) => x - y);
  return errors[Math.floor(errors.length / 2)];
}

const cues = (vtt) => vtt.trim().split('\n\n').slice(1).map((cue) => {
  const [, times, word] = cue.split('\n');
  const [start, end] = times.split(' --> ').map((t) => t.split(':').reduce((s, part) => s * 60 + Number(part), 0));
  return { word, start, end };
});

/** Open the export panel on the fp32 tiny bundle with the CLI's voice and temperature, `text` typed. */
async function prepare(page, text) {
  await openApp(page, { model: TINY_FP32, backend: 'wasm' });
  await page.getByRole('combobox', { name: 'Voice' }).selectOption(VOICE);
  await setAdvanced(page, { temperature: 0 });
  await page.locator('#text').fill(text);
  await page.locator('#export-section > summary').click();
}

for (const format of ['opus', 'mp3']) {
  test(`the app's ${format} export decodes to the CLI's audio, with its chapter marks and subtitles`, async ({ page }) => {
    const reference = parseWav(readFileSync(cli(join(folder, `cli-${format}.wav`)))).samples;
    const cliFile = cli(join(folder, `cli.${format}`));
    await prepare(page, CHAPTERS_2_3);
    await page.getByLabel('Format').selectOption(format);
    await page.getByRole('button', { name: 'Export' }).click();
    await expect(page.locator('#export-status')).toContainText(/^Export(ed| failed)/, { timeout: 120_000 });
    await expect(page.locator('#export-status')).toContainText('2 chapter marks', { timeout: 1000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-audio').click()]);
    expect(download.suggestedFilename()).toBe(`pocket-tts.${format}`);
    const ours = join(folder, `browser.${format}`);
    await download.saveAs(ours);

    const decoded = decode(ours);
    const fromCli = decode(cliFile);
    const atZero = snr(reference, decoded);
    const envelope = envelopeError(reference, decoded);
    note({ type: 'export', description: `${format}: ${(decoded.length / SAMPLE_RATE).toFixed(3)} s (WAV ${(reference.length / SAMPLE_RATE).toFixed(3)} s); `
      + `SNR vs the CLI's WAV ${atZero.toFixed(1)} dB (the CLI's ${format}: ${snr(reference, fromCli).toFixed(1)} dB), `
      + `browser vs CLI ${format} ${snr(fromCli, decoded).toFixed(1)} dB; envelope ${envelope.toFixed(2)} dB` });
    expect(decoded.length).toBe(reference.length);
    expect(atZero).toBeGreaterThan(SNR_FLOOR[format]);
    expect(Math.max(...[-2, -1, 1, 2].map((lag) => snr(reference, decoded, lag)))).toBeLessThan(atZero - 3);
    expect(envelope).toBeLessThan(2);

    const listed = chaptersOf(ours);
    expect(listed.map((c) => c.title)).toEqual(['Two', 'Three']);
    const cliChapters = chaptersOf(cliFile);
    for (const [i, chapter] of listed.entries()) expect(Math.abs(chapter.start - cliChapters[i].start)).toBeLessThanOrEqual(0.001);

    const [vttDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#export-vtt').click()]);
    const vtt = readFileSync(await vttDownload.path(), 'utf8');
    const cliVtt = readFileSync(cliFile.replace(/\.\w+$/, '.vtt'), 'utf8');
    const [browserCues, cliCues] = [cues(vtt), cues(cliVtt)];
    expect(browserCues.map((c) => c.word)).toEqual(cliCues.map((c) => c.word));
    for (const [i, cue] of browserCues.entries()) expect(Math.abs(cue.start - cliCues[i].start)).toBeLessThanOrEqual(0.001);
  });
}

test('an export shows progress with the time left and stops on Cancel; the app goes on', async ({ page }) => {
  const long = Array.from({ length: 6 }, (_, i) => `# Part ${i + 1}\n\n${'This sentence keeps the engine busy for a while. '.repeat(6)}`).join('\n\n');
  await prepare(page, long);
  await page.getByRole('button', { name: 'Export' }).click();
  await waitForPhase(page, 'exporting');
  await expect(page.locator('#export-status')).toContainText(/left/, { timeout: 60_000 });
  const progress = await page.locator('#export-progress').evaluate((el) => el.value);
  expect(progress).toBeGreaterThan(0);
  expect(progress).toBeLessThan(1);
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#export-status')).toHaveText('Export cancelled.', { timeout: 5000 });
  await waitForPhase(page, 'ready');
  note({ type: 'export-cancel', description: `cancelled at ${(progress * 100).toFixed(0)} %, back to ready in ${Date.now() - clicked} ms` });
  await expect(page.locator('#export-audio')).toBeHidden();
  await expect(page.locator('#error-banner')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled();
});
