// The security headers (security-headers.js): served with every file, shipped in dist/ (_headers and
// a <meta> policy), documented in the README; and the suite's policy watch (e2e/security-policy.js)
// really catches a violation, in the page and in a worker. Every other spec runs under the same
// policy and fails on any violation (e2e/fixtures.js).

import { readFileSync, readdirSync } from 'node:fs';
import { contentSecurityPolicy, cspDirectives, headersFile, nginxLines, securityHeaders } from '../security-headers.js';
import { expect, test } from './fixtures.js';
import { openApp, startSpeaking, waitForResult } from './helpers.js';
import { mark, problemsSince, watcherOf } from './security-policy.js';

const distAssets = () => readdirSync('dist/assets');

test('every kind of file is served with every security header', async ({ request }) => {
  const worker = distAssets().find((name) => /^worker-.*\.js$/.test(name));
  const worklet = distAssets().find((name) => /^playback-worklet-.*\.js$/.test(name));
  expect(worker, 'the synthesis worker is a file in dist/assets').toBeTruthy();
  expect(worklet, 'the AudioWorklet module is a file in dist/assets').toBeTruthy();
  const paths = ['./', 'index.html', `assets/${worker}`, `assets/${worklet}`, 'sw.js', 'manifest.webmanifest',
    'pyodide/pyodide.asm.wasm', 'ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.jsep.mjs', 'models/index.json',
    'models/english-synthetic-tiny/manifest.json', 'icons/icon-192.png'];
  for (const path of paths) {
    const response = await request.head(path);
    expect(response.status(), path).toBe(200);
    for (const { name, value } of securityHeaders) expect(response.headers()[name.toLowerCase()], `${path}: ${name}`).toBe(value);
  }
});

test('dist ships the headers: _headers, a <meta> policy, no inline script or style, no data: module', () => {
  expect(readFileSync('dist/_headers', 'utf8')).toBe(headersFile());
  const html = readFileSync('dist/index.html', 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/);
  expect(meta?.[1]).toBe(contentSecurityPolicy({ meta: true }));
  expect(meta[1]).not.toContain('frame-ancestors'); // ignored (with a console error) in a <meta> policy
  expect(contentSecurityPolicy()).toContain("frame-ancestors 'none'");
  expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.indexOf('<script'));
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
  expect(html).not.toMatch(/<style|\sstyle=/);
  for (const name of distAssets().filter((n) => n.endsWith('.js'))) {
    expect(readFileSync(`dist/assets/${name}`, 'utf8'), name).not.toContain('data:text/javascript');
  }
});

test("the README's hosting section lists every header, its value (nginx) and its reason", () => {
  const readme = readFileSync('README.md', 'utf8');
  const hosting = readme.slice(readme.indexOf('### Hosting'), readme.indexOf('\n## ', readme.indexOf('### Hosting')));
  for (const line of nginxLines()) expect(hosting).toContain(line);
  for (const { name } of securityHeaders) {
    expect(hosting, `a table row giving the reason for ${name}`).toMatch(new RegExp(`^\\| \`${name}\` \\| .{30,} \\|$`, 'm'));
  }
  for (const [name, sources] of cspDirectives) {
    expect(hosting, `a table row giving the reason for ${name}`).toContain(`| \`${name} ${sources.join(' ')}\` | `);
  }
});

test('every spec runs under the policy watch: test from ./fixtures.js, no unwatched browser contexts', () => {
  for (const name of readdirSync('e2e').filter((n) => n.endsWith('.spec.js'))) {
    const source = readFileSync(`e2e/${name}`, 'utf8');
    expect(source, name).toMatch(/^import \{[^}]*\btest\b[^}]*\} from '\.\/fixtures\.js';$/m);
    expect(source, name).not.toMatch(/from '@playwright\/test'/);
    expect(source, `${name}: open pages from the context fixture`).not.toMatch(/\bbrowser\.newContext\(/);
    const pages = source.match(/\bbrowser\.newPage\(/g)?.length ?? 0;
    if (/from 'puppeteer-core'/.test(source)) {
      // A page driven through puppeteer-core (a hidden tab: Playwright keeps its pages visible) is watched by hand.
      expect(source.match(/\bwatchPuppeteerPage\(/g)?.length ?? 0, `${name}: watch each puppeteer page`).toBeGreaterThanOrEqual(pages);
    } else {
      expect(pages, `${name}: open pages from the context fixture`).toBe(0);
    }
  }
});

test('a violation is caught: an inline script, a data: AudioWorklet module, a data: fetch in the worker', async ({ app: { page }, securityPolicy }) => {
  const watch = watcherOf(page.context());
  const before = mark(watch);
  const newEvents = () => watch.events.slice(before.events);
  const newMessages = () => watch.messages.slice(before.messages).map((m) => m.text);

  // An inline script (as an injected <script> would be): refused. The page has two copies of the
  // policy, the header's and the <meta> one (for hosts without headers): each reports it.
  const ran = await page.evaluate(async () => {
    window.__inlineRan = false;
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return window.__inlineRan;
  });
  expect(ran).toBe(false);
  await expect.poll(() => newEvents().length).toBe(2);
  expect(newEvents().map((e) => `${e.where.split(' ')[0]} ${e.directive} ${e.blocked}`)).toEqual(['page script-src-elem inline', 'page script-src-elem inline']);
  expect(newEvents().map((e) => e.policy).sort()).toEqual([contentSecurityPolicy(), contentSecurityPolicy({ meta: true })].sort());

  // The bug of the first build: an AudioWorklet module inlined as a data: URL. A worklet's refusal
  // fires no event the page sees; the browser log has it.
  const worklet = await page.evaluate(async () => {
    const context = new AudioContext();
    try {
      await context.audioWorklet.addModule('data:text/javascript,registerProcessor("x",class extends AudioWorkletProcessor{process(){return false}})');
      return 'loaded';
    } catch (error) {
      return error.name;
    } finally {
      await context.close();
    }
  });
  expect(worklet).toBe('AbortError');
  await expect.poll(newMessages).toEqual(expect.arrayContaining([expect.stringMatching(/^Loading the script 'data:text\/javascript,registerProcessor.* violates the following Content Security Policy directive/)]));

  // Inside the synthesis worker (its own policy, from its script's response headers): a data: fetch.
  const worker = page.workers().find((w) => /\/assets\/worker-[^/]*\.js$/.test(w.url()));
  const fetched = await worker.evaluate(() => fetch('data:text/plain,hello').then(() => 'fetched', (error) => error.name));
  expect(fetched).toBe('TypeError');
  await expect.poll(() => newEvents().length).toBe(3);
  expect(newEvents()[2]).toMatchObject({ directive: 'connect-src', blocked: 'data', policy: contentSecurityPolicy() });
  expect(newEvents()[2].where).toMatch(/^worker /);
  await expect.poll(newMessages).toEqual(expect.arrayContaining([expect.stringMatching(/^Connecting to 'data:text\/plain,hello' violates the following Content Security Policy directive: "connect-src 'self'"/)]));

  // These are all that was recorded; they do not fail this test.
  const problems = problemsSince(watch, before);
  for (const problem of problems) expect(problem).toMatch(/inline script|script-src-elem blocked inline|data:text\/javascript|data:text\/plain|connect-src blocked data/);
  securityPolicy.expected(problems.length);
});

test("onnxruntime-web's WebAssembly threads (its own worker file) run under the policy", async ({ page }) => {
  // The shared page runs one thread on a 2-core machine; ask for two, so onnxruntime-web starts its
  // pthread workers. The policy watch (fixtures.js) fails the test on any violation.
  const workers = [];
  page.on('worker', (worker) => workers.push(new URL(worker.url()).pathname));
  await openApp(page, { threads: '2', backend: 'wasm' });
  await expect(page.locator('#status')).toContainText('2 threads');
  await startSpeaking(page, 'Two threads.');
  expect((await waitForResult(page)).samples).toBeGreaterThan(0);
  expect(workers).toContain('/ort/ort-wasm-simd-threaded.mjs'); // the plain build runs the WASM EP (web/engine/ort-builds.js)
});

test("a host policy without 'wasm-unsafe-eval' gets a clear message instead of a page that never loads", async ({ page, policyWatch, securityPolicy }) => {
  // Every response (the page, the worker scripts) as a host would send it with this one source
  // missing, and no <meta> copy.
  const policy = contentSecurityPolicy().replace(" 'wasm-unsafe-eval'", '');
  await page.context().route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers(), 'content-security-policy': policy };
    if (!headers['content-type']?.startsWith('text/html')) return route.fulfill({ response, headers });
    const html = (await response.text()).replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    return route.fulfill({ response, headers, body: html });
  });
  await openApp(page, {}, { ready: false });
  await expect(page.locator('body')).toHaveAttribute('data-phase', 'error', { timeout: 60_000 });
  await expect(page.locator('#error-text')).toHaveText(/does not allow WebAssembly.*'wasm-unsafe-eval'/);

  // What the watch recorded is this test's doing: the altered page, and WebAssembly refused.
  const problems = problemsSince(policyWatch);
  expect(problems.some((p) => p.startsWith('document without the shipped policy'))).toBe(true);
  expect(problems.some((p) => /WebAssembly/.test(p))).toBe(true);
  for (const problem of problems) expect(problem).toMatch(/^document without the shipped policy|WebAssembly|wasm-eval/);
  securityPolicy.expected(problems.length);
  // The page stops at the error while model downloads may still be in flight through the route.
  await page.context().unrouteAll({ behavior: 'ignoreErrors' });
});

test('a failure shows a short message; the details go to the console', async ({ page }) => {
  // The AudioWorklet module fails to load as it did in the first build under this policy, with the
  // browser's message carrying a 3 kB data: URL. (Playwright cannot route a worklet's request, so
  // addModule itself is made to fail.)
  await page.addInitScript(() => {
    AudioWorklet.prototype.addModule = () => Promise.reject(new DOMException(
      `Failed to load worklet module script: data:text/javascript;base64,${'QUJD'.repeat(800)}`, 'AbortError'));
  });
  const consoleErrors = [];
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  await openApp(page);
  await page.getByRole('button', { name: 'Speak' }).click();
  // No audio output: the short message, and the speech is still generated into the WAV.
  await expect(page.locator('#error-text')).toHaveText(
    'No sound: the audio output did not start (no audio device, or it is busy). ' +
      'The speech is still being generated: download the WAV when it is done.');
  expect(consoleErrors.some((text) => text.startsWith('No sound: the audio output did not start') && text.includes('Failed to load worklet module script: data:')),
    consoleErrors.join('\n')).toBe(true);
  await expect(page.getByRole('button', { name: 'Speak' })).toBeEnabled({ timeout: 120_000 });
});
