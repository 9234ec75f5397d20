// The synthesis worker: one Web Worker hosting Pyodide (py_core) and the onnxruntime-web bridge.
// It routes the page's requests (web/engine/protocol.js defines every message both ways) to the Python
// driver (web/engine/worker_driver.py); model files come from web/engine/model-files.js, sessions from web/engine/bridge.js.

import { Bridge } from './bridge.js';
import { fileEntry } from './manifest.js';
import { ModelFiles } from './model-files.js';
import {
  SITE_ENGINE,
  dropSnapshots,
  fetchSiteSnapshot,
  keepSnapshot,
  openSnapshotStore,
  readSnapshot,
  snapshotKey,
} from './python-snapshot.js';
import { GRAPHS } from './speak-options.js';
import driverSource from './worker_driver.py?raw';

let pyodide;
let bridge;
let driver; // PyProxy of the Python driver module (web/engine/worker_driver.py)
/** @type {ModelFiles} */
let model;
/** @type {import('./manifest.js').Manifest} */
let manifest;
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
let waitingSpeaks = 0; // Speak requests received and not started yet (a prepare then steps aside)
let latestPrepare = 0; // the newest prepare request's id (older ones are stale)
// The warm-up after loading ends as soon as the page sends any request but a prepare.
const warmUpCancel = { wanted: true, is_set: () => !warmUpCancel.wanted };
const WARM_UP_SECONDS = 8;

const post = (message, transfer = []) => self.postMessage(message, { transfer });
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
      { cause: error },
    );
  }
}

/**
 * Start Pyodide with py_core and the driver imported: from this device's snapshot of such a start
 * when one is kept, else from the snapshot shipped with the site when it fits (web/engine/python-snapshot.js),
 * else plainly. Returns the runtime's versions, where Python started from ('device', 'site' or
 * 'plain') and (unless from the device) `keepSnapshot`, which stores the snapshot it started from or
 * made for the next visit.
 */
async function loadPython(baseUrl) {
  await checkWebAssemblyAllowed();
  const runtime = await (await fetch(new URL('runtime.json', baseUrl))).json();
  const indexURL = new URL('pyodide/', baseUrl).href;
  const response = await fetch(new URL(`wheels/${runtime.py_core}`, baseUrl));
  if (!response.ok) throw new Error(`could not download the py_core wheel (HTTP ${response.status})`);
  const wheel = new Uint8Array(await response.arrayBuffer());
  const snapshots = await openSnapshotStore();
  const key = snapshots && (await snapshotKey({ pyodide: runtime.pyodide, wheel, driverSource, engine: navigator.userAgent }));
  let snapshot = snapshots && (await readSnapshot(snapshots, key));
  let start = snapshot ? 'device' : 'plain';
  const site = runtime.python_snapshot;
  if (!snapshot && site && site.key === (await snapshotKey({ pyodide: runtime.pyodide, wheel, driverSource, engine: SITE_ENGINE }))) {
    snapshot = await fetchSiteSnapshot(new URL(site.file, indexURL), site.sha256);
    if (snapshot) start = 'site';
  }

  status(`Starting Python ${runtime.python} (Pyodide ${runtime.pyodide})…`);
  const { loadPyodide } = await import(/* @vite-ignore */ `${indexURL}pyodide.mjs`);
  // Every URL Pyodide might use points at our own copy: nothing comes from a CDN.
  const options = { indexURL, packageBaseUrl: indexURL, cdnUrl: indexURL, stdout: console.log, stderr: console.warn };
  if (snapshot) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot });
    } catch (error) {
      console.warn(`Python did not start from the ${start === 'site' ? "site's snapshot" : 'snapshot kept on this device'}; starting without it`, error);
      if (start === 'device') await dropSnapshots(snapshots);
      snapshot = null;
      start = 'plain';
    }
  }
  pyodide ??= await loadPyodide({ ...options, _makeSnapshot: Boolean(snapshots) });
  status('Installing py_core…');
  // py_core is pure Python with no dependencies: its wheel is unpacked into site-packages as it is
  // (micropip, a package manager, would cost a package load and an import of its own). Files live
  // outside the snapshot (in JS), so this is done after a start from one too.
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  pyodide.unpackArchive(wheel, 'wheel', { extractDir: sitePackages });
  pyodide.FS.writeFile('/home/pyodide/pocket_driver.py', driverSource);
  driver = pyodide.pyimport('pocket_driver');
  // After a plain start the snapshot is taken now, before Python holds any object of this session;
  // the site's snapshot is kept as it is (the next visit reads it from the device, not the network).
  const made = snapshots && start !== 'device' ? (snapshot ?? pyodide.makeMemorySnapshot()) : null;
  return {
    runtime,
    start,
    keepSnapshot: made && (() => keepSnapshot(snapshots, key, made)),
  };
}

/**
 * The decoder worker pays off only when the flow-LM step is long enough to hide a decoder call and
 * its two messages: measured in Chromium (bench/bench_browser.mjs wasm-1t vs wasm-1t-inline), the
 * full-size 1024-wide model ran 29 % faster with it, upstream's 512-wide english_18m 11 % slower and
 * the 112-wide english_2m 40 % slower (first audio 488 vs 134 ms on the 18m).
 */
const PARALLEL_DECODER_MIN_WIDTH = 1024;

/** @param {import('./protocol.js').InitRequest} request */
async function init({ baseUrl, modelsUrl, modelPath, backend, threads, parallelDecoder, downloads }) {
  // Seconds since init began at which each part of the start finished (info.loadSeconds).
  const initStarted = performance.now();
  const loadSeconds = {};
  const finished = (part) => (loadSeconds[part] = +((performance.now() - initStarted) / 1000).toFixed(3));
  model = new ModelFiles(modelsUrl, modelPath, post);
  status('Reading the model manifest…');
  const manifestText = await model.readManifest();
  manifest = model.manifest;

  // Python starts while the model files download on a thread of their own (web/engine/download-worker.js:
  // a download loop on this thread made no progress during Pyodide's synchronous start, measured by
  // bench/ready_timeline.mjs); the sessions are created here once both are done.
  let pythonFailed = false;
  const python = loadPython(baseUrl).then(
    (started) => (finished('python'), started),
    (error) => {
      pythonFailed = true;
      throw error;
    },
  );
  const sessions = (async () => {
    const files = await model.downloadInWorker(['default'], downloads);
    finished('download');
    if (pythonFailed) return files; // the start has failed already (reported): no sessions for nothing
    status('Creating onnxruntime-web sessions…');
    bridge = new Bridge({
      ortBaseUrl: new URL('ort/', baseUrl).href,
      backend,
      threads,
      parallelDecoder: parallelDecoder ?? manifest.model.d_model >= PARALLEL_DECODER_MIN_WIDTH,
    });
    const graphs = Object.entries(manifest.graphs)
      .filter(([, g]) => fileEntry(manifest, g.file).download === 'default')
      .map(([name]) => name);
    await bridge.createSessions(manifest, graphs, (path) => files.get(path));
    finished('sessions');
    return files;
  })();
  const [{ runtime, start, keepSnapshot }, files] = await Promise.all([python, sessions]);
  Object.assign(self, { pocketBridge: bridge, pocketPyodide: pyodide }); // for diagnostics and tests

  status('Preparing the voice…');
  const voice = manifest.voices.find((v) => v.name === manifest.default_voice) ?? manifest.voices[0];
  await driver.load(bridge, manifestText, files.get(manifest.tokenizer.file), voice.name, files.get(voice.file));
  loadedVoices.add(voice.name);
  finished('voice');
  model.pruneCache().catch((error) => console.warn('could not prune the model cache', error));

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
      timestamps: Boolean(manifest.timestamps), // word timestamps (the read-along view)
      generation: manifest.generation,
      backend: bridge.backend,
      graphBackends: bridge.graphBackends(),
      fallbacks: bridge.fallbacks,
      adapter: bridge.adapter ?? null,
      threads: bridge.threads,
      parallelDecoder: decodeOverlap(),
      crossOriginIsolated: self.crossOriginIsolated === true,
      versions: runtime,
      library: driver.library_model(), // {modelId, displayName, manifestSha256}
      loadSeconds, // {python, download, sessions, voice}: when each part of the start was done
      filesFromDevice: model.fromStore, // model files read from the device store, not downloaded
      pythonFromDevice: start === 'device', // Python started from the snapshot kept on this device
      pythonStart: start, // 'device', 'site' (the snapshot shipped with the site) or 'plain'
    },
  });
  // Python's snapshot and the downloaded files go into the device store now, after the start.
  keepOnDevice(keepSnapshot, files).finally(() => files.clear());
  reportDamagedFiles();
}

/**
 * The model files the start took from the device store had their size checked, not their sha256:
 * check it now (after 'ready', or after a failed start), on the download worker's thread. Damaged
 * files were deleted: 'damaged' tells the page to start the engine again, which downloads them anew.
 * Returns whether any was damaged.
 */
async function reportDamagedFiles() {
  let damaged = [];
  try {
    damaged = (await model?.verifyKeptInWorker()) ?? [];
  } catch (error) {
    console.warn('could not check the model files kept on this device', error);
  }
  if (damaged.length > 0) post({ type: 'damaged', files: damaged });
  return damaged.length > 0;
}

/**
 * Store what a later visit starts from: the snapshot of Python's start (web/engine/python-snapshot.js; after
 * a plain start only) and the downloaded model files (web/engine/model-store.js). Posts 'stored'.
 * @param {(() => Promise<boolean>) | null} keepSnapshot
 * @param {Map<string, Uint8Array<ArrayBuffer>>} files
 */
async function keepOnDevice(keepSnapshot, files) {
  let pythonSnapshot = false;
  let kept = [];
  try {
    pythonSnapshot = keepSnapshot ? await keepSnapshot() : false;
    kept = await model.keep(files);
  } catch (error) {
    console.warn('could not keep the start on this device', error);
  }
  post({ type: 'stored', files: kept, pythonSnapshot });
}

/**
 * Generate a few throw-away utterances right after loading, until the page asks for the engine or
 * WARM_UP_SECONDS pass. Browsers first run WebAssembly through a baseline compiler and optimize hot
 * functions later: measured here, a first utterance ran at 1.0x real time and the fourth at 3.4x.
 * Warming up moves that cost to while the user is still typing. The speed of the last utterance
 * that ran to its end (× real time; null when none did) goes to the page: its automatic model choice;
 * and its chunks' [seconds, samples] (`start`): the player's first start hold (web/audio/start-buffer.js).
 */
async function warmUp() {
  const started = performance.now();
  let speed = null;
  let start = null;
  while (performance.now() - started < WARM_UP_SECONDS * 1000 && !warmUpCancel.is_set()) {
    const begun = performance.now();
    const arrivals = await driver.warm_up(hooks, warmUpCancel, decodeOverlap());
    if (!warmUpCancel.is_set()) {
      const samples = arrivals.reduce((sum, [, n]) => sum + n, 0);
      speed = samples / manifest.audio.sample_rate / ((performance.now() - begun) / 1000);
      start = arrivals;
    }
  }
  post({ type: 'warm', seconds: (performance.now() - started) / 1000, speed, start });
}

async function ensureVoice(name) {
  if (loadedVoices.has(name)) return;
  const entry = manifest.voices.find((v) => v.name === name);
  if (!entry) throw new Error(`unknown voice "${name}"`);
  status(`Downloading voice ${name}…`);
  const bytes = await model.downloadFile(entry.file);
  driver.add_voice(name, bytes);
  loadedVoices.add(name);
}

/** Hooks the Python driver calls while generating (plain JS: Python passes only to_js copies). */
const hooks = {
  /** `words`: the word events decided with this audio, [kind, index, start, end] (seconds). */
  chunk(id, pcm, wav, chunkIndex, chunkCount, chunkDone, words) {
    post({ type: 'chunk', id, pcm, wav, chunkIndex, chunkCount, chunkDone, words }, [pcm.buffer, wav.buffer]);
  },
  /** Before the first chunk (bundles with timestamp heads): the words, [word, index, begin, end] in `text`. */
  words(id, text, words) {
    post({ type: 'words', id, text, words });
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

/**
 * Whether the decoder runs while the next flow-LM steps do (py_core DecodePolicy.overlap): when it
 * has a worker of its own. The rest of the decoder's schedule is the speak options' (decodeBatch,
 * playbackSpeed: py_core.speak_request SpeakRequest.decode_policy).
 */
const decodeOverlap = () => Boolean(bridge.graphs[GRAPHS.MIMI_DECODER].remote);

/**
 * A library voice's file the worker may not have yet (refused when made for another model).
 * @param {string} voice
 * @param {{name: string, data: ArrayBuffer|Uint8Array}|null|undefined} voiceData
 */
function ensureLibraryVoice(voice, voiceData) {
  if (!voiceData || loadedVoices.has(voice)) return;
  driver.add_library_voice(voice, voiceData.name, voiceData.data);
  loadedVoices.add(voice);
}

/** @param {import('./protocol.js').SpeakRequest} request */
async function speak({ id, text, options, voiceData }) {
  waitingSpeaks--;
  cancel.job = id;
  const voice = options.voice || manifest.default_voice;
  ensureLibraryVoice(voice, voiceData);
  await ensureVoice(voice);
  bridge.timings = {};
  const summary = await driver.speak(hooks, id, text, options, cancel, decodeOverlap());
  post({ type: 'done', id, ...summary, timings: bridge.timings, liveTensors: bridge.liveTensors() }, [summary.header.buffer]);
}

/**
 * The first chunk's prefill of the text being typed, run ahead of its Speak (py_core
 * Engine.prefill): the Speak then starts at its first sampled frame. Skipped when a Speak is
 * already waiting (it would only delay it), when a newer prepare is queued, and for a voice not
 * loaded yet (then `ready` is false). A failure (empty text, say) is left to the Speak to report.
 * @param {import('./protocol.js').PrepareRequest} request
 */
async function prepare({ id, text, options, voiceData }) {
  const voice = options.voice || manifest.default_voice;
  let ready = false;
  if (waitingSpeaks === 0 && id === latestPrepare) {
    try {
      ensureLibraryVoice(voice, voiceData);
      if (loadedVoices.has(voice)) ready = await driver.prepare(text, options);
    } catch (error) {
      console.debug('prepare skipped:', errorMessage(error));
    }
  }
  post({ type: 'prepared', id, ready });
}

/** @param {import('./protocol.js').PreviewRequest} request */
async function preview({ id, text, options }) {
  post({ type: 'preview', id, ...driver.preview(text, options?.normalize !== false) });
}

/** @param {import('./protocol.js').CloneRequest} request */
async function clone({ id, name, voiceId, file, wav, pcm }) {
  if (!bridge.graphs[GRAPHS.MIMI_ENCODER]) {
    status('Downloading the voice-cloning encoder…');
    const files = await model.download(['cloning']);
    await bridge.createSessions(manifest, [GRAPHS.MIMI_ENCODER], (path) => files.get(path));
    model.keep(files).catch((error) => console.warn('could not keep the encoder on this device', error));
  }
  status('Encoding the voice…');
  const voice = voiceId ?? `clone:${name}`;
  await driver.clone_voice(voice, wav, pcm, file ?? name); // the one not sent is undefined: None in Python
  loadedVoices.add(voice);
  const saved = await driver.cloned_voice_file(voice, name); // for the library: {name, data, meta}
  post({ type: 'voice', id, voice, ...saved }, [saved.data.buffer]);
}

/**
 * A .safetensors voice file to add to the library, checked by py_core (id: the new record's).
 * @param {import('./protocol.js').ImportRequest} request
 */
async function importVoice({ id, file, data }) {
  const checked = driver.import_voice(data, file);
  post({ type: 'imported', id, ...checked }, [checked.data.buffer]);
}

/**
 * A document's chapters, read by py_core (plain text, Markdown, HTML, EPUB).
 * @param {import('./protocol.js').DocumentRequest} request
 */
async function openDocument({ id, name, data }) {
  post({ type: 'document', id, ...driver.open_document(data, name) });
}

/** @param {MessageEvent<import('./protocol.js').Request>} event  a request from the page */
self.onmessage = ({ data }) => {
  if (data.type === 'prepare') latestPrepare = data.id;
  else warmUpCancel.wanted = false; // typing does not end the warm-up; a prepare waits for it
  if (data.type === 'speak') waitingSpeaks++;
  if (data.type === 'stop') {
    cancel.stopped = Math.max(cancel.stopped, data.id);
    return;
  }
  /** @type {Object<string, (request: any) => Promise<void>>} each takes its own request type */
  const jobs = { init, speak, clone, preview, prepare, import: importVoice, document: openDocument };
  const job = jobs[data.type];
  if (!job) return;
  busy = busy.then(async () => {
    try {
      await job(data);
    } catch (error) {
      console.error(error);
      // A start that failed on a damaged stored file (onnxruntime-web refused it, say) starts again.
      if (data.type === 'init' && (await reportDamagedFiles())) return;
      const kind = error?.type ?? error?.name; // a Python exception's class, or a JS error's name (web/engine/errors.js)
      post({ type: 'error', id: 'id' in data ? data.id : undefined, message: errorMessage(error), kind, fatal: data.type === 'init' });
    }
  });
  if (data.type === 'init') {
    warmUpCancel.wanted = true;
    busy = busy.then(() => (driver ? warmUp() : undefined)).catch((error) => console.warn('warm-up failed', error));
  }
};
