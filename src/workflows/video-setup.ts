/**
 * The first thing a GenerateVideo does: load the model catalog and what the gateway can do, check the
 * request against them, and build the model chain (video-setup-rules.ts). Everything refused here is
 * refused before any money is spent, as InvalidInput naming the allowed values.
 */
import { log, workflowInfo } from '@temporalio/workflow';
import type { GenerateVideoRequest } from '../request';
import { loadCatalog } from './video-activities';
import { setupFrom, type VideoSetup } from './video-setup-rules';

export async function checkedSetup(request: GenerateVideoRequest): Promise<VideoSetup> {
  const loaded = await loadCatalog();
  return setupFrom(request, loaded, workflowInfo().parent?.workflowId, (message, attributes) =>
    log.warn(message, attributes),
  );
}
