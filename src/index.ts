/**
 * `durable-video`: the client. Start, watch, steer and await videos and campaigns from a backend
 * service, read failures, verify completion callbacks. It loads nothing of the worker: the worker is
 * `durable-video/worker`, the workflow code `durable-video/workflows`, the simulator and local servers
 * `durable-video/testing`.
 */
export { CampaignJob, VideoClient, VideoJob, type VideoClientOptions } from './client';
export type { VideoCampaignInput } from './campaign/input';
export type { CampaignResultRow, CampaignTotals } from './campaign/results';
export type { CampaignFiles, CampaignProgress, CampaignResult } from './workflows/campaign-messages';
export * from './contract';
export type { GenerateVideoInput, GenerateVideoRequest } from './request';
export type {
  Attempt,
  CancelRequest,
  FallbackAccepted,
  FallbackRequest,
  JobSubmitted,
  StoredVideo,
  VideoProgress,
  VideoResult,
} from './workflows/messages';
export { BUILTIN_CATALOG, type Catalog, type ModelSpec } from './catalog';
export { failureDetails, type VideoFailureDetails } from './workflows/video-failures';
export {
  verifyWebhook,
  signWebhook,
  WebhookSecretError,
  WebhookVerificationError,
  type VerifyOptions,
  type VideoWebhookEvent,
} from './operations/webhooks';
export { VIDEO_SEARCH_ATTRIBUTES } from './search-attributes';
