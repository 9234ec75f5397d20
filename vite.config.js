// Vite: sources in web/, static files in public/, output in dist/.
//
// - Dev and preview servers send COOP/COEP so the page is cross-origin isolated and onnxruntime-web
//   can use WASM threads (SharedArrayBuffer).
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

const root = dirname(fileURLToPath(import.meta.url));
const publicDir = resolve(root, 'public');
const outDir = resolve(root, 'dist');

export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

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
  },
  resolve: {
    // onnxruntime-web's build without the embedded WASM glue: it loads ort-wasm-simd-threaded.jsep.mjs
    // and .wasm from env.wasm.wasmPaths (public/ort/), so Vite does not emit a second 28 MB copy.
    alias: [{ find: /^onnxruntime-web$/, replacement: resolve(root, 'node_modules/onnxruntime-web/dist/ort.min.mjs') }],
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173 },
  plugins: [
    copyPublic(),
    VitePWA({
      // A new version waits until the user reloads (web/main.js shows a notice): an automatic reload
      // could cut a synthesis short.
      registerType: 'prompt',
      injectRegister: null, // web/main.js registers it (production builds only)
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
        globPatterns: ['**/*.{html,js,mjs,css,png,wasm,zip,whl,json,webmanifest}'],
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
  ],
});
