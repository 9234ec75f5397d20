// `app`: one loaded page of the app (default tiny bundle) shared by the tests of a Playwright worker
// that do not need their own settings. Loading Pyodide, py_core and the model takes 10-15 s on these
// machines; sharing it keeps the suite short. Each test starts from a ready page with no error shown.
//
// Every spec imports `test` from here, so every test runs under the security-policy watch
// (e2e/security-policy.js): the `context` each test gets and the shared page's context are watched,
// and after each test `securityPolicy` fails it if any Content-Security-Policy violation (page or
// worker), policy console message or unpoliced document appeared during it. A test that provokes a
// violation on purpose takes it back out with `securityPolicy.expected(...)`.

import { test as base, expect } from '@playwright/test';
import { openApp, waitForPhase } from './helpers.js';
import { mark, problemsSince, watchSecurityPolicy, watcherOf, watchers } from './security-policy.js';

export const test = base.extend({
  sharedApp: [
    async ({ browser }, use, workerInfo) => {
      const context = await browser.newContext({ baseURL: workerInfo.project.use.baseURL, serviceWorkers: 'block' });
      await watchSecurityPolicy(context);
      const page = await context.newPage();
      const loaded = await openApp(page);
      await use({ page, ...loaded });
      await context.close();
    },
    { scope: 'worker' },
  ],
  /**
   * A watched context of the Playwright worker for spec files that open their own page once and share it
   * across their tests (test.beforeAll): the example pages of web/examples/ (web-speech, element).
   */
  sharedContext: [
    async ({ browser }, use, workerInfo) => {
      const context = await browser.newContext({ baseURL: workerInfo.project.use.baseURL, serviceWorkers: 'block' });
      await watchSecurityPolicy(context);
      await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname), (route) => route.abort('blockedbyclient'));
      await use(context);
      await context.close();
    },
    { scope: 'worker' },
  ],
  context: async ({ context }, use) => {
    await watchSecurityPolicy(context);
    await use(context);
  },
  /** The watcher of the test's `context` (e2e/security-policy.js). */
  policyWatch: async ({ context }, use) => {
    await use(watcherOf(context));
  },
  securityPolicy: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a function destructures
    async ({}, use) => {
      const marks = new Map([...watchers].map((watch) => [watch, mark(watch)]));
      let expected = 0;
      await use({
        /** Forgive `n` problems this test provokes on purpose (after checking them itself). */
        expected(n) {
          expected += n;
        },
      });
      const problems = [...watchers].flatMap((watch) => problemsSince(watch, marks.get(watch)));
      const zero = { documents: 0, workers: 0, serviceWorkers: 0 };
      const seen = (key) => [...watchers].reduce((n, watch) => n + watch[key] - (marks.get(watch) ?? zero)[key], 0);
      const summary = `${problems.length} policy problems (${expected} provoked on purpose) in ${seen('documents')} documents, ` +
        `${seen('workers')} workers, ${seen('serviceWorkers')} service workers`;
      test.info().annotations.push({ type: 'security policy', description: summary });
      console.log(`  [security policy] ${summary}`);
      expect(problems.length - expected, `Content-Security-Policy / Permissions-Policy problems:\n${problems.join('\n')}`).toBe(0);
    },
    { auto: true },
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
