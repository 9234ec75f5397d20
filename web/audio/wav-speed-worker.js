// Worker for "Download WAV at N×": the utterance's WAV (16-bit mono, as py_core.wav writes it)
// re-timed to play N times as fast with the pitch kept (web/audio/time-stretch.js). A worker, because a
// long text takes seconds to stretch and the page must stay responsive meanwhile.
//
// In:  {wav: ArrayBuffer, speed}
// Out: {wav: ArrayBuffer} (a 16-bit mono WAV at the same sample rate) or {error: message}

import { parseWav } from './audio-file.js';
import { stretchAll } from './time-stretch.js';

/** A 16-bit mono PCM WAV of `pcm`, samples converted as py_core.wav does: trunc(clamp(x) × 32767). */
function wav16(pcm, sampleRate) {
  const bytes = new ArrayBuffer(44 + 2 * pcm.length);
  const view = new DataView(bytes);
  const text = (at, s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + 2 * pcm.length, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, 2 * sampleRate, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, 2 * pcm.length, true);
  for (let i = 0; i < pcm.length; i++) view.setInt16(44 + 2 * i, Math.trunc(Math.max(-1, Math.min(1, pcm[i])) * 32767), true);
  return bytes;
}

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
    const result = wav16(stretchAll(pcm, format.sampleRate, speed), format.sampleRate);
    self.postMessage({ wav: result }, { transfer: [result] });
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
