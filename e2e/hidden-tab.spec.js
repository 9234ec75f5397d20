// A hidden tab keeps reading (issue 28 item 4): a long document read at 3× (PocketTTS.read) goes on
// playing and generating while another tab is in front.
//
// Playwright keeps every page it drives visible (it emulates focus; document.visibilityState stays
// 'visible' whatever tab is in front), and its default flags, like Puppeteer's, switch background
// throttling off. So this spec drives Debian's Chromium through puppeteer-core (a dev dependency),
// without those flags: a second tab brought to the front really hides the app's tab, with the
// timer throttling a user's browser applies to hidden tabs. The app is the one the Playwright
// setup serves; its pages are under the same policy watch as every spec's (watchPuppeteerPage).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { expect, test } from './fixtures.js';
import { BASE_URL } from './global-setup.js';
import { TINY, note } from './helpers.js';
import { STOP_MS, longDocument } from './reading-helpers.js';
import { watchPuppeteerPage } from './security-policy.js';

const SPEED = 3;
const HIDDEN_SECONDS = 30;
const THROTTLING_OFF = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];

test('a reading keeps playing and generating while another tab is in front (the app tab hidden)', async () => {
  test.setTimeout(5 * 60_000);
  const file = join(mkdtempSync(join(tmpdir(), 'pocket-hidden-')), 'long.md');
  writeFileSync(file, longDocument(10, 40));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
    ignoreDefaultArgs: THROTTLING_OFF,
  });
  try {
    const page = await browser.newPage();
    await watchPuppeteerPage(page); // the policy watch of e2e/fixtures.js, for a page it cannot see
    await page.goto(`${BASE_URL}?${new URLSearchParams({ model: TINY })}`);
    await page.waitForFunction(() => window.__pocketTTS?.phase === 'ready', { timeout: 150_000 });
    await page.$eval('#speed', (input, value) => {
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, String(SPEED));
    await (await page.$('#document-file')).uploadFile(file);
    await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'document'), { timeout: 60_000 });
    await page.click('#document-read');
    await page.waitForFunction(() => window.__pocketTTS.reading?.heard > 5, { timeout: 120_000 });

    const other = await browser.newPage();
    await watchPuppeteerPage(other);
    await other.bringToFront();
    await page.waitForFunction(() => document.visibilityState === 'hidden', { timeout: 10_000 });
    const state = () => page.evaluate(() => ({ ...window.__pocketTTS.reading, underruns: window.__pocketTTS.playback.underruns, visibility: document.visibilityState }));
    const before = await state();
    await new Promise((resolve) => setTimeout(resolve, HIDDEN_SECONDS * 1000));
    const after = await state();
    note({
      type: 'hidden tab',
      description: `${after.visibility} for ${HIDDEN_SECONDS} s: heard ${before.heard.toFixed(1)} → ${after.heard.toFixed(1)} s, ` +
        `piece ${before.position} → ${after.position}, ahead ${after.ahead.toFixed(1)} s, underruns ${before.underruns} → ${after.underruns}`,
    });
    expect(after.visibility).toBe('hidden');
    expect(after.active).toBe(true);
    expect(after.heard - before.heard).toBeGreaterThan(HIDDEN_SECONDS * SPEED * 0.8); // it played on at 3×
    expect(after.position).toBeGreaterThan(before.position + 2); // pieces generated and entered while hidden
    expect(after.ahead).toBeGreaterThan(5); // generation stayed ahead of playback
    expect(after.underruns).toBe(before.underruns);

    await page.bringToFront();
    const stopped = await page.evaluate(async () => {
      const started = performance.now();
      document.getElementById('stop').click();
      while (!(window.__pocketTTS.lastResult?.reading && window.__pocketTTS.playback.drained)) await new Promise((resolve) => setTimeout(resolve, 5));
      return performance.now() - started;
    });
    expect(stopped).toBeLessThan(STOP_MS);
  } finally {
    await browser.close();
  }
});
