// How long the player holds back a new utterance's first audio so that the chunks after it arrive
// before they are needed: an adaptive first buffer, learned from how the last starts arrived.
//
// At the start of an utterance the chunks come further apart than later on (the first frames are
// decoded one by one, without the pipelining that later frames get: py_core.engine's DecodePolicy),
// so played at once the first chunk can run dry before the second arrives — one gap at the start
// of every utterance. The hold that a start needed is known exactly once its chunks have arrived:
// the largest lateness of a chunk against the audio before it (neededHold). The player holds each new
// start for the most that one of the last few starts needed (the engine's warm-up counts as one),
// plus a margin; a device that keeps up from the first chunk is held for the margin only.
//
// No DOM or AudioWorklet dependency: web/audio/player.js uses it on the page, tests-js/ in Node.

/**
 * Added to the measured need: chunk arrival times vary from start to start. 20 ms was too little for
 * the first utterance after the warm-up (a short text): its chunks came up to 33 ms later than the
 * warm-up's had. Interleaved, 8 starts each: 20 ms ran dry in 2 of them, 50 ms in none, for ~30 ms
 * more before the first sound (bench/results/start-margin-session13.txt).
 */
export const HOLD_MARGIN_SECONDS = 0.05;
/** Never hold longer than this (a device much slower than real time runs dry later anyway). */
export const MAX_HOLD_SECONDS = 0.3;
/** Before any start was measured: about one chunk's worth (the gap seen on a 2-core laptop). */
export const DEFAULT_HOLD_SECONDS = 0.08;
/** How much of a start is measured: the chunks within this much audio from the first one. */
export const START_AUDIO_SECONDS = 2;
/** How many recent starts the hold covers. */
export const REMEMBERED_STARTS = 3;

/**
 * The shortest hold (seconds after the first chunk's arrival) after which chunks arriving as
 * `arrivals` never leave playback at `speed` without samples. `arrivals`: [seconds, samples] per
 * chunk in order (any clock). `lookahead`: source samples the player keeps back before playing (the
 * time-stretcher's frames at speeds other than 1; 0 when it passes samples straight through).
 * @param {Array<[number, number]>} arrivals
 * @param {number} sampleRate
 * @param {number} speed
 * @param {number} [lookahead]
 */
export function neededHold(arrivals, sampleRate, speed, lookahead = 0) {
  if (!arrivals.length) return 0;
  const first = arrivals[0][0];
  let before = 0; // source samples that arrived before this chunk
  let need = 0;
  for (const [at, samples] of arrivals) {
    // This chunk is needed once the audio before it, less what the player keeps back, has played.
    if (before > 0) need = Math.max(need, at - first - Math.max(0, before - lookahead) / (sampleRate * speed));
    before += samples;
  }
  return need;
}

/** The arrivals of the chunks within START_AUDIO_SECONDS of audio from the first (the part that sets the hold). */
export function startOf(/** @type {Array<[number, number]>} */ arrivals, /** @type {number} */ sampleRate) {
  const kept = [];
  let audio = 0;
  for (const arrival of arrivals) {
    if (audio >= START_AUDIO_SECONDS * sampleRate) break;
    kept.push(arrival);
    audio += arrival[1];
  }
  return kept;
}

export class StartBuffer {
  /**
   * @param {number} sampleRate
   * @param {number} lookahead source samples the player keeps back at speeds other than 1
   */
  constructor(sampleRate, lookahead) {
    this.sampleRate = sampleRate;
    this.lookahead = lookahead;
    /** @type {Array<Array<[number, number]>>} the last starts' arrivals, newest last */
    this.starts = [];
    /** @type {Array<[number, number]> | null} the start being recorded */
    this.recording = null;
  }

  /** A start measured elsewhere (the engine's warm-up): its chunks' [seconds, samples]. */
  learn(/** @type {Array<[number, number]>} */ arrivals) {
    const start = startOf(arrivals, this.sampleRate);
    if (start.length < 2) return; // one chunk says nothing about the gaps
    this.starts.push(start);
    if (this.starts.length > REMEMBERED_STARTS) this.starts.shift();
  }

  /** A new utterance starts: learn from the one recorded before, record this one. */
  begin() {
    if (this.recording) this.learn(this.recording);
    this.recording = [];
  }

  /** A chunk of `samples` reached the player at `seconds` (performance.now() / 1000). */
  arrived(/** @type {number} */ samples, /** @type {number} */ seconds) {
    if (this.recording && this.recording.reduce((n, [, s]) => n + s, 0) < START_AUDIO_SECONDS * this.sampleRate) {
      this.recording.push([seconds, samples]);
    }
  }

  /** Seconds to hold the next start at playback `speed`. */
  hold(/** @type {number} */ speed) {
    if (!this.starts.length) return DEFAULT_HOLD_SECONDS;
    const lookahead = speed === 1 ? 0 : this.lookahead;
    const need = Math.max(...this.starts.map((start) => neededHold(start, this.sampleRate, speed, lookahead)));
    return Math.min(MAX_HOLD_SECONDS, need + HOLD_MARGIN_SECONDS);
  }
}
