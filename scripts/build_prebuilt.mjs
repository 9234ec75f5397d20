#!/usr/bin/env node
// The package's build for hosts without Vite (`prebuilt/`, made by `prepack`): the library's three
// public modules as plain ES modules that a page imports by URL, with the workers, the AudioWorklet
// and the Python driver they load beside them. No bundler is needed to use it: copy this folder and
// the package's runtime/ into one folder of the site (README, "Without Vite").
//
//   prebuilt/pocket-tts.js   export { PocketTTS, PocketTTSError, … }   (the package's '.')
//   prebuilt/web-speech.js   export { installWebSpeech, … }            ('./web-speech')
//   prebuilt/element.js      defines <pocket-tts>                      ('./element')
//   prebuilt/chunks/, prebuilt/assets/   what they share, the workers and the worklet
//
// Built by Vite with the package's own plugin (pocketTTS({ headers: false, runtime: false })), so it
// resolves the sources exactly as a Vite host's build does.

import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import pocketTTS from '../vite-plugin.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'prebuilt');

const PREBUILT_ENTRIES = {
  'pocket-tts': 'web/engine/pocket-tts.js',
  'web-speech': 'web/adapters/web-speech.js',
  element: 'web/adapters/element.js',
};

rmSync(outDir, { recursive: true, force: true });
await build({
  configFile: false,
  root,
  base: './', // every URL relative to the module that holds it: the folder can be copied anywhere
  logLevel: 'warn',
  publicDir: false,
  plugins: [pocketTTS({ headers: false, runtime: false })],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    rollupOptions: {
      input: Object.fromEntries(Object.entries(PREBUILT_ENTRIES).map(([name, file]) => [name, join(root, file)])),
      preserveEntrySignatures: 'exports-only', // the entries keep their exports (it is a library)
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
console.log(`[prebuilt] ${Object.keys(PREBUILT_ENTRIES).map((name) => `${name}.js`).join(', ')} → ${outDir}`);
