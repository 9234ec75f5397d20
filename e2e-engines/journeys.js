// The user journeys of the Playwright suite, written once for any engine of drivers.js: speak (every
// generated sample reaches the audio output; the downloaded WAV has that length), Stop, a voice
// cloned from an uploaded file, empty and odd text, a Markdown document's chapter read, a compressed
// export with chapter marks (checked with Debian's ffprobe), and offline use after one visit.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { servePreview } from '../browsers/chromium.js';
import { freePort } from '../browsers/services.js';
import { SAMPLE_RATE, SAMPLES_PER_FRAME, TINY, makeWav, parseWav } from '../e2e/helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const JOURNEY_TIMEOUT_MS = 300_000;

const LONG_TEXT = Array.from(
  { length: 12 },
  (_, i) => `This is sentence number ${i + 1} of a long text that keeps the engine busy for a while.`,
).join(' ');

/** Open the app on the tiny bundle and wait until it is ready (or failed: then say why). */
async function openApp(page, baseUrl, query = {}) {
  await page.goto(`${baseUrl}?${new URLSearchParams({ model: TINY, ...query })}`);
  const phase = await page.waitFor(
    () => ['ready', 'error'].includes(document.body.dataset.phase) && document.body.dataset.phase,
    null,
    180_000,
    'the app to be ready',
  );
  if (phase === 'error') throw new Error(`the app failed to load: ${await textOf(page, '#error-text')}`);
}

const textOf = (page, selector) => page.evaluate((s) => document.querySelector(s).textContent, selector);
const visible = (page, selector) => page.evaluate((s) => !document.querySelector(s).hidden, selector);

/** Type `text` (as the text box would hold it) and press Speak. */
async function speak(page, text) {
  await page.fill('#text', text);
  await page.click('#speak');
}

async function waitForResult(page, timeoutMs = 120_000) {
  return page.waitFor(() => window.__pocketTTS.lastResult, null, timeoutMs, 'the utterance to finish');
}

/** The one new file in `dir` (not in `before`) ending in `extension`, once its size stops changing. */
async function waitForDownload(dir, before, timeoutMs = 30_000, extension = '.wav') {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const fresh = readdirSync(dir).filter((f) => f.endsWith(extension) && !before.has(f));
    if (fresh.length === 1) {
      const size = statSync(join(dir, fresh[0])).size;
      if (size > 44 && size === last) return join(dir, fresh[0]);
      last = size;
    }
    if (Date.now() > deadline) throw new Error(`no finished ${extension} download in ${dir} after ${timeoutMs / 1000} s (it holds: ${readdirSync(dir).join(', ')})`);
    await sleep(300);
  }
}

function promptWav() {
  const rate = 44100;
  const samples = Array.from({ length: Math.round(2.5 * rate) }, (_, i) => {
    const t = i / rate;
    const voiced = t < 2.0 ? 0.4 : 0;
    return voiced * (Math.sin(2 * Math.PI * 140 * t) * 0.6 + Math.sin(2 * Math.PI * 280 * t + 1) * 0.3);
  });
  return makeWav(samples, rate);
}

/** The app's log entries after the first `from` (window.__pocketTTS.events). */
const eventsSince = (page, from) => page.evaluate((n) => window.__pocketTTS.events.slice(n), from);

/**
 * The journeys for one engine: `launch()` resolves to a drivers.js engine; `baseUrl()` is the app's
 * address (known once the suite's set-up ran).
 */
export function journeys(engineName, launch, baseUrl) {
  describe(engineName, () => {
    let engine;
    let page; // one page for the journeys that need no settings of their own (as e2e/fixtures.js)

    before(async () => {
      engine = await launch();
      page = await engine.newPage();
      const started = Date.now();
      await openApp(page, baseUrl());
      const info = await page.evaluate(() => window.__pocketTTS.info);
      console.log(`  [${engineName} ${engine.version}] ready after ${((Date.now() - started) / 1000).toFixed(1)} s; ${info.threads} thread(s), backends ${[...new Set(Object.values(info.graphBackends))]}`);
    }, { timeout: 400_000 });

    after(async () => engine?.close());

    test('speaks: playback renders every generated sample and the WAV download has that length', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      assert.ok(await visible(page, '#synthetic-banner'), 'the synthetic-model banner is shown');
      assert.match(await textOf(page, '#engine-info'), /WASM/);
      await speak(page, 'Hello world. This is the browser speaking.');
      const result = await waitForResult(page);
      assert.equal(await visible(page, '#error-banner'), false, `no error: ${await textOf(page, '#error-text')}`);
      assert.equal(result.stopped, false);
      assert.ok(result.frames > 6, `${result.frames} frames`);
      assert.equal(result.samples, result.frames * SAMPLES_PER_FRAME);
      assert.match(await textOf(page, '#status'), /real time/);

      const playback = await page.waitFor(() => window.__pocketTTS.playback?.drained && window.__pocketTTS.playback, null, 120_000, 'playback to drain');
      assert.equal(playback.rendered, result.samples, 'seconds heard = seconds generated');
      assert.equal(playback.queued, 0);

      const before = new Set(readdirSync(engine.downloads));
      await page.click('#download');
      const wav = parseWav(readFileSync(await waitForDownload(engine.downloads, before)));
      assert.deepEqual(
        { audioFormat: wav.audioFormat, channels: wav.channels, sampleRate: wav.sampleRate, bitsPerSample: wav.bitsPerSample },
        { audioFormat: 1, channels: 1, sampleRate: SAMPLE_RATE, bitsPerSample: 16 },
      );
      assert.equal(wav.samples.length, result.samples);
      console.log(`  [${engineName}] ${(result.samples / SAMPLE_RATE).toFixed(2)} s of audio in ${result.elapsed.toFixed(2)} s; first audio after ${result.firstChunkSeconds.toFixed(2)} s`);
    });

    test('Stop halts generation and playback within 500 ms; the next Speak works', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      await speak(page, LONG_TEXT);
      await page.waitFor(() => (window.__pocketTTS.playback?.rendered ?? 0) > 4800, null, 120_000, 'audio to play');
      assert.equal(await page.evaluate(() => window.__pocketTTS.phase), 'speaking');
      const clicked = Date.now();
      await page.click('#stop');
      const result = await waitForResult(page, 5_000);
      assert.equal(result.stopped, true);
      assert.ok(result.stopLatencyMs < 500, `generation halted after ${result.stopLatencyMs.toFixed(0)} ms`);

      // The AudioWorklet reports its emptied queue when it handles the flush. WebKitGTK's audio
      // thread may do so after the worker's "done" arrives, so wait for it; measured from this
      // process, the bound includes the WebDriver round trips (polled every 250 ms).
      const stopped = await page.waitFor(() => window.__pocketTTS.playback.queued === 0 && window.__pocketTTS.playback, null, 1_000, 'the playback queue to be flushed');
      const flushedMs = Date.now() - clicked;
      await sleep(400);
      const later = await page.evaluate(() => window.__pocketTTS.playback);
      assert.equal(later.rendered, stopped.rendered, 'nothing more reaches the output once stopped');
      assert.match(await textOf(page, '#status'), /Stopped/);

      await speak(page, 'Short again.');
      const next = await waitForResult(page);
      assert.equal(next.stopped, false);
      assert.ok(next.samples > 0);
      assert.equal(result.liveTensors, next.liveTensors, 'a cancelled run leaves as many live tensors as a finished one');
      console.log(`  [${engineName}] stop latency ${result.stopLatencyMs.toFixed(0)} ms; playback queue empty ${flushedMs} ms after the click (WebDriver round trips included)`);
    });

    test('empty and odd text give a message, not an exception', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      for (const text of ['', '   \n\t ']) {
        await speak(page, text);
        await page.waitFor(() => !document.querySelector('#error-banner').hidden, null, 10_000, 'the error banner');
        assert.match(await textOf(page, '#error-text'), /Type some text first/);
        assert.equal(await page.evaluate(() => window.__pocketTTS.phase), 'ready');
      }
      // Only py_core's preparation finds this empty (JS trim() keeps \x1c, Python's strip() drops it).
      await speak(page, '\x1c\x1f');
      await page.waitFor(() => document.querySelector('#error-text').textContent.startsWith('Text is empty'), null, 60_000, 'the py_core message');
      assert.equal(await textOf(page, '#error-text'), 'Text is empty: type something to say.');
      await page.waitFor(() => window.__pocketTTS.phase === 'ready', null, 30_000, 'the ready phase');
      assert.equal(await page.evaluate(() => document.querySelector('#speak').disabled), false);
    });

    test('clone a voice from a WAV file and speak with it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pocket-tts-clone-'));
      const wavPath = join(dir, 'prompt.wav');
      writeFileSync(wavPath, promptWav());
      await page.evaluate(() => {
        document.querySelector('#clone-section').open = true;
      });
      await page.upload('#clone-file', wavPath);
      await page.fill('#clone-name', 'tester');
      await page.waitFor(() => !document.querySelector('#clone').disabled, null, 10_000, 'Create voice to be enabled');
      await page.click('#clone');
      // a cloned voice is kept in the voice library (web/app/voice-library-ui.js) under the id lib:<uuid>
      await page.waitFor(() => document.querySelector('#voice').value.startsWith('lib:'), null, 120_000, 'the cloned voice');
      assert.match(await textOf(page, '#status'), /Voice “tester” is ready/);
      assert.equal(await visible(page, '#error-banner'), false, `no error: ${await textOf(page, '#error-text')}`);
      await speak(page, 'A cloned voice.');
      const result = await waitForResult(page);
      assert.equal(result.stopped, false);
      assert.ok(result.samples > 0);
    });

    // Before the document journey: with a document open, the export takes its chapters instead.
    test("exports the text's chapters as compressed audio with chapter marks ffprobe lists", { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      await page.fill('#text', '# Opening\n\nThe first chapter is short.\n\n# Closing\n\nSo is the second one.');
      await page.evaluate(() => {
        const section = document.querySelector('#export-section');
        section.hidden = false;
        section.open = true;
      });
      await page.waitFor(() => !document.querySelector('#export-start').disabled, null, 30_000, 'Export to be enabled');
      const format = await page.evaluate(() => document.querySelector('#export-format').value); // Opus where WebCodecs encodes it
      const before = new Set(readdirSync(engine.downloads));
      await page.click('#export-start');
      await page.waitFor(() => /^Export(ed| failed)/.test(document.querySelector('#export-status').textContent), null, 180_000, 'the export to end');
      const status = await textOf(page, '#export-status');
      assert.match(status, /^Exported/, `${format}: ${status} ${await textOf(page, '#error-text')} ${JSON.stringify((await eventsSince(page, 0)).filter((e) => e.type.startsWith('export')))}`);
      await page.click('#export-audio');
      const file = await waitForDownload(engine.downloads, before, 30_000, `.${format}`);
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_chapters', '-show_format', '-of', 'json', file], { encoding: 'utf8' }));
      assert.deepEqual(probe.chapters.map((c) => c.tags?.title), ['Opening', 'Closing']);
      assert.ok(Number(probe.format.duration) > 0.5, `duration ${probe.format.duration} s`);
      console.log(`  [${engineName}] export: ${format}, ${Number(probe.format.duration).toFixed(2)} s, chapters at ${probe.chapters.map((c) => Number(c.start_time).toFixed(2)).join(', ')} s`);
    });

    test('a Markdown document lists its chapters and reads the one chosen, without its markup', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pocket-tts-document-'));
      const path = join(dir, 'notes.md');
      writeFileSync(path, [
        '# First Part', 'Anna opened the **first** door.',
        '# Second Part', 'Bruno read the [second](https://example.com/2) letter aloud. Then he sat down.',
        '# Third Part', 'Clara closed the *third* window.',
      ].join('\n\n'));
      const from = (await page.evaluate(() => window.__pocketTTS.events.length));
      await page.evaluate(() => {
        document.querySelector('#document-file').hidden = false; // WebDriver types into visible inputs only
      });
      await page.upload('#document-file', path);
      await page.waitFor((n) => window.__pocketTTS.events.slice(n).some((e) => e.type === 'document' || e.type === 'document-error'), from, 60_000, 'the document to open');
      const opened = (await eventsSince(page, from)).find((e) => e.type === 'document' || e.type === 'document-error');
      assert.equal(opened.type, 'document', `opened: ${JSON.stringify(opened)}`);
      assert.deepEqual((await page.evaluate(() => window.__pocketTTS.document)).titles, ['First Part', 'Second Part', 'Third Part']);
      await page.evaluate(() => {
        const select = document.querySelector('#chapter');
        select.value = '1';
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });
      await page.click('#document-read');
      await page.waitFor(() => window.__pocketTTS.document?.sentence >= 1, null, 120_000, 'the second sentence of the chapter to be heard');
      // A reading goes on to the document's end piece by piece: chapter 2's pieces are its text.
      const pieces = await page.evaluate(() => window.__pocketTTS.readingPieces);
      assert.equal(pieces[0].group, 1, 'the reading starts at chapter 2');
      const spoken = pieces.filter((piece) => piece.group === 1).map((piece) => piece.text).join(' ');
      assert.ok(spoken.startsWith('Second Part'), `read: ${spoken}`);
      assert.match(spoken, /Bruno read the second letter aloud\./);
      assert.doesNotMatch(spoken, /Anna|Clara|https|\*|\[/);
      await page.click('#stop');
      await page.waitFor(() => window.__pocketTTS.phase === 'ready', null, 30_000, 'the ready phase after Stop');
      await page.evaluate(() => {
        document.querySelector('#document-file').hidden = true;
      });
    });

    // Three page loads (online, through the service worker, offline): WebKitGTK takes 50-70 s for each on a loaded machine.
    test('works offline after one visit (service worker)', { timeout: 2 * JOURNEY_TIMEOUT_MS }, async () => {
      // A server of its own, stopped halfway: offline means nothing answers any more.
      const server = await servePreview({ cwd: root, outDir: join(root, 'dist'), port: await freePort() });
      let serverUp = true;
      const offlinePage = page; // WebKitWebDriver drives one MiniBrowser window at a time
      try {
        await openApp(offlinePage, server.url);
        await offlinePage.waitFor(() => navigator.serviceWorker.controller !== null, null, 60_000, 'the service worker to take control');
        // The downloaded model files go into the device store (OPFS) after 'ready'.
        await offlinePage.waitFor(() => window.__pocketTTS.events.some((e) => e.type === 'stored'), null, 60_000, 'the model files to be stored');
        await openApp(offlinePage, server.url); // the second visit goes through the service worker
        // The model comes from the device store, or (an engine without OPFS) the service worker's cache.
        const fromDevice = await offlinePage.evaluate(() => [...window.__pocketTTS.info.filesFromDevice]);
        const pythonStart = await offlinePage.evaluate(() => window.__pocketTTS.info.pythonStart);
        const cached = await offlinePage.evaluate(async () => (await (await caches.open('pocket-tts-models')).keys()).map((r) => r.url));
        console.log(
          `  [${engineName}] second visit: ${fromDevice.length} model files from the device store, ${cached.length} in the service worker's cache;` +
            ` Python started from ${{ device: 'its snapshot on the device', site: "the site's snapshot", plain: 'nothing (plainly)' }[pythonStart]}`,
        );
        assert.ok(
          fromDevice.includes('mimi_decoder.onnx') || cached.some((url) => url.includes(`/models/${TINY}mimi_decoder.onnx?sha256=`)),
          `model files are kept (from the device: ${fromDevice.join(', ') || 'none'}; cached: ${cached.length})`,
        );

        server.stop();
        serverUp = false;
        assert.equal(await fetch(server.url).then(() => 'answered', () => 'offline'), 'offline');
        await openApp(offlinePage, server.url);
        await speak(offlinePage, 'Offline and still talking.');
        const result = await waitForResult(offlinePage);
        assert.ok(result.samples > 0);
      } finally {
        if (serverUp) server.stop();
      }
    });
  });
}
