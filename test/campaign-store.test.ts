/**
 * The campaign's activities against both stores (a folder, and S3 through s3rver on loopback): a
 * manifest validated into rows, paged by byte offset, results written in parts (a rewritten part
 * never duplicates a row), gathered into results.jsonl / results.csv and the gallery, rows to retry.
 * No Temporal here: these are the activities' dealings with storage, called directly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUILTIN_CATALOG } from '../src/catalog';
import { createCampaignActivities } from '../src/campaign/activities';
import { campaignKey, resultsPartKey, type CampaignResultRow } from '../src/campaign/results';
import { FolderStore, putText, type VideoStore } from '../src/store';
import { S3Store } from '../src/store/s3';
import { localS3Client, startLocalS3, type LocalS3 } from './helpers/s3rver';

const text = async (store: VideoStore, key: string) => (await store.read(key, 10 * 1024 * 1024)).toString('utf8');

function storeCases(): { name: string; open(): Promise<VideoStore>; close(): Promise<void> }[] {
  let dir = '';
  let s3: LocalS3 | undefined;
  return [
    {
      name: 'folder',
      async open() {
        dir = mkdtempSync(join(tmpdir(), 'campaign-store-'));
        return new FolderStore(dir);
      },
      async close() {
        rmSync(dir, { recursive: true, force: true });
      },
    },
    {
      name: 's3',
      async open() {
        s3 = await startLocalS3();
        const client = localS3Client(s3);
        return new S3Store(client, { bucket: s3.bucket, prefix: 'team' });
      },
      async close() {
        await s3?.close();
      },
    },
  ];
}

for (const kind of storeCases()) {
  describe(`campaign files in a ${kind.name} store`, () => {
    let store: VideoStore;
    const activities = () =>
      createCampaignActivities({ store, catalog: async () => BUILTIN_CATALOG, heartbeat: () => undefined });
    before(async () => {
      store = await kind.open();
    });
    after(() => kind.close());

    test('a manifest becomes validated rows, read back page by page by byte offset', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => `{"id":"r${i}","prompt":"row ${i} ${'é'.repeat(i)}"}`);
      const manifest = await putText(store, 'uploads/rows.jsonl', `${rows.join('\n')}\n`, 'application/x-ndjson');
      const prepared = await activities().prepareCampaign({
        campaign_id: 'c1',
        manifest: { uri: manifest.uri },
        defaults: { model: 'wan-2-1' },
        budgeted: false,
      });
      assert.equal(prepared.total, 25);
      const seen: string[] = [];
      let offset = 0;
      for (;;) {
        const page = await activities().readCampaignRows({ key: prepared.rows_key, offset, max_rows: 7 });
        if (!page.length) break;
        assert.ok(page.length <= 7);
        seen.push(...page.map((r) => r.id));
        offset = page.at(-1)!.end;
        assert.equal(page[0].request.model, 'wan-2-1', 'defaults merged in');
      }
      assert.deepEqual(
        seen,
        rows.map((_, i) => `r${i}`),
      );
    });

    test('a manifest outside the store, or missing, is InvalidInput', async () => {
      await assert.rejects(
        activities().prepareCampaign({ campaign_id: 'c2', manifest: { uri: 'uploads/none.csv' }, budgeted: false }),
        (e: Error & { type?: string }) => e.type === 'InvalidInput' && /cannot be read/.test(e.message),
      );
      const elsewhere = kind.name === 'folder' ? 'file:///etc/passwd.csv' : 's3://another-bucket/rows.csv';
      await assert.rejects(
        activities().prepareCampaign({ campaign_id: 'c2', manifest: { uri: elsewhere }, budgeted: false }),
        (e: Error & { type?: string }) => e.type === 'InvalidInput' && /not in the workers' store/.test(e.message),
      );
    });

    test('results parts gather into results.jsonl, results.csv and the gallery; rewriting a part adds nothing', async () => {
      const record = (i: number, attempt: number, status: CampaignResultRow['status']): CampaignResultRow => ({
        id: `r${i}`,
        i,
        line: i + 2,
        attempt,
        status,
        ...(status === 'failed' ? { failure_type: 'ProviderFailed', failure_message: 'GPU fell over' } : {}),
        credits: 40,
        attempts: 1,
        prompt: `row ${i}, "quoted"`,
        finished_at: new Date(0).toISOString(),
      });
      const write = (part: number, records: CampaignResultRow[]) =>
        activities().writeCampaignResults({ key: resultsPartKey('c3', 1000, part), records });
      await write(0, [record(0, 1, 'succeeded'), record(1, 1, 'failed')]);
      await write(0, [record(0, 1, 'succeeded'), record(1, 1, 'failed')]); // a retried write
      await write(1, [record(2, 1, 'failed'), record(3, 1, 'skipped_budget')]);
      await putText(
        store,
        campaignKey('c3', 'rows.jsonl'),
        [0, 1, 2, 3]
          .map((i) => JSON.stringify({ i, id: `r${i}`, line: i + 2, attempt: 1, request: { prompt: `row ${i}` } }))
          .join('\n') + '\n',
        'application/x-ndjson',
      );
      const retry = await activities().collectRetryRows({
        campaign_id: 'c3',
        rows_key: campaignKey('c3', 'rows.jsonl'),
        retry_key: campaignKey('c3', 'retries/1.jsonl'),
      });
      assert.equal(retry.total, 2, 'the two failed rows');
      assert.equal(retry.rows_total, 4);
      assert.deepEqual(
        (await text(store, retry.key))
          .trim()
          .split('\n')
          .map((l) => [JSON.parse(l).id, JSON.parse(l).attempt]),
        [
          ['r1', 2],
          ['r2', 2],
        ],
      );
      await write(2, [record(1, 2, 'succeeded')]);
      const outputs = await activities().compileCampaignResults({ campaign_id: 'c3', list_rows_up_to: 10 });
      const jsonl = (await text(store, campaignKey('c3', 'results.jsonl'))).trim().split('\n');
      assert.equal(jsonl.length, 5, 'four first attempts and one retry, none twice');
      const csv = (await text(store, campaignKey('c3', 'results.csv'))).trim().split('\n');
      assert.equal(csv.length, 6);
      assert.match(csv[1], /"row 0, ""quoted"""/);
      assert.deepEqual(outputs.totals, {
        rows: 4,
        succeeded: 2,
        failed: 1,
        cancelled: 0,
        skipped_budget: 1,
        skipped: 0,
        credits: 200,
      });
      assert.deepEqual(
        outputs.rows?.map((r) => [r.id, r.status, r.attempt]),
        [
          ['r0', 'succeeded', 1],
          ['r1', 'succeeded', 2],
          ['r2', 'failed', 1],
          ['r3', 'skipped_budget', 1],
        ],
      );
      const html = await text(store, campaignKey('c3', 'index.html'));
      assert.equal(html.match(/<figure class="tile/g)?.length, 4);
      assert.match(html, /ProviderFailed/);
      assert.ok(outputs.gallery.endsWith('campaigns/c3/index.html'));
    });
  });
}
