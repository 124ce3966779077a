/**
 * The completion callback: when a video ends (succeeded, failed, cancelled), POST the outcome to the
 * `callback_url` the caller gave, signed by the worker (Standard Webhooks). Delivery is retried by a
 * Temporal retry policy; its failure is logged and never changes the video's own outcome.
 */
import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import type { VideoWebhookEvent } from '../operations/webhooks';
import type { VideoResult } from './messages';
import { deliverCallback } from './video-activities';
import { factsOf } from './video-failures';
import type { VideoRun } from './video-run';

export async function sendCallback(run: VideoRun, result?: VideoResult): Promise<void> {
  const url = run.request.callback_url;
  const outcome = result ? { status: 'succeeded' as const } : run.outcome;
  if (!url || !outcome) return;
  const status = outcome.status as VideoWebhookEvent['data']['status'];
  const type = status === 'succeeded' ? 'video.succeeded' : status === 'cancelled' ? 'video.cancelled' : 'video.failed';
  const info = workflowInfo();
  const event: VideoWebhookEvent = {
    type,
    timestamp: new Date().toISOString(),
    data: {
      workflow_id: info.workflowId,
      status,
      ...(result ? { result } : {}),
      ...(outcome.failure ? { failure: outcome.failure } : {}),
    },
  };
  // Sent even when the workflow was cancelled: that is exactly when the caller must hear about it.
  await CancellationScope.nonCancellable(async () => {
    try {
      await deliverCallback({ url, webhook_id: `${info.workflowId}/${info.firstExecutionRunId}/${type}`, event });
    } catch (error) {
      log.error('The completion callback could not be delivered', { error: factsOf(error).message });
    }
  });
}
