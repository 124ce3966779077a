/**
 * A real world for tests: a Temporal dev server, the gateway simulator over real HTTP, a folder
 * store in a temporary directory, and a worker on a task queue of its own.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type Worker,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityDependencies } from '../../src/activities';
import { VideoClient, type VideoJob } from '../../src/client';
import type { Dialect } from '../../src/contract';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/dev-server';
import { createGateway } from '../../src/gateway';
import type { GatewayHttpOptions } from '../../src/gateway/http';
import { startSimulator, type GatewaySimulator, type SimulatorOptions } from '../../src/simulator/server';
import { FolderStore } from '../../src/store';
import { createVideoWorker } from '../../src/worker/create';
import { quietBundlerLogger, WORKFLOW_BUNDLE_OPTIONS } from '../../src/workflow-bundle';

/** Every worker log line of this process, so tests can check what was (not) logged. */
export const workerLogs: string[] = [];
const shown = new Set(['ERROR', ...(process.env.TEST_LOG_LEVEL === 'INFO' ? ['WARN', 'INFO'] : [])]);
let runtimeInstalled = false;
/**
 * The worker runtime of this test process, installed once before the first connection: a logger that
 * keeps every line (workflows fail on purpose here, and their stack traces would drown the report),
 * and Prometheus metrics when a test asks for them.
 */
export function installTestRuntime(options: { metricsAddress?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const meta = JSON.stringify(entry.meta ?? {}, (_k, v) => (v instanceof Error ? `${v}` : v));
      const line = `${entry.level} ${entry.message} ${meta}`;
      workerLogs.push(line);
      if (shown.has(entry.level)) console.error(line);
    }),
    ...(options.metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } }
      : {}),
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundle the workflows once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  installTestRuntime();
  bundle ??= bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quietBundlerLogger() });
  return bundle;
}

/** A bundle with workflow interceptor modules (e.g. tracing), built afresh. */
export function workflowBundleWith(workflowInterceptorModules: string[]): Promise<WorkflowBundleWithSourceMap> {
  installTestRuntime();
  return bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    workflowInterceptorModules,
    logger: quietBundlerLogger(),
  });
}

export interface WorldOptions {
  server?: DevServerOptions;
  simulator?: SimulatorOptions;
  dialect?: Dialect;
  /** A workflow bundle of the test's own (e.g. with interceptor modules), and extra worker options. */
  workflowBundle?: Promise<WorkflowBundleWithSourceMap>;
  workerOptions?: Partial<WorkerOptions>;
  /** Extra gateway client options, e.g. an `observe` hook for metrics. */
  gatewayOptions?: { observe?: GatewayHttpOptions['observe'] };
  /** Replace or wrap parts of the activity dependencies. */
  dependencies?: (deps: ActivityDependencies) => ActivityDependencies;
}

export interface World {
  server: DevServer;
  client: Client;
  videos: VideoClient;
  simulator: GatewaySimulator;
  storeDir: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** (Re)start the in-process worker. */
  startWorker(): Promise<Worker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

let queues = 0;

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  installTestRuntime();
  const [server, simulator] = await Promise.all([
    startDevServer(options.server),
    startSimulator({ queuedMs: 300, processingMs: 1200, ...options.simulator }),
  ]);
  const storeDir = mkdtempSync(join(tmpdir(), 'video-store-'));
  const base: ActivityDependencies = {
    gateway: createGateway(options.dialect ?? 'infery', {
      baseUrl: simulator.url,
      apiKey: simulator.apiKey,
      ...options.gatewayOptions,
    }),
    store: new FolderStore(storeDir),
    download: { allowLoopback: true },
    // Tests receive callbacks on loopback, as a developer's machine does (VIDEO_CALLBACK_ALLOW_LOOPBACK).
    callbacks: { allowLoopback: true },
    catalogTtlMs: 0,
    simulated: true,
  };
  const dependencies = options.dependencies ? options.dependencies(base) : base;
  const taskQueue = `test-${process.pid}-${++queues}`;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const world: World = {
    server,
    client: server.env.client,
    videos: new VideoClient(server.env.client, { taskQueue }),
    simulator,
    storeDir,
    taskQueue,
    dependencies,
    async startWorker() {
      worker = await createVideoWorker({
        connection: server.env.nativeConnection,
        taskQueue,
        dependencies,
        workflowBundle: await (options.workflowBundle ?? workflowBundle()),
        tuning: { shutdownGraceTime: '1s', ...options.workerOptions },
      });
      running = worker.run();
      return worker;
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await world.stopWorker();
      await simulator.close();
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await world.startWorker();
  return world;
}

/** Wait until `check` returns a truthy value, polling; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A video that runs until it is steered: a 60 s upstream job with a fallback model, handed to `use` once
 * it has a job id. The simulator's timings are put back afterwards, whatever `use` did.
 */
export async function withSteerableVideo(world: World, use: (job: VideoJob) => Promise<void>): Promise<void> {
  const { queuedMs, processingMs } = world.simulator.options;
  world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
  try {
    const job = await world.videos.start({
      prompt: 'steer me',
      poll_interval: '200ms',
      fallback_models: ['wan-2-1'],
    });
    await eventually(async () => (await job.progress()).job_id, 20_000, 'a job');
    await use(job);
  } finally {
    world.simulator.configure({ queuedMs, processingMs });
  }
}

/** The ApplicationFailure a failed workflow ended with. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('expected the workflow to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${error}`);
  assert.ok(error.cause instanceof ApplicationFailure, `expected ApplicationFailure, got ${error.cause}`);
  return error.cause;
}

/** The first workflow a visibility query finds, waiting for visibility to catch up. */
export function findByQuery(client: Client, query: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      for await (const workflow of client.workflow.list({ query })) return workflow;
      return undefined;
    },
    timeoutMs,
    `a workflow for ${query}`,
  );
}
