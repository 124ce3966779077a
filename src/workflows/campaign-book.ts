/**
 * A campaign's books: counters, the credit reservations of running rows, and the results waiting to
 * be written. Pure (every method takes `now`), so it is unit tested without a server, and small
 * enough to carry across continue-as-new: rows and results live in the store, never here.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';
import { FailureType } from '../contract';
import type { CampaignRow } from '../campaign/input';
import { emptyTotals, type CampaignResultRow, type CampaignTotals, type RowStatus } from '../campaign/results';
import type { CampaignProgress, CampaignStatus } from './campaign-messages';
import { estimatedSpend, type Attempt, type VideoResult } from './messages';
import { failureDetails } from './video-failures';

/** Where the rows being started come from: the manifest's rows file, or a file of rows to retry. */
export interface CampaignPass {
  key: string;
  /** Byte offset of the next row to take, how many rows the file has, how many were taken. */
  offset: number;
  total: number;
  taken: number;
  /** A pass of retries: rows it never started keep their earlier result. */
  retry: boolean;
}

export interface CampaignCarried {
  version: 3;
  /** Names this execution's results parts (kept across continue-as-new). */
  execution_start_ms: number;
  rows_key: string;
  total: number;
  pass: CampaignPass;
  counts: Omit<CampaignTotals, 'rows' | 'credits'>;
  credits_spent: number;
  started: number;
  /** The next results part's number. */
  part: number;
  paused: boolean;
  cancel_reason?: string;
  retries_requested: number;
  retries_done: number;
  search_attributes?: boolean;
}

/** A results part is written once this many records wait, or this many bytes, or this long. */
const PART_RECORDS = 100;
const PART_BYTES = 128 * 1024;
const PART_AGE_MS = 60_000;

export class CampaignBook {
  /** Running rows (by manifest position) and the credits each reserved. */
  readonly running = new Map<number, number>();
  private pending: CampaignResultRow[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  /** Rows finished in this run, and when the run started: the rate and the ETA. */
  private finishedThisRun = 0;

  constructor(
    readonly state: CampaignCarried,
    private readonly config: { max_credits?: number },
    private readonly runStartedMs: number,
  ) {}

  static fresh(now: number): CampaignCarried {
    const { rows: _rows, credits: _credits, ...counts } = emptyTotals();
    return {
      version: 3,
      execution_start_ms: now,
      rows_key: '',
      total: 0,
      pass: { key: '', offset: 0, total: 0, taken: 0, retry: false },
      counts,
      credits_spent: 0,
      started: 0,
      part: 0,
      paused: false,
      retries_requested: 0,
      retries_done: 0,
    };
  }

  get reserved(): number {
    let sum = 0;
    for (const credits of this.running.values()) sum += credits;
    return sum;
  }

  /** Whether a row whose worst case is `credits` may start now without passing max_credits. */
  fits(credits: number): boolean {
    const max = this.config.max_credits;
    return max === undefined || this.state.credits_spent + this.reserved + credits <= max;
  }

  get passDone(): boolean {
    return this.state.pass.taken >= this.state.pass.total;
  }

  /** The next row has been read: it starts (or is skipped) now and the pass moves past it. */
  take(row: CampaignRow & { end: number }): void {
    this.state.pass.offset = row.end;
    this.state.pass.taken += 1;
  }

  start(row: CampaignRow, reserved: number): void {
    this.running.set(row.i, reserved);
    this.state.started += 1;
  }

  /** A row ended (or was skipped): count it, release its reservation, queue its record. */
  finish(record: CampaignResultRow, now: number): void {
    this.running.delete(record.i);
    this.state.counts[record.status] += 1;
    this.state.credits_spent += record.credits;
    this.finishedThisRun += 1;
    if (!this.pending.length) this.pendingSince = now;
    this.pending.push(record);
    this.pendingBytes += JSON.stringify(record).length;
  }

  /** The records to write now, if enough are waiting (or `all`); the caller writes them as one part. */
  takeRecords(now: number, all = false): { part: number; records: CampaignResultRow[] } | undefined {
    if (!this.pending.length) return undefined;
    const due =
      all ||
      this.pending.length >= PART_RECORDS ||
      this.pendingBytes >= PART_BYTES ||
      now - this.pendingSince >= PART_AGE_MS;
    if (!due) return undefined;
    const records = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return { part: this.state.part++, records };
  }

  /** A retry pass begins: its rows leave the failed count until they finish again. */
  beginRetryPass(key: string, rows: number): void {
    this.state.pass = { key, offset: 0, total: rows, taken: 0, retry: true };
    this.state.counts.failed -= rows;
    this.state.retries_done = this.state.retries_requested;
  }

  status(): CampaignStatus {
    if (this.state.cancel_reason) return 'cancelled';
    if (!this.state.rows_key) return 'preparing';
    if (this.state.counts.skipped_budget) return 'budget_exhausted';
    return this.state.paused ? 'paused' : 'running';
  }

  progress(now: number): CampaignProgress {
    const { counts, pass } = this.state;
    const elapsed = now - this.state.execution_start_ms;
    const runMinutes = (now - this.runStartedMs) / 60_000;
    const rate = runMinutes > 0 ? this.finishedThisRun / runMinutes : 0;
    const left = pass.total - pass.taken + this.running.size;
    const reserved = this.reserved;
    return {
      status: this.status(),
      total: this.state.total,
      started: this.state.started,
      running: this.running.size,
      ...counts,
      retrying: pass.retry ? left : 0,
      credits_spent: this.state.credits_spent,
      credits_reserved: reserved,
      credits_estimated: this.state.credits_spent + reserved,
      rate_per_minute: Math.round(rate * 10) / 10,
      ...(rate > 0 ? { eta_ms: Math.round((left / rate) * 60_000) } : {}),
      elapsed_ms: elapsed,
    };
  }
}

/** The part of a result record every outcome shares. */
function recordBase(row: CampaignRow, workflowId: string | undefined, now: number) {
  return {
    id: row.id,
    i: row.i,
    line: row.line,
    attempt: row.attempt,
    ...(workflowId ? { workflow_id: workflowId } : {}),
    prompt: String(row.request.prompt ?? '').slice(0, 300),
    finished_at: new Date(now).toISOString(),
  };
}

export function succeededRecord(row: CampaignRow, workflowId: string, result: VideoResult, now: number) {
  const videos = result.videos ?? [result.video];
  return {
    ...recordBase(row, workflowId, now),
    status: 'succeeded' as const,
    model: result.model,
    job_id: result.job_id,
    video_uri: result.video.uri,
    video_url: result.video.url,
    ...(result.thumbnail ? { thumbnail_uri: result.thumbnail.uri, thumbnail_url: result.thumbnail.url } : {}),
    sha256: result.video.sha256,
    bytes: videos.reduce((sum, v) => sum + v.bytes, 0),
    credits: estimatedSpend(result.attempts),
    attempts: result.attempts.length,
  } satisfies CampaignResultRow;
}

/** A child that failed or was cancelled, with what its paid attempts cost. */
export function failedRecord(
  row: CampaignRow,
  workflowId: string,
  error: unknown,
  now: number,
  cancelled: boolean,
): CampaignResultRow {
  const cause = error instanceof ChildWorkflowFailure || error instanceof ActivityFailure ? error.cause : error;
  const failure = cause instanceof ApplicationFailure ? cause : undefined;
  const attempts: Attempt[] = failureDetails(cause)?.attempts ?? [];
  const paid = attempts.filter((a) => a.job_id);
  const last = paid[paid.length - 1] ?? attempts[attempts.length - 1];
  const status: RowStatus = cancelled || failure?.type === FailureType.Cancelled ? 'cancelled' : 'failed';
  return {
    ...recordBase(row, workflowId, now),
    status,
    failure_type: status === 'cancelled' ? FailureType.Cancelled : (failure?.type ?? FailureType.ProviderFailed),
    failure_message: (cause as Error | undefined)?.message ?? String(error),
    ...(last?.model ? { model: last.model } : {}),
    ...(last?.job_id ? { job_id: last.job_id } : {}),
    credits: estimatedSpend(attempts),
    attempts: attempts.length,
  };
}

/** A row not started because its worst case would pass the budget. */
export function skippedForBudget(row: CampaignRow, worstCase: number, now: number): CampaignResultRow {
  return {
    ...recordBase(row, undefined, now),
    status: 'skipped_budget',
    failure_message: `its worst case (${worstCase} credits) would pass the campaign's max_credits`,
    credits: 0,
    attempts: 0,
  };
}
