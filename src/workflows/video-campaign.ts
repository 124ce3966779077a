/**
 * VideoCampaign: thousands of videos from a manifest in the store, a sliding window of GenerateVideo
 * children (`concurrency` at a time), a credit budget that holds in the worst case, pause, resume,
 * cancel and retry of failed rows. Rows and results stay in the store: the workflow pages through
 * the rows, keeps counters and the running window, writes results in parts, and continues as new
 * every CHILDREN_PER_RUN rows, so each run's history and every payload stay bounded.
 *
 * Before continuing as new it lets the running children finish, so every child's result is awaited
 * by the run that started it and GenerateVideo needs to know nothing about campaigns.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { VideoActivities } from '../activities';
import { withPrices, type Catalog } from '../catalog';
import { describeIssues, invalidInput } from '../failures';
import type { VideoCampaignConfig, VideoCampaignInput } from '../campaign/input';
import type { PagedRow } from '../campaign/activities';
import { campaignKey, resultsPartKey, type CampaignResultRow } from '../campaign/results';
import { VideoCampaignIdKey, VideoStatusKey } from '../search-attributes';
import { CampaignBook, failedRecord, skippedForBudget, succeededRecord, type CampaignCarried } from './campaign-book';
import { CAMPAIGN_MANIFEST_PATCH, childWorkflowId } from './campaign-children';
import {
  campaignCancelSignal,
  campaignPauseSignal,
  campaignProgressQuery,
  campaignResumeSignal,
  campaignRetryFailedSignal,
  type CampaignResult,
} from './campaign-messages';
import { GenerateVideo } from './generate-video';
import { cancelReason } from './messages';
import { LegacyVideoCampaign, type LegacyCampaignCarried } from './video-campaign-v2';
import { loadCatalog, searchAttributesRegistered } from './video-activities';
import { campaignInput } from './lazy';
import { ownFailure } from './video-failures';

/** Children started per run before continuing as new: about 6 events each keeps a run near 6,000. */
const CHILDREN_PER_RUN = 1000;
/** Continue as new well before Temporal's own limits, whatever the mix of events. */
const HISTORY_EVENTS_PER_RUN = 9000;
/** Small campaigns list every row's result in the workflow result too. */
const LIST_ROWS_UP_TO = 100;

const store = proxyActivities<VideoActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidInput'] },
});
/** Whole-manifest work (validation, results, retries): long, so it heartbeats. */
const wholeFile = proxyActivities<VideoActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidInput'] },
});

function isLegacy(carried: unknown): carried is LegacyCampaignCarried {
  return !!carried && Array.isArray((carried as LegacyCampaignCarried).videos);
}

/** The campaign's settings; the rows' source is needed only by the first run. */
function parseConfig(input: unknown, first: boolean): VideoCampaignConfig {
  const { VideoCampaignInput, sourceProblem } = campaignInput();
  const parsed = VideoCampaignInput.safeParse(input);
  if (!parsed.success) throw invalidInput(`invalid VideoCampaign input: ${describeIssues(parsed.error)}`);
  const source = first && sourceProblem(parsed.data);
  if (source) throw invalidInput(`invalid VideoCampaign input: ${source}`);
  return parsed.data;
}

export async function VideoCampaign(
  input: VideoCampaignInput,
  carried?: CampaignCarried | LegacyCampaignCarried,
): Promise<CampaignResult> {
  // Campaigns started before manifests finish on the code that started them.
  if (isLegacy(carried) || (!carried && !patched(CAMPAIGN_MANIFEST_PATCH))) {
    return LegacyVideoCampaign(input as never, carried as LegacyCampaignCarried | undefined) as never;
  }
  const config = parseConfig(input, !carried);
  const campaignId = workflowInfo().workflowId;
  const book = new CampaignBook(carried ?? CampaignBook.fresh(Date.now()), config, Date.now());
  const { state } = book;

  setHandler(campaignProgressQuery, () => book.progress(Date.now()));
  setHandler(campaignCancelSignal, (raw) => void (state.cancel_reason ??= cancelReason(raw)));
  setHandler(campaignPauseSignal, () => void (state.paused = true));
  setHandler(campaignResumeSignal, () => void (state.paused = false));
  setHandler(campaignRetryFailedSignal, () => void (state.retries_requested += 1));

  const showStatus = (value: string) => {
    if (!state.search_attributes) return;
    upsertSearchAttributes([
      { key: VideoCampaignIdKey, value: campaignId },
      { key: VideoStatusKey, value },
    ]);
  };

  const budgeted = config.max_credits !== undefined;
  // Children live in this scope: cancelling it asks each to cancel, and each cancels its upstream job.
  const children = new CancellationScope();
  const writes: Promise<void>[] = [];
  let page: PagedRow[] = [];
  let startedThisRun = 0;

  /** Write a results part when enough records wait (or all of them), in the background. */
  function writeResults(all = false) {
    const batch = book.takeRecords(Date.now(), all);
    if (!batch) return;
    const key = resultsPartKey(campaignId, state.execution_start_ms, batch.part);
    // Never cancelled: a cancelled campaign still keeps the results of the rows that finished.
    const written = CancellationScope.nonCancellable(() => store.writeCampaignResults({ key, records: batch.records }));
    written.catch(() => undefined); // awaited (and any failure raised) by allWritten
    writes.push(written);
  }
  async function allWritten() {
    writeResults(true);
    await Promise.all(writes.splice(0));
  }
  const finish = (record: CampaignResultRow) => {
    book.finish(record, Date.now());
    writeResults();
  };

  /** Re-run every row whose latest attempt failed retryably, as a pass of its own. */
  async function retryPass(newExecution: boolean) {
    await allWritten();
    const retry = await wholeFile.collectRetryRows({
      campaign_id: campaignId,
      rows_key: state.rows_key,
      retry_key: campaignKey(campaignId, `retries/${state.execution_start_ms}-${state.retries_requested}.jsonl`),
    });
    if (newExecution) {
      // A new execution of a finished campaign starts from what the earlier ones recorded.
      const { rows: _rows, credits, ...counts } = retry.totals;
      state.counts = counts;
      state.credits_spent = credits;
      state.total = retry.rows_total;
    }
    book.beginRetryPass(retry.key, retry.total);
    page = [];
  }

  async function nextRow(): Promise<PagedRow | undefined> {
    if (!page.length) {
      const { key, offset } = state.pass;
      page = await store.readCampaignRows({
        key,
        offset,
        max_rows: Math.min(500, Math.max(50, 2 * config.concurrency)),
      });
      if (!page.length) state.pass.total = state.pass.taken; // the file ended early: nothing more to take
    }
    return page.shift();
  }

  async function launch(row: PagedRow, reserved: number) {
    const workflowId = childWorkflowId(campaignId, row.id, row.attempt);
    book.start(row, reserved);
    startedThisRun += 1;
    const prices = config.prices || row.request.prices ? { ...config.prices, ...row.request.prices } : undefined;
    // The row may spend its reservation and no more: the child refuses any submit that would pass it.
    const cap = budgeted ? Math.min(row.request.max_credits ?? Infinity, reserved) : row.request.max_credits;
    const request = {
      ...row.request,
      ...(prices ? { prices } : {}),
      ...(cap !== undefined ? { max_credits: cap } : {}),
    };
    try {
      const child = await children.run(() =>
        startChild(GenerateVideo, {
          workflowId,
          args: [request],
          // A terminated campaign still cancels its children, and they their upstream jobs.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `${row.request.model ?? 'default model'}: ${String(row.request.prompt).slice(0, 100)}`,
          // Campaigns share the workers fairly: each is a fairness key of its own.
          priority: { fairnessKey: campaignId },
        }),
      );
      void children
        .run(() => child.result())
        .then(
          (result) => finish(succeededRecord(row, workflowId, result, Date.now())),
          (error: unknown) => finish(failedRecord(row, workflowId, error, Date.now(), isCancellation(error))),
        );
    } catch (error) {
      finish(failedRecord(row, workflowId, error, Date.now(), isCancellation(error)));
    }
  }

  if (!carried) {
    // The first run validates every row and keeps them in the store before anything is spent.
    state.search_attributes = await searchAttributesRegistered();
    showStatus('running');
    if (config.retry_failed && !config.manifest && !config.videos) {
      state.rows_key = campaignKey(campaignId, 'rows.jsonl');
    } else {
      try {
        const prepared = await wholeFile.prepareCampaign({
          campaign_id: campaignId,
          manifest: config.manifest,
          videos: config.videos,
          defaults: config.defaults,
          budgeted: config.max_credits !== undefined,
          prices: config.prices,
        });
        state.rows_key = prepared.rows_key;
        state.total = prepared.total;
        state.pass = { key: prepared.rows_key, offset: 0, total: prepared.total, taken: 0, retry: false };
      } catch (error) {
        throw ownFailure(error);
      }
    }
    if (config.retry_failed) await retryPass(true).catch((error: unknown) => Promise.reject(ownFailure(error)));
  }

  // Prices are read once per run: live, yet never per row.
  const catalog: Catalog = withPrices((await loadCatalog()).catalog, config.prices);

  const idle = () => book.running.size === 0;
  const cancelled = () => !!state.cancel_reason;

  try {
    for (;;) {
      await condition(() => cancelled() || (!state.paused && book.running.size < config.concurrency));
      if (cancelled()) break;
      if (book.passDone) {
        await condition(() => idle() || cancelled());
        if (cancelled()) break;
        if (state.retries_requested > state.retries_done) {
          await retryPass(false);
          continue;
        }
        break;
      }
      const info = workflowInfo();
      if (
        startedThisRun >= CHILDREN_PER_RUN ||
        info.historyLength >= HISTORY_EVENTS_PER_RUN ||
        info.continueAsNewSuggested
      ) {
        await condition(() => idle() || cancelled());
        if (cancelled()) break;
        await allWritten();
        const { videos: _rows, retry_failed: _retry, ...settings } = input;
        return continueAsNew<typeof VideoCampaign>(settings, state);
      }
      const row = await nextRow();
      if (!row) continue;
      const reserve = budgeted ? campaignInput().worstCase(catalog, row.request).credits : 0;
      if (budgeted) {
        // Wait for running rows to release their reservations; alone and still too dear, it is skipped.
        await condition(() => book.fits(reserve) || idle() || cancelled());
        if (cancelled()) break;
        if (!book.fits(reserve)) {
          book.take(row);
          finish(skippedForBudget(row, reserve, Date.now()));
          continue;
        }
      }
      book.take(row);
      // Not awaited: the window fills in one workflow task, its child starts sent together.
      void launch(row, reserve);
    }

    if (cancelled()) children.cancel();
    await condition(idle);
    if (cancelled() && !book.passDone && !state.pass.retry) {
      // Every row appears in the results: those never started are recorded as skipped.
      const skipped = await wholeFile.skipCampaignRows({
        campaign_id: campaignId,
        execution_start_ms: state.execution_start_ms,
        first_part: state.part,
        key: state.pass.key,
        offset: state.pass.offset,
        status: 'skipped',
        reason: state.cancel_reason!,
      });
      state.part += skipped.parts;
      state.counts.skipped += skipped.count;
      state.pass.taken = state.pass.total;
    }
    await allWritten();
    const outputs = await wholeFile.compileCampaignResults({
      campaign_id: campaignId,
      list_rows_up_to: LIST_ROWS_UP_TO,
    });
    const last = book.status();
    const status = last === 'running' || last === 'paused' ? 'completed' : last;
    showStatus(status);
    return {
      ...book.progress(Date.now()),
      status,
      results: { results_jsonl: outputs.results_jsonl, results_csv: outputs.results_csv, gallery: outputs.gallery },
      ...(outputs.rows ? { videos: outputs.rows } : {}),
    };
  } catch (error) {
    // Cancelling the campaign workflow cancels the children (their scope is a child of the root);
    // wait for them to record their end, so each cancels its upstream job first.
    // Then keep what they recorded: the results so far and the gallery.
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await condition(idle);
        await allWritten();
        await wholeFile.compileCampaignResults({ campaign_id: campaignId, list_rows_up_to: 0 });
      });
    }
    throw error;
  }
}
