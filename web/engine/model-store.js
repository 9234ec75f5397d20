// Verified model files kept on this device, in the Origin Private File System (OPFS): one folder per
// bundle, one file per model file, named by its sha256. Reading a 75 MB file back takes ~0.2 s here
// where fetching it again (from the HTTP cache, the service worker's Cache Storage or the server)
// took 3–9 s (measured in Chromium on these 2-core machines), so a returning visitor's start is
// bounded by Pyodide's, not by the model's bytes. A file is written only once verified, and every
// read checks it again: its size at once, and its sha256 (unless the caller checks that later:
// ModelFiles.verifyKept); a damaged or partly written file is deleted and downloaded anew.
// Where the engine has no OPFS (or refuses it: private windows), `open` gives null and every file
// is fetched as before.

import { sha256Hex } from './sha256.js';

const ROOT_FOLDER = 'pocket-tts-models';

export class ModelStore {
  /** @param {FileSystemDirectoryHandle} folder  this bundle's folder */
  constructor(folder) {
    this.folder = folder;
  }

  /**
   * The store for bundle `bundle` (its folder under models/), or null where the engine has none.
   * @param {string} bundle
   * @returns {Promise<ModelStore | null>}
   */
  static async open(bundle) {
    try {
      const root = await navigator.storage.getDirectory();
      const all = await root.getDirectoryHandle(ROOT_FOLDER, { create: true });
      return new ModelStore(await all.getDirectoryHandle(folderName(bundle), { create: true }));
    } catch {
      return null; // no navigator.storage.getDirectory, or access refused
    }
  }

  /**
   * The file's bytes if they are kept here and still match the manifest's size and sha256; else
   * null (a file that no longer matches is deleted). A file is named by its sha256 unless `name`
   * says otherwise. `verify: false` skips the sha256 (hashing the model's 126 MB cost a returning
   * visit's start 0.3–0.4 s on 2 cores): the caller must check it before long (ModelFiles.verifyKept).
   * @param {{sha256: string, bytes?: number, name?: string}} entry
   * @param {{verify?: boolean}} [options]
   * @returns {Promise<Uint8Array<ArrayBuffer> | null>}
   */
  async read({ sha256, bytes, name = sha256 }, { verify = true } = {}) {
    let file;
    try {
      file = await (await this.folder.getFileHandle(name)).getFile();
    } catch {
      return null; // not kept
    }
    const data = new Uint8Array(await file.arrayBuffer());
    const sizeMatches = bytes === undefined ? verify : data.length === bytes; // no size known: only the sha256 checks it
    if (sizeMatches && (!verify || (await sha256Hex(data)) === sha256)) return data;
    await this.folder.removeEntry(name).catch(() => {});
    return null;
  }

  /**
   * Keep `data` (already verified against `entry.sha256`). Returns false where it could not be
   * written (storage quota, an engine without writable OPFS files): the app works on without it.
   * @param {{sha256: string, name?: string}} entry
   * @param {Uint8Array<ArrayBuffer>} data
   */
  async write({ sha256, name = sha256 }, data) {
    try {
      const handle = await this.folder.getFileHandle(name, { create: true });
      if ('createWritable' in handle) {
        const writable = await handle.createWritable();
        await writable.write(data);
        await writable.close();
      } else {
        // WebKit: only synchronous handles (in dedicated workers) can write.
        const sync = await /** @type {any} */ (handle).createSyncAccessHandle();
        sync.truncate(0);
        sync.write(data, { at: 0 });
        sync.flush();
        sync.close();
      }
      return true;
    } catch (error) {
      await this.folder.removeEntry(name).catch(() => {});
      console.warn(`could not keep a file on this device (${error?.message ?? error}); the next visit fetches or makes it again`);
      return false;
    }
  }

  /** The names of the files kept here. */
  async names() {
    const names = [];
    for await (const name of /** @type {any} */ (this.folder).keys()) names.push(name);
    return names;
  }

  /** Delete the files whose name is not in `keep` (a rebuilt bundle's old files). */
  async prune(keep) {
    for (const name of await this.names()) if (!keep.has(name)) await this.folder.removeEntry(name).catch(() => {});
  }
}

/** A folder name for a bundle path such as "english-synthetic-full/". */
function folderName(bundle) {
  return bundle.replace(/\/+$/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'default';
}
