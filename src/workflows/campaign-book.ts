/**
 * The state of one VideoCampaign run and its named transitions: the rows in hand (a page read from
 * the store), the window of running rows, their credit reservations (the Budget), the results waiting
 * to be written, and the retry passes. Deterministic and free of Temporal calls: every transition
 * that needs the time takes `now`, so the whole book is unit tested without a server, and
 * video-campaign.ts is left with the waiting and the calling. Rows and results live in the store,
 * never here: what crosses continue-as-new (`CampaignCarried`) stays small whatever the campaign's size.
 */
import type { PagedRow } from '../campaign/activities';
import { emptyTotals, type CampaignResultRow, type CampaignTotals } from '../campaign/results';
import { Budget } from './budget';
import type { CampaignProgress, CampaignStatus } from './campaign-messages';
import { cancelReason, type CancelRequest } from './messages';

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

/** What a run hands to the next one at continue-as-new. */
export interface CampaignCarried {
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
/** Children started per run before continuing as new: about 6 events each keeps a run near 6,000. */
const CHILDREN_PER_RUN = 1000;
/** Continue as new well before Temporal's own limits, whatever the mix of events. */
const HISTORY_EVENTS_PER_RUN = 9000;

export class CampaignBook {
  readonly budget: Budget;
  /** Running rows, by manifest position. */
  private readonly window = new Set<number>();
  /** Rows read from the store and not taken yet. */
  private inHand: PagedRow[] = [];
  private pending: CampaignResultRow[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  /** Rows started and finished in this run: when to continue as new, the rate and the ETA. */
  private startedThisRun = 0;
  private finishedThisRun = 0;

  constructor(
    private readonly state: CampaignCarried,
    maxCredits: number | undefined,
    private readonly runStartedMs: number,
  ) {
    this.budget = new Budget(maxCredits, state.credits_spent);
  }

  static fresh(now: number): CampaignCarried {
    const { rows: _rows, credits: _credits, ...counts } = emptyTotals();
    return {
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

  // ---- reading ----------------------------------------------------------------------------------

  get running(): number {
    return this.window.size;
  }
  get idle(): boolean {
    return this.window.size === 0;
  }
  get cancelled(): boolean {
    return this.state.cancel_reason !== undefined;
  }
  get cancelReason(): string | undefined {
    return this.state.cancel_reason;
  }
  get executionStartMs(): number {
    return this.state.execution_start_ms;
  }
  get rowsKey(): string {
    return this.state.rows_key;
  }
  /** The number of the next results part. */
  get nextPart(): number {
    return this.state.part;
  }
  get pass(): Readonly<CampaignPass> {
    return this.state.pass;
  }
  get showsSearchAttributes(): boolean {
    return !!this.state.search_attributes;
  }
  /** Every row of the current pass has been taken (started or skipped). */
  get passDone(): boolean {
    return this.state.pass.taken >= this.state.pass.total;
  }
  get retryRequested(): boolean {
    return this.state.retries_requested > this.state.retries_done;
  }
  /** Names the file of the next retry pass, unique within the campaign. */
  get retryTag(): string {
    return `${this.state.execution_start_ms}-${this.state.retries_requested}`;
  }

  /** Whether another row may start now: not paused, and the window has room. */
  hasRoom(concurrency: number): boolean {
    return !this.state.paused && this.window.size < concurrency;
  }

  /** The next row of the pass, if a page of rows is in hand; `take` it once it starts or is skipped. */
  rowInHand(): PagedRow | undefined {
    return this.inHand[0];
  }

  /** This run has done enough: wait for its window to drain and continue as new. */
  dueForNewRun(history: { length: number; suggested: boolean }): boolean {
    return this.startedThisRun >= CHILDREN_PER_RUN || history.length >= HISTORY_EVENTS_PER_RUN || history.suggested;
  }

  /** Prepared rows with no result yet (none, once a campaign has run to its end). */
  unaccounted(): number {
    const { succeeded, failed, cancelled, skipped_budget, skipped } = this.state.counts;
    return this.state.total - (succeeded + failed + cancelled + skipped_budget + skipped);
  }

  status(): CampaignStatus {
    if (this.state.cancel_reason) return 'cancelled';
    if (!this.state.rows_key) return 'preparing';
    if (this.state.counts.skipped_budget) return 'budget_exhausted';
    return this.state.paused ? 'paused' : 'running';
  }

  /** How the campaign ended: a campaign that ran out of rows while running or paused completed. */
  ending(): Exclude<CampaignStatus, 'running' | 'paused' | 'preparing'> {
    const status = this.status();
    return status === 'running' || status === 'paused' || status === 'preparing' ? 'completed' : status;
  }

  progress(now: number): CampaignProgress {
    const { counts, pass } = this.state;
    const runMinutes = (now - this.runStartedMs) / 60_000;
    const rate = runMinutes > 0 ? this.finishedThisRun / runMinutes : 0;
    const left = pass.total - pass.taken + this.window.size;
    const { spent, reserved } = this.budget;
    return {
      status: this.status(),
      total: this.state.total,
      started: this.state.started,
      running: this.window.size,
      ...counts,
      retrying: pass.retry ? left : 0,
      credits_spent: spent,
      credits_reserved: reserved,
      credits_estimated: spent + reserved,
      rate_per_minute: Math.round(rate * 10) / 10,
      ...(rate > 0 ? { eta_ms: Math.round((left / rate) * 60_000) } : {}),
      elapsed_ms: now - this.state.execution_start_ms,
    };
  }

  /** What the next run starts from: counters and the pass position (the window has drained). */
  carried(): CampaignCarried {
    return { ...this.state, credits_spent: this.budget.spent };
  }

  // ---- transitions: messages ----------------------------------------------------------------------

  requestCancel(raw: CancelRequest | undefined): void {
    this.state.cancel_reason ??= cancelReason(raw);
  }
  pause(): void {
    this.state.paused = true;
  }
  resume(): void {
    this.state.paused = false;
  }
  requestRetry(): void {
    this.state.retries_requested += 1;
  }

  // ---- transitions: rows --------------------------------------------------------------------------

  /** The first run learned whether search attributes can be shown. */
  searchAttributes(registered: boolean): void {
    this.state.search_attributes = registered;
  }

  /** Every row was validated and kept in the store: the first pass runs them all. */
  prepared(rowsKey: string, total: number): void {
    this.state.rows_key = rowsKey;
    this.state.total = total;
    this.state.pass = { key: rowsKey, offset: 0, total, taken: 0, retry: false };
  }

  /** A retry of a finished campaign reads the rows it kept, and nothing else. */
  reuseRows(rowsKey: string): void {
    this.state.rows_key = rowsKey;
  }

  /**
   * A page of rows was read from the pass's offset. False when it was empty though the pass has
   * rows left: a row went missing, and the campaign must fail loudly rather than end early.
   */
  rowsRead(rows: PagedRow[]): boolean {
    this.inHand = rows;
    return rows.length > 0 || this.passDone;
  }

  /** The row in hand starts now (or is skipped): the pass moves past it. */
  take(): PagedRow {
    const row = this.inHand.shift()!;
    this.state.pass.offset = row.end;
    this.state.pass.taken += 1;
    return row;
  }

  /** A row's video was started, holding `reserved` credits until it ends. */
  launched(row: PagedRow, reserved: number): void {
    this.window.add(row.i);
    this.budget.reserve(row.i, reserved);
    this.state.started += 1;
    this.startedThisRun += 1;
  }

  /** A row ended (or was skipped): count it, release its reservation, queue its record. */
  rowEnded(record: CampaignResultRow, now: number): void {
    this.window.delete(record.i);
    this.budget.release(record.i, record.credits);
    this.state.counts[record.status] += 1;
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

  /** A cancelled campaign recorded the rest of its pass as skipped, in `parts` results parts. */
  restSkipped(count: number, parts: number): void {
    this.state.part += parts;
    this.state.counts.skipped += count;
    this.state.pass.taken = this.state.pass.total;
  }

  // ---- transitions: retry passes ------------------------------------------------------------------

  /** A new execution of a finished campaign starts from what the earlier ones recorded. */
  restoreTotals(totals: CampaignTotals, rowsTotal: number): void {
    const { rows: _rows, credits, ...counts } = totals;
    this.state.counts = counts;
    this.state.total = rowsTotal;
    this.budget.recount(credits);
  }

  /** A retry pass begins: its rows leave the failed count until they finish again. */
  beginRetryPass(key: string, rows: number): void {
    this.state.pass = { key, offset: 0, total: rows, taken: 0, retry: true };
    this.inHand = [];
    this.state.counts.failed -= rows;
    this.state.retries_done = this.state.retries_requested;
  }

  /** A retry pass stopped early (cancelled): rows it never started keep their earlier failure. */
  retryPassAbandoned(): void {
    if (!this.state.pass.retry) return;
    this.state.counts.failed += this.state.pass.total - this.state.pass.taken;
    this.state.pass.taken = this.state.pass.total;
  }
}
