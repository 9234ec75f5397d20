#!/usr/bin/env node
// Times the three weight formats that bench/matmul_formats.py makes, in onnxruntime-web's WASM
// backend (Node, one thread), interleaved call by call, and their output SNR against fp32.
//   python bench/matmul_formats.py && node bench/matmul_formats.mjs > bench/results/matmul-formats.json

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'matmul-formats');
ort.env.wasm.numThreads = 1;
const CASES = [
  ['fp32', 'fp32.onnx', {}],
  ['dynamic int8 (MatMulInteger)', 'dyn_int8.onnx', {}],
  ['weight-only int8, DequantizeLinear kept', 'wo_int8.onnx', {}],
  ['weight-only int8, DequantizeLinear folded (session.disable_quant_qdq)', 'wo_int8.onnx', { session: { disable_quant_qdq: '1' } }],
];
const CALLS = 30;
const x = new ort.Tensor('float32', new Float32Array(1024).fill(0.01), [1, 1, 1024]);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const cases = [];
for (const [name, file, extra] of CASES) {
  const started = performance.now();
  const session = await ort.InferenceSession.create(readFileSync(resolve(dir, file)), { graphOptimizationLevel: 'all', executionProviders: ['wasm'], extra });
  cases.push({ name, file, session, session_ms: performance.now() - started, times: [] });
}
for (const c of cases) for (let i = 0; i < 3; i++) await c.session.run({ x });
let reference;
for (let call = 0; call < CALLS; call++) {
  for (const c of cases) {
    const started = performance.now();
    const output = Object.values(await c.session.run({ x }))[0].data;
    c.times.push(performance.now() - started);
    if (call === 0) {
      reference ??= output;
      let error = 0, power = 0;
      for (let i = 0; i < output.length; i++) {
        error += (output[i] - reference[i]) ** 2;
        power += reference[i] ** 2;
      }
      c.snr_db = error ? 10 * Math.log10(power / error) : null;
    }
  }
}
console.log(JSON.stringify({
  command: 'python bench/matmul_formats.py && node bench/matmul_formats.mjs',
  what: '6 layers x (4 MatMul 1024x1024 + 1024x4096 + 4096x1024), input [1,1,1024], one WASM thread, calls interleaved',
  node: process.version,
  'onnxruntime-web': ort.env.versions?.web,
  results: cases.map(({ name, file, session_ms, times, snr_db }) => ({
    name, file, session_create_ms: Math.round(session_ms), median_ms: +median(times).toFixed(2), min_ms: +Math.min(...times).toFixed(2), snr_db_vs_fp32: snr_db === null ? null : +snr_db.toFixed(1),
  })),
}, null, 2));
