// Speech: one utterance played through the speakers while it is generated (PocketTTS.speak).
//
// Events (CustomEvent, `detail` as said):
//   'start'     the first audio is heard (or, without an audio output, generated)
//   'word'      playback reached a word: {index, text, charIndex, charLength, start}
//   'plan'      the words that will get times: {text, words: [word, index, begin, end]} (offsets into text)
//   'times'     word times decided: [kind ('start'|'end'), index, start, end][]
//   'audio'     a decoded chunk ({pcm, …}: it goes to the player after the event; copy it to keep it)
//   'progress'  {chunkIndex, chunkCount, chunkDone, seconds}
//   'notice'    markup warnings (skipped or clamped pauses): string[]
//   'playback'  the player's counters (~every 50 ms): {stats, heard} (heard: seconds of the utterance)
//   'pause', 'resume'
//   'error'     a PocketTTSError; `audio-output-unavailable` does not end the speech (it goes on silently)
//   'end'       generation and playback are over (or stopped): {stopped}

import { PocketTTSError, asPocketError } from './errors.js';

export class Speech extends EventTarget {
  /**
   * @param {import('./pocket-tts.js').PocketTTS} tts
   * @param {string} text
   * @param {import('./pocket-tts.js').CallOptions} options
   */
  constructor(tts, text, options) {
    super();
    this.tts = tts;
    this.text = text;
    this.player = tts.player;
    this.active = true; // generating or playing
    this.generating = true;
    this.stopped = false;
    this.audio = true; // false once the audio output failed to start (the speech goes on silently)
    this.started = false;
    this.heard = 0;
    /** @type {Array<{index: number, start: number}>} word starts known so far, in order */
    this.starts = [];
    this.timed = new Set(); // indices in `starts`
    this.nextWord = 0;
    // Inside the user's gesture: allowed to make sound. Chunks that arrive meanwhile wait in the player.
    this.audioStarted = this.player.start().then(
      () => true,
      (error) => {
        this.audio = false;
        this.player.flush();
        this.emit('error', new PocketTTSError('audio-output-unavailable',
          'No sound: the audio output did not start (no audio device, or it is busy). ' +
          'The speech is still being generated: download the WAV when it is done.', { cause: error }));
        return false;
      },
    );
    this.player.reset();
    this.statsHandler = (/** @type {any} */ stats) => this.onStats(stats);
    this.player.onStats = this.statsHandler;
    const run = tts.run(text, options, (event) => this.onEvent(event));
    this.id = run.id;
    /** the words mapped onto `text` (the run's: it maps them once) */
    this.words = run.words;
    /** @type {Promise<import('./utterance.js').Utterance>} the generated utterance (WAV, words, stats) */
    this.result = run.result.then(
      async (utterance) => {
        await this.audioStarted;
        this.generating = false;
        if (this.current && !this.stopped) this.player.end(); // else flushed already, or a newer Speech owns the player
        if (!this.audio || this.stopped || utterance.samples === 0) this.end();
        return utterance;
      },
      (error) => {
        this.generating = false;
        if (this.current && !this.stopped) this.player.flush();
        const failure = asPocketError(error, 'synthesis-failed');
        this.emit('error', failure);
        this.end();
        throw failure;
      },
    );
    this.result.catch(() => {}); // reported as an 'error' event
    /** @type {Promise<{stopped: boolean}>} settles once generation and playback are over */
    this.ended = new Promise((resolve) => this.addEventListener('end', () => resolve({ stopped: this.stopped }), { once: true }));
  }

  /**
   * Listen to event `type`; `handler` gets the event's detail. Returns this speech.
   * @param {string} type
   * @param {(detail: any) => void} handler
   */
  on(type, handler) {
    this.addEventListener(type, (event) => handler(/** @type {CustomEvent} */ (event).detail));
    return this;
  }

  /** Whether this is the library's current Speech (the one the player plays). */
  get current() {
    return this.tts.speech === this;
  }

  emit(/** @type {string} */ type, /** @type {unknown} */ detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** @param {import('./jobs.js').StreamEvent | {type: 'raw', message: any}} event */
  onEvent(event) {
    if (event.type !== 'raw') return;
    const msg = event.message;
    if (msg.type === 'words') {
      this.emit('plan', { text: msg.text, words: msg.words });
    } else if (msg.type === 'chunk') {
      this.addTimes(msg.words);
      this.emit('audio', msg);
      if (!this.stopped && this.audio && this.current) this.player.push(msg.pcm);
      else if (!this.started) this.begin();
      this.emit('progress', { chunkIndex: msg.chunkIndex, chunkCount: msg.chunkCount, chunkDone: msg.chunkDone });
    } else if (msg.type === 'done') {
      this.addTimes(msg.words);
    } else if (msg.type === 'progress') {
      this.emit('progress', { chunkIndex: msg.chunkIndex, chunkCount: msg.chunkCount, chunkDone: 0 });
    } else if (msg.type === 'notice') {
      this.emit('notice', msg.warnings);
    }
  }

  addTimes(/** @type {Array<['start'|'end', number, number, number]>} */ times) {
    if (!times?.length) return;
    for (const [, index, start] of times) {
      if (this.timed.has(index)) continue;
      this.timed.add(index);
      this.starts.push({ index, start });
    }
    this.emit('times', times);
  }

  begin() {
    if (this.stopped) return; // a chunk that arrives after stop() starts nothing
    this.started = true;
    this.emit('start', null);
  }

  /** The worklet's counters: the heard position, word boundaries, the end of playback. */
  onStats(/** @type {any} */ stats) {
    if (!this.active) return;
    const latency = this.player.latency * (stats.speed || 1); // never outputLatency in Firefox: web/audio/player.js
    this.heard = Math.max(0, stats.rendered / this.player.sampleRate - latency);
    if (!this.started && stats.rendered > 0) this.begin();
    // Once playback is over every timed word was heard, even one starting in the audio's last `latency`
    // seconds (`heard` stops that much short of the end).
    const over = stats.drained && !this.generating;
    // Words only after 'start' (a report before any sample was heard would tell a word at 0 s first).
    while (this.started && this.nextWord < this.starts.length && (over || this.starts[this.nextWord].start <= this.heard)) {
      const { index, start } = this.starts[this.nextWord++];
      const word = this.words.words.get(index);
      if (word) this.emit('word', { index, text: word.text, charIndex: word.charIndex, charLength: word.charLength, start });
    }
    this.emit('playback', { stats, heard: this.heard });
    if (over) this.end();
  }

  end() {
    if (!this.active) return;
    this.active = false;
    if (this.player.onStats === this.statsHandler) this.player.onStats = () => {};
    this.emit('end', { stopped: this.stopped });
  }

  /** Stop generating and silence what is still to be heard. */
  stop() {
    if (!this.active || this.stopped) return;
    this.stopped = true;
    if (this.generating) this.id.then((id) => id && this.tts.cancel(id));
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
