// AudioWorklet that plays PCM chunks as they arrive (mono float32 at the context's sample rate).
//
// Port messages in:  {type: 'push', pcm: Float32Array}  queue a chunk (playback starts at once)
//                    {type: 'end'}                      no more chunks: report 'drained' once played
//                    {type: 'flush'}                    drop everything queued (Stop)
//                    {type: 'reset'}                    flush and zero the counters (a new utterance)
// Port messages out: {type: 'stats', rendered, queued, underruns, drained}
//                    `rendered` counts the queued samples that reached the output: the e2e tests
//                    compare it with the generated length.

class PcmPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0; // read position in queue[0]
    this.queued = 0;
    this.rendered = 0;
    this.underruns = 0;
    this.ended = false;
    this.drainedSent = false;
    this.starved = false;
    this.sinceReport = 0;
    this.port.onmessage = ({ data }) => this.onMessage(data);
  }

  onMessage(data) {
    if (data.type === 'push') {
      this.queue.push(data.pcm);
      this.queued += data.pcm.length;
      this.drainedSent = false;
      this.starved = false;
    } else if (data.type === 'end') {
      this.ended = true;
    } else if (data.type === 'flush' || data.type === 'reset') {
      this.queue = [];
      this.offset = 0;
      this.queued = 0;
      this.ended = data.type === 'flush';
      if (data.type === 'reset') {
        this.rendered = 0;
        this.underruns = 0;
        this.drainedSent = false;
      }
      this.report();
    }
  }

  report() {
    const drained = this.ended && this.queued === 0;
    this.port.postMessage({
      type: 'stats',
      rendered: this.rendered,
      queued: this.queued,
      underruns: this.underruns,
      drained,
    });
    if (drained) this.drainedSent = true;
    this.sinceReport = 0;
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    let written = 0;
    while (written < out.length && this.queue.length) {
      const chunk = this.queue[0];
      const n = Math.min(out.length - written, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + n), written);
      written += n;
      this.offset += n;
      if (this.offset === chunk.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    if (written < out.length) {
      out.fill(0, written);
      // Ran dry mid-stream (generation slower than playback): count each gap once.
      if (this.rendered + written > 0 && !this.ended && !this.starved) {
        this.underruns++;
        this.starved = true;
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.rendered += written;
    this.queued -= written;
    this.sinceReport += out.length;
    // Report about every 50 ms while playing, and once when the stream has drained.
    if ((written > 0 && this.sinceReport >= sampleRate / 20) || (this.ended && !this.queued && !this.drainedSent)) {
      this.report();
    }
    return true;
  }
}

registerProcessor('pcm-player', PcmPlayer);
