/**
 * `VideoPlugin`: GenerateVideo and VideoCampaign in any worker.
 *
 *   Worker.create({ connection, taskQueue: 'video-generation', plugins: [new VideoPlugin()] })
 *
 * registers our activities beside the service's own and gives the worker our workflow code: the
 * prebuilt bundle shipped in the package when the worker names no workflows of its own, or, when it
 * has a `workflowsPath`, one entry that exports both (bundled at start, our modules preloaded as the
 * bin worker preloads them). With no options it reads the environment as `durable-video worker` does
 * (VIDEO_API_BASE_URL, VIDEO_STORE, ...; the gateway simulator when no gateway is configured).
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { NativeConnection, ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { dirname } from 'node:path';
import { createActivities, type ActivityDependencies } from '../activities';
import { loadWorkerConfig, workerTuning, type WorkerConfig } from '../config';
import { missingSearchAttributes } from '../operations/search-attributes';
import { workerTracing, type Tracing } from '../operations/tracing';
import {
  prebuiltBundle,
  SERVICE_WORKFLOWS_ALIAS,
  WITH_SERVICE_WORKFLOWS_PATH,
  WORKFLOWS_PATH,
} from '../workflow-bundle';
import { workerEnvironment, type WorkerEnvironment } from './environment';

type WorkflowCodeOptions = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions' | 'interceptors'>;

export interface VideoPluginOptions {
  /**
   * The world the activities talk to, in code (a gateway client, a store, policies). Default: made
   * from the environment (VIDEO_* variables, see the README), as the bin worker makes it.
   */
  dependencies?: ActivityDependencies;
  /** The environment read for the configuration (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Workflow code for a worker that names none of its own: `prebuilt` (the default) runs the bundle
   * shipped in the package, or VIDEO_WORKFLOW_BUNDLE when set, and bundles at start only when the
   * installed @temporalio/workflow is not the version the bundle was built with; `bundle` always
   * bundles at start (webpack, seconds and about 130 MB more memory).
   */
  workflowCode?: 'prebuilt' | 'bundle';
  /** Trace workflows and activities through this tracer (operations/tracing.ts); default: no tracing. */
  tracing?: Tracing;
  /** Told why the prebuilt bundle is not used, when it is not (default: console.warn). */
  warn?: (message: string) => void;
  /** Told when the worker begins to run, with which gateway and store (never a key). */
  running?: (description: string) => void;
}

export class VideoPlugin extends SimplePlugin {
  private readonly config: WorkerConfig;
  private readonly environment?: WorkerEnvironment;
  private readonly dependencies: ActivityDependencies;

  constructor(private readonly settings: VideoPluginOptions = {}) {
    const config = loadWorkerConfig(settings.env); // a bad variable fails here, before any worker starts
    const environment = settings.dependencies ? undefined : workerEnvironment(config);
    super({
      name: 'durable-video',
      runContext: async (next) => {
        await environment?.start();
        try {
          settings.running?.(this.describe());
          await next();
        } finally {
          await environment?.stop();
        }
      },
    });
    this.config = config;
    this.environment = environment;
    if (environment?.simulated) {
      // Said where it cannot be missed: a service that forgot VIDEO_API_BASE_URL makes fake videos.
      (settings.warn ?? console.warn)(
        'durable-video: no VIDEO_API_BASE_URL, so videos are made by the built-in gateway simulator (simulated: true)',
      );
    }
    this.dependencies = settings.dependencies ?? environment!.dependencies;
  }

  /** Which gateway and store this plugin's activities use (no secrets). */
  describe(): string {
    return this.environment?.describe() ?? `store ${this.dependencies.store.describe('')}`;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const namespace = configured.namespace ?? 'default';
    const activities = createActivities({
      searchAttributesRegistered: configured.connection
        ? searchAttributeCheck(configured.connection, namespace)
        : undefined,
      ...this.dependencies,
    });
    const clash = Object.keys(activities).find((name) => Object.hasOwn(configured.activities ?? {}, name));
    if (clash) throw new Error(`VideoPlugin: the worker already has an activity named "${clash}"`);
    const code = this.workflowCode(configured);
    return {
      // Our defaults first: anything the service set wins (a tuner of its own replaces our slot counts).
      ...(configured.tuner ? {} : workerTuning(this.config)),
      // Heartbeats (mirror progress, watches) reach the server at least this often, and with them
      // cancellation; a stopping worker lets running activities finish or heartbeat out, and then
      // gives up on one that ignores its cancellation.
      maxHeartbeatThrottleInterval: '5s',
      shutdownGraceTime: this.config.VIDEO_WORKER_SHUTDOWN_GRACE,
      shutdownForceTime: this.config.VIDEO_WORKER_SHUTDOWN_GRACE + 15_000,
      ...configured,
      activities: { ...configured.activities, ...activities },
      ...this.tracing(configured, 'workflowsPath' in code),
      ...code,
    };
  }

  /** A replayer of our histories (Worker.runReplayHistories with this plugin) gets our workflow code. */
  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return { ...super.configureReplayWorker(options), ...this.workflowCode(options) };
  }

  /**
   * Our workflow code: the prebuilt bundle when the worker names no code of its own and asks nothing
   * of the bundler (its own workflow interceptors or bundler options would be ignored with a bundle);
   * otherwise bundled at start, beside the service's own workflows when it has some.
   */
  private workflowCode(options: WorkflowCodeOptions): Partial<WorkflowCodeOptions> {
    // A service that bundles its own code includes ours in it (`export * from 'durable-video/workflows'`).
    if (options.workflowBundle) return {};
    const bundlerOptions = {
      ...options.bundlerOptions,
      preloadModules: [...(options.bundlerOptions?.preloadModules ?? []), WORKFLOWS_PATH],
    };
    if (options.workflowsPath) {
      refuseClashingWorkflows(options.workflowsPath);
      return {
        workflowsPath: WITH_SERVICE_WORKFLOWS_PATH,
        bundlerOptions: { ...bundlerOptions, webpackConfigHook: aliasing(options.workflowsPath, bundlerOptions) },
      };
    }
    const asksTheBundler = !!options.bundlerOptions || !!options.interceptors?.workflowModules?.length;
    if (this.config.VIDEO_WORKFLOW_BUNDLE) return { workflowBundle: { codePath: this.config.VIDEO_WORKFLOW_BUNDLE } };
    if ((this.settings.workflowCode ?? 'prebuilt') === 'prebuilt' && !asksTheBundler) {
      const prebuilt = prebuiltBundle({ tracing: !!this.settings.tracing });
      if ('path' in prebuilt) return { workflowBundle: { codePath: prebuilt.path } };
      if (!prebuilt.unusable.includes('source checkout')) {
        (this.settings.warn ?? console.warn)(`${prebuilt.unusable}: bundling the workflows at start`);
      }
    }
    return { workflowsPath: WORKFLOWS_PATH, bundlerOptions };
  }

  /**
   * Tracing: activity interceptors and the span exporter sink always; the workflow interceptor module
   * only when the workflows are bundled at start (the prebuilt tracing bundle has it built in).
   */
  private tracing(options: WorkerOptions, bundling: boolean): Partial<WorkerOptions> {
    if (!this.settings.tracing) return {};
    const tracing = workerTracing(this.settings.tracing);
    if (options.sinks && Object.hasOwn(options.sinks, 'exporter')) {
      throw new Error('VideoPlugin: tracing needs the "exporter" sink, and the worker has one of its own');
    }
    return {
      sinks: { ...options.sinks, ...tracing.sinks },
      interceptors: {
        ...options.interceptors,
        activity: [...(options.interceptors?.activity ?? []), ...tracing.interceptors.activity],
        workflowModules: [
          ...(options.interceptors?.workflowModules ?? []),
          ...(bundling ? tracing.interceptors.workflowModules : []),
        ],
      },
    };
  }
}

/**
 * Before the worker starts, refuse a service workflow named like ours, where the service's module
 * loads outside the workflow sandbox (compiled JavaScript usually does). A module that does not load
 * here (TypeScript under a loader that is not registered, sandbox-only code) is checked when the
 * bundle loads instead.
 */
function refuseClashingWorkflows(servicePath: string): void {
  let service: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the service's own module
    service = require(servicePath) as Record<string, unknown>;
  } catch {
    return;
  }
  const ours = Object.keys(require(WORKFLOWS_PATH) as Record<string, unknown>);
  const clash = ours.find((name) => Object.hasOwn(service, name));
  if (clash) {
    throw new Error(
      `VideoPlugin: the worker's workflows (${servicePath}) export "${clash}", a name of durable-video's`,
    );
  }
}

/**
 * The bundler's view of the combined entry: the service's workflows module by its alias, and packages
 * also from the node_modules that holds the worker's @temporalio/workflow (our entry may sit in
 * another tree than the service's, e.g. a linked checkout).
 */
function aliasing(
  servicePath: string,
  bundlerOptions: NonNullable<WorkerOptions['bundlerOptions']>,
): NonNullable<WorkerOptions['bundlerOptions']>['webpackConfigHook'] {
  const hook = bundlerOptions.webpackConfigHook;
  const nodeModules = dirname(dirname(dirname(require.resolve('@temporalio/workflow/package.json'))));
  return (config) => {
    const configured = hook ? hook(config) : config;
    const alias = configured.resolve?.alias;
    return {
      ...configured,
      resolve: {
        ...configured.resolve,
        // The SDK's own aliases are an object (`name$` for exact names): keep whichever form is there.
        alias: Array.isArray(alias)
          ? [...alias, { name: SERVICE_WORKFLOWS_ALIAS, alias: servicePath, onlyModule: true }]
          : { ...alias, [`${SERVICE_WORKFLOWS_ALIAS}$`]: servicePath },
        modules: [...(configured.resolve?.modules ?? ['node_modules']), nodeModules],
      },
    };
  };
}

/**
 * Whether the namespace has the video search attributes: asked once, and again every 10 minutes
 * until it has them (so registering them later takes effect without a restart).
 */
function searchAttributeCheck(connection: NativeConnection, namespace: string): () => Promise<boolean> {
  let known: { at: number; registered: boolean } | undefined;
  return async () => {
    if (known && (known.registered || Date.now() - known.at < 10 * 60_000)) return known.registered;
    const registered = (await missingSearchAttributes(connection, namespace)).length === 0;
    known = { at: Date.now(), registered };
    return registered;
  };
}
