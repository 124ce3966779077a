/**
 * The client library for backend services: start a GenerateVideo (deduplicated by idempotency_key),
 * watch its progress as an async iterator, await its result, steer it.
 */
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Workflow } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { createHash, randomUUID } from 'node:crypto';
import { taskQueue as defaultTaskQueue } from '../config';
import { tracingRequested } from '../operations/tracing-env';
import { FailureType, WorkflowType, type VideoStatus } from '../contract';
import { parseGenerateVideoInput, type GenerateVideoInput } from '../request';
import { fitsKeySegment, type VideoStore } from '../store/types';
import { storeInlineImage } from './input-images';
import { lastWatchHeartbeat, mayBeWatched, withWatchProgress } from './watch-progress';
import {
  cancelSignal,
  type FallbackAccepted,
  type FallbackRequest,
  fallbackSignal,
  type JobSubmitted,
  waitForSubmitUpdate,
  progressQuery,
  requestFallbackUpdate,
  type VideoProgress,
  type VideoResult,
} from '../workflows/messages';
import type { GenerateVideo } from '../workflows/generate-video';
import type { VideoCampaign } from '../workflows/video-campaign';
import { campaignInputProblems, problemList, type VideoCampaignInput } from '../campaign/input';
import { idempotencyConflict, invalidInput } from '../failures';
import {
  campaignCancelSignal,
  campaignPauseSignal,
  campaignProgressQuery,
  campaignResumeSignal,
  campaignRetryFailedSignal,
  type CampaignProgress,
  type CampaignResult,
} from '../workflows/campaign-messages';

/** Room a campaign id leaves in its rows' keys: a row id (100) and `/attempt-<n>/mirror`, encoded. */
const CAMPAIGN_ID_RESERVE = 100;

export type { CampaignProgress, CampaignResult, GenerateVideoInput, VideoProgress, VideoResult };

type StartOnceOptions<W extends Workflow> = WorkflowStartOptions<W> & { workflowIdConflictPolicy: 'USE_EXISTING' };

/** Start this process's tracing (OTEL_*) and return the client interceptors that carry it into workflows. */
async function tracedClient() {
  const { clientTracing, tracingFromEnv } = await import('../operations/tracing.js');
  tracingFromEnv('durable-video-client');
  return clientTracing();
}

/** Memo key holding a hash of the normalised input: tells a repeat of a request from a new one. */
const INPUT_FINGERPRINT = 'input_sha256';

/** sha256 of a value's JSON with keys sorted, so spelling order does not matter. */
function fingerprint(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(sorted(value)))
    .digest('hex');
}

const FINAL_STATUSES: VideoStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export interface VideoClientOptions {
  taskQueue?: string;
  /**
   * The store the workers use (the same VIDEO_STORE). With it, inline images (`image_base64`) are
   * stored there before the workflow starts and only their key enters history.
   */
  inputStore?: VideoStore;
}

/**
 * A workflow's progress query, read every `intervalMs`, yielded whenever `keyOf` changes, until the
 * snapshot is final or the workflow has closed (its last state is still read and yielded). `read`
 * gets the description made alongside (a pending watch's heartbeat is in it).
 */
async function* snapshots<T>(
  handle: WorkflowHandle,
  read: (description: WorkflowExecutionDescription) => Promise<T>,
  keyOf: (snapshot: T) => string,
  isFinal: (snapshot: T) => boolean,
  options: { intervalMs?: number; signal?: AbortSignal },
): AsyncGenerator<T> {
  let last = '';
  for (;;) {
    if (options.signal?.aborted) return;
    // Closed before the read means the read saw the final state.
    const description = await handle.describe();
    const open = description.status.name === 'RUNNING' || description.status.name === 'CONTINUED_AS_NEW';
    const snapshot = await read(description).catch(() => undefined); // e.g. refused before handlers existed
    if (snapshot !== undefined) {
      const key = keyOf(snapshot);
      if (key !== last) {
        last = key;
        yield snapshot;
      }
      if (isFinal(snapshot)) return;
    }
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}

export class VideoJob {
  constructor(
    readonly handle: WorkflowHandle<typeof GenerateVideo>,
    /** The upstream job, when the job was started with `waitForSubmit`. */
    readonly submitted?: JobSubmitted,
  ) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  result(): Promise<VideoResult> {
    return this.handle.result();
  }

  /**
   * The workflow's `progress` query; while the job is upstream, with the newest progress its watch
   * activity has heartbeated (poll_mode "activity" hands over only status changes, not progress).
   */
  progress(): Promise<VideoProgress> {
    return this.progressWith();
  }

  private async progressWith(description?: WorkflowExecutionDescription): Promise<VideoProgress> {
    const answer = await this.handle.query(progressQuery);
    if (!mayBeWatched(answer)) return answer;
    // The watch's figure is a bonus: a describe() that fails (permissions, a hiccup) leaves the answer.
    const seen = await (description ? Promise.resolve(description) : this.handle.describe())
      .then((described) => lastWatchHeartbeat(this.handle, described))
      .catch(() => undefined);
    return withWatchProgress(answer, seen);
  }

  /**
   * Progress snapshots until the job ends: one whenever status or progress changes (checked every
   * `intervalMs`), the last one with a final status. Stops quietly if the workflow closes without one.
   */
  watch(options: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<VideoProgress> {
    return snapshots(
      this.handle,
      (description) => this.progressWith(description),
      (p) => `${p.status}/${p.progress}/${p.attempt}`,
      (p) => FINAL_STATUSES.includes(p.status),
      options,
    );
  }

  cancel(reason?: string): Promise<void> {
    return this.handle.signal(cancelSignal, { reason });
  }

  fallback(request: FallbackRequest = {}): Promise<void> {
    return this.handle.signal(fallbackSignal, request);
  }

  /** Like `fallback`, but refused at once (with the reason) when the model is unknown or already tried. */
  requestFallback(request: FallbackRequest = {}): Promise<FallbackAccepted> {
    return this.handle.executeUpdate(requestFallbackUpdate, { args: [request] });
  }
}

export class CampaignJob {
  constructor(readonly handle: WorkflowHandle<typeof VideoCampaign>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  result(): Promise<CampaignResult> {
    return this.handle.result();
  }

  progress(): Promise<CampaignProgress> {
    return this.handle.query(campaignProgressQuery);
  }

  /** Progress snapshots while the campaign runs, one per change, checked every `intervalMs`. */
  watch(options: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<CampaignProgress> {
    return snapshots(
      this.handle,
      () => this.progress(),
      ({ elapsed_ms: _elapsed, ...rest }) => JSON.stringify(rest),
      () => false, // a campaign's progress has no final status of its own: it ends when the workflow closes
      options,
    );
  }

  /** Stop starting videos, cancel the running ones (and their upstream jobs); the result lists all. */
  cancel(reason?: string): Promise<void> {
    return this.handle.signal(campaignCancelSignal, { reason });
  }

  pause(): Promise<void> {
    return this.handle.signal(campaignPauseSignal);
  }

  resume(): Promise<void> {
    return this.handle.signal(campaignResumeSignal);
  }

  /**
   * Run again every row whose latest attempt failed retryably (not SafetyRefusal, not InvalidInput),
   * each as a fresh child. A running campaign does it once the rows in hand are done; a finished one
   * is started again under the same id with `retry_failed`, keeping its settings and its results.
   */
  async retryFailed(): Promise<CampaignJob> {
    const { status, memo } = await this.handle.describe();
    if (status.name === 'RUNNING') {
      await this.handle.signal(campaignRetryFailedSignal);
      return this;
    }
    // The settings of the run that finished last (continue-as-new keeps them; rows come from the store).
    const history = await this.handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0];
    const input = (payload ? defaultPayloadConverter.fromPayload(payload) : {}) as VideoCampaignInput;
    const { videos: _videos, manifest: _manifest, retry_failed: _retry, ...settings } = input;
    const handle = await this.handle.client.start<typeof VideoCampaign>(WorkflowType.videoCampaign, {
      taskQueue: started?.taskQueue?.name ?? defaultTaskQueue(),
      workflowId: this.handle.workflowId,
      args: [{ ...settings, retry_failed: true }],
      memo,
      staticSummary: 'retry of the failed rows',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return new CampaignJob(handle);
  }
}

export class VideoClient {
  readonly taskQueue: string;
  private readonly inputStore?: VideoStore;

  constructor(
    readonly client: Client,
    options: VideoClientOptions = {},
  ) {
    this.taskQueue = options.taskQueue ?? defaultTaskQueue();
    this.inputStore = options.inputStore;
  }

  /** A client connected by @temporalio/envconfig (TEMPORAL_ADDRESS, profiles, TLS, API key). */
  static async connect(options: VideoClientOptions = {}): Promise<VideoClient> {
    const { connectionOptions, namespace } = loadClientConnectConfig();
    const connection = await Connection.connect(connectionOptions);
    // Traces only when OTEL_* asks for them; the OpenTelemetry SDK is not even loaded otherwise.
    const interceptors = tracingRequested() ? await tracedClient() : undefined;
    return new VideoClient(new Client({ connection, namespace, interceptors }), options);
  }

  /**
   * Start a GenerateVideo. The input is checked here first, so bad input fails before anything starts;
   * an inline image is stored by reference first (see `inputStore`).
   * With an `idempotency_key` the workflow id is that key: a duplicate start returns the existing job
   * (running or finished) instead of generating, and paying for, a second video. The same key with a
   * different input is refused (`IdempotencyConflict`): a key names one request, as Stripe's do.
   * A key stays taken while the namespace keeps the workflow (its retention period after the job
   * ended): after a failure it returns that failure; once the retention has passed it starts afresh.
   */
  async start(
    original: GenerateVideoInput,
    options: { workflowId?: string; waitForSubmit?: boolean } = {},
  ): Promise<VideoJob> {
    const input = this.inputStore ? await storeInlineImage(original, this.inputStore) : original;
    const request = parseGenerateVideoInput(input);
    const workflowId = options.workflowId ?? input.idempotency_key ?? `video-${randomUUID()}`;
    const start = this.startOptions<typeof GenerateVideo>(workflowId, [input], {
      summary: `${input.model ?? input.prefer ?? 'default model'}: ${input.prompt.slice(0, 100)}`,
      fingerprint: fingerprint(request),
    });
    if (!options.waitForSubmit) return new VideoJob(await this.startOnce(WorkflowType.generateVideo, start));
    // Update-with-start (as in the early-return sample): one call that starts the workflow (or finds it)
    // and returns once the gateway has given the job id.
    const operation = new WithStartWorkflowOperation<typeof GenerateVideo>(WorkflowType.generateVideo, start);
    let submitted: JobSubmitted;
    let handle: WorkflowHandle<typeof GenerateVideo>;
    try {
      submitted = await this.client.workflow.executeUpdateWithStart(waitForSubmitUpdate, {
        startWorkflowOperation: operation,
      });
      handle = await operation.workflowHandle();
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // Closed already (the key was used before): its first job is in its progress.
      handle = this.client.workflow.getHandle<typeof GenerateVideo>(workflowId);
      const first = (await handle.query(progressQuery)).attempts.find((a) => a.job_id);
      if (!first) throw error;
      submitted = { job_id: first.job_id!, model: first.model, attempt: first.attempt };
    }
    await this.checkFingerprint(handle, start.memo![INPUT_FINGERPRINT] as string);
    return new VideoJob(handle, submitted);
  }

  /**
   * Start options shared by every start: a summary for the UI, the input's fingerprint (its memo), and
   * start-once policies (a running or finished workflow with the id is returned instead; the caller
   * checks it was started with the same input).
   */
  private startOptions<W extends Workflow>(
    workflowId: string,
    args: Parameters<W>,
    meta: { summary: string; fingerprint: string },
  ): StartOnceOptions<W> {
    const options = {
      taskQueue: this.taskQueue,
      workflowId,
      args,
      staticSummary: meta.summary, // shown in the Temporal UI
      memo: { [INPUT_FINGERPRINT]: meta.fingerprint },
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    } as const;
    // TypeScript cannot resolve the SDK's conditional `args` type for a generic W; the arguments are W's.
    return options as unknown as StartOnceOptions<W>;
  }

  /**
   * Start once per workflow id: a running or finished workflow with that id is returned instead,
   * provided it was started with the same input (its memo holds the input's fingerprint).
   */
  private async startOnce<W extends Workflow>(
    type: string,
    options: WorkflowStartOptions<W>,
  ): Promise<WorkflowHandle<W>> {
    let handle: WorkflowHandle<W>;
    try {
      handle = await this.client.workflow.start<W>(type, options);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      handle = this.client.workflow.getHandle<W>(options.workflowId);
    }
    await this.checkFingerprint(handle, options.memo![INPUT_FINGERPRINT] as string);
    return handle;
  }

  /** Refuse a workflow id already used for another input (IdempotencyConflict). */
  private async checkFingerprint(handle: WorkflowHandle, expected: string): Promise<void> {
    const { memo } = await handle.describe();
    const existing = memo?.[INPUT_FINGERPRINT];
    // Workflows started before fingerprints were recorded have none: nothing to compare.
    if (typeof existing === 'string' && existing !== expected) {
      throw idempotencyConflict(
        `workflow id "${handle.workflowId}" was already used for a different input; use a new idempotency_key for a new request`,
      );
    }
  }

  /**
   * Start a VideoCampaign. Every row is checked here first (and again by the workflow), so a bad row
   * fails before anything starts. Inline images in rows are not moved to the store: use image_url.
   */
  async startCampaign(input: VideoCampaignInput, options: { workflowId?: string } = {}): Promise<CampaignJob> {
    const problems = campaignInputProblems(input);
    if (problems.length) {
      throw invalidInput(`invalid VideoCampaign input, nothing was started: ${problemList(problems)}`);
    }
    const workflowId = options.workflowId ?? `campaign-${randomUUID()}`;
    // Row keys extend the campaign id (`<id>/<row id>/attempt-<n>/mirror`): leave them room.
    if (!fitsKeySegment(workflowId, CAMPAIGN_ID_RESERVE)) {
      throw invalidInput(`campaign id "${workflowId.slice(0, 60)}..." is too long; nothing was started`);
    }
    const summary = input.manifest
      ? `campaign from ${input.manifest.uri}`
      : `campaign of ${input.videos?.length ?? 0} videos`;
    const handle = await this.startOnce<typeof VideoCampaign>(
      WorkflowType.videoCampaign,
      this.startOptions<typeof VideoCampaign>(workflowId, [input], { summary, fingerprint: fingerprint(input) }),
    );
    return new CampaignJob(handle);
  }

  /** A campaign started earlier, by its workflow id. */
  campaign(workflowId: string): CampaignJob {
    return new CampaignJob(this.client.workflow.getHandle<typeof VideoCampaign>(workflowId));
  }

  /** A job started earlier, by its workflow id. */
  job(workflowId: string): VideoJob {
    return new VideoJob(this.client.workflow.getHandle<typeof GenerateVideo>(workflowId));
  }

  /** Start and wait: the result, or the ApplicationFailure (type from the contract) it failed with. */
  async generate(input: GenerateVideoInput): Promise<VideoResult> {
    return (await this.start(input)).result();
  }
}
