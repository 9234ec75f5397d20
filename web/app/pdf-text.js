// A PDF's text layer, read in the page by pdf.js (pdfjs-dist), loaded only when a PDF is opened. Its
// module and its worker are this app's own files (Vite emits them; the service worker precaches them),
// so it runs offline and under the app's Content-Security-Policy (same-origin scripts and workers, no eval, no fonts).

import { PocketTTSError } from '../engine/pocket-tts.js';

/**
 * The text of each page (pages separated by blank lines) and the document's title, if it has one.
 * Rejects with a PocketTTSError 'bad-document' for a PDF without a text layer (scanned pages), one
 * that needs a password, or a damaged one.
 * @param {ArrayBuffer} data
 * @param {string} name  the file's name, for the messages
 * @returns {Promise<{title: string|null, text: string}>}
 */
export async function pdfText(data, name) {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  const task = pdfjs.getDocument({ data: new Uint8Array(data), disableFontFace: true }); // text only: no fonts in the page
  try {
    const pdf = await task.promise.catch((error) => {
      throw new PocketTTSError('bad-document', readFailure(error, name), { cause: error });
    });
    const pages = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
      page.cleanup();
    }
    const text = pages.map((page) => page.trim()).filter(Boolean).join('\n\n');
    if (!/[\p{L}\p{N}]/u.test(text)) {
      throw new PocketTTSError('bad-document', `${name} has no text layer (its pages are images, scanned perhaps): there is no text to read`);
    }
    const info = /** @type {{Title?: unknown}} */ ((await pdf.getMetadata()).info);
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : null;
    return { title, text };
  } finally {
    await task.destroy();
  }
}

/** Why pdf.js could not open the file, for a person. */
function readFailure(/** @type {any} */ error, /** @type {string} */ name) {
  if (error?.name === 'PasswordException') return `${name} is protected by a password: open it elsewhere and save a copy without one`;
  return `${name} is not a PDF that can be read (it is damaged, or not a PDF): ${error?.message ?? error}`;
}
