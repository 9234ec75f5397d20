// The page's status: the status line, the progress bar with its two labels, the error banner and
// the markup notice. Every other panel reports through these.

const $ = (id) => document.getElementById(id);

export function formatBytes(/** @type {number} */ n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

// Download and generation progress arrive many times a second. Every write to the page makes the
// browser restyle, lay out and paint on the main thread, and on a two-core machine that time is
// taken from the model's workers: such updates are coalesced to one write per PROGRESS_INTERVAL_MS.
const PROGRESS_INTERVAL_MS = 250;
const SHOWN_ERROR_LENGTH = 240;

export class StatusPanel {
  /** @param {(event: object) => void} log  the test hook's event log */
  constructor(log) {
    this.log = log;
    this.ui = {
      status: $('status'),
      progress: /** @type {HTMLProgressElement} */ ($('progress')),
      progressText: $('progress-text'),
      progressDetail: $('progress-detail'),
      notice: $('notice'),
      errorBanner: $('error-banner'),
      errorText: $('error-text'),
    };
    this.pending = { timer: 0, args: /** @type {[number|null, string, string?]} */ ([null, '']) };
    $('error-dismiss').addEventListener('click', () => this.clearError());
  }

  set(/** @type {string} */ text) {
    this.ui.status.textContent = text;
  }

  /** The progress bar (null: indeterminate) and its two labels, written now. */
  progress(/** @type {number|null} */ fraction, /** @type {string} */ text, detail = '') {
    clearTimeout(this.pending.timer);
    this.pending.timer = 0;
    if (fraction === null) this.ui.progress.removeAttribute('value');
    else this.ui.progress.value = Math.max(0, Math.min(1, fraction));
    if (this.ui.progressText.textContent !== text) this.ui.progressText.textContent = text;
    if (this.ui.progressDetail.textContent !== detail) this.ui.progressDetail.textContent = detail;
  }

  /** `progress` within PROGRESS_INTERVAL_MS, with the latest values by then. */
  progressSoon(/** @type {number|null} */ fraction, /** @type {string} */ text, detail = '') {
    this.pending.args = [fraction, text, detail];
    if (this.pending.timer) return;
    this.pending.timer = setTimeout(() => this.progress(...this.pending.args), PROGRESS_INTERVAL_MS);
  }

  /** The progress bar's value now (for a status message that keeps it). */
  get fraction() {
    return this.ui.progress.value;
  }

  /**
   * Tell the user what went wrong in a short, plain sentence. `detail` (an Error, an event: URLs,
   * stacks) goes to the console only; so does the rest of an over-long message (a library's error
   * text may carry a URL or a base64 blob), which the banner cuts at a word.
   * @param {string} message
   * @param {unknown} [detail]
   */
  error(message, detail) {
    if (detail !== undefined) console.error(message, detail);
    if (message.length > SHOWN_ERROR_LENGTH) {
      console.error(message);
      const cut = message.slice(0, SHOWN_ERROR_LENGTH);
      message = `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1))}… (details in the browser console)`;
    }
    this.ui.errorText.textContent = message;
    this.ui.errorBanner.hidden = false;
    this.set(`Error: ${message}`);
    this.log({ type: 'error', message });
  }

  clearError() {
    this.ui.errorBanner.hidden = true;
    this.ui.errorText.textContent = '';
  }

  /** Markup warnings (skipped or clamped pauses) under the text; none hides it. */
  notice(/** @type {string[]} */ warnings) {
    this.ui.notice.textContent = warnings.length ? `Note: ${warnings.join(' · ')}` : '';
    this.ui.notice.hidden = !warnings.length;
  }
}
