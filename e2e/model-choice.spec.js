// The automatic model choice (web/engine/model-choice.js): when nobody chose the model (no ?model=, none
// saved) and the warm-up measures it below 1.5× real time in this browser, the app switches to the
// next smaller model of the same language and says why; a fast enough model stays; the speeds are
// remembered, so the next visit starts with a model fast enough here. The test bundles make the
// case: models/index.json is served with the two tiny bundles only (fp32, the larger, is the
// automatic start), and the worker's warm-up report is given the speed under test (an init script
// wraps Worker.onmessage).

import { expect, test } from './fixtures.js';
import { TINY, TINY_FP32, waitForPhase } from './helpers.js';

/** Open the app with no model chosen, fp32 first in the index, and warm-ups reporting `speed`. */
async function openWithWarmUpSpeed(page, speed) {
  await page.route('**/models/index.json', async (route) => {
    const index = await (await route.fetch()).json();
    index.models = index.models.filter((m) => [TINY, TINY_FP32].includes(m.path));
    await route.fulfill({ json: index });
  });
  await page.addInitScript((reported) => {
    const onmessage = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
    Object.defineProperty(Worker.prototype, 'onmessage', {
      get() {
        return onmessage.get.call(this);
      },
      set(handler) {
        onmessage.set.call(this, (event) =>
          handler(event.data?.type === 'warm' ? { data: { ...event.data, speed: reported } } : event));
      },
    });
  }, speed);
  await page.goto('./');
  await waitForPhase(page, 'ready', 150_000);
  expect(await page.locator('#model').inputValue()).toBe(TINY_FP32);
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'warm'), null, { timeout: 60_000 });
}

test('too slow here: the app switches to the smaller model and says why', async ({ page }) => {
  await openWithWarmUpSpeed(page, 0.7);
  await expect(page.locator('#model')).toHaveValue(TINY);
  await waitForPhase(page, 'ready', 150_000);
  await expect(page.locator('#engine-info')).toContainText('ran at 0.7× real time in this browser; the app picks the largest model that runs at 1.5× or faster here');
  const switches = await page.evaluate(() => window.__pocketTTS.events.filter((e) => e.type === 'model-switch'));
  expect(switches).toEqual([{ type: 'model-switch', from: TINY_FP32, to: TINY, speed: 0.7 }]);
  // Both speeds are remembered and shown in the picker (the smaller model's warm-up too).
  await page.waitForFunction(() => window.__pocketTTS.events.filter((e) => e.type === 'warm').length >= 2, null, { timeout: 60_000 });
  await expect(page.locator(`#model option[value="${TINY_FP32}"]`)).toContainText('0.7× real time here');
  await expect(page.locator(`#model option[value="${TINY}"]`)).toContainText('0.7× real time here');

  // The next visit starts with the smaller model at once: no download of the slow one, no switch.
  await page.reload();
  await waitForPhase(page, 'ready', 150_000);
  expect(await page.locator('#model').inputValue()).toBe(TINY);
  expect(await page.evaluate(() => window.__pocketTTS.events.some((e) => e.type === 'model-switch'))).toBe(false);
});

test('fast enough: the default model stays', async ({ page }) => {
  await openWithWarmUpSpeed(page, 1.5);
  await page.waitForTimeout(1000); // a switch would start a new worker at once
  await expect(page.locator('#model')).toHaveValue(TINY_FP32);
  await expect(page.locator('#engine-info')).not.toContainText('Switched');
  expect(await page.evaluate(() => window.__pocketTTS.events.some((e) => e.type === 'model-switch'))).toBe(false);
});
