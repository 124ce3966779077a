/**
 * VideoCampaign as it was before manifests (version 2): every row and every result in workflow
 * history. Kept, unchanged in behaviour, so campaigns started before the manifest version replay and
 * finish on the code that started them; new campaigns never come here (see video-campaign.ts).
 * Delete once no such campaign can be running or replayed.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  isCancellation,
  ParentClosePolicy,
  patched,
  upsertSearchAttributes,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignRow, VideoCampaignInput } from '../campaign/legacy-input';
import { legacyCampaignInput } from './lazy';
import { BUILTIN_CATALOG, DEFAULT_MODEL, estimateCredits, requestedParams } from '../catalog';
import { FailureType } from '../contract';
import { campaignCancelSignal, campaignPauseSignal, campaignResumeSignal } from './campaign-messages';
import { childWorkflowId } from './campaign-children';
import { VideoCampaignIdKey, VideoStatusKey } from '../search-attributes';
import { GenerateVideo } from './generate-video';
import { CAMPAIGN_SEARCH_ATTRIBUTES_PATCH } from './campaign-children';
import { searchAttributesRegistered } from './video-activities';
import { cancelReason, estimatedSpend } from './messages';
import { failureDetails } from './video-failures';

export type LegacyCampaignStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'budget_exhausted';

export interface CampaignVideo {
  id: string;
  workflow_id: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  model?: string;
  video_uri?: string;
  video_url?: string;
  sha256?: string;
  credits_estimated?: number | null;
  error_type?: string;
  error?: string;
}

interface LegacyCampaignProgress {
  status: LegacyCampaignStatus;
  total: number;
  started: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
  credits_estimated: number;
  elapsed_ms: number;
}

export interface LegacyCampaignResult extends LegacyCampaignProgress {
  videos: CampaignVideo[];
}

/** The same query name as today's; this version answers with its own shape. */
const legacyProgressQuery = defineQuery<LegacyCampaignProgress>('progress');

/** Children started per run before continuing as new, whatever the server suggests. */
const CHILDREN_PER_RUN = 500;

export interface LegacyCampaignCarried {
  next: number;
  /** By row; null until that row's video has finished. */
  videos: (CampaignVideo | null)[];
  credits_spent: number;
  started_at_ms: number;
  paused: boolean;
  cancel_reason?: string;
  /** The namespace has the video search attributes (checked once, by campaigns of version 2). */
  search_attributes?: boolean;
}

/** What the catalog says a row will cost; 0 where it has no price (the budget cannot count those). */
function estimateRow({ parsed }: CampaignRow): number {
  const spec = BUILTIN_CATALOG[parsed.model ?? DEFAULT_MODEL];
  if (!spec) return 0;
  return estimateCredits(spec, { ...requestedParams(spec, parsed), n: parsed.n }) ?? 0;
}

/** A failed child as a campaign entry, with the credits its abandoned or failed jobs may still cost. */
function failedVideo(base: Pick<CampaignVideo, 'id' | 'workflow_id'>, error: unknown): CampaignVideo {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
  if (isCancellation(cause) || isCancellation(error))
    return { ...base, status: 'cancelled', error_type: FailureType.Cancelled };
  const failure = cause instanceof ApplicationFailure ? cause : undefined;
  return {
    ...base,
    status: failure?.type === FailureType.Cancelled ? 'cancelled' : 'failed',
    error_type: failure?.type ?? FailureType.ProviderFailed,
    error: (cause as Error | undefined)?.message ?? String(error),
    credits_estimated: estimatedSpend(failureDetails(cause)?.attempts ?? []),
  };
}

export async function LegacyVideoCampaign(
  input: VideoCampaignInput,
  carried?: LegacyCampaignCarried,
): Promise<LegacyCampaignResult> {
  const { config, rows } = legacyCampaignInput().parseCampaign(input);

  const state: LegacyCampaignCarried = carried ?? {
    next: 0,
    videos: rows.map(() => null),
    credits_spent: 0,
    started_at_ms: Date.now(),
    paused: false,
  };
  /** Running rows and their estimated cost. */
  const running = new Map<number, number>();
  let budgetExhausted = false;
  let startedThisRun = 0;

  const count = (status: CampaignVideo['status']) => state.videos.filter((v) => v?.status === status).length;
  const status = (): LegacyCampaignStatus =>
    state.cancel_reason ? 'cancelled' : budgetExhausted ? 'budget_exhausted' : state.paused ? 'paused' : 'running';
  const progress = (): LegacyCampaignProgress => ({
    status: status(),
    total: rows.length,
    started: state.next,
    running: running.size,
    succeeded: count('succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    skipped: count('skipped'),
    credits_estimated: state.credits_spent + [...running.values()].reduce((a, b) => a + b, 0),
    elapsed_ms: Date.now() - state.started_at_ms,
  });

  setHandler(legacyProgressQuery, progress);
  setHandler(campaignCancelSignal, (raw) => {
    state.cancel_reason ??= cancelReason(raw);
  });
  setHandler(campaignPauseSignal, () => void (state.paused = true));
  setHandler(campaignResumeSignal, () => void (state.paused = false));

  // Version 2 shows the campaign in the UI's search attributes. Campaigns started before it run on
  // without (patched() is false when an old history replays), so a deploy never breaks them.
  if (!carried && patched(CAMPAIGN_SEARCH_ATTRIBUTES_PATCH))
    state.search_attributes = await searchAttributesRegistered();
  const showStatus = (value: string) => {
    if (!state.search_attributes) return;
    upsertSearchAttributes([
      { key: VideoCampaignIdKey, value: workflowInfo().workflowId },
      { key: VideoStatusKey, value },
    ]);
  };
  if (!carried) showStatus('running');

  // Children live in this scope: cancelling it asks each to cancel, and each cancels its upstream job.
  const children = new CancellationScope();
  const finished = (index: number, video: CampaignVideo) => {
    state.videos[index] = video;
    state.credits_spent += video.credits_estimated ?? 0;
    running.delete(index);
  };

  const launch = async (index: number) => {
    const row = rows[index];
    const base = { id: row.id, workflow_id: childWorkflowId(workflowInfo().workflowId, row.id) };
    running.set(index, estimateRow(row));
    try {
      const child = await children.run(() =>
        startChild(GenerateVideo, {
          workflowId: base.workflow_id,
          args: [row.request],
          // A terminated campaign still cancels its children, and they their upstream jobs.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `${row.request.model ?? 'default model'}: ${row.request.prompt.slice(0, 100)}`,
        }),
      );
      void children
        .run(() => child.result())
        .then(
          (result) =>
            finished(index, {
              ...base,
              status: 'succeeded',
              model: result.model,
              video_uri: result.video.uri,
              video_url: result.video.url,
              sha256: result.video.sha256,
              credits_estimated: result.credits_estimated,
            }),
          (error: unknown) => finished(index, failedVideo(base, error)),
        );
    } catch (error) {
      finished(index, failedVideo(base, error));
    }
  };

  const settle = () => condition(() => running.size === 0);
  const result = (): LegacyCampaignResult => {
    const reason = state.cancel_reason ?? (budgetExhausted ? 'the credit budget would be exceeded' : 'not started');
    const videos = state.videos.map(
      (video, i) =>
        video ?? {
          id: rows[i].id,
          workflow_id: childWorkflowId(workflowInfo().workflowId, rows[i].id),
          status: 'skipped' as const,
          error: reason,
        },
    );
    state.videos = videos; // so the progress query of the finished campaign counts the skipped rows too
    const last = status();
    return { ...progress(), status: last === 'running' || last === 'paused' ? 'completed' : last, videos };
  };

  try {
    while (state.next < rows.length) {
      await condition(() => !!state.cancel_reason || (!state.paused && running.size < config.concurrency));
      if (state.cancel_reason) break;
      const cost = estimateRow(rows[state.next]);
      if (config.max_credits !== undefined && progress().credits_estimated + cost > config.max_credits) {
        budgetExhausted = true;
        break;
      }
      if (workflowInfo().continueAsNewSuggested || startedThisRun >= CHILDREN_PER_RUN) {
        await condition(() => running.size === 0 || !!state.cancel_reason);
        if (state.cancel_reason) break;
        return continueAsNew<typeof LegacyVideoCampaign>(input, state);
      }
      await launch(state.next);
      state.next += 1;
      startedThisRun += 1;
    }
    await condition(() => running.size === 0 || !!state.cancel_reason);
    if (state.cancel_reason) children.cancel();
    await settle();
    const final = result();
    showStatus(final.status);
    return final;
  } catch (error) {
    if (isCancellation(error)) await CancellationScope.nonCancellable(settle);
    throw error;
  }
}
