/**
 * Leaving an upstream job: the one way a run stops early, and the one way an attempt is abandoned.
 * The upstream cancel runs in a scope that cannot itself be cancelled, because a cancellation is
 * usually what brings us here.
 */
import { CancellationScope, log } from '@temporalio/workflow';
import { publish } from './publish';
import { cancelVideoJob } from './video-activities';
import { factsOf, videoFailure } from './video-failures';
import type { StopReason, VideoRun } from './video-run';

/**
 * The one way a run stops early (cancel signal, Temporal cancellation, deadline): cancel the live
 * job upstream, record how the attempt ended, and return the failure to end with.
 */
export async function stopRunning(
  run: VideoRun,
  stop: StopReason,
  upstream: { job_id?: string; provider_url?: string } = {},
) {
  const outcome = stop.ending === 'cancelled' ? 'cancelled' : 'timed_out';
  const message = stop.ending === 'cancelled' ? (run.state.cancel_reason ?? 'workflow cancelled') : 'deadline reached';
  await abandonUpstream(run, outcome, { type: stop.type, message });
  run.finish(stop.ending, { type: stop.type, message: stop.message });
  publish(run);
  return videoFailure(stop.type, stop.message, { attempts: [...run.attempts], ...upstream });
}

/**
 * End the live attempt and leave its job: cancel it upstream where the dialect can (never once it has
 * finished, as while mirroring). Runs in a non-cancellable scope: a cancellation is what brings us here.
 */
export async function abandonUpstream(
  run: VideoRun,
  outcome: 'cancelled' | 'timed_out' | 'abandoned' | 'failed',
  why: { type?: string; message?: string },
): Promise<void> {
  const live = run.live;
  if (!live) return;
  let upstreamCancel: 'cancelled' | 'not_supported' | 'failed' | 'unknown_job' | undefined;
  if (!live.job_id) upstreamCancel = 'unknown_job';
  else if (run.status !== 'mirroring') {
    upstreamCancel = await CancellationScope.nonCancellable(async () => {
      try {
        const answer = await cancelVideoJob({ job_id: live.job_id! });
        return answer.supported ? 'cancelled' : 'not_supported';
      } catch (error) {
        log.error('Could not cancel the upstream job', { job_id: live.job_id, error: factsOf(error).message });
        return 'failed';
      }
    });
  }
  run.endAttempt(outcome, Date.now(), { ...why, upstream_cancel: upstreamCancel });
}
