/** When a watched job is worth telling the workflow about. Pure: unit-tested. */
import type { GatewayJob } from '../gateway/types';

/**
 * Progress is reported to the workflow in steps of this many percent: a quarter keeps the workflow
 * informed (progress query, UI) at about four wake-ups per job, where every poll would be one each.
 */
export const PROGRESS_STEP = 25;

/** The job ended, its status word changed, or its progress crossed a step. */
export function jobChanged(job: GatewayJob, last: { upstream_status?: string; progress?: number }): boolean {
  // A success counts once it has a URL; without one it is still "working" (as the workflow judges it).
  if ((job.status === 'succeeded' && job.video_url) || job.status === 'failed' || job.status === 'cancelled')
    return true;
  if (job.upstream_status !== last.upstream_status) return true;
  const step = (progress: number | undefined) => Math.floor((progress ?? 0) / PROGRESS_STEP);
  return step(job.progress) !== step(last.progress);
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
