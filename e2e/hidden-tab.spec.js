// A hidden tab keeps reading (issue 28 item 4): a long document read at 3× (PocketTTS.read) goes on
// playing and generating while another tab is in front. Headless Chromium never hides a page, and
// Playwright's default flags switch background throttling off: this spec's browser has a window (on
// the X server of DISPLAY, else an Xvfb started here) and the throttling a user's browser has, so the
// page really is hidden (document.visibilityState) with its timers throttled.

import { execFileSync, spawn } from 'node:child_process';
import { expect, test } from './fixtures.js';
import { note, openApp } from './helpers.js';
import { STOP_MS, openLongDocument, setSpeed, startReading, stopNow } from './reading-helpers.js';

const SPEED = 3;

test.use({
  headless: false,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  },
});
test.beforeAll(() => startXServer());

test('keeps playing and generating while another tab is in front', async ({ page }) => {
  await openApp(page);
  await setSpeed(page, SPEED);
  await openLongDocument(page, 10, 40);
  await startReading(page);
  // Another tab in front, in the same window (a Playwright newPage would open a window of its own).
  const { targetInfo } = await (await page.context().newCDPSession(page)).send('Target.getTargetInfo');
  const browserCdp = await page.context().browser().newBrowserCDPSession();
  const { browserContextId } = targetInfo;
  const { targetId } = await browserCdp.send('Target.createTarget', { url: 'about:blank', browserContextId, newWindow: false, background: false });
  await page.waitForFunction(() => document.visibilityState === 'hidden', null, { timeout: 10_000 });
  const before = await page.evaluate(() => ({ ...window.__pocketTTS.reading, underruns: window.__pocketTTS.playback.underruns }));
  await page.waitForTimeout(30_000);
  const after = await page.evaluate(() => ({ ...window.__pocketTTS.reading, underruns: window.__pocketTTS.playback.underruns, visibility: document.visibilityState }));
  note({ type: 'hidden tab', description: `${after.visibility} for 30 s: heard ${before.heard.toFixed(1)} → ${after.heard.toFixed(1)} s, piece ${before.position} → ${after.position}, ahead ${after.ahead.toFixed(1)} s, underruns ${before.underruns} → ${after.underruns}` });
  expect(after.visibility).toBe('hidden');
  expect(after.heard - before.heard).toBeGreaterThan(30 * SPEED * 0.8); // it played on at 3×
  expect(after.position).toBeGreaterThan(before.position + 2); // pieces generated and entered while hidden
  expect(after.ahead).toBeGreaterThan(5); // generation kept ahead of playback
  expect(after.underruns).toBe(before.underruns);
  await browserCdp.send('Target.closeTarget', { targetId });
  await page.bringToFront();
  expect((await stopNow(page)).ms).toBeLessThan(STOP_MS);
});

/** An X server for the windowed browser: DISPLAY if set, else an Xvfb of this worker (stopped at exit). */
function startXServer() {
  if (process.env.DISPLAY) return;
  const display = `:${200 + (process.pid % 500)}`;
  const server = spawn('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  process.on('exit', () => server.kill());
  process.env.DISPLAY = display;
  execFileSync('sleep', ['1']); // the server is up within a second
}
