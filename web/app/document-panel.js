// Documents: open a file (the picker, or a file dropped anywhere on the page), its chapter list
// (jump, previous, next), the reading view following playback (reading-view.js), the offer to resume
// where the listener stopped (resume-store.js) and the keyboard shortcuts. py_core reads text,
// Markdown, HTML and EPUB in the worker (PocketTTS.openDocument); pdf.js reads a PDF's text here
// (pdf-text.js). A file that cannot be read leaves the open document as it was.

import { MAX_DOCUMENT_BYTES, PocketTTSError } from '../engine/pocket-tts.js';
import { documentPieces } from './reading-pieces.js';
import { ReadingView, sentenceSpans } from './reading-view.js';
import { ResumeStore, fingerprint } from './resume-store.js';

const $ = (id) => document.getElementById(id);
const PDF_MAGIC = '%PDF-';

/**
 * @typedef {{id: string, name: string, title: string, format: string, chapters: Array<{title: string, text: string}>}} OpenDocument
 */

export class DocumentPanel {
  /** @param {import('./main.js').App} app */
  constructor(app) {
    this.app = app;
    this.ui = {
      open: /** @type {HTMLButtonElement} */ ($('document-open')),
      file: /** @type {HTMLInputElement} */ ($('document-file')),
      body: $('document-body'),
      info: $('document-info'),
      chapter: /** @type {HTMLSelectElement} */ ($('chapter')),
      prev: /** @type {HTMLButtonElement} */ ($('chapter-prev')),
      next: /** @type {HTMLButtonElement} */ ($('chapter-next')),
      read: /** @type {HTMLButtonElement} */ ($('document-read')),
      resume: $('resume-offer'),
      resumeText: $('resume-text'),
      resumeButton: /** @type {HTMLButtonElement} */ ($('resume')),
    };
    this.store = new ResumeStore();
    this.view = new ReadingView(/** @type {HTMLElement} */ ($('reading-view')), (sentence) => this.readFrom(this.chapter, sentence));
    /** @type {OpenDocument | null} */
    this.doc = null;
    this.chapter = 0;
    /** @type {Array<[number, number]>} the chapter's sentences (offsets into its text) */
    this.spans = [];
    this.heard = -1; // the sentence being heard
    this.waiting = false; // a reading waits for the speech it stopped to end
    /** @type {{chapter: number, sentence: number} | null} */
    this.offer = null;
    this.ui.open.addEventListener('click', () => this.ui.file.click());
    this.ui.file.addEventListener('change', () => {
      const file = this.ui.file.files?.[0];
      this.ui.file.value = ''; // the same file can be chosen again
      if (file) this.open(file);
    });
    document.addEventListener('dragover', (event) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    });
    document.addEventListener('drop', (event) => {
      const file = event.dataTransfer?.files[0];
      if (!file) return; // dropped text: the text box takes it
      event.preventDefault();
      this.open(file);
    });
    this.ui.chapter.addEventListener('change', () => this.showChapter(Number(this.ui.chapter.value)));
    this.ui.prev.addEventListener('click', () => this.step(-1));
    this.ui.next.addEventListener('click', () => this.step(1));
    this.ui.read.addEventListener('click', () => this.readFrom(this.chapter, Math.max(0, this.view.current)));
    this.ui.resumeButton.addEventListener('click', () => this.offer && this.readFrom(this.offer.chapter, this.offer.sentence));
    document.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Open `file`: its chapters replace the open document's; a failure is said and changes nothing. */
  async open(/** @type {File} */ file) {
    const { app } = this;
    app.status.clearError();
    app.status.set(`Opening ${file.name}…`);
    try {
      if (file.size > MAX_DOCUMENT_BYTES) { // before the file is read
        throw new PocketTTSError('bad-document', `${file.name} is too large: ${Math.round(file.size / 1e6)} MB (at most ${Math.round(MAX_DOCUMENT_BYTES / 1e6)} MB)`);
      }
      const data = await file.arrayBuffer();
      const id = await fingerprint(data);
      const opened = await this.read(data, file.name);
      if (app.playback.follow) app.playback.stop(); // the document being read is closed
      this.doc = { id, name: file.name, title: opened.title ?? file.name, format: opened.format, chapters: opened.chapters };
      this.ui.chapter.replaceChildren(...opened.chapters.map((chapter, i) => new Option(`${i + 1}. ${chapter.title}`, String(i))));
      const count = opened.chapters.length;
      const said = opened.encoding ? ` · text encoding ${opened.encoding}` : '';
      this.ui.info.textContent = `${this.doc.title} · ${opened.format.toUpperCase()} · ${count} chapter${count === 1 ? '' : 's'}${said}`;
      this.ui.body.hidden = false;
      this.showChapter(0);
      this.offerResume(this.store.get(id));
      app.status.set(`Opened ${file.name}: ${count} chapter${count === 1 ? '' : 's'}`);
      app.status.notice(opened.warnings);
      app.log({ type: 'document', name: file.name, format: opened.format, encoding: opened.encoding, chapters: count });
    } catch (error) {
      app.status.set(`${file.name} was not opened`);
      app.status.error(error.message, error);
      app.log({ type: 'document-error', name: file.name, message: error.message });
    }
  }

  /**
   * The chapters of a file's bytes: a PDF's text layer through pdf.js, then py_core for all.
   * @param {ArrayBuffer} data
   * @param {string} name
   */
  async read(data, name) {
    const head = new TextDecoder('latin1').decode(new Uint8Array(data, 0, Math.min(5, data.byteLength)));
    if (!/\.pdf$/i.test(name) && head !== PDF_MAGIC) return this.app.tts.openDocument(data, { name });
    const { pdfText } = await import('./pdf-text.js');
    const { title, text } = await pdfText(data.slice(0), name);
    const opened = await this.app.tts.openDocument(new TextEncoder().encode(text), { name: `${name.replace(/\.pdf$/i, '')}.txt` });
    return { ...opened, title: title ?? name, format: 'pdf', encoding: null };
  }

  /** Read is possible once the engine is ready (while speaking, it reads from elsewhere). */
  update() {
    this.ui.read.disabled = !['ready', 'speaking'].includes(this.app.phase);
  }

  /** Show chapter `index` in the reading view (reading goes on where it was). */
  showChapter(/** @type {number} */ index) {
    if (!this.doc) return;
    this.chapter = Math.max(0, Math.min(index, this.doc.chapters.length - 1));
    this.ui.chapter.value = String(this.chapter);
    this.spans = this.view.show(this.doc.chapters[this.chapter].text);
    this.heard = -1;
    this.ui.prev.disabled = this.chapter === 0;
    this.ui.next.disabled = this.chapter === this.doc.chapters.length - 1;
  }

  /** The previous (-1) or next (+1) chapter: read from its start when reading, else shown. */
  step(/** @type {number} */ by) {
    if (!this.doc) return;
    const reading = this.app.playback.follow !== null || this.waiting;
    const to = this.chapter + by;
    if (to < 0 || to >= this.doc.chapters.length) return;
    if (reading) this.readFrom(to, 0);
    else this.showChapter(to);
  }

  /** Offer to continue at a saved position (if it is in this document). */
  offerResume(/** @type {{chapter: number, sentence: number} | null} */ saved) {
    const chapter = saved ? this.doc?.chapters[saved.chapter] : undefined;
    this.offer = saved && chapter && saved.sentence < sentenceSpans(chapter.text).length ? saved : null;
    this.ui.resume.hidden = !this.offer;
    if (this.offer) this.ui.resumeText.textContent = `You stopped at chapter ${this.offer.chapter + 1} (${chapter?.title}), sentence ${this.offer.sentence + 1}.`;
  }

  /**
   * Read the document from chapter `chapter`, sentence `sentence` on to its end (stopping what was
   * speaking): one reading of pieces (reading-pieces.js), generated a bounded distance ahead of playback.
   */
  readFrom(/** @type {number} */ chapter, /** @type {number} */ sentence) {
    const { app } = this;
    if (!this.doc) return;
    app.playback.stop();
    this.waiting = app.phase === 'speaking';
    if (this.waiting) {
      setTimeout(() => this.readFrom(chapter, sentence), 50); // the stopped speech is ending
      return;
    }
    if (app.phase !== 'ready') return;
    if (chapter !== this.chapter) this.showChapter(chapter);
    const pieces = documentPieces(this.doc.chapters, this.chapter, sentence);
    if (pieces.length === 0) return;
    let first = sentence; // the first sentence of the piece being heard
    this.ui.resume.hidden = true;
    this.view.highlight(sentence);
    this.save(sentence);
    app.log({ type: 'document-read', chapter: this.chapter, sentence });
    app.playback.read(pieces, {
      piece: (index) => {
        const piece = pieces[index];
        if (piece.chapter !== this.chapter) this.showChapter(piece.chapter);
        first = piece.sentence;
        this.heard = -1;
        this.follow(first, piece.text, 0);
      },
      heard: (said, offset) => this.follow(first, said, offset),
      ended: () => {},
    });
  }

  /** Playback reached `offset` of the text as read (`said`), which starts at sentence `first`. */
  follow(/** @type {number} */ first, /** @type {string} */ said, /** @type {number} */ offset) {
    const spans = sentenceSpans(said); // the same split as the chapter's (normalization may merge or split a few)
    let at = 0;
    while (at + 1 < spans.length && spans[at + 1][0] <= offset) at++;
    const sentence = Math.min(first + at, this.spans.length - 1);
    if (sentence === this.heard) return;
    this.heard = sentence;
    this.view.highlight(sentence);
    this.save(sentence);
  }

  save(/** @type {number} */ sentence) {
    if (this.doc) this.store.set(this.doc.id, this.chapter, sentence);
  }

  /** J / K: next / previous sentence; ] / [: next / previous chapter (not while typing in a field). */
  onKey(/** @type {KeyboardEvent} */ event) {
    const target = /** @type {HTMLElement | null} */ (event.target);
    if (!this.doc || event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select')) return;
    const sentence = Math.max(0, this.view.current);
    const moves = /** @type {Record<string, () => void>} */ ({
      j: () => this.readFrom(this.chapter, Math.min(sentence + 1, this.spans.length - 1)),
      k: () => this.readFrom(this.chapter, Math.max(sentence - 1, 0)),
      ']': () => this.step(1),
      '[': () => this.step(-1),
    });
    const move = moves[event.key.toLowerCase()];
    if (!move) return;
    event.preventDefault();
    move();
  }
}
