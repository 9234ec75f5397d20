// Unit tests (node --test) for the WAV header checks of web/audio/audio-file.js (the same rules as
// py_core.audio_prompt; tests/test_audio_file_js.py compares the two verdicts on ~430 files).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AudioFileError, checkFormat, parseWav } from '../web/audio/audio-file.js';

/** A RIFF/WAVE file: `chunks` as [id, body bytes] in order. */
function riff(chunks) {
  const parts = chunks.map(([id, body]) => {
    const head = new Uint8Array(8 + body.length + (body.length % 2));
    head.set(new TextEncoder().encode(id), 0);
    new DataView(head.buffer).setUint32(4, body.length, true);
    head.set(body, 8);
    return head;
  });
  const size = 4 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(8 + size);
  out.set(new TextEncoder().encode('RIFF'), 0);
  new DataView(out.buffer).setUint32(4, size, true);
  out.set(new TextEncoder().encode('WAVE'), 8);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function fmt({ tag = 1, channels = 1, rate = 24000, bits = 16, blockAlign = (channels * bits) / 8, extensibleTag } = {}) {
  const body = new Uint8Array(extensibleTag === undefined ? 16 : 40);
  const view = new DataView(body.buffer);
  view.setUint16(0, extensibleTag === undefined ? tag : 0xfffe, true);
  view.setUint16(2, channels, true);
  view.setUint32(4, rate, true);
  view.setUint32(8, rate * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, bits, true);
  if (extensibleTag !== undefined) view.setUint16(24, extensibleTag, true);
  return ['fmt ', body];
}

const data = (n) => ['data', new Uint8Array(n)];

test('a 16-bit mono WAV: its format and where its samples are', () => {
  const wav = riff([fmt({ rate: 44100 }), ['LIST', new Uint8Array(5)], data(8)]);
  const parsed = parseWav(wav, 'a.wav');
  assert.deepEqual(
    { tag: parsed.formatTag, channels: parsed.channels, rate: parsed.sampleRate, bits: parsed.bits, size: parsed.dataSize },
    { tag: 1, channels: 1, rate: 44100, bits: 16, size: 8 },
  );
  assert.equal(parsed.dataOffset, 12 + 24 + 14 + 8); // after fmt (8+16) and the padded LIST chunk (8+5+1)
});

test('WAVE_FORMAT_EXTENSIBLE reads its sub-format; not RIFF or a cut header is null, not an error', () => {
  assert.equal(parseWav(riff([fmt({ bits: 32, extensibleTag: 3 }), data(4)]), 'f.wav').formatTag, 3);
  assert.equal(parseWav(new TextEncoder().encode('OggS and more bytes'), 'x.ogg'), null);
  assert.equal(parseWav(riff([fmt()]), 'start.wav', false), null); // the data chunk may come later
});

test('bad headers are refused with the file name and the reason', () => {
  const refuse = (bytes, pattern) => assert.throws(() => parseWav(bytes, 'bad.wav'), (e) => e instanceof AudioFileError && pattern.test(e.message));
  refuse(riff([data(4), fmt()]), /^bad\.wav: the WAV data chunk comes before its format chunk$/);
  refuse(riff([fmt()]), /^bad\.wav: the WAV file has no data chunk$/);
  refuse(riff([['fmt ', new Uint8Array(10)], data(4)]), /format chunk is truncated/);
  refuse(riff([fmt({ rate: 2 ** 31 }), data(4)]), /sample rate 2147483648 Hz is not supported/);
  refuse(riff([fmt({ channels: 0, blockAlign: 2 }), data(4)]), /0 channels are not supported/);
  refuse(riff([fmt({ bits: 12, blockAlign: 2 }), data(4)]), /12-bit PCM WAV is not supported/);
  refuse(riff([fmt({ channels: 2, blockAlign: 2 }), data(4)]), /block size 2 does not match 2 channels of 16 bits/);
});

test('the format limits whoever decodes the file', () => {
  checkFormat('ok.wav', 8000, 1);
  checkFormat('ok.wav', 384000, 2);
  assert.throws(() => checkFormat('low.wav', 7999, 1), /7999 Hz is not supported/);
  assert.throws(() => checkFormat('many.wav', 48000, 17), /17 channels are not supported/);
  assert.throws(() => checkFormat('big.wav', 384000, 3), /more audio than supported \(768000 samples per second\)/);
});
