// Screenshot of the app mid-synthesis for the docs: runs only with SCREENSHOT=1
//   SCREENSHOT=1 npx playwright test e2e/screenshot.spec.js   → docs/screenshot-synthesis.png

import { test } from './fixtures.js';
import { openApp, startSpeaking } from './helpers.js';

test.skip(!process.env.SCREENSHOT, 'set SCREENSHOT=1 to refresh docs/screenshot-synthesis.png');

test('screenshot mid-synthesis', async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 1000 });
  await openApp(page);
  const text = [
    'Pocket TTS runs entirely in your browser.',
    'The text is split into sentences, and each one is turned into speech frame by frame.',
    'Playback starts with the first decoded chunk while the rest is still being generated.',
    'Nothing you type leaves this page.',
  ].join(' ');
  await startSpeaking(page, text);
  await page.waitForFunction(() => (window.__pocketTTS.playback?.rendered ?? 0) > 24000 * 2, null, { timeout: 60_000 });
  await page.locator('#text').evaluate((t) => t.setSelectionRange(0, 0));
  await page.screenshot({ path: 'docs/screenshot-synthesis.png', fullPage: true });
  await page.getByRole('button', { name: 'Stop' }).click();
});
