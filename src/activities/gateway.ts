/** The gateway activities: submit a job, check it, cancel it. Gateway errors leave them classified. */
import { Context } from '@temporalio/activity';
import { GatewayError, invalidRequest } from '../gateway/errors';
import type { SubmitRequest, VideoGateway } from '../gateway/types';
import { INPUT_IMAGE_KEY, MAX_INPUT_IMAGE_BYTES, type VideoStore } from '../store/types';
import { classified } from './failures';
import type { CancelInput, CancelOutput, GatewayJob, PollInput, SubmitInput, SubmitOutput } from './types';
import type { JobDurations } from './watch';

export interface GatewayDependencies {
  gateway: VideoGateway;
  store: VideoStore;
  durations: JobDurations;
  /** The gateway is the built-in simulator: every job result says so (`simulated: true`). */
  simulated?: boolean;
}

const signal = () => Context.current().cancellationSignal;

/**
 * One status check; some answers leave the URL out of a finished job, so it asks for one where the
 * dialect can. A finished job teaches the worker how long its model takes (poll_interval "auto").
 */
export function createJobCheck(deps: Pick<GatewayDependencies, 'gateway' | 'durations'>) {
  return async (input: PollInput): Promise<GatewayJob> => {
    const job = await deps.gateway.getJob(input.job_id, { signal: signal() });
    if (job.status === 'succeeded' && !job.video_url && deps.gateway.freshDownloadUrl) {
      job.video_url = await deps.gateway.freshDownloadUrl(job.job_id, { signal: signal() });
    }
    if (job.status === 'succeeded' && input.model && input.submitted_at_ms) {
      deps.durations.record(input.model, (Date.now() - input.submitted_at_ms) / 1000);
    }
    return job;
  };
}

/** Cancel a job upstream where the dialect can; a job the gateway no longer knows is not running. */
export async function cancelJob(gateway: VideoGateway, input: CancelInput, abort: AbortSignal): Promise<CancelOutput> {
  if (!gateway.cancel) return { supported: false, cancelled: false };
  try {
    return { supported: true, cancelled: await gateway.cancel(input.job_id, { signal: abort }) };
  } catch (error) {
    if (error instanceof GatewayError && error.details.status === 404) return { supported: true, cancelled: false };
    throw error;
  }
}

/**
 * Submit a job with the attempt's idempotency key. A stored input image goes to the gateway as a URL
 * it can fetch (S3) or inline bytes (infery).
 */
export async function submitJob(
  deps: Pick<GatewayDependencies, 'gateway' | 'store' | 'simulated'>,
  input: SubmitInput,
  abort: AbortSignal,
): Promise<SubmitOutput> {
  const request = input.image_ref ? await withReferencedImage(deps, input.request, input.image_ref) : input.request;
  const job = await deps.gateway.submit(request, { idempotencyKey: input.idempotency_key, signal: abort });
  return deps.simulated ? { ...job, simulated: true } : job;
}

async function withReferencedImage(
  deps: Pick<GatewayDependencies, 'gateway' | 'store'>,
  request: SubmitRequest,
  key: string,
): Promise<SubmitRequest> {
  if (!INPUT_IMAGE_KEY.test(key)) throw invalidRequest(`image_ref "${key}" is not an input image key`);
  if (deps.store.shareableUrl) return { ...request, image_url: await deps.store.shareableUrl(key) };
  if (!deps.gateway.supports.inlineImages) {
    throw invalidRequest('this gateway needs an image URL: use an S3 store (VIDEO_STORE=s3://...) or pass image_url');
  }
  const bytes = await deps.store.read(key, MAX_INPUT_IMAGE_BYTES);
  return { ...request, image_base64: bytes.toString('base64') };
}

export function createGatewayActivities(deps: GatewayDependencies) {
  const checkJob = createJobCheck(deps);

  return {
    submitVideoJob: classified((input: SubmitInput): Promise<SubmitOutput> => submitJob(deps, input, signal())),

    pollVideoJob: classified((input: PollInput): Promise<GatewayJob> => checkJob(input)),

    cancelVideoJob: classified((input: CancelInput): Promise<CancelOutput> => cancelJob(deps.gateway, input, signal())),
  };
}
