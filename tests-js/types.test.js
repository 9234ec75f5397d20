// The package's declarations (scripts/build_types.mjs, tsconfig.lib.json): tsc with strict on finds no
// error outside the modules not yet strict, and the PocketTTS class's .d.ts declares the public API.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test('the .d.ts files build under strict and PocketTTS declares load/stream/generate/speak/cloneVoice/dispose/exportAudio', { timeout: 120_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'pocket-tts-types-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'build_types.mjs'), '--out', out], { cwd: root, stdio: 'pipe' });
    const dts = readFileSync(join(out, 'web', 'engine', 'pocket-tts.d.ts'), 'utf8');
    const body = dts.slice(dts.indexOf('export class PocketTTS'));
    assert.match(body, /static load\(options\?: LoadOptions\): Promise<PocketTTS>;/);
    assert.match(body, /\n {4}stream\(text: string, options\?: CallOptions\): AsyncGenerator</);
    assert.match(body, /\n {4}generate\(text: string, options\?: CallOptions\): Promise<Utterance>;/);
    assert.match(body, /\n {4}speak\(text: string, options\?: CallOptions\): Speech;/);
    assert.match(body, /\n {4}cloneVoice\(audio: Blob \| File \| Float32Array, options\?: \{/);
    assert.match(body, /\n {4}dispose\(\): void;/);
    assert.match(body, /\n {4}exportAudio\(chapters: Array<\{\s*title: string;\s*text: string;\s*\}>, options\?: [^\n]*Promise<import\("\.\/export\.js"\)\.ExportResult>;/);
    assert.match(body, /\n {4}voiceLibrary: VoiceCollection;/);
    const utterance = readFileSync(join(out, 'web', 'engine', 'utterance.d.ts'), 'utf8');
    assert.match(utterance, /\n {4}toWav\(\): Blob;/);
    const plugin = readFileSync(join(out, 'vite-plugin.d.ts'), 'utf8');
    assert.match(plugin, /export default function pocketTTS\(options\?: PocketTTSPluginOptions\): import\("vite"\)\.Plugin;/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('package.json: every export has its types, and the tarball keeps to what the package needs', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.private, undefined);
  for (const [path, target] of Object.entries(pkg.exports)) {
    if (path === './package.json') continue;
    assert.ok(target.types?.startsWith('./types/') && target.types.endsWith('.d.ts'), `${path}: types`);
    assert.equal(target.types, `./types/${target.default.slice(2).replace(/\.js$/, '.d.ts')}`, `${path}: types match the module`);
  }
  for (const forbidden of ['tests-js', 'e2e', 'bench', 'public', 'py_core', 'web/app']) {
    assert.ok(!pkg.files.some((f) => f.replace(/\/$/, '') === forbidden || f.startsWith(`${forbidden}/`)), `files: ${forbidden}`);
  }
  assert.equal(pkg.scripts.prepack, 'node scripts/prepack.mjs');
});
