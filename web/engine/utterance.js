// The result of one utterance: its audio (as WAV, and as samples for `generate`), its words with
// their times, the subtitles, and how the generation went.

export class Utterance {
  /**
   * @param {number} sampleRate
   * @param {string} text  the text given
   */
  constructor(sampleRate, text) {
    this.sampleRate = sampleRate;
    this.text = text;
    /** @type {import('./jobs.js').WordEvent[]} */
    this.words = [];
    /** @type {Float32Array | null} the samples (generate() only: speak() keeps them out of the JS heap) */
    this.audio = null;
    this.samples = 0;
    this.stopped = false;
    /** @type {string | null} WebVTT subtitles (models with word timestamps) */
    this.vtt = null;
    /** @type {Blob[]} PCM16 data, one Blob per chunk (kept out of the JS heap) */
    this.wavParts = [];
    /** @type {Uint8Array<ArrayBuffer> | null} */
    this.wavHeader = null;
    /** @type {any} the worker's summary: elapsed, frames, timings, seed, firstAudio, prefilled, … */
    this.stats = null;
  }

  /** Seconds of audio. */
  get seconds() {
    return this.samples / this.sampleRate;
  }

  /** @param {Uint8Array<ArrayBuffer>} pcm16  one chunk's WAV data */
  addChunk(pcm16) {
    this.wavParts.push(new Blob([pcm16]));
  }

  /** The worker's 'done' summary. */
  finish(/** @type {any} */ done) {
    this.wavHeader = done.header;
    this.samples = done.samples;
    this.stopped = done.stopped;
    this.vtt = typeof done.vtt === 'string' ? done.vtt : null;
    this.stats = { ...done };
    for (const key of ['type', 'id', 'header', 'words', 'vtt']) delete this.stats[key];
  }

  /** @param {Float32Array[]} parts  the chunks' samples, in order */
  setAudio(parts) {
    this.audio = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      this.audio.set(part, at);
      at += part.length;
    }
  }

  /** The audio as a 16-bit mono WAV file. */
  toWav() {
    return new Blob([this.wavHeader ?? new Uint8Array(0), ...this.wavParts], { type: 'audio/wav' });
  }
}
