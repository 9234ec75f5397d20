// A page written against the standard Web Speech API (speechSynthesis, SpeechSynthesisUtterance).
// The only Pocket TTS line is the import + installWebSpeech call below: remove it and the page speaks
// with the browser's own voices. Every event is logged into window.__log (the e2e tests read it).
import { installWebSpeech } from '../adapters/web-speech.js'; installWebSpeech(window, { runtime: '../', model: new URLSearchParams(location.search).get('model') ?? undefined });

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
/** @type {any[]} */
const log = [];
/** @type {any} */ (window).__log = log;

function record(/** @type {string} */ type, /** @type {any} */ fields = {}) {
  const entry = { type, t: performance.now(), speaking: speechSynthesis.speaking, pending: speechSynthesis.pending, paused: speechSynthesis.paused, ...fields };
  log.push(entry);
  const item = document.createElement('li');
  item.textContent = `${type}${'text' in fields ? ` “${fields.text}”` : ''}${'error' in fields ? `: ${fields.error}` : ''}`;
  $('log').append(item);
}

function showVoices() {
  const voices = speechSynthesis.getVoices();
  const select = $('voice');
  select.replaceChildren(...voices.map((voice) => new Option(`${voice.name} (${voice.lang})`, voice.voiceURI, voice.default, voice.default)));
  record('voiceschanged', { voices: voices.map((v) => ({ name: v.name, voiceURI: v.voiceURI, lang: v.lang, localService: v.localService, default: v.default })) });
}
speechSynthesis.addEventListener('voiceschanged', showVoices);
showVoices();

$('speak').addEventListener('click', () => {
  const lines = $('text').value.split('\n').filter((/** @type {string} */ line) => line.trim());
  lines.forEach((/** @type {string} */ line, /** @type {number} */ index) => {
    const utterance = new SpeechSynthesisUtterance(line);
    utterance.voice = speechSynthesis.getVoices().find((v) => v.voiceURI === $('voice').value) ?? null;
    utterance.rate = Number($('rate').value);
    const fields = (/** @type {any} */ event) => ({ index, text: line, charIndex: event.charIndex, charLength: event.charLength, elapsedTime: event.elapsedTime, name: event.name });
    utterance.onstart = (event) => record('start', fields(event));
    utterance.addEventListener('boundary', (event) => record('boundary', fields(event)));
    utterance.addEventListener('pause', (event) => record('pause', fields(event)));
    utterance.addEventListener('resume', (event) => record('resume', fields(event)));
    utterance.onend = (event) => record('end', fields(event));
    utterance.onerror = (event) => record('error', { ...fields(event), error: event.error });
    speechSynthesis.speak(utterance);
    record('speak', { index, text: line });
  });
  $('status').textContent = `${lines.length} utterance(s) queued.`;
});
$('pause').addEventListener('click', () => speechSynthesis.pause());
$('resume').addEventListener('click', () => speechSynthesis.resume());
$('cancel').addEventListener('click', () => {
  record('cancel');
  speechSynthesis.cancel();
});
