// Unit tests (node --test) for web/audio/wav-file.js: the JS WAV writer against py_core.wav (the
// CLI's writer, run in CPython) byte for byte, and read back by the app's own WAV parser.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { parseWav } from '../web/audio/audio-file.js';
import { encodeWav, wavHeader } from '../web/audio/wav-file.js';

// Samples that exercise clamping, both signs and rounding vs truncation.
const SAMPLES = [0, 0.5, -0.5, 1, -1, 1.7, -3, 0.123456, -0.999, 1e-5, -1e-5, 0.25];

/** py_core.wav.encode_wav of `samples` at `rate`, as bytes. */
function pyCoreWav(samples, rate) {
  const script = 'import json,sys; from py_core.wav import encode_wav; sys.stdout.buffer.write(encode_wav(json.loads(sys.argv[1]), int(sys.argv[2])))';
  return new Uint8Array(execFileSync('python3', ['-c', script, JSON.stringify(samples), String(rate)]));
}

test('encodeWav with Math.trunc writes the same bytes as py_core.wav', () => {
  for (const rate of [24000, 16000, 44100]) {
    assert.deepEqual(new Uint8Array(encodeWav(SAMPLES, rate, Math.trunc)), pyCoreWav(SAMPLES, rate));
  }
});

test('a WAV from encodeWav reads back through parseWav with its samples', () => {
  const bytes = new Uint8Array(encodeWav(SAMPLES, 22050));
  const format = parseWav(bytes, 'test.wav');
  assert.equal(format.formatTag, 1);
  assert.equal(format.channels, 1);
  assert.equal(format.bits, 16);
  assert.equal(format.sampleRate, 22050);
  assert.equal(format.dataSize, 2 * SAMPLES.length);
  const view = new DataView(bytes.buffer, format.dataOffset);
  const read = SAMPLES.map((_, i) => view.getInt16(2 * i, true));
  assert.deepEqual(read, SAMPLES.map((x) => Math.round(Math.max(-1, Math.min(1, x)) * 32767) || 0)); // || 0: -0 is stored as 0
});

test('wavHeader announces the data size of the samples that follow it', () => {
  const header = wavHeader(1000, 24000);
  assert.equal(header.length, 44);
  const format = parseWav(header, 'header.wav', false);
  assert.equal(format.dataSize, 2000);
  assert.equal(format.sampleRate, 24000);
  assert.equal(new DataView(header.buffer).getUint32(4, true), 36 + 2000);
});
