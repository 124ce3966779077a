/** The package's public surface: the client library, the contract, and the parts to build a worker from. */
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
  StoredVideo,
  VideoProgress,
  VideoResult,
} from './workflows/messages';
export { BUILTIN_CATALOG, type Catalog, type ModelSpec } from './catalog';
export { createActivities, type ActivityDependencies } from './activities';
export { createGateway, GatewayError, InferyGateway, InfraiGateway, type VideoGateway } from './gateway';
export { createStore, FolderStore, type VideoStore } from './store';
export { S3Store } from './store/s3';
export { createVideoWorker, dependenciesFromConfig } from './worker';
export { loadWorkerConfig, type WorkerConfig } from './config';
export { startSimulator, GatewaySimulator } from './simulator/server';
export { startDevServer } from './dev-server';
export { failureDetails, type VideoFailureDetails } from './workflows/video-failures';
export { verifyWebhook, signWebhook, WebhookVerificationError, type VideoWebhookEvent } from './operations/webhooks';
export { VIDEO_SEARCH_ATTRIBUTES } from './search-attributes';
export { registerSearchAttributes } from './operations/search-attributes';
export { startCluster } from './cluster';
export type { JobSubmitted } from './workflows/messages';
