/**
 * What the campaign's activities share: the store seen as a campaign's files. Rows files paged by byte
 * offset, results parts read back in order, writers that publish a file only when it is complete,
 * heartbeats paced by time, and links for the gallery.
 */
import { Context } from '@temporalio/activity';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { invalidInput } from '../failures';
import { putText } from '../store';
import type { VideoStore } from '../store/types';
import type { CampaignRow } from './input';
import { DEFAULT_MANIFEST_LIMITS, manifestFormat, readManifest, type ManifestLimits, type RawRow } from './manifest';
import { campaignKey, emptyTotals, type CampaignResultRow, type CampaignTotals } from './results';

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
export const SKIPPED_PER_PART = 500;

/** A row of a page, with the byte offset just after it: where the next page starts. */
export type PagedRow = CampaignRow & { end: number };

export interface PageInput {
  key: string;
  /** Byte offset of the first row to read. */
  offset: number;
  max_rows: number;
}

/** Where a campaign's rows come from: a manifest in the store, or a few rows given inline. */
export interface RowSource {
  manifest?: { uri: string; format?: 'csv' | 'jsonl' };
  videos?: Record<string, unknown>[];
}

export interface CampaignFilesDependencies {
  store: VideoStore;
  /** Outside a worker (the command line's `status --gallery`) there is no activity to heartbeat. */
  heartbeat?: (details?: unknown) => void;
  /** Caps on a manifest's lines and records (DEFAULT_MANIFEST_LIMITS unless given). */
  manifestLimits?: Partial<ManifestLimits>;
  /** The clock heartbeats are timed by (tests pass their own). */
  now?: () => number;
}

/** How often long reads of a manifest or of results heartbeat, whatever the rows are. */
const HEARTBEAT_EVERY_MS = 1000;

export class CampaignFiles {
  readonly store: VideoStore;
  private readonly sendHeartbeat: (details?: unknown) => void;
  private readonly now: () => number;
  private readonly limits: ManifestLimits;

  constructor(deps: CampaignFilesDependencies) {
    this.store = deps.store;
    this.sendHeartbeat = deps.heartbeat ?? ((details?: unknown) => Context.current().heartbeat(details));
    this.now = deps.now ?? Date.now;
    this.limits = { ...DEFAULT_MANIFEST_LIMITS, ...deps.manifestLimits };
  }

  /**
   * A heartbeat for one activity call, sent at most every HEARTBEAT_EVERY_MS however often it is
   * called: for every row, valid or not, so a large manifest of bad rows fails instead of timing out.
   */
  pacedHeartbeat(): (details?: unknown) => void {
    let lastBeat = Number.NEGATIVE_INFINITY;
    return (details?: unknown) => {
      if (this.now() - lastBeat < HEARTBEAT_EVERY_MS) return;
      lastBeat = this.now();
      this.sendHeartbeat(details);
    };
  }

  /** The manifest's rows with line numbers, from the store or inline. */
  async *sourceRows(input: RowSource): AsyncGenerator<RawRow> {
    if (input.videos) {
      for (const [index, fields] of input.videos.entries()) yield { line: index + 1, fields };
      return;
    }
    const { uri, format: named } = input.manifest!;
    let key: string | undefined;
    try {
      key = this.store.keyOf(uri);
    } catch (error) {
      throw invalidInput(`manifest ${uri}: ${(error as Error).message}`);
    }
    if (!key) throw invalidInput(`manifest ${uri} is not in the workers' store (${this.store.describe('')})`);
    const format = manifestFormat(uri, named);
    if (!format) throw invalidInput(`manifest ${uri}: say its format ("csv" or "jsonl") or name it .csv or .jsonl`);
    let stream: Readable;
    try {
      stream = await this.store.open(key);
    } catch (error) {
      throw invalidInput(`manifest ${uri} cannot be read: ${(error as Error).message}`);
    }
    yield* readManifest(stream, format, this.limits);
  }

  /** Writes lines to `key` as they come; nothing appears unless `end` is reached. */
  lineWriter(key: string) {
    const body = new PassThrough();
    body.on('error', () => undefined); // an abort before the store attaches is reported by `written`
    const written = this.store.put(key, body, { contentType: 'application/x-ndjson' });
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

  writeRecords(key: string, records: CampaignResultRow[]) {
    return putText(this.store, key, records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'application/x-ndjson');
  }

  /** Every result record written so far, part by part, in the order they were written. */
  async *resultRecords(campaignId: string): AsyncGenerator<CampaignResultRow> {
    const heartbeat = this.pacedHeartbeat();
    for (const key of await this.store.list(campaignKey(campaignId, 'results/parts/'))) {
      for await (const line of createInterface({ input: await this.store.open(key), crlfDelay: Infinity })) {
        if (line.trim()) yield JSON.parse(line) as CampaignResultRow;
      }
      heartbeat();
    }
  }

  /** Each row's latest attempt and the credits of every attempt; `each` sees every record in order. */
  async scanResults(campaignId: string, each?: (record: CampaignResultRow) => Promise<void>) {
    const latest = new Map<number, CampaignResultRow>();
    let credits = 0;
    for await (const record of this.resultRecords(campaignId)) {
      await each?.(record);
      credits += record.credits;
      const seen = latest.get(record.i);
      if (!seen || record.attempt >= seen.attempt) latest.set(record.i, record);
    }
    return { latest, credits };
  }

  totalsOf(latest: Iterable<CampaignResultRow>, credits: number): CampaignTotals {
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
  async page(input: PageInput): Promise<PagedRow[]> {
    for (let span = PAGE_BYTES; ; span *= 2) {
      const bytes = await this.store.readRange(input.key, input.offset, span);
      const rows = rowsIn(bytes, input.offset, input.max_rows);
      if (rows.length || bytes.length < span) return rows;
    }
  }

  /** How the page links a stored object: relative to the page in a folder, a fresh URL in S3. */
  async href(uri: string | undefined, url: string | undefined, galleryKey: string) {
    if (!uri) return url;
    const key = (() => {
      try {
        return this.store.keyOf(uri);
      } catch {
        return undefined;
      }
    })();
    if (!key) return url;
    if (this.store.kind === 'folder') {
      // Keys hold percent-encoded ids (`%2F`): each segment is encoded again so the browser keeps them.
      const path = posix.relative(posix.dirname(galleryKey), key);
      return path.split('/').map(encodeURIComponent).join('/');
    }
    return this.store.shareableUrl ? this.store.shareableUrl(key) : url;
  }
}
