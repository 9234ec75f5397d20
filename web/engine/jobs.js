// One synthesis request's messages from the worker, turned into what the library hands out: audio
// chunks, word events with their place in the caller's text, and the summary at the end.

import { mapWords } from './word-map.js';

/**
 * A word of the utterance with its time in the audio and its place in the caller's text.
 * @typedef {object} WordEvent
 * @property {'word'} type
 * @property {number} index  the word's number in the utterance (0, 1, …)
 * @property {string} text  the word as read (normalized where normalization is on)
 * @property {number} charIndex  where it comes from in the text given to stream/generate/speak
 * @property {number} charLength
 * @property {number} start  seconds into the utterance's audio
 * @property {number} end
 */

/**
 * Decoded audio, in order.
 * @typedef {object} AudioEvent
 * @property {'audio'} type
 * @property {Float32Array} pcm  mono samples at `sampleRate`
 * @property {number} sampleRate
 * @property {number} chunkIndex  the text chunk it belongs to (a long text is read in chunks)
 * @property {number} chunkCount
 * @property {number} progress  0..1 of the whole text, roughly
 */

/** @typedef {AudioEvent | WordEvent} StreamEvent */

/**
 * The words of one utterance: the planned words ('words' message) and their times as they are
 * decided ('chunk' and 'done' messages carry [kind, index, start, end]).
 */
export class WordTimes {
  /** @param {string} original  the caller's text */
  constructor(original) {
    this.original = original;
    /** @type {Map<number, {text: string, charIndex: number, charLength: number, start: number}>} */
    this.words = new Map();
  }

  /**
   * The planned words: [word, index, begin, end] (offsets into the text as read; the words themselves
   * are mapped onto the caller's text).
   * @param {Array<[string, number, number, number]>} words
   */
  plan(words) {
    const ranges = mapWords(this.original, words.map(([word]) => word));
    words.forEach(([word, index], i) => {
      this.words.set(index, { text: word, charIndex: ranges[i][0], charLength: ranges[i][1], start: 0 });
    });
  }

  /**
   * Times decided: returns the word events of the words whose end is now known.
   * @param {Array<['start'|'end', number, number, number]>} events
   * @returns {WordEvent[]}
   */
  add(events) {
    /** @type {WordEvent[]} */
    const done = [];
    for (const [kind, index, start, end] of events ?? []) {
      const word = this.words.get(index);
      if (!word) continue;
      word.start = start;
      if (kind === 'end') done.push({ type: 'word', index, text: word.text, charIndex: word.charIndex, charLength: word.charLength, start, end });
    }
    return done;
  }
}

/** A queue that a producer pushes into and an async iterator drains. */
export class Channel {
  constructor() {
    /** @type {unknown[]} */
    this.items = [];
    /** @type {(() => void) | null} */
    this.wake = null;
    this.closed = false;
    /** @type {unknown} */
    this.error = null;
  }

  push(/** @type {unknown} */ item) {
    this.items.push(item);
    this.wake?.();
  }

  /** No more items; `error`: the iterator throws it once the items are drained. */
  close(/** @type {unknown} */ error = null) {
    this.closed = true;
    this.error = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      if (this.items.length) {
        yield this.items.shift();
        continue;
      }
      if (this.closed) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise((resolve) => (this.wake = /** @type {() => void} */ (resolve)));
      this.wake = null;
    }
  }
}
