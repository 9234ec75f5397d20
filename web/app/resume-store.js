// Where the listener stopped in each document, kept in this browser's localStorage (nothing leaves
// the device): the document's fingerprint (the SHA-256 of its bytes) → its chapter and sentence.
// Only the newest MAX_DOCUMENTS documents are kept.

import { sha256Hex } from '../engine/sha256.js';

const KEY = 'pocket-tts:positions';
const MAX_DOCUMENTS = 50;

/** @typedef {{chapter: number, sentence: number, at: number}} Position  `at`: when it was saved (ms) */

/** A document's fingerprint: the SHA-256 of its bytes, as hex. */
export function fingerprint(/** @type {ArrayBuffer} */ data) {
  return sha256Hex(new Uint8Array(data));
}

export class ResumeStore {
  /** The position saved for document `id`, or null. */
  get(/** @type {string} */ id) {
    const position = this.#all()[id];
    return Number.isInteger(position?.chapter) && Number.isInteger(position?.sentence) ? position : null;
  }

  /** Keep `chapter` and `sentence` (0-based) as where document `id` was last heard. */
  set(/** @type {string} */ id, /** @type {number} */ chapter, /** @type {number} */ sentence) {
    const others = Object.entries(this.#all()).filter(([key]) => key !== id).sort(([, a], [, b]) => b.at - a.at);
    const newest = [[id, { chapter, sentence, at: Date.now() }], ...others].slice(0, MAX_DOCUMENTS);
    try {
      localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(newest)));
    } catch (error) {
      console.warn('could not keep the reading position', error); // storage full or refused: reading goes on
    }
  }

  /** @returns {Record<string, Position>} */
  #all() {
    try {
      const all = JSON.parse(localStorage.getItem(KEY) ?? '{}');
      return all && typeof all === 'object' && !Array.isArray(all) ? all : {};
    } catch {
      return {}; // garbage: start afresh
    }
  }
}
