// Uploaded audio for voice cloning.
//
// 16-bit PCM WAV files go to py_core as they are: py_core.audio_prompt reads them and resamples with
// its resample_poly (the same polyphase Kaiser FIR as upstream's scipy call), so the prompt is exactly
// upstream's. Any other format is decoded here by the browser: decodeAudioData resamples to its
// context's rate, so decoding in a 24 kHz OfflineAudioContext gives 24 kHz directly. That resampler is
// the browser's (Chromium: windowed sinc), not resample_poly; the two differ slightly near the Nyquist
// frequency. Channels are averaged to mono, as upstream does; py_core then trims to 30 s, ends the
// prompt on a pause and pads it to whole frames, as upstream does.

/** A RIFF/WAVE file whose format chunk says 16-bit integer PCM (what py_core reads itself). */
export function isPcm16Wav(bytes) {
  if (bytes.length < 36) return false;
  const text = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (text(0) !== 'RIFF' || text(8) !== 'WAVE') return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (text(at) === 'fmt ') return view.getUint16(at + 8, true) === 1 && view.getUint16(at + 22, true) === 16;
    at += 8 + size + (size % 2);
  }
  return false;
}

export const MAX_PROMPT_SECONDS = 30;

export async function decodeToMono24k(arrayBuffer, sampleRate = 24000) {
  const context = new OfflineAudioContext(1, 1, sampleRate);
  const buffer = await context.decodeAudioData(arrayBuffer);
  const length = Math.min(buffer.length, MAX_PROMPT_SECONDS * sampleRate);
  if (length === 0) throw new Error('the file holds no audio');
  const mono = new Float32Array(length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
  }
  return mono;
}
