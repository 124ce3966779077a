/**
 * One interface over every gateway dialect. Requests and jobs are in the gateway's snake_case;
 * each dialect client maps its own spellings to these. What a dialect can or cannot do is declared
 * here (optional methods, `supports`), so callers never ask which dialect they talk to.
 */
import type { ModelSpec } from '../catalog';
import type { Dialect } from '../contract';

/**
 * Where a job is, whatever the upstream called it. Only words known to mean an ending end a job;
 * any other word is `working`: the job is paid for and may still deliver, so it is never abandoned
 * for a word we do not know (the deadline bounds it).
 */
export type JobStatus = 'queued' | 'processing' | 'working' | 'succeeded' | 'failed' | 'cancelled';

/** One finished video as the gateway names it. */
export interface GatewayVideo {
  url: string;
  thumbnail_url?: string;
}

export interface GatewayJob {
  job_id: string;
  status: JobStatus;
  /** The status word the gateway sent, for operators. */
  upstream_status: string;
  progress?: number;
  model?: string;
  /** The first video's URL (the only one unless `n > 1`). */
  video_url?: string;
  thumbnail_url?: string;
  /** Every video the job produced, first one first; `n > 1` asks for several. */
  videos?: GatewayVideo[];
  /** infery: whether the gateway's own copy of the video succeeded. */
  mirror_status?: string;
  error?: string;
  /** The gateway's structured error code, when it sends one: decides safety before any wording does. */
  error_code?: string;
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

/** What a dialect can do, read by activities and the workflow instead of the dialect's name. */
export interface GatewayCapabilities {
  /** Accepts `n > 1` (several videos from one job). */
  multipleVideos: boolean;
  /** Accepts an image as inline base64; otherwise only by URL. */
  inlineImages: boolean;
}

/** A copy of a finished video kept on the gateway's side, besides ours. */
export interface UpstreamCopyRequest {
  job_id: string;
  /** Our stored copy on local disk, for dialects that upload (infery pins a file). */
  local_path?: string;
  content_type: string;
  /** For dialects that keep the job itself for a while (infrai retention). */
  retention_days?: number;
  idempotency_key: string;
}

export interface UpstreamCopyResult {
  file_id?: string;
  retention_days?: number;
  expires_at?: string;
  /** Why no copy was made. */
  error?: string;
}

export interface VideoGateway {
  readonly dialect: Dialect;
  readonly supports: GatewayCapabilities;
  submit(request: SubmitRequest, options: CallOptions & { idempotencyKey: string }): Promise<GatewayJob>;
  getJob(jobId: string, options?: CallOptions): Promise<GatewayJob>;
  /** Present only where the API has a cancel endpoint; true when the gateway confirmed the cancel. */
  cancel?(jobId: string, options?: CallOptions): Promise<boolean>;
  /** The live catalog, as far as the gateway publishes one. */
  listModels(options?: CallOptions): Promise<Partial<ModelSpec>[]>;
  /** A fresh download URL for a finished job, where the dialect can issue one. */
  freshDownloadUrl?(jobId: string, options?: CallOptions): Promise<string>;
  /** Keep a gateway-side copy (pin a file, extend retention), where the dialect has a way to. */
  keepCopy?(request: UpstreamCopyRequest, options?: CallOptions): Promise<UpstreamCopyResult>;
}
