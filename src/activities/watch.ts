/**
 * poll_mode "activity": the poll loop inside one heartbeating activity. It hands the job back to the
 * workflow only for an ending or after `max_ms`; a new status word is told by signal while the watch
 * goes on (so the cadence at the gateway never pauses for a hand-over), and progress travels in the
 * heartbeat details, where the client, the CLI and the Temporal UI's pending-activity view read it.
 * Each hand-over is a workflow task and several history events written to the server's store, so a
 * job of a minute costs one watch, not one per status or progress step.
 */
import type { Context } from '@temporalio/activity';
import type { GatewayJob } from '../gateway/types';
import { upstreamStatusSignal, type UpstreamStatus } from '../workflows/messages';
import type { PollInput, WatchInput, WatchOutput } from './types';

/** The job ended: the workflow has something to decide. */
export function jobEnded(job: GatewayJob): boolean {
  // A success counts once it has a URL; without one it is still "working" (as the workflow judges it).
  return (job.status === 'succeeded' && !!job.video_url) || job.status === 'failed' || job.status === 'cancelled';
}

/** The job ended or its status word changed: the workflow has something to decide or to record. */
export function jobChanged(job: GatewayJob, last: { upstream_status?: string }): boolean {
  return jobEnded(job) || job.upstream_status !== last.upstream_status;
}

/** Tells the workflow of a working job's new status word (the `upstreamStatus` signal); rejects if it cannot. */
export type TellStatus = (news: UpstreamStatus) => Promise<void>;

/**
 * What a watch heartbeats after every status check: the job as last seen. Clients read it from the
 * workflow's pending activity (describe), so progress needs no hand-over to the workflow.
 */
export interface WatchHeartbeat {
  job_id: string;
  status: GatewayJob['status'];
  upstream_status: string;
  /** The gateway's own progress figure (0-100), when it gives one. */
  progress?: number;
  /** When the gateway answered (epoch ms). */
  checked_at_ms: number;
  /** Status checks this watch has made. */
  polls: number;
}

/** The activity type whose heartbeats carry a WatchHeartbeat. */
export const WATCH_ACTIVITY_TYPE = 'watchVideoJob';

/** Counts watches that started late: queued behind a full worker (no free activity slot) or a slow server. */
export const WATCH_LATE_START_METRIC = 'video_watch_late_starts';

/** A watch that starts this much later than scheduled (or one poll interval, if longer) is reported. */
const LATE_START_MS = 10_000;
/** At most one warning per worker in this long: a full worker would otherwise log one per watch. */
const LATE_WARNING_EVERY_MS = 60_000;
let lastLateWarningAt = 0;

/**
 * A watch that waited for a slot polls late, silently, unless someone says so: a log line (rate-
 * limited) and a counter, so an operator learns the worker is full instead of reading late polls.
 */
function reportLateStart(context: Context, intervalMs: number): void {
  const waitedMs = Date.now() - context.info.currentAttemptScheduledTimestampMs;
  if (waitedMs < Math.max(LATE_START_MS, intervalMs)) return;
  context.metricMeter.createCounter(WATCH_LATE_START_METRIC, '1', 'watches that started late').add(1);
  if (Date.now() - lastLateWarningAt < LATE_WARNING_EVERY_MS) return;
  lastLateWarningAt = Date.now();
  context.log.warn(
    'A job watch started late: its polls are late too. The worker may have no free activity slot ' +
      '(raise VIDEO_WORKER_MAX_ACTIVITIES, or add workers) or the Temporal server is behind',
    { waited_ms: waitedMs, metric: WATCH_LATE_START_METRIC },
  );
}

/**
 * Each heartbeat that reaches the server is a write to its store (the pending activity's details), so
 * a watch sends one at most this often, not one per status check: fresh enough for a progress bar,
 * well inside the 30 s heartbeat timeout, and a cancel still arrives within it.
 */
export const WATCH_HEARTBEAT_EVERY_MS = 10_000;

/**
 * Poll until there is news for the workflow or `max_ms` has passed. The first check comes when the
 * cadence makes it due (`next_check_at_ms`: one interval after the last one), so a late hand-over
 * does not shift the cadence; and a late first check is just a check: it returns only for news.
 */
export async function watchJob(
  context: Context,
  input: WatchInput,
  checkJob: (input: PollInput) => Promise<GatewayJob>,
  tellStatus?: TellStatus,
): Promise<WatchOutput> {
  const started = Date.now();
  reportLateStart(context, input.poll_interval_ms);
  const interval = input.poll_interval_ms;
  let last = input.last;
  let seen: WatchHeartbeat | undefined;
  // On a clock, not after each check: a slow status request (up to the gateway client's timeout) or
  // a long poll interval never leaves the heartbeat timeout without a beat.
  const ticker = setInterval(() => context.heartbeat(seen), WATCH_HEARTBEAT_EVERY_MS);
  try {
    let wait = input.next_check_at_ms ? Math.min(interval, Math.max(0, input.next_check_at_ms - started)) : interval;
    for (let polls = 1; ; polls++) {
      await context.sleep(wait); // rejects when the workflow cancels this activity
      const checkedAt = Date.now(); // when the request left: the cadence is the gateway's
      const job = await checkJob(input);
      seen = {
        job_id: input.job_id,
        status: job.status,
        upstream_status: job.upstream_status,
        ...(job.progress !== undefined ? { progress: job.progress } : {}),
        checked_at_ms: checkedAt,
        polls,
      };
      if (polls === 1) context.heartbeat(seen); // progress shows from the first check of each watch
      const done = () => ({ ...job, checked_at_ms: checkedAt });
      if (jobEnded(job) || Date.now() - started >= input.max_ms) return done();
      if (jobChanged(job, last)) {
        // A new status word: told while the watch goes on, so the cadence holds; handed over if it cannot be.
        if (!input.tell_status || !tellStatus || !(await told(context, tellStatus, input, job, interval)))
          return done();
        last = { upstream_status: job.upstream_status };
        context.heartbeat(seen); // the client's view moves on with the workflow's
      }
      // The next check one interval after this one was sent, however long the gateway took to answer.
      wait = Math.max(0, checkedAt + interval - Date.now());
    }
  } finally {
    clearInterval(ticker);
  }
}

/** How a watch tells: a signal to the workflow run that scheduled it, through the worker's own client. */
export function signalOwnWorkflow(context: Context, news: UpstreamStatus): Promise<void> {
  const run = context.info.workflowExecution;
  if (!run) return Promise.reject(new Error('not run by a workflow'));
  return context.client.workflow.getHandle(run.workflowId, run.runId).signal(upstreamStatusSignal, news);
}

/** Counts status news a watch could not tell by signal, and handed over instead. */
export const WATCH_TELL_FAILED_METRIC = 'video_watch_tell_failures';
/** How long a watch waits for its signal to be taken before it hands the news over instead. */
const TELL_TIMEOUT_MS = 10_000;
let lastTellWarningAt = 0;

/**
 * Whether the workflow was told. A signal that fails or hangs (the server overloaded or unreachable,
 * a worker not allowed to signal) means: hand the news over, and say so (a counter, and a warning at
 * most once a minute), so a fleet that falls back to a hand-over per status change does not do it
 * silently. Never a cancellation: the signal call is not tied to the activity's.
 */
async function told(
  context: Context,
  tellStatus: TellStatus,
  input: WatchInput,
  job: GatewayJob,
  intervalMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), Math.min(intervalMs, TELL_TIMEOUT_MS));
  });
  try {
    // The job the workflow knows (the input's), whatever id the gateway echoes; never an ending here.
    const news: UpstreamStatus = {
      job_id: input.job_id,
      status: job.status as UpstreamStatus['status'],
      upstream_status: job.upstream_status,
      ...(job.progress !== undefined ? { progress: job.progress } : {}),
    };
    await Promise.race([tellStatus(news), timeout]);
    return true;
  } catch (error) {
    context.metricMeter.createCounter(WATCH_TELL_FAILED_METRIC, '1', 'status news handed over, not told').add(1);
    if (Date.now() - lastTellWarningAt >= LATE_WARNING_EVERY_MS) {
      lastTellWarningAt = Date.now();
      context.log.warn('A job watch could not tell its workflow of a new status by signal; it hands it over instead', {
        error: error instanceof Error ? error.message : String(error),
        metric: WATCH_TELL_FAILED_METRIC,
      });
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long each model's jobs take, learned from the jobs this worker saw finish: an exponentially
 * weighted mean (recent jobs count most), so `poll_interval: "auto"` follows a provider that slows down.
 */
export class JobDurations {
  private readonly means = new Map<string, number>();

  record(model: string, seconds: number, weight = 0.2): void {
    const mean = this.means.get(model);
    this.means.set(model, mean === undefined ? seconds : mean + weight * (seconds - mean));
  }

  typical(): Record<string, number> {
    return Object.fromEntries([...this.means].map(([model, mean]) => [model, Math.round(mean * 10) / 10]));
  }
}
