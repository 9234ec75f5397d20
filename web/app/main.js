// The page: UI state, the synthesis worker (web/engine/worker.js) and streaming playback (web/audio/player.js).
// The UI thread never runs Python or ONNX: it sends messages to the worker and plays what comes back.

import { Player } from '../audio/player.js';
import { ReadAlong } from './read-along.js';
import { AudioFileError, decodeToMono24k, readPromptFile } from '../audio/audio-file.js';
import { checkSpeed } from '../audio/time-stretch.js';
import { VoicePanel } from './voice-library-ui.js';
import { SUGGEST_SPEED, loadSpeeds, modelLabel, rememberSpeed, smallerModel, startingModel } from '../engine/model-choice.js';

const $ = (id) => document.getElementById(id);
const ui = {
  text: $('text'),
  charCount: $('char-count'),
  model: $('model'),
  voice: $('voice'),
  speak: $('speak'),
  stop: $('stop'),
  download: $('download'),
  downloadVtt: $('download-vtt'),
  readAlong: $('read-along'),
  speed: $('speed'),
  speedValue: $('speed-value'),
  downloadSpeed: $('download-speed'),
  downloadSpeedLabel: $('download-speed-label'),
  progress: $('progress'),
  progressText: $('progress-text'),
  progressDetail: $('progress-detail'),
  status: $('status'),
  engineInfo: $('engine-info'),
  syntheticBanner: $('synthetic-banner'),
  normalize: $('normalize'),
  previewButton: $('preview-button'),
  preview: $('preview'),
  notice: $('notice'),
  errorBanner: $('error-banner'),
  errorText: $('error-text'),
  errorDismiss: $('error-dismiss'),
  updateBanner: $('update-banner'),
  updateReload: $('update-reload'),
  temperature: $('temperature'),
  temperatureValue: $('temperature-value'),
  steps: $('steps'),
  stepsValue: $('steps-value'),
  seed: $('seed'),
  decodeBatch: $('decode-batch'),
  backend: $('backend'),
  threads: $('threads'),
  cloneSection: $('clone-section'),
  cloneFile: $('clone-file'),
  cloneName: $('clone-name'),
  clone: $('clone'),
};

const baseUrl = new URL(import.meta.env.BASE_URL, location.href).href;
const params = new URLSearchParams(location.search);

const state = {
  worker: null,
  downloader: null, // the download worker of the current start (startDownloader)
  downloadWorker: true, // false once a download worker could not start
  info: null, // the worker's 'ready' info
  phase: 'loading', // loading | ready | speaking | cloning | error
  job: 0, // id of the current speak/clone request
  wavParts: [], // Blobs of PCM16 data, one per chunk (kept out of the JS heap)
  samples: 0,
  startedAt: 0,
  firstChunkAt: 0,
  stopRequestedAt: 0,
  downloadUrl: null,
  wavBlob: null, // the last utterance's WAV (for "Download WAV at N×")
  wavHeaderBytes: 0, // its header's size (a click in the read-along view replays from its PCM)
  vttUrl: null, // the last utterance's subtitles (.vtt), when the model has timestamps
  heardFrom: 0, // seconds of the utterance where the current playback started (a replay from a word)
  heard: 0, // the utterance's position being heard, in seconds (what the highlight was chosen for)
  highlight: false, // the read-along view follows playback (off after Stop and once drained)
  preparingWav: false, // a WAV at a speed is being made
  speed: 1, // playback speed (pitch kept)
  playing: false, // audio of the current utterance is still to be heard (Stop and the media controls act)
  player: null,
  audioOut: true, // false while the current utterance has no audio output (it still goes to the WAV)
  audioSettled: Promise.resolve(true), // the current utterance's audio output: started (true) or not
  models: [], // models/index.json's list
  autoModel: null, // {note}: the model was chosen automatically (no ?model=, none saved)
  lastResult: null,
  events: [], // test hook: a log of what happened
  capture: params.get('capture') === 'pcm' ? [] : null, // test hook: float PCM copies (?capture=pcm)
};

// The text with the word being heard highlighted; a click on a word replays from it.
const readAlong = new ReadAlong(ui.readAlong, (seconds) => replayFrom(seconds));

// ---------- small helpers ----------

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function setStatus(text) {
  ui.status.textContent = text;
}

/** The progress bar and its two labels, written now (and any coalesced update dropped). */
function setProgress(fraction, text, detail = '') {
  clearTimeout(progressUpdate.timer);
  progressUpdate.timer = 0;
  if (fraction === null) ui.progress.removeAttribute('value');
  else ui.progress.value = Math.max(0, Math.min(1, fraction));
  if (ui.progressText.textContent !== text) ui.progressText.textContent = text;
  if (ui.progressDetail.textContent !== detail) ui.progressDetail.textContent = detail;
}

// Download and generation progress arrive many times a second. Every write to the page makes the
// browser restyle, lay out and paint on the main thread, and on a two-core machine that time is
// taken from the model's workers: such updates are coalesced to one write per PROGRESS_INTERVAL_MS.
const PROGRESS_INTERVAL_MS = 250;
const progressUpdate = { timer: 0, args: /** @type {Parameters<typeof setProgress>} */ ([null, '']) };

/** `setProgress` within PROGRESS_INTERVAL_MS, with the latest values by then. */
function setProgressSoon(...args) {
  progressUpdate.args = /** @type {Parameters<typeof setProgress>} */ (args);
  if (progressUpdate.timer) return;
  progressUpdate.timer = setTimeout(() => setProgress(...progressUpdate.args), PROGRESS_INTERVAL_MS);
}

const SHOWN_ERROR_LENGTH = 240;
const NO_AUDIO_MESSAGE =
  'No sound: the audio output did not start (no audio device, or it is busy). ' +
  'The speech is still being generated: download the WAV when it is done.';

/**
 * Tell the user what went wrong in a short, plain sentence. `detail` (an Error, an event: URLs,
 * stacks) goes to the console only; so does the rest of an over-long message (a library's error text
 * may carry a URL or a base64 blob), which the banner cuts at a word.
 */
function showError(message, detail) {
  if (detail !== undefined) console.error(message, detail);
  if (message.length > SHOWN_ERROR_LENGTH) {
    console.error(message);
    const cut = message.slice(0, SHOWN_ERROR_LENGTH);
    message = `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1))}… (details in the browser console)`;
  }
  ui.errorText.textContent = message;
  ui.errorBanner.hidden = false;
  setStatus(`Error: ${message}`);
  state.events.push({ type: 'error', message });
}

/** Markup warnings (skipped or clamped pauses) as a notice under the text; none hides it. */
function showNotice(warnings) {
  ui.notice.textContent = warnings.length ? `Note: ${warnings.join(' · ')}` : '';
  ui.notice.hidden = !warnings.length;
}

// While the text is typed (and once the model is ready), the worker runs the first chunk's prefill
// ahead of Speak (web/engine/worker.js `prepare`): a Speak of that text in that voice starts at its first
// sampled frame. Sent once typing pauses for PREPARE_DELAY_MS; at once for pasted or dropped text,
// which arrives whole (the hand then moves to Speak: the prefill runs meanwhile).
const PREPARE_DELAY_MS = 400;
const WHOLE_TEXT_INPUTS = new Set(['insertFromPaste', 'insertFromDrop']);
let prepareTimer = 0;
let prepareJob = 0;

/** @param {Event} [event]  the text's input event, if that is what changed */
function prepareSoon(event) {
  clearTimeout(prepareTimer);
  const whole = event instanceof InputEvent && WHOLE_TEXT_INPUTS.has(event.inputType);
  prepareTimer = setTimeout(() => {
    if (state.phase !== 'ready' || !ui.text.value.trim()) return;
    prepareJob += 1;
    const request = { type: 'prepare', id: prepareJob, text: ui.text.value, options: speakOptions() };
    state.worker.postMessage(request);
  }, whole ? 0 : PREPARE_DELAY_MS);
}

/** Ask the worker what will be read: the normalized chunks, pauses as [pause Ns]. */
function requestPreview() {
  if (state.phase !== 'ready') return;
  state.previewJob = (state.previewJob ?? 0) + 1;
  state.worker.postMessage({ type: 'preview', id: state.previewJob, text: ui.text.value, normalize: ui.normalize.checked });
}

function clearError() {
  ui.errorBanner.hidden = true;
  ui.errorText.textContent = '';
}

function updateButtons() {
  const ready = state.phase === 'ready';
  const speaking = state.phase === 'speaking';
  const busy = speaking || state.phase === 'cloning';
  ui.speak.disabled = !ready;
  ui.previewButton.disabled = !ready;
  ui.stop.disabled = !speaking && !state.playing;
  ui.voice.disabled = !ready;
  ui.model.disabled = busy;
  ui.backend.disabled = busy;
  ui.threads.disabled = busy;
  ui.clone.disabled = !ready || !voices.clipFile || voices.recording;
  const canDownload = Boolean(state.downloadUrl) && !speaking;
  ui.download.setAttribute('aria-disabled', String(!canDownload));
  ui.download.tabIndex = canDownload ? 0 : -1;
  if (!canDownload) ui.download.removeAttribute('href');
  else ui.download.href = state.downloadUrl;
  const canVtt = Boolean(state.vttUrl) && !speaking;
  ui.downloadVtt.hidden = !state.info?.timestamps;
  ui.downloadVtt.setAttribute('aria-disabled', String(!canVtt));
  ui.downloadVtt.tabIndex = canVtt ? 0 : -1;
  if (!canVtt) ui.downloadVtt.removeAttribute('href');
  else ui.downloadVtt.href = state.vttUrl;
  ui.downloadSpeed.hidden = !state.wavBlob || state.speed === 1;
  ui.downloadSpeed.disabled = !canDownload || state.preparingWav;
}

function setPhase(phase) {
  state.phase = phase;
  document.body.dataset.phase = phase;
  updateButtons();
  if (phase === 'ready') prepareSoon(); // after loading, and again after each Speak (it took the last one)
}

function describeEngine(info) {
  const backends = new Set(Object.values(info.graphBackends));
  const backend = backends.size > 1 ? `WebGPU + WASM (per graph)` : backends.has('webgpu') ? 'WebGPU' : 'WASM';
  const threads = backends.has('wasm') ? ` · ${info.threads} thread${info.threads === 1 ? '' : 's'}` : '';
  const decoder = info.parallelDecoder ? ' · decoder on its own thread' : '';
  const isolation = info.crossOriginIsolated ? '' : ' (page not cross-origin isolated: no threads)';
  return `${backend}${threads}${decoder}${isolation}`;
}

// ---------- models and the worker ----------

async function loadModelIndex() {
  const response = await fetch(new URL('models/index.json', baseUrl));
  if (!response.ok) throw new Error(`models/index.json: HTTP ${response.status}. Build a bundle first (scripts/build_bundle.py).`);
  const index = await response.json();
  if (!index.models?.length) throw new Error('models/index.json lists no models. Build a bundle first (scripts/build_bundle.py).');
  state.models = index.models;
  labelModels();
  const wanted = params.get('model') ?? localStorage.getItem('pocket-tts:model');
  if (wanted && index.models.some((m) => m.path === wanted)) ui.model.value = wanted;
  else {
    // Nobody chose: the largest model not measured too slow in this browser (web/engine/model-choice.js).
    state.autoModel = { note: '' };
    ui.model.value = startingModel(index.models, loadSpeeds(localStorage));
  }
  return index;
}

/** The model picker's options: name, download size and the speed measured in this browser. */
function labelModels(speeds = loadSpeeds(localStorage)) {
  // Two bundles may share a display name (e.g. int8 and fp32 builds): tell them apart by folder.
  const names = state.models.map((m) => m.display_name);
  const shared = (name) => names.indexOf(name) !== names.lastIndexOf(name);
  const chosen = ui.model.value;
  ui.model.replaceChildren(
    ...state.models.map((m) => {
      const folder = shared(m.display_name) ? ` [${m.path}]` : '';
      const size = m.default_download_bytes ? formatBytes(m.default_download_bytes) : '';
      return new Option(modelLabel(`${m.display_name}${folder}`, size, speeds[m.path]), m.path);
    }),
  );
  if (chosen) ui.model.value = chosen;
}

/**
 * After the warm-up measured `speed` (× real time) of the loaded model in this browser: remember it
 * (the picker shows it; the next visit starts with a model fast enough here) and, when the model was
 * chosen automatically and runs below SUGGEST_SPEED, switch to the next smaller model of the same
 * language and say why (WebKitGTK ran the full-size model at 0.7× real time). Each switch is
 * measured again.
 */
function checkModelSpeed(speed) {
  if (!Number.isFinite(speed) || state.phase !== 'ready') return;
  const current = ui.model.value;
  const speeds = rememberSpeed(localStorage, current, speed);
  labelModels(speeds);
  if (!state.autoModel) return;
  const smaller = smallerModel(state.models, current, speed, speeds);
  if (!smaller) return;
  const from = state.models.find((m) => m.path === current);
  state.autoModel.note = `Switched to the smaller ${smaller.display_name}: ${from.display_name} ran at ` +
    `${speed.toFixed(1)}× real time in this browser; the app picks the largest model that runs at ` +
    `${SUGGEST_SPEED}× or faster here (Advanced settings: Model)`;
  state.events.push({ type: 'model-switch', from: current, to: smaller.path, speed });
  ui.model.value = smaller.path;
  startWorker();
}

function startWorker() {
  state.worker?.terminate();
  state.downloader?.terminate();
  state.info = null;
  state.job++;
  setPhase('loading');
  ui.syntheticBanner.hidden = true;
  ui.cloneSection.hidden = true;
  ui.voice.replaceChildren();
  setProgress(null, 'Starting the engine…');
  setStatus('Loading the engine…');
  const worker = new Worker(new URL('../engine/worker.js', import.meta.url), { type: 'module', name: 'pocket-tts' });
  worker.onmessage = ({ data }) => onWorkerMessage(data);
  worker.onerror = (event) => {
    event.preventDefault();
    setPhase('error');
    showError('The engine stopped unexpectedly. Reload the page to start it again.', event.message || event);
  };
  state.worker = worker;
  const downloads = startDownloader(worker);
  worker.postMessage(
    {
      type: 'init',
      baseUrl,
      modelPath: ui.model.value,
      backend: ui.backend.value,
      threads: Number(ui.threads.value),
      // ?parallel_decoder=1 / =0 forces the decoder worker on or off (for comparisons); else the worker decides.
      parallelDecoder: params.has('parallel_decoder') ? params.get('parallel_decoder') !== '0' : null,
      downloads,
    },
    downloads ? [downloads] : [],
  );
}

/**
 * Start the download worker (web/engine/download-worker.js) for the synthesis worker `worker`; returns the
 * port that `worker` talks to it on, or null (then it downloads on its own thread). The page starts
 * it, not the synthesis worker, to work around a Firefox bug: driven over WebDriver BiDi (ESR 153), a
 * worker that starts a worker can block for good in `new Worker`, or miss the new worker's message.
 * That was the engine journeys' first-visit stall (3 loads of 93 measured); in a test page, a worker
 * starting 100 workers one after the other hung in 4 runs of 4, while workers started by the page
 * and joined by MessageChannels ran 400 rounds of 400 (docs/ENGINES.md).
 */
function startDownloader(worker) {
  if (!state.downloadWorker) return null;
  const channel = new MessageChannel();
  state.downloader = new Worker(new URL('../engine/download-worker.js', import.meta.url), { type: 'module', name: 'pocket-tts downloads' });
  state.downloader.onerror = (event) => {
    // A download worker that cannot start: start again, downloading on the synthesis worker's thread.
    event.preventDefault();
    state.downloadWorker = false;
    if (state.worker === worker && state.phase === 'loading') startWorker();
  };
  state.downloader.postMessage(null, [channel.port2]);
  return channel.port1;
}

/** @param {import('../engine/protocol.js').Message} msg  a message from the worker (web/engine/protocol.js) */
function onWorkerMessage(msg) {
  switch (msg.type) {
    case 'status':
      setProgress(state.phase === 'loading' ? null : ui.progress.value, msg.text);
      if (state.phase === 'loading') setStatus(msg.text);
      break;
    case 'download':
      setProgressSoon(
        msg.allTotal ? msg.allLoaded / msg.allTotal : null,
        `Downloading the model: ${formatBytes(msg.allLoaded)} of ${formatBytes(msg.allTotal)}`,
        msg.file,
      );
      break;
    case 'ready':
      onReady(msg.info);
      break;
    case 'stored':
      state.events.push({ type: 'stored', files: msg.files, pythonSnapshot: msg.pythonSnapshot });
      break;
    case 'damaged':
      // The engine ran on a damaged model file: silence anything it made, start it again (it downloads the file).
      state.events.push({ type: 'damaged', files: msg.files });
      stop();
      startWorker();
      setStatus(`A model file kept on this device was damaged (${msg.files.join(', ')}): downloading it again…`);
      break;
    case 'warm':
      state.events.push({ type: 'warm', seconds: msg.seconds, speed: msg.speed });
      checkModelSpeed(msg.speed);
      break;
    case 'progress':
      if (msg.id === state.job) onSynthesisProgress(msg.chunkIndex, msg.chunkCount);
      break;
    case 'words':
      if (msg.id === state.job) readAlong.plan(msg.text, msg.words);
      break;
    case 'chunk':
      if (msg.id === state.job) onChunk(msg);
      break;
    case 'done':
      if (msg.id === state.job) onDone(msg);
      break;
    case 'notice':
      if (msg.id === state.job) showNotice(msg.warnings);
      break;
    case 'prepared':
      state.events.push({ type: 'prepared', id: msg.id, ready: msg.ready });
      break;
    case 'preview':
      if (msg.id === state.previewJob) {
        ui.preview.textContent = msg.text;
        ui.preview.hidden = false;
        showNotice(msg.warnings);
      }
      break;
    case 'voice':
      onVoiceCloned(msg);
      break;
    case 'imported':
      voices.onImported(msg);
      break;
    case 'error':
      onWorkerError(msg);
      break;
  }
}

function onReady(info) {
  state.info = info;
  state.events.push({ type: 'ready', info, at: performance.now() }); // at: ms since the page's navigation start
  ui.voice.replaceChildren(...info.voices.map((name) => new Option(name, name)));
  const savedVoice = localStorage.getItem('pocket-tts:voice');
  ui.voice.value = info.voices.includes(savedVoice) ? savedVoice : info.defaultVoice;
  if (info.synthetic) {
    ui.syntheticBanner.textContent =
      `Synthetic test model — ${info.synthetic.warning ?? 'random weights: noise, not speech'}. ` +
      'Build a bundle from the real checkpoint to hear speech.';
    ui.syntheticBanner.hidden = false;
  }
  ui.cloneSection.hidden = !info.hasVoiceCloning;
  voices.onReady(info.library).then(() => {
    if (savedVoice && [...ui.voice.options].some((o) => o.value === savedVoice)) ui.voice.value = savedVoice;
  });
  ui.temperature.value = info.generation?.temperature ?? ui.temperature.value;
  ui.steps.value = info.generation?.sampler_steps ?? ui.steps.value;
  // Only the lsd sampler takes steps; the small models' pointwise/drifting heads make a latent in one call.
  ui.steps.disabled = (info.generation?.sampler ?? 'lsd') !== 'lsd';
  ui.steps.title = ui.steps.disabled ? `This model's ${info.generation.sampler} sampler has no steps` : '';
  syncSliders();
  if (!state.player || state.player.sampleRate !== info.sampleRate) {
    state.player?.close();
    state.player = new Player(info.sampleRate);
    state.player.setSpeed(state.speed);
    state.player.onStats = onPlaybackStats;
  }
  const engine = describeEngine(info);
  ui.engineInfo.textContent = `${info.displayName} · ${engine}` +
    (info.fallbacks.length ? ` · on WASM: ${info.fallbacks.map((f) => f.split(' ')[0]).join(', ')}` : '') +
    (state.autoModel?.note ? ` · ${state.autoModel.note}` : '');
  setProgress(1, 'Ready', '');
  setStatus(`Ready · ${engine}`);
  setPhase('ready');
}

function onWorkerError(msg) {
  if (msg.fatal) {
    setPhase('error');
    setProgress(0, 'The model could not be loaded', '');
    showError(msg.message);
    return;
  }
  if (state.phase === 'speaking') {
    state.player?.flush();
    setProgress(0, 'Synthesis failed', '');
  } else if (state.phase === 'cloning') {
    setProgress(0, 'Voice cloning failed', '');
  }
  setPhase('ready');
  showError(msg.message);
}

// ---------- speaking ----------

async function speak() {
  if (state.phase !== 'ready') return;
  clearError();
  const text = ui.text.value;
  if (!text.trim()) {
    showError('Type some text first: there is nothing to say.');
    ui.text.focus();
    return;
  }
  state.lastResult = null;
  showNotice([]);
  // Inside the click/keypress: allowed to make sound. The audio output opens while the worker
  // starts generating: waiting for it first cost the first Speak ~190 ms here (a new AudioContext and
  // its worklet), and up to AUDIO_START_TIMEOUT_MS where no device answers. Chunks that arrive
  // meanwhile wait in the player. Without sound the speech is still generated.
  state.audioOut = true;
  state.audioSettled = state.player.start().then(
    () => true,
    (error) => {
      state.audioOut = false; // this utterance goes to the WAV only
      state.player.flush();
      state.highlight = false;
      state.playing = false;
      showError(NO_AUDIO_MESSAGE, error);
      updateButtons();
      return false;
    },
  );
  state.player.reset();
  state.job++;
  state.wavParts = [];
  if (state.capture) state.capture = [];
  state.samples = 0;
  state.startedAt = performance.now();
  state.firstChunkAt = 0;
  state.stopRequestedAt = 0;
  if (state.downloadUrl) URL.revokeObjectURL(state.downloadUrl);
  state.downloadUrl = null;
  state.wavBlob = null;
  if (state.vttUrl) URL.revokeObjectURL(state.vttUrl);
  state.vttUrl = null;
  state.heardFrom = 0;
  state.highlight = state.audioOut;
  if (state.info.timestamps) readAlong.show('Generating…');
  else readAlong.unavailable();
  state.playing = state.audioOut;
  showInMediaSession(text);
  setPhase('speaking');
  setProgress(null, 'Generating…', '');
  setStatus('Generating…');
  state.events.push({ type: 'speak', id: state.job, chars: text.length });
  state.worker.postMessage({
    type: 'speak',
    id: state.job,
    text,
    options: speakOptions(),
    voiceData: voices.voiceData(ui.voice.value), // a library voice's file (the worker may not have it yet)
  });
}

/** The form's speak options (web/engine/speak-options.js SpeakOptions). */
function speakOptions() {
  return {
    voice: ui.voice.value,
    temperature: Number(ui.temperature.value),
    steps: Number(ui.steps.value),
    seed: ui.seed.value === '' ? null : ui.seed.value.trim(), // a decimal string: exact beyond 2^53
    normalize: ui.normalize.checked,
    decodeBatch: Number(ui.decodeBatch.value),
    playbackSpeed: state.speed,
  };
}

function onSynthesisProgress(index, count, chunkDone = 0) {
  const seconds = state.samples / state.info.sampleRate;
  const elapsed = (performance.now() - state.startedAt) / 1000;
  const speed = seconds > 0 && elapsed > 0 ? ` · ${(seconds / elapsed).toFixed(1)}× real time` : '';
  setProgressSoon(count ? (index + chunkDone) / count : null, `Generating: chunk ${Math.min(index + 1, count)} of ${count}`,
    `${seconds.toFixed(1)} s of audio${speed}`);
}

function onChunk(msg) {
  if (!state.firstChunkAt) {
    state.firstChunkAt = performance.now();
    setStatus(`Speaking… first audio after ${((state.firstChunkAt - state.startedAt) / 1000).toFixed(2)} s`);
  }
  state.samples += msg.pcm.length;
  state.capture?.push(msg.pcm.slice());
  state.wavParts.push(new Blob([msg.wav]));
  readAlong.add(msg.words);
  // After Stop, or without an audio output: into the WAV, not the speakers.
  if (!state.stopRequestedAt && state.audioOut) state.player.push(msg.pcm);
  onSynthesisProgress(msg.chunkIndex, msg.chunkCount, msg.chunkDone);
}

/** The utterance is complete. Its summary waits until its audio output has started or failed. */
async function onDone(msg) {
  await state.audioSettled;
  const rate = state.info.sampleRate;
  const seconds = msg.samples / rate;
  const elapsed = msg.elapsed;
  const speed = elapsed > 0 ? seconds / elapsed : 0;
  state.player.end();
  const blob = new Blob([msg.header, ...state.wavParts], { type: 'audio/wav' });
  state.wavParts = [];
  state.downloadUrl = msg.samples ? URL.createObjectURL(blob) : null;
  state.wavBlob = msg.samples ? blob : null;
  state.wavHeaderBytes = msg.header.byteLength;
  readAlong.add(msg.words);
  if (typeof msg.vtt === 'string') state.vttUrl = URL.createObjectURL(new Blob([msg.vtt], { type: 'text/vtt' }));
  state.lastResult = {
    id: msg.id,
    samples: msg.samples,
    seconds,
    elapsed,
    speed,
    stopped: msg.stopped,
    firstChunkSeconds: state.firstChunkAt ? (state.firstChunkAt - state.startedAt) / 1000 : null,
    wavBytes: blob.size,
    downloadUrl: state.downloadUrl,
    stopLatencyMs: state.stopRequestedAt ? performance.now() - state.stopRequestedAt : null,
    frames: msg.frames,
    timings: msg.timings,
    liveTensors: msg.liveTensors,
    planSeconds: msg.planSeconds,
    prefilled: msg.prefilled, // its first chunk's prefill ran while the text was typed
    vtt: msg.vtt ?? null, // the subtitles (null without timestamp heads)
  };
  state.events.push({ type: 'done', ...state.lastResult });
  const engine = describeEngine(state.info);
  if (msg.stopped) {
    setProgress(0, 'Stopped', `${seconds.toFixed(1)} s generated`);
    setStatus(`Stopped after ${seconds.toFixed(1)} s of audio · ${engine}`);
  } else {
    setProgress(1, 'Done', `${seconds.toFixed(1)} s of audio`);
    const silent = state.audioOut ? '' : ' · no sound: download the WAV';
    setStatus(`Done: ${seconds.toFixed(1)} s of audio in ${elapsed.toFixed(1)} s · ${speed.toFixed(1)}× real time · ${engine}${silent}`);
  }
  setPhase('ready');
}

/** Stop: halt generation (while speaking) and silence what is still to be heard. */
function stop() {
  if (state.phase === 'speaking') {
    state.stopRequestedAt = performance.now();
    state.worker.postMessage({ type: 'stop', id: state.job });
    setStatus('Stopping…');
  } else if (state.playing) {
    setStatus('Playback stopped');
  } else {
    return;
  }
  state.player.flush();
  state.player.resume(); // a paused context would hold the next utterance
  state.highlight = false;
  readAlong.clear();
  state.events.push({ type: 'stop', id: state.job });
}

/** Heard position → the read-along highlight (the worklet counts source samples, so speed is in it). */
function followPlayback(stats) {
  if (!state.highlight || !state.player) return;
  if (stats.drained) {
    state.highlight = false;
    readAlong.clear();
    return;
  }
  const latency = state.player.latency * (stats.speed || 1); // never outputLatency in Firefox: web/audio/player.js
  state.heard = state.heardFrom + Math.max(0, stats.rendered / state.info.sampleRate - latency);
  readAlong.seek(state.heard);
}

/** A click on a word of the read-along view: play the last utterance again from that word. */
async function replayFrom(seconds) {
  if (state.phase !== 'ready' || !state.wavBlob) return;
  const rate = state.info.sampleRate;
  const first = state.wavHeaderBytes + 2 * Math.floor(seconds * rate);
  const data = new Int16Array(await state.wavBlob.slice(first, state.wavBlob.size - (state.wavBlob.size - first) % 2).arrayBuffer());
  const pcm = Float32Array.from(data, (v) => v / 32768);
  try {
    await state.player.start();
  } catch (error) {
    showError(NO_AUDIO_MESSAGE, error);
    return;
  }
  state.player.reset(); // empties the queue (a flush would report "drained" and end the highlight)
  state.heardFrom = Math.floor(seconds * rate) / rate;
  state.highlight = true;
  state.playing = true;
  state.player.push(pcm);
  state.player.end();
  state.events.push({ type: 'replay', from: state.heardFrom });
  updateButtons();
}

// ---------- voice cloning ----------

/** Clone the recorded or picked clip (or, for `recordId`, a library voice's kept clip, again). */
async function cloneVoice({ file = voices.clipFile, name = ui.cloneName.value.trim() || 'my voice', recordId } = {}) {
  if (!file || state.phase !== 'ready') return;
  clearError();
  const voiceId = voices.cloneRequest(recordId); // the library keeps the voice under this id
  setPhase('cloning');
  setStatus(`Reading ${file.name}…`);
  try {
    const { bytes, pcm16 } = await readPromptFile(file); // header checked, the first 30 s only
    state.job++;
    if (pcm16) {
      // 16-bit WAV: py_core checks, reads and resamples it exactly as upstream does (resample_poly).
      state.worker.postMessage({ type: 'clone', id: state.job, name, voiceId, file: file.name, wav: bytes }, [bytes.buffer]);
    } else {
      const pcm = await decodeToMono24k(bytes.buffer, state.info.sampleRate, file.name);
      state.worker.postMessage({ type: 'clone', id: state.job, name, voiceId, file: file.name, pcm }, [pcm.buffer]);
    }
  } catch (error) {
    setPhase('ready');
    showError(
      error instanceof AudioFileError
        ? error.message
        : `${file.name}: could not decode this audio file (${error.message || error})`,
    );
  }
}

async function onVoiceCloned(msg) {
  const { voice: id, name } = msg;
  await voices.saveCloned(msg); // into the library (and the Voice picker)
  ui.voice.value = id;
  state.events.push({ type: 'voice', id, name });
  setStatus(`Voice “${name}” is ready`);
  setProgress(1, 'Ready', '');
  setPhase('ready');
}

// ---------- playback speed, media controls ----------

/** Apply and show the playback speed (0.5–3×, pitch kept); also during playback. */
function setSpeed(speed) {
  state.speed = speed;
  const label = `${speed}×`;
  ui.speedValue.textContent = label;
  ui.speed.setAttribute('aria-valuetext', label);
  ui.downloadSpeedLabel.textContent = label;
  state.player?.setSpeed(speed);
  updateButtons();
}

function savedSpeed() {
  try {
    return checkSpeed(Number(localStorage.getItem('pocket-tts:speed') ?? '1'));
  } catch {
    return 1; // nothing saved, or garbage
  }
}

/** The worklet's counters (every ~50 ms while playing): Stop and the media controls follow them. */
function onPlaybackStats(stats) {
  followPlayback(stats);
  const playing = state.audioOut && !stats.drained;
  if (playing === state.playing) return;
  state.playing = playing;
  updateButtons();
  updateMediaSession();
}

/** "Download WAV at N×": the last WAV re-timed in a worker (web/audio/wav-speed-worker.js), then saved. */
async function downloadAtSpeed() {
  if (!state.wavBlob || state.phase === 'speaking' || state.preparingWav) return;
  const speed = state.speed;
  state.preparingWav = true;
  updateButtons();
  setStatus(`Preparing the WAV at ${speed}×…`);
  try {
    const wav = await stretchWav(await state.wavBlob.arrayBuffer(), speed);
    const url = URL.createObjectURL(new Blob([wav], { type: 'audio/wav' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `pocket-tts-${speed}x.wav`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStatus(`WAV at ${speed}× ready (${formatBytes(wav.byteLength)})`);
  } catch (error) {
    showError(`The WAV at ${speed}× could not be made: ${error.message}`, error);
  } finally {
    state.preparingWav = false;
    updateButtons();
  }
}

function stretchWav(wav, speed) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../audio/wav-speed-worker.js', import.meta.url), { type: 'module', name: 'wav-speed' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error) reject(new Error(data.error));
      else resolve(data.wav);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(event.message || 'the worker stopped'));
    };
    worker.postMessage({ wav, speed }, [wav]);
  });
}

/** Media keys and the OS media controls: pause holds the audio (the AudioContext is suspended). */
async function pausePlayback() {
  if (!state.playing || state.player.paused) return;
  await state.player.pause();
  state.events.push({ type: 'pause', id: state.job });
  setStatus('Paused');
  updateMediaSession();
}

async function resumePlayback() {
  if (!state.player?.paused) return;
  await state.player.resume();
  state.events.push({ type: 'play', id: state.job });
  setStatus(state.phase === 'speaking' ? 'Speaking…' : 'Playing…');
  updateMediaSession();
}

function updateMediaSession() {
  if (!('mediaSession' in navigator)) return;
  navigator.mediaSession.playbackState = !state.playing ? 'none' : state.player.paused ? 'paused' : 'playing';
}

function showInMediaSession(text) {
  if (!('mediaSession' in navigator) || typeof MediaMetadata === 'undefined') return;
  const title = text.trim().replace(/\s+/g, ' ');
  navigator.mediaSession.metadata = new MediaMetadata({
    title: title.length > 80 ? `${title.slice(0, 79)}…` : title,
    artist: `Pocket TTS · ${ui.voice.selectedOptions[0]?.text ?? ui.voice.value}`,
    artwork: [{ src: new URL('icons/icon-192.png', baseUrl).href, sizes: '192x192', type: 'image/png' }],
  });
  updateMediaSession();
}

function setUpMediaSession() {
  if (!('mediaSession' in navigator)) return;
  const handlers = { play: resumePlayback, pause: pausePlayback, stop };
  for (const [action, handler] of Object.entries(handlers)) {
    try {
      navigator.mediaSession.setActionHandler(action, () => handler());
    } catch {
      // this browser does not support the action
    }
  }
}

// ---------- wiring ----------

function syncSliders() {
  ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2);
  ui.stepsValue.textContent = ui.steps.value;
}

function updateCharCount() {
  const n = ui.text.value.length;
  ui.charCount.textContent = `${n.toLocaleString()} character${n === 1 ? '' : 's'}`;
}

ui.speak.addEventListener('click', speak);
ui.previewButton.addEventListener('click', requestPreview);
ui.normalize.checked = localStorage.getItem('pocket-tts:normalize') !== 'off';
ui.normalize.addEventListener('change', () => {
  localStorage.setItem('pocket-tts:normalize', ui.normalize.checked ? 'on' : 'off');
  if (!ui.preview.hidden) requestPreview();
  prepareSoon();
});
ui.stop.addEventListener('click', stop);
ui.text.addEventListener('input', updateCharCount);
ui.text.addEventListener('input', prepareSoon);
ui.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (state.phase === 'speaking') return;
    speak();
  }
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') stop();
});
ui.errorDismiss.addEventListener('click', clearError);
ui.temperature.addEventListener('input', syncSliders);
ui.steps.addEventListener('input', syncSliders);
ui.model.addEventListener('change', () => {
  localStorage.setItem('pocket-tts:model', ui.model.value);
  state.autoModel = null; // chosen now
  clearError();
  startWorker();
});
ui.voice.addEventListener('change', () => {
  localStorage.setItem('pocket-tts:voice', ui.voice.value);
  prepareSoon();
});
ui.backend.addEventListener('change', () => { clearError(); startWorker(); });
ui.threads.addEventListener('change', () => { clearError(); startWorker(); });
const voices = new VoicePanel({
  voiceSelect: ui.voice,
  post: (message, transfer) => state.worker.postMessage(message, transfer),
  clone: cloneVoice,
  showError,
  setStatus,
  log: (event) => state.events.push(event),
  idle: () => state.phase === 'ready',
  changed: updateButtons,
});
ui.clone.addEventListener('click', () => cloneVoice());
ui.download.addEventListener('click', (event) => {
  if (ui.download.getAttribute('aria-disabled') === 'true') event.preventDefault();
});
ui.downloadSpeed.addEventListener('click', downloadAtSpeed);
ui.speed.addEventListener('input', () => {
  setSpeed(Number(ui.speed.value));
  localStorage.setItem('pocket-tts:speed', ui.speed.value);
});

// Test hook (used by the Playwright suite; harmless for users).
window.__pocketTTS = {
  get phase() { return state.phase; },
  get info() { return state.info; },
  get playback() { return state.player?.stats ?? null; },
  /** The read-along view: the highlighted word and the heard position it was chosen for. */
  get readAlong() {
    return { word: readAlong.currentWord, index: readAlong.current, heard: state.heard, highlighted: readAlong.root.querySelectorAll('.current').length };
  },
  get lastResult() { return state.lastResult; },
  get events() { return state.events; },
  /** Sample counts of the last utterance's chunks as they arrived (only with ?capture=pcm). */
  get capturedChunkLengths() { return state.capture?.map((c) => c.length) ?? null; },
  /** The last utterance's float32 PCM as base64 (only with ?capture=pcm). */
  capturedPcmBase64() {
    if (!state.capture) return null;
    const bytes = new Uint8Array(state.capture.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of state.capture) {
      bytes.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
      at += c.byteLength;
    }
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  },
};

syncSliders();
updateCharCount();
ui.speed.value = String(savedSpeed());
setSpeed(Number(ui.speed.value));
setUpMediaSession();
setPhase('loading');
// URL parameters preset the advanced settings (handy for links and tests): ?backend=wasm&threads=1&decode_batch=4
if (params.get('backend')) ui.backend.value = params.get('backend');
if (params.get('threads')) ui.threads.value = params.get('threads');
if (params.get('decode_batch')) ui.decodeBatch.value = params.get('decode_batch');

loadModelIndex()
  .then(startWorker)
  .catch((error) => {
    setPhase('error');
    setProgress(0, 'No model', '');
    showError(error.message);
  });

if ('serviceWorker' in navigator && import.meta.env.PROD && params.get('sw') !== '0') {
  import('virtual:pwa-register')
    .then(({ registerSW }) => {
      const updateSW = registerSW({
        immediate: true,
        onNeedRefresh() {
          ui.updateBanner.hidden = false;
        },
      });
      ui.updateReload.addEventListener('click', () => updateSW(true));
    })
    .catch((error) => console.warn('service worker registration failed', error));
}
