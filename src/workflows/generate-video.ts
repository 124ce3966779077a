/**
 * GenerateVideo: submit a job to the gateway, poll it on a durable timer, mirror the result into our
 * store. A thin loop over named phases (submitting, waiting, polling, mirroring, stopping); the state
 * and its transitions live in VideoRun, what failures mean in video-failures. Deterministic: imports
 * only pure modules.
 *
 * Spend safety, phase by phase: a submit is retried with the same idempotency key until the gateway
 * answers (never a second model while the first job may exist); an outage or an unfamiliar status
 * word is waited out until the deadline (never a reason to pay again); every way of stopping cancels
 * the live job upstream in a scope that cannot itself be cancelled.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  metricMeter,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../contract';
import type { PollInput, WatchOutput } from '../activities/types';
import type { GatewayJob } from '../gateway/types';
import type { GenerateVideoInput, GenerateVideoRequest } from '../request';
import { interruptible, INTERRUPTED, rethrowCancellation } from './interruptible';
import { METRIC } from '../operations/metrics';
import { sendCallback } from './callback';
import {
  cancelSignal,
  fallbackSignal,
  type JobSubmitted,
  progressQuery,
  requestFallbackUpdate,
  upstreamStatusSignal,
  type VideoResult,
  waitForSubmitUpdate,
} from './messages';
import { publish } from './publish';
import {
  checkRequest,
  mirrorActivity,
  pollActivity,
  submitActivity,
  watchSpanMs,
  watchActivity,
} from './video-activities';
import {
  afterPollFailure,
  afterSubmitFailure,
  factsOf,
  isFinal,
  noUpstreamJob,
  ownFailure,
  videoFailure,
} from './video-failures';
import { type CarriedState, VideoRun } from './video-run';
import { checkedSetup } from './video-setup';
import { abandonUpstream, stopRunning } from './upstream';

export type { CarriedState } from './video-run';

export async function GenerateVideo(input: GenerateVideoInput, carried?: CarriedState): Promise<VideoResult> {
  // Query and updates first: an update sent with the start (waitForSubmit) is in the first activation,
  // before the input is checked. Until then there is no run: the query shows nothing submitted, a
  // fallback is refused, waitForSubmit waits. Signals sent meanwhile the SDK holds for their handlers.
  const since = Date.now();
  let current: VideoRun | undefined;
  const checked = async (): Promise<VideoRun> => {
    await condition(() => current !== undefined);
    return current!;
  };
  setHandler(progressQuery, () => (current ? current.progress(Date.now()) : VideoRun.checking(since, Date.now())));
  setHandler(requestFallbackUpdate, (raw) => current!.acceptFallback(raw), {
    validator: (raw) => refuse(current ? current.checkFallback(raw).problem : 'the input is still being checked'),
  });
  setHandler(waitForSubmitUpdate, async () => firstJobOrFailure(await checked()));

  const request = await checkedRequest(input);
  const run = carried ? VideoRun.resume(request, carried) : VideoRun.begin(request, since);
  current = run;
  setHandler(cancelSignal, (raw) => run.requestCancel(raw));
  setHandler(fallbackSignal, (raw) => warnIfRefused(run.requestFallback(raw, Date.now())));
  setHandler(upstreamStatusSignal, (raw) => heardStatus(run, raw));

  try {
    if (!carried) {
      run.configure(await checkedSetup(request));
      metricMeter.createCounter(METRIC.videosStarted).add(1, { model: run.state.chain[0] });
    }
    const result = await new VideoLoop(run, input).drive();
    await ended(run, result);
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    // Temporal's own cancellation arrives here from whatever await it interrupted.
    if (isCancellation(error)) {
      await stopRunning(run, { ending: 'cancelled', type: FailureType.Cancelled, message: 'workflow cancelled' });
    } else {
      const facts = factsOf(error);
      run.finish('failed', { type: facts.type, message: facts.message });
    }
    await ended(run);
    throw error;
  }
}

/**
 * The input, normalised, or the InvalidInput failure that ends the workflow before anything is spent.
 * A local activity checks it, so zod never loads in the workflow sandbox (lazy.ts says why).
 */
async function checkedRequest(input: GenerateVideoInput): Promise<GenerateVideoRequest> {
  // The activity's own InvalidInput is the workflow's failure, as if it had been checked here.
  return checkRequest(input).catch((error: unknown) => Promise.reject(ownFailure(error)));
}

/** Everything an ended run owes the outside: what it shows, its metrics, the callback. */
async function ended(run: VideoRun, result?: VideoResult): Promise<void> {
  publish(run);
  const outcome = run.outcome;
  metricMeter.createCounter(METRIC.videosEnded).add(1, {
    status: outcome?.status ?? 'succeeded',
    model: run.attempts[run.attempts.length - 1]?.model ?? '',
    failure_type: outcome?.failure?.type ?? '',
  });
  await sendCallback(run, result);
  // A `waitForSubmit` caller gets its answer before the workflow closes.
  await condition(allHandlersFinished);
}

/** The `waitForSubmit` update: the first job id, or the failure that ended the run before one came. */
async function firstJobOrFailure(run: VideoRun): Promise<JobSubmitted> {
  await condition(() => !!run.firstJob || !!run.outcome);
  if (run.firstJob) return run.firstJob;
  throw noUpstreamJob(run.outcome!);
}

/** A watch's news of a new status word: recorded and shown now, while the watch goes on. */
function heardStatus(run: VideoRun, raw: unknown): void {
  const news = run.heardStatus(raw, Date.now());
  if (!news) return log.warn('Ignored an upstreamStatus signal: not news of the job being watched');
  if (news.unfamiliar) warnUnfamiliar(news.unfamiliar, run.live?.job_id);
  publish(run);
}

function warnUnfamiliar(status: string, jobId: string | undefined): void {
  log.warn('Unfamiliar upstream status; treating the job as still working', { status, job_id: jobId });
}

function warnIfRefused(problem: string | undefined): void {
  if (problem) log.warn('Fallback request refused', { problem });
}

function refuse(problem: string | undefined): void {
  if (problem) throw new Error(problem);
}

/** The phases of a run; each returns when there is something new to decide. */
class VideoLoop {
  /**
   * The last answered status check: when the workflow had it (the poll-gap metric) and, from a watch,
   * when the gateway answered it (the next watch keeps that cadence).
   */
  private lastPoll?: { jobId: string; at: number; checkedAt?: number };

  constructor(
    private readonly run: VideoRun,
    private readonly input: GenerateVideoInput,
  ) {}

  async drive(): Promise<VideoResult> {
    const { run } = this;
    for (;;) {
      publish(run);
      const stop = run.stopReason(Date.now());
      if (stop) throw await stopRunning(run, stop);
      const live = run.live;
      if (live && run.fallbackRequested) {
        await abandonUpstream(run, 'abandoned', { message: run.fallbackRequested.reason ?? 'fallback requested' });
        continue;
      }
      if (!live || !live.job_id) {
        await this.submitting();
        continue;
      }
      // A watch activity waits between polls itself; after failed rounds the loop backs off first.
      if (run.request.poll_mode === 'timer' || run.state.poll_failures || run.sleepsBeforePolling(Date.now())) {
        if (await this.waiting()) continue;
      }
      const job = await this.polling(live.job_id);
      if (!job) continue;
      const verdict = run.recordPoll(job, Date.now());
      if (verdict.unfamiliar) warnUnfamiliar(verdict.unfamiliar, job.job_id);
      if (verdict.kind === 'succeeded') return this.mirroring(job);
      if (verdict.kind === 'failed') {
        run.endAttempt('failed', Date.now(), { type: verdict.type, message: verdict.message });
        if (isFinal(verdict.type)) throw this.fail(verdict.type, verdict.message);
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof GenerateVideo>(this.input, run.state);
      }
    }
  }

  /**
   * Submit the live attempt again (it has no job id: the gateway never answered) or start the next
   * model. Not cancellable: if the workflow is cancelled meanwhile we still learn the job id, and
   * the loop then cancels that job.
   */
  private async submitting(): Promise<void> {
    const { run } = this;
    const attempt = run.live ?? run.startNextAttempt(Date.now(), (type, message) => this.fail(type, message));
    const info = workflowInfo();
    const submit = submitActivity(run.remainingMs(Date.now()));
    try {
      const job = await CancellationScope.nonCancellable(() =>
        submit(run.submitInput(attempt, `${info.workflowId}/${info.firstExecutionRunId}`)),
      );
      run.submitted(job);
      metricMeter.createCounter(METRIC.submits).add(1, { model: attempt.model });
      metricMeter.createCounter(METRIC.creditsEstimated).add(attempt.credits_estimated ?? 0, { model: attempt.model });
    } catch (error) {
      rethrowCancellation(error);
      const facts = factsOf(error);
      const decision = afterSubmitFailure(facts);
      if (decision === 'resubmit') {
        // The job may exist: the loop submits again with the same key (bounded by the deadline).
        log.warn('Submit got no usable answer; submitting again with the same idempotency key', {
          error: facts.message,
        });
        return;
      }
      run.endAttempt('failed', Date.now(), { type: facts.type, message: facts.message });
      if (decision === 'stop') throw this.fail(facts.type, facts.message);
    }
  }

  /** Sleep until the next poll; true when a cancel or fallback request (or the deadline) woke us. */
  private async waiting(): Promise<boolean> {
    const { run } = this;
    if (await condition(() => run.hasRequest, run.nextPollWaitMs(Date.now()))) return true;
    return Date.now() >= run.deadlineMs;
  }

  /**
   * The status check of the run's poll mode: one poll (timer mode), or a watch that checks at the
   * poll interval, tells new status words by signal and returns with an ending or after its maximum
   * time (activity mode), keeping the cadence of the previous watch.
   */
  private statusCheck(jobId: string): (input: PollInput) => Promise<GatewayJob> {
    const { run } = this;
    const remaining = run.remainingMs(Date.now());
    if (run.request.poll_mode !== 'activity') return pollActivity(remaining);
    const interval = run.request.poll_interval_ms;
    const lastCheck = this.lastPoll?.jobId === jobId ? this.lastPoll.checkedAt : undefined;
    return (input) =>
      watchActivity(
        remaining,
        interval,
      )({
        ...input,
        poll_interval_ms: interval,
        last: run.lastSeen(),
        tell_status: true,
        max_ms: watchSpanMs(interval, remaining),
        ...(lastCheck ? { next_check_at_ms: lastCheck + interval } : {}),
      });
  }

  /** One status check; undefined when there is no news (the check failed, or a request interrupted it). */
  private async polling(jobId: string): Promise<GatewayJob | undefined> {
    const { run } = this;
    const poll = this.statusCheck(jobId);
    try {
      const live = run.live!;
      const job = await interruptible(
        () => poll({ job_id: jobId, model: live.model, submitted_at_ms: Date.parse(live.started_at) }),
        () => run.hasRequest,
      );
      if (job === INTERRUPTED) return undefined;
      const now = Date.now();
      // A watch's hand-overs are news, not polls: its cadence at the gateway is the activity's own.
      if (this.lastPoll?.jobId === jobId && run.request.poll_mode === 'timer') {
        metricMeter.createHistogram(METRIC.pollGap, 'int', 'ms').record(now - this.lastPoll.at);
      }
      // Timer-mode polls, and watches in histories from before they reported it, have no checked_at_ms.
      this.lastPoll = { jobId, at: now, checkedAt: (job as Partial<WatchOutput>).checked_at_ms };
      return job;
    } catch (error) {
      rethrowCancellation(error);
      if (this.lastPoll) this.lastPoll.checkedAt = undefined; // after a failed round, a whole interval
      const facts = factsOf(error);
      const decision = afterPollFailure(facts);
      if (decision === 'retry_later') {
        run.pollFailed();
        log.warn('Status check failed; the job is left running and checked again', {
          job_id: jobId,
          error: facts.message,
        });
        return undefined;
      }
      if (decision === 'job_lost') {
        // A status route that answers 404 may still have the job running (and billing) behind it:
        // cancel it where the dialect can before the next model is paid for.
        await abandonUpstream(run, 'failed', {
          type: FailureType.ProviderFailed,
          message: `the gateway lost the job: ${facts.message}`,
        });
        return undefined;
      }
      await abandonUpstream(run, 'failed', { type: facts.type, message: facts.message });
      throw this.fail(facts.type, facts.message);
    }
  }

  /** Copy the finished videos into our store. A cancel stops the download; the video stays upstream. */
  private async mirroring(job: GatewayJob): Promise<VideoResult> {
    const { run } = this;
    run.startMirroring();
    publish(run);
    const mirror = mirrorActivity(run.remainingMs(Date.now()));
    const upstream = { job_id: job.job_id, provider_url: job.video_url };
    try {
      const stored = await interruptible(
        () =>
          mirror({
            job_id: job.job_id,
            video_url: job.video_url!,
            thumbnail_url: job.thumbnail_url,
            videos: job.videos,
          }),
        () => run.cancelRequested,
      );
      if (stored !== INTERRUPTED) {
        const result = run.succeed(job, stored, Date.now(), workflowInfo().workflowId);
        publish(run);
        return result;
      }
    } catch (error) {
      rethrowCancellation(error);
      const facts = factsOf(error);
      if (!facts.timed_out) {
        run.endAttempt('failed', Date.now(), { type: FailureType.MirrorFailed, message: facts.message });
        throw this.fail(
          FailureType.MirrorFailed,
          `the video was generated (job ${job.job_id}) but could not be mirrored: ${facts.message}`,
          upstream,
        );
      }
    }
    // Cancelled or out of time while mirroring: the video exists upstream, and the failure says where.
    const stop = run.stopReason(Date.now()) ?? {
      ending: 'timed_out',
      type: FailureType.Timeout,
      message: 'the deadline passed while mirroring',
    };
    throw await stopRunning(
      run,
      { ...stop, message: `${stop.message} (the video exists upstream: job ${job.job_id})` },
      upstream,
    );
  }

  private fail(type: string, message: string, upstream: { job_id?: string; provider_url?: string } = {}) {
    this.run.finish('failed', { type, message });
    return videoFailure(type, message, { attempts: [...this.run.attempts], ...upstream });
  }
}
