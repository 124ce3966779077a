/**
 * `durable-video/testing`: what runs everything on one machine, for tests, demos and benchmarks: the
 * gateway simulator (both dialects, faults on request), a local Temporal dev server, and the
 * production topology without Docker (temporal-server on PostgreSQL). Never loaded by the client or
 * the worker. The dev server needs `@temporalio/testing` (an optional peer dependency).
 */
export {
  startSimulator,
  GatewaySimulator,
  SAMPLE_VIDEO,
  SAMPLE_THUMBNAIL,
  type SimulatorOptions,
} from './simulator/server';
export { startDevServer, type DevServer, type DevServerOptions } from './dev-server';
export { findTemporalCli, TEMPORAL_CLI_VERSION } from './temporal-cli';
export { startCluster } from './cluster';
