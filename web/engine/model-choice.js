// The automatic model choice. When nobody chose a model (no ?model=, none saved), the app takes the
// largest model of the default model's language that runs at SUGGEST_SPEED × real time or faster in
// this browser. Speeds are what the worker's warm-up measured here (web/engine/worker.js `warmUp`),
// remembered per model in localStorage, so that a later visit starts with the right model at once.

/** × real time the suggested model must reach here: headroom over 1.0 against stutter. */
export const SUGGEST_SPEED = 1.5;

const SPEEDS_KEY = 'pocket-tts:speeds';

/**
 * @typedef {{path: string, display_name: string, language: string, default_download_bytes: number}} IndexModel
 * @typedef {Record<string, number>} Speeds  model path → × real time measured in this browser
 */

/** The speeds remembered in `storage` (nothing, or anything unreadable, is no speeds). */
export function loadSpeeds(/** @type {Storage} */ storage) {
  try {
    const speeds = JSON.parse(storage.getItem(SPEEDS_KEY) ?? '{}');
    return /** @type {Speeds} */ (Object.fromEntries(Object.entries(speeds).filter(([, v]) => Number.isFinite(v) && v > 0)));
  } catch {
    return {};
  }
}

/** Remember that `path` ran at `speed` × real time here; returns the updated speeds. */
export function rememberSpeed(/** @type {Storage} */ storage, /** @type {string} */ path, /** @type {number} */ speed) {
  const speeds = { ...loadSpeeds(storage), [path]: speed };
  storage.setItem(SPEEDS_KEY, JSON.stringify(speeds));
  return speeds;
}

/** Models of `language`, largest download first. */
function byLanguage(/** @type {IndexModel[]} */ models, /** @type {string} */ language) {
  return models.filter((m) => m.language === language).sort((a, b) => b.default_download_bytes - a.default_download_bytes);
}

/**
 * The model to start with: the largest model of the default's (the first listed) language not
 * known to be too slow here. Unknown speeds count as fast enough (the warm-up will tell).
 * @param {IndexModel[]} models  models/index.json's list
 * @param {Speeds} speeds
 */
export function startingModel(models, speeds) {
  const candidates = byLanguage(models, models[0].language);
  return (candidates.find((m) => !(speeds[m.path] < SUGGEST_SPEED)) ?? candidates[candidates.length - 1]).path;
}

/**
 * After `current` ran at `speed` here: the next smaller model of its language not known to be too
 * slow, or null when `current` is fast enough or nothing smaller is left.
 * @param {IndexModel[]} models
 * @param {string} current  path
 * @param {number} speed
 * @param {Speeds} speeds
 */
export function smallerModel(models, current, speed, speeds) {
  const model = models.find((m) => m.path === current);
  if (!model || !(speed < SUGGEST_SPEED)) return null;
  return byLanguage(models, model.language)
    .find((m) => m.default_download_bytes < model.default_download_bytes && !(speeds[m.path] < SUGGEST_SPEED)) ?? null;
}

/** The model picker's label: name, download size, and the speed measured here when there is one. */
export function modelLabel(/** @type {string} */ name, /** @type {string} */ size, /** @type {number|undefined} */ speed) {
  return `${name}${size ? ` — ${size}` : ''}${speed ? ` · ${speed.toFixed(1)}× real time here` : ''}`;
}
