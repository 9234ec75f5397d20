// The <pocket-tts> example: the elements' events are logged into window.__log (the e2e tests read it).
// `?model=<bundle folder>` picks the model (the tests use the tiny synthetic one).
import '../adapters/element.js';

/** @type {any[]} */
const log = [];
/** @type {any} */ (window).__log = log;
const model = new URLSearchParams(location.search).get('model');

for (const element of document.querySelectorAll('pocket-tts')) {
  if (model) element.setAttribute('model', model);
  for (const type of ['ready', 'start', 'word', 'end', 'error']) {
    element.addEventListener(type, (/** @type {any} */ event) => {
      const detail = event.detail instanceof Error ? { code: /** @type {any} */ (event.detail).code, message: event.detail.message } : event.detail;
      log.push({ type, id: element.id, t: performance.now(), detail: type === 'ready' ? { voices: detail.voices } : detail });
    });
  }
}
