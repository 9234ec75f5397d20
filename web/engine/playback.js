// Playback: what a Speech (one utterance) and a Reading (a sequence of pieces) share as the owner of
// the library's player while they play: the audio output started inside the user's gesture, the
// worklet's reports, events with `on`, and stop / pause / resume / end.

import { PocketTTSError } from './errors.js';

export class Playback extends EventTarget {
  /**
   * Take the player of `tts`: start its audio output (call inside the user's gesture: allowed to
   * make sound; chunks that arrive meanwhile wait in the player), reset it and take its reports
   * (`onStats`, which each kind defines).
   * @param {import('./pocket-tts.js').PocketTTS} tts
   * @param {string} noSoundMessage  the 'audio-output-unavailable' error's message
   */
  constructor(tts, noSoundMessage) {
    super();
    this.tts = tts;
    this.player = tts.player;
    this.active = true; // generating or playing
    this.generating = false;
    this.stopped = false;
    this.started = false;
    this.audio = true; // false once the audio output failed to start
    this.heard = 0;
    /** @type {Promise<number> | null} the id of the job generating now */
    this.job = null;
    this.audioStarted = this.player.start().then(
      () => true,
      (error) => {
        this.audio = false;
        this.player.flush();
        this.emit('error', new PocketTTSError('audio-output-unavailable', noSoundMessage, { cause: error }));
        this.audioFailed();
        return false;
      },
    );
    this.player.reset();
    this.statsHandler = (/** @type {any} */ stats) => this.onStats(stats);
    this.player.onStats = this.statsHandler;
    /** @type {Promise<{stopped: boolean}>} settles once generation and playback are over */
    this.ended = new Promise((resolve) => this.addEventListener('end', () => resolve({ stopped: this.stopped }), { once: true }));
  }

  /**
   * Listen to event `type`; `handler` gets the event's detail. Returns this object.
   * @param {string} type
   * @param {(detail: any) => void} handler
   */
  on(type, handler) {
    this.addEventListener(type, (event) => handler(/** @type {CustomEvent} */ (event).detail));
    return this;
  }

  emit(/** @type {string} */ type, /** @type {unknown} */ detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Whether this is the library's current speech or reading (the one the player plays). */
  get current() {
    return /** @type {Playback | null} */ (this.tts.speech) === this;
  }

  /** The worklet's counters (~every 50 ms while it plays). */
  onStats(/** @type {any} */ _stats) {}

  /** The audio output did not start ('error' told it already). */
  audioFailed() {}

  /** The 'end' event's detail. */
  endDetail() {
    return { stopped: this.stopped };
  }

  end() {
    if (!this.active) return;
    this.active = false;
    if (this.player.onStats === this.statsHandler) this.player.onStats = () => {};
    this.emit('end', this.endDetail());
  }

  /** Stop generating and silence what is still to be heard. */
  stop() {
    if (!this.active || this.stopped) return;
    this.stopped = true;
    if (this.generating) this.job?.then((id) => id && this.tts.cancel(id));
    if (this.current) {
      this.player.flush();
      this.player.resume(); // a paused context would hold the next utterance
    }
    if (!this.generating) this.end();
  }

  /** Hold playback where it is (generation goes on). */
  async pause() {
    if (!this.active || this.player.paused) return;
    await this.player.pause();
    this.emit('pause', null);
  }

  async resume() {
    if (!this.player.paused) return;
    await this.player.resume();
    this.emit('resume', null);
  }

  get paused() {
    return this.player.paused;
  }
}
