// AudioWorklet that plays PCM chunks as they arrive (mono float32 at the context's sample rate),
// at a playback speed of 0.5× to 3× with the pitch kept (WSOLA: web/audio/time-stretch.js).
//
// Port messages in:  {type: 'push', pcm: Float32Array}  queue a chunk (played once the start's hold is over)
//                    {type: 'end'}                      no more chunks: report 'drained' once played
//                    {type: 'flush'}                    drop everything queued (Stop)
//                    {type: 'reset', stream, hold}      flush and zero the counters (a new utterance, numbered);
//                                                       `hold`: output frames to wait after its first push
//                                                       before playing (web/audio/start-buffer.js), 0: at once
//                    {type: 'speed', speed}             0.5–3; takes effect within 15 ms of output
// Port messages out: {type: 'stats', stream, rendered, output, speed, queued, underruns, drained, held}
//                    `stream`: the last reset's number (a report of the stream before it is stale).
//                    `rendered`: SOURCE samples (the unstretched timeline) played so far in the
//                    utterance; once drained it equals the samples pushed, at any speed (the e2e tests
//                    compare it with the generated length; the read-along highlight follows it).
//                    `output`: frames written to the output for them (about rendered / speed).
//                    `queued`: source samples pushed but not played yet.
//                    `held`: output frames of silence the start's hold put before the first sample.
//
// The module is bundled with time-stretch.js into one same-origin file (web/audio/player.js imports it
// with ?worker&url): the Content-Security-Policy allows no data: or inline module.

import { TimeStretcher } from './time-stretch.js';

class PcmPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.stretcher = new TimeStretcher(sampleRate);
    this.rendered = 0;
    this.output = 0;
    this.underruns = 0;
    this.ended = false;
    this.drainedSent = false;
    this.starved = false;
    this.sinceReport = 0;
    this.stream = 0;
    this.hold = 0; // output frames still to wait before the stream's first sample (counted from its first push)
    this.pushed = false; // the stream has had a push (its hold is counting down)
    this.held = 0; // output frames held so far
    this.port.onmessage = ({ data }) => this.onMessage(data);
  }

  onMessage(data) {
    if (data.type === 'push') {
      this.stretcher.push(data.pcm);
      this.pushed = true;
      this.drainedSent = false;
      this.starved = false;
    } else if (data.type === 'end') {
      this.ended = true;
      this.stretcher.end();
    } else if (data.type === 'speed') {
      this.stretcher.speed = data.speed; // web/audio/player.js checks the range first
      this.report();
    } else if (data.type === 'flush' || data.type === 'reset') {
      this.stretcher.clear();
      this.ended = data.type === 'flush';
      if (this.ended) this.stretcher.end();
      if (data.type === 'reset') {
        this.stream = data.stream;
        this.hold = Math.max(0, Math.round(data.hold || 0));
        this.pushed = false;
        this.held = 0;
        this.rendered = 0;
        this.output = 0;
        this.underruns = 0;
        this.drainedSent = false;
      }
      this.report();
    }
  }

  report() {
    const drained = this.ended && this.stretcher.drained;
    this.port.postMessage({
      type: 'stats',
      stream: this.stream,
      rendered: this.rendered,
      output: this.output,
      speed: this.stretcher.speed,
      queued: this.stretcher.pending,
      underruns: this.underruns,
      drained,
      held: this.held,
    });
    if (drained) this.drainedSent = true;
    this.sinceReport = 0;
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    if (this.hold > 0 && !this.ended) {
      // The start's hold (silence, not a gap): counts down from the first push.
      if (this.pushed) {
        this.hold -= out.length;
        this.held += out.length;
      }
      for (const channel of outputs[0]) channel.fill(0);
      return true;
    }
    const before = this.stretcher.position;
    const written = this.stretcher.read(out);
    if (written < out.length) {
      out.fill(0, written);
      // Ran dry mid-stream (generation slower than playback): count each gap once.
      if (this.output + written > 0 && !this.ended && !this.starved) {
        this.underruns++;
        this.starved = true;
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.rendered += this.stretcher.position - before;
    this.output += written;
    this.sinceReport += out.length;
    // Report about every 50 ms while playing, and once when the stream has drained.
    if ((written > 0 && this.sinceReport >= sampleRate / 20) || (this.ended && this.stretcher.drained && !this.drainedSent)) {
      this.report();
    }
    return true;
  }
}

registerProcessor('pcm-player', PcmPlayer);
