/**
 * The worker's world from its configuration (VIDEO_*, config.ts): the gateway, the store and the
 * policies the activities are given. The bin worker and `new VideoPlugin()` both start from here, so a
 * service's own worker with the plugin behaves as `durable-video worker` does.
 */
import { Runtime } from '@temporalio/worker';
import type { ActivityDependencies } from '../activities';
import type { WorkerConfig } from '../config';
import { createGateway, type VideoGateway } from '../gateway';
import { RateBudget } from '../gateway/rate-budget';
import { gatewayRequestMetrics, type GatewayRequestEvent } from '../operations/metrics';
import { startSimulator, type GatewaySimulator } from '../simulator/server';
import { createStore } from '../store';

export interface WorkerEnvironment {
  dependencies: ActivityDependencies;
  /**
   * Start what must listen before the first activity runs: the gateway simulator, when no
   * VIDEO_API_BASE_URL is configured (the embedded default). Activities run only after this.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One line for the worker's start-up log: which gateway and store (never a key). */
  describe(): string;
}

export function workerEnvironment(config: WorkerConfig): WorkerEnvironment {
  let simulator: GatewaySimulator | undefined;
  const simulated = !config.VIDEO_API_BASE_URL;
  const gatewayAt = (baseUrl: string, apiKey: string) =>
    createGateway(config.VIDEO_API_DIALECT, {
      baseUrl,
      apiKey,
      observe: runtimeMetrics(),
      budget: config.VIDEO_API_MAX_RPS
        ? new RateBudget(config.VIDEO_API_MAX_RPS / config.VIDEO_WORKER_COUNT)
        : undefined,
    });
  let gateway: VideoGateway | undefined = simulated
    ? undefined
    : gatewayAt(config.VIDEO_API_BASE_URL!, config.VIDEO_API_KEY!);
  const store = createStore(config.VIDEO_STORE);
  return {
    dependencies: {
      gateway: gateway ?? deferred('the gateway simulator', () => gateway),
      store,
      download: {
        allowLoopback: config.VIDEO_MIRROR_ALLOW_LOOPBACK || simulated,
        maxBytes: config.VIDEO_MIRROR_MAX_BYTES,
      },
      upstreamCopy: { pinFile: config.VIDEO_UPSTREAM_PIN, retentionDays: config.VIDEO_UPSTREAM_RETENTION_DAYS },
      simulated,
      callbackSecret: config.VIDEO_CALLBACK_SECRET,
    },
    async start() {
      if (!simulated || simulator) return;
      simulator = await startSimulator({ queuedMs: 2000, processingMs: 15_000 });
      gateway = gatewayAt(simulator.url, simulator.apiKey);
    },
    async stop() {
      await simulator?.close();
      simulator = undefined;
    },
    describe() {
      const where = simulated
        ? `the gateway simulator${simulator ? ` at ${simulator.url}` : ''}`
        : config.VIDEO_API_BASE_URL;
      return `${config.VIDEO_API_DIALECT} gateway ${where}, store ${store.describe('')}`;
    },
  };
}

/**
 * Gateway request metrics on the Temporal runtime's meter, looked up at the first request: by then
 * the worker exists, so the runtime is the one the service installed (looking it up earlier would
 * install a default runtime and make the service's own Runtime.install fail).
 */
function runtimeMetrics(): (event: GatewayRequestEvent) => void {
  let record: ((event: GatewayRequestEvent) => void) | undefined;
  return (event) => (record ??= gatewayRequestMetrics(Runtime.instance().metricMeter))(event);
}

/**
 * An object made later, when the worker starts (the simulator must be listening to know its URL),
 * standing in for it now so the activities can be built with the worker.
 */
function deferred<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const real = get();
      if (!real) throw new Error(`${what} is not started yet: activities run only once the worker runs`);
      const value = Reflect.get(real, property, real) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
    has: (_target, property) => {
      const real = get();
      return !!real && property in real;
    },
  });
}
