// Unit tests (node --test) for web/engine/model-files.js: verified downloads and the manifest's file lookup.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, test } from 'node:test';

import { checkManifest, fileEntry } from '../web/engine/manifest.js';
import { ModelFiles, fetchVerified } from '../web/engine/model-files.js';
import { ModelStore } from '../web/engine/model-store.js';
import { MANIFEST_SCHEMA, MANIFEST_SCHEMA_VERSION, REQUIRED_GRAPHS } from '../web/engine/speak-options.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A fetch that serves `files` (URL path → bytes) in small pieces, and 404 for anything else. */
function serve(files, piece = 7) {
  const requested = [];
  globalThis.fetch = async (url) => {
    const path = new URL(url).pathname;
    requested.push(String(url));
    const bytes = files[path];
    if (!bytes) return new Response('not found', { status: 404 });
    const stream = new ReadableStream({
      start(controller) {
        for (let at = 0; at < bytes.length; at += piece) controller.enqueue(bytes.slice(at, at + piece));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-length': String(bytes.length) } });
  };
  return requested;
}

test('fetchVerified returns the bytes, reports progress up to the total, and checks the sha256', async () => {
  const body = new TextEncoder().encode('a model file of a few dozen bytes, served in pieces');
  serve({ '/m/a.onnx': body });
  const progress = [];
  const got = await fetchVerified('http://x/m/a.onnx', { path: 'a.onnx', sha256: sha256(body), bytes: body.length }, (l, t) =>
    progress.push([l, t]),
  );
  assert.deepEqual(Buffer.from(got), Buffer.from(body));
  assert.deepEqual(progress[0], [0, body.length]);
  assert.deepEqual(progress.at(-1), [body.length, body.length]);
  assert.ok(progress.length > 3, 'progress while the body arrives');
});

test('a corrupted or missing file is refused with its name', async () => {
  const body = new TextEncoder().encode('the right content');
  const bad = Uint8Array.from(body);
  bad[3] ^= 0xff;
  serve({ '/m/a.onnx': bad });
  await assert.rejects(
    fetchVerified('http://x/m/a.onnx', { path: 'a.onnx', sha256: sha256(body), bytes: body.length }),
    /a\.onnx is corrupted: sha256 .* does not match the manifest's/,
  );
  await assert.rejects(fetchVerified('http://x/m/b.onnx', { path: 'b.onnx', sha256: sha256(body) }), /b\.onnx: download failed \(HTTP 404\)/);
  globalThis.fetch = async () => {
    throw new TypeError('network down');
  };
  await assert.rejects(fetchVerified('http://x/m/a.onnx', { path: 'a.onnx' }), /a\.onnx: download failed \(network down\)/);
});

test('a body longer than announced is still read whole and then checked', async () => {
  const body = new Uint8Array(100).map((_, i) => i);
  serve({ '/m/a.bin': body });
  const got = await fetchVerified('http://x/m/a.bin', { path: 'a.bin', sha256: sha256(body), bytes: 10 });
  assert.equal(got.length, 100);
});

test('ModelFiles reads the manifest and downloads a group by content-addressed URLs', async () => {
  const graph = new TextEncoder().encode('graph bytes');
  const voice = new TextEncoder().encode('voice bytes');
  const manifest = {
    ...checkedFields(),
    model_id: 'm',
    files: [
      { path: 'g.onnx', sha256: sha256(graph), bytes: graph.length, role: 'graph', download: 'default' },
      { path: 'voices/v.safetensors', sha256: sha256(voice), bytes: voice.length, role: 'voice', download: 'on_demand' },
    ],
  };
  const requested = serve({
    '/app/models/m/manifest.json': new TextEncoder().encode(JSON.stringify(manifest)),
    '/app/models/m/g.onnx': graph,
    '/app/models/m/voices/v.safetensors': voice,
  });
  const posted = [];
  const files = new ModelFiles('http://x/app/models/', 'm/', (message) => posted.push(message));
  assert.equal(JSON.parse(await files.readManifest()).model_id, 'm');
  const got = await files.download(['default']);
  assert.deepEqual([...got.keys()], ['g.onnx']);
  assert.ok(requested.includes(`http://x/app/models/m/g.onnx?sha256=${sha256(graph)}`));
  assert.deepEqual(posted.at(-1), { type: 'download', file: 'g.onnx', loaded: graph.length, total: graph.length, allLoaded: graph.length, allTotal: graph.length });
  assert.equal(new TextDecoder().decode(await files.downloadFile('voices/v.safetensors')), 'voice bytes');
  await assert.rejects(files.downloadFile('nope.onnx'), /nope\.onnx is not a file of the bundle m/);
  assert.throws(() => fileEntry(manifest, 'x'), /x is not a file of the bundle m/);
});

test('a missing manifest names the bundle and the HTTP status', async () => {
  serve({});
  await assert.rejects(new ModelFiles('http://x/models/', 'gone/', () => {}).readManifest(), /models\/gone\/manifest\.json: HTTP 404/);
});

/** What checkManifest looks at in a manifest it accepts: the schema, its version, the required graphs. */
function checkedFields() {
  return {
    schema: MANIFEST_SCHEMA,
    schema_version: MANIFEST_SCHEMA_VERSION,
    graphs: Object.fromEntries(REQUIRED_GRAPHS.map((name) => [name, { file: `${name}.onnx` }])),
  };
}

test('checkManifest refuses another schema, another version and missing graphs with py_core.manifest\'s messages', () => {
  const good = checkedFields();
  assert.equal(checkManifest(good), good);
  assert.throws(() => checkManifest([]), /not a Pocket TTS bundle manifest \(schema must be 'pocket-tts-web\/bundle'\)/);
  assert.throws(() => checkManifest({ ...good, schema: 'other' }), /not a Pocket TTS bundle manifest/);
  assert.throws(
    () => checkManifest({ ...good, schema_version: MANIFEST_SCHEMA_VERSION + 1 }),
    new RegExp(`schema version ${MANIFEST_SCHEMA_VERSION + 1} is not supported by this app \\(it reads version ${MANIFEST_SCHEMA_VERSION}\\)`),
  );
  assert.throws(() => checkManifest({ ...good, schema_version: undefined }), /schema version null is not supported/);
  const graphs = { ...good.graphs };
  delete graphs.mimi_decoder;
  delete graphs.flow_lm_flow;
  assert.throws(() => checkManifest({ ...good, graphs }), /manifest lacks required graph\(s\): flow_lm_flow, mimi_decoder$/);
});

test('readManifest checks the manifest before any download, naming the file', async () => {
  const requested = serve({
    '/models/old/manifest.json': new TextEncoder().encode(JSON.stringify({ ...checkedFields(), schema_version: 3 })),
    '/models/bad/manifest.json': new TextEncoder().encode('{"schema": '),
  });
  await assert.rejects(
    new ModelFiles('http://x/models/', 'old/', () => {}).readManifest(),
    /^Error: http:\/\/x\/models\/old\/manifest\.json: bundle manifest schema version 3 is not supported by this app/,
  );
  await assert.rejects(new ModelFiles('http://x/models/', 'bad/', () => {}).readManifest(), /models\/bad\/manifest\.json is not valid JSON/);
  assert.deepEqual(requested, ['http://x/models/old/manifest.json', 'http://x/models/bad/manifest.json']);
});

/** An in-memory folder with the part of OPFS's FileSystemDirectoryHandle that ModelStore uses. */
function memoryFolder(kept = {}) {
  const files = new Map(Object.entries(kept));
  const notFound = () => new DOMException('not found', 'NotFoundError');
  return {
    files,
    async getFileHandle(name, { create = false } = {}) {
      if (!files.has(name) && !create) throw notFound();
      return {
        getFile: async () => new Blob([files.get(name) ?? new Uint8Array()]),
        createWritable: async () => {
          let written = new Uint8Array();
          return { write: async (data) => (written = Uint8Array.from(data)), close: async () => files.set(name, written) };
        },
      };
    },
    async removeEntry(name) {
      if (!files.delete(name)) throw notFound();
    },
    async *keys() {
      yield* [...files.keys()];
    },
  };
}

/** The real ModelStore (web/engine/model-store.js) over a memory folder: OPFS is browser-only. */
function memoryStore(kept = {}) {
  const folder = memoryFolder(kept);
  return Object.assign(new ModelStore(/** @type {any} */ (folder)), { files: folder.files });
}

/**
 * ModelFiles over a bundle of two default files, g.onnx ('graph bytes') and d.onnx ('decoder bytes'),
 * served under http://x/models/m/, with a memory device store holding what `stored` returns for them.
 */
function twoFileBundle(stored) {
  const graph = new TextEncoder().encode('graph bytes');
  const decoder = new TextEncoder().encode('decoder bytes');
  const manifest = {
    ...checkedFields(),
    model_id: 'm',
    files: [
      { path: 'g.onnx', sha256: sha256(graph), bytes: graph.length, download: 'default' },
      { path: 'd.onnx', sha256: sha256(decoder), bytes: decoder.length, download: 'default' },
    ],
  };
  const requested = serve({ '/models/m/g.onnx': graph, '/models/m/d.onnx': decoder });
  const store = memoryStore(stored({ graph, decoder }));
  const files = new ModelFiles('http://x/models/', 'm/', () => {});
  files.manifest = manifest;
  files.store = Promise.resolve(store);
  return { graph, decoder, manifest, requested, store, files };
}

test('files kept on the device are not downloaded; downloaded files are kept', async () => {
  const { graph, decoder, manifest, requested, store, files } = twoFileBundle(({ graph }) => ({ [sha256(graph)]: graph }));
  const got = await files.download(['default']);
  assert.deepEqual(files.fromStore, ['g.onnx']);
  assert.equal(store.files.size, 1, 'nothing is written before keep()');
  await files.keep(got);
  assert.equal(new TextDecoder().decode(got.get('g.onnx')), 'graph bytes');
  assert.equal(new TextDecoder().decode(got.get('d.onnx')), 'decoder bytes');
  assert.deepEqual(requested, [`http://x/models/m/d.onnx?sha256=${sha256(decoder)}`]);
  assert.deepEqual([...store.files.keys()].sort(), [sha256(graph), sha256(decoder)].sort());

  // The next visit downloads nothing.
  requested.length = 0;
  await files.download(['default']);
  assert.deepEqual(files.fromStore.sort(), ['d.onnx', 'g.onnx']);
  assert.deepEqual(requested, []);

  // A rebuilt bundle: files its manifest no longer names leave the store.
  files.manifest = { ...manifest, files: manifest.files.slice(1) };
  await files.pruneCache();
  assert.deepEqual([...store.files.keys()], [sha256(decoder)]);
});

test('a corrupted download is refused and not kept', async () => {
  const body = new TextEncoder().encode('the right content');
  const bad = Uint8Array.from(body);
  bad[0] ^= 0xff;
  serve({ '/models/m/g.onnx': bad });
  const store = memoryStore();
  const files = new ModelFiles('http://x/models/', 'm/', () => {});
  files.manifest = { model_id: 'm', files: [{ path: 'g.onnx', sha256: sha256(body), bytes: body.length, download: 'default' }] };
  files.store = Promise.resolve(store);
  await assert.rejects(files.download(['default']), /g\.onnx is corrupted/);
  await assert.rejects(files.downloadFile('g.onnx'), /g\.onnx is corrupted/);
  assert.equal(store.files.size, 0);
});

test('without a device store (Node has no OPFS) every file is downloaded', async () => {
  const body = new TextEncoder().encode('bytes');
  const requested = serve({ '/models/m/g.onnx': body });
  const files = new ModelFiles('http://x/models/', 'm/', () => {});
  files.manifest = { model_id: 'm', files: [{ path: 'g.onnx', sha256: sha256(body), bytes: body.length, download: 'default' }] };
  assert.equal(await files.openStore(), null);
  await files.download(['default']);
  assert.deepEqual(files.fromStore, []);
  assert.equal(requested.length, 1);
});

test('the start takes stored files by their size; verifyKept then finds a damaged one and deletes it', async () => {
  let damaged;
  const { graph, decoder, requested, store, files } = twoFileBundle(({ graph, decoder }) => {
    damaged = Uint8Array.from(decoder);
    damaged[3] ^= 1; // same size, other bytes
    return { [sha256(graph)]: graph, [sha256(decoder)]: damaged };
  });

  const got = await files.download(['default'], { verifyStored: false });
  assert.deepEqual(files.fromStore.sort(), ['d.onnx', 'g.onnx']);
  assert.deepEqual(requested, []);
  assert.deepEqual(got.get('d.onnx'), damaged, 'taken by its size');
  assert.deepEqual(await files.verifyKept(), ['d.onnx']);
  assert.deepEqual([...store.files.keys()], [sha256(graph)], 'the damaged file is deleted, the good one kept');
  assert.deepEqual(await files.verifyKept(), [], 'each file is checked once');

  // The next start downloads it again (verified).
  const again = await files.download(['default'], { verifyStored: false });
  assert.deepEqual(files.fromStore, ['g.onnx']);
  assert.deepEqual(requested, [`http://x/models/m/d.onnx?sha256=${sha256(decoder)}`]);
  assert.deepEqual(again.get('d.onnx'), decoder);
  assert.deepEqual(await files.verifyKeptInWorker(), [], 'without a download worker: checked in this thread');
});

test('a stored file of another size is never taken; by default a stored file is verified at once', async () => {
  const body = new TextEncoder().encode('the right content');
  const requested = serve({ '/models/m/g.onnx': body });
  const entry = { path: 'g.onnx', sha256: sha256(body), bytes: body.length, download: 'default' };
  for (const [verifyStored, stored] of [
    [false, body.slice(0, -1)], // truncated
    [true, Uint8Array.from(body, (b, i) => (i === 0 ? b ^ 1 : b))], // same size, other bytes
  ]) {
    requested.length = 0;
    const store = memoryStore({ [entry.sha256]: stored });
    const files = new ModelFiles('http://x/models/', 'm/', () => {});
    files.manifest = { model_id: 'm', files: [entry] };
    files.store = Promise.resolve(store);
    const got = await files.download(['default'], { verifyStored });
    assert.deepEqual(got.get('g.onnx'), body, `verifyStored ${verifyStored}`);
    assert.deepEqual(files.fromStore, []);
    assert.equal(requested.length, 1, 'downloaded instead');
    assert.equal(store.files.size, 0, 'the bad copy is deleted');
  }
});
