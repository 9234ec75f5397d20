// The voice picker and the voice library: the bundle's voices and the voices kept on this device
// (PocketTTS.voiceLibrary) in one picker; the library's list (rename, delete, export as
// .safetensors, import); cloning the clip of the ClipPicker. Voices made for another model are
// listed, marked, and refused by py_core with a message naming both models; one whose clip was kept
// can be cloned again for this model.

import { ClipPicker } from './clip-picker.js';
import { formatBytes } from './status.js';

const $ = (id) => document.getElementById(id);

export class VoicePanel {
  /** @param {import('./main.js').App} app */
  constructor(app) {
    this.app = app;
    this.ui = {
      voice: /** @type {HTMLSelectElement} */ ($('voice')),
      cloneSection: $('clone-section'),
      clone: /** @type {HTMLButtonElement} */ ($('clone')),
      name: /** @type {HTMLInputElement} */ ($('clone-name')),
      keepClip: /** @type {HTMLInputElement} */ ($('keep-clip')),
      list: $('library-list'),
      usage: $('library-usage'),
      importFile: /** @type {HTMLInputElement} */ ($('voice-import')),
    };
    this.listening = false; // to the library's changes
    this.clips = new ClipPicker({
      log: (event) => app.log(event),
      showError: (message, detail) => app.status.error(message, detail),
      setStatus: (text) => app.status.set(text),
      changed: () => app.update(),
    });
    this.ui.voice.addEventListener('change', () => {
      localStorage.setItem('pocket-tts:voice', this.ui.voice.value);
      app.text.prepareSoon();
    });
    this.ui.clone.addEventListener('click', () => this.clone());
    this.ui.importFile.addEventListener('change', () => this.importFile());
  }

  /** The chosen voice's id. */
  get value() {
    return this.ui.voice.value;
  }

  /** The chosen voice's name as the picker shows it. */
  get label() {
    return this.ui.voice.selectedOptions[0]?.text ?? this.ui.voice.value;
  }

  get library() {
    return this.app.tts.voiceLibrary;
  }

  setEnabled(/** @type {boolean} */ ready) {
    this.ui.voice.disabled = !ready;
    this.ui.clone.disabled = !ready || !this.clips.clipFile || this.clips.recording;
  }

  /** The engine is starting: no voices until it is ready. */
  onLoading() {
    this.ui.voice.replaceChildren();
    this.ui.cloneSection.hidden = true;
  }

  /** The engine is ready: its voices and the library's, the saved choice picked again. */
  onReady(/** @type {any} */ info) {
    this.ui.cloneSection.hidden = !info.hasVoiceCloning;
    if (!this.listening) this.library.addEventListener('change', () => this.render());
    this.listening = true;
    this.render();
  }

  render() {
    const { info } = this.app.tts;
    if (!info) return;
    const chosen = this.ui.voice.value || localStorage.getItem('pocket-tts:voice');
    const records = this.library.records;
    const options = info.voices.map((name) => new Option(name, name));
    for (const voice of records.map((r) => this.library.describe(r))) {
      options.push(new Option(voice.compatible ? `${voice.name} (my voice)` : `${voice.name} (made for another model)`, voice.id));
    }
    this.ui.voice.replaceChildren(...options);
    this.ui.voice.value = options.some((o) => o.value === chosen) ? chosen : info.defaultVoice;
    this.ui.list.replaceChildren(...records.map((record) => this.row(record)));
    const bytes = records.reduce((n, r) => n + this.library.describe(r).bytes, 0);
    const count = `${records.length} voice${records.length === 1 ? '' : 's'}`;
    this.ui.usage.textContent = `${count} · ${formatBytes(bytes)} on this device`;
    navigator.storage?.estimate?.().then(({ usage, quota }) => {
      if (quota) this.ui.usage.textContent = `${count} · ${formatBytes(bytes)} on this device (this site uses ${formatBytes(usage)} of ${formatBytes(quota)} available)`;
    });
  }

  row(record) {
    const voice = this.library.describe(record);
    const item = document.createElement('li');
    item.dataset.id = record.id;
    const name = document.createElement('input');
    name.type = 'text';
    name.value = record.name;
    name.maxLength = 40;
    name.setAttribute('aria-label', `Name of the voice ${record.name}`);
    const meta = document.createElement('span');
    meta.className = 'library-meta';
    const other = voice.compatible ? '' : ' · made for another model';
    const clip = voice.hasClip ? ' · recording kept' : '';
    const unsaved = voice.saved ? '' : ' · not saved';
    meta.textContent = `${record.modelName} · ${new Date(record.created).toLocaleString()} · ${formatBytes(voice.bytes)}${clip}${other}${unsaved}`;
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
      button('Rename', 'Rename', () => this.act(() => this.library.rename(voice.id, name.value), `Voice renamed to “${name.value.trim()}”`, { type: 'library-renamed', id: record.id })),
      button('Export', 'Export', () => this.exportVoice(voice)),
      button('Delete', 'Delete', () => this.act(() => this.library.delete(voice.id), `Voice “${record.name}” deleted`, { type: 'library-deleted', id: record.id })),
    );
    if (voice.hasClip && !voice.compatible) {
      item.append(button('Clone again', 'Clone again for this model', () => this.reclone(record)));
    }
    return item;
  }

  /** Run a library change; say what happened (or what went wrong). */
  async act(change, done, event) {
    try {
      await change();
      this.app.log(event);
      this.app.status.set(done);
    } catch (error) {
      this.app.status.error(error.message, error);
    }
  }

  exportVoice(voice) {
    const url = URL.createObjectURL(this.library.export(voice.id));
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = `${voice.name.replace(/[^\w.-]+/g, '_')}.safetensors`;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Import a .safetensors voice: py_core checks it. */
  async importFile() {
    const file = this.ui.importFile.files?.[0];
    this.ui.importFile.value = '';
    if (!file) return;
    if (this.app.phase !== 'ready') {
      this.app.status.error('Wait until the engine is ready, then import the voice again.');
      return;
    }
    this.app.status.set(`Importing ${file.name}…`);
    try {
      const voice = await this.library.import(file);
      this.saved(voice);
      this.app.status.set(`Voice “${voice.name}” imported`);
    } catch (error) {
      this.app.status.error(error.message, error);
    }
  }

  /** Clone the recorded or picked clip. */
  clone() {
    const clip = this.clips.clip;
    if (!clip) return;
    const keep = this.ui.keepClip.checked ? { name: clip.file.name, wav: clip.wav() } : null;
    return this.cloneFrom(clip.file, { name: this.ui.name.value.trim() || 'my voice', clip: keep });
  }

  /** A library voice's kept clip, cloned again for this model (the record keeps its id). */
  reclone(record) {
    const file = new File([record.clip.wav], record.clip.name.replace(/\.\w+$/, '') + '.wav', { type: 'audio/wav' });
    return this.cloneFrom(file, { name: record.name, clip: record.clip, recordId: record.id });
  }

  async cloneFrom(file, options) {
    const { app } = this;
    if (app.phase !== 'ready') return;
    app.status.clearError();
    app.setPhase('cloning');
    app.status.set(`Reading ${file.name}…`);
    try {
      const voice = await app.tts.cloneVoice(file, options);
      this.saved(voice);
      this.ui.voice.value = voice.id;
      app.log({ type: 'voice', id: voice.id, name: voice.name });
      app.status.set(`Voice “${voice.name}” is ready`);
      app.status.progress(1, 'Ready', '');
    } catch (error) {
      app.status.progress(0, 'Voice cloning failed', '');
      app.status.error(error.message, error);
    }
    app.setPhase('ready');
  }

  /** A voice went into the library, or could not be saved there (then it lasts as long as the page). */
  saved(voice) {
    if (voice.saveError) {
      this.app.log({ type: 'library-error', message: voice.saveError.message });
      this.app.status.error(`${voice.saveError.message} The voice can be used until the page is closed.`, voice.saveError);
    } else {
      this.app.log({ type: 'library-saved', id: voice.id.slice(4), name: voice.name });
    }
    this.render();
  }
}
