// The page: wiring. The engine is the library's (PocketTTS, web/engine/pocket-tts.js), used as any
// page would use it; the panels each own one part of the page: the text and its preview
// (text-panel.js), the voices and the library (voice-panel.js), speaking, playback and read-along
// (playback-panel.js), documents and their reading view (document-panel.js), the model and the advanced
// settings (settings-panel.js), status and errors (status.js), exporting compressed audio
// (export-panel.js). The app's phase (body[data-phase]) is loading | ready | speaking | cloning |
// exporting | error.

import { SUGGEST_SPEED } from '../engine/model-choice.js';
import { PocketTTS } from '../engine/pocket-tts.js';
import { DocumentPanel } from './document-panel.js';
import { PlaybackPanel } from './playback-panel.js';
import { ExportPanel } from './export-panel.js';
import { SettingsPanel } from './settings-panel.js';
import { StatusPanel, formatBytes } from './status.js';
import { installTestHook } from './test-hook.js';
import { TextPanel } from './text-panel.js';
import { VoicePanel } from './voice-panel.js';

export class App {
  constructor() {
    this.baseUrl = new URL(import.meta.env.BASE_URL, location.href).href;
    this.params = new URLSearchParams(location.search);
    this.phase = 'loading';
    /** @type {object[]} test hook: a log of what happened */
    this.events = [];
    this.status = new StatusPanel((event) => this.log(event));
    this.settings = new SettingsPanel(this);
    this.text = new TextPanel(this);
    this.voices = new VoicePanel(this);
    this.playback = new PlaybackPanel(this);
    this.documents = new DocumentPanel(this);
    this.exporter = new ExportPanel(this);
    this.modelNote = ''; // why the model was switched automatically
    const params = this.params;
    this.tts = new PocketTTS({
      runtime: this.baseUrl,
      models: new URL('models/', this.baseUrl).href,
      model: params.get('model') ?? localStorage.getItem('pocket-tts:model') ?? 'auto',
      backend: this.settings.backend,
      threads: this.settings.threads,
      // ?parallel_decoder=1 / =0 forces the decoder worker on or off (for comparisons); else the engine decides.
      parallelDecoder: params.has('parallel_decoder') ? params.get('parallel_decoder') !== '0' : null,
    });
    this.listen(this.tts);
    this.playback.setSpeed(this.playback.speed);
  }

  log(/** @type {object} */ event) {
    this.events.push(event);
  }

  /** @param {PocketTTS} tts */
  listen(tts) {
    const on = (type, handler) => tts.addEventListener(type, (event) => handler(/** @type {CustomEvent} */ (event).detail));
    on('loading', () => {
      this.setPhase('loading');
      this.settings.onLoading();
      this.voices.onLoading();
      this.status.progress(null, 'Starting the engine…');
      this.status.set('Loading the engine…');
    });
    on('status', (text) => {
      this.status.progress(this.phase === 'loading' ? null : this.status.fraction, text);
      if (this.phase === 'loading') this.status.set(text);
    });
    on('progress', (msg) => {
      this.status.progressSoon(msg.allTotal ? msg.allLoaded / msg.allTotal : null,
        `Downloading the model: ${formatBytes(msg.allLoaded)} of ${formatBytes(msg.allTotal)}`, msg.file);
    });
    on('ready', (info) => this.onReady(info));
    on('stored', (msg) => this.log({ type: 'stored', files: msg.files, pythonSnapshot: msg.pythonSnapshot }));
    on('warm', (msg) => {
      this.log({ type: 'warm', seconds: msg.seconds, speed: msg.speed });
      this.settings.labelModels(); // the speed measured here
    });
    on('modelchange', ({ from, to, speed }) => {
      this.modelNote = `Switched to the smaller ${to.display_name}: ${from.display_name} ran at ` +
        `${speed.toFixed(1)}× real time in this browser; the app picks the largest model that runs at ` +
        `${SUGGEST_SPEED}× or faster here (Advanced settings: Model)`;
      this.log({ type: 'model-switch', from: from.path, to: to.path, speed });
    });
    on('damaged', (msg) => {
      this.log({ type: 'damaged', files: msg.files });
      this.status.set(`A model file kept on this device was damaged (${msg.files.join(', ')}): downloading it again…`);
    });
    on('error', (error) => {
      if (error.code === 'disposed') return;
      if (this.phase === 'loading' || error.code === 'engine-crashed') {
        this.setPhase('error');
        this.status.progress(0, 'The model could not be loaded', '');
      }
      this.status.error(error.message, error.cause);
    });
  }

  async start() {
    try {
      await this.tts.start();
    } catch (error) {
      if (this.tts.models.length === 0) {
        this.setPhase('error');
        this.status.progress(0, 'No model', '');
        this.status.error(error.message);
      } // else the 'error' event said it
    }
  }

  /** Start the engine again with other settings (the model picker, backend, threads). */
  restart(/** @type {{model?: string, backend?: 'auto'|'wasm'|'webgpu', threads?: number}} */ changes) {
    this.status.clearError();
    this.modelNote = '';
    this.tts.reload(changes).catch(() => {}); // failures: the 'error' event
  }

  onReady(/** @type {any} */ info) {
    this.log({ type: 'ready', info, at: performance.now() }); // at: ms since the page's navigation start
    this.voices.onReady(info);
    this.exporter.onReady(info);
    const engine = this.settings.onReady(info, this.modelNote);
    this.status.progress(1, 'Ready', '');
    this.status.set(`Ready · ${engine}`);
    this.setPhase('ready');
  }

  setPhase(/** @type {string} */ phase) {
    this.phase = phase;
    document.body.dataset.phase = phase;
    this.update();
    if (phase === 'ready') this.text.prepareSoon(); // after loading, and again after each Speak (it took the last one)
  }

  /** Enable what the phase allows. */
  update() {
    const ready = this.phase === 'ready';
    const busy = this.phase === 'speaking' || this.phase === 'cloning' || this.phase === 'exporting';
    this.text.setEnabled(ready);
    this.voices.setEnabled(ready);
    this.settings.setBusy(busy);
    this.playback.update();
    this.documents.update();
    this.exporter.update();
  }

  /** Ctrl+Enter in the text box. */
  speakNow() {
    if (this.phase !== 'speaking') this.playback.speak();
  }
}

const app = new App();
installTestHook(app);
app.setPhase('loading');
app.start();

if ('serviceWorker' in navigator && import.meta.env.PROD && app.params.get('sw') !== '0') {
  import('virtual:pwa-register')
    .then(({ registerSW }) => {
      const updateSW = registerSW({
        immediate: true,
        onNeedRefresh() {
          document.getElementById('update-banner').hidden = false;
        },
      });
      document.getElementById('update-reload').addEventListener('click', () => updateSW(true));
    })
    .catch((error) => console.warn('service worker registration failed', error));
}
