#!/usr/bin/env node
// npm pack / npm publish (`prepack`): everything the package ships that is built, not kept in git:
//   runtime/   Pyodide, onnxruntime-web's WASM builds, the py_core wheel, runtime.json
//              (scripts/prepare_web_assets.mjs --out runtime): served and copied by the Vite plugin
//   vendor/onnxruntime-web/ort.min.mjs  onnxruntime-web's JS API of the same version as runtime/ort/
//              (the plugin resolves `onnxruntime-web` to it: no dependency to install)
//   types/     the .d.ts files (scripts/build_types.mjs)
//   prebuilt/  the public modules built for hosts without Vite (scripts/build_prebuilt.mjs)

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const node = (script, ...args) => execFileSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });

node('scripts/prepare_web_assets.mjs', '--out', 'runtime');

const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
const vendor = join(root, 'vendor', 'onnxruntime-web');
rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
// Without its source map comment: the .map (1.4 MB) is not shipped, and Vite would warn that it is missing.
const ortJs = readFileSync(join(ortDist, 'ort.min.mjs'), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
writeFileSync(join(vendor, 'ort.min.mjs'), ortJs);
const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
writeFileSync(join(vendor, 'README.md'),
  `onnxruntime-web ${ortVersion} (MIT License, Copyright (c) Microsoft Corporation): dist/ort.min.mjs (its source map comment removed).\n` +
  'Its WebAssembly files are in ../../runtime/ort/. https://github.com/microsoft/onnxruntime\n');
console.log(`[prepack] vendor/onnxruntime-web: ort.min.mjs ${ortVersion}`);

node('scripts/build_types.mjs');

node('scripts/build_prebuilt.mjs');
