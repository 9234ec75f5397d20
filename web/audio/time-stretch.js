// Pitch-preserving time-stretch of streamed mono PCM: WSOLA (waveform-similarity overlap-add).
//
// Frames of W = 2·H samples (H = 15 ms) under a periodic Hann window, which sums to exactly 1 at
// 50 % overlap, are overlap-added every H output samples; from one frame to the next the source
// advances by H·speed. Each frame starts within ±H/2 of that nominal source position, where its first
// half best matches (normalized cross-correlation) the natural continuation of the previous frame, so
// the periods line up and no phase jump is heard. At speed 1 the best match is the continuation
// itself: the output equals the input.
//
// A stream that starts at speed 1 is passed straight through (no frames) until the speed first
// changes: a frame needs the input up to its nominal position + tolerance + W (37.5 ms ahead) before
// any of it is played, which at the start of a stream would make the first chunk play dry early.
// At the first change the frames start at the current source position (as at a stream's start).
//
// No AudioWorklet or DOM dependency: web/audio/playback-worklet.js pulls it per 128-frame render quantum,
// the page uses stretchAll() for "Download WAV at N×", and tests-js/ runs it in Node.

export const MIN_SPEED = 0.5;
export const MAX_SPEED = 3;

/** Throw a RangeError unless `speed` is a number within [MIN_SPEED, MAX_SPEED]. */
export function checkSpeed(speed) {
  if (!(typeof speed === 'number' && speed >= MIN_SPEED && speed <= MAX_SPEED)) {
    throw new RangeError(`playback speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}, got ${speed}`);
  }
  return speed;
}

export class TimeStretcher {
  constructor(sampleRate, speed = 1) {
    this.hop = Math.round(sampleRate * 0.015); // H: output samples per frame
    this.size = 2 * this.hop; // W: frame length
    this.tolerance = this.hop >> 1; // how far a frame may move from its nominal position
    this.window = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / this.size);
    this.target = new Float32Array(this.hop); // scratch: the previous frame's natural continuation
    this.region = new Float32Array(this.hop + 2 * this.tolerance); // scratch: where the next frame may start
    this.frame = new Float32Array(this.size); // scratch: the next frame's source samples
    this.speed = speed;
    this.clear();
  }

  get speed() {
    return this._speed;
  }

  /** Takes effect from the next frame (at most H = 15 ms of output later). */
  set speed(value) {
    this._speed = checkSpeed(value);
  }

  /** Source samples beyond the played position that a frame may need before it plays (its tolerance and length). */
  get lookahead() {
    return this.tolerance + this.size;
  }

  /** Drop all input and state: a new stream starts at source position 0. */
  clear() {
    this.input = new Float32Array(8 * this.size);
    this.inputStart = 0; // source index of input[0]
    this.inputEnd = 0; // source samples pushed so far
    this.ended = false;
    // The first frame sits H before the source and its first output hop (silence) is dropped, so the
    // output starts at source sample 0 with full amplitude (no fade-in).
    this.nominal = -this.hop; // nominal source position of the last frame
    this.previous = null; // actual source position of the last frame (null: none yet)
    this.ola = new Float32Array(this.size); // overlap-add accumulator
    this.out = new Float32Array(this.hop); // the finished output hop
    this.outRead = this.hop; // read position in `out` (hop: empty)
    this.outRate = 1; // source samples per output sample in `out`
    this.played = 0; // source position of the output so far (fractional)
    this.direct = this._speed === 1; // passing samples straight through (see the top of the file)
  }

  /** The oldest source sample a later frame may read (what push() must keep). */
  get oldestNeeded() {
    const nominal = Math.floor(this.nominal);
    return this.previous === null ? nominal : Math.min(this.previous + this.hop, nominal - this.tolerance);
  }

  /** Append source samples. */
  push(pcm) {
    if (this.inputEnd - this.inputStart + pcm.length > this.input.length) {
      // Drop what no later frame reads (before the previous frame's continuation and the lowest
      // candidate start); grow if that is not room enough.
      const keep = Math.max(this.inputStart, Math.min(this.oldestNeeded, this.inputEnd));
      const kept = this.inputEnd - keep;
      const input = kept + pcm.length > this.input.length ? new Float32Array(2 * (kept + pcm.length)) : this.input;
      input.set(this.input.subarray(keep - this.inputStart, this.inputEnd - this.inputStart));
      this.input = input;
      this.inputStart = keep;
    }
    this.input.set(pcm, this.inputEnd - this.inputStart);
    this.inputEnd += pcm.length;
  }

  /** No more input: the rest is played out, the tail padded with silence inside the last frames. */
  end() {
    this.ended = true;
  }

  /** Source samples played so far (whole samples; all of them once drained). */
  get position() {
    return Math.min(Math.floor(this.played + 1e-6), this.inputEnd);
  }

  /** Source samples pushed but not yet played. */
  get pending() {
    return this.inputEnd - this.position;
  }

  get drained() {
    return this.ended && this.position === this.inputEnd;
  }

  /** Fill `out` from the start with stretched audio; returns the number of samples written (fewer when starved or drained). */
  read(out) {
    if (this.direct) {
      if (this._speed === 1) return this.readDirect(out);
      this.direct = false; // the first frame starts where the direct samples ended (nominal, below)
    }
    let written = 0;
    while (written < out.length) {
      if (this.outRead === this.hop) {
        if (!this.nextFrame()) break;
        continue;
      }
      let n = Math.min(out.length - written, this.hop - this.outRead);
      if (this.ended) n = Math.min(n, Math.ceil((this.inputEnd - this.played) / this.outRate - 1e-6));
      if (n <= 0) break;
      out.set(this.out.subarray(this.outRead, this.outRead + n), written);
      written += n;
      this.outRead += n;
      this.played += n * this.outRate;
    }
    if (this.ended && this.played >= this.inputEnd - 1e-6) this.played = this.inputEnd;
    return written;
  }

  /** read() while passing straight through: the next source samples as they are. */
  readDirect(out) {
    const n = Math.min(out.length, this.inputEnd - this.played);
    out.set(this.input.subarray(this.played - this.inputStart, this.played - this.inputStart + n));
    this.played += n;
    // Where a first frame would sit to continue from here (clear(): H before the source position).
    this.nominal = this.played - this.hop;
    return n;
  }

  /** Copy source samples from absolute index `from` into `into` (silence before the start and after the end). */
  copySource(into, from) {
    const lo = Math.max(from, this.inputStart);
    const hi = Math.min(from + into.length, this.inputEnd);
    into.fill(0);
    if (hi > lo) into.set(this.input.subarray(lo - this.inputStart, hi - this.inputStart), lo - from);
  }

  /** Overlap-add the next frame and finish one output hop; false if the input does not reach far enough yet. */
  nextFrame() {
    const first = this.previous === null;
    const nominal = first ? this.nominal : this.nominal + this.hop * this._speed;
    const center = Math.round(nominal);
    if (!this.ended && center + this.tolerance + this.size > this.inputEnd) return false;
    const start = first ? center : this.bestStart(center);
    this.copySource(this.frame, start);
    for (let i = 0; i < this.size; i++) this.ola[i] += this.window[i] * this.frame[i];
    if (!first) {
      this.out.set(this.ola.subarray(0, this.hop));
      this.outRead = 0;
      this.outRate = (nominal - this.nominal) / this.hop;
    }
    this.ola.copyWithin(0, this.hop);
    this.ola.fill(0, this.hop);
    this.nominal = nominal;
    this.previous = start;
    return true;
  }

  /**
   * The start within center ± tolerance whose first H samples correlate best with the previous
   * frame's continuation: every second start on every second sample first, then the neighbours of
   * the best one on every sample (a quarter of the work of a full search). Ties (silence) go to the
   * start nearest the nominal position.
   */
  bestStart(center) {
    const { tolerance } = this;
    this.copySource(this.target, this.previous + this.hop);
    this.copySource(this.region, center - tolerance);
    let best = this.searchBest(0, 2 * tolerance, 2);
    best = this.searchBest(Math.max(0, best - 1), Math.min(2 * tolerance, best + 1), 1);
    return center - tolerance + best;
  }

  /** The offset in [low, high] into `region` (every `step`-th) with the highest normalized correlation with `target`. */
  searchBest(low, high, step) {
    const { hop, tolerance, target, region } = this;
    let best = low;
    let bestScore = -Infinity;
    for (let offset = low; offset <= high; offset += step) {
      let dot = 0;
      let energy = 1e-9;
      for (let i = 0; i < hop; i += step) {
        const y = region[offset + i];
        dot += target[i] * y;
        energy += y * y;
      }
      const score = dot / Math.sqrt(energy);
      if (score > bestScore || (score === bestScore && Math.abs(offset - tolerance) < Math.abs(best - tolerance))) {
        bestScore = score;
        best = offset;
      }
    }
    return best;
  }
}

/** The whole of `pcm` stretched to play `speed` times as fast (the WAV download at a chosen speed). */
export function stretchAll(pcm, sampleRate, speed) {
  const stretcher = new TimeStretcher(sampleRate, speed);
  stretcher.push(pcm);
  stretcher.end();
  const out = new Float32Array(Math.ceil(pcm.length / speed) + 2 * stretcher.hop);
  return out.slice(0, stretcher.read(out));
}
