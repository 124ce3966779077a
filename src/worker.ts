/**
 * `npm run worker`: a worker for the `video-generation` task queue, configured from the environment
 * (config.ts). With no VIDEO_API_BASE_URL it runs against the embedded gateway simulator.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { gatewayRequestMetrics } from './operations/metrics';
import { missingSearchAttributes } from './operations/search-attributes';
import { tracingFromEnv, workerTracing } from './operations/tracing';
import { createActivities, type ActivityDependencies } from './activities';
import { loadWorkerConfig, type WorkerConfig, workerTuning } from './config';
import { createGateway } from './gateway';
import { RateBudget } from './gateway/rate-budget';
import { startSimulator, type GatewaySimulator } from './simulator/server';
import { createStore } from './store';
import { WORKFLOW_BUNDLE_OPTIONS } from './workflow-bundle';

export interface VideoWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt workflow bundle (tests build it once); by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options, e.g. maxConcurrentActivityTaskExecutions. */
  tuning?: Partial<WorkerOptions>;
}

export function createVideoWorker(options: VideoWorkerOptions): Promise<Worker> {
  const namespace = options.namespace ?? 'default';
  const dependencies: ActivityDependencies = {
    searchAttributesRegistered: searchAttributeCheck(options.connection, namespace),
    ...options.dependencies,
  };
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : {
          workflowsPath: WORKFLOW_BUNDLE_OPTIONS.workflowsPath,
          bundlerOptions: { preloadModules: WORKFLOW_BUNDLE_OPTIONS.preloadModules },
        }),
    activities: createActivities(dependencies),
    // Heartbeats (mirror progress) reach the server at least this often, and with them cancellation.
    maxHeartbeatThrottleInterval: '5s',
    ...options.tuning,
  });
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

/** Activity dependencies from the configuration; starts the simulator when no gateway is configured. */
export async function dependenciesFromConfig(
  config: WorkerConfig,
): Promise<{ dependencies: ActivityDependencies; simulator?: GatewaySimulator }> {
  let simulator: GatewaySimulator | undefined;
  let baseUrl = config.VIDEO_API_BASE_URL;
  let apiKey = config.VIDEO_API_KEY;
  if (!baseUrl) {
    simulator = await startSimulator({ queuedMs: 2000, processingMs: 15_000 });
    baseUrl = simulator.url;
    apiKey = simulator.apiKey;
  }
  return {
    simulator,
    dependencies: {
      gateway: createGateway(config.VIDEO_API_DIALECT, {
        baseUrl,
        apiKey: apiKey!,
        observe: gatewayRequestMetrics(Runtime.instance().metricMeter),
        budget: config.VIDEO_API_MAX_RPS
          ? new RateBudget(config.VIDEO_API_MAX_RPS / config.VIDEO_WORKER_COUNT)
          : undefined,
      }),
      store: await createStore(config.VIDEO_STORE),
      download: {
        allowLoopback: config.VIDEO_MIRROR_ALLOW_LOOPBACK || !!simulator,
        maxBytes: config.VIDEO_MIRROR_MAX_BYTES,
      },
      upstreamCopy: { pinFile: config.VIDEO_UPSTREAM_PIN, retentionDays: config.VIDEO_UPSTREAM_RETENTION_DAYS },
      simulated: !!simulator,
      callbackSecret: config.VIDEO_CALLBACK_SECRET,
    },
  };
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  if (config.VIDEO_METRICS_ADDRESS) {
    // Before any connection: the runtime serves its own metrics and ours on one endpoint.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.VIDEO_METRICS_ADDRESS } } } });
    console.log(`Metrics at http://${config.VIDEO_METRICS_ADDRESS}/metrics`);
  }
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  const { dependencies, simulator } = await dependenciesFromConfig(config);
  if (simulator) console.log(`No VIDEO_API_BASE_URL: using the gateway simulator at ${simulator.url}`);
  const tracing = tracingFromEnv('durable-video-worker');
  if (tracing && config.VIDEO_WORKFLOW_BUNDLE) {
    console.warn('Tracing with a prebuilt workflow bundle: build it with `npm run build:workflows -- --tracing`');
  }
  const worker = await createVideoWorker({
    connection,
    namespace,
    taskQueue: config.VIDEO_TASK_QUEUE,
    dependencies,
    tuning: { ...workerTuning(config), ...(tracing ? workerTracing(tracing) : {}) },
    ...(config.VIDEO_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.VIDEO_WORKFLOW_BUNDLE } } : {}),
  });
  console.log(
    `Worker polling task queue "${config.VIDEO_TASK_QUEUE}" on ${connectionOptions.address ?? 'localhost:7233'}` +
      ` (${config.VIDEO_API_DIALECT} gateway, store ${dependencies.store.describe('')})`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await simulator?.close();
    await tracing?.shutdown(); // flushes the last spans
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
