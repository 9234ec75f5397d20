// The clip to clone a voice from: recorded with the microphone (a level and a timer while it runs,
// 30 s at most) or picked from a file (its length checked, the first 30 s used), and played back
// before cloning.

import { AudioFileError, MAX_PROMPT_SECONDS, decodeToMono24k, parseWav, readPromptFile } from '../audio/audio-file.js';
import { Recorder, RecorderError } from '../audio/recorder.js';
import { encodeWav } from '../audio/wav-file.js';

const $ = (id) => document.getElementById(id);

function formatDuration(seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** The first 30 s of a WAV file as a WAV file whose sizes say so (readPromptFile cut it there). */
function trimmedWav(bytes) {
  const wav = parseWav(bytes, 'clip');
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  view.setUint32(4, copy.length - 8, true);
  view.setUint32(wav.dataOffset - 4, copy.length - wav.dataOffset, true);
  return copy.buffer;
}

/**
 * A clip ready to clone: `file` (what main.js sends to the worker), `seconds` used and `total`,
 * `wav()` (a WAV file of the used part, to play and to keep).
 */
async function describeClip(file) {
  const { bytes, pcm16 } = await readPromptFile(file); // header checked, only the first 30 s read
  const head = parseWav(bytes, file.name, false);
  if (head && (head.formatTag === 1 || head.formatTag === 3)) {
    const total = head.dataSize / head.blockAlign / head.sampleRate;
    const wav = pcm16 ? trimmedWav(bytes) : null;
    const pcm = wav ? null : await decodeToMono24k(trimmedWav(bytes), 24000, file.name);
    const seconds = Math.min(total, MAX_PROMPT_SECONDS, pcm ? pcm.length / 24000 : Infinity);
    return { file, seconds, total, wav: () => wav ?? encodeWav(pcm, 24000) };
  }
  let pcm;
  let total;
  try {
    const context = new OfflineAudioContext(1, 1, 24000);
    total = (await context.decodeAudioData(bytes.buffer.slice(0))).duration;
    pcm = await decodeToMono24k(bytes.buffer, 24000, file.name);
  } catch (error) {
    if (error instanceof AudioFileError) throw error;
    throw new AudioFileError(`${file.name}: this is not an audio file the browser can decode (${error.message || error})`);
  }
  return { file, seconds: pcm.length / 24000, total, wav: () => encodeWav(pcm, 24000) };
}

export class ClipPicker {
  /**
   * @param {{
   *   log: (event: object) => void,
   *   showError: (message: string, detail?: unknown) => void,
   *   setStatus: (text: string) => void,
   *   changed: () => void,
   * }} app
   */
  constructor(app) {
    this.app = app;
    /** @type {{file: File, seconds: number, total: number, wav: () => ArrayBuffer} | null} */
    this.clip = null;
    /** @type {AudioContext | null} */
    this.player = null;
    this.ui = {
      record: /** @type {HTMLButtonElement} */ ($('record')),
      recordStop: /** @type {HTMLButtonElement} */ ($('record-stop')),
      level: /** @type {HTMLProgressElement} */ ($('record-level')),
      time: $('record-time'),
      file: /** @type {HTMLInputElement} */ ($('clone-file')),
      clipBox: $('clip'),
      clipInfo: $('clip-info'),
      clipPlay: $('clip-play'),
    };
    this.recorder = new Recorder({
      onLevel: (peak) => (this.ui.level.value = peak),
      onTime: (seconds) => (this.ui.time.textContent = `${seconds.toFixed(1)} s of ${MAX_PROMPT_SECONDS} s`),
      onLimit: () => this.stopRecording(),
    });
    this.ui.record.addEventListener('click', () => this.startRecording());
    this.ui.recordStop.addEventListener('click', () => this.stopRecording());
    this.ui.file.addEventListener('change', () => this.pickFile());
    this.ui.clipPlay.addEventListener('click', () => this.playClip());
  }

  /** The clip to clone (recorded or picked), or null. */
  get clipFile() {
    return this.clip?.file ?? null;
  }

  get recording() {
    return this.recorder.recording;
  }

  async startRecording() {
    if (this.recording) return;
    this.app.log({ type: 'record-start' });
    this.ui.record.disabled = true;
    try {
      await this.recorder.start();
    } catch (error) {
      this.ui.record.disabled = false;
      this.app.showError(error instanceof RecorderError ? error.message : `Recording failed: ${error.message}`, error);
      return;
    }
    this.ui.recordStop.disabled = false;
    this.ui.time.textContent = `0.0 s of ${MAX_PROMPT_SECONDS} s`;
    this.app.setStatus('Recording… press Stop recording when done (30 s at most)');
    this.app.changed();
  }

  async stopRecording() {
    if (!this.recording) return;
    const { samples, sampleRate } = await this.recorder.stop();
    this.ui.record.disabled = false;
    this.ui.recordStop.disabled = true;
    this.ui.level.value = 0;
    this.ui.file.value = '';
    const seconds = samples.length / sampleRate;
    this.app.log({ type: 'recorded', seconds, sampleRate });
    const wav = encodeWav(samples, sampleRate);
    const file = new File([wav], 'recording.wav', { type: 'audio/wav' });
    this.setClip({ file, seconds, total: seconds, wav: () => wav }, 'Recording');
  }

  async pickFile() {
    const file = this.ui.file.files?.[0];
    this.setClip(null);
    if (!file) return;
    try {
      this.setClip(await describeClip(file), file.name);
    } catch (error) {
      this.ui.file.value = '';
      this.app.showError(
        error instanceof AudioFileError ? error.message : `${file.name}: could not read this file (${error.message})`,
        error,
      );
    }
  }

  setClip(clip, label = '') {
    this.clip = clip;
    this.ui.clipBox.hidden = !clip;
    if (clip) {
      const cut = clip.total > clip.seconds + 0.05 ? ` (${formatDuration(clip.total)} long: the first ${MAX_PROMPT_SECONDS} s are used)` : '';
      this.ui.clipInfo.textContent = `${label}: ${clip.seconds.toFixed(1)} s${cut}`;
      this.app.log({ type: 'clip', seconds: clip.seconds, total: clip.total });
    }
    this.app.changed();
  }

  async playClip() {
    if (!this.clip) return;
    this.player?.close();
    this.player = new AudioContext();
    const buffer = await this.player.decodeAudioData(this.clip.wav().slice(0));
    const source = this.player.createBufferSource();
    source.buffer = buffer;
    source.connect(this.player.destination);
    source.onended = () => this.app.log({ type: 'clip-played', seconds: buffer.duration });
    source.start();
  }
}
