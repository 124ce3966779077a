/** Names that every plain object answers to are never mistaken for a model, a price or a header. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_CATALOG, mergeCatalog, modelSpec, withPrices } from '../../src/catalog';
import { Budget, costedRequest } from '../../src/workflows/budget';
import { parseGenerateVideoInput } from '../../src/request';
import { VideoRun } from '../../src/workflows/video-run';
import { HOSTILE_NAMES } from '../helpers/hostile-names';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('names every object answers to', () => {
  test('the list covers the prototype members the issue names', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) {
      assert.ok(HOSTILE_NAMES.includes(name), name);
    }
  });

  test('are no model of the catalog, with or without prices and a live catalog', () => {
    const prices = Object.fromEntries(HOSTILE_NAMES.map((name) => [name, 1]));
    const live = mergeCatalog(HOSTILE_NAMES.filter((n) => n !== 'valueOf').map((id) => ({ id: `${id}-live` })));
    for (const catalog of [BUILTIN_CATALOG, withPrices(BUILTIN_CATALOG, prices), live]) {
      for (const name of HOSTILE_NAMES) assert.equal(modelSpec(catalog, name), undefined, name);
      assert.deepEqual(
        Object.keys(catalog).filter((id) => HOSTILE_NAMES.includes(id)),
        [],
      );
    }
  });

  test('a live catalog may list any name as a model without changing the catalog object', () => {
    const live = mergeCatalog(HOSTILE_NAMES.map((id) => ({ id, credits_per_4s_720p: 7 })));
    for (const name of HOSTILE_NAMES) assert.equal(modelSpec(live, name)?.credits_per_4s_720p, 7, name);
    assert.equal(modelSpec(live, 'veo-3-1')?.id, 'veo-3-1');
    // Through JSON, as the catalog travels in history, it is the same catalog.
    const carried = JSON.parse(JSON.stringify(live)) as typeof live;
    for (const name of HOSTILE_NAMES) assert.equal(modelSpec(carried, name)?.id, name, name);
  });

  test('a campaign row naming one is an unknown model, not a crash', () => {
    for (const name of HOSTILE_NAMES) {
      assert.deepEqual(Budget.worstCase(BUILTIN_CATALOG, costedRequest({ prompt: 'x', model: name })).unknown, [name]);
      const fallbacks = Budget.worstCase(BUILTIN_CATALOG, costedRequest({ prompt: 'x', fallback_models: [name] }));
      assert.deepEqual(fallbacks.unknown, [name]);
    }
  });

  test('a fallback request naming one is refused and recorded, never thrown', () => {
    for (const name of HOSTILE_NAMES) {
      const run = VideoRun.begin(parseGenerateVideoInput({ prompt: 'x', model: 'veo-3-1-fast' }), T0);
      run.configure({ catalog: BUILTIN_CATALOG, chain: ['veo-3-1-fast', 'wan-2-1'] });
      run.startAttempt(run.takeNextModel()!, T0);
      assert.match(run.checkFallback({ model: name }).problem ?? '', /unknown model/, name);
      assert.match(run.requestFallback({ model: name }, T0) ?? '', /unknown model/, name);
      assert.equal(run.fallbackRequested, undefined);
      assert.equal(run.progress(T0).rejected_requests.length, 1);
    }
  });
});
