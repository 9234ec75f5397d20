import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUGGEST_SPEED, loadSpeeds, modelLabel, rememberSpeed, smallerModel, startingModel } from '../web/engine/model-choice.js';

const model = (path, mb, language = 'english') => ({ path, display_name: path, language, default_download_bytes: mb * 1e6 });
const MODELS = [model('full/', 126), model('french/', 126, 'french'), model('18m/', 20), model('7m/', 8), model('2m/', 3)];

class MemoryStorage {
  constructor(items = {}) {
    this.items = { ...items };
  }
  getItem(key) {
    return this.items[key] ?? null;
  }
  setItem(key, value) {
    this.items[key] = String(value);
  }
}

test('with nothing measured the largest model of the default language is the start', () => {
  assert.equal(startingModel(MODELS, {}), 'full/');
});

test('a model measured too slow here is skipped on the next visit; unknown speeds count as fast enough', () => {
  assert.equal(startingModel(MODELS, { 'full/': 0.7 }), '18m/');
  assert.equal(startingModel(MODELS, { 'full/': 0.7, '18m/': 1.2, '7m/': 3 }), '7m/');
  assert.equal(startingModel(MODELS, { 'full/': SUGGEST_SPEED }), 'full/', 'exactly the threshold is fast enough');
  assert.equal(startingModel(MODELS, { 'full/': 0.2, '18m/': 0.3, '7m/': 0.5, '2m/': 0.9 }), '2m/', 'all too slow: the smallest');
});

test('too slow: the next smaller model of the same language, never another language', () => {
  assert.equal(smallerModel(MODELS, 'full/', 0.7, {}).path, '18m/');
  assert.equal(smallerModel(MODELS, '18m/', 1.4, { 'full/': 0.7, '7m/': 1.0 }).path, '2m/', 'skips one known too slow');
  assert.equal(smallerModel(MODELS, 'full/', 1.6, {}), null, 'fast enough: no switch');
  assert.equal(smallerModel(MODELS, '2m/', 0.5, {}), null, 'nothing smaller');
  assert.equal(smallerModel(MODELS, 'french/', 0.5, {}), null, 'no smaller French model');
  assert.equal(smallerModel(MODELS, 'full/', Number.NaN, {}), null, 'no measurement: no switch');
});

test('speeds are remembered per model and bad storage reads as none', () => {
  const storage = new MemoryStorage();
  assert.deepEqual(loadSpeeds(storage), {});
  rememberSpeed(storage, 'full/', 0.8);
  assert.deepEqual(rememberSpeed(storage, '18m/', 2.5), { 'full/': 0.8, '18m/': 2.5 });
  assert.deepEqual(loadSpeeds(storage), { 'full/': 0.8, '18m/': 2.5 });
  assert.deepEqual(loadSpeeds(new MemoryStorage({ 'pocket-tts:speeds': '{not json' })), {});
  assert.deepEqual(loadSpeeds(new MemoryStorage({ 'pocket-tts:speeds': '{"a/": "fast", "b/": -1, "c/": 2}' })), { 'c/': 2 });
});

test('the picker label shows the download size and the speed measured here', () => {
  assert.equal(modelLabel('English', '126 MB', 2.345), 'English — 126 MB · 2.3× real time here');
  assert.equal(modelLabel('English', '126 MB', undefined), 'English — 126 MB');
  assert.equal(modelLabel('English', '', undefined), 'English');
});
