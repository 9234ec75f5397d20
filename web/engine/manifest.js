// The bundle manifest as the web app reads it: JSDoc types mirroring py_core/manifest.py (the one
// schema), and `checkManifest`: what must hold before anything is downloaded (py_core parses the
// whole manifest once, when the worker opens the bundle: web/engine/worker_driver.py `load`).

import { MANIFEST_SCHEMA, MANIFEST_SCHEMA_VERSION, REQUIRED_GRAPHS } from './speak-options.js';

/**
 * @typedef {object} TensorSpec
 * @property {string} name
 * @property {string} dtype
 * @property {(number|string)[]} shape
 *
 * @typedef {object} StateSpec
 * @property {string} input
 * @property {string} output
 * @property {number[]} initial_shape
 * @property {string} dtype
 * @property {'replace'|'append'} update  'replace': the output is the next input; 'append': the
 *   output's rows are appended to the input along axis 1 (Bridge.append)
 *
 * @typedef {object} GraphSpec
 * @property {string} file
 * @property {TensorSpec[]} inputs
 * @property {TensorSpec[]} outputs
 * @property {StateSpec[]} states
 * @property {string} quantization  'none' | 'int8' | …
 * @property {boolean} simplified
 *
 * @typedef {object} FileEntry
 * @property {string} path      relative to the bundle folder
 * @property {string} sha256
 * @property {number} bytes
 * @property {string} role      'graph' | 'tokenizer' | 'voice'
 * @property {string} download  'default' (fetched at load) | 'on_demand' | 'never'
 * @property {string|null} [quantization]
 * @property {string|null} [voice]
 *
 * @typedef {object} VoiceSpec
 * @property {string} name
 * @property {string} file
 * @property {string} layout
 *
 * @typedef {object} GenerationDefaults
 * @property {number} temperature
 * @property {number} eos_threshold
 * @property {number} min_frames_before_eos
 * @property {string} sampler  'lsd' | 'pointwise' | 'drifting' (py_core.manifest.SAMPLERS; flow_lm_flow's inputs follow it)
 * @property {number} sampler_steps
 * @property {number|null} noise_clamp
 * @property {number} fade_in_ms
 * @property {number} max_tokens_per_chunk
 *
 * @typedef {object} ModelDims  py_core.manifest.ModelDims
 * @property {number} d_model  the flow LM's width (web/engine/worker.js: whether the decoder gets a worker)
 * @property {number} latent_dim
 * @property {number} num_layers
 * @property {number} num_kv_heads
 * @property {number} head_dim
 *
 * @typedef {object} Manifest
 * @property {ModelDims} model
 * @property {string} schema
 * @property {number} schema_version
 * @property {string} model_id
 * @property {string} display_name
 * @property {string} language
 * @property {{size: string, seed: number, warning: string}|null} synthetic
 * @property {boolean} has_voice_cloning
 * @property {{sample_rate: number, frame_rate: number, samples_per_frame: number, channels: number}} audio
 * @property {GenerationDefaults} generation
 * @property {{file: string, format: string, version: number}} tokenizer
 * @property {VoiceSpec[]} voices
 * @property {string|null} default_voice
 * @property {Object<string, GraphSpec>} graphs
 * @property {FileEntry[]} files
 * @property {{heads: {layer: number, head: number}[], output: string}|null} [timestamps]  word timestamps (py_core.timestamps)
 */

/**
 * The `files` entry of `path`.
 * @param {Manifest} manifest
 * @param {string} path
 * @returns {FileEntry}
 */
export function fileEntry(manifest, path) {
  const entry = manifest.files.find((f) => f.path === path);
  if (!entry) throw new Error(`${path} is not a file of the bundle ${manifest.model_id}`);
  return entry;
}

/**
 * The schema, its version and the required graphs checked, with py_core.manifest's messages (the
 * constants come from it: web/engine/speak-options.js), before any download or session.
 * @param {unknown} manifest  manifest.json parsed
 * @returns {Manifest}
 */
export function checkManifest(manifest) {
  const raw = /** @type {any} */ (manifest);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || raw.schema !== MANIFEST_SCHEMA) {
    throw new Error(`not a Pocket TTS bundle manifest (schema must be '${MANIFEST_SCHEMA}')`);
  }
  if (raw.schema_version !== MANIFEST_SCHEMA_VERSION) {
    throw new Error(
      `bundle manifest schema version ${JSON.stringify(raw.schema_version ?? null)} is not supported by this app ` +
        `(it reads version ${MANIFEST_SCHEMA_VERSION}); rebuild the bundle or update the app`,
    );
  }
  const graphs = raw.graphs && typeof raw.graphs === 'object' ? raw.graphs : {};
  const missing = REQUIRED_GRAPHS.filter((name) => !(name in graphs));
  if (missing.length > 0) throw new Error(`manifest lacks required graph(s): ${missing.join(', ')}`);
  return raw;
}
