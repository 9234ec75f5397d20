// Unit tests (node --test) for the document reading helpers of the app: the sentence split that the
// reading view and the follower share (web/app/reading-view.js) and the resume positions
// (web/app/resume-store.js, over a stand-in localStorage).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sentenceSpans } from '../web/app/reading-view.js';
import { ResumeStore, fingerprint } from '../web/app/resume-store.js';

const pieces = (text) => sentenceSpans(text).map(([start, end]) => text.slice(start, end));

test('sentences end at end marks followed by a space, and at paragraph breaks', () => {
  const text = 'The Storm\n\nIt rained. "Run!" she said… Was it 3.5 km? Yes (really.) Then\nquiet.\n\n  Last one';
  assert.deepEqual(pieces(text), ['The Storm', 'It rained.', '"Run!"', 'she said…', 'Was it 3.5 km?', 'Yes (really.)', 'Then\nquiet.', 'Last one']);
});

test('offsets point into the text; blank or empty text has no sentence', () => {
  const text = '  One.   Two.  ';
  assert.deepEqual(sentenceSpans(text), [[2, 6], [9, 13]]);
  assert.deepEqual(sentenceSpans(''), []);
  assert.deepEqual(sentenceSpans(' \n\n '), []);
});

test('a text read from sentence k splits into the same sentences as the chapter from k', () => {
  const chapter = 'Heading\n\nFirst one. Second one! Third?\n\nFourth.';
  const spans = sentenceSpans(chapter);
  for (let k = 0; k < spans.length; k++) assert.deepEqual(pieces(chapter.slice(spans[k][0])), pieces(chapter).slice(k));
});

test('positions are kept per fingerprint, newest 50, and garbage is ignored', async () => {
  const items = new Map();
  globalThis.localStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)) };
  const store = new ResumeStore();
  const id = await fingerprint(new TextEncoder().encode('abc').buffer);
  assert.equal(id, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // SHA-256("abc"), FIPS 180-2
  assert.equal(store.get(id), null);
  store.set(id, 2, 7);
  assert.deepEqual({ ...store.get(id), at: 0 }, { chapter: 2, sentence: 7, at: 0 });
  for (let i = 0; i < 55; i++) store.set(`doc${i}`, 0, i);
  assert.equal(Object.keys(JSON.parse(items.get('pocket-tts:positions'))).length, 50);
  assert.deepEqual(store.get('doc54')?.sentence, 54);
  items.set('pocket-tts:positions', '{not json');
  assert.equal(store.get('doc54'), null);
  store.set('x', 1, 1); // starts afresh
  assert.equal(store.get('x')?.chapter, 1);
  delete globalThis.localStorage;
});

test('a document cut into pieces: sentences of a paragraph joined under PIECE_CHARS, never across paragraphs or chapters', async () => {
  const { PIECE_CHARS, documentPieces } = await import('../web/app/reading-pieces.js');
  const long = `${'word '.repeat(PIECE_CHARS / 5 + 10).trim()}.`;
  const chapters = [
    { text: 'Title One\n\nA first. A second. A third.\n\nNew paragraph.' },
    { text: `Title Two\n\n${long} Short one. Short two.` },
  ];
  const pieces = documentPieces(chapters, 0, 2);
  assert.deepEqual(pieces.map((p) => [p.text, p.chapter, p.sentence, p.group]), [
    ['A second. A third.', 0, 2, 0],
    ['New paragraph.', 0, 4, 0],
    ['Title Two', 1, 0, 1],
    [long, 1, 1, 1], // longer than PIECE_CHARS alone: a piece of its own
    ['Short one. Short two.', 1, 2, 1],
  ]);
  // Every sentence from the start on is in exactly one piece, in order.
  const all = documentPieces(chapters, 0, 0).map((p) => p.text).join(' ');
  assert.equal(all, ['Title One', 'A first. A second. A third.', 'New paragraph.', 'Title Two', long, 'Short one. Short two.'].join(' '));
  assert.deepEqual(documentPieces(chapters, 1, 99), []);
});
