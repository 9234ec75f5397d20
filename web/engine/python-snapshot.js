// Python's start, kept on the device. A plain Pyodide start (compile and start the interpreter, then
// import py_core and the driver) took 4.5–6 s in Chromium here; starting from a memory snapshot of
// that interpreter (Pyodide's makeMemorySnapshot, ~31 MB) takes well under one. The worker makes the
// snapshot on a plain start, right after the imports and before Python holds any JS object of the
// session, and keeps it in the device store (web/engine/model-store.js, OPFS) once the app is ready; the
// next visit starts from it. A snapshot is only valid for the exact memory layout that made it, so it
// is found by a key over everything that layout depends on: Pyodide's version, py_core's wheel, the
// driver's source and the engine; a snapshot whose bytes do not match the sha256 in its name is
// deleted, never used.
//
// A first visit has no such snapshot yet, so the site ships one: scripts/prepare_web_assets.mjs starts
// the same Pyodide in Node, imports the same wheel and driver and writes the snapshot gzip-compressed
// (pyodide/python-snapshot.gz, ~7 MB; runtime.json `python_snapshot`: file, sha256 of the snapshot,
// key with the engine SITE_ENGINE). The worker uses it where no snapshot is kept on the device and its
// key matches what it loaded; a snapshot is plain WebAssembly memory, not tied to the JS engine that
// made it (the engine is in the device key only because nothing else needs it there).

import { ModelStore } from './model-store.js';
import { sha256Hex } from './sha256.js';

/** The engine part of the shipped snapshot's key (the device's snapshots use the user agent). */
export const SITE_ENGINE = 'site';

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

/**
 * The snapshot shipped with the site (runtime.json `python_snapshot`), ungzipped and checked against
 * its sha256; null (with a warning) when it cannot be had.
 * @param {URL} url
 * @param {string} sha256
 */
export async function fetchSiteSnapshot(url, sha256) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    let snapshot = new Uint8Array(await response.arrayBuffer());
    // Still gzip unless the host sent it with Content-Encoding: gzip (then the browser unpacked it).
    if (snapshot[0] === 0x1f && snapshot[1] === 0x8b) {
      snapshot = new Uint8Array(await new Response(new Blob([snapshot]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    }
    if ((await sha256Hex(snapshot)) !== sha256) throw new Error('its bytes do not match their sha256');
    return snapshot;
  } catch (error) {
    console.warn("The site's Python snapshot could not be read; starting Python without it", error);
    return null;
  }
}
