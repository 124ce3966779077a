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
  /** No gateway is configured: the activities talk to the built-in simulator. */
  simulated: boolean;
}

export function workerEnvironment(config: WorkerConfig): WorkerEnvironment {
  let simulator: GatewaySimulator | undefined;
  let starting: Promise<GatewaySimulator> | undefined;
  let running = 0;
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
    simulated,
    dependencies: {
      gateway: gateway ?? deferred('the gateway simulator', () => gateway),
      store,
      download: {
        allowLoopback: config.VIDEO_MIRROR_ALLOW_LOOPBACK || simulated,
        maxBytes: config.VIDEO_MIRROR_MAX_BYTES,
      },
      upstreamCopy: { pinFile: config.VIDEO_UPSTREAM_PIN, retentionDays: config.VIDEO_UPSTREAM_RETENTION_DAYS },
      maxConcurrentMirrors: config.VIDEO_WORKER_MAX_MIRRORS,
      simulated,
      callbackSecret: config.VIDEO_CALLBACK_SECRET,
      callbacks: { allowLoopback: config.VIDEO_CALLBACK_ALLOW_LOOPBACK },
    },
    // One simulator for every worker that runs with this environment, closed when the last one stops.
    async start() {
      running += 1;
      if (!simulated || simulator) return;
      simulator = await (starting ??= startSimulator({ queuedMs: 2000, processingMs: 15_000 }));
      gateway = gatewayAt(simulator.url, simulator.apiKey);
    },
    async stop() {
      running -= 1;
      if (running > 0 || !simulator) return;
      await simulator.close();
      simulator = undefined;
      starting = undefined;
    },
    describe() {
      const where = simulated
        ? `the gateway simulator${simulator ? ` at ${simulator.url}` : ''} (simulated videos, no real gateway)`
        : withoutCredentials(config.VIDEO_API_BASE_URL!);
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

/** A URL for logs: scheme, host and path, never user info or a query (either may carry a key). */
function withoutCredentials(text: string): string {
  const url = new URL(text);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * An object made later, when the worker starts (the simulator must be listening to know its URL),
 * standing in for it now so the activities can be built with the worker.
 */
function deferred<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Not a thenable (so it can be awaited or resolved as it is) nor anything to inspect by symbol.
      if (property === 'then' || typeof property === 'symbol') return undefined;
      const real = get();
      if (!real) throw new Error(`${what} is not started yet: activities run only once the worker runs`);
      const value = Reflect.get(real, property, real) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
    getPrototypeOf: () => Object.getPrototypeOf(get() ?? {}) as object,
    has: (_target, property) => {
      const real = get();
      return !!real && property in real;
    },
  });
}
