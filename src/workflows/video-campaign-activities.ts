/** The campaign's activities as the workflow calls them: timeouts and retries in one place. */
import { proxyActivities } from '@temporalio/workflow';
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
