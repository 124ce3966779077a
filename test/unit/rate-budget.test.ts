/** The gateway request budget: turns in order, a burst at most, never a negative budget. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateBudget } from '../../src/gateway/rate-budget';

describe('rate budget', () => {
  test('refuses a budget that is not positive', () => {
    assert.throws(() => new RateBudget(0), RangeError);
    assert.throws(() => new RateBudget(-1), RangeError);
  });

  test('requests go in the order they asked, the burst at once and the rest after', async () => {
    const budget = new RateBudget(50, 3);
    const order: number[] = [];
    let immediate = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        budget.acquire().then(() => {
          order.push(i);
          if (order.length <= 3) immediate += 1;
        }),
      ),
    );
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    assert.equal(immediate, 3);
  });
});
