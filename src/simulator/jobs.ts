/**
 * Simulated upstream jobs. A job's state is a function of time since it was created (queued, then
 * processing with rising progress, then done), so a job needs no timers and survives any number of polls.
 */
export type SimJobOutcome = { kind: 'success' } | { kind: 'failed'; error: string };

export interface SimJob {
  id: string;
  dialect: 'infery' | 'infrai';
  model: string;
  prompt: string;
  duration_seconds: number;
  resolution: string;
  aspect_ratio: string;
  created_ms: number;
  queued_ms: number;
  processing_ms: number;
  outcome: SimJobOutcome;
  cancelled_ms?: number;
  deleted?: boolean;
  retention_days?: number;
  /** infery's own mirror of the result; "failed" means only the upstream URL is given. */
  mirror_status: 'mirrored' | 'failed';
  idempotency_key?: string;
  /** Videos asked for (`n`) and videos the job delivers. */
  n: number;
  delivers: number;
  /** The reference image as received: "url:<url>" or "base64:<decoded bytes>". */
  image?: string;
}

export type SimPhase = 'queued' | 'processing' | 'succeeded' | 'failed' | 'cancelled';

export function jobPhase(job: SimJob, now: number): { phase: SimPhase; progress: number } {
  if (job.cancelled_ms !== undefined && job.cancelled_ms <= now) return { phase: 'cancelled', progress: 0 };
  const age = now - job.created_ms;
  if (age < job.queued_ms) return { phase: 'queued', progress: 0 };
  const running = age - job.queued_ms;
  if (running < job.processing_ms) {
    return {
      phase: 'processing',
      progress: Math.min(99, Math.max(1, Math.floor((running / job.processing_ms) * 100))),
    };
  }
  return job.outcome.kind === 'success' ? { phase: 'succeeded', progress: 100 } : { phase: 'failed', progress: 100 };
}

/** Model limits the simulator enforces, as a gateway would (and as the built-in catalog says). */
export const SIM_MODELS: Record<string, { vendor: string; max: number; resolutions: string[]; aspects: string[] }> = {
  'veo-3-1-fast': { vendor: 'google', max: 4, resolutions: ['720p', '1080p'], aspects: ['16:9', '9:16'] },
  'veo-3-1': { vendor: 'google', max: 8, resolutions: ['720p', '1080p', '4k'], aspects: ['16:9', '9:16'] },
  'sora-2': { vendor: 'openai', max: 20, resolutions: ['720p', '1080p'], aspects: ['16:9', '9:16', '1:1'] },
  'wan-2-1': { vendor: 'alibaba', max: 6, resolutions: ['480p', '720p'], aspects: ['16:9', '9:16', '1:1'] },
  'grok-video': { vendor: 'xai', max: 6, resolutions: ['720p'], aspects: ['16:9', '9:16', '1:1'] },
};
