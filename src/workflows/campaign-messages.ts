/** What a caller exchanges with a running VideoCampaign. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CancelRequest } from './messages';

export type CampaignStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'budget_exhausted';

export interface CampaignVideo {
  id: string;
  /** The GenerateVideo child: `<campaign workflow id>/<id>`. */
  workflow_id: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  model?: string;
  video_uri?: string;
  video_url?: string;
  sha256?: string;
  credits_estimated?: number | null;
  error_type?: string;
  error?: string;
}

export interface CampaignProgress {
  status: CampaignStatus;
  total: number;
  started: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
  /** Credits of finished videos (catalog estimates), plus the estimate for those running. */
  credits_estimated: number;
  elapsed_ms: number;
}

export interface CampaignResult extends CampaignProgress {
  /** One entry per row, in the campaign's order. */
  videos: CampaignVideo[];
}

export const campaignCancelSignal = defineSignal<[CancelRequest]>('cancel');
export const campaignPauseSignal = defineSignal('pause');
export const campaignResumeSignal = defineSignal('resume');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');
