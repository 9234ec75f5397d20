// Where the model's timed words lie in the caller's own text. The words the model reads are those of
// the text as planned (pause markup removed, numbers and symbols written out when normalization is
// on), so "It costs $3." is read as "It costs three dollars.": "three" and "dollars" both point at
// "3" in the original. Words are aligned in order on their letters and digits (case ignored); the
// planned words between two aligned ones take the original words between them.

const WORD = /[\p{L}\p{N}]+(?:['’.,:/-][\p{L}\p{N}]+)*/gu;
/** How many original words ahead a planned word is looked for before it is taken as rewritten. */
const LOOKAHEAD = 12;

const key = (/** @type {string} */ word) => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/**
 * The character range in `original` of each planned word: [charIndex, charLength], in order.
 * @param {string} original  the text the caller gave
 * @param {string[]} planned  the words that get times, in reading order
 * @returns {Array<[number, number]>}
 */
export function mapWords(original, planned) {
  const tokens = [...original.matchAll(WORD)].map((m) => ({ begin: m.index, end: m.index + m[0].length, key: key(m[0]) }));
  /** @type {Array<[number, number]>} */
  const ranges = new Array(planned.length);
  let cursor = 0; // the next original word not yet aligned
  /** @type {number[]} */
  let waiting = []; // planned words not aligned since the last aligned one
  const settle = (/** @type {number} */ upTo) => {
    // The waiting planned words were rewritten from the original words cursor .. upTo-1 (or, when
    // there are none, they were added: they take the next original word, or the last one).
    const first = tokens[Math.min(cursor, tokens.length - 1)];
    const last = upTo > cursor ? tokens[upTo - 1] : first;
    for (const i of waiting) ranges[i] = first ? [first.begin, last.end - first.begin] : [0, 0];
    waiting = [];
  };
  planned.forEach((word, i) => {
    const wanted = key(word);
    let found = -1;
    for (let j = cursor; j < Math.min(tokens.length, cursor + LOOKAHEAD) && wanted; j++) {
      if (tokens[j].key === wanted) {
        found = j;
        break;
      }
    }
    if (found < 0) {
      waiting.push(i);
      return;
    }
    settle(found);
    ranges[i] = [tokens[found].begin, tokens[found].end - tokens[found].begin];
    cursor = found + 1;
  });
  settle(tokens.length);
  return ranges;
}
