// Speaking and what follows it: Speak and Stop, the read-along view following playback, playback
// speed, the downloads (WAV, subtitles; the WAV at a speed: speed-download.js) and the media
// controls (media-session.js).
// The speech itself is the library's (PocketTTS.speak → Speech); this panel shows it.

import { checkSpeed } from '../audio/time-stretch.js';
import { ReadAlong } from './read-along.js';
import { MediaControls } from './media-session.js';
import { SpeedDownload } from './speed-download.js';
import { describeEngine } from './settings-panel.js';

const $ = (id) => document.getElementById(id);

export class PlaybackPanel {
  /** @param {import('./main.js').App} app */
  constructor(app) {
    this.app = app;
    this.ui = {
      speak: /** @type {HTMLButtonElement} */ ($('speak')),
      stop: /** @type {HTMLButtonElement} */ ($('stop')),
      download: /** @type {HTMLAnchorElement} */ ($('download')),
      downloadVtt: /** @type {HTMLAnchorElement} */ ($('download-vtt')),
      speed: /** @type {HTMLInputElement} */ ($('speed')),
      speedValue: $('speed-value'),
      downloadSpeed: /** @type {HTMLButtonElement} */ ($('download-speed')),
      downloadSpeedLabel: $('download-speed-label'),
    };
    /** @type {import('../engine/speech.js').Speech | import('../engine/reading.js').Reading | null} */
    this.speech = null;
    /** @type {import('../engine/utterance.js').Utterance | null} the last utterance */
    this.utterance = null;
    this.downloadUrl = null;
    this.vttUrl = null;
    this.playing = false; // audio of the current utterance is still to be heard (Stop and the media controls act)
    this.highlight = false; // the read-along view follows playback (off after Stop and once drained)
    this.heardFrom = 0; // seconds of the utterance where the current playback started (a replay from a word)
    this.heard = 0;
    this.preparingWav = false;
    this.stopRequestedAt = 0; // when Stop was pressed during the current Speak
    /** @type {Float32Array[] | null} test hook: float PCM copies (?capture=pcm) */
    this.capture = app.params.get('capture') === 'pcm' ? [] : null;
    this.lastResult = null;
    /** @type {Follower | null} a document's reading view following this speech or reading (document-panel.js) */
    this.follow = null;
    this.readAlong = new ReadAlong($('read-along'), (seconds) => this.replayFrom(seconds));
    this.ui.speak.addEventListener('click', () => this.speak());
    this.ui.stop.addEventListener('click', () => this.stop());
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.stop();
    });
    this.ui.download.addEventListener('click', (event) => {
      if (this.ui.download.getAttribute('aria-disabled') === 'true') event.preventDefault();
    });
    this.speedDownload = new SpeedDownload(this);
    this.ui.downloadSpeed.addEventListener('click', () => this.speedDownload.save());
    this.ui.speed.addEventListener('input', () => {
      this.setSpeed(Number(this.ui.speed.value));
      localStorage.setItem('pocket-tts:speed', this.ui.speed.value);
    });
    this.ui.speed.value = String(savedSpeed());
    this.media = new MediaControls(this);
  }

  get speed() {
    return Number(this.ui.speed.value);
  }

  /** Apply and show the playback speed (0.5–3×, pitch kept); also during playback. */
  setSpeed(/** @type {number} */ speed) {
    const label = `${speed}×`;
    this.ui.speedValue.textContent = label;
    this.ui.speed.setAttribute('aria-valuetext', label);
    this.ui.downloadSpeedLabel.textContent = label;
    this.app.tts?.setSpeed(speed);
    this.update();
  }

  /** The buttons and links for the app's phase. */
  update() {
    const { phase } = this.app;
    const speaking = phase === 'speaking';
    this.ui.speak.disabled = phase !== 'ready';
    this.ui.stop.disabled = !speaking && !this.playing;
    const canDownload = Boolean(this.downloadUrl) && !speaking;
    link(this.ui.download, canDownload ? this.downloadUrl : null);
    this.ui.downloadVtt.hidden = !this.app.tts?.info?.timestamps;
    link(this.ui.downloadVtt, this.vttUrl && !speaking ? this.vttUrl : null);
    this.ui.downloadSpeed.hidden = !this.utterance?.samples || this.speed === 1;
    this.ui.downloadSpeed.disabled = !canDownload || this.preparingWav;
  }

  /**
   * Speak `text` (default: the text box's), followed by `follow` if given.
   * @param {string} [text]
   * @param {Follower | null} [follow]
   */
  async speak(text = this.app.text.value, follow = null) {
    const { app } = this;
    if (app.phase !== 'ready') return;
    app.status.clearError();
    if (!text.trim()) {
      app.status.error('Type some text first: there is nothing to say.');
      app.text.focus();
      return;
    }
    this.lastResult = null;
    app.status.notice([]);
    this.forgetUtterance();
    if (this.capture) this.capture = [];
    const options = { voice: app.voices.value, normalize: app.text.normalize, ...app.settings.speakOptions() };
    // Inside the click/keypress: allowed to make sound (the audio output opens while generation starts).
    const speech = app.tts.speak(text, options);
    this.speech = speech;
    this.follow = follow; // after tts.speak: the speech it stopped has ended
    const started = performance.now();
    let firstChunkAt = 0;
    let samples = 0;
    this.stopRequestedAt = 0;
    this.heardFrom = 0;
    this.highlight = true;
    this.playing = true;
    if (app.tts.info.timestamps) this.readAlong.show('Generating…');
    else this.readAlong.unavailable();
    this.media.show(text);
    app.setPhase('speaking');
    app.status.progress(null, 'Generating…', '');
    app.status.set('Generating…');
    app.log({ type: 'speak', chars: text.length });
    const rate = app.tts.info.sampleRate;
    speech.on('error', (detail) => {
      if (detail.code !== 'audio-output-unavailable') return; // failures end the speech: below
      this.highlight = false;
      this.playing = false;
      app.status.error(detail.message, detail.cause);
      this.update();
    });
    speech.on('plan', (detail) => this.readAlong.plan(detail.text, detail.words));
    speech.on('times', (detail) => this.readAlong.add(detail));
    speech.on('notice', (detail) => app.status.notice(detail));
    speech.on('audio', (detail) => {
      if (!firstChunkAt) {
        firstChunkAt = performance.now();
        app.status.set(`Speaking… first audio after ${((firstChunkAt - started) / 1000).toFixed(2)} s`);
      }
      samples += detail.pcm.length;
      this.capture?.push(detail.pcm.slice());
    });
    speech.on('progress', (detail) => {
      const seconds = samples / rate;
      const elapsed = (performance.now() - started) / 1000;
      const speed = seconds > 0 && elapsed > 0 ? ` · ${(seconds / elapsed).toFixed(1)}× real time` : '';
      const { chunkIndex, chunkCount, chunkDone } = detail;
      app.status.progressSoon(chunkCount ? (chunkIndex + chunkDone) / chunkCount : null,
        `Generating: chunk ${Math.min(chunkIndex + 1, chunkCount)} of ${chunkCount}`, `${seconds.toFixed(1)} s of audio${speed}`);
    });
    speech.on('playback', (detail) => this.onPlayback(detail.stats));
    speech.on('end', (detail) => this.onEnd(speech, detail.stopped));
    try {
      const utterance = await speech.result;
      this.onDone(utterance, { started, firstChunkAt, id: await speech.id, audio: speech.audio });
    } catch (error) {
      if (this.speech !== speech) return;
      this.follow = null;
      this.playing = false;
      app.status.progress(0, 'Synthesis failed', '');
      app.setPhase('ready');
      app.status.error(error.message, error);
    }
  }

  /**
   * Read `pieces` (a document from a sentence on) as one stream generated a bounded distance ahead of
   * playback (PocketTTS.read): `follow` hears which piece and word are heard.
   * @param {import('../engine/reading.js').ReadingPiece[]} pieces
   * @param {Follower} follow
   */
  read(pieces, follow) {
    const { app } = this;
    if (app.phase !== 'ready') return;
    app.status.clearError();
    app.status.notice([]);
    this.lastResult = null;
    this.forgetUtterance();
    const options = { voice: app.voices.value, normalize: app.text.normalize, ...app.settings.speakOptions() };
    const reading = app.tts.read(pieces, options); // inside the click: allowed to make sound
    this.speech = reading;
    this.follow = follow;
    this.stopRequestedAt = 0;
    this.highlight = true;
    this.playing = true;
    if (!app.tts.info.timestamps) this.readAlong.unavailable();
    this.media.show(pieces[0]?.text ?? '');
    app.setPhase('speaking');
    app.status.progress(0, 'Reading…', '');
    app.status.set('Reading…');
    app.log({ type: 'read', pieces: pieces.length });
    reading.on('piece', (piece) => {
      if (app.tts.info.timestamps) {
        this.readAlong.plan(piece.said, piece.words);
        this.readAlong.add(piece.times);
      }
      this.follow?.piece?.(piece.index);
    });
    reading.on('times', (detail) => this.readAlong.add(detail.times));
    reading.on('playback', (detail) => this.onPlayback(detail.stats, detail.pieceHeard));
    reading.on('generated', (detail) => {
      const kept = detail.kept ? ` · ${(detail.kept / 1e6).toFixed(1)} MB kept on this device` : '';
      app.status.progressSoon((detail.index + 1) / pieces.length, `Reading: piece ${detail.index + 1} of ${pieces.length}`,
        `${reading.ahead.toFixed(0)} s generated ahead of playback${kept}`);
    });
    reading.on('error', (error) => {
      app.status.error(error.message, error.cause);
      app.log({ type: 'read-error', code: error.code, message: error.message, piece: reading.position });
    });
    reading.on('end', (detail) => this.onReadingEnd(reading, detail.stopped));
  }

  /**
   * A reading is over (to its end, stopped or failed): the chapter heard can be downloaded as kept.
   * @param {import('../engine/reading.js').Reading} reading
   * @param {boolean} stopped
   */
  async onReadingEnd(reading, stopped) {
    const { app } = this;
    if (this.speech !== reading) return;
    const follow = this.playbackOver();
    const stats = app.tts.player.stats;
    this.lastResult = {
      reading: true,
      stopped,
      pieces: reading.pieces.length,
      piece: reading.position,
      heard: reading.heard,
      underruns: stats.underruns, // the player's counters start at 0 with each reading
      stopLatencyMs: this.stopRequestedAt ? performance.now() - this.stopRequestedAt : null,
    };
    app.log({ type: 'read-done', ...this.lastResult });
    app.status.progress(stopped ? 0 : 1, stopped ? 'Stopped' : 'Done', '');
    app.status.set(stopped ? `Stopped after ${reading.heard.toFixed(1)} s` : `Read to the end: ${reading.heard.toFixed(1)} s`);
    app.setPhase('ready');
    if (!stopped) follow?.ended();
    const group = reading.pieces[Math.max(0, reading.position)]?.group ?? 0;
    const wav = await reading.wav(group);
    if (wav && this.speech === reading) {
      this.downloadUrl = URL.createObjectURL(wav);
      this.update();
    }
  }

  /** The utterance is generated (its audio may still be playing). */
  onDone(utterance, { started, firstChunkAt, id, audio }) {
    const { app } = this;
    const { seconds, stats } = utterance;
    const speed = stats.elapsed > 0 ? seconds / stats.elapsed : 0;
    this.utterance = utterance;
    const wav = utterance.toWav();
    this.downloadUrl = utterance.samples ? URL.createObjectURL(wav) : null;
    if (utterance.vtt !== null) this.vttUrl = URL.createObjectURL(new Blob([utterance.vtt], { type: 'text/vtt' }));
    this.lastResult = {
      id,
      samples: utterance.samples,
      seconds,
      elapsed: stats.elapsed,
      speed,
      stopped: utterance.stopped,
      firstChunkSeconds: firstChunkAt ? (firstChunkAt - started) / 1000 : null,
      wavBytes: wav.size,
      downloadUrl: this.downloadUrl,
      stopLatencyMs: this.stopRequestedAt ? performance.now() - this.stopRequestedAt : null,
      frames: stats.frames,
      timings: stats.timings,
      liveTensors: stats.liveTensors,
      planSeconds: stats.planSeconds,
      prefilled: stats.prefilled, // its first chunk's prefill ran while the text was typed
      vtt: utterance.vtt, // the subtitles (null without timestamp heads)
    };
    app.log({ type: 'done', ...this.lastResult });
    const engine = describeEngine(app.tts.info);
    if (utterance.stopped) {
      app.status.progress(0, 'Stopped', `${seconds.toFixed(1)} s generated`);
      app.status.set(`Stopped after ${seconds.toFixed(1)} s of audio · ${engine}`);
    } else {
      app.status.progress(1, 'Done', `${seconds.toFixed(1)} s of audio`);
      const silent = audio ? '' : ' · no sound: download the WAV';
      app.status.set(`Done: ${seconds.toFixed(1)} s of audio in ${stats.elapsed.toFixed(1)} s · ${speed.toFixed(1)}× real time · ${engine}${silent}`);
    }
    app.setPhase('ready');
  }

  forgetUtterance() {
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    if (this.vttUrl) URL.revokeObjectURL(this.vttUrl);
    this.downloadUrl = null;
    this.vttUrl = null;
    this.utterance = null;
  }

  /** Stop: halt generation (while speaking) and silence what is still to be heard. */
  stop() {
    const { app } = this;
    if (app.phase === 'speaking' && this.speech) {
      this.stopRequestedAt = performance.now();
      app.status.set('Stopping…');
    } else if (this.playing) {
      app.status.set('Playback stopped');
    } else {
      return;
    }
    this.follow = null;
    if (this.speech?.active) this.speech.stop();
    else this.app.tts.player.flush(); // a replay
    this.highlight = false;
    this.readAlong.clear();
    app.log({ type: 'stop' });
  }

  /**
   * The worklet's counters (every ~50 ms while playing): the highlight, Stop and the media controls
   * follow them. `heard`: seconds heard of the text in the read-along view (a reading's piece), else
   * computed from the counters.
   * @param {any} stats
   * @param {number} [heard]
   */
  onPlayback(stats, heard) {
    if (this.highlight) {
      if (stats.drained) {
        this.highlight = false;
        this.readAlong.clear();
      } else {
        this.heard = heard ?? this.heardFrom + this.app.tts.player.heardSeconds(stats);
        this.readAlong.seek(this.heard);
        if (this.readAlong.current >= 0) this.follow?.heard(this.readAlong.planText, this.readAlong.currentBegin);
      }
    }
    const playing = !stats.drained && (this.speech?.audio ?? true);
    if (playing === this.playing) return;
    this.playing = playing;
    this.update();
    this.media.update();
  }

  /**
   * The current speech or reading is over: the highlight and the read-along view stop, and so does
   * the document view that followed it. Returns that follower (told `ended()` by the caller when the
   * end was not a stop).
   */
  playbackOver() {
    const follow = this.follow;
    this.follow = null;
    this.highlight = false;
    this.readAlong.clear();
    this.playing = false;
    return follow;
  }

  /**
   * The speech is over (played to its end, or stopped): nothing is left to hear.
   * @param {import('../engine/speech.js').Speech} speech
   * @param {boolean} stopped
   */
  onEnd(speech, stopped) {
    if (this.speech !== speech) return;
    const follow = this.playbackOver();
    this.update();
    this.media.update();
    if (!stopped) follow?.ended();
  }

  /** A click on a word of the read-along view: play the last utterance again from that word. */
  async replayFrom(/** @type {number} */ seconds) {
    const { app } = this;
    if (app.phase !== 'ready' || !this.utterance?.samples) return;
    const wav = this.utterance.toWav();
    const rate = this.utterance.sampleRate;
    const first = this.utterance.wavHeader.byteLength + 2 * Math.floor(seconds * rate);
    const data = new Int16Array(await wav.slice(first, wav.size - ((wav.size - first) % 2)).arrayBuffer());
    const pcm = Float32Array.from(data, (v) => v / 32768);
    app.tts.stopSpeech(); // the replay takes the player over from the last Speech (it may still be playing)
    const player = app.tts.player;
    try {
      await player.start();
    } catch (error) {
      app.status.error('No sound: the audio output did not start (no audio device, or it is busy).', error);
      return;
    }
    player.reset(); // empties the queue (a flush would report "drained" and end the highlight)
    player.onStats = (stats) => this.onPlayback(stats);
    this.speech = null;
    this.follow = null;
    this.heardFrom = Math.floor(seconds * rate) / rate;
    this.highlight = true;
    this.playing = true;
    player.push(pcm);
    player.end();
    app.log({ type: 'replay', from: this.heardFrom });
    this.update();
  }

}

/**
 * What a document's reading view is told while its text is heard: `piece(index)` a reading entered
 * piece `index`; `heard(text, offset)` the heard word's offset in the text as read (a reading's: the
 * piece's); `ended()` the speech or reading played to its end (not stopped).
 * @typedef {{piece?: (index: number) => void, heard: (text: string, offset: number) => void, ended: () => void}} Follower
 */

/** A download link, enabled with `url` or disabled (null). */
function link(/** @type {HTMLAnchorElement} */ anchor, /** @type {string|null} */ url) {
  anchor.setAttribute('aria-disabled', String(!url));
  anchor.tabIndex = url ? 0 : -1;
  if (url) anchor.href = url;
  else anchor.removeAttribute('href');
}

function savedSpeed() {
  try {
    return checkSpeed(Number(localStorage.getItem('pocket-tts:speed') ?? '1'));
  } catch {
    return 1; // nothing saved, or garbage
  }
}
