/** Activity inputs and outputs: the wire between workflow and activities (JSON, snake_case). */
import type { Catalog } from '../catalog';
import type {
  GatewayCapabilities,
  GatewayJob,
  GatewayVideo,
  SubmitRequest,
  UpstreamCopyResult,
} from '../gateway/types';
import type { VideoWebhookEvent } from '../operations/webhooks';
import type { MirroredObject } from './mirror';

export interface SubmitInput {
  request: SubmitRequest;
  /** An input image in our store (inputs/<sha256>.<ext>), resolved here so its bytes never enter history. */
  image_ref?: string;
  /** Derived from the workflow and the attempt: stable across activity retries and worker restarts. */
  idempotency_key: string;
}

export interface SubmitOutput extends GatewayJob {
  /** The job was made by the built-in simulator, not a real gateway. */
  simulated?: boolean;
}

export interface PollInput {
  job_id: string;
  /** When the job was submitted and on which model: a finished job teaches the worker how long it takes. */
  submitted_at_ms?: number;
  model?: string;
}

export interface WatchInput extends PollInput {
  poll_interval_ms: number;
  /** What the workflow saw last: the activity returns when the job differs from it. */
  last: { upstream_status?: string; progress?: number };
  /** Return after this long even if nothing changed (keeps each activity short and resumable). */
  max_ms: number;
  /**
   * When the first check is due (epoch ms): one interval after the previous watch's last check, so
   * the cadence at the gateway holds across watches however long the hand-over takes. Absent: one
   * interval from now (the workflow has just seen the job).
   */
  next_check_at_ms?: number;
  /**
   * Tell the workflow of a new status word by the `upstreamStatus` signal and go on watching, rather
   * than return with it (the watch returns for it when the signal cannot be sent, and when this is
   * absent, as in histories from before it).
   */
  tell_status?: boolean;
}

/** A watch's answer: the job, and when the gateway gave it (epoch ms), to keep the cadence. */
export type WatchOutput = GatewayJob & { checked_at_ms: number };

export interface CancelInput {
  job_id: string;
}

export interface CancelOutput {
  /** False for a dialect with no cancel endpoint: the job runs to its end upstream. */
  supported: boolean;
  cancelled: boolean;
}

export interface MirrorInput {
  job_id: string;
  video_url: string;
  thumbnail_url?: string;
  /** Every video of the job (n > 1), the first being `video_url`. */
  videos?: GatewayVideo[];
}

export interface MirrorOutput {
  video: MirroredObject;
  /** Every mirrored video, when the job made more than one; the first is `video`. */
  videos?: MirroredObject[];
  thumbnail?: MirroredObject;
  /** Why the thumbnail could not be kept, when it could not; the video is what matters. */
  thumbnail_error?: string;
  /** The gateway-side copy we asked for, where configured. */
  upstream_copy?: UpstreamCopy;
}

/** The gateway-side copy asked for, or why it could not be made; our own copy is unaffected. */
export type UpstreamCopy = UpstreamCopyResult;

export interface CallbackInput {
  url: string;
  /** Stable across retries: receivers deduplicate by it. */
  webhook_id: string;
  event: VideoWebhookEvent;
}

export interface CatalogOutput {
  catalog: Catalog;
  source: 'live' | 'builtin';
  /** Why the live catalog was not used, when it was not. */
  problem?: string;
  /** What the configured gateway can do (absent in histories recorded before it was reported). */
  capabilities?: GatewayCapabilities;
  /** How long each model's jobs took lately in this worker (seconds), for poll_interval "auto". */
  typical_seconds?: Record<string, number>;
  /** The namespace has the video search attributes, so the workflow may upsert them. */
  search_attributes?: boolean;
}

export type { GatewayJob };
