// The audio of a long reading (web/engine/reading.js) kept on the device instead of in the JS heap:
// one file of 16-bit PCM per piece, in the Origin Private File System, grouped by the caller's
// `group` (the app's chapters). Only the group being heard and the ones after it are kept: when
// playback enters a group, the files of earlier groups are deleted, so the store holds at most the
// longest group's audio plus what is queued ahead. A new tape deletes every older one first.
// `wav(group)` is that group's audio as one WAV file backed by those files (no copy in the heap).

import { wavHeader } from '../audio/wav-file.js';
import { PocketTTSError, asPocketError } from './errors.js';

const ROOT_FOLDER = 'pocket-tts-readings';

export class AudioTape {
  /**
   * @param {FileSystemDirectoryHandle} root
   * @param {FileSystemDirectoryHandle} folder
   * @param {number} sampleRate
   */
  constructor(root, folder, sampleRate) {
    this.root = root;
    this.folder = folder;
    this.sampleRate = sampleRate;
    /** @type {Array<{name: string, group: number, bytes: number}>} the pieces kept, in order */
    this.pieces = [];
    /** Set once a write failed for lack of space: nothing more is kept (what is kept stays). */
    this.full = false;
    this.writes = Promise.resolve();
  }

  /**
   * A new tape (every older one is deleted), or null where the engine has no writable OPFS.
   * @param {number} sampleRate
   * @returns {Promise<AudioTape | null>}
   */
  static async open(sampleRate) {
    try {
      const storage = await navigator.storage.getDirectory();
      await storage.removeEntry(ROOT_FOLDER, { recursive: true }).catch(() => {});
      const root = await storage.getDirectoryHandle(ROOT_FOLDER, { create: true });
      const folder = await root.getDirectoryHandle(`reading-${Date.now()}`, { create: true });
      return new AudioTape(root, folder, sampleRate);
    } catch {
      return null;
    }
  }

  /**
   * Keep piece `index`'s PCM16 data (writes run one after the other). Resolves with null, or with the
   * PocketTTSError 'storage-full' of the first write refused for lack of space (nothing is kept after it).
   * @param {number} index
   * @param {number} group
   * @param {Blob} pcm16
   * @returns {Promise<import('./errors.js').PocketTTSError | null>}
   */
  add(index, group, pcm16) {
    const write = this.writes.then(async () => {
      if (this.full) return null;
      const name = `piece-${index}.pcm`;
      try {
        const writable = await (await this.folder.getFileHandle(name, { create: true })).createWritable();
        await writable.write(pcm16);
        await writable.close();
        this.pieces.push({ name, group, bytes: pcm16.size });
        return null;
      } catch (error) {
        await this.folder.removeEntry(name).catch(() => {});
        if (asPocketError(error, 'synthesis-failed').code !== 'storage-full') {
          console.warn('could not keep the reading\'s audio on this device', error);
          return null;
        }
        this.full = true;
        return new PocketTTSError('storage-full', 'The device store is full: the audio read from here on is not kept ' +
          '(the WAV of this chapter ends where it was full). Listening goes on.', { cause: error });
      }
    });
    this.writes = write.then(() => {});
    return write;
  }

  /** Delete the pieces of groups before `group` (playback has entered it). */
  dropBefore(/** @type {number} */ group) {
    this.writes = this.writes.then(async () => {
      const old = this.pieces.filter((piece) => piece.group < group);
      this.pieces = this.pieces.filter((piece) => piece.group >= group);
      for (const piece of old) await this.folder.removeEntry(piece.name).catch(() => {});
    });
    return this.writes;
  }

  /** Bytes kept on the device now. */
  get bytes() {
    return this.pieces.reduce((sum, piece) => sum + piece.bytes, 0);
  }

  /**
   * Group `group`'s audio kept so far, as a 16-bit mono WAV (a Blob over the device's files).
   * @param {number} group
   */
  async wav(group) {
    await this.writes;
    const files = [];
    for (const piece of this.pieces.filter((p) => p.group === group)) {
      files.push(await (await this.folder.getFileHandle(piece.name)).getFile());
    }
    const samples = files.reduce((sum, file) => sum + file.size / 2, 0);
    return new Blob([wavHeader(samples, this.sampleRate), ...files], { type: 'audio/wav' });
  }

  /** Delete the tape. */
  async close() {
    await this.writes;
    this.pieces = [];
    await this.root.removeEntry(this.folder.name, { recursive: true }).catch(() => {});
  }
}
