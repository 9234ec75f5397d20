// The user journeys of the Playwright suite in the two other browser engines, with node's test runner:
//
//   node --test e2e-engines/            # or npm run test:engines; E2E_ENGINES=firefox for one engine
//
// Set-up, once for the file: the Playwright suite's global set-up (tiny test bundles, `npm run
// build`, `vite preview` of dist/ on E2E_PORT, default 4173), a private PulseAudio daemon with a null
// sink, and an Xvfb display for WebKitGTK. Then e2e-engines/journeys.js per engine.

import { after, before } from 'node:test';
import globalSetup, { BASE_URL } from '../e2e/global-setup.js';
import { launchFirefox, launchWebKit } from '../browsers/drivers.js';
import { journeys } from './journeys.js';
import { startPulseAudio, startXvfb } from '../browsers/services.js';

const ENGINES = {
  firefox: () => launchFirefox(services.pulse.env),
  webkitgtk: () => launchWebKit({ ...services.pulse.env, ...services.xvfb.env }),
};
const chosen = (process.env.E2E_ENGINES || Object.keys(ENGINES).join(',')).split(',');
for (const name of chosen) {
  if (!ENGINES[name]) throw new Error(`E2E_ENGINES: unknown engine ${name} (known: ${Object.keys(ENGINES).join(', ')})`);
}

const services = {};

before(async () => {
  services.stopServer = await globalSetup();
  services.pulse = await startPulseAudio();
  if (chosen.includes('webkitgtk')) services.xvfb = await startXvfb();
}, { timeout: 900_000 });

after(async () => {
  await services.stopServer?.();
  services.pulse?.stop();
  services.xvfb?.stop();
});

for (const name of chosen) journeys(name, ENGINES[name], () => BASE_URL);
