// "Export audio": the open document's chapters, else the text's (a range of them: From / to chapter,
// as the CLI's --chapters A-B), generated into one compressed file with chapter marks, Opus or MP3
// (PocketTTS.exportAudio), with progress, the time left and Cancel;
// then links to the file and its subtitles. In the text, a line starting with # (up to ###) starts a
// chapter: its title, read as the chapter's first paragraph (as py_core reads Markdown headings).

import { encodesOpus } from '../engine/export.js';
import { formatBytes } from './status.js';

const $ = (id) => document.getElementById(id);
const HEADING = /^ {0,3}#{1,3}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const TITLE_LENGTH = 60;

/**
 * Chapters of a text: one per heading line (# Title), the text before the first one titled by its
 * first words; each chapter's text trimmed, the heading's words first.
 * @param {string} text
 * @returns {Array<{title: string, text: string}>}
 */
export function textChapters(text) {
  /** @type {Array<{title: string, lines: string[]}>} */
  const parts = [{ title: '', lines: [] }];
  for (const line of text.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading && heading[1]) parts.push({ title: heading[1], lines: [heading[1]] });
    else parts.at(-1)?.lines.push(line);
  }
  return parts
    .map(({ title, lines }) => ({ title, text: lines.join('\n').trim() }))
    .filter((chapter) => chapter.text)
    .map(({ title, text: body }) => ({ title: title || shortTitle(body), text: body }));
}

function shortTitle(/** @type {string} */ text) {
  const line = text.split('\n')[0].replace(/\s+/g, ' ').trim();
  return line.length <= TITLE_LENGTH ? line : `${line.slice(0, TITLE_LENGTH - 1)}…`;
}

/**
 * The chapters `from` to `to` (1-based, both included; `to` empty: the last) of `count`, as the CLI's
 * --chapters A-B; a range outside 1..count or backwards is a RangeError whose message says so.
 * @param {string} from
 * @param {string} to
 * @param {number} count
 * @returns {{first: number, last: number}}
 */
export function chapterRange(from, to, count) {
  const first = from.trim() === '' ? 1 : Number(from);
  const last = to.trim() === '' ? count : Number(to);
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > count || first > last) {
    throw new RangeError(`Chapters ${from.trim() || 1} to ${to.trim() || 'the last'}: choose chapters from 1 to ${count}, the first not after the last.`);
  }
  return { first, last };
}

/** "1 min 5 s", "42 s" */
export function formatDuration(/** @type {number} */ seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export class ExportPanel {
  /** @param {import('./main.js').App} app */
  constructor(app) {
    this.app = app;
    this.ui = {
      section: $('export-section'),
      format: /** @type {HTMLSelectElement} */ ($('export-format')),
      from: /** @type {HTMLInputElement} */ ($('export-from')),
      to: /** @type {HTMLInputElement} */ ($('export-to')),
      start: /** @type {HTMLButtonElement} */ ($('export-start')),
      cancel: /** @type {HTMLButtonElement} */ ($('export-cancel')),
      progress: /** @type {HTMLProgressElement} */ ($('export-progress')),
      status: $('export-status'),
      audio: /** @type {HTMLAnchorElement} */ ($('export-audio')),
      vtt: /** @type {HTMLAnchorElement} */ ($('export-vtt')),
    };
    /** @type {AbortController | null} */
    this.running = null;
    /** @type {string[]} object URLs of the last export */
    this.urls = [];
    this.ui.start.addEventListener('click', () => this.export());
    this.ui.cancel.addEventListener('click', () => this.running?.abort());
  }

  /** The engine is ready: offer Opus where this browser encodes it. */
  async onReady(/** @type {any} */ info) {
    const opus = await encodesOpus(info.sampleRate);
    const option = /** @type {HTMLOptionElement} */ (this.ui.format.querySelector('option[value="opus"]'));
    option.disabled = !opus;
    option.textContent = opus ? 'Opus (.opus)' : 'Opus (.opus): not in this browser';
    if (!opus) this.ui.format.value = 'mp3';
    this.ui.section.hidden = false;
  }

  /** The chapters to choose from: the open document's, else the text's. */
  chapters() {
    return this.app.documents.doc?.chapters ?? textChapters(this.app.text.value);
  }

  /** What `chapters()` gives, as the progress line names it. */
  source() {
    const doc = this.app.documents.doc;
    return doc ? `“${doc.title}”` : 'the text';
  }

  update() {
    const exporting = Boolean(this.running);
    this.ui.start.disabled = this.app.phase !== 'ready';
    this.ui.cancel.disabled = !exporting;
    this.ui.format.disabled = exporting;
    this.ui.from.disabled = exporting;
    this.ui.to.disabled = exporting;
  }

  async export() {
    const { app } = this;
    if (app.phase !== 'ready') return;
    const all = this.chapters();
    if (!all.length) {
      app.status.error('Type some text first: there is nothing to export.');
      return;
    }
    let range;
    try {
      range = chapterRange(this.ui.from.value, this.ui.to.value, all.length);
    } catch (error) {
      app.status.error(error.message);
      return;
    }
    const chapters = all.slice(range.first - 1, range.last);
    const which = range.first === 1 && range.last === all.length ? '' : ` chapters ${range.first}–${range.last} of`;
    this.forget();
    const format = /** @type {'opus'|'mp3'} */ (this.ui.format.value);
    const options = { voice: app.voices.value, normalize: app.text.normalize, ...app.settings.speakOptions() };
    this.running = new AbortController();
    app.setPhase('exporting');
    this.show(0, `Exporting${which} ${this.source()}: ${chapters.length} chapter${chapters.length === 1 ? '' : 's'}…`);
    app.log({ type: 'export-start', format, chapters: chapters.length, titles: chapters.map((c) => c.title), source: this.source() });
    try {
      const result = await app.tts.exportAudio(chapters, {
        ...options,
        format,
        signal: this.running.signal,
        onProgress: (p) => {
          const left = p.secondsLeft === null ? '' : `, about ${formatDuration(p.secondsLeft)} left`;
          this.show(p.fraction, `Chapter ${p.chapter + 1} of ${p.chapters}: ${formatDuration(p.seconds)} of audio${left}`);
        },
      });
      const name = `pocket-tts.${result.format}`;
      this.link(this.ui.audio, result.audio, name);
      if (result.vtt) this.link(this.ui.vtt, new Blob([result.vtt], { type: 'text/vtt' }), 'pocket-tts.vtt');
      this.show(1, `Exported ${formatDuration(result.seconds)} of audio, ${result.chapters.length} chapter marks (${formatBytes(result.audio.size)})`);
      app.log({ type: 'export-done', format: result.format, seconds: result.seconds, bytes: result.audio.size });
    } catch (error) {
      if (this.running.signal.aborted) {
        this.show(0, 'Export cancelled.');
        app.log({ type: 'export-cancelled' });
      } else {
        this.show(0, 'Export failed.');
        app.status.error(`The export failed: ${error.message}`, error);
      }
    } finally {
      this.running = null;
      app.setPhase('ready');
    }
  }

  show(/** @type {number} */ fraction, /** @type {string} */ text) {
    this.ui.progress.value = fraction;
    this.ui.status.textContent = text;
  }

  /** Offer `blob` as a download named `name`. */
  link(/** @type {HTMLAnchorElement} */ anchor, /** @type {Blob} */ blob, /** @type {string} */ name) {
    // Typed as plain bytes so that the file is saved under `name`: Firefox renames a download whose
    // extension its list for the type lacks (an audio/ogg "pocket-tts.opus" was saved as ".ogx").
    const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
    this.urls.push(url);
    anchor.href = url;
    anchor.download = name;
    anchor.hidden = false;
  }

  /** Drop the last export's files. */
  forget() {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    for (const anchor of [this.ui.audio, this.ui.vtt]) {
      anchor.hidden = true;
      anchor.removeAttribute('href');
    }
  }
}
