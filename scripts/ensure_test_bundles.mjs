#!/usr/bin/env node
// Puts the two tiny synthetic bundles the end-to-end tests use under public/models/:
//   english-synthetic-tiny/       int8 (what the app ships by default)
//   english-synthetic-tiny-fp32/  the same seeded weights unquantized (browser/CLI parity)
//
// pytest builds the very same bundles (same builder options) into build/bundles/tiny-int8 and
// tiny-fp32, stamped with a .build-key of the code that made them (tests/conftest.py). When those
// exist, they are copied (a copy is refreshed when its key differs); otherwise a bundle that is
// missing is built with scripts/build_bundle.py (a minute or two each). `--force` rebuilds both.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.PYTHON || 'python3';
const force = process.argv.includes('--force');
const bundles = [
  { name: 'english-synthetic-tiny', pytestName: 'tiny-int8', options: [] },
  { name: 'english-synthetic-tiny-fp32', pytestName: 'tiny-fp32', options: ['--quantize', 'none'] },
];

const log = (message) => console.log(`[ensure_test_bundles] ${message}`);
const read = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null);
const run = (args) => execFileSync(python, args, { cwd: root, stdio: 'inherit' });
let copied = false;

for (const { name, pytestName, options } of bundles) {
  const out = join(root, 'public', 'models', name);
  const built = join(root, 'build', 'bundles', pytestName);
  const builtKey = read(join(built, '.build-key'));
  if (!force && builtKey && existsSync(join(built, 'manifest.json'))) {
    if (read(join(out, '.build-key')) === builtKey) {
      log(`public/models/${name} is current (build/bundles/${pytestName})`);
    } else {
      log(`copying build/bundles/${pytestName} to public/models/${name}`);
      rmSync(out, { recursive: true, force: true });
      cpSync(built, out, { recursive: true });
      copied = true;
    }
    continue;
  }
  if (!force && existsSync(join(out, 'manifest.json'))) {
    log(`public/models/${name} exists`);
    continue;
  }
  log(`building public/models/${name}`);
  run(['scripts/build_bundle.py', '--synthetic', 'tiny', '--seed', '0', ...options, '--out', `public/models/${name}`, '-q']);
}

if (copied) {
  // The builder writes models/index.json next to the bundles it builds; copies need it rewritten.
  run(['-c', 'from pathlib import Path; from bundle.manifest import update_index; update_index(Path("public/models"))']);
  log('public/models/index.json updated');
}
