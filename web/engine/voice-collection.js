// tts.voiceLibrary: cloned and imported voices kept on this device (web/engine/voice-library.js,
// IndexedDB), checked by py_core in the worker. A voice is listed for every model, and usable with
// the model it was made for (the manifest's sha256 tells). Nothing here leaves the device.

import { decodeToMono24k, readPromptFile } from '../audio/audio-file.js';
import { encodeWav } from '../audio/wav-file.js';
import { PocketTTSError, asPocketError, workerError } from './errors.js';
import { VoiceLibrary, recordBytes, withName } from './voice-library.js';

/** Voice ids of library voices start with this (bundled voices are named plainly). */
export const LIBRARY_PREFIX = 'lib:';
/** The largest .safetensors voice file accepted (a 24-layer model's 30 s voice is ~100 MB). */
const MAX_VOICE_FILE_BYTES = 256 * 2 ** 20;

/**
 * A library voice as listed: no file bytes.
 * @typedef {object} LibraryVoice
 * @property {string} id  the voice id to speak with (`lib:<uuid>`)
 * @property {string} name
 * @property {string} modelName  the model it was made for
 * @property {string} created  ISO date
 * @property {number} bytes  on the device (voice file and kept clip)
 * @property {boolean} compatible  made for the loaded model
 * @property {boolean} hasClip  its source recording is kept (it can be cloned again for another model)
 * @property {boolean} saved  false: kept for this page only (saving failed)
 */

export class VoiceCollection extends EventTarget {
  /** @param {import('./pocket-tts.js').PocketTTS} tts */
  constructor(tts) {
    super();
    this.tts = tts;
    this.store = new VoiceLibrary();
    /** @type {Array<import('./voice-library.js').VoiceRecord & {unsaved?: boolean}>} */
    this.records = [];
    /** @type {{modelId: string, displayName: string, manifestSha256: string} | null} */
    this.model = null;
  }

  /** The loaded model's identity (the worker's 'ready' info.library): refreshes the list. */
  /** @param {{modelId: string, displayName: string, manifestSha256: string} | null} model */
  async setModel(model) {
    this.model = model;
    await this.refresh().catch(() => {});
  }

  /** Read the records again; 'change' tells listeners (and tts.voices changes). */
  async refresh() {
    const unsaved = this.records.filter((r) => r.unsaved);
    try {
      this.records = [...(await this.store.list()), ...unsaved];
    } finally {
      this.dispatchEvent(new Event('change'));
    }
  }

  /** @param {import('./voice-library.js').VoiceRecord} record */
  compatible(record) {
    return this.model !== null && record.manifestSha256 === this.model.manifestSha256;
  }

  /** @returns {Promise<LibraryVoice[]>} every kept voice, oldest first */
  async list() {
    return this.records.map((r) => this.describe(r));
  }

  /**
   * @param {import('./voice-library.js').VoiceRecord & {unsaved?: boolean}} record
   * @returns {LibraryVoice}
   */
  describe(record) {
    return {
      id: LIBRARY_PREFIX + record.id,
      name: record.name,
      modelName: record.modelName,
      created: record.created,
      bytes: recordBytes(record),
      compatible: this.compatible(record),
      hasClip: Boolean(record.clip),
      saved: !record.unsaved,
    };
  }

  /** The library voices usable with the loaded model, as tts.voices lists them. */
  voices() {
    return this.records.filter((r) => this.compatible(r)).map((r) => ({ id: LIBRARY_PREFIX + r.id, name: r.name, source: /** @type {const} */ ('library') }));
  }

  record(/** @type {string} */ voiceId) {
    const record = this.records.find((r) => LIBRARY_PREFIX + r.id === voiceId);
    if (!record) throw new PocketTTSError('unknown-voice', `No voice “${voiceId}” in the voice library.`);
    return record;
  }

  /** A library voice's file for the worker (it may not have it loaded yet), or null for a bundled voice. */
  voiceData(/** @type {string|null|undefined} */ voiceId) {
    if (!voiceId?.startsWith(LIBRARY_PREFIX)) return null;
    const record = this.record(voiceId);
    return { name: record.name, data: record.data };
  }

  async rename(/** @type {string} */ voiceId, /** @type {string} */ wanted) {
    const name = String(wanted).split(/\s+/).filter(Boolean).join(' ');
    if (!name) throw new PocketTTSError('bad-option', 'A voice needs a name.');
    const record = this.record(voiceId);
    await this.save({ ...record, name, data: withName(record.data, name).buffer });
  }

  async delete(/** @type {string} */ voiceId) {
    const record = this.record(voiceId);
    try {
      await this.store.remove(record.id);
    } catch (error) {
      throw asPocketError(error, 'storage-full');
    }
    this.records = this.records.filter((r) => r !== record);
    await this.refresh();
  }

  /** The voice as a .safetensors file (upstream's layout: `pocket-tts generate --voice` loads it). */
  export(/** @type {string} */ voiceId) {
    const record = this.record(voiceId);
    return new Blob([withName(record.data, record.name)], { type: 'application/octet-stream' });
  }

  /**
   * Add a .safetensors voice file (this library's export, or upstream's export-voice): py_core checks it.
   * @param {Blob|File} file
   */
  async import(file) {
    const fileName = /** @type {File} */ (file).name ?? 'voice.safetensors';
    if (file.size > MAX_VOICE_FILE_BYTES) {
      throw new PocketTTSError('bad-voice-file', `${fileName}: ${(file.size / 2 ** 20).toFixed(1)} MB is too large for a voice file`);
    }
    await this.tts.ready;
    const data = await file.arrayBuffer();
    const checked = await this.ask({ type: 'import', file: fileName, data }, 'imported', [data], 'bad-voice-file');
    return this.keep({ id: crypto.randomUUID(), ...checked });
  }

  /**
   * Clone a voice (PocketTTS.cloneVoice). `recordId`: clone a kept clip again for this model,
   * replacing that record's voice.
   * @param {Blob|File|Float32Array} audio
   * `clip`: the recording to keep with the voice as it is (else `keepClip` keeps `audio`).
   * @param {{name?: string, keepClip?: boolean, clip?: {name: string, wav: ArrayBuffer} | null, signal?: AbortSignal, recordId?: string}} options
   */
  async clone(audio, { name = 'my voice', keepClip = false, clip: givenClip = null, signal, recordId } = {}) {
    await this.tts.ready;
    if (!this.tts.info.hasVoiceCloning) throw new PocketTTSError('no-cloning', `${this.tts.info.displayName} cannot clone voices (its bundle has no encoder).`);
    const rate = this.tts.info.sampleRate;
    const old = recordId ? this.records.find((r) => r.id === recordId) : null;
    const id = old?.id ?? crypto.randomUUID();
    const fileName = audio instanceof Float32Array ? 'recording.wav' : /** @type {File} */ (audio).name ?? 'audio';
    /** @type {any} */
    let request;
    /** @type {{name: string, wav: ArrayBuffer} | null} */
    let clip = givenClip ?? old?.clip ?? null;
    try {
      if (audio instanceof Float32Array) {
        const pcm = audio.slice();
        if (keepClip && !givenClip) clip = { name: fileName, wav: encodeWav(pcm, rate) };
        request = { pcm };
      } else {
        const { bytes, pcm16 } = await readPromptFile(audio); // header checked, the first 30 s only
        if (keepClip && !givenClip) clip = { name: fileName, wav: await audio.arrayBuffer() };
        // 16-bit WAV: py_core checks, reads and resamples it exactly as upstream does; else the browser decodes it.
        request = pcm16 ? { wav: bytes } : { pcm: await decodeToMono24k(bytes.buffer, rate, fileName) };
      }
    } catch (error) {
      throw asPocketError(error, 'bad-audio-file');
    }
    signal?.throwIfAborted();
    const voice = LIBRARY_PREFIX + id;
    const transfer = [(request.wav ?? request.pcm).buffer];
    const made = await this.ask({ type: 'clone', name, voiceId: voice, file: fileName, ...request }, 'voice', transfer, 'bad-audio-file');
    return this.keep({ id, name: made.name, data: made.data, meta: made.meta, clip, created: old?.created });
  }

  /**
   * Ask the worker, resolve with its `answer` message.
   * @param {object} request
   * @param {string} answer
   * @param {Transferable[]} transfer
   * @param {import('./errors.js').ErrorCode} code
   */
  async ask(request, answer, transfer, code) {
    const msg = await this.tts.ask(request, transfer);
    if (msg.type !== answer) throw workerError(msg, code);
    return msg;
  }

  /**
   * Keep a checked voice file ({id, name, data, meta, clip}); returns the new voice.
   * @param {{id: string, name: string, data: Uint8Array|ArrayBuffer, meta: Record<string, string>,
   *   clip?: {name: string, wav: ArrayBuffer} | null, created?: string}} voice
   */
  async keep({ id, name, data, meta, clip = null, created }) {
    const record = {
      id,
      name,
      modelId: meta.model_id,
      modelName: meta.model_name,
      manifestSha256: meta.manifest_sha256,
      created: created ?? meta.created,
      data: /** @type {ArrayBuffer} */ ('buffer' in data ? data.buffer : data),
      clip,
    };
    /** @type {PocketTTSError | null} */
    let saveError = null;
    try {
      await this.save(record);
    } catch (error) {
      saveError = asPocketError(error, 'storage-full');
      this.records = this.records.filter((r) => r.id !== id).concat({ ...record, unsaved: true });
      this.dispatchEvent(new Event('change'));
    }
    return { ...this.describe(this.records.find((r) => r.id === id) ?? record), saveError };
  }

  /** @param {import('./voice-library.js').VoiceRecord} record */
  async save(record) {
    try {
      await this.store.save(record);
    } catch (error) {
      throw asPocketError(error, 'storage-full');
    } finally {
      await this.refresh().catch(() => {});
    }
  }
}
