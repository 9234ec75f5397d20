// Unit tests of the WSOLA time-stretcher (web/audio/time-stretch.js), driven as the AudioWorklet drives it:
// 1920-sample chunks pushed as they arrive, output pulled in 128-frame render quanta.
// Run: node --test tests-js/   (npm run test:unit)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SPEED, MIN_SPEED, TimeStretcher, checkSpeed, stretchAll } from '../web/audio/time-stretch.js';

const RATE = 24000;
const QUANTUM = 128;
const CHUNK = 1920;

function tone(frequency, seconds, amplitude = 0.5) {
  const pcm = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < pcm.length; i++) pcm[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE);
  return pcm;
}

/** Push `pcm` chunk by chunk, reading 128-frame quanta until starved after each; then end and drain. */
function playThrough(stretcher, pcm, onQuantum = () => {}) {
  const out = [];
  const block = new Float32Array(QUANTUM);
  const drain = () => {
    for (;;) {
      const n = stretcher.read(block);
      if (n) out.push(block.slice(0, n));
      if (n < QUANTUM) return;
      onQuantum(stretcher);
    }
  };
  for (let at = 0; at < pcm.length; at += CHUNK) {
    stretcher.push(pcm.subarray(at, at + CHUNK));
    drain();
  }
  stretcher.end();
  drain();
  assert.ok(stretcher.drained, 'drained after end');
  const joined = new Float32Array(out.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of out) {
    joined.set(b, at);
    at += b.length;
  }
  return joined;
}

/** Frequency from the rising zero crossings (linearly interpolated) of `pcm`, ignoring `margin` samples at each end. */
function zeroCrossingFrequency(pcm, margin) {
  const crossings = [];
  for (let i = margin + 1; i < pcm.length - margin; i++) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) crossings.push(i - 1 + pcm[i - 1] / (pcm[i - 1] - pcm[i]));
  }
  return ((crossings.length - 1) * RATE) / (crossings[crossings.length - 1] - crossings[0]);
}

/** Largest |x[i] - x[i-1]|: overall, and where i is a 128-frame quantum boundary. */
function maxJumps(pcm) {
  let all = 0;
  let boundaries = 0;
  for (let i = 1; i < pcm.length; i++) {
    const jump = Math.abs(pcm[i] - pcm[i - 1]);
    all = Math.max(all, jump);
    if (i % QUANTUM === 0) boundaries = Math.max(boundaries, jump);
  }
  return { all, boundaries };
}

/** Smallest and largest RMS over 10 ms windows, ignoring `margin` samples at each end. */
function rmsRange(pcm, margin) {
  const size = RATE / 100;
  let low = Infinity;
  let high = 0;
  for (let at = margin; at + size <= pcm.length - margin; at += size) {
    let sum = 0;
    for (let i = at; i < at + size; i++) sum += pcm[i] * pcm[i];
    const rms = Math.sqrt(sum / size);
    low = Math.min(low, rms);
    high = Math.max(high, rms);
  }
  return { low, high };
}

for (const speed of [0.5, 1.5, 3]) {
  test(`440 Hz at ${speed}×: stays 440 Hz (±2 Hz), no clicks at quantum boundaries, lasts input/speed (±2 %)`, () => {
    const input = tone(440, 3);
    const output = playThrough(new TimeStretcher(RATE, speed), input);
    const margin = RATE / 20; // the first and last 50 ms
    const frequency = zeroCrossingFrequency(output, margin);
    const pureJump = 2 * 0.5 * Math.sin((Math.PI * 440) / RATE); // the tone's own largest step
    const jumps = maxJumps(output.subarray(margin, output.length - margin));
    const { low, high } = rmsRange(output, margin);
    const pure = rmsRange(tone(440, output.length / RATE), margin); // 10 ms is no whole number of periods
    const ratio = output.length / (input.length / speed);
    console.log(`  ${speed}×: ${frequency.toFixed(3)} Hz; max jump ${jumps.all.toFixed(4)} (quantum boundaries ` +
      `${jumps.boundaries.toFixed(4)}, pure tone ${pureJump.toFixed(4)}); RMS ${low.toFixed(4)}–${high.toFixed(4)} ` +
      `(pure tone ${pure.low.toFixed(4)}–${pure.high.toFixed(4)}); duration ${output.length} samples = ${ratio.toFixed(4)} × input/speed`);
    assert.ok(Math.abs(frequency - 440) <= 2, `pitch ${frequency} Hz`);
    assert.ok(jumps.all <= 1.05 * pureJump, `largest step ${jumps.all} vs the pure tone's ${pureJump}`);
    assert.ok(jumps.boundaries <= 1.05 * pureJump, `largest step at a quantum boundary ${jumps.boundaries}`);
    assert.ok(low >= 0.99 * pure.low && high <= 1.01 * pure.high, `loudness ${low}–${high}: no dips or bumps`);
    assert.ok(Math.abs(ratio - 1) <= 0.02, `duration ratio ${ratio}`);
  });
}

test('at 1× the output is the input (noise and a tone)', () => {
  let seed = 1;
  const noise = Float32Array.from({ length: RATE * 2 }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647) - 0.5);
  for (const input of [noise, tone(440, 2)]) {
    const output = playThrough(new TimeStretcher(RATE, 1), input);
    assert.equal(output.length, input.length);
    let worst = 0;
    for (let i = 0; i < input.length; i++) worst = Math.max(worst, Math.abs(output[i] - input[i]));
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
  }
});

test('speed changed at every quantum: every source sample is played, output bounded and finite', () => {
  const input = tone(220, 4);
  const speeds = [0.5, 3, 1, 2.25, 0.75, 1.5];
  let quantum = 0;
  let sourcePlayed = 0;
  const stretcher = new TimeStretcher(RATE);
  const output = playThrough(stretcher, input, (s) => {
    assert.ok(s.position >= sourcePlayed, 'the source position never goes back');
    sourcePlayed = s.position;
    s.speed = speeds[quantum++ % speeds.length];
  });
  assert.equal(stretcher.position, input.length);
  assert.equal(stretcher.pending, 0);
  assert.ok(output.every((x) => Number.isFinite(x) && Math.abs(x) <= 0.5 + 1e-3));
  assert.ok(output.length > input.length / MAX_SPEED && output.length < input.length / MIN_SPEED);
});

test('the source position follows the output: position ≈ output × speed while playing', () => {
  const stretcher = new TimeStretcher(RATE, 2);
  const block = new Float32Array(QUANTUM);
  stretcher.push(tone(440, 2));
  let output = 0;
  for (let i = 0; i < 100; i++) output += stretcher.read(block);
  assert.equal(output, 100 * QUANTUM);
  assert.ok(Math.abs(stretcher.position - 2 * output) <= 1, `${stretcher.position} vs ${2 * output}`);
  assert.equal(stretcher.pending, 2 * RATE - stretcher.position);
});

test('starved mid-stream: read returns what it has and resumes when more arrives', () => {
  const stretcher = new TimeStretcher(RATE, 1.5);
  const block = new Float32Array(QUANTUM);
  stretcher.push(tone(440, 0.02)); // less than a frame's look-ahead
  assert.equal(stretcher.read(block), 0);
  assert.equal(stretcher.drained, false);
  stretcher.push(tone(440, 0.5));
  assert.equal(stretcher.read(block), QUANTUM);
});

test('clear drops everything and starts a new stream at position 0', () => {
  const stretcher = new TimeStretcher(RATE, 2);
  stretcher.push(tone(440, 1));
  stretcher.read(new Float32Array(4096));
  assert.ok(stretcher.position > 0);
  stretcher.clear();
  assert.equal(stretcher.position, 0);
  assert.equal(stretcher.pending, 0);
  assert.equal(stretcher.read(new Float32Array(QUANTUM)), 0);
  assert.equal(stretcher.speed, 2, 'the speed is kept');
});

test('stretchAll: the whole signal at a speed (the WAV download)', () => {
  const input = tone(440, 2);
  for (const speed of [0.5, 1.5, 3]) {
    const output = stretchAll(input, RATE, speed);
    assert.ok(Math.abs(output.length / (input.length / speed) - 1) <= 0.02, `${speed}×: ${output.length} samples`);
  }
  assert.equal(stretchAll(new Float32Array(0), RATE, 2).length, 0);
});

test('speeds outside 0.5–3 and non-numbers are refused with a clear message', () => {
  for (const bad of [0.49, 3.01, 0, -1, NaN, Infinity, '2', null]) {
    assert.throws(() => checkSpeed(bad), /playback speed must be a number from 0\.5 to 3/);
  }
  assert.throws(() => new TimeStretcher(RATE, 4), RangeError);
  assert.equal(checkSpeed(0.5), 0.5);
  assert.equal(checkSpeed(3), 3);
});

test('at 1× a stream plays each chunk to its last sample before the next arrives (no look-ahead held back)', () => {
  const stretcher = new TimeStretcher(RATE, 1);
  const input = tone(440, 0.2);
  stretcher.push(input.subarray(0, CHUNK));
  const out = new Float32Array(4 * CHUNK);
  assert.equal(stretcher.read(out), CHUNK, 'the whole first chunk is playable at once');
  assert.equal(stretcher.pending, 0);
  stretcher.push(input.subarray(CHUNK, 2 * CHUNK));
  assert.equal(stretcher.read(out), CHUNK);
  assert.equal(stretcher.position, 2 * CHUNK);
});

test('a speed change after a 1× start continues from the same place: no click, pitch kept, all source played', () => {
  const input = tone(440, 3);
  for (const speed of [0.5, 1.5, 3]) {
    const stretcher = new TimeStretcher(RATE, 1);
    let quanta = 0;
    let switchedAt = -1;
    const output = playThrough(stretcher, input, (s) => {
      if (++quanta === 40) {
        switchedAt = s.position;
        s.speed = speed;
      }
    });
    assert.equal(switchedAt, 40 * QUANTUM, 'played 1:1 before the change');
    assert.equal(stretcher.position, input.length);
    const pure = maxJumps(input);
    const jumps = maxJumps(output);
    assert.ok(jumps.all <= 1.05 * pure.all, `${speed}×: largest step ${jumps.all} (the tone's own: ${pure.all})`);
    const after = output.subarray(40 * QUANTUM);
    const frequency = zeroCrossingFrequency(after, 2 * RATE * 0.015);
    assert.ok(Math.abs(frequency - 440) <= 2, `${speed}×: ${frequency} Hz after the change`);
    const expected = 40 * QUANTUM + (input.length - switchedAt) / speed;
    assert.ok(Math.abs(output.length / expected - 1) <= 0.02, `${speed}×: ${output.length} samples, ~${expected} expected`);
  }
});

test('a long 1× stream keeps a bounded input buffer (played samples are dropped)', () => {
  const stretcher = new TimeStretcher(RATE, 1);
  const block = new Float32Array(QUANTUM);
  const chunk = tone(440, CHUNK / RATE);
  for (let i = 0; i < 2000; i++) {
    stretcher.push(chunk);
    while (stretcher.read(block) === QUANTUM);
  }
  assert.ok(stretcher.input.length <= 16 * stretcher.size, `input buffer ${stretcher.input.length} samples after 160 s`);
});
