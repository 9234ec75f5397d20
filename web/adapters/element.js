// <pocket-tts>: a play/stop button that reads the element's text aloud with Pocket TTS.
//
//   <pocket-tts runtime="../" voice="alba" speed="1.25" read-along>Text to read.</pocket-tts>
//
// Attributes: `text` (read instead of the content), `voice`, `model` (a bundle's folder as
// models/index.json lists it; default 'auto'), `models` (where index.json is), `runtime` (the folder of
// pyodide/, ort/, wheels/; default the page's folder), `speed` (0.5–3), `read-along` (the word being
// heard is highlighted in the text: the CSS Custom Highlight API, `::highlight(pocket-tts-word)`).
// Events on the element: 'ready' (detail: {voices, info}), 'start', 'word' ({index, text, charIndex,
// charLength, start}: charIndex into the text read), 'end' ({stopped, samples, rendered}), 'error' (a
// PocketTTSError). Keyboard: the button takes Enter/Space; Escape anywhere in the element stops.
// The model loads when the element is connected; elements with the same (models, model, runtime)
// share one PocketTTS, and one speaks at a time (starting one stops the other).
// Styles come from constructable stylesheets (adoptedStyleSheets): the Content-Security-Policy
// allows no inline <style> or style attribute.

import { PocketTTS } from '../engine/pocket-tts.js';

/** @type {Map<string, Promise<PocketTTS>>} one engine per (models, model, runtime) */
const engines = new Map();

const HIGHLIGHT = 'pocket-tts-word';

function sheet(/** @type {string} */ css) {
  const result = new CSSStyleSheet();
  result.replaceSync(css);
  return result;
}

const shadowSheet = sheet(`
  :host { display: block; }
  :host([hidden]) { display: none; }
  button { font: inherit; margin-inline-end: 0.5em; cursor: pointer; }
  .status { font-size: 0.85em; margin-inline-start: 0.5em; }
`);
const documentSheet = sheet(`::highlight(${HIGHLIGHT}) { background-color: #ffe066; color: #000; }`);

export class PocketTTSElement extends HTMLElement {
  static observedAttributes = ['model', 'models', 'runtime', 'text'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [shadowSheet];
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.setAttribute('part', 'button');
    this.button.disabled = true;
    this.status = document.createElement('span');
    this.status.className = 'status';
    this.status.setAttribute('part', 'status');
    this.status.setAttribute('role', 'status'); // aria-live="polite"
    this.status.setAttribute('aria-live', 'polite');
    root.append(this.button, this.status, document.createElement('slot'));
    /** @type {PocketTTS | null} */
    this.tts = null;
    /** @type {import('../engine/speech.js').Speech | null} */
    this.speech = null;
    this.engineKey = '';
    this.setButton(false);
    this.button.addEventListener('click', () => (this.speech ? this.stop() : this.speak()));
    this.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.speech) {
        event.preventDefault();
        this.stop();
      }
    });
  }

  connectedCallback() {
    if (!document.adoptedStyleSheets.includes(documentSheet)) document.adoptedStyleSheets = [...document.adoptedStyleSheets, documentSheet];
    // After the current script: a page script may still set model/runtime attributes.
    queueMicrotask(() => this.connectEngine());
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback(/** @type {string} */ name) {
    if (name !== 'text' && this.isConnected && this.engineKey) this.connectEngine();
  }

  /** The text read: the `text` attribute, or the element's own text. */
  get text() {
    return this.getAttribute('text') ?? this.textContent ?? '';
  }

  /** The shared PocketTTS for this element's attributes (loaded once per key). */
  async connectEngine() {
    if (!this.isConnected) return;
    const base = document.baseURI;
    const runtime = new URL(this.getAttribute('runtime') ?? './', base).href;
    const models = new URL(this.getAttribute('models') ?? 'models/', runtime).href;
    const model = this.getAttribute('model') ?? 'auto';
    const key = JSON.stringify([models, model, runtime]);
    if (key === this.engineKey) return;
    this.stop();
    this.engineKey = key;
    this.tts = null;
    this.button.disabled = true;
    this.setStatus('Loading the voice…');
    if (!engines.has(key)) {
      const loading = PocketTTS.load({ models, model, runtime });
      loading.catch(() => engines.delete(key)); // a later element tries again
      engines.set(key, loading);
    }
    try {
      const tts = await /** @type {Promise<PocketTTS>} */ (engines.get(key));
      if (this.engineKey !== key) return;
      this.tts = tts;
      this.button.disabled = false;
      this.setStatus('');
      this.emit('ready', { voices: tts.voices, info: tts.info });
    } catch (error) {
      if (this.engineKey !== key) return;
      this.setStatus('The voice could not be loaded.');
      this.emit('error', error);
    }
  }

  /** Read the text aloud (call it from a user gesture). */
  speak() {
    const tts = this.tts;
    if (!tts || this.speech) return;
    const text = this.text;
    const speed = Number(this.getAttribute('speed') ?? 1);
    try {
      tts.setSpeed(Number.isFinite(speed) ? Math.min(3, Math.max(0.5, speed)) : 1);
    } catch {
      // keep the engine's speed
    }
    const voice = this.getAttribute('voice') || undefined;
    const speech = tts.speak(text, voice ? { voice } : {});
    this.speech = speech;
    this.setButton(true);
    this.setStatus('Speaking…');
    let rendered = 0;
    speech.addEventListener('playback', (/** @type {any} */ { detail }) => (rendered = detail.stats.rendered));
    speech.addEventListener('start', () => this.emit('start', null));
    speech.addEventListener('word', (/** @type {any} */ { detail }) => {
      if (this.hasAttribute('read-along')) this.highlight(text, detail.charIndex, detail.charLength);
      this.emit('word', detail);
    });
    speech.addEventListener('error', (/** @type {any} */ { detail }) => {
      this.setStatus(detail?.message ?? 'Something went wrong.');
      this.emit('error', detail);
    });
    speech.addEventListener('end', (/** @type {any} */ { detail }) => {
      if (this.speech !== speech) return;
      this.speech = null;
      this.highlight(text, 0, 0);
      this.setButton(false);
      if (this.status.textContent === 'Speaking…') this.setStatus(detail.stopped ? 'Stopped.' : 'Done.');
      speech.result.then(
        (utterance) => this.emit('end', { stopped: detail.stopped, samples: utterance.samples, rendered }),
        () => this.emit('end', { stopped: detail.stopped, samples: 0, rendered }),
      );
    });
  }

  /** Stop reading (silences at once). */
  stop() {
    this.speech?.stop();
  }

  setButton(/** @type {boolean} */ speaking) {
    this.button.textContent = speaking ? 'Stop reading' : 'Read aloud'; // its accessible name
  }

  setStatus(/** @type {string} */ text) {
    this.status.textContent = text;
  }

  emit(/** @type {string} */ type, /** @type {unknown} */ detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Highlight characters [charIndex, charIndex + charLength) of the element's text (0 length: none). */
  highlight(/** @type {string} */ text, /** @type {number} */ charIndex, /** @type {number} */ charLength) {
    const registry = globalThis.CSS?.highlights;
    if (!registry) return;
    const ours = registry.get(HIGHLIGHT);
    if (ours) for (const range of [...ours]) if (this.contains(/** @type {Range} */ (range).startContainer)) ours.delete(range);
    if (!charLength || this.hasAttribute('text') || text !== this.textContent) return; // the attribute's text is not shown
    const range = document.createRange();
    let at = 0;
    let started = false;
    const walker = document.createTreeWalker(this, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = /** @type {Text} */ (node).data.length;
      if (!started && charIndex < at + length) {
        range.setStart(node, charIndex - at);
        started = true;
      }
      if (started && charIndex + charLength <= at + length) {
        range.setEnd(node, charIndex + charLength - at);
        break;
      }
      at += length;
    }
    if (!started) return;
    if (ours) ours.add(range);
    else registry.set(HIGHLIGHT, new Highlight(range));
  }
}

if (!customElements.get('pocket-tts')) customElements.define('pocket-tts', PocketTTSElement);
