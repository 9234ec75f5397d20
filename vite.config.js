// Vite: sources in web/, static files in public/, output in dist/.
//
// - Dev and preview servers send the headers of security-headers.js: COOP/COEP (the page is
//   cross-origin isolated, so onnxruntime-web can use WASM threads), a strict Content-Security-Policy
//   and the rest. The build writes them into dist/_headers (Netlify / Cloudflare Pages) and the policy
//   into dist/index.html as a <meta http-equiv> fallback (`securityHeaders` below).
// - No asset is inlined as a data: URL (assetsInlineLimit: 0): the policy runs no data: scripts, and
//   the AudioWorklet module must be a same-origin file.
// - public/ is copied into dist/ selectively (`copyPublic` below): model bundles contribute only the
//   files the app downloads (their manifest lists them); `source/` (the checkpoint kept for parity
//   tools, up to 470 MB) and graphs marked "never" stay out of dist/.
// - vite-plugin-pwa generates the service worker: it precaches the app shell, Pyodide, onnxruntime's
//   WASM and the py_core wheel; model files are cached at run time, cache-first, under URLs that
//   carry their sha256 (so a rebuilt bundle is fetched again, never mixed with an old one).

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { modelFileTypesPlugin } from './model-file-types.js';
import { contentSecurityPolicy, headerObject, headersFile } from './security-headers.js';

const root = dirname(fileURLToPath(import.meta.url));
const publicDir = resolve(root, 'public');
const outDir = resolve(root, 'dist');

function copyTree(from, to, skip = () => false) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    if (skip(source)) continue;
    if (statSync(source).isDirectory()) copyTree(source, join(to, name), skip);
    else copyFileSync(source, join(to, name));
  }
}

/** The files of one bundle that the app may download: manifest.json + every file not marked "never". */
function bundleFiles(bundleDir) {
  const manifestPath = join(bundleDir, 'manifest.json');
  if (!existsSync(manifestPath)) return [];
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return ['manifest.json', ...manifest.files.filter((f) => f.download !== 'never').map((f) => f.path)];
}

/**
 * The build's copy of the headers: dist/_headers, and the Content-Security-Policy as a <meta> right
 * after <meta charset> for hosts that cannot send headers (a <meta> policy cannot carry
 * frame-ancestors, and it does not reach the workers: they take a policy only from response headers).
 */
function securityHeaders() {
  return {
    name: 'pocket-tts:security-headers',
    apply: 'build',
    transformIndexHtml(html) {
      const meta = `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ meta: true })}" />`;
      const charset = /<meta charset="utf-8" \/>\n/i;
      if (!charset.test(html)) throw new Error('index.html: no <meta charset="utf-8" /> line to put the CSP after');
      return html.replace(charset, (line) => `${line}    ${meta}\n`);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },
  };
}

/**
 * vite-plugin-pwa links every page to `./manifest.webmanifest`, which from web/examples/ names a file
 * that does not exist: the example pages link to the app's manifest one folder up.
 */
function exampleManifestLink() {
  return {
    name: 'pocket-tts:example-manifest-link',
    enforce: 'post', // like vite-plugin-pwa's, and listed after it
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { path }) {
        if (!path.includes('/examples/')) return html;
        return html.replace('href="./manifest.webmanifest"', 'href="../manifest.webmanifest"');
      },
    },
  };
}

function copyPublic() {
  return {
    name: 'pocket-tts:copy-public',
    apply: 'build',
    writeBundle() {
      if (!existsSync(publicDir)) return;
      const models = join(publicDir, 'models');
      copyTree(publicDir, outDir, (path) => path === models);
      if (!existsSync(models)) return;
      mkdirSync(join(outDir, 'models'), { recursive: true });
      for (const name of readdirSync(models)) {
        const source = join(models, name);
        if (!statSync(source).isDirectory()) {
          copyFileSync(source, join(outDir, 'models', name)); // index.json
          continue;
        }
        for (const file of bundleFiles(source)) {
          mkdirSync(dirname(join(outDir, 'models', name, file)), { recursive: true });
          copyFileSync(join(source, file), join(outDir, 'models', name, file));
        }
      }
    },
  };
}

export default defineConfig({
  root: resolve(root, 'web'),
  base: './',
  publicDir,
  build: {
    outDir,
    emptyOutDir: true,
    copyPublicDir: false, // copyPublic() does it, without model sources
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    assetsInlineLimit: 0,
    rollupOptions: {
      // index.html is the app; the example pages (web/examples/) show the Web Speech API adapter and the
      // <pocket-tts> element (web/adapters/) and are what the e2e specs of those drive.
      input: {
        main: resolve(root, 'web/index.html'),
        'web-speech': resolve(root, 'web/examples/web-speech.html'),
        element: resolve(root, 'web/examples/element.html'),
      },
    },
  },
  resolve: {
    // onnxruntime-web's build without the embedded WASM glue: it loads ort-wasm-simd-threaded.jsep.mjs
    // and .wasm from env.wasm.wasmPaths (public/ort/), so Vite does not emit a second 28 MB copy.
    alias: [{ find: /^onnxruntime-web$/, replacement: resolve(root, 'node_modules/onnxruntime-web/dist/ort.min.mjs') }],
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: headerObject, port: 5173 },
  preview: { headers: headerObject, port: 4173 },
  plugins: [
    copyPublic(),
    securityHeaders(),
    modelFileTypesPlugin(),
    VitePWA({
      // A new version waits until the user reloads (web/app/main.js shows a notice): an automatic reload
      // could cut a synthesis short.
      registerType: 'prompt',
      injectRegister: null, // web/app/main.js registers it (production builds only)
      manifest: {
        name: 'Pocket TTS',
        short_name: 'Pocket TTS',
        description: "Kyutai's Pocket TTS text-to-speech, running entirely in your browser. Works offline.",
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#f4f6fa',
        theme_color: '#1f3a5f',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        clientsClaim: true, // the first visit is controlled at once, so its model downloads are cached
        globPatterns: ['**/*.{html,js,mjs,css,png,wasm,zip,whl,json,webmanifest,gz}'],
        globIgnores: ['models/**'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            // Model files: immutable under their ?sha256= URL.
            urlPattern: ({ url }) => url.pathname.includes('/models/') && url.searchParams.has('sha256'),
            handler: 'CacheFirst',
            options: {
              cacheName: 'pocket-tts-models',
              cacheableResponse: { statuses: [200] },
              matchOptions: { ignoreVary: true },
            },
          },
          {
            // models/index.json and manifests: fresh when online, cached for offline use.
            urlPattern: ({ url }) => url.pathname.includes('/models/') && url.pathname.endsWith('.json'),
            handler: 'NetworkFirst',
            options: { cacheName: 'pocket-tts-model-index', networkTimeoutSeconds: 5 },
          },
        ],
      },
    }),
    exampleManifestLink(), // after VitePWA, which adds the link
  ],
});
