// PocketTTS: the library's public entry (`import { PocketTTS } from 'pocket-tts-web'`).
//
// It owns the workers: the synthesis worker (web/engine/worker.js: Pyodide running py_core, and the
// onnxruntime-web bridge) and the download worker the page starts for it; every message between the
// page and the engine goes through here (web/engine/protocol.js defines them). Pages, the
// <pocket-tts> element and the Web Speech adapter use only this class.

import { Player } from '../audio/player.js';
import { PocketTTSError, abortReason, asPocketError, workerError } from './errors.js';
import { exportChapters } from './export.js';
import { Channel, WordTimes } from './jobs.js';
import { SUGGEST_SPEED, loadSpeeds, rememberSpeed, smallerModel, startingModel } from './model-choice.js';
import { Reading } from './reading.js';
import { Speech } from './speech.js';
import { Utterance } from './utterance.js';
import { VoiceCollection } from './voice-collection.js';

/**
 * @typedef {object} LoadOptions
 * @property {string|URL} [models]  where the bundles are hosted: the folder of `index.json` (default: `models/` under `runtime`)
 * @property {string} [model]  a bundle's folder as index.json lists it (`path`), or 'auto' (default): the largest
 *   model of the first one's language that runs fast enough on this device (measured, remembered)
 * @property {string|URL} [runtime]  the folder holding pyodide/, ort/, wheels/ and runtime.json (default: the page's base URL)
 * @property {'auto'|'wasm'|'webgpu'} [backend]
 * @property {number} [threads]  WASM threads, 0: automatic
 * @property {boolean|null} [parallelDecoder]  the decoder on a worker of its own (null: automatic)
 * @property {(progress: LoadProgress) => void} [onProgress]
 * @property {AbortSignal} [signal]  aborts the load (the workers are stopped)
 */

/**
 * @typedef {{phase: 'status', text: string} | {phase: 'download', file: string, loaded: number, total: number}} LoadProgress
 */

/**
 * @typedef {import('./protocol.js').SpeakOptions & {signal?: AbortSignal}} CallOptions
 */

/** @typedef {import('./model-choice.js').IndexModel} ModelEntry  a bundle listed in models/index.json */

/** @typedef {{id: string, name: string, source: 'bundle'|'library'}} VoiceInfo */

const storage = () => globalThis.localStorage ?? null;

/**
 * The options that were given: null or undefined means "the default", which py_core fills in (a JS
 * null would reach Python as Pyodide's jsnull, not None).
 * @template {object} T
 * @param {T} options
 * @returns {T}
 */
const given = (options) => /** @type {T} */ (Object.fromEntries(Object.entries(options).filter(([, value]) => value != null)));

export class PocketTTS extends EventTarget {
  /** @param {LoadOptions} options */
  constructor(options = {}) {
    super();
    const runtime = new URL(String(options.runtime ?? './'), globalThis.document?.baseURI ?? location.href).href;
    /** @type {LoadOptions & {runtime: string}} */
    this.options = { backend: 'auto', threads: 0, parallelDecoder: null, ...options, runtime };
    this.modelsUrl = new URL(String(options.models ?? 'models/'), runtime).href;
    /** @type {ModelEntry[]} */
    this.models = [];
    /** @type {ModelEntry | null} */
    this.model = null;
    /** @type {any} the worker's 'ready' info: backend, threads, sampleRate, synthetic, voices, … */
    this.info = null;
    /** Whether the model was picked automatically (it may step down to a smaller one after measuring). */
    this.autoModel = false;
    this.voiceLibrary = new VoiceCollection(this);
    /** @type {Worker | null} */ this.worker = null;
    /** @type {Worker | null} */ this.downloader = null;
    this.downloadWorker = true; // false once a download worker could not start
    /** @type {Map<number, (message: any) => void>} */
    this.jobs = new Map();
    this.nextId = 1;
    /** @type {Speech | Reading | null} the speech or reading the player plays */
    this.speech = null;
    this.speed = 1;
    /** @type {Player | null} */
    this.output = null;
    this.ready = Promise.resolve();
    /** @type {{resolve: (value?: any) => void, reject: (error: unknown) => void} | null} settles `ready` */
    this.started = null;
    this.disposed = false;
  }

  /**
   * Download (with progress), keep on the device and start a model; resolves when it can speak.
   * @param {LoadOptions} [options]
   */
  static async load(options = {}) {
    const tts = new PocketTTS(options);
    const signal = options.signal;
    signal?.throwIfAborted();
    const abort = () => tts.dispose();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await tts.start();
    } catch (error) {
      tts.dispose();
      throw signal?.aborted ? abortReason(signal) : asPocketError(error, 'load-failed');
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    return tts;
  }

  /** The audio output all speech plays through (web/audio/player.js), made at the model's rate. */
  get player() {
    const rate = this.info?.sampleRate ?? 24000;
    if (!this.output || this.output.sampleRate !== rate) {
      this.output?.close();
      this.output = new Player(rate);
      this.output.setSpeed(this.speed);
    }
    return this.output;
  }

  /** The voices to speak with: the bundle's, then this device's library voices made for this model. */
  get voices() {
    /** @type {VoiceInfo[]} */
    const bundled = (this.info?.voices ?? []).map((/** @type {string} */ name) => ({ id: name, name, source: 'bundle' }));
    return [...bundled, ...this.voiceLibrary.voices()];
  }

  /** Read the model index and start the engine (PocketTTS.load does it); resolves when ready. */
  async start() {
    await this.loadIndex();
    await this.restart();
  }

  /** models/index.json: the hosted bundles; picks the model to start with. */
  async loadIndex() {
    const response = await fetch(new URL('index.json', this.modelsUrl));
    if (!response.ok) throw new PocketTTSError('load-failed', `models/index.json: HTTP ${response.status}. Build a bundle first (scripts/build_bundle.py).`);
    const index = await response.json();
    if (!index.models?.length) throw new PocketTTSError('load-failed', 'models/index.json lists no models. Build a bundle first (scripts/build_bundle.py).');
    this.models = index.models;
    const wanted = this.options.model ?? 'auto';
    this.autoModel = wanted === 'auto' || !this.models.some((m) => m.path === wanted);
    const path = this.autoModel ? startingModel(this.models, loadSpeeds(storage() ?? undefined)) : wanted;
    this.model = this.models.find((m) => m.path === path) ?? this.models[0];
  }

  /**
   * Start the engine again with other settings (model, backend, threads); resolves when ready.
   * @param {{model?: string, backend?: 'auto'|'wasm'|'webgpu', threads?: number}} [changes]
   */
  async reload(changes = {}) {
    if (changes.model) {
      this.model = this.models.find((m) => m.path === changes.model) ?? this.model;
      this.autoModel = false;
    }
    Object.assign(this.options, { ...changes, model: this.model?.path });
    await this.restart();
  }

  /** (Re)start the workers for `this.model`; `this.ready` settles when the engine is ready. */
  restart() {
    this.stopSpeech();
    this.worker?.terminate();
    this.downloader?.terminate();
    for (const [, handle] of this.jobs) handle({ type: 'error', message: 'The engine was restarted.', kind: 'AbortError' });
    this.jobs.clear();
    this.info = null;
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'pocket-tts' });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      this.started = { resolve, reject };
    });
    this.ready.catch(() => {}); // reported through load() / 'error' events
    worker.onmessage = ({ data }) => this.onMessage(data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new PocketTTSError('engine-crashed', 'The engine stopped unexpectedly. Reload the page to start it again.', { cause: event.message }));
    };
    const downloads = this.startDownloader(worker);
    const { backend = 'auto', threads = 0, parallelDecoder = null, runtime } = this.options;
    /** @type {import('./protocol.js').InitRequest} */
    const init = { type: 'init', baseUrl: runtime, modelsUrl: this.modelsUrl, modelPath: /** @type {ModelEntry} */ (this.model).path, backend, threads, parallelDecoder, downloads };
    worker.postMessage(init, downloads ? [downloads] : []);
    this.dispatchEvent(new CustomEvent('loading', { detail: { model: this.model } }));
    return this.ready;
  }

  /**
   * The download worker (web/engine/download-worker.js), started by the page for the synthesis
   * worker: in Firefox driven over WebDriver BiDi, a worker starting a worker could block for good
   * (docs/ENGINES.md). Returns the port the synthesis worker talks to it on, or null.
   * @param {Worker} worker
   */
  startDownloader(worker) {
    if (!this.downloadWorker) return null;
    const channel = new MessageChannel();
    this.downloader = new Worker(new URL('./download-worker.js', import.meta.url), { type: 'module', name: 'pocket-tts downloads' });
    this.downloader.onerror = (event) => {
      event.preventDefault();
      this.downloadWorker = false; // start again, downloading on the synthesis worker's thread
      if (this.worker === worker && !this.info) this.restart();
    };
    this.downloader.postMessage(null, [channel.port2]);
    return channel.port1;
  }

  /** A fatal error: the engine cannot go on until restarted. */
  fail(/** @type {PocketTTSError} */ error) {
    this.started?.reject(error);
    this.ready = Promise.reject(error); // later calls fail with it, until a restart
    this.ready.catch(() => {});
    for (const [, handle] of this.jobs) handle({ type: 'error', message: error.message, kind: 'engine-crashed' });
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
  }

  /** @param {import('./protocol.js').Message} msg */
  onMessage(msg) {
    if ('id' in msg && msg.id !== undefined && msg.type !== 'error') {
      this.jobs.get(Number(msg.id))?.(msg);
      return;
    }
    switch (msg.type) {
      case 'status':
        this.options.onProgress?.({ phase: 'status', text: msg.text });
        this.dispatchEvent(new CustomEvent('status', { detail: msg.text }));
        break;
      case 'download':
        this.options.onProgress?.({ phase: 'download', file: msg.file, loaded: msg.allLoaded, total: msg.allTotal });
        this.dispatchEvent(new CustomEvent('progress', { detail: msg }));
        break;
      case 'ready':
        this.info = msg.info;
        this.voiceLibrary.setModel(/** @type {any} */ (msg.info).library).finally(() => {
          this.started?.resolve();
          this.dispatchEvent(new CustomEvent('ready', { detail: msg.info }));
        });
        break;
      case 'stored':
        this.dispatchEvent(new CustomEvent('stored', { detail: msg }));
        break;
      case 'warm':
        if (msg.start) this.player.startBuffer.learn(msg.start); // how this device's starts arrive
        // The speed is remembered first (listeners show it), then a model too slow steps down.
        this.checkModelSpeed(msg.speed, () => this.dispatchEvent(new CustomEvent('warm', { detail: msg })));
        break;
      case 'damaged':
        // The engine ran on a damaged model file: silence what it made, start again (it downloads the file).
        this.dispatchEvent(new CustomEvent('damaged', { detail: msg }));
        this.restart();
        break;
      case 'error':
        if (msg.id !== undefined && this.jobs.has(Number(msg.id))) this.jobs.get(Number(msg.id))?.(msg);
        else if (msg.fatal) this.fail(workerError(msg, 'load-failed'));
        else this.dispatchEvent(new CustomEvent('error', { detail: workerError(msg, 'synthesis-failed') }));
        break;
    }
  }

  /**
   * After the warm-up measured `speed` (× real time): remember it, run `measured` (the 'warm' event),
   * and when the model was picked automatically and runs below SUGGEST_SPEED, step down to the next
   * smaller model of its language ('modelchange'; WebKitGTK ran the full-size model at 0.7× real time).
   * @param {number|null} speed
   * @param {() => void} measured
   */
  checkModelSpeed(speed, measured) {
    const store = storage();
    const model = this.model;
    if (speed === null || !Number.isFinite(speed) || !this.info || !store || !model) {
      measured();
      return;
    }
    const speeds = rememberSpeed(store, model.path, speed);
    measured();
    if (!this.autoModel) return;
    const smaller = smallerModel(this.models, model.path, speed, speeds);
    if (!smaller || this.speech?.active) return;
    const reason = `${model.display_name} ran at ${speed.toFixed(1)}× real time; models below ${SUGGEST_SPEED}× step down`;
    this.dispatchEvent(new CustomEvent('modelchange', { detail: { from: model, to: smaller, speed, reason } }));
    this.model = smaller;
    this.restart();
  }

  /**
   * Post a request that the worker answers under `id`; `handle` gets its messages.
   * @param {object} request
   * @param {(message: any) => void} handle
   * @param {Transferable[]} [transfer]
   */
  send(request, handle, transfer = []) {
    if (this.disposed) throw new PocketTTSError('disposed', 'This PocketTTS was disposed.');
    const id = this.nextId++;
    if (!this.worker) throw new PocketTTSError('engine-crashed', 'The engine is not running.');
    this.jobs.set(id, handle);
    this.worker.postMessage({ ...request, id }, transfer);
    return id;
  }

  /**
   * Post a request and resolve with the worker's one answer to it (an 'error' answer too).
   * @param {object} request
   * @param {Transferable[]} [transfer]
   * @returns {Promise<any>}
   */
  ask(request, transfer = []) {
    return new Promise((resolve) => {
      const id = this.send(request, (msg) => {
        this.jobs.delete(id);
        resolve(msg);
      }, transfer);
    });
  }

  /** Stop generation job `id` (a later job is untouched). */
  cancel(/** @type {number} */ id) {
    this.worker?.postMessage({ type: 'stop', id });
  }

  /**
   * Run one utterance: `onEvent` gets every stream event (and the raw messages as `raw`, each before
   * `words` learns what it says); resolves with the Utterance when the worker is done. The engine's
   * defaults fill the options left out. `words`: the utterance's words mapped onto `text`.
   * @param {string} text
   * @param {CallOptions} options
   * @param {(event: import('./jobs.js').StreamEvent | {type: 'raw', message: any}) => void} onEvent
   * @returns {{id: Promise<number>, result: Promise<Utterance>, words: WordTimes}}
   */
  run(text, options, onEvent) {
    const { signal, ...speakOptions } = options;
    /** @type {(id: number) => void} */
    let resolveId = () => {};
    const id = new Promise((/** @type {(id: number) => void} */ resolve) => (resolveId = resolve));
    const words = new WordTimes(text);
    const result = (async () => {
      if (!String(text ?? '').trim()) throw new PocketTTSError('empty-text', 'Type some text first: there is nothing to say.');
      await this.ready;
      signal?.throwIfAborted();
      const voiceData = this.voiceLibrary.voiceData(speakOptions.voice);
      const utterance = new Utterance(this.info.sampleRate, text);
      return new Promise((resolve, reject) => {
        const onAbort = () => this.cancel(jobId);
        const jobId = this.send({ type: 'speak', text, options: given({ playbackSpeed: this.speed, ...speakOptions }), voiceData }, (msg) => {
          onEvent({ type: 'raw', message: msg });
          if (msg.type === 'words') words.plan(msg.words);
          else if (msg.type === 'chunk') {
            const pcm = msg.pcm;
            utterance.addChunk(msg.wav);
            for (const word of words.add(msg.words)) (utterance.words.push(word), onEvent(word));
            const progress = msg.chunkCount ? (msg.chunkIndex + msg.chunkDone) / msg.chunkCount : 0;
            onEvent({ type: 'audio', pcm, sampleRate: this.info.sampleRate, chunkIndex: msg.chunkIndex, chunkCount: msg.chunkCount, progress });
          } else if (msg.type === 'done') {
            for (const word of words.add(msg.words)) (utterance.words.push(word), onEvent(word));
            utterance.finish(msg);
            finish();
            if (signal?.aborted) reject(abortReason(signal));
            else resolve(utterance);
          } else if (msg.type === 'error') {
            finish();
            reject(workerError(msg, 'synthesis-failed'));
          }
        });
        const finish = () => {
          this.jobs.delete(jobId);
          signal?.removeEventListener('abort', onAbort);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        resolveId(jobId);
      });
    })();
    result.catch(() => resolveId(0));
    return { id, result, words };
  }

  /**
   * The utterance as it is generated: audio chunks and word events, in order.
   * @param {string} text
   * @param {CallOptions} [options]
   * @returns {AsyncGenerator<import('./jobs.js').StreamEvent>}
   */
  async *stream(text, options = {}) {
    const channel = new Channel();
    const { id, result } = this.run(text, options, (event) => {
      if (event.type !== 'raw') channel.push(event);
    });
    result.then(() => channel.close(), (error) => channel.close(error));
    let ended = false;
    try {
      yield* /** @type {AsyncIterable<import('./jobs.js').StreamEvent>} */ (channel);
      ended = true;
    } finally {
      if (!ended) this.cancel(await id); // the caller stopped reading: stop generating
    }
  }

  /**
   * The whole utterance: its samples (`audio`), words, subtitles and `toWav()`.
   * @param {string} text
   * @param {CallOptions} [options]
   */
  async generate(text, options = {}) {
    /** @type {Float32Array[]} */
    const parts = [];
    const utterance = await this.run(text, options, (event) => {
      if (event.type === 'audio') parts.push(event.pcm);
    }).result;
    utterance.setAudio(parts);
    return utterance;
  }

  /**
   * Generate chapters of text, one after the other, into one compressed file with chapter marks:
   * Opus in Ogg where the browser encodes Opus (WebCodecs), else MP3; with the words' subtitles
   * (WebVTT). Progress (with the time left) goes to `onProgress`; `signal` cancels.
   * @param {Array<{title: string, text: string}>} chapters
   * @param {import('./export.js').ExportOptions & import('./protocol.js').SpeakOptions} [options]
   * @returns {Promise<import('./export.js').ExportResult>}
   */
  exportAudio(chapters, options = {}) {
    return exportChapters(this, chapters, options);
  }

  /**
   * Speak `text` through the speakers (call it from a user gesture: browsers allow sound then).
   * Stops what was speaking before. Returns a Speech handle: events, pause/resume/stop.
   * @param {string} text
   * @param {CallOptions} [options]
   */
  speak(text, options = {}) {
    this.stopSpeech();
    this.speech = new Speech(this, text, options);
    return this.speech;
  }

  /**
   * Read a long text through the speakers (call it from a user gesture): `pieces` (sentences or
   * paragraphs, with the chapter they belong to as `group`) are played as one stream, generated a
   * bounded distance ahead of playback (`aheadSeconds`, default 30 s), their audio kept in the device
   * store rather than in the JS heap (`keep: false`: dropped once played). Stops what was speaking
   * before. Returns a Reading handle: events, pause/resume/stop, the WAV of a group kept so far.
   * @param {import('./reading.js').ReadingPiece[]} pieces
   * @param {import('./reading.js').ReadOptions} [options]
   */
  read(pieces, options = {}) {
    this.stopSpeech();
    const reading = new Reading(this, pieces, options);
    this.speech = reading;
    return reading;
  }

  /** Silence and stop the current Speech or Reading, if any. */
  stopSpeech() {
    this.speech?.stop();
  }

  /** Playback speed 0.5–3 (pitch kept), also while speaking; later speech uses it too. */
  setSpeed(/** @type {number} */ speed) {
    this.player.setSpeed(speed); // throws a RangeError outside 0.5–3
    this.speed = speed;
  }

  /**
   * Run the first chunk's prefill of `text` ahead of its Speak (call it while the text is typed):
   * the Speak then starts at its first sampled frame. Resolves true when it ran and is kept.
   * @param {string} text
   * @param {import('./protocol.js').SpeakOptions} [options]
   */
  async prepare(text, options = {}) {
    await this.ready;
    if (!text.trim()) return false;
    const voiceData = this.voiceLibrary.voiceData(options.voice);
    const answer = await this.ask({ type: 'prepare', text, options: given(options), voiceData });
    return answer.type === 'prepared' && answer.ready;
  }

  /**
   * What will be read: the text as planned (normalized, pauses as [pause Ns]) and markup warnings.
   * @param {string} text
   * @param {{normalize?: boolean}} [options]
   * @returns {Promise<{text: string, warnings: string[]}>}
   */
  async preview(text, options = {}) {
    await this.ready;
    const answer = await this.ask({ type: 'preview', text, options });
    if (answer.type === 'error') throw workerError(answer, 'synthesis-failed');
    return { text: answer.text, warnings: answer.warnings };
  }

  /**
   * Clone a voice from a few seconds of speech (30 s at most are used) and keep it in the voice
   * library. `audio`: an audio file (WAV, or any format the browser decodes) or mono samples at the
   * model's sample rate. Resolves with the new voice ({id, name, saved}).
   * @param {Blob|File|Float32Array} audio
   * @param {{name?: string, keepClip?: boolean, signal?: AbortSignal}} [options]
   */
  cloneVoice(audio, options = {}) {
    return this.voiceLibrary.clone(audio, options);
  }

  /**
   * Open a document to listen to: plain text (UTF-8, UTF-16 with a byte-order mark, else Latin-1,
   * which is said in `warnings`), Markdown, HTML or EPUB, by the name's ending (else by its first bytes).
   * py_core reads it in the worker; nothing leaves the device. Resolves with its chapters in reading
   * order; rejects with a PocketTTSError 'bad-document' whose message names what is wrong (DRM, too
   * large, damaged, empty, images only, not text). PDFs are not read here (see the app's pdf-text.js).
   * @param {Blob|File|ArrayBuffer|Uint8Array} source
   * @param {{name?: string}} [options]  the file's name (default: a File's name)
   * @returns {Promise<{title: string|null, format: 'text'|'markdown'|'html'|'epub', encoding: string|null,
   *   warnings: string[], chapters: import('./protocol.js').DocumentChapter[]}>}
   */
  async openDocument(source, options = {}) {
    const name = options.name ?? (source instanceof File ? source.name : 'document.txt');
    const data = source instanceof Blob ? await source.arrayBuffer() : source instanceof Uint8Array ? source.slice().buffer : source.slice(0);
    await this.ready;
    const answer = await this.ask({ type: 'document', name, data }, [data]);
    if (answer.type === 'error') throw workerError(answer, 'bad-document');
    const { title, format, encoding, warnings, chapters } = answer;
    return { title, format, encoding, warnings, chapters };
  }

  /** Stop the workers and the audio; the object cannot be used again. */
  dispose() {
    this.stopSpeech();
    this.output?.close();
    this.disposed = true;
    this.worker?.terminate();
    this.downloader?.terminate();
    this.fail(new PocketTTSError('disposed', 'This PocketTTS was disposed.'));
    this.jobs.clear();
  }
}

export { PocketTTSError } from './errors.js';
/** The largest document `openDocument` takes, in bytes (py_core's limit): check a file's size before reading it. */
export { MAX_DOCUMENT_BYTES } from './speak-options.js';
export { AHEAD_SECONDS, Reading } from './reading.js';
export { Speech } from './speech.js';
export { Utterance } from './utterance.js';
