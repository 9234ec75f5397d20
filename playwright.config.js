// End-to-end tests: the built app (vite build + vite preview) in headless Debian Chromium.
//
// Needs, before `npx playwright test` (see e2e/README.md):
//   node scripts/prepare_web_assets.mjs                               Pyodide, ORT wasm, py_core wheel
//   python scripts/build_bundle.py --synthetic tiny -q                 public/models/english-synthetic-tiny
//   python scripts/build_bundle.py --synthetic tiny --quantize none \
//       --out public/models/english-synthetic-tiny-fp32 -q             the fp32 twin (parity test)
// The webServer below builds the app and serves dist/ on a fixed port.

import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT || 4173);
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
    baseURL: `http://127.0.0.1:${PORT}/`,
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
  webServer: {
    command: `npm run build && npx vite preview --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
