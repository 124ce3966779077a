/**
 * Modules workflow code loads on first use, never at import: the ones that need zod.
 *
 * Every other module the workflows import is loaded once per worker and shared by all its workflows
 * (`preloadModules` in workflow-bundle.ts); a module loaded inside a workflow is built again for each
 * workflow and kept as long as the workflow is cached. zod is the heavy one: about 1.3 MB per workflow
 * (with our schemas), which at 1,000 videos in flight was two thirds of the worker's memory. It cannot
 * be shared either: the SDK freezes shared modules, and zod writes to its own objects as it parses. So
 * zod stays out of the shared graph (test/unit/workflow-imports.test.ts holds that), GenerateVideo has
 * its input checked by a local activity, and the rarer paths below (messages, campaign inputs) load it
 * here, so only the workflows that take them pay.
 */
import type * as CampaignInput from '../campaign/input';
import type * as MessageSchemas from './message-schemas';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, on purpose */
export const messageSchemas = (): typeof MessageSchemas => require('./message-schemas');
export const campaignInput = (): typeof CampaignInput => require('../campaign/input');
