/**
 * The state of one GenerateVideo and its named transitions. Deterministic and free of Temporal
 * calls: every transition takes `now`, so the whole state machine is unit-tested without a server,
 * and the workflow file is left with the waiting and the calling.
 *
 * A run is a list of attempts, one per model tried. The last attempt is the live one while its
 * outcome is `running`: without a job id it is still being submitted, with one it is upstream.
 */
import type { GatewayCapabilities, GatewayJob } from '../gateway/types';
import type { MirrorOutput, SubmitInput } from '../activities/types';
import { type Catalog, estimateAttempt, modelSpec, unknownModel } from '../catalog';
import { FailureType, type VideoStatus } from '../contract';
import type { GenerateVideoRequest } from '../request';
import type { VideoSearchValues } from '../search-attributes';
import { Budget } from './budget';
import { messageSchemas } from './lazy';
import { chainExhausted, type JobVerdict, judgeJob } from './video-failures';
import {
  type Attempt,
  type AttemptOutcome,
  cancelReason,
  estimatedSpend,
  type FallbackRequest,
  type UpstreamStatus,
  type VideoProgress,
  type VideoResult,
} from './messages';

/** Unfamiliar status words an attempt records: enough for an operator, never a growing state. */
const UNFAMILIAR_KEPT = 20;
/** The refused fallback requests the progress query shows: the latest, each problem clipped. */
const REJECTED_REQUESTS_KEPT = 20;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Where the live attempt is upstream, as last seen. */
export interface UpstreamView {
  status: VideoStatus;
  progress: number;
  progress_source?: VideoProgress['progress_source'];
  processing_since_ms?: number;
  upstream_status?: string;
  /** The gateway's own last progress figure (poll_mode "activity" reports changes against it). */
  raw_progress?: number;
}

/** What a run hands to the next one at continue-as-new. */
export interface CarriedState {
  started_at_ms: number;
  deadline_ms: number;
  catalog: Catalog;
  chain: string[];
  attempts: Attempt[];
  /** The live attempt's upstream view; absent between attempts. */
  upstream?: UpstreamView;
  capabilities?: GatewayCapabilities;
  cancel_reason?: string;
  pending_fallback?: FallbackRequest;
  rejected_requests: VideoProgress['rejected_requests'];
  poll_failures?: number;
  simulated?: boolean;
  /** How long each model's jobs took lately (seconds), as the worker learned it: poll_interval "auto". */
  typical_seconds?: Record<string, number>;
  /** The namespace has the video search attributes: they are upserted at state changes. */
  search_attributes?: boolean;
  /** The campaign this video belongs to (its parent workflow), for VideoCampaignId. */
  campaign_id?: string;
}

/** Why the run must stop now, whatever it is doing. */
export interface StopReason {
  ending: 'cancelled' | 'timed_out';
  type: FailureType;
  message: string;
}

/** Progress while the upstream gives none: rises with time, never reaches the end on its own. */
export function estimatedProgress(processingMs: number): number {
  return Math.min(90, Math.round(90 * (1 - Math.exp(-processingMs / 45_000))));
}

/** The gateway's progress figure as we show it: the last 5% are ours (mirroring the video). */
export function shownUpstreamProgress(upstream: number): number {
  return Math.round(upstream * 0.95);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Before anything is learned: the low end of the seeds' "most videos finish in 30-90 s". */
export const TYPICAL_JOB_SECONDS = 30;

export class VideoRun {
  /** Set once the run has ended, to the status it ended with. */
  private ending?: VideoStatus;
  /** Why it ended, when it failed. */
  private failure?: { type: string; message: string };
  /** Search attribute values this run has already upserted. */
  private published: VideoSearchValues = {};

  private constructor(
    readonly request: GenerateVideoRequest,
    readonly state: CarriedState,
  ) {}

  /** A first run: nothing tried yet, the deadline counted from now. */
  static begin(request: GenerateVideoRequest, now: number): VideoRun {
    return new VideoRun(request, {
      started_at_ms: now,
      deadline_ms: now + request.timeout_ms,
      catalog: {},
      chain: request.model ? [request.model] : [],
      attempts: [],
      rejected_requests: [],
    });
  }

  /** What the progress query shows while the input is still being checked: nothing submitted yet. */
  static checking(since: number, now: number): VideoProgress {
    return {
      status: 'queued', // as a run shows before its first submit answers
      progress: 0,
      progress_source: 'estimated',
      model: '',
      attempt: 0,
      attempts: [],
      elapsed_ms: now - since,
      deadline: '',
      poll_failures: 0,
      rejected_requests: [],
    };
  }

  /** A run continued as new. */
  static resume(request: GenerateVideoRequest, carried: CarriedState): VideoRun {
    return new VideoRun(request, carried);
  }

  configure(
    setup: Pick<
      CarriedState,
      'catalog' | 'chain' | 'capabilities' | 'search_attributes' | 'campaign_id' | 'typical_seconds'
    >,
  ): void {
    Object.assign(this.state, setup);
  }

  // ---- reading ----------------------------------------------------------------------------------

  get attempts(): readonly Attempt[] {
    return this.state.attempts;
  }

  /** The live attempt, if one is running. */
  get live(): Attempt | undefined {
    const last = this.state.attempts[this.state.attempts.length - 1];
    return last?.outcome === 'running' ? last : undefined;
  }

  get status(): VideoStatus {
    return this.ending ?? this.state.upstream?.status ?? 'queued';
  }

  get deadlineMs(): number {
    return this.state.deadline_ms;
  }

  /** Until the deadline, never negative. */
  remainingMs(now: number): number {
    return Math.max(0, this.state.deadline_ms - now);
  }

  /** A cancel was asked for, or the deadline passed: the run must stop whatever it is doing. */
  stopReason(now: number): StopReason | undefined {
    if (this.state.cancel_reason) {
      return { ending: 'cancelled', type: FailureType.Cancelled, message: `cancelled: ${this.state.cancel_reason}` };
    }
    if (now >= this.state.deadline_ms) {
      return {
        ending: 'timed_out',
        type: FailureType.Timeout,
        message: `no video within the ${this.request.timeout_ms} ms timeout`,
      };
    }
    return undefined;
  }

  get cancelRequested(): boolean {
    return !!this.state.cancel_reason;
  }

  /** A cancel or a fallback waits to be acted on: a wait for the next poll ends early for it. */
  get hasRequest(): boolean {
    return !!this.state.cancel_reason || !!this.state.pending_fallback;
  }

  get fallbackRequested(): FallbackRequest | undefined {
    return this.state.pending_fallback;
  }

  private get percent(): number {
    return this.ending === 'succeeded' ? 100 : (this.state.upstream?.progress ?? 0);
  }

  progress(now: number): VideoProgress {
    const live = this.state.attempts[this.state.attempts.length - 1];
    return {
      status: this.status,
      progress: this.percent,
      progress_source: this.state.upstream?.progress_source ?? 'upstream',
      model: live?.model ?? this.state.chain[0] ?? this.request.model ?? '',
      job_id: live?.job_id,
      attempt: this.state.attempts.length,
      attempts: this.state.attempts,
      elapsed_ms: now - this.state.started_at_ms,
      deadline: iso(this.state.deadline_ms),
      upstream_status: this.state.upstream?.upstream_status,
      ...(this.state.upstream?.processing_since_ms !== undefined
        ? { processing_since: iso(this.state.upstream.processing_since_ms) }
        : {}),
      poll_failures: this.state.poll_failures ?? 0,
      rejected_requests: this.state.rejected_requests,
    };
  }

  /** What the Temporal UI shows as the workflow's current details (Markdown, no history events). */
  details(): string {
    const live = this.state.attempts[this.state.attempts.length - 1];
    const upstream = this.state.upstream;
    return [
      `**${this.status}** ${this.percent}%`,
      live ? `model \`${live.model}\` · attempt ${live.attempt} of up to ${this.state.chain.length}` : '',
      live?.job_id
        ? `upstream job \`${live.job_id}\`${upstream?.upstream_status ? ` (${upstream.upstream_status})` : ''}`
        : '',
      this.state.poll_failures ? `${this.state.poll_failures} status checks failed in a row` : '',
      `deadline ${iso(this.state.deadline_ms)}`,
    ]
      .filter(Boolean)
      .join('\n\n');
  }

  // ---- messages ---------------------------------------------------------------------------------

  /** Even a malformed cancel is a cancel: stopping is always safe. The first reason wins. */
  requestCancel(raw: unknown): void {
    this.state.cancel_reason ??= cancelReason(raw);
  }

  /** A fallback request, or why it is refused. */
  checkFallback(raw: unknown): { request: FallbackRequest; problem?: string } {
    const parsed = messageSchemas().parseFallbackRequest(raw);
    if ('problem' in parsed) return { request: {}, problem: parsed.problem };
    const { request } = parsed;
    const tried = new Set(this.state.attempts.map((a) => a.model));
    let problem: string | undefined;
    if (this.status === 'mirroring' || this.status === 'succeeded') problem = 'the video is already generated';
    else if (request.model !== undefined && !modelSpec(this.state.catalog, request.model)) {
      problem = unknownModel(request.model, this.state.catalog);
    } else if (request.model !== undefined && tried.has(request.model))
      problem = `model "${request.model}" was already tried`;
    else if (request.model === undefined && !this.untried()) problem = 'no untried model is left in the fallback chain';
    return { request, problem };
  }

  /** From a signal, which cannot answer: a refusal is recorded where the progress query shows it. */
  requestFallback(raw: unknown, now: number): string | undefined {
    const { request, problem } = this.checkFallback(raw);
    if (problem) {
      // Kept small whatever a sender sends: the state rides in every query answer and continue-as-new.
      this.state.rejected_requests.push({ request, problem: clip(problem, 500), at: iso(now) });
      this.state.rejected_requests.splice(0, this.state.rejected_requests.length - REJECTED_REQUESTS_KEPT);
    } else this.state.pending_fallback = request;
    return problem;
  }

  /** From the update, whose validator already refused what `checkFallback` refuses. */
  acceptFallback(raw: unknown): { model: string } {
    const { request } = this.checkFallback(raw);
    this.state.pending_fallback = request;
    return { model: request.model ?? this.untried()! };
  }

  // ---- transitions ------------------------------------------------------------------------------

  private untried(): string | undefined {
    const tried = new Set(this.state.attempts.map((a) => a.model));
    return this.state.chain.find((m) => !tried.has(m));
  }

  /** The model to try next: the one an operator named, else the next untried one in the chain. */
  takeNextModel(): string | undefined {
    const requested = this.state.pending_fallback?.model;
    this.state.pending_fallback = undefined;
    return requested ?? this.untried();
  }

  /** Why submitting `model` could pass `max_credits`, or undefined when it cannot. */
  budgetProblem(model: string): string | undefined {
    const budget = new Budget(this.request.max_credits, estimatedSpend(this.state.attempts));
    return budget.submitProblem(model, this.estimate(model).credits_estimated);
  }

  private estimate(model: string): Pick<Attempt, 'params' | 'adjustments' | 'credits_estimated'> {
    const spec = modelSpec(this.state.catalog, model);
    // Every model reaching here was checked against the catalog (setup, checkFallback).
    if (!spec) throw new Error(`model "${model}" is not in the catalog`);
    return estimateAttempt(spec, this.request);
  }

  /**
   * The next model's attempt, now live. Throws the chain's own failure when no model is left, and
   * `fail`'s BudgetExceeded (which ends the run) when the next model could pass `max_credits`.
   */
  startNextAttempt(now: number, fail: (type: string, message: string) => Error): Attempt {
    const model = this.chooseNextModel(fail);
    this.state.pending_fallback = undefined;
    return this.startAttempt(model, now);
  }

  /**
   * Decide the next attempt's model now (throwing as startNextAttempt would) and keep it, as a pending
   * fallback, for whoever starts that attempt: a campaign row's activity hands it to the next one.
   */
  chooseNextModel(fail: (type: string, message: string) => Error): string {
    const model = this.takeNextModel();
    if (!model) throw chainExhausted([...this.state.attempts], this.state.chain.length);
    const overBudget = this.budgetProblem(model);
    if (overBudget) throw fail(FailureType.BudgetExceeded, overBudget);
    this.state.pending_fallback = { model };
    return model;
  }

  /** A new attempt on `model`, the request fitted to it; it is live until it ends. */
  startAttempt(model: string, now: number): Attempt {
    const attempt: Attempt = {
      attempt: this.state.attempts.length + 1,
      model,
      started_at: iso(now),
      outcome: 'running',
      ...this.estimate(model),
    };
    this.state.attempts.push(attempt);
    this.state.upstream = { status: 'queued', progress: 0 };
    this.state.poll_failures = 0;
    return attempt;
  }

  /**
   * What submits `attempt`'s job: the request fitted to its model, and an idempotency key that is the
   * same for every try of the attempt (across retries, restarts and resubmits), made from `keyOwner`
   * (the workflow id and its first run id) and the attempt's number.
   */
  submitInput(attempt: Attempt, keyOwner: string): SubmitInput {
    const { request } = this;
    return {
      request: {
        model: attempt.model,
        prompt: request.prompt,
        ...attempt.params,
        n: request.n,
        image_url: request.image_url,
        image_base64: request.image_base64,
        person_generation: request.person_generation,
      },
      image_ref: request.image_ref,
      idempotency_key: `${keyOwner}/${attempt.attempt}`,
    };
  }

  /** The gateway took the live attempt's job. */
  submitted(job: GatewayJob & { simulated?: boolean }): void {
    const live = this.live!;
    live.job_id = job.job_id;
    if (this.state.upstream) this.state.upstream.upstream_status = job.upstream_status;
    if (job.simulated) this.state.simulated = true;
  }

  /**
   * A status answer for the live attempt: updates status and progress and says what it means. The
   * first time a word we do not know is seen, `unfamiliar` names it, so the caller logs it once.
   */
  recordPoll(job: GatewayJob, now: number): JobVerdict & { unfamiliar?: string } {
    const live = this.live!;
    const view = (this.state.upstream ??= { status: 'queued', progress: 0 });
    this.state.poll_failures = 0;
    view.upstream_status = job.upstream_status;
    view.raw_progress = job.progress;
    if (job.status === 'succeeded' && job.video_url) live.provider_url = job.video_url;
    let unfamiliar: string | undefined;
    const known = live.unfamiliar_statuses ?? [];
    if (job.status === 'working' && !known.includes(job.upstream_status) && known.length < UNFAMILIAR_KEPT) {
      (live.unfamiliar_statuses ??= []).push(job.upstream_status);
      unfamiliar = job.upstream_status;
    }
    // An unfamiliar word shows as processing once progress or time says the job is moving.
    const moving =
      job.status === 'processing' || (job.status === 'working' && (view.status === 'processing' || !!job.progress));
    if (job.status === 'queued') {
      view.status = 'queued';
      view.progress = 0;
    } else if (moving) {
      view.status = 'processing';
      view.processing_since_ms ??= now;
      if (job.progress !== undefined) {
        view.progress = Math.max(view.progress, shownUpstreamProgress(job.progress));
        view.progress_source = 'upstream';
      } else {
        view.progress = Math.max(view.progress, estimatedProgress(now - view.processing_since_ms));
        view.progress_source = 'estimated';
      }
    }
    return { ...judgeJob(job), ...(unfamiliar ? { unfamiliar } : {}) };
  }

  /**
   * How long to wait before the next status check: the poll interval, doubled for each round of
   * failed checks in a row (at most 16 times, and at most a minute unless the interval is longer).
   */
  nextPollWaitMs(now: number): number {
    const interval = this.request.poll_interval_ms;
    const failures = Math.min(this.state.poll_failures ?? 0, 4);
    let wait = failures ? Math.min(interval * 2 ** failures, Math.max(interval, 60_000)) : interval;
    if (this.request.adaptive_polling && !failures) wait = Math.max(wait, this.untilLikelyDoneMs(now));
    return Math.min(wait, this.remainingMs(now));
  }

  /** poll_interval "auto" and the job cannot be done for a while yet: a long sleep before polling. */
  sleepsBeforePolling(now: number): boolean {
    return !!this.request.adaptive_polling && this.untilLikelyDoneMs(now) > this.request.poll_interval_ms;
  }

  /**
   * poll_interval "auto": how long until the live job could be done, from how long its model's jobs
   * took lately in this worker (or, knowing nothing yet, the seeds' "most videos finish in 30-90 s").
   * The first poll comes at 80% of that, and every 5 s from then on.
   */
  private untilLikelyDoneMs(now: number): number {
    const live = this.live;
    if (!live) return 0;
    const learned = this.state.typical_seconds ?? {};
    const typicalSeconds = Object.hasOwn(learned, live.model) ? learned[live.model] : TYPICAL_JOB_SECONDS;
    return 0.8 * typicalSeconds * 1000 - (now - Date.parse(live.started_at));
  }

  /** What the workflow last saw of the live job, for a watch activity to compare against. */
  lastSeen(): { upstream_status?: string; progress?: number } {
    return { upstream_status: this.state.upstream?.upstream_status, progress: this.state.upstream?.raw_progress };
  }

  /**
   * A watch's news of a new status word while it goes on watching (the `upstreamStatus` signal). It
   * counts as a status check only while the live job is being watched (activity mode, queued or
   * processing: not mirroring, not stopping) and only if it is about that job, a working status, well
   * formed. Anything else (a stale watch's, another attempt's, a client's) changes nothing: undefined.
   */
  heardStatus(raw: unknown, now: number): { unfamiliar?: string } | undefined {
    const jobId = this.live?.job_id;
    const watching =
      this.request.poll_mode === 'activity' && (this.status === 'queued' || this.status === 'processing');
    if (!jobId || !watching || !isStatusNews(raw) || raw.job_id !== jobId) return undefined;
    // Only the fields a status check reports: a success without a URL is still working.
    const { job_id, status, upstream_status, progress } = raw;
    const { unfamiliar } = this.recordPoll({ job_id, status, upstream_status, progress }, now);
    return unfamiliar ? { unfamiliar } : {};
  }

  /** A status check failed and will be tried again at the next poll. */
  pollFailed(): void {
    this.state.poll_failures = (this.state.poll_failures ?? 0) + 1;
  }

  startMirroring(): void {
    this.state.upstream = { ...(this.state.upstream ?? { progress: 0 }), status: 'mirroring', progress: 95 };
  }

  /** The live attempt ends; the run goes on (another model) or stops, as the caller decides. */
  endAttempt(
    outcome: Exclude<AttemptOutcome, 'running'>,
    now: number,
    why: { type?: string; message?: string; upstream_cancel?: Attempt['upstream_cancel'] } = {},
  ): void {
    const live = this.live;
    if (!live) return;
    live.outcome = outcome;
    live.ended_at = iso(now);
    if (why.type) live.error_type = why.type;
    if (why.message) live.error = why.message;
    if (why.upstream_cancel) live.upstream_cancel = why.upstream_cancel;
    if (outcome !== 'succeeded') this.state.upstream = undefined;
  }

  /** The run is over: no more transitions, the status is final. */
  finish(ending: 'failed' | 'cancelled' | 'timed_out', failure?: { type: string; message: string }): void {
    if (this.ending) return; // the first ending is the true one
    this.ending = ending;
    this.failure = failure;
  }

  /** How it ended, once it has: the status, and the failure when there is one. */
  get outcome(): { status: VideoStatus; failure?: { type: string; message: string } } | undefined {
    return this.ending ? { status: this.ending, failure: this.failure } : undefined;
  }

  /** The first job the gateway confirmed, if any yet. */
  get firstJob(): { job_id: string; model: string; attempt: number } | undefined {
    const attempt = this.state.attempts.find((a) => a.job_id);
    return attempt && { job_id: attempt.job_id!, model: attempt.model, attempt: attempt.attempt };
  }

  /** The search values that changed since the last call, now counted as published. */
  takeSearchChanges(): VideoSearchValues {
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.searchValues())) {
      if (this.published[key as keyof VideoSearchValues] !== value) changes[key] = value;
    }
    Object.assign(this.published, changes);
    return changes as VideoSearchValues;
  }

  /** What operators filter on (search attributes); the workflow upserts the ones that changed. */
  searchValues(): VideoSearchValues {
    const last = this.state.attempts[this.state.attempts.length - 1];
    const jobId = [...this.state.attempts].reverse().find((a) => a.job_id)?.job_id;
    return {
      VideoStatus: this.status,
      ...(last || this.state.chain[0] ? { VideoModel: last?.model ?? this.state.chain[0] } : {}),
      ...(jobId ? { VideoJobId: jobId } : {}),
      ...(this.state.campaign_id ? { VideoCampaignId: this.state.campaign_id } : {}),
      ...(this.state.attempts.length ? { VideoCreditsEstimated: estimatedSpend(this.state.attempts) } : {}),
      ...(this.failure ? { VideoFailureType: this.failure.type } : {}),
    };
  }

  /** The live attempt's videos are in our store: the run succeeded. */
  succeed(job: GatewayJob, stored: MirrorOutput, now: number, workflowId: string): VideoResult {
    const attempt = this.live!;
    this.endAttempt('succeeded', now);
    this.ending = 'succeeded';
    const credits = this.state.attempts.filter((a) => a.job_id).map((a) => a.credits_estimated);
    const requested = this.request.n ?? 1;
    const received = stored.videos?.length ?? 1;
    return {
      status: 'succeeded',
      workflow_id: workflowId,
      model: attempt.model,
      job_id: job.job_id,
      video: stored.video,
      ...(stored.videos ? { videos: stored.videos } : {}),
      ...(received < requested ? { shortfall: { requested, received } } : {}),
      thumbnail: stored.thumbnail,
      provider_url: job.video_url!,
      thumbnail_url: job.thumbnail_url,
      provider_mirror_status: job.mirror_status,
      upstream_copy: stored.upstream_copy,
      prompt: this.request.prompt,
      params: attempt.params,
      attempts: this.state.attempts,
      // Abandoned and failed jobs may be billed too: the estimate counts every submitted job.
      credits_estimated: credits.some((c) => c === null) ? null : estimatedSpend(this.state.attempts),
      elapsed_ms: now - this.state.started_at_ms,
      ...(this.state.simulated ? { simulated: true } : {}),
    };
  }
}

/** Statuses a watch tells of: never an ending (that is the watch's result). */
const TOLD_STATUSES: readonly string[] = ['queued', 'processing', 'working', 'succeeded'];

/** An `upstreamStatus` payload as the watch sends it; a signal is untrusted input like any other. */
function isStatusNews(raw: unknown): raw is UpstreamStatus {
  if (typeof raw !== 'object' || raw === null) return false;
  const news = raw as Record<string, unknown>;
  return (
    typeof news.job_id === 'string' &&
    typeof news.status === 'string' &&
    TOLD_STATUSES.includes(news.status) &&
    typeof news.upstream_status === 'string' &&
    news.upstream_status.length <= 200 &&
    (news.progress === undefined || (typeof news.progress === 'number' && news.progress >= 0 && news.progress <= 100))
  );
}
