/**
 * Activities built from injected dependencies (gateway client, store, download policy), as in the
 * activities-dependency-injection sample: tests pass fakes of the world here, never of Temporal.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import { BUILTIN_CATALOG, mergeCatalog } from '../catalog';
import { FailureType } from '../contract';
import { GatewayError } from '../gateway/errors';
import type { SubmitRequest, VideoGateway } from '../gateway/types';
import { INPUT_IMAGE_KEY, MAX_INPUT_IMAGE_BYTES, objectKey, type VideoStore } from '../store/types';
import { createCampaignActivities } from '../campaign/activities';
import { parseGenerateVideoInput, type GenerateVideoRequest } from '../request';
import { classified } from './failures';
import { JobDurations, watchJob } from './watch';
import { mirrorObject, type MirroredObject } from './mirror';
import { METRIC } from '../operations/metrics';
import { signWebhook } from '../operations/webhooks';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy, safePost, UnsafeUrlError } from './safe-download';
import type {
  CallbackInput,
  CancelInput,
  CancelOutput,
  CatalogOutput,
  GatewayJob,
  MirrorInput,
  MirrorOutput,
  PollInput,
  WatchInput,
  WatchOutput,
  SubmitInput,
  SubmitOutput,
  UpstreamCopy,
} from './types';

export interface ActivityDependencies {
  gateway: VideoGateway;
  store: VideoStore;
  download?: Partial<DownloadPolicy>;
  /** How long a fetched live catalog is reused; it is never fetched per poll. */
  catalogTtlMs?: number;
  /** A gateway-side copy besides ours: infery pins the file, infrai keeps the job for N days (1-90). */
  upstreamCopy?: { pinFile?: boolean; retentionDays?: number };
  /** The gateway is the built-in simulator: every job result says so (`simulated: true`). */
  simulated?: boolean;
  /** Signs completion callbacks (`VIDEO_CALLBACK_SECRET`); without it callbacks are refused. */
  callbackSecret?: string;
  /** Whether the namespace has the video search attributes (checked by the worker, cached). */
  searchAttributesRegistered?: () => Promise<boolean>;
}

export function createActivities(deps: ActivityDependencies) {
  const policy: DownloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, ...deps.download };
  const catalogTtlMs = deps.catalogTtlMs ?? 10 * 60_000;
  let cachedCatalog: { at: number; value: CatalogOutput } | undefined;
  const signal = () => Context.current().cancellationSignal;
  const durations = new JobDurations();

  /** A stored input image goes to the gateway as a URL it can fetch (S3) or inline bytes (infery). */
  async function withReferencedImage(request: SubmitRequest, key: string): Promise<SubmitRequest> {
    const refuse = (message: string) => new GatewayError(FailureType.InvalidInput, message, { retryable: false });
    if (!INPUT_IMAGE_KEY.test(key)) throw refuse(`image_ref "${key}" is not an input image key`);
    if (deps.store.shareableUrl) return { ...request, image_url: await deps.store.shareableUrl(key) };
    if (!deps.gateway.supports.inlineImages) {
      throw refuse('this gateway needs an image URL: use an S3 store (VIDEO_STORE=s3://...) or pass image_url');
    }
    const bytes = await deps.store.read(key, MAX_INPUT_IMAGE_BYTES);
    return { ...request, image_base64: bytes.toString('base64') };
  }

  /** Ask the gateway to keep its copy too. Best effort: our own copy is what the result promises. */
  async function upstreamCopy(jobId: string, video: MirroredObject): Promise<UpstreamCopy | undefined> {
    const { pinFile, retentionDays } = deps.upstreamCopy ?? {};
    if (!deps.gateway.keepCopy || (!pinFile && !retentionDays)) return undefined;
    try {
      return await deps.gateway.keepCopy(
        {
          job_id: jobId,
          local_path: pinFile && deps.store.kind === 'folder' ? fileURLToPath(video.uri) : undefined,
          content_type: video.content_type,
          retention_days: retentionDays,
          idempotency_key: `retention-${jobId}`,
        },
        { signal: signal() },
      );
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** One status check; some answers leave the URL out of a finished job, so ask for one where the dialect can. */
  async function checkJob(input: PollInput): Promise<GatewayJob> {
    const job = await deps.gateway.getJob(input.job_id, { signal: signal() });
    if (job.status === 'succeeded' && !job.video_url && deps.gateway.freshDownloadUrl) {
      job.video_url = await deps.gateway.freshDownloadUrl(job.job_id, { signal: signal() });
    }
    if (job.status === 'succeeded' && input.model && input.submitted_at_ms) {
      durations.record(input.model, (Date.now() - input.submitted_at_ms) / 1000);
    }
    return job;
  }

  /** The live catalog merged over the built-in one (cached); the built-in one alone when the gateway has none. */
  async function currentCatalog(): Promise<CatalogOutput> {
    if (cachedCatalog && Date.now() - cachedCatalog.at < catalogTtlMs) return cachedCatalog.value;
    let value: CatalogOutput;
    const capabilities = deps.gateway.supports;
    try {
      value = {
        catalog: mergeCatalog(await deps.gateway.listModels({ signal: signal() })),
        source: 'live',
        capabilities,
      };
    } catch (error) {
      // A catalog outage must not stop generation: the built-in catalog still guards the request.
      value = { catalog: BUILTIN_CATALOG, source: 'builtin', problem: (error as Error).message, capabilities };
      Context.current().log.warn('Live model catalog unavailable; using the built-in one', {
        problem: value.problem,
      });
    }
    cachedCatalog = { at: Date.now(), value };
    return value;
  }

  return {
    ...createCampaignActivities({ store: deps.store, catalog: async () => (await currentCatalog()).catalog }),

    /** A GenerateVideo input, normalised, or InvalidInput: zod runs here, outside the workflow sandbox. */
    async checkRequest(input: unknown): Promise<GenerateVideoRequest> {
      return parseGenerateVideoInput(input);
    },

    /** The catalog, what the gateway can do, and what this worker learned about job durations. */
    async loadCatalog(): Promise<CatalogOutput> {
      const searchAttributes = await deps.searchAttributesRegistered?.().catch(() => false);
      const value = await currentCatalog();
      return { ...value, search_attributes: searchAttributes ?? false, typical_seconds: durations.typical() };
    },

    /** Whether the namespace has the video search attributes (campaigns ask; videos learn it with the catalog). */
    async searchAttributesRegistered(): Promise<boolean> {
      return (await deps.searchAttributesRegistered?.().catch(() => false)) ?? false;
    },

    submitVideoJob: classified(async (input: SubmitInput): Promise<SubmitOutput> => {
      const request = input.image_ref ? await withReferencedImage(input.request, input.image_ref) : input.request;
      const job = await deps.gateway.submit(request, { idempotencyKey: input.idempotency_key, signal: signal() });
      return deps.simulated ? { ...job, simulated: true } : job;
    }),

    pollVideoJob: classified((input: PollInput): Promise<GatewayJob> => checkJob(input)),

    /** `poll_mode: "activity"`: polls inside one heartbeating activity, back only for news (watch.ts). */
    watchVideoJob: classified((input: WatchInput): Promise<WatchOutput> =>
      watchJob(Context.current(), input, checkJob),
    ),

    cancelVideoJob: classified(async (input: CancelInput): Promise<CancelOutput> => {
      if (!deps.gateway.cancel) return { supported: false, cancelled: false };
      try {
        return { supported: true, cancelled: await deps.gateway.cancel(input.job_id, { signal: signal() }) };
      } catch (error) {
        // A job the gateway no longer knows cannot be running; nothing to cancel.
        if (error instanceof GatewayError && error.details.status === 404) return { supported: true, cancelled: false };
        throw error;
      }
    }),

    /**
     * POST a signed completion callback (Standard Webhooks). The webhook id is the same on every
     * retry, so a receiver can drop duplicates; the gateway key never goes to the callback URL.
     */
    async deliverCallback(input: CallbackInput): Promise<{ status: number }> {
      if (!deps.callbackSecret) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidInput,
          message: 'callback_url was given but the worker has no VIDEO_CALLBACK_SECRET to sign it with',
          nonRetryable: true,
        });
      }
      const body = JSON.stringify(input.event);
      const headers = { ...signWebhook(deps.callbackSecret, input.webhook_id, body) };
      try {
        return { status: await safePost(input.url, policy, body, headers, signal()) };
      } catch (error) {
        if (error instanceof UnsafeUrlError) {
          throw ApplicationFailure.create({
            type: FailureType.InvalidInput,
            message: error.message,
            nonRetryable: true,
          });
        }
        throw error;
      }
    },

    mirrorVideo: classified(async (input: MirrorInput): Promise<MirrorOutput> => {
      // Keys derive from the workflow id: a retry overwrites its own object, never another video's.
      const { workflowExecution, activityId } = Context.current().info;
      const key = (file: string) => objectKey(workflowExecution?.workflowId ?? `activity-${activityId}`, file);
      // The first video may be re-issued by the gateway when its signed URL expired.
      const refreshUrl = deps.gateway.freshDownloadUrl
        ? () => deps.gateway.freshDownloadUrl!(input.job_id, { signal: signal() })
        : undefined;
      const sources = input.videos?.length
        ? input.videos
        : [{ url: input.video_url, thumbnail_url: input.thumbnail_url }];
      const started = Date.now();
      const videos: MirroredObject[] = [];
      for (const [index, source] of sources.entries()) {
        const name = index === 0 ? 'video.mp4' : `video-${index + 1}.mp4`;
        videos.push(
          await mirrorObject(
            { url: source.url, key: key(name), expect: 'video/', refreshUrl: index === 0 ? refreshUrl : undefined },
            deps.store,
            policy,
          ),
        );
      }
      const { metricMeter } = Context.current();
      metricMeter.createCounter(METRIC.mirrorBytes, 'By').add(videos.reduce((sum, v) => sum + v.bytes, 0));
      metricMeter.createHistogram(METRIC.mirrorDuration, 'int', 'ms').record(Date.now() - started);
      const output: MirrorOutput = { video: videos[0], upstream_copy: await upstreamCopy(input.job_id, videos[0]) };
      if (videos.length > 1) output.videos = videos;
      const thumbnailUrl = input.thumbnail_url ?? sources[0].thumbnail_url;
      if (thumbnailUrl) {
        try {
          output.thumbnail = await mirrorObject(
            { url: thumbnailUrl, key: key('thumbnail'), expect: 'image/' },
            deps.store,
            policy,
          );
        } catch (error) {
          if (signal().aborted) throw error;
          output.thumbnail_error = (error as Error).message;
        }
      }
      return output;
    }),
  };
}

export type VideoActivities = ReturnType<typeof createActivities>;
