// Read along: the text with the word being heard highlighted (word times from the model's attention,
// py_core.timestamps). The page feeds it the worker's word events and the playback position (the
// worklet's `rendered` source samples), so the highlight follows playback, pauses, speed and Stop,
// never generation. State is a few typed arrays sized once per utterance: flat for any text length.

export class ReadAlong {
  /** @param {HTMLElement} root the view; @param {(seconds: number) => void} onSeek a word was clicked */
  constructor(root, onSeek) {
    this.root = root;
    this.onSeek = onSeek;
    this.spans = [];
    this.planText = ''; // the text as read (the words' offsets are into it)
    this.begins = new Int32Array(0); // each word's offset in planText
    this.position = new Map(); // word index (as the events number words) → position in `spans`
    this.starts = new Float64Array(0);
    this.ends = new Float64Array(0);
    this.known = 0; // words whose start is known: 0 .. known-1 (they start in order)
    this.current = -1;
    root.addEventListener('click', (event) => {
      const span = event.target instanceof Element ? event.target.closest('[data-word]') : null;
      const at = span instanceof HTMLElement ? Number(span.dataset.word) : -1;
      if (at >= 0 && at < this.known) this.onSeek(this.starts[at]);
    });
    this.show('Speak to see the words highlighted as they are heard.');
  }

  /** A message instead of the text (no utterance yet, or no timestamps). */
  show(message) {
    this.spans = [];
    this.position.clear();
    this.known = 0;
    this.current = -1;
    this.root.replaceChildren(this.#note(message));
  }

  /** The model has no timestamp heads. */
  unavailable() {
    this.show('Word timestamps are unavailable for this model: the text cannot be highlighted.');
  }

  /** A new utterance: `text` with `words` as [word, index, begin, end] (offsets into `text`). */
  plan(text, words) {
    const fragment = document.createDocumentFragment();
    this.spans = [];
    this.position.clear();
    this.planText = text;
    this.begins = Int32Array.from(words, (word) => word[2]);
    let at = 0;
    for (const [, index, begin, end] of words) {
      if (begin > at) fragment.append(text.slice(at, begin));
      const span = document.createElement('span');
      span.textContent = text.slice(begin, end);
      span.dataset.word = String(this.spans.length);
      this.position.set(index, this.spans.length);
      this.spans.push(span);
      fragment.append(span);
      at = end;
    }
    fragment.append(text.slice(at));
    this.starts = new Float64Array(words.length);
    this.ends = new Float64Array(words.length).fill(Infinity);
    this.known = 0;
    this.current = -1;
    this.root.replaceChildren(fragment);
    if (!words.length) this.root.append(this.#note('No words to highlight in this text.'));
  }

  /** Word events from the worker: [kind ('start' | 'end'), index, start, end]. */
  add(events) {
    for (const [kind, index, start, end] of events) {
      const at = this.position.get(index);
      if (at === undefined) continue;
      this.starts[at] = start;
      if (kind === 'end') this.ends[at] = end;
      this.known = Math.max(this.known, at + 1);
      this.spans[at].classList.add('timed');
    }
  }

  /** Highlight the word heard at `seconds` of the utterance's audio (none between words). */
  seek(seconds) {
    let low = 0;
    let high = this.known; // the last word starting at or before `seconds`: binary search
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.starts[mid] <= seconds) low = mid + 1;
      else high = mid;
    }
    const at = low - 1;
    this.#highlight(at >= 0 && seconds < this.ends[at] ? at : -1);
  }

  /** Nothing highlighted (Stop, a new utterance). */
  clear() {
    this.#highlight(-1);
  }

  /** The highlighted word's text, or null (the e2e tests read it). */
  get currentWord() {
    return this.current >= 0 ? this.spans[this.current].textContent : null;
  }

  /** The highlighted word's offset in the text as read (planText), or -1. */
  get currentBegin() {
    return this.current >= 0 ? this.begins[this.current] : -1;
  }

  #highlight(at) {
    if (at === this.current) return;
    this.spans[this.current]?.classList.remove('current');
    this.spans[this.current]?.removeAttribute('aria-current');
    this.current = at;
    this.spans[at]?.classList.add('current');
    this.spans[at]?.setAttribute('aria-current', 'true');
  }

  #note(message) {
    const note = document.createElement('p');
    note.className = 'read-along-note';
    note.textContent = message;
    return note;
  }
}
