/**
 * What the dialect modules of the simulator need from its server: options, the job table, job
 * creation (shared, so idempotency keys and faults work alike in both dialects), answering, and files.
 */
import type { RequestContext } from './http';
import type { SignedFiles } from './files';
import type { SimJob } from './jobs';

export interface SimulatorOptions {
  apiKey?: string;
  host?: string;
  port?: number;
  /** How long a job stays queued, then processing. */
  queuedMs?: number;
  processingMs?: number;
  /** infery answers come in the seeds' two spellings: job_id/created_at/completed or id/created/succeeded. */
  inferyStyle?: 'job_id' | 'id' | 'alternate';
  /** Lifetime of the signed URLs in job answers (the gateway's own URLs expire). */
  urlTtlMs?: number;
  /** Lifetime of the URLs from infrai's download_url endpoint. */
  downloadUrlTtlMs?: number;
  /** Serve this file as every video (default: the committed 4 s sample). */
  videoPath?: string;
  /** infrai status answers carry video_url (default); false leaves it to get/download_url. */
  infraiStatusUrl?: boolean;
}

/** The request fields a job is made from, in either dialect's spelling once mapped. */
export interface JobFields {
  model?: string;
  prompt?: unknown;
  duration_seconds?: unknown;
  resolution?: unknown;
  aspect_ratio?: unknown;
  image_url?: unknown;
  image_base64?: unknown;
  n?: unknown;
}

export interface SimulatorCore {
  readonly options: SimulatorOptions;
  readonly jobs: Map<string, SimJob>;
  readonly files: SignedFiles;
  /** A new job, or the one an idempotency key already made. */
  createJob(
    ctx: RequestContext,
    dialect: SimJob['dialect'],
    fields: JobFields,
    idempotencyKey: string | undefined,
  ): SimJob;
  /** Answer with JSON (faults may alter or hold back the answer). */
  send(ctx: RequestContext, status: number, payload: unknown, headers?: Record<string, string>): void;
  /** The job the path names; 404 when there is none. */
  job(ctx: RequestContext): SimJob;
}
