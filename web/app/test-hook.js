// The test hook (window.__pocketTTS): what the Playwright suite and the benchmarks read from the
// page. Harmless for users: it only reads.

/** @param {import('./main.js').App} app */
export function installTestHook(app) {
  const { playback } = app;
  /** @type {any} */ (window).__pocketTTS = {
    get phase() {
      return app.phase;
    },
    get info() {
      return app.tts.info;
    },
    get playback() {
      return app.tts.output?.stats ?? null;
    },
    /** Seconds the player held the current utterance's first chunk (web/audio/start-buffer.js). */
    get startHold() {
      return app.tts.output?.hold ?? null;
    },
    /** The read-along view: the highlighted word and the heard position it was chosen for. */
    get readAlong() {
      const view = playback.readAlong;
      return { word: view.currentWord, index: view.current, heard: playback.heard, highlighted: view.root.querySelectorAll('.current').length };
    },
    /** The open document: its chapters' titles, the chapter shown, the sentence heard, the resume offer. */
    get document() {
      const panel = app.documents;
      if (!panel.doc) return null;
      const { title, format, chapters } = panel.doc;
      const offer = panel.ui.resume.hidden ? null : panel.offer;
      return { title, format, titles: chapters.map((c) => c.title), chapter: panel.chapter, sentence: panel.view.current, offer };
    },
    /** The current reading (PocketTTS.read): the piece heard, seconds heard and generated ahead, the bound. */
    get reading() {
      const reading = /** @type {any} */ (playback.speech);
      if (!reading || !('pieces' in reading)) return null;
      const { position, heard, ahead, aheadSeconds, generating, active } = reading;
      return { position, pieces: reading.pieces.length, heard, ahead, aheadSeconds, generating, active };
    },
    /** The pieces of the current (or last) reading: its text and chapter (`group`), in reading order. */
    get readingPieces() {
      const reading = /** @type {any} */ (playback.speech);
      return reading && 'pieces' in reading ? reading.pieces.map((/** @type {any} */ p) => ({ text: p.text, group: p.group })) : null;
    },
    /** The text of the current speech as read (the read-along plan). */
    get spokenText() {
      return playback.readAlong.planText;
    },
    get lastResult() {
      return playback.lastResult;
    },
    get events() {
      return app.events;
    },
    /** Sample counts of the last utterance's chunks as they arrived (only with ?capture=pcm). */
    get capturedChunkLengths() {
      return playback.capture?.map((c) => c.length) ?? null;
    },
    /** The last utterance's float32 PCM as base64 (only with ?capture=pcm). */
    capturedPcmBase64() {
      if (!playback.capture) return null;
      const bytes = new Uint8Array(playback.capture.reduce((n, c) => n + c.byteLength, 0));
      let at = 0;
      for (const c of playback.capture) {
        bytes.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
        at += c.byteLength;
      }
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    },
  };
}
