// AudioWorklet that hands the microphone's samples to the page (web/audio/recorder.js): channels averaged
// to mono, posted in blocks of about 85 ms with the block's peak level (for the level meter).
//
// Port messages out: {samples: Float32Array, peak}

const BLOCK = 4096;

class RecorderProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(BLOCK);
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels?.length) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.block[this.filled++] = sum / channels.length;
      if (this.filled === BLOCK) this.flush();
    }
    return true;
  }

  flush() {
    const samples = this.block.slice(0, this.filled);
    let peak = 0;
    for (const v of samples) peak = Math.max(peak, Math.abs(v));
    this.port.postMessage({ samples, peak }, [samples.buffer]);
    this.filled = 0;
  }
}

registerProcessor('pocket-recorder', RecorderProcessor);
