// Shared steps of the long-reading specs (long-run.spec.js, hidden-tab.spec.js): a long generated
// document, the speed, Read and Stop as the listener uses them.

/** Stop → generation and playback over, at most (ms). */
export const STOP_MS = 500;

const WORDS = ['river', 'lantern', 'morning', 'harbor', 'garden', 'window', 'mountain', 'letter', 'candle', 'forest',
  'market', 'bridge', 'meadow', 'kitchen', 'station', 'island', 'pocket', 'teacher', 'village', 'winter'];

/** A Markdown document of `chapters` chapters of `sentences` sentences each (plain varied words). */
export function longDocument(chapters, sentences) {
  const parts = [];
  for (let c = 0; c < chapters; c++) {
    parts.push(`# Chapter ${c + 1}`);
    for (let s = 0; s < sentences; s += 4) {
      const paragraph = [];
      for (let k = s; k < Math.min(s + 4, sentences); k++) {
        const w = (i) => WORDS[(c * 7 + k * 3 + i) % WORDS.length];
        paragraph.push(`The ${w(0)} near the ${w(1)} was quiet, and the ${w(2)} waited by the ${w(3)}.`);
      }
      parts.push(paragraph.join(' '));
    }
  }
  return parts.join('\n\n');
}

export async function openLongDocument(page, chapters, sentences) {
  const buffer = Buffer.from(longDocument(chapters, sentences));
  await page.locator('#document-file').setInputFiles({ name: 'long.md', mimeType: 'text/markdown', buffer });
  await page.waitForFunction(() => window.__pocketTTS.events.some((e) => e.type === 'document'), null, { timeout: 60_000 });
}

export async function setSpeed(page, speed) {
  await page.locator('#speed').evaluate((input, value) => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(speed));
}

/** Click Read and wait until the reading is heard; returns the worklet's underrun count then. */
export async function startReading(page) {
  await page.getByRole('button', { name: 'Read', exact: true }).click();
  await page.waitForFunction(() => window.__pocketTTS.reading?.active && window.__pocketTTS.reading.heard > 5, null, { timeout: 120_000 });
  return page.evaluate(() => window.__pocketTTS.playback.underruns);
}

/** Stop from inside the page; resolves with ms from the click to the reading's end and the player silent. */
export function stopNow(page) {
  return page.evaluate(async () => {
    const started = performance.now();
    document.getElementById('stop').click();
    const hook = window.__pocketTTS;
    while (!(hook.lastResult?.reading && hook.playback.drained && hook.phase === 'ready')) {
      if (performance.now() - started > 5000) return { ms: Infinity };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { ms: performance.now() - started, ended: hook.lastResult.stopLatencyMs };
  });
}

