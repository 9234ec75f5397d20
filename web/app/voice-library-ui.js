// The voice panel: record or pick a clip (length and play-back before cloning), and the library of
// voices kept on this device (web/engine/voice-library.js): listed beside the bundle's voices in the Voice
// picker, renamed, deleted, exported as .safetensors, imported. Voices made for another model are
// listed, marked, and refused by py_core (py_core.voice_library) with a message naming both models;
// one whose clip was kept can be cloned again for this model.
//
// web/app/main.js owns the worker and the clone request; this module owns the clip and the library.

import { AudioFileError, MAX_PROMPT_SECONDS, decodeToMono24k, parseWav, readPromptFile } from '../audio/audio-file.js';
import { Recorder, RecorderError, encodeWav } from '../audio/recorder.js';
import { LibraryError, VoiceLibrary, recordBytes, withName } from '../engine/voice-library.js';

const $ = (id) => document.getElementById(id);
export const LIBRARY_PREFIX = 'lib:';
const MAX_VOICE_FILE_BYTES = 256 * 2 ** 20; // a 24-layer model's 30 s voice is ~100 MB

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

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

export class VoicePanel {
  /**
   * @param {{
   *   voiceSelect: HTMLSelectElement,
   *   post: (message: object, transfer?: Transferable[]) => void,
   *   clone: (request: {file: File, name: string, voiceId: string}) => void,
   *   showError: (message: string, detail?: unknown) => void,
   *   setStatus: (text: string) => void,
   *   log: (event: object) => void,
   *   idle: () => boolean,
   *   changed: () => void,
   * }} app
   */
  constructor(app) {
    this.app = app;
    this.library = new VoiceLibrary();
    this.records = [];
    this.model = null; // {modelId, displayName, manifestSha256} of the loaded bundle
    this.clip = null;
    this.pending = null; // the clone request in flight: {voiceId, name, clip}
    this.player = null;
    this.ui = {
      record: $('record'),
      recordStop: $('record-stop'),
      level: $('record-level'),
      time: $('record-time'),
      file: $('clone-file'),
      name: $('clone-name'),
      clipBox: $('clip'),
      clipInfo: $('clip-info'),
      clipPlay: $('clip-play'),
      keepClip: $('keep-clip'),
      list: $('library-list'),
      usage: $('library-usage'),
      importFile: $('voice-import'),
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
    this.ui.importFile.addEventListener('change', () => this.importFile());
    this.refresh();
  }

  /** The clip to clone (recorded or picked), or null. */
  get clipFile() {
    return this.clip?.file ?? null;
  }

  get recording() {
    return this.recorder.recording;
  }

  // ---------- the clip ----------

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

  // ---------- the library ----------

  /** The engine is ready for `model`: list the library's voices in the Voice picker. */
  async onReady(model) {
    this.model = model;
    await this.refresh();
  }

  /** A new clone request: remembered until the worker answers ('voice' message → saveCloned). */
  cloneRequest(recordId) {
    const record = recordId ? this.records.find((r) => r.id === recordId) : null;
    const id = record?.id ?? crypto.randomUUID();
    const clip = record ? record.clip : this.ui.keepClip.checked && this.clip ? { name: this.clip.file.name, wav: this.clip.wav() } : null;
    this.pending = { voiceId: LIBRARY_PREFIX + id, id, clip, created: record?.created };
    return this.pending.voiceId;
  }

  /** The worker cloned a voice (msg: {voice, name, data}): keep it in the library. */
  async saveCloned({ voice, name, data, meta }) {
    const pending = this.pending?.voiceId === voice ? this.pending : { id: voice.slice(LIBRARY_PREFIX.length), clip: null };
    this.pending = null;
    await this.store({ id: pending.id, name, data, meta, clip: pending.clip });
  }

  async store({ id, name, data, meta, clip = null }) {
    const record = {
      id,
      name,
      modelId: meta.model_id,
      modelName: meta.model_name,
      manifestSha256: meta.manifest_sha256,
      created: meta.created,
      data,
      clip,
    };
    try {
      await this.library.save(record);
      this.app.log({ type: 'library-saved', id, name });
    } catch (error) {
      this.app.log({ type: 'library-error', message: error.message });
      this.app.showError(
        error instanceof LibraryError ? `${error.message} The voice can be used until the page is closed.` : String(error),
        error,
      );
      this.records = this.records.filter((r) => r.id !== id).concat({ ...record, unsaved: true });
      this.render();
      return;
    }
    await this.refresh();
  }

  /** The .safetensors bytes of library voice `voiceId` for the worker, or null (a bundled voice). */
  voiceData(voiceId) {
    if (!voiceId.startsWith(LIBRARY_PREFIX)) return null;
    const record = this.records.find((r) => LIBRARY_PREFIX + r.id === voiceId);
    return record ? { name: record.name, data: record.data } : null;
  }

  compatible(record) {
    return this.model !== null && record.manifestSha256 === this.model.manifestSha256;
  }

  async refresh() {
    try {
      const unsaved = this.records.filter((r) => r.unsaved);
      this.records = [...(await this.library.list()), ...unsaved];
    } catch (error) {
      this.app.showError(error.message, error);
    }
    this.render();
  }

  render() {
    const select = this.app.voiceSelect;
    const chosen = select.value;
    [...select.options].filter((o) => o.value.startsWith(LIBRARY_PREFIX)).forEach((o) => o.remove());
    if (this.model) {
      for (const record of this.records) {
        const label = this.compatible(record) ? `${record.name} (my voice)` : `${record.name} (made for another model)`;
        select.add(new Option(label, LIBRARY_PREFIX + record.id));
      }
      if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
    }
    this.ui.list.replaceChildren(...this.records.map((record) => this.row(record)));
    const bytes = this.records.reduce((n, r) => n + recordBytes(r), 0);
    const count = `${this.records.length} voice${this.records.length === 1 ? '' : 's'}`;
    this.ui.usage.textContent = `${count} · ${formatBytes(bytes)} on this device`;
    navigator.storage?.estimate?.().then(({ usage, quota }) => {
      if (quota) this.ui.usage.textContent = `${count} · ${formatBytes(bytes)} on this device (this site uses ${formatBytes(usage)} of ${formatBytes(quota)} available)`;
    });
  }

  row(record) {
    const item = document.createElement('li');
    item.dataset.id = record.id;
    const name = document.createElement('input');
    name.type = 'text';
    name.value = record.name;
    name.maxLength = 40;
    name.setAttribute('aria-label', `Name of the voice ${record.name}`);
    const meta = document.createElement('span');
    meta.className = 'library-meta';
    const other = this.model && !this.compatible(record) ? ' · made for another model' : '';
    const clip = record.clip ? ' · recording kept' : '';
    const unsaved = record.unsaved ? ' · not saved' : '';
    meta.textContent = `${record.modelName} · ${new Date(record.created).toLocaleString()} · ${formatBytes(recordBytes(record))}${clip}${other}${unsaved}`;
    const button = (text, label, action) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.setAttribute('aria-label', `${label} ${record.name}`);
      b.addEventListener('click', action);
      return b;
    };
    item.append(
      name,
      meta,
      button('Rename', 'Rename', () => this.rename(record, name.value)),
      button('Export', 'Export', () => this.exportVoice(record)),
      button('Delete', 'Delete', () => this.remove(record)),
    );
    if (record.clip && this.model && !this.compatible(record)) {
      item.append(button('Clone again', 'Clone again for this model', () => this.recloneVoice(record)));
    }
    return item;
  }

  async rename(record, wanted) {
    const name = wanted.split(/\s+/).filter(Boolean).join(' ');
    if (!name) {
      this.app.showError('A voice needs a name.');
      return;
    }
    try {
      const data = withName(record.data, name).buffer;
      await this.library.save({ ...record, name, data });
      this.app.log({ type: 'library-renamed', id: record.id, name });
      this.app.setStatus(`Voice renamed to “${name}”`);
    } catch (error) {
      this.app.showError(error.message, error);
    }
    await this.refresh();
  }

  async remove(record) {
    try {
      await this.library.remove(record.id);
      this.app.log({ type: 'library-deleted', id: record.id });
      this.app.setStatus(`Voice “${record.name}” deleted`);
    } catch (error) {
      this.app.showError(error.message, error);
    }
    this.records = this.records.filter((r) => r.id !== record.id);
    await this.refresh();
  }

  exportVoice(record) {
    const url = URL.createObjectURL(new Blob([withName(record.data, record.name)], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${record.name.replace(/[^\w.-]+/g, '_')}.safetensors`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  recloneVoice(record) {
    const file = new File([record.clip.wav], record.clip.name.replace(/\.\w+$/, '') + '.wav', { type: 'audio/wav' });
    this.app.clone({ file, name: record.name, recordId: record.id });
  }

  /** Import a .safetensors voice: py_core checks it in the worker ('import' → 'imported'). */
  async importFile() {
    const file = this.ui.importFile.files?.[0];
    this.ui.importFile.value = '';
    if (!file) return;
    if (!this.app.idle()) {
      this.app.showError('Wait until the engine is ready, then import the voice again.');
      return;
    }
    if (file.size > MAX_VOICE_FILE_BYTES) {
      this.app.showError(`${file.name}: ${formatBytes(file.size)} is too large for a voice file`);
      return;
    }
    const data = await file.arrayBuffer();
    this.app.post({ type: 'import', id: crypto.randomUUID(), file: file.name, data }, [data]);
    this.app.setStatus(`Importing ${file.name}…`);
  }

  /** The worker checked an imported voice: {id, name, data, meta}. */
  async onImported(msg) {
    await this.store(msg);
    this.app.setStatus(`Voice “${msg.name}” imported`);
  }
}
