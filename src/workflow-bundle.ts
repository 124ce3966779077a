/**
 * How the workflow code is bundled: one place for the worker, the plugin, the build and the tests.
 *
 * The workflow modules are preloaded: built once per worker and shared by all its workflows, where by
 * default each workflow builds every module again and keeps its copy while it is cached. With 1,000
 * videos in flight that is the difference between one copy and a thousand. The SDK freezes shared
 * modules, so they hold no per-workflow state and nothing writes to what they export (every module
 * in the graph is pure: test/unit/workflow-imports.test.ts checks it). zod writes to its own
 * objects, so it is kept out of the shared graph and loaded lazily where needed (workflows/lazy.ts).
 *
 * The package ships the bundle prebuilt (`lib/bundles/`, made by `npm run build`): a worker that runs
 * webpack as it starts keeps about 130 MB more memory and starts seconds later. A prebuilt bundle
 * embeds the `@temporalio/workflow` it was built with, so it is used only when the installed one is
 * the same version; otherwise the worker bundles at start, as a workflowsPath worker does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@temporalio/common';

export const WORKFLOWS_PATH = require.resolve('./workflows');

/**
 * The entry of a worker with workflows of its own beside ours (workflows/with-service.cjs): it requires
 * the service's module by this name, which VideoPlugin aliases to the worker's `workflowsPath`.
 */
export const WITH_SERVICE_WORKFLOWS_PATH = require.resolve('./workflows/with-service.cjs');
export const SERVICE_WORKFLOWS_ALIAS = 'durable-video-service-workflows';

/**
 * A logger for `bundleWorkflowCode` that says only what needs acting on: webpack's progress lines
 * would bury a command's own output. Warnings are shown when asked for (a build), errors always.
 */
export function quietBundlerLogger(options: { warnings?: boolean } = {}): Logger {
  const quiet = () => undefined;
  return {
    log: quiet,
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: options.warnings ? (message) => console.warn(message) : quiet,
    error: (message) => console.error(message),
  };
}

export const WORKFLOW_BUNDLE_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  preloadModules: [WORKFLOWS_PATH],
};

/** Where `npm run build` writes the prebuilt bundles, beside the compiled modules. */
export const PREBUILT_BUNDLE_DIR = join(__dirname, 'bundles');

export interface PrebuiltBundleManifest {
  /** The `@temporalio/workflow` version bundled in. */
  sdk: string;
  /** File names in PREBUILT_BUNDLE_DIR: plain, and with the OpenTelemetry workflow interceptors. */
  plain: string;
  tracing: string;
}

export const PREBUILT_MANIFEST = 'manifest.json';

/** The installed `@temporalio/workflow` version (the one a bundle built now would embed). */
export function installedWorkflowSdkVersion(): string {
  const path = require.resolve('@temporalio/workflow/package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * The path of the prebuilt bundle to run, or why there is none to use (not built: a source checkout;
 * or built with another SDK version than the one installed).
 */
export function prebuiltBundle(options: { tracing?: boolean } = {}): { path: string } | { unusable: string } {
  const manifestPath = join(PREBUILT_BUNDLE_DIR, PREBUILT_MANIFEST);
  if (!existsSync(manifestPath)) return { unusable: 'no prebuilt workflow bundle (a source checkout)' };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PrebuiltBundleManifest;
  const installed = installedWorkflowSdkVersion();
  if (manifest.sdk !== installed) {
    return {
      unusable: `the prebuilt workflow bundle embeds @temporalio/workflow ${manifest.sdk}, this worker has ${installed}`,
    };
  }
  return { path: join(PREBUILT_BUNDLE_DIR, options.tracing ? manifest.tracing : manifest.plain) };
}
