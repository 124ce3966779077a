/** What a caller exchanges with a running VideoCampaign. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CampaignResultRow } from '../campaign/results';
import type { CancelRequest } from './messages';

export type CampaignStatus = 'preparing' | 'running' | 'paused' | 'completed' | 'cancelled' | 'budget_exhausted';

export interface CampaignProgress {
  status: CampaignStatus;
  /** Rows in the manifest (0 while it is being validated). */
  total: number;
  /** Rows started in this execution, retries included. */
  started: number;
  running: number;
  /** Each row counted once, by its latest attempt. */
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Not started: their worst case would have passed max_credits. */
  skipped_budget: number;
  /** Not started: the campaign was cancelled first. */
  skipped: number;
  /** Rows of the current retry pass not finished yet. */
  retrying: number;
  /** Credits of finished rows (catalog estimates, every paid attempt counted). */
  credits_spent: number;
  /** Worst cases reserved for running rows (budgeted campaigns). */
  credits_reserved: number;
  /** credits_spent plus, for running rows, their reservation (or their estimate when unbudgeted). */
  credits_estimated: number;
  /** Rows finished per minute in this execution, and the time left at that rate. */
  rate_per_minute: number;
  eta_ms?: number;
  elapsed_ms: number;
}

/** The campaign's files in the store (URIs). */
export interface CampaignFiles {
  results_jsonl: string;
  results_csv: string;
  gallery: string;
}

export interface CampaignResult extends CampaignProgress {
  results: CampaignFiles;
  /** Every row's latest result in manifest order, for small campaigns (at most 100 rows). */
  videos?: CampaignResultRow[];
}

export const campaignCancelSignal = defineSignal<[CancelRequest]>('cancel');
export const campaignPauseSignal = defineSignal('pause');
export const campaignResumeSignal = defineSignal('resume');
/** Once the rows in hand are done, run again every row whose latest attempt failed retryably. */
export const campaignRetryFailedSignal = defineSignal('retry_failed');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');
