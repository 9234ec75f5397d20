// Unit tests (node --test) for the Ogg Opus muxer of web/engine/ogg-opus.js, with FFmpeg (Debian's
// ffmpeg and ffprobe) as the oracle: libopus packets that FFmpeg encoded and ffprobe handed out, muxed
// again here, decode to exactly the samples of FFmpeg's own file; the page checksums pass FFmpeg's
// check; ffprobe lists the chapter comments.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { OggOpusWriter, chapterComments, chapterTime, oggCrc, opusPacketSamples } from '../web/engine/ogg-opus.js';

const folder = mkdtempSync(join(tmpdir(), 'ogg-opus-'));
const ffmpeg = (...args) => execFileSync('ffmpeg', ['-v', 'error', ...args], { maxBuffer: 1 << 28 });
const ffprobe = (...args) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args]).toString());

/** A sine encoded by FFmpeg's libopus at 24 kHz input; its packets as ffprobe lists them. */
function ffmpegOpus(name, seconds, bitrate, frameMs = 20) {
  const path = join(folder, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=24000:duration=${seconds}`, '-c:a', 'libopus',
    '-b:a', bitrate, '-frame_duration', String(frameMs), '-y', path);
  const packets = ffprobe('-show_packets', '-show_data', path).packets.map((p) => {
    const hex = p.data.split('\n').filter(Boolean).map((line) => line.slice(10, 49).replaceAll(' ', '')).join('');
    return Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
  });
  return { path, packets };
}

async function write(path, blob) {
  writeFileSync(path, new Uint8Array(await blob.arrayBuffer()));
  return path;
}

const decoded = (path) => ffmpeg('-i', path, '-f', 'f32le', '-');
/** Equal decoded audio (a short message when not). */
const sameAudio = (a, b) => assert.ok(a.equals(b), `${a.length / 4} samples vs ${b.length / 4}, or different`);

test('the page checksum is CRC-32 with polynomial 0x04c11db7, initial 0, no reflection or final xor', () => {
  // CRC-32/CKSUM's check value 0x765e7680 is this CRC of "123456789" xor 0xffffffff.
  assert.equal(oggCrc(new TextEncoder().encode('123456789')), (0x765e7680 ^ 0xffffffff) >>> 0);
});

test('packet durations from the TOC byte (RFC 6716 3.1)', () => {
  assert.equal(opusPacketSamples(Uint8Array.of(0 << 3)), 480); // SILK 10 ms
  assert.equal(opusPacketSamples(Uint8Array.of(3 << 3)), 2880); // SILK 60 ms
  assert.equal(opusPacketSamples(Uint8Array.of(13 << 3)), 960); // hybrid 20 ms
  assert.equal(opusPacketSamples(Uint8Array.of(16 << 3)), 120); // CELT 2.5 ms
  assert.equal(opusPacketSamples(Uint8Array.of((31 << 3) | 1)), 1920); // two CELT 20 ms frames
  assert.equal(opusPacketSamples(Uint8Array.of((31 << 3) | 3, 3)), 2880); // code 3: three frames
  assert.throws(() => opusPacketSamples(new Uint8Array(0)), RangeError);
});

test('chapter comments: CHAPTERnnn=HH:MM:SS.mmm and CHAPTERnnnNAME', () => {
  assert.equal(chapterTime(3723.4567), '01:02:03.457');
  assert.deepEqual(chapterComments([{ title: 'One', start: 0 }, { title: 'Two', start: 61.5 }]),
    ['CHAPTER001=00:00:00.000', 'CHAPTER001NAME=One', 'CHAPTER002=00:01:01.500', 'CHAPTER002NAME=Two']);
});

test("FFmpeg's packets muxed here decode to exactly FFmpeg's own file's samples, with the chapters", async () => {
  const { path, packets } = ffmpegOpus('ffmpeg.opus', 1.5, '48k');
  const titles = ['Opening', 'Chapter 2 — Ünïcode “quotes”'];
  const writer = new OggOpusWriter({ preSkip: 312, inputRate: 24000, titles });
  for (const packet of packets) writer.add(packet);
  const ours = await write(join(folder, 'ours.opus'), writer.finish(36000, [0, 1.234]));
  const theirs = decoded(path);
  assert.equal(theirs.length / 4, 72000); // 1.5 s at 48 kHz
  sameAudio(decoded(ours), theirs); // also: FFmpeg checks every page's CRC (an error fails ffmpeg -v error)
  const chapters = ffprobe('-show_chapters', ours).chapters;
  assert.deepEqual(chapters.map((c) => c.tags.title), titles);
  assert.deepEqual(chapters.map((c) => Number(c.start_time)), [0, 1.234]);
  const stream = ffprobe('-show_streams', ours).streams[0];
  assert.equal(stream.codec_name, 'opus');
  assert.equal(stream.channels, 1);
});

test('the end trim: the last page says where the audio ends, within its last packet', async () => {
  const { packets } = ffmpegOpus('trim.opus', 1, '32k');
  const writer = new OggOpusWriter({ preSkip: 312, inputRate: 24000 });
  for (const packet of packets) writer.add(packet);
  const ours = await write(join(folder, 'trim-ours.opus'), writer.finish(23_900));
  assert.equal(decoded(ours).length / 4, 47_800);
  assert.throws(() => new OggOpusWriter({ preSkip: 312, inputRate: 24000 }).finish(24000), RangeError);
});

test('packets larger than a page holds go on over the next page', async () => {
  // 60 ms packets at 256 kbps: ~1.9 kB each, 8 lacing values; 50 of them need two pages.
  const { path, packets } = ffmpegOpus('big.opus', 3, '256k', 60);
  assert.ok(packets.some((p) => p.length > 255 * 5));
  const writer = new OggOpusWriter({ preSkip: 312, inputRate: 24000, titles: ['Only'] });
  for (const packet of packets) writer.add(packet);
  const ours = await write(join(folder, 'big-ours.opus'), writer.finish(72000, [0]));
  const sizes = (file) => ffprobe('-show_packets', file).packets.map((p) => Number(p.size));
  assert.deepEqual(sizes(ours), packets.map((p) => p.length));
  sameAudio(decoded(ours), decoded(path));
});

test('many chapters: the comment header spans pages', async () => {
  const titles = Array.from({ length: 400 }, (_, i) => `Chapter ${i + 1}: ${'a long title '.repeat(12)}`);
  const { packets } = ffmpegOpus('many.opus', 1, '32k');
  const writer = new OggOpusWriter({ preSkip: 312, inputRate: 24000, titles });
  for (const packet of packets) writer.add(packet);
  assert.ok(writer.tagPages > 1);
  const starts = titles.map((_, i) => i * 0.002);
  const ours = await write(join(folder, 'many-ours.opus'), writer.finish(24000, starts));
  const chapters = ffprobe('-show_chapters', ours).chapters;
  assert.equal(chapters.length, 400);
  assert.equal(chapters[399].tags.title, titles[399]);
  assert.equal(Number(chapters[399].start_time), 0.798);
  assert.equal(decoded(ours).length / 4, 48000);
  assert.throws(() => writer.finish(24000, [0]), RangeError);
});
