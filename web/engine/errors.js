// The library's errors: one Error subclass with a stable `code` and a human message.
// Errors from the worker arrive as {message, kind}: `kind` is the Python exception's class name (a
// PythonError's `type`) or the JS error's name, and picks the code.

/**
 * Stable codes of PocketTTSError.
 * @typedef {'empty-text'|'bad-voice-file'|'model-mismatch'|'unknown-voice'|'bad-audio-file'|'storage-full'
 *   |'audio-output-unavailable'|'no-cloning'|'load-failed'|'manifest'|'engine-crashed'|'synthesis-failed'
 *   |'aborted'|'disposed'|'bad-option'|'bad-document'} ErrorCode
 */

/** What went wrong, in a sentence a person can act on; `code` is for programs. */
export class PocketTTSError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} message
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'PocketTTSError';
    /** @type {ErrorCode} */
    this.code = code;
  }
}

/** py_core's exception classes (and JS error names) → codes; anything else is `fallback`. */
const CODES = /** @type {Record<string, ErrorCode>} */ ({
  VoiceModelError: 'model-mismatch',
  VoiceFileError: 'bad-voice-file',
  SafetensorsError: 'bad-voice-file',
  UnknownVoiceError: 'unknown-voice',
  AudioPromptError: 'bad-audio-file',
  AudioFileError: 'bad-audio-file',
  ManifestError: 'manifest',
  DocumentError: 'bad-document',
  AudioStartTimeout: 'audio-output-unavailable',
  AbortError: 'aborted',
});

/**
 * A PocketTTSError for an error message from the worker.
 * @param {{message: string, kind?: string}} error
 * @param {ErrorCode} fallback
 */
export function workerError({ message, kind }, fallback) {
  return new PocketTTSError(CODES[kind ?? ''] ?? fallback, message);
}

/**
 * `error` as a PocketTTSError (unchanged when it is one already).
 * @param {unknown} error
 * @param {ErrorCode} fallback
 */
export function asPocketError(error, fallback) {
  if (error instanceof PocketTTSError) return error;
  const name = /** @type {{name?: string}} */ (error)?.name ?? '';
  const message = /** @type {{message?: string}} */ (error)?.message ?? String(error);
  if (name === 'QuotaExceededError') return new PocketTTSError('storage-full', message, { cause: error });
  return new PocketTTSError(CODES[name] ?? fallback, message, { cause: error });
}

/** The error an aborted call rejects with: the signal's reason, as fetch() does. */
export function abortReason(/** @type {AbortSignal} */ signal) {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
