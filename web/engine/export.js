// Export: chapters of text generated one after the other into one compressed file with chapter
// marks (PocketTTS.exportAudio), and their word subtitles.
//
// Opus in Ogg through WebCodecs' AudioEncoder where the browser encodes Opus (Chromium, Firefox), its
// packets muxed here (ogg-opus.js, chapters as Vorbis comments); MP3 through lamejs otherwise
// (@breezystack/lamejs, loaded only then), with an ID3v2 tag of CHAP frames and a LAME Info frame
// (mp3-tags.js). The audio is what the CLI writes for the same chapters (`python -m py_core synth
// --file … --out x.opus`): the chapters with CHAPTER_PAUSE of silence between two and TAIL of silence
// at the end, at the model's rate (24 kHz: Opus takes it as it is), at the same bitrates.

import { PocketTTSError, abortReason } from './errors.js';
import { OggOpusWriter } from './ogg-opus.js';
import { id3Tag, infoFrame, mp3Header } from './mp3-tags.js';

// The layout the CLI's files have too, from py_core (generated: py_core/js_constants.py).
import { CHAPTER_PAUSE, EXPORT_BITRATES as BITRATES, TAIL_SILENCE_SECONDS as TAIL } from './speak-options.js';
// libopus's lookahead, 6.5 ms, in 48 kHz samples (RFC 7845 5.1: pre-skip is always at 48 kHz). Chromium's
// decoderConfig.description gives it at the input rate (156 at 24 kHz), so it is not read from there.
const OPUS_PRE_SKIP = 312;
const MP3_ENCODER_DELAY = 576; // LAME's, in samples at the input rate

/** @typedef {'opus'|'mp3'} ExportFormat */

/**
 * Whether this browser encodes Opus at `sampleRate` (WebCodecs AudioEncoder).
 * @param {number} sampleRate
 */
export async function encodesOpus(sampleRate) {
  if (typeof AudioEncoder === 'undefined') return false;
  const config = { codec: 'opus', sampleRate, numberOfChannels: 1, bitrate: BITRATES.opus };
  return Boolean((await AudioEncoder.isConfigSupported(config).catch(() => ({ supported: false }))).supported);
}

/**
 * An encoder of mono float samples into a file with chapter marks.
 * @typedef {object} AudioFileWriter
 * @property {(pcm: Float32Array) => void} add
 * @property {(samples: number, chapters: Array<{title: string, start: number}>) => Promise<Blob>} finish  starts in seconds
 * @property {() => void} close  stop without a file
 */

/**
 * @param {ExportFormat} format
 * @param {number} sampleRate
 * @param {string[]} titles  the chapters' titles, in order
 * @returns {Promise<AudioFileWriter>}
 */
export async function audioFileWriter(format, sampleRate, titles) {
  if (format === 'opus') return opusWriter(sampleRate, titles);
  if (format === 'mp3') return mp3Writer(sampleRate);
  throw new PocketTTSError('bad-option', `format must be 'opus' or 'mp3', not ${JSON.stringify(format)}`);
}

/** @returns {AudioFileWriter} */
function opusWriter(/** @type {number} */ sampleRate, /** @type {string[]} */ titles) {
  const ogg = new OggOpusWriter({ preSkip: OPUS_PRE_SKIP, inputRate: sampleRate, titles });
  /** @type {unknown} */
  let failure = null;
  const encoder = new AudioEncoder({
    output: (chunk) => {
      const packet = new Uint8Array(chunk.byteLength);
      chunk.copyTo(packet);
      ogg.add(packet);
    },
    error: (error) => (failure = error),
  });
  encoder.configure({ codec: 'opus', sampleRate, numberOfChannels: 1, bitrate: BITRATES.opus });
  let at = 0;
  const add = (/** @type {Float32Array} */ pcm) => {
    if (failure) throw failure;
    const data = new Float32Array(pcm); // AudioData may take the buffer over
    const timestamp = Math.round((at * 1e6) / sampleRate);
    encoder.encode(new AudioData({ format: 'f32', sampleRate, numberOfFrames: data.length, numberOfChannels: 1, timestamp, data }));
    at += data.length;
  };
  return {
    add,
    async finish(samples, chapters) {
      // Silence past the end, trimmed again by the last page's granule: an encoder may keep its
      // lookahead and last partial frame back at flush (WebKitGTK's did: the file came out short).
      add(new Float32Array(Math.ceil((OPUS_PRE_SKIP * sampleRate) / 48000) + Math.round(sampleRate * 0.02)));
      await encoder.flush();
      encoder.close();
      if (failure) throw failure;
      return ogg.finish(samples, chapters.map((c) => c.start));
    },
    close() {
      if (encoder.state !== 'closed') encoder.close();
    },
  };
}

/** @returns {Promise<AudioFileWriter>} */
async function mp3Writer(/** @type {number} */ sampleRate) {
  const { Mp3Encoder } = await import('@breezystack/lamejs');
  const encoder = new Mp3Encoder(1, sampleRate, BITRATES.mp3 / 1000);
  /** @type {Blob[]} */
  const frames = [];
  /** @type {Uint8Array | null} */
  let header = null;
  let bytes = 0;
  const keep = (/** @type {ArrayBufferView} */ data) => {
    const part = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(); // lamejs gives Int8Arrays
    if (!part.length) return;
    header ??= part.slice(0, 4);
    bytes += part.length;
    frames.push(new Blob([part]));
  };
  return {
    add(pcm) {
      const samples = new Int16Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) samples[i] = Math.trunc(Math.max(-1, Math.min(1, pcm[i] || 0)) * 32767);
      keep(encoder.encodeBuffer(samples));
    },
    async finish(samples, chapters) {
      keep(encoder.flush());
      if (!header) throw new PocketTTSError('synthesis-failed', 'The MP3 encoder gave no audio.');
      const { size, samples: perFrame } = mp3Header(header);
      if (bytes % size) throw new PocketTTSError('synthesis-failed', 'The MP3 frames are not all of one size.');
      const count = bytes / size;
      const padding = count * perFrame - samples - MP3_ENCODER_DELAY;
      const seconds = samples / sampleRate;
      const marks = chapters.map((c, i) => ({ ...c, end: chapters[i + 1]?.start ?? seconds }));
      const info = infoFrame({ header, frames: count, bytes, delay: MP3_ENCODER_DELAY, padding });
      return new Blob([id3Tag({ chapters: marks }), info, ...frames], { type: 'audio/mpeg' });
    },
    close() {},
  };
}

/** WebVTT with one cue per word (py_core.subtitles.to_vtt): words with start and end in seconds. */
export function wordsVtt(/** @type {Array<{text: string, start: number, end: number}>} */ words) {
  const clock = (/** @type {number} */ seconds) => {
    const ms = Math.round(seconds * 1000);
    const pad = (/** @type {number} */ n, width = 2) => String(n).padStart(width, '0');
    return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
  };
  const cues = words.map((w, i) => `${i + 1}\n${clock(w.start)} --> ${clock(w.end)}\n${w.text}\n`);
  return ['WEBVTT\n', ...cues].join('\n');
}

/**
 * @typedef {object} ExportOptions
 * @property {'auto'|ExportFormat} [format]  'auto' (default): Opus where the browser encodes it, else MP3
 * @property {AbortSignal} [signal]  cancels the export (the generation stops, no file)
 * @property {(progress: ExportProgress) => void} [onProgress]
 */

/**
 * @typedef {object} ExportProgress
 * @property {number} chapter  the chapter being generated (0-based)
 * @property {number} chapters
 * @property {number} fraction  0..1 of the whole text (by characters)
 * @property {number} seconds  audio generated so far
 * @property {number|null} secondsLeft  estimated time to finish (null until it can be told)
 */

/**
 * @typedef {object} ExportResult
 * @property {Blob} audio  the file (audio/ogg or audio/mpeg)
 * @property {ExportFormat} format
 * @property {string|null} vtt  WebVTT, one cue per word (models with word timestamps)
 * @property {Array<{title: string, start: number}>} chapters  where each starts, in seconds
 * @property {number} seconds  the audio's length
 */

/**
 * Generate `chapters` one after the other into one compressed file (PocketTTS.exportAudio).
 * @param {import('./pocket-tts.js').PocketTTS} tts
 * @param {Array<{title: string, text: string}>} chapters
 * @param {ExportOptions & import('./protocol.js').SpeakOptions} options
 * @returns {Promise<ExportResult>}
 */
export async function exportChapters(tts, chapters, options = {}) {
  const { format = 'auto', signal, onProgress, ...speakOptions } = options;
  if (!Array.isArray(chapters) || !chapters.length) throw new PocketTTSError('empty-text', 'Nothing to export: give at least one chapter.');
  chapters.forEach((chapter, i) => {
    if (typeof chapter?.text !== 'string' || !chapter.text.trim()) {
      throw new PocketTTSError('empty-text', `Chapter ${i + 1} has no text to read.`);
    }
  });
  await tts.ready;
  signal?.throwIfAborted();
  const rate = tts.info.sampleRate;
  const opus = await encodesOpus(rate);
  const chosen = format === 'auto' ? (opus ? 'opus' : 'mp3') : format;
  if (chosen === 'opus' && !opus) throw new PocketTTSError('bad-option', 'This browser cannot encode Opus: export as MP3.');
  const writer = await audioFileWriter(/** @type {ExportFormat} */ (chosen), rate, chapters.map((c) => String(c.title ?? '')));
  const characters = chapters.reduce((n, c) => n + c.text.length, 0);
  const started = performance.now();
  /** @type {Array<{title: string, start: number}>} */
  const marks = [];
  /** @type {Array<{text: string, start: number, end: number}>} */
  const words = [];
  let samples = 0;
  let done = 0; // characters of the chapters finished
  const add = (/** @type {Float32Array} */ pcm) => {
    writer.add(pcm);
    samples += pcm.length;
  };
  try {
    for (const [i, chapter] of chapters.entries()) {
      if (i > 0) add(new Float32Array(Math.round(CHAPTER_PAUSE * rate)));
      const offset = samples / rate;
      marks.push({ title: String(chapter.title ?? ''), start: offset });
      const report = (/** @type {number} */ part) => {
        const fraction = (done + part * chapter.text.length) / characters;
        const elapsed = (performance.now() - started) / 1000;
        const secondsLeft = fraction > 0.02 ? (elapsed / fraction) * (1 - fraction) : null;
        onProgress?.({ chapter: i, chapters: chapters.length, fraction, seconds: samples / rate, secondsLeft });
      };
      report(0);
      const utterance = await tts.run(chapter.text, { ...speakOptions, signal }, (event) => {
        if (event.type !== 'audio') return;
        add(event.pcm);
        report(event.progress);
      }).result;
      if (signal?.aborted) throw abortReason(signal);
      for (const word of utterance.words) words.push({ text: word.text, start: word.start + offset, end: word.end + offset });
      done += chapter.text.length;
    }
    add(new Float32Array(Math.round(TAIL * rate)));
    const audio = await writer.finish(samples, marks);
    onProgress?.({ chapter: chapters.length - 1, chapters: chapters.length, fraction: 1, seconds: samples / rate, secondsLeft: 0 });
    const vtt = tts.info.timestamps ? wordsVtt(words) : null;
    return { audio, format: /** @type {ExportFormat} */ (chosen), vtt, chapters: marks, seconds: samples / rate };
  } finally {
    writer.close();
  }
}
