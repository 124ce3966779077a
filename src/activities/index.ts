/**
 * Activities built from injected dependencies (gateway client, store, download policy), as in the
 * activities-dependency-injection sample: one small factory per concern (the input check, the
 * catalog, the gateway, the mirror, callbacks, campaigns), composed here. Tests pass fakes of the
 * world here, never of Temporal. The activity names are public: they are recorded in histories.
 */
import { Context } from '@temporalio/activity';
import { createCampaignActivities } from '../campaign/activities';
import type { VideoGateway } from '../gateway/types';
import type { VideoStore } from '../store/types';
import { type CallbackDependencies, createCallbackActivities } from './callback';
import { CatalogCache, createCatalogActivities } from './catalog';
import { classified } from './failures';
import { cancelJob, createGatewayActivities, createJobCheck, submitJob } from './gateway';
import { createMirror, type MirrorDependencies } from './mirroring';
import { createRequestActivities } from './request';
import { JobDurations, signalOwnWorkflow, watchJob } from './watch';
import type { CancelInput, SubmitInput, WatchInput, WatchOutput } from './types';
import { type VideoInActivityInput, videoInActivity } from './video-in-activity';

export interface ActivityDependencies extends MirrorDependencies, CallbackDependencies {
  gateway: VideoGateway;
  store: VideoStore;
  /** How long a fetched live catalog is reused; it is never fetched per poll. */
  catalogTtlMs?: number;
  /** The gateway is the built-in simulator: every job result says so (`simulated: true`). */
  simulated?: boolean;
  /** Whether the namespace has the video search attributes (checked by the worker, cached). */
  searchAttributesRegistered?: () => Promise<boolean>;
}

export function createActivities(deps: ActivityDependencies) {
  const durations = new JobDurations();
  const catalog = new CatalogCache(deps.gateway, deps.catalogTtlMs);
  const checkJob = createJobCheck({ gateway: deps.gateway, durations });

  const catalogActivities = createCatalogActivities({
    catalog,
    durations,
    searchAttributesRegistered: deps.searchAttributesRegistered,
  });
  const requestActivities = createRequestActivities(deps);
  const gatewayActivities = createGatewayActivities({ ...deps, durations });
  const mirror = createMirror(deps);

  return {
    ...createCampaignActivities({ store: deps.store, catalog: async () => (await catalog.current()).catalog }),
    ...requestActivities,
    ...catalogActivities,
    ...gatewayActivities,
    /** `poll_mode: "activity"`: polls inside one heartbeating activity, back for an ending (watch.ts). */
    watchVideoJob: classified((input: WatchInput): Promise<WatchOutput> => {
      const context = Context.current();
      return watchJob(context, input, checkJob, (news) => signalOwnWorkflow(context, news));
    }),
    ...mirror.activities,
    ...createCallbackActivities(deps),
    /** A campaign row with `row_runner: "activity"`: one attempt of its video per activity (video-in-activity.ts). */
    generateVideoInActivity: classified((input: VideoInActivityInput) =>
      videoInActivity(Context.current(), input, {
        checkRequest: requestActivities.checkRequest,
        loadCatalog: catalogActivities.loadCatalog,
        submit: classified((submitted: SubmitInput, abort: AbortSignal) => submitJob(deps, submitted, abort)),
        check: gatewayActivities.pollVideoJob,
        cancel: classified((job: CancelInput, abort: AbortSignal) => cancelJob(deps.gateway, job, abort)),
        mirror: classified(mirror.mirrorFor),
      }),
    ),
  };
}

export type VideoActivities = ReturnType<typeof createActivities>;
