// Streaming playback: an AudioContext at the model's sample rate and the PCM AudioWorklet.
// Chunks are played as they are pushed, an utterance's first one after a short hold learned from the
// last starts (web/audio/start-buffer.js); `stats` follows what actually reached the output.

// ?worker&url: Vite bundles the worklet with its import (time-stretch.js) into one same-origin file.
import workletUrl from './playback-worklet.js?worker&url';
import { StartBuffer } from './start-buffer.js';
import { TimeStretcher, checkSpeed } from './time-stretch.js';

/**
 * How long Speak waits for the audio output before it generates without sound. A working device
 * starts in well under a second; Firefox on PulseAudio's null sink (the engine journeys) takes 2 s.
 */
export const AUDIO_START_TIMEOUT_MS = 3000;

/**
 * Whether reading `AudioContext.outputLatency` is safe on this engine. In Gecko (Firefox) the first
 * read while the output runs asks the audio server synchronously from the page's main thread (cubeb
 * over AudioIPC), holding the audio graph's lock; on Linux with PulseAudio that request can deadlock
 * with the audio callback and freeze the tab for good (seen with Firefox ESR 153: the main thread in
 * AudioIPC, the server waiting for PulseAudio's mainloop lock; see docs/ENGINES.md). Chromium and
 * WebKit answer from a value the audio thread keeps. Gecko's user agent says "Gecko/<date>"; the
 * others say "like Gecko)".
 */
export const OUTPUT_LATENCY_IS_SAFE = !/\bGecko\/\d/.test(globalThis.navigator?.userAgent ?? '');

/** The audio output did not start in time (no device, a busy device, a blocked context). */
export class AudioStartTimeout extends Error {
  constructor(ms) {
    super(`the audio output did not start within ${ms / 1000} s`);
    this.name = 'AudioStartTimeout';
  }
}

export class Player {
  constructor(sampleRate) {
    this.sampleRate = sampleRate;
    this.context = null;
    this.node = null;
    this.speed = 1;
    this.paused = false; // suspended by pause() (media keys); start() and resume() undo it
    /** @type {Float32Array[]} chunks pushed while the first start() was still building the graph */
    this.early = [];
    this.stats = { rendered: 0, output: 0, speed: 1, queued: 0, underruns: 0, drained: true, held: 0 };
    this.stream = 0; // the utterance the worklet's reports are about: one more at every reset()
    this.startBuffer = new StartBuffer(sampleRate, new TimeStretcher(sampleRate).lookahead);
    this.hold = 0; // seconds the current utterance's first chunk is held back (reset())
    /** @type {(stats: object) => void} called with every stats report of the worklet */
    this.onStats = () => {};
  }

  /**
   * Create (or resume) the audio graph. Call from a user gesture so autoplay rules allow sound.
   * Rejects with AudioStartTimeout when the output is not running after `timeoutMs`: without a
   * usable audio device some browsers (headless Firefox) never settle `AudioContext.resume()`.
   */
  async start(timeoutMs = AUDIO_START_TIMEOUT_MS) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new AudioStartTimeout(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([this.#open(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #open() {
    if (!this.context) {
      // The browser resamples 24 kHz to the device rate; no resampling code of ours is involved.
      this.context = new AudioContext({ sampleRate: this.sampleRate, latencyHint: 'interactive' });
      await this.context.audioWorklet.addModule(workletUrl);
      this.node = new AudioWorkletNode(this.context, 'pcm-player', { numberOfInputs: 0, outputChannelCount: [1] });
      this.node.port.onmessage = ({ data }) => {
        // A report made before the last reset() (a Stop's flush, say) belongs to the stream before.
        if (data.type === 'stats' && data.stream === this.stream) {
          this.stats = data;
          this.onStats(data);
        }
      };
      this.node.connect(this.context.destination);
      // A reset() before the node existed.
      this.node.port.postMessage({ type: 'reset', stream: this.stream, hold: this.hold * this.sampleRate });
      this.node.port.postMessage({ type: 'speed', speed: this.speed });
      for (const pcm of this.early.splice(0)) this.push(pcm);
    }
    this.paused = false;
    if (this.context.state !== 'running') await this.context.resume();
  }

  /**
   * Seconds between a sample leaving the worklet and being heard: the base latency, plus the output
   * latency where the engine gives it without blocking (OUTPUT_LATENCY_IS_SAFE).
   */
  get latency() {
    if (!this.context) return 0;
    return (OUTPUT_LATENCY_IS_SAFE ? this.context.outputLatency || 0 : 0) + (this.context.baseLatency || 0);
  }

  /**
   * Seconds of the stream heard by the time of a worklet report: the source samples it played, less
   * the output's `latency` at the report's speed.
   * @param {{rendered: number, speed?: number}} stats
   */
  heardSeconds(stats) {
    return Math.max(0, stats.rendered / this.sampleRate - this.latency * (stats.speed || 1));
  }

  /** A new utterance: empty the queue and zero the counters; its first chunk is held `this.hold` seconds. */
  reset() {
    this.stream += 1;
    this.stats = { rendered: 0, output: 0, speed: this.speed, queued: 0, underruns: 0, drained: false, held: 0 };
    this.early = [];
    this.startBuffer.begin();
    this.hold = this.startBuffer.hold(this.speed);
    this.node?.port.postMessage({ type: 'reset', stream: this.stream, hold: this.hold * this.sampleRate });
  }

  /** Queue `pcm` for playback (it waits here if the graph is still being built). */
  push(pcm) {
    this.startBuffer.arrived(pcm.length, performance.now() / 1000);
    if (this.node) this.node.port.postMessage({ type: 'push', pcm }, [pcm.buffer]);
    else this.early.push(pcm);
  }

  /** No more chunks for this utterance. */
  end() {
    this.node?.port.postMessage({ type: 'end' });
  }

  /** Silence now: drop what is queued. */
  flush() {
    this.early = [];
    this.node?.port.postMessage({ type: 'flush' });
  }

  /** Playback speed, 0.5–3 (pitch kept); also during playback. Throws a RangeError outside that range. */
  setSpeed(speed) {
    this.speed = checkSpeed(speed);
    this.node?.port.postMessage({ type: 'speed', speed });
  }

  /** Hold playback where it is (the AudioContext is suspended; chunks still queue). */
  async pause() {
    if (!this.context || this.paused) return;
    this.paused = true;
    await this.context.suspend();
  }

  /** Continue after pause(). */
  async resume() {
    if (!this.context || !this.paused) return;
    this.paused = false;
    await this.context.resume();
  }

  async close() {
    await this.context?.close();
    this.context = null;
    this.node = null;
  }
}
