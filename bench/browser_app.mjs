// What the browser benchmarks share: command-line options, the app's configurations and the steps
// that drive it, graph-benchmark pages. Starting browsers and servers: browsers/ (shared with e2e-engines/).

import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { launchChromium } from '../browsers/chromium.js';

/** The value after `--name` on the command line, else `fallback`. */
export function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

/** The app's URL parameters for each benchmark configuration (web/app/main.js reads them). */
export const APP_CONFIGS = {
  'wasm-1t': { backend: 'wasm', threads: '1', parallel_decoder: '1' },
  'wasm-2t': { backend: 'wasm', threads: '2', parallel_decoder: '1' },
  'wasm-1t-b1': { backend: 'wasm', threads: '1', parallel_decoder: '1', decode_batch: '1' },
  'wasm-1t-b4': { backend: 'wasm', threads: '1', parallel_decoder: '1', decode_batch: '4' },
  'wasm-1t-inline': { backend: 'wasm', threads: '1', parallel_decoder: '0' },
  'wasm-2t-inline': { backend: 'wasm', threads: '2', parallel_decoder: '0' },
  webgpu: { backend: 'webgpu' },
};

// Page state is polled every POLL_MS: Playwright's default, every animation frame, would keep the
// page rendering 60 times a second beside the app's own work (ready times are read to ±0.1 s).
const POLL_MS = 100;

/** Wait until the opened app is ready or has failed to load. */
export function waitForLoaded(page) {
  return page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.phase), null, { timeout: 600_000, polling: POLL_MS });
}

/** Seconds from the page's navigation start to the worker's 'ready' (the page's own clock); NaN before it. */
export async function readySeconds(page) {
  return (await page.evaluate(() => window.__pocketTTS.events.find((e) => e.type === 'ready')?.at)) / 1000;
}

/** Wait until the worker has kept what the start downloaded on the device ('stored'). */
export function waitForStored(page) {
  return page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'stored'), null, { timeout: 120_000, polling: POLL_MS });
}

/**
 * In a ready app: let the warm-up finish (it runs until the first request or 8 s, as while a user
 * types), set the temperature to 0 and type `text`. Speak is then one click away.
 */
export async function prepareUtterance(page, text) {
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'warm'), null, { timeout: 60_000, polling: POLL_MS }).catch(() => {});
  await page.locator('#advanced summary').click();
  await page.locator('#temperature').evaluate((input) => {
    input.value = '0';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.locator('#text').fill(text);
}

/** Wait for the utterance to end; returns the app's result. */
export async function waitForUtterance(page) {
  await page.waitForFunction(() => window.__pocketTTS.lastResult !== null, null, { timeout: 900_000, polling: POLL_MS });
  return page.evaluate(() => window.__pocketTTS.lastResult);
}

const TYPES = { '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };

/**
 * A cross-origin isolated static server for graph benchmarks: `/` is an empty page, `/<prefix>/…`
 * serves files from `folders[prefix]`. Returns { url, close }.
 * @param {Record<string, string>} folders  URL prefix (no slashes) → folder
 */
export async function serveFolders(folders, port) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (path === '/') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      return response.end('<!doctype html><title>graph benchmark</title>');
    }
    const [, prefix, ...rest] = path.split('/');
    const file = folders[prefix] && join(folders[prefix], ...rest);
    try {
      if (!file || !statSync(file).isFile()) throw new Error('not a file');
    } catch {
      response.writeHead(404);
      return response.end();
    }
    response.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/**
 * Runs `inPage({...pageArgs, ...case, calls})` in a fresh headless Chromium page at `url` for every
 * case, cases interleaved round by round (a load that comes and goes hits them alike). Returns the
 * runs: {round, ...case, load_before, ...what inPage returned}.
 */
export async function interleaveInChromium(url, cases, rounds, inPage, label, { calls = 30, pageArgs = {} } = {}) {
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    for (const c of cases) {
      const browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(url);
      const timing = await page.evaluate(inPage, { ...pageArgs, ...c, calls });
      runs.push({ round, ...c, load_before: loadavg()[0], ...timing });
      console.error(`round ${round} ${label(c)}: ${JSON.stringify(timing)}`);
      await browser.close();
    }
  }
  return runs;
}
