// Debian's Chromium as these machines must start it, and a `vite preview` of a built site: what the
// benchmarks (bench/) and the engine journeys (e2e-engines/) share with browsers/drivers.js.

import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';

/** Serve the built site `outDir` (of the checkout `cwd`) on `port`; returns { url, stop }. */
export async function servePreview({ cwd, outDir, port }) {
  const url = `http://127.0.0.1:${port}/`;
  const answers = () => fetch(url).then((response) => response.ok, () => false);
  // Another server on the port (another checkout's preview, say) would be measured in this one's place.
  if (await answers()) throw new Error(`port ${port} is in use: choose another (--port)`);
  const server = spawn('npx', ['vite', 'preview', '--outDir', outDir, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd,
    stdio: 'ignore',
    detached: true, // its own process group: `stop` ends npx and vite together
  });
  const stop = () => process.kill(-server.pid, 'SIGTERM');
  for (let i = 0; i < 240; i++) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode} (port ${port} taken?)`);
    if (await answers()) return { url, stop };
    await new Promise((done) => setTimeout(done, 250));
  }
  stop();
  throw new Error('vite preview did not start');
}

/**
 * Headless Debian Chromium with the flags a root, offline machine needs, plus `extraArgs`. Also
 * without the browser's own omnibox-popup WebUI, which headless Chromium otherwise preloads in a
 * renderer of its own for every new tab: ~1.8 s of CPU (traced) on a 2-core machine, at the same
 * time as the app's start that the benchmarks measure.
 */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup',
      ...extraArgs,
    ],
  });
}
