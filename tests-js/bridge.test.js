// Unit tests (node --test) for web/bridge.js: tensor packing across the Python boundary, the
// packed run() reply, handle lifetime, and the backend choice. Sessions are stand-ins here; real
// onnxruntime-web sessions are exercised by the Playwright suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.self = globalThis; // the bridge reads the worker's global scope
const ort = await import('onnxruntime-web');
const { Bridge } = await import('../web/bridge.js');

const bytesOf = (typed) => new Uint8Array(typed.buffer.slice(0));

test('a tensor from Python bytes is viewed as its dtype, shaped, and checked for size', () => {
  const bridge = new Bridge({ ortBaseUrl: 'http://x/ort/', backend: 'wasm' });
  const h = bridge.tensor('float32', [1, 1, 3], bytesOf(new Float32Array([1.5, -2, 3.25])));
  assert.deepEqual(Array.from(bridge.readSync(h)), [1.5, -2, 3.25]);
  assert.deepEqual(bridge.get(h).dims, [1, 1, 3]);
  const offset = bridge.tensor('int64', [1], bytesOf(new BigInt64Array([42n])));
  assert.equal(bridge.readSync(offset)[0], 42n);
  assert.throws(() => bridge.tensor('float32', [2, 2], bytesOf(new Float32Array(3))), /needs 16 bytes, got 12/);
  assert.throws(() => bridge.tensor('float16', [1], new Uint8Array(2)), /unsupported dtype float16/);
  const zeros = bridge.zeros('float32', [1, 0, 4]);
  assert.equal(bridge.get(zeros).data.length, 0);
  assert.equal(bridge.liveTensors(), 3);
  bridge.release(h);
  bridge.release(h); // twice is harmless
  assert.throws(() => bridge.get(h), /was released or never existed/);
  assert.equal(bridge.liveTensors(), 2);
});

test('run() feeds tensors by name and packs each output as handle, rank, dims in manifest order', async () => {
  const bridge = new Bridge({ ortBaseUrl: 'http://x/ort/', backend: 'wasm' });
  const seen = [];
  const session = {
    async run(feeds, outputs) {
      seen.push({ names: Object.keys(feeds), x: Array.from(feeds.x.data), outputs });
      return {
        b: new ort.Tensor('float32', new Float32Array(6), [1, 2, 3]),
        a: new ort.Tensor('int64', new BigInt64Array([7n]), [1]),
      };
    },
  };
  bridge.graphs.g = { session, outputs: ['a', 'b'], states: [], backend: 'wasm' };
  const x = bridge.tensor('float32', [2], bytesOf(new Float32Array([4, 5])));
  const y = bridge.zeros('int64', [1]);
  const reply = (await bridge.run('g', 'x\ny', `${x},${y}`)).split(',').map(Number);
  assert.deepEqual(seen, [{ names: ['x', 'y'], x: [4, 5], outputs: ['a', 'b'] }]);
  const [ha, rankA, dimA, hb, rankB, ...dimsB] = reply;
  assert.deepEqual([rankA, dimA, rankB, dimsB], [1, 1, 3, [1, 2, 3]]);
  assert.equal(bridge.readSync(ha)[0], 7n);
  assert.equal(bridge.get(hb).dims.length, 3);
  assert.equal(bridge.timings.g.calls, 1);
  await assert.rejects(bridge.run('missing', 'x', `${x}`), /graph missing is not loaded/);
  await assert.rejects(bridge.run('g', 'x', '999'), /tensor handle 999 was released/);
  session.run = async () => {
    throw new Error('bad input shape');
  };
  await assert.rejects(bridge.run('g', 'x\ny', `${x},${y}`), /^Error: g: bad input shape$/);
});

test('the backend: WASM unless WebGPU is asked for or a hardware adapter serves an fp32 bundle', async () => {
  const manifest = (quantization) => ({ graphs: { a: { quantization }, b: { quantization: 'none' } } });
  const withAdapter = async (adapter, requested, quantization) => {
    Object.defineProperty(globalThis, 'navigator', {
      value: adapter === undefined ? {} : { gpu: { requestAdapter: async () => adapter } },
      configurable: true,
    });
    return new Bridge({ ortBaseUrl: 'http://x/ort/', backend: requested }).chooseBackend(manifest(quantization), ['a', 'b']);
  };
  const hardware = { info: { vendor: 'acme', architecture: 'gpu1', isFallbackAdapter: false } };
  const software = { info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } };
  assert.equal(await withAdapter(undefined, 'auto', 'none'), 'wasm'); // no navigator.gpu
  assert.equal(await withAdapter(null, 'auto', 'none'), 'wasm'); // no adapter
  assert.equal(await withAdapter(hardware, 'wasm', 'none'), 'wasm');
  assert.equal(await withAdapter(hardware, 'auto', 'none'), 'webgpu');
  assert.equal(await withAdapter(hardware, 'auto', 'int8'), 'wasm'); // int8 MatMuls run on the CPU in the WebGPU EP
  assert.equal(await withAdapter(software, 'auto', 'none'), 'wasm'); // emulated GPU: slower than WASM
  assert.equal(await withAdapter(software, 'webgpu', 'int8'), 'webgpu'); // asked for explicitly
});
