/**
 * The rules every manifest row passes before a campaign spends anything, in one place: the campaign's
 * prepare activity runs them before it keeps the rows, and `campaign check` (command line and console)
 * runs them to show the problems before anything is started.
 */
import { withPrices, type Catalog } from '../catalog';
import { Budget, costedRequest } from '../workflows/budget';
import {
  budgetProblem,
  campaignInputProblems,
  checkRow,
  type CampaignRow,
  type RowRunner,
  runnerProblem,
} from './input';
import type { ManifestFormat, RawRow } from './manifest';

export interface RowCheckOptions {
  defaults?: Record<string, unknown>;
  /** The catalog with the campaign's own `prices` over it. */
  catalog: Catalog;
  /** The campaign has max_credits: every model a row may use needs a price. */
  budgeted: boolean;
  /** How the rows will run: some fields need a workflow per row. */
  rowRunner?: RowRunner;
  /** How many problems are kept (all are counted). */
  problemsShown: number;
  /** Told of every row read, valid or not, with the counts so far (the prepare activity heartbeats). */
  onRow?: (progress: { line: number; rows: number; problems: number }) => void;
}

export interface RowCheck {
  /** Rows read (valid or not). */
  rows: number;
  /** Rows that passed, up to the first problem when `valid` is given (nothing is kept after one). */
  valid: number;
  problem_count: number;
  /** The first `problemsShown` problems, each naming its line. */
  problems: string[];
  /** Every valid row's worst case added up: the most the campaign could spend without max_credits. */
  worst_case_credits: number;
}

/**
 * Check every row over the defaults: the GenerateVideo schema, ids (unique), the catalog's models and,
 * with a budget, prices. `valid` sees each good row while no problem has been found, so a caller can
 * keep rows as they come and drop them all at the first problem.
 */
export async function checkRows(
  source: AsyncIterable<RawRow>,
  options: RowCheckOptions,
  valid?: (row: CampaignRow) => Promise<void>,
): Promise<RowCheck> {
  const result: RowCheck = { rows: 0, valid: 0, problem_count: 0, problems: [], worst_case_credits: 0 };
  const problem = (text: string) => {
    result.problem_count += 1;
    if (result.problems.length < options.problemsShown) result.problems.push(text);
  };
  const seen = new Set<string>();
  for await (const raw of source) {
    // Positions count every row, so a row's default id (its position) does not depend on earlier problems.
    const position = result.rows;
    result.rows += 1;
    options.onRow?.({ line: raw.line, rows: result.rows, problems: result.problem_count });
    if ('problem' in raw) {
      problem(raw.problem);
      continue;
    }
    const checked = checkRow(raw.fields, options.defaults, { i: position, line: raw.line });
    if ('problem' in checked) {
      problem(checked.problem);
      continue;
    }
    const { row } = checked;
    if (seen.has(row.id)) problem(`line ${row.line}: duplicate id "${row.id}"`);
    seen.add(row.id);
    const refused = budgetProblem(options.catalog, row, options.budgeted) ?? runnerProblem(row, options.rowRunner);
    if (refused) problem(refused);
    else result.worst_case_credits += Budget.worstCase(options.catalog, costedRequest(row.request)).credits;
    if (result.problem_count) continue; // keep reading to count every problem, but pass on nothing more
    await valid?.(row);
    result.valid += 1;
  }
  if (!result.problem_count && result.rows === 0) problem('the manifest has no rows');
  return result;
}

/** A campaign's settings as `campaign check` and the console take them (the rows come from a file). */
export interface CampaignSettings {
  defaults?: Record<string, unknown>;
  concurrency?: number;
  max_credits?: number;
  prices?: Record<string, number>;
  row_runner?: RowRunner;
}

export interface ManifestCheck extends RowCheck {
  /** Problems with the settings themselves (concurrency, max_credits, defaults' shape). */
  settings_problems: string[];
}

/**
 * Check a manifest file and the settings it would run with, as the campaign's first activity would:
 * nothing is stored and nothing is started.
 */
export async function checkManifest(
  source: AsyncIterable<RawRow>,
  format: ManifestFormat,
  settings: CampaignSettings,
  catalog: Catalog,
  problemsShown = 50,
): Promise<ManifestCheck> {
  const settings_problems = campaignInputProblems({ manifest: { uri: `manifest.${format}`, format }, ...settings });
  const rows = await checkRows(source, {
    defaults: settings.defaults,
    catalog: withPrices(catalog, settings.prices),
    budgeted: settings.max_credits !== undefined,
    rowRunner: settings.row_runner,
    problemsShown,
  });
  return { ...rows, settings_problems };
}
