// Media keys and the OS media controls (MediaSession) for the playback panel: pause holds the audio
// (the AudioContext is suspended), play resumes it, stop stops it; the OS shows what is being read.

export class MediaControls {
  /** @param {import('./playback-panel.js').PlaybackPanel} panel */
  constructor(panel) {
    this.panel = panel;
    this.setUpMediaSession();
  }

  /** Hold the audio where it is (the AudioContext is suspended; generation goes on). */
  async pause() {
    const player = this.panel.app.tts?.player;
    if (!this.panel.playing || !player || player.paused) return;
    await player.pause();
    this.panel.app.log({ type: 'pause' });
    this.panel.app.status.set('Paused');
    this.update();
  }

  async resume() {
    const player = this.panel.app.tts?.player;
    if (!player?.paused) return;
    await player.resume();
    this.panel.app.log({ type: 'play' });
    this.panel.app.status.set(this.panel.app.phase === 'speaking' ? 'Speaking…' : 'Playing…');
    this.update();
  }

  /** The OS's play/pause state follows the panel's. */
  update() {
    if (!('mediaSession' in navigator)) return;
    navigator.mediaSession.playbackState = !this.panel.playing ? 'none' : this.panel.app.tts.player.paused ? 'paused' : 'playing';
  }

  /** What the OS shows for the utterance `text`. */
  show(/** @type {string} */ text) {
    if (!('mediaSession' in navigator) || typeof MediaMetadata === 'undefined') return;
    const title = text.trim().replace(/\s+/g, ' ');
    navigator.mediaSession.metadata = new MediaMetadata({
      title: title.length > 80 ? `${title.slice(0, 79)}…` : title,
      artist: `Pocket TTS · ${this.panel.app.voices.label}`,
      artwork: [{ src: new URL('icons/icon-192.png', this.panel.app.baseUrl).href, sizes: '192x192', type: 'image/png' }],
    });
    this.update();
  }

  setUpMediaSession() {
    if (!('mediaSession' in navigator)) return;
    const handlers = { play: () => this.resume(), pause: () => this.pause(), stop: () => this.panel.stop() };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        navigator.mediaSession.setActionHandler(/** @type {MediaSessionAction} */ (action), () => handler());
      } catch {
        // this browser does not support the action
      }
    }
  }
}
