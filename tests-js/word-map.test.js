// Unit tests (node --test) for web/engine/word-map.js: the model's words mapped to character ranges
// of the caller's text, and web/engine/jobs.js's word events built on it.

import assert from 'node:assert/strict';
import test from 'node:test';

import { Channel, WordTimes } from '../web/engine/jobs.js';
import { mapWords } from '../web/engine/word-map.js';

const slices = (text, ranges) => ranges.map(([at, length]) => text.slice(at, at + length));

test('plain words map one to one, punctuation left out, case ignored', () => {
  const text = 'Hello, world! This is a test.';
  assert.deepEqual(slices(text, mapWords(text, ['hello,', 'World!', 'This', 'is', 'a', 'test.'])), ['Hello', 'world', 'This', 'is', 'a', 'test']);
});

test('words written out by normalization point at what they came from', () => {
  const text = 'It costs $3.50 on 3/4/2026, ok?';
  const planned = ['It', 'costs', 'three', 'dollars', 'and', 'fifty', 'cents', 'on', 'March', 'fourth,', 'twenty', 'twenty-six,', 'ok?'];
  const got = slices(text, mapWords(text, planned));
  assert.deepEqual(got.slice(0, 2), ['It', 'costs']);
  assert.deepEqual(got.slice(2, 7), Array(5).fill('3.50'));
  assert.equal(got[7], 'on');
  assert.deepEqual(got.slice(8, 12), Array(4).fill('3/4/2026'));
  assert.equal(got[12], 'ok');
});

test('pause markup between words is skipped; a word not in the text takes its neighbour', () => {
  const text = 'One [pause 1s] two three';
  assert.deepEqual(slices(text, mapWords(text, ['One', 'two', 'three'])), ['One', 'two', 'three']);
  assert.deepEqual(slices('a b', mapWords('a b', ['a', 'extra', 'b'])), ['a', 'b', 'b']);
  assert.deepEqual(mapWords('', ['x']), [[0, 0]]);
});

test('a long text stays linear: the words of a 20 000-word text map in order', () => {
  const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`);
  const text = words.join(' ');
  const ranges = mapWords(text, words);
  assert.equal(ranges.length, words.length);
  assert.deepEqual(slices(text, [ranges[12_345]]), ['w12345']);
});

test('WordTimes: a word event once its end is known, with its place in the caller text', () => {
  const times = new WordTimes('Hi there.');
  times.plan([['Hi', 0, 0, 2], ['there.', 1, 3, 9]]);
  assert.deepEqual(times.add([['start', 0, 0.1, 0.1]]), []);
  const [hi] = times.add([['end', 0, 0.1, 0.4], ['start', 1, 0.5, 0.5]]);
  assert.deepEqual(hi, { type: 'word', index: 0, text: 'Hi', charIndex: 0, charLength: 2, start: 0.1, end: 0.4 });
  const [there] = times.add([['end', 1, 0.5, 0.9]]);
  assert.deepEqual([there.charIndex, there.charLength, there.start], [3, 5, 0.5]);
});

test('Channel: items in order, then the end, or the error after the items', async () => {
  const channel = new Channel();
  channel.push(1);
  setTimeout(() => (channel.push(2), channel.close()), 5);
  const seen = [];
  for await (const item of channel) seen.push(item);
  assert.deepEqual(seen, [1, 2]);
  const failing = new Channel();
  failing.push('a');
  failing.close(new Error('boom'));
  const got = [];
  await assert.rejects(async () => {
    for await (const item of failing) got.push(item);
  }, /boom/);
  assert.deepEqual(got, ['a']);
});
