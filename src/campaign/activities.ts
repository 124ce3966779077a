/**
 * The campaign's activities: everything that touches the manifest and the results in the store. The
 * workflow keeps counters and the running window only; rows and results stay here, so a campaign's
 * history and payloads stay bounded whatever its size. Every write is idempotent: its key is decided
 * by the workflow, so a retried activity replaces its own object.
 */
import type { Catalog } from '../catalog';
import { CampaignFiles, type CampaignFilesDependencies } from './files';
import type { CampaignManifest, RowRunner } from './input';
import type { CampaignResultRow, CampaignTotals } from './results';
import { createResultActivities } from './result-activities';
import { createRowActivities } from './row-activities';

export { PAGE_BYTES, rowsIn, type PageInput, type PagedRow } from './files';

export interface PrepareCampaignInput {
  campaign_id: string;
  manifest?: CampaignManifest;
  videos?: Record<string, unknown>[];
  defaults?: Record<string, unknown>;
  /** The campaign has max_credits: every model a row may use needs a price. */
  budgeted: boolean;
  prices?: Record<string, number>;
  /** How the rows will run (absent in histories from before it: as children). */
  row_runner?: RowRunner;
}

export interface PreparedCampaign {
  /** The validated rows, one JSON per line, in the store. */
  rows_key: string;
  total: number;
}

export interface SkipRowsInput {
  campaign_id: string;
  /** The execution's start and its next part number: the parts written are named from them. */
  execution_start_ms: number;
  first_part: number;
  key: string;
  offset: number;
  status: 'skipped' | 'skipped_budget';
  reason: string;
}

export interface RetryRowsInput {
  campaign_id: string;
  rows_key: string;
  /** Where to write the rows to retry. */
  retry_key: string;
}

export interface RetryRows {
  key: string;
  total: number;
  /** Rows in the campaign's rows file. */
  rows_total: number;
  /** The latest attempt of every row so far, for the counters of a new execution. */
  totals: CampaignTotals;
}

export interface CompileInput {
  campaign_id: string;
  /** Small campaigns also return every row's latest result (at most this many rows). */
  list_rows_up_to: number;
}

export interface CampaignOutputs {
  results_jsonl: string;
  results_csv: string;
  gallery: string;
  /** The latest attempt of each row. */
  totals: CampaignTotals;
  /** Every row's latest result, in manifest order, when the campaign is small. */
  rows?: CampaignResultRow[];
}

export interface CampaignActivityDependencies extends CampaignFilesDependencies {
  /** The catalog rows are checked against (the live one over the built-in one). */
  catalog: () => Promise<Catalog>;
}

export function createCampaignActivities(deps: CampaignActivityDependencies) {
  const files = new CampaignFiles(deps);
  return { ...createRowActivities(files, deps.catalog), ...createResultActivities(files) };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
