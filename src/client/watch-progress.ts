/**
 * Progress between hand-overs. In poll_mode "activity" the workflow hears from its watch only when
 * the job's status changes or it ends, so its `progress` query knows the status but not the latest
 * percent. The watch heartbeats what it saw after every status check; the server keeps the last
 * heartbeat on the pending activity, and describe() returns it. Reading it costs the server a read,
 * not a workflow task and history events per progress step.
 */
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { WATCH_ACTIVITY_TYPE, type WatchHeartbeat } from '../activities/watch';
import type { VideoProgress } from '../workflows/messages';
import { estimatedProgress, shownUpstreamProgress } from '../workflows/video-run';

/** Only a job still upstream has a watch whose heartbeat can be newer than the query's answer. */
export function mayBeWatched(progress: VideoProgress): boolean {
  return (progress.status === 'queued' || progress.status === 'processing') && !!progress.job_id;
}

/** The last heartbeat of the workflow's pending watch, if it has one. */
export async function lastWatchHeartbeat(
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription,
): Promise<WatchHeartbeat | undefined> {
  const watch = description.raw.pendingActivities?.find((a) => a.activityType?.name === WATCH_ACTIVITY_TYPE);
  if (!watch?.heartbeatDetails?.payloads?.length) return undefined;
  try {
    return await decodeFromPayloadsAtIndex<WatchHeartbeat>(
      handle.client.options.loadedDataConverter,
      0,
      watch.heartbeatDetails.payloads,
    );
  } catch {
    return undefined; // details from another version of the watch: the query's answer stands
  }
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Heartbeat details are data from another process: only a well-formed one is laid over the answer. */
function wellFormed(seen: unknown): seen is WatchHeartbeat {
  const s = seen as Partial<WatchHeartbeat> | undefined;
  return (
    !!s &&
    typeof s.job_id === 'string' &&
    typeof s.upstream_status === 'string' &&
    finite(s.checked_at_ms) &&
    (s.progress === undefined || finite(s.progress))
  );
}

/** The query's answer with the watch's newer progress (for the same job) laid over it. */
export function withWatchProgress(progress: VideoProgress, seen: WatchHeartbeat | undefined): VideoProgress {
  if (!wellFormed(seen) || !mayBeWatched(progress) || seen.job_id !== progress.job_id) return progress;
  // A heartbeat from before the workflow was told the job moved on (details are sent at most every
  // few seconds): the workflow's newer word stands.
  if (seen.status === 'queued' && progress.status !== 'queued') return progress;
  const merged = { ...progress, upstream_status: seen.upstream_status };
  if (merged.status !== 'processing') return merged;
  if (seen.progress !== undefined) {
    merged.progress = Math.max(progress.progress, shownUpstreamProgress(seen.progress));
    merged.progress_source = 'upstream';
  } else if (progress.progress_source === 'estimated' && progress.processing_since) {
    // No figure from the gateway: the workflow's estimate, as of the watch's last check (still processing then).
    const since = Date.parse(progress.processing_since);
    merged.progress = Math.max(progress.progress, estimatedProgress(seen.checked_at_ms - since));
  }
  return merged;
}
