// One page of web/examples/ shared by the tests of a spec file (loading Pyodide and the model takes a
// while on these machines), run in order: the specs of the Web Speech adapter and of <pocket-tts>.
// The example pages log their events into window.__log.

import { expect } from '@playwright/test';

/**
 * Declare the shared page's hooks on `test` (the fixtures' test: its `sharedContext` is watched by
 * the security-policy check) and return accessors. `initScript`: a file run in the page before its
 * scripts (axe-core, say). After each test the page must have thrown no uncaught error.
 * @param {import('./fixtures.js').test} test
 * @param {{initScript?: string}} [options]
 */
export function sharedExamplePage(test, { initScript } = {}) {
  /** @type {{page: import('@playwright/test').Page | null, errors: string[]}} */
  const shared = { page: null, errors: [] };
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async ({ sharedContext }) => {
    const page = await sharedContext.newPage();
    if (initScript) await page.addInitScript({ path: initScript });
    page.on('pageerror', (error) => shared.errors.push(error.message));
    shared.page = page;
  });
  test.afterAll(async () => {
    await shared.page?.close();
  });
  test.afterEach(() => {
    expect(shared.errors, 'no uncaught errors in the page').toEqual([]);
  });
  return {
    /** @returns {import('@playwright/test').Page} */
    get page() {
      return /** @type {import('@playwright/test').Page} */ (shared.page);
    },
    /** The log entries from index `from` on. */
    logFrom: (/** @type {number} */ from) => shared.page.evaluate((n) => window.__log.slice(n), from),
    logLength: () => shared.page.evaluate(() => window.__log.length),
  };
}
