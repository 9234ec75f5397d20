// The model and the advanced settings: the model picker (download size and the speed measured in
// this browser), backend, threads, temperature, sampler steps, seed and decoder batch; and the line
// that says which engine runs (backend, threads, decoder thread).

import { loadSpeeds, modelLabel } from '../engine/model-choice.js';
import { formatBytes } from './status.js';

const $ = (id) => document.getElementById(id);

/** @param {any} info  the engine's info (PocketTTS.info) */
export function describeEngine(info) {
  const backends = new Set(Object.values(info.graphBackends));
  const backend = backends.size > 1 ? `WebGPU + WASM (per graph)` : backends.has('webgpu') ? 'WebGPU' : 'WASM';
  const threads = backends.has('wasm') ? ` · ${info.threads} thread${info.threads === 1 ? '' : 's'}` : '';
  const decoder = info.parallelDecoder ? ' · decoder on its own thread' : '';
  const isolation = info.crossOriginIsolated ? '' : ' (page not cross-origin isolated: no threads)';
  return `${backend}${threads}${decoder}${isolation}`;
}

export class SettingsPanel {
  /** @param {import('./main.js').App} app */
  constructor(app) {
    this.app = app;
    this.ui = {
      model: /** @type {HTMLSelectElement} */ ($('model')),
      backend: /** @type {HTMLSelectElement} */ ($('backend')),
      threads: /** @type {HTMLSelectElement} */ ($('threads')),
      temperature: /** @type {HTMLInputElement} */ ($('temperature')),
      temperatureValue: $('temperature-value'),
      steps: /** @type {HTMLInputElement} */ ($('steps')),
      stepsValue: $('steps-value'),
      seed: /** @type {HTMLInputElement} */ ($('seed')),
      decodeBatch: /** @type {HTMLSelectElement} */ ($('decode-batch')),
      engineInfo: $('engine-info'),
      syntheticBanner: $('synthetic-banner'),
    };
    // URL parameters preset the advanced settings (handy for links and tests): ?backend=wasm&threads=1&decode_batch=4
    const params = app.params;
    if (params.get('backend')) this.ui.backend.value = params.get('backend');
    if (params.get('threads')) this.ui.threads.value = params.get('threads');
    if (params.get('decode_batch')) this.ui.decodeBatch.value = params.get('decode_batch');
    this.ui.temperature.addEventListener('input', () => this.syncSliders());
    this.ui.steps.addEventListener('input', () => this.syncSliders());
    this.ui.model.addEventListener('change', () => {
      localStorage.setItem('pocket-tts:model', this.ui.model.value);
      app.restart({ model: this.ui.model.value });
    });
    this.ui.backend.addEventListener('change', () => app.restart({ backend: this.backend }));
    this.ui.threads.addEventListener('change', () => app.restart({ threads: this.threads }));
    this.syncSliders();
  }

  /** @returns {'auto'|'wasm'|'webgpu'} */
  get backend() {
    return /** @type {'auto'|'wasm'|'webgpu'} */ (this.ui.backend.value);
  }

  get threads() {
    return Number(this.ui.threads.value);
  }

  /** The speech options these settings give (SpeakOptions). */
  speakOptions() {
    return {
      temperature: Number(this.ui.temperature.value),
      steps: Number(this.ui.steps.value),
      decodeBatch: Number(this.ui.decodeBatch.value),
      seed: this.ui.seed.value === '' ? null : this.ui.seed.value,
    };
  }

  setBusy(/** @type {boolean} */ busy) {
    this.ui.model.disabled = busy;
    this.ui.backend.disabled = busy;
    this.ui.threads.disabled = busy;
  }

  /** The picker's options: name, download size and the speed measured in this browser. */
  labelModels() {
    const { models, model } = this.app.tts;
    const speeds = loadSpeeds(localStorage);
    // Two bundles may share a display name (e.g. int8 and fp32 builds): tell them apart by folder.
    const names = models.map((m) => m.display_name);
    const shared = (name) => names.indexOf(name) !== names.lastIndexOf(name);
    this.ui.model.replaceChildren(
      ...models.map((m) => {
        const folder = shared(m.display_name) ? ` [${m.path}]` : '';
        const size = m.default_download_bytes ? formatBytes(m.default_download_bytes) : '';
        return new Option(modelLabel(`${m.display_name}${folder}`, size, speeds[m.path]), m.path);
      }),
    );
    if (model) this.ui.model.value = model.path;
  }

  /** The engine is starting: hide what belonged to the last model. */
  onLoading() {
    this.labelModels();
    this.ui.syntheticBanner.hidden = true;
  }

  /** @param {any} info  the engine is ready */
  onReady(info, note = '') {
    if (info.synthetic) {
      this.ui.syntheticBanner.textContent =
        `Synthetic test model — ${info.synthetic.warning ?? 'random weights: noise, not speech'}. ` +
        'Build a bundle from the real checkpoint to hear speech.';
      this.ui.syntheticBanner.hidden = false;
    }
    this.ui.temperature.value = info.generation?.temperature ?? this.ui.temperature.value;
    this.ui.steps.value = info.generation?.sampler_steps ?? this.ui.steps.value;
    // Only the lsd sampler takes steps; the small models' pointwise/drifting heads make a latent in one call.
    this.ui.steps.disabled = (info.generation?.sampler ?? 'lsd') !== 'lsd';
    this.ui.steps.title = this.ui.steps.disabled ? `This model's ${info.generation.sampler} sampler has no steps` : '';
    this.syncSliders();
    const engine = describeEngine(info);
    this.ui.engineInfo.textContent = `${info.displayName} · ${engine}` +
      (info.fallbacks.length ? ` · on WASM: ${info.fallbacks.map((f) => f.split(' ')[0]).join(', ')}` : '') +
      (note ? ` · ${note}` : '');
    return engine;
  }

  syncSliders() {
    this.ui.temperatureValue.textContent = Number(this.ui.temperature.value).toFixed(2);
    this.ui.stepsValue.textContent = this.ui.steps.value;
  }
}
