// A model bundle's files as the worker gets them: the manifest, downloads with byte progress, each
// file's sha256 checked against the manifest (a mismatch names the file), verified files kept on the
// device for the next visit (web/engine/model-store.js), and the service worker's cache and the device store
// kept to the files the current manifest names.

import { checkManifest, fileEntry } from './manifest.js';
import { ModelStore } from './model-store.js';
import { sha256Hex } from './sha256.js';

// The service worker's cache of model files (its name is set in vite.config.js).
const MODEL_CACHE = 'pocket-tts-models';

/**
 * Fetch `url`, reporting bytes as they arrive, and check the body's sha256.
 * @param {string} url
 * @param {{path: string, sha256?: string, bytes?: number}} entry  the manifest's file entry
 * @param {(loaded: number, total: number) => void} [onProgress]
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
export async function fetchVerified(url, { path, sha256, bytes }, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${path}: download failed (${error.message})`, { cause: error });
  }
  if (!response.ok) throw new Error(`${path}: download failed (HTTP ${response.status})`);
  const total = bytes ?? Number(response.headers.get('content-length') || 0);
  const reader = response.body.getReader();
  // One buffer of the announced size, filled in place (no second copy of a large model file).
  let data = new Uint8Array(total);
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > data.length) {
      const grown = new Uint8Array(Math.max(2 * data.length, loaded + value.byteLength));
      grown.set(data.subarray(0, loaded));
      data = grown;
    }
    data.set(value, loaded);
    loaded += value.byteLength;
    onProgress(loaded, total);
  }
  data = data.subarray(0, loaded);
  if (sha256) {
    const hex = await sha256Hex(data);
    if (hex !== sha256) {
      await evictFromCaches(url);
      throw new Error(
        `${path} is corrupted: sha256 ${hex.slice(0, 12)}… does not match the manifest's ${sha256.slice(0, 12)}…` +
          ` (${loaded} bytes received, ${bytes ?? '?'} expected)`,
      );
    }
  }
  return data;
}

/** Drop a bad copy from the service worker's caches so that a retry downloads it again. */
async function evictFromCaches(url) {
  if (typeof caches === 'undefined') return;
  try {
    for (const name of await caches.keys()) await (await caches.open(name)).delete(url);
  } catch {
    // caches may be unavailable (opaque origin, private mode): nothing to evict then
  }
}

/** One bundle on the server: `<modelPath>` under `modelsUrl` (the folder of models/index.json). */
export class ModelFiles {
  /**
   * @param {string} modelsUrl  where the bundles are hosted (the folder of index.json)
   * @param {string} modelPath  the bundle's folder there, with a trailing slash
   * @param {(message: object) => void} post  sends 'download' progress messages to the page
   */
  constructor(modelsUrl, modelPath, post) {
    this.modelsUrl = modelsUrl;
    this.modelPath = modelPath;
    this.modelUrl = new URL(modelPath, modelsUrl).href;
    this.post = post;
    /** @type {import('./manifest.js').Manifest | null} */
    this.manifest = null;
    /** @type {Promise<ModelStore | null> | null} the device store, opened on first use */
    this.store = null;
    /** @type {string[]} paths of the files the last download found in the device store */
    this.fromStore = [];
    /** @type {string[]} paths of stored files taken with their size checked only, for `verifyKept` */
    this.unverified = [];
    /** @type {MessagePort | null} the download worker that made the last download (downloadInWorker) */
    this.downloadWorker = null;
  }

  /** The device store of this bundle's verified files (null where the engine has none). */
  openStore() {
    return (this.store ??= ModelStore.open(this.modelPath));
  }

  /**
   * One file, verified: from the device store when it is kept there, else downloaded (with
   * progress; `keep` stores it). `verifyStored: false`: a stored file's size is checked, its sha256
   * is left to `verifyKept`.
   * @param {{path: string, sha256: string, bytes: number}} entry
   * @param {(loaded: number, total: number) => void} onProgress
   * @param {boolean} [verifyStored]
   */
  async fetchFile(entry, onProgress, verifyStored = true) {
    const store = await this.openStore();
    const kept = await store?.read(entry, { verify: verifyStored });
    if (kept) {
      this.fromStore.push(entry.path);
      if (!verifyStored) this.unverified.push(entry.path);
      onProgress(kept.length, kept.length);
      return kept;
    }
    return fetchVerified(this.url(entry), entry, onProgress);
  }

  /**
   * Check the sha256 of the stored files a download took without it (`verifyStored: false`), read
   * from the store again. The start takes them so: hashing the model's 126 MB on every returning
   * visit competed with the start for the CPU (0.3–0.4 s of reload → ready on 2 cores, measured by
   * bench/ready_timeline.mjs). A damaged file is deleted from the store (the next start downloads it
   * again). Returns the paths of the damaged files.
   * @returns {Promise<string[]>}
   */
  async verifyKept() {
    const store = await this.openStore();
    const damaged = [];
    for (const path of this.unverified.splice(0)) {
      if (!(await store?.read(fileEntry(this.manifest, path)))) damaged.push(path);
    }
    return damaged;
  }

  /**
   * Keep the downloaded files of `files` (path → verified bytes) in the device store, for the next
   * visit. The worker calls it once the app is ready: writing 120 MB took 1–2 s here, which the
   * start does not wait for. Returns the paths written.
   * @param {Map<string, Uint8Array<ArrayBuffer>>} files
   * @returns {Promise<string[]>}
   */
  async keep(files) {
    const fromStore = this.fromStore; // as the download that made `files` left it (a later one resets it)
    const store = await this.openStore();
    const kept = [];
    if (!store) return kept;
    for (const [path, bytes] of files) {
      if (!fromStore.includes(path) && (await store.write(fileEntry(this.manifest, path), bytes))) kept.push(path);
    }
    return kept;
  }

  /**
   * Fetch manifest.json and check it (`checkManifest`: schema version, required graphs) before any
   * download; returns its text (py_core parses it whole) and keeps the parsed manifest.
   */
  async readManifest() {
    const where = `${this.modelUrl}manifest.json`;
    const response = await fetch(new URL('manifest.json', this.modelUrl));
    if (!response.ok) throw new Error(`${where}: HTTP ${response.status}`);
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`${where} is not valid JSON: ${error.message}`, { cause: error });
    }
    try {
      this.manifest = checkManifest(parsed);
    } catch (error) {
      throw new Error(`${where}: ${error.message}`, { cause: error });
    }
    return text;
  }

  /** A file's URL. Files are addressed by content: the service worker caches them cache-first. */
  url(entry) {
    return `${new URL(entry.path, this.modelUrl).href}?sha256=${entry.sha256}`;
  }

  /**
   * Download the files of the download `groups`, verified (stored ones: see `fetchFile`), with
   * progress over all of them. Returns path → bytes.
   * @param {string[]} groups
   * @param {{verifyStored?: boolean}} [options]
   */
  async download(groups, { verifyStored = true } = {}) {
    const entries = this.manifest.files.filter((f) => groups.includes(f.download));
    const allTotal = entries.reduce((sum, f) => sum + f.bytes, 0);
    const done = new Map();
    this.fromStore = [];
    const results = await Promise.all(
      entries.map(async (entry) => {
        const bytes = await this.fetchFile(
          entry,
          (loaded, total) => {
            done.set(entry.path, loaded);
            const allLoaded = [...done.values()].reduce((a, b) => a + b, 0);
            this.post({ type: 'download', file: entry.path, loaded, total, allLoaded, allTotal });
          },
          verifyStored,
        );
        return /** @type {[string, Uint8Array<ArrayBuffer>]} */ ([entry.path, bytes]);
      }),
    );
    return new Map(results);
  }

  /**
   * The start's download: `download(groups)` of stored files without their sha256 (call
   * `verifyKeptInWorker` once the app is ready), on a thread of its own: the download worker at the
   * other end of `port` (web/engine/download-worker.js, started by the page), so that it goes on while this
   * thread is busy (Pyodide's start); in this thread without one.
   * @param {string[]} groups
   * @param {MessagePort|null} [port]
   */
  downloadInWorker(groups, port) {
    if (!port) return this.download(groups, { verifyStored: false });
    return new Promise((resolve, reject) => {
      port.onmessage = ({ data }) => {
        if (data.type === 'download') return this.post(data);
        if (data.type === 'files') {
          this.fromStore = data.fromStore;
          this.downloadWorker = port; // verifyKeptInWorker's
          resolve(new Map(data.files));
        } else {
          port.close();
          reject(new Error(data.message));
        }
      };
      port.postMessage({ type: 'download', modelsUrl: this.modelsUrl, modelPath: this.modelPath, manifest: this.manifest, groups, verifyStored: false });
    });
  }

  /**
   * `verifyKept` on the download worker's thread when the download ran there (it has nothing else
   * to do by then), else in this thread. Returns the paths of the damaged files.
   * @returns {Promise<string[]>}
   */
  verifyKeptInWorker() {
    const port = this.downloadWorker;
    this.downloadWorker = null;
    if (!port) return this.verifyKept();
    return new Promise((resolve, reject) => {
      port.onmessage = ({ data }) => {
        port.close();
        if (data.type === 'verified') resolve(data.damaged);
        else reject(new Error(data.message));
      };
      port.postMessage({ type: 'verify' });
    });
  }

  /** Download one file of the bundle, verified, with progress. */
  async downloadFile(path) {
    const entry = fileEntry(this.manifest, path);
    this.fromStore = [];
    const bytes = await this.fetchFile(entry, (loaded, total) =>
      this.post({ type: 'download', file: entry.path, loaded, total, allLoaded: loaded, allTotal: total }),
    );
    await this.keep(new Map([[path, bytes]]));
    return bytes;
  }

  /** Drop stored and cached copies of this bundle's files that its manifest no longer names (a rebuilt bundle). */
  async pruneCache() {
    const store = await this.openStore();
    await store?.prune(new Set(this.manifest.files.map((entry) => entry.sha256)));
    if (typeof caches === 'undefined' || !(await caches.has(MODEL_CACHE))) return;
    const cache = await caches.open(MODEL_CACHE);
    const current = new Set(this.manifest.files.map((entry) => this.url(entry)));
    for (const request of await cache.keys()) {
      if (request.url.startsWith(this.modelUrl) && !current.has(request.url)) await cache.delete(request);
    }
  }
}
