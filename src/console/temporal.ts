/**
 * What the console reads from Temporal: campaigns from visibility (their search attributes), a
 * campaign's or a video's state (the `progress` query while it runs, its result or failure once it
 * has closed), and links to each workflow in the Temporal UI.
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { CampaignProgress, VideoClient, VideoProgress, VideoResult } from '../client';
import { WorkflowType } from '../contract';
import { VideoCampaignIdKey, VideoStatusKey } from '../search-attributes';

export interface Failure {
  type: string;
  message: string;
}

const failureOf = (error: unknown): Failure | undefined => {
  if (!(error instanceof WorkflowFailedError)) return undefined;
  const cause = error.cause as { type?: string; message?: string } | undefined;
  return { type: cause?.type ?? 'Cancelled', message: cause?.message ?? error.message };
};

const OPEN = new Set(['RUNNING', 'CONTINUED_AS_NEW']);

export interface CampaignState {
  found: boolean;
  /** Temporal's execution status (RUNNING, COMPLETED, FAILED, ...). */
  workflow_status?: string;
  open: boolean;
  progress?: CampaignProgress;
  failure?: Failure;
  /** Rows finished (latest attempt) and that as a share of all rows, 0-100. */
  done: number;
  percent: number;
}

export async function campaignState(videos: VideoClient, id: string): Promise<CampaignState> {
  const job = videos.campaign(id);
  let status: string;
  try {
    status = (await job.handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { found: false, open: false, done: 0, percent: 0 };
    throw error;
  }
  let progress: CampaignProgress | undefined;
  let failure: Failure | undefined;
  if (status === 'COMPLETED') progress = await job.result();
  else if (status === 'FAILED') failure = await job.result().then(() => undefined, failureOf);
  // A running campaign answers its query; a cancelled or terminated one still does from its history.
  if (!progress) progress = await job.progress().catch(() => undefined);
  const done = progress
    ? progress.succeeded + progress.failed + progress.cancelled + progress.skipped + progress.skipped_budget
    : 0;
  const percent = progress?.total ? Math.min(100, Math.floor((100 * done) / progress.total)) : 0;
  return { found: true, workflow_status: status, open: OPEN.has(status), progress, failure, done, percent };
}

export interface VideoState {
  found: boolean;
  workflow_status?: string;
  open: boolean;
  progress?: VideoProgress;
  result?: VideoResult;
  failure?: Failure;
}

export async function videoState(videos: VideoClient, id: string): Promise<VideoState> {
  const job = videos.job(id);
  let status: string;
  try {
    status = (await job.handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { found: false, open: false };
    throw error;
  }
  const open = OPEN.has(status);
  const progress = await job.progress().catch(() => undefined);
  if (open) return { found: true, workflow_status: status, open, progress };
  const ended = await job.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ failure: failureOf(error) }),
  );
  return { found: true, workflow_status: status, open, progress, ...ended };
}

export interface CampaignListing {
  id: string;
  workflow_status: string;
  /** The campaign's own status (VideoStatus): running, paused, completed, cancelled, ... */
  status?: string;
  started: Date;
  closed?: Date;
}

/** Campaigns, newest first, from visibility (running and finished). */
export async function listCampaigns(videos: VideoClient, limit = 50): Promise<CampaignListing[]> {
  const found: CampaignListing[] = [];
  const query = `WorkflowType = "${WorkflowType.videoCampaign}"`;
  const seen = new Set<string>();
  for await (const w of videos.client.workflow.list({ query, pageSize: limit })) {
    // Each run is listed (continue-as-new, a retry of a finished campaign): the newest stands for all.
    if (seen.has(w.workflowId)) continue;
    seen.add(w.workflowId);
    found.push({
      id: w.workflowId,
      workflow_status: w.status.name,
      status: w.typedSearchAttributes.get(VideoStatusKey),
      started: w.startTime,
      closed: w.closeTime,
    });
    if (found.length >= limit) break;
  }
  return found;
}

/** Videos of a campaign that are generating now (for the Temporal UI link of the running set). */
export const campaignVideosQuery = (id: string) =>
  `${VideoCampaignIdKey.name} = "${id.replace(/["\\]/g, '\\$&')}" AND WorkflowType = "${WorkflowType.generateVideo}"`;

/** The workflow's page in the Temporal UI. */
export function workflowLink(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A visibility query's page in the Temporal UI. */
export function queryLink(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
