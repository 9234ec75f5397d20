// What the browsers need around them on a bare machine, started here and stopped again:
//   - a PulseAudio daemon of our own with one null sink: without an audio device Firefox never
//     starts an AudioContext (resume() stays pending) and WebKitGTK has no sink to play to;
//   - an Xvfb X server: WebKitGTK's MiniBrowser has no headless mode.
// Each is a child process of this one (its own socket, its own display), so several test runs on
// one machine do not meet, and stopping one ends exactly what it started.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function requireCommand(command, aptPackage) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} is missing: install the Debian package ${aptPackage} (bash scripts/install.sh does)`);
  }
}

/** A TCP port nobody listens on now (the system picks it). */
export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/** Stop a child started with `detached: true` (its whole process group). */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * A PulseAudio daemon with only a null sink, on a private socket. Returns { env, stop }: `env`
 * (PULSE_SERVER) points a browser at it.
 */
export async function startPulseAudio() {
  requireCommand('pulseaudio', 'pulseaudio');
  const dir = mkdtempSync(join(tmpdir(), 'pocket-tts-pulse-'));
  const socket = join(dir, 'native');
  const args = [
    '--daemonize=no', '-n', // no default.pa: only the modules named here
    '--exit-idle-time=-1', '--use-pid-file=no', '--disallow-exit', '--log-target=stderr',
    '-L', `module-native-protocol-unix socket=${socket} auth-anonymous=1`,
    '-L', 'module-null-sink sink_name=pocket_tts_null sink_properties=device.description=pocket-tts-null',
  ];
  // As root PulseAudio warns that it is not meant to run as root; it runs all the same.
  const env = { ...process.env, PULSE_RUNTIME_PATH: dir, PULSE_STATE_PATH: dir, HOME: dir };
  const daemon = spawn('pulseaudio', args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  daemon.stderr.on('data', (data) => (log = (log + data).slice(-4000)));
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (daemon.exitCode !== null) break;
    await sleep(100);
  }
  if (!existsSync(socket)) {
    stopChild(daemon);
    throw new Error(`PulseAudio did not start (no socket ${socket}):\n${log}`);
  }
  return {
    env: { PULSE_SERVER: `unix:${socket}` },
    stop() {
      stopChild(daemon);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An Xvfb X server on a free display. Returns { env, stop }: `env` (DISPLAY) points a browser at it. */
export async function startXvfb() {
  requireCommand('Xvfb', 'xvfb');
  // -displayfd: Xvfb picks a free display number and writes it to file descriptor 3.
  const server = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  server.stderr.on('data', (data) => (log = (log + data).slice(-4000)));
  const display = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not report a display within 20 s:\n${log}`)), 20_000);
    server.stdio[3].on('data', (data) => {
      text += data;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}):\n${log}`));
    });
  }).catch((error) => {
    stopChild(server);
    throw error;
  });
  return { env: { DISPLAY: `:${display}` }, stop: () => stopChild(server) };
}
