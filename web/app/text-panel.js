// The text and its preview: the text box and its character count, "Read numbers and symbols as
// words", "What will be read?", and the prefill run while the text is typed (PocketTTS.prepare).

const $ = (id) => document.getElementById(id);

// While the text is typed (and once the model is ready), the engine runs the first chunk's prefill
// ahead of Speak: a Speak of that text in that voice starts at its first sampled frame. Asked for
// once typing pauses for PREPARE_DELAY_MS; at once for pasted or dropped text, which arrives whole
// (the hand then moves to Speak: the prefill runs meanwhile).
const PREPARE_DELAY_MS = 400;
const WHOLE_TEXT_INPUTS = new Set(['insertFromPaste', 'insertFromDrop']);

export class TextPanel {
  /**
   * @param {import('./main.js').App} app
   */
  constructor(app) {
    this.app = app;
    this.ui = {
      text: /** @type {HTMLTextAreaElement} */ ($('text')),
      charCount: $('char-count'),
      normalize: /** @type {HTMLInputElement} */ ($('normalize')),
      previewButton: /** @type {HTMLButtonElement} */ ($('preview-button')),
      preview: $('preview'),
    };
    this.prepareTimer = 0;
    this.previewJob = 0;
    this.ui.normalize.checked = localStorage.getItem('pocket-tts:normalize') !== 'off';
    this.ui.normalize.addEventListener('change', () => {
      localStorage.setItem('pocket-tts:normalize', this.ui.normalize.checked ? 'on' : 'off');
      if (!this.ui.preview.hidden) this.preview();
      this.prepareSoon();
    });
    this.ui.previewButton.addEventListener('click', () => this.preview());
    this.ui.text.addEventListener('input', () => this.updateCount());
    this.ui.text.addEventListener('input', (event) => this.prepareSoon(event));
    this.ui.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        app.speakNow();
      }
    });
    this.updateCount();
  }

  get value() {
    return this.ui.text.value;
  }

  get normalize() {
    return this.ui.normalize.checked;
  }

  focus() {
    this.ui.text.focus();
  }

  setEnabled(/** @type {boolean} */ ready) {
    this.ui.previewButton.disabled = !ready;
  }

  updateCount() {
    const n = this.ui.text.value.length;
    this.ui.charCount.textContent = `${n.toLocaleString()} character${n === 1 ? '' : 's'}`;
  }

  /** @param {Event} [event]  the text's input event, if that is what changed */
  prepareSoon(event) {
    clearTimeout(this.prepareTimer);
    const whole = event instanceof InputEvent && WHOLE_TEXT_INPUTS.has(event.inputType);
    this.prepareTimer = setTimeout(() => {
      if (this.app.phase !== 'ready' || !this.value.trim()) return;
      const { tts } = this.app;
      tts.prepare(this.value, { voice: this.app.voices.value, normalize: this.normalize }).then(
        (ready) => ready && this.app.log({ type: 'prepared', ready }), // a prefill is kept for this text
        () => {}, // a failed prepare is left to the Speak to report
      );
    }, whole ? 0 : PREPARE_DELAY_MS);
  }

  /** Show what will be read: the normalized text, pauses as [pause Ns]. */
  async preview() {
    if (this.app.phase !== 'ready') return;
    const job = ++this.previewJob;
    try {
      const { text, warnings } = await this.app.tts.preview(this.value, { normalize: this.normalize });
      if (job !== this.previewJob) return;
      this.ui.preview.textContent = text;
      this.ui.preview.hidden = false;
      this.app.status.notice(warnings);
    } catch (error) {
      this.app.status.error(error.message, error);
    }
  }
}
