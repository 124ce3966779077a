/**
 * The `VideoCampaign` wire format and the rules for one row: pure (zod and the catalog), so the
 * workflow, the activities and the client share them.
 *
 * Rows come from a manifest in the store (`manifest: { uri }`, JSONL or CSV), or for a few rows
 * inline (`videos: [...]`). Either way they are validated before anything is spent and kept in the
 * store, never in workflow history: the workflow pages through them.
 */
import { z } from 'zod';
import { type Catalog, unknownModel } from '../catalog';
import { FailureType } from '../contract';
import { describeIssues } from '../failures';
import { GenerateVideoRequest, type GenerateVideoInput } from '../request';
import { Budget, costedRequest } from '../workflows/budget';

/** Inline rows travel in workflow history: a few only. Larger campaigns use a manifest. */
export const MAX_INLINE_VIDEOS = 500;
/**
 * A row's request, as UTF-8 JSON, may be this many bytes; a larger one is an inline image: use
 * image_url. Bytes, not characters: pages of rows are read by bytes (PAGE_BYTES), and a row must
 * always fit in one.
 */
export const MAX_ROW_BYTES = 64 * 1024;

/** Bytes of `text` as UTF-8. */
export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

export const ROW_ID = /^[A-Za-z0-9._-]{1,100}$/;

const VideoRow = z
  .object({ id: z.string().regex(ROW_ID, 'id: letters, digits, . _ - (at most 100)').optional() })
  .loose();

export const CampaignManifest = z
  .object({
    /** A key in the workers' store (`campaigns/x/rows.csv`) or its URI (file:///..., s3://bucket/...). */
    uri: z.string().trim().min(1),
    /** Taken from the name's extension (.csv, .jsonl, .ndjson) when absent. */
    format: z.enum(['csv', 'jsonl']).optional(),
  })
  .strict();
export type CampaignManifest = z.infer<typeof CampaignManifest>;

export const VideoCampaignInput = z
  .object({
    /** Rows in the store: every row is validated before anything starts, then paged through. */
    manifest: CampaignManifest.optional(),
    /** A few rows inline, for small campaigns (at most MAX_INLINE_VIDEOS). */
    videos: z.array(VideoRow).min(1).max(MAX_INLINE_VIDEOS).optional(),
    /** Fields every row gets unless it sets them itself (model, duration_seconds, fallback_models, ...). */
    defaults: z.record(z.string(), z.unknown()).optional(),
    /** How many videos generate at once. */
    concurrency: z.number().int().min(1).max(1000).default(5),
    /** The most the campaign may spend: each row reserves its worst case before it starts. */
    max_credits: z.number().positive().optional(),
    /** Credits per 4 s 720p clip by model, over the catalog's; a budget needs a price for every model. */
    prices: z.record(z.string(), z.number().nonnegative()).optional(),
    /**
     * How each row's video runs: `workflow` (the default), a GenerateVideo child with its own page in
     * the UI, signals, query, search attributes and callback; or `activity`, the same run made by
     * activities of the campaign (one per attempt), for bulk campaigns of short jobs (about a quarter of the CPU per row:
     * docs/benchmarks.md), steered only through the campaign.
     */
    row_runner: z.enum(['workflow', 'activity']).default('workflow'),
    /** Start by re-running the rows of an earlier execution of this campaign that failed retryably. */
    retry_failed: z.boolean().optional(),
  })
  .strict();

export type VideoCampaignInput = z.input<typeof VideoCampaignInput>;
export type RowRunner = z.output<typeof VideoCampaignInput>['row_runner'];
export type VideoCampaignConfig = z.output<typeof VideoCampaignInput>;

/** One row, validated, as it is kept in the store and paged into the workflow. */
export interface CampaignRow {
  /** Position in the manifest, from 0. */
  i: number;
  id: string;
  /** Line in the manifest where the row is (1-based; the header is line 1 of a CSV). */
  line: number;
  /** 1 for the first run of the row; retries count up. */
  attempt: number;
  /** What the row's GenerateVideo child is started with: the row over the defaults. */
  request: GenerateVideoInput;
  /** A retry of a row whose video exists upstream: mirror it from this job before paying again. */
  mirror?: { job_id: string; model?: string };
}

/**
 * What every row starts from, under the campaign's defaults and the row's own fields. A campaign is a
 * fleet, so its videos watch their jobs from an activity (`poll_mode: "activity"`): polls leave the
 * history and the workflow hears only of status changes (docs/benchmarks.md measures the difference).
 */
export const ROW_BASE: Partial<GenerateVideoInput> = { poll_mode: 'activity' };

/** Check one row merged over the defaults; a problem names the line, and the id where there is one. */
export function checkRow(
  fields: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
  position: { i: number; line: number },
): { row: CampaignRow } | { problem: string } {
  const { id = String(position.i + 1), ...rest } = fields;
  const where = `line ${position.line}${typeof id === 'string' && id ? ` (id ${id})` : ''}`;
  if (typeof id !== 'string' || !ROW_ID.test(id)) {
    return { problem: `${where}: id must be letters, digits, . _ - (at most 100)` };
  }
  const request = { ...ROW_BASE, ...defaults, ...rest } as GenerateVideoInput;
  const parsed = GenerateVideoRequest.safeParse(request);
  if (!parsed.success) return { problem: `${where}: ${describeIssues(parsed.error)}` };
  const bytes = utf8Bytes(JSON.stringify({ ...defaults, ...rest })); // what the manifest gave, as documented
  if (bytes > MAX_ROW_BYTES) {
    return { problem: `${where}: the row is ${bytes} bytes, over ${MAX_ROW_BYTES} (pass images by image_url)` };
  }
  return { row: { i: position.i, id, line: position.line, attempt: 1, request } };
}

/**
 * Why the rows' source is wrong, or undefined: a campaign names a manifest or inline videos, one of
 * them; a retry of a finished campaign (`retry_failed`) may name neither and reads the rows it kept.
 */
export function sourceProblem(config: Pick<VideoCampaignConfig, 'manifest' | 'videos' | 'retry_failed'>) {
  const sources = [config.manifest, config.videos].filter(Boolean).length;
  if (sources > 1 || (sources === 0 && !config.retry_failed)) return 'give either manifest or videos';
  return undefined;
}

/** The largest inline campaign input accepted; past it the rows belong in a manifest. */
export const MAX_INLINE_INPUT_BYTES = 256 * 1024;

/**
 * Check a campaign input where the caller is (client, command line) before it is started: the
 * settings, and inline rows one by one. A manifest's rows are checked by the workflow's first
 * activity, which reads the store. Returns the problems, empty when there are none.
 */
export function campaignInputProblems(input: unknown): string[] {
  const parsed = VideoCampaignInput.safeParse(input);
  if (!parsed.success) return [describeIssues(parsed.error)];
  const { videos, defaults, row_runner } = parsed.data;
  const source = sourceProblem(parsed.data);
  if (source) return [source];
  const bytes = utf8Bytes(JSON.stringify(input));
  if (bytes > MAX_INLINE_INPUT_BYTES) {
    return [`the input is ${bytes} bytes, over ${MAX_INLINE_INPUT_BYTES}: put the rows in a manifest (manifest.uri)`];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, fields] of (videos ?? []).entries()) {
    const checked = checkRow(fields, defaults, { i, line: i + 1 });
    if ('problem' in checked) problems.push(checked.problem.replace(/^line/, 'row'));
    else if (seen.has(checked.row.id)) problems.push(`row ${i + 1}: duplicate id "${checked.row.id}"`);
    else {
      seen.add(checked.row.id);
      const refused = runnerProblem(checked.row, row_runner);
      if (refused) problems.push(refused.replace(/^line/, 'row'));
    }
  }
  return problems;
}

/**
 * Why a row cannot run in this campaign (unknown models; with a budget, unpriced models or a price
 * of its own), or undefined. `catalog` is the campaign's: `Budget.priced` of the live catalog.
 */
export function budgetProblem(catalog: Catalog, row: CampaignRow, budgeted: boolean): string | undefined {
  const { unpriced, unknown } = Budget.worstCase(catalog, costedRequest(row.request));
  const where = `line ${row.line} (id ${row.id})`;
  if (unknown.length) return `${where}: ${unknownModel(unknown[0], catalog)}`;
  if (!budgeted) return undefined;
  // A row's own price could lower the campaign's (to 0) and pass any budget: only the campaign prices.
  if (row.request.prices) return `${where}: "prices" belongs to the campaign when it has max_credits, not to a row`;
  if (unpriced.length) {
    return `${where}: ${unpriced.join(', ')} has no price, so max_credits cannot be held (give one in "prices")`;
  }
  return undefined;
}

/** Why a row cannot run as `runner`, or undefined: a row run as an activity has no workflow of its own. */
export function runnerProblem(row: CampaignRow, runner: RowRunner | undefined): string | undefined {
  if (runner !== 'activity' || !row.request.callback_url) return undefined;
  return `line ${row.line} (id ${row.id}): callback_url needs row_runner "workflow" (a row run as an activity sends no callback)`;
}

/** How many problems a failure message names, and how long each may be. */
export const PROBLEMS_SHOWN = 10;
export const PROBLEM_CHARS = 500;

/**
 * Problems as one bounded line: the first PROBLEMS_SHOWN, each clipped to PROBLEM_CHARS, then
 * "(and N more)". A manifest of any size gives a message far under Temporal's payload limits.
 */
export function problemList(problems: readonly string[], total = problems.length): string {
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  const clip = (p: string) => (p.length > PROBLEM_CHARS ? `${p.slice(0, PROBLEM_CHARS)}...` : p);
  const more = total > shown.length ? ` (and ${total - shown.length} more)` : '';
  return `${shown.map(clip).join('; ')}${more}`;
}

/** Failures a retry can fix (an outage, a quota, a top-up); a refusal or a bad row stays as it is. */
export function isRetryable(failureType: string | undefined): boolean {
  const final: string[] = [FailureType.SafetyRefusal, FailureType.InvalidInput, FailureType.IdempotencyConflict];
  return !final.includes(failureType ?? '');
}
