/** The Budget: reserve, release, fits, the worst case and the child's cap, without a server. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BUILTIN_CATALOG } from '../../src/catalog';
import { Budget, costedRequest } from '../../src/workflows/budget';
import { childRequest } from '../../src/workflows/campaign-children';

const MODELS = Object.keys(BUILTIN_CATALOG);

describe('Budget', () => {
  test('a row is costed as the child will read it: trimmed like the schema trims it', () => {
    const padded = Budget.worstCase(
      BUILTIN_CATALOG,
      costedRequest({ prompt: 'x', model: ' veo-3-1 ', resolution: ' 4k' }),
    );
    const plain = Budget.worstCase(BUILTIN_CATALOG, costedRequest({ prompt: 'x', model: 'veo-3-1', resolution: '4k' }));
    assert.deepEqual(padded, plain);
    assert.deepEqual(padded.unknown, []);
  });

  test('reservations count until the row ends; then only what it spent does', () => {
    const budget = new Budget(500);
    budget.reserve(0, 220);
    budget.reserve(1, 220);
    assert.equal(budget.fits(60), true);
    assert.equal(budget.fits(61), false);
    budget.release(0, 180);
    assert.equal(budget.reserved, 220);
    assert.equal(budget.spent, 180);
    assert.equal(budget.fits(100), true);
    assert.equal(new Budget(undefined).fits(Number.MAX_SAFE_INTEGER), true, 'no budget: everything fits');
  });

  test('a row reserving only what fits never takes the campaign past max_credits, whatever it then spends', () => {
    // Rows reserve their worst case and spend at most their cap (the reservation): a property over any mix.
    const rows = fc.array(fc.record({ worst: fc.nat(400), spentShare: fc.double({ min: 0, max: 1, noNaN: true }) }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), rows, fc.nat(5), (max, list, window) => {
        const budget = new Budget(max);
        const running: { i: number; cap: number; share: number }[] = [];
        list.forEach((row, i) => {
          if (running.length > window) {
            const ended = running.shift()!;
            budget.release(ended.i, Math.floor(ended.cap * ended.share));
          }
          if (!budget.fits(row.worst)) return;
          budget.reserve(i, row.worst);
          running.push({ i, cap: budget.capFor(row.worst, undefined)!, share: row.spentShare });
          assert.ok(budget.spent + budget.reserved <= max);
        });
        for (const ended of running) budget.release(ended.i, Math.floor(ended.cap * ended.share));
        assert.ok(budget.spent <= max, `${budget.spent} > ${max}`);
      }),
    );
  });

  test("a video's submits are refused past its cap, and unpriced models cannot be held", () => {
    const budget = new Budget(200, 180);
    assert.equal(budget.submitProblem('wan-2-1', 20), undefined);
    assert.match(budget.submitProblem('wan-2-1', 40)!, /passes max_credits 200/);
    assert.match(budget.submitProblem('grok-video', null)!, /no published price/);
    assert.equal(new Budget(undefined, 1e9).submitProblem('grok-video', null), undefined, 'no cap, no problem');
  });

  test("the child's cap is its reservation, or its own when lower; no budget leaves its own", () => {
    assert.equal(new Budget(1000).capFor(220, undefined), 220);
    assert.equal(new Budget(1000).capFor(220, 100), 100);
    assert.equal(new Budget(1000).capFor(220, 300), 220);
    assert.equal(new Budget(undefined).capFor(220, 300), 300);
    assert.equal(new Budget(undefined).capFor(220, undefined), undefined);
  });

  test('the worst case never reads a row price: no row price lowers it (property)', () => {
    const prices = fc.dictionary(fc.constantFrom(...MODELS, 'constructor', '__proto__'), fc.nat(1000));
    const request = fc.record({
      prompt: fc.constant('p'),
      model: fc.constantFrom(...MODELS.filter((m) => BUILTIN_CATALOG[m].credits_per_4s_720p !== null)),
      fallback_models: fc.subarray(MODELS),
      n: fc.integer({ min: 1, max: 4 }),
      duration_seconds: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(request, prices, (req, rowPrices) => {
        const plain = Budget.worstCase(BUILTIN_CATALOG, costedRequest(req));
        const withRowPrices = Budget.worstCase(BUILTIN_CATALOG, costedRequest({ ...req, prices: rowPrices }));
        assert.deepEqual(withRowPrices, plain);
      }),
    );
  });

  test("a budgeted campaign's child gets the campaign's prices, never the row's, and a cap", () => {
    const row = { prompt: 'p', model: 'veo-3-1', prices: { 'veo-3-1': 0 }, max_credits: 500 };
    const budgeted = childRequest(row, new Budget(1000), 180, { 'grok-video': 60 });
    assert.deepEqual(budgeted.prices, { 'grok-video': 60 });
    assert.equal(budgeted.max_credits, 180);
    const open = childRequest(row, new Budget(undefined), 0, { 'grok-video': 60 });
    assert.deepEqual(open.prices, { 'grok-video': 60, 'veo-3-1': 0 }, 'no budget: the row may price its own video');
    assert.equal(open.max_credits, 500);
  });

  test('models the catalog does not know are unknown, even names every object answers to', () => {
    const worst = Budget.worstCase(BUILTIN_CATALOG, { model: 'constructor', fallback_models: ['toString'] });
    assert.deepEqual(worst.unknown, ['constructor', 'toString']);
  });
});
