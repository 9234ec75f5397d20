#!/usr/bin/env node
// Prepares the local runtime files the web app loads, so that nothing comes from a CDN:
//
//   public/pyodide/  Pyodide's runtime from the `pyodide` npm package (asm.mjs, asm.wasm, stdlib, lock file)
//   public/ort/      onnxruntime-web's plain WASM and WebGPU (JSEP) modules and binaries (web/engine/ort-builds.js)
//   public/wheels/   the py_core wheel (`pip wheel --no-deps --no-build-isolation`, from a clean copy)
//   public/runtime.json  file names the worker needs (wheel names, versions, the Python snapshot)
//   public/pyodide/python-snapshot.gz  a memory snapshot of Pyodide with the wheel and the worker's driver
//                    imported, made here in Node: a first visit starts Python from it (web/engine/python-snapshot.js)
//
// All three folders are git-ignored and rebuilt by this script. Usage:
//   node scripts/prepare_web_assets.mjs            # everything
//   node scripts/prepare_web_assets.mjs --wheel    # only rebuild the py_core wheel (after editing py_core)
//   node scripts/prepare_web_assets.mjs --out runtime   # into another folder (npm pack: the package's runtime/)
// Environment: PYTHON (default python3).

import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SITE_ENGINE, snapshotKey } from '../web/engine/python-snapshot.js';
import { sha256Hex } from '../web/engine/sha256.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.PYTHON || 'python3';
const only = process.argv.includes('--wheel') ? 'wheel' : 'all';
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(root, process.argv[outArg + 1]) : join(root, 'public');
const shown = (path) => path.slice(root.length + 1) || '.';

function log(message) {
  console.log(`[prepare_web_assets] ${message}`);
}

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

function freshDir(path) {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}

function copyFiles(fromDir, names, toDir) {
  for (const name of names) {
    const source = join(fromDir, name);
    if (!existsSync(source)) throw new Error(`missing ${source}: run npm install`);
    copyFileSync(source, join(toDir, name));
  }
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** Pyodide's runtime (py_core needs no package beyond the standard library, so no micropip). */
function preparePyodide() {
  const from = join(root, 'node_modules', 'pyodide');
  const to = join(out, 'pyodide');
  freshDir(to);
  copyFiles(from, ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'], to);
  const lock = JSON.parse(readFileSync(join(from, 'pyodide-lock.json'), 'utf8'));
  log(`${shown(to)}: Pyodide ${packageVersion('pyodide')} (Python ${lock.info.python})`);
  return { pyodide: packageVersion('pyodide'), python: lock.info.python };
}

/**
 * onnxruntime-web's two WebAssembly builds: the plain one for the WASM EP (its kernels run ~20 %
 * faster and its sessions are created in half the time: bench/ort_builds.mjs) and the JSEP one,
 * which the WebGPU EP needs.
 */
function prepareOrt() {
  const from = join(root, 'node_modules', 'onnxruntime-web', 'dist');
  const to = join(out, 'ort');
  freshDir(to);
  copyFiles(from, ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'], to);
  log(`${shown(to)}: onnxruntime-web ${packageVersion('onnxruntime-web')} (plain WASM + JSEP)`);
  return { ort: packageVersion('onnxruntime-web') };
}

/** The py_core wheel, built from a clean copy of the working tree (no stale build/lib files). */
function prepareWheel() {
  const to = join(out, 'wheels');
  const scratch = join(root, 'build', 'py_core_wheel');
  const source = join(scratch, 'source');
  const dist = join(scratch, 'dist');
  freshDir(scratch);
  cpSync(join(root, 'py_core'), join(source, 'py_core'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
  for (const name of ['pyproject.toml', 'README.md']) {
    if (existsSync(join(root, name))) copyFileSync(join(root, name), join(source, name));
  }
  run(python, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', dist, source]);
  const wheel = readdirSync(dist).find((name) => name.startsWith('py_core-') && name.endsWith('.whl'));
  if (!wheel) throw new Error('pip wheel produced no py_core wheel');
  freshDir(to);
  copyFileSync(join(dist, wheel), join(to, wheel));
  log(`${shown(to)}: ${wheel}`);
  return { py_core: wheel };
}

/**
 * Start the copied Pyodide in Node as the worker starts it (web/engine/worker.js loadPython: the wheel
 * unpacked, the driver imported), snapshot its memory and write it gzip-compressed beside Pyodide.
 */
async function preparePythonSnapshot(runtime) {
  const indexURL = join(out, 'pyodide') + '/';
  const { loadPyodide } = await import(pathToFileURL(join(indexURL, 'pyodide.mjs')).href);
  const wheel = new Uint8Array(readFileSync(join(out, 'wheels', runtime.py_core)));
  const driverSource = readFileSync(join(root, 'web', 'engine', 'worker_driver.py'), 'utf8');
  const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true, stdout: () => {}, stderr: console.warn });
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  pyodide.unpackArchive(wheel, 'wheel', { extractDir: sitePackages });
  pyodide.FS.writeFile('/home/pyodide/pocket_driver.py', driverSource);
  pyodide.pyimport('pocket_driver');
  const snapshot = pyodide.makeMemorySnapshot();
  const file = 'python-snapshot.gz';
  writeFileSync(join(indexURL, file), gzipSync(snapshot));
  log(`${shown(join(indexURL, file))}: ${(snapshot.length / 1e6).toFixed(1)} MB snapshot of Python's start`);
  const key = await snapshotKey({ pyodide: runtime.pyodide, wheel, driverSource, engine: SITE_ENGINE });
  return { python_snapshot: { file, sha256: await sha256Hex(snapshot), key } };
}

mkdirSync(out, { recursive: true });
const runtimePath = join(out, 'runtime.json');
let runtime = {};
if (only === 'wheel' && existsSync(runtimePath)) runtime = JSON.parse(readFileSync(runtimePath, 'utf8'));
if (only === 'all') Object.assign(runtime, preparePyodide(), prepareOrt());
Object.assign(runtime, prepareWheel());
Object.assign(runtime, await preparePythonSnapshot(runtime));
writeFileSync(runtimePath, `${JSON.stringify(runtime, null, 2)}\n`);
log(`${shown(runtimePath)} written`);
