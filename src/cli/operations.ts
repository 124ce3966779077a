/**
 * The operations commands: find, inspect and steer videos on any Temporal (TEMPORAL_* / profiles), and
 * look at the gateway itself (VIDEO_API_*). Each prints for a person by default and JSON with --json;
 * an error is one line on stderr and a non-zero exit.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { BUILTIN_CATALOG, mergeCatalog, modelSpec } from '../catalog';
import { VideoClient } from '../client';
import { loadWorkerConfig } from '../config';
import { FailureType, WorkflowType } from '../contract';
import { createGateway, InfraiGateway, type VideoGateway } from '../gateway';
import { registerSearchAttributes } from '../operations/search-attributes';
import { failureDetails } from '../workflows/video-failures';
import { estimatedSpend, type VideoProgress } from '../workflows/messages';

/** Print `value` as JSON, or as the lines `human` makes of it. */
function output<T>(json: boolean | undefined, value: T, human: (value: T) => string[]): void {
  console.log(json ? JSON.stringify(value, null, 2) : human(value).join('\n'));
}

/** Run with a connected client, closing it afterwards. */
/** Connect, act, and close the connection whatever happens. */
export async function withClient<T>(action: (videos: VideoClient) => Promise<T>): Promise<T> {
  const videos = await VideoClient.connect();
  try {
    return await action(videos);
  } finally {
    await videos.client.connection.close();
  }
}

/** The gateway named by VIDEO_API_BASE_URL / VIDEO_API_KEY / VIDEO_API_DIALECT (never the simulator). */
function configuredGateway(): VideoGateway {
  const config = loadWorkerConfig();
  if (!config.VIDEO_API_BASE_URL) throw new Error('set VIDEO_API_BASE_URL and VIDEO_API_KEY to reach a gateway');
  return createGateway(config.VIDEO_API_DIALECT, { baseUrl: config.VIDEO_API_BASE_URL, apiKey: config.VIDEO_API_KEY! });
}

function infraiGateway(): InfraiGateway {
  const gateway = configuredGateway();
  if (!(gateway instanceof InfraiGateway)) {
    throw new Error('gateway jobs needs the infrai dialect (VIDEO_API_DIALECT=infrai): infery has no job management');
  }
  return gateway;
}

function progressLines(p: VideoProgress): string[] {
  const credits = estimatedSpend(p.attempts);
  return [
    `${p.status} ${p.progress}%  model ${p.model}  job ${p.job_id ?? '-'}${p.upstream_status ? ` (${p.upstream_status})` : ''}`,
    `elapsed ${Math.round(p.elapsed_ms / 1000)} s, deadline ${p.deadline}, ~${credits} credits`,
    ...p.attempts.map(
      (a) =>
        `  #${a.attempt} ${a.model} ${a.outcome}${a.job_id ? ` job ${a.job_id}` : ''}` +
        `${a.error_type ? ` ${a.error_type}: ${a.error ?? ''}` : ''}${a.upstream_cancel ? ` (upstream ${a.upstream_cancel})` : ''}`,
    ),
  ];
}

/** A visibility query from the filters, each value quoted for the query language. */
export function listQuery(filters: { status?: string; model?: string; campaign?: string }): string {
  const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;
  return [
    `WorkflowType = ${quote(WorkflowType.generateVideo)}`,
    filters.status && `VideoStatus = ${quote(filters.status)}`,
    filters.model && `VideoModel = ${quote(filters.model)}`,
    filters.campaign && `VideoCampaignId = ${quote(filters.campaign)}`,
  ]
    .filter(Boolean)
    .join(' AND ');
}

export function addOperationCommands(program: Command): void {
  program
    .command('status <id>')
    .description("a video's progress, attempts and credits")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withClient(async (videos) => output(options.json, await videos.job(id).progress(), progressLines)),
    );

  program
    .command('list')
    .description('videos, newest first, filtered by their search attributes')
    .option('--status <status>', 'queued | processing | mirroring | succeeded | failed | cancelled | timed_out')
    .option('--model <id>', 'the model')
    .option('--campaign <id>', 'the campaign (VideoCampaign workflow id)')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 20)
    .option('--json', 'print JSON')
    .action((options: { status?: string; model?: string; campaign?: string; limit: number; json?: boolean }) =>
      withClient(async (videos) => {
        const rows = [];
        for await (const w of videos.client.workflow.list({ query: listQuery(options), pageSize: options.limit })) {
          const attribute = (name: string) => w.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value;
          rows.push({
            workflow_id: w.workflowId,
            execution_status: w.status.name,
            status: attribute('VideoStatus'),
            model: attribute('VideoModel'),
            job_id: attribute('VideoJobId'),
            credits_estimated: attribute('VideoCreditsEstimated'),
            failure_type: attribute('VideoFailureType'),
            started_at: w.startTime.toISOString(),
          });
          if (rows.length >= options.limit) break;
        }
        output(options.json, rows, (list) =>
          list.length
            ? list.map(
                (r) =>
                  `${r.workflow_id}  ${r.status ?? r.execution_status}  ${r.model ?? '-'}  job ${r.job_id ?? '-'}` +
                  `  ~${r.credits_estimated ?? 0} credits${r.failure_type ? `  ${r.failure_type}` : ''}`,
              )
            : ['no videos match'],
        );
      }),
    );

  program
    .command('cancel <id>')
    .description('cancel a video (its upstream job too)')
    .option('--reason <text>', 'why, recorded on the attempt')
    .action((id: string, options: { reason?: string }) =>
      withClient(async (videos) => {
        await videos.job(id).cancel(options.reason);
        console.log(`cancel requested for ${id}`);
      }),
    );

  program
    .command('fallback <id>')
    .description('abandon the current upstream job and go on with another model (refused with the reason)')
    .option('--model <id>', 'the model to move to (default: the next in the chain)')
    .option('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action((id: string, options: { model?: string; reason?: string; json?: boolean }) =>
      withClient(async (videos) => {
        try {
          const accepted = await videos.job(id).requestFallback({ model: options.model, reason: options.reason });
          output(options.json, accepted, (a) => [`falling back to ${a.model}`]);
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError) throw new Error(`refused: ${error.cause?.message}`);
          throw error;
        }
      }),
    );

  program
    .command('result <id>')
    .description("wait for a video's result; a failure prints its type and message")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withClient(async (videos) => {
        try {
          const result = await videos.job(id).result();
          output(options.json, result, (r) => [
            `succeeded: ${r.video.uri}`,
            `sha256 ${r.video.sha256}, ${r.video.bytes} bytes`,
          ]);
        } catch (error) {
          if (!(error instanceof WorkflowFailedError)) throw error;
          const cause = error.cause as { type?: string; message?: string } | undefined;
          const details = failureDetails(error.cause);
          const failure = {
            type: cause?.type ?? FailureType.Cancelled,
            message: cause?.message ?? error.message,
            ...details,
          };
          output(options.json, failure, (f) => [`${f.type}: ${f.message}`]);
          process.exitCode = 1;
        }
      }),
    );

  program
    .command('catalog')
    .description('models, limits and prices: the live gateway catalog over the built-in one')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const catalog = mergeCatalog(await configuredGateway().listModels());
      output(options.json, catalog, (c) =>
        Object.values(c).map(
          (m) =>
            `${m.id.padEnd(14)} ${m.vendor.padEnd(8)} up to ${m.max_duration_seconds} s  ${m.resolutions.join('/')}` +
            `  ${m.aspect_ratios.join(' ')}  ${m.credits_per_4s_720p ?? '?'} credits/4s 720p` +
            `${modelSpec(BUILTIN_CATALOG, m.id) ? '' : '  (live only)'}${m.auto_fallback ? '' : '  (never automatic)'}`,
        ),
      );
    });

  const jobs = program
    .command('gateway')
    .description("the gateway's own job management (infrai)")
    .command('jobs')
    .description('list, inspect and delete jobs on the gateway');
  jobs
    .command('list')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      const items = [];
      for await (const job of infraiGateway().list({ limit: Math.min(100, options.limit) })) {
        items.push(job);
        if (items.length >= options.limit) break;
      }
      output(options.json, items, (list) => list.map((j) => `${j.job_id}  ${j.upstream_status}  ${j.video_url ?? ''}`));
    });
  jobs
    .command('get <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) =>
      output(options.json, await infraiGateway().get(jobId), (j) => [JSON.stringify(j, null, 2)]),
    );
  jobs.command('delete <jobId>').action(async (jobId: string) => {
    await infraiGateway().delete(jobId);
    console.log(`deleted ${jobId}`);
  });
  jobs
    .command('delete-all')
    .description('delete every job on the account (asks first)')
    .option('--yes', 'do not ask')
    .action(async (options: { yes?: boolean }) => {
      if (!options.yes) {
        if (!process.stdin.isTTY) throw new Error('delete-all deletes every job on the account: pass --yes to confirm');
        const prompt = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await prompt.question('Delete every job on the gateway account? Type "delete all": ');
        prompt.close();
        if (answer.trim() !== 'delete all') throw new Error('not confirmed; nothing deleted');
      }
      console.log(`deleted ${await infraiGateway().deleteAll()} jobs`);
    });
  jobs
    .command('download-url <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) =>
      output(options.json, await infraiGateway().downloadUrl(jobId), (d) => [d.url]),
    );
  jobs
    .command('retention <jobId> <days>')
    .description('keep the job on the gateway for 1-90 days')
    .action(async (jobId: string, days: string) => {
      const kept = await infraiGateway().setRetention(jobId, Number(days));
      console.log(
        `kept ${kept.job_id} for ${kept.retention_days} days${kept.expires_at ? `, until ${kept.expires_at}` : ''}`,
      );
    });

  program
    .command('setup')
    .description('one-time setup of a Temporal namespace')
    .command('search-attributes')
    .description('register the video search attributes (idempotent)')
    .action(() =>
      withClient(async (videos) => {
        const added = await registerSearchAttributes(videos.client.connection, videos.client.options.namespace);
        console.log(
          added.length ? `registered ${added.join(', ')}` : 'all video search attributes were already registered',
        );
      }),
    );
}
