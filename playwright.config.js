// End-to-end tests: the built app (vite build + vite preview) in headless Debian Chromium.
//
// `npx playwright test` works on its own after the README's install: e2e/global-setup.js builds the
// tiny test bundles when missing or stale, builds the app and serves dist/ on E2E_PORT (default 4173).

import { defineConfig } from '@playwright/test';
import { BASE_URL } from './e2e/global-setup.js';

const baseArgs = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const chromium = (extraArgs = []) => ({
  browserName: 'chromium',
  launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: [...baseArgs, ...extraArgs] },
});

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1, // 2 CPU cores: one browser at a time keeps the timings meaningful
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: BASE_URL,
    // Most tests drive the page without a service worker (page.route must see every request);
    // e2e/pwa.spec.js enables it.
    serviceWorkers: 'block',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium-wasm', testIgnore: /webgpu\.spec\.js/, use: chromium() },
    {
      name: 'chromium-webgpu',
      testMatch: /webgpu\.spec\.js/,
      use: chromium(['--enable-unsafe-webgpu']), // SwiftShader's software WebGPU adapter
    },
  ],
  globalSetup: './e2e/global-setup.js',
});
