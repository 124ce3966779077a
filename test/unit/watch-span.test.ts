/** A watch always has room for its first check, however long the poll interval (up to the deadline). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WATCH_MAX_MS, watchSpanMs } from '../../src/workflows/video-activities';

test('a watch runs at least one poll interval, at most until the deadline', () => {
  for (const interval of [100, 5_000, WATCH_MAX_MS, 4 * 60_000, 10 * 60_000]) {
    const span = watchSpanMs(interval, 3_600_000);
    assert.ok(span >= interval, `interval ${interval}: span ${span} leaves no room for the first check`);
    assert.ok(span >= WATCH_MAX_MS);
  }
  assert.equal(watchSpanMs(10 * 60_000, 30_000), 30_000, 'never past the deadline');
});
