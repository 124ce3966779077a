/**
 * One interface over every gateway dialect. Requests and jobs are in the gateway's snake_case;
 * each dialect client maps its own spellings to these.
 */
import type { ModelSpec } from '../catalog';
import type { Dialect } from '../contract';

/** Where a job is, whatever the upstream called it. `unknown` is terminal: we never poll it forever. */
export type JobStatus = 'queued' | 'processing' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'unknown'];

export interface GatewayJob {
  job_id: string;
  status: JobStatus;
  /** The status word the gateway sent, for operators. */
  upstream_status: string;
  progress?: number;
  model?: string;
  video_url?: string;
  thumbnail_url?: string;
  /** infery: whether the gateway's own copy of the video succeeded. */
  mirror_status?: string;
  error?: string;
}

export interface SubmitRequest {
  model: string;
  prompt: string;
  duration_seconds: number;
  resolution: string;
  aspect_ratio: string;
  n?: number;
  image_url?: string;
  image_base64?: string;
  person_generation?: 'dont_allow' | 'allow_adult' | 'allow_all';
  prefer?: 'balanced' | 'cheapest' | 'smartest';
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface VideoGateway {
  readonly dialect: Dialect;
  /** False where the API has no cancel endpoint: the workflow stops polling and records that. */
  readonly canCancel: boolean;
  submit(request: SubmitRequest, options: CallOptions & { idempotencyKey: string }): Promise<GatewayJob>;
  getJob(jobId: string, options?: CallOptions): Promise<GatewayJob>;
  /** True when the gateway confirmed the cancel. */
  cancel(jobId: string, options?: CallOptions): Promise<boolean>;
  /** The live catalog, as far as the gateway publishes one. */
  listModels(options?: CallOptions): Promise<Partial<ModelSpec>[]>;
  /** A fresh download URL for a finished job, where the dialect can issue one. */
  freshDownloadUrl?(jobId: string, options?: CallOptions): Promise<string>;
}
