// The messages between the library (web/engine/pocket-tts.js) and the synthesis worker (web/engine/worker.js):
// the one place they are defined. Both sides post plain objects of these shapes (structured clone).

/** @typedef {import('./speak-options.js').SpeakOptions} SpeakOptions  every option and its default: py_core.speak_request */

/**
 * Page → worker.
 * @typedef {{type: 'init', baseUrl: string, modelsUrl: string, modelPath: string, backend: 'auto'|'wasm'|'webgpu',
 *   threads: number, parallelDecoder: boolean|null, downloads: MessagePort|null}} InitRequest  load Python,
 *   py_core and a bundle; `baseUrl`: the runtime's folder (pyodide/, ort/, wheels/); `modelsUrl`: the folder
 *   of models/index.json; `downloads`: a port to the download worker (web/engine/download-worker.js; without
 *   one the synthesis worker downloads on its own thread)
 * @typedef {{name: string, data: ArrayBuffer|Uint8Array}} VoiceData  a library voice's .safetensors file
 *   (web/engine/voice-collection.js), checked by py_core
 * @typedef {{type: 'speak', id: number, text: string, options: SpeakOptions, voiceData?: VoiceData|null}} SpeakRequest
 *   `options`: the voice, sampling and decoding (web/engine/speak-options.js; py_core refuses an
 *   unknown or invalid one by name); `playbackSpeed` is the player's speed when the request is made
 * @typedef {{type: 'prepare', id: number, text: string, options: SpeakOptions, voiceData?: VoiceData|null}} PrepareRequest
 *   the text being typed, with the options of its Speak: its first chunk's prefill is run ahead of
 *   that Speak (PreparedMessage: `ready` false when it was stale or skipped)
 * @typedef {{type: 'preview', id: number, text: string, options?: {normalize?: boolean}}} PreviewRequest
 *   what will be read (no audio)
 * @typedef {{type: 'stop', id: number}} StopRequest  cancel generation job `id` (a later job is untouched)
 * @typedef {{type: 'clone', id: number, name: string, voiceId?: string, file?: string, wav?: Uint8Array,
 *   pcm?: Float32Array}} CloneRequest  16-bit WAV bytes, or PCM at the model's rate, mono; `voiceId`:
 *   the library's id for the voice (default `clone:<name>`)
 * @typedef {{type: 'import', id: number, file: string, data: ArrayBuffer}} ImportRequest
 *   a .safetensors voice file for the library: py_core parses it and checks it against the model
 * @typedef {{type: 'document', id: number, name: string, data: ArrayBuffer}} DocumentRequest
 *   a document's bytes (its name's ending says its format): py_core reads its chapters (DocumentMessage)
 * @typedef {InitRequest|SpeakRequest|PrepareRequest|PreviewRequest|StopRequest|CloneRequest|ImportRequest
 *   |DocumentRequest} Request
 */

/**
 * Worker → page.
 * @typedef {{type: 'status', text: string}} StatusMessage  what the worker is doing
 * @typedef {{type: 'download', file: string, loaded: number, total: number, allLoaded: number,
 *   allTotal: number}} DownloadMessage
 * @typedef {{type: 'ready', info: object}} ReadyMessage  voices, backend, threads, synthetic, …
 * @typedef {{type: 'stored', files: string[], pythonSnapshot: boolean}} StoredMessage  the downloaded
 *   model files are now kept on the device (web/engine/model-store.js), and after a plain Python start its
 *   snapshot (web/engine/python-snapshot.js); posted once after 'ready' (files is empty where none were)
 * @typedef {{type: 'damaged', files: string[]}} DamagedMessage  model files the start read from the
 *   device store failed their sha256 check after 'ready' (web/engine/model-files.js verifyKept): deleted
 *   there; the engine must start again (it downloads them anew)
 * @typedef {{type: 'warm', seconds: number, speed: number|null, start: Array<[number, number]>|null}} WarmMessage
 *   the background warm-up has ended; `speed`: its last whole utterance's × real time (null when none
 *   ran to its end); `start`: that utterance's chunks as [seconds, samples] (the player's start hold)
 * @typedef {{type: 'progress', id: number, chunkIndex: number, chunkCount: number}} ProgressMessage
 *   a text chunk starts
 * @typedef {{type: 'chunk', id: number, pcm: Float32Array, wav: Uint8Array, chunkIndex: number,
 *   chunkCount: number, chunkDone: number}} ChunkMessage  decoded audio: pcm for playback, PCM16
 *   bytes for the WAV, progress within the text chunk
 * @typedef {{type: 'done', id: number, header: Uint8Array, samples: number, frames: number,
 *   elapsed: number, firstAudio: number|null, stopped: boolean, seed: string, prefilled: boolean}} DoneMessage
 * @typedef {{name: string, data: Uint8Array, meta: Object<string, string>}} LibraryFile
 *   a voice file for the library: upstream's layout, `meta` its py_core.voice_library metadata
 * @typedef {{type: 'voice', id: number, voice: string} & LibraryFile} VoiceMessage
 *   a cloned voice is ready (`voice`: its id)
 * @typedef {{type: 'imported', id: number} & LibraryFile} ImportedMessage  an imported voice, checked
 * @typedef {{type: 'notice', id: number, warnings: string[]}} NoticeMessage
 *   skipped or clamped pause markup
 * @typedef {{type: 'preview', id: number, text: string, warnings: string[]}} PreviewMessage
 *   the normalized text, pauses as [pause Ns]
 * @typedef {{type: 'prepared', id: number, ready: boolean}} PreparedMessage  prepare request `id` ran;
 *   `ready`: a first chunk's prefill is kept for a Speak of that text
 * @typedef {{title: string, text: string}} DocumentChapter  a chapter: its title and the plain text to read
 *   (paragraphs separated by blank lines)
 * @typedef {{type: 'document', id: number, title: string|null, format: 'text'|'markdown'|'html'|'epub',
 *   encoding: string|null, warnings: string[], chapters: DocumentChapter[]}} DocumentMessage  an opened
 *   document's chapters in reading order; `encoding`: the codec its text was read with (null for EPUB)
 * @typedef {{type: 'error', id?: number, message: string, kind?: string, fatal: boolean}} ErrorMessage
 *   `kind`: the Python exception's class or the JS error's name (web/engine/errors.js maps it to a code)
 * @typedef {StatusMessage|DownloadMessage|ReadyMessage|StoredMessage|DamagedMessage|WarmMessage|ProgressMessage|ChunkMessage|
 *   DoneMessage|VoiceMessage|ImportedMessage|NoticeMessage|PreviewMessage|PreparedMessage|DocumentMessage|ErrorMessage} Message
 */

export {};
