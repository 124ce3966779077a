/**
 * `campaign`: start a campaign from a CSV or JSONL manifest (uploaded to the workers' store) and
 * follow it with a progress bar; `campaign status|pause|resume|cancel|retry-failed --id ID` steer a
 * running one; `campaign check --file` checks a manifest without starting anything. The store is the one the workers use (VIDEO_STORE).
 */
import { type Command, Option } from 'commander';
import { createReadStream, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contract';
import { BUILTIN_CATALOG } from '../catalog';
import { createCampaignActivities } from '../campaign/activities';
import { manifestKey } from '../campaign/results';
import type { RowRunner, VideoCampaignInput } from '../campaign/input';
import { checkManifest } from '../campaign/check';
import { manifestFormat, readManifest } from '../campaign/manifest';
import { catalogFromEnv } from '../console/catalog';
import { withClient } from './operations';
import { progressBar } from './progress';
import type { CampaignJob, CampaignProgress, CampaignResult } from '../client';
import { loadWorkerConfig } from '../config';
import { createStore } from '../store';

const json = (what: string) => (text: string) => {
  try {
    return JSON.parse(text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
};
const number = (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got "${text}"`);
  return n;
};

/** The file's SHA-256, hex: the name its manifest is stored under. */
async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A progress bar over the campaign's snapshots: done/total, failed, credits, ETA. */
async function follow(campaign: CampaignJob, out: NodeJS.WriteStream = process.stderr): Promise<void> {
  const bar = progressBar(
    ' {bar} {value}/{total} done | {running} running | {failed} failed | {credits} credits | ETA {eta_text} | {status}',
    out,
  );
  const done = (p: CampaignProgress) => p.succeeded + p.failed + p.cancelled + p.skipped + p.skipped_budget;
  const view = (p: CampaignProgress) => ({
    running: p.running,
    failed: p.failed,
    credits: p.credits_estimated,
    status: p.status,
    eta_text: p.eta_ms === undefined ? '-' : `${Math.round(p.eta_ms / 1000)}s`,
  });
  bar.start(1, 0, { running: 0, failed: 0, credits: 0, status: 'starting', eta_text: '-' });
  try {
    for await (const p of campaign.watch({ intervalMs: 1000 })) {
      bar.setTotal(Math.max(1, p.total));
      bar.update(done(p), view(p));
    }
  } finally {
    bar.stop();
  }
}

function printResult(result: CampaignResult): void {
  const { videos: _rows, ...summary } = result;
  console.error(`results: ${result.results.results_jsonl}\n         ${result.results.results_csv}`);
  console.error(`gallery: ${result.results.gallery}`);
  console.log(JSON.stringify(summary, null, 2));
}

interface StartOptions {
  file: string;
  defaults?: Record<string, unknown>;
  concurrency?: number;
  maxCredits?: number;
  prices?: Record<string, number>;
  rowRunner?: RowRunner;
  id?: string;
  wait: boolean;
}

async function startFromFile(options: StartOptions): Promise<void> {
  const id = options.id ?? `campaign-${randomUUID()}`;
  let input: VideoCampaignInput;
  if (extname(options.file).toLowerCase() === '.json') {
    input = JSON.parse(readFileSync(options.file, 'utf8')) as VideoCampaignInput; // the inline form
  } else {
    const format = manifestFormat(options.file);
    if (!format) throw new Error(`${options.file}: a manifest is .csv or .jsonl (or a campaign .json)`);
    const store = await createStore(loadWorkerConfig().VIDEO_STORE);
    // Stored by content: another file never lands on this one, and a reused id with other rows names
    // another manifest, so the start below refuses it instead of returning the old campaign.
    const key = manifestKey(id, await sha256Of(options.file), format);
    const stored = await store.put(key, createReadStream(options.file), {
      contentType: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
    });
    console.error(`uploaded ${options.file} to ${stored.uri}`);
    input = { manifest: { uri: stored.uri, format } };
  }
  input = {
    ...input,
    ...settingsOf(options),
  };
  await withClient(async (videos) => {
    const campaign = await videos.startCampaign(input, { workflowId: id }).catch((error: unknown) => {
      if ((error as ApplicationFailure).type !== FailureType.IdempotencyConflict) throw error;
      throw new Error(`campaign "${id}" already exists with other rows or settings; give a new --id`);
    });
    console.error(`started ${campaign.workflowId}`);
    if (!options.wait) return void console.log(campaign.workflowId);
    await follow(campaign);
    printResult(await campaign.result());
  });
}

/** Run `act` on the campaign with this id; a missing one is one clear line and exit 1. */
function withCampaign(id: string, act: (campaign: CampaignJob) => Promise<void>): Promise<void> {
  return withClient(async (videos) => {
    try {
      await act(videos.campaign(id));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new Error(`no campaign with id "${id}"`);
      throw error;
    }
  });
}

/** The settings the options give, in the campaign input's names (unset ones left out). */
function settingsOf(options: Pick<StartOptions, 'defaults' | 'concurrency' | 'maxCredits' | 'prices' | 'rowRunner'>) {
  return {
    ...(options.defaults && { defaults: options.defaults }),
    ...(options.concurrency && { concurrency: options.concurrency }),
    ...(options.maxCredits && { max_credits: options.maxCredits }),
    ...(options.prices && { prices: options.prices }),
    ...(options.rowRunner && { row_runner: options.rowRunner }),
  };
}

/** The settings a campaign runs with, the same for `campaign` (start) and `campaign check`. */
function withSettings(command: Command): Command {
  return command
    .option('--defaults <json>', 'fields every row gets unless it sets them (JSON or @file.json)', json('--defaults'))
    .option('--concurrency <n>', 'videos generating at once', number)
    .option('--max-credits <credits>', 'the most the campaign may spend (worst case reserved per row)', number)
    .option('--prices <json>', 'credits per 4 s 720p clip by model, for models without a price', json('--prices'))
    .addOption(
      new Option(
        '--row-runner <runner>',
        'each row a GenerateVideo workflow, or one activity (bulk campaigns)',
      ).choices(['workflow', 'activity']),
    );
}

export function addCampaignCommands(program: Command): void {
  const campaign = program
    .command('campaign')
    .description('start a campaign from a CSV or JSONL manifest (or a campaign .json) and follow it')
    .enablePositionalOptions()
    .option('--file <path>', 'rows.csv, rows.jsonl, or a campaign .json ({"videos": [...], ...})');
  withSettings(campaign)
    .option('--id <id>', 'campaign workflow id')
    .option('--no-wait', 'print the campaign id and return')
    .action(async (options: StartOptions) => {
      if (!options.file) throw new Error('campaign: --file is required (or use a subcommand: campaign --help)');
      await startFromFile(options);
    });

  const check = campaign
    .command('check')
    .description(
      'check a manifest with the rules the campaign uses, before spending: problems by line, rows, worst case',
    )
    .requiredOption('--file <path>', 'rows.csv or rows.jsonl');
  withSettings(check)
    .option('--json', 'print JSON')
    .action(async (options: Omit<StartOptions, 'id' | 'wait'> & { json?: boolean }) => {
      const format = manifestFormat(options.file);
      if (!format) throw new Error(`${options.file}: a manifest is .csv or .jsonl`);
      const settings = settingsOf(options);
      const rows = readManifest(createReadStream(options.file), format);
      const checked = await checkManifest(rows, format, settings, await catalogFromEnv()());
      const problems = [...checked.settings_problems, ...checked.problems];
      const count = checked.settings_problems.length + checked.problem_count;
      if (options.json) console.log(JSON.stringify(checked, null, 2));
      else if (count) {
        console.log(`${count} problem(s), ${checked.rows} rows read:`);
        for (const problem of problems) console.log(`  ${problem}`);
        if (count > problems.length) console.log(`  (and ${count - problems.length} more)`);
      } else {
        console.log(`${checked.rows} rows, all valid; worst case ${checked.worst_case_credits} credits`);
      }
      if (count) process.exitCode = 1;
    });

  campaign
    .command('status')
    .description("a campaign's progress, or its result once finished")
    .requiredOption('--id <id>', 'campaign workflow id')
    .option('--gallery', 'write the results files and the gallery now, from what has finished so far')
    .action(async (options: { id: string; gallery?: boolean }) =>
      withCampaign(options.id, async (job) => {
        const { status } = await job.handle.describe();
        if (status.name === 'COMPLETED') printResult(await job.result());
        else console.log(JSON.stringify({ workflow_status: status.name, ...(await job.progress()) }, null, 2));
        if (options.gallery) {
          const store = await createStore(loadWorkerConfig().VIDEO_STORE);
          const outputs = await createCampaignActivities({
            store,
            catalog: async () => BUILTIN_CATALOG,
            heartbeat: () => undefined,
          }).compileCampaignResults({ campaign_id: options.id, list_rows_up_to: 0 });
          console.error(`gallery: ${outputs.gallery}`);
        }
      }),
    );

  const steer = (name: string, description: string, act: (job: CampaignJob) => Promise<unknown>) =>
    campaign
      .command(name)
      .description(description)
      .requiredOption('--id <id>', 'campaign workflow id')
      .action(async (options: { id: string }) =>
        withCampaign(options.id, async (job) => {
          await act(job);
          console.log(`${name}: ${options.id}`);
        }),
      );
  steer('pause', 'start no more videos until resumed (running ones finish)', (job) => job.pause());
  steer('resume', 'start videos again', (job) => job.resume());
  steer('cancel', 'stop: cancel running videos (and their upstream jobs), skip the rest', (job) => job.cancel());
  steer('retry-failed', 'run again every row that failed retryably (a finished campaign starts again)', (job) =>
    job.retryFailed(),
  );
}
