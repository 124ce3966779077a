/**
 * The campaign's row activities: validate a manifest into a rows file, page through it, record the
 * rows a cancelled campaign never started, and gather the rows a retry runs again.
 */
import { invalidInput } from '../failures';
import { Budget } from '../workflows/budget';
import { notStartedRecord } from '../workflows/campaign-records';
import type { Catalog } from '../catalog';
import { checkRows } from './check';
import { SKIPPED_PER_PART, type CampaignFiles, type PageInput } from './files';
import { isRetryable, PROBLEMS_SHOWN, problemList, type CampaignRow } from './input';
import type { PrepareCampaignInput, PreparedCampaign, RetryRows, RetryRowsInput, SkipRowsInput } from './activities';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { campaignKey, resultsPartKey } from './results';

export function createRowActivities(files: CampaignFiles, catalogOf: () => Promise<Catalog>) {
  return {
    /**
     * Validate every row (the manifest's, or the inline ones) over the defaults, against the schema,
     * the catalog and the budget, and keep them in the store as one JSON per line. An invalid
     * manifest fails with InvalidInput naming the first problems by line, and nothing is written.
     */
    async prepareCampaign(input: PrepareCampaignInput): Promise<PreparedCampaign> {
      const heartbeat = files.pacedHeartbeat();
      const catalog = Budget.priced(await catalogOf(), input.prices);
      const rowsKey = campaignKey(input.campaign_id, 'rows.jsonl');
      const out = files.lineWriter(rowsKey);
      let checked: Awaited<ReturnType<typeof checkRows>>;
      try {
        const options = {
          defaults: input.defaults,
          catalog,
          budgeted: input.budgeted,
          rowRunner: input.row_runner,
          problemsShown: PROBLEMS_SHOWN,
          onRow: heartbeat, // by time, valid rows or not: a large bad manifest fails, it does not time out
        };
        checked = await checkRows(files.sourceRows(input), options, (row) => out.write(JSON.stringify(row)));
      } catch (error) {
        out.abort(error as Error);
        throw error;
      }
      const { problems, problem_count: problemCount, valid: total } = checked;
      if (problemCount) {
        out.abort(new Error('invalid manifest'));
        throw invalidInput(
          `${problemCount} invalid row(s), nothing was started: ${problemList(problems, problemCount)}`,
        );
      }
      await out.end();
      return { rows_key: rowsKey, total };
    },

    /** One page of validated rows, by byte offset; an empty page means the end of the file. */
    readCampaignRows: (input: PageInput) => files.page(input),

    /** Records every row from `offset` on as not started (a cancelled campaign); returns the parts used. */
    async skipCampaignRows(input: SkipRowsInput): Promise<{ parts: number; count: number }> {
      const heartbeat = files.pacedHeartbeat();
      let offset = input.offset;
      let parts = 0;
      let count = 0;
      for (;;) {
        const rows = await files.page({ key: input.key, offset, max_rows: SKIPPED_PER_PART });
        if (!rows.length) break;
        const now = Date.now();
        const records = rows.map((row) => notStartedRecord(row, input.status, input.reason, now));
        const key = resultsPartKey(input.campaign_id, input.execution_start_ms, input.first_part + parts);
        await files.writeRecords(key, records);
        parts += 1;
        count += rows.length;
        offset = rows[rows.length - 1].end;
        heartbeat({ count });
      }
      return { parts, count };
    },

    /**
     * The rows whose latest attempt failed with a failure a retry can fix (not SafetyRefusal, not
     * InvalidInput), written as a rows file of their own with the next attempt number.
     */
    async collectRetryRows(input: RetryRowsInput): Promise<RetryRows> {
      const { latest, credits } = await files.scanResults(input.campaign_id);
      const retry = new Map<number, Pick<CampaignRow, 'attempt' | 'mirror'>>();
      for (const record of latest.values()) {
        if (record.status !== 'failed' || !isRetryable(record.failure_type)) continue;
        // A video made but not mirrored is mirrored again from its job before anything is paid.
        const mirror = record.finished_job_id ? { job_id: record.finished_job_id, model: record.model } : undefined;
        retry.set(record.i, { attempt: record.attempt + 1, ...(mirror ? { mirror } : {}) });
      }
      const out = files.lineWriter(input.retry_key);
      let total = 0;
      let rowsTotal = 0;
      try {
        let rows: Readable;
        try {
          rows = await files.store.open(input.rows_key);
        } catch (error) {
          throw invalidInput(`this campaign has no rows to retry (${(error as Error).message})`);
        }
        const heartbeat = files.pacedHeartbeat();
        for await (const line of createInterface({ input: rows, crlfDelay: Infinity })) {
          heartbeat({ rows: rowsTotal });
          if (!line.trim()) continue;
          rowsTotal += 1;
          const row = JSON.parse(line) as CampaignRow;
          const again = retry.get(row.i);
          if (again === undefined) continue;
          await out.write(JSON.stringify({ ...row, ...again }));
          total += 1;
        }
      } catch (error) {
        out.abort(error as Error);
        throw error;
      }
      await out.end();
      return { key: input.retry_key, total, rows_total: rowsTotal, totals: files.totalsOf(latest.values(), credits) };
    },
  };
}
