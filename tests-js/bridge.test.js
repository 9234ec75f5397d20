// Unit tests (node --test) for web/engine/bridge.js: tensor packing across the Python boundary, the
// packed run() reply, handle lifetime, and the backend choice. Sessions are stand-ins here; real
// onnxruntime-web sessions are exercised by the Playwright suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.self = globalThis; // the bridge reads the worker's global scope
const ort = await import('onnxruntime-web');
const { Bridge } = await import('../web/engine/bridge.js');

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

test('append() grows a state in place, as views of one buffer, without changing any live tensor', () => {
  const bridge = new Bridge({ ortBaseUrl: 'http://x/ort/', backend: 'wasm' });
  const row = 2 * 3; // [1, n, H=2, Dh=3]
  const rowsOf = (n, first) => bridge.tensor('float32', [1, n, 2, 3], bytesOf(Float32Array.from({ length: n * row }, (_, i) => first + i)));
  const values = (h) => Array.from(bridge.readSync(h));
  const empty = bridge.zeros('float32', [1, 0, 2, 3]);
  const prompt = rowsOf(5, 0);
  const voice = bridge.append(empty, prompt); // a first append: a buffer of its own
  assert.deepEqual(bridge.get(voice).dims, [1, 5, 2, 3]);
  assert.deepEqual(values(voice), values(prompt));
  const buffer = bridge.get(voice).data.buffer;
  assert.equal(bridge.get(voice).data.byteOffset, 0);
  // The longest view grows in place: the same buffer, the earlier view unchanged.
  const text = rowsOf(3, 100);
  const a1 = bridge.append(voice, text);
  assert.equal(bridge.get(a1).data.buffer, buffer);
  assert.deepEqual(bridge.get(a1).dims, [1, 8, 2, 3]);
  assert.deepEqual(values(a1), [...values(prompt), ...values(text)]);
  assert.deepEqual(values(voice), values(prompt));
  // Growing past the capacity (64 rows at first) moves to a doubled buffer; older views keep theirs.
  let state = a1;
  const steps = [];
  for (let i = 0; i < 70; i++) {
    const step = rowsOf(1, 1000 + i);
    const next = bridge.append(state, step);
    if (state !== a1) bridge.release(state);
    bridge.release(step);
    steps.push(1000 + i);
    state = next;
  }
  assert.deepEqual(bridge.get(state).dims, [1, 78, 2, 3]);
  assert.notEqual(bridge.get(state).data.buffer, buffer);
  assert.equal(bridge.get(state).data.buffer.byteLength, 2 * 64 * row * 4);
  const all = values(state);
  assert.deepEqual(all.slice(0, 8 * row), values(a1));
  assert.deepEqual(all.slice(8 * row).filter((_, i) => i % row === 0), steps);
  assert.deepEqual(values(a1), [...values(prompt), ...values(text)]);
  // Copy on branch: a second chunk from the voice state gets a buffer of its own.
  const other = rowsOf(2, 500);
  const b1 = bridge.append(voice, other);
  assert.notEqual(bridge.get(b1).data.buffer, buffer);
  assert.deepEqual(values(b1), [...values(prompt), ...values(other)]);
  assert.deepEqual(values(a1), [...values(prompt), ...values(text)]);
  assert.deepEqual(values(voice), values(prompt));
  // ... and so does a branch from an older view of a grown buffer.
  const c1 = bridge.append(a1, other);
  assert.deepEqual(values(c1), [...values(a1), ...values(other)]);
  assert.deepEqual(values(state), all);
});

test('append() hands out handles that release like any other; the state borrowed stays usable', () => {
  const bridge = new Bridge({ ortBaseUrl: 'http://x/ort/', backend: 'wasm' });
  const voice = bridge.tensor('float32', [1, 2, 1, 2], bytesOf(new Float32Array([1, 2, 3, 4])));
  const live = bridge.liveTensors();
  for (let chunk = 0; chunk < 2; chunk++) {
    const rows = bridge.tensor('float32', [1, 1, 1, 2], bytesOf(new Float32Array([5, 6])));
    const state = bridge.append(voice, rows);
    bridge.release(rows);
    assert.deepEqual(Array.from(bridge.readSync(state)), [1, 2, 3, 4, 5, 6]);
    bridge.release(state);
    bridge.release(state);
    assert.throws(() => bridge.get(state), /was released or never existed/);
    assert.equal(bridge.liveTensors(), live);
  }
  assert.deepEqual(Array.from(bridge.readSync(voice)), [1, 2, 3, 4]);
  const mismatched = bridge.tensor('float32', [1, 1, 2, 1], bytesOf(new Float32Array(2)));
  assert.throws(() => bridge.append(voice, mismatched), /do not continue a state \[1,2,1,2\] along axis 1/);
  const ints = bridge.zeros('int64', [1, 1, 1, 2]);
  assert.throws(() => bridge.append(voice, ints), /append needs float32 tensors on the CPU/);
  assert.throws(() => bridge.append(voice, 999), /tensor handle 999 was released/);
});

test('onnxruntime-web runs on the views append() hands out (and on views at an offset)', async () => {
  // y = -x over x float32 [1, n, 2]: a real WASM session, fed a state grown by append().
  const model = Uint8Array.from(
    Buffer.from('CAgSAXQ6RgoLCgF4EgF5IgNOZWcSA25lZ1oYCgF4EhMKEQgBEg0KAggBCgMSAW4KAggCYhgKAXkSEwoRCAESDQoCCAEKAxIBbgoCCAJCBAoAEA0=', 'base64'),
  );
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const bridge = new Bridge({ ortBaseUrl: 'http://x/ort/', backend: 'wasm' });
  bridge.graphs.neg = { session, outputs: ['y'], states: [], backend: 'wasm' };
  const first = bridge.tensor('float32', [1, 1, 2], bytesOf(new Float32Array([1, 2])));
  const more = bridge.tensor('float32', [1, 2, 2], bytesOf(new Float32Array([3, 4, 5, 6])));
  const state = bridge.append(bridge.append(bridge.zeros('float32', [1, 0, 2]), first), more);
  assert.ok(bridge.get(state).data.buffer.byteLength > 6 * 4); // a view of a larger buffer
  const [handle, rank, ...dims] = (await bridge.run('neg', 'x', `${state}`)).split(',').map(Number);
  assert.deepEqual([rank, dims], [3, [1, 3, 2]]);
  assert.deepEqual(Array.from(bridge.readSync(handle)), [-1, -2, -3, -4, -5, -6]);
  const buffer = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const offset = await session.run({ x: new ort.Tensor('float32', buffer.subarray(2, 6), [1, 2, 2]) });
  assert.deepEqual(Array.from(offset.y.data), [-3, -4, -5, -6]);
  await session.release();
});
