// The JS bridge between py_core (running in Pyodide) and onnxruntime-web.
//
// It lives in the worker, next to Pyodide. It
//   1. downloads a bundle's files with byte progress and checks each one's sha256 against the manifest
//      (a mismatch is reported by file name);
//   2. creates one onnxruntime-web session per ONNX *file* (flow_lm_prefill and flow_lm_step share
//      flow_lm_kv.onnx, so they share a session and its weights), on WebGPU when asked for and
//      available, else on WASM (SIMD; threads when the page is cross-origin isolated);
//   3. keeps every tensor on the JS side in a handle table. Python (py_core/js_runtime.py) only ever
//      holds small integer handles; the values it reads back are the small ones the engine asks for
//      (a latent, an EOS logit, decoded PCM).
//
// The Python-facing methods are `tensor`, `zeros`, `run`, `readSync`, `read`, `release` (see
// py_core/js_runtime.py for how JsRuntime calls them). Everything else is for the worker.

import * as ort from 'onnxruntime-web';

const TYPED = { float32: Float32Array, int64: BigInt64Array }; // the Runtime protocol's dtypes

/** Fetch `url`, reporting bytes as they arrive, and check the body's sha256. Returns a Uint8Array. */
export async function fetchVerified(url, { path, sha256, bytes }, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${path}: download failed (${error.message})`);
  }
  if (!response.ok) throw new Error(`${path}: download failed (HTTP ${response.status})`);
  const total = bytes ?? Number(response.headers.get('content-length') || 0);
  const reader = response.body.getReader();
  // One buffer of the announced size, filled in place (no second copy of a large model file).
  let data = new Uint8Array(total);
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > data.length) {
      const grown = new Uint8Array(Math.max(2 * data.length, loaded + value.byteLength));
      grown.set(data.subarray(0, loaded));
      data = grown;
    }
    data.set(value, loaded);
    loaded += value.byteLength;
    onProgress(loaded, total);
  }
  data = data.subarray(0, loaded);
  if (sha256) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex !== sha256) {
      await evictFromCaches(url);
      throw new Error(
        `${path} is corrupted: sha256 ${hex.slice(0, 12)}… does not match the manifest's ${sha256.slice(0, 12)}…` +
          ` (${loaded} bytes received, ${bytes ?? '?'} expected)`,
      );
    }
  }
  return data;
}

/** Drop a bad copy from the service worker's caches so that a retry downloads it again. */
async function evictFromCaches(url) {
  if (typeof caches === 'undefined') return;
  try {
    for (const name of await caches.keys()) await (await caches.open(name)).delete(url);
  } catch {
    // caches may be unavailable (opaque origin, private mode): nothing to evict then
  }
}

export class Bridge {
  /**
   * @param {object} options
   * @param {string} options.ortBaseUrl  absolute URL of the folder holding onnxruntime-web's .mjs/.wasm
   * @param {'auto'|'wasm'|'webgpu'} options.backend
   * @param {number} options.threads  WASM threads (0 = choose; forced to 1 without cross-origin isolation)
   */
  constructor({ ortBaseUrl, backend = 'auto', threads = 0 }) {
    this.tensors = new Map(); // handle → ort.Tensor
    this.nextHandle = 1;
    this.sessions = new Map(); // file → { session, backend }
    this.graphs = {}; // graph name → { session, outputs, backend }
    this.splitNames = new Map(); // "\n"-joined input names → array (run's input lists repeat)
    this.timings = {}; // graph → { calls, ms } spent in session.run (diagnostics)
    this.fallbacks = []; // "graph: reason" for graphs that asked for WebGPU and run on WASM

    ort.env.wasm.wasmPaths = ortBaseUrl;
    ort.env.wasm.proxy = false;
    // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page. The automatic choice is
    // onnxruntime-web's own: half the cores, at most 4 (the other half runs Python, audio, the UI).
    const isolated = self.crossOriginIsolated === true;
    const cores = self.navigator?.hardwareConcurrency || 1;
    this.threads = isolated ? (threads > 0 ? threads : Math.min(4, Math.ceil(cores / 2))) : 1;
    ort.env.wasm.numThreads = this.threads;
    ort.env.logLevel = 'error';
    this.requestedBackend = backend;
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
      const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
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
    this.backend ??= await this.chooseBackend(manifest, graphNames);
    for (const name of graphNames) {
      const entry = manifest.graphs[name];
      let record = this.sessions.get(entry.file);
      if (!record) {
        record = await this.createSession(name, entry.file, bytesOf(entry.file));
        this.sessions.set(entry.file, record);
      }
      this.graphs[name] = {
        session: record.session,
        backend: record.backend,
        outputs: entry.outputs.map((o) => o.name),
      };
    }
  }

  async createSession(graph, file, bytes) {
    const base = {
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      // Idle intra-op threads sleep instead of spinning: spinning threads compete with Python and
      // the audio thread for the same cores.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    if (this.backend === 'webgpu') {
      try {
        const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['webgpu'] });
        return { session, backend: 'webgpu' };
      } catch (error) {
        this.fallbacks.push(`${graph} (${file}): ${String(error.message || error).split('\n')[0]}`);
      }
    }
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['wasm'] });
      return { session, backend: 'wasm' };
    } catch (error) {
      throw new Error(`${file}: onnxruntime-web could not load it (${error.message || error})`);
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
    const data = new Typed(bytes.buffer, bytes.byteOffset, size);
    return this.put(new ort.Tensor(dtype, data, dims));
  }

  zeros(dtype, shape) {
    const Typed = TYPED[dtype];
    if (!Typed) throw new Error(`unsupported dtype ${dtype}`);
    const dims = Array.from(shape, Number);
    return this.put(new ort.Tensor(dtype, new Typed(dims.reduce((a, b) => a * b, 1)), dims));
  }

  /**
   * Run `graph`. Inputs come as two strings (cheap to pass from Python): input names joined by "\n"
   * and their tensor handles joined by ",". Returns a string of comma-separated integers: for each
   * output of the graph, in manifest order, its new handle, its rank, then its dims.
   */
  async run(graph, names, handles) {
    const g = this.graphs[graph];
    if (!g) throw new Error(`graph ${graph} is not loaded`);
    let nameList = this.splitNames.get(names);
    if (!nameList) this.splitNames.set(names, (nameList = names.split('\n')));
    const handleList = handles.split(',');
    const feeds = {};
    for (let i = 0; i < nameList.length; i++) feeds[nameList[i]] = this.get(Number(handleList[i]));
    let results;
    const started = performance.now();
    try {
      results = await g.session.run(feeds, g.outputs);
    } catch (error) {
      throw new Error(`${graph}: ${error.message || error}`);
    }
    const timing = (this.timings[graph] ??= { calls: 0, ms: 0 });
    timing.calls++;
    timing.ms += performance.now() - started;
    const packed = [];
    for (const name of g.outputs) {
      const tensor = results[name];
      packed.push(this.put(tensor), tensor.dims.length, ...tensor.dims);
    }
    return packed.join(',');
  }

  /** The tensor's values if they are on the CPU (a typed array), else null: then call `read`. */
  readSync(handle) {
    const tensor = this.get(handle);
    return tensor.location === 'cpu' || tensor.location === undefined ? tensor.data : null;
  }

  async read(handle) {
    return this.get(handle).getData();
  }

  release(handle) {
    const tensor = this.tensors.get(handle);
    if (!tensor) return;
    this.tensors.delete(handle);
    if (tensor.location && tensor.location !== 'cpu') tensor.dispose();
  }

  /** Number of live tensor handles (for leak checks in tests). */
  liveTensors() {
    return this.tensors.size;
  }

  async dispose() {
    for (const handle of [...this.tensors.keys()]) this.release(handle);
    for (const { session } of this.sessions.values()) await session.release();
    this.sessions.clear();
    this.graphs = {};
  }
}
