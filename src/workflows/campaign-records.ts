/**
 * The result record of one row attempt, for every way a row ends: its video succeeded, failed or was
 * cancelled, or it never started. Pure: the workflow builds them, and the activities for rows a
 * cancelled campaign never started.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/common';
import { FailureType } from '../contract';
import type { CampaignRow } from '../campaign/input';
import type { CampaignResultRow, RowStatus } from '../campaign/results';
import { estimatedSpend, type Attempt, type VideoResult } from './messages';
import { failureDetails } from './video-failures';
import type { Remirrored } from './video-campaign-remirror';

/** The part of a result record every outcome shares. */
export function recordBase(row: CampaignRow, workflowId: string | undefined, now: number) {
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
  return {
    ...recordBase(row, workflowId, now),
    ...storedVideo(result),
    credits: estimatedSpend(result.attempts),
    attempts: result.attempts.length,
  } satisfies CampaignResultRow;
}

/** What a succeeded row records of its job and the videos mirrored from it. */
function storedVideo(stored: Remirrored) {
  const videos = stored.videos ?? [stored.video];
  return {
    status: 'succeeded' as const,
    ...(stored.model ? { model: stored.model } : {}),
    job_id: stored.job_id,
    video_uri: stored.video.uri,
    video_url: stored.video.url,
    ...(stored.thumbnail ? { thumbnail_uri: stored.thumbnail.uri, thumbnail_url: stored.thumbnail.url } : {}),
    sha256: stored.video.sha256,
    bytes: videos.reduce((sum, v) => sum + v.bytes, 0),
  };
}

/**
 * A row that failed or was cancelled, with what its paid attempts cost: as the failure tells, or the
 * last heartbeat of an activity that timed out, or `known` (the attempts its caller last heard of).
 */
export function failedRecord(
  row: CampaignRow,
  workflowId: string,
  error: unknown,
  now: number,
  cancelled: boolean,
  known: readonly Attempt[] = [],
): CampaignResultRow {
  const cause = error instanceof ChildWorkflowFailure || error instanceof ActivityFailure ? error.cause : error;
  const failure = cause instanceof ApplicationFailure ? cause : undefined;
  const attempts: Attempt[] = [...(failureDetails(cause)?.attempts ?? heartbeatedAttempts(cause) ?? known)];
  const paid = attempts.filter((a) => a.job_id);
  const last = paid[paid.length - 1] ?? attempts[attempts.length - 1];
  const status: RowStatus = cancelled || failure?.type === FailureType.Cancelled ? 'cancelled' : 'failed';
  // Set only where the video exists upstream but not in our store (see VideoFailureDetails.job_id).
  const finished = failureDetails(cause)?.job_id;
  return {
    ...recordBase(row, workflowId, now),
    status,
    failure_type: status === 'cancelled' ? FailureType.Cancelled : (failure?.type ?? FailureType.ProviderFailed),
    failure_message: (cause as Error | undefined)?.message ?? String(error),
    ...(last?.model ? { model: last.model } : {}),
    ...(last?.job_id ? { job_id: last.job_id } : {}),
    ...(finished ? { finished_job_id: finished } : {}),
    credits: estimatedSpend(attempts),
    attempts: attempts.length,
  };
}

/** The attempts in the last heartbeat of a row's activity that timed out (video-in-activity.ts). */
function heartbeatedAttempts(cause: unknown): Attempt[] | undefined {
  if (!(cause instanceof TimeoutFailure)) return undefined;
  const details = cause.lastHeartbeatDetails as { state?: { attempts?: unknown } } | undefined;
  return Array.isArray(details?.state?.attempts) ? (details.state.attempts as Attempt[]) : undefined;
}

/** A retried row mirrored again from its finished upstream job: nothing new was paid. */
export function remirroredRecord(row: CampaignRow, workflowId: string, mirrored: Remirrored, now: number) {
  return {
    ...recordBase(row, workflowId, now),
    ...storedVideo(mirrored),
    credits: 0,
    attempts: 0,
  } satisfies CampaignResultRow;
}

/** A row that never started: skipped for the budget, or because the campaign was cancelled first. */
export function notStartedRecord(
  row: CampaignRow,
  status: 'skipped' | 'skipped_budget',
  reason: string,
  now: number,
): CampaignResultRow {
  return { ...recordBase(row, undefined, now), status, failure_message: reason, credits: 0, attempts: 0 };
}

/** A row not started because its worst case would pass the budget. */
export function skippedForBudget(row: CampaignRow, worstCase: number, now: number): CampaignResultRow {
  const reason = `its worst case (${worstCase} credits) would pass the campaign's max_credits`;
  return notStartedRecord(row, 'skipped_budget', reason, now);
}
