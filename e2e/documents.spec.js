// Whole documents (issue 28): an EPUB made by pandoc opens with its chapters, reads the chapter chosen
// and goes on to the next; reloading offers to resume at the sentence heard and does; Markdown and
// HTML are read without their markup, a PDF through pdf.js (under the app's CSP); each bad input
// gets its message and the app still speaks. The files come from e2e/document_files.py.

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';
import { openApp, startSpeaking, waitForPhase, waitForResult } from './helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'pocket-documents-'));
test.beforeAll(() => {
  execFileSync(process.env.PYTHON || 'python3', ['e2e/document_files.py', folder], { stdio: ['ignore', 'ignore', 'inherit'] });
});

/**
 * Open a document with the file picker (a path in `folder`, or {name, mimeType, buffer}); resolves with
 * the app's log entry for it: {type: 'document', …} or {type: 'document-error', message}.
 */
async function openDocument(page, file) {
  const before = await page.evaluate(() => window.__pocketTTS.events.length);
  await page.locator('#document-file').setInputFiles(typeof file === 'string' ? join(folder, file) : file);
  const entry = await page.waitForFunction(
    (n) => window.__pocketTTS.events.slice(n).find((e) => e.type === 'document' || e.type === 'document-error'),
    before, { timeout: 60_000 });
  return entry.jsonValue();
}

/** Read chapter `title` from its start; resolves once a second sentence of it is heard. */
async function readChapter(page, title) {
  const titles = (await page.evaluate(() => window.__pocketTTS.document)).titles;
  await page.locator('#chapter').selectOption(String(titles.indexOf(title)));
  await page.getByRole('button', { name: 'Read', exact: true }).click();
  await page.waitForFunction(() => window.__pocketTTS.document.sentence >= 1, null, { timeout: 60_000 });
}

/** The app still speaks typed text to its end. */
async function stillSpeaks(page) {
  await startSpeaking(page, 'Still here.');
  expect((await waitForResult(page)).stopped).toBe(false);
}

test('an EPUB lists its chapters, reads the one chosen, then the next', async ({ app: { page } }) => {
  const opened = await openDocument(page, 'book.epub');
  expect(opened).toMatchObject({ type: 'document', format: 'epub' });
  const shown = await page.locator('#chapter option').allTextContents();
  // pandoc's title page comes first where pandoc writes one; then the three chapters, in order.
  expect(shown.slice(-3).map((t) => t.replace(/^\d+\. /, ''))).toEqual(['The First Room', 'The Second Room', 'The Third Room']);
  expect(shown.length).toBeLessThanOrEqual(4);

  await readChapter(page, 'The Second Room');
  // The reading goes from chapter 2 to the document's end, piece by piece: chapter 2's pieces are its text.
  const pieces = await page.evaluate(() => window.__pocketTTS.readingPieces);
  const second = shown.length - 2;
  expect(pieces[0].group).toBe(second);
  const spoken = pieces.filter((p) => p.group === second).map((p) => p.text).join(' ');
  expect(spoken.startsWith('The Second Room')).toBe(true);
  expect(spoken).toContain('Bruno found a lamp in the second room.');
  expect(spoken).not.toContain('Anna');
  expect(spoken).not.toContain('Clara');
  const view = page.locator('#reading-view .sentence.current');
  await expect(view).toHaveCount(1);
  expect(await page.locator('#reading-view').textContent()).toContain('He hid behind the curtain.');
  // Played to its end, the chapter is followed by the next one.
  await page.waitForFunction(() => window.__pocketTTS.spokenText.startsWith('The Third Room'), null, { timeout: 120_000 });
  await expect(page.locator('#chapter')).toHaveValue(String(shown.length - 1));
  await page.getByRole('button', { name: 'Stop' }).click();
  await waitForPhase(page, 'ready');
});

test('reopening the document after a reload offers to resume at the sentence heard, and does', async ({ page }) => {
  await openApp(page);
  await openDocument(page, 'book.epub');
  await readChapter(page, 'The Second Room');
  await page.waitForFunction(() => window.__pocketTTS.document.sentence >= 2, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const stopped = await page.evaluate(() => window.__pocketTTS.document);
  const sentence = await page.locator('#reading-view .sentence.current').textContent();

  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  await openDocument(page, 'book.epub');
  const offer = page.locator('#resume-offer');
  await expect(offer).toBeVisible();
  await expect(offer).toContainText(`chapter ${stopped.chapter + 1} (The Second Room), sentence`);
  expect((await page.evaluate(() => window.__pocketTTS.document)).offer).toMatchObject({ chapter: stopped.chapter });
  const saved = (await page.evaluate(() => window.__pocketTTS.document)).offer.sentence;
  expect(saved).toBe(stopped.sentence); // the sentence heard when Stop was pressed

  await page.getByRole('button', { name: 'Continue from there' }).click();
  await page.waitForFunction(() => window.__pocketTTS.spokenText !== '', null, { timeout: 60_000 });
  const resumed = await page.evaluate(() => ({ spoken: window.__pocketTTS.spokenText, doc: window.__pocketTTS.document }));
  expect(resumed.doc.chapter).toBe(stopped.chapter);
  const expected = await page.locator(`#reading-view [data-sentence="${saved}"]`).textContent();
  expect(resumed.spoken.startsWith(expected)).toBe(true);
  expect(expected).toBe(sentence);
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('Markdown and HTML are read without their markup', async ({ app: { page } }) => {
  const markdown = '# Field Notes\n\nThe **heron** stood in the [river](https://example.com/river).\n\n```\ncode()\n```\n\n> A quiet *morning*.\n';
  const md = await openDocument(page, { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from(markdown) });
  expect(md).toMatchObject({ type: 'document', format: 'markdown', encoding: 'utf-8' });
  let text = await page.locator('#reading-view').textContent();
  expect(text).toContain('The heron stood in the river.');
  expect(text).toContain('A quiet morning.');
  for (const markup of ['**', '](', 'example.com', '#', '>', '*']) expect(text).not.toContain(markup);

  const html = `<!doctype html><html><head><title>Tides</title><style>p{color:red}</style></head><body>
    <nav><a href="/">Home</a> <a href="/about">About us</a></nav>
    <article><h1>Tides</h1><p>The sea <em>rises</em> twice a day.</p><p hidden>Secret.</p></article>
    <script>alert('no')</script><footer>Copyright footer</footer></body></html>`;
  expect(await openDocument(page, { name: 'tides.html', mimeType: 'text/html', buffer: Buffer.from(html) })).toMatchObject({ format: 'html' });
  text = await page.locator('#reading-view').textContent();
  expect(text).toContain('The sea rises twice a day.');
  for (const skipped of ['Home', 'About us', 'Secret', 'alert', 'color', 'Copyright', '<']) expect(text).not.toContain(skipped);

  await page.getByRole('button', { name: 'Read', exact: true }).click();
  const result = await waitForResult(page);
  expect(result.stopped).toBe(false);
  expect(await page.evaluate(() => window.__pocketTTS.spokenText)).toContain('The sea rises twice a day.');
});

test('a Latin-1 text file is read, and its encoding is said', async ({ app: { page } }) => {
  const latin1 = Buffer.from('Chapter 1\n\nCafé crème à la française.\n\nChapter 2\n\nDéjà vu.\n', 'latin1');
  const opened = await openDocument(page, { name: 'menu.txt', mimeType: 'text/plain', buffer: latin1 });
  expect(opened).toMatchObject({ type: 'document', format: 'text', chapters: 2 });
  expect(opened.encoding).toMatch(/cp1252|latin/);
  await expect(page.locator('#document-info')).toContainText(`text encoding ${opened.encoding}`);
  await expect(page.locator('#notice')).toContainText('encoding guessed');
  expect(await page.locator('#reading-view').textContent()).toContain('Café crème à la française.');
});

test("with a document open, Export writes the document's chapters (not the typed text's), a range of them if asked", async ({ app: { page } }) => {
  await page.locator('#text').fill('# Typed\n\nOne typed chapter only.');
  const text = 'Chapter 1\n\nFirst.\n\nChapter 2\n\nSecond.\n\nChapter 3\n\nThird.\n';
  const opened = await openDocument(page, { name: 'three.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  expect(opened).toMatchObject({ type: 'document', chapters: 3 });
  const section = page.locator('#export-section');
  if (!(await section.evaluate((details) => details.open))) await section.locator('> summary').click();
  await page.locator('#export-format').selectOption('mp3');
  const exportRange = async (from, to) => {
    await page.getByLabel('From chapter').fill(from);
    await page.getByLabel('to chapter').fill(to);
    const before = await page.evaluate(() => window.__pocketTTS.events.length);
    await page.locator('#export-start').click();
    const done = await page.waitForFunction((n) => window.__pocketTTS.events.slice(n).find((e) => e.type === 'export-done'), before, { timeout: 120_000 });
    expect((await done.jsonValue()).format).toBe('mp3');
    await waitForPhase(page, 'ready');
    return (await page.evaluate((n) => window.__pocketTTS.events.slice(n), before)).find((e) => e.type === 'export-start');
  };
  let started = await exportRange('1', '');
  expect(started.chapters).toBe(3);
  expect(started.source).toContain('three');
  await expect(page.locator('#export-status')).toContainText('3 chapter marks');
  started = await exportRange('2', '3'); // as the CLI's --chapters 2-3
  expect(started.titles).toEqual((await page.evaluate(() => window.__pocketTTS.document.titles)).slice(1));
  expect(started.titles).toHaveLength(2);
  await expect(page.locator('#export-status')).toContainText('2 chapter marks');
  // A range that does not fit: its message, nothing exported, the app still ready.
  await page.getByLabel('From chapter').fill('3');
  await page.getByLabel('to chapter').fill('2');
  await page.locator('#export-start').click();
  await expect(page.locator('#error-text')).toContainText('choose chapters from 1 to 3');
  expect(await page.evaluate(() => window.__pocketTTS.phase)).toBe('ready');
  await page.getByLabel('From chapter').fill('1');
  await page.getByLabel('to chapter').fill('');
});

test('a PDF is read through its text layer (pdf.js, same-origin, under the CSP)', async ({ app: { page } }) => {
  const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').some((entry) => /\/pdf[-.]/.test(entry.name)));
  expect(await loaded(), 'pdf.js is not loaded before a PDF is opened').toBe(false);
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const opened = await openDocument(page, 'paper.pdf');
  expect(opened).toMatchObject({ type: 'document', format: 'pdf' });
  expect(await loaded(), 'pdf.js was loaded when the PDF was opened').toBe(true);
  expect(requests.some((url) => /\/pdf\.worker[^/]*\.mjs$/.test(url)), 'its worker is a file of this origin').toBe(true);
  expect(requests.every((url) => new URL(url).origin === new URL(page.url()).origin)).toBe(true);
  const text = await page.locator('#reading-view').textContent();
  for (const line of ['Pocket models speak on small machines.', 'Every step runs on the device.', 'The third page holds the results.']) {
    expect(text).toContain(line);
  }
  await expect(page.locator('#document-info')).toContainText('Quiet Engines');
  await page.getByRole('button', { name: 'Read', exact: true }).click();
  expect((await waitForResult(page)).stopped).toBe(false);
  const read = (await page.evaluate(() => window.__pocketTTS.readingPieces)).map((p) => p.text).join(' ');
  expect(read).toContain('Every step runs on the device.');
});

const BAD = [
  ['drm.epub', 'drm.epub is protected by DRM'],
  ['bomb.epub', 'bomb.epub looks like a zip bomb'],
  ['damaged.epub', 'damaged.epub is damaged: its XML cannot be read'],
  ['binary.txt', 'binary.txt is not a text file (it holds binary data)'],
  ['empty.md', 'empty.md has no text to read'],
  ['images.html', 'images.html has only images: there is no text layer to read'],
  ['scanned.pdf', 'scanned.pdf has no text layer'],
];

test('each bad input gets its message, the open document stays, and the app still speaks', async ({ app: { page } }) => {
  await openDocument(page, 'book.epub');
  const before = await page.evaluate(() => window.__pocketTTS.document);
  for (const [file, message] of BAD) {
    const entry = await openDocument(page, file);
    expect(entry, file).toMatchObject({ type: 'document-error' });
    expect(entry.message.startsWith(message), `${file}: ${entry.message}`).toBe(true);
    await expect(page.locator('#error-text')).toContainText(message);
    expect(await page.evaluate(() => window.__pocketTTS.document), 'the open document is kept').toEqual(before);
    await page.locator('#error-dismiss').click();
  }
  // A 201 MB file, dropped on the page: refused by its size before it is read.
  const dropped = await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(201 * 1024 * 1024)], 'huge.epub'));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    return window.__pocketTTS.events.length;
  });
  await page.waitForFunction((n) => window.__pocketTTS.events.slice(n - 1).some((e) => e.type === 'document-error'), dropped);
  await expect(page.locator('#error-text')).toContainText('huge.epub is too large: 211 MB (at most 210 MB)');
  await page.locator('#error-dismiss').click();
  // Malformed XHTML in a chapter: the book opens with the chapters that can be read.
  const malformed = await openDocument(page, 'malformed.epub');
  expect(malformed).toMatchObject({ type: 'document', format: 'epub' });
  expect((await page.evaluate(() => window.__pocketTTS.document)).titles).toContain('The Third Room');
  await expect(page.locator('#notice')).toContainText('ch002.xhtml: malformed XHTML'); // said, not dropped silently
  await stillSpeaks(page);
});

test('at 390 px wide: nothing overflows; a click on a sentence and the keys J, K, [ and ] read from there', async ({ app: { page } }) => {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await openDocument(page, 'book.epub');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const control of ['#chapter-prev', '#chapter', '#chapter-next', '#document-read', '#reading-view']) {
      const box = await page.locator(control).boundingBox();
      expect(box.x, control).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, control).toBeLessThanOrEqual(390);
    }
    const chapter = page.locator('#chapter');
    expect(await chapter.evaluate((select) => select.clientWidth), 'the chapter list is wide enough to read').toBeGreaterThan(250);
    const reads = async (action) => {
      const before = await page.evaluate(() => window.__pocketTTS.events.length);
      await action();
      const entry = await page.waitForFunction(
        (n) => window.__pocketTTS.events.slice(n).find((e) => e.type === 'document-read'), before, { timeout: 30_000 });
      return entry.jsonValue();
    };
    const titles = (await page.evaluate(() => window.__pocketTTS.document)).titles;
    const second = titles.indexOf('The Second Room');
    await page.locator('#chapter').selectOption(String(second));
    expect(await reads(() => page.locator('#reading-view [data-sentence="2"]').click())).toMatchObject({ chapter: second, sentence: 2 });
    await page.locator('#reading-view').focus();
    expect(await reads(() => page.keyboard.press('j'))).toMatchObject({ chapter: second, sentence: 3 });
    expect(await reads(() => page.keyboard.press('k'))).toMatchObject({ chapter: second, sentence: 2 });
    expect(await reads(() => page.keyboard.press(']'))).toMatchObject({ chapter: second + 1, sentence: 0 });
    expect(await reads(() => page.keyboard.press('['))).toMatchObject({ chapter: second, sentence: 0 });
    await page.waitForFunction(() => window.__pocketTTS.spokenText.startsWith('The Second Room'), null, { timeout: 30_000 });
    await page.screenshot({ path: test.info().outputPath('reading-view-390.png'), fullPage: true });
    await page.getByRole('button', { name: 'Stop' }).click();
  } finally {
    await page.setViewportSize(size);
  }
});
