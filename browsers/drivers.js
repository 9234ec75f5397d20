// One small page interface over two WebDriver clients (and Playwright's Chromium, for the
// benchmark), so that the journeys are written once:
//   - Firefox (Debian firefox-esr), headless, over WebDriver BiDi with puppeteer-core;
//   - WebKitGTK (Debian webkit2gtk-driver: WebKitWebDriver + MiniBrowser), classic WebDriver with
//     selenium-webdriver, in an Xvfb display.
// Playwright's own Firefox and WebKit builds cannot be downloaded on these machines; these are the
// browsers' Debian packages.
//
// A page: goto(url), evaluate(fn, ...args) (fn runs in the page; a returned promise is awaited),
// waitFor(fn, arg, timeoutMs), click(selector) (a real click: it counts as a user gesture),
// fill(selector, text), upload(selector, path). An engine: { name, version, downloads, newPage(), close() }.

import puppeteer from 'puppeteer-core';
import { Builder, By } from 'selenium-webdriver';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { launchChromium as launchChromiumBrowser } from './chromium.js';
import { freePort } from './services.js';

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Poll `fn(arg)` in the page every 250 ms until it returns a truthy value; returns that value. A
 * call that gets no answer within 10 s counts as "not yet" and is asked again, and the timeout error
 * says how many went unanswered: in some Firefox runs a WebDriver BiDi script.callFunction never
 * answered (puppeteer gives up after 180 s), and the page could not be polled any more.
 */
async function poll(page, fn, arg, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let calls = 0;
  let unanswered = 0;
  let failed = null; // the last page call that failed (a script run while the page navigates: WebKitWebDriver
  // then answers "Could not parse script result", seen once in 10 runs of the offline journey); asked again
  for (;;) {
    const call = page.evaluate(fn, arg);
    call.catch(() => {}); // an abandoned call may still fail later
    const noAnswer = Symbol('no answer');
    const value = await Promise.race([call, sleep(10_000).then(() => noAnswer)]).catch((error) => {
      failed = error;
      return null;
    });
    calls++;
    if (value === noAnswer) unanswered++;
    else if (value) return value;
    if (Date.now() > deadline) {
      const last = failed ? `; the last failed call: ${failed.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what ?? fn.toString()} (${unanswered} of ${calls} page calls got no answer within 10 s${last})`);
    }
    await sleep(250);
  }
}

/** Set a text field's value as typing would end up, and tell the page (an `input` event). */
function setValue(element, text) {
  element.value = text;
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

// ---------- Chromium: Playwright (what the benchmark compares the other two with) ----------

class ChromiumPage {
  constructor(page) {
    this.page = page;
  }

  goto(url) {
    return this.page.goto(url, { timeout: 120_000 });
  }

  evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  waitFor(fn, arg, timeoutMs = 60_000, what) {
    return poll(this, fn, arg, timeoutMs, what);
  }

  click(selector) {
    return this.page.click(selector);
  }

  fill(selector, text) {
    return this.page.fill(selector, text);
  }

  upload(selector, path) {
    return this.page.setInputFiles(selector, path);
  }
}

/** Headless Debian Chromium (browsers/chromium.js's launch) behind the same interface. */
export async function launchChromium() {
  const browser = await launchChromiumBrowser();
  const context = await browser.newContext({ serviceWorkers: 'block', acceptDownloads: false });
  return {
    name: 'chromium',
    version: browser.version(),
    async newPage() {
      return new ChromiumPage(await context.newPage());
    },
    close: () => browser.close(),
  };
}

// ---------- Firefox: puppeteer-core over WebDriver BiDi ----------

export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/** Firefox preferences the journeys need (and why). */
export const FIREFOX_PREFS = {
  'media.autoplay.default': 0, // allow audio: headless clicks are gestures, but keep autoplay out of the way
  'media.autoplay.blocking_policy': 0,
};

class FirefoxPage {
  constructor(page) {
    this.page = page;
  }

  goto(url) {
    return this.page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  }

  evaluate(fn, ...args) {
    return this.page.evaluate(fn, ...args);
  }

  waitFor(fn, arg, timeoutMs = 60_000, what) {
    return poll(this, fn, arg, timeoutMs, what);
  }

  click(selector) {
    return this.page.click(selector);
  }

  fill(selector, text) {
    return this.page.$eval(selector, setValue, text);
  }

  async upload(selector, path) {
    const input = await this.page.$(selector);
    await input.uploadFile(path);
  }
}

/**
 * Headless Firefox; `env` adds to its environment (PULSE_SERVER). Returns { name, version,
 * downloads (the folder its downloads land in), newPage, close }.
 */
export async function launchFirefox(env = {}) {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`${FIREFOX_PATH} is missing: install Debian's firefox-esr (bash scripts/install.sh does)`);
  const downloads = mkdtempSync(join(tmpdir(), 'pocket-tts-firefox-downloads-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: {
      ...FIREFOX_PREFS,
      // Downloads go to `downloads` without asking.
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
    },
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    downloads,
    async newPage() {
      return new FirefoxPage(await browser.newPage());
    },
    async close() {
      await browser.close();
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

// ---------- WebKitGTK: selenium-webdriver and WebKitWebDriver ----------

export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

class WebKitPage {
  constructor(driver) {
    this.driver = driver;
  }

  goto(url) {
    return this.driver.get(url);
  }

  evaluate(fn, ...args) {
    // Classic WebDriver awaits a promise the script returns.
    return this.driver.executeScript(`return (${fn}).apply(null, arguments);`, ...args);
  }

  waitFor(fn, arg, timeoutMs = 60_000, what) {
    return poll(this, fn, arg, timeoutMs, what);
  }

  async click(selector) {
    await this.driver.findElement(By.css(selector)).click();
  }

  async fill(selector, text) {
    await this.evaluate(setValue, await this.driver.findElement(By.css(selector)), text);
  }

  async upload(selector, path) {
    await this.driver.findElement(By.css(selector)).sendKeys(path);
  }
}

/**
 * WebKitGTK's MiniBrowser under WebKitWebDriver; `env` adds to their environment (DISPLAY,
 * PULSE_SERVER). Each newPage() is a WebDriver session of its own (one MiniBrowser window); the
 * driver runs one session at a time. MiniBrowser saves downloads into $HOME without asking, so
 * HOME is a fresh folder (`downloads`), which also keeps its caches apart.
 */
export async function launchWebKit(env = {}) {
  if (!existsSync(MINIBROWSER_PATH)) throw new Error(`${MINIBROWSER_PATH} is missing: install Debian's webkit2gtk-driver (bash scripts/install.sh does)`);
  const downloads = mkdtempSync(join(tmpdir(), 'pocket-tts-webkitgtk-home-'));
  const port = await freePort();
  const server = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, ...env, HOME: downloads },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  server.stderr.on('data', (data) => (log = (log + data).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/status`).then((r) => r.ok, () => false)) break;
    if (server.exitCode !== null || i > 80) throw new Error(`WebKitWebDriver did not start:\n${log}`);
    await sleep(250);
  }
  const drivers = [];
  let version = null;
  return {
    name: 'webkitgtk',
    downloads,
    get version() {
      return version;
    },
    async newPage() {
      const driver = await new Builder()
        .usingServer(url)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
        })
        .build();
      drivers.push(driver);
      version ??= (await driver.getCapabilities()).get('browserVersion');
      await driver.manage().setTimeouts({ script: 120_000, pageLoad: 120_000 });
      return new WebKitPage(driver);
    },
    async close() {
      for (const driver of drivers) await driver.quit().catch(() => {});
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}
