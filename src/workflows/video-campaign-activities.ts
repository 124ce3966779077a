/** The campaign's activities as the workflow calls them: timeouts and retries in one place. */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import { FailureType } from '../contract';

/** One page of rows read, or one results part written: short, retried until the store answers. */
export const onePart = proxyActivities<VideoActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: [FailureType.InvalidInput] },
});

/** Whole-manifest work (validation, results, retries): long, so it heartbeats. */
export const wholeFile = proxyActivities<VideoActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', maximumInterval: '1m', nonRetryableErrorTypes: [FailureType.InvalidInput] },
});

/**
 * A row's whole video in one activity (`row_runner: "activity"`). It stops at the video's own deadline
 * (a `timeout` of at most 24 h), so its start-to-close is only a backstop; a dead worker shows within
 * the heartbeat timeout, and the retry resumes the run from its heartbeated state. A cancel waits for
 * the activity to cancel its job upstream. Every ending it decides is non-retryable; what is retried
 * is a crash or a failure of its own.
 */
export const { generateVideoInActivity } = proxyActivities<VideoActivities>({
  startToCloseTimeout: '25h',
  heartbeatTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 10 },
});
