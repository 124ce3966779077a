/**
 * `durable-video/worker`: what runs the videos. `VideoPlugin` for a service's own worker,
 * `createVideoWorker` for a worker of ours alone, the activities factory and the parts it is given
 * (gateway clients, stores), and the configuration the bin worker reads.
 */
export { VideoPlugin, type VideoPluginOptions } from './plugin';
export { createVideoWorker, type VideoWorkerOptions } from './create';
export { runWorker } from './run';
export { workerEnvironment, type WorkerEnvironment } from './environment';
export { createActivities, type ActivityDependencies, type VideoActivities } from '../activities';
export { createGateway, GatewayError, InferyGateway, InfraiGateway, type VideoGateway } from '../gateway';
export type { GatewayHttpOptions } from '../gateway/http';
export { createStore, FolderStore, type VideoStore } from '../store';
export type { S3Store } from '../store/s3'; // createStore('s3://bucket/prefix') loads the AWS SDK only then
export { loadWorkerConfig, workerTuning, ConfigError, type WorkerConfig } from '../config';
export { registerSearchAttributes, missingSearchAttributes } from '../operations/search-attributes';
export { tracingFromEnv, type Tracing } from '../operations/tracing';
export { prebuiltBundle, WORKFLOWS_PATH } from '../workflow-bundle';
