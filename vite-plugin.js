// The Vite plugin of the `pocket-tts-web` package (`import pocketTTS from 'pocket-tts-web/vite'`).
//
//   // vite.config.js
//   import pocketTTS from 'pocket-tts-web/vite';
//   export default { plugins: [pocketTTS()] };
//
// The package ships its library as ES module sources (web/engine, web/audio, web/adapters) that use
// Vite features: `?raw` (the Python driver), `?worker&url` (the AudioWorklet) and
// `new Worker(new URL('./x.js', import.meta.url), {type: 'module'})` (the synthesis, decoder and
// download workers). Vite bundles them with the host's app; this plugin sets what that needs and
// provides the runtime the engine loads at run time:
//
// - the runtime (the package's runtime/ folder: pyodide/, ort/, wheels/py_core-*.whl, runtime.json) is
//   served by the dev server and copied into the build, under `path` (default: the site's base, which
//   is where PocketTTS.load() looks when given no `runtime`);
// - `onnxruntime-web` resolves to the package's own copy of its JS API (vendor/onnxruntime-web), the
//   build whose WebAssembly files are in runtime/ort/ (the two must be the same version);
// - the package is kept out of dependency pre-bundling (it would break the `import.meta.url` worker
//   URLs and the `?raw` / `?worker&url` imports), workers are built as ES modules, and the package's
//   files are never inlined as data: URLs (the Content-Security-Policy refuses them);
// - `headers` (default true): the dev and preview servers send the app's security headers
//   (security-headers.js: a strict Content-Security-Policy, COOP/COEP for WASM threads, …) and the
//   build writes them into `_headers` (Netlify, Cloudflare Pages); other hosts: see the README;
// - the dev and preview servers send model files (.onnx) as application/octet-stream: Vite's preview
//   server gzipped them on the fly otherwise (model-file-types.js).
//
// Model bundles are not touched: the host serves them where it likes and passes `models` to load().

import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelFileTypes } from './model-file-types.js';
import { headerObject, headersFile } from './security-headers.js';

const packageRoot = dirname(fileURLToPath(import.meta.url));

/** The package's prebuilt runtime (npm pack builds it: scripts/prepack.mjs); in a source checkout, public/. */
function runtimeDir() {
  for (const dir of [join(packageRoot, 'runtime'), join(packageRoot, 'public')]) {
    if (existsSync(join(dir, 'runtime.json'))) return dir;
  }
  throw new Error('pocket-tts-web: no runtime/runtime.json in the package (in a source checkout, run `npm run prepare:web`)');
}

/** onnxruntime-web's JS API without embedded WASM glue (it loads runtime/ort/ at run time). */
function ortModule() {
  const vendored = join(packageRoot, 'vendor', 'onnxruntime-web', 'ort.min.mjs');
  if (existsSync(vendored)) return vendored;
  return join(packageRoot, 'node_modules', 'onnxruntime-web', 'dist', 'ort.min.mjs');
}

/** The runtime's entries: folders and runtime.json. */
const RUNTIME_ENTRIES = ['pyodide', 'ort', 'wheels', 'runtime.json'];

const CONTENT_TYPES = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.whl': 'application/zip',
};

/** @param {string} from @param {string} to */
function copyTree(from, to) {
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyTree(join(from, name), join(to, name));
  } else {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}

/** `path` as a folder path without leading slash: '' or 'a/b/'. */
/** @param {string|undefined} path */
function folder(path) {
  const trimmed = String(path ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/**
 * @typedef {object} PocketTTSPluginOptions
 * @property {string} [path]  where the runtime goes, relative to the site's base ('' by default: pyodide/,
 *   ort/, wheels/ and runtime.json next to index.html). Pass the same folder to PocketTTS.load({runtime}).
 * @property {boolean} [headers]  send security-headers.js's headers in dev and preview, and write `_headers`
 *   into the build (default true)
 * @property {boolean} [runtime]  serve the runtime in dev and copy it into the build (default true; the
 *   package's prebuilt/ is built without it: the runtime ships beside it)
 */

/**
 * @param {PocketTTSPluginOptions} [options]
 * @returns {import('vite').Plugin}
 */
export default function pocketTTS(options = {}) {
  const sub = folder(options.path);
  const headers = options.headers ?? true;
  const withRuntime = options.runtime ?? true;
  const runtime = runtimeDir();
  /** @type {import('vite').ResolvedConfig} */
  let config;

  return {
    name: 'pocket-tts-web',
    enforce: 'pre',

    config(user) {
      const userLimit = user.build?.assetsInlineLimit;
      const ours = (/** @type {string} */ file) => resolve(file).startsWith(packageRoot + sep);
      return {
        resolve: { alias: [{ find: /^onnxruntime-web$/, replacement: ortModule() }] },
        optimizeDeps: { exclude: ['pocket-tts-web', 'onnxruntime-web'] },
        worker: { format: 'es' },
        build: {
          // The strict CSP refuses data: URLs: with `headers`, nothing is inlined unless the host set a limit.
          assetsInlineLimit: (file, content) => {
            if (ours(file)) return false;
            if (typeof userLimit === 'function') return userLimit(file, content);
            if (typeof userLimit === 'number') return content.length < userLimit;
            return headers ? false : undefined;
          },
        },
        ...(headers ? { server: { headers: headerObject }, preview: { headers: headerObject } } : {}),
      };
    },

    configResolved(resolved) {
      config = resolved;
    },

    // Model files (.onnx) as bytes, never gzipped on the fly: model-file-types.js.
    configurePreviewServer(server) {
      server.middlewares.use(modelFileTypes);
    },

    // Dev: the runtime straight from the package; model files as bytes.
    configureServer(server) {
      server.middlewares.use(modelFileTypes);
      if (!withRuntime) return;
      const base = config.base.startsWith('/') ? config.base.replace(/\/?$/, '/') : '/'; // a relative base ('./') serves at /
      const prefix = `${base}${sub}`;
      server.middlewares.use((req, res, next) => {
        const pathname = decodeURIComponent((req.url ?? '').split('?')[0]);
        if (!pathname.startsWith(prefix)) return next();
        const rest = pathname.slice(prefix.length);
        if (!RUNTIME_ENTRIES.some((entry) => rest === entry || rest.startsWith(`${entry}/`))) return next();
        const file = resolve(runtime, rest);
        if (!file.startsWith(runtime + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
        if (headers) for (const [name, value] of Object.entries(headerObject)) res.setHeader(name, value);
        res.setHeader('Content-Type', CONTENT_TYPES[/** @type {keyof CONTENT_TYPES} */ (extname(file))] ?? 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        res.setHeader('Cache-Control', 'no-cache');
        createReadStream(file).pipe(res);
      });
    },

    generateBundle() {
      if (!headers || config.build.ssr || (this.environment && this.environment.name !== 'client')) return;
      if (config.publicDir && existsSync(join(config.publicDir, '_headers'))) return; // the host's own
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },

    // Build: the runtime copied into the output folder.
    writeBundle() {
      if (!withRuntime || config.build.ssr || (this.environment && this.environment.name !== 'client')) return;
      const outDir = resolve(config.root, config.build.outDir, sub);
      for (const entry of RUNTIME_ENTRIES) {
        if (existsSync(join(runtime, entry))) copyTree(join(runtime, entry), join(outDir, entry));
      }
    },
  };
}

export { pocketTTS };
