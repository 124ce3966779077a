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
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createActivities, type ActivityDependencies } from '../activities';
import { loadWorkerConfig, workerTuning, type WorkerConfig } from '../config';
import { missingSearchAttributes } from '../operations/search-attributes';
import { workerTracing, type Tracing } from '../operations/tracing';
import { prebuiltBundle, WORKFLOWS_PATH } from '../workflow-bundle';
import { workerEnvironment, type WorkerEnvironment } from './environment';

type WorkflowCodeOptions = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>;

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
    const tracing = this.settings.tracing && workerTracing(this.settings.tracing);
    return {
      // Our defaults first: anything the service set wins.
      ...workerTuning(this.config),
      // Heartbeats (mirror progress, watches) reach the server at least this often, and with them
      // cancellation; a stopping worker lets running activities finish or heartbeat out.
      maxHeartbeatThrottleInterval: '5s',
      shutdownGraceTime: this.config.VIDEO_WORKER_SHUTDOWN_GRACE,
      ...configured,
      activities: { ...configured.activities, ...activities },
      ...(tracing && {
        sinks: { ...configured.sinks, ...tracing.sinks },
        interceptors: {
          ...configured.interceptors,
          activity: [...(configured.interceptors?.activity ?? []), ...tracing.interceptors.activity!],
          workflowModules: [
            ...(configured.interceptors?.workflowModules ?? []),
            ...tracing.interceptors.workflowModules!,
          ],
        },
      }),
      ...this.workflowCode(configured),
    };
  }

  /** A replayer of our histories (Worker.runReplayHistories with this plugin) gets our workflow code. */
  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return { ...super.configureReplayWorker(options), ...this.workflowCode(options) };
  }

  /** Our workflow code, beside the service's own when it has some. */
  private workflowCode(options: WorkflowCodeOptions): Partial<WorkflowCodeOptions> {
    // A service that bundles its own code includes ours in it (`export * from 'durable-video/workflows'`).
    if (options.workflowBundle) return {};
    const bundlerOptions = {
      ...options.bundlerOptions,
      preloadModules: [...(options.bundlerOptions?.preloadModules ?? []), WORKFLOWS_PATH],
    };
    if (options.workflowsPath) {
      return {
        workflowsPath: bothWorkflows(options.workflowsPath),
        bundlerOptions: { ...bundlerOptions, webpackConfigHook: resolvingFromWorker(bundlerOptions.webpackConfigHook) },
      };
    }
    if (this.config.VIDEO_WORKFLOW_BUNDLE) return { workflowBundle: { codePath: this.config.VIDEO_WORKFLOW_BUNDLE } };
    if ((this.settings.workflowCode ?? 'prebuilt') === 'prebuilt') {
      const prebuilt = prebuiltBundle({ tracing: !!this.settings.tracing });
      if ('path' in prebuilt) return { workflowBundle: { codePath: prebuilt.path } };
      if (!prebuilt.unusable.includes('source checkout')) {
        (this.settings.warn ?? console.warn)(`${prebuilt.unusable}: bundling the workflows at start`);
      }
    }
    return { workflowsPath: WORKFLOWS_PATH, bundlerOptions };
  }
}

/**
 * One workflows entry exporting the service's workflows and ours, for the SDK's bundler. Written once
 * per pair of paths into the temporary folder; a workflow name defined by both is refused.
 */
function bothWorkflows(servicePath: string): string {
  const dir = join(tmpdir(), 'durable-video-workflows');
  const file = join(
    dir,
    `${createHash('sha256').update(`${servicePath}\0${WORKFLOWS_PATH}`).digest('hex').slice(0, 16)}.js`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    [
      `// Written by durable-video's VideoPlugin: the worker's own workflows and GenerateVideo/VideoCampaign.`,
      `const service = require(${JSON.stringify(servicePath)});`,
      `const video = require(${JSON.stringify(WORKFLOWS_PATH)});`,
      `for (const name of Object.keys(video)) {`,
      `  if (Object.prototype.hasOwnProperty.call(service, name)) throw new Error('workflow export "' + name + '" is defined by the worker and by durable-video');`,
      `}`,
      `module.exports = { ...service, ...video };`,
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * The combined entry lives in the temporary folder, where webpack would not find the SDK's workflow
 * modules: let it resolve packages from the node_modules that holds the worker's @temporalio/workflow.
 */
function resolvingFromWorker(
  hook: NonNullable<WorkerOptions['bundlerOptions']>['webpackConfigHook'],
): NonNullable<WorkerOptions['bundlerOptions']>['webpackConfigHook'] {
  const nodeModules = dirname(dirname(dirname(require.resolve('@temporalio/workflow/package.json'))));
  return (config) => {
    const configured = hook ? hook(config) : config;
    const modules = configured.resolve?.modules ?? ['node_modules'];
    return { ...configured, resolve: { ...configured.resolve, modules: [...modules, nodeModules] } };
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
