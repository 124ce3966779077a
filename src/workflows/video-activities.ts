/**
 * How GenerateVideo calls its activities: timeouts and retry policies in one place. Every call made
 * while the job runs is bounded by the job's absolute deadline (its schedule-to-close is what is left
 * of it), so no retry, Retry-After or slow download outlives the deadline. Cancelling upstream is the
 * exception: it runs after a deadline or a cancel, and must still get through.
 */
import type { RetryPolicy } from '@temporalio/common';
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import { FailureType, FINAL_FAILURE_TYPES } from '../contract';

/** Temporal needs a positive timeout; the caller checks the deadline before calling. */
const until = (remainingMs: number) => Math.max(1000, Math.floor(remainingMs));

export function submitActivity(remainingMs: number) {
  return proxyActivities<VideoActivities>({
    // Longer than one HTTP request (20 s), short enough that a crashed worker's submit is retried soon.
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: until(remainingMs),
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      // Then the workflow decides: another model (quota), or the same key again (the job may exist).
      maximumAttempts: 4,
      nonRetryableErrorTypes: [...FINAL_FAILURE_TYPES],
    },
  }).submitVideoJob;
}

/**
 * Status checks (either poll mode) get one short round of retries; then the workflow records a failed
 * round and backs off between rounds itself, so an outage shows in `progress` and a cancel never waits
 * for a long retry.
 */
const STATUS_CHECK_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 3,
  nonRetryableErrorTypes: [FailureType.Unauthorized, FailureType.InvalidInput],
};

/** Polls are local activities: about 6 history events per poll instead of 11. */
export function pollActivity(remainingMs: number) {
  return proxyLocalActivities<VideoActivities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: Math.min(5 * 60_000, until(remainingMs)),
    retry: STATUS_CHECK_RETRY,
  }).pollVideoJob;
}

/** The longest one watch activity runs before reporting back, changed or not. */
export const WATCH_MAX_MS = 2 * 60_000;

/**
 * How long one watch may run before reporting back: WATCH_MAX_MS, or one poll interval when that is
 * longer (a watch checks at least once), and never past the deadline.
 */
export function watchSpanMs(pollIntervalMs: number, remainingMs: number): number {
  return Math.min(Math.max(WATCH_MAX_MS, pollIntervalMs), remainingMs);
}

/** poll_mode "activity": one watch per job (status news by signal); a dead worker shows within the heartbeat timeout. */
export function watchActivity(remainingMs: number, pollIntervalMs: number) {
  return proxyActivities<VideoActivities>({
    // Room for the first check after a whole interval, and for the check itself.
    startToCloseTimeout: Math.max(WATCH_MAX_MS, pollIntervalMs) + 60_000,
    scheduleToCloseTimeout: until(remainingMs),
    heartbeatTimeout: '30s',
    retry: STATUS_CHECK_RETRY,
  }).watchVideoJob;
}

export function mirrorActivity(remainingMs: number) {
  return proxyActivities<VideoActivities>({
    startToCloseTimeout: '15m',
    scheduleToCloseTimeout: until(remainingMs),
    // Heartbeats carry bytes done; a stalled download fails fast, a cancelled workflow stops it.
    heartbeatTimeout: '30s',
    retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 5 },
  }).mirrorVideo;
}

export const { cancelVideoJob } = proxyActivities<VideoActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

/** Callbacks: a receiver that is down for a while still gets the outcome (about 15 minutes of tries). */
export const { deliverCallback } = proxyActivities<VideoActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [FailureType.InvalidInput],
  },
});

export const { checkRequest, loadCatalog, searchAttributesRegistered } = proxyLocalActivities<VideoActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});
