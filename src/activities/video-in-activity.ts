/**
 * A video made inside one activity: the campaign's `row_runner: "activity"`. The same run as
 * GenerateVideo's (VideoRun: the chain of models, the budget, the deadline, what every gateway answer
 * and failure means), driven by a loop in the activity instead of a workflow, so a row costs its
 * campaign one activity (three history events) rather than a child workflow of about thirty events,
 * four workflow tasks and four visibility writes. What it gives up: a workflow per video (its signals,
 * query, search attributes and page in the UI) and callbacks; the campaign's own cancel reaches it.
 *
 * Spend safety is GenerateVideo's: every submit of an attempt carries the attempt's idempotency key;
 * the run's state is heartbeated, so a retry after a crashed worker resumes the same jobs (and a retry
 * that finds no state submits with the same keys, which find the same jobs); a cancel or the deadline
 * cancels the live job upstream, never once it has finished.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType, FINAL_FAILURE_TYPES } from '../contract';
import { METRIC } from '../operations/metrics';
import type { VideoGateway } from '../gateway/types';
import type { GenerateVideoInput, GenerateVideoRequest } from '../request';
import type { VideoResult } from '../workflows/messages';
import {
  afterPollFailure,
  afterSubmitFailure,
  chainExhausted,
  factsOf,
  isFinal,
  videoFailure,
} from '../workflows/video-failures';
import { type CarriedState, type StopReason, VideoRun } from '../workflows/video-run';
import { setupFrom } from '../workflows/video-setup-rules';
import { cancelJob } from './gateway';
import type {
  CatalogOutput,
  GatewayJob,
  MirrorInput,
  MirrorOutput,
  PollInput,
  SubmitInput,
  SubmitOutput,
} from './types';

export interface VideoInActivityInput {
  /** The video's request, as a GenerateVideo would be started with it. */
  request: GenerateVideoInput;
  /**
   * Names the video where a workflow id would: its objects in the store, its result's `workflow_id`,
   * and with `key_scope` its idempotency keys.
   */
  video_id: string;
  /** What makes the keys unique to the caller's execution chain (the campaign's first run id). */
  key_scope: string;
}

/** What the loop calls: the activities' own functions, given by the factory (activities/index.ts). */
export interface VideoInActivityDependencies {
  gateway: VideoGateway;
  checkRequest(input: unknown): Promise<GenerateVideoRequest>;
  loadCatalog(): Promise<CatalogOutput>;
  /** Given no cancel signal of the activity's: a submit in flight is finished, so its job can be cancelled. */
  submit(input: SubmitInput, abort: AbortSignal): Promise<SubmitOutput>;
  check(input: PollInput): Promise<GatewayJob>;
  mirror(owner: string, input: MirrorInput, waiting: () => void): Promise<MirrorOutput>;
}

/** What the activity heartbeats: the run's state, from which a retried activity resumes. */
interface Beat {
  state: CarriedState;
}

/** Retries of one call before the run decides (GenerateVideo's activity retry policies, in a loop). */
interface Retry {
  attempts: number;
  initialMs: number;
  maxMs: number;
}
const SUBMIT_RETRY: Retry = { attempts: 4, initialMs: 2_000, maxMs: 30_000 };
const CHECK_RETRY: Retry = { attempts: 3, initialMs: 1_000, maxMs: 30_000 };
const MIRROR_RETRY: Retry = { attempts: 5, initialMs: 2_000, maxMs: 60_000 };
/** One submit request's time (GenerateVideo's submit activity has 30 s to close). */
const SUBMIT_TIMEOUT_MS = 30_000;
/** A cancel upstream is made even when the activity is being cancelled: it gets its own time. */
const CANCEL_UPSTREAM_MS = 30_000;
/** Waits are cut into pieces this long with a heartbeat between, so a cancel arrives and a crash shows. */
const BEAT_EVERY_MS = 10_000;

export async function videoInActivity(
  context: Context,
  input: VideoInActivityInput,
  deps: VideoInActivityDependencies,
): Promise<VideoResult> {
  const request = await deps.checkRequest(input.request);
  const carried = (context.info.heartbeatDetails as Partial<Beat> | undefined)?.state;
  const run = carried ? VideoRun.resume(request, carried) : VideoRun.begin(request, Date.now());
  if (!carried) {
    const warn = (message: string, attributes?: Record<string, unknown>) => context.log.warn(message, attributes);
    run.configure(setupFrom(request, await deps.loadCatalog(), undefined, warn));
  }
  const loop = new ActivityVideoLoop(context, run, input, deps);
  if (!carried) loop.count(METRIC.videosStarted, 1, { model: run.state.chain[0] });
  return loop.drive();
}

/** The phases of a run inside an activity; GenerateVideo's VideoLoop, with waits and calls of its own. */
class ActivityVideoLoop {
  constructor(
    private readonly context: Context,
    private readonly run: VideoRun,
    private readonly input: VideoInActivityInput,
    private readonly deps: VideoInActivityDependencies,
  ) {}

  async drive(): Promise<VideoResult> {
    try {
      const result = await this.polling();
      this.ended();
      return result;
    } catch (error) {
      // Only the caller's cancel stops the run: a worker shutting down, a timeout or a reset leave the
      // jobs running for the retried activity, which resumes them from the heartbeated state.
      const cancelled = this.cancelled(error) && !!this.context.cancellationDetails?.cancelRequested;
      const failure = cancelled
        ? await this.stopping({
            ending: 'cancelled',
            type: FailureType.Cancelled,
            message: 'cancelled by the campaign',
          })
        : error;
      // A decided ending (a failure of a contract type) ends the run; anything else is retried by Temporal.
      if (failure instanceof ApplicationFailure && failure.nonRetryable) {
        this.run.finish('failed', { type: failure.type ?? FailureType.ProviderFailed, message: failure.message });
      }
      if (this.run.outcome) this.ended();
      throw failure;
    }
  }

  /** The counters GenerateVideo keeps, so a fleet's metrics count rows run as activities too. */
  count(name: string, value: number, attributes: Record<string, string>): void {
    this.context.metricMeter.createCounter(name).add(value, attributes);
  }

  private ended(): void {
    const { run } = this;
    const outcome = run.outcome;
    this.count(METRIC.videosEnded, 1, {
      status: outcome?.status ?? 'succeeded',
      model: run.attempts[run.attempts.length - 1]?.model ?? '',
      failure_type: outcome?.failure?.type ?? '',
    });
  }

  private async polling(): Promise<VideoResult> {
    const { run } = this;
    for (;;) {
      const stop = run.stopReason(Date.now());
      if (stop) throw await this.stopping(stop);
      const live = run.live;
      if (!live?.job_id) {
        await this.submitting();
        continue;
      }
      await this.pause(run.nextPollWaitMs(Date.now()));
      if (Date.now() >= run.deadlineMs) continue;
      const job = await this.checking(live.job_id, { model: live.model, submitted_at_ms: Date.parse(live.started_at) });
      if (!job) continue;
      const verdict = run.recordPoll(job, Date.now());
      if (verdict.unfamiliar) {
        this.context.log.warn('Unfamiliar upstream status; treating the job as still working', {
          status: verdict.unfamiliar,
          job_id: job.job_id,
        });
      }
      if (verdict.kind === 'succeeded') return this.mirroring(job);
      if (verdict.kind === 'failed') {
        run.endAttempt('failed', Date.now(), { type: verdict.type, message: verdict.message });
        if (isFinal(verdict.type)) throw this.fail(verdict.type, verdict.message);
      }
    }
  }

  /** Submit the live attempt again (the gateway never answered) or start the next model. */
  private async submitting(): Promise<void> {
    const { run } = this;
    let attempt = run.live;
    if (!attempt) {
      const model = run.takeNextModel();
      if (!model) throw chainExhausted([...run.attempts], run.state.chain.length);
      const overBudget = run.budgetProblem(model);
      if (overBudget) throw this.fail(FailureType.BudgetExceeded, overBudget);
      attempt = run.startAttempt(model, Date.now());
    }
    try {
      const submitInput = run.submitInput(attempt, `${this.input.video_id}/${this.input.key_scope}`);
      // Not cancellable (as in GenerateVideo): a cancel meanwhile still learns the job id, then cancels that job.
      const submit = () => this.deps.submit(submitInput, AbortSignal.timeout(SUBMIT_TIMEOUT_MS));
      const job = await this.retried(submit, SUBMIT_RETRY);
      run.submitted(job);
      this.beat(); // the first heartbeat, sent at once: a retried activity finds the job id
      this.count(METRIC.submits, 1, { model: attempt.model });
      this.count(METRIC.creditsEstimated, attempt.credits_estimated ?? 0, { model: attempt.model });
    } catch (error) {
      if (this.cancelled(error)) throw error;
      const facts = factsOf(error);
      const decision = afterSubmitFailure(facts);
      if (decision === 'resubmit') {
        this.context.log.warn('Submit got no usable answer; submitting again with the same idempotency key', {
          error: facts.message,
        });
        return this.pause(SUBMIT_RETRY.initialMs);
      }
      run.endAttempt('failed', Date.now(), { type: facts.type, message: facts.message });
      if (decision === 'stop') throw this.fail(facts.type, facts.message);
    }
  }

  /** One status check, retried briefly; undefined when there is no news (an outage is waited out). */
  private async checking(jobId: string, about: Omit<PollInput, 'job_id'>): Promise<GatewayJob | undefined> {
    const { run } = this;
    try {
      return await this.retried(() => this.deps.check({ job_id: jobId, ...about }), CHECK_RETRY);
    } catch (error) {
      if (this.cancelled(error)) throw error;
      const facts = factsOf(error);
      const decision = afterPollFailure(facts);
      if (decision === 'retry_later') {
        run.pollFailed();
        this.context.log.warn('Status check failed; the job is left running and checked again', {
          job_id: jobId,
          error: facts.message,
        });
        return undefined;
      }
      // A job the gateway lost may still run (and bill) behind it: cancel it before another model.
      const message = decision === 'job_lost' ? `the gateway lost the job: ${facts.message}` : facts.message;
      await this.abandon('failed', {
        type: decision === 'job_lost' ? FailureType.ProviderFailed : facts.type,
        message,
      });
      if (decision === 'stop') throw this.fail(facts.type, facts.message);
      return undefined;
    }
  }

  /** Copy the finished videos into the store, under the video's own name. */
  private async mirroring(job: GatewayJob): Promise<VideoResult> {
    const { run, input } = this;
    run.startMirroring();
    this.beat();
    try {
      const stored = await this.retried(
        () =>
          this.deps.mirror(
            input.video_id,
            { job_id: job.job_id, video_url: job.video_url!, thumbnail_url: job.thumbnail_url, videos: job.videos },
            () => this.beat(),
          ),
        MIRROR_RETRY,
      );
      return run.succeed(job, stored, Date.now(), input.video_id);
    } catch (error) {
      if (this.cancelled(error)) throw error;
      const { message } = factsOf(error);
      run.endAttempt('failed', Date.now(), { type: FailureType.MirrorFailed, message });
      throw this.fail(
        FailureType.MirrorFailed,
        `the video was generated (job ${job.job_id}) but could not be mirrored: ${message}`,
        { job_id: job.job_id, provider_url: job.video_url },
      );
    }
  }

  /** A cancel or the deadline: cancel the live job upstream (not once it finished), end the run. */
  private async stopping(stop: StopReason): Promise<ApplicationFailure> {
    const { run } = this;
    const live = run.live;
    const finished = run.status === 'mirroring' && live?.job_id ? { job_id: live.job_id } : {};
    const outcome = stop.ending === 'cancelled' ? 'cancelled' : 'timed_out';
    await this.abandon(outcome, { type: stop.type, message: stop.message });
    run.finish(stop.ending, { type: stop.type, message: stop.message });
    const where = finished.job_id ? ` (the video exists upstream: job ${finished.job_id})` : '';
    return videoFailure(stop.type, `${stop.message}${where}`, { attempts: [...run.attempts], ...finished });
  }

  /** End the live attempt and leave its job, cancelling it upstream where the dialect can. */
  private async abandon(
    outcome: 'cancelled' | 'timed_out' | 'failed',
    why: { type?: string; message?: string },
  ): Promise<void> {
    const { run } = this;
    const live = run.live;
    if (!live) return;
    let upstreamCancel: 'cancelled' | 'not_supported' | 'failed' | 'unknown_job' | undefined = 'unknown_job';
    if (live.job_id && run.status === 'mirroring') upstreamCancel = undefined;
    else if (live.job_id) {
      try {
        // Not the activity's signal: a cancellation is usually what brings us here.
        const answer = await cancelJob(
          this.deps.gateway,
          { job_id: live.job_id },
          AbortSignal.timeout(CANCEL_UPSTREAM_MS),
        );
        upstreamCancel = answer.supported ? 'cancelled' : 'not_supported';
      } catch (error) {
        this.context.log.error('Could not cancel the upstream job', {
          job_id: live.job_id,
          error: factsOf(error).message,
        });
        upstreamCancel = 'failed';
      }
    }
    run.endAttempt(outcome, Date.now(), { ...why, upstream_cancel: upstreamCancel });
    this.beat();
  }

  private fail(type: string, message: string, upstream: { job_id?: string; provider_url?: string } = {}) {
    this.run.finish('failed', { type, message });
    return videoFailure(type, message, { attempts: [...this.run.attempts], ...upstream });
  }

  /** `call`, tried again after a growing pause (or the gateway's Retry-After) while it may yet work. */
  private async retried<T>(call: () => Promise<T>, retry: Retry): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (this.cancelled(error) || attempt >= retry.attempts || !retryable(error)) throw error;
        const asked = error instanceof ApplicationFailure ? error.nextRetryDelay : undefined;
        const delay = Math.min(typeof asked === 'number' ? asked : retry.initialMs * 2 ** (attempt - 1), retry.maxMs);
        if (delay >= this.run.remainingMs(Date.now())) throw error;
        await this.pause(delay);
      }
    }
  }

  /** Wait, heartbeating; rejects with a CancelledFailure when the activity is cancelled. */
  private async pause(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= BEAT_EVERY_MS) {
      await this.context.sleep(Math.min(left, BEAT_EVERY_MS));
      this.beat();
    }
  }

  /** The state, for a retried activity to resume from (the SDK sends at most one per throttle interval). */
  private beat(): void {
    this.context.heartbeat({ state: this.run.state } satisfies Beat);
  }

  private cancelled(error: unknown): boolean {
    return error instanceof CancelledFailure || this.context.cancellationSignal.aborted;
  }
}

/** A failure another try may fix: not a final type, not marked non-retryable. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApplicationFailure)) return true;
  return !error.nonRetryable && !(FINAL_FAILURE_TYPES as readonly string[]).includes(error.type ?? '');
}
