// Recording a voice prompt from the microphone: getUserMedia (only ever called from a click), the
// raw samples through an AudioWorklet (web/audio/recorder-worklet.js), a level and a timer while it runs,
// and a stop at MAX_PROMPT_SECONDS (upstream's 30 s). The result is a 16-bit WAV file at the
// microphone's rate, so it takes the same road as an uploaded WAV: py_core checks, reads and
// resamples it exactly as upstream does.

import workletUrl from './recorder-worklet.js?url';
import { MAX_PROMPT_SECONDS } from './audio-file.js';

/** The microphone could not be used; the message says why and what to do. */
export class RecorderError extends Error {}

function describeMicrophoneError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was denied, so nothing can be recorded. Allow the microphone for this site in the browser (the icon in the address bar), or upload an audio file instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one, or upload an audio file instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is in use by another application or could not be started. Close it there, or upload an audio file instead.';
    default:
      return `The microphone could not be started (${error?.message || error}). Upload an audio file instead.`;
  }
}

export class Recorder {
  /** @param {{onLevel?: (peak: number) => void, onTime?: (seconds: number) => void, onLimit?: () => void}} hooks */
  constructor(hooks = {}) {
    this.hooks = hooks;
    this.blocks = [];
    this.samples = 0;
    this.stream = null;
    this.context = null;
  }

  get recording() {
    return this.context !== null;
  }

  /** Ask for the microphone and start recording (call from a click). */
  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new RecorderError('This browser cannot record audio here (no getUserMedia). Upload an audio file instead.');
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      console.warn('getUserMedia failed', error);
      throw new RecorderError(describeMicrophoneError(error));
    }
    this.context = new AudioContext();
    let source;
    try {
      await this.context.audioWorklet.addModule(workletUrl);
      source = this.context.createMediaStreamSource(this.stream);
      this.node = new AudioWorkletNode(this.context, 'pocket-recorder', { numberOfOutputs: 0 });
    } catch (error) {
      this.stream.getTracks().forEach((track) => track.stop()); // the microphone is released
      await this.context.close();
      this.context = null;
      throw new RecorderError(`Recording could not start (${error.message || error}).`);
    }
    this.blocks = [];
    this.samples = 0;
    const limit = MAX_PROMPT_SECONDS * this.context.sampleRate;
    this.node.port.onmessage = ({ data }) => {
      if (!this.recording || this.samples >= limit) return;
      const samples = data.samples.subarray(0, limit - this.samples);
      this.blocks.push(samples);
      this.samples += samples.length;
      this.hooks.onLevel?.(data.peak);
      this.hooks.onTime?.(this.samples / this.context.sampleRate);
      if (this.samples >= limit) this.hooks.onLimit?.();
    };
    source.connect(this.node);
    if (this.context.state !== 'running') await this.context.resume();
  }

  /** Stop and release the microphone; returns {samples: Float32Array, sampleRate}. */
  async stop() {
    const { context } = this;
    if (!context) return null;
    this.stream.getTracks().forEach((track) => track.stop());
    this.node.port.onmessage = null;
    this.context = null;
    await context.close();
    const samples = new Float32Array(this.samples);
    let at = 0;
    for (const block of this.blocks) {
      samples.set(block, at);
      at += block.length;
    }
    this.blocks = [];
    return { samples, sampleRate: context.sampleRate };
  }
}
