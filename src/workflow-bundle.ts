/**
 * How the workflow code is bundled: one place for the worker and the tests.
 *
 * The workflow modules are preloaded: built once per worker and shared by all its workflows, where by
 * default each workflow builds every module again and keeps its copy while it is cached. With 1,000
 * videos in flight that is the difference between one copy and a thousand. The SDK freezes shared
 * modules, so they hold no per-workflow state and nothing writes to what they export (every module
 * in the graph is pure: test/unit/workflow-imports.test.ts checks it). zod writes to its own
 * objects, so it is kept out of the shared graph and loaded lazily where needed (workflows/lazy.ts).
 */
export const WORKFLOWS_PATH = require.resolve('./workflows');

export const WORKFLOW_BUNDLE_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  preloadModules: [WORKFLOWS_PATH],
};
