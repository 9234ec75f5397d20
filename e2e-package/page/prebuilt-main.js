// The clean-room page without a bundler (README, "Without Vite"): the package's prebuilt/ and runtime/
// copied into ./tts/ of a static site; the clean-room test serves this file as the page's main.js.
import { PocketTTS } from './tts/pocket-tts.js';
import { report } from './checks.js';

report(PocketTTS, { runtime: './tts/' });
