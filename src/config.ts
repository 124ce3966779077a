/**
 * Worker and client configuration from the environment, validated once with zod so a bad value is
 * a clear message at start-up, not a mystery at the first job. The Temporal connection itself comes
 * from @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { isLoopbackHost } from './addresses';
import { DEFAULT_TASK_QUEUE, DIALECTS } from './contract';
import { describeIssues } from './failures';
import { parseDuration } from './duration';
import { webhookSecretProblem } from './operations/webhooks';
import { DEFAULT_ACTIVITY_SLOTS } from './worker-tuning';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const WorkerEnv = z
  .object({
    VIDEO_API_BASE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    VIDEO_API_KEY: z.string().min(1).optional(),
    VIDEO_API_DIALECT: z.enum(DIALECTS).default('infery'),
    VIDEO_STORE: z
      .string()
      .min(1)
      .default('./videos')
      .refine((v) => !v.includes('://') || /^s3:\/\/[^/]+/.test(v), 'must be a folder path or s3://bucket/prefix'),
    VIDEO_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    /** Mirror from http:// and loopback URLs: only for the simulator and local development. */
    VIDEO_MIRROR_ALLOW_LOOPBACK: flag,
    /** Deliver completion callbacks to loopback receivers (http://localhost...): local development only. */
    VIDEO_CALLBACK_ALLOW_LOOPBACK: flag,
    VIDEO_MIRROR_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    /** infery: also pin each video in the gateway workspace (POST /v1/files). */
    VIDEO_UPSTREAM_PIN: flag,
    /** infrai: keep each job's video on the gateway this many days (1-90). */
    VIDEO_UPSTREAM_RETENTION_DAYS: z.coerce.number().int().min(1).max(90).optional(),
    /** Serve Prometheus metrics (the Temporal runtime's and ours) on host:port, e.g. 127.0.0.1:9464. */
    VIDEO_METRICS_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i, 'must be host:port, e.g. 127.0.0.1:9464')
      .optional(),
    /** The gateway's request budget for the whole deployment, in requests per second (per API key). */
    VIDEO_API_MAX_RPS: z.coerce.number().positive().optional(),
    /** How many workers share VIDEO_API_MAX_RPS: each takes an equal part. */
    VIDEO_WORKER_COUNT: z.coerce.number().int().positive().default(1),
    /**
     * Worker tuning for fleets (unset: the Temporal SDK's defaults, except activity slots). In
     * poll_mode "activity" every job in flight holds an activity slot, so VIDEO_WORKER_MAX_ACTIVITIES
     * (default 10,000: worker-tuning.ts) bounds the jobs one worker watches.
     */
    VIDEO_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_MAX_ACTIVITIES: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_MAX_LOCAL_ACTIVITIES: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_WORKFLOW_POLLERS: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_ACTIVITY_POLLERS: z.coerce.number().int().positive().optional(),
    VIDEO_WORKER_REUSE_V8_CONTEXT: flag,
    /** Mirrors one worker runs at once; the rest wait their turn, heartbeating (default 16). */
    VIDEO_WORKER_MAX_MIRRORS: z.coerce.number().int().positive().optional(),
    /**
     * How long a stopping worker (SIGINT, SIGTERM) lets running activities finish or heartbeat out
     * before they are cancelled; a cancelled mirror or watch is retried by the next worker.
     */
    VIDEO_WORKER_SHUTDOWN_GRACE: z
      .string()
      .default('30s')
      .transform((v) => parseDuration(v))
      .refine((ms) => ms !== undefined, 'must be a duration such as 30s or 2m'),
    /**
     * A workflow bundle built by `npm run build:workflows`; unset, the worker bundles the workflows as
     * it starts (webpack at start costs about 130 MB of memory the worker keeps, and some seconds).
     */
    VIDEO_WORKFLOW_BUNDLE: z.string().min(1).refine(existsSync, 'no such file').optional(),
    /** Signs completion callbacks (Standard Webhooks: a whsec_ base64 secret or any string, 24+ key bytes). */
    VIDEO_CALLBACK_SECRET: z
      .string()
      .superRefine((secret, ctx) => {
        const problem = webhookSecretProblem(secret);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .refine((env) => !env.VIDEO_API_BASE_URL || env.VIDEO_API_KEY, {
    message: 'VIDEO_API_KEY is required when VIDEO_API_BASE_URL is set',
    path: ['VIDEO_API_KEY'],
  });

/** The simulator is the embedded default on a developer's machine, never a production worker's. */
const NO_SIMULATOR_IN_PRODUCTION =
  'VIDEO_API_BASE_URL is required when NODE_ENV=production (without it the worker would serve real traffic with the gateway simulator)';
/** The API key travels in every request's Authorization header: in production only over TLS. */
const NO_CLEARTEXT_IN_PRODUCTION =
  'VIDEO_API_BASE_URL must be https when NODE_ENV=production (http:// would send VIDEO_API_KEY in cleartext); http is allowed to loopback only';

/** Why this configuration may not run in production, or undefined. */
function productionProblem(config: WorkerConfig): string | undefined {
  const base = config.VIDEO_API_BASE_URL;
  if (!base) return NO_SIMULATOR_IN_PRODUCTION;
  const url = new URL(base);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) return NO_CLEARTEXT_IN_PRODUCTION;
  return undefined;
}

export type WorkerConfig = z.output<typeof WorkerEnv>;

/**
 * The worker options the VIDEO_WORKER_* variables set; activity slots sized for watches (worker-tuning.ts);
 * the SDK's defaults for the rest.
 */
export function workerTuning(config: WorkerConfig) {
  const options = {
    maxCachedWorkflows: config.VIDEO_WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.VIDEO_WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.VIDEO_WORKER_MAX_ACTIVITIES ?? DEFAULT_ACTIVITY_SLOTS,
    maxConcurrentLocalActivityExecutions: config.VIDEO_WORKER_MAX_LOCAL_ACTIVITIES,
    workflowTaskPollerBehavior: config.VIDEO_WORKER_WORKFLOW_POLLERS
      ? { type: 'simple-maximum' as const, maximum: config.VIDEO_WORKER_WORKFLOW_POLLERS }
      : undefined,
    activityTaskPollerBehavior: config.VIDEO_WORKER_ACTIVITY_POLLERS
      ? { type: 'simple-maximum' as const, maximum: config.VIDEO_WORKER_ACTIVITY_POLLERS }
      : undefined,
    reuseV8Context: config.VIDEO_WORKER_REUSE_V8_CONTEXT || undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The worker's configuration. An empty variable counts as unset (`docker compose` passes `VAR=""` for
 * a variable it was told about but not given).
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key.startsWith('VIDEO_') && value !== undefined && value.trim() !== '',
    ),
  );
  const parsed = WorkerEnv.safeParse(relevant);
  if (!parsed.success) throw new ConfigError(`invalid worker configuration: ${describeIssues(parsed.error)}`);
  const problem = env.NODE_ENV === 'production' ? productionProblem(parsed.data) : undefined;
  if (problem) throw new ConfigError(problem);
  return parsed.data;
}

export function taskQueue(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIDEO_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}
