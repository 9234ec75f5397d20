// ESLint (flat config): the recommended rules on the app, the tests, the bench and the scripts.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'public/', 'build/', 'node_modules/', 'test-results/', 'playwright-report/', 'runtime/', 'vendor/', 'types/', 'prebuilt/'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  { files: ['web/engine/worker.js', 'web/engine/decoder-worker.js'], languageOptions: { globals: { ...globals.worker } } },
  { files: ['web/audio/*-worklet.js'], languageOptions: { globals: { ...globals.audioWorklet } } },
  {
    files: ['e2e/**', 'e2e-engines/**', 'e2e-package/*.js', 'browsers/**', 'bench/**', 'scripts/**', 'tests-js/**', 'tests/**/*.mjs', '*.config.js', 'security-headers.js', 'vite-plugin.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
