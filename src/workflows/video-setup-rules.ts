/**
 * The rules of a video's setup, pure: check the request against the loaded catalog and what the
 * gateway can do, and build the model chain. GenerateVideo applies them in its first workflow task
 * (video-setup.ts); a campaign row run as one activity applies them in that activity.
 */
import type { CatalogOutput } from '../activities/types';
import {
  capabilityProblems,
  fallbackChain,
  firstModel,
  modelSpec,
  requestedParams,
  unknownModel,
  withPrices,
} from '../catalog';
import { invalidInput } from '../failures';
import type { GenerateVideoRequest } from '../request';
import type { CarriedState } from './video-run';

export type VideoSetup = Pick<
  CarriedState,
  'catalog' | 'chain' | 'capabilities' | 'search_attributes' | 'campaign_id' | 'typical_seconds'
>;

/** The run's setup, or InvalidInput naming what is refused, before any money is spent. */
export function setupFrom(
  request: GenerateVideoRequest,
  loaded: CatalogOutput,
  campaignId: string | undefined,
  warn: (message: string, attributes?: Record<string, unknown>) => void,
): VideoSetup {
  const { source, problem, capabilities, search_attributes, typical_seconds } = loaded;
  const catalog = withPrices(loaded.catalog, request.prices);
  if (search_attributes === false)
    warn('Video search attributes are not registered: run npm run setup:search-attributes');
  if (problem) warn('Using the built-in model catalog', { source, problem });
  const model = request.model ?? firstModel(catalog, request.prefer);
  const spec = modelSpec(catalog, model);
  if (!spec) throw invalidInput(unknownModel(model, catalog));
  for (const m of request.fallback_models ?? []) {
    if (!modelSpec(catalog, m)) throw invalidInput(unknownModel(m, catalog, 'fallback model'));
  }
  const problems = capabilityProblems(spec, requestedParams(spec, request));
  if ((request.n ?? 1) > 1 && capabilities && !capabilities.multipleVideos) {
    problems.push(`n ${request.n} is not offered by this gateway: it makes one video per job`);
  }
  if (problems.length) throw invalidInput(problems.join('; '));
  return {
    catalog,
    chain: fallbackChain(catalog, model, request),
    ...(capabilities ? { capabilities } : {}),
    ...(search_attributes ? { search_attributes } : {}),
    ...(campaignId ? { campaign_id: campaignId } : {}),
    ...(request.adaptive_polling && typical_seconds ? { typical_seconds } : {}),
  };
}
