// The Web Speech API adapter (web/adapters/web-speech.js) driven through a page written against the
// standard API (web/examples/web-speech.html, which logs every event into window.__log): the events of
// one utterance in the specification's order with one 'boundary' per word at its place in the text,
// cancel() mid-utterance silences within 500 ms, a queue of three plays in order with `speaking` and
// `pending` as the specification defines them, getVoices() lists the bundle's voices.

import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures.js';
import { sharedExamplePage } from './example-page.js';
import { TINY, note } from './helpers.js';

const manifest = JSON.parse(readFileSync(`public/models/${TINY}manifest.json`, 'utf8'));
const LONG_TEXT = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long text that keeps the engine busy.`).join(' ');

const example = sharedExamplePage(test);
const { logFrom, logLength } = example;

/** Wait until every utterance logged from `from` on has its 'end' or 'error'. */
async function waitUntilSettled(from, count, timeout = 120_000) {
  await example.page.waitForFunction(
    ([n, count]) => window.__log.slice(n).filter((e) => e.type === 'end' || e.type === 'error').length >= count,
    [from, count],
    { timeout },
  );
  return logFrom(from);
}

async function speak(text) {
  await example.page.locator('#text').fill(text);
  const from = await logLength();
  await example.page.getByRole('button', { name: 'Speak' }).click();
  return from;
}

/** Where each word of `text` is: what a 'boundary' event per word must say. */
function wordsOf(text) {
  return [...text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu)].map((m) => ({ word: m[0], charIndex: m.index, charLength: m[0].length }));
}

test('getVoices() lists the bundle\'s voices after voiceschanged', async () => {
  // Opened here, not in beforeAll: the policy watch counts what happens during a test.
  await example.page.goto(`examples/web-speech.html?model=${encodeURIComponent(TINY)}`);
  // The page called getVoices() at once (an empty list: nothing is loaded yet) and again on voiceschanged.
  const first = await example.page.evaluate(() => window.__log.find((e) => e.type === 'voiceschanged'));
  expect(first.voices).toEqual([]);
  await example.page.waitForFunction(() => window.__log.some((e) => e.type === 'voiceschanged' && e.voices.length > 0), null, { timeout: 150_000 });
  const { voices } = await example.page.evaluate(() => window.__log.findLast((e) => e.type === 'voiceschanged'));
  expect(voices.map((v) => v.name)).toEqual(manifest.voices.map((v) => v.name));
  for (const voice of voices) {
    expect(voice).toMatchObject({ lang: 'en-US', localService: true, default: voice.name === manifest.default_voice });
  }
  expect(new Set(voices.map((v) => v.voiceURI)).size).toBe(voices.length);
  await expect(example.page.getByRole('combobox', { name: 'Voice' }).locator('option')).toHaveCount(manifest.voices.length);
  expect(await example.page.evaluate(() => speechSynthesis.getVoices().length)).toBe(manifest.voices.length);
});

test('one utterance: start, one boundary per word at its place in the text, end', async () => {
  const text = 'Hello, world! The quick brown fox: it jumps; over (the) lazy dog.';
  // A fixed seed: the synthetic model's random weights read every word of this text with it (a model
  // may end its speech before the last words: those get no time, so no boundary).
  await example.page.evaluate(() => (speechSynthesis.speakOptions = { seed: 1 }));
  const from = await speak(text);
  const log = (await waitUntilSettled(from, 1)).filter((e) => e.type !== 'voiceschanged');
  const types = log.map((e) => e.type);
  expect(types[0]).toBe('speak');
  expect(log[0]).toMatchObject({ pending: true, speaking: false });
  expect(types[1]).toBe('start');
  expect(types.at(-1)).toBe('end');
  expect(types.slice(2, -1).every((t) => t === 'boundary'), `only boundaries between start and end: ${types.join(' ')}`).toBe(true);
  expect(log[1]).toMatchObject({ speaking: true, pending: false, elapsedTime: 0 });
  expect(log.at(-1)).toMatchObject({ speaking: false, pending: false, charIndex: text.length });

  const boundaries = log.filter((e) => e.type === 'boundary');
  const expected = wordsOf(text);
  expect(boundaries.map((b) => text.slice(b.charIndex, b.charIndex + b.charLength)), JSON.stringify(log)).toEqual(expected.map((w) => w.word));
  expect(boundaries.map((b) => [b.charIndex, b.charLength])).toEqual(expected.map((w) => [w.charIndex, w.charLength]));
  expect(boundaries.every((b) => b.name === 'word')).toBe(true);
  const times = boundaries.map((b) => b.elapsedTime);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(times.at(-1)).toBeLessThanOrEqual(log.at(-1).elapsedTime + 0.1);
  // Boundaries follow playback: the last word is heard after the first by about its place in the audio.
  expect(boundaries.at(-1).t - boundaries[0].t).toBeGreaterThan((times.at(-1) - times[0]) * 1000 * 0.5);
  note({ type: 'boundaries', description: boundaries.map((b) => `${text.slice(b.charIndex, b.charIndex + b.charLength)}@${b.elapsedTime.toFixed(2)}s`).join(' ') });
});

test('cancel() mid-utterance: interrupted and silent within 500 ms; the next speak() plays to its end', async () => {
  const from = await speak(LONG_TEXT);
  await example.page.waitForFunction((n) => window.__log.slice(n).some((e) => e.type === 'start'), from, { timeout: 60_000 });
  await example.page.waitForFunction(() => speechSynthesis.engine.output.stats.rendered > 4800, null, { timeout: 60_000 });

  const measured = await example.page.evaluate(async () => {
    const output = speechSynthesis.engine.output;
    const speech = speechSynthesis.engine.speech;
    const ended = speech.ended.then(() => performance.now());
    const t0 = performance.now();
    document.getElementById('cancel').click(); // logs 'cancel', then speechSynthesis.cancel()
    const state = { speaking: speechSynthesis.speaking, pending: speechSynthesis.pending };
    while (!output.stats.drained || output.stats.queued > 0) await new Promise((done) => setTimeout(done, 2));
    const silentAt = performance.now();
    const rendered = output.stats.rendered;
    const engineEndedAt = await ended;
    // Whatever is still rendered after this is heard: nothing may be (an observation window, not a wait for something).
    await new Promise((done) => setTimeout(done, 400));
    return { t0, silentMs: silentAt - t0, engineMs: engineEndedAt - t0, rendered, renderedLater: output.stats.rendered, state };
  });
  const log = await logFrom(from);
  const cancel = log.find((e) => e.type === 'cancel');
  const after = log.slice(log.indexOf(cancel) + 1);
  expect(after.map((e) => e.type), 'one error event, no end').toEqual(['error']);
  expect(after[0]).toMatchObject({ error: 'interrupted', index: 0, speaking: false, pending: false });
  const eventMs = after[0].t - measured.t0;
  expect(eventMs).toBeLessThan(500);
  expect(measured.silentMs, 'the player drained (silence)').toBeLessThan(500);
  expect(measured.engineMs, 'generation halted').toBeLessThan(500);
  expect(measured.renderedLater).toBe(measured.rendered);
  expect(measured.state).toEqual({ speaking: false, pending: false });
  expect(log.some((e) => e.type === 'end')).toBe(false);
  note({ type: 'cancel latency', description: `error event ${eventMs.toFixed(0)} ms, player silent ${measured.silentMs.toFixed(0)} ms, generation halted ${measured.engineMs.toFixed(0)} ms` });

  // The next utterance plays in full.
  const next = await speak('Short again.');
  const nextLog = await waitUntilSettled(next, 1);
  expect(nextLog.filter((e) => e.type !== 'boundary').map((e) => e.type)).toEqual(['speak', 'start', 'end']);
  const { samples, rendered } = await example.page.evaluate(async () => ({
    samples: (await speechSynthesis.engine.speech.result).samples,
    rendered: speechSynthesis.engine.output.stats.rendered,
  }));
  expect(samples).toBeGreaterThan(0);
  expect(rendered).toBe(samples);
});

test('pause() holds the utterance (pause event, no samples played), resume() goes on', async () => {
  const from = await speak(LONG_TEXT);
  await example.page.waitForFunction((n) => window.__log.slice(n).some((e) => e.type === 'start'), from, { timeout: 60_000 });
  await example.page.getByRole('button', { name: 'Pause' }).click();
  await example.page.waitForFunction((n) => window.__log.slice(n).some((e) => e.type === 'pause'), from, { timeout: 5_000 });
  const held = await example.page.evaluate(async () => {
    const before = speechSynthesis.engine.output.stats.rendered;
    await new Promise((done) => setTimeout(done, 300)); // an observation window: nothing may play in it
    return { before, after: speechSynthesis.engine.output.stats.rendered, paused: speechSynthesis.paused, speaking: speechSynthesis.speaking };
  });
  expect(held).toMatchObject({ after: held.before, paused: true, speaking: true });
  await example.page.getByRole('button', { name: 'Resume' }).click();
  await example.page.waitForFunction((n) => window.__log.slice(n).some((e) => e.type === 'resume'), from, { timeout: 5_000 });
  await example.page.waitForFunction((before) => speechSynthesis.engine.output.stats.rendered > before + 2400, held.before, { timeout: 10_000 });
  expect(await example.page.evaluate(() => speechSynthesis.paused)).toBe(false);
  await example.page.getByRole('button', { name: 'Cancel' }).click();
  const log = await logFrom(from);
  expect(log.filter((e) => e.index === 0 && e.type !== 'boundary').map((e) => e.type)).toEqual(['speak', 'start', 'pause', 'resume', 'error']);
});

test('a queue of three plays in order; speaking and pending as the specification says', async () => {
  const lines = ['First line.', 'Second line here.', 'Third and last.'];
  const from = await speak(lines.join('\n'));
  // Right after speak(): all three queued, none started.
  const log = (await waitUntilSettled(from, 3)).filter((e) => e.type !== 'boundary' && e.type !== 'voiceschanged');
  expect(log.map((e) => `${e.type}${e.index}`)).toEqual(['speak0', 'speak1', 'speak2', 'start0', 'end0', 'start1', 'end1', 'start2', 'end2']);
  for (const e of log.filter((e) => e.type === 'speak')) expect(e).toMatchObject({ pending: true, speaking: false });
  for (const e of log.filter((e) => e.type === 'start')) expect(e).toMatchObject({ speaking: true, pending: e.index < 2 });
  for (const e of log.filter((e) => e.type === 'end')) expect(e).toMatchObject({ speaking: false, pending: e.index < 2 });
  expect(log.filter((e) => e.type === 'end').map((e) => e.charIndex)).toEqual(lines.map((l) => l.length));
  expect(await example.page.evaluate(() => ({ speaking: speechSynthesis.speaking, pending: speechSynthesis.pending }))).toEqual({ speaking: false, pending: false });
});

test('cancel() with a queue: the current one is interrupted, the queued ones canceled', async () => {
  const from = await speak([LONG_TEXT, 'Queued one.', 'Queued two.'].join('\n'));
  await example.page.waitForFunction((n) => window.__log.slice(n).some((e) => e.type === 'start'), from, { timeout: 60_000 });
  await example.page.getByRole('button', { name: 'Cancel' }).click();
  const log = await logFrom(from);
  const after = log.slice(log.findIndex((e) => e.type === 'cancel') + 1);
  expect(after.map((e) => `${e.type}${e.index}:${e.error}`)).toEqual(['error0:interrupted', 'error1:canceled', 'error2:canceled']);
  expect(log.some((e) => e.type === 'end' || e.type === 'start' && e.index > 0)).toBe(false);
});
