// Unit tests (node --test) for exportChapters (web/engine/export.js, PocketTTS.exportAudio) on a fake
// engine whose run() hands out known samples and words: the MP3 path (lamejs runs in Node; there is no
// AudioEncoder here, so 'auto' is MP3 and 'opus' is refused) with FFmpeg as the oracle for the file,
// the chapter places, the subtitles' offsets, progress, cancel and bad input.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { exportChapters } from '../web/engine/export.js';

const RATE = 24000;
const folder = mkdtempSync(join(tmpdir(), 'export-'));

/** A fake PocketTTS: each text is read as `seconds(text)` of a sine in chunks of 0.5 s, one word per 0.5 s. */
function fakeTts({ seconds = (text) => text.length / 10, delay = 0 } = {}) {
  const calls = [];
  return {
    calls,
    ready: Promise.resolve(),
    info: { sampleRate: RATE, timestamps: true },
    run(text, options, onEvent) {
      calls.push({ text, options });
      const total = Math.round(seconds(text) * RATE);
      const result = (async () => {
        const words = [];
        for (let at = 0; at < total; at += RATE / 2) {
          if (options.signal?.aborted) throw options.signal.reason;
          await new Promise((done) => setTimeout(done, delay));
          const pcm = Float32Array.from({ length: Math.min(RATE / 2, total - at) }, (_, i) => 0.3 * Math.sin(((at + i) * 2 * Math.PI * 300) / RATE));
          onEvent({ type: 'audio', pcm, sampleRate: RATE, chunkIndex: 0, chunkCount: 1, progress: (at + pcm.length) / total });
          words.push({ text: `w${words.length}`, start: at / RATE, end: (at + pcm.length) / RATE });
        }
        return { words, stopped: false };
      })();
      return { id: Promise.resolve(1), result };
    },
  };
}

const ffprobe = (...args) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args]).toString());

test('chapters into one MP3: 2 s between two, 200 ms at the end, marks at each start, the VTT offset', async () => {
  const tts = fakeTts();
  const progress = [];
  const chapters = [{ title: 'First', text: 'x'.repeat(12) }, { title: 'Second', text: 'y'.repeat(25) }];
  const result = await exportChapters(tts, chapters, { voice: 'basil', temperature: 0, onProgress: (p) => progress.push(p) });
  assert.equal(result.format, 'mp3');
  assert.deepEqual(tts.calls.map((c) => [c.text, c.options.voice, c.options.temperature]), [['x'.repeat(12), 'basil', 0], ['y'.repeat(25), 'basil', 0]]);
  const seconds = 1.2 + 2 + 2.5 + 0.2;
  assert.equal(result.seconds, seconds);
  assert.deepEqual(result.chapters, [{ title: 'First', start: 0 }, { title: 'Second', start: 3.2 }]);

  const path = join(folder, 'book.mp3');
  writeFileSync(path, new Uint8Array(await result.audio.arrayBuffer()));
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-']);
  const decoded = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
  assert.equal(decoded.length, Math.round(seconds * RATE));
  const rms = (from, to) => Math.sqrt(decoded.subarray(from * RATE, to * RATE).reduce((s, x) => s + x * x, 0) / ((to - from) * RATE));
  assert.ok(rms(1.3, 3.1) < 0.01, 'the pause is silent');
  assert.ok(rms(3.2, 3.4) > 0.1 && rms(0, 1.2) > 0.1, 'the chapters sound');
  assert.deepEqual(ffprobe('-show_chapters', path).chapters.map((c) => [c.tags.title, Number(c.start_time), Number(c.end_time)]),
    [['First', 0, 3.2], ['Second', 3.2, seconds]]);

  assert.match(result.vtt, /^WEBVTT\n\n1\n00:00:00.000 --> 00:00:00.500\nw0\n/);
  assert.match(result.vtt, /\n4\n00:00:03.200 --> 00:00:03.700\nw0\n/); // chapter 2's first word, offset

  assert.ok(progress.length > 4);
  for (const [i, p] of progress.entries()) if (i) assert.ok(p.fraction >= progress[i - 1].fraction);
  assert.deepEqual(progress.at(-1), { chapter: 1, chapters: 2, fraction: 1, seconds, secondsLeft: 0 });
  assert.ok(progress.some((p) => p.secondsLeft !== null && p.secondsLeft > 0 && p.fraction < 1));
});

test('cancel: the signal stops the generation and the export rejects with its reason', async () => {
  const tts = fakeTts({ delay: 5 });
  const controller = new AbortController();
  const chapters = [{ title: 'Long', text: 'z'.repeat(600) }, { title: 'Never', text: 'never read' }];
  const run = exportChapters(tts, chapters, { signal: controller.signal, onProgress: (p) => p.fraction > 0.1 && controller.abort() });
  await assert.rejects(run, { name: 'AbortError' });
  assert.equal(tts.calls.length, 1);
});

test('bad input: a clear PocketTTSError', async () => {
  const tts = fakeTts();
  await assert.rejects(exportChapters(tts, []), { code: 'empty-text', message: 'Nothing to export: give at least one chapter.' });
  await assert.rejects(exportChapters(tts, [{ title: 'a', text: 'fine' }, { title: 'b', text: '  ' }]), { code: 'empty-text', message: 'Chapter 2 has no text to read.' });
  await assert.rejects(exportChapters(tts, [{ title: 'a', text: 'fine' }], { format: 'flac' }), { code: 'bad-option', message: `format must be 'opus' or 'mp3', not "flac"` });
  await assert.rejects(exportChapters(tts, [{ title: 'a', text: 'fine' }], { format: 'opus' }), { code: 'bad-option', message: 'This browser cannot encode Opus: export as MP3.' });
  assert.equal(tts.calls.length, 0);
});
