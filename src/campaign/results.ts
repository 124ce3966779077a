/**
 * The results manifest: one record per finished row attempt, kept in the store beside the campaign
 * (`campaigns/<campaign id>/results.jsonl` and `results.csv`). Pure: the workflow builds records,
 * the activities write them.
 */
import { objectKey, type VideoStore } from '../store/types';

export type RowStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped_budget' | 'skipped';
export const ROW_STATUSES: readonly RowStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped_budget', 'skipped'];

/** One attempt at one row, as it appears in results.jsonl (and, flattened, results.csv). */
export interface CampaignResultRow {
  id: string;
  /** Position in the manifest, from 0, and the manifest line. */
  i: number;
  line: number;
  /** 1 for the row's first run; a retry of a failed row is attempt 2, and so on. */
  attempt: number;
  status: RowStatus;
  /** The GenerateVideo child (absent for rows that never started). */
  workflow_id?: string;
  failure_type?: string;
  failure_message?: string;
  model?: string;
  job_id?: string;
  /**
   * A failed row whose video was made but is not in our store (its mirror failed, or it ran out of
   * time mirroring): the finished upstream job a retry mirrors from, for nothing, while the gateway has it.
   */
  finished_job_id?: string;
  video_uri?: string;
  video_url?: string;
  thumbnail_uri?: string;
  thumbnail_url?: string;
  sha256?: string;
  bytes?: number;
  /** Catalog estimate of what the row spent, every paid attempt counted. */
  credits: number;
  /** GenerateVideo attempts (models tried) for this row. */
  attempts: number;
  /** The first 300 characters of the prompt, for people reading the results. */
  prompt: string;
  finished_at: string;
}

export const RESULT_COLUMNS: readonly (keyof CampaignResultRow)[] = [
  'id',
  'i',
  'line',
  'attempt',
  'status',
  'failure_type',
  'failure_message',
  'model',
  'job_id',
  'video_uri',
  'video_url',
  'thumbnail_uri',
  'thumbnail_url',
  'sha256',
  'bytes',
  'credits',
  'attempts',
  'workflow_id',
  'prompt',
  'finished_at',
];

/** Where a campaign keeps its files: `campaigns/<campaign id>/<file>` (the id encoded as one segment). */
export function campaignKey(campaignId: string, file: string): string {
  return `campaigns/${objectKey(campaignId, file)}`;
}

/**
 * Where a campaign's manifest is kept: by its content, so another file never lands on this one and a
 * reused id with other rows names another manifest (which the start then refuses).
 */
export function manifestKey(campaignId: string, sha256: string, format: 'csv' | 'jsonl'): string {
  return campaignKey(campaignId, `manifests/${sha256}.${format}`);
}

/**
 * Whether results were ever written under this campaign id: an id whose workflow the namespace no
 * longer keeps may still own results, and a new campaign under it would mix its rows with them.
 */
export async function hasResults(store: Pick<VideoStore, 'list'>, campaignId: string): Promise<boolean> {
  return (await store.list(campaignKey(campaignId, 'results/parts/'))).length > 0;
}

/**
 * The results part written by one flush. Parts are named by the execution's start and a counter the
 * workflow keeps, so a retried write replaces its own part and never adds a second copy of a row.
 */
export function resultsPartKey(campaignId: string, executionStartMs: number, part: number): string {
  return campaignKey(campaignId, `results/parts/${executionStartMs}-${String(part).padStart(7, '0')}.jsonl`);
}

export interface CampaignTotals {
  /** Rows with a result (the latest attempt of each counts). */
  rows: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped_budget: number;
  skipped: number;
  /** Every attempt of every row. */
  credits: number;
}

export function emptyTotals(): CampaignTotals {
  return { rows: 0, succeeded: 0, failed: 0, cancelled: 0, skipped_budget: 0, skipped: 0, credits: 0 };
}
