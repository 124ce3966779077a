/**
 * VideoCampaign: thousands of videos from a manifest in the store, a sliding window of GenerateVideo
 * children (`concurrency` at a time), a credit budget that holds in the worst case, pause, resume,
 * cancel and retry of failed rows. A thin loop over named phases (preparing, launching, draining,
 * retrying, finishing); the state and its transitions live in CampaignBook, the credits in Budget.
 *
 * Rows and results stay in the store: the workflow pages through the rows, writes results in parts,
 * and continues as new every so many rows, so each run's history and every payload stay bounded.
 * Before continuing as new it lets the running children finish, so every child's result is awaited
 * by the run that started it and GenerateVideo needs to know nothing about campaigns.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Catalog } from '../catalog';
import { FailureType } from '../contract';
import { campaignIncomplete, describeIssues, invalidInput } from '../failures';
import type { VideoCampaignConfig, VideoCampaignInput } from '../campaign/input';
import type { PagedRow } from '../campaign/activities';
import { campaignKey, resultsPartKey, type CampaignResultRow } from '../campaign/results';
import { VideoCampaignIdKey, VideoStatusKey } from '../search-attributes';
import { Budget, costedRequest } from './budget';
import { CampaignBook, type CampaignCarried } from './campaign-book';
import { childRequest, childWorkflowId } from './campaign-children';
import {
  campaignCancelSignal,
  campaignPauseSignal,
  campaignProgressQuery,
  campaignResumeSignal,
  campaignRetryFailedSignal,
  type CampaignResult,
} from './campaign-messages';
import { failedRecord, remirroredRecord, skippedForBudget, succeededRecord } from './campaign-records';
import { GenerateVideo } from './generate-video';
import { campaignInput } from './lazy';
import { loadCatalog, searchAttributesRegistered } from './video-activities';
import { onePart, videoAttemptActivity, wholeFile } from './video-campaign-activities';
import { RemirrorFinishedJob, type RemirrorInput } from './video-campaign-remirror';
import { ownFailure } from './video-failures';
import type { CarriedState } from './video-run';

/** Small campaigns list every row's result in the workflow result too. */
const LIST_ROWS_UP_TO = 100;
/** A campaign that lost track of a row: it fails, loudly, rather than end `completed` without it. */

export async function VideoCampaign(input: VideoCampaignInput, carried?: CampaignCarried): Promise<CampaignResult> {
  const config = parseConfig(input, !carried);
  const book = new CampaignBook(carried ?? CampaignBook.fresh(Date.now()), config.max_credits, Date.now());
  setHandler(campaignProgressQuery, () => book.progress(Date.now()));
  setHandler(campaignCancelSignal, (raw) => book.requestCancel(raw));
  setHandler(campaignPauseSignal, () => book.pause());
  setHandler(campaignResumeSignal, () => book.resume());
  setHandler(campaignRetryFailedSignal, () => book.requestRetry());
  return new CampaignLoop(book, config, input).drive(!carried);
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

/** The phases of a campaign run; each returns when there is something new to decide. */
class CampaignLoop {
  private readonly campaignId = workflowInfo().workflowId;
  /** Children live in this scope: cancelling it asks each to cancel, and each cancels its upstream job. */
  private readonly children = new CancellationScope();
  /** Results parts being written in the background. */
  private readonly writes: Promise<void>[] = [];
  /** Prices are read once per run: live, yet never per row. */
  private catalog: Catalog = {};

  constructor(
    private readonly book: CampaignBook,
    private readonly config: VideoCampaignConfig,
    private readonly input: VideoCampaignInput,
  ) {}

  async drive(first: boolean): Promise<CampaignResult> {
    const { book } = this;
    try {
      if (first) await this.preparing();
      this.catalog = Budget.priced((await loadCatalog()).catalog, this.config.prices);
      for (;;) {
        const stop = await this.launching();
        if (stop === 'cancelled' || !(await this.draining())) break;
        if (stop === 'new_run') return await this.continuingAsNew();
        if (!book.retryRequested) break;
        await this.retrying(false);
      }
      return await this.finishing();
    } catch (error) {
      // Cancelling the campaign workflow cancels the children (their scope is a child of the root);
      // wait for them to record their end, so each cancels its upstream job first, then keep what
      // they recorded: the results so far and the gallery.
      if (isCancellation(error)) {
        await CancellationScope.nonCancellable(async () => {
          await condition(() => book.idle);
          await this.allWritten();
          await wholeFile.compileCampaignResults({ campaign_id: this.campaignId, list_rows_up_to: 0 });
        });
      } else if (this.config.row_runner === 'activity') {
        // A failing campaign cancels rows run as its activities, as a child row's parent-close policy would.
        await CancellationScope.nonCancellable(async () => {
          this.children.cancel();
          await condition(() => book.idle);
        });
      }
      throw error;
    }
  }

  /** The first run validates every row and keeps them in the store before anything is spent. */
  private async preparing(): Promise<void> {
    const { book, config } = this;
    book.searchAttributes(await searchAttributesRegistered());
    this.showStatus('running');
    if (config.retry_failed && !config.manifest && !config.videos) {
      book.reuseRows(campaignKey(this.campaignId, 'rows.jsonl'));
    } else {
      const prepared = await wholeFile
        .prepareCampaign({
          campaign_id: this.campaignId,
          manifest: config.manifest,
          videos: config.videos,
          defaults: config.defaults,
          budgeted: config.max_credits !== undefined,
          prices: config.prices,
          ...(config.row_runner === 'activity' ? { row_runner: config.row_runner } : {}),
        })
        .catch((error: unknown) => Promise.reject(ownFailure(error)));
      book.prepared(prepared.rows_key, prepared.total);
    }
    if (config.retry_failed) await this.retrying(true).catch((error: unknown) => Promise.reject(ownFailure(error)));
  }

  /** Start rows while the window has room; returns why it stopped. */
  private async launching(): Promise<'pass_done' | 'new_run' | 'cancelled'> {
    const { book } = this;
    for (;;) {
      await condition(() => book.cancelled || book.hasRoom(this.config.concurrency));
      if (book.cancelled) return 'cancelled';
      if (book.passDone) return 'pass_done';
      const info = workflowInfo();
      if (book.dueForNewRun({ length: info.historyLength, suggested: info.continueAsNewSuggested })) return 'new_run';
      const row = book.rowInHand() ?? (await this.readingRows());
      if (!row) continue;
      const reserve = book.budget.limited ? Budget.worstCase(this.catalog, costedRequest(row.request)).credits : 0;
      if (!book.budget.fits(reserve)) {
        // Wait for running rows to release their reservations; alone and still too dear, it is skipped.
        await condition(() => book.budget.fits(reserve) || book.idle || book.cancelled);
        if (book.cancelled) return 'cancelled';
      }
      book.take();
      if (book.budget.fits(reserve)) void this.launch(row, reserve);
      else this.recordEnd(skippedForBudget(row, reserve, Date.now()));
    }
  }

  /** The next page of the pass; a page that comes back empty before the pass's end fails the campaign. */
  private async readingRows(): Promise<PagedRow | undefined> {
    const { key, offset, taken, total } = this.book.pass;
    const rows = await onePart.readCampaignRows({
      key,
      offset,
      max_rows: Math.min(500, Math.max(50, 2 * this.config.concurrency)),
    });
    if (!this.book.rowsRead(rows)) {
      throw campaignIncomplete(`the rows file ${key} ended after ${taken} of its ${total} rows (at byte ${offset})`);
    }
    return this.book.rowInHand();
  }

  /** Start one row's video; not awaited, so the window fills in one workflow task. */
  private async launch(row: PagedRow, reserved: number): Promise<void> {
    this.book.launched(row, reserved);
    if (row.mirror && (await this.remirroring(row, row.mirror))) return;
    if (this.config.row_runner === 'activity') return this.runInActivity(row, reserved);
    const workflowId = childWorkflowId(this.campaignId, row.id, row.attempt);
    const ended = (error: unknown) => failedRecord(row, workflowId, error, Date.now(), isCancellation(error));
    try {
      const child = await this.children.run(() =>
        startChild(GenerateVideo, {
          ...this.childOptions(workflowId),
          args: [childRequest(row.request, this.book.budget, reserved, this.config.prices)],
          staticSummary: `${row.request.model ?? 'default model'}: ${String(row.request.prompt).slice(0, 100)}`,
        }),
      );
      void this.children
        .run(() => child.result())
        .then(
          (result) => this.recordEnd(succeededRecord(row, workflowId, result, Date.now())),
          (error: unknown) => this.recordEnd(ended(error)),
        );
    } catch (error) {
      this.recordEnd(ended(error));
    }
  }

  /**
   * `row_runner: "activity"`: the row's video made by activities of this workflow, one per attempt,
   * not by a child (video-in-activity.ts). Each hands back the run's state when its attempt ended and
   * the chain goes on, so what was paid and what comes next are in this history first. Its objects
   * and keys are named as its child's would be; its record links to this campaign, where it ran.
   */
  private async runInActivity(row: PagedRow, reserved: number): Promise<void> {
    const input = {
      request: childRequest(row.request, this.book.budget, reserved, this.config.prices),
      video_id: childWorkflowId(this.campaignId, row.id, row.attempt),
      key_scope: workflowInfo().firstExecutionRunId,
    };
    const attempt = videoAttemptActivity(this.campaignId, row.request.timeout);
    let carried: CarriedState | undefined;
    try {
      for (;;) {
        const outcome = await this.children.run(() => attempt({ ...input, ...(carried ? { carried } : {}) }));
        if ('video' in outcome) return this.recordEnd(succeededRecord(row, this.campaignId, outcome.video, Date.now()));
        if (!Array.isArray(outcome.next_attempt?.attempts)) {
          // An answer of another shape (a worker of another version): the row fails loudly, never restarts.
          throw ApplicationFailure.nonRetryable('generateVideoInActivity answered neither a video nor a next attempt');
        }
        carried = outcome.next_attempt;
      }
    } catch (error) {
      const cancelled = isCancellation(error);
      this.recordEnd(failedRecord(row, this.campaignId, error, Date.now(), cancelled, carried?.attempts));
    }
  }

  /**
   * A retried row whose video exists upstream is mirrored again from that job, for nothing. True when
   * that settled the row (mirrored, failed again, cancelled); false when the gateway no longer has
   * the job, and only a new one (paid) can make the video.
   */
  private async remirroring(row: PagedRow, from: RemirrorInput): Promise<boolean> {
    const workflowId = `${childWorkflowId(this.campaignId, row.id, row.attempt)}/mirror`;
    try {
      const mirrored = await this.children.run(() =>
        executeChild(RemirrorFinishedJob, { ...this.childOptions(workflowId), args: [from] }),
      );
      this.recordEnd(remirroredRecord(row, workflowId, mirrored, Date.now()));
    } catch (error) {
      const cancelled = isCancellation(error);
      const cause = error instanceof ChildWorkflowFailure ? error.cause : undefined;
      if (!cancelled && cause instanceof ApplicationFailure && cause.type === FailureType.UpstreamGone) return false;
      this.recordEnd(failedRecord(row, workflowId, error, Date.now(), cancelled));
    }
    return true;
  }

  private childOptions(workflowId: string) {
    return {
      workflowId,
      // A terminated campaign still cancels its children, and they their upstream jobs.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      // Campaigns share the workers fairly: each is a fairness key of its own.
      priority: { fairnessKey: this.campaignId },
    };
  }

  /** Wait for the window to drain; false when the campaign was cancelled meanwhile. */
  private async draining(): Promise<boolean> {
    await condition(() => this.book.idle || this.book.cancelled);
    return !this.book.cancelled;
  }

  /** Re-run every row whose latest attempt failed retryably, as a pass of its own. */
  private async retrying(newExecution: boolean): Promise<void> {
    const { book } = this;
    await this.allWritten();
    const retry = await wholeFile.collectRetryRows({
      campaign_id: this.campaignId,
      rows_key: book.rowsKey,
      retry_key: campaignKey(this.campaignId, `retries/${book.retryTag}.jsonl`),
    });
    if (newExecution) book.restoreTotals(retry.totals, retry.rows_total);
    book.beginRetryPass(retry.key, retry.total);
  }

  private async continuingAsNew(): Promise<never> {
    await this.allWritten();
    const { videos: _rows, retry_failed: _retry, ...settings } = this.input;
    return continueAsNew<typeof VideoCampaign>(settings, this.book.carried());
  }

  /** Every row gets a result (those never started are skipped), the files are compiled, the result told. */
  private async finishing(): Promise<CampaignResult> {
    const { book } = this;
    if (book.cancelled) this.children.cancel();
    await condition(() => book.idle);
    if (book.cancelled) await this.skippingRest();
    await this.allWritten();
    const outputs = await wholeFile.compileCampaignResults({
      campaign_id: this.campaignId,
      list_rows_up_to: LIST_ROWS_UP_TO,
    });
    const missing = book.unaccounted();
    if (missing) throw campaignIncomplete(`${missing} prepared row(s) have no result; see ${outputs.results_jsonl}`);
    const status = book.ending();
    this.showStatus(status);
    return {
      ...book.progress(Date.now()),
      status,
      results: { results_jsonl: outputs.results_jsonl, results_csv: outputs.results_csv, gallery: outputs.gallery },
      ...(outputs.rows ? { videos: outputs.rows } : {}),
    };
  }

  /** A cancelled campaign records the rows it never started; a retry pass's keep their earlier result. */
  private async skippingRest(): Promise<void> {
    const { book } = this;
    if (book.passDone) return;
    if (book.pass.retry) return book.retryPassAbandoned();
    const skipped = await wholeFile.skipCampaignRows({
      campaign_id: this.campaignId,
      execution_start_ms: book.executionStartMs,
      first_part: book.nextPart,
      key: book.pass.key,
      offset: book.pass.offset,
      status: 'skipped',
      reason: book.cancelReason!,
    });
    book.restSkipped(skipped.count, skipped.parts);
  }

  /** A row ended: count it, and write a results part if enough records wait. */
  private recordEnd(record: CampaignResultRow): void {
    this.book.rowEnded(record, Date.now());
    this.writeResults(false);
  }

  /** Write a results part when enough records wait (or all of them), in the background. */
  private writeResults(all: boolean): void {
    const batch = this.book.takeRecords(Date.now(), all);
    if (!batch) return;
    const key = resultsPartKey(this.campaignId, this.book.executionStartMs, batch.part);
    // Never cancelled: a cancelled campaign still keeps the results of the rows that finished.
    const written = CancellationScope.nonCancellable(() =>
      onePart.writeCampaignResults({ key, records: batch.records }),
    );
    written.catch(() => undefined); // awaited (and any failure raised) by allWritten
    this.writes.push(written);
  }

  private async allWritten(): Promise<void> {
    this.writeResults(true);
    await Promise.all(this.writes.splice(0));
  }

  private showStatus(value: string): void {
    if (!this.book.showsSearchAttributes) return;
    upsertSearchAttributes([
      { key: VideoCampaignIdKey, value: this.campaignId },
      { key: VideoStatusKey, value },
    ]);
  }
}
