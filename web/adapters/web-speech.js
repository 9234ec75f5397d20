// The Web Speech API's speech synthesis (https://webaudio.github.io/web-speech-api/), backed by Pocket
// TTS: `installWebSpeech(window, {model, runtime})` puts `speechSynthesis` and `SpeechSynthesisUtterance`
// (and the event classes) on `window` in place of the browser's, so a page written against the standard
// API speaks with Pocket TTS. One PocketTTS is loaded lazily: on the first speak(), getVoices() or
// voiceschanged listener.
//
// As the specification says: speak() appends to a queue spoken one at a time in order; cancel() empties
// the queue and silences the current utterance (its 'error' event says 'interrupted' once it was heard,
// 'canceled' before; queued utterances get 'canceled'; an utterance gets either 'end' or 'error', never
// both); pause()/resume() hold and release the queue; `speaking` is true from an utterance's 'start' to
// its 'end', `pending` while an utterance that has not started is queued.
// Departures: `pitch` is accepted and ignored (the model has no pitch control); `rate` is the playback
// speed, clamped to 0.5–3 (pitch kept), and applies to the whole engine; boundary events are 'word'
// only; `elapsedTime` is in seconds. Not standard: `speechSynthesis.engine` (the PocketTTS once loaded)
// and `speechSynthesis.speakOptions` (PocketTTS speak options for every utterance: seed, temperature, …).

import { PocketTTS } from '../engine/pocket-tts.js';

/** Model languages (models/index.json `language`) as BCP 47 tags. */
const LANGUAGE_TAGS = /** @type {Record<string, string>} */ ({
  english: 'en-US', french: 'fr-FR', german: 'de-DE', spanish: 'es-ES', italian: 'it-IT', portuguese: 'pt-PT',
});
const languageTag = (/** @type {string|undefined} */ language) =>
  LANGUAGE_TAGS[String(language).toLowerCase()] ?? (/^[a-z]{2,3}(-|$)/i.test(String(language)) ? String(language) : 'und');
const primary = (/** @type {string} */ tag) => tag.toLowerCase().split('-')[0];

/** Pocket TTS error codes → SpeechSynthesisErrorEvent `error` values. */
const ERROR_CODES = /** @type {Record<string, string>} */ ({
  'audio-output-unavailable': 'audio-hardware', 'unknown-voice': 'voice-unavailable', 'model-mismatch': 'voice-unavailable',
  'load-failed': 'synthesis-unavailable', manifest: 'synthesis-unavailable', 'engine-crashed': 'synthesis-unavailable',
  disposed: 'synthesis-unavailable', 'bad-option': 'invalid-argument',
});

/** @typedef {{utterance: SpeechSynthesisUtterance, charIndex?: number, charLength?: number, elapsedTime?: number, name?: string}} SpeechSynthesisEventInit */

export class SpeechSynthesisEvent extends Event {
  /** @param {string} type @param {SpeechSynthesisEventInit} init */
  constructor(type, init) {
    super(type);
    this.utterance = init.utterance;
    this.charIndex = init.charIndex ?? 0;
    this.charLength = init.charLength ?? 0;
    this.elapsedTime = init.elapsedTime ?? 0;
    this.name = init.name ?? '';
  }
}

export class SpeechSynthesisErrorEvent extends SpeechSynthesisEvent {
  /** @param {string} type @param {SpeechSynthesisEventInit & {error: string}} init */
  constructor(type, init) {
    super(type, init);
    /** 'canceled', 'interrupted', 'audio-hardware', 'synthesis-failed', … */
    this.error = init.error;
  }
}

/** A voice as getVoices() lists it (SpeechSynthesisVoice's fields). */
export class SpeechSynthesisVoice {
  /** @param {{id: string, name: string}} voice @param {string} lang @param {boolean} isDefault */
  constructor(voice, lang, isDefault) {
    this.voiceURI = `pocket-tts:${voice.id}`;
    this.name = voice.name;
    this.lang = lang;
    this.localService = true; // everything runs on this device
    this.default = isDefault;
    Object.freeze(this);
  }
}

/** Fire `event` on `target`: its listeners, then its `on<type>` property. */
function fire(/** @type {EventTarget & Record<string, any>} */ target, /** @type {Event} */ event) {
  target.dispatchEvent(event);
  target[`on${event.type}`]?.call(target, event);
}

export class SpeechSynthesisUtterance extends EventTarget {
  constructor(text = '') {
    super();
    this.text = String(text);
    this.lang = '';
    /** @type {SpeechSynthesisVoice | null} */
    this.voice = null;
    /** 0–1, through a GainNode after the player's worklet. */
    this.volume = 1;
    /** The playback speed, clamped to 0.5–3 (pitch kept). */
    this.rate = 1;
    /** Accepted and ignored: Pocket TTS has no pitch control. */
    this.pitch = 1;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onstart = null;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onend = null;
    /** @type {((event: SpeechSynthesisErrorEvent) => void) | null} */ this.onerror = null;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onboundary = null;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onpause = null;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onresume = null;
    /** @type {((event: SpeechSynthesisEvent) => void) | null} */ this.onmark = null; // never fired (no SSML marks)
  }
}

/** The volume of `player`'s output: a GainNode put between the worklet and the speakers once. */
const gains = new WeakMap();
function setVolume(/** @type {import('../audio/player.js').Player} */ player, /** @type {number} */ volume) {
  if (!player.context || !player.node) return;
  let gain = gains.get(player);
  if (!gain) {
    gain = player.context.createGain();
    player.node.disconnect();
    player.node.connect(gain).connect(player.context.destination);
    gains.set(player, gain);
  }
  gain.gain.value = Math.min(1, Math.max(0, Number.isFinite(volume) ? volume : 1));
}

/**
 * @typedef {object} Entry  the utterance being spoken
 * @property {SpeechSynthesisUtterance} utterance
 * @property {import('../engine/speech.js').Speech | null} speech
 * @property {boolean} started  its 'start' was fired
 * @property {boolean} done  its 'end' or 'error' was fired
 * @property {number} startedAt  performance.now() at 'start'
 */

export class PocketSpeechSynthesis extends EventTarget {
  /** @param {import('../engine/pocket-tts.js').LoadOptions} loadOptions */
  constructor(loadOptions) {
    super();
    this.loadOptions = loadOptions;
    /** @type {Promise<PocketTTS> | null} */
    this.loading = null;
    /** @type {PocketTTS | null} the engine, once loaded (not standard) */
    this.engine = null;
    /** @type {SpeechSynthesisUtterance[]} queued, not started yet */
    this.queue = [];
    /** @type {Entry | null} */
    this.current = null;
    this.paused = false;
    /** @type {SpeechSynthesisVoice[]} */
    this.voices = [];
    /** @type {((event: Event) => void) | null} */
    this.handler = null;
    /** @type {import('../engine/protocol.js').SpeakOptions} PocketTTS speak options for every utterance (not standard) */
    this.speakOptions = {};
  }

  get speaking() {
    return Boolean(this.current?.started && !this.current.done);
  }

  get pending() {
    return this.queue.length > 0 || Boolean(this.current && !this.current.started);
  }

  get onvoiceschanged() {
    return this.handler;
  }

  set onvoiceschanged(handler) {
    this.handler = handler;
    if (handler) this.load().catch(() => {});
  }

  /** @type {EventTarget['addEventListener']} */
  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    if (type === 'voiceschanged') this.load().catch(() => {});
  }

  /** The PocketTTS (loaded once); the voice list follows its model and its voice library. */
  load() {
    this.loading ??= PocketTTS.load(this.loadOptions).then((tts) => {
      this.engine = tts;
      const update = () => {
        const lang = languageTag(tts.model?.language);
        const fallback = tts.info?.defaultVoice;
        this.voices = tts.voices.map((v) => new SpeechSynthesisVoice(v, lang, v.id === fallback));
        fire(this, new Event('voiceschanged'));
      };
      tts.addEventListener('ready', update); // a restart (another model) changes the list
      tts.voiceLibrary.addEventListener('change', update);
      update();
      return tts;
    });
    return this.loading;
  }

  getVoices() {
    this.load().catch(() => {});
    return [...this.voices];
  }

  /** @param {SpeechSynthesisUtterance} utterance */
  speak(utterance) {
    if (!(utterance instanceof SpeechSynthesisUtterance)) throw new TypeError('speak() takes a SpeechSynthesisUtterance');
    this.queue.push(utterance);
    this.next();
  }

  cancel() {
    const { current, queue } = this;
    this.current = null;
    this.queue = [];
    if (current && !current.done) {
      current.speech?.stop();
      this.finish(current, current.started ? 'interrupted' : 'canceled');
    }
    for (const utterance of queue) fire(utterance, new SpeechSynthesisErrorEvent('error', { utterance, error: 'canceled' }));
  }

  pause() {
    if (this.paused) return;
    this.paused = true;
    this.current?.speech?.pause();
  }

  resume() {
    if (!this.paused) return;
    this.paused = false;
    if (this.current?.speech) this.current.speech.resume();
    else this.next();
  }

  /** Start the first queued utterance, unless one is being spoken or the queue is paused. */
  async next() {
    if (this.current || this.paused || !this.queue.length) return;
    const utterance = /** @type {SpeechSynthesisUtterance} */ (this.queue.shift());
    /** @type {Entry} */
    const entry = { utterance, speech: null, started: false, done: false, startedAt: 0 };
    this.current = entry;
    let tts;
    try {
      tts = await this.load();
    } catch {
      return this.finish(entry, 'synthesis-unavailable');
    }
    if (entry.done) return; // canceled while loading
    const lang = languageTag(tts.model?.language);
    if (utterance.lang && primary(utterance.lang) !== primary(lang) && !utterance.voice) return this.finish(entry, 'language-unavailable');
    const voice = utterance.voice ? this.voices.find((v) => v.voiceURI === utterance.voice?.voiceURI) : null;
    if (utterance.voice && !voice) return this.finish(entry, 'voice-unavailable');
    tts.setSpeed(Math.min(3, Math.max(0.5, Number(utterance.rate) || 1)));
    // The volume needs the audio graph: start it first (a no-op once it runs).
    if (utterance.volume !== 1 || gains.has(tts.player)) {
      await tts.player.start().catch(() => {});
      setVolume(tts.player, Number(utterance.volume));
      if (entry.done) return;
    }
    const speech = tts.speak(utterance.text, { ...this.speakOptions, ...(voice ? { voice: voice.voiceURI.slice('pocket-tts:'.length) } : {}) });
    entry.speech = speech;
    const event = (/** @type {string} */ type, /** @type {Partial<SpeechSynthesisEventInit>} */ init = {}) => {
      if (!entry.done) fire(utterance, new SpeechSynthesisEvent(type, { utterance, elapsedTime: elapsed(entry), ...init }));
    };
    speech.addEventListener('start', () => {
      if (entry.done) return;
      entry.started = true;
      entry.startedAt = performance.now();
      event('start', { elapsedTime: 0 });
    });
    speech.addEventListener('word', (/** @type {any} */ { detail }) => {
      event('boundary', { name: 'word', charIndex: detail.charIndex, charLength: detail.charLength, elapsedTime: detail.start });
    });
    speech.addEventListener('pause', () => event('pause'));
    speech.addEventListener('resume', () => event('resume'));
    speech.addEventListener('error', (/** @type {any} */ { detail }) => {
      if (detail?.code === 'empty-text') return; // nothing to say: 'start' and 'end' (as browsers do)
      speech.stop();
      this.finish(entry, ERROR_CODES[detail?.code] ?? 'synthesis-failed');
    });
    speech.addEventListener('end', () => {
      if (entry.done) return;
      if (!entry.started) event('start', { elapsedTime: 0 });
      entry.done = true;
      fire(utterance, new SpeechSynthesisEvent('end', { utterance, charIndex: utterance.text.length, elapsedTime: elapsed(entry) }));
      this.advance(entry);
    });
    if (this.paused) speech.pause();
  }

  /** `entry` failed (or was canceled): its 'error' event, then the next utterance. */
  finish(/** @type {Entry} */ entry, /** @type {string} */ error) {
    if (entry.done) return;
    entry.done = true;
    const { utterance } = entry;
    fire(utterance, new SpeechSynthesisErrorEvent('error', { utterance, error, elapsedTime: elapsed(entry) }));
    this.advance(entry);
  }

  advance(/** @type {Entry} */ entry) {
    if (this.current !== entry) return;
    this.current = null;
    this.next();
  }
}

const elapsed = (/** @type {Entry} */ entry) => (entry.started ? (performance.now() - entry.startedAt) / 1000 : 0);

/**
 * Put `speechSynthesis`, `SpeechSynthesisUtterance` and the event classes on `target` (the
 * browser's are replaced), backed by Pocket TTS. The options are PocketTTS.load's, and `speak`:
 * PocketTTS speak options for every utterance (temperature, seed, normalize, …; also settable later
 * as `speechSynthesis.speakOptions`). Returns the `speechSynthesis` object.
 * @param {any} [target]
 * @param {import('../engine/pocket-tts.js').LoadOptions & {speak?: import('../engine/protocol.js').SpeakOptions}} [options]
 */
export function installWebSpeech(target = globalThis, { models, model, runtime, speak = {}, ...loadOptions } = {}) {
  const synthesis = new PocketSpeechSynthesis({ models, model, runtime, ...loadOptions });
  synthesis.speakOptions = speak;
  const values = { speechSynthesis: synthesis, SpeechSynthesisUtterance, SpeechSynthesisEvent, SpeechSynthesisErrorEvent, SpeechSynthesisVoice };
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: false });
  }
  return synthesis;
}
