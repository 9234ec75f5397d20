// The decoder thread: one onnxruntime-web session (the streaming `mimi_decoder`) in a Web Worker of
// its own, started by the synthesis worker's bridge (web/engine/bridge.js, `RemoteSession`). While the
// synthesis worker runs the next flow-LM step on one core, this worker decodes the previous frames
// on another: a request is one whole decoder call, so the two overlap for its full length.
//
// Messages (all from and to the bridge):
//   {type: 'load', id, bytes, ortBaseUrl, sessionOptions}    → {id} or {id, error}
//   {type: 'run', id, feeds, outputs, keep}                  → {id, outputs, ms} or {id, error}
//      feeds: name → {ref} (a tensor kept here) or {type, dims, data} (sent along)
//      keep: output names kept here as new refs (the decoder state); every other output comes back
//      with its data (the audio).
//   {type: 'release', refs}                                  refs the bridge no longer needs

import * as ort from 'onnxruntime-web';
import { ortWasmPaths } from './ort-builds.js';

let session;
const kept = new Map(); // ref → ort.Tensor
let nextRef = 1;

function input(feed) {
  if (feed.ref === undefined) return new ort.Tensor(feed.type, feed.data, feed.dims);
  const tensor = kept.get(feed.ref);
  if (!tensor) throw new Error(`decoder tensor ${feed.ref} was released or never existed`);
  return tensor;
}

async function load({ bytes, ortBaseUrl, sessionOptions }) {
  ort.env.wasm.wasmPaths = ortWasmPaths(ortBaseUrl, 'wasm');
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = 1; // this worker is the second core's work; one thread
  ort.env.logLevel = 'error';
  session = await ort.InferenceSession.create(bytes, { ...sessionOptions, executionProviders: ['wasm'] });
  return [{}, []];
}

async function run({ feeds, outputs, keep }) {
  const inputs = {};
  for (const [name, feed] of Object.entries(feeds)) inputs[name] = input(feed);
  const started = performance.now();
  const results = await session.run(inputs, outputs);
  const ms = performance.now() - started;
  const transfer = [];
  const described = outputs.map((name) => {
    const tensor = results[name];
    if (keep.includes(name)) {
      const ref = nextRef++;
      kept.set(ref, tensor);
      return { ref, type: tensor.type, dims: tensor.dims };
    }
    const { buffer, byteLength } = tensor.data;
    if (buffer instanceof ArrayBuffer && buffer.byteLength === byteLength) transfer.push(buffer); // a copy of its own
    return { type: tensor.type, dims: tensor.dims, data: tensor.data };
  });
  return [{ outputs: described, ms }, transfer];
}

self.onmessage = async ({ data }) => {
  if (data.type === 'release') {
    for (const ref of data.refs) kept.delete(ref);
    return;
  }
  const handler = { load, run }[data.type];
  try {
    const [reply, transfer] = await handler(data);
    self.postMessage({ id: data.id, ...reply }, transfer);
  } catch (error) {
    self.postMessage({ id: data.id, error: String(error?.message ?? error) });
  }
};
