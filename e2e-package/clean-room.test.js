// The clean-room test of the npm package (issue 25): what a stranger's Vite app gets from
// `npm install pocket-tts-web`, using only the public API.
//
//   1. `npm pack` (its prepack builds runtime/, vendor/ and types/) → a tarball;
//   2. an empty project in a temporary folder: the tarball and vite installed with npm (the registry is
//      asked only for vite, normally already in npm's cache: --prefer-offline), a page that imports
//      `{ PocketTTS } from 'pocket-tts-web'` and a vite.config.js with `plugins: [pocketTTS()]`;
//      public/ gets a copy of the tiny synthetic bundle (public/models/english-synthetic-tiny/: noise,
//      not speech) with an index.json listing it, and a 3 s sine WAV at 24 kHz for cloning;
//   3. `vite build`, then `vite preview` (the plugin's security headers: the app's strict CSP, COOP/COEP),
//      and then `vite dev` (the plugin serves the runtime from the package; the sources are not bundled);
//   4. headless Chromium runs the page (e2e-package/page/: main.js runs checks.js): load, stream (time
//      to the first chunk), generate (a whole number of 1920-sample frames), cloneVoice → generate with
//      that voice, an aborted generate (AbortError) followed by one that works; no CSP violation, no
//      page error;
//   5. the same page without any bundler: the package's prebuilt/ and runtime/ copied into tts/ of a
//      static folder (the README's copy step), served by a plain node:http server with the package's
//      security headers (page/prebuilt-main.js imports ./tts/pocket-tts.js).
//
// Run: npm run test:clean-room   (or: node --test e2e-package/)
// Environment: CLEAN_ROOM_PORT (default 4391), CHROMIUM_PATH (default /usr/bin/chromium),
// CLEAN_ROOM_TARBALL (skip step 1 and install this tarball), CLEAN_ROOM_KEEP=1 (keep the folder).
// Needs: the tiny bundle (npm run bundles:test), npm's registry or cache for vite.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { makeWav } from '../e2e/wav.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.CLEAN_ROOM_PORT || 4391);
const BUNDLE = 'english-synthetic-tiny';
const VITE_VERSION = JSON.parse(readFileSync(join(root, 'node_modules', 'vite', 'package.json'), 'utf8')).version;
const log = (message) => console.log(`[clean-room] ${message}`);

function timed(what, work) {
  const started = Date.now();
  const result = work();
  log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** A mono 16-bit WAV: `seconds` of a 220 Hz sine with a little noise, at `rate`. */
function sineWav(seconds = 3, rate = 24000) {
  let seed = 1;
  const samples = Array.from({ length: seconds * rate }, (_, i) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return 0.4 * Math.sin((2 * Math.PI * 220 * i) / rate) + 0.05 * (seed / 0x7fffffff - 0.5);
  });
  return makeWav(samples, rate);
}

/** The bundle's files the engine may download (manifest.json and every file not marked "never"). */
function copyBundle(from, to) {
  const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8'));
  for (const file of ['manifest.json', ...manifest.files.filter((f) => f.download !== 'never').map((f) => f.path)]) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}

async function waitForServer(url, server, seconds = 60) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(3000) })).ok) return;
    } catch {
      // not yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`vite preview did not answer on ${url} within ${seconds} s`);
}

const STATIC_TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.wav': 'audio/wav' };

/** A static file server for `folder` on `port` that sends `headers` with every file (a host without Vite). */
function serveStatic(folder, headers, port) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const file = join(folder, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(folder) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

/** Run the page (e2e-package/page/main.js) at `url` in a new page of `browser` and check its results. */
async function checkPage(browser, url, where) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'failed', null, { timeout: 240_000 });
  const result = JSON.parse(await page.locator('#result').textContent());
  await page.close();
  log(`${where}: the page ran in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(result)}`);
  assert.equal(result.error, undefined, `the page failed: ${result.error}`);
  assert.ok(result.crossOriginIsolated, 'the page is cross-origin isolated (COOP/COEP from the plugin)');
  assert.deepEqual(result.violations, [], 'no Content-Security-Policy violation');

  const { frameSize } = result;
  assert.equal(frameSize, 1920);
  for (const [name, run] of Object.entries({ generate: result.generate, cloned: result.cloned, afterAbort: result.afterAbort })) {
    assert.ok(run.samples > 0, `${name}: audio came back`);
    assert.equal(run.samples % frameSize, 0, `${name}: a whole number of ${frameSize}-sample frames (${run.samples})`);
    assert.equal(run.wavBytes, 44 + 2 * run.samples, `${name}: toWav() holds every sample`);
  }
  assert.ok(result.stream.firstChunkMs > 0 && result.stream.chunks > 0, 'stream() yielded audio');
  assert.equal(result.stream.samples % frameSize, 0);
  assert.match(result.voice.id, /^lib:/, 'cloneVoice() returned a library voice');
  assert.ok(result.voices.includes(result.voice.id), 'the cloned voice is listed in tts.voices');
  assert.ok(result.aborted.name === 'AbortError' || result.aborted.code === 'aborted', `the aborted generate rejected with an AbortError (${JSON.stringify(result.aborted)})`);
  assert.ok(result.aborted.ms < 10_000, 'the abort took effect promptly');
  assert.deepEqual(problems, [], 'no CSP report, page error or failed request');
  log(`${where}: load ${result.loadMs} ms; first stream chunk ${result.stream.firstChunkMs} ms; generate ${result.generate.ms} ms for ${result.generate.samples} samples; ` +
    `clone ${result.voice.ms} ms; abort rejected after ${result.aborted.ms} ms`);
}

test('clean room: npm pack → install → vite build with the plugin → the public API works under the strict CSP', { timeout: 400_000 }, async () => {
  const bundleDir = join(root, 'public', 'models', BUNDLE);
  assert.ok(existsSync(join(bundleDir, 'manifest.json')), `no ${bundleDir}: run npm run bundles:test`);
  const work = mkdtempSync(join(tmpdir(), 'pocket-tts-clean-room-'));
  log(`project: ${work}`);
  let server;
  let staticServer;
  let browser;
  try {
    // 1. The tarball.
    let tarball = process.env.CLEAN_ROOM_TARBALL;
    if (!tarball) {
      const packDir = join(work, 'pack');
      mkdirSync(packDir);
      const name = timed('npm pack (prepack: runtime, vendor, types)', () =>
        npm(['pack', '--pack-destination', packDir, '--silent'], root).trim().split('\n').pop());
      tarball = join(packDir, name);
    }
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const needed of ['package/runtime/runtime.json', 'package/vite-plugin.js', 'package/prebuilt/pocket-tts.js', 'package/prebuilt/element.js', 'package/types/web/engine/pocket-tts.d.ts', 'package/web/engine/worker_driver.py']) {
      assert.ok(listing.includes(needed), `the tarball lacks ${needed}`);
    }
    assert.ok(listing.some((f) => /^package\/runtime\/wheels\/py_core-.*\.whl$/.test(f)), 'the tarball lacks the py_core wheel');
    assert.ok(listing.some((f) => f.startsWith('package/runtime/pyodide/')) && listing.some((f) => f.startsWith('package/runtime/ort/')));
    for (const unwanted of ['package/tests-js/', 'package/e2e/', 'package/bench/', 'package/public/models/', 'package/py_core/', 'package/web/app/']) {
      assert.ok(!listing.some((f) => f.startsWith(unwanted)), `the tarball carries ${unwanted}`);
    }

    // 2. An empty project that installs it.
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'clean-room-app', private: true, type: 'module' }, null, 2));
    timed('npm install (tarball + vite)', () =>
      npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, `vite@${VITE_VERSION}`], app));
    cpSync(join(root, 'e2e-package', 'page'), app, { recursive: true });
    writeFileSync(join(app, 'vite.config.js'), [
      "import pocketTTS from 'pocket-tts-web/vite';",
      '',
      `export default { plugins: [pocketTTS()], build: { target: 'es2022' }, preview: { port: ${PORT}, strictPort: true, host: '127.0.0.1' } };`,
      '',
    ].join('\n'));
    copyBundle(bundleDir, join(app, 'public', 'models', BUNDLE));
    const entry = JSON.parse(readFileSync(join(root, 'public', 'models', 'index.json'), 'utf8')).models.find((m) => m.path === `${BUNDLE}/`);
    writeFileSync(join(app, 'public', 'models', 'index.json'), JSON.stringify({ schema: 'pocket-tts-web/models-index', schema_version: 1, models: [entry] }, null, 2));
    writeFileSync(join(app, 'public', 'voice.wav'), sineWav());

    // 3. Build and serve.
    timed('vite build', () => execFileSync(join(app, 'node_modules', '.bin', 'vite'), ['build'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] }));
    const dist = join(app, 'dist');
    for (const file of ['runtime.json', '_headers', 'index.html']) assert.ok(existsSync(join(dist, file)), `dist/ lacks ${file}`);
    assert.ok(readdirSync(join(dist, 'wheels')).some((f) => f.endsWith('.whl')), 'dist/wheels/ lacks the py_core wheel');
    assert.ok(existsSync(join(dist, 'pyodide', 'pyodide.asm.wasm')) && existsSync(join(dist, 'ort', 'ort-wasm-simd-threaded.wasm')));
    assert.match(readFileSync(join(dist, '_headers'), 'utf8'), /Content-Security-Policy: default-src 'none'/);
    server = spawn(join(app, 'node_modules', '.bin', 'vite'), ['preview'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.resume();
    server.stderr.on('data', (data) => process.stderr.write(data));
    const url = `http://127.0.0.1:${PORT}/`;
    await waitForServer(url, server);
    const response = await fetch(url);
    const csp = response.headers.get('content-security-policy');
    assert.match(csp ?? '', /default-src 'none'/, 'vite preview sends the CSP');
    assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');

    // 4. The page, in headless Chromium: the build under vite preview, then the sources under vite dev.
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    await checkPage(browser, url, 'vite preview');
    server.kill();
    server = spawn(join(app, 'node_modules', '.bin', 'vite'), ['--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.resume();
    server.stderr.on('data', (data) => process.stderr.write(data));
    await waitForServer(url, server);
    const runtimeJson = await fetch(`${url}runtime.json`);
    assert.ok(runtimeJson.ok, 'vite dev serves the runtime');
    assert.match(runtimeJson.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    await checkPage(browser, url, 'vite dev');
    server.kill();
    server = undefined;

    // 5. Without Vite (README): the package's prebuilt/ and runtime/ copied into tts/ of a static site,
    //    served by a plain HTTP server that sends the package's security headers.
    const site = join(work, 'static');
    const installed = join(app, 'node_modules', 'pocket-tts-web');
    cpSync(join(installed, 'prebuilt'), join(site, 'tts'), { recursive: true });
    cpSync(join(installed, 'runtime'), join(site, 'tts'), { recursive: true });
    cpSync(join(app, 'public'), site, { recursive: true }); // the models and the voice
    for (const file of ['index.html', 'checks.js']) copyFileSync(join(app, file), join(site, file));
    copyFileSync(join(app, 'prebuilt-main.js'), join(site, 'main.js'));
    const { headerObject } = await import(join(installed, 'security-headers.js'));
    staticServer = await serveStatic(site, headerObject, PORT);
    await checkPage(browser, url, 'prebuilt, no bundler');
  } finally {
    staticServer?.close();
    await browser?.close();
    server?.kill();
    if (!process.env.CLEAN_ROOM_KEEP) rmSync(work, { recursive: true, force: true });
  }
});
