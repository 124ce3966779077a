/** The campaign's activities as the workflow calls them: timeouts and retries in one place. */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import { DEFAULT_VIDEO_TIMEOUT_MS, FailureType } from '../contract';
import { parseDuration } from '../duration';

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

/** Past the video's deadline: room for a mirror that began before it, and an upstream cancel. */
const AFTER_DEADLINE_MS = 15 * 60_000;

/**
 * One attempt of a row's video in one activity (`row_runner: "activity"`, video-in-activity.ts). It
 * stops at the video's own deadline; schedule-to-close is a backstop past it, and bounds the retries
 * (a crashed or stopped worker: the retry resumes from the heartbeated state). A dead worker shows
 * within the heartbeat timeout. A cancel waits for the activity to cancel its job upstream. The
 * campaign is the fairness key, as for child rows.
 */
export function videoAttemptActivity(campaignId: string, timeout: unknown) {
  const given = typeof timeout === 'string' || typeof timeout === 'number' ? parseDuration(timeout) : undefined;
  return proxyActivities<VideoActivities>({
    scheduleToCloseTimeout: (given ?? DEFAULT_VIDEO_TIMEOUT_MS) + AFTER_DEADLINE_MS,
    heartbeatTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2s', maximumInterval: '1m' },
    priority: { fairnessKey: campaignId },
  }).generateVideoInActivity;
}
