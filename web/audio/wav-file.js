// 16-bit mono PCM WAV files: the one 44-byte header every WAV the app writes starts with (an
// utterance's download at N×, a recorded clip, a reading's tape), and a whole file from float samples.

/**
 * A 44-byte header of a 16-bit mono PCM WAV holding `samples` samples at `sampleRate`.
 * @param {number} samples
 * @param {number} sampleRate
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function wavHeader(samples, sampleRate) {
  const view = new DataView(new ArrayBuffer(44));
  const text = (/** @type {number} */ at, /** @type {string} */ s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + 2 * samples, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, 2 * sampleRate, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per sample
  view.setUint16(34, 16, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, 2 * samples, true);
  return new Uint8Array(view.buffer);
}

/**
 * A 16-bit mono PCM WAV file of `samples` (floats, clamped to [-1, 1], times 32767, then `round`:
 * Math.trunc is what py_core.wav does).
 * @param {ArrayLike<number>} samples
 * @param {number} sampleRate
 * @param {(x: number) => number} [round]
 * @returns {ArrayBuffer}
 */
export function encodeWav(samples, sampleRate, round = Math.round) {
  const bytes = new Uint8Array(44 + 2 * samples.length);
  bytes.set(wavHeader(samples.length, sampleRate));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, round(Math.max(-1, Math.min(1, samples[i])) * 32767), true);
  return bytes.buffer;
}
