// Test 4: the WebGPU path (Chromium's --enable-unsafe-webgpu; headless, that is SwiftShader's
// software adapter) gives the same frame count and audio within tolerance of the WASM path.
// Runs in the chromium-webgpu project only. The fp32 bundle is used: with the int8 bundle the
// WebGPU EP runs the quantized MatMuls (DynamicQuantizeLinear, MatMulInteger) on the CPU anyway.

import { expect, test } from './fixtures.js';
import {
  TINY_FP32,
  capturedPcm,
  maxAbsDiff,
  note,
  openApp,
  setAdvanced,
  startSpeaking,
  waitForResult,
} from './helpers.js';

const TEXT = 'Hi.';
const SEED = 7;

async function synthesize(page, backend) {
  const ortFiles = []; // which onnxruntime-web build this page (and its workers) loaded
  page.context().on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/ort/') && path.endsWith('.wasm')) ortFiles.push(path.slice(5));
  });
  // The same decoder batching on both paths (WebGPU's automatic choice: 4 frames per call).
  await openApp(page, { model: TINY_FP32, capture: 'pcm', backend, decode_batch: '4' });
  const info = await page.evaluate(() => window.__pocketTTS.info);
  await setAdvanced(page, { temperature: 0, seed: SEED });
  await startSpeaking(page, TEXT);
  const result = await waitForResult(page, 170_000);
  return { info, result, pcm: await capturedPcm(page), ortFiles };
}

test('WebGPU gives the frame count and audio of WASM', async ({ context }) => {
  test.setTimeout(300_000);
  const wasmPage = await context.newPage();
  const wasm = await synthesize(wasmPage, 'wasm');
  await wasmPage.close();
  expect(Object.values(wasm.info.graphBackends).every((b) => b === 'wasm')).toBe(true);
  expect(wasm.ortFiles, 'WASM sessions run on the plain build (web/engine/ort-builds.js)').toEqual(expect.arrayContaining(['ort-wasm-simd-threaded.wasm']));
  expect(wasm.ortFiles).not.toContain('ort-wasm-simd-threaded.jsep.wasm');

  const gpuPage = await context.newPage();
  const gpu = await synthesize(gpuPage, 'webgpu');
  await gpuPage.close();
  note({ type: 'webgpu adapter', description: String(gpu.info.adapter) });
  note({ type: 'webgpu graphs', description: JSON.stringify(gpu.info.graphBackends) });
  note({ type: 'webgpu fallbacks to wasm', description: gpu.info.fallbacks.join('; ') || 'none' });
  expect(gpu.info.backend).toBe('webgpu');
  expect(gpu.ortFiles, 'the WebGPU EP needs the JSEP build').toContain('ort-wasm-simd-threaded.jsep.wasm');
  expect(Object.values(gpu.info.graphBackends)).toContain('webgpu');

  expect(gpu.result.frames).toBe(wasm.result.frames);
  expect(gpu.pcm.length).toBe(wasm.pcm.length);
  const diff = maxAbsDiff(gpu.pcm, wasm.pcm);
  note({
    type: 'webgpu vs wasm',
    description: `${gpu.result.frames} frames, max |webgpu - wasm| = ${diff.toExponential(2)}; ` +
      `webgpu ${gpu.result.elapsed.toFixed(1)} s, wasm ${wasm.result.elapsed.toFixed(1)} s`,
  });
  note({ type: 'webgpu ms per graph', description: Object.entries(gpu.result.timings).map(([g, t]) => `${g} ${t.calls}x${(t.ms / t.calls).toFixed(0)}`).join(', ') });
  expect(diff).toBeLessThan(1e-2);
});
