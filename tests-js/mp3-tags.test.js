// Unit tests (node --test) for web/engine/mp3-tags.js: the ID3v2 chapter tag and the LAME Info frame
// around lamejs's frames, with FFmpeg (Debian's ffmpeg and ffprobe) as the oracle: the file decodes to
// exactly the encoded samples, aligned (the delay and padding are dropped), and ffprobe lists the
// chapters with their titles and times.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { Mp3Encoder } from '@breezystack/lamejs';
import { crc16, id3Tag, infoFrame, mp3Header, syncsafe } from '../web/engine/mp3-tags.js';

const folder = mkdtempSync(join(tmpdir(), 'mp3-tags-'));
const ffprobe = (...args) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args]).toString());

test('syncsafe sizes and the CRC-16/ARC check value', () => {
  assert.deepEqual(syncsafe(300), [0, 0, 2, 44]);
  assert.deepEqual(syncsafe(2 ** 28 - 1), [127, 127, 127, 127]);
  assert.throws(() => syncsafe(2 ** 28), RangeError);
  assert.equal(crc16(new TextEncoder().encode('123456789')), 0xbb3d);
});

test('frame headers: MPEG-2 layer III, 24 kHz, 64 kbps, mono', () => {
  const header = mp3Header(Uint8Array.of(0xff, 0xf3, 0x84, 0xc4));
  assert.deepEqual(header, { version: 2, bitrate: 64000, sampleRate: 24000, samples: 576, mono: true, size: 192, sideInfo: 9 });
  assert.throws(() => mp3Header(Uint8Array.of(0x49, 0x44, 0x33, 4)), /not an MPEG layer III/);
});

/** lamejs's frames for `samples` (float), and the file with the tag and Info frame around them. */
function encode(samples, chapters) {
  const encoder = new Mp3Encoder(1, 24000, 64);
  const pcm = Int16Array.from(samples, (x) => Math.trunc(x * 32767));
  const frames = [encoder.encodeBuffer(pcm), encoder.flush()].map((part) => new Uint8Array(part));
  const bytes = frames.reduce((n, f) => n + f.length, 0);
  const { size, samples: perFrame } = mp3Header(frames[0]);
  assert.equal(bytes % size, 0);
  const count = bytes / size;
  const info = infoFrame({ header: frames[0], frames: count, bytes, delay: 576, padding: count * perFrame - pcm.length - 576 });
  return Buffer.concat([id3Tag({ title: 'A book', chapters }), info, ...frames]);
}

test('decodes to exactly the encoded samples, aligned, with the chapters', () => {
  const n = 50_000; // not a whole number of frames
  const samples = Float64Array.from({ length: n }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 440 * i) / 24000) * Math.min(1, i / 2000));
  const chapters = [
    { title: 'One', start: 0, end: 1.25 },
    { title: 'Deux — “deux”', start: 1.25, end: n / 24000 },
  ];
  const path = join(folder, 'book.mp3');
  writeFileSync(path, encode(samples, chapters));
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-']);
  const decoded = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
  assert.equal(decoded.length, n);
  const snr = (lag) => {
    let signal = 0;
    let noise = 0;
    for (let i = 100; i < n - 100; i++) {
      signal += samples[i] ** 2;
      noise += (samples[i] - decoded[i + lag]) ** 2;
    }
    return 10 * Math.log10(signal / noise);
  };
  assert.ok(snr(0) > 20, `SNR ${snr(0).toFixed(1)} dB`);
  assert.ok(snr(0) > snr(1) + 3 && snr(0) > snr(-1) + 3);
  const listed = ffprobe('-show_chapters', '-show_format', path);
  assert.deepEqual(listed.chapters.map((c) => [c.tags.title, Number(c.start_time), Number(c.end_time)]),
    chapters.map((c) => [c.title, c.start, Math.round(c.end * 1000) / 1000]));
  assert.equal(listed.format.tags.title, 'A book');
});

test('no chapters: a tag without CTOC', () => {
  const tag = id3Tag({});
  assert.equal(Buffer.from(tag).toString('latin1'), 'ID3\x04\x00\x00\x00\x00\x00\x00');
});
