// Which of onnxruntime-web's two WebAssembly builds a session runs on (both in public/ort/, copied
// there by scripts/prepare_web_assets.mjs). `ort.min.mjs` loads the JSEP build by default: the one
// the WebGPU EP needs. For the WASM EP the plain build is faster (its kernels ran 20–30 % faster and
// its sessions were created in half the time, measured by bench/ort_builds.mjs), so WASM sessions
// point onnxruntime-web at it. A worker initializes onnxruntime-web once, with the first session:
// set the paths before that.

/**
 * `env.wasm.wasmPaths` for `backend`.
 * @param {string} ortBaseUrl  absolute URL of public/ort/, ending in '/'
 * @param {'wasm'|'webgpu'} backend
 * @returns {string|{mjs: string, wasm: string}}
 */
export function ortWasmPaths(ortBaseUrl, backend) {
  if (backend === 'webgpu') return ortBaseUrl;
  return { mjs: `${ortBaseUrl}ort-wasm-simd-threaded.mjs`, wasm: `${ortBaseUrl}ort-wasm-simd-threaded.wasm` };
}

/**
 * The smallest ONNX model onnxruntime-web loads: one float32[1] Identity (opset 13, 67 bytes,
 * written by onnx.helper). A session of it makes onnxruntime-web fetch, compile and start its
 * WebAssembly, which it otherwise does with the first real session.
 */
const IDENTITY_MODEL = new Uint8Array([
  8, 8, 18, 0, 58, 55, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 1, 119, 90, 15,
  10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 66, 4,
  10, 0, 16, 13,
]);

/**
 * Start onnxruntime-web's WASM backend now, before any model file is there: its WebAssembly
 * (14 MB) compiles on the engine's background threads while this thread goes on (Pyodide's start),
 * instead of in front of the first session. `ort.env.wasm` must be set up already.
 * @param {typeof import('onnxruntime-web')} ort
 */
export async function startWasmRuntime(ort) {
  const session = await ort.InferenceSession.create(IDENTITY_MODEL.slice(), { executionProviders: ['wasm'] });
  await session.release();
}
