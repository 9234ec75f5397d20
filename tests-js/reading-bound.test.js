// Unit tests (node --test) for Reading (web/engine/reading.js, PocketTTS.read) on a fake engine and a
// fake player: generation stops once `aheadSeconds` of audio wait ahead of the listener and goes on
// as the player's stats reports say it was heard; pieces are entered as playback reaches them; the
// pre-roll holds the first sound; Stop cancels the piece being generated and ends the reading.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Reading } from '../web/engine/reading.js';

const RATE = 24000;

/** A player that records what it is given; `report(seconds)` plays as the worklet's stats would say. */
function fakePlayer() {
  return {
    sampleRate: RATE,
    speed: 1,
    latency: 0,
    paused: false,
    pushed: 0,
    ended: false,
    flushed: false,
    /** @type {(stats: object) => void} */
    onStats: () => {},
    start: async () => {},
    reset() {},
    push(/** @type {Float32Array} */ pcm) {
      this.pushed += pcm.length;
    },
    end() {
      this.ended = true;
    },
    flush() {
      this.flushed = true;
    },
    resume: async () => {},
    heardSeconds(/** @type {{rendered: number, speed?: number}} */ stats) {
      return Math.max(0, stats.rendered / RATE - this.latency * (stats.speed || 1));
    },
    report(/** @type {number} */ seconds, drained = false) {
      this.onStats({ rendered: seconds * RATE, speed: 1, underruns: 0, drained });
    },
  };
}

/** An engine whose every piece is `chunks` chunks of `chunkSeconds` of audio, made at once. */
function fakeEngine({ chunks = 10, chunkSeconds = 1 } = {}) {
  const tts = {
    player: fakePlayer(),
    /** @type {any} */ speech: null,
    /** @type {string[]} */ runs: [],
    /** @type {number[]} */ cancelled: [],
    cancel(/** @type {number} */ id) {
      this.cancelled.push(id);
    },
    run(/** @type {string} */ text, /** @type {object} */ _options, /** @type {(event: any) => void} */ onEvent) {
      const id = tts.runs.push(text);
      const result = (async () => {
        await null;
        onEvent({ type: 'raw', message: { type: 'words', text, words: [[text, 0, 0, text.length]] } });
        for (let i = 0; i < chunks; i++) {
          if (tts.cancelled.includes(id)) break;
          onEvent({ type: 'raw', message: { type: 'chunk', pcm: new Float32Array(chunkSeconds * RATE), words: i === 0 ? [['start', 0, 0, 0]] : [] } });
          await null;
        }
        return { seconds: chunks * chunkSeconds, wavParts: [] };
      })();
      return { id: Promise.resolve(id), result };
    },
  };
  return tts;
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

function read(tts, pieces, options) {
  const reading = new Reading(/** @type {any} */ (tts), pieces, { keep: false, ...options });
  tts.speech = reading;
  const entered = [];
  reading.on('piece', (piece) => entered.push(piece.index));
  return { reading, entered };
}

test('generation stops at the bound ahead of playback and goes on as playback drains it', async () => {
  const tts = fakeEngine(); // 10 s per piece
  const pieces = Array.from({ length: 10 }, (_, i) => ({ text: `Piece ${i}.`, group: Math.floor(i / 4) }));
  const { reading, entered } = read(tts, pieces, { aheadSeconds: 30 });
  await settle();
  assert.equal(tts.runs.length, 3); // 0, 10, 20 s ahead when each started; 30 s then: it waits
  assert.equal(reading.ahead, 30);
  await settle();
  assert.equal(tts.runs.length, 3); // no report from the player, no more generation

  tts.player.report(15); // 15 s heard
  await settle();
  assert.equal(tts.runs.length, 5); // 15 and 25 s ahead: two more pieces, 35 s ahead now
  assert.deepEqual(entered, [0, 1]); // pieces start at 0 and 10 s
  assert.equal(reading.position, 1);
  assert.equal(tts.player.pushed, 50 * RATE);

  tts.player.report(49);
  await settle();
  assert.equal(tts.runs.length, 8);
  assert.deepEqual(entered, [0, 1, 2, 3, 4]);
  assert.ok(reading.ahead <= 30 + 10, `ahead ${reading.ahead} s`);
});

test('the last piece generated ends the stream; drained, the reading ends having entered every piece', async () => {
  const tts = fakeEngine({ chunks: 2 });
  const { reading, entered } = read(tts, [{ text: 'One.' }, { text: 'Two.' }], {});
  await settle();
  assert.equal(tts.runs.length, 2);
  assert.equal(tts.player.ended, true);
  let ended = null;
  reading.on('end', (detail) => (ended = detail));
  tts.player.report(4, true);
  assert.deepEqual(entered, [0, 1]);
  assert.deepEqual(ended, { stopped: false, piece: 1 });
});

test('the first sound waits for a second of listening (the pre-roll), then all of it is played', async () => {
  const tts = fakeEngine({ chunks: 8, chunkSeconds: 0.25 });
  let pushedEarly = -1;
  const push = tts.player.push.bind(tts.player);
  tts.player.push = (pcm) => {
    if (pushedEarly < 0) pushedEarly = tts.runs.length ? reading.pushed : 0;
    push(pcm);
  };
  const { reading } = read(tts, [{ text: 'One.' }], { aheadSeconds: 30 });
  await settle();
  assert.equal(pushedEarly, RATE); // nothing reached the player before 1 s was generated
  assert.equal(tts.player.pushed, 2 * RATE);
});

test('Stop cancels the piece being generated, silences the player and ends the reading', async () => {
  const tts = fakeEngine({ chunks: 1000 });
  const { reading } = read(tts, [{ text: 'Long.' }, { text: 'Next.' }], {});
  assert.equal(reading.generating, true);
  reading.stop();
  await settle();
  assert.deepEqual(tts.cancelled, [1]);
  assert.equal(tts.player.flushed, true);
  assert.equal(reading.active, false);
  assert.deepEqual(await reading.ended, { stopped: true });
  assert.equal(tts.runs.length, 1); // the next piece was never started
});
