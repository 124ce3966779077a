/**
 * A video's attempts made inside activities: the campaign's `row_runner: "activity"`. The same run as
 * GenerateVideo's (VideoRun: the chain of models, the budget, the deadline, what every gateway answer
 * and failure means), driven by a loop in an activity instead of a workflow, so a row costs its
 * campaign one activity (three history events) rather than a child workflow of about thirty events,
 * four workflow tasks and four visibility writes. What it gives up: a workflow per video (its signals,
 * query, search attributes and page in the UI) and callbacks; the campaign's own cancel reaches it.
 *
 * One activity is one attempt (one model). When an attempt ends and the chain goes on, the activity
 * returns the run's state and the campaign starts the next one with it: which model comes next, and
 * what the ended attempts cost, are in the campaign's history before anything more is paid.
 *
 * Spend safety is GenerateVideo's: every submit of an attempt carries the attempt's idempotency key,
 * and the submit (with its retries) is never given up for a cancel, so a job the gateway made is
 * learned and cancelled. The run's state is heartbeated (at once when it changes, otherwise every few
 * seconds), so an activity retried after a crashed worker resumes its job; without that state it
 * starts the same attempt again, whose submit finds the same job by its key. A cancel or the deadline
 * cancels the live job upstream, never once it has finished; a worker shutting down never does.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type RetryPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { FailureType, FINAL_FAILURE_TYPES } from '../contract';
import { invalidInput } from '../failures';
import { METRIC } from '../operations/metrics';
import type { GenerateVideoInput, GenerateVideoRequest } from '../request';
import type { VideoResult } from '../workflows/messages';
import {
  afterPollFailure,
  afterSubmitFailure,
  factsOf,
  failureDetails,
  isFinal,
  videoFailure,
} from '../workflows/video-failures';
import { type CarriedState, type StopReason, VideoRun } from '../workflows/video-run';
import { CANCEL_RETRY, MIRROR_RETRY, STATUS_CHECK_RETRY, SUBMIT_RETRY } from '../workflows/retry-policies';
import { setupFrom } from '../workflows/video-setup-rules';
import { MAX_RETRY_AFTER_MS } from './failures';
import type {
  CancelInput,
  CancelOutput,
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
   * Names the video where a workflow id would: its objects in the store, and with `key_scope` its
   * idempotency keys.
   */
  video_id: string;
  /** What makes the keys unique to the caller's execution chain (the campaign's first run id). */
  key_scope: string;
  /** The run so far, as the previous attempt's activity returned it; absent for the first attempt. */
  carried?: CarriedState;
}

/** An attempt's activity ends with the video, or with the run's state for the next attempt. */
export type VideoInActivityOutput = { video: VideoResult } | { next_attempt: CarriedState };

/** What the loop calls: the activities' own functions, given by the factory (activities/index.ts). */
export interface VideoInActivityDependencies {
  checkRequest(input: unknown): Promise<GenerateVideoRequest>;
  loadCatalog(): Promise<CatalogOutput>;
  /** Given no cancel signal of the activity's: a submit in flight is finished, so its job can be cancelled. */
  submit(input: SubmitInput, abort: AbortSignal): Promise<SubmitOutput>;
  check(input: PollInput): Promise<GatewayJob>;
  /** Given its own signal: it runs when a cancel is what brings us there. */
  cancel(input: CancelInput, abort: AbortSignal): Promise<CancelOutput>;
  /** `beat` keeps the activity's own heartbeat (its state) while the mirror waits and copies. */
  mirror(owner: string, input: MirrorInput, beat: () => void): Promise<MirrorOutput>;
}

/** What the activity heartbeats: the run's state, from which a retried activity resumes. */
interface Beat {
  state: CarriedState;
}

/** Tries of one call before the run decides: GenerateVideo's retry policies (retry-policies.ts), in a loop. */
interface Retry {
  attempts: number;
  initialMs: number;
  maxMs: number;
}
const tries = (policy: RetryPolicy): Retry => ({
  attempts: policy.maximumAttempts ?? 1,
  initialMs: msToNumber(policy.initialInterval ?? '1s'),
  maxMs: msToNumber(policy.maximumInterval ?? '1m'),
});
const SUBMIT = tries(SUBMIT_RETRY);
const CHECK = tries(STATUS_CHECK_RETRY);
const MIRROR = tries(MIRROR_RETRY);
const CANCEL = tries(CANCEL_RETRY);
/** One submit request's time (GenerateVideo's submit activity has 30 s to close). */
const SUBMIT_TIMEOUT_MS = 30_000;
/** A cancel upstream is made even when the activity is being cancelled: it gets its own time. */
const CANCEL_UPSTREAM_MS = 30_000;
const CAMPAIGN_CANCELLED: StopReason = {
  ending: 'cancelled',
  type: FailureType.Cancelled,
  message: 'cancelled: campaign cancelled',
};
const CAMPAIGN_ENDED: StopReason = {
  ending: 'cancelled',
  type: FailureType.Cancelled,
  message: 'cancelled: the campaign ended',
};
/** Between changes of the state, a heartbeat (which keeps the activity alive and brings a cancel) this often. */
const BEAT_EVERY_MS = 10_000;

export async function videoInActivity(
  context: Context,
  input: VideoInActivityInput,
  deps: VideoInActivityDependencies,
): Promise<VideoInActivityOutput> {
  const request = await deps.checkRequest(input.request);
  // Refused when the rows were prepared; checked again here for rows that skipped that (a retry pass).
  if (request.callback_url) {
    throw invalidInput('callback_url needs row_runner "workflow": a row run as an activity sends no callback');
  }
  const heartbeated = (context.info.heartbeatDetails as Partial<Beat> | undefined)?.state;
  const carried = heartbeated ?? input.carried;
  // The deadline counts from when the campaign asked for the row, as the activity's schedule-to-close
  // does (video-campaign-activities.ts): waiting for a worker is part of the video's time.
  const run = carried
    ? VideoRun.resume(request, structuredClone(carried))
    : VideoRun.begin(request, Math.min(Date.now(), context.info.scheduledTimestampMs || Date.now()));
  const loop = new ActivityVideoLoop(context, run, input, deps);
  if (!carried) {
    const warn = (message: string, attributes?: Record<string, unknown>) => context.log.warn(message, attributes);
    // A row run as an activity has no search attributes: nothing to warn about.
    const setup = setupFrom(request, { ...(await deps.loadCatalog()), search_attributes: undefined }, undefined, warn);
    // Only the chain's models: the state travels in every heartbeat and every hand-back.
    run.configure({ ...setup, catalog: Object.fromEntries(setup.chain.map((m) => [m, setup.catalog[m]])) });
    loop.count(METRIC.videosStarted, 1, { model: run.state.chain[0] });
  }
  return loop.drive();
}

/** The phases of one attempt inside an activity: GenerateVideo's VideoLoop, with waits and calls of its own. */
class ActivityVideoLoop {
  private lastBeatAt = 0;

  constructor(
    private readonly context: Context,
    private readonly run: VideoRun,
    private readonly input: VideoInActivityInput,
    private readonly deps: VideoInActivityDependencies,
  ) {}

  async drive(): Promise<VideoInActivityOutput> {
    this.beat(true); // at once: the server learns the activity is alive, and a cancel can reach it
    // Long calls never starve the heartbeat: at most BEAT_EVERY_MS (plus half) between two beats.
    const ticker = setInterval(() => this.beat(), BEAT_EVERY_MS / 2);
    try {
      const outcome = await this.loop();
      if ('video' in outcome) this.ended();
      return outcome;
    } catch (error) {
      const failure = await this.failed(error);
      if (this.run.outcome) this.ended();
      throw failure;
    } finally {
      clearInterval(ticker);
    }
  }

  /**
   * How the activity fails:
   * - a decided ending (a failure with the run's attempts, built here) ends the run as it is, even if
   *   a cancel arrived meanwhile;
   * - while the activity is cancelled, the caller's cancel (or its end, when it was terminated) stops
   *   the run and cancels the live job upstream; any other reason (a worker shutting down, a timeout,
   *   a reset) leaves the job running for the retried activity, so the failure is made retryable;
   * - anything else: a non-retryable failure (the input check) ends the run, the rest Temporal retries.
   */
  private async failed(error: unknown): Promise<unknown> {
    const { run } = this;
    if (error instanceof ApplicationFailure && failureDetails(error)) {
      run.finish('failed', { type: error.type ?? FailureType.ProviderFailed, message: error.message });
      return error;
    }
    if (this.context.cancellationSignal.aborted) {
      const why = this.context.cancellationDetails;
      if (why?.cancelRequested) return this.stopping(CAMPAIGN_CANCELLED);
      if (why?.notFound && (await this.callerEnded())) return this.stopping(CAMPAIGN_ENDED);
      return error instanceof ApplicationFailure && error.nonRetryable
        ? ApplicationFailure.retryable(error.message, error.type)
        : error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      run.finish('failed', { type: error.type ?? FailureType.ProviderFailed, message: error.message });
    }
    return error;
  }

  /**
   * The server no longer knows this activity: a retry took it over (the campaign still runs, and the
   * job is the retry's to finish), or the campaign ended without cancelling it (terminated): then
   * nobody will finish the job, and it is cancelled. The latest run of the campaign's id is asked: a
   * reset continues the chain (its keys find the same jobs), while a campaign started again under the
   * id (retry-failed after a terminate) is a new chain with other keys. No answer within 10 s: left running.
   */
  private async callerEnded(): Promise<boolean> {
    const caller = this.context.info.workflowExecution;
    if (!caller) return false;
    try {
      const { client } = this.context;
      const latest = await client.withDeadline(Date.now() + 10_000, () =>
        client.workflow.getHandle(caller.workflowId).describe(),
      );
      // A reset keeps the chain (and the keys); a campaign started again under the id is another chain.
      const chain = latest.raw.workflowExecutionInfo?.firstRunId;
      return latest.status.name !== 'RUNNING' || (!!chain && chain !== this.input.key_scope);
    } catch {
      return false;
    }
  }

  /** One attempt: submit, check at the interval, mirror; back to the caller when it ends and the chain goes on. */
  private async loop(): Promise<VideoInActivityOutput> {
    const { run } = this;
    for (;;) {
      const stop = run.stopReason(Date.now());
      if (stop) throw await this.stopping(stop);
      this.throwIfCancelled();
      const live = run.live;
      // An attempt has ended and the next has not been chosen: that is the campaign's to schedule.
      if (!live && run.attempts.length > 0 && !run.state.pending_fallback) return this.handingBack();
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
      if (verdict.kind === 'succeeded') return { video: await this.mirroring(job) };
      if (verdict.kind === 'failed') {
        run.endAttempt('failed', Date.now(), { type: verdict.type, message: verdict.message });
        if (isFinal(verdict.type)) throw this.fail(verdict.type, verdict.message);
        this.beat(true);
      }
    }
  }

  /**
   * An attempt ended and the chain goes on: the next model is chosen here (or the chain's end or the
   * budget decided) and handed to the campaign with the state, which schedules the next activity with
   * it; that activity starts the attempt. So it is in the campaign's history before anything is paid,
   * and nothing is counted for it until it is submitted.
   */
  private handingBack(): VideoInActivityOutput {
    this.run.chooseNextModel((type, message) => this.fail(type, message));
    return { next_attempt: this.run.state };
  }

  /**
   * Start the attempt on the next model (or submit the live one again), until the gateway gives a job
   * id or a decision. Never given up for a cancel: a job the gateway may have made is learned first,
   * and the loop then cancels it (GenerateVideo's submit is not cancellable either).
   */
  private async submitting(): Promise<void> {
    const { run } = this;
    let attempt = run.live;
    if (!attempt) {
      attempt = run.startNextAttempt(Date.now(), (type, message) => this.fail(type, message));
      this.beat(true);
    }
    const submitInput = run.submitInput(attempt, `${this.input.video_id}/${this.input.key_scope}`);
    for (let round = 1; ; round++) {
      // After a round without an answer, a cancel (or a worker stopping) or the deadline stops here: the
      // loop then ends the attempt as a job the gateway never confirmed ("unknown_job", as GenerateVideo),
      // or a retried activity asks again by the same key.
      if (round > 1 && (this.context.cancellationSignal.aborted || Date.now() >= run.deadlineMs)) return;
      try {
        const submit = () => this.deps.submit(submitInput, AbortSignal.timeout(SUBMIT_TIMEOUT_MS));
        const job = await this.retried(submit, SUBMIT, 'finish_call');
        run.submitted(job);
        this.beat(true); // the job id: a retried activity must find it
        this.count(METRIC.submits, 1, { model: attempt.model });
        this.count(METRIC.creditsEstimated, attempt.credits_estimated ?? 0, { model: attempt.model });
        return;
      } catch (error) {
        const facts = factsOf(error);
        const decision = afterSubmitFailure(facts);
        if (decision !== 'resubmit') {
          run.endAttempt('failed', Date.now(), { type: facts.type, message: facts.message });
          if (decision === 'stop') throw this.fail(facts.type, facts.message);
          this.beat(true);
          return;
        }
        // The job may exist: submit again with the same key, which finds it instead of paying twice.
        this.context.log.warn('Submit got no usable answer; submitting again with the same idempotency key', {
          error: facts.message,
        });
        await this.pause(SUBMIT.initialMs, 'finish_call');
      }
    }
  }

  /** One status check, retried briefly; undefined when there is no news (an outage is waited out). */
  private async checking(jobId: string, about: Omit<PollInput, 'job_id'>): Promise<GatewayJob | undefined> {
    const { run } = this;
    try {
      return await this.retried(() => this.deps.check({ job_id: jobId, ...about }), CHECK);
    } catch (error) {
      if (this.aborted(error)) throw error;
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
      const lost = decision === 'job_lost';
      await this.abandon('failed', {
        type: lost ? FailureType.ProviderFailed : facts.type,
        message: lost ? `the gateway lost the job: ${facts.message}` : facts.message,
      });
      if (!lost) throw this.fail(facts.type, facts.message);
      return undefined;
    }
  }

  /** Copy the finished videos into the store, under the video's own name. */
  private async mirroring(job: GatewayJob): Promise<VideoResult> {
    const { run, input } = this;
    run.startMirroring();
    this.beat(true);
    const source = {
      job_id: job.job_id,
      video_url: job.video_url!,
      thumbnail_url: job.thumbnail_url,
      videos: job.videos,
    };
    try {
      const stored = await this.retried(() => this.deps.mirror(input.video_id, source, () => this.beat()), MIRROR);
      // The workflow that made it: the campaign (the video itself has no workflow).
      return run.succeed(job, stored, Date.now(), this.context.info.workflowExecution?.workflowId ?? input.video_id);
    } catch (error) {
      if (this.aborted(error)) throw error;
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
    await this.abandon(stop.ending === 'cancelled' ? 'cancelled' : 'timed_out', {
      type: stop.type,
      message: stop.message,
    });
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
        const cancel = () => this.deps.cancel({ job_id: live.job_id! }, AbortSignal.timeout(CANCEL_UPSTREAM_MS));
        const answer = await this.retried(cancel, CANCEL, 'keep_trying');
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
    this.beat(true);
  }

  private fail(type: string, message: string, upstream: { job_id?: string; provider_url?: string } = {}) {
    this.run.finish('failed', { type, message });
    return videoFailure(type, message, { attempts: [...this.run.attempts], ...upstream });
  }

  /**
   * `call`, tried again after a growing pause (or the gateway's Retry-After, up to MAX_RETRY_AFTER_MS)
   * while it may yet work. What a cancel of the activity does, by `onCancel`:
   * - `stop`: the call and the waits are cancelled (status checks, the mirror);
   * - `finish_call`: the call in flight is let answer, and no other try is made (a submit: its job
   *   must be learned to be cancelled);
   * - `keep_trying`: the tries go on, past the deadline too (the upstream cancel itself).
   */
  private async retried<T>(call: () => Promise<T>, retry: Retry, onCancel: OnCancel = 'stop'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (onCancel !== 'keep_trying' && this.aborted(error)) throw error;
        if (attempt >= retry.attempts || !retryable(error)) throw error;
        const asked = error instanceof ApplicationFailure ? error.nextRetryDelay : undefined;
        const delay =
          typeof asked === 'number'
            ? Math.min(asked, MAX_RETRY_AFTER_MS)
            : Math.min(retry.initialMs * 2 ** (attempt - 1), retry.maxMs);
        if (onCancel !== 'keep_trying' && delay >= this.run.remainingMs(Date.now())) throw error;
        await this.pause(delay, onCancel);
        if (onCancel === 'finish_call' && this.context.cancellationSignal.aborted) throw error;
      }
    }
  }

  /**
   * Wait, as `onCancel` says (see `retried`): `stop` rejects with a CancelledFailure when the activity
   * is cancelled; `finish_call` ends early, and the caller decides; `keep_trying` waits its time.
   */
  private async pause(ms: number, onCancel: OnCancel = 'stop'): Promise<void> {
    if (onCancel === 'stop') await this.context.sleep(ms);
    else if (onCancel === 'finish_call') await abortableDelay(ms, this.context.cancellationSignal);
    else await new Promise((resolve) => setTimeout(resolve, ms));
    this.beat();
  }

  /**
   * The state, for a retried activity to resume from: at once after a change it must see (`changed`),
   * otherwise at most every BEAT_EVERY_MS, since every call serialises the whole state (the SDK then
   * sends at most one per throttle interval).
   */
  private beat(changed = false): void {
    const now = Date.now();
    if (!changed && now - this.lastBeatAt < BEAT_EVERY_MS) return;
    this.lastBeatAt = now;
    this.context.heartbeat({ state: this.run.state } satisfies Beat);
  }

  private throwIfCancelled(): void {
    if (this.context.cancellationSignal.aborted) throw new CancelledFailure('activity cancelled');
  }

  /** The activity is being cancelled (for whatever reason), or the error is a cancellation. */
  private aborted(error: unknown): boolean {
    return error instanceof CancelledFailure || this.context.cancellationSignal.aborted;
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
}

type OnCancel = 'stop' | 'finish_call' | 'keep_trying';

/** A delay that ends early (without an error) when `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

/** A failure another try may fix: not a final type, not marked non-retryable. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApplicationFailure)) return true;
  return !error.nonRetryable && !(FINAL_FAILURE_TYPES as readonly string[]).includes(error.type ?? '');
}
