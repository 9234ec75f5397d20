// The clean-room page under Vite: the package imported by its name.
import { PocketTTS } from 'pocket-tts-web';
import { report } from './checks.js';

report(PocketTTS);
