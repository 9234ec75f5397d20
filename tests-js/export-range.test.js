// Unit tests (node --test) for the Export panel's chapter range (web/app/export-panel.js chapterRange):
// 1-based and inclusive as the CLI's --chapters A-B, an empty end meaning the last chapter, and a
// clear message for a range that does not fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chapterRange } from '../web/app/export-panel.js';

test('a range of chapters: 1-based, both ends included, empty ends meaning the first and the last', () => {
  assert.deepEqual(chapterRange('2', '3', 5), { first: 2, last: 3 });
  assert.deepEqual(chapterRange('1', '', 5), { first: 1, last: 5 });
  assert.deepEqual(chapterRange('', '', 1), { first: 1, last: 1 });
  assert.deepEqual(chapterRange(' 4 ', '4', 4), { first: 4, last: 4 });
});

test('a range that does not fit the chapters is refused with a message saying what fits', () => {
  for (const [from, to] of [['0', '2'], ['3', '2'], ['2', '6'], ['1.5', '2'], ['x', '']]) {
    assert.throws(() => chapterRange(from, to, 5), (error) => error instanceof RangeError && /choose chapters from 1 to 5, the first not after the last/.test(error.message), `${from}-${to}`);
  }
});
