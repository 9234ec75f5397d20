// Unit tests (node --test) for web/engine/python-snapshot.js: which kept snapshot fits a start, and keeping one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { dropSnapshots, keepSnapshot, readSnapshot, snapshotKey } from '../web/engine/python-snapshot.js';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A device store in memory with ModelStore's interface that checks, as it does, a file against its sha256. */
function memoryStore() {
  const files = new Map();
  return {
    files,
    async names() {
      return [...files.keys()];
    },
    async read({ sha256: hash, name = hash }) {
      const data = files.get(name);
      if (!data) return null;
      if (sha256(data) === hash) return data;
      files.delete(name);
      return null;
    },
    async write({ sha256: hash, name = hash }, data) {
      files.set(name, Uint8Array.from(data));
      return true;
    },
    async prune(keep) {
      for (const name of [...files.keys()]) if (!keep.has(name)) files.delete(name);
    },
  };
}

const parts = { pyodide: '314.0.7', wheel: new TextEncoder().encode('wheel'), driverSource: 'import js\n', engine: 'Chromium' };

test('the key changes with Pyodide, the wheel, the driver and the engine, and only with them', async () => {
  const key = await snapshotKey(parts);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(await snapshotKey({ ...parts, wheel: new TextEncoder().encode('wheel') }), key);
  const others = [
    { pyodide: '314.0.8' },
    { wheel: new TextEncoder().encode('wheel 2') },
    { driverSource: 'import js\nimport time\n' },
    { engine: 'Firefox' },
  ];
  for (const change of others) assert.notEqual(await snapshotKey({ ...parts, ...change }), key, JSON.stringify(Object.keys(change)));
});

test('a kept snapshot is found by its key only, and keeping a new one drops the old', async () => {
  const store = memoryStore();
  const key = await snapshotKey(parts);
  const otherKey = await snapshotKey({ ...parts, pyodide: '314.0.8' });
  const snapshot = new TextEncoder().encode('interpreter memory');
  assert.equal(await readSnapshot(store, key), null, 'nothing kept yet');

  assert.equal(await keepSnapshot(store, key, snapshot), true);
  assert.deepEqual(await readSnapshot(store, key), snapshot);
  assert.equal(await readSnapshot(store, otherKey), null);

  const newer = new TextEncoder().encode('newer interpreter memory');
  await keepSnapshot(store, otherKey, newer);
  assert.deepEqual(await store.names(), [`${otherKey}-${sha256(newer)}`]);
  assert.equal(await readSnapshot(store, key), null);
  assert.deepEqual(await readSnapshot(store, otherKey), newer);
});

test('a snapshot whose bytes changed is not used, and dropSnapshots empties the store', async () => {
  const store = memoryStore();
  const key = await snapshotKey(parts);
  await keepSnapshot(store, key, new TextEncoder().encode('interpreter memory'));
  const [name] = await store.names();
  store.files.set(name, new TextEncoder().encode('interpreter memorY'));
  assert.equal(await readSnapshot(store, key), null);
  assert.deepEqual(await store.names(), [], 'the damaged snapshot was deleted');

  await keepSnapshot(store, key, new TextEncoder().encode('interpreter memory'));
  await dropSnapshots(store);
  assert.deepEqual(await store.names(), []);
});
