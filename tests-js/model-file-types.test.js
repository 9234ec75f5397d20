// Unit tests (node --test) for model-file-types.js with a real `vite preview` server: a model file
// goes out as plain bytes to a client that accepts gzip (as every browser does), where Vite's own
// serving gzips it on the fly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { preview } from 'vite';

import { modelFileTypesPlugin } from '../model-file-types.js';

/** GET `path` from `server` with Accept-Encoding: gzip; resolves {headers, body}. */
function get(server, path) {
  const { port } = server.httpServer.address();
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

/** A `vite preview` of a folder holding one compressible 300 kB "model" file. */
async function servedModel(plugins) {
  const dir = mkdtempSync(join(tmpdir(), 'model-types-'));
  const bytes = Buffer.alloc(300_000, 7); // compresses to almost nothing, like the worst case
  writeFileSync(join(dir, 'flow_lm_kv.onnx'), bytes);
  const server = await preview({ configFile: false, root: dir, logLevel: 'silent', build: { outDir: dir }, preview: { port: 0, host: '127.0.0.1' }, plugins });
  return { server, bytes, dir };
}

test('without the plugin, vite preview gzips an .onnx file on the fly (what the plugin is for)', async () => {
  const { server, dir } = await servedModel([]);
  try {
    const { headers } = await get(server, '/flow_lm_kv.onnx?sha256=abc');
    assert.equal(headers['content-encoding'], 'gzip');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true });
  }
});

test('with the plugin, an .onnx file is sent as application/octet-stream, byte for byte, not gzipped', async () => {
  const { server, bytes, dir } = await servedModel([modelFileTypesPlugin()]);
  try {
    const { headers, body } = await get(server, '/flow_lm_kv.onnx?sha256=abc');
    assert.equal(headers['content-type'], 'application/octet-stream');
    assert.equal(headers['content-encoding'], undefined);
    assert.ok(body.equals(bytes));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true });
  }
});
