// "Download WAV at N×": the last utterance re-timed in a worker (web/audio/wav-speed-worker.js,
// pitch kept), then saved.

import { formatBytes } from './status.js';

export class SpeedDownload {
  /** @param {import('./playback-panel.js').PlaybackPanel} panel */
  constructor(panel) {
    this.panel = panel;
  }

  /** Make and save the WAV at the panel's speed. */
  async save() {
    const { app } = this.panel;
    if (!this.panel.utterance || app.phase === 'speaking' || this.panel.preparingWav) return;
    const speed = this.panel.speed;
    this.panel.preparingWav = true;
    this.panel.update();
    app.status.set(`Preparing the WAV at ${speed}×…`);
    try {
      const wav = await stretchWav(await this.panel.utterance.toWav().arrayBuffer(), speed);
      const url = URL.createObjectURL(new Blob([wav], { type: 'audio/wav' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `pocket-tts-${speed}x.wav`;
      anchor.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      app.status.set(`WAV at ${speed}× ready (${formatBytes(wav.byteLength)})`);
    } catch (error) {
      app.status.error(`The WAV at ${speed}× could not be made: ${error.message}`, error);
    } finally {
      this.panel.preparingWav = false;
      this.panel.update();
    }
  }
}

function stretchWav(/** @type {ArrayBuffer} */ wav, /** @type {number} */ speed) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../audio/wav-speed-worker.js', import.meta.url), { type: 'module', name: 'wav-speed' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error) reject(new Error(data.error));
      else resolve(data.wav);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(event.message || 'the worker stopped'));
    };
    worker.postMessage({ wav, speed }, [wav]);
  });
}
