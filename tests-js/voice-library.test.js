// Unit tests (node --test) for web/engine/voice-library.js's withName: an exported voice carries its current
// name, and py_core still reads the file (same tensors, the other metadata kept).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { withName } from '../web/engine/voice-library.js';

/** A safetensors file with one F32 tensor [2] and `metadata`. */
function safetensors(metadata) {
  const header = JSON.stringify({ __metadata__: metadata, x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
  const text = new TextEncoder().encode(header + ' '.repeat((8 - (header.length % 8)) % 8));
  const out = new Uint8Array(8 + text.length + 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  new DataView(out.buffer).setFloat32(8 + text.length, 1.5, true);
  new DataView(out.buffer).setFloat32(12 + text.length, -2, true);
  return out;
}

test('withName sets the name, keeps the rest, and the header stays 8-byte aligned', () => {
  const renamed = withName(safetensors({ name: 'old', model_id: 'm' }).buffer, 'Zoë’s voice ✓');
  const length = Number(new DataView(renamed.buffer).getBigUint64(0, true));
  assert.equal(length % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(renamed.subarray(8, 8 + length)));
  assert.deepEqual(header.__metadata__, { name: 'Zoë’s voice ✓', model_id: 'm' });
  const data = new DataView(renamed.buffer, 8 + length);
  assert.deepEqual([data.getFloat32(0, true), data.getFloat32(4, true)], [1.5, -2]);
  assert.equal(renamed.length, 8 + length + 8);
});

test('py_core reads a renamed file', () => {
  const renamed = withName(safetensors({ name: 'old' }), 'new name');
  const script = 'import sys; from py_core import safetensors as s; t, m = s.load(sys.stdin.buffer.read()); ' +
    'print(m["name"], list(s.to_float32(t["x"])))';
  const out = execFileSync(process.env.PYTHON || 'python3', ['-c', script], { input: renamed, encoding: 'utf8' });
  assert.equal(out.trim(), 'new name [1.5, -2.0]');
});
