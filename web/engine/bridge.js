// The JS bridge between py_core (running in Pyodide) and onnxruntime-web.
//
// It lives in the worker, next to Pyodide (the files it gets come from web/engine/model-files.js). It
//   1. creates one onnxruntime-web session per ONNX *file* (flow_lm_prefill and flow_lm_step share
//      flow_lm_kv.onnx, so they share a session and its weights), on WebGPU when asked for and
//      available, else on WASM (SIMD; threads when the page is cross-origin isolated);
//   2. keeps every tensor on the JS side in a handle table. Python (py_core/js_runtime.py) only ever
//      holds small integer handles; the values it reads back are the small ones the engine asks for
//      (a latent, an EOS logit, decoded PCM);
//   3. on WASM, runs the streaming decoder in a Web Worker of its own (web/engine/decoder-worker.js,
//      `RemoteSession`), so that a decoder call overlaps the next flow-LM step on another core. The
//      decoder's state tensors stay in that worker (`RemoteTensor` handles here); its audio comes back.
//
//   4. grows the flow LM's K/V states in place (`append`): the graph returns only the new rows, and
//      each state lives in a capacity buffer (doubled when full) that its tensors are views of, so a
//      step copies a few rows into existing memory instead of the whole cache into fresh memory.
//
// The Python-facing methods are `tensor`, `zeros`, `run`, `append`, `readSync`, `read`, `release`
// (see py_core/js_runtime.py for how JsRuntime calls them). Everything else is for the worker.

import * as ort from 'onnxruntime-web';
import { ortWasmPaths } from './ort-builds.js';
import { GRAPHS } from './speak-options.js';

const TYPED = { float32: Float32Array, int64: BigInt64Array }; // the Runtime protocol's dtypes

// A new capacity buffer for appended states holds at least this many positions.
const MIN_CAPACITY_ROWS = 64;

/**
 * The memory behind appended states: `data` holds `used` rows; views of its first rows are tensors.
 * @typedef {{data: Float32Array, used: number}} GrowBuffer
 */

// Graphs that run in the decoder worker when the parallel decoder is on (WASM backend).
const REMOTE_GRAPHS = [GRAPHS.MIMI_DECODER];

/** @type {ort.InferenceSession.SessionOptions} */
const SESSION_OPTIONS = {
  graphOptimizationLevel: 'all',
  enableCpuMemArena: true,
  // Idle intra-op threads sleep instead of spinning: spinning threads compete with Python and the
  // audio thread for the same cores.
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

/** A tensor that lives in the decoder worker (`ref`), or came back from it with its `data`. */
class RemoteTensor {
  constructor({ ref, type, dims, data }, session) {
    /** @type {number|undefined} */
    this.ref = ref;
    this.type = type;
    this.dims = dims;
    this.data = data;
    this.session = session;
    this.location = ref === undefined ? 'cpu' : 'remote';
  }
}

/** One onnxruntime-web session in web/engine/decoder-worker.js; requests are answered in order. */
class RemoteSession {
  constructor() {
    this.worker = new Worker(new URL('./decoder-worker.js', import.meta.url), { type: 'module', name: 'pocket-tts decoder' });
    this.pending = new Map(); // request id → { resolve, reject }
    this.nextId = 1;
    this.releases = []; // refs to drop, sent in one message once the current task is done
    this.worker.onmessage = ({ data }) => {
      const request = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error) request.reject(new Error(data.error));
      else request.resolve(data);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`the decoder worker failed (${event.message || 'could not start'})`);
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
  }

  /** Posts at once (before any await), so the worker starts while the caller goes on. */
  request(message, transfer = []) {
    const id = this.nextId++;
    const reply = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ ...message, id }, transfer);
    return reply;
  }

  load(bytes, ortBaseUrl, sessionOptions) {
    const copy = bytes.slice(); // the caller keeps its bytes (a fallback may still need them)
    return this.request({ type: 'load', bytes: copy, ortBaseUrl, sessionOptions }, [copy.buffer]);
  }

  /** feeds: name → tensor (RemoteTensor or ort.Tensor); keep: outputs that stay in the worker. */
  run(feeds, outputs, keep) {
    const sent = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      sent[name] = tensor.ref !== undefined ? { ref: tensor.ref } : { type: tensor.type, dims: tensor.dims, data: tensor.data };
    }
    return this.request({ type: 'run', feeds: sent, outputs, keep });
  }

  release(ref) {
    if (this.releases.length === 0) {
      queueMicrotask(() => {
        this.worker.postMessage({ type: 'release', refs: this.releases });
        this.releases = [];
      });
    }
    this.releases.push(ref);
  }

  terminate() {
    this.worker.terminate();
  }
}

export class Bridge {
  /**
   * @param {object} options
   * @param {string} options.ortBaseUrl  absolute URL of the folder holding onnxruntime-web's .mjs/.wasm
   * @param {'auto'|'wasm'|'webgpu'} options.backend
   * @param {number} options.threads  WASM threads (0 = choose; forced to 1 without cross-origin isolation)
   * @param {boolean} options.parallelDecoder  run the decoder in its own worker on WASM (default true)
   */
  constructor({ ortBaseUrl, backend = 'auto', threads = 0, parallelDecoder = true }) {
    this.tensors = new Map(); // handle → ort.Tensor
    /** @type {WeakMap<object, GrowBuffer>} a tensor made by `append` → the buffer it views */
    this.grown = new WeakMap();
    this.nextHandle = 1;
    this.sessions = new Map(); // file → { session, backend }
    this.graphs = {}; // graph name → { session, outputs, backend }
    this.splitNames = new Map(); // "\n"-joined input names → array (run's input lists repeat)
    this.timings = {}; // graph → { calls, ms } spent in session.run (diagnostics)
    this.fallbacks = []; // "graph: reason" for graphs that asked for WebGPU and run on WASM
    this.ortBaseUrl = ortBaseUrl;
    this.parallelDecoder = parallelDecoder && typeof Worker !== 'undefined';

    ort.env.wasm.proxy = false;
    // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page. The automatic choice is
    // onnxruntime-web's own: half the cores, at most 4 (the other half runs Python, audio, the UI).
    // WebKitGTK 2.50 reports crossOriginIsolated but has no SharedArrayBuffer: onnxruntime-web then
    // runs one thread whatever it is asked, so say 1.
    const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
    const cores = self.navigator?.hardwareConcurrency || 1;
    this.threads = isolated ? (threads > 0 ? threads : Math.min(4, Math.ceil(cores / 2))) : 1;
    ort.env.wasm.numThreads = this.threads;
    ort.env.logLevel = 'error';
    this.requestedBackend = backend;
    /** @type {'wasm'|'webgpu'|undefined} the backend chosen by the first createSessions */
    this.backend = undefined;
    /** @type {string|undefined} the WebGPU adapter's description, when one was asked for */
    this.adapter = undefined;
  }

  /**
   * 'webgpu' when asked for and an adapter exists. 'auto' takes WebGPU only on a hardware adapter (a
   * fallback adapter such as SwiftShader emulates the GPU on the CPU: slower than WASM) and only for
   * bundles without int8 graphs: onnxruntime-web's WebGPU EP has no DynamicQuantizeLinear or
   * MatMulInteger, so it would run every quantized MatMul on the CPU with copies in between.
   * Else 'wasm'.
   */
  async chooseBackend(manifest, graphNames) {
    if (this.requestedBackend === 'wasm' || !self.navigator?.gpu) return 'wasm';
    try {
      const adapter = await self.navigator.gpu.requestAdapter();
      if (!adapter) return 'wasm';
      const legacy = /** @type {{isFallbackAdapter?: boolean}} */ (/** @type {unknown} */ (adapter));
      const fallback = adapter.info?.isFallbackAdapter ?? legacy.isFallbackAdapter ?? false;
      this.adapter = `${adapter.info?.vendor || '?'} ${adapter.info?.architecture || ''}`.trim() + (fallback ? ' (software)' : '');
      if (this.requestedBackend === 'webgpu') return 'webgpu';
      const int8 = graphNames.some((name) => manifest.graphs[name].quantization === 'int8');
      if (!fallback && !int8) return 'webgpu';
    } catch {
      // no usable adapter
    }
    return 'wasm';
  }

  /**
   * Create sessions for `graphs` (manifest graph entries) from already-verified file bytes.
   * @param {object} manifest  the bundle manifest
   * @param {string[]} graphNames  graphs to load
   * @param {(path: string) => Uint8Array} bytesOf  the verified bytes of a bundle file
   */
  async createSessions(manifest, graphNames, bytesOf) {
    if (!this.backend) {
      this.backend = await this.chooseBackend(manifest, graphNames);
      ort.env.wasm.wasmPaths = ortWasmPaths(this.ortBaseUrl, this.backend); // before the first session
    }
    const graphOf = new Map(); // file → the first graph that uses it
    for (const name of graphNames) if (!graphOf.has(manifest.graphs[name].file)) graphOf.set(manifest.graphs[name].file, name);
    const files = [...graphOf.keys()].filter((file) => !this.sessions.has(file));
    // The decoder worker creates its session on its own thread: started first, it is ready while
    // this thread creates the others (one after the other: one onnxruntime-web instance here).
    const remote = new Map();
    for (const file of files) {
      if (this.runsRemotely(graphOf.get(file))) remote.set(file, this.createRemoteSession(graphOf.get(file), bytesOf(file)));
    }
    for (const file of files) {
      if (!remote.has(file)) this.sessions.set(file, await this.createSession(graphOf.get(file), file, bytesOf(file)));
    }
    for (const [file, created] of remote) {
      // A decoder worker that could not start: the decoder runs in this thread.
      this.sessions.set(file, (await created) ?? (await this.createSession(graphOf.get(file), file, bytesOf(file))));
    }
    for (const name of graphNames) {
      const entry = manifest.graphs[name];
      const record = this.sessions.get(entry.file);
      this.graphs[name] = {
        session: record.session,
        remote: record.remote,
        backend: record.backend,
        outputs: entry.outputs.map((o) => o.name),
        states: (entry.states ?? []).map((s) => s.output),
      };
    }
  }

  /** Whether `graph` runs in the decoder worker (WASM, parallel decoder on). */
  runsRemotely(graph) {
    return this.backend === 'wasm' && this.parallelDecoder && REMOTE_GRAPHS.includes(graph);
  }

  /** A session in a decoder worker of its own, or null (with the reason in `fallbacks`) when none starts. */
  async createRemoteSession(graph, bytes) {
    const remote = new RemoteSession();
    try {
      await remote.load(bytes, this.ortBaseUrl, SESSION_OPTIONS);
      return { remote, backend: 'wasm' };
    } catch (error) {
      remote.terminate();
      this.parallelDecoder = false;
      this.fallbacks.push(`${graph}: no decoder worker, decoding in this thread (${error.message})`);
      return null;
    }
  }

  /** A session in this thread: on WebGPU when that is the backend and the graph loads there, else WASM. */
  async createSession(graph, file, bytes) {
    if (this.backend === 'webgpu') {
      try {
        const session = await ort.InferenceSession.create(bytes, { ...SESSION_OPTIONS, executionProviders: ['webgpu'] });
        return { session, backend: 'webgpu' };
      } catch (error) {
        this.fallbacks.push(`${graph} (${file}): ${String(error.message || error).split('\n')[0]}`);
      }
    }
    try {
      const session = await ort.InferenceSession.create(bytes, { ...SESSION_OPTIONS, executionProviders: ['wasm'] });
      return { session, backend: 'wasm' };
    } catch (error) {
      throw new Error(`${file}: onnxruntime-web could not load it (${error.message || error})`, { cause: error });
    }
  }

  /** Which backend each loaded graph runs on, e.g. { flow_lm_step: 'webgpu', ... }. */
  graphBackends() {
    return Object.fromEntries(Object.entries(this.graphs).map(([name, g]) => [name, g.backend]));
  }

  // ---- Python-facing tensor API (handles are small integers) ----

  put(tensor) {
    const handle = this.nextHandle++;
    this.tensors.set(handle, tensor);
    return handle;
  }

  get(handle) {
    const tensor = this.tensors.get(handle);
    if (!tensor) throw new Error(`tensor handle ${handle} was released or never existed`);
    return tensor;
  }

  /**
   * A tensor from raw little-endian bytes (a Uint8Array copied out of Python).
   * @param {'float32'|'int64'} dtype
   * @param {ArrayLike<number>} shape
   * @param {Uint8Array} bytes
   */
  tensor(dtype, shape, bytes) {
    const Typed = TYPED[dtype];
    if (!Typed) throw new Error(`unsupported dtype ${dtype}`);
    const dims = Array.from(shape, Number);
    const size = dims.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== size * Typed.BYTES_PER_ELEMENT) {
      throw new Error(`tensor ${dtype}[${dims}] needs ${size * Typed.BYTES_PER_ELEMENT} bytes, got ${bytes.byteLength}`);
    }
    // bytes comes from to_js (a fresh copy at offset 0, so aligned): view it without copying.
    const data = new Typed(/** @type {ArrayBuffer} */ (bytes.buffer), bytes.byteOffset, size);
    return this.put(new ort.Tensor(dtype, data, dims));
  }

  zeros(dtype, shape) {
    const Typed = TYPED[dtype];
    if (!Typed) throw new Error(`unsupported dtype ${dtype}`);
    const dims = Array.from(shape, Number);
    return this.put(new ort.Tensor(dtype, new Typed(dims.reduce((a, b) => a * b, 1)), dims));
  }

  /**
   * A new handle: `state` followed by `rows` along axis 1 (float32 [1, N, ...] and [1, n, ...]).
   * Neither input changes; both stay the caller's to release.
   *
   * The result is a view of the first N + n rows of a capacity buffer. When `state` is that
   * buffer's longest view, the rows are copied in place after it (the buffer doubles when full: a
   * new one, so older views keep their memory); otherwise (a voice state that a second chunk
   * continues, a tensor from `tensor` or `run`) the state is first copied into a new buffer: copy
   * on branch, so no live tensor's values ever change.
   * @param {number} stateHandle
   * @param {number} rowsHandle
   * @returns {number}
   */
  append(stateHandle, rowsHandle) {
    const state = this.get(stateHandle);
    const rows = this.get(rowsHandle);
    for (const tensor of [state, rows]) {
      if (tensor.type !== 'float32' || !(tensor.location === 'cpu' || tensor.location === undefined)) {
        throw new Error(`append needs float32 tensors on the CPU, not ${tensor.type} on ${tensor.location}`);
      }
    }
    const [batch, past, ...rest] = state.dims;
    if (batch !== 1 || rows.dims.length !== state.dims.length || rows.dims[0] !== 1 || rows.dims.slice(2).some((d, i) => d !== rest[i])) {
      throw new Error(`append: rows [${rows.dims}] do not continue a state [${state.dims}] along axis 1`);
    }
    const row = rest.reduce((a, b) => a * b, 1);
    const added = rows.dims[1];
    const total = past + added;
    let buffer = this.grown.get(state);
    if (!buffer || buffer.used !== past) {
      // Copy on branch (or a first append): a buffer of this state's own.
      const data = new Float32Array(Math.max(MIN_CAPACITY_ROWS, 2 * total) * row);
      data.set(/** @type {Float32Array} */ (state.data).subarray(0, past * row));
      buffer = { data, used: past };
    } else if (buffer.data.length < total * row) {
      // Full: double into a new array; views of the old one keep it.
      const data = new Float32Array(Math.max(2 * buffer.data.length / row, total) * row);
      data.set(buffer.data.subarray(0, past * row));
      buffer.data = data;
    }
    buffer.data.set(/** @type {Float32Array} */ (rows.data).subarray(0, added * row), past * row);
    buffer.used = total;
    const tensor = new ort.Tensor('float32', buffer.data.subarray(0, total * row), [1, total, ...rest]);
    this.grown.set(tensor, buffer);
    return this.put(tensor);
  }

  /**
   * Run `graph`. Inputs come as two strings (cheap to pass from Python): input names joined by "\n"
   * and their tensor handles joined by ",". Returns a string of comma-separated integers: for each
   * output of the graph, in manifest order, its new handle, its rank, then its dims.
   */
  run(graph, names, handles) {
    const g = this.graphs[graph];
    if (!g) return Promise.reject(new Error(`graph ${graph} is not loaded`));
    let nameList = this.splitNames.get(names);
    if (!nameList) this.splitNames.set(names, (nameList = names.split('\n')));
    const handleList = handles.split(',');
    const feeds = {};
    try {
      for (let i = 0; i < nameList.length; i++) feeds[nameList[i]] = this.feedFor(g, this.get(Number(handleList[i])));
    } catch (error) {
      return Promise.reject(error);
    }
    // Started here, synchronously: a remote graph's request is posted before the caller's next step.
    const started = performance.now();
    const running = g.remote ? this.runRemote(g, feeds) : g.session.run(feeds, g.outputs).then((results) => ({ results }));
    return running.then(
      ({ results, ms }) => {
        const timing = (this.timings[graph] ??= { calls: 0, ms: 0, wallMs: 0 });
        timing.calls++;
        timing.ms += ms ?? performance.now() - started;
        timing.wallMs += performance.now() - started;
        const packed = [];
        for (const name of g.outputs) {
          const tensor = results[name];
          packed.push(this.put(tensor), tensor.dims.length, ...tensor.dims);
        }
        return packed.join(',');
      },
      (error) => {
        throw new Error(`${graph}: ${error.message || error}`);
      },
    );
  }

  /** The tensor to feed graph `g`: one that came back from the decoder worker with its data becomes an ort.Tensor. */
  feedFor(g, tensor) {
    if (!(tensor instanceof RemoteTensor)) return tensor;
    if (tensor.ref === undefined) return new ort.Tensor(tensor.type, tensor.data, tensor.dims);
    if (g.remote === tensor.session) return tensor;
    throw new Error('a decoder-worker tensor can only feed the decoder worker');
  }

  async runRemote(g, feeds) {
    const keep = g.outputs.filter((name) => g.states.includes(name));
    const { outputs, ms } = await g.remote.run(feeds, g.outputs, keep);
    const results = {};
    g.outputs.forEach((name, i) => (results[name] = new RemoteTensor(outputs[i], g.remote)));
    return { results, ms };
  }

  /** The tensor's values if they are on the CPU (a typed array), else null: then call `read`. */
  readSync(handle) {
    const tensor = this.get(handle);
    return tensor.location === 'cpu' || tensor.location === undefined ? tensor.data : null; // 'remote', GPU: null
  }

  async read(handle) {
    const tensor = this.get(handle);
    if (tensor.location === 'remote') throw new Error('decoder state is not readable from this thread');
    return tensor.getData();
  }

  release(handle) {
    const tensor = this.tensors.get(handle);
    if (!tensor) return;
    this.tensors.delete(handle);
    if (tensor.location === 'remote') tensor.session.release(tensor.ref);
    else if (tensor.location && tensor.location !== 'cpu') tensor.dispose();
  }

  /** Number of live tensor handles (for leak checks in tests). */
  liveTensors() {
    return this.tensors.size;
  }

  async dispose() {
    for (const handle of [...this.tensors.keys()]) this.release(handle);
    for (const { session, remote } of this.sessions.values()) {
      if (remote) remote.terminate();
      else await session.release();
    }
    this.sessions.clear();
    this.graphs = {};
  }
}
