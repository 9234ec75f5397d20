#!/usr/bin/env node
// Puts the synthetic bundles the end-to-end tests use under public/models/:
//   english-synthetic-tiny/       int8 (what the app ships by default)
//   english-synthetic-tiny-fp32/  the same seeded weights unquantized (browser/CLI parity)
//   english-2m-synthetic-fp32/    upstream's smallest English model (english_2m_2026-10) at its real
//                                 size, fp32 (its pointwise sampler and GQA in the browser)
//
// `python -m bundle.synthetic_cache` builds them into build/bundles/tiny-int8 and tiny-fp32 (the very
// bundles pytest uses), or keeps them when their .build-key matches the current builder code; they are
// then copied here when the copy's key differs. So a bundle that is missing or stale is rebuilt, and a
// current one costs nothing. `--force` copies again even when the keys match.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.PYTHON || 'python3';
const force = process.argv.includes('--force');
const bundles = [
  { name: 'english-synthetic-tiny', cacheName: 'tiny-int8' },
  { name: 'english-synthetic-tiny-fp32', cacheName: 'tiny-fp32' },
  { name: 'english-2m-synthetic-fp32', cacheName: 'small-2m-fp32' },
];

const log = (message) => console.log(`[ensure_test_bundles] ${message}`);
const read = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null);
const run = (args) => execFileSync(python, args, { cwd: root, stdio: 'inherit' });

run(['-m', 'bundle.synthetic_cache', ...bundles.map((b) => b.cacheName)]);
let copied = false;
for (const { name, cacheName } of bundles) {
  const out = join(root, 'public', 'models', name);
  const built = join(root, 'build', 'bundles', cacheName);
  if (!force && read(join(out, '.build-key')) === read(join(built, '.build-key'))) {
    log(`public/models/${name} is current`);
    continue;
  }
  log(`copying build/bundles/${cacheName} to public/models/${name}`);
  rmSync(out, { recursive: true, force: true });
  cpSync(built, out, { recursive: true });
  copied = true;
}

if (copied) {
  // The builder writes models/index.json next to the bundles it builds; copies need it rewritten.
  run(['-c', 'from pathlib import Path; from bundle.manifest import update_index; update_index(Path("public/models"))']);
  log('public/models/index.json updated');
}
