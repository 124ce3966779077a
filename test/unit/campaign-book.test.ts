/** CampaignBook: the campaign's state and its named transitions, without a server. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { PagedRow } from '../../src/campaign/activities';
import { CampaignBook } from '../../src/workflows/campaign-book';
import { notStartedRecord, skippedForBudget } from '../../src/workflows/campaign-records';

const row = (i: number): PagedRow => ({
  i,
  id: `r${i}`,
  line: i + 2,
  attempt: 1,
  request: { prompt: `p${i}` },
  end: 100 * (i + 1),
});
const ended = (i: number, status: 'succeeded' | 'failed' = 'succeeded', credits = 0) => ({
  ...skippedForBudget(row(i), 0, 0),
  status,
  credits,
});

function prepared(total: number, maxCredits?: number): CampaignBook {
  const book = new CampaignBook(CampaignBook.fresh(0), maxCredits, 0);
  book.prepared('rows', total);
  return book;
}

describe('CampaignBook', () => {
  test('rows in hand are taken one by one; the pass moves past each', () => {
    const book = prepared(3);
    assert.equal(book.rowsRead([row(0), row(1)]), true);
    assert.equal(book.rowInHand()?.id, 'r0');
    book.take();
    assert.deepEqual(book.pass, { key: 'rows', offset: 100, total: 3, taken: 1, retry: false });
    book.take();
    assert.equal(book.rowInHand(), undefined);
    assert.equal(book.passDone, false);
  });

  test('an empty page before the end of the pass is a lost row, never the end', () => {
    const book = prepared(3);
    assert.equal(book.rowsRead([]), false);
    const done = prepared(0);
    assert.equal(done.rowsRead([]), true);
  });

  test('the window and the budget: a launched row holds its reservation until it ends', () => {
    const book = prepared(2, 500);
    book.rowsRead([row(0), row(1)]);
    book.launched(book.take(), 220);
    book.launched(book.take(), 220);
    assert.equal(book.running, 2);
    assert.equal(book.hasRoom(2), false);
    assert.equal(book.budget.fits(61), false);
    book.rowEnded(ended(0, 'succeeded', 180), 1);
    assert.equal(book.running, 1);
    assert.equal(book.progress(60_000).credits_estimated, 400);
    assert.equal(book.carried().credits_spent, 180, 'what was spent crosses continue-as-new');
  });

  test('pause and cancel close the window; a cancel reason is kept once', () => {
    const book = prepared(2);
    book.pause();
    assert.equal(book.hasRoom(5), false);
    book.resume();
    assert.equal(book.hasRoom(5), true);
    book.requestCancel({ reason: 'first' });
    book.requestCancel({ reason: 'second' });
    assert.equal(book.cancelReason, 'first');
    assert.equal(book.ending(), 'cancelled');
  });

  test('results are handed out in numbered parts, by count or age', () => {
    const book = prepared(200);
    for (let i = 0; i < 99; i++) book.rowEnded(skippedForBudget(row(i), 1, 0), 0);
    assert.equal(book.takeRecords(1000), undefined, 'not yet: 99 records, young');
    book.rowEnded(skippedForBudget(row(99), 1, 0), 0);
    const first = book.takeRecords(1000);
    assert.equal(first?.part, 0);
    assert.equal(first?.records.length, 100);
    book.rowEnded(skippedForBudget(row(100), 1, 0), 2000);
    assert.equal(book.takeRecords(3000), undefined);
    assert.equal(book.takeRecords(62_000)?.part, 1, 'a minute old: written');
  });

  test('progress: counts, rate and ETA from this run', () => {
    const book = prepared(10);
    book.rowsRead([0, 1, 2, 3].map(row));
    for (let i = 0; i < 4; i++) {
      book.take();
      book.rowEnded(ended(i), 0);
    }
    const p = book.progress(60_000);
    assert.equal(p.succeeded, 4);
    assert.equal(p.status, 'running');
    assert.equal(p.rate_per_minute, 4);
    assert.equal(p.eta_ms, 90_000, 'six rows left at four a minute');
  });

  test('a retry pass takes its rows out of failed; an abandoned one gives back those it never started', () => {
    const book = prepared(3);
    book.rowsRead([0, 1, 2].map(row));
    for (let i = 0; i < 3; i++) book.rowEnded(ended(book.take().i, 'failed'), 0);
    book.requestRetry();
    assert.equal(book.retryRequested, true);
    book.beginRetryPass('retries', 3);
    assert.equal(book.retryRequested, false);
    assert.equal(book.unaccounted(), 3);
    book.rowsRead([row(0)]);
    book.launched(book.take(), 0);
    book.rowEnded(ended(0), 0);
    book.requestCancel(undefined);
    book.retryPassAbandoned();
    assert.equal(book.unaccounted(), 0, 'every row still has a result');
    assert.equal(book.progress(1).failed, 2);
  });

  test('every prepared row is accounted for once each has ended, whatever the mix (property)', () => {
    const outcome = fc.constantFrom('succeeded', 'failed', 'cancelled', 'skipped_budget', 'skipped', 'lost');
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 50 }), (outcomes) => {
        const book = prepared(outcomes.length);
        book.rowsRead(outcomes.map((_, i) => row(i)));
        let lost = 0;
        outcomes.forEach((status) => {
          const taken = book.take();
          if (status === 'lost') lost += 1;
          else if (status === 'skipped' || status === 'skipped_budget') {
            book.rowEnded(notStartedRecord(taken, status, 'why', 0), 0);
          } else {
            book.launched(taken, 0);
            book.rowEnded({ ...notStartedRecord(taken, 'skipped', '', 0), status }, 0);
          }
        });
        assert.equal(book.unaccounted(), lost);
        assert.equal(book.passDone, true);
      }),
    );
  });

  test('a run continues as new after enough children or history', () => {
    const book = prepared(2000);
    assert.equal(book.dueForNewRun({ length: 100, suggested: false }), false);
    assert.equal(book.dueForNewRun({ length: 100, suggested: true }), true);
    assert.equal(book.dueForNewRun({ length: 9000, suggested: false }), true);
  });
});
