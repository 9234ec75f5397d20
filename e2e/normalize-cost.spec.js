// `MEASURE_NORMALIZE=1` only: what reading numbers as words costs in the browser. The driver reports
// how long planning took (`planSeconds`: markup, normalization, chunking), so normalizing costs
// planSeconds(on) - planSeconds(off) for the same 20,000-character text with numbers. The whole
// synthesis would take many minutes here, so it is extrapolated: the text's chunk count times the
// time per chunk measured over the first minute of generation (printed, with the share).

import { expect, test } from './fixtures.js';
import { note, openApp, startSpeaking, waitForResult } from './helpers.js';

test.skip(!process.env.MEASURE_NORMALIZE, 'set MEASURE_NORMALIZE=1 to measure (a few minutes)');
test.setTimeout(10 * 60_000);

const SENTENCE =
  'On 3/4/2026 the 12 teams paid $3.50 each, about 15% more than in 2024, and met at 10:30 pm. ' +
  'The committee reviewed every proposal carefully before the final vote on Tuesday. ';
const TEXT = SENTENCE.repeat(Math.ceil(20_000 / SENTENCE.length)).slice(0, 20_000);

async function run(page, normalizeOn, seconds) {
  await page.getByRole('checkbox', { name: 'Read numbers and symbols as words' }).setChecked(normalizeOn);
  await startSpeaking(page, TEXT);
  await page.waitForFunction(() => (window.__pocketTTS.playback?.rendered ?? 0) > 0, null, { timeout: 180_000 });
  await page.waitForTimeout(seconds * 1000);
  const progress = (await page.locator('#progress-text').textContent()).match(/chunk (\d+) of (\d+)/);
  await page.getByRole('button', { name: 'Stop' }).click();
  const result = await waitForResult(page, 60_000);
  return { ...result, chunk: Number(progress[1]), chunks: Number(progress[2]) };
}

test('normalizing 20,000 characters is a small share of synthesizing them', async ({ page }) => {
  await openApp(page);
  const off = await run(page, false, 0);
  const on = await run(page, true, 60);
  const cost = on.planSeconds - off.planSeconds;
  const perChunk = (on.elapsed - on.planSeconds) / (on.chunk - 1); // chunks finished before the stop
  const whole = on.planSeconds + on.chunks * perChunk;
  const share = (100 * cost) / whole;
  note({
    type: 'normalize cost',
    description:
      `plan ${off.planSeconds.toFixed(3)} s without, ${on.planSeconds.toFixed(3)} s with normalization ` +
      `(${on.chunks} chunks); ${perChunk.toFixed(2)} s per chunk over ${on.chunk - 1} chunks: ` +
      `synthesis about ${whole.toFixed(0)} s, normalization ${share.toFixed(2)} % of it`,
  });
  expect(share).toBeLessThan(5);
});
