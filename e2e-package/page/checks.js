// The clean-room checks (e2e-package/clean-room.test.js): only the package's public API, given the
// PocketTTS class as the page imported it (main.js: from 'pocket-tts-web' through Vite;
// prebuilt-main.js: from the prebuilt folder, no bundler).

const violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(`${event.violatedDirective}: ${event.blockedURI}`);
});

const FRAME = 1920; // samples per 80 ms frame at 24 kHz
const since = (start) => Math.round(performance.now() - start);

async function generated(tts, text, options) {
  const start = performance.now();
  const utterance = await tts.generate(text, options);
  const wav = await utterance.toWav().arrayBuffer();
  return { ms: since(start), samples: utterance.audio.length, reported: utterance.samples, wavBytes: wav.byteLength, seconds: utterance.seconds };
}

/**
 * @param {typeof import('pocket-tts-web').PocketTTS} PocketTTS
 * @param {{runtime?: string}} where  where the runtime is (default: the page's folder)
 */
async function checks(PocketTTS, where) {
  const result = { crossOriginIsolated: globalThis.crossOriginIsolated, frameSize: FRAME, violations };
  let start = performance.now();
  const models = new URL('./models/', location.href).href; // (a relative one is taken from the runtime's folder)
  const tts = await PocketTTS.load({ ...where, models, model: 'english-synthetic-tiny/', backend: 'wasm' });
  result.loadMs = since(start);

  start = performance.now();
  const stream = { chunks: 0, samples: 0, words: 0, firstChunkMs: null };
  for await (const event of tts.stream('Hello there, from a clean room.')) {
    if (event.type === 'audio') {
      stream.firstChunkMs ??= since(start);
      stream.chunks += 1;
      stream.samples += event.pcm.length;
    } else if (event.type === 'word') stream.words += 1;
  }
  stream.ms = since(start);
  result.stream = stream;

  result.generate = await generated(tts, 'The package works in a new app.');

  start = performance.now();
  const wav = await (await fetch('./voice.wav')).blob();
  const voice = await tts.cloneVoice(wav, { name: 'Sine' });
  result.voice = { id: voice.id, name: voice.name, ms: since(start) };
  result.voices = tts.voices.map((v) => v.id);
  result.cloned = await generated(tts, 'Now with the cloned voice.', { voice: voice.id });

  const long = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long text.`).join(' ');
  const controller = new AbortController();
  start = performance.now();
  setTimeout(() => controller.abort(), 300);
  try {
    await tts.generate(long, { signal: controller.signal });
    result.aborted = { name: 'none', ms: since(start) };
  } catch (error) {
    result.aborted = { name: error.name, code: error.code, ms: since(start) };
  }
  result.afterAbort = await generated(tts, 'And it goes on after the abort.');
  tts.dispose();
  return result;
}

/** Run the checks and put their result (or the failure) into #result and body[data-state]. */
export function report(PocketTTS, where = {}) {
  checks(PocketTTS, where).then(
    (result) => {
      document.getElementById('result').textContent = JSON.stringify(result);
      document.body.dataset.state = 'done';
    },
    (error) => {
      console.error(error);
      document.getElementById('result').textContent = JSON.stringify({ error: `${error.name}: ${error.message} (${error.code ?? ''})`, violations });
      document.body.dataset.state = 'failed';
    },
  );
}
