/** Campaign rules without a server: CSV cells, row checks, the worst case, the books. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BUILTIN_CATALOG } from '../../src/catalog';
import { budgetProblem, campaignInputProblems, checkRow, isRetryable } from '../../src/campaign/input';
import { cellValue, readManifest, type RawRow } from '../../src/campaign/manifest';
import { csvLine } from '../../src/campaign/results-csv';
import { Budget, costedRequest } from '../../src/workflows/budget';

async function rowsOf(text: string, format: 'csv' | 'jsonl'): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of readManifest(Readable.from([Buffer.from(text)]), format)) rows.push(row);
  return rows;
}

describe('manifests', () => {
  test('CSV cells take the type of their GenerateVideo field', () => {
    assert.equal(cellValue('duration_seconds', '8'), 8);
    assert.equal(cellValue('duration_seconds', 'eight'), 'eight', 'left as text for the schema to refuse');
    assert.deepEqual(cellValue('fallback_models', 'veo-3-1| wan-2-1'), ['veo-3-1', 'wan-2-1']);
    assert.deepEqual(cellValue('prices', '{"grok-video": 60}'), { 'grok-video': 60 });
    assert.equal(cellValue('prompt', '42'), '42', 'text fields stay text');
    assert.equal(cellValue('poll_interval', '5s'), '5s');
  });

  test('CSV rows carry the line they end on; quoted newlines and empty cells are handled', async () => {
    const rows = await rowsOf('id,prompt,n\r\na,"two\nlines",2\r\nb,plain,\r\n', 'csv');
    assert.deepEqual(rows, [
      { line: 3, fields: { id: 'a', prompt: 'two\nlines', n: 2 } },
      { line: 4, fields: { id: 'b', prompt: 'plain' } },
    ]);
  });

  test('a malformed CSV is a problem with its line', async () => {
    const rows = await rowsOf('id,prompt\na,fine\nb,too,many\n', 'csv');
    // The parser stops at the bad line; what it says names that line.
    assert.match((rows.at(-1) as { problem: string }).problem, /^line 3/);
  });

  test('JSONL: blank lines skipped, bad lines named', async () => {
    const rows = await rowsOf('{"prompt":"a"}\n\nnot json\n[1]\n', 'jsonl');
    assert.deepEqual(rows[0], { line: 1, fields: { prompt: 'a' } });
    assert.match((rows[1] as { problem: string }).problem, /^line 3: not JSON/);
    assert.match((rows[2] as { problem: string }).problem, /^line 4: expected a JSON object/);
  });

  test('csvLine quotes what needs quoting', () => {
    assert.equal(csvLine(['a', 'b,c', 'say "hi"', undefined, 3]), 'a,"b,c","say ""hi""",,3');
  });
});

/** The worst case at the built-in catalog's prices: its credits, or everything when some are unknown. */
function worstCase(request: Parameters<typeof costedRequest>[0]) {
  const full = Budget.worstCase(BUILTIN_CATALOG, costedRequest(request));
  return full.unpriced.length || full.unknown.length ? full : full.credits;
}

describe('rows', () => {
  test('a row merges over the defaults and is checked; problems name the line and id', () => {
    const ok = checkRow({ id: 'x', prompt: 'p' }, { model: 'wan-2-1' }, { i: 0, line: 2 });
    assert.ok('row' in ok && ok.row.request.model === 'wan-2-1' && ok.row.attempt === 1);
    const bad = checkRow({ id: 'y', prompt: 'p', duration_seconds: -1 }, undefined, { i: 1, line: 3 });
    assert.ok('problem' in bad && /^line 3 \(id y\): duration_seconds/.test(bad.problem));
    const badId = checkRow({ id: 'a b', prompt: 'p' }, undefined, { i: 2, line: 4 });
    assert.ok('problem' in badId && /id must be/.test(badId.problem));
  });

  test("a row's video watches from an activity unless the defaults or the row say otherwise", () => {
    const mode = (defaults: Record<string, unknown> | undefined, fields: Record<string, unknown> = {}) => {
      const checked = checkRow({ id: 'x', prompt: 'p', ...fields }, defaults, { i: 0, line: 2 });
      assert.ok('row' in checked);
      return checked.row.request.poll_mode;
    };
    assert.equal(mode(undefined), 'activity');
    assert.equal(mode({ poll_mode: 'timer' }), 'timer');
    assert.equal(mode({ poll_mode: 'timer' }, { poll_mode: 'activity' }), 'activity');
    assert.equal(mode(undefined, { poll_mode: 'timer' }), 'timer');
  });

  test('inline inputs are checked where the caller is: one source, rows, duplicates', () => {
    assert.deepEqual(campaignInputProblems({ videos: [{ prompt: 'a' }] }), []);
    assert.match(campaignInputProblems({})[0], /either manifest or videos/);
    const problems = campaignInputProblems({
      videos: [
        { id: 'a', prompt: 'x' },
        { id: 'a', prompt: 'y' },
      ],
    });
    assert.match(problems[0], /row 2: duplicate id "a"/);
  });

  test('the worst case adds up every model the chain could pay for, fitted and times n', () => {
    // wan-2-1 40 + veo-3-1 180 for a 4 s 720p clip; n = 2 doubles both.
    const request = { prompt: 'p', model: 'wan-2-1', fallback_models: ['veo-3-1'], n: 2 };
    assert.equal(worstCase(request), 440);
    // 8 s on veo-3-1 is two clips; wan-2-1 (max 6 s) is fitted to 6 s: two clips as well.
    const long = worstCase({
      prompt: 'p',
      model: 'veo-3-1',
      duration_seconds: 8,
      fallback_models: ['wan-2-1'],
    });
    assert.equal(long, 360 + 80);
  });

  test("unpriced models are refused only with a budget, and the campaign's price fixes it", () => {
    const row = { i: 0, id: 'g', line: 2, attempt: 1, request: { prompt: 'p', model: 'grok-video' } };
    assert.equal(budgetProblem(BUILTIN_CATALOG, row, false), undefined);
    assert.match(budgetProblem(BUILTIN_CATALOG, row, true)!, /grok-video has no price/);
    const campaignPriced = Budget.priced(BUILTIN_CATALOG, { 'grok-video': 50 });
    assert.equal(budgetProblem(campaignPriced, row, true), undefined);
    assert.equal(Budget.worstCase(campaignPriced, costedRequest(row.request)).credits, 50);
  });

  test("with a budget a row's own prices are refused: it may not lower (or set) a price", () => {
    const request = { prompt: 'p', model: 'veo-3-1', prices: { 'veo-3-1': 0 } };
    const row = { i: 0, id: 'cheap', line: 2, attempt: 1, request };
    assert.match(budgetProblem(BUILTIN_CATALOG, row, true)!, /"prices" belongs to the campaign/);
    assert.equal(budgetProblem(BUILTIN_CATALOG, row, false), undefined, "without a budget it is the row's affair");
    assert.equal(worstCase(request), 180, 'the worst case reads the catalog, never the row');
  });

  test('retryable failures: not a refusal, not bad input', () => {
    assert.equal(isRetryable('ProviderFailed'), true);
    assert.equal(isRetryable('QuotaExceeded'), true);
    assert.equal(isRetryable('SafetyRefusal'), false);
    assert.equal(isRetryable('InvalidInput'), false);
  });
});
