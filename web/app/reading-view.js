// The reading view: a chapter's text as paragraphs of sentences. The sentence being heard is
// highlighted and kept in view (the box scrolls, not the page); a click on a sentence asks to read
// from there. `sentenceSpans` splits a text the same way wherever it is needed (the chapter here, the
// text as read in document-panel.js), so a sentence of one is found in the other.

/** After a sentence's end mark (and closing quotes or brackets) comes a space. */
const SENTENCE_END = /[.!?…]+["'”’»)\]]*(?=\s)/g;
const PARAGRAPH_BREAK = /\n\s*\n/g;

/**
 * The sentences of `text` as [start, end) offsets, in order: split at paragraph breaks and after end
 * marks; spaces between them belong to none.
 * @param {string} text
 * @returns {Array<[number, number]>}
 */
export function sentenceSpans(text) {
  const cuts = new Set([0, text.length]);
  for (const match of text.matchAll(SENTENCE_END)) cuts.add(match.index + match[0].length);
  for (const match of text.matchAll(PARAGRAPH_BREAK)) cuts.add(match.index);
  const sorted = [...cuts].sort((a, b) => a - b);
  /** @type {Array<[number, number]>} */
  const spans = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const piece = text.slice(sorted[i], sorted[i + 1]);
    const start = sorted[i] + (piece.length - piece.trimStart().length);
    const end = sorted[i + 1] - (piece.length - piece.trimEnd().length);
    if (end > start) spans.push([start, end]);
  }
  return spans;
}

export class ReadingView {
  /** @param {HTMLElement} root  the scrolling box; @param {(sentence: number) => void} onPick a sentence was clicked */
  constructor(root, onPick) {
    this.root = root;
    /** @type {HTMLElement[]} */
    this.sentences = [];
    this.current = -1;
    root.addEventListener('click', (event) => {
      const span = event.target instanceof Element ? event.target.closest('[data-sentence]') : null;
      if (span instanceof HTMLElement) onPick(Number(span.dataset.sentence));
    });
  }

  /** Show `text` (a chapter); returns its sentences' spans (sentenceSpans). */
  show(/** @type {string} */ text) {
    const spans = sentenceSpans(text);
    this.sentences = [];
    this.current = -1;
    const fragment = document.createDocumentFragment();
    let paragraph = document.createElement('p');
    let last = 0;
    for (const [start, end] of spans) {
      if (/\n\s*\n/.test(text.slice(last, start)) && paragraph.childNodes.length) {
        fragment.append(paragraph);
        paragraph = document.createElement('p');
      } else if (paragraph.childNodes.length) {
        paragraph.append(' ');
      }
      const span = document.createElement('span');
      span.className = 'sentence';
      span.dataset.sentence = String(this.sentences.length);
      span.textContent = text.slice(start, end);
      this.sentences.push(span);
      paragraph.append(span);
      last = end;
    }
    fragment.append(paragraph);
    this.root.replaceChildren(fragment);
    this.root.scrollTop = 0;
    return spans;
  }

  /** Highlight sentence `at` (-1: none) and scroll the box to keep it in view. */
  highlight(/** @type {number} */ at) {
    if (at === this.current) return;
    this.sentences[this.current]?.classList.remove('current');
    this.sentences[this.current]?.removeAttribute('aria-current');
    this.current = at;
    const span = this.sentences[at];
    if (!span) return;
    span.classList.add('current');
    span.setAttribute('aria-current', 'true');
    const top = span.offsetTop; // the box is the offset parent (position: relative)
    if (top < this.root.scrollTop || top + span.offsetHeight > this.root.scrollTop + this.root.clientHeight) {
      this.root.scrollTop = Math.max(0, top - this.root.clientHeight / 3);
    }
  }
}
