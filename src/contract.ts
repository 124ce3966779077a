/**
 * The public contract: names other programs rely on. Keep them stable.
 * Pure constants and types only, so workflow code may import this file.
 */

export const WorkflowType = {
  generateVideo: 'GenerateVideo',
  videoCampaign: 'VideoCampaign',
} as const;

/** A video's `timeout` when its request gives none. */
export const DEFAULT_VIDEO_TIMEOUT_MS = 3_600_000;

/** Default task queue; `VIDEO_TASK_QUEUE` overrides it for workers and clients (see config.ts). */
export const DEFAULT_TASK_QUEUE = 'video-generation';

/** `ApplicationFailure.type` values a caller can branch on. */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  SafetyRefusal: 'SafetyRefusal',
  InsufficientCredit: 'InsufficientCredit',
  QuotaExceeded: 'QuotaExceeded',
  /** 401/403 from the gateway: the API key is wrong; fix VIDEO_API_KEY. Never retried. */
  Unauthorized: 'Unauthorized',
  Timeout: 'Timeout',
  Cancelled: 'Cancelled',
  ProviderFailed: 'ProviderFailed',
  MirrorFailed: 'MirrorFailed',
  AllModelsFailed: 'AllModelsFailed',
  /** A submit that could pass `max_credits` was not made. */
  BudgetExceeded: 'BudgetExceeded',
  /** The client was given an `idempotency_key` already used for a different input. */
  IdempotencyConflict: 'IdempotencyConflict',
  /** A campaign found rows it prepared but never ran or recorded: it fails rather than end short. */
  CampaignIncomplete: 'CampaignIncomplete',
  /** A retried row's finished upstream job is gone from the gateway: only a new, paid job can make it. */
  UpstreamGone: 'UpstreamGone',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that no retry and no other model can fix: the workflow stops on them. */
export const FINAL_FAILURE_TYPES: readonly FailureType[] = [
  FailureType.InvalidInput,
  FailureType.SafetyRefusal,
  FailureType.InsufficientCredit,
  FailureType.Unauthorized,
  FailureType.BudgetExceeded,
];

export const VIDEO_STATUSES = [
  'queued',
  'processing',
  'mirroring',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

export const DIALECTS = ['infery', 'infrai'] as const;
export type Dialect = (typeof DIALECTS)[number];
