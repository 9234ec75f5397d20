// Unit tests of the start hold (web/audio/start-buffer.js) against a simulated player: chunks arrive at
// given times, a player that starts `hold` seconds after the first arrival plays them back to back, and
// the test counts the times it finds nothing to play.
// Run: node --test tests-js/   (npm run test:unit)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_HOLD_SECONDS,
  HOLD_MARGIN_SECONDS,
  MAX_HOLD_SECONDS,
  REMEMBERED_STARTS,
  StartBuffer,
  neededHold,
} from '../web/audio/start-buffer.js';

const RATE = 24000;
const CHUNK = 1920; // 80 ms

/** Gaps a player would hear: it starts `hold` s after the first arrival and plays at `speed`, waiting for chunks that are late. */
function gaps(arrivals, hold, speed) {
  let clock = arrivals[0][0] + hold; // when the next chunk can start playing
  let count = 0;
  for (const [at, samples] of arrivals) {
    if (at > clock + 1e-9) {
      count++;
      clock = at;
    }
    clock += samples / RATE / speed;
  }
  return count;
}

/** A start like the one measured in session 11: chunk 2 ~110 ms after chunk 1, then one every `step` s. */
function start(first = 0.3, second = 0.11, step = 0.045, chunks = 30) {
  const arrivals = [[first, CHUNK], [first + second, CHUNK]];
  for (let i = 2; i < chunks; i++) arrivals.push([first + second + (i - 1) * step, CHUNK]);
  return arrivals;
}

test('neededHold is the least hold with no gap (checked against a simulated player)', () => {
  for (const [second, step, speed] of [[0.11, 0.045, 1], [0.07, 0.04, 1], [0.11, 0.045, 2], [0.2, 0.09, 1], [0.05, 0.03, 0.5]]) {
    const arrivals = start(0.3, second, step);
    const need = neededHold(arrivals, RATE, speed);
    assert.equal(gaps(arrivals, need + 1e-6, speed), 0, `${second}/${step} at ${speed}×: no gap with ${need}`);
    if (need > 0.002) assert.ok(gaps(arrivals, need - 0.002, speed) > 0, `${second}/${step} at ${speed}×: a gap with less`);
  }
  assert.equal(neededHold(start(0.3, 0.05, 0.04), RATE, 1), 0, 'chunks that come faster than they play need no hold');
  assert.equal(neededHold([], RATE, 1), 0);
});

test('a player-side look-ahead raises the need by what it keeps back', () => {
  const arrivals = start();
  const plain = neededHold(arrivals, RATE, 1.5);
  assert.ok(Math.abs(neededHold(arrivals, RATE, 1.5, 900) - plain - 900 / RATE / 1.5) < 1e-9);
});

test('the hold covers the worst of the last starts, plus the margin, within the maximum', () => {
  const buffer = new StartBuffer(RATE, 900);
  assert.equal(buffer.hold(1), DEFAULT_HOLD_SECONDS, 'nothing measured yet');
  buffer.learn(start(0.3, 0.11));
  const need = neededHold(start(0.3, 0.11), RATE, 1);
  assert.ok(Math.abs(buffer.hold(1) - (need + HOLD_MARGIN_SECONDS)) < 1e-9);
  assert.ok(buffer.hold(2) > buffer.hold(1), 'a faster playback needs more hold');
  buffer.learn(start(0.2, 0.4, 0.05)); // a very late second chunk
  assert.equal(buffer.hold(1), MAX_HOLD_SECONDS);
  for (let i = 0; i < REMEMBERED_STARTS; i++) buffer.learn(start(0.3, 0.06, 0.04)); // the device keeps up now
  assert.equal(buffer.hold(1), HOLD_MARGIN_SECONDS, 'old starts are forgotten');
});

test('begin/arrived record a start and learn it at the next begin; a single chunk teaches nothing', () => {
  const buffer = new StartBuffer(RATE, 0);
  buffer.begin();
  buffer.arrived(10 * RATE, 5); // a replay: the whole clip at once
  buffer.begin();
  assert.equal(buffer.hold(1), DEFAULT_HOLD_SECONDS);
  for (const [at, samples] of start(1, 0.15, 0.045, 100)) buffer.arrived(samples, at);
  assert.ok(buffer.recording.length <= Math.ceil((2 * RATE) / CHUNK) + 1, 'only the first seconds are kept');
  buffer.begin();
  const need = neededHold(start(1, 0.15, 0.045), RATE, 1);
  assert.ok(Math.abs(buffer.hold(1) - (need + HOLD_MARGIN_SECONDS)) < 1e-9);
  assert.equal(gaps(start(1, 0.15, 0.045, 100), buffer.hold(1), 1), 0);
});
