// Playwright global setup: everything `npx playwright test` needs, from a fresh clone after the
// README's install. (Playwright's own `webServer` starts before any global setup, too early to build
// the test bundles the app is built with, so the server is started here instead.)
//
//   1. the two tiny synthetic test bundles in public/models/ (built when missing or stale:
//      scripts/ensure_test_bundles.mjs);
//   2. the app: `npm run build` (which prepares Pyodide, onnxruntime-web and the py_core wheel first);
//   3. `vite preview` serving dist/ on E2E_PORT (default 4173), stopped again by the returned teardown.
//
// Outside CI, a server already listening on that port is reused as it is (start one with
// `npm run build && npx vite preview --port 4173` to iterate on tests without rebuilding).

import { execFileSync, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PORT = Number(process.env.E2E_PORT || 4173);
export const BASE_URL = `http://127.0.0.1:${PORT}/`;

const log = (message) => console.log(`[e2e setup] ${message}`);

async function responds(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5000) })).ok;
  } catch (error) {
    if (error.cause?.message === 'bad port') {
      throw new Error(`port ${PORT} is on the browsers' blocked-port list: choose another E2E_PORT`, { cause: error });
    }
    return false; // refused, or no answer within 5 s (a loaded machine): ask again
  }
}

async function waitUntilResponds(url, server, seconds) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode}`);
    if (await responds(url)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`vite preview did not answer on ${url} within ${seconds} s`);
}

/** Runs a command, showing its output only when it fails. */
function quietly(command, args) {
  try {
    execFileSync(command, args, { cwd: root, stdio: 'pipe', encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error(`${command} ${args.join(' ')} failed`, { cause: error });
  }
}

export default async function globalSetup() {
  if (!process.env.CI && (await responds(BASE_URL))) {
    log(`reusing the server already on ${BASE_URL}`);
    return undefined;
  }
  log('test bundles');
  execFileSync('node', ['scripts/ensure_test_bundles.mjs'], { cwd: root, stdio: 'inherit' });
  log('building the app (npm run build)');
  quietly('npm', ['run', 'build']);
  log(`serving dist/ on ${BASE_URL}`);
  const server = spawn('npx', ['vite', 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true, // its own process group, so the teardown stops npx and vite together
  });
  await waitUntilResponds(BASE_URL, server, 180);
  return async () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
}
