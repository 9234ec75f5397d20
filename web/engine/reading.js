// Reading: a long text (a chapter, a book) spoken as a sequence of pieces through the speakers,
// with bounded memory (PocketTTS.read).
//
// The pieces play as one stream. Generation runs a bounded distance ahead of playback: the next
// piece is generated only while the audio queued ahead of the listener is under `aheadSeconds`
// (default 30 s), so at most that plus one piece waits in the player. What decides is the AudioWorklet's
// stats reports (port messages, about every 50 ms while it plays), never a timer: a hidden tab keeps
// playing and generating. The played audio is not kept in the JS heap: each piece's 16-bit PCM goes to
// the device store (web/engine/audio-tape.js: the group being heard and those after it; earlier groups
// are deleted) and its float samples go to the player, which drops them once played.
//
// Events (CustomEvent, `detail` as said):
//   'start'     the first audio is heard
//   'piece'     playback entered a piece: {index, group, text, said, words, times, start}
//               (`said`: the text as read; `words`: [word, index, begin, end] offsets into `said`;
//               `times`: [kind, index, start, end] in seconds of the piece; `start`: seconds of the reading)
//   'times'     word times decided for the piece being heard: {index, times}
//   'playback'  the player's counters (~every 50 ms): {stats, heard, piece, pieceHeard, ahead}
//               (seconds: heard of the reading, heard of the current piece, generated but not heard)
//   'generated' a piece's audio is generated: {index, seconds, kept} (`kept`: bytes in the device store)
//   'pause', 'resume'
//   'error'     a PocketTTSError: 'storage-full' and 'audio-output-unavailable' do not end the reading
//   'end'       generation and playback are over (or stopped): {stopped, piece}

import { AudioTape } from './audio-tape.js';
import { PocketTTSError, asPocketError } from './errors.js';
import { Playback } from './playback.js';

/** Seconds of audio generated ahead of the listener before generation waits (the default). */
export const AHEAD_SECONDS = 30;

/**
 * Seconds of listening (at the playback speed) generated before the first sound: a reading starts
 * from an empty queue, and at 3× the first chunks (one frame, then a few) ran out between chunks
 * 15-21 times in the first 5 s heard (e2e/long-run.spec.js). A piece that ends first starts it too.
 */
export const PREROLL_SECONDS = 1;

/**
 * A piece of a reading: its text and the group it belongs to (a chapter: the device store keeps
 * the group being heard and those after it).
 * @typedef {{text: string, group?: number}} ReadingPiece
 */

/**
 * @typedef {import('./pocket-tts.js').CallOptions & {aheadSeconds?: number, keep?: boolean}} ReadOptions
 *   `aheadSeconds`: how far generation may run ahead of playback; `keep`: keep the audio in the
 *   device store (default true; false: played audio is dropped)
 */

export class Reading extends Playback {
  /**
   * @param {import('./pocket-tts.js').PocketTTS} tts
   * @param {ReadingPiece[]} pieces
   * @param {ReadOptions} options
   */
  constructor(tts, pieces, options) {
    const { aheadSeconds = AHEAD_SECONDS, keep = true, ...speakOptions } = options;
    if (!(aheadSeconds > 0)) throw new RangeError('aheadSeconds must be above 0'); // before the player is taken
    super(tts, 'No sound: the audio output did not start (no audio device, or it is busy).');
    this.pieces = pieces.map((piece) => ({ text: piece.text, group: piece.group ?? 0 })).filter((piece) => piece.text.trim());
    this.options = speakOptions;
    this.aheadSeconds = aheadSeconds;
    this.rate = this.player.sampleRate;
    this.next = 0; // the next piece to generate
    this.pushed = 0; // samples generated (given to the player, or held for the pre-roll)
    this.position = -1; // the piece being heard
    /** @type {Map<number, {start: number, said: string, words: any[], times: any[]}>} generated pieces not yet passed */
    this.made = new Map();
    /** @type {Float32Array[] | null} chunks held until the pre-roll is generated (null: playing) */
    this.held = [];
    /** @type {Promise<AudioTape | null>} */
    this.tape = keep ? AudioTape.open(this.rate) : Promise.resolve(null);
    if (this.pieces.length === 0) {
      queueMicrotask(() => {
        this.emit('error', new PocketTTSError('empty-text', 'There is nothing to read.'));
        this.end();
      });
    } else {
      this.generate();
    }
  }

  /** Without an audio output a reading stops (unlike a speech, it has no file to give instead). */
  audioFailed() {
    this.stop();
  }

  /** Seconds generated and not heard yet. */
  get ahead() {
    return this.pushed / this.rate - this.heard;
  }

  /** Generate the next piece if there is one and the audio ahead is under the bound. */
  generate() {
    if (this.generating || this.stopped || this.next >= this.pieces.length || this.ahead >= this.aheadSeconds) return;
    const index = this.next++;
    const piece = this.pieces[index];
    this.generating = true;
    const start = this.pushed / this.rate;
    const made = { start, said: piece.text, words: /** @type {any[]} */ ([]), times: /** @type {any[]} */ ([]) };
    this.made.set(index, made);
    const run = this.tts.run(piece.text, this.options, (event) => {
      if (event.type !== 'raw' || this.stopped) return;
      const msg = event.message;
      if (msg.type === 'words') {
        made.said = msg.text;
        made.words = msg.words;
      } else if (msg.type === 'chunk') {
        this.addTimes(index, made, msg.words);
        this.pushed += msg.pcm.length;
        this.play(msg.pcm);
      } else if (msg.type === 'done') {
        this.addTimes(index, made, msg.words);
      }
    });
    this.job = run.id;
    run.result.then(
      async (utterance) => {
        this.generating = false;
        if (this.stopped) return this.end();
        this.play(null);
        const kept = await this.keep(index, piece.group, utterance);
        this.emit('generated', { index, seconds: utterance.seconds, kept });
        if (this.next >= this.pieces.length) {
          await this.audioStarted;
          this.player.end();
          if (!this.audio || this.pushed === 0) this.end();
        } else {
          this.generate();
        }
      },
      (error) => {
        this.generating = false;
        if (this.stopped) return this.end();
        this.player.flush();
        this.emit('error', asPocketError(error, 'synthesis-failed'));
        this.stopped = true;
        this.end();
      },
    );
  }

  /**
   * Give `pcm` to the player, or hold it until PREROLL_SECONDS of listening are generated (null: a
   * piece ended, play what is held).
   * @param {Float32Array | null} pcm
   */
  play(pcm) {
    if (!this.held) {
      if (pcm && this.audio) this.player.push(pcm);
      return;
    }
    if (pcm) this.held.push(pcm);
    if (pcm && this.pushed < PREROLL_SECONDS * this.player.speed * this.rate) return;
    const held = this.held;
    this.held = null;
    if (this.audio) for (const chunk of held) this.player.push(chunk);
  }

  /**
   * Word times of piece `index` decided: kept for its 'piece' event, or told now ('times') when it is heard already.
   * @param {number} index
   * @param {{times: any[]}} made
   * @param {any[] | undefined} times
   */
  addTimes(index, made, times) {
    if (!times?.length) return;
    made.times.push(...times);
    if (index === this.position) this.emit('times', { index, times });
  }

  /**
   * Keep a piece's PCM16 in the device store; returns the bytes kept there now. A store that is
   * full is said once ('error', 'storage-full'); the reading goes on.
   * @param {number} index
   * @param {number} group
   * @param {import('./utterance.js').Utterance} utterance
   */
  async keep(index, group, utterance) {
    const tape = await this.tape;
    if (!tape || tape.full) return tape?.bytes ?? 0;
    const failure = await tape.add(index, group, new Blob(utterance.wavParts));
    if (failure) this.emit('error', failure);
    return tape.bytes;
  }

  /** The worklet's counters: where playback is, the next piece to generate, the end. */
  onStats(/** @type {any} */ stats) {
    if (!this.active) return;
    this.heard = this.player.heardSeconds(stats);
    if (!this.started && stats.rendered > 0) {
      this.started = true;
      this.emit('start', null);
    }
    this.follow(stats.drained && !this.generating && this.next >= this.pieces.length);
    const piece = this.made.get(this.position);
    this.emit('playback', { stats, heard: this.heard, piece: this.position, pieceHeard: piece ? this.heard - piece.start : 0, ahead: this.ahead });
    this.generate();
    if (stats.drained && !this.generating && this.next >= this.pieces.length) this.end();
  }

  /** Enter the pieces playback has reached ('piece'); forget the ones passed. */
  follow(/** @type {boolean} */ over) {
    for (;;) {
      const next = this.made.get(this.position + 1);
      if (!next || (!over && next.start > this.heard)) return;
      this.made.delete(this.position);
      this.position += 1;
      const { group, text } = this.pieces[this.position];
      if (this.position > 0 && this.pieces[this.position - 1].group !== group) this.tape.then((tape) => tape?.dropBefore(group));
      this.emit('piece', { index: this.position, group, text, ...next, times: [...next.times] });
    }
  }

  /**
   * Group `group`'s audio kept in the device store so far, as a WAV (null when nothing is kept, or
   * the files are gone: a reading in another tab of this site deletes this one's).
   */
  async wav(/** @type {number} */ group) {
    const tape = await this.tape;
    if (!tape?.pieces.some((piece) => piece.group === group)) return null;
    try {
      return await tape.wav(group);
    } catch (error) {
      console.warn('the audio kept for this reading is gone', error);
      return null;
    }
  }

  /** Bytes of audio kept in the device store now. */
  async keptBytes() {
    return (await this.tape)?.bytes ?? 0;
  }

  endDetail() {
    return { stopped: this.stopped, piece: this.position };
  }

  /** Delete the audio kept in the device store (a new reading also deletes it). */
  async forget() {
    await (await this.tape)?.close();
  }
}
