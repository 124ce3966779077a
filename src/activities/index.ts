/**
 * Activities built from injected dependencies (gateway client, store, download policy), as in the
 * activities-dependency-injection sample: tests pass fakes of the world here, never of Temporal.
 */
import { Context } from '@temporalio/activity';
import { BUILTIN_CATALOG, mergeCatalog } from '../catalog';
import type { VideoGateway } from '../gateway/types';
import { GatewayError } from '../gateway/errors';
import { objectKey, type VideoStore } from '../store/types';
import { classified } from './failures';
import { mirrorObject } from './mirror';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from './safe-download';
import type {
  CancelInput,
  CancelOutput,
  CatalogOutput,
  GatewayJob,
  MirrorInput,
  MirrorOutput,
  PollInput,
  SubmitInput,
} from './types';

export interface ActivityDependencies {
  gateway: VideoGateway;
  store: VideoStore;
  download?: Partial<DownloadPolicy>;
  /** How long a fetched live catalog is reused; it is never fetched per poll. */
  catalogTtlMs?: number;
}

export function createActivities(deps: ActivityDependencies) {
  const policy: DownloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, ...deps.download };
  const catalogTtlMs = deps.catalogTtlMs ?? 10 * 60_000;
  let cachedCatalog: { at: number; value: CatalogOutput } | undefined;
  const signal = () => Context.current().cancellationSignal;

  return {
    /** The live catalog merged over the built-in one; the built-in one alone when the gateway has none. */
    async loadCatalog(): Promise<CatalogOutput> {
      if (cachedCatalog && Date.now() - cachedCatalog.at < catalogTtlMs) return cachedCatalog.value;
      let value: CatalogOutput;
      try {
        value = { catalog: mergeCatalog(await deps.gateway.listModels({ signal: signal() })), source: 'live' };
      } catch (error) {
        // A catalog outage must not stop generation: the built-in catalog still guards the request.
        value = { catalog: BUILTIN_CATALOG, source: 'builtin', problem: (error as Error).message };
        Context.current().log.warn('Live model catalog unavailable; using the built-in one', { problem: value.problem });
      }
      cachedCatalog = { at: Date.now(), value };
      return value;
    },

    submitVideoJob: classified(async (input: SubmitInput): Promise<GatewayJob> => {
      return deps.gateway.submit(input.request, { idempotencyKey: input.idempotency_key, signal: signal() });
    }),

    pollVideoJob: classified(async (input: PollInput): Promise<GatewayJob> => {
      return deps.gateway.getJob(input.job_id, { signal: signal() });
    }),

    cancelVideoJob: classified(async (input: CancelInput): Promise<CancelOutput> => {
      if (!deps.gateway.canCancel) return { supported: false, cancelled: false };
      try {
        return { supported: true, cancelled: await deps.gateway.cancel(input.job_id, { signal: signal() }) };
      } catch (error) {
        // A job the gateway no longer knows cannot be running; nothing to cancel.
        if (error instanceof GatewayError && error.details.status === 404) return { supported: true, cancelled: false };
        throw error;
      }
    }),

    mirrorVideo: classified(async (input: MirrorInput): Promise<MirrorOutput> => {
      // Keys derive from the workflow id: a retry overwrites its own object, never another video's.
      const { workflowExecution, activityId } = Context.current().info;
      const key = (file: string) => objectKey(workflowExecution?.workflowId ?? `activity-${activityId}`, file);
      const refreshUrl = deps.gateway.freshDownloadUrl
        ? () => deps.gateway.freshDownloadUrl!(input.job_id, { signal: signal() })
        : undefined;
      const video = await mirrorObject(
        { url: input.video_url, key: key('video.mp4'), expect: 'video/', refreshUrl },
        deps.store,
        policy,
      );
      if (!input.thumbnail_url) return { video };
      try {
        const thumbnail = await mirrorObject(
          { url: input.thumbnail_url, key: key('thumbnail'), expect: 'image/' },
          deps.store,
          policy,
        );
        return { video, thumbnail };
      } catch (error) {
        return { video, thumbnail_error: (error as Error).message };
      }
    }),
  };
}

export type VideoActivities = ReturnType<typeof createActivities>;
