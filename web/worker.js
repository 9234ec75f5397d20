// The synthesis worker: one Web Worker hosting Pyodide (py_core) and the onnxruntime-web bridge.
//
// Messages from the page (web/main.js):
//   {type: 'init', baseUrl, modelPath, backend, threads, parallelDecoder}  load Python, py_core and a bundle
//   {type: 'speak', id, text, voice, temperature, steps, decodeBatch, seed, normalize}
//   {type: 'preview', id, text, normalize}                  what will be read (no audio)
//   {type: 'stop', id}                                      cancel generation job `id`
//   {type: 'clone', id, name, file, wav (16-bit WAV bytes) | pcm (Float32Array, 24 kHz mono)}
// Messages to the page:
//   {type: 'status', text}                                  what the worker is doing
//   {type: 'download', file, loaded, total, allLoaded, allTotal}
//   {type: 'ready', info}                                   voices, backend, threads, synthetic, ...
//   {type: 'warm', seconds}                                 the background warm-up has ended
//   {type: 'chunk', id, pcm, wav, chunkIndex, chunkCount, chunkDone}  decoded audio: pcm for playback,
//                                                        PCM16 bytes for the WAV, progress in the text chunk
//   {type: 'progress', id, chunkIndex, chunkCount}          a text chunk starts
//   {type: 'done', id, header, samples, seconds, elapsed, stopped}
//   {type: 'voice', id, voice, name}                        a cloned voice is ready (voice: its id)
//   {type: 'error', id, message, fatal}
//   {type: 'notice', id, warnings}                          skipped or clamped pause markup
//   {type: 'preview', id, text, warnings}                   the normalized text, pauses as [pause Ns]

import { Bridge, fetchVerified } from './bridge.js';
import driverSource from './worker_driver.py?raw';

let pyodide;
let bridge;
let driver; // PyProxy of the Python driver module (web/worker_driver.py)
let manifest;
let modelUrl;
let fileUrl;
const loadedVoices = new Set();
let busy = Promise.resolve(); // serializes speak/clone jobs
// Stop: the engine polls cancel.is_set() between flow-LM steps. A stop names the job it stops, so a
// late stop never cancels the next job. For the 'stop' message to arrive at all while Python
// generates, the driver yields one timer task per decoded chunk (hooks.pause): Chromium runs the
// MessageChannel tasks that Pyodide's event loop keeps scheduling ahead of a message from the page,
// and without that yield a Stop waited 0.6 to 1.2 s (measured); with it, about 60 ms.
const cancel = {
  job: 0,
  stopped: 0,
  is_set() {
    return this.stopped >= this.job;
  },
};
// The warm-up after loading ends as soon as the page sends any request.
const warmUpCancel = { wanted: true, is_set: () => !warmUpCancel.wanted };
const WARM_UP_SECONDS = 8;

const post = (message, transfer = []) => self.postMessage(message, transfer);
const status = (text) => post({ type: 'status', text });

function errorMessage(error) {
  // Python exceptions arrive as PythonError with the whole traceback: keep the last line's message.
  const text = String(error?.message ?? error);
  if (error?.type && text.includes('Traceback')) {
    const lines = text.trim().split('\n');
    return lines[lines.length - 1].replace(/^[\w.]+: /, '');
  }
  return text;
}

/**
 * Pyodide and onnxruntime-web are WebAssembly. A Content-Security-Policy without 'wasm-unsafe-eval'
 * (in script-src, or default-src) refuses to compile it, and Pyodide then never finishes loading:
 * check first, and say so.
 */
async function checkWebAssemblyAllowed() {
  try {
    await WebAssembly.compile(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])); // an empty module
  } catch (error) {
    console.error(error);
    throw new Error(
      "This site's security policy does not allow WebAssembly, which the engine needs. " +
        "The host must add 'wasm-unsafe-eval' to the Content-Security-Policy's script-src.",
    );
  }
}

async function loadPython(baseUrl) {
  await checkWebAssemblyAllowed();
  const runtime = await (await fetch(new URL('runtime.json', baseUrl))).json();
  const indexURL = new URL('pyodide/', baseUrl).href;
  status(`Starting Python ${runtime.python} (Pyodide ${runtime.pyodide})…`);
  const { loadPyodide } = await import(/* @vite-ignore */ `${indexURL}pyodide.mjs`);
  // Every URL Pyodide might use points at our own copy: nothing comes from a CDN.
  pyodide = await loadPyodide({ indexURL, packageBaseUrl: indexURL, cdnUrl: indexURL, stdout: console.log, stderr: console.warn });
  status('Installing py_core…');
  await pyodide.loadPackage(`${indexURL}${runtime.micropip}`, { messageCallback: () => {} });
  const micropip = pyodide.pyimport('micropip');
  await micropip.install.callKwargs(new URL(`wheels/${runtime.py_core}`, baseUrl).href, { deps: false });
  micropip.destroy();
  pyodide.FS.writeFile('/home/pyodide/pocket_driver.py', driverSource);
  driver = pyodide.pyimport('pocket_driver');
  return runtime;
}

/** Download the files of `groups`, verified, with progress over all of them. Returns path → bytes. */
async function downloadFiles(groups) {
  const entries = manifest.files.filter((f) => groups.includes(f.download));
  const allTotal = entries.reduce((sum, f) => sum + f.bytes, 0);
  const done = new Map();
  let doneBytes = 0;
  const results = await Promise.all(
    entries.map(async (entry) => {
      const bytes = await fetchVerified(fileUrl(entry), entry, (loaded, total) => {
        done.set(entry.path, loaded);
        doneBytes = [...done.values()].reduce((a, b) => a + b, 0);
        post({ type: 'download', file: entry.path, loaded, total, allLoaded: doneBytes, allTotal });
      });
      return [entry.path, bytes];
    }),
  );
  return new Map(results);
}

/**
 * Drop the service worker's cached copies of this bundle's files that its manifest no longer names
 * (the bundle was rebuilt: new sha256, new URL). The cache name is set in vite.config.js.
 */
async function pruneModelCache() {
  if (typeof caches === 'undefined' || !(await caches.has('pocket-tts-models'))) return;
  const cache = await caches.open('pocket-tts-models');
  const current = new Set(manifest.files.map(fileUrl));
  for (const request of await cache.keys()) {
    if (request.url.startsWith(modelUrl) && !current.has(request.url)) await cache.delete(request);
  }
}

async function init({ baseUrl, modelPath, backend, threads, parallelDecoder }) {
  modelUrl = new URL(`models/${modelPath}`, baseUrl).href;
  // Model files are addressed by content: the service worker caches them cache-first under this URL.
  fileUrl = (entry) => `${new URL(entry.path, modelUrl).href}?sha256=${entry.sha256}`;
  status('Reading the model manifest…');
  const response = await fetch(new URL('manifest.json', modelUrl));
  if (!response.ok) throw new Error(`models/${modelPath}manifest.json: HTTP ${response.status}`);
  const manifestText = await response.text();
  manifest = JSON.parse(manifestText);

  // Python starts while the model files are requested and their sessions created. Measured
  // (bench/ready_timeline.mjs): the download loop makes no progress during Pyodide's synchronous
  // start on this same thread, so the overlap is small until downloads move to another thread.
  const python = loadPython(baseUrl);
  const sessions = (async () => {
    const files = await downloadFiles(['default']);
    status('Creating onnxruntime-web sessions…');
    bridge = new Bridge({ ortBaseUrl: new URL('ort/', baseUrl).href, backend, threads, parallelDecoder });
    const graphs = Object.entries(manifest.graphs)
      .filter(([, g]) => manifest.files.find((f) => f.path === g.file)?.download === 'default')
      .map(([name]) => name);
    await bridge.createSessions(manifest, graphs, (path) => files.get(path));
    return files;
  })();
  const [runtime, files] = await Promise.all([python, sessions]);
  driver.check_manifest(manifestText); // py_core.manifest: schema version, required graphs
  Object.assign(self, { pocketBridge: bridge, pocketPyodide: pyodide }); // for diagnostics and tests

  status('Preparing the voice…');
  const voice = manifest.voices.find((v) => v.name === manifest.default_voice) ?? manifest.voices[0];
  await driver.load(bridge, manifestText, files.get(manifest.tokenizer.file), voice.name, files.get(voice.file));
  loadedVoices.add(voice.name);
  files.clear();
  pruneModelCache().catch((error) => console.warn('could not prune the model cache', error));

  post({
    type: 'ready',
    info: {
      modelId: manifest.model_id,
      displayName: manifest.display_name,
      synthetic: manifest.synthetic,
      voices: manifest.voices.map((v) => v.name),
      defaultVoice: voice.name,
      hasVoiceCloning: Boolean(manifest.has_voice_cloning) && driver.supports_cloning(),
      sampleRate: manifest.audio.sample_rate,
      generation: manifest.generation,
      backend: bridge.backend,
      graphBackends: bridge.graphBackends(),
      fallbacks: bridge.fallbacks,
      adapter: bridge.adapter ?? null,
      threads: bridge.threads,
      parallelDecoder: Boolean(bridge.graphs.mimi_decoder.remote),
      crossOriginIsolated: self.crossOriginIsolated === true,
      versions: runtime,
    },
  });
}

/**
 * Generate a few throw-away utterances right after loading, until the page asks for the engine or
 * WARM_UP_SECONDS pass. Browsers first run WebAssembly through a baseline compiler and optimize hot
 * functions later: measured here, a first utterance ran at 1.0x real time and the fourth at 3.4x.
 * Warming up moves that cost to while the user is still typing.
 */
async function warmUp() {
  const started = performance.now();
  while (performance.now() - started < WARM_UP_SECONDS * 1000 && !warmUpCancel.is_set()) {
    await driver.warm_up(hooks, warmUpCancel);
  }
  post({ type: 'warm', seconds: (performance.now() - started) / 1000 });
}

async function ensureVoice(name) {
  if (loadedVoices.has(name)) return;
  const entry = manifest.voices.find((v) => v.name === name);
  if (!entry) throw new Error(`unknown voice "${name}"`);
  status(`Downloading voice ${name}…`);
  const file = manifest.files.find((f) => f.path === entry.file);
  const bytes = await fetchVerified(fileUrl(file), file, (loaded, total) =>
    post({ type: 'download', file: file.path, loaded, total, allLoaded: loaded, allTotal: total }),
  );
  driver.add_voice(name, bytes);
  loadedVoices.add(name);
}

/** Hooks the Python driver calls while generating (plain JS: Python passes only to_js copies). */
const hooks = {
  chunk(id, pcm, wav, chunkIndex, chunkCount, chunkDone) {
    post({ type: 'chunk', id, pcm, wav, chunkIndex, chunkCount, chunkDone }, [pcm.buffer, wav.buffer]);
  },
  /** One timer task, so that messages from the page (Stop) are handled (see `cancel`). */
  pause() {
    return new Promise((resolve) => setTimeout(resolve, 0));
  },
  notice(id, warnings) {
    post({ type: 'notice', id, warnings });
  },
  progress(id, chunkIndex, chunkCount) {
    post({ type: 'progress', id, chunkIndex, chunkCount });
  },
};

async function speak({ id, text, voice, temperature, steps, decodeBatch, seed, normalize }) {
  cancel.job = id;
  await ensureVoice(voice);
  bridge.timings = {};
  // WebGPU pays a fixed cost per dispatch: decoding a few frames per call is much cheaper per frame.
  const batch = decodeBatch || (bridge.graphs.mimi_decoder.backend === 'webgpu' ? 4 : 1);
  // With the decoder in its own worker, each decoder call runs while the next flow-LM step does.
  const options = { seed: seed ?? undefined, decode_batch: batch, decode_overlap: Boolean(bridge.graphs.mimi_decoder.remote) };
  options.normalize = normalize !== false; // numbers and symbols as words (pause markup is always on)
  const summary = await driver.speak(hooks, id, text, voice, temperature, steps, cancel, options);
  post({ type: 'done', id, ...summary, timings: bridge.timings, liveTensors: bridge.liveTensors() }, [summary.header.buffer]);
}

async function preview({ id, text, normalize }) {
  post({ type: 'preview', id, ...driver.preview(text, normalize !== false) });
}

async function clone({ id, name, file, wav, pcm }) {
  if (!bridge.graphs.mimi_encoder) {
    status('Downloading the voice-cloning encoder…');
    const files = await downloadFiles(['cloning']);
    await bridge.createSessions(manifest, ['mimi_encoder'], (path) => files.get(path));
  }
  status('Encoding the voice…');
  const voice = `clone:${name}`;
  await driver.clone_voice(voice, wav, pcm, file ?? name); // the one not sent is undefined: None in Python
  loadedVoices.add(voice);
  post({ type: 'voice', id, voice, name });
}

self.onmessage = ({ data }) => {
  warmUpCancel.wanted = false;
  if (data.type === 'stop') {
    cancel.stopped = Math.max(cancel.stopped, data.id);
    return;
  }
  const job = { init, speak, clone, preview }[data.type];
  if (!job) return;
  busy = busy.then(async () => {
    try {
      await job(data);
    } catch (error) {
      console.error(error);
      post({ type: 'error', id: data.id, message: errorMessage(error), fatal: data.type === 'init' });
    }
  });
  if (data.type === 'init') {
    warmUpCancel.wanted = true;
    busy = busy.then(() => (driver ? warmUp() : undefined)).catch((error) => console.warn('warm-up failed', error));
  }
};
