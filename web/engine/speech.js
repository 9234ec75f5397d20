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

import { asPocketError } from './errors.js';
import { Playback } from './playback.js';

export class Speech extends Playback {
  /**
   * @param {import('./pocket-tts.js').PocketTTS} tts
   * @param {string} text
   * @param {import('./pocket-tts.js').CallOptions} options
   */
  constructor(tts, text, options) {
    super(tts,
      'No sound: the audio output did not start (no audio device, or it is busy). ' +
      'The speech is still being generated: download the WAV when it is done.');
    this.text = text;
    this.generating = true;
    /** @type {Array<{index: number, start: number}>} word starts known so far, in order */
    this.starts = [];
    this.timed = new Set(); // indices in `starts`
    this.nextWord = 0;
    const run = tts.run(text, options, (event) => this.onEvent(event));
    this.job = run.id;
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
  }

  /** The id of the synthesis job. */
  get id() {
    return /** @type {Promise<number>} */ (this.job);
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
    this.heard = this.player.heardSeconds(stats);
    if (!this.started && stats.rendered > 0) this.begin();
    // Once playback is over every timed word was heard, even one starting in the audio's last
    // output-latency seconds (`heard` stops that much short of the end).
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
}
