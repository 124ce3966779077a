/**
 * How GenerateVideo calls its activities: timeouts and retry policies in one place. Every call made
 * while the job runs is bounded by the job's absolute deadline (its schedule-to-close is what is left
 * of it), so no retry, Retry-After or slow download outlives the deadline. Cancelling upstream is the
 * exception: it runs after a deadline or a cancel, and must still get through.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import { FailureType } from '../contract';
import { CANCEL_RETRY, MIRROR_RETRY, STATUS_CHECK_RETRY, SUBMIT_RETRY } from './retry-policies';

/** Temporal needs a positive timeout; the caller checks the deadline before calling. */
const until = (remainingMs: number) => Math.max(1000, Math.floor(remainingMs));

export function submitActivity(remainingMs: number) {
  return proxyActivities<VideoActivities>({
    // Longer than one HTTP request (20 s), short enough that a crashed worker's submit is retried soon.
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: until(remainingMs),
    retry: SUBMIT_RETRY,
  }).submitVideoJob;
}

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
    retry: MIRROR_RETRY,
  }).mirrorVideo;
}

export const { cancelVideoJob } = proxyActivities<VideoActivities>({
  startToCloseTimeout: '30s',
  retry: CANCEL_RETRY,
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
