/**
 * Everything a caller exchanges with a running GenerateVideo, in one place: signals, the query, the
 * update, and the shapes they carry (snake_case JSON, like the gateway).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { VideoParams } from '../catalog';
import type { VideoStatus } from '../contract';
import type { UpstreamCopyResult } from '../gateway/types';
import { messageSchemas } from './lazy';
import type { CancelRequest, FallbackRequest } from './message-schemas';

export type { CancelRequest, FallbackRequest } from './message-schemas';

/** The reason a cancel gives. Even a malformed cancel is a cancel: stopping is always safe. */
export function cancelReason(raw: unknown): string {
  return messageSchemas().parseCancelReason(raw) || 'cancelled by request';
}

export interface FallbackAccepted {
  /** The model the workflow will try next. */
  model: string;
}

export type AttemptOutcome = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned' | 'timed_out';

export interface Attempt {
  attempt: number;
  model: string;
  job_id?: string;
  started_at: string;
  ended_at?: string;
  outcome: AttemptOutcome;
  error_type?: string;
  error?: string;
  params: VideoParams;
  /** How the request was fitted to this model (a fallback model may allow less). */
  adjustments: string[];
  /** From the catalog's price list; null where the model has none. */
  credits_estimated: number | null;
  /**
   * What happened upstream when we left the job before it ended. `unknown_job`: the submit never got
   * an answer, so a job may exist under this attempt's idempotency key that we could not cancel.
   */
  upstream_cancel?: 'cancelled' | 'not_supported' | 'failed' | 'unknown_job';
  /** The finished video's URL upstream, once the gateway has one: it exists even if we never copy it. */
  provider_url?: string;
  /** Status words the gateway used that we do not know (read as "still working"). */
  unfamiliar_statuses?: string[];
}

/** Credits the catalog estimates for every attempt that made (or may have made) an upstream job. */
export function estimatedSpend(attempts: readonly Attempt[]): number {
  return attempts
    .filter((a) => a.job_id || a.outcome === 'running')
    .reduce((sum, a) => sum + (a.credits_estimated ?? 0), 0);
}

export interface VideoProgress {
  status: VideoStatus;
  progress: number;
  /** "upstream" when the gateway reports progress, "estimated" when we infer it from time. */
  progress_source: 'upstream' | 'estimated';
  model: string;
  job_id?: string;
  attempt: number;
  attempts: Attempt[];
  elapsed_ms: number;
  deadline: string;
  /** The gateway's own word for where the job is (it may be one we do not know). */
  upstream_status?: string;
  /** When the live job was first seen processing: an estimate of progress rises from there. */
  processing_since?: string;
  /** Status checks that failed in a row (an outage is waited out until the deadline). */
  poll_failures: number;
  /** Fallback requests that were refused, with why. */
  rejected_requests: { request: FallbackRequest; problem: string; at: string }[];
}

export interface StoredVideo {
  uri: string;
  url: string;
  sha256: string;
  bytes: number;
  content_type: string;
}

export interface VideoResult {
  status: 'succeeded';
  workflow_id: string;
  model: string;
  job_id: string;
  video: StoredVideo;
  /** Every video, when more than one was asked for (`n > 1`); the first is `video`. */
  videos?: StoredVideo[];
  /** Fewer videos came back than were asked (and paid) for. */
  shortfall?: { requested: number; received: number };
  thumbnail?: StoredVideo;
  provider_url: string;
  thumbnail_url?: string;
  /** infery: whether the gateway's own mirror worked ("failed" is why our copy matters). */
  provider_mirror_status?: string;
  /** The gateway-side copy, where one was asked for. */
  upstream_copy?: UpstreamCopyResult;
  prompt: string;
  params: VideoParams;
  attempts: Attempt[];
  credits_estimated: number | null;
  elapsed_ms: number;
  /** Made by the built-in gateway simulator, not a real gateway. */
  simulated?: boolean;
}

/** Ask the workflow to stop and cancel its upstream job. Temporal's own cancellation does the same. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
/** Abandon the current upstream job (cancelled upstream) and go on with another model. */
export const fallbackSignal = defineSignal<[FallbackRequest]>('fallback');
/** The same as `fallback`, but validated before it is accepted: the caller learns at once if it is refused. */
export const requestFallbackUpdate = defineUpdate<FallbackAccepted, [FallbackRequest]>('requestFallback');
export const progressQuery = defineQuery<VideoProgress>('progress');

/**
 * A job still working, as a watch saw it: the payload of `upstreamStatus`. `succeeded` here has no
 * video URL yet, which counts as working.
 */
export interface UpstreamStatus {
  job_id: string;
  status: 'queued' | 'processing' | 'working' | 'succeeded';
  upstream_status: string;
  progress?: number;
}
/**
 * Sent by the watch activity (`poll_mode: "activity"`), not by clients: the live job has a new status
 * word. The watch goes on checking meanwhile, so the news costs no pause in the cadence at the gateway
 * (a hand-over would: the watch ends, the workflow starts the next). Endings come as the watch's result.
 * The workflow ignores one that is not about its live job or not a working status.
 */
export const upstreamStatusSignal = defineSignal<[UpstreamStatus]>('upstreamStatus');

/** The upstream job, once the gateway has one: the answer of `waitForSubmit`. */
export interface JobSubmitted {
  job_id: string;
  model: string;
  attempt: number;
}
/**
 * Answers as soon as the gateway has given the first job id (at once if it already has); fails with
 * the workflow's failure if it ends before. Used with update-with-start (`start(..., { waitForSubmit })`).
 */
export const waitForSubmitUpdate = defineUpdate<JobSubmitted, []>('waitForSubmit');
