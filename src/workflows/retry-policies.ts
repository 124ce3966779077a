/**
 * The retry policies of a video's calls, in one place: GenerateVideo gives them to its activities
 * (video-activities.ts), and a campaign row run as an activity follows the same ones in its own loop
 * (activities/video-in-activity.ts). Pure: no workflow calls, so both sides import it.
 */
import type { RetryPolicy } from '@temporalio/common';
import { FailureType, FINAL_FAILURE_TYPES } from '../contract';

/** A submit: then the run decides (another model on quota, or the same key again: the job may exist). */
export const SUBMIT_RETRY: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 4,
  nonRetryableErrorTypes: [...FINAL_FAILURE_TYPES],
};

/**
 * Status checks (either poll mode) get one short round of retries; then the run records a failed
 * round and backs off between rounds itself, so an outage shows in `progress` and a cancel never waits
 * for a long retry.
 */
export const STATUS_CHECK_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 3,
  nonRetryableErrorTypes: [FailureType.Unauthorized, FailureType.InvalidInput],
};

export const MIRROR_RETRY: RetryPolicy = { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 5 };

/** Cancelling a job upstream: after a cancel or the deadline, so it must still get through. */
export const CANCEL_RETRY: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 5,
};
