// The HTTP headers the app is served with: the one source of truth.
//
// Used by vite.config.js (the dev and preview servers send them; the build writes dist/_headers for
// Netlify / Cloudflare Pages and puts the Content-Security-Policy into dist/index.html as a
// <meta http-equiv> fallback), by the Playwright suite (which runs under them and checks that every
// response carries them) and, by hand, by the README's hosting section (an nginx example; the e2e
// suite checks that it says the same).
//
// The policy is the smallest set the app works with, found by testing: everything is same-origin
// files; the only relaxation is 'wasm-unsafe-eval' (WebAssembly compilation: Pyodide and
// onnxruntime-web). No eval, no inline scripts or styles, no data:/blob: scripts, workers or fetches.

/**
 * Content-Security-Policy directives: [name, sources, why].
 * @type {Array<[string, string[], string]>}
 */
export const cspDirectives = [
  ['default-src', ["'none'"], 'anything not listed below is refused'],
  ['script-src', ["'self'", "'wasm-unsafe-eval'"],
    'scripts, module imports, the AudioWorklet module: same-origin files only; WebAssembly compilation (Pyodide, onnxruntime-web) but no eval and no inline script'],
  ['worker-src', ["'self'"], 'the synthesis worker, onnxruntime-web\'s thread workers and the service worker: same-origin files'],
  ['connect-src', ["'self'"], 'fetch(): the model files, Pyodide\'s packages and the py_core wheel come from this origin only'],
  ['img-src', ["'self'"], 'the icons'],
  ['style-src', ["'self'"], 'the stylesheet; no inline styles'],
  ['manifest-src', ["'self'"], 'the PWA manifest'],
  ['base-uri', ["'none'"], 'no <base> element can redirect relative URLs'],
  ['form-action', ["'none'"], 'the page submits no forms'],
  ['object-src', ["'none'"], 'no plugins'],
  ['frame-ancestors', ["'none'"], 'no other site may frame the page (clickjacking); headers only, a <meta> policy cannot carry it'],
];

/** Directives a <meta http-equiv="Content-Security-Policy"> ignores (CSP3 §3.3). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

/** The policy as a header value; `{ meta: true }` leaves out what a <meta> policy cannot carry. */
export function contentSecurityPolicy({ meta = false } = {}) {
  return cspDirectives
    .filter(([name]) => !(meta && HEADER_ONLY.has(name)))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Permissions-Policy: the microphone for this origin (voice recording); features the app never uses are
 * off. Only features Chromium knows: it logs an error for an unknown one (e.g. `bluetooth`), and the
 * e2e suite fails on that.
 */
export const permissionsPolicy = [
  'microphone=(self)',
  ...['camera', 'geolocation', 'payment', 'usb', 'serial', 'hid', 'midi', 'display-capture',
    'accelerometer', 'gyroscope', 'magnetometer', 'screen-wake-lock', 'xr-spatial-tracking', 'browsing-topics']
    .map((feature) => `${feature}=()`),
].join(', ');

/** Every header, its value and why it is sent. */
export const securityHeaders = [
  { name: 'Content-Security-Policy', value: contentSecurityPolicy(),
    reason: 'only this origin\'s own files run or are fetched: what you type cannot be sent anywhere, even by a misbehaving dependency or a hostile file' },
  { name: 'Cross-Origin-Opener-Policy', value: 'same-origin',
    reason: 'with COEP, makes the page cross-origin isolated: onnxruntime-web may use WebAssembly threads (SharedArrayBuffer)' },
  { name: 'Cross-Origin-Embedder-Policy', value: 'require-corp',
    reason: 'the other half of cross-origin isolation: the page loads nothing cross-origin that did not opt in' },
  { name: 'Referrer-Policy', value: 'no-referrer',
    reason: 'links (the model credits) do not tell other sites which page you came from' },
  { name: 'X-Content-Type-Options', value: 'nosniff',
    reason: 'browsers trust the Content-Type: a model or voice file is never run as a script or a stylesheet' },
  { name: 'Permissions-Policy', value: permissionsPolicy,
    reason: 'the microphone for this origin only (voice recording); camera, location, sensors, payment, USB and other features the app does not use are off' },
];

/** { name: value } for Vite's server.headers / preview.headers. */
export const headerObject = Object.fromEntries(securityHeaders.map(({ name, value }) => [name, value]));

/** dist/_headers (Netlify, Cloudflare Pages): every header on every path. */
export function headersFile() {
  return ['/*', ...securityHeaders.map(({ name, value }) => `  ${name}: ${value}`), ''].join('\n');
}

/** The nginx lines the README shows (e2e/security.spec.js checks that the README carries them). */
export function nginxLines() {
  return securityHeaders.map(({ name, value }) => `add_header ${name} "${value}" always;`);
}
