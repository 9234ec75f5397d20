// Worker for "Download WAV at N×": the utterance's WAV (16-bit mono, as py_core.wav writes it)
// re-timed to play N times as fast with the pitch kept (web/audio/time-stretch.js). A worker, because a
// long text takes seconds to stretch and the page must stay responsive meanwhile.
//
// In:  {wav: ArrayBuffer, speed}
// Out: {wav: ArrayBuffer} (a 16-bit mono WAV at the same sample rate) or {error: message}

import { parseWav } from './audio-file.js';
import { stretchAll } from './time-stretch.js';
import { encodeWav } from './wav-file.js';

self.onmessage = ({ data: { wav, speed } }) => {
  try {
    const bytes = new Uint8Array(wav);
    const format = parseWav(bytes, 'the WAV');
    if (format?.formatTag !== 1 || format.bits !== 16 || format.channels !== 1) {
      throw new Error('the WAV is not 16-bit mono PCM');
    }
    const count = Math.floor(Math.min(format.dataSize, bytes.length - format.dataOffset) / 2);
    const view = new DataView(wav, format.dataOffset, 2 * count);
    const pcm = new Float32Array(count);
    for (let i = 0; i < count; i++) pcm[i] = view.getInt16(2 * i, true) / 32767;
    const result = encodeWav(stretchAll(pcm, format.sampleRate, speed), format.sampleRate, Math.trunc); // Math.trunc: as py_core.wav
    self.postMessage({ wav: result }, { transfer: [result] });
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
