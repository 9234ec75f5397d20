// A document cut into the pieces a reading speaks one after the other (PocketTTS.read): the
// sentences of a paragraph, joined while they stay under PIECE_CHARS (a longer sentence is a piece of
// its own), never across a paragraph or a chapter. Each piece knows its chapter and first sentence,
// so the reading view can follow playback piece by piece.

import { sentenceSpans } from './reading-view.js';

/** Characters a piece holds at most, unless one sentence is longer (about 15-25 s of speech). */
export const PIECE_CHARS = 300;

/**
 * @typedef {{text: string, group: number, chapter: number, sentence: number}} DocumentPiece
 *   `group` = `chapter` (the reading keeps the chapter being heard); `sentence`: its first sentence's index
 */

/**
 * The pieces of `chapters` from chapter `chapter`, sentence `sentence` on, to the document's end.
 * @param {Array<{text: string}>} chapters
 * @param {number} chapter
 * @param {number} sentence
 * @returns {DocumentPiece[]}
 */
export function documentPieces(chapters, chapter, sentence) {
  /** @type {DocumentPiece[]} */
  const pieces = [];
  for (let c = chapter; c < chapters.length; c++) {
    const text = chapters[c].text;
    const spans = sentenceSpans(text);
    /** @type {DocumentPiece | null} */
    let piece = null;
    let end = 0;
    for (let s = c === chapter ? sentence : 0; s < spans.length; s++) {
      const [start, stop] = spans[s];
      const newParagraph = piece !== null && /\n\s*\n/.test(text.slice(end, start));
      if (piece && !newParagraph && stop - start + piece.text.length < PIECE_CHARS) {
        piece.text = `${piece.text} ${text.slice(start, stop)}`;
      } else {
        piece = { text: text.slice(start, stop), group: c, chapter: c, sentence: s };
        pieces.push(piece);
      }
      end = stop;
    }
  }
  return pieces;
}
