// The private voice library: cloned and imported voices kept in this browser's IndexedDB.
//
// A record is one voice: its .safetensors file exactly as exported (upstream's KV-state layout, with
// py_core.voice_library's metadata naming the model it was made for), its name, the model's id,
// display name and manifest sha256, the date, and only if the user asked for it the source clip
// (a WAV file). Each change is one IndexedDB transaction, so a failure (the storage quota) leaves
// nothing half-written. Nothing here is ever sent anywhere.

const DB_NAME = 'pocket-tts-voices';
const STORE = 'voices';

/** A library operation that failed; the message says what happened and what to do. */
export class LibraryError extends Error {}

/**
 * @typedef {object} VoiceRecord
 * @property {string} id
 * @property {string} name
 * @property {string} modelId
 * @property {string} modelName
 * @property {string} manifestSha256
 * @property {string} created ISO date
 * @property {ArrayBuffer} data the .safetensors voice file
 * @property {{name: string, wav: ArrayBuffer} | null} clip the source clip, if kept
 */

/** @param {IDBRequest} req */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** @param {any} error @param {string} what */
function describeFailure(error, what) {
  if (error?.name === 'QuotaExceededError') {
    return new LibraryError(
      `Not enough storage on this device to ${what} (the browser's storage quota is exceeded). ` +
        'Nothing was saved; delete voices you no longer need, or untick “Keep the recording”.',
    );
  }
  return new LibraryError(`Could not ${what}: ${error?.message || error || 'the browser refused'}`);
}

export class VoiceLibrary {
  constructor() {
    this.db = null;
  }

  async open() {
    if (this.db) return this.db;
    if (typeof indexedDB === 'undefined') throw new LibraryError('This browser has no IndexedDB: voices cannot be kept.');
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'id' });
    this.db = await request(open);
    return this.db;
  }

  /** Run `work(store)` in one transaction; resolves when it has committed. */
  /**
   * @param {IDBTransactionMode} mode
   * @param {string} what
   * @param {(store: IDBObjectStore) => IDBRequest | void} work
   * @returns {Promise<any>}
   */
  async transaction(mode, what, work) {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      /** @type {any} */
      let result;
      /** @type {IDBTransaction | undefined} */
      let tx;
      try {
        const opened = db.transaction(STORE, mode);
        tx = opened;
        const pending = work(opened.objectStore(STORE));
        if (pending) pending.onsuccess = () => (result = pending.result);
      } catch (error) {
        tx?.abort();
        reject(describeFailure(error, what));
        return;
      }
      const done = /** @type {IDBTransaction} */ (tx);
      done.oncomplete = () => resolve(result);
      done.onabort = done.onerror = () => reject(describeFailure(done.error, what));
    });
  }

  /** @returns {Promise<VoiceRecord[]>} every voice, oldest first */
  async list() {
    const records = await this.transaction('readonly', 'read the voice library', (store) => store.getAll());
    return records.sort((/** @type {VoiceRecord} */ a, /** @type {VoiceRecord} */ b) => a.created.localeCompare(b.created));
  }

  /** @param {VoiceRecord} record saved whole, or not at all */
  async save(record) {
    await this.transaction('readwrite', `save the voice “${record.name}”`, (store) => store.put(record));
  }

  /** @param {string} id @param {string} name */
  async rename(id, name) {
    await this.transaction('readwrite', `rename the voice to “${name}”`, (store) => {
      const get = store.get(id);
      get.onsuccess = () => {
        if (get.result) store.put({ ...get.result, name });
      };
    });
  }

  /** @param {string} id */
  async remove(id) {
    await this.transaction('readwrite', 'delete the voice', (store) => store.delete(id));
  }
}

/** Bytes a record takes (voice file and kept clip). */
/** @param {VoiceRecord} record */
export function recordBytes(record) {
  return record.data.byteLength + (record.clip?.wav.byteLength ?? 0);
}

/**
 * A copy of a .safetensors file whose `__metadata__.name` is `name` (the export carries the
 * current name after a rename). Tensor offsets are relative to the data, so only the header changes.
 */
/** @param {ArrayBuffer|Uint8Array} data @param {string} name */
export function withName(data, name) {
  const bytes = new Uint8Array(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  header.__metadata__ = { ...header.__metadata__, name };
  let text = JSON.stringify(header);
  const encoded = new TextEncoder().encode(text);
  text += ' '.repeat((8 - (encoded.length % 8)) % 8);
  const newHeader = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + newHeader.length + bytes.length - 8 - headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(newHeader.length), true);
  out.set(newHeader, 8);
  out.set(bytes.subarray(8 + headerLength), 8 + newHeader.length);
  return out;
}
