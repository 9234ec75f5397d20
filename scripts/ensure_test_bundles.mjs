#!/usr/bin/env node
// Builds the two tiny synthetic bundles the end-to-end tests use, unless they already exist:
//   public/models/english-synthetic-tiny/       int8 (what the app ships by default)
//   public/models/english-synthetic-tiny-fp32/  the same seeded weights unquantized (browser/CLI parity)
// `--force` rebuilds them. Each build takes a minute or two (scripts/build_bundle.py, CPython + torch).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.PYTHON || 'python3';
const force = process.argv.includes('--force');
const bundles = [
  ['english-synthetic-tiny', []],
  ['english-synthetic-tiny-fp32', ['--quantize', 'none']],
];

for (const [name, options] of bundles) {
  const out = join('public', 'models', name);
  if (!force && existsSync(join(root, out, 'manifest.json'))) {
    console.log(`[ensure_test_bundles] ${out} exists`);
    continue;
  }
  console.log(`[ensure_test_bundles] building ${out}`);
  execFileSync(python, ['scripts/build_bundle.py', '--synthetic', 'tiny', '--seed', '0', ...options, '--out', out, '-q'], {
    cwd: root,
    stdio: 'inherit',
  });
}
