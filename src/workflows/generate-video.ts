/**
 * GenerateVideo: submit a job to the gateway, poll it on a durable timer, mirror the result into our
 * store. Survives worker crashes (activities are idempotent; submit carries an idempotency key),
 * falls back along a model chain, obeys cancel/fallback signals, and keeps an absolute deadline across
 * continue-as-new. Deterministic: imports only pure modules.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import {
  adaptParams,
  capabilityProblems,
  type Catalog,
  estimateCredits,
  fallbackChain,
  firstModel,
  requestedParams,
} from '../catalog';
import { FailureType, FINAL_FAILURE_TYPES, type VideoStatus } from '../contract';
import { classifyJobError } from '../gateway/errors';
import type { GatewayJob } from '../gateway/types';
import { invalidInput } from '../failures';
import { describeIssues, parseGenerateVideoInput, type GenerateVideoInput, type GenerateVideoRequest } from '../request';
import {
  type Attempt,
  cancelReason,
  cancelSignal,
  FallbackRequest,
  fallbackSignal,
  progressQuery,
  requestFallbackUpdate,
  type VideoProgress,
  type VideoResult,
} from './messages';

/** Failures that another model cannot fix either (the same key, the same prompt, the same account). */
const FINAL = new Set<string>(FINAL_FAILURE_TYPES);

const { submitVideoJob, cancelVideoJob } = proxyActivities<VideoActivities>({
  // Longer than one HTTP request (20 s), short enough that a crashed worker's submit is retried soon.
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    // After these, a quota or outage moves the workflow to the next model.
    maximumAttempts: 4,
    nonRetryableErrorTypes: [...FINAL_FAILURE_TYPES],
  },
});

const mirror = proxyActivities<VideoActivities>({
  startToCloseTimeout: '15m',
  // Heartbeats carry bytes done; a stalled download fails fast, a cancelled workflow stops it.
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 5 },
}).mirrorVideo;

// Polls are local activities: about 6 history events per poll instead of 11.
const { pollVideoJob, loadCatalog } = proxyLocalActivities<VideoActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [FailureType.Unauthorized, FailureType.InvalidInput],
  },
});

/** What a run hands to the next one at continue-as-new. */
export interface CarriedState {
  started_at_ms: number;
  deadline_ms: number;
  catalog: Catalog;
  chain: string[];
  attempts: Attempt[];
  current?: { job_id: string; status: VideoStatus; progress: number; processing_since_ms?: number };
  cancel_reason?: string;
  pending_fallback?: FallbackRequest;
  rejected_requests: VideoProgress['rejected_requests'];
}

/** Progress while the upstream gives none: rises with time, never reaches the end on its own. */
function estimatedProgress(processingMs: number): number {
  return Math.min(90, Math.round(90 * (1 - Math.exp(-processingMs / 45_000))));
}

export async function GenerateVideo(input: GenerateVideoInput, carried?: CarriedState): Promise<VideoResult> {
  const request = parseGenerateVideoInput(input);
  const info = workflowInfo();

  // Handlers are registered before the first await, so no query or signal finds the workflow deaf.
  const now = Date.now();
  const state: CarriedState = carried ?? {
    started_at_ms: now,
    deadline_ms: now + request.timeout_ms,
    catalog: {},
    chain: request.model ? [request.model] : [],
    attempts: [],
    rejected_requests: [],
  };
  const current = () => state.attempts[state.attempts.length - 1] as Attempt | undefined;
  let status: VideoStatus = state.current?.status ?? 'queued';
  let progress = state.current?.progress ?? 0;
  let progressSource: VideoProgress['progress_source'] = 'upstream';

  // ---- messages ---------------------------------------------------------------------------------
  const tried = () => new Set(state.attempts.map((a) => a.model));
  const nextUntried = () => state.chain.find((m) => !tried().has(m));
  const fallbackProblem = (req: FallbackRequest): string | undefined => {
    if (status === 'mirroring' || status === 'succeeded') return 'the video is already generated';
    if (req.model !== undefined && !state.catalog[req.model]) {
      return `unknown model "${req.model}" (known: ${Object.keys(state.catalog).join(', ')})`;
    }
    if (req.model !== undefined && tried().has(req.model)) return `model "${req.model}" was already tried`;
    if (req.model === undefined && !nextUntried()) return 'no untried model is left in the fallback chain';
    return undefined;
  };

  setHandler(progressQuery, (): VideoProgress => ({
    status,
    progress,
    progress_source: progressSource,
    model: current()?.model ?? state.chain[0] ?? request.model ?? '',
    job_id: current()?.job_id,
    attempt: state.attempts.length,
    attempts: state.attempts,
    elapsed_ms: Date.now() - state.started_at_ms,
    deadline: new Date(state.deadline_ms).toISOString(),
    rejected_requests: state.rejected_requests,
  }));
  /** The request, or why it is refused. */
  const checkFallback = (raw: unknown): { request: FallbackRequest; problem?: string } => {
    const parsed = FallbackRequest.safeParse(raw ?? {});
    if (!parsed.success) return { request: {}, problem: `malformed fallback request: ${describeIssues(parsed.error)}` };
    return { request: parsed.data, problem: fallbackProblem(parsed.data) };
  };
  setHandler(cancelSignal, (raw) => {
    state.cancel_reason ??= cancelReason(raw);
  });
  // A signal cannot answer: a refused request is recorded where the progress query and the UI show it.
  setHandler(fallbackSignal, (raw) => {
    const { request: req, problem } = checkFallback(raw);
    if (problem) {
      log.warn('Fallback request refused', { problem });
      state.rejected_requests.push({ request: req, problem, at: new Date().toISOString() });
    } else state.pending_fallback = req;
  });
  setHandler(
    requestFallbackUpdate,
    (raw) => {
      const { request: req } = checkFallback(raw);
      state.pending_fallback = req;
      return { model: req.model ?? nextUntried()! };
    },
    {
      validator: (raw) => {
        const { problem } = checkFallback(raw);
        if (problem) throw new Error(problem);
      },
    },
  );

  /** What the Temporal UI shows as the workflow's current details (no history events). */
  const showDetails = () => {
    const attempt = current();
    const lines = [
      `**${status}** ${progress}%`,
      attempt ? `model \`${attempt.model}\` · attempt ${attempt.attempt} of up to ${state.chain.length}` : '',
      attempt?.job_id ? `upstream job \`${attempt.job_id}\`` : '',
      `deadline ${new Date(state.deadline_ms).toISOString()}`,
    ];
    setCurrentDetails(lines.filter(Boolean).join('\n\n'));
  };

  // ---- steps ------------------------------------------------------------------------------------
  const finish = (attempt: Attempt, outcome: Attempt['outcome'], errorType?: string, error?: string) => {
    attempt.outcome = outcome;
    attempt.ended_at = new Date().toISOString();
    if (errorType) attempt.error_type = errorType;
    if (error) attempt.error = error;
    state.current = undefined;
  };

  /** Leave the current upstream job; cancel it there, where the dialect can. Never cancelled itself. */
  const abandonUpstream = async (attempt: Attempt) => {
    // Nothing to cancel before submit, nor once the upstream job has finished (we are mirroring).
    if (!attempt.job_id || status === 'mirroring') return;
    await CancellationScope.nonCancellable(async () => {
      try {
        const answer = await cancelVideoJob({ job_id: attempt.job_id! });
        attempt.upstream_cancel = !answer.supported ? 'not_supported' : 'cancelled';
      } catch (error) {
        attempt.upstream_cancel = 'failed';
        log.error('Could not cancel the upstream job', { job_id: attempt.job_id, error: String(error) });
      }
    });
  };

  const allFailed = (): ApplicationFailure => {
    const last = current();
    const single = state.chain.length === 1 && state.attempts.length === 1 && last;
    const summary = state.attempts.map((a) => `${a.model}: ${a.error_type ?? a.outcome}${a.error ? ` (${a.error})` : ''}`);
    return ApplicationFailure.create({
      type: single ? (last.error_type ?? FailureType.ProviderFailed) : FailureType.AllModelsFailed,
      message: single ? `${last.model} failed: ${last.error ?? last.outcome}` : `every model failed: ${summary.join('; ')}`,
      nonRetryable: true,
      details: [{ attempts: state.attempts }],
    });
  };

  const stop = (type: FailureType, message: string) =>
    ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ attempts: state.attempts }] });

  /** Start the next attempt on `model`: fit the request to it and submit. */
  const submit = async (model: string): Promise<void> => {
    const spec = state.catalog[model];
    const { params, adjustments } = adaptParams(spec, requestedParams(spec, request));
    const attempt: Attempt = {
      attempt: state.attempts.length + 1,
      model,
      started_at: new Date().toISOString(),
      outcome: 'running',
      params,
      adjustments,
      credits_estimated: estimateCredits(spec, { ...params, n: request.n }),
    };
    state.attempts.push(attempt);
    status = 'queued';
    progress = 0;
    // Not cancellable: if the workflow is cancelled meanwhile we still learn the job id and cancel it.
    const job = await CancellationScope.nonCancellable(() =>
      submitVideoJob({
        request: {
          model,
          prompt: request.prompt,
          ...params,
          n: request.n,
          image_url: request.image_url,
          image_base64: request.image_base64,
          person_generation: request.person_generation,
        },
        image_ref: request.image_ref,
        idempotency_key: `${info.workflowId}/${info.firstExecutionRunId}/${attempt.attempt}`,
      }),
    );
    attempt.job_id = job.job_id;
    state.current = { job_id: job.job_id, status: 'queued', progress: 0 };
  };

  /** Record a poll; true when the upstream job ended. */
  const observe = (job: GatewayJob): boolean => {
    if (job.status === 'queued') {
      status = 'queued';
      progress = 0;
    } else if (job.status === 'processing') {
      status = 'processing';
      state.current!.processing_since_ms ??= Date.now();
      if (job.progress !== undefined) {
        progress = Math.max(progress, Math.round(job.progress * 0.95));
        progressSource = 'upstream';
      } else {
        progress = Math.max(progress, estimatedProgress(Date.now() - state.current!.processing_since_ms));
        progressSource = 'estimated';
      }
    }
    state.current!.status = status;
    state.current!.progress = progress;
    return job.status !== 'queued' && job.status !== 'processing';
  };

  const mirrorResult = async (attempt: Attempt, job: GatewayJob): Promise<VideoResult> => {
    status = 'mirroring';
    progress = 95;
    showDetails();
    const stored = await mirror({
      job_id: job.job_id,
      video_url: job.video_url!,
      thumbnail_url: job.thumbnail_url,
    }).catch((error: unknown) => {
      const message = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
      finish(attempt, 'failed', FailureType.MirrorFailed, message);
      throw ApplicationFailure.create({
        type: FailureType.MirrorFailed,
        message: `the video was generated (job ${job.job_id}) but could not be mirrored: ${message}`,
        nonRetryable: true,
        details: [{ job_id: job.job_id, provider_url: job.video_url, attempts: state.attempts }],
      });
    });
    finish(attempt, 'succeeded');
    status = 'succeeded';
    progress = 100;
    showDetails();
    const credits = state.attempts.map((a) => a.credits_estimated);
    return {
      status: 'succeeded',
      workflow_id: info.workflowId,
      model: attempt.model,
      job_id: job.job_id,
      video: stored.video,
      thumbnail: stored.thumbnail,
      provider_url: job.video_url!,
      thumbnail_url: job.thumbnail_url,
      provider_mirror_status: job.mirror_status,
      upstream_copy: stored.upstream_copy,
      prompt: request.prompt,
      params: attempt.params,
      attempts: state.attempts,
      // Abandoned and failed jobs may be billed too: the estimate counts every submitted job.
      credits_estimated: credits.some((c) => c === null)
        ? null
        : state.attempts.filter((a) => a.job_id).reduce((sum, a) => sum + (a.credits_estimated ?? 0), 0),
      elapsed_ms: Date.now() - state.started_at_ms,
    };
  };

  const failureType = (error: unknown): { type: string; message: string } => {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    if (cause instanceof ApplicationFailure) return { type: cause.type ?? FailureType.ProviderFailed, message: cause.message };
    return { type: FailureType.ProviderFailed, message: cause instanceof Error ? cause.message : String(cause) };
  };

  // ---- the loop ---------------------------------------------------------------------------------
  const run = async (): Promise<VideoResult> => {
    if (!carried) Object.assign(state, await checkedCatalogAndChain(request));
    for (;;) {
      showDetails();
      const attempt = current();
      if (state.cancel_reason) {
        if (attempt?.outcome === 'running') {
          await abandonUpstream(attempt);
          finish(attempt, 'cancelled', FailureType.Cancelled, state.cancel_reason);
        }
        status = 'cancelled';
        throw stop(FailureType.Cancelled, `cancelled: ${state.cancel_reason}`);
      }
      if (Date.now() >= state.deadline_ms) {
        if (attempt?.outcome === 'running') {
          await abandonUpstream(attempt);
          finish(attempt, 'timed_out', FailureType.Timeout, 'deadline reached');
        }
        status = 'timed_out';
        throw stop(FailureType.Timeout, `no video within the ${request.timeout_ms} ms timeout`);
      }

      // No job running: start the next model in the chain, or the one an operator named.
      if (!attempt || attempt.outcome !== 'running') {
        const requested = state.pending_fallback?.model;
        state.pending_fallback = undefined;
        const model = requested ?? nextUntried();
        if (!model) throw allFailed();
        try {
          await submit(model);
        } catch (error) {
          const { type, message } = failureType(error);
          finish(current()!, 'failed', type, message);
          if (FINAL.has(type)) throw stop(type as FailureType, message);
        }
        continue;
      }

      // Wait for the poll interval, woken early by a cancel or fallback request or the deadline.
      const wait = Math.max(0, Math.min(request.poll_interval_ms, state.deadline_ms - Date.now()));
      if (await condition(() => !!state.cancel_reason || !!state.pending_fallback, wait)) {
        if (state.pending_fallback && !state.cancel_reason) {
          await abandonUpstream(attempt);
          finish(attempt, 'abandoned', undefined, state.pending_fallback.reason ?? 'fallback requested');
        }
        continue;
      }
      if (Date.now() >= state.deadline_ms) continue;

      let job: GatewayJob;
      try {
        job = await pollVideoJob({ job_id: attempt.job_id! });
      } catch (error) {
        const { message } = failureType(error);
        await abandonUpstream(attempt);
        finish(attempt, 'failed', FailureType.ProviderFailed, `status checks kept failing: ${message}`);
        continue;
      }
      if (observe(job)) {
        if (job.status === 'succeeded' && job.video_url) return mirrorResult(attempt, job);
        // A job cancelled upstream by someone else, or in a state we do not know, is a provider failure.
        const type = job.status === 'failed' ? classifyJobError(job.error) : FailureType.ProviderFailed;
        const why =
          job.status === 'succeeded'
            ? 'the job succeeded without a video URL'
            : (job.error ?? `upstream job ended as "${job.upstream_status}"`);
        finish(attempt, 'failed', type, why);
        if (FINAL.has(type)) throw stop(type, why);
        continue;
      }

      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof GenerateVideo>(input, state);
      }
    }
  };

  try {
    return await run();
  } catch (error) {
    if (isCancellation(error)) {
      const attempt = current();
      if (attempt?.outcome === 'running') {
        await abandonUpstream(attempt);
        finish(attempt, 'cancelled', FailureType.Cancelled, 'workflow cancelled');
      }
      status = 'cancelled';
    } else if (status !== 'cancelled' && status !== 'timed_out') {
      status = 'failed';
    }
    showDetails();
    throw error;
  }
}

/** The first run: load the catalog, check the request against it, build the model chain. */
async function checkedCatalogAndChain(request: GenerateVideoRequest): Promise<Pick<CarriedState, 'catalog' | 'chain'>> {
  const { catalog, source, problem } = await loadCatalog();
  if (problem) log.warn('Using the built-in model catalog', { source, problem });
  const model = request.model ?? firstModel(catalog, request.prefer);
  const known = Object.keys(catalog).join(', ');
  if (!catalog[model]) throw invalidInput(`unknown model "${model}" (known: ${known})`);
  for (const m of request.fallback_models ?? []) {
    if (!catalog[m]) throw invalidInput(`unknown fallback model "${m}" (known: ${known})`);
  }
  const problems = capabilityProblems(catalog[model], requestedParams(catalog[model], request));
  if (problems.length) throw invalidInput(problems.join('; '));
  return { catalog, chain: fallbackChain(catalog, model, request) };
}
