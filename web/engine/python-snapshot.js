// Python's start, kept on the device. A plain Pyodide start (compile and start the interpreter, then
// import py_core and the driver) took 4.5–6 s in Chromium here; starting from a memory snapshot of
// that interpreter (Pyodide's makeMemorySnapshot, ~31 MB) takes well under one. The worker makes the
// snapshot on a plain start, right after the imports and before Python holds any JS object of the
// session, and keeps it in the device store (web/engine/model-store.js, OPFS) once the app is ready; the
// next visit starts from it. A snapshot is only valid for the exact memory layout that made it, so it
// is found by a key over everything that layout depends on: Pyodide's version, py_core's wheel, the
// driver's source and the engine; a snapshot whose bytes do not match the sha256 in its name is
// deleted, never used.

import { ModelStore } from './model-store.js';
import { sha256Hex } from './sha256.js';

/** The device store's folder for snapshots (beside the bundles' folders). */
const SNAPSHOT_FOLDER = 'python-snapshot/';

/** The device store of snapshots, or null where the engine has none. */
export function openSnapshotStore() {
  return ModelStore.open(SNAPSHOT_FOLDER);
}

/**
 * The key of the snapshot that fits this start.
 * @param {{pyodide: string, wheel: Uint8Array<ArrayBuffer>, driverSource: string, engine: string}} parts
 */
export async function snapshotKey({ pyodide, wheel, driverSource, engine }) {
  const driver = await sha256Hex(new TextEncoder().encode(driverSource));
  const text = [pyodide, await sha256Hex(wheel), driver, engine].join('\n');
  return sha256Hex(new TextEncoder().encode(text));
}

/**
 * The kept snapshot for `key`, verified; null when there is none (or it was damaged: then deleted).
 * @param {ModelStore} store
 * @param {string} key
 */
export async function readSnapshot(store, key) {
  const name = (await store.names()).find((n) => n.startsWith(`${key}-`));
  return name ? store.read({ name, sha256: name.slice(key.length + 1) }) : null;
}

/**
 * Keep `snapshot` as the one for `key`; snapshots of other keys (an older Pyodide, py_core or
 * engine) are deleted. Returns whether it was written.
 * @param {ModelStore} store
 * @param {string} key
 * @param {Uint8Array<ArrayBuffer>} snapshot
 */
export async function keepSnapshot(store, key, snapshot) {
  const name = `${key}-${await sha256Hex(snapshot)}`;
  const written = await store.write({ name, sha256: name.slice(key.length + 1) }, snapshot);
  if (written) await store.prune(new Set([name]));
  return written;
}

/** Delete every kept snapshot (one that failed to start Python). */
export async function dropSnapshots(store) {
  await store.prune(new Set());
}
