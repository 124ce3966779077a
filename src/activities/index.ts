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
import { createGatewayActivities, createJobCheck } from './gateway';
import { createMirrorActivities, type MirrorDependencies } from './mirroring';
import { createRequestActivities } from './request';
import { JobDurations, jobChanged } from './watch';
import type { WatchInput, WatchOutput } from './types';

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

  return {
    ...createCampaignActivities({ store: deps.store, catalog: async () => (await catalog.current()).catalog }),
    ...createRequestActivities(deps),
    ...createCatalogActivities({ catalog, durations, searchAttributesRegistered: deps.searchAttributesRegistered }),
    ...createGatewayActivities({ ...deps, durations }),
    /**
     * `poll_mode: "activity"`: the poll loop inside one heartbeating activity, which returns to the
     * workflow only when something changed (the status word, a tenth of progress, an ending) or after
     * `max_ms`. Far fewer workflow tasks and history events per job than a durable timer per poll;
     * the workflow cancels it at once for a cancel or a fallback.
     */
    watchVideoJob: classified(async (input: WatchInput): Promise<WatchOutput> => {
      const context = Context.current();
      const started = Date.now();
      // The workflow has just seen the job (a poll or the submit): wait first, as the timer loop does,
      // but only until the check the cadence makes due.
      const interval = input.poll_interval_ms;
      let wait = input.next_check_at_ms ? Math.min(interval, Math.max(0, input.next_check_at_ms - started)) : interval;
      for (;;) {
        await context.sleep(wait); // rejects when the workflow cancels this activity
        const checkedAt = Date.now(); // when the request left: the cadence is the gateway's
        const job = await checkJob(input);
        context.heartbeat();
        if (jobChanged(job, input.last) || Date.now() - started >= input.max_ms)
          return { ...job, checked_at_ms: checkedAt };
        wait = interval;
      }
    }),

    ...createMirrorActivities(deps),
    ...createCallbackActivities(deps),
  };
}

export type VideoActivities = ReturnType<typeof createActivities>;
