// Uploaded audio for voice cloning.
//
// 16-bit PCM WAV files go to py_core as they are (only their first 30 s): py_core.audio_prompt
// checks them, reads them and resamples them with resample_poly computed exactly in integers (the
// same polyphase Kaiser FIR as upstream's scipy call), so the prompt is exactly upstream's. Any other
// format is decoded here by the browser: decodeAudioData resamples to its context's rate, so decoding
// in a 24 kHz OfflineAudioContext gives 24 kHz directly. That resampler is the browser's (Chromium:
// windowed sinc), not resample_poly; the two differ slightly near the Nyquist frequency. Channels are
// averaged to mono, as upstream does; py_core then refuses silence, ends the prompt on a pause and
// pads it to whole frames, as upstream does.
//
// The limits are py_core.audio_prompt's (check_format, parse_wav), with the same messages: a WAV
// header is checked before anything is decoded, and only the bytes of its first 30 s are read.
// Compressed files are decoded whole by the browser, so their size is capped instead.

export const MAX_PROMPT_SECONDS = 30;
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 384000;
export const MAX_CHANNELS = 16;
export const MAX_SAMPLES_PER_SECOND = 768000;
export const MAX_COMPRESSED_BYTES = 32 * 2 ** 20; // about 30 min of 128 kbit/s MP3
const HEADER_BYTES = 2 ** 20; // where a WAV file's format and data chunks are looked for
const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/** A prompt file that cannot be used; the message names the file and says why. */
export class AudioFileError extends Error {}

/** py_core.audio_prompt.check_format: the limits every prompt obeys, whoever decodes it. */
export function checkFormat(name, sampleRate, channels) {
  if (!(sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE)) {
    throw new AudioFileError(
      `${name}: sample rate ${sampleRate} Hz is not supported (${MIN_SAMPLE_RATE / 1000}–${MAX_SAMPLE_RATE / 1000} kHz)`,
    );
  }
  if (!(channels >= 1 && channels <= MAX_CHANNELS)) {
    throw new AudioFileError(`${name}: ${channels} channels are not supported (1–${MAX_CHANNELS})`);
  }
  if (sampleRate * channels > MAX_SAMPLES_PER_SECOND) {
    throw new AudioFileError(
      `${name}: ${channels} channels at ${sampleRate} Hz is more audio than supported (${MAX_SAMPLES_PER_SECOND} samples per second)`,
    );
  }
}

/**
 * py_core.audio_prompt.parse_wav: the format of a RIFF/WAVE file, checked, or null when `bytes`
 * (the file's start) is not one. `complete`: `bytes` is the whole file (else a missing data chunk
 * may lie further on: null).
 */
export function parseWav(bytes, name, complete = true) {
  const text = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || text(0) !== 'RIFF' || text(8) !== 'WAVE') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (text(at) === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new AudioFileError(`${name}: the WAV format chunk is truncated`);
      fmt = {
        formatTag: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
      if (fmt.formatTag === EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) {
        fmt.formatTag = view.getUint16(body + 24, true);
      }
    } else if (text(at) === 'data') {
      if (!fmt) throw new AudioFileError(`${name}: the WAV data chunk comes before its format chunk`);
      checkWavFields(name, fmt);
      return { ...fmt, dataOffset: body, dataSize: size };
    }
    at = body + size + (size % 2);
  }
  if (!complete) return null;
  throw new AudioFileError(`${name}: the WAV file has no ${fmt ? 'data' : 'format'} chunk`);
}

function checkWavFields(name, { formatTag, channels, sampleRate, bits, blockAlign }) {
  checkFormat(name, sampleRate, channels);
  const depths = { [PCM]: [8, 16, 24, 32], [FLOAT]: [32, 64] }[formatTag];
  if (!depths) return; // compressed WAV (ADPCM, A-law, ...): the browser's decoder checks its own fields
  if (!depths.includes(bits)) {
    throw new AudioFileError(`${name}: ${bits}-bit ${formatTag === PCM ? 'PCM' : 'float'} WAV is not supported`);
  }
  if (blockAlign !== (channels * bits) / 8) {
    throw new AudioFileError(`${name}: block size ${blockAlign} does not match ${channels} channels of ${bits} bits`);
  }
}

/**
 * The bytes of an uploaded file that make the prompt: for a PCM or float WAV file, its header
 * checked and only its first 30 s read; `pcm16`: a 16-bit PCM WAV (py_core reads it). Other files
 * (compressed WAV too) are read whole, up to MAX_COMPRESSED_BYTES.
 */
export async function readPromptFile(file) {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  let wav = parseWav(head, file.name, file.size <= HEADER_BYTES);
  if (wav === null && String.fromCharCode(...head.subarray(0, 4)) === 'RIFF' && head.length >= 12) {
    if (file.size > MAX_COMPRESSED_BYTES) {
      throw new AudioFileError(`${file.name}: the WAV data chunk is not within the first ${HEADER_BYTES / 2 ** 20} MB`);
    }
    wav = parseWav(new Uint8Array(await file.arrayBuffer()), file.name);
  }
  if (wav && (wav.formatTag === PCM || wav.formatTag === FLOAT)) {
    // block size checked: whole frames, so the first 30 s end at a known byte
    const frames = Math.min(Math.floor(wav.dataSize / wav.blockAlign), MAX_PROMPT_SECONDS * wav.sampleRate);
    const bytes = new Uint8Array(await file.slice(0, wav.dataOffset + frames * wav.blockAlign).arrayBuffer());
    return { bytes, pcm16: wav.formatTag === PCM && wav.bits === 16 };
  }
  if (file.size > MAX_COMPRESSED_BYTES) {
    throw new AudioFileError(
      `${file.name}: the file is too large (${Math.round(file.size / 2 ** 20)} MB, at most ` +
        `${MAX_COMPRESSED_BYTES / 2 ** 20} MB): only its first ${MAX_PROMPT_SECONDS} s are used, so cut it first`,
    );
  }
  return { bytes: new Uint8Array(await file.arrayBuffer()), pcm16: false };
}

/** Decode with the browser's decoder at `sampleRate`: the first 30 s, channels averaged. */
export async function decodeToMono24k(arrayBuffer, sampleRate = 24000, name = 'audio') {
  const context = new OfflineAudioContext(1, 1, sampleRate);
  const buffer = await context.decodeAudioData(arrayBuffer);
  if (buffer.numberOfChannels > MAX_CHANNELS) {
    throw new AudioFileError(`${name}: ${buffer.numberOfChannels} channels are not supported (1–${MAX_CHANNELS})`);
  }
  const length = Math.min(buffer.length, MAX_PROMPT_SECONDS * sampleRate);
  if (length === 0) throw new AudioFileError(`${name}: the file holds no audio`);
  const mono = new Float32Array(length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
  }
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(mono[i])) throw new AudioFileError(`${name}: the audio contains NaN or infinite samples`);
  }
  return mono;
}
