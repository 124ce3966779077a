/**
 * `createVideoWorker`: a worker of ours alone, from a connection and the activities' world in code
 * (what the tests and the demo use). It is `Worker.create` with a VideoPlugin; the bin worker and a
 * service's own worker use the same plugin.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDependencies } from '../activities';
import { VideoPlugin, type VideoPluginOptions } from './plugin';

export interface VideoWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt workflow bundle (tests build it once); by default the package's, or bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options, e.g. maxConcurrentActivityTaskExecutions. */
  tuning?: Partial<WorkerOptions>;
  /** More plugin settings (tracing, the environment read for VIDEO_WORKER_* defaults). */
  plugin?: Omit<VideoPluginOptions, 'dependencies'>;
}

export function createVideoWorker(options: VideoWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ...(options.workflowBundle && { workflowBundle: options.workflowBundle }),
    plugins: [new VideoPlugin({ ...options.plugin, dependencies: options.dependencies })],
    ...options.tuning,
  });
}
