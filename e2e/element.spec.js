// The <pocket-tts> element (web/adapters/element.js) in a plain HTML page (web/examples/element.html,
// which logs the elements' events into window.__log): two elements share one engine, a button speaks
// its paragraph to the end (every sample reaches the player) with the heard word highlighted, Stop and
// Escape stop it, it works by keyboard alone, and axe-core finds no accessibility violations.
//
// axe-core: node_modules/axe-core when installed (package.json devDependencies), else
// AXE_PATH or /tmp/axe/node_modules/axe-core/axe.min.js (`npm install --no-save --prefix /tmp/axe axe-core`).
// It is injected as an init script (DevTools protocol): a <script> tag with inline content would
// break the page's Content-Security-Policy.

import { existsSync } from 'node:fs';
import { expect, test } from './fixtures.js';
import { sharedExamplePage } from './example-page.js';
import { TINY, note } from './helpers.js';

const AXE = [process.env.AXE_PATH, 'node_modules/axe-core/axe.min.js', '/tmp/axe/node_modules/axe-core/axe.min.js'].find((p) => p && existsSync(p));
const LONG_TEXT = Array.from({ length: 10 }, (_, i) => `This is sentence number ${i + 1} of a long paragraph.`).join(' ');

const example = sharedExamplePage(test, { initScript: AXE });
const { logFrom, logLength } = example;
const waitForLog = (from, type, id, timeout = 120_000) =>
  example.page.waitForFunction(([n, type, id]) => window.__log.slice(n).find((e) => e.type === type && e.id === id), [from, type, id], { timeout }).then((h) => h.jsonValue());
const button = (id) => example.page.locator(`#${id}`).getByRole('button');

test('two elements load one shared engine and say they are ready', async () => {
  await example.page.goto(`examples/element.html?model=${encodeURIComponent(TINY)}`);
  await waitForLog(0, 'ready', 'first', 150_000);
  await waitForLog(0, 'ready', 'second');
  const ready = (await logFrom(0)).filter((e) => e.type === 'ready');
  for (const e of ready) expect(e.detail.voices.map((v) => v.name)).toEqual(['aurora', 'basil', 'cedar']);
  const engines = example.page.workers().filter((w) => /\/assets\/worker-[\w-]+\.js$/.test(new URL(w.url()).pathname));
  expect(engines.length, 'one synthesis worker for both elements').toBe(1);
  await expect(button('first')).toHaveText('Read aloud');
  await expect(button('first')).toBeEnabled();
});

test('the button speaks the paragraph to its end, the heard word highlighted', async () => {
  const text = await example.page.locator('#first').textContent();
  // What is highlighted when each word event arrives (the element highlights before it tells).
  await example.page.evaluate(() => {
    window.__highlights = [];
    document.getElementById('first').addEventListener('word', () => {
      window.__highlights.push([...(CSS.highlights.get('pocket-tts-word') ?? [])].map((r) => r.toString()));
    });
  });
  const from = await logLength();
  await button('first').click();
  await expect(button('first')).toHaveText('Stop reading');
  await expect(example.page.locator('#first').getByRole('status')).toHaveText('Speaking…');
  const end = await waitForLog(from, 'end', 'first');
  const log = (await logFrom(from)).filter((e) => e.id === 'first');
  expect(log[0].type).toBe('start');
  expect(log.at(-1).type).toBe('end');
  expect(end.detail.stopped).toBe(false);
  expect(end.detail.samples).toBeGreaterThan(0);
  expect(end.detail.rendered, 'every generated sample reached the player').toBe(end.detail.samples);
  const words = log.filter((e) => e.type === 'word');
  expect(words.length).toBeGreaterThan(0);
  for (const w of words) expect(text.slice(w.detail.charIndex, w.detail.charIndex + w.detail.charLength).toLowerCase()).toBe(w.detail.text.toLowerCase());
  const highlights = await example.page.evaluate(() => window.__highlights);
  expect(highlights).toEqual(words.map((w) => [text.slice(w.detail.charIndex, w.detail.charIndex + w.detail.charLength)]));
  expect(await example.page.evaluate(() => CSS.highlights.get('pocket-tts-word')?.size ?? 0), 'nothing highlighted after the end').toBe(0);
  await expect(button('first')).toHaveText('Read aloud');
  await expect(example.page.locator('#first').getByRole('status')).toHaveText('Done.');
  note({ type: 'element', description: `${words.length} words, ${(end.detail.samples / 24000).toFixed(2)} s played` });
});

test('Stop silences it; starting the other element stops the first', async () => {
  await example.page.locator('#first').evaluate((element, text) => (element.textContent = text), LONG_TEXT);
  let from = await logLength();
  await button('first').click();
  await waitForLog(from, 'start', 'first', 60_000);
  const t0 = Date.now();
  await button('first').click(); // now "Stop reading"
  const end = await waitForLog(from, 'end', 'first', 5_000);
  const stopMs = Date.now() - t0;
  expect(end.detail.stopped).toBe(true);
  expect(stopMs).toBeLessThan(1000);
  await expect(button('first')).toHaveText('Read aloud');
  await expect(example.page.locator('#first').getByRole('status')).toHaveText('Stopped.');

  from = await logLength();
  await button('first').click();
  await waitForLog(from, 'start', 'first', 60_000);
  await button('second').click();
  expect((await waitForLog(from, 'end', 'first', 5_000)).detail.stopped).toBe(true);
  const second = await waitForLog(from, 'end', 'second');
  expect(second.detail).toMatchObject({ stopped: false });
  expect(second.detail.rendered).toBe(second.detail.samples);
  note({ type: 'element stop', description: `Stop click to 'end' event: ${stopMs} ms` });
});

test('keyboard only: Tab to the button, Enter starts, Escape stops, Enter starts and stops again', async () => {
  await example.page.getByRole('heading', { level: 1 }).click(); // nothing focused; Tab goes on from the heading
  await expect(button('second')).not.toBeFocused();
  await example.page.keyboard.press('Tab');
  await expect(button('first')).toBeFocused();
  let from = await logLength();
  await example.page.keyboard.press('Enter');
  await waitForLog(from, 'start', 'first', 60_000);
  await expect(button('first')).toHaveText('Stop reading');
  await example.page.keyboard.press('Escape');
  expect((await waitForLog(from, 'end', 'first', 5_000)).detail.stopped).toBe(true);
  await expect(button('first')).toBeFocused();

  from = await logLength();
  await example.page.keyboard.press('Space');
  await waitForLog(from, 'start', 'first', 60_000);
  await example.page.keyboard.press('Enter');
  expect((await waitForLog(from, 'end', 'first', 5_000)).detail.stopped).toBe(true);
  await expect(button('first')).toHaveText('Read aloud');
});

test('axe-core finds no accessibility violations (idle and while speaking)', async () => {
  test.skip(!AXE, 'axe-core is not installed (npm install --no-save --prefix /tmp/axe axe-core)');
  const audit = () => example.page.evaluate(async () => (await window.axe.run(document)).violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`));
  expect(await audit()).toEqual([]);
  const from = await logLength();
  await button('first').click();
  await waitForLog(from, 'start', 'first', 60_000);
  expect(await audit()).toEqual([]);
  await example.page.keyboard.press('Escape');
  await waitForLog(from, 'end', 'first', 5_000);
  note({ type: 'axe-core', description: await example.page.evaluate(() => window.axe.version) });
});

test("the example pages link to the app's web app manifest (one folder up)", async ({ request }) => {
  for (const example of ['examples/element.html', 'examples/web-speech.html']) {
    const html = await (await request.get(example)).text();
    const href = html.match(/<link rel="manifest" href="([^"]+)"/)?.[1];
    expect(href, `${example} has a manifest link`).toBeTruthy();
    const manifest = await request.get(new URL(href, new URL(example, 'http://x/')).pathname.slice(1));
    expect(manifest.status(), `${example} → ${href}`).toBe(200);
    expect((await manifest.json()).name).toBe('Pocket TTS');
  }
});
