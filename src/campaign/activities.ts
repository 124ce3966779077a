/**
 * The campaign's activities: everything that touches the manifest and the results in the store. The
 * workflow keeps counters and the running window only; rows and results stay here, so a campaign's
 * history and payloads stay bounded whatever its size. Every write is idempotent: its key is decided
 * by the workflow, so a retried activity replaces its own object.
 */
import { Context } from '@temporalio/activity';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Catalog } from '../catalog';
import { invalidInput } from '../failures';
import { putText } from '../store';
import type { VideoStore } from '../store/types';
import { checkRows } from './check';
import {
  budgetProblem,
  checkRow,
  isRetryable,
  PROBLEMS_SHOWN,
  problemList,
  type CampaignManifest,
  type CampaignRow,
} from './input';
import { DEFAULT_MANIFEST_LIMITS, manifestFormat, readManifest, type ManifestLimits, type RawRow } from './manifest';
import { renderGallery, type GalleryTile } from './gallery';
import { campaignKey, emptyTotals, resultsPartKey, type CampaignResultRow, type CampaignTotals } from './results';
import { csvHeader, csvRecord } from './results-csv';
import { notStartedRecord } from '../workflows/campaign-records';
import { Budget } from '../workflows/budget';

/** A page of rows is read in one range of at most this many bytes, well under Temporal's payload limits. */
export const PAGE_BYTES = 160 * 1024;
/** The whole rows in `bytes` (read from `offset` of a rows file), at most `max`, each with its end. */
export function rowsIn(bytes: Buffer, offset: number, max: number): PagedRow[] {
  const rows: PagedRow[] = [];
  let start = 0;
  while (rows.length < max) {
    const newline = bytes.indexOf(10, start);
    if (newline < 0) break; // the rest of the range is part of a row the next read takes whole
    const row = JSON.parse(bytes.subarray(start, newline).toString('utf8')) as CampaignRow;
    rows.push({ ...row, end: offset + newline + 1 });
    start = newline + 1;
  }
  return rows;
}

/** Rows per results part when the rest of a manifest is recorded as not started. */
const SKIPPED_PER_PART = 500;

export interface PrepareCampaignInput {
  campaign_id: string;
  manifest?: CampaignManifest;
  videos?: Record<string, unknown>[];
  defaults?: Record<string, unknown>;
  /** The campaign has max_credits: every model a row may use needs a price. */
  budgeted: boolean;
  prices?: Record<string, number>;
}

export interface PreparedCampaign {
  /** The validated rows, one JSON per line, in the store. */
  rows_key: string;
  total: number;
}

export interface PageInput {
  key: string;
  /** Byte offset of the first row to read. */
  offset: number;
  max_rows: number;
}

/** A row of a page, with the byte offset just after it: where the next page starts. */
export type PagedRow = CampaignRow & { end: number };

export interface SkipRowsInput {
  campaign_id: string;
  /** The execution's start and its next part number: the parts written are named from them. */
  execution_start_ms: number;
  first_part: number;
  key: string;
  offset: number;
  status: 'skipped' | 'skipped_budget';
  reason: string;
}

export interface RetryRowsInput {
  campaign_id: string;
  rows_key: string;
  /** Where to write the rows to retry. */
  retry_key: string;
}

export interface RetryRows {
  key: string;
  total: number;
  /** Rows in the campaign's rows file. */
  rows_total: number;
  /** The latest attempt of every row so far, for the counters of a new execution. */
  totals: CampaignTotals;
}

export interface CompileInput {
  campaign_id: string;
  /** Small campaigns also return every row's latest result (at most this many rows). */
  list_rows_up_to: number;
}

export interface CampaignOutputs {
  results_jsonl: string;
  results_csv: string;
  gallery: string;
  /** The latest attempt of each row. */
  totals: CampaignTotals;
  /** Every row's latest result, in manifest order, when the campaign is small. */
  rows?: CampaignResultRow[];
}

export interface CampaignActivityDependencies {
  store: VideoStore;
  catalog: () => Promise<Catalog>;
  /** Outside a worker (the command line's `status --gallery`) there is no activity to heartbeat. */
  heartbeat?: (details?: unknown) => void;
  /** Caps on a manifest's lines and records (DEFAULT_MANIFEST_LIMITS unless given). */
  manifestLimits?: Partial<ManifestLimits>;
  /** The clock heartbeats are timed by (tests pass their own). */
  now?: () => number;
}

/** How often long reads of a manifest or of results heartbeat, whatever the rows are. */
const HEARTBEAT_EVERY_MS = 1000;

export function createCampaignActivities(deps: CampaignActivityDependencies) {
  const { store } = deps;
  const sendHeartbeat = deps.heartbeat ?? ((details?: unknown) => Context.current().heartbeat(details));
  const now = deps.now ?? Date.now;
  const limits: ManifestLimits = { ...DEFAULT_MANIFEST_LIMITS, ...deps.manifestLimits };
  /**
   * A heartbeat for one activity call, sent at most every HEARTBEAT_EVERY_MS however often it is
   * called: for every row, valid or not, so a large manifest of bad rows fails instead of timing out.
   */
  const pacedHeartbeat = () => {
    let lastBeat = Number.NEGATIVE_INFINITY;
    return (details?: unknown) => {
      if (now() - lastBeat < HEARTBEAT_EVERY_MS) return;
      lastBeat = now();
      sendHeartbeat(details);
    };
  };

  /** The manifest's rows with line numbers, from the store or inline. */
  async function* sourceRows(input: PrepareCampaignInput): AsyncGenerator<RawRow> {
    if (input.videos) {
      for (const [index, fields] of input.videos.entries()) yield { line: index + 1, fields };
      return;
    }
    const { uri, format: named } = input.manifest!;
    let key: string | undefined;
    try {
      key = store.keyOf(uri);
    } catch (error) {
      throw invalidInput(`manifest ${uri}: ${(error as Error).message}`);
    }
    if (!key) throw invalidInput(`manifest ${uri} is not in the workers' store (${store.describe('')})`);
    const format = manifestFormat(uri, named);
    if (!format) throw invalidInput(`manifest ${uri}: say its format ("csv" or "jsonl") or name it .csv or .jsonl`);
    let stream: Readable;
    try {
      stream = await store.open(key);
    } catch (error) {
      throw invalidInput(`manifest ${uri} cannot be read: ${(error as Error).message}`);
    }
    yield* readManifest(stream, format, limits);
  }

  /** Writes lines to `key` as they come; nothing appears unless `end` is reached. */
  function lineWriter(key: string) {
    const body = new PassThrough();
    body.on('error', () => undefined); // an abort before the store attaches is reported by `written`
    const written = store.put(key, body, { contentType: 'application/x-ndjson' });
    written.catch(() => undefined); // awaited in end() or abandoned by abort()
    return {
      async write(line: string) {
        if (!body.write(`${line}\n`)) await new Promise((resolve) => body.once('drain', resolve));
      },
      async end() {
        body.end();
        return written;
      },
      abort(reason: Error) {
        body.destroy(reason);
      },
    };
  }

  const writeRecords = (key: string, records: CampaignResultRow[]) =>
    putText(store, key, records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'application/x-ndjson');

  /** Every result record written so far, part by part, in the order they were written. */
  async function* resultRecords(campaignId: string): AsyncGenerator<CampaignResultRow> {
    const heartbeat = pacedHeartbeat();
    for (const key of await store.list(campaignKey(campaignId, 'results/parts/'))) {
      for await (const line of createInterface({ input: await store.open(key), crlfDelay: Infinity })) {
        if (line.trim()) yield JSON.parse(line) as CampaignResultRow;
      }
      heartbeat();
    }
  }

  /** Each row's latest attempt and the credits of every attempt; `each` sees every record in order. */
  async function scanResults(campaignId: string, each?: (record: CampaignResultRow) => Promise<void>) {
    const latest = new Map<number, CampaignResultRow>();
    let credits = 0;
    for await (const record of resultRecords(campaignId)) {
      await each?.(record);
      credits += record.credits;
      const seen = latest.get(record.i);
      if (!seen || record.attempt >= seen.attempt) latest.set(record.i, record);
    }
    return { latest, credits };
  }

  function totalsOf(latest: Iterable<CampaignResultRow>, credits: number): CampaignTotals {
    const totals = { ...emptyTotals(), credits };
    for (const record of latest) {
      totals.rows += 1;
      totals[record.status] += 1;
    }
    return totals;
  }

  /**
   * Rows of a rows file from a byte offset: whole lines only, at most `max_rows`. A range that ends
   * inside its first row is read again, wider: a row larger than a range is never taken for the end
   * of the file (only a short read at the end of the file is).
   */
  async function page(input: PageInput): Promise<PagedRow[]> {
    for (let span = PAGE_BYTES; ; span *= 2) {
      const bytes = await store.readRange(input.key, input.offset, span);
      const rows = rowsIn(bytes, input.offset, input.max_rows);
      if (rows.length || bytes.length < span) return rows;
    }
  }

  /** How the page links a stored object: relative to the page in a folder, a fresh URL in S3. */
  async function href(uri: string | undefined, url: string | undefined, galleryKey: string) {
    if (!uri) return url;
    const key = (() => {
      try {
        return store.keyOf(uri);
      } catch {
        return undefined;
      }
    })();
    if (!key) return url;
    if (store.kind === 'folder') {
      // Keys hold percent-encoded ids (`%2F`): each segment is encoded again so the browser keeps them.
      const path = posix.relative(posix.dirname(galleryKey), key);
      return path.split('/').map(encodeURIComponent).join('/');
    }
    return store.shareableUrl ? store.shareableUrl(key) : url;
  }

  return {
    /**
     * Validate every row (the manifest's, or the inline ones) over the defaults, against the schema,
     * the catalog and the budget, and keep them in the store as one JSON per line. An invalid
     * manifest fails with InvalidInput naming the first problems by line, and nothing is written.
     */
    async prepareCampaign(input: PrepareCampaignInput): Promise<PreparedCampaign> {
      const heartbeat = pacedHeartbeat();
      const catalog = Budget.priced(await deps.catalog(), input.prices);
      const rowsKey = campaignKey(input.campaign_id, 'rows.jsonl');
      const out = lineWriter(rowsKey);
      let checked: Awaited<ReturnType<typeof checkRows>>;
      try {
        const options = {
          defaults: input.defaults,
          catalog,
          budgeted: input.budgeted,
          problemsShown: PROBLEMS_SHOWN,
          onRow: heartbeat, // by time, valid rows or not: a large bad manifest fails, it does not time out
        };
        checked = await checkRows(sourceRows(input), options, (row) => out.write(JSON.stringify(row)));
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
    readCampaignRows: page,

    /** One part of the results manifest: the workflow names the key, so a retry replaces it. */
    async writeCampaignResults(input: { key: string; records: CampaignResultRow[] }): Promise<void> {
      await writeRecords(input.key, input.records);
    },

    /** Records every row from `offset` on as not started (a cancelled campaign); returns the parts used. */
    async skipCampaignRows(input: SkipRowsInput): Promise<{ parts: number; count: number }> {
      const heartbeat = pacedHeartbeat();
      let offset = input.offset;
      let parts = 0;
      let count = 0;
      for (;;) {
        const rows = await page({ key: input.key, offset, max_rows: SKIPPED_PER_PART });
        if (!rows.length) break;
        const now = Date.now();
        const records = rows.map((row) => notStartedRecord(row, input.status, input.reason, now));
        const key = resultsPartKey(input.campaign_id, input.execution_start_ms, input.first_part + parts);
        await writeRecords(key, records);
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
      const { latest, credits } = await scanResults(input.campaign_id);
      const retry = new Map<number, Pick<CampaignRow, 'attempt' | 'mirror'>>();
      for (const record of latest.values()) {
        if (record.status !== 'failed' || !isRetryable(record.failure_type)) continue;
        // A video made but not mirrored is mirrored again from its job before anything is paid.
        const mirror = record.finished_job_id ? { job_id: record.finished_job_id, model: record.model } : undefined;
        retry.set(record.i, { attempt: record.attempt + 1, ...(mirror ? { mirror } : {}) });
      }
      const out = lineWriter(input.retry_key);
      let total = 0;
      let rowsTotal = 0;
      try {
        let rows: Readable;
        try {
          rows = await store.open(input.rows_key);
        } catch (error) {
          throw invalidInput(`this campaign has no rows to retry (${(error as Error).message})`);
        }
        const heartbeat = pacedHeartbeat();
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
      return { key: input.retry_key, total, rows_total: rowsTotal, totals: totalsOf(latest.values(), credits) };
    },

    /**
     * results.jsonl and results.csv (every attempt of every row, in the order they finished) and the
     * gallery (index.html, each row's latest attempt, in manifest order), from the written parts.
     */
    async compileCampaignResults(input: CompileInput): Promise<CampaignOutputs> {
      const jsonl = lineWriter(campaignKey(input.campaign_id, 'results.jsonl'));
      const csv = lineWriter(campaignKey(input.campaign_id, 'results.csv'));
      let scanned: Awaited<ReturnType<typeof scanResults>>;
      try {
        await csv.write(csvHeader());
        scanned = await scanResults(input.campaign_id, async (record) => {
          await jsonl.write(JSON.stringify(record));
          await csv.write(csvRecord(record));
        });
      } catch (error) {
        jsonl.abort(error as Error);
        csv.abort(error as Error);
        throw error;
      }
      const [results, table] = [await jsonl.end(), await csv.end()];
      const rows = [...scanned.latest.values()].sort((a, b) => a.i - b.i);
      const totals = totalsOf(rows, scanned.credits);
      const galleryKey = campaignKey(input.campaign_id, 'index.html');
      const tiles: GalleryTile[] = [];
      for (const row of rows) {
        tiles.push({
          ...row,
          video_href: await href(row.video_uri, row.video_url, galleryKey),
          thumbnail_href: await href(row.thumbnail_uri, row.thumbnail_url, galleryKey),
        });
      }
      const gallery = await putText(store, galleryKey, renderGallery(input.campaign_id, totals, tiles), 'text/html');
      return {
        results_jsonl: results.uri,
        results_csv: table.uri,
        gallery: gallery.uri,
        totals,
        ...(rows.length <= input.list_rows_up_to ? { rows } : {}),
      };
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
