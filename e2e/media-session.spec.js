// Media keys and the OS media controls (navigator.mediaSession): the app registers play, pause and
// stop handlers; calling them as the browser would pauses the audio (the synthesis goes on), resumes
// it and stops it. An init script records the registered handlers, since the API cannot list them.

import { expect, test } from './fixtures.js';
import { openApp, startSpeaking, waitForPlaybackDrained, waitForResult } from './helpers.js';

const LONG_TEXT = Array.from(
  { length: 10 },
  (_, i) => `This is sentence number ${i + 1}, read aloud while the media keys are pressed.`,
).join(' ');

const rendered = (page) => page.evaluate(() => window.__pocketTTS.playback.rendered);
const mediaState = (page) => page.evaluate(() => navigator.mediaSession.playbackState);
const press = (page, action) => page.evaluate((name) => window.__mediaHandlers[name]({ action: name }), action);

test('media keys: pause holds the audio, play resumes it, stop stops it', async ({ context }) => {
  await context.addInitScript(() => {
    window.__mediaHandlers = {};
    const session = navigator.mediaSession;
    const register = session.setActionHandler.bind(session);
    session.setActionHandler = (action, handler) => {
      window.__mediaHandlers[action] = handler;
      register(action, handler);
    };
  });
  const page = await context.newPage();
  const { pageErrors } = await openApp(page);
  expect(Object.keys(await page.evaluate(() => window.__mediaHandlers)).sort()).toEqual(['pause', 'play', 'stop']);

  await startSpeaking(page, LONG_TEXT);
  await page.waitForFunction(() => (window.__pocketTTS.playback?.rendered ?? 0) > 4800, null, { timeout: 60_000 });
  expect(await page.evaluate(() => navigator.mediaSession.metadata?.title)).toMatch(/^This is sentence number 1, .*…$/);
  expect(await page.evaluate(() => navigator.mediaSession.metadata?.artist)).toMatch(/^Pocket TTS · /);
  expect(await mediaState(page)).toBe('playing');

  await press(page, 'pause');
  await expect(page.locator('#status')).toHaveText('Paused');
  expect(await mediaState(page)).toBe('paused');
  const held = await rendered(page);
  await page.waitForTimeout(600);
  expect(await rendered(page), 'no audio is played while paused').toBe(held);
  expect(await page.evaluate(() => window.__pocketTTS.phase)).toBe('speaking'); // the synthesis goes on

  await press(page, 'play');
  expect(await mediaState(page)).toBe('playing');
  await page.waitForFunction((at) => window.__pocketTTS.playback.rendered > at + 2400, held, { timeout: 10_000 });

  await press(page, 'stop');
  const result = await waitForResult(page, 10_000);
  expect(result.stopped, 'the synthesis was still running: Stop ends it').toBe(true);
  const after = await waitForPlaybackDrained(page, 5_000);
  await page.waitForTimeout(300);
  expect(await rendered(page), 'nothing plays after stop').toBe(after.rendered);
  expect(await mediaState(page)).toBe('none');
  await expect(page.locator('#status')).toContainText('Stopped');

  // Paused, then Speak: the next utterance is heard (Speak resumes the audio).
  await startSpeaking(page, 'Short again.');
  await press(page, 'pause');
  await waitForResult(page);
  expect(await mediaState(page)).toBe('paused');
  await startSpeaking(page, 'After a pause.');
  const next = await waitForResult(page);
  const played = await waitForPlaybackDrained(page);
  expect(played.rendered).toBe(next.samples);
  expect(pageErrors).toEqual([]);
});
