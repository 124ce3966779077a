/**
 * A retried row whose video was made but never reached our store (its mirror failed, or it timed out
 * while mirroring) is mirrored again from the finished upstream job its failure named, for nothing,
 * while the gateway still has the job. Only when the gateway no longer has it (`UpstreamGone`) does
 * the campaign generate the row again, and pay. A child workflow of its own, so the mirrored objects
 * are keyed by its id (`<campaign id>/<row id>/attempt-<n>/mirror`) like any video's.
 */
import { FailureType } from '../contract';
import { upstreamGone } from '../failures';
import type { MirrorOutput } from '../activities/types';
import { rethrowCancellation } from './interruptible';
import { mirrorActivity, pollActivity } from './video-activities';
import { afterPollFailure, factsOf, judgeJob, videoFailure } from './video-failures';

/** The upstream job to mirror from, as the row's failure named it. */
export interface RemirrorInput {
  job_id: string;
  model?: string;
}

export interface Remirrored extends Pick<MirrorOutput, 'video' | 'videos' | 'thumbnail'> {
  model?: string;
  job_id: string;
}

const MINUTE = 60_000;

export async function RemirrorFinishedJob(input: RemirrorInput): Promise<Remirrored> {
  const gone = (why: string) => upstreamGone(`job ${input.job_id}: ${why}`);
  let job;
  try {
    job = await pollActivity(10 * MINUTE)({ job_id: input.job_id, model: input.model });
  } catch (error) {
    rethrowCancellation(error);
    const facts = factsOf(error);
    // Only a gateway that no longer knows the job means it is gone: an outage is no reason to pay again.
    if (afterPollFailure(facts) === 'job_lost') throw gone(`the gateway no longer knows it (${facts.message})`);
    throw videoFailure(FailureType.MirrorFailed, `job ${input.job_id} could not be checked: ${facts.message}`, {
      attempts: [],
      job_id: input.job_id,
    });
  }
  if (judgeJob(job).kind !== 'succeeded') throw gone(`it is "${job.upstream_status}", without a video`);
  try {
    const stored = await mirrorActivity(60 * MINUTE)({
      job_id: job.job_id,
      video_url: job.video_url!,
      thumbnail_url: job.thumbnail_url,
      videos: job.videos,
    });
    const { video, videos, thumbnail } = stored;
    return { model: input.model, job_id: job.job_id, video, ...(videos ? { videos } : {}), thumbnail };
  } catch (error) {
    rethrowCancellation(error);
    // Still in the gateway, still not ours: the row stays retryable from the same job.
    const message = `the video of job ${job.job_id} could not be mirrored again: ${factsOf(error).message}`;
    throw videoFailure(FailureType.MirrorFailed, message, { attempts: [], job_id: job.job_id });
  }
}
