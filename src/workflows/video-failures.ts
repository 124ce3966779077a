/**
 * What a failure means for a GenerateVideo, decided in one place: read an activity failure once,
 * decide what a failed submit, a failed poll or an ended upstream job leads to, and build the
 * failure a workflow ends with, whose details are written and read here only.
 *
 * Pure: no side effects, so both the workflow and its callers (campaigns, clients, tests) import it.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { FailureType, FINAL_FAILURE_TYPES } from '../contract';
import { classifyJobError } from '../gateway/errors';
import type { GatewayJob } from '../gateway/types';
import type { Attempt } from './messages';

const FINAL = new Set<string>(FINAL_FAILURE_TYPES);

/** The facts of an activity failure, unwrapped once. */
export interface FailureFacts {
  type: string;
  message: string;
  /** The gateway's HTTP status, where the failure came from an answer. */
  http_status?: number;
  /** The activity ran out of time (its schedule-to-close is the job's deadline). */
  timed_out: boolean;
}

/**
 * An activity's own ApplicationFailure (InvalidInput from a check), as the workflow's failure: the
 * caller sees the type the activity raised, not a wrapper. Anything else is returned as it is.
 */
export function ownFailure(error: unknown): unknown {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : error;
}

/** Read a failure. Cancellations are not failures: callers rethrow them before asking. */
export function factsOf(error: unknown): FailureFacts {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { http_status?: number } | undefined;
    return {
      type: cause.type ?? FailureType.ProviderFailed,
      message: cause.message,
      http_status: details?.http_status,
      timed_out: false,
    };
  }
  const timedOut = cause instanceof TimeoutFailure;
  const message = cause instanceof Error ? cause.message || cause.name : String(cause);
  return { type: timedOut ? FailureType.Timeout : FailureType.ProviderFailed, message, timed_out: timedOut };
}

/** True for failures that neither a retry nor another model can fix. */
export function isFinal(type: string): boolean {
  return FINAL.has(type);
}

/**
 * After a submit failed for good (its retry policy is spent):
 * - `stop`: nothing can fix it (bad input, refusal, credit, key, budget);
 * - `next_model`: the gateway said it did not take the job (429, 503), so another model costs nothing twice;
 * - `resubmit`: the job may exist (a 5xx, a 409, a reset, no answer): submit again with the same
 *   idempotency key, which finds that job instead of paying for a second one.
 */
export type SubmitDecision = 'stop' | 'next_model' | 'resubmit';

const NOT_ACCEPTED_STATUSES = new Set([429, 503]);

export function afterSubmitFailure(facts: FailureFacts): SubmitDecision {
  if (isFinal(facts.type)) return 'stop';
  if (facts.type === FailureType.QuotaExceeded) return 'next_model';
  if (facts.http_status !== undefined && NOT_ACCEPTED_STATUSES.has(facts.http_status)) return 'next_model';
  return 'resubmit';
}

/**
 * After a status check failed for good: the job is paid for and probably still running, so an outage
 * is waited out (`retry_later`, bounded by the deadline) and never a reason to pay another model.
 * Only a gateway that no longer knows the job (`job_lost`) or refuses our key (`stop`) ends it.
 */
export type PollDecision = 'retry_later' | 'job_lost' | 'stop';

export function afterPollFailure(facts: FailureFacts): PollDecision {
  if (facts.type === FailureType.Unauthorized) return 'stop';
  if (facts.http_status === 404 || facts.http_status === 410) return 'job_lost';
  return 'retry_later';
}

/** What a status answer means for the attempt. */
export type JobVerdict =
  { kind: 'working' } | { kind: 'succeeded' } | { kind: 'failed'; type: FailureType; message: string };

/**
 * Only an ending the gateway named ends an attempt. An unfamiliar word is `working` (see
 * normaliseStatus), and so is a success without a URL yet: the next poll may bring it.
 */
export function judgeJob(job: GatewayJob): JobVerdict {
  switch (job.status) {
    case 'succeeded':
      return job.video_url ? { kind: 'succeeded' } : { kind: 'working' };
    case 'failed':
      return {
        kind: 'failed',
        type: classifyJobError(job),
        message: job.error ?? `upstream job ended as "${job.upstream_status}"`,
      };
    case 'cancelled':
      // Cancelled by someone else (we never poll a job we cancelled): another model may still deliver.
      return {
        kind: 'failed',
        type: FailureType.ProviderFailed,
        message: `upstream job ended as "${job.upstream_status}"`,
      };
    default:
      return { kind: 'working' };
  }
}

/** The details every GenerateVideo failure carries: what was tried, and what exists upstream. */
export interface VideoFailureDetails {
  attempts: Attempt[];
  /** The upstream job whose video exists but is not in our store (mirror failed, cancelled, timed out). */
  job_id?: string;
  provider_url?: string;
}

export function videoFailure(type: string, message: string, details: VideoFailureDetails): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** The `waitForSubmit` answer of a run that ended before the gateway gave a job id: its own failure type. */
export function noUpstreamJob(outcome: { status: string; failure?: { type: string; message: string } }) {
  return ApplicationFailure.create({
    type: outcome.failure?.type ?? FailureType.ProviderFailed,
    message: `no upstream job: ${outcome.failure?.message ?? outcome.status}`,
    nonRetryable: true,
  });
}

/** The details of a GenerateVideo failure (directly, or as the cause of a child or client error). */
export function failureDetails(error: unknown): VideoFailureDetails | undefined {
  let failure: unknown = error;
  while (failure instanceof Error && !(failure instanceof ApplicationFailure) && failure.cause) failure = failure.cause;
  if (!(failure instanceof ApplicationFailure)) return undefined;
  const details = failure.details?.[0] as Partial<VideoFailureDetails> | undefined;
  return details && Array.isArray(details.attempts) ? (details as VideoFailureDetails) : undefined;
}

/**
 * The failure when no model is left: a single model ends with its own failure type (the caller
 * sees "SafetyRefusal", not a wrapper); a chain ends with AllModelsFailed listing every attempt.
 */
export function chainExhausted(attempts: Attempt[], chainLength: number): ApplicationFailure {
  const last = attempts[attempts.length - 1];
  if (chainLength === 1 && attempts.length === 1 && last) {
    return videoFailure(
      last.error_type ?? FailureType.ProviderFailed,
      `${last.model} failed: ${last.error ?? last.outcome}`,
      {
        attempts,
      },
    );
  }
  const summary = attempts.map((a) => `${a.model}: ${a.error_type ?? a.outcome}${a.error ? ` (${a.error})` : ''}`);
  return videoFailure(FailureType.AllModelsFailed, `every model failed: ${summary.join('; ')}`, { attempts });
}
