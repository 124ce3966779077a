/**
 * Hostile manifests and results against the campaign's activities (a folder store, no Temporal):
 * rows measured in bytes, pages that never end early, caps on lines and records, strict UTF-8,
 * duplicated headers, line numbers after quoted CRLF cells, bounded failure messages, heartbeats by
 * time while bad rows are skipped, row prices in budgeted campaigns, and formulas in results.csv.
 */
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BUILTIN_CATALOG } from '../src/catalog';
import { createCampaignActivities, PAGE_BYTES, type CampaignActivityDependencies } from '../src/campaign/activities';
import { MAX_ROW_BYTES, problemList } from '../src/campaign/input';
import { readManifest, type RawRow } from '../src/campaign/manifest';
import { campaignKey, resultsPartKey } from '../src/campaign/results';
import { csvLine } from '../src/campaign/results-csv';
import { FolderStore, putText } from '../src/store';
import { notStartedRecord } from '../src/workflows/campaign-records';

async function rowsOf(body: Buffer | string, format: 'csv' | 'jsonl', maxRecordBytes?: number): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  const limits = maxRecordBytes ? { maxRecordBytes } : undefined;
  for await (const row of readManifest(Readable.from([Buffer.from(body)]), format, limits)) rows.push(row);
  return rows;
}
const problems = (rows: RawRow[]) => rows.flatMap((r) => ('problem' in r ? [r.problem] : []));

describe('campaign input rules', () => {
  let dir: string;
  let store: FolderStore;
  const activities = (deps: Partial<CampaignActivityDependencies> = {}) =>
    createCampaignActivities({ store, catalog: async () => BUILTIN_CATALOG, heartbeat: () => undefined, ...deps });
  let manifests = 0;
  /** Prepare a campaign from this manifest text; the InvalidInput failure, if it is refused. */
  async function prepare(body: Buffer | string, format: 'csv' | 'jsonl', extra: object = {}) {
    const key = `manifests/m${++manifests}.${format}`;
    await store.put(key, Readable.from([Buffer.from(body)]), { contentType: 'text/plain' });
    return activities(extra).prepareCampaign({
      campaign_id: `rules-${manifests}`,
      manifest: { uri: key },
      budgeted: false,
      ...extra,
    });
  }
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('expected InvalidInput'),
      (error: ApplicationFailure) => {
        assert.equal(error.type, 'InvalidInput');
        return error.message;
      },
    );

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'campaign-rules-'));
    store = new FolderStore(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a row is measured in UTF-8 bytes: 55,000 CJK characters are over the cap, not under it', async () => {
    const wide = '漢'.repeat(55_000); // 55,000 UTF-16 units, 165,000 bytes: more than a page
    const message = await refusal(prepare(`${JSON.stringify({ prompt: 'p', prices: { [wide]: 1 } })}\n`, 'jsonl'));
    assert.match(message, new RegExp(`over ${MAX_ROW_BYTES} \\(pass images`));
  });

  test('a row larger than a page is read whole, never taken for the end of the rows file', async () => {
    const big = { i: 0, id: 'big', line: 1, attempt: 1, request: { prompt: 'x'.repeat(PAGE_BYTES + 10) } };
    const small = { i: 1, id: 'small', line: 2, attempt: 1, request: { prompt: 'y' } };
    await putText(store, 'rows/big.jsonl', `${JSON.stringify(big)}\n${JSON.stringify(small)}\n`, 'text/plain');
    const page = await activities().readCampaignRows({ key: 'rows/big.jsonl', offset: 0, max_rows: 10 });
    assert.deepEqual(
      page.map((r) => r.id),
      ['big', 'small'],
    );
    const end = await activities().readCampaignRows({ key: 'rows/big.jsonl', offset: page[1].end, max_rows: 10 });
    assert.deepEqual(end, [], 'only the end of the file is an empty page');
  });

  test('CSV line numbers stay right after quoted multi-line cells with CRLF endings', async () => {
    const rows = await rowsOf('id,prompt\r\na,"two\r\nlines"\r\nb,"x\r\ny\r\nz"\r\nc,plain\r\n', 'csv');
    assert.deepEqual(
      rows.map((r) => r.line),
      [3, 6, 7],
    );
  });

  test('a CSV header that names a column twice is refused, not read as its last column', async () => {
    const rows = await rowsOf('id,prompt,prompt\na,first,second\n', 'csv');
    assert.match(problems(rows)[0], /^line 1: .*"prompt" twice/);
  });

  test('bytes that are not UTF-8 are a problem in either format, never U+FFFD', async () => {
    const latin1 = Buffer.from('id,prompt\na,caf\xe9\n', 'latin1');
    assert.match(problems(await rowsOf(latin1, 'csv'))[0], /not UTF-8/);
    const jsonl = Buffer.concat([Buffer.from('{"prompt":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    assert.deepEqual(problems(await rowsOf(jsonl, 'jsonl')), ['line 1: not UTF-8 text']);
    // A character split across chunks is still UTF-8.
    const split = Buffer.from('id,prompt\na,café\n');
    const chunks = [split.subarray(0, split.length - 2), split.subarray(split.length - 2)];
    const rows: RawRow[] = [];
    for await (const row of readManifest(Readable.from(chunks), 'csv')) rows.push(row);
    assert.deepEqual(rows, [{ line: 2, fields: { id: 'a', prompt: 'café' } }]);
  });

  test('lines and records are capped: an endless line or an unclosed quote stops the reading', async () => {
    const endless = `{"prompt":"${'a'.repeat(5000)}`;
    assert.match(problems(await rowsOf(`{"prompt":"ok"}\n${endless}`, 'jsonl', 1000))[0], /^line 2: longer than 1000/);
    const unclosed = `id,prompt\na,"${'b'.repeat(5000)}`;
    const rows = await rowsOf(unclosed, 'csv', 1000);
    assert.equal(problems(rows).length, 1);
    assert.match(problems(rows)[0], /^line 2: .*max_record_size|^line 2: .*1000/i);
  });

  test('the failure for 50,000 unknown columns stays small', async () => {
    const columns = Array.from({ length: 50_000 }, (_, i) => `c${i}`);
    const body = `prompt,${columns.join(',')}\np,${columns.map(() => 'x').join(',')}\n`;
    const message = await refusal(prepare(body, 'csv', { manifestLimits: { maxRecordBytes: 4 * 1024 * 1024 } }));
    assert.ok(message.length < 8 * 1024, `${message.length} characters`);
  });

  test('any list of problems gives a bounded message that says how many more there are (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 5000 }), { maxLength: 200 }), (list) => {
        const text = problemList(list);
        assert.ok(text.length <= 10 * 504 + 2 * 9 + 30, `${text.length}`);
        if (list.length > 10) assert.ok(text.endsWith(` (and ${list.length - 10} more)`));
      }),
    );
  });

  test('skipping thousands of invalid rows heartbeats by time', async () => {
    let clock = 0;
    let beats = 0;
    const bad = Array.from({ length: 3000 }, () => 'not json').join('\n');
    await refusal(
      prepare(bad, 'jsonl', {
        heartbeat: () => void (beats += 1),
        now: () => (clock += 10), // 10 ms a row: 30 s of reading
      }),
    );
    assert.ok(beats >= 10, `${beats} heartbeats`);
  });

  test("a budgeted campaign refuses a row's own prices before anything is spent", async () => {
    const row = JSON.stringify({ prompt: 'p', model: 'veo-3-1', prices: { 'veo-3-1': 0 } });
    const message = await refusal(prepare(`${row}\n`, 'jsonl', { budgeted: true }));
    assert.match(message, /"prices" belongs to the campaign/);
  });

  test('results.csv shows formulas as text, for any cell (property)', async () => {
    const row = { i: 0, id: 'f', line: 2, attempt: 1, request: { prompt: '=HYPERLINK("http://evil.example","x")' } };
    const record = { ...notStartedRecord(row, 'skipped', '+cmd|/c calc', 0) };
    await putText(store, resultsPartKey('formulas', 0, 0), `${JSON.stringify(record)}\n`, 'application/x-ndjson');
    const outputs = await activities().compileCampaignResults({ campaign_id: 'formulas', list_rows_up_to: 0 });
    const csv = (await store.read(campaignKey('formulas', 'results.csv'), 1024 * 1024)).toString('utf8');
    assert.ok(outputs.results_csv.endsWith('results.csv'));
    const [parsed] = parse(csv, { columns: true }) as Record<string, string>[];
    assert.equal(parsed.prompt, `'${row.request.prompt}`);
    assert.equal(parsed.failure_message, "'+cmd|/c calc");
    fc.assert(
      fc.property(fc.string(), (cell) => {
        const back = (parse(csvLine([cell])) as string[][])[0]?.[0] ?? ''; // an empty line parses to no record
        const live = /^[=+\-@\t\r]/.test(cell);
        assert.equal(back, live ? `'${cell}` : cell);
      }),
    );
  });
});
