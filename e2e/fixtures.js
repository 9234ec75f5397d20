// `app`: one loaded page of the app (default tiny bundle) shared by the tests of a Playwright worker
// that do not need their own settings. Loading Pyodide, py_core and the model takes 10-15 s on these
// machines; sharing it keeps the suite short. Each test starts from a ready page with no error shown.

import { test as base, expect } from '@playwright/test';
import { openApp, waitForPhase } from './helpers.js';

export const test = base.extend({
  sharedApp: [
    async ({ browser }, use, workerInfo) => {
      const context = await browser.newContext({ baseURL: workerInfo.project.use.baseURL, serviceWorkers: 'block' });
      const page = await context.newPage();
      const loaded = await openApp(page);
      await use({ page, ...loaded });
      await context.close();
    },
    { scope: 'worker' },
  ],
  app: async ({ sharedApp }, use) => {
    const { page } = sharedApp;
    if ((await page.evaluate(() => window.__pocketTTS.phase)) === 'speaking') {
      await page.getByRole('button', { name: 'Stop' }).click();
    }
    await waitForPhase(page, 'ready');
    if (await page.locator('#error-banner').isVisible()) await page.locator('#error-dismiss').click();
    await page.getByRole('combobox', { name: 'Voice' }).selectOption(await page.evaluate(() => window.__pocketTTS.info.defaultVoice));
    await use(sharedApp);
  },
});

export { expect };
