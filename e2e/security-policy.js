// Watching a browser context for Content-Security-Policy (and Permissions-Policy) problems while the
// app runs under the shipped headers (security-headers.js, sent by `vite preview`).
//
// No single source sees everything, so three are combined:
//   - `securitypolicyviolation` events: in every page (an init script, before any page script runs)
//     and in every dedicated worker (a listener installed as soon as Playwright reports the worker;
//     the worker logs each event in a tagged console line that is read back here);
//   - the browser's own log of each page (DevTools protocol, Log domain), which has a line for every
//     refusal in the page, its workers and its AudioWorklet ("Loading the script 'data:…' violates
//     the following Content Security Policy directive"): a worklet's refusal fires no event that a
//     page or test can listen to, and only this log shows it. It also reports a malformed header
//     ("Error with Permissions-Policy header: Unrecognized feature"). Log.enable replays what was
//     logged before it, so nothing from the first moments of a page is missed;
//   - every HTML document the context loads must carry the shipped policy, so that a page served
//     without it (for example by the service worker, offline) cannot pass the suite unpoliced.
// Service workers: their console is watched too.

import { contentSecurityPolicy } from '../security-headers.js';

const POLICY_MESSAGE = /Content[- ]Security[- ]Policy|Permissions[- ]Policy/i;
const WORKER_EVENT_TAG = '[securitypolicyviolation]';

/** Every watcher made in this Playwright worker process (e2e/fixtures.js checks them all after each test). */
export const watchers = new Set();

/** A watcher of `context` with empty lists (see watchSecurityPolicy). */
function newWatch(context) {
  return { context, events: [], messages: [], unpoliced: [], documents: 0, workers: 0, serviceWorkers: 0 };
}

/**
 * In the page, before any of its scripts (an init script of either driver): report each
 * securitypolicyviolation event through the binding `__reportSecurityPolicyViolation`.
 */
function reportViolationsInPage() {
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__reportSecurityPolicyViolation({
      directive: event.effectiveDirective,
      blocked: event.blockedURI,
      sample: event.sample,
      source: `${event.sourceFile}:${event.lineNumber}`,
      policy: event.originalPolicy, // a document can have two: the header's and the <meta> one
    });
  });
}

/** Count an HTML document's response (Playwright's or Puppeteer's: the same shape) and check its policy. */
function recordDocument(watch, response) {
  if (response.request().resourceType() !== 'document') return;
  if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) return;
  watch.documents++;
  const csp = response.headers()['content-security-policy'] ?? null;
  if (csp !== contentSecurityPolicy()) watch.unpoliced.push({ url: response.url(), csp });
}

/** Keep the browser's log lines about a policy, from a page's DevTools session (either driver's). */
async function watchLog(watch, cdp, page) {
  cdp.on('Log.entryAdded', ({ entry }) => {
    if (POLICY_MESSAGE.test(entry.text)) watch.messages.push({ where: `${entry.source} of ${page.url()}`, level: entry.level, text: entry.text });
  });
  await cdp.send('Log.enable');
}

/**
 * Start watching `context`. Returns the watcher: its lists grow as things happen.
 *   events     securitypolicyviolation events { where, directive, blocked, sample, source, policy }
 *   messages   browser log and console lines about a policy { where, level, text }
 *   unpoliced  HTML documents loaded without the shipped Content-Security-Policy header
 *   documents, workers, serviceWorkers  how much was watched
 */
export async function watchSecurityPolicy(context) {
  const watch = newWatch(context);
  await context.exposeBinding('__reportSecurityPolicyViolation', ({ page }, event) => {
    watch.events.push({ where: `page ${page?.url() ?? '?'}`, ...event });
  });
  await context.addInitScript(reportViolationsInPage);

  const watchPage = async (page) => {
    page.on('response', (response) => recordDocument(watch, response));
    page.on('worker', (worker) => {
      watch.workers++;
      worker.on('console', (message) => {
        const text = message.text();
        if (text.startsWith(WORKER_EVENT_TAG)) {
          watch.events.push({ where: `worker ${worker.url()}`, ...JSON.parse(text.slice(WORKER_EVENT_TAG.length)) });
        }
      });
      worker
        .evaluate((tag) => {
          self.addEventListener('securitypolicyviolation', (event) => {
            const { effectiveDirective: directive, blockedURI: blocked, sample, sourceFile, lineNumber, originalPolicy: policy } = event;
            console.error(`${tag}${JSON.stringify({ directive, blocked, sample, source: `${sourceFile}:${lineNumber}`, policy })}`);
          });
        }, WORKER_EVENT_TAG)
        .catch(() => {}); // the worker may already be gone
    });
    await watchLog(watch, await context.newCDPSession(page), page);
  };
  await Promise.all(context.pages().map(watchPage));
  context.on('page', (page) => {
    watchPage(page).catch(() => {}); // a page closed at once
  });
  context.on('serviceworker', (worker) => {
    watch.serviceWorkers++;
    worker.on('console', (message) => {
      if (POLICY_MESSAGE.test(message.text())) watch.messages.push({ where: `service worker ${worker.url()}`, level: message.type(), text: message.text() });
    });
  });
  watchers.add(watch); // kept after the context closes: its records are checked after the test
  return watch;
}

/**
 * Watch a page driven through puppeteer-core (e2e/hidden-tab.spec.js: Playwright keeps every page it
 * drives visible) as watchSecurityPolicy watches a context, with the same checks: the page's
 * securitypolicyviolation events, the browser's log lines about a policy (its workers' and
 * AudioWorklet's refusals too) and the policy of every HTML document it loads. Returns the watcher
 * (in `watchers`: checked after the test).
 */
export async function watchPuppeteerPage(page) {
  const watch = newWatch(page);
  await page.exposeFunction('__reportSecurityPolicyViolation', (event) => {
    watch.events.push({ where: `page ${page.url()}`, ...event });
  });
  await page.evaluateOnNewDocument(reportViolationsInPage);
  page.on('response', (response) => recordDocument(watch, response));
  page.on('workercreated', () => watch.workers++);
  await watchLog(watch, await page.createCDPSession(), page);
  watchers.add(watch);
  return watch;
}

/** Where a watcher stands now: the lengths of its lists and its counters. */
export function mark(watch) {
  return {
    events: watch.events.length,
    messages: watch.messages.length,
    unpoliced: watch.unpoliced.length,
    documents: watch.documents,
    workers: watch.workers,
    serviceWorkers: watch.serviceWorkers,
  };
}

/** The problems a watcher recorded after `from` (a mark), one readable line each. */
export function problemsSince(watch, from = mark({ events: [], messages: [], unpoliced: [] })) {
  return [
    ...watch.events.slice(from.events).map((e) => `securitypolicyviolation (${e.where}): ${e.directive} blocked ${e.blocked} at ${e.source}`),
    ...watch.messages.slice(from.messages).map((m) => `log ${m.level} (${m.where}): ${m.text}`),
    ...watch.unpoliced.slice(from.unpoliced).map((d) => `document without the shipped policy: ${d.url} (CSP: ${d.csp})`),
  ];
}

/** The watcher of `context` (undefined if it is not watched). */
export function watcherOf(context) {
  return [...watchers].find((watch) => watch.context === context);
}
