/** The model catalog activities: the live catalog cached over the built-in one, and what the worker learned. */
import { Context } from '@temporalio/activity';
import { BUILTIN_CATALOG, mergeCatalog } from '../catalog';
import type { VideoGateway } from '../gateway/types';
import type { CatalogOutput } from './types';
import type { JobDurations } from './watch';

/** The live catalog merged over the built-in one, fetched at most once per `ttlMs` (never per poll). */
export class CatalogCache {
  private cached?: { at: number; value: CatalogOutput };

  constructor(
    private readonly gateway: VideoGateway,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  /** Called inside an activity: a failed fetch is logged, and the built-in catalog answers. */
  async current(): Promise<CatalogOutput> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.value;
    const context = Context.current();
    const capabilities = this.gateway.supports;
    let value: CatalogOutput;
    try {
      const live = await this.gateway.listModels({ signal: context.cancellationSignal });
      value = { catalog: mergeCatalog(live), source: 'live', capabilities };
    } catch (error) {
      // A catalog outage must not stop generation: the built-in catalog still guards the request.
      value = { catalog: BUILTIN_CATALOG, source: 'builtin', problem: (error as Error).message, capabilities };
      context.log.warn('Live model catalog unavailable; using the built-in one', { problem: value.problem });
    }
    this.cached = { at: Date.now(), value };
    return value;
  }
}

export interface CatalogDependencies {
  catalog: CatalogCache;
  durations: JobDurations;
  /** Whether the namespace has the video search attributes (checked by the worker, cached). */
  searchAttributesRegistered?: () => Promise<boolean>;
}

export function createCatalogActivities(deps: CatalogDependencies) {
  const registered = async () => (await deps.searchAttributesRegistered?.().catch(() => false)) ?? false;
  return {
    /** The catalog, what the gateway can do, and what this worker learned about job durations. */
    async loadCatalog(): Promise<CatalogOutput> {
      const searchAttributes = await registered();
      const value = await deps.catalog.current();
      return { ...value, search_attributes: searchAttributes, typical_seconds: deps.durations.typical() };
    },

    /** Whether the namespace has the video search attributes (campaigns ask; videos learn it with the catalog). */
    searchAttributesRegistered: registered,
  };
}
