/**
 * The first thing a GenerateVideo does: load the model catalog and what the gateway can do, check the
 * request against them, and build the model chain. Everything refused here is refused before any
 * money is spent, as InvalidInput naming the allowed values.
 */
import { log, workflowInfo } from '@temporalio/workflow';
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
import { loadCatalog } from './video-activities';
import type { CarriedState } from './video-run';

export async function checkedSetup(
  request: GenerateVideoRequest,
): Promise<
  Pick<CarriedState, 'catalog' | 'chain' | 'capabilities' | 'search_attributes' | 'campaign_id' | 'typical_seconds'>
> {
  const loaded = await loadCatalog();
  const { source, problem, capabilities, search_attributes, typical_seconds } = loaded;
  const catalog = withPrices(loaded.catalog, request.prices);
  if (search_attributes === false)
    log.warn('Video search attributes are not registered: run npm run setup:search-attributes');
  if (problem) log.warn('Using the built-in model catalog', { source, problem });
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
  const parent = workflowInfo().parent;
  return {
    catalog,
    chain: fallbackChain(catalog, model, request),
    ...(capabilities ? { capabilities } : {}),
    ...(search_attributes ? { search_attributes } : {}),
    ...(parent ? { campaign_id: parent.workflowId } : {}),
    ...(request.adaptive_polling && typical_seconds ? { typical_seconds } : {}),
  };
}
