/**
 * `durable-video worker` (and `npm run worker`): a worker for the `video-generation` task queue,
 * configured from the environment alone (config.ts; the Temporal connection by @temporalio/envconfig).
 * With no VIDEO_API_BASE_URL it runs against the embedded gateway simulator. SIGINT or SIGTERM stops
 * polling and gives running activities VIDEO_WORKER_SHUTDOWN_GRACE to finish or heartbeat out.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { setFlagsFromString } from 'node:v8';
import { loadWorkerConfig } from '../config';
import { tracingFromEnv } from '../operations/tracing';
import { VideoPlugin } from './plugin';

/**
 * V8 collects garbage before its heap grows far past what is live (by default it lets a heap grow up
 * to four times): measured at 1,000 videos in flight, 615 MB against 798-988 MB, for a little CPU
 * (docs/benchmarks.md). Flags given to node itself (`node --heap-growing-percent=N`) win.
 */
function keepHeapsSmall(): void {
  if (!process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) {
    setFlagsFromString('--heap-growing-percent=20');
  }
}

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  keepHeapsSmall();
  const config = loadWorkerConfig(env);
  if (config.VIDEO_METRICS_ADDRESS) {
    // Before any connection: the runtime serves its own metrics and ours on one endpoint.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.VIDEO_METRICS_ADDRESS } } } });
    console.log(`Metrics at http://${config.VIDEO_METRICS_ADDRESS}/metrics`);
  }
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: env as Record<string, string>,
  });
  const tracing = tracingFromEnv('durable-video-worker', env);
  const where = connectionOptions.address ?? 'localhost:7233';
  const plugin = new VideoPlugin({
    env,
    tracing,
    running: (description) =>
      console.log(`Worker polling task queue "${config.VIDEO_TASK_QUEUE}" on ${where} (${description})`),
  });
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const worker = await Worker.create({
      connection,
      namespace: namespace ?? 'default',
      taskQueue: config.VIDEO_TASK_QUEUE,
      plugins: [plugin],
    });
    await worker.run();
  } finally {
    await connection.close();
    await tracing?.shutdown(); // flushes the last spans
  }
}
