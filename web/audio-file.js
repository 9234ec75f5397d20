// Decoding an uploaded audio file for voice cloning: any format the browser can decode, to mono
// float32 at the model's sample rate (24 kHz).
//
// decodeAudioData resamples to its context's rate, so decoding in a 24 kHz OfflineAudioContext gives
// 24 kHz directly. That resampler is the browser's (Chromium: a windowed-sinc resampler), not
// upstream's `scipy.signal.resample_poly` (a polyphase Kaiser-window FIR); the two differ slightly near
// the Nyquist frequency, which is inaudible and below what the voice encoder is sensitive to.
// Channels are averaged to mono, as upstream does.

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
