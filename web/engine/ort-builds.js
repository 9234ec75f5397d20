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
